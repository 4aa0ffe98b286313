//! The API contract's rules as pure functions (`api-contract.md`).
//!
//! One module owns them so that the offline `check`, the client's pre-checks and the
//! simulator's 400s agree by construction (design §7). Nothing here does I/O.

pub mod assets;
pub mod media;
pub mod time;
pub mod tokens;

pub use tokens::est_tokens;

/// The model names the contract accepts (REQ-MODEL-*, VAL-6).
pub const MODELS: [&str; 2] = ["pegasus1.2", "pegasus1.5"];

/// The `model_name` the API applies when none is sent [seed] (SCOPE-2).
pub const DEFAULT_MODEL: &str = "pegasus1.2";

mod base64_payload;
mod checker;
mod effective;
pub mod idempotency;
pub mod json_schema;
mod media_source;
pub mod placeholder;
mod prompt;
pub mod request;
pub mod resources;
mod response_format;
pub mod segments;
mod timing;
mod url;
mod video;
pub mod violation;

#[cfg(test)]
pub(crate) mod request_tests;

pub use base64_payload::MAX_BASE64_DECODED_BYTES;
pub use idempotency::validate_idempotency_key;
pub use media_source::MAX_MEDIA_SOURCES;
pub use request::{CREATE_FIELDS, DEFAULT_ANALYSIS_MODE, validate_create};
pub use resources::{AssetInfo, Resources};
pub use timing::MIN_SEGMENT_DURATION_S;
pub use violation::{Code, Violation};
