//! Progress on stderr (design §5): on a terminal, one live line per running task
//! plus a totals line (indicatif); otherwise plain timestamped lines, one per
//! event (CI-friendly).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::engine::{Event, Observer};

/// The progress printer of one `vidflow run`.
pub enum Progress {
    /// `[  1.2s] seo/intro: created task 6f1c…` lines.
    Lines {
        /// When the run started.
        start: Instant,
        /// Print nothing.
        quiet: bool,
    },
    /// Live bars on a terminal.
    Live(Live),
}

/// Live lines: one spinner per active task, and a totals bar.
pub struct Live {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
    totals: ProgressBar,
    counts: Mutex<HashMap<&'static str, usize>>,
}

impl Progress {
    /// Live output when stderr is a terminal and not `quiet`, else lines.
    pub fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Self::Lines { start: Instant::now(), quiet };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let totals = multi.add(ProgressBar::new(0));
        totals.set_style(
            ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} tasks  {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        Self::Live(Live { multi, bars: Mutex::new(HashMap::new()), totals, counts: Mutex::new(HashMap::new()) })
    }

    /// Starts a workflow of `tasks` tasks (resets the totals).
    pub fn begin(&self, tasks: usize) {
        if let Self::Live(live) = self {
            live.totals.set_length(tasks as u64);
            live.totals.set_position(0);
            lock(&live.counts).clear();
            live.totals.set_message("");
        }
    }

    /// A message not tied to one task (retries, CLI-RETRY-7).
    pub fn note(&self, message: &str) {
        match self {
            Self::Lines { quiet: true, .. } => {}
            Self::Lines { start, .. } => errln!("[{:>6.1}s] {message}", start.elapsed().as_secs_f64()),
            Self::Live(live) => {
                let _ = live.multi.println(message);
            }
        }
    }

    /// Clears live lines before the summary is printed.
    pub fn finish(&self) {
        if let Self::Live(live) = self {
            for (_, bar) in lock(&live.bars).drain() {
                bar.finish_and_clear();
            }
            live.totals.finish_and_clear();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// A short description of an event, `None` for the end of a task.
fn describe(event: &Event) -> Option<String> {
    Some(match event {
        Event::Cached => "cached result, not submitted".to_owned(),
        Event::Uploading { bytes } => format!("uploading {} as an asset", size(*bytes)),
        Event::AssetReady { asset_id } => format!("asset {asset_id} ready"),
        Event::AssetReused { asset_id } => format!("reusing asset {asset_id} (same file uploaded before)"),
        Event::Created { task_id } => format!("created task {task_id}"),
        Event::Adopted { task_id } => format!("resuming task {task_id} from an earlier run"),
        Event::Status { status } => status.clone(),
        Event::PollError { message } => format!("poll failed, will retry: {message}"),
        Event::AssetGone { message } => format!("a remembered asset is gone, uploading again: {message}"),
        Event::Resubmitted { task_id } => format!("task {task_id} is gone from the server (404); submitting again"),
        Event::Done { .. } => return None,
    })
}

impl Observer for Progress {
    fn event(&self, task: &str, event: &Event) {
        match self {
            Self::Lines { quiet: true, .. } => {}
            Self::Lines { start, .. } => {
                if let Some(what) = describe(event) {
                    errln!("[{:>6.1}s] {task}: {what}", start.elapsed().as_secs_f64());
                }
            }
            Self::Live(live) => live.event(task, event),
        }
    }
}

impl Live {
    fn event(&self, task: &str, event: &Event) {
        if let Event::Done { label } = event {
            if let Some(bar) = lock(&self.bars).remove(task) {
                bar.finish_and_clear();
            }
            let mut counts = lock(&self.counts);
            *counts.entry(label).or_default() += 1;
            let mut parts: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
            parts.sort();
            self.totals.set_message(parts.join(", "));
            self.totals.inc(1);
            return;
        }
        let Some(what) = describe(event) else {
            return;
        };
        if matches!(event, Event::Cached) {
            return;
        }
        let mut bars = lock(&self.bars);
        let bar = bars.entry(task.to_owned()).or_insert_with(|| {
            let bar = self.multi.insert_before(&self.totals, ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:.bold} {elapsed:>4} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(task.to_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        bar.set_message(what);
    }
}

/// A byte count for people: `190 B`, `12.4 kB`, `1.1 MB` (SI units, as `ls -h --si`).
fn size(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} B"),
        1_000..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_read_well_from_a_logo_to_a_film() {
        assert_eq!(super::size(190), "190 B");
        assert_eq!(super::size(12_400), "12.4 kB");
        assert_eq!(super::size(1_055_736), "1.1 MB");
    }
}
