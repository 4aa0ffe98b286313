//! vidflow: a declarative workflow runner for TwelveLabs async video analysis.

pub mod api;
pub mod canonical;
pub mod cli;
pub mod contract;
pub mod diag;
pub mod engine;
pub mod media;
pub mod plan;
pub mod render;
pub mod review;
pub mod sim;
pub mod state;
pub mod workflow;
