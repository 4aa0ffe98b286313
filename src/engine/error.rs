//! Why one task could not be run to a terminal status.

use crate::api::ApiError;
use crate::state::StateError;

/// A task-level fault; rendered once, in the run report.
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The API refused or could not be reached (quotes code and message, CLI-RETRY-7).
    #[error("{0}")]
    Api(#[from] ApiError),
    /// The state directory could not be read or written.
    #[error("{0}")]
    State(#[from] StateError),
    /// The server failed the task or its asset; the next run resubmits (CLI-POLL-3).
    #[error("{0}")]
    Failed(String),
    /// A local problem (file too large for base64, deadline passed).
    #[error("{0}")]
    Local(String),
}
