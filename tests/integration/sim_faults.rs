//! Fault injection (SIM-FAULT-1..4), rate limits (RATE-1..3) and the control
//! endpoints (SIM-CFG-2), over real HTTP on 127.0.0.1 with a real client.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde_json::{Value, json};
use vidflow::sim::{Clock, Faults, Limits, RunningSim, SimConfig, start};

const KEY: &str = "test-key";

async fn sim(config: SimConfig) -> RunningSim {
    start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.expect("sim starts")
}

fn tick() -> SimConfig {
    SimConfig { clock: Clock::Tick, ..SimConfig::default() }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client")
}

fn body(custom_id: &str) -> Value {
    json!({"model_name": "pegasus1.5", "video": {"type": "url", "url": "https://cdn.example.com/a.mp4"},
           "prompt": "Summarise.", "custom_id": custom_id})
}

fn control(s: &RunningSim, path: &str) -> String {
    s.base_url.replace("/v1.3", &format!("/_sim/{path}"))
}

async fn put_faults(s: &RunningSim, faults: Value) {
    let r = client().put(control(s, "faults")).json(&faults).send().await.expect("put faults");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

async fn create(s: &RunningSim, b: &Value, key: Option<&str>) -> reqwest::Result<reqwest::Response> {
    let mut req = client().post(format!("{}/analyze/tasks", s.base_url)).header("x-api-key", KEY).json(b);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    req.send().await
}

async fn get(s: &RunningSim, path: &str) -> reqwest::Result<reqwest::Response> {
    client().get(format!("{}{path}", s.base_url)).header("x-api-key", KEY).send().await
}

async fn task_count(s: &RunningSim) -> u64 {
    let list: Value = get(s, "/analyze/tasks").await.expect("list").json().await.expect("json");
    list["page_info"]["total_results"].as_u64().expect("total")
}

/// Retrieves until terminal (tick clock: at most a few GETs).
async fn until_terminal(s: &RunningSim, id: &str) -> Value {
    for _ in 0..20 {
        let t: Value = get(s, &format!("/analyze/tasks/{id}")).await.expect("get").json().await.expect("json");
        if t["status"] == "ready" || t["status"] == "failed" {
            return t;
        }
    }
    panic!("task {id} never finished");
}

#[tokio::test]
async fn drop_closes_unanswered_and_stores_nothing() {
    let s = sim(tick()).await;
    put_faults(&s, json!({"rules": [{"match": {"method": "POST"}, "action": {"type": "drop"}, "times": 1}]})).await;
    let err = create(&s, &body("a"), Some("k1")).await.expect_err("dropped");
    assert!(err.is_request() || err.is_connect() || err.is_body(), "a transport error: {err:?}");
    assert!(err.status().is_none());
    assert_eq!(task_count(&s).await, 0, "nothing processed");
    // The retry with the same key creates the task (no record was stored, IDEM-7).
    let r = create(&s, &body("a"), Some("k1")).await.expect("retry");
    assert_eq!(r.status(), 202);
    assert!(r.headers().get("idempotent-replayed").is_none());
    assert_eq!(task_count(&s).await, 1);
}

#[tokio::test]
async fn drop_after_commit_stores_task_and_record_so_retry_replays() {
    let s = sim(tick()).await;
    put_faults(
        &s,
        json!({"rules": [{"match": {"method": "POST"}, "action": {"type": "drop_after_commit"}, "times": 1}]}),
    )
    .await;
    let err = create(&s, &body("a"), Some("k1")).await.expect_err("dropped after commit");
    assert!(err.status().is_none(), "{err:?}");
    assert_eq!(task_count(&s).await, 1, "the task was committed");
    let r = create(&s, &body("a"), Some("k1")).await.expect("retry");
    assert_eq!(r.status(), 202);
    assert_eq!(r.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(task_count(&s).await, 1, "no duplicate");
    // The request log shows the dropped create without a status.
    let log: Value = client().get(control(&s, "requests")).send().await.unwrap().json().await.unwrap();
    let first = &log["requests"][0];
    assert_eq!((first["fault"].as_str(), first["status"].is_null()), (Some("drop_after_commit"), true));
    assert!(first["fingerprint"].as_str().is_some_and(|f| f.len() == 64));
}

#[tokio::test]
async fn status_after_commit_answers_5xx_but_keeps_the_task() {
    let s = sim(tick()).await;
    put_faults(
        &s,
        json!({"rules": [{"match": {"method": "POST"}, "action": {"type": "status_after_commit", "status": 502}, "times": 1}]}),
    )
    .await;
    let r = create(&s, &body("a"), Some("k2")).await.expect("answered");
    assert_eq!(r.status(), 502);
    let e: Value = r.json().await.expect("shape B");
    assert_eq!(e["error"]["code"], "generic_error");
    let r = create(&s, &body("a"), Some("k2")).await.expect("retry");
    assert_eq!(r.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(task_count(&s).await, 1);
}

#[tokio::test]
async fn partial_body_is_a_transport_error_for_a_real_client() {
    let s = sim(tick()).await;
    let id = create(&s, &body("a"), None).await.unwrap().json::<Value>().await.unwrap()["task_id"]
        .as_str()
        .unwrap()
        .to_owned();
    put_faults(&s, json!({"rules": [{"match": {"method": "GET", "path": "/v1.3/analyze/tasks/*"}, "action": {"type": "partial_body"}}]}))
        .await;
    let r = get(&s, &format!("/analyze/tasks/{id}")).await.expect("headers arrive");
    assert_eq!(r.status(), 200);
    let len: usize = r.headers()["content-length"].to_str().unwrap().parse().unwrap();
    assert!(len > 10);
    let err = r.bytes().await.expect_err("body cut");
    assert!(err.is_body() || err.is_decode() || err.is_request(), "{err:?}");
}

#[tokio::test]
async fn nth_script_on_gets_of_one_task() {
    let s = sim(tick()).await;
    let id = create(&s, &body("a"), None).await.unwrap().json::<Value>().await.unwrap()["task_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let m = |n: u64| json!({"method": "GET", "path": format!("/v1.3/analyze/tasks/{id}"), "nth": n});
    put_faults(
        &s,
        json!({"rules": [
            {"match": m(2), "action": {"type": "status", "status": 500}},
            {"match": m(3), "action": {"type": "drop"}},
            {"match": m(4), "action": {"type": "status", "status": 503, "retry_after": 1}},
            {"match": m(5), "action": {"type": "status", "status": 429, "empty_body": true,
                                        "retry_after": "Wed, 21 Oct 2026 07:28:00 GMT"}},
        ]}),
    )
    .await;
    let path = format!("/analyze/tasks/{id}");
    assert_eq!(get(&s, &path).await.unwrap().status(), 200);
    let r = get(&s, &path).await.unwrap();
    assert_eq!(r.status(), 500);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "generic_error");
    assert!(get(&s, &path).await.is_err(), "3rd dropped");
    let r = get(&s, &path).await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["retry-after"].to_str().unwrap()), (503, "1"));
    let r = get(&s, &path).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "Wed, 21 Oct 2026 07:28:00 GMT");
    assert!(r.bytes().await.unwrap().is_empty());
    assert_eq!(get(&s, &path).await.unwrap().status(), 200);
    let f: Value = client().get(control(&s, "faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(f["counters"][0], json!({"matched": 6, "fired": 1}));
}

#[tokio::test]
async fn task_faults_fail_truncate_stuck() {
    let s = sim(tick()).await;
    put_faults(
        &s,
        json!({"rules": [
            {"match": {"custom_id": "fail-*"}, "action": {"type": "fail", "message": "boom"}},
            {"match": {"custom_id": "trunc-*"}, "action": {"type": "truncate"}},
            {"match": {"custom_id": "stuck-*"}, "action": {"type": "stuck"}},
        ]}),
    )
    .await;
    let id = |v: Value| v["task_id"].as_str().unwrap().to_owned();
    let failed = id(create(&s, &body("fail-1"), None).await.unwrap().json().await.unwrap());
    let t = until_terminal(&s, &failed).await;
    assert_eq!((t["status"].as_str(), t["error"]["message"].as_str()), (Some("failed"), Some("[simulated] boom")));
    let trunc = id(create(&s, &body("trunc-1"), None).await.unwrap().json().await.unwrap());
    let t = until_terminal(&s, &trunc).await;
    assert_eq!(t["result"]["finish_reason"], "length");
    assert!(t["error"]["message"].as_str().unwrap().starts_with("[simulated]"));
    let stuck = id(create(&s, &body("stuck-1"), None).await.unwrap().json().await.unwrap());
    for _ in 0..6 {
        let t: Value = get(&s, &format!("/analyze/tasks/{stuck}")).await.unwrap().json().await.unwrap();
        assert_ne!(t["status"], "ready");
    }
    let internal: Value =
        client().get(control(&s, &format!("tasks/{stuck}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((internal["stuck"].as_bool(), internal["task"]["status"].as_str()), (Some(true), Some("processing")));
}

#[tokio::test]
async fn seeded_rates_reproduce_the_same_faults() {
    async fn statuses(seed: u64) -> Vec<u16> {
        let faults = Faults::from_rates(&vidflow::sim::Rates { fail_5xx: 0.4, ..Default::default() });
        let s = sim(SimConfig { seed, faults, ..tick() }).await;
        let mut out = Vec::new();
        for _ in 0..30 {
            out.push(get(&s, "/analyze/tasks").await.unwrap().status().as_u16());
        }
        out
    }
    let a = statuses(11).await;
    assert_eq!(a, statuses(11).await);
    assert!(a.contains(&503) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn bad_fault_configs_are_refused_with_400() {
    let s = sim(tick()).await;
    for bad in [
        json!({"rules": [{"action": {"type": "explode"}}]}),
        json!({"rules": [{"action": {"type": "drop"}, "probability": 2}]}),
    ] {
        let r = client().put(control(&s, "faults")).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "parameter_invalid");
    }
}

#[tokio::test]
async fn stalled_requests_time_out_and_do_not_block_stop() {
    let s = sim(tick()).await;
    put_faults(&s, json!({"rules": [{"action": {"type": "stall"}}]})).await;
    let c = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().unwrap();
    let err = c.get(format!("{}/analyze/tasks", s.base_url)).header("x-api-key", KEY).send().await.expect_err("stalls");
    assert!(err.is_timeout(), "{err:?}");
    tokio::time::timeout(Duration::from_secs(5), s.stop()).await.expect("stop is not held up");
}

// ---- rate limits ----

fn limited(create: u32, read: u32, assets: u32) -> SimConfig {
    SimConfig { limits: Limits { create, read, assets }, ..SimConfig::default() }
}

#[tokio::test]
async fn create_bucket_refuses_with_429_retry_after_and_no_side_effect() {
    let s = sim(limited(2, 0, 0)).await;
    for i in 0..2 {
        let r = create(&s, &body("a"), None).await.unwrap();
        assert_eq!(r.status(), 202);
        let h = r.headers();
        assert_eq!(h["x-ratelimit-request-limit"], "2");
        assert_eq!(h["x-ratelimit-request-remaining"], (1 - i).to_string().as_str());
        assert_eq!(h["x-ratelimit-limit"], "2");
        assert_eq!(h["x-ratelimit-used"], (i + 1).to_string().as_str());
        assert!(h.contains_key("x-ratelimit-reset") && h.contains_key("x-ratelimit-request-reset"));
    }
    let r = create(&s, &body("a"), Some("k")).await.unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(r.headers()["x-ratelimit-request-remaining"], "0");
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "too_many_requests", "Shape B on /analyze/tasks");
    // No side effect: two tasks, and the key was not recorded.
    assert_eq!(task_count(&s).await, 2);
}

#[tokio::test]
async fn other_keys_and_buckets_are_separate_and_assets_use_shape_a() {
    let s = sim(limited(1, 1, 1)).await;
    assert_eq!(get(&s, "/analyze/tasks").await.unwrap().status(), 200);
    let r = get(&s, "/analyze/tasks").await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "too_many_requests");
    let other =
        client().get(format!("{}/analyze/tasks", s.base_url)).header("x-api-key", "other").send().await.unwrap();
    assert_eq!(other.status(), 200);
    assert_eq!(create(&s, &body("a"), None).await.unwrap().status(), 202, "create bucket is separate");
    let up = || {
        let form = reqwest::multipart::Form::new().text("method", "url").text("url", "https://cdn.example.com/v.mp4");
        client().post(format!("{}/assets", s.base_url)).header("x-api-key", KEY).multipart(form).send()
    };
    assert_eq!(up().await.unwrap().status(), 201);
    let r = up().await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "too_many_requests", "Shape A on /assets");
}

#[tokio::test]
async fn virtual_clock_refills_buckets_and_moves_tasks() {
    let s = sim(SimConfig {
        clock: Clock::Virtual,
        limits: Limits { create: 60, read: 0, assets: 0 },
        ..SimConfig::default()
    })
    .await;
    let mut last = None;
    for _ in 0..61 {
        last = Some(create(&s, &body("v"), None).await.unwrap());
    }
    let r = last.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "1");
    let adv = |secs: f64| client().post(control(&s, "advance")).json(&json!({"seconds": secs})).send();
    assert_eq!(adv(1.0).await.unwrap().status(), 200);
    let ok: Value = create(&s, &body("v"), None).await.unwrap().json().await.unwrap();
    let id = ok["task_id"].as_str().unwrap();
    let status = |v: Value| v["status"].as_str().unwrap_or_default().to_owned();
    assert_eq!(status(get(&s, &format!("/analyze/tasks/{id}")).await.unwrap().json().await.unwrap()), "queued");
    adv(1.5).await.unwrap();
    assert_eq!(status(get(&s, &format!("/analyze/tasks/{id}")).await.unwrap().json().await.unwrap()), "pending");
    adv(1.0).await.unwrap();
    assert_eq!(status(get(&s, &format!("/analyze/tasks/{id}")).await.unwrap().json().await.unwrap()), "processing");
    adv(10.0).await.unwrap();
    let t: Value = get(&s, &format!("/analyze/tasks/{id}")).await.unwrap().json().await.unwrap();
    assert_eq!(t["status"], "ready");
    assert_eq!(t["created_at"], "2026-01-01T00:00:01.000Z");
}

#[tokio::test]
async fn tick_mode_has_no_rate_limits_and_control_routes_are_never_limited() {
    let s = sim(SimConfig { limits: Limits { create: 1, read: 1, assets: 1 }, ..tick() }).await;
    for _ in 0..5 {
        let r = get(&s, "/analyze/tasks").await.unwrap();
        assert_eq!(r.status(), 200);
        assert!(!r.headers().contains_key("x-ratelimit-limit"));
    }
    let s2 = sim(limited(1, 1, 1)).await;
    for _ in 0..5 {
        assert_eq!(client().get(control(&s2, "health")).send().await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn skip_states_and_slow() {
    let s = sim(SimConfig { skip_states: vec!["pending".into()], ..tick() }).await;
    put_faults(&s, json!({"rules": [{"match": {"custom_id": "slow"}, "action": {"type": "slow", "factor": 2}}]})).await;
    let id = |v: Value| v["task_id"].as_str().unwrap().to_owned();
    let fast = id(create(&s, &body("fast"), None).await.unwrap().json().await.unwrap());
    let mut seen = Vec::new();
    for _ in 0..2 {
        let t: Value = get(&s, &format!("/analyze/tasks/{fast}")).await.unwrap().json().await.unwrap();
        seen.push(t["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["processing", "ready"]);
    let slow = id(create(&s, &body("slow"), None).await.unwrap().json().await.unwrap());
    let mut seen = Vec::new();
    for _ in 0..4 {
        let t: Value = get(&s, &format!("/analyze/tasks/{slow}")).await.unwrap().json().await.unwrap();
        seen.push(t["status"].as_str().unwrap().to_owned());
    }
    assert_eq!(seen, ["queued", "processing", "processing", "ready"]);
}
