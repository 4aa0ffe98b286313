//! Caching and crash-safe resume (design §4), against `vidflow sim` over HTTP.

use std::time::Duration;

use crate::engine_support::{
    count, outputs, run_cmd, run_ok, show, sim_log, tasks_per_custom_id, url_workflow, wait_for,
};
use crate::support::SimProcess;

const CREATE: &str = "/v1.3/analyze/tasks";

fn creates(sim: &SimProcess) -> usize {
    sim.requests().iter().filter(|(m, p)| m == "POST" && p == CREATE).count()
}

/// A second run of an unchanged workflow sends no request at all; changing one
/// prompt re-submits exactly that analysis's tasks; changing only an output
/// template sends no request and re-renders.
#[test]
fn only_changed_requests_are_resubmitted_and_template_edits_are_free() {
    let sim = SimProcess::start(&["--clock", "tick"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let analyses = [("a", "Describe"), ("b", "List objects in")];
    url_workflow(dir.path(), 2, &analyses, "{{result.text}}\n", "");
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(creates(&sim), 4);
    let first = outputs(dir.path());
    assert_eq!(first.len(), 4, "{first:?}");

    let before = sim.requests().len();
    let out = run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(sim.requests().len(), before, "an unchanged workflow sends nothing\n{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("4 ready (4 cached"), "{}", show(&out));

    url_workflow(dir.path(), 2, &[("a", "Describe"), ("b", "Name every object in")], "{{result.text}}\n", "");
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(creates(&sim), 6, "only b/v0 and b/v1 are re-submitted");
    let log = sim_log(&sim);
    let new_creates: Vec<_> = log[before..].iter().filter(|r| r["method"] == "POST").collect();
    assert_eq!(new_creates.len(), 2);
    let second = outputs(dir.path());
    assert_eq!(first["out/v0/a.md"], second["out/v0/a.md"]);
    assert_ne!(first["out/v0/b.md"], second["out/v0/b.md"]);

    let before = sim.requests().len();
    url_workflow(dir.path(), 2, &[("a", "Describe"), ("b", "Name every object in")], "NEW {{result.text}}\n", "");
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(sim.requests().len(), before, "a template change sends no request");
    let third = outputs(dir.path());
    assert!(third.values().all(|v| v.starts_with(b"NEW ")), "re-rendered");
}

/// `--only` runs the matching tasks and skips the rest; `--force` re-submits a
/// cached task under a new idempotency key.
#[test]
fn only_and_force_select_and_resubmit() {
    let sim = SimProcess::start(&["--clock", "tick"]);
    let dir = tempfile::tempdir().expect("tempdir");
    url_workflow(dir.path(), 2, &[("a", "Describe"), ("b", "Count")], "{{result.text}}\n", "");
    let out = run_ok(dir.path(), &sim, &["--only", "a/*"], 0);
    assert_eq!(creates(&sim), 2);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().any(|l| l.contains("b/v1") && l.contains("skipped")), "{stdout}");
    assert_eq!(outputs(dir.path()).len(), 2);
    run_ok(dir.path(), &sim, &["--only", "a/v0", "--force"], 0);
    assert_eq!(creates(&sim), 3);
    let keys: std::collections::BTreeSet<String> = sim_log(&sim)
        .iter()
        .filter(|r| r["method"] == "POST")
        .filter_map(|r| r["idempotency_key"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(keys.len(), 3, "a forced run uses a new key");
    assert_eq!(tasks_per_custom_id(&sim).get("a-v0"), Some(&2));
}

/// A second concurrent run of the same workflow refuses with a clear message and
/// exit 3, touching nothing; the first finishes normally.
#[test]
fn a_second_concurrent_run_refuses() {
    let sim = SimProcess::start(&["--processing-time", "1"]);
    let dir = tempfile::tempdir().expect("tempdir");
    url_workflow(dir.path(), 1, &[("a", "Describe")], "{{result.text}}\n", "");
    let mut first = run_cmd(dir.path(), &sim, &[]).stdout(std::process::Stdio::null()).spawn().expect("spawn");
    wait_for("the first run's create", Duration::from_secs(30), || creates(&sim) == 1);
    let out = run_cmd(dir.path(), &sim, &[]).output().expect("second run");
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("another `vidflow run` of `wf` is in progress"),
        "{}",
        show(&out)
    );
    assert_eq!(first.wait().expect("first run").code(), Some(0));
    assert_eq!(creates(&sim), 1);
}

/// Issue 5 (c): the run is killed with SIGKILL at random points in 20 trials and
/// run again: every trial ends with all results, one task per key on the
/// simulator, and every output file whole.
#[test]
fn sigkill_at_random_points_then_rerun_loses_nothing_and_duplicates_nothing() {
    let analyses = [("a", "Describe"), ("b", "Count")];
    // Reference outputs from an uninterrupted run (outputs depend only on requests).
    let reference = {
        let sim = SimProcess::start(&["--clock", "tick"]);
        let dir = tempfile::tempdir().expect("tempdir");
        url_workflow(dir.path(), 3, &analyses, "{{result.text}}\n", "");
        let start = std::time::Instant::now();
        run_ok(dir.path(), &sim, &["--concurrency", "2"], 0);
        (outputs(dir.path()), start.elapsed())
    };
    let (reference, full) = reference;
    assert_eq!(reference.len(), 6);
    let mut killed_mid_run = 0;
    for trial in 0..20 {
        let sim = SimProcess::start(&["--clock", "tick"]);
        let dir = tempfile::tempdir().expect("tempdir");
        url_workflow(dir.path(), 3, &analyses, "{{result.text}}\n", "");
        let mut child = run_cmd(dir.path(), &sim, &["--concurrency", "2"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("spawn");
        // Kill after a random number of requests reached the simulator: a point in
        // the run chosen by progress, not by the clock.
        let after: usize = rand::random_range(0..=16);
        eprintln!("trial {trial}: kill after {after} requests");
        wait_for("progress or exit", full * 4 + Duration::from_secs(20), || {
            sim.requests().len() >= after || child.try_wait().ok().flatten().is_some()
        });
        let _ = child.kill();
        let status = child.wait().expect("wait");
        if status.code().is_none() {
            killed_mid_run += 1;
        }
        let out = run_ok(dir.path(), &sim, &["--concurrency", "2"], 0);
        let per_id = tasks_per_custom_id(&sim);
        assert_eq!(per_id.len(), 6, "trial {trial}: {per_id:?}\n{}", show(&out));
        assert!(per_id.values().all(|n| *n == 1), "trial {trial}: duplicate tasks {per_id:?}");
        assert_eq!(outputs(dir.path()), reference, "trial {trial}: outputs whole and complete");
        let again = count(&sim, "POST", CREATE);
        run_ok(dir.path(), &sim, &[], 0);
        assert_eq!(count(&sim, "POST", CREATE), again, "trial {trial}: nothing left to submit");
    }
    assert!(killed_mid_run >= 10, "most kills landed mid-run ({killed_mid_run}/20)");
}

/// Ctrl-C stops the run with exit 130 and saves the task ids; `status` shows them;
/// `status --refresh` collects the results once the server has them; the next run
/// creates nothing.
#[test]
fn ctrl_c_saves_state_status_shows_it_and_the_next_run_adopts() {
    let sim = SimProcess::start(&["--processing-time", "1"]);
    let dir = tempfile::tempdir().expect("tempdir");
    url_workflow(dir.path(), 2, &[("a", "Describe")], "{{result.text}}\n", "");
    let child = run_cmd(dir.path(), &sim, &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    wait_for("both creates", Duration::from_secs(30), || creates(&sim) == 2);
    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill -INT");
    assert!(killed.success());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 interrupted"), "{}", show(&out));

    let status = |extra: &[&str]| {
        crate::support::vidflow(dir.path())
            .args(["status", "workflow.yaml", "--json", "--api-url", &sim.base_url])
            .args(extra)
            .env("TWELVE_LABS_API_KEY", crate::engine_support::KEY)
            .output()
            .expect("status")
    };
    let out = status(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let tasks = doc["workflows"][0]["tasks"].as_array().cloned().unwrap_or_default();
    assert_eq!(tasks.len(), 2);
    assert!(tasks.iter().all(|t| t["task_id"].is_string() && t["result"] == false), "{doc}");

    wait_for("tasks ready on the server", Duration::from_secs(30), || {
        crate::engine_support::sim_tasks(&sim).iter().all(|t| t["status"] == "ready")
    });
    let out = status(&["--refresh"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let tasks = doc["workflows"][0]["tasks"].as_array().cloned().unwrap_or_default();
    assert!(tasks.iter().all(|t| t["status"] == "ready" && t["result"] == true), "{doc}");

    let before = sim.requests().len();
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(sim.requests().len(), before, "results were collected: nothing left to ask");
    assert_eq!(creates(&sim), 2);
    assert_eq!(outputs(dir.path()).len(), 2);
}
