//! `run`: submit what is new or changed, poll until terminal, store raw results,
//! render outputs (design §4, §5).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use base64::Engine as _;
use futures::StreamExt;
use serde_json::{Map, Value};

use super::outcome::{Outcome, RunReport, TaskReport};
use super::prepare::Prepared;
use crate::api::wire::{Task, TaskStatus, VideoSource};
use crate::api::{ApiError, Client};
use crate::render::{context, output};
use crate::state::{LockEntry, StateError, Store, TaskRecord, write_lockfile};
use crate::workflow::PlannedTask;
use crate::workflow::model::VideoInput;

/// Largest local file sent inline as `base64_string`: 31,457,280 decoded bytes
/// (REQ-VIDEO-1, "30 MB" read as MiB, OQ-6).
pub const MAX_BASE64_BYTES: u64 = 31_457_280;

/// Polling schedule (CLI-POLL-1, CLI-POLL-2).
#[derive(Debug, Clone)]
pub struct PollPolicy {
    /// Wait before the first poll (default 1 s).
    pub initial: Duration,
    /// Growth per non-terminal answer (default 1.5).
    pub factor: f64,
    /// Ceiling of the interval (default 15 s).
    pub max_interval: Duration,
    /// Transient errors in a row before the task is given up (default 5).
    pub max_consecutive_errors: u32,
    /// Deadline per task from its first poll (default 60 min).
    pub timeout: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            factor: 1.5,
            max_interval: Duration::from_secs(15),
            max_consecutive_errors: 5,
            timeout: Duration::from_secs(60 * 60),
        }
    }
}

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Tasks in flight at once (≥ 1).
    pub concurrency: usize,
    /// Re-run tasks even when a ready result is stored.
    pub force: bool,
    /// Select tasks by `analysis/video` glob; empty selects all.
    pub only: Vec<glob::Pattern>,
    /// Polling schedule.
    pub poll: PollPolicy,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { concurrency: 8, force: false, only: Vec::new(), poll: PollPolicy::default() }
    }
}

/// Something that happened to a task, for progress output.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A stored ready result is reused.
    Cached,
    /// A create was accepted.
    Created {
        /// The task id.
        task_id: String,
    },
    /// A task created by an earlier run is polled instead of created again.
    Adopted {
        /// The task id.
        task_id: String,
    },
    /// The status changed.
    Status {
        /// New status.
        status: String,
    },
    /// A poll failed and will be retried.
    PollError {
        /// Why.
        message: String,
    },
    /// The task ended.
    Done {
        /// Label of the outcome (`ready`, `failed`, ...).
        label: &'static str,
    },
}

/// Receives progress events; called from many tasks at once.
pub trait Observer: Sync {
    /// `task` is the task's `analysis/video` name.
    fn event(&self, task: &str, event: &Event);
}

/// Runs the prepared workflow against `client`: every selected task that is not
/// rejected and has no stored ready result is created (or adopted from an earlier
/// run), polled until terminal, stored, and rendered. Then reports are rendered and
/// `vidflow.lock` is written. Errors: only [`StateError`] for a held lock or an
/// unwritable state directory; task faults are in the report.
pub async fn run(
    prepared: &Prepared,
    client: &Client,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<RunReport, StateError> {
    let wf = &prepared.workflow;
    let store = Store::lock(&wf.dir, &wf.name)?;
    let selected = |t: &PlannedTask| options.only.is_empty() || options.only.iter().any(|p| p.matches(&t.name));
    let jobs = prepared.tasks.iter().map(|task| {
        let store = &store;
        async move {
            if !selected(task) {
                return (task, None, Outcome::Skipped, false);
            }
            if let Some(reasons) = prepared.rejected.get(&task.name) {
                return (task, None, Outcome::Rejected { reasons: reasons.clone() }, false);
            }
            match run_task(prepared, task, client, store, options, observer).await {
                Ok((task_id, outcome)) => (task, task_id, outcome, false),
                Err(e) => {
                    let fatal = matches!(&e, TaskError::Api(api) if api.is_fatal_for_run());
                    (task, None, Outcome::Error { message: e.to_string() }, fatal)
                }
            }
        }
    });
    let mut results: Vec<(&PlannedTask, Option<String>, Outcome, bool)> =
        futures::stream::iter(jobs).buffer_unordered(options.concurrency.max(1)).collect().await;
    let order: BTreeMap<&str, usize> = prepared.tasks.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    results.sort_by_key(|(t, _, _, _)| order.get(t.name.as_str()).copied().unwrap_or(usize::MAX));
    let mut report = RunReport::default();
    for (task, task_id, outcome, fatal) in results {
        // An auth failure is the same for every task: it makes the run exit 3.
        if fatal
            && report.fatal.is_none()
            && let Outcome::Error { message } = &outcome
        {
            report.fatal = Some(message.clone());
        }
        observer.event(&task.name, &Event::Done { label: outcome.label() });
        report.tasks.push(TaskReport {
            name: task.name.clone(),
            key: task.key.clone(),
            task_id,
            outcome,
            outputs: Vec::new(),
        });
    }
    render_all(prepared, &store, &mut report);
    write_lock(prepared, &store, &report)?;
    Ok(report)
}

/// Renders every task output from stored results, then the reports, recording what
/// was written in `report` (used by `run` and by the offline `render`).
pub fn render_all(prepared: &Prepared, store: &Store, report: &mut RunReport) {
    let wf = &prepared.workflow;
    let mut contexts = Vec::new();
    for (task, line) in prepared.tasks.iter().zip(report.tasks.iter_mut()) {
        let Ok(Some(stored)) = store.result(&task.key) else {
            continue;
        };
        if stored.status != TaskStatus::Ready || stored.result.is_none() {
            continue;
        }
        let ctx = context::with_task(task.context.clone(), &task.key, &task.custom_id, &stored);
        for out in &task.outputs {
            match prepared.renderer.render(&out.template, &ctx, out.html) {
                Ok(text) => match output::write_confined(&wf.dir, &out.path, text.as_bytes()) {
                    Ok(_) => line.outputs.push(out.path.clone()),
                    Err(e) => report.render_errors.push(format!("{}: cannot write: {e}", out.path.display())),
                },
                Err(e) => report.render_errors.push(format!("{}: {e}", out.path.display())),
            }
        }
        contexts.push(ctx);
    }
    if wf.reports.is_empty() {
        return;
    }
    let failed = prepared
        .tasks
        .iter()
        .filter(|t| store.record(&t.key).ok().flatten().is_some_and(|r| r.status == "failed"))
        .count();
    let summary = context::summary(prepared.tasks.len(), failed, prepared.rejected.len(), &contexts);
    let data = context::report(wf, &contexts, summary);
    for r in &wf.reports {
        let path = prepared
            .renderer
            .render(&r.path, &data, false)
            .map_err(|e| e.to_string())
            .and_then(|p| output::confine(&p).map_err(|e| e.to_string()));
        let path = match path {
            Ok(p) => p,
            Err(e) => {
                report.render_errors.push(format!("report `{}`: {e}", r.path.text));
                continue;
            }
        };
        let html = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        match prepared.renderer.render(&r.template, &data, html) {
            Ok(text) => match output::write_confined(&wf.dir, &path, text.as_bytes()) {
                Ok(_) => report.reports.push(path),
                Err(e) => report.render_errors.push(format!("{}: cannot write: {e}", path.display())),
            },
            Err(e) => report.render_errors.push(format!("{}: {e}", path.display())),
        }
    }
}

fn write_lock(prepared: &Prepared, store: &Store, report: &RunReport) -> Result<(), StateError> {
    let mut entries = BTreeMap::new();
    for (task, line) in prepared.tasks.iter().zip(&report.tasks) {
        let Some(record) = store.record(&task.key)? else {
            continue;
        };
        let digest = store
            .result(&task.key)?
            .is_some()
            .then(|| std::fs::read(store.root().join("results").join(format!("{}.json", task.key))).ok())
            .flatten()
            .map(crate::canonical::sha256_hex);
        let _ = line;
        entries.insert(
            task.name.clone(),
            LockEntry { key: task.key.clone(), task_id: record.task_id, status: record.status, result_sha256: digest },
        );
    }
    let file_name = prepared.workflow.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    write_lockfile(&prepared.workflow.dir, &file_name, entries)
}

/// Why a task could not be run to a terminal status.
#[derive(Debug, thiserror::Error)]
enum TaskError {
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("{0}")]
    State(#[from] StateError),
    #[error("{0}")]
    Local(String),
}

async fn run_task(
    prepared: &Prepared,
    task: &PlannedTask,
    client: &Client,
    store: &Store,
    options: &RunOptions,
    observer: &dyn Observer,
) -> Result<(Option<String>, Outcome), TaskError> {
    let stored = store.result(&task.key)?;
    let record = store.record(&task.key)?;
    if !options.force
        && let Some(done) = &stored
        && done.status == TaskStatus::Ready
        && let Some(result) = &done.result
    {
        observer.event(&task.name, &Event::Cached);
        let truncated = result.finish_reason != crate::api::wire::FinishReason::Stop;
        return Ok((Some(done.task_id.clone()), Outcome::Ready { truncated, cached: true }));
    }
    // Adopt a task an earlier run created and did not finish (design §4).
    let mut record = match record {
        Some(r) if !options.force && r.status != "failed" && stored.is_none() => r,
        Some(r) => TaskRecord::new(&task.key, &task.name, r.generation + 1),
        None => TaskRecord::new(&task.key, &task.name, 0),
    };
    record.request.get_or_insert_with(|| task.keyed());
    let task_id = match &record.task_id {
        Some(id) => {
            observer.event(&task.name, &Event::Adopted { task_id: id.clone() });
            id.clone()
        }
        None => {
            // The key is on disk before the create, so a crash here re-sends the same
            // Idempotency-Key and the server answers with the same task (CLI-IDEM-1).
            store.save_record(&record)?;
            let body = request_body(prepared, task)?;
            let created = client.create_task(&body, &record.idempotency_key).await?;
            record.task_id = Some(created.task_id.clone());
            record.status = "queued".into();
            store.save_record(&record)?;
            observer.event(&task.name, &Event::Created { task_id: created.task_id.clone() });
            created.task_id
        }
    };
    let done = poll(client, &task_id, &task.name, &options.poll, observer).await?;
    record.status = done.status.as_str().to_owned();
    record.error = done.error.as_ref().map(|e| e.message.clone());
    let outcome = match &done.status {
        TaskStatus::Ready => match &done.result {
            Some(result) => {
                store.save_result(&task.key, &done)?;
                let truncated = result.finish_reason != crate::api::wire::FinishReason::Stop;
                Outcome::Ready { truncated, cached: false }
            }
            None => {
                // TRUNC-4: a ready task without a result is a failure.
                record.status = "failed".into();
                Outcome::Failed { message: "task is ready but has no result (TRUNC-4)".into() }
            }
        },
        _ => Outcome::Failed {
            message: done
                .error
                .as_ref()
                .map_or_else(|| format!("task ended `{}`", done.status.as_str()), |e| e.message.clone()),
        },
    };
    if matches!(outcome, Outcome::Failed { .. }) {
        record.status = "failed".into();
    }
    store.save_record(&record)?;
    Ok((Some(task_id), outcome))
}

/// The create body: the planned body with the video source first.
fn request_body(prepared: &Prepared, task: &PlannedTask) -> Result<Value, TaskError> {
    let video = &prepared.workflow.videos[task.video];
    let source = match &video.input {
        VideoInput::Url(u) => VideoSource::Url { url: u.clone() },
        VideoInput::AssetId(a) => VideoSource::AssetId { asset_id: a.clone() },
        VideoInput::VideoId(v) => VideoSource::VideoId { video_id: v.clone() },
        VideoInput::File { path, written } => base64_source(path, written)?,
    };
    let mut body = Map::new();
    body.insert("video".into(), serde_json::to_value(source).map_err(|e| TaskError::Local(e.to_string()))?);
    body.extend(task.body.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(Value::Object(body))
}

fn base64_source(path: &PathBuf, written: &str) -> Result<VideoSource, TaskError> {
    let len = std::fs::metadata(path).map_err(|e| TaskError::Local(format!("cannot read `{written}`: {e}")))?.len();
    if len > MAX_BASE64_BYTES {
        return Err(TaskError::Local(format!(
            "`{written}` is {len} bytes; inline base64 videos are limited to {MAX_BASE64_BYTES} bytes (REQ-VIDEO-1)"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| TaskError::Local(format!("cannot read `{written}`: {e}")))?;
    Ok(VideoSource::Base64String { base64_string: base64::engine::general_purpose::STANDARD.encode(bytes) })
}

/// Polls until a terminal status (CLI-POLL-1..3): first after `initial`, growing
/// ×`factor` with ±20 % jitter up to `max_interval`; transient errors are tolerated
/// up to `max_consecutive_errors` in a row; gives up at `timeout`.
async fn poll(
    client: &Client,
    task_id: &str,
    name: &str,
    policy: &PollPolicy,
    observer: &dyn Observer,
) -> Result<Task, TaskError> {
    let start = Instant::now();
    let mut interval = policy.initial;
    let mut errors = 0u32;
    let mut last_status: Option<TaskStatus> = None;
    loop {
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        tokio::time::sleep(interval.mul_f64(jitter)).await;
        match client.retrieve_task(task_id).await {
            Ok(task) => {
                errors = 0;
                if last_status.as_ref() != Some(&task.status) {
                    observer.event(name, &Event::Status { status: task.status.as_str().to_owned() });
                    last_status = Some(task.status.clone());
                }
                if task.status.is_terminal() {
                    return Ok(task);
                }
            }
            Err(e) if e.is_retryable() && errors + 1 < policy.max_consecutive_errors => {
                errors += 1;
                observer.event(name, &Event::PollError { message: e.to_string() });
            }
            Err(e) => return Err(e.into()),
        }
        if start.elapsed() >= policy.timeout {
            return Err(TaskError::Local(format!(
                "task {task_id} not finished after {} s (job timeout); the next run polls it again",
                policy.timeout.as_secs()
            )));
        }
        interval = interval.mul_f64(policy.factor).min(policy.max_interval);
    }
}
