//! vidflow: a declarative workflow runner for TwelveLabs async video analysis.

pub mod contract;
