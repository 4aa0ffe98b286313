//! Load generator for `vidflow sim` (issue 4): requests per second for
//! create + retrieve, and the simulator's memory (RSS) with 100,000 stored tasks.
//!
//! `cargo bench --bench simload -- [--workers N] [--seconds S] [--tasks N]`
//!
//! Starts the release `vidflow sim` on 127.0.0.1 (port 0, rate limits off), then
//! 1. for `--seconds` (default 10): `--workers` (default 32) concurrent loops of
//!    create then retrieve of that task; prints requests/s and pairs/s;
//! 2. creates tasks until `--tasks` (default 100,000) are stored, then prints the
//!    simulator's VmRSS from /proc (Linux), before and after.
//!
//! Both phases are bounded in count and time (phase 2 stops after 300 s). The load
//! generator shares the machine with the simulator, so the figures are a floor.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Args {
    workers: usize,
    seconds: u64,
    tasks: u64,
}

fn args() -> Args {
    let mut a = Args { workers: 32, seconds: 10, tasks: 100_000 };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut it = argv.iter();
    while let Some(flag) = it.next() {
        let mut num = || it.next().and_then(|v| v.parse::<u64>().ok());
        match flag.as_str() {
            "--workers" => a.workers = num().map_or(a.workers, |n| n as usize),
            "--seconds" => a.seconds = num().unwrap_or(a.seconds),
            "--tasks" => a.tasks = num().unwrap_or(a.tasks),
            _ => {} // cargo bench passes `--bench`
        }
    }
    a
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn body(i: u64) -> Value {
    json!({"model_name": "pegasus1.5", "video": {"type": "url", "url": "https://cdn.example.com/bench.mp4"},
           "prompt": "Summarise the video in three sentences.", "custom_id": format!("bench-{i}")})
}

#[tokio::main]
async fn main() {
    let a = args();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vidflow"))
        .args(["sim", "--port", "0", "--rate-create", "0", "--rate-read", "0", "--rate-assets", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start vidflow sim");
    let pid = child.id();
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("base URL");
    let base = line.trim().to_owned();
    println!("simulator {base} (pid {pid}), RSS at start: {} KiB", rss_kib(pid).unwrap_or(0));
    let client = reqwest::Client::builder().pool_max_idle_per_host(a.workers).build().expect("client");
    let seq = Arc::new(AtomicU64::new(0));

    // Phase 1: create + retrieve throughput.
    let requests = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let end = Instant::now() + Duration::from_secs(a.seconds);
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..a.workers {
        let (client, base, seq, requests, errors) =
            (client.clone(), base.clone(), seq.clone(), requests.clone(), errors.clone());
        handles.push(tokio::spawn(async move {
            while Instant::now() < end {
                let i = seq.fetch_add(1, Ordering::Relaxed);
                let created = client
                    .post(format!("{base}/analyze/tasks"))
                    .header("x-api-key", "bench")
                    .json(&body(i))
                    .send()
                    .await;
                let Ok(r) = created else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let ok = r.status().as_u16() == 202;
                let v: Value = r.json().await.unwrap_or(Value::Null);
                requests.fetch_add(1, Ordering::Relaxed);
                let Some(id) = v["task_id"].as_str().filter(|_| ok) else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    continue;
                };
                let got = client.get(format!("{base}/analyze/tasks/{id}")).header("x-api-key", "bench").send().await;
                match got {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        requests.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    let secs = started.elapsed().as_secs_f64();
    let n = requests.load(Ordering::Relaxed);
    println!(
        "phase 1: {} workers, {secs:.1} s: {n} requests ({:.0} req/s, {:.0} create+retrieve pairs/s), {} errors",
        a.workers,
        n as f64 / secs,
        n as f64 / 2.0 / secs,
        errors.load(Ordering::Relaxed)
    );

    // Phase 2: fill the store to `tasks` and measure RSS.
    let stored = Arc::new(AtomicU64::new(seq.load(Ordering::Relaxed)));
    let deadline = Instant::now() + Duration::from_secs(300);
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..a.workers {
        let (client, base, seq, target) = (client.clone(), base.clone(), seq.clone(), a.tasks);
        handles.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                let i = seq.fetch_add(1, Ordering::Relaxed);
                if i >= target {
                    break;
                }
                let r = client
                    .post(format!("{base}/analyze/tasks"))
                    .header("x-api-key", "bench")
                    .json(&body(i))
                    .send()
                    .await;
                if let Ok(r) = r {
                    let _ = r.bytes().await;
                }
            }
        }));
    }
    for h in handles {
        let _ = h.await;
    }
    let list: Value = client
        .get(format!("{base}/analyze/tasks?page_limit=1"))
        .header("x-api-key", "bench")
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let total = list["page_info"]["total_results"].as_u64().unwrap_or(0);
    let t = Instant::now();
    let _ = client.get(format!("{base}/analyze/tasks?page=2&page_limit=50")).header("x-api-key", "bench").send().await;
    let list_ms = t.elapsed().as_millis();
    println!(
        "phase 2: filled to {total} stored tasks in {:.1} s (from {}); list page over them: {list_ms} ms",
        started.elapsed().as_secs_f64(),
        stored.load(Ordering::Relaxed)
    );
    println!("RSS with {total} stored tasks: {} KiB", rss_kib(pid).unwrap_or(0));
    let _ = child.kill();
    let _ = child.wait();
}
