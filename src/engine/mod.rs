//! Run orchestration: prepare, submit, poll, store, render (design §4, §5).

pub mod outcome;
pub mod prepare;
pub mod run;

pub use outcome::{Outcome, RunReport, TaskReport};
pub use prepare::{Prepared, prepare};
pub use run::{Event, Observer, PollPolicy, RunOptions, render_all, run};
