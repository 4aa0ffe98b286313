//! Polling a task until it is terminal (CLI-POLL-1/2, TASK-1/2).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::TaskError;
use super::run::{Event, Observer};
use crate::api::Client;
use crate::api::wire::{Task, TaskStatus};

/// Polling schedule (CLI-POLL-1, CLI-POLL-2).
#[derive(Debug, Clone)]
pub struct PollPolicy {
    /// Wait before the first poll (`poll_initial`, default 1 s).
    pub initial: Duration,
    /// Growth per non-terminal answer (default ×1.5), with ±20 % jitter.
    pub factor: f64,
    /// Ceiling of the interval (`poll_max_interval`, default 15 s).
    pub max_interval: Duration,
    /// Transient errors in a row before the task is given up
    /// (`poll_max_consecutive_errors`, default 5).
    pub max_consecutive_errors: u32,
    /// Deadline per task from its first poll (`job_timeout`, default 60 min).
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

/// How long this run's tasks take on the server, learned from finished tasks
/// (`completed_at − created_at`), so that a newly created task is first polled when
/// it is likely done instead of on a fixed schedule. This shifts CLI-POLL-1's first
/// poll; the growth, ceiling and jitter after it are unchanged.
#[derive(Debug, Default)]
pub struct Learned {
    /// Durations in seconds of the most recent terminal tasks.
    samples: Mutex<Vec<f64>>,
}

/// Samples kept: enough for a stable median, few enough to follow a change.
const LEARNED_SAMPLES: usize = 64;

impl Learned {
    /// Records a terminal task's server-side duration (`completed_at − created_at`),
    /// unless it exceeds `seen`, the local time from the create's answer to the
    /// terminal poll, by more than a second: then the server's clock is not wall
    /// time (the simulator's tick clock gains 1 s per request and advances tasks only
    /// when they are polled), and learning from it would only delay polls. Tasks
    /// without both times, or with times that do not parse as RFC 3339 (WIRE-6), are
    /// ignored.
    pub fn record(&self, task: &Task, seen: Duration) {
        let parse = |t: &Option<String>| t.as_deref().and_then(|s| s.parse::<jiff::Timestamp>().ok());
        let (Some(created), Some(done)) = (parse(&task.created_at), parse(&task.completed_at)) else { return };
        let secs = done.duration_since(created).as_secs_f64();
        if secs > seen.as_secs_f64() + 1.0 {
            return;
        }
        if !(secs.is_finite() && secs > 0.0) {
            return;
        }
        let mut samples = self.samples.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if samples.len() == LEARNED_SAMPLES {
            samples.remove(0);
        }
        samples.push(secs);
    }

    /// The median duration seen so far, if any task has finished.
    pub fn estimate(&self) -> Option<Duration> {
        let mut samples = self.samples.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if samples.is_empty() {
            return None;
        }
        samples.sort_by(f64::total_cmp);
        Duration::try_from_secs_f64(samples[samples.len() / 2]).ok()
    }
}

/// What polling ended with.
#[derive(Debug)]
pub enum Polled {
    /// A terminal answer (`ready`, `failed`, `canceled`).
    Terminal(Box<Task>),
    /// 404: the task no longer exists on the server (TASK-1); resubmit next run.
    Gone,
    /// `job_timeout` passed before a terminal answer; the task id is kept.
    Deadline,
}

/// Polls `task_id` until a terminal status: first after `initial`, then ×`factor`
/// (±20 % jitter) up to `max_interval`; transient errors are warnings until
/// `max_consecutive_errors` in a row; gives up at `timeout`, keeping the task id
/// (CLI-POLL-1/2). For a task created `created` ago in this run, the first poll
/// waits until the [`Learned`] median duration has passed, when there is one.
/// `on_status` sees every status change. An unknown status keeps polling and is
/// warned about once (TASK-2).
#[allow(clippy::too_many_arguments)]
pub async fn poll(
    client: &Client,
    task_id: &str,
    name: &str,
    policy: &PollPolicy,
    learned: &Learned,
    created: Option<Instant>,
    observer: &dyn Observer,
    on_status: &mut dyn FnMut(&TaskStatus),
) -> Result<Polled, TaskError> {
    let start = Instant::now();
    let mut interval = policy.initial;
    let mut errors = 0u32;
    let mut last_status: Option<TaskStatus> = None;
    // Aim just past the expected end (a 2 % margin plus 50 ms for the clocks), and
    // never before the contract's first poll.
    let mut first = created.zip(learned.estimate()).map(|(at, typical)| {
        let target = typical.mul_f64(1.02) + Duration::from_millis(50);
        target.saturating_sub(at.elapsed()).max(policy.initial)
    });
    loop {
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        let planned = first.take().unwrap_or_else(|| interval.mul_f64(jitter));
        let wait = planned.min(policy.timeout.saturating_sub(start.elapsed()));
        tokio::time::sleep(wait).await;
        match client.poll_task(task_id).await {
            Ok(task) => {
                errors = 0;
                if last_status.as_ref() != Some(&task.status) {
                    if let TaskStatus::Other(s) = &task.status {
                        observer
                            .event(name, &Event::PollError { message: format!("unknown status `{s}`, still polling") });
                    }
                    observer.event(name, &Event::Status { status: task.status.as_str().to_owned() });
                    on_status(&task.status);
                    last_status = Some(task.status.clone());
                }
                if task.status.is_terminal() {
                    if let Some(at) = created {
                        learned.record(&task, at.elapsed());
                    }
                    return Ok(Polled::Terminal(Box::new(task)));
                }
                interval = interval.mul_f64(policy.factor).min(policy.max_interval);
            }
            Err(e) if e.status() == Some(404) => return Ok(Polled::Gone),
            // A 429 is pacing, not a fault of the task: the shared limiter has paused
            // the bucket for its Retry-After, and the wait budget bounds the run
            // (CLI-RETRY-5). Counting it as a poll error failed a task in 1 of ~20
            // runs at a 30 % 429 rate (5 in a row).
            Err(e) if e.status() == Some(429) => {
                observer.event(name, &Event::PollError { message: e.to_string() });
            }
            Err(e) if e.is_retryable() && errors + 1 < policy.max_consecutive_errors => {
                errors += 1;
                observer.event(name, &Event::PollError { message: e.to_string() });
            }
            // The task may well be running: say that polling gave up, not the task,
            // and that its id is kept (CLI-POLL-2).
            Err(e) if e.is_retryable() => return Err(TaskError::Local(poll_errors_message(task_id, errors + 1, &e))),
            Err(e) => return Err(e.into()),
        }
        if start.elapsed() >= policy.timeout {
            return Ok(Polled::Deadline);
        }
    }
}

/// The message of a task given up after `errors` transient poll errors in a row.
fn poll_errors_message(task_id: &str, errors: u32, last: &crate::api::ApiError) -> String {
    format!(
        "polling task {task_id} failed {errors} times in a row (poll_max_consecutive_errors), last: {last}; \
         the task is kept and the next run polls it again"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: after the last of five 5xx poll answers the task's message was
    /// only the server's error, as if the task had failed on the server.
    #[test]
    fn poll_errors_message_says_polling_gave_up_and_the_task_is_kept() {
        let e = crate::api::ApiError::Transport("connection reset".into());
        let m = poll_errors_message("t1", 5, &e);
        assert!(m.starts_with("polling task t1 failed 5 times in a row"), "{m}");
        assert!(m.contains("last: transport error: connection reset"), "{m}");
        assert!(m.ends_with("the next run polls it again"), "{m}");
    }

    fn task(created: &str, completed: Option<&str>) -> Task {
        serde_json::from_value(serde_json::json!({
            "task_id": "t", "status": "ready", "created_at": created, "completed_at": completed,
        }))
        .expect("task")
    }

    #[test]
    fn learned_is_the_median_of_server_durations() {
        let learned = Learned::default();
        let long = Duration::from_secs(60);
        assert_eq!(learned.estimate(), None);
        learned.record(&task("2026-01-01T00:00:00.000Z", Some("2026-01-01T00:00:04.600Z")), long);
        learned.record(&task("2026-01-01T00:00:00Z", Some("2026-01-01T00:00:10+00:00")), long);
        learned.record(&task("2026-01-01T00:00:00.000Z", Some("2026-01-01T00:00:05.000Z")), long);
        assert_eq!(learned.estimate(), Some(Duration::from_secs(5)));
    }

    /// Regression: the simulator's tick clock made `completed_at − created_at` two
    /// minutes for tasks seen ready after 8 s, and later tasks waited that long; then
    /// capping at the local time fed back (each late first poll made the next
    /// estimate later). A server clock ahead of wall time teaches nothing.
    #[test]
    fn learned_ignores_a_server_clock_that_runs_ahead_of_wall_time() {
        let learned = Learned::default();
        learned.record(&task("2026-01-01T00:00:00.000Z", Some("2026-01-01T00:02:00.000Z")), Duration::from_secs(8));
        assert_eq!(learned.estimate(), None);
        learned.record(&task("2026-01-01T00:00:00.000Z", Some("2026-01-01T00:00:04.600Z")), Duration::from_secs(5));
        assert_eq!(learned.estimate(), Some(Duration::from_millis(4600)));
    }

    #[test]
    fn learned_ignores_tasks_without_usable_times() {
        let learned = Learned::default();
        let long = Duration::from_secs(60);
        learned.record(&task("2026-01-01T00:00:00.000Z", None), long);
        learned.record(&task("yesterday", Some("2026-01-01T00:00:05.000Z")), long);
        learned.record(&task("2026-01-01T00:00:05.000Z", Some("2026-01-01T00:00:00.000Z")), long);
        assert_eq!(learned.estimate(), None);
    }
}
