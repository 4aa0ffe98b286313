//! Local media: facts from `ffprobe` (MEDIA-3).

pub mod probe;

pub use probe::{Probe, ProbeError, probe};
