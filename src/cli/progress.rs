//! Progress lines on stderr: timestamped, one per event (CI-friendly).

use std::time::Instant;

use crate::engine::{Event, Observer};

/// Writes `[  1.2s] seo/intro: created task 6f1c…` lines to stderr.
pub struct Lines {
    start: Instant,
    quiet: bool,
}

impl Lines {
    /// A printer; `quiet` prints nothing.
    pub fn new(quiet: bool) -> Self {
        Self { start: Instant::now(), quiet }
    }
}

impl Observer for Lines {
    fn event(&self, task: &str, event: &Event) {
        if self.quiet {
            return;
        }
        let what = match event {
            Event::Cached => "cached result, not submitted".to_owned(),
            Event::Created { task_id } => format!("created task {task_id}"),
            Event::Adopted { task_id } => format!("resuming task {task_id} from an earlier run"),
            Event::Status { status } => status.clone(),
            Event::PollError { message } => format!("poll failed, will retry: {message}"),
            Event::Done { .. } => return,
        };
        eprintln!("[{:>6.1}s] {task}: {what}", self.start.elapsed().as_secs_f64());
    }
}
