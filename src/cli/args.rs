//! Every command and flag, defined once (help and completions come from here).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Declarative workflow runner for TwelveLabs video analysis.
#[derive(Debug, Parser)]
#[command(name = "vidflow", version, about, propagate_version = true)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands (design §1).
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check, submit what is new or changed, poll, store results, render outputs.
    Run(RunArgs),
    /// Validate workflows offline: format, contract rules, templates, files, videos.
    Check(CheckArgs),
    /// Re-render every output from stored results, without network access.
    Render(RenderArgs),
    /// Build a static review site (player, timelines, thumbnails) from stored results.
    Review(ReviewArgs),
    /// Show the stored state of each task (`--refresh` asks the API).
    Status(StatusArgs),
    /// Serve the offline simulator of the API on a loopback port.
    Sim(SimArgs),
    /// Show every task and why it will or will not run; no network, writes nothing.
    Plan(PlanArgs),
    /// Print the JSON Schema of the workflow file (for editor completion).
    Schema,
    /// Scaffold a working workflow, templates and JSON Schema in DIR.
    Init(InitArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
}

/// Arguments of `plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Workflow files.
    #[arg(required = true, value_name = "WORKFLOW")]
    pub workflows: Vec<PathBuf>,
    /// Plan against the state of `run --sim` runs instead of the API's.
    #[arg(long)]
    pub sim: bool,
    /// Print the plan as JSON (each task with its request body) on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create the files in (default: the current directory).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Workflow files.
    #[arg(required = true, value_name = "WORKFLOW")]
    pub workflows: Vec<PathBuf>,
}

/// Arguments of `render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Workflow files.
    #[arg(required = true, value_name = "WORKFLOW")]
    pub workflows: Vec<PathBuf>,
    /// Render from the results of `run --sim` runs instead of the API's.
    #[arg(long)]
    pub sim: bool,
}

/// Arguments of `review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Workflow files.
    #[arg(required = true, value_name = "WORKFLOW")]
    pub workflows: Vec<PathBuf>,
    /// Directory of the site (default: `review/` beside each workflow).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Build from the results of `run --sim` runs instead of the API's.
    #[arg(long)]
    pub sim: bool,
}

/// Arguments of `run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Workflow files.
    #[arg(required = true, value_name = "WORKFLOW")]
    pub workflows: Vec<PathBuf>,
    /// Run against an in-process simulator on a loopback port (no API key needed).
    #[arg(long, conflicts_with = "api_url")]
    pub sim: bool,
    /// API base URL, including `/v1.3`.
    #[arg(long, env = "TWELVELABS_BASE_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Tasks in flight at once (default: the workflow's `concurrency`, else 8).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub concurrency: Option<u32>,
    /// Run only tasks whose `analysis/video` name matches this glob (repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub only: Vec<String>,
    /// Re-run tasks even when a ready result is stored.
    #[arg(long)]
    pub force: bool,
    /// Print a machine-readable report on stdout instead of the summary table.
    #[arg(long)]
    pub json: bool,
    /// Print only errors.
    #[arg(short, long)]
    pub quiet: bool,
    /// What a truncated result (`finish_reason: length`) does: `warn` flags it,
    /// `fail` makes the run exit 1 (TRUNC-2). Overrides the workflow's
    /// `on_truncated:` keys (default: the workflow's, else `warn`).
    #[arg(long, value_enum, value_name = "POLICY")]
    pub on_truncated: Option<TruncatedArg>,
    /// Client tuning: timeouts, polling, pacing.
    #[command(flatten)]
    pub tuning: Tuning,
}

/// `--on-truncated` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TruncatedArg {
    /// Flag the task in the summary.
    Warn,
    /// Count the task as failed (exit 1).
    Fail,
}

/// Polling, retry and pacing settings (CLI-POLL-1/2, CLI-RETRY-3..6, ASSET-5).
#[derive(Debug, Clone, Default, Args)]
pub struct Tuning {
    /// Seconds before a task's first poll (CLI-POLL-1; default 1).
    #[arg(long, value_name = "SECONDS")]
    pub poll_initial: Option<f64>,
    /// Ceiling of the poll interval, seconds (CLI-POLL-1; default 15).
    #[arg(long, value_name = "SECONDS")]
    pub poll_max: Option<f64>,
    /// Deadline per task from its first poll, seconds (CLI-POLL-2; default 3600).
    #[arg(long, value_name = "SECONDS")]
    pub job_timeout: Option<f64>,
    /// Seconds between polls of an uploading asset (ASSET-5; default 2).
    #[arg(long, value_name = "SECONDS")]
    pub asset_poll: Option<f64>,
    /// Retries of a failed request (CLI-RETRY-3; default 4, 0 allowed).
    #[arg(long, value_name = "N")]
    pub max_retries: Option<u32>,
    /// Longest wait for a rate-limited bucket before the run stops resumably,
    /// seconds (CLI-RETRY-5; default 300).
    #[arg(long, value_name = "SECONDS")]
    pub max_rate_limit_wait: Option<f64>,
    /// Creates per minute the client allows itself (CLI-RETRY-6; default 60, 0 = no pacing).
    #[arg(long, value_name = "N")]
    pub creates_per_minute: Option<u32>,
    /// GET/DELETE requests per minute (default 600, 0 = no pacing).
    #[arg(long, value_name = "N")]
    pub reads_per_minute: Option<u32>,
    /// Asset uploads per minute (default 60, 0 = no pacing).
    #[arg(long, value_name = "N")]
    pub uploads_per_minute: Option<u32>,
}

/// Arguments of `status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Workflow files.
    #[arg(required = true, value_name = "WORKFLOW")]
    pub workflows: Vec<PathBuf>,
    /// Ask the API for the current status of tasks that are not finished, and
    /// store results that became ready.
    #[arg(long)]
    pub refresh: bool,
    /// API base URL, including `/v1.3` (with `--refresh`).
    #[arg(long, env = "TWELVELABS_BASE_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Show the state of `run --sim` runs instead of the API's (no `--refresh`:
    /// the in-process simulator keeps nothing between runs).
    #[arg(long, conflicts_with_all = ["refresh", "api_url"])]
    pub sim: bool,
    /// Print a machine-readable report on stdout.
    #[arg(long)]
    pub json: bool,
}

/// How the simulator's tasks advance.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClockArg {
    /// Wall time (queued 1 s, pending 1 s, processing `--processing-time`).
    Realtime,
    /// The realtime durations on a clock moved only by `POST /_sim/advance`,
    /// starting at 2026-01-01T00:00:00Z.
    Virtual,
    /// Each retrieve advances a task one state; rate limits are off.
    Tick,
}

/// Arguments of `sim`.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 0, conflicts_with = "bind")]
    pub port: u16,
    /// Full address to bind instead of 127.0.0.1:PORT.
    #[arg(long, value_name = "ADDR")]
    pub bind: Option<SocketAddr>,
    /// Seed of synthetic outputs and ids.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How tasks advance.
    #[arg(long, value_enum, default_value_t = ClockArg::Realtime)]
    pub clock: ClockArg,
    /// Seconds a task spends in `processing` (plus 0.01 s per window second).
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub processing_time: f64,
    /// Accepted API key (repeatable); default: any non-empty key.
    #[arg(long = "api-key", value_name = "KEY")]
    pub api_keys: Vec<String>,
    /// Intermediate state to skip: `pending` or `processing` (repeatable).
    #[arg(long = "skip-state", value_name = "STATE", value_parser = ["pending", "processing"])]
    pub skip_states: Vec<String>,
    /// Seconds an uploaded asset stays `processing`.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub asset_ready: f64,
    /// Hours an idempotency record is kept (simulator time).
    #[arg(long, default_value_t = 24.0, value_name = "HOURS")]
    pub idempotency_ttl: f64,
    /// `POST /analyze/tasks` requests per minute per key (0 = unlimited).
    #[arg(long, default_value_t = 60, value_name = "N")]
    pub rate_create: u32,
    /// `POST /assets` requests per minute per key (0 = unlimited).
    #[arg(long, default_value_t = 60, value_name = "N")]
    pub rate_assets: u32,
    /// GET and DELETE requests per minute per key (0 = unlimited).
    #[arg(long, default_value_t = 600, value_name = "N")]
    pub rate_read: u32,
    /// JSON file of fault rules `{"latency_ms", "rules": [{match, action, probability, times}]}`;
    /// the rate flags below add rules after these.
    #[arg(long, value_name = "FILE")]
    pub faults: Option<PathBuf>,
    /// Share of requests answered 429 with `Retry-After: 1` (0-1).
    #[arg(long = "fail-429-rate", default_value_t = 0.0, value_name = "P")]
    pub fail_429_rate: f64,
    /// Share of requests answered 503 (0-1).
    #[arg(long = "fail-5xx-rate", default_value_t = 0.0, value_name = "P")]
    pub fail_5xx_rate: f64,
    /// Share of accepted tasks that end `failed` (0-1).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub task_failure_rate: f64,
    /// Milliseconds added to every API response.
    #[arg(long, default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Share of requests whose connection is closed unanswered, unprocessed (0-1).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub drop_rate: f64,
    /// Share of requests processed, then answered with headers and half the body
    /// before the connection closes (0-1).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub partial_body_rate: f64,
}
