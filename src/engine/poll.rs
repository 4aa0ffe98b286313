//! Polling a task until it is terminal (CLI-POLL-1/2, TASK-1/2).

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
/// (CLI-POLL-1/2). `on_status` sees every status change. An unknown status keeps
/// polling and is warned about once (TASK-2).
pub async fn poll(
    client: &Client,
    task_id: &str,
    name: &str,
    policy: &PollPolicy,
    observer: &dyn Observer,
    on_status: &mut dyn FnMut(&TaskStatus),
) -> Result<Polled, TaskError> {
    let start = Instant::now();
    let mut interval = policy.initial;
    let mut errors = 0u32;
    let mut last_status: Option<TaskStatus> = None;
    loop {
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        let wait = interval.mul_f64(jitter).min(policy.timeout.saturating_sub(start.elapsed()));
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
                    return Ok(Polled::Terminal(Box::new(task)));
                }
                interval = interval.mul_f64(policy.factor).min(policy.max_interval);
            }
            Err(e) if e.status() == Some(404) => return Ok(Polled::Gone),
            Err(e) if e.is_retryable() && errors + 1 < policy.max_consecutive_errors => {
                errors += 1;
                observer.event(name, &Event::PollError { message: e.to_string() });
            }
            Err(e) => return Err(e.into()),
        }
        if start.elapsed() >= policy.timeout {
            return Ok(Polled::Deadline);
        }
    }
}
