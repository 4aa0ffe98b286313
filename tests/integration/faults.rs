//! The client under injected faults (issue 5 (a), (b)), against `vidflow sim` over
//! HTTP; each test asserts the end state on the simulator and on disk.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::engine_support::{outputs, run_ok, sim_log, tasks_per_custom_id, url_workflow};
use crate::support::SimProcess;

/// (a) 30 % of all requests are answered 429 with `Retry-After: 1`: every task
/// ends ready, and no request was re-sent before its `Retry-After` had passed
/// (checked on the simulator's log, which stamps each request on arrival).
#[test]
fn thirty_percent_429s_every_task_ready_and_retry_after_honoured() {
    let sim = SimProcess::start(&[
        "--fail-429-rate",
        "0.3",
        "--processing-time",
        "0",
        "--skip-state",
        "pending",
        "--seed",
        "7",
    ]);
    let dir = tempfile::tempdir().expect("tempdir");
    url_workflow(dir.path(), 4, &[("a", "Describe"), ("b", "Count")], "{{result.text}}\n", "");
    let out = run_ok(dir.path(), &sim, &["--concurrency", "4"], 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("8 ready"), "{}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(outputs(dir.path()).len(), 8);
    let log = sim_log(&sim);
    let limited = log.iter().filter(|r| r["status"] == 429).count();
    assert!(limited >= 5, "faults were injected: {limited} 429s of {}", log.len());
    // The same request again: same method, path and idempotency key.
    let mut last: BTreeMap<(String, String, String), &Value> = BTreeMap::new();
    let mut checked = 0;
    for r in &log {
        let id = (
            r["method"].as_str().unwrap_or_default().to_owned(),
            r["path"].as_str().unwrap_or_default().to_owned(),
            r["idempotency_key"].as_str().unwrap_or_default().to_owned(),
        );
        if let Some(prev) = last.get(&id)
            && prev["status"] == 429
        {
            let gap = r["time_ms"].as_u64().unwrap_or(0).saturating_sub(prev["time_ms"].as_u64().unwrap_or(0));
            assert!(gap >= 1000, "{id:?} re-sent {gap} ms after a 429 with Retry-After: 1");
            checked += 1;
        }
        last.insert(id, r);
    }
    assert!(checked >= 5, "retries after 429s were checked ({checked})");
    assert!(tasks_per_custom_id(&sim).values().all(|n| *n == 1));
}

/// (b) Creates answered 5xx, dropped before processing, or dropped after the task
/// was committed: exactly one task per key exists on the simulator (counted with
/// its list endpoint), and every retry re-sent the same key and the same body.
#[test]
fn create_5xx_and_dropped_connections_make_exactly_one_task_per_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let create = r#"{"method": "POST", "path": "/v1.3/analyze/tasks"}"#;
    let rules = format!(
        r#"{{"rules": [
            {{"match": {create}, "action": {{"type": "status", "status": 503}}, "probability": 0.1}},
            {{"match": {create}, "action": {{"type": "status_after_commit", "status": 502}}, "probability": 0.11}},
            {{"match": {create}, "action": {{"type": "drop"}}, "probability": 0.1}},
            {{"match": {create}, "action": {{"type": "drop_after_commit"}}, "probability": 0.12}}
        ]}}"#
    );
    let faults = dir.path().join("faults.json");
    std::fs::write(&faults, rules).expect("faults file");
    let sim = SimProcess::start(&["--clock", "tick", "--seed", "3", "--faults", faults.to_str().expect("utf-8 path")]);
    url_workflow(dir.path(), 6, &[("a", "Describe"), ("b", "Count")], "{{result.text}}\n", "");
    run_ok(dir.path(), &sim, &["--concurrency", "4", "--max-retries", "8"], 0);
    let per_id = tasks_per_custom_id(&sim);
    assert_eq!(per_id.len(), 12, "{per_id:?}");
    assert!(per_id.values().all(|n| *n == 1), "duplicates: {per_id:?}");
    let log = sim_log(&sim);
    let posts: Vec<&Value> = log.iter().filter(|r| r["method"] == "POST").collect();
    let faulted = posts.iter().filter(|r| !r["fault"].is_null()).count();
    assert!(faulted >= 3 && posts.len() > 12, "faults were injected: {faulted} of {}", posts.len());
    assert!(posts.iter().any(|r| r["fault"].as_str().is_some_and(|f| f.contains("after_commit"))), "{posts:?}");
    let mut bodies: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in &posts {
        let key = r["idempotency_key"].as_str().expect("every create carries a key");
        bodies.entry(key).or_default().push(r["fingerprint"].as_str().unwrap_or_default());
    }
    assert_eq!(bodies.len(), 12, "one key per task");
    for (key, prints) in bodies {
        assert!(prints.windows(2).all(|w| w[0] == w[1]), "{key}: retries changed the body");
    }
    assert_eq!(outputs(dir.path()).len(), 12);
}

/// The library client over HTTP: create (idempotent replay), retrieve, list with a
/// source filter, delete (twice: a 404 is "already gone", DEL-2), then retrieve
/// gives 404 (TASK-1); errors carry status and code from the body (ERR-2).
#[test]
fn client_covers_create_retrieve_list_delete() {
    use vidflow::api::wire::{ListFilter, TaskStatus, VideoSource};
    use vidflow::api::{ApiKey, Client, ClientConfig};
    let sim = SimProcess::start(&["--clock", "tick"]);
    let client = Client::new(ClientConfig::new(&sim.base_url, ApiKey::new("k").expect("key"))).expect("client");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let body = serde_json::json!({
            "video": {"type": "url", "url": "https://media.example.com/c.mp4"},
            "model_name": "pegasus1.5", "custom_id": "c-1", "prompt": "Describe"
        });
        let first = client.create_task(&body, "key-1").await.expect("create");
        let replay = client.create_task(&body, "key-1").await.expect("replay");
        assert_eq!(first.task_id, replay.task_id, "same key and body: same task (IDEM-4)");
        let task = client.retrieve_task(&first.task_id).await.expect("retrieve");
        assert_eq!(task.status, TaskStatus::Pending);
        let source = VideoSource::Url { url: "https://media.example.com/c.mp4".into() };
        let listed = client.list_all(&ListFilter::for_source(&source), 5).await.expect("list");
        assert_eq!(listed.iter().map(|t| t.task_id.as_str()).collect::<Vec<_>>(), [first.task_id.as_str()]);
        client.delete_task(&first.task_id).await.expect("delete");
        client.delete_task(&first.task_id).await.expect("deleting again is success (DEL-2)");
        let gone = client.retrieve_task(&first.task_id).await.expect_err("deleted");
        assert_eq!(gone.status(), Some(404));
        assert!(gone.to_string().contains("resource_not_exist"), "{gone}");
        let bad = serde_json::json!({"video": {"type": "url", "url": "https://x/a.mp4"}, "model_name": "pegasus1.5",
                                     "prompt": "x", "temperature": 3});
        let refused = client.create_task(&bad, "key-2").await.expect_err("400");
        assert_eq!((refused.status(), refused.is_retryable()), (Some(400), false));
        assert!(refused.to_string().contains("parameter_invalid"), "{refused}");
    });
}

/// The API key never reaches stdout, stderr or any file written, even when
/// requests fail and are retried and logged.
#[test]
fn the_api_key_is_never_printed_or_stored() {
    let secret = "tlk-never-leak-7f3a9c";
    let sim = SimProcess::start(&["--clock", "tick", "--fail-5xx-rate", "0.3", "--seed", "5"]);
    let dir = tempfile::tempdir().expect("tempdir");
    url_workflow(dir.path(), 2, &[("a", "Describe")], "{{result.text}}\n", "");
    let out = crate::engine_support::run_cmd(dir.path(), &sim, &["--max-retries", "8"])
        .env("TWELVE_LABS_API_KEY", secret)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", crate::engine_support::show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("retrying"), "retries were logged");
    let printed = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!printed.contains(secret));
    let mut stack = vec![dir.path().to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let bytes = std::fs::read(&p).expect("read");
                assert!(!String::from_utf8_lossy(&bytes).contains(secret), "{} holds the key", p.display());
            }
        }
    }
}
