//! `run`, `check` and `render`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::args::{CheckArgs, RenderArgs, RunArgs, TruncatedArg, Tuning};
use super::progress::Progress;
use super::report_diagnostics;
use crate::api::client::{API_KEY_ENV, DEFAULT_BASE_URL};
use crate::api::{ApiKey, Budgets, Client, ClientConfig, RetryNotice};
use crate::engine::outcome::{EXIT_API, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK};
use crate::engine::{
    AssetPolicy, Cancel, Outcome, PollPolicy, Prepared, RunOptions, RunReport, TaskReport, TruncatedPolicy, prepare,
    prepare_with,
};
use crate::sim::{Clock, RunningSim, SimConfig};
use crate::state::{MediaCache, Scope, Store};

/// `vidflow run`: every workflow in turn; the exit code is the worst of them
/// (130 when interrupted).
pub async fn run(args: RunArgs) -> i32 {
    let mut prepared = Vec::new();
    let media_cache = MediaCache::new();
    for path in &args.workflows {
        match prepare_with(path, &media_cache) {
            Ok(p) => prepared.push(p),
            Err(diags) => return report_diagnostics(path, &diags),
        }
    }
    let only = match args.only.iter().map(|p| glob::Pattern::new(p)).collect::<Result<Vec<_>, _>>() {
        Ok(o) => o,
        Err(e) => {
            errln!("error: --only: {e}");
            return EXIT_INVALID;
        }
    };
    // A mistyped pattern would make a run that does nothing and exits 0.
    for (pattern, text) in only.iter().zip(&args.only) {
        if !prepared.iter().flat_map(|p| &p.tasks).any(|t| pattern.matches(&t.name)) {
            let example =
                prepared.iter().flat_map(|p| &p.tasks).next().map(|t| t.name.as_str()).unwrap_or("summary/intro");
            errln!("error: --only `{text}` matches no task (tasks are named analysis/video, e.g. `{example}`)");
            return EXIT_INVALID;
        }
    }
    let progress = Arc::new(Progress::new(args.quiet));
    let (client, sim, poll, assets) = match connect(&args.api_url, args.sim, &args.tuning).await {
        Ok(c) => c,
        Err(message) => {
            errln!("error: {message}");
            return EXIT_API;
        }
    };
    // Only a run that goes ahead writes to the state directory (not one refused
    // for want of an API key); `check` and `plan` read the cache, never write it.
    if let Err(e) = media_cache.save() {
        errln!("warning: cannot cache local files' hashes and probes (they are examined again next run): {e}");
    }
    let notes = progress.clone();
    let client = client.with_retry_hook(Arc::new(move |n: &RetryNotice<'_>| {
        let duplicate =
            if n.possible_duplicate { "; the failed attempt may have succeeded: possible duplicate" } else { "" };
        notes.note(&format!(
            "retrying {} in {:.1}s (retry {}): {}{duplicate}",
            n.what,
            n.delay.as_secs_f64(),
            n.retry,
            n.cause
        ));
    }));
    let (handle, cancel) = Cancel::pair();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            errln!("interrupted: no new task is submitted; saving state (Ctrl-C again to quit at once)");
            handle.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(EXIT_INTERRUPTED);
            }
        }
    });
    let mut worst = EXIT_OK;
    let mut reports = Vec::new();
    for p in &prepared {
        if cancel.is_cancelled() {
            worst = EXIT_INTERRUPTED;
            break;
        }
        let options = RunOptions {
            concurrency: args.concurrency.map(|c| c as usize).or(p.workflow.concurrency).unwrap_or(8),
            force: args.force,
            only: only.clone(),
            poll: poll.clone(),
            on_truncated: args.on_truncated.map(|a| match a {
                TruncatedArg::Warn => TruncatedPolicy::Warn,
                TruncatedArg::Fail => TruncatedPolicy::Fail,
            }),
            assets: assets.clone(),
            cancel: cancel.clone(),
            state: Scope::of(args.sim),
        };
        progress.begin(p.tasks.len());
        let report = match crate::engine::run(p, &client, &options, progress.as_ref()).await {
            Ok(r) => r,
            Err(e) => {
                progress.finish();
                errln!("error: {e}");
                worst = worst.max(EXIT_API);
                continue;
            }
        };
        progress.finish();
        let code = report.exit_code();
        if args.json {
            reports.push(json!({
                "workflow": p.workflow.file,
                "exit_code": code,
                "summary": report.summary(),
                "report": report,
            }));
        } else if !args.quiet || code != EXIT_OK {
            print_report(p, &report);
        }
        worst = if code == EXIT_INTERRUPTED || worst == EXIT_INTERRUPTED { EXIT_INTERRUPTED } else { worst.max(code) };
    }
    watcher.abort();
    if args.json {
        let doc = json!({"exit_code": worst, "workflows": reports});
        match serde_json::to_string_pretty(&doc) {
            Ok(s) => outln!("{s}"),
            Err(e) => errln!("error: cannot encode the report: {e}"),
        }
    }
    if let Some(sim) = sim {
        sim.stop().await;
    }
    worst
}

fn seconds(value: Option<f64>, default: Duration) -> Duration {
    value.and_then(|s| Duration::try_from_secs_f64(s).ok()).unwrap_or(default)
}

/// The client, the in-process simulator when `sim`, the polling schedule and the
/// asset wait.
pub(super) async fn connect(
    api_url: &Option<String>,
    sim: bool,
    tuning: &Tuning,
) -> Result<(Client, Option<RunningSim>, PollPolicy, AssetPolicy), String> {
    let (base, key, running, mut poll, mut assets) = if sim {
        let config = SimConfig { clock: Clock::Tick, ..SimConfig::default() };
        let running = crate::sim::start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|e| format!("cannot start the simulator: {e}"))?;
        let key = ApiKey::new("vidflow-sim").ok_or("internal: empty simulator key")?;
        // The simulator is on loopback and advances a task per poll: poll quickly.
        let poll = PollPolicy {
            initial: Duration::from_millis(50),
            max_interval: Duration::from_millis(200),
            ..PollPolicy::default()
        };
        let assets = AssetPolicy { poll_interval: Duration::from_millis(100), ..AssetPolicy::default() };
        (running.base_url.clone(), key, Some(running), poll, assets)
    } else {
        let key = std::env::var(API_KEY_ENV).ok().and_then(ApiKey::new).ok_or_else(|| {
            format!("no API key: set {API_KEY_ENV}, or use --sim to run against the offline simulator")
        })?;
        let base = api_url.clone().unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        (base, key, None, PollPolicy::default(), AssetPolicy::default())
    };
    poll.initial = seconds(tuning.poll_initial, poll.initial);
    poll.max_interval = seconds(tuning.poll_max, poll.max_interval);
    poll.timeout = seconds(tuning.job_timeout, poll.timeout);
    assets.poll_interval = seconds(tuning.asset_poll, assets.poll_interval);
    let mut config = ClientConfig::new(base, key);
    config.max_retries = tuning.max_retries.unwrap_or(config.max_retries);
    config.max_rate_limit_wait = seconds(tuning.max_rate_limit_wait, config.max_rate_limit_wait);
    let defaults = Budgets::default();
    config.budgets = Budgets {
        create: tuning.creates_per_minute.unwrap_or(defaults.create),
        read: tuning.reads_per_minute.unwrap_or(defaults.read),
        assets: tuning.uploads_per_minute.unwrap_or(defaults.assets),
    };
    let client = Client::new(config).map_err(|e| e.to_string())?;
    Ok((client, running, poll, assets))
}

/// The summary table: one line per task, then totals.
fn print_report(p: &Prepared, report: &RunReport) {
    outln!("{}", p.workflow.file.display());
    let width = report.tasks.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in &report.tasks {
        outln!("  {:<width$}  {:<11}  {}", t.name, t.outcome.label(), detail(t));
    }
    for r in &report.reports {
        outln!("  {:<width$}  {:<11}  {}", "report", "written", r.display());
    }
    for e in &report.render_errors {
        outln!("  error: {e}");
    }
    if let Some(f) = &report.fatal {
        outln!("  error: the API could not be used: {f}");
    }
    if report.interrupted {
        outln!("  interrupted: tasks already created keep running; run again to collect them");
    }
    let s = report.summary();
    let files: usize = report.tasks.iter().map(|t| t.outputs.len()).sum::<usize>() + report.reports.len();
    // Policies are per analysis: say how many truncations count, when any do.
    let policy = match s.truncated_failed {
        0 => String::new(),
        n if n == s.truncated => ", counted as failures".to_owned(),
        n => format!(", {n} counted as failures"),
    };
    let mut line = format!(
        "{} ready ({} cached, {} truncated{policy}), {} failed, {} rejected",
        s.ready,
        s.cached,
        s.truncated,
        s.failed + s.errors,
        s.rejected
    );
    if s.interrupted > 0 {
        line.push_str(&format!(", {} interrupted", s.interrupted));
    }
    outln!("{line}; {} rendered, {} changed", super::output::count(files, "file"), report.changed);
}

fn detail(t: &TaskReport) -> String {
    match &t.outcome {
        Outcome::Ready { truncated, .. } => {
            let files = t.outputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
            match (&t.warning, truncated) {
                (Some(w), _) => format!("{files}  warning: {w}"),
                (None, true) => format!("{files}  warning: output truncated at max_tokens"),
                (None, false) => files,
            }
        }
        Outcome::Failed { message } | Outcome::Error { message } => message.clone(),
        Outcome::Rejected { reasons } => reasons.join("; "),
        Outcome::Skipped => "not selected by --only".into(),
        Outcome::Interrupted => {
            t.task_id.as_ref().map_or_else(|| "not submitted".into(), |id| format!("task {id} still running"))
        }
    }
}

/// `vidflow check`: everything offline; exit 2 on any workflow error, 1 when a
/// local video breaks the input requirements, else 0. Writes nothing.
pub fn check(args: &CheckArgs) -> i32 {
    let mut worst = EXIT_OK;
    for path in &args.workflows {
        match prepare(path) {
            Err(diags) => worst = worst.max(report_diagnostics(path, &diags)),
            Ok(p) => {
                let mut rejected: Vec<(&String, &Vec<String>)> = p.rejected.iter().collect();
                rejected.sort();
                for (task, reasons) in &rejected {
                    for r in reasons.iter() {
                        errln!("error[{}]: task `{task}` cannot be submitted: {r}", rule_of(r));
                    }
                }
                let code = if rejected.is_empty() { EXIT_OK } else { 1 };
                outln!(
                    "{}: {}, {} rejected",
                    path.display(),
                    super::output::count(p.tasks.len(), "task"),
                    rejected.len()
                );
                worst = worst.max(code);
            }
        }
    }
    worst
}

fn rule_of(reason: &str) -> &str {
    reason.split(':').next().unwrap_or("MEDIA")
}

/// `vidflow render`: re-render outputs from stored results; no network.
pub fn render(args: &RenderArgs) -> i32 {
    let mut worst = EXIT_OK;
    for path in &args.workflows {
        let p = match prepare(path) {
            Ok(p) => p,
            Err(diags) => {
                worst = worst.max(report_diagnostics(path, &diags));
                continue;
            }
        };
        let store = Store::open(dir_of(path), Scope::of(args.sim));
        let mut report = RunReport {
            tasks: p
                .tasks
                .iter()
                .map(|t| TaskReport {
                    name: t.name.clone(),
                    key: t.key.clone(),
                    task_id: None,
                    outcome: Outcome::Skipped,
                    warning: None,
                    outputs: Vec::new(),
                    on_truncated: TruncatedPolicy::Warn,
                })
                .collect(),
            ..RunReport::default()
        };
        crate::engine::render_all(&p, &store, &mut report);
        let files: usize = report.tasks.iter().map(|t| t.outputs.len()).sum::<usize>() + report.reports.len();
        let missing = p
            .tasks
            .iter()
            .zip(&report.tasks)
            .filter(|(t, line)| !t.outputs.is_empty() && line.outputs.is_empty())
            .count();
        for e in &report.render_errors {
            errln!("error: {e}");
        }
        let have = if missing == 1 { "has" } else { "have" };
        let none_stored = missing > 0 && missing == p.tasks.iter().filter(|t| !t.outputs.is_empty()).count();
        let (files, missing) = (super::output::count(files, "file"), super::output::count(missing, "task"));
        outln!("{}: {files} rendered, {} changed; {missing} {have} no stored result", path.display(), report.changed);
        if none_stored && !args.sim && Scope::Sim.root(dir_of(path)).is_dir() {
            errln!("hint: results of `run --sim` are kept apart; `vidflow render --sim` renders them");
        }
        if !report.render_errors.is_empty() {
            worst = worst.max(1);
        }
    }
    worst
}

pub(super) fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
