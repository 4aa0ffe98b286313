//! `plan`: what a run would do with each task and why (design §1, §4), from the
//! prepared workflow and the stored state. No network, nothing written.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::api::wire::{FinishReason, TaskStatus};
use crate::engine::Prepared;
use crate::state::{LockEntry, StateError, Store, read_lockfile};
use crate::workflow::PlannedTask;
use crate::workflow::model::VideoInput;

/// Why a task will or will not run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// Never run: no stored record of its key, and none of its name.
    New,
    /// The task ran before with another key; `what` names the changed members of the
    /// request (`prompt`, `temperature`, `response_format.json_schema`, `video`).
    Changed {
        /// Changed members, or `["request or video"]` when the earlier request was
        /// not stored.
        what: Vec<String>,
    },
    /// A ready result of this key is stored: a run reuses it.
    Cached {
        /// The stored result was cut at `max_tokens` (TRUNC-2).
        truncated: bool,
    },
    /// Created (or being created) by an earlier run that did not collect it: a run
    /// adopts it instead of creating another.
    InFlight {
        /// The task id, once the create answered.
        task_id: Option<String>,
        /// Last known status (`submitting` before the create answered).
        last_status: String,
    },
    /// The last run of this key failed: a run resubmits it.
    Retry {
        /// The server's message, if stored.
        error: Option<String>,
    },
    /// Its video breaks the input requirements: not submitted (exit 1).
    Rejected {
        /// One line per broken requirement.
        reasons: Vec<String>,
    },
}

impl Status {
    /// Short label: `new`, `changed`, `cached`, `in flight`, `retry`, `rejected`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Changed { .. } => "changed",
            Self::Cached { .. } => "cached",
            Self::InFlight { .. } => "in flight",
            Self::Retry { .. } => "retry",
            Self::Rejected { .. } => "rejected",
        }
    }

    /// The reason in words, e.g. `changed: prompt, temperature`.
    pub fn reason(&self) -> String {
        match self {
            Self::New => "new: never run".into(),
            Self::Changed { what } => format!("changed: {}", what.join(", ")),
            Self::Cached { truncated: false } => "cached: ready result stored".into(),
            Self::Cached { truncated: true } => "cached: ready result stored (truncated)".into(),
            Self::InFlight { task_id: Some(id), last_status } => {
                format!("in flight: task {id} ({last_status}); a run polls it")
            }
            Self::InFlight { task_id: None, .. } => {
                "in flight: create sent, no task id yet; a run re-sends it with the same Idempotency-Key".into()
            }
            Self::Retry { error: Some(e) } => format!("retry: failed last time: {e}"),
            Self::Retry { error: None } => "retry: failed last time".into(),
            Self::Rejected { reasons } => format!("rejected: {}", reasons.join("; ")),
        }
    }

    /// Whether a run would send a create for this task.
    pub fn submits(&self) -> bool {
        matches!(self, Self::New | Self::Changed { .. } | Self::Retry { .. })
    }
}

/// One task of the plan.
#[derive(Debug, Clone, Serialize)]
pub struct TaskPlan {
    /// `analysis/video`.
    pub name: String,
    /// Status and its details.
    #[serde(flatten)]
    pub status: Status,
    /// [`Status::reason`].
    pub reason: String,
    /// Task key (SHA-256 hex).
    pub key: String,
    /// The `custom_id` sent.
    pub custom_id: String,
    /// The create body ([`PlannedTask::request`]).
    pub request: Value,
    /// Output files, relative to the workflow directory.
    pub outputs: Vec<String>,
    /// Billable seconds of video: the analysis window of a probed local file;
    /// `None` when the duration is unknown (URLs, assets, video ids) or the video
    /// is rejected.
    pub billable_seconds: Option<f64>,
}

/// Counts over a plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Every task.
    pub tasks: usize,
    /// [`Status::New`].
    pub new: usize,
    /// [`Status::Changed`].
    pub changed: usize,
    /// [`Status::Cached`].
    pub cached: usize,
    /// [`Status::InFlight`].
    pub in_flight: usize,
    /// [`Status::Retry`].
    pub retry: usize,
    /// [`Status::Rejected`].
    pub rejected: usize,
    /// Tasks a run would submit (new, changed, retry).
    pub to_submit: usize,
    /// Billable minutes of video of the tasks to submit whose duration is known.
    pub billable_minutes: f64,
    /// Tasks to submit whose duration is unknown (not counted in the minutes).
    pub unknown_duration: usize,
}

/// The plan of one workflow.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The workflow file.
    pub workflow: String,
    /// Every task, in workflow order.
    pub tasks: Vec<TaskPlan>,
    /// Counts and billable minutes.
    pub totals: Totals,
}

/// Plans `prepared` against the state in `store` and the workflow's section of its
/// `vidflow.lock`. Reads only.
pub fn plan(prepared: &Prepared, store: &Store) -> Result<Plan, StateError> {
    let workflow = &prepared.workflow;
    let file_name = workflow.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    let lock = read_lockfile(store.lockfile_dir(), &file_name)?;
    let mut tasks = Vec::with_capacity(prepared.tasks.len());
    let mut totals = Totals::default();
    for task in &prepared.tasks {
        let status = status(prepared, store, &lock, task)?;
        let billable_seconds = match (&status, &workflow.videos[task.video].input) {
            (Status::Rejected { .. }, _) => None,
            (_, VideoInput::File { path, .. }) => prepared.media.get(path).map(|m| window_seconds(task, m.duration)),
            _ => None,
        };
        totals.add(&status, billable_seconds);
        tasks.push(TaskPlan {
            name: task.name.clone(),
            reason: status.reason(),
            status,
            key: task.key.clone(),
            custom_id: task.custom_id.clone(),
            request: task.request(&workflow.videos[task.video]),
            outputs: task.outputs.iter().map(|o| o.path.display().to_string()).collect(),
            billable_seconds,
        });
    }
    Ok(Plan { workflow: workflow.file.display().to_string(), tasks, totals })
}

impl Totals {
    fn add(&mut self, status: &Status, billable_seconds: Option<f64>) {
        self.tasks += 1;
        *match status {
            Status::New => &mut self.new,
            Status::Changed { .. } => &mut self.changed,
            Status::Cached { .. } => &mut self.cached,
            Status::InFlight { .. } => &mut self.in_flight,
            Status::Retry { .. } => &mut self.retry,
            Status::Rejected { .. } => &mut self.rejected,
        } += 1;
        if status.submits() {
            self.to_submit += 1;
            match billable_seconds {
                Some(s) => self.billable_minutes += s / 60.0,
                None => self.unknown_duration += 1,
            }
        }
    }
}

fn status(
    prepared: &Prepared,
    store: &Store,
    lock: &BTreeMap<String, LockEntry>,
    task: &PlannedTask,
) -> Result<Status, StateError> {
    if let Some(reasons) = prepared.rejected.get(&task.name) {
        return Ok(Status::Rejected { reasons: reasons.clone() });
    }
    if let Some(done) = store.result(&task.key)?
        && done.status == TaskStatus::Ready
        && let Some(result) = &done.result
    {
        return Ok(Status::Cached { truncated: result.finish_reason != FinishReason::Stop });
    }
    if let Some(record) = store.record(&task.key)? {
        return Ok(if record.status == "failed" {
            Status::Retry { error: record.error }
        } else {
            Status::InFlight { task_id: record.task_id, last_status: record.status }
        });
    }
    let Some(earlier) = lock.get(&task.name).filter(|e| e.key != task.key) else {
        return Ok(Status::New);
    };
    let what = match store.record(&earlier.key)?.and_then(|r| r.request) {
        Some(old) => changed_members(&old, &task.keyed()),
        None => Vec::new(),
    };
    let what = if what.is_empty() { vec!["request or video".to_owned()] } else { what };
    Ok(Status::Changed { what })
}

/// The analysis window of a task on a video of `duration` seconds, in seconds:
/// `start_time` (default 0) to `end_time` (default, and at most, the duration).
pub fn window_seconds(task: &PlannedTask, duration: f64) -> f64 {
    let num = |k: &str| task.body.get(k).and_then(Value::as_f64);
    let start = num("start_time").unwrap_or(0.0).max(0.0);
    let end = num("end_time").unwrap_or(duration).min(duration);
    (end - start).max(0.0)
}

/// Deepest path a change is named by (`response_format.json_schema.properties`).
const MAX_DEPTH: usize = 3;

/// The members that differ between two keyed requests ([`PlannedTask::keyed`]),
/// named as in the request (`prompt`, `response_format.json_schema.properties`),
/// `video` for the video identity.
pub fn changed_members(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if old.get("video") != new.get("video") {
        out.push("video".to_owned());
    }
    diff(old.get("request").unwrap_or(&Value::Null), new.get("request").unwrap_or(&Value::Null), "", 0, &mut out);
    out
}

fn diff(old: &Value, new: &Value, path: &str, depth: usize, out: &mut Vec<String>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) if depth < MAX_DEPTH => {
            let mut keys: Vec<&String> = b.keys().collect();
            keys.extend(a.keys().filter(|k| !b.contains_key(*k)));
            for k in keys {
                let child = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                diff(a.get(k).unwrap_or(&Value::Null), b.get(k).unwrap_or(&Value::Null), &child, depth + 1, out);
            }
        }
        _ => out.push(if path.is_empty() { "request".to_owned() } else { path.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changes_are_named_by_member() {
        let old = json!({"request": {"prompt": "a", "temperature": 0.2, "response_format": {"type": "json_schema",
            "json_schema": {"properties": {"t": {"type": "string"}}}}}, "video": {"url": "u"}});
        let new = json!({"request": {"prompt": "b", "max_tokens": 600, "response_format": {"type": "json_schema",
            "json_schema": {"properties": {"t": {"type": "number"}}}}}, "video": {"url": "v"}});
        assert_eq!(
            changed_members(&old, &new),
            ["video", "prompt", "max_tokens", "response_format.json_schema.properties", "temperature"]
        );
        assert!(changed_members(&old, &old).is_empty());
    }
}
