//! What happened to each task, and the exit code it adds up to (design §1).

use std::path::PathBuf;

use serde::Serialize;

/// Exit code: all tasks ready and all outputs written.
pub const EXIT_OK: i32 = 0;
/// Exit code: some task failed, was truncated under `fail`, or was rejected.
pub const EXIT_TASKS_FAILED: i32 = 1;
/// Exit code: the workflow is invalid; nothing submitted or written.
pub const EXIT_INVALID: i32 = 2;
/// Exit code: the API could not be used (auth, network, quota).
pub const EXIT_API: i32 = 3;
/// Exit code: interrupted; state saved, a re-run resumes.
pub const EXIT_INTERRUPTED: i32 = 130;

/// The end state of one task in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Ready, with a result; `truncated` when `finish_reason` was not `stop`.
    Ready {
        /// Output cut at `max_tokens` (TRUNC-2).
        truncated: bool,
        /// Whether the result came from the state store instead of the API.
        cached: bool,
    },
    /// The server failed the task (CLI-POLL-3); the next run resubmits it.
    Failed {
        /// The server's `error.message`.
        message: String,
    },
    /// Not submitted: its video breaks the input requirements (MEDIA-1/2/3).
    Rejected {
        /// One line per broken requirement, naming rule, value and limit.
        reasons: Vec<String>,
    },
    /// The API could not be used for this task (transport, 4xx, deadline).
    Error {
        /// What went wrong, with the server's code and message when it answered.
        message: String,
    },
    /// Not run: outside `--only`.
    Skipped,
}

impl Outcome {
    /// Whether this outcome makes the run exit 1.
    pub fn is_fault(&self) -> bool {
        matches!(self, Self::Failed { .. } | Self::Rejected { .. } | Self::Error { .. })
    }

    /// A short word for tables: `ready`, `cached`, `truncated`, `failed`, ...
    pub fn label(&self) -> &'static str {
        match self {
            Self::Ready { truncated: true, .. } => "truncated",
            Self::Ready { cached: true, .. } => "cached",
            Self::Ready { .. } => "ready",
            Self::Failed { .. } => "failed",
            Self::Rejected { .. } => "rejected",
            Self::Error { .. } => "error",
            Self::Skipped => "skipped",
        }
    }
}

/// One task's line in the run report.
#[derive(Debug, Clone, Serialize)]
pub struct TaskReport {
    /// `analysis/video`.
    pub name: String,
    /// Task key.
    pub key: String,
    /// Task id, when one was created or adopted.
    pub task_id: Option<String>,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Output files written or confirmed unchanged, relative to the workflow dir.
    pub outputs: Vec<PathBuf>,
}

/// The result of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// Every task, in workflow order.
    pub tasks: Vec<TaskReport>,
    /// Report files written, relative to the workflow dir.
    pub reports: Vec<PathBuf>,
    /// Output or report files that could not be rendered or written.
    pub render_errors: Vec<String>,
    /// Set when the API could not be used at all (exit 3).
    pub fatal: Option<String>,
}

impl RunReport {
    /// The process exit code this run adds up to (design §1).
    pub fn exit_code(&self) -> i32 {
        if self.fatal.is_some() {
            EXIT_API
        } else if self.tasks.iter().any(|t| t.outcome.is_fault()) || !self.render_errors.is_empty() {
            EXIT_TASKS_FAILED
        } else {
            EXIT_OK
        }
    }
}
