//! State under `.vidflow/` beside the workflow (design §4): one record per task key,
//! raw results one file per key, the run lock, `vidflow.lock`, and the cache of local
//! files' hashes and probes ([`media_cache`]). Runs against the simulator keep their
//! tasks, results, assets and lock file under `.vidflow/sim/` ([`Scope::Sim`]).
//!
//! Every write is atomic (temporary file + rename), so a crash leaves either the old
//! or the new file, never half of one.

mod lockfile;
pub mod media_cache;

pub use lockfile::{LockEntry, read_lockfile};
pub use media_cache::{Examined, MediaCache};

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::api::wire::Task;
use crate::render::output::write_atomic;

/// Name of the state directory beside the workflow file.
pub const STATE_DIR: &str = ".vidflow";

/// Whose tasks, results and assets a store holds. A simulated result must never be
/// taken for a real one, nor a simulator's asset id sent to the API: `--sim` runs
/// keep theirs apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// The API (any `--api-url`): `.vidflow/` and `vidflow.lock` beside the workflow.
    #[default]
    Api,
    /// The in-process simulator of `--sim`: `.vidflow/sim/`, its lock file inside.
    Sim,
}

impl Scope {
    /// `Sim` when `sim`, else `Api`.
    pub fn of(sim: bool) -> Self {
        if sim { Self::Sim } else { Self::Api }
    }

    /// The state directory of this scope for a workflow in `dir`.
    pub fn root(self, dir: &Path) -> PathBuf {
        match self {
            Self::Api => dir.join(STATE_DIR),
            Self::Sim => dir.join(STATE_DIR).join("sim"),
        }
    }

    /// Where this scope's `vidflow.lock` lives for a workflow in `dir`: beside it
    /// (committed with the results), or inside the simulator's state.
    pub fn lockfile_dir(self, dir: &Path) -> PathBuf {
        match self {
            Self::Api => dir.to_owned(),
            Self::Sim => self.root(dir),
        }
    }
}

/// Writes `dir/.gitignore` ignoring everything in `dir` (with `why` as a comment),
/// unless one exists: for state that must not be committed.
pub(crate) fn ignore_all(dir: &Path, why: &str) -> Result<(), StateError> {
    use std::io::Write as _;
    let ignore = dir.join(".gitignore");
    match File::options().write(true).create_new(true).open(&ignore) {
        Ok(mut f) => {
            f.write_all(format!("# {why}\n*\n").as_bytes()).map_err(|source| StateError::Io { path: ignore, source })
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StateError::Io { path: ignore, source }),
    }
}

/// Errors of the state store.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Another run of the same workflow holds the lock.
    #[error("another `vidflow run` of `{workflow}` is in progress (lock `{}` is held); wait for it to finish", lock.display())]
    Busy {
        /// Workflow name.
        workflow: String,
        /// The lock file.
        lock: PathBuf,
    },
    /// A file could not be read or written.
    #[error("state file `{}`: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A state file holds something unreadable.
    #[error("state file `{}` is corrupt: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The decode error.
        reason: String,
    },
}

/// What is known of a task key: written before the create call, updated as soon as
/// the task id and the terminal status are known (design §4, CLI-IDEM-1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskRecord {
    /// The task key (SHA-256 hex).
    pub key: String,
    /// `analysis/video`.
    pub name: String,
    /// Submission generation: 0 first, +1 for each resubmission (CLI-IDEM-2).
    pub generation: u32,
    /// `Idempotency-Key` of this generation: SHA-256(key ‖ generation).
    pub idempotency_key: String,
    /// The task id, once the create answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// Last known status (`submitting` before the create answered).
    pub status: String,
    /// Server message of a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the key hashes: `{"request": <body without video and custom_id>,
    /// "video": <video identity>}` ([`crate::workflow::PlannedTask::keyed`]), so
    /// `plan` can say what changed when the key of a task changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<serde_json::Value>,
    /// When this generation's first create was sent, RFC 3339 (CLI-IDEM-3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_attempt_at: Option<String>,
}

impl TaskRecord {
    /// The record of the next submission generation of the same task, before its
    /// create call (CLI-IDEM-2); keeps what the key hashes.
    pub fn next_generation(&self) -> Self {
        Self { request: self.request.clone(), ..Self::new(&self.key, &self.name, self.generation + 1) }
    }

    /// A record for `generation` of `key`, before its create call.
    pub fn new(key: &str, name: &str, generation: u32) -> Self {
        Self {
            key: key.to_owned(),
            name: name.to_owned(),
            generation,
            idempotency_key: crate::canonical::sha256_hex(format!("{key}:{generation}")),
            task_id: None,
            status: "submitting".into(),
            error: None,
            request: None,
            first_attempt_at: None,
        }
    }
}

/// An uploaded local file, remembered by content hash so that each file is
/// uploaded once across runs and workflows sharing the state directory (ASSET-6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetRecord {
    /// SHA-256 hex of the file's bytes.
    pub sha256: String,
    /// The asset id the upload returned.
    pub asset_id: String,
    /// Last known asset status (`processing`, `ready`, `failed`).
    pub status: String,
    /// File size, bytes.
    pub size: u64,
    /// File name sent with the upload.
    pub filename: String,
}

/// The state directory of one workflow, held for the length of a run.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    lockfile_dir: PathBuf,
    _lock: Option<File>,
}

impl Store {
    /// Opens the state of `scope` for a workflow in `dir` without locking (for
    /// `plan`, `render`, `status`).
    pub fn open(dir: &Path, scope: Scope) -> Self {
        Self { root: scope.root(dir), lockfile_dir: scope.lockfile_dir(dir), _lock: None }
    }

    /// Opens the state directory `root` itself (e.g. `.vidflow/`) unlocked; its
    /// lock file is taken to be inside it.
    pub fn open_root(root: &Path) -> Self {
        Self { root: root.to_owned(), lockfile_dir: root.to_owned(), _lock: None }
    }

    /// Opens the state of `scope` for a workflow in `dir` and takes the run lock of
    /// `workflow`; a second run of the same workflow gets [`StateError::Busy`]
    /// (design §4).
    pub fn lock(dir: &Path, workflow: &str, scope: Scope) -> Result<Self, StateError> {
        let root = scope.root(dir);
        let path = root.join("locks").join(format!("{}.lock", crate::workflow::expand::sanitize_id(workflow)));
        let file = open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => {
                if scope == Scope::Sim {
                    ignore_all(&root, "vidflow's state of `run --sim` runs: simulated, never to be committed.")?;
                }
                Ok(Self { root, lockfile_dir: scope.lockfile_dir(dir), _lock: Some(file) })
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(StateError::Busy { workflow: workflow.to_owned(), lock: path })
            }
            Err(std::fs::TryLockError::Error(source)) => Err(StateError::Io { path, source }),
        }
    }

    /// The state directory (`.vidflow/` or `.vidflow/sim/`).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of this state's `vidflow.lock`.
    pub fn lockfile_dir(&self) -> &Path {
        &self.lockfile_dir
    }

    /// Replaces the section of `workflow` (its file name) in this state's
    /// `vidflow.lock` with `entries`, keeping other workflows' sections; one writer
    /// at a time across processes. Errors: the existing file does not parse
    /// ([`StateError::Corrupt`], nothing written), I/O.
    pub fn write_lockfile(
        &self,
        workflow: &str,
        entries: std::collections::BTreeMap<String, LockEntry>,
    ) -> Result<(), StateError> {
        let guard = self.root.join("locks").join("vidflow.lock.lock");
        lockfile::write_lockfile(&self.lockfile_dir, &guard, workflow, entries)
    }

    fn record_path(&self, key: &str) -> PathBuf {
        self.root.join("tasks").join(format!("{key}.json"))
    }

    fn result_path(&self, key: &str) -> PathBuf {
        self.root.join("results").join(format!("{key}.json"))
    }

    fn asset_path(&self, sha256: &str) -> PathBuf {
        self.root.join("assets").join(format!("{sha256}.json"))
    }

    /// The asset uploaded for the file with this SHA-256, if any.
    pub fn asset(&self, sha256: &str) -> Result<Option<AssetRecord>, StateError> {
        read_json(&self.asset_path(sha256))
    }

    /// Saves an asset record atomically.
    pub fn save_asset(&self, record: &AssetRecord) -> Result<(), StateError> {
        write_json(&self.asset_path(&record.sha256), record)
    }

    /// Forgets the asset of `sha256` (it failed or no longer exists).
    pub fn forget_asset(&self, sha256: &str) -> Result<(), StateError> {
        let path = self.asset_path(sha256);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(StateError::Io { path, source }),
        }
    }

    /// Forgets every remembered asset (their upload locks stay).
    pub fn forget_assets(&self) -> Result<(), StateError> {
        let dir = self.root.join("assets");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => return Err(StateError::Io { path: dir, source }),
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if let Some(sha) = name.to_string_lossy().strip_suffix(".json") {
                self.forget_asset(sha)?;
            }
        }
        Ok(())
    }

    /// Takes the exclusive upload lock of the file with this SHA-256, blocking until
    /// another process (a run of another workflow sharing the state directory)
    /// releases it; released when the returned file is dropped.
    pub fn lock_asset(&self, sha256: &str) -> Result<File, StateError> {
        let path = self.root.join("assets").join(format!("{sha256}.lock"));
        let file = open_lock_file(&path)?;
        file.lock().map_err(|source| StateError::Io { path, source })?;
        Ok(file)
    }

    /// The record of `key`, if any.
    pub fn record(&self, key: &str) -> Result<Option<TaskRecord>, StateError> {
        read_json(&self.record_path(key))
    }

    /// Saves a record atomically.
    pub fn save_record(&self, record: &TaskRecord) -> Result<(), StateError> {
        write_json(&self.record_path(&record.key), record)
    }

    /// The stored terminal task of `key` (the raw `GET` answer), if any.
    pub fn result(&self, key: &str) -> Result<Option<Task>, StateError> {
        read_json(&self.result_path(key))
    }

    /// SHA-256 of the stored result file of `key`, if any.
    pub fn result_digest(&self, key: &str) -> Result<Option<String>, StateError> {
        let path = self.result_path(key);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(crate::canonical::sha256_hex(bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(StateError::Io { path, source }),
        }
    }

    /// Stores the terminal task of `key` raw, atomically; returns the SHA-256 of the
    /// stored bytes.
    pub fn save_result(&self, key: &str, task: &Task) -> Result<String, StateError> {
        write_json(&self.result_path(key), task)?;
        let bytes = std::fs::read(self.result_path(key))
            .map_err(|source| StateError::Io { path: self.result_path(key), source })?;
        Ok(crate::canonical::sha256_hex(bytes))
    }
}

/// Opens (creating it and its directory) a lock file, without truncating it.
fn open_lock_file(path: &Path) -> Result<File, StateError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| StateError::Io { path: dir.to_owned(), source })?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|source| StateError::Io { path: path.to_owned(), source })
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, StateError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| StateError::Corrupt { path: path.to_owned(), reason: e.to_string() }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(StateError::Io { path: path.to_owned(), source }),
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StateError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| StateError::Corrupt { path: path.to_owned(), reason: e.to_string() })?;
    bytes.push(b'\n');
    write_atomic(path, &bytes).map(|_| ()).map_err(|source| StateError::Io { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_of_the_same_workflow_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = Store::lock(dir.path(), "wf", Scope::Api).expect("first lock");
        assert!(matches!(Store::lock(dir.path(), "wf", Scope::Api), Err(StateError::Busy { .. })));
        assert!(Store::lock(dir.path(), "other", Scope::Api).is_ok());
        drop(first);
        assert!(Store::lock(dir.path(), "wf", Scope::Api).is_ok());
    }

    #[test]
    fn records_round_trip() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), Scope::Api);
        assert_eq!(store.record("k").ok(), Some(None));
        let mut rec = TaskRecord::new("k", "a/v", 0);
        store.save_record(&rec).expect("save");
        rec.task_id = Some("t1".into());
        store.save_record(&rec).expect("save");
        assert_eq!(store.record("k").ok().flatten(), Some(rec));
    }

    #[test]
    fn assets_are_remembered_by_hash_and_forgotten() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(dir.path(), Scope::Api);
        let rec = AssetRecord {
            sha256: "ab".into(),
            asset_id: "a1".into(),
            status: "ready".into(),
            size: 3,
            filename: "x.mp4".into(),
        };
        store.save_asset(&rec).expect("save");
        let lock = store.lock_asset("ab").expect("lock");
        assert_eq!(Store::open(dir.path(), Scope::Api).asset("ab").ok().flatten(), Some(rec));
        drop(lock);
        store.forget_asset("ab").expect("forget");
        store.forget_asset("ab").expect("forget twice");
        assert_eq!(store.asset("ab").ok(), Some(None));
    }
}
