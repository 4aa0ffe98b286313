//! One integration-test binary: the real `vidflow` binary run on fixture folders,
//! against the simulator over real HTTP on 127.0.0.1.

mod engine_support;
mod support;

mod check;
mod commands;
mod corpus;
mod engine_paths;
mod faults;
mod media;
mod media_cache;
mod media_generated;
mod recipes;
mod render;
mod resume;
mod review;
mod run;
mod sim_assets;
mod sim_faults;
mod sim_sdk;
mod state_scope;
