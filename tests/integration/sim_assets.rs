//! Asset uploads (§6: ASSET-1..4, ASSET-7, MEDIA-5) and `asset_id` sources on create
//! (VAL-10, VAL-11, MEDIA-4), over real HTTP with real files probed by ffprobe.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use serde_json::{Value, json};
use vidflow::sim::{Clock, RunningSim, SimConfig, start};

use crate::support::videos_dir;

async fn sim(config: SimConfig) -> RunningSim {
    start(config, SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await.expect("sim starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client")
}

async fn upload(s: &RunningSim, name: &str, bytes: Vec<u8>, mime: &str) -> (u16, Value) {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).expect("mime");
    let form = reqwest::multipart::Form::new().text("method", "direct").part("file", part);
    let r = client().post(format!("{}/assets", s.base_url)).header("x-api-key", "k").multipart(form).send().await;
    let r = r.expect("answered");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn get_asset(s: &RunningSim, id: &str) -> Value {
    let r = client().get(format!("{}/assets/{id}", s.base_url)).header("x-api-key", "k").send().await.expect("get");
    r.json().await.expect("json")
}

async fn create(s: &RunningSim, asset_id: &str) -> (u16, Value) {
    let body = json!({"model_name": "pegasus1.5", "video": {"type": "asset_id", "asset_id": asset_id}, "prompt": "p"});
    let r = client().post(format!("{}/analyze/tasks", s.base_url)).header("x-api-key", "k").json(&body).send().await;
    let r = r.expect("answered");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn until_terminal(s: &RunningSim, id: &str) -> Value {
    for _ in 0..10 {
        let r = client().get(format!("{}/analyze/tasks/{id}", s.base_url)).header("x-api-key", "k").send().await;
        let t: Value = r.expect("get").json().await.expect("json");
        if t["status"] == "ready" || t["status"] == "failed" {
            return t;
        }
    }
    panic!("task {id} not terminal");
}

fn video(name: &str) -> Vec<u8> {
    std::fs::read(videos_dir().join(name)).expect("fixture video")
}

#[tokio::test]
async fn upload_probe_ready_then_analyse() {
    let s = sim(SimConfig { clock: Clock::Tick, ..SimConfig::default() }).await;
    let (status, a) = upload(&s, "bigbuckbunny.mp4", video("bigbuckbunny.mp4"), "video/mp4").await;
    assert_eq!(status, 201, "{a}");
    assert_eq!((a["status"].as_str(), a["method"].as_str()), (Some("processing"), Some("direct")));
    assert_eq!((a["filename"].as_str(), a["file_type"].as_str()), (Some("bigbuckbunny.mp4"), Some("video/mp4")));
    let id = a["_id"].as_str().expect("_id").to_owned();
    assert!(id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(a["created_at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert!(a.get("size").is_none() && a.get("duration").is_none(), "only once ready");
    // Not ready before the first GET on the tick clock: VAL-11.
    let (status, e) = create(&s, &id).await;
    assert_eq!((status, e["error"]["details"]["rule"].as_str()), (400, Some("VAL-11")));
    let a = get_asset(&s, &id).await;
    assert_eq!(a["status"], "ready");
    assert_eq!(a["duration"].as_f64().map(|d| (d * 1000.0).round()), Some(5312.0));
    assert_eq!(a["size"].as_u64(), Some(video("bigbuckbunny.mp4").len() as u64));
    let (status, t) = create(&s, &id).await;
    assert_eq!(status, 202, "{t}");
    let t = until_terminal(&s, t["task_id"].as_str().expect("id")).await;
    assert_eq!(t["status"], "ready");
    assert_eq!(t["video_source"], json!({"type": "asset_id", "asset_id": id, "system_metadata": {"duration": 5.312}}));
}

#[tokio::test]
async fn unreadable_bytes_fail_the_asset_and_bad_media_fails_the_task() {
    let s = sim(SimConfig { clock: Clock::Tick, ..SimConfig::default() }).await;
    let (_, a) = upload(&s, "junk.mp4", b"not a video at all".to_vec(), "video/mp4").await;
    let junk = get_asset(&s, a["_id"].as_str().expect("id")).await;
    assert_eq!(junk["status"], "failed");
    assert!(junk["error"]["message"].as_str().is_some_and(|m| m.starts_with("[simulated] media not readable")));
    // A readable video below 360 px: the asset is ready (no media limits on assets,
    // MEDIA-5), the task fails asynchronously with MEDIA-1 (MEDIA-4).
    let (_, a) = upload(&s, "bikes.mp4", video("bikes.mp4"), "video/mp4").await;
    let id = a["_id"].as_str().expect("id").to_owned();
    assert_eq!(get_asset(&s, &id).await["status"], "ready");
    let (status, t) = create(&s, &id).await;
    assert_eq!(status, 202);
    let t = until_terminal(&s, t["task_id"].as_str().expect("id")).await;
    assert_eq!(t["status"], "failed");
    assert!(t["error"]["message"].as_str().is_some_and(|m| m.starts_with("[simulated] MEDIA-1")), "{t}");
}

#[tokio::test]
async fn unknown_assets_missing_files_and_oversize_images() {
    let s = sim(SimConfig { clock: Clock::Tick, ..SimConfig::default() }).await;
    let (status, e) = create(&s, "0123456789abcdef01234567").await;
    assert_eq!(
        (status, e["error"]["code"].as_str(), e["error"]["details"]["rule"].as_str()),
        (400, Some("resource_not_exist"), Some("VAL-10"))
    );
    let r =
        client().get(format!("{}/assets/nope", s.base_url)).header("x-api-key", "k").send().await.expect("answered");
    assert_eq!(r.status(), 404);
    assert_eq!(r.json::<Value>().await.expect("json")["code"], "resource_not_exist", "Shape A");
    let form = reqwest::multipart::Form::new().text("method", "direct");
    let r = client().post(format!("{}/assets", s.base_url)).header("x-api-key", "k").multipart(form).send().await;
    let r = r.expect("answered");
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.expect("json")["code"], "parameter_not_provided");
    // ASSET-4: an image over 32 MiB.
    let (status, e) = upload(&s, "big.png", vec![0u8; 33_554_433], "image/png").await;
    assert_eq!((status, e["code"].as_str()), (400, Some("parameter_invalid")));
}

#[tokio::test]
async fn assets_stay_processing_for_asset_ready_on_the_virtual_clock() {
    let s = sim(SimConfig { clock: Clock::Virtual, asset_ready: Duration::from_secs(5), ..SimConfig::default() }).await;
    let (_, a) = upload(&s, "bigbuckbunny.mp4", video("bigbuckbunny.mp4"), "video/mp4").await;
    let id = a["_id"].as_str().expect("id").to_owned();
    assert_eq!(get_asset(&s, &id).await["status"], "processing");
    let advance = client()
        .post(s.base_url.replace("/v1.3", "/_sim/advance"))
        .json(&json!({"seconds": 5}))
        .send()
        .await
        .expect("advance");
    assert_eq!(advance.status(), 200);
    assert_eq!(get_asset(&s, &id).await["status"], "ready");
}

/// MEDIA-4 covers MEDIA-2's time ranges too: a segment definition's range past the
/// end of the video (a URL, 60 s by default, MEDIA-5) fails the task
/// asynchronously, naming the range; a range inside the video is fine.
#[tokio::test]
async fn a_time_range_past_the_video_fails_the_task_with_media_2() {
    let s = sim(SimConfig { clock: Clock::Tick, ..SimConfig::default() }).await;
    let body = |end: f64| {
        json!({"model_name": "pegasus1.5", "video": {"type": "url", "url": "https://media.example.com/x.mp4"},
               "analysis_mode": "time_based_metadata",
               "response_format": {"type": "segment_definitions", "segment_definitions": [
                   {"id": "goals", "description": "Goals", "time_ranges": [{"start_time": 50, "end_time": end}]}]}})
    };
    let mut outcomes = Vec::new();
    for end in [60.0, 70.0] {
        let r = client().post(format!("{}/analyze/tasks", s.base_url)).header("x-api-key", "k").json(&body(end));
        let t: Value = r.send().await.expect("answered").json().await.expect("json");
        let t = until_terminal(&s, t["task_id"].as_str().expect("task_id")).await;
        outcomes.push((t["status"].clone(), t["error"]["message"].clone()));
    }
    assert_eq!(outcomes[0], (json!("ready"), Value::Null));
    assert_eq!(
        outcomes[1],
        (
            json!("failed"),
            json!(
                "[simulated] MEDIA-2: response_format.segment_definitions[0].time_ranges[0]: time range 50..70 s is outside the video (0..60 s)"
            )
        )
    );
}
