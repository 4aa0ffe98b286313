//! Run orchestration: prepare, submit, poll, store, render (design §4, §5).

pub mod cancel;
pub mod error;
pub mod outcome;
pub mod poll;
pub mod prepare;
pub mod run;
pub mod source;

pub use cancel::{Cancel, CancelHandle};
pub use outcome::{Outcome, RunReport, Summary, TaskReport, TruncatedPolicy};
pub use poll::PollPolicy;
pub use prepare::{Prepared, prepare, prepare_with};
pub use run::{Event, Observer, RunOptions, render_all, run};
pub use source::{AssetPolicy, MAX_BASE64_BYTES, Upload};
