//! The API contract's rules as pure functions (`api-contract.md`).
//!
//! One module owns them so that the offline `check`, the client's pre-checks and the
//! simulator's 400s agree by construction (design §7). Nothing here does I/O.

pub mod media;
pub mod time;
pub mod tokens;

pub use tokens::est_tokens;

/// The model names the contract accepts (REQ-MODEL-*, VAL-6).
pub const MODELS: [&str; 2] = ["pegasus1.2", "pegasus1.5"];

/// The `model_name` the API applies when none is sent [seed] (SCOPE-2).
pub const DEFAULT_MODEL: &str = "pegasus1.2";
