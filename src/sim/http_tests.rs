//! Every VAL rule over HTTP (issue 4): each violating body of the contract's table
//! (`contract::request_tests::violating_cases`) is sent to a running simulator on
//! 127.0.0.1, which must answer the first expected violation with its status, code
//! and `details.rule`/`details.field` (VAL-0, ERR-3..5). VAL-49 and a non-JSON body
//! (VAL-1) are added here, since the table holds bodies only.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use serde_json::{Value, json};

use super::assets::SimAsset;
use super::media::DEFAULT_URL_FACTS;
use super::store::Sim;
use super::{Clock, RunningSim, SimConfig, start_with};
use crate::contract::request_tests::violating_cases;

fn asset(id: &str, is_image: bool, gets: u32) -> SimAsset {
    SimAsset {
        id: id.into(),
        method: "direct".into(),
        filename: format!("{id}.bin"),
        file_type: if is_image { "image/png".into() } else { "video/mp4".into() },
        created_ms: super::VIRTUAL_EPOCH_MS,
        size: 1,
        sha256: String::new(),
        is_image,
        facts: if is_image { Err("an image".into()) } else { Ok(DEFAULT_URL_FACTS) },
        gets,
        fault: None,
        url: None,
    }
}

/// A tick-clock simulator holding the table's fake resources (see `Fake`).
async fn sim_with_fake_resources() -> RunningSim {
    let sim = Arc::new(Sim::new(SimConfig { clock: Clock::Tick, ..SimConfig::default() }));
    {
        let mut state = sim.lock();
        // On the tick clock an asset is ready once it has been fetched.
        for a in [asset("asset-video", false, 1), asset("asset-image", true, 1), asset("asset-busy", true, 0)] {
            state.assets.insert(a.id.clone(), a);
        }
    }
    start_with(sim, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.expect("sim starts")
}

async fn post(client: &reqwest::Client, s: &RunningSim, body: Vec<u8>, key: Option<&str>) -> (u16, Value) {
    let mut req = client
        .post(format!("{}/analyze/tasks", s.base_url))
        .header("x-api-key", "k")
        .header("content-type", "application/json")
        .body(body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    let r = req.send().await.expect("answered");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn every_violating_body_gets_its_first_violation_over_http() {
    let s = sim_with_fake_resources().await;
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    let mut rules = std::collections::BTreeSet::new();
    let cases = violating_cases();
    for c in &cases {
        let Some((rule, field, code, status)) = c.expect.first().copied() else { continue };
        let (got_status, body) = post(&client, &s, serde_json::to_vec(&c.body).unwrap_or_default(), None).await;
        let e = &body["error"];
        let got = (got_status, e["code"].as_str(), e["details"]["rule"].as_str(), e["details"]["field"].as_str());
        if got != (status, Some(code.as_str()), Some(rule), Some(field)) {
            failures.push(format!("{}: want {status} {code} {rule} {field:?}, got {got:?}", c.name));
        }
        if !e["message"].as_str().is_some_and(|m| m.starts_with(field)) {
            failures.push(format!("{}: message {:?} does not start with the field (ERR-5)", c.name, e["message"]));
        }
        rules.insert(rule);
    }
    assert!(failures.is_empty(), "{} of {} cases:\n{}", failures.len(), cases.len(), failures.join("\n"));
    for n in 1..=48 {
        assert!(rules.contains(format!("VAL-{n}").as_str()), "VAL-{n} was never the first violation over HTTP");
    }
    // Nothing was created by a rejected request.
    let list: Value = client
        .get(format!("{}/analyze/tasks", s.base_url))
        .header("x-api-key", "k")
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list["page_info"]["total_results"], 0);
}

#[tokio::test]
async fn val_1_non_json_and_val_49_keys_over_http() {
    let s = sim_with_fake_resources().await;
    let client = reqwest::Client::new();
    let (status, body) = post(&client, &s, b"{not json".to_vec(), None).await;
    assert_eq!((status, body["error"]["details"]["rule"].as_str()), (400, Some("VAL-1")));
    let valid = serde_json::to_vec(&json!({"model_name": "pegasus1.5",
        "video": {"type": "url", "url": "https://x.example/a.mp4"}, "prompt": "p"}))
    .unwrap_or_default();
    for key in ["has space", &"a".repeat(256), "tab\tkey"] {
        let (status, body) = post(&client, &s, valid.clone(), Some(key)).await;
        let e = &body["error"];
        assert_eq!(
            (status, e["code"].as_str(), e["details"]["rule"].as_str(), e["details"]["field"].as_str()),
            (400, Some("parameter_invalid"), Some("VAL-49"), Some("Idempotency-Key")),
            "{key:?}"
        );
    }
}
