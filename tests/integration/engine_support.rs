//! Helpers of the engine's tests: workflows written in the test, the simulator's
//! list endpoint and request log, waiting on conditions with deadlines.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{SimProcess, vidflow};

/// The API key the tests send to the simulator.
pub const KEY: &str = "test-key";

/// Writes `workflow.yaml` in `dir`: `videos` URL videos (`v0`, `v1`, ...) and one
/// analysis per `(id, prompt)`, each rendering `out/<video>/<analysis>.md` from
/// `template`. `extra` is appended to every analysis (indented 4 spaces).
pub fn url_workflow(dir: &Path, videos: usize, analyses: &[(&str, &str)], template: &str, extra: &str) {
    let mut y = String::from("version: 1\nname: wf\nmodel: pegasus1.5\nvideos:\n");
    for i in 0..videos {
        y.push_str(&format!("  - id: v{i}\n    url: https://media.example.com/v{i}.mp4\n"));
    }
    y.push_str("analyses:\n");
    for (id, prompt) in analyses {
        y.push_str(&format!(
            "  - id: {id}\n    prompt: \"{prompt} {{{{video.id}}}}\"\n    outputs:\n      - path: out/{{{{video.id}}}}/{id}.md\n        template: {template:?}\n"
        ));
        for line in extra.lines() {
            y.push_str(&format!("    {line}\n"));
        }
    }
    std::fs::write(dir.join("workflow.yaml"), y).expect("write workflow");
}

/// `vidflow run workflow.yaml --api-url SIM` in `dir` with fast polling, plus `extra`.
pub fn run_cmd(dir: &Path, sim: &SimProcess, extra: &[&str]) -> Command {
    let mut cmd = vidflow(dir);
    cmd.args(["run", "workflow.yaml", "--api-url", &sim.base_url, "--poll-initial", "0.02", "--poll-max", "0.1"])
        .args(["--asset-poll", "0.05"])
        .args(extra)
        .env("TWELVE_LABS_API_KEY", KEY);
    cmd
}

/// Runs and returns the output, with stdout and stderr in panic messages.
pub fn run_ok(dir: &Path, sim: &SimProcess, extra: &[&str], code: i32) -> Output {
    let out = run_cmd(dir, sim, extra).output().expect("run vidflow");
    assert_eq!(out.status.code(), Some(code), "{}", show(&out));
    out
}

/// The line of a summary or plan table that names `task` (`analysis/video`), or "".
pub fn line_of<'a>(table: &'a str, task: &str) -> &'a str {
    table.lines().find(|l| l.trim_start().starts_with(task)).unwrap_or_default()
}

/// Stdout and stderr for messages.
pub fn show(out: &Output) -> String {
    format!(
        "--- stdout\n{}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

/// GET on the simulator (with the key), as JSON.
pub fn sim_get(url: &str) -> Value {
    block_on(async {
        let client = reqwest::Client::new();
        client.get(url).header("x-api-key", KEY).send().await?.json::<Value>().await
    })
    .expect("simulator answer")
}

/// Every task on the simulator, through its list endpoint (LIST-1..5).
pub fn sim_tasks(sim: &SimProcess) -> Vec<Value> {
    let mut all = Vec::new();
    for page in 1.. {
        let body = sim_get(&format!("{}/analyze/tasks?page={page}&page_limit=50", sim.base_url));
        let data = body["data"].as_array().cloned().unwrap_or_default();
        if data.is_empty() {
            break;
        }
        all.extend(data);
    }
    all
}

/// The simulator's request log entries, raw.
pub fn sim_log(sim: &SimProcess) -> Vec<Value> {
    let body = sim_get(&sim.base_url.replace("/v1.3", "/_sim/requests"));
    body["requests"].as_array().cloned().unwrap_or_default()
}

/// How many `/v1.3` requests of `method` on paths starting with `prefix` were made.
pub fn count(sim: &SimProcess, method: &str, prefix: &str) -> usize {
    sim.requests().iter().filter(|(m, p)| m == method && p.starts_with(prefix)).count()
}

/// Creates that made a task (2xx answers to `POST /analyze/tasks`).
pub fn tasks_per_custom_id(sim: &SimProcess) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for t in sim_tasks(sim) {
        *counts.entry(t["custom_id"].as_str().unwrap_or("<none>").to_owned()).or_insert(0) += 1;
    }
    counts
}

/// Waits until `cond` holds, checking every 10 ms; panics with `what` after
/// `limit`.
pub fn wait_for(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Every file under `dir/out`, relative path → bytes, sorted. Temporary files of
/// an atomic write cut short by a kill (`.vidflow-*.tmp`) are not outputs and are
/// left out.
pub fn outputs(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.join("out")];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy().starts_with(".vidflow-") {
                continue;
            } else if let Ok(rel) = p.strip_prefix(dir) {
                files.insert(rel.display().to_string(), std::fs::read(&p).expect("read output"));
            }
        }
    }
    files
}
