//! Engine paths that only faults reach, end to end: the real `vidflow` binary
//! against `vidflow sim` over HTTP on 127.0.0.1, with fault rules (SIM-FAULT-*) and
//! rate limits (RATE-*). Each test asserts the end state: exit code, summary, state
//! files, and the simulator's request log and task list.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::engine_support::{
    KEY, line_of, outputs, run_cmd, run_ok, show, sim_get, sim_log, tasks_per_custom_id, url_workflow, wait_for,
};
use crate::support::SimProcess;

const CREATE: &str = "/v1.3/analyze/tasks";

/// Writes `rules` as a `--faults` file in `dir` and returns its path.
fn faults_file(dir: &Path, rules: &Value) -> String {
    let path = dir.join("faults.json");
    std::fs::write(&path, rules.to_string()).expect("faults file");
    path.to_str().expect("utf-8 path").to_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr_has(out: &std::process::Output, text: &str) -> bool {
    String::from_utf8_lossy(&out.stderr).contains(text)
}

/// Log entries of creates (`POST /analyze/tasks`).
fn creates(log: &[Value]) -> Vec<&Value> {
    log.iter().filter(|r| r["method"] == "POST" && r["path"] == CREATE).collect()
}

/// `vidflow.lock`'s entry for `task` (`analysis/video`).
fn lock_entry(dir: &Path, task: &str) -> vidflow::state::LockEntry {
    let entries = vidflow::state::read_lockfile(dir, "workflow.yaml").expect("vidflow.lock");
    entries.get(task).cloned().unwrap_or_else(|| panic!("no lock entry for {task}: {entries:?}"))
}

/// CLI-IDEM-3. Every create is committed by the server and its answer lost
/// (`drop_after_commit`), the retry too (the replay of the same Idempotency-Key is
/// dropped as well), so retries are exhausted without an answer. The engine lists
/// tasks by `video_url` and adopts the one with its `custom_id` created since its
/// first attempt: exactly one task per custom_id, results rendered, exit 0.
#[test]
fn lost_create_answers_are_reconciled_by_listing_and_adopted() {
    // The realtime clock: reconciliation compares the server's `created_at` with the
    // local time of the first attempt, and the tick/virtual clocks start in 2026-01.
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = serde_json::json!({"rules": [
        {"match": {"method": "POST", "path": CREATE}, "action": {"type": "drop_after_commit"}}
    ]});
    let faults = faults_file(dir.path(), &rules);
    let sim = SimProcess::start(&["--processing-time", "0", "--skip-state", "pending", "--faults", &faults]);
    url_workflow(dir.path(), 2, &[("a", "Describe")], "{{task.task_id}} {{result.text}}\n", "");
    let out = run_ok(dir.path(), &sim, &["--max-retries", "1", "--concurrency", "2"], 0);
    assert!(stdout(&out).contains("2 ready (0 cached, 0 truncated), 0 failed"), "{}", show(&out));

    let log = sim_log(&sim);
    let posts = creates(&log);
    assert_eq!(posts.len(), 4, "a first attempt and one retry per task: {posts:#?}");
    for p in &posts {
        assert_eq!(p["fault"], "drop_after_commit", "{p}");
        assert!(p["status"].is_null(), "no create was answered: {p}");
    }
    let per_id = tasks_per_custom_id(&sim);
    assert_eq!(per_id, [("a-v0".to_owned(), 1), ("a-v1".to_owned(), 1)].into(), "one task per custom_id");
    // Each task was found by a list call after its retries, then polled.
    let lists: Vec<usize> =
        log.iter().enumerate().filter(|(_, r)| r["method"] == "GET" && r["path"] == CREATE).map(|(i, _)| i).collect();
    assert_eq!(lists.len(), 2, "one list per lost create");
    let second_post = log.iter().enumerate().filter(|(_, r)| r["method"] == "POST").nth(1).map(|(i, _)| i);
    assert!(second_post.is_some_and(|p| p < lists[0]), "listed only after retries");
    let first_list = lists[0];
    for (video, custom_id) in [("v0", "a-v0"), ("v1", "a-v1")] {
        let task = crate::engine_support::sim_tasks(&sim)
            .into_iter()
            .find(|t| t["custom_id"] == custom_id)
            .expect("task on the simulator");
        let id = task["task_id"].as_str().expect("task id").to_owned();
        let polls: Vec<usize> = log
            .iter()
            .enumerate()
            .filter(|(_, r)| r["method"] == "GET" && r["path"] == format!("{CREATE}/{id}"))
            .map(|(i, _)| i)
            .collect();
        assert!(!polls.is_empty(), "{custom_id} was polled");
        assert!(polls.iter().all(|i| *i > first_list), "polled only after the list found it");
        let entry = lock_entry(dir.path(), &format!("a/{video}"));
        assert_eq!((entry.task_id.as_deref(), entry.status.as_str()), (Some(id.as_str()), "ready"));
        let rendered = &outputs(dir.path())[&format!("out/{video}/a.md")];
        assert!(String::from_utf8_lossy(rendered).starts_with(&format!("{id} [simulated]")), "{video}");
    }
}

/// CLI-POLL-2, the per-task deadline: a task that never finishes (`stuck`) fails
/// its job at `--job-timeout` with a message naming the deadline, keeping its task
/// id (exit 1: a task fault, not an unusable API). The next run adopts the task
/// (polls the same id) instead of creating a second one.
#[test]
fn a_stuck_task_ends_at_job_timeout_and_the_next_run_adopts_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = serde_json::json!({"rules": [{"match": {"custom_id": "a-v0"}, "action": {"type": "stuck"}}]});
    let faults = faults_file(dir.path(), &rules);
    let sim = SimProcess::start(&["--clock", "tick", "--faults", &faults]);
    url_workflow(dir.path(), 2, &[("a", "Describe")], "{{result.text}}\n", "");
    let started = std::time::Instant::now();
    // 1.5 s: ample for the other task's three polls on a busy machine.
    let out = run_ok(dir.path(), &sim, &["--job-timeout", "1.5"], 1);
    assert!(started.elapsed() < Duration::from_secs(10), "ended at the deadline, not later");
    let text = stdout(&out);
    let task_id = sim_get(&format!("{}/analyze/tasks?page_limit=50", sim.base_url))["data"]
        .as_array()
        .and_then(|d| d.iter().find(|t| t["custom_id"] == "a-v0"))
        .and_then(|t| t["task_id"].as_str())
        .expect("the stuck task exists")
        .to_owned();
    let line = line_of(&text, "a/v0");
    assert!(
        line.contains("error")
            && line.contains(&format!("task {task_id} not finished after 1.5 s (job_timeout)"))
            && line.contains("the next run polls it again"),
        "{}",
        show(&out)
    );
    assert!(line_of(&text, "a/v1").contains("ready"), "the other task is unaffected\n{text}");
    assert!(text.contains("1 ready (0 cached, 0 truncated), 1 failed"), "{text}");
    let entry = lock_entry(dir.path(), "a/v0");
    assert_eq!(entry.task_id.as_deref(), Some(task_id.as_str()), "the task id is kept");
    assert_eq!(entry.status, "processing", "last status seen");
    assert!(entry.result_sha256.is_none());

    let polls = |log: &[Value]| log.iter().filter(|r| r["path"] == format!("{CREATE}/{task_id}")).count();
    let before = sim_log(&sim);
    let out = run_ok(dir.path(), &sim, &["--job-timeout", "0.2"], 1);
    let after = sim_log(&sim);
    assert_eq!(creates(&after).len(), creates(&before).len(), "no create on the second run\n{}", show(&out));
    assert_eq!(creates(&after).len(), 2);
    assert!(polls(&after) > polls(&before), "the second run polled the same task");
    let text = stdout(&out);
    assert!(line_of(&text, "a/v0").contains(&format!("task {task_id} not finished after 0.2 s")), "{}", show(&out));
    assert!(line_of(&text, "a/v1").contains("cached"), "{}", show(&out));
    assert_eq!(tasks_per_custom_id(&sim), [("a-v0".to_owned(), 1), ("a-v1".to_owned(), 1)].into());
}

/// CLI-POLL-2: five 5xx answers in a row to `GET /analyze/tasks/{id}` fail the
/// task (not the first four), with a message that says polling gave up and that
/// the task is kept; the task id stays recorded, so the next run polls the same
/// task to its result without a second create.
#[test]
fn five_poll_errors_in_a_row_fail_the_task_and_the_next_run_recovers_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = serde_json::json!({"rules": [
        {"match": {"method": "GET", "path": "/v1.3/analyze/tasks/*"},
         "action": {"type": "status", "status": 503}, "times": 5}
    ]});
    let faults = faults_file(dir.path(), &rules);
    let sim = SimProcess::start(&["--clock", "tick", "--faults", &faults]);
    url_workflow(dir.path(), 1, &[("a", "Describe")], "{{result.text}}\n", "");
    let out = run_ok(dir.path(), &sim, &[], 1);
    let log = sim_log(&sim);
    let posts = creates(&log);
    assert_eq!(posts.len(), 1);
    let polls: Vec<&Value> = log.iter().filter(|r| r["method"] == "GET" && r["path"] != CREATE).collect();
    assert_eq!(polls.len(), 5, "gave up at the fifth error in a row, not before or after: {polls:#?}");
    assert!(polls.iter().all(|r| r["status"] == 503));
    let task_id = polls[0]["path"].as_str().and_then(|p| p.rsplit('/').next()).expect("task id").to_owned();
    let text = stdout(&out);
    let line = line_of(&text, "a/v0");
    assert!(line.contains("error"), "{}", show(&out));
    for part in [
        format!("polling task {task_id} failed 5 times in a row"),
        "HTTP 503 generic_error: [simulated] injected 503".to_owned(),
        "the next run polls it again".to_owned(),
    ] {
        assert!(line.contains(&part), "`{part}` missing from the message\n{}", show(&out));
    }
    assert!(text.contains("0 ready (0 cached, 0 truncated), 1 failed"), "{text}");
    let entry = lock_entry(dir.path(), "a/v0");
    assert_eq!(entry.task_id.as_deref(), Some(task_id.as_str()), "the task id is kept");
    assert_ne!(entry.status, "failed", "not marked failed: the server never said so");

    let out = run_ok(dir.path(), &sim, &[], 0);
    assert!(stdout(&out).contains("1 ready (0 cached"), "{}", show(&out));
    assert_eq!(creates(&sim_log(&sim)).len(), 1, "recovered without a second create");
    assert_eq!(tasks_per_custom_id(&sim), [("a-v0".to_owned(), 1)].into());
    let entry = lock_entry(dir.path(), "a/v0");
    assert_eq!((entry.task_id.as_deref(), entry.status.as_str()), (Some(task_id.as_str()), "ready"));
    assert_eq!(outputs(dir.path()).len(), 1);
}

/// Empties the simulator's create bucket for [`KEY`] with `n` creates that the
/// handler refuses (400, no task): the rate limit is taken before validation.
fn drain_create_bucket(sim: &SimProcess, n: usize) {
    crate::engine_support::block_on(async {
        let client = reqwest::Client::new();
        for _ in 0..n {
            let r = client
                .post(format!("{}/analyze/tasks", sim.base_url))
                .header("x-api-key", KEY)
                .json(&serde_json::json!({}))
                .send()
                .await
                .expect("simulator answers");
            assert_eq!(r.status(), 400, "a refused create still takes a token");
        }
    });
}

/// CLI-RETRY-4: a 429 carries `Retry-After` (seconds until the next token) and
/// `*-Remaining: 0` with `*-Reset` (when the bucket is full again, ~60 s away).
/// `Retry-After` is the announced time: the create is re-sent once it has passed,
/// not held until the reset. Checked on the simulator's arrival times: exactly one
/// 429, and the retry arrived after its `Retry-After` and was accepted.
#[test]
fn a_429_is_retried_after_its_retry_after_not_held_until_the_bucket_reset() {
    let sim = SimProcess::start(&["--rate-create", "30", "--processing-time", "0", "--skip-state", "pending"]);
    let dir = tempfile::tempdir().expect("tempdir");
    url_workflow(dir.path(), 1, &[("a", "Describe")], "{{result.text}}\n", "");
    // 30 per minute: a token every 2 s, so the run's first create is refused.
    drain_create_bucket(&sim, 30);
    // Waiting for the reset would exceed the wait budget and exit 3.
    let out = run_ok(dir.path(), &sim, &["--creates-per-minute", "0", "--max-rate-limit-wait", "10"], 0);
    let log = sim_log(&sim);
    let ours: Vec<&Value> = creates(&log).into_iter().filter(|r| r["idempotency_key"].is_string()).collect();
    assert_eq!(ours.len(), 2, "one refused create and its retry\n{}", show(&out));
    assert_eq!((ours[0]["status"].as_u64(), ours[0]["fault"].as_str()), (Some(429), Some("rate_limited")));
    assert_eq!(ours[1]["status"], 202, "the retry was accepted: it came after a token freed");
    let gap = ours[1]["time_ms"].as_u64().unwrap_or(0).saturating_sub(ours[0]["time_ms"].as_u64().unwrap_or(0));
    assert!((1000..10_000).contains(&gap), "re-sent {gap} ms after the 429 (Retry-After is 1-2 s)");
    assert_eq!(log.iter().filter(|r| r["status"] == 429).count(), 1, "no other 429");
    assert_eq!(tasks_per_custom_id(&sim), [("a-v0".to_owned(), 1)].into());
}

/// The time in "rate limited on the BUCKET bucket until <HTTP date>", as epoch
/// seconds.
fn resume_time(text: &str, bucket: &str) -> u64 {
    let prefix = format!("rate limited on the {bucket} bucket until ");
    let date = text
        .lines()
        .find_map(|l| l.split_once(&prefix).map(|(_, rest)| rest))
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("no `{prefix}` in\n{text}"));
    let at = httpdate::parse_http_date(date).expect("an HTTP date");
    at.duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs()
}

/// RATE-2, CLI-RETRY-4..6: the create that empties the server's bucket is answered
/// 202 with `*-Remaining: 0` and a `*-Reset` a minute away. The client pauses the
/// create bucket until the reset instead of sending the next create into a 429;
/// polls (the read bucket) go on meanwhile. The wait exceeds `--max-rate-limit-wait`,
/// so the run defers the unsubmitted task and exits 3, naming the bucket and the
/// reset time. Once the quota is back (here: a fresh per-key bucket, standing in for
/// the minute passing), the next run creates only the deferred task.
#[test]
fn remaining_zero_pauses_creates_until_the_reset_and_the_budget_defers_the_rest() {
    let sim = SimProcess::start(&["--rate-create", "2", "--processing-time", "0", "--skip-state", "pending"]);
    let dir = tempfile::tempdir().expect("tempdir");
    url_workflow(dir.path(), 2, &[("a", "Describe")], "{{result.text}}\n", "");
    // One token left: the run's first create empties the bucket.
    drain_create_bucket(&sim, 1);
    // One task at a time: the second create is due after the first answer was read.
    let args = ["--concurrency", "1", "--creates-per-minute", "0", "--max-rate-limit-wait", "2"];
    let started = std::time::Instant::now();
    let out = run_ok(dir.path(), &sim, &args, 3);
    assert!(started.elapsed() < Duration::from_secs(20), "stopped at once, not after the minute");
    let log = sim_log(&sim);
    let posts: Vec<&Value> = creates(&log).into_iter().filter(|r| r["idempotency_key"].is_string()).collect();
    assert_eq!(posts.len(), 1, "nothing sent after `Remaining: 0`\n{}", show(&out));
    assert_eq!(posts[0]["status"], 202);
    assert_eq!(log.iter().filter(|r| r["status"] == 429).count(), 0, "no 429 provoked");
    let drained = log.iter().position(|r| r == posts[0]).expect("in the log");
    assert!(log[drained + 1..].iter().any(|r| r["method"] == "GET"), "reads went on while creates were paused");
    assert!(log[drained + 1..].iter().all(|r| r["method"] == "GET"), "only reads after the pause began");
    // The run stops resumably at the time the server announced (reset ≈ +60 s).
    let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let resume = resume_time(&text, "create");
    let drained_at = posts[0]["time_ms"].as_u64().expect("time") / 1000;
    assert!((drained_at + 57..=drained_at + 61).contains(&resume), "resume {resume}, drained at {drained_at}");
    assert!(text.contains("the API could not be used"), "{text}");
    for (task, label) in [("a/v0", "ready"), ("a/v1", "error")] {
        assert!(line_of(&stdout(&out), task).contains(label), "{task}: {}", show(&out));
    }
    assert_eq!(lock_entry(dir.path(), "a/v1").task_id, None, "deferred, never created");

    let again = run_cmd(dir.path(), &sim, &[]).env("TWELVE_LABS_API_KEY", "test-key-2").output().expect("run");
    assert_eq!(again.status.code(), Some(0), "{}", show(&again));
    assert!(stdout(&again).contains("2 ready (1 cached"), "{}", show(&again));
    let posts = creates(&sim_log(&sim)).into_iter().filter(|r| r["idempotency_key"].is_string()).count();
    assert_eq!(posts, 2, "only the deferred task was created");
    assert_eq!(tasks_per_custom_id(&sim), [("a-v0".to_owned(), 1), ("a-v1".to_owned(), 1)].into());
    assert_eq!(outputs(dir.path()).len(), 2);
}

/// CLI-RETRY-5 with a task in flight: polls empty the read bucket (`Remaining: 0`,
/// reset a minute away); the next poll would wait past `--max-rate-limit-wait`, so
/// the run exits 3 without provoking a 429, keeping the task id. The next run, with
/// quota again (a fresh per-key bucket), adopts that task and collects its result
/// without a second create.
#[test]
fn an_exhausted_read_budget_exits_3_and_the_next_run_adopts_the_task_in_flight() {
    let sim = SimProcess::start(&["--rate-read", "2", "--processing-time", "0", "--skip-state", "pending"]);
    let dir = tempfile::tempdir().expect("tempdir");
    url_workflow(dir.path(), 1, &[("a", "Describe")], "{{result.text}}\n", "");
    let out = run_ok(dir.path(), &sim, &["--reads-per-minute", "0", "--max-rate-limit-wait", "2"], 3);
    let log = sim_log(&sim);
    assert_eq!(creates(&log).len(), 1);
    let polls: Vec<&Value> = log.iter().filter(|r| r["method"] == "GET").collect();
    assert_eq!(polls.len(), 2, "the two polls the bucket allowed, then none\n{}", show(&out));
    assert!(polls.iter().all(|r| r["status"] == 200), "no 429 provoked: {polls:#?}");
    let text = format!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr));
    let drained_at = polls[1]["time_ms"].as_u64().expect("time") / 1000;
    let resume = resume_time(&text, "read");
    assert!((drained_at + 57..=drained_at + 61).contains(&resume), "resume {resume}, drained at {drained_at}");
    let task_id = polls[0]["path"].as_str().and_then(|p| p.rsplit('/').next()).expect("task id").to_owned();
    let entry = lock_entry(dir.path(), "a/v0");
    assert_eq!(entry.task_id.as_deref(), Some(task_id.as_str()), "the task in flight is recorded");
    assert_ne!(entry.status, "ready");

    // The server finishes the task meanwhile (control routes are never limited).
    let internal = sim.base_url.replace("/v1.3", &format!("/_sim/tasks/{task_id}"));
    wait_for("the task ready on the server", Duration::from_secs(20), || {
        sim_get(&internal)["task"]["status"] == "ready"
    });
    let again = run_cmd(dir.path(), &sim, &[]).env("TWELVE_LABS_API_KEY", "test-key-2").output().expect("run");
    assert_eq!(again.status.code(), Some(0), "{}", show(&again));
    assert!(stderr_has(&again, &format!("a/v0: resuming task {task_id}")), "{}", show(&again));
    assert_eq!(creates(&sim_log(&sim)).len(), 1, "adopted, not created again");
    // Listed with another key: the test key's read bucket is empty.
    let list = crate::engine_support::block_on(async {
        let url = format!("{}/analyze/tasks?page_limit=50", sim.base_url);
        reqwest::Client::new().get(url).header("x-api-key", "test-key-list").send().await?.json::<Value>().await
    })
    .expect("list");
    let ids: Vec<&str> =
        list["data"].as_array().into_iter().flatten().filter_map(|t| t["custom_id"].as_str()).collect();
    assert_eq!(ids, ["a-v0"], "one task on the server");
    let entry = lock_entry(dir.path(), "a/v0");
    assert_eq!((entry.task_id.as_deref(), entry.status.as_str()), (Some(task_id.as_str()), "ready"));
    assert_eq!(outputs(dir.path()).len(), 1);
}

/// Design §1: exit 3 when the API cannot be used, network included. Nothing
/// listens on the port: once retries are spent the run exits 3 (it was 1, as if
/// the tasks had failed), and the tasks stay resumable.
#[test]
fn an_unreachable_api_exits_3() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let dir = tempfile::tempdir().expect("tempdir");
    crate::engine_support::url_workflow(dir.path(), 2, &[("a", "Describe")], "{{result.text}}", "");
    let out = crate::support::vidflow(dir.path())
        .args(["run", "workflow.yaml", "--api-url", &format!("http://127.0.0.1:{port}/v1.3"), "--max-retries", "0"])
        .env("TWELVE_LABS_API_KEY", "k")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "{}", crate::engine_support::show(&out));
    let records = std::fs::read_dir(dir.path().join(".vidflow/tasks")).expect("records").count();
    assert_eq!(records, 2, "each task's key is recorded for the next run");
}

/// ASSET-6: `POST /assets` is not idempotent. An upload the server committed but
/// whose answer was lost is retried once, and the retry is reported as a possible
/// duplicate; the run goes on with the second asset.
#[test]
fn an_upload_lost_after_commit_is_retried_once_and_reported_as_a_possible_duplicate() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(crate::support::videos_dir(), dir.path().join("videos")).expect("symlink");
    let rules = serde_json::json!({"rules": [
        {"match": {"method": "POST", "path": "/v1.3/assets"}, "action": {"type": "drop_after_commit"}, "times": 1}
    ]});
    let faults = faults_file(dir.path(), &rules);
    let sim = SimProcess::start(&["--clock", "tick", "--faults", &faults]);
    std::fs::write(
        dir.path().join("workflow.yaml"),
        "version: 1\nmodel: pegasus1.5\nvideos:\n  - id: bunny\n    file: videos/bigbuckbunny.mp4\n\
         analyses:\n  - id: a\n    prompt: Describe.\n",
    )
    .expect("write workflow");
    let out = run_ok(dir.path(), &sim, &[], 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("retrying upload asset") && stderr.contains("possible duplicate"), "{}", show(&out));
    let uploads: Vec<serde_json::Value> =
        sim_log(&sim).into_iter().filter(|r| r["method"] == "POST" && r["path"] == "/v1.3/assets").collect();
    assert_eq!(uploads.len(), 2, "the lost one and one retry: {uploads:#?}");
    assert_eq!(uploads[0]["fault"], "drop_after_commit");
}

/// A task adopted from an earlier run that the server no longer has (404) is
/// submitted again in the same run, under a new generation. It took a third run
/// before (the second only marked it failed), which is what every interrupted
/// `--sim` run hit, since its in-process simulator is gone.
#[test]
fn an_adopted_task_the_server_lost_is_submitted_again_in_the_same_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rules = serde_json::json!({"rules": [{"match": {"custom_id": "a-v0"}, "action": {"type": "stuck"}}]});
    let faults = faults_file(dir.path(), &rules);
    let first = SimProcess::start(&["--clock", "tick", "--faults", &faults]);
    url_workflow(dir.path(), 1, &[("a", "Describe")], "{{result.text}}\n", "");
    run_ok(dir.path(), &first, &["--job-timeout", "0.5"], 1);
    let lost = lock_entry(dir.path(), "a/v0").task_id.expect("the stuck task's id is kept");
    drop(first);

    let second = SimProcess::start(&["--clock", "tick"]);
    let out = run_ok(dir.path(), &second, &[], 0);
    assert!(
        stderr_has(&out, &format!("task {lost} is gone from the server (404); submitting again")),
        "{}",
        show(&out)
    );
    assert_eq!(creates(&sim_log(&second)).len(), 1);
    let entry = lock_entry(dir.path(), "a/v0");
    assert_eq!(entry.status, "ready");
    assert!(entry.result_sha256.is_some(), "the result is stored");
}

/// `--sim` runs start an empty simulator each time: assets remembered from an
/// earlier `--sim` run do not exist on it, and trying them cost a refused create
/// and an alarming HTTP 400 line on every run that submitted something.
#[test]
fn a_second_sim_run_does_not_try_the_first_runs_assets() {
    let dir = crate::support::fixture("skeleton");
    let run = |prompt: &str| {
        let wf = dir.path().join("workflow.yaml");
        let text = std::fs::read_to_string(&wf).expect("read");
        std::fs::write(&wf, text.replace("Summarise", prompt)).expect("write");
        crate::support::vidflow(dir.path()).args(["run", "workflow.yaml", "--sim"]).output().expect("run --sim")
    };
    let out = run("Summarise");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let out = run("Briefly summarise");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(line_of(&stdout(&out), "summary/bigbuckbunny").contains("ready"), "{}", show(&out));
    assert!(!stderr_has(&out, "gone"), "{}", show(&out));
}
