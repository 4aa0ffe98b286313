//! `vidflow schema`: the JSON Schema of the workflow file, generated from the serde
//! types that read it (`workflow::schema`), for editor completion and validation.

use crate::engine::outcome::EXIT_OK;
use crate::workflow::schema::WorkflowFile;

/// The JSON Schema (draft 2020-12) of a workflow file, pretty-printed.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(WorkflowFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

/// Prints [`schema_json`]; exit 0.
pub fn run() -> i32 {
    outln!("{}", schema_json());
    EXIT_OK
}
