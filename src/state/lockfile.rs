//! `vidflow.lock`: per workflow, each task's key, task id, status and result digest,
//! sorted by task name so that diffs stay small (design §4).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::StateError;
use crate::render::output::write_atomic;

/// One task's line in `vidflow.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    /// Task key.
    pub key: String,
    /// Task id, when one was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Last known status.
    pub status: String,
    /// SHA-256 of the stored result file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_sha256: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct LockFile {
    version: u32,
    workflows: BTreeMap<String, BTreeMap<String, LockEntry>>,
}

/// The section of `workflow` (its file name) in `dir/vidflow.lock`: task name →
/// entry. Empty when there is no lock file or no section; an unreadable file is an
/// error.
pub fn read_lockfile(dir: &Path, workflow: &str) -> Result<BTreeMap<String, LockEntry>, StateError> {
    let path = dir.join("vidflow.lock");
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(source) => return Err(StateError::Io { path, source }),
    };
    let mut lock: LockFile =
        serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt { path, reason: e.to_string() })?;
    Ok(lock.workflows.remove(workflow).unwrap_or_default())
}

/// Replaces the section of `workflow` (its file name) in `dir/vidflow.lock` with
/// `entries` (task name → entry), keeping other workflows' sections, under the
/// exclusive lock of the file `guard`. Errors: [`StateError::Corrupt`] when the
/// existing file does not parse (nothing is written), I/O errors.
pub(super) fn write_lockfile(
    dir: &Path,
    guard: &Path,
    workflow: &str,
    entries: BTreeMap<String, LockEntry>,
) -> Result<(), StateError> {
    let path = dir.join("vidflow.lock");
    // Runs of other workflows in this directory update their own sections of the
    // same file: one read-modify-write at a time, or sections are lost.
    let guard = super::open_lock_file(guard)?;
    guard.lock().map_err(|source| StateError::Io { path: path.clone(), source })?;
    let mut lock: LockFile = match std::fs::read(&path) {
        // A file that does not parse (a merge conflict in a committed lock) holds
        // other workflows' sections: refuse rather than drop them.
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StateError::Corrupt {
            path: path.clone(),
            reason: format!("{e}; fix or delete it (results stay in the state directory; a run writes it anew)"),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => LockFile::default(),
        Err(source) => return Err(StateError::Io { path, source }),
    };
    lock.version = 1;
    lock.workflows.insert(workflow.to_owned(), entries);
    let mut bytes = serde_json::to_vec_pretty(&lock)
        .map_err(|e| StateError::Corrupt { path: path.clone(), reason: e.to_string() })?;
    bytes.push(b'\n');
    write_atomic(&path, &bytes).map(|_| ()).map_err(|source| StateError::Io { path, source })
}
