//! `run`, `check` and `render`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use super::args::{CheckArgs, RunArgs};
use super::progress::Lines;
use super::report_diagnostics;
use crate::api::client::{API_KEY_ENV, DEFAULT_BASE_URL};
use crate::api::{ApiKey, Client, ClientConfig};
use crate::engine::outcome::{EXIT_API, EXIT_INVALID, EXIT_OK};
use crate::engine::{Outcome, PollPolicy, Prepared, RunOptions, RunReport, TaskReport, prepare};
use crate::sim::{Clock, RunningSim, SimConfig};
use crate::state::Store;

/// `vidflow run`: every workflow in turn; the exit code is the worst of them.
pub async fn run(args: RunArgs) -> i32 {
    let mut prepared = Vec::new();
    for path in &args.workflows {
        match prepare(path) {
            Ok(p) => prepared.push(p),
            Err(diags) => return report_diagnostics(path, &diags),
        }
    }
    let only = match args.only.iter().map(|p| glob::Pattern::new(p)).collect::<Result<Vec<_>, _>>() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: --only: {e}");
            return EXIT_INVALID;
        }
    };
    let (client, sim, poll) = match connect(&args).await {
        Ok(c) => c,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_API;
        }
    };
    let observer = Lines::new(args.quiet);
    let mut worst = EXIT_OK;
    for p in &prepared {
        let options = RunOptions {
            concurrency: args.concurrency.map(|c| c as usize).or(p.workflow.concurrency).unwrap_or(8),
            force: args.force,
            only: only.clone(),
            poll: poll.clone(),
        };
        let report = match crate::engine::run(p, &client, &options, &observer).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                worst = worst.max(EXIT_API);
                continue;
            }
        };
        print_report(p, &report, args.json);
        worst = worst.max(report.exit_code());
    }
    if let Some(sim) = sim {
        sim.stop().await;
    }
    worst
}

/// The client, the in-process simulator when `--sim`, and the polling schedule.
async fn connect(args: &RunArgs) -> Result<(Client, Option<RunningSim>, PollPolicy), String> {
    if args.sim {
        let config = SimConfig { clock: Clock::Tick, ..SimConfig::default() };
        let sim = crate::sim::start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .map_err(|e| format!("cannot start the simulator: {e}"))?;
        let key = ApiKey::new("vidflow-sim").ok_or("internal: empty simulator key")?;
        let client = Client::new(ClientConfig::new(&sim.base_url, key)).map_err(|e| e.to_string())?;
        // The simulator is on loopback and advances a task per poll: poll quickly.
        let poll = PollPolicy {
            initial: Duration::from_millis(50),
            max_interval: Duration::from_millis(200),
            ..PollPolicy::default()
        };
        return Ok((client, Some(sim), poll));
    }
    let key = std::env::var(API_KEY_ENV)
        .ok()
        .and_then(ApiKey::new)
        .ok_or_else(|| format!("no API key: set {API_KEY_ENV}, or use --sim to run against the offline simulator"))?;
    let base = args.api_url.clone().unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
    let client = Client::new(ClientConfig::new(base, key)).map_err(|e| e.to_string())?;
    Ok((client, None, PollPolicy::default()))
}

fn print_report(p: &Prepared, report: &RunReport, json: bool) {
    if json {
        match serde_json::to_string_pretty(report) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("error: cannot encode the report: {e}"),
        }
        return;
    }
    println!("{}", p.workflow.file.display());
    let width = report.tasks.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in &report.tasks {
        println!("  {:<width$}  {:<9}  {}", t.name, t.outcome.label(), detail(t));
    }
    for r in &report.reports {
        println!("  {:<width$}  {:<9}  {}", "report", "written", r.display());
    }
    for e in &report.render_errors {
        println!("  error: {e}");
    }
    if let Some(f) = &report.fatal {
        println!("  error: the API could not be used: {f}");
    }
    let count = |f: &dyn Fn(&Outcome) -> bool| report.tasks.iter().filter(|t| f(&t.outcome)).count();
    let ready = count(&|o| matches!(o, Outcome::Ready { .. }));
    let failed = count(&|o| matches!(o, Outcome::Failed { .. } | Outcome::Error { .. }));
    let rejected = count(&|o| matches!(o, Outcome::Rejected { .. }));
    let truncated = count(&|o| matches!(o, Outcome::Ready { truncated: true, .. }));
    let files: usize = report.tasks.iter().map(|t| t.outputs.len()).sum::<usize>() + report.reports.len();
    println!("{ready} ready ({truncated} truncated), {failed} failed, {rejected} rejected; {files} files rendered");
}

fn detail(t: &TaskReport) -> String {
    match &t.outcome {
        Outcome::Ready { .. } => t.outputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        Outcome::Failed { message } | Outcome::Error { message } => message.clone(),
        Outcome::Rejected { reasons } => reasons.join("; "),
        Outcome::Skipped => "not selected by --only".into(),
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
                        eprintln!("error[{}]: task `{task}` cannot be submitted: {r}", rule_of(r));
                    }
                }
                let code = if rejected.is_empty() { EXIT_OK } else { 1 };
                println!("{}: {} tasks, {} rejected", path.display(), p.tasks.len(), rejected.len());
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
pub fn render(args: &CheckArgs) -> i32 {
    let mut worst = EXIT_OK;
    for path in &args.workflows {
        let p = match prepare(path) {
            Ok(p) => p,
            Err(diags) => {
                worst = worst.max(report_diagnostics(path, &diags));
                continue;
            }
        };
        let store = Store::open(dir_of(path));
        let mut report = RunReport {
            tasks: p
                .tasks
                .iter()
                .map(|t| TaskReport {
                    name: t.name.clone(),
                    key: t.key.clone(),
                    task_id: None,
                    outcome: Outcome::Skipped,
                    outputs: Vec::new(),
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
            eprintln!("error: {e}");
        }
        println!("{}: {files} files rendered; {missing} tasks have no stored result", path.display());
        if !report.render_errors.is_empty() {
            worst = worst.max(1);
        }
    }
    worst
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}
