//! What happened to each task, and the exit code it adds up to (design §1).

use std::path::PathBuf;

use serde::Serialize;

/// Exit code: all tasks ready and all outputs written.
pub const EXIT_OK: i32 = 0;
/// Exit code: some task failed, was truncated under `fail`, or was rejected.
pub const EXIT_TASKS_FAILED: i32 = 1;
/// Exit code: the workflow is invalid; nothing submitted or written.
pub const EXIT_INVALID: i32 = 2;
/// Exit code: the API could not be used (auth, network, quota).
pub const EXIT_API: i32 = 3;
/// Exit code: interrupted; state saved, a re-run resumes.
pub const EXIT_INTERRUPTED: i32 = 130;

/// The end state of one task in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Ready, with a result; `truncated` when `finish_reason` was not `stop`.
    Ready {
        /// Output cut at `max_tokens` (TRUNC-2).
        truncated: bool,
        /// Whether the result came from the state store instead of the API.
        cached: bool,
    },
    /// The server failed the task (CLI-POLL-3); the next run resubmits it.
    Failed {
        /// The server's `error.message`.
        message: String,
    },
    /// Not submitted: its video breaks the input requirements (MEDIA-1/2/3).
    Rejected {
        /// One line per broken requirement, naming rule, value and limit.
        reasons: Vec<String>,
    },
    /// The API could not be used for this task (transport, 4xx, deadline).
    Error {
        /// What went wrong, with the server's code and message when it answered.
        message: String,
    },
    /// Not run: outside `--only`.
    Skipped,
    /// Interrupted (Ctrl-C) before it ended; a task already created keeps running
    /// on the server and the next run adopts it.
    Interrupted,
}

pub use crate::workflow::model::TruncatedPolicy;

impl Outcome {
    /// Whether this outcome makes the run exit 1 under `policy`.
    pub fn is_fault(&self, policy: TruncatedPolicy) -> bool {
        match self {
            Self::Failed { .. } | Self::Rejected { .. } | Self::Error { .. } => true,
            Self::Ready { truncated, .. } => *truncated && policy == TruncatedPolicy::Fail,
            Self::Skipped | Self::Interrupted => false,
        }
    }

    /// A short word for tables: `ready`, `cached`, `truncated`, `failed`, ...
    pub fn label(&self) -> &'static str {
        match self {
            Self::Ready { truncated: true, .. } => "truncated",
            Self::Ready { cached: true, .. } => "cached",
            Self::Ready { .. } => "ready",
            Self::Failed { .. } => "failed",
            Self::Rejected { .. } => "rejected",
            Self::Error { .. } => "error",
            Self::Skipped => "skipped",
            Self::Interrupted => "interrupted",
        }
    }
}

/// One task's line in the run report.
#[derive(Debug, Clone, Serialize)]
pub struct TaskReport {
    /// `analysis/video`.
    pub name: String,
    /// Task key.
    pub key: String,
    /// Task id, when one was created or adopted.
    pub task_id: Option<String>,
    /// How it ended.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// A warning kept with a ready result: the server's `error.message` on a
    /// truncated or otherwise flagged result (TRUNC-1/3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Output files written or confirmed unchanged, relative to the workflow dir.
    pub outputs: Vec<PathBuf>,
    /// What a truncation of this task does: its analysis's `on_truncated`, or
    /// `run --on-truncated` when given.
    pub on_truncated: TruncatedPolicy,
}

/// Counts by outcome, for the summary line and `--json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Tasks in the workflow.
    pub tasks: usize,
    /// Ready (fresh, cached and truncated).
    pub ready: usize,
    /// Of those, reused from the state store without a request.
    pub cached: usize,
    /// Of those, with `finish_reason` other than `stop`.
    pub truncated: usize,
    /// Of those, counted as failures (`on_truncated: fail`).
    pub truncated_failed: usize,
    /// Failed by the server.
    pub failed: usize,
    /// Not submitted: the video breaks the input requirements.
    pub rejected: usize,
    /// The API could not be used for the task.
    pub errors: usize,
    /// Outside `--only`.
    pub skipped: usize,
    /// Stopped by Ctrl-C.
    pub interrupted: usize,
}

/// The result of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// Every task, in workflow order.
    pub tasks: Vec<TaskReport>,
    /// Report files written, relative to the workflow dir.
    pub reports: Vec<PathBuf>,
    /// Output or report files that could not be rendered or written.
    pub render_errors: Vec<String>,
    /// How many of the rendered files were written because their content changed
    /// (the others were left untouched).
    pub changed: usize,
    /// Set when the API could not be used at all (exit 3).
    pub fatal: Option<String>,
    /// Set when the run was interrupted (exit 130).
    pub interrupted: bool,
}

impl RunReport {
    /// The process exit code this run adds up to (design §1): 130 interrupted,
    /// 3 API unusable, 1 a task fault (or a truncation under `fail`) or a render
    /// error, else 0.
    pub fn exit_code(&self) -> i32 {
        if self.interrupted {
            EXIT_INTERRUPTED
        } else if self.fatal.is_some() {
            EXIT_API
        } else if self.tasks.iter().any(|t| t.outcome.is_fault(t.on_truncated)) || !self.render_errors.is_empty() {
            EXIT_TASKS_FAILED
        } else {
            EXIT_OK
        }
    }

    /// Counts by outcome.
    pub fn summary(&self) -> Summary {
        let mut s = Summary { tasks: self.tasks.len(), ..Summary::default() };
        for t in &self.tasks {
            match &t.outcome {
                Outcome::Ready { truncated, cached } => {
                    s.ready += 1;
                    s.cached += usize::from(*cached);
                    s.truncated += usize::from(*truncated);
                    s.truncated_failed += usize::from(*truncated && t.on_truncated == TruncatedPolicy::Fail);
                }
                Outcome::Failed { .. } => s.failed += 1,
                Outcome::Rejected { .. } => s.rejected += 1,
                Outcome::Error { .. } => s.errors += 1,
                Outcome::Skipped => s.skipped += 1,
                Outcome::Interrupted => s.interrupted += 1,
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(outcomes: Vec<Outcome>, on_truncated: TruncatedPolicy) -> RunReport {
        let tasks = outcomes
            .into_iter()
            .map(|outcome| TaskReport {
                name: "a/v".into(),
                key: "k".into(),
                task_id: None,
                outcome,
                warning: None,
                outputs: Vec::new(),
                on_truncated,
            })
            .collect();
        RunReport { tasks, ..RunReport::default() }
    }

    #[test]
    fn exit_codes_follow_the_design() {
        let ready = Outcome::Ready { truncated: false, cached: false };
        let truncated = Outcome::Ready { truncated: true, cached: false };
        assert_eq!(report(vec![ready.clone(), Outcome::Skipped], TruncatedPolicy::Warn).exit_code(), EXIT_OK);
        assert_eq!(report(vec![truncated.clone()], TruncatedPolicy::Warn).exit_code(), EXIT_OK);
        assert_eq!(report(vec![truncated], TruncatedPolicy::Fail).exit_code(), EXIT_TASKS_FAILED);
        let failed = Outcome::Failed { message: "x".into() };
        assert_eq!(report(vec![ready.clone(), failed], TruncatedPolicy::Warn).exit_code(), EXIT_TASKS_FAILED);
        let mut r = report(vec![ready], TruncatedPolicy::Warn);
        r.fatal = Some("auth".into());
        assert_eq!(r.exit_code(), EXIT_API);
        r.interrupted = true;
        assert_eq!(r.exit_code(), EXIT_INTERRUPTED);
    }

    /// Each task is judged by its own analysis's policy.
    #[test]
    fn truncation_policy_is_per_task() {
        let truncated = Outcome::Ready { truncated: true, cached: false };
        let mut r = report(vec![truncated.clone(), truncated], TruncatedPolicy::Warn);
        assert_eq!(r.exit_code(), EXIT_OK);
        r.tasks[1].on_truncated = TruncatedPolicy::Fail;
        assert_eq!(r.exit_code(), EXIT_TASKS_FAILED);
        let s = r.summary();
        assert_eq!((s.truncated, s.truncated_failed), (2, 1));
    }
}
