//! `run`: submit what is new or changed, poll until terminal, store raw results,
//! render outputs (design §4, §5).
//!
//! Crash safety (design §4): the task record (key, generation, `Idempotency-Key`)
//! is written before the create is sent, the task id as soon as it is known, and
//! the raw result before anything is rendered. A run killed at any point and
//! started again re-sends the same key (the server replays the original task) or
//! adopts the recorded task id, so it never makes a second task for a key.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Instant;

use futures::StreamExt;
use serde_json::{Map, Value};

use super::cancel::Cancel;
use super::error::TaskError;
use super::outcome::{Outcome, RunReport, TaskReport, TruncatedPolicy};
use super::poll::{Learned, PollPolicy, Polled, poll};
use super::prepare::Prepared;
use super::source::{AssetPolicy, Sources};
use crate::api::Client;
use crate::api::wire::{FinishReason, ListFilter, Task, TaskStatus, VideoSource};
use crate::render::{context, output};
use crate::state::{LockEntry, Scope, StateError, Store, TaskRecord};
use crate::workflow::PlannedTask;

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
    /// What a truncated result does to the exit code (TRUNC-2) for every task,
    /// overriding each analysis's `on_truncated:` (`run --on-truncated`); `None`
    /// follows the workflow.
    pub on_truncated: Option<TruncatedPolicy>,
    /// Waiting for uploaded assets (ASSET-5).
    pub assets: AssetPolicy,
    /// Interruption (Ctrl-C): stop submitting, keep records, report.
    pub cancel: Cancel,
    /// Whose state the run reads and writes (`--sim` keeps its own).
    pub state: Scope,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            concurrency: 8,
            force: false,
            only: Vec::new(),
            poll: PollPolicy::default(),
            on_truncated: None,
            assets: AssetPolicy::default(),
            cancel: Cancel::never(),
            state: Scope::Api,
        }
    }
}

/// Something that happened to a task, for progress output.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A stored ready result is reused.
    Cached,
    /// The local file is being uploaded as an asset.
    Uploading {
        /// File size, bytes.
        bytes: u64,
    },
    /// The uploaded asset is ready.
    AssetReady {
        /// The asset id.
        asset_id: String,
    },
    /// The file was uploaded before (same content hash): its asset is reused.
    AssetReused {
        /// The asset id.
        asset_id: String,
    },
    /// A create was accepted.
    Created {
        /// The task id.
        task_id: String,
    },
    /// A task created by an earlier run (or found by reconciliation) is polled
    /// instead of created again.
    Adopted {
        /// The task id.
        task_id: String,
    },
    /// The status changed.
    Status {
        /// New status.
        status: String,
    },
    /// A poll failed and will be retried, or something else worth a warning.
    PollError {
        /// Why.
        message: String,
    },
    /// A task adopted from an earlier run is gone from the server (404): it is
    /// created again.
    Resubmitted {
        /// The lost task id.
        task_id: String,
    },
    /// The create named an asset remembered from an earlier run that the API does
    /// not have (any more): it is uploaded again.
    AssetGone {
        /// The API's message.
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
    let store = Store::lock(&wf.dir, &wf.name, options.state)?;
    if options.state == Scope::Sim {
        // The in-process simulator starts empty: no asset of an earlier run exists
        // on it, and trying one would cost a refused create per file.
        store.forget_assets()?;
    }
    let sources = Sources {
        client,
        store: &store,
        policy: &options.assets,
        observer,
        uploads: Mutex::new(HashMap::new()),
        failed: Mutex::new(HashMap::new()),
    };
    let learned = Learned::default();
    let selected = |t: &PlannedTask| options.only.is_empty() || options.only.iter().any(|p| p.matches(&t.name));
    let jobs = prepared.tasks.iter().map(|task| {
        let (store, sources, learned) = (&store, &sources, &learned);
        async move {
            if !selected(task) {
                return Finished::new(task, Outcome::Skipped);
            }
            if let Some(reasons) = prepared.rejected.get(&task.name) {
                return Finished::new(task, Outcome::Rejected { reasons: reasons.clone() });
            }
            if options.cancel.is_cancelled() {
                return Finished::new(task, Outcome::Interrupted);
            }
            let job = Job { prepared, task, client, store, sources, options, observer, learned };
            tokio::select! {
                biased;
                () = options.cancel.cancelled() => Finished::new(task, Outcome::Interrupted),
                done = job.run() => done,
            }
        }
    });
    let mut results: Vec<Finished<'_>> =
        futures::stream::iter(jobs).buffer_unordered(options.concurrency.max(1)).collect().await;
    let order: BTreeMap<&str, usize> = prepared.tasks.iter().enumerate().map(|(i, t)| (t.name.as_str(), i)).collect();
    results.sort_by_key(|f| order.get(f.task.name.as_str()).copied().unwrap_or(usize::MAX));
    let mut report = RunReport { interrupted: options.cancel.is_cancelled(), ..RunReport::default() };
    for f in results {
        // An auth failure or an exhausted rate-limit budget is the same for every
        // task: it makes the run exit 3.
        if let Some(fatal) = f.fatal
            && report.fatal.is_none()
        {
            report.fatal = Some(fatal);
        }
        observer.event(&f.task.name, &Event::Done { label: f.outcome.label() });
        let task_id = f.task_id.or_else(|| store.record(&f.task.key).ok().flatten().and_then(|r| r.task_id));
        report.tasks.push(TaskReport {
            name: f.task.name.clone(),
            key: f.task.key.clone(),
            task_id,
            outcome: f.outcome,
            warning: f.warning,
            outputs: Vec::new(),
            on_truncated: options.on_truncated.unwrap_or(wf.analyses[f.task.analysis].on_truncated),
        });
    }
    render_all(prepared, &store, &mut report);
    write_lock(prepared, &store)?;
    Ok(report)
}

/// How one task ended in this run.
struct Finished<'a> {
    task: &'a PlannedTask,
    task_id: Option<String>,
    outcome: Outcome,
    warning: Option<String>,
    fatal: Option<String>,
}

impl<'a> Finished<'a> {
    fn new(task: &'a PlannedTask, outcome: Outcome) -> Self {
        Self { task, task_id: None, outcome, warning: None, fatal: None }
    }
}

/// One task's work in a run.
struct Job<'a> {
    prepared: &'a Prepared,
    task: &'a PlannedTask,
    client: &'a Client,
    store: &'a Store,
    sources: &'a Sources<'a>,
    options: &'a RunOptions,
    observer: &'a dyn Observer,
    learned: &'a Learned,
}

impl<'a> Job<'a> {
    async fn run(self) -> Finished<'a> {
        let task = self.task;
        let mut task_id = None;
        match self.run_inner(&mut task_id).await {
            Ok((outcome, warning)) => Finished { task, task_id, outcome, warning, fatal: None },
            Err(e) => {
                let fatal = matches!(&e, TaskError::Api(api) if api.is_fatal_for_run()).then(|| e.to_string());
                let outcome = match e {
                    TaskError::Failed(message) => Outcome::Failed { message },
                    other => Outcome::Error { message: other.to_string() },
                };
                Finished { task, task_id, outcome, warning: None, fatal }
            }
        }
    }

    async fn run_inner(&self, task_id_out: &mut Option<String>) -> Result<(Outcome, Option<String>), TaskError> {
        let (task, store, observer) = (self.task, self.store, self.observer);
        let stored = store.result(&task.key)?;
        if !self.options.force
            && let Some(done) = &stored
            && done.status == TaskStatus::Ready
            && let Some(result) = &done.result
        {
            observer.event(&task.name, &Event::Cached);
            *task_id_out = Some(done.task_id.clone());
            let truncated = result.finish_reason != FinishReason::Stop;
            let warning = done.error.as_ref().map(|e| e.message.clone());
            return Ok((Outcome::Ready { truncated, cached: true }, warning));
        }
        // Adopt a task an earlier run created and did not finish (design §4), or
        // one that finished but whose stored result is missing (fetched again); a
        // failed, lost or forced one gets a new generation and so a new key
        // (CLI-IDEM-2). A `--sim` run's simulator is new: no earlier task is on it.
        let adoptable = |r: &TaskRecord| match r.status.as_str() {
            "failed" => false,
            "ready" => r.task_id.is_some(),
            _ => self.options.state != Scope::Sim,
        };
        let mut record = match store.record(&task.key)? {
            Some(r) if !self.options.force && adoptable(&r) => r,
            Some(r) => TaskRecord::new(&task.key, &task.name, r.generation + 1),
            None => TaskRecord::new(&task.key, &task.name, 0),
        };
        // What the key hashes, so `plan` can say what changed next time.
        record.request.get_or_insert_with(|| task.keyed());
        let (mut task_id, mut created) = match record.task_id.clone() {
            Some(id) => {
                observer.event(&task.name, &Event::Adopted { task_id: id.clone() });
                (id, None)
            }
            None => (self.submit(&mut record).await?, Some(Instant::now())),
        };
        let mut polled = self.poll(&task_id, created, &mut record).await?;
        // An adopted id may now name another task (a restarted simulator hands
        // out the same ids): only a task with this one's `custom_id` is ours.
        if created.is_none()
            && let Polled::Terminal(done) = &polled
            && done.custom_id.as_deref() != Some(task.custom_id.as_str())
        {
            polled = Polled::Gone;
        }
        if matches!(polled, Polled::Gone) && created.is_none() {
            // A task adopted from an earlier run that the server no longer has
            // (expired, deleted, or the in-process simulator of an interrupted
            // `--sim` run): submit it again now, under a new generation (CLI-IDEM-2).
            observer.event(&task.name, &Event::Resubmitted { task_id: task_id.clone() });
            record = TaskRecord { request: record.request.take(), ..record.next_generation() };
            task_id = self.submit(&mut record).await?;
            created = Some(Instant::now());
            polled = self.poll(&task_id, created, &mut record).await?;
        }
        *task_id_out = Some(task_id.clone());
        let done = match polled {
            Polled::Terminal(done) => *done,
            Polled::Gone => {
                record.status = "failed".into();
                record.error = Some(format!("task {task_id} no longer exists on the server (404)"));
                store.save_record(&record)?;
                return Err(TaskError::Failed(format!(
                    "task {task_id} no longer exists on the server (404); the next run resubmits it"
                )));
            }
            Polled::Deadline => {
                return Err(TaskError::Local(deadline_message(&task_id, self.options.poll.timeout)));
            }
        };
        self.finish(&mut record, done)
    }

    /// Polls `task_id` to the end, keeping its last status in `record` (best effort:
    /// `status` shows it; the terminal write is checked by the caller).
    async fn poll(
        &self,
        task_id: &str,
        created: Option<Instant>,
        record: &mut TaskRecord,
    ) -> Result<Polled, TaskError> {
        let store = self.store;
        let mut on_status = |status: &TaskStatus| {
            if !status.is_terminal() {
                record.status = status.as_str().to_owned();
                let _ = store.save_record(record);
            }
        };
        let policy = &self.options.poll;
        let (name, observer) = (&self.task.name, self.observer);
        poll(self.client, task_id, name, policy, self.learned, created, observer, &mut on_status).await
    }

    /// Records the key, resolves the video source, and creates the task; returns
    /// the task id, recorded at once (design §4, CLI-IDEM-1..3).
    async fn submit(&self, record: &mut TaskRecord) -> Result<String, TaskError> {
        let (task, store) = (self.task, self.store);
        let (mut source, mut body) = self.resolve().await?;
        if self.options.cancel.is_cancelled() {
            return Err(TaskError::Local("interrupted before submission".into()));
        }
        let first_attempt = jiff::Timestamp::now();
        if record.first_attempt_at.is_none() {
            record.first_attempt_at = Some(first_attempt.to_string());
        }
        // The key is on disk before the create, so a crash here re-sends the same
        // Idempotency-Key and the server answers with the same task (CLI-IDEM-1).
        store.save_record(record)?;
        let mut created = self.client.create_task(&body, &record.idempotency_key).await;
        if let Err(e) = &created
            && e.code() == Some("resource_not_exist")
            && self.forget_assets()?
        {
            // An asset remembered from an earlier run is gone on the server (deleted,
            // expired, or another account's): upload again, once, under a new
            // generation since the body changes (CLI-IDEM-2).
            self.observer.event(&task.name, &Event::AssetGone { message: e.to_string() });
            (source, body) = self.resolve().await?;
            *record = TaskRecord { first_attempt_at: record.first_attempt_at.take(), ..record.next_generation() };
            store.save_record(record)?;
            created = self.client.create_task(&body, &record.idempotency_key).await;
        }
        if let Err(e) = &created
            && e.code() == Some("idempotency_key_reused")
        {
            // The server holds this key for another body: the same task key sent
            // earlier with another source (a re-uploaded asset after the state
            // directory was lost). A changed body gets a new generation and so a new
            // key (CLI-IDEM-2, IDEM-6), recorded before the re-send.
            *record = TaskRecord { first_attempt_at: record.first_attempt_at.take(), ..record.next_generation() };
            store.save_record(record)?;
            created = self.client.create_task(&body, &record.idempotency_key).await;
        }
        let task_id = match created {
            Ok(created) => {
                self.observer.event(&task.name, &Event::Created { task_id: created.task_id.clone() });
                created.task_id
            }
            Err(e) if e.is_ambiguous() => match self.reconcile(&source, record).await {
                Some(found) => {
                    self.observer.event(&task.name, &Event::Adopted { task_id: found.clone() });
                    found
                }
                // The record keeps its key: the next run re-sends it (CLI-IDEM-2).
                None => return Err(e.into()),
            },
            Err(e) => {
                if !e.is_retryable() && !e.is_fatal_for_run() {
                    // A final refusal (400, 409, 422): the next run starts a new
                    // generation rather than replaying a refused key.
                    record.status = "failed".into();
                    record.error = Some(e.to_string());
                    store.save_record(record)?;
                }
                return Err(e.into());
            }
        };
        record.task_id = Some(task_id.clone());
        record.status = "queued".into();
        store.save_record(record)?;
        Ok(task_id)
    }

    /// The video source and the full create body: local files uploaded (or reused)
    /// as assets or read inline, local images likewise.
    async fn resolve(&self) -> Result<(VideoSource, Value), TaskError> {
        let task = self.task;
        let video = &self.prepared.workflow.videos[task.video];
        let source = self.sources.source(video, self.video_sha(), &task.name).await?;
        let mut body = request_body(&source, task)?;
        self.sources.images(&mut body, &self.prepared.workflow.images, &task.name).await?;
        Ok((source, Value::Object(body)))
    }

    fn video_sha(&self) -> Option<&str> {
        match &self.prepared.workflow.videos[self.task.video].input {
            crate::workflow::model::VideoInput::File { path, .. } => self.prepared.hashes.get(path).map(String::as_str),
            _ => None,
        }
    }

    /// Forgets the remembered assets of this task's local files (video and images);
    /// whether there were any.
    fn forget_assets(&self) -> Result<bool, TaskError> {
        let mut shas: Vec<String> = self.video_sha().map(str::to_owned).into_iter().collect();
        let mut body = self.task.body.clone();
        for (_, source) in crate::workflow::images::media_sources_mut(body.iter_mut()) {
            shas.extend(crate::workflow::images::marker_sha256(source).map(str::to_owned));
        }
        let mut any = false;
        for sha in shas {
            if self.store.asset(&sha)?.is_some() {
                self.store.forget_asset(&sha)?;
                any = true;
            }
        }
        Ok(any)
    }

    /// CLI-IDEM-3: after an ambiguous create failure with retries exhausted, look
    /// for the task by source and adopt one with the same `custom_id` created at or
    /// after the first attempt (5 s of clock skew allowed).
    async fn reconcile(&self, source: &VideoSource, record: &TaskRecord) -> Option<String> {
        let since = record.first_attempt_at.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok())?;
        let since = since.checked_sub(jiff::SignedDuration::from_secs(5)).ok()?;
        let tasks = self.client.list_all(&ListFilter::for_source(source), 20).await.ok()?;
        // Newest first (LIST-2): the oldest match is the first submission.
        tasks
            .into_iter()
            .rev()
            .filter(|t| t.custom_id.as_deref() == Some(self.task.custom_id.as_str()))
            .filter(|t| {
                t.created_at.as_deref().and_then(|c| c.parse::<jiff::Timestamp>().ok()).is_some_and(|c| c >= since)
            })
            .map(|t| t.task_id)
            .next()
    }

    /// Stores a terminal task and turns it into an outcome (CLI-POLL-3, TRUNC-1..4).
    fn finish(&self, record: &mut TaskRecord, done: Task) -> Result<(Outcome, Option<String>), TaskError> {
        let store = self.store;
        record.status = done.status.as_str().to_owned();
        record.error = done.error.as_ref().map(|e| e.message.clone());
        let result =
            match (&done.status, &done.result) {
                (TaskStatus::Ready, Some(result)) => {
                    let truncated = result.finish_reason != FinishReason::Stop;
                    // Stored raw before anything is rendered: no result the API
                    // returned is lost (design §4).
                    store.save_result(&self.task.key, &done)?;
                    Ok((Outcome::Ready { truncated, cached: false }, record.error.clone()))
                }
                (TaskStatus::Ready, None) => Err(TaskError::Failed("task is ready but has no result (TRUNC-4)".into())),
                (status, _) => Err(TaskError::Failed(done.error.as_ref().map_or_else(
                    || format!("task ended `{}` without a message", status.as_str()),
                    |e| e.message.clone(),
                ))),
            };
        if result.is_err() {
            record.status = "failed".into();
        }
        store.save_record(record)?;
        result
    }
}

/// The message of a task still running at `job_timeout` (CLI-POLL-2). The deadline
/// is shown as given, fractions included: `--job-timeout 0.5` is "0.5 s", not "0 s".
fn deadline_message(task_id: &str, timeout: std::time::Duration) -> String {
    format!("task {task_id} not finished after {} s (job_timeout); the next run polls it again", timeout.as_secs_f64())
}

/// The create body: the video source first, then the planned body (local images
/// still markers).
fn request_body(source: &VideoSource, task: &PlannedTask) -> Result<Map<String, Value>, TaskError> {
    let mut body = Map::new();
    body.insert("video".into(), serde_json::to_value(source).map_err(|e| TaskError::Local(e.to_string()))?);
    body.extend(task.body.iter().map(|(k, v)| (k.clone(), v.clone())));
    Ok(body)
}

/// Renders every task output from stored results, then the reports, recording what
/// was written in `report` (used by `run` and by the offline `render`).
pub fn render_all(prepared: &Prepared, store: &Store, report: &mut RunReport) {
    let wf = &prepared.workflow;
    let mut contexts = Vec::new();
    for (task, line) in prepared.tasks.iter().zip(report.tasks.iter_mut()) {
        let stored = match store.result(&task.key) {
            Ok(Some(stored)) => stored,
            Ok(None) => continue,
            // Rendering around it would write reports that silently miss a task.
            Err(e) => {
                report.render_errors.push(format!("task `{}`: {e}", task.name));
                continue;
            }
        };
        if stored.status != TaskStatus::Ready || stored.result.is_none() {
            continue;
        }
        let ctx = context::with_task(task.context.clone(), &task.key, &task.custom_id, &stored);
        for out in &task.outputs {
            match prepared.renderer.render(&out.template, &ctx, out.html) {
                Ok(text) => match output::write_confined(&wf.dir, &out.path, text.as_bytes()) {
                    Ok(written) => {
                        report.changed += usize::from(written == output::WriteOutcome::Written);
                        line.outputs.push(out.path.clone());
                    }
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
                Ok(written) => {
                    report.changed += usize::from(written == output::WriteOutcome::Written);
                    report.reports.push(path);
                }
                Err(e) => report.render_errors.push(format!("{}: cannot write: {e}", path.display())),
            },
            Err(e) => report.render_errors.push(format!("{}: {e}", path.display())),
        }
    }
}

fn write_lock(prepared: &Prepared, store: &Store) -> Result<(), StateError> {
    let mut entries = BTreeMap::new();
    for task in &prepared.tasks {
        let Some(record) = store.record(&task.key)? else {
            continue;
        };
        let digest = store.result_digest(&task.key)?;
        entries.insert(
            task.name.clone(),
            LockEntry { key: task.key.clone(), task_id: record.task_id, status: record.status, result_sha256: digest },
        );
    }
    let file_name = prepared.workflow.file.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    store.write_lockfile(&file_name, entries)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    /// Regression: the deadline was printed with whole seconds, so
    /// `--job-timeout 0.5` reported "not finished after 0 s".
    #[test]
    fn job_timeout_message_keeps_fractional_seconds() {
        let m = super::deadline_message("t1", Duration::from_millis(500));
        assert!(m.starts_with("task t1 not finished after 0.5 s (job_timeout)"), "{m}");
        let m = super::deadline_message("t1", Duration::from_secs(3600));
        assert!(m.contains("after 3600 s"), "{m}");
    }
}
