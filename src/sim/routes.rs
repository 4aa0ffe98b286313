//! HTTP routes of the simulator: `/v1.3/analyze/tasks*` (§3–§5) and `/_sim/*`
//! controls (SIM-CFG-2).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::errors::{shape_a, shape_b, violation};
use super::media;
use super::store::{ListFilter, LoggedRequest, Planned, Sim, SimTask, State as SimState, now_ms};
use super::synth::{SynthInput, fingerprint, synthesize};
use crate::contract::media::{MediaFacts, check_media, check_window};
use crate::contract::tokens::max_tokens_bounds;
use crate::contract::{AssetInfo, Resources, validate_create, validate_idempotency_key};

type Shared = Arc<Sim>;

/// The simulator's router over shared state.
pub fn router(sim: Shared) -> Router {
    Router::new()
        .route("/v1.3/analyze/tasks", post(create).get(list))
        .route("/v1.3/analyze/tasks/{task_id}", get(retrieve).delete(delete))
        .route("/_sim/health", get(|| async { axum::Json(json!({"status": "ok"})) }))
        .route("/_sim/requests", get(requests))
        .route("/_sim/reset", post(reset))
        .fallback(|| async { shape_a(404, "resource_not_exist", "no such route") })
        .layer(middleware::from_fn_with_state(sim.clone(), log_and_mark))
        .with_state(sim)
}

/// Adds `X-Simulator` to every response (WIRE-11) and logs `/v1.3` requests.
async fn log_and_mark(State(sim): State<Shared>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let key = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert("x-simulator", HeaderValue::from_static(concat!("vidflow-sim/", env!("CARGO_PKG_VERSION"))));
    if path.starts_with("/v1.3") {
        let status = response.status().as_u16();
        sim.lock().requests.push(LoggedRequest { time_ms: now_ms(), method, path, idempotency_key: key, status });
    }
    response
}

/// The caller's API key when it is accepted (WIRE-3).
fn authorize(sim: &Sim, headers: &HeaderMap) -> Option<String> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let accepted = !key.is_empty() && (sim.config.api_keys.is_empty() || sim.config.api_keys.iter().any(|k| k == key));
    accepted.then(|| key.to_owned())
}

/// 401 Shape A `api_key_invalid` (WIRE-3, ERR-3).
fn unauthorized() -> Response {
    shape_a(401, "api_key_invalid", "The API key is missing or invalid.")
}

struct Known;

impl Resources for Known {
    fn asset(&self, _id: &str) -> Option<AssetInfo> {
        None
    }
    fn video_exists(&self, video_id: &str) -> bool {
        matches!(video_id, "sim-vid-ok" | "sim-vid-long")
    }
}

async fn create(State(sim): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(api_key) = authorize(&sim, &headers) else {
        return unauthorized();
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return shape_b(
            400,
            "parameter_invalid",
            "body: not a JSON object",
            Some(json!({"field": "", "rule": "VAL-1"})),
        );
    };
    let idem = match headers.get("idempotency-key").map(|v| v.to_str().map(str::to_owned)) {
        None => None,
        Some(Ok(k)) => {
            if let Some(v) = validate_idempotency_key(&k) {
                return violation(&v);
            }
            Some(k)
        }
        Some(Err(_)) => {
            return shape_b(
                400,
                "parameter_invalid",
                "Idempotency-Key: not printable ASCII",
                Some(json!({"field": "Idempotency-Key", "rule": "VAL-49"})),
            );
        }
    };
    if let Some(v) = validate_create(&body, Some(&Known)).first() {
        return violation(v);
    }
    let print = fingerprint(&body);
    if let Some(r) = replay(&sim.lock(), &api_key, idem.as_deref(), &print) {
        return r;
    }
    let video = body.get("video").cloned().unwrap_or(Value::Null);
    let probe_sim = sim.clone();
    // ffprobe blocks: keep it off the async workers.
    let resolved = tokio::task::spawn_blocking(move || {
        media::resolve(&video, &mut |sha, bytes| {
            if let Some(known) = probe_sim.lock().probed.get(sha) {
                return known.clone();
            }
            let facts = media::probe_bytes(bytes);
            probe_sim.lock().probed.insert(sha.to_owned(), facts.clone());
            facts
        })
    })
    .await;
    let media = match resolved {
        Ok(Ok(m)) => m,
        Ok(Err(v)) => return violation(&v),
        Err(_) => return shape_b(500, "generic_error", "media lookup failed", None),
    };
    let planned = plan(&sim, &body, &media);
    let task = {
        let mut state = sim.lock();
        // A concurrent request with the same key may have won the race while the
        // media was probed: check again under the lock (IDEM-7).
        if let Some(r) = replay(&state, &api_key, idem.as_deref(), &print) {
            return r;
        }
        let seq = state.sequence;
        state.sequence += 1;
        let task_id = crate::canonical::sha256_hex(format!("{}task{seq}", sim.config.seed))[..24].to_owned();
        let window = window_seconds(&body, media.facts.as_ref().ok().map(|f| f.duration));
        let processing =
            (sim.config.processing_time + Duration::from_secs_f64(0.01 * window)).min(Duration::from_secs(60));
        let task = SimTask {
            task_id: task_id.clone(),
            custom_id: body.get("custom_id").and_then(Value::as_str).map(str::to_owned),
            created_ms: now_ms(),
            created: std::time::Instant::now(),
            ticks: 0,
            processing,
            video_source: media.echo.clone(),
            duration: media.facts.as_ref().ok().map(|f| f.duration),
            request_params: request_params(&body),
            planned,
            completed_ms: None,
            filter: list_filter(&body),
        };
        state.tasks.insert(task_id.clone(), task);
        if let Some(key) = &idem {
            state.idempotency.insert((api_key, key.clone()), (print, task_id.clone()));
        }
        task_id
    };
    (StatusCode::ACCEPTED, axum::Json(json!({"task_id": task, "status": "queued"}))).into_response()
}

/// The answer to a create whose `Idempotency-Key` was seen before: the original
/// 202 with `Idempotent-Replayed: true` for the same body (IDEM-4), 409 for another
/// body (IDEM-6). `None` when the key is new or absent.
fn replay(state: &SimState, api_key: &str, key: Option<&str>, print: &str) -> Option<Response> {
    let (fp, task_id) = state.idempotency.get(&(api_key.to_owned(), key?.to_owned()))?;
    if fp != print {
        return Some(shape_b(
            409,
            "idempotency_key_reused",
            "Idempotency-Key was used with a different request body",
            None,
        ));
    }
    let mut r = (StatusCode::ACCEPTED, axum::Json(json!({"task_id": task_id, "status": "queued"}))).into_response();
    r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    Some(r)
}

/// Decides the outcome at create (SIM-STATUS-4): a media failure (MEDIA-4), an
/// unsynthesisable schema (SIM-OUT-3), or a result.
fn plan(sim: &Sim, body: &Value, media: &media::Media) -> Planned {
    let facts: MediaFacts = match &media.facts {
        Ok(f) => *f,
        Err(_) => {
            return Planned::Failed { message: "[simulated] media not readable".into() };
        }
    };
    let num = |k: &str| body.get(k).and_then(Value::as_f64);
    let mut faults: Vec<String> = check_media(&facts).iter().map(ToString::to_string).collect();
    faults.extend(check_window(num("start_time"), num("end_time"), facts.duration).iter().map(ToString::to_string));
    if let Some(first) = faults.first() {
        return Planned::Failed { message: format!("[simulated] {first}") };
    }
    let input = SynthInput { request: body, duration: facts.duration, seed: sim.config.seed, force_truncate: false };
    match synthesize(&input) {
        Ok(s) => Planned::Ready(s),
        Err(e) => Planned::Failed { message: e.0 },
    }
}

fn window_seconds(body: &Value, duration: Option<f64>) -> f64 {
    let d = duration.unwrap_or(0.0);
    let start = body.get("start_time").and_then(Value::as_f64).unwrap_or(0.0);
    let end = body.get("end_time").and_then(Value::as_f64).unwrap_or(d);
    (end - start).max(0.0)
}

fn mode_of(body: &Value) -> String {
    body.get("analysis_mode").and_then(Value::as_str).unwrap_or("general").to_owned()
}

/// `request_params` (TASK-5): the request as sent, with effective `analysis_mode`,
/// `temperature` and `max_tokens`, and no base64 payloads.
fn request_params(body: &Value) -> Value {
    let mode = mode_of(body);
    let model = body.get("model_name").and_then(Value::as_str).unwrap_or(crate::contract::DEFAULT_MODEL);
    let mut p = Map::new();
    p.insert("analysis_mode".into(), json!(mode));
    if let Some(prompt) = body.get("prompt") {
        p.insert("prompt".into(), prompt.clone());
    }
    if let Some(v2) = body.get("prompt_v2") {
        p.insert("prompt_v2".into(), strip_base64(v2));
    }
    if let Some(rf) = body.get("response_format") {
        p.insert("response_format".into(), strip_base64(rf));
    }
    p.insert("temperature".into(), body.get("temperature").cloned().unwrap_or(json!(0.2)));
    let default_tokens = max_tokens_bounds(model, &mode).map_or(4_096, |b| b.default);
    p.insert("max_tokens".into(), body.get("max_tokens").cloned().unwrap_or(json!(default_tokens)));
    for k in ["min_segment_duration", "max_segment_duration", "start_time", "end_time"] {
        if let Some(v) = body.get(k) {
            p.insert(k.into(), v.clone());
        }
    }
    Value::Object(p)
}

fn strip_base64(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter().filter(|(k, _)| *k != "base64_string").map(|(k, v)| (k.clone(), strip_base64(v))).collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(strip_base64).collect()),
        other => other.clone(),
    }
}

fn list_filter(body: &Value) -> ListFilter {
    let s = |p: &str| body.pointer(p).and_then(Value::as_str).map(str::to_owned);
    ListFilter {
        video_url: s("/video/url"),
        asset_id: s("/video/asset_id"),
        video_id: s("/video/video_id"),
        analysis_mode: mode_of(body),
    }
}

async fn retrieve(State(sim): State<Shared>, headers: HeaderMap, Path(task_id): Path<String>) -> Response {
    if authorize(&sim, &headers).is_none() {
        return unauthorized();
    }
    let clock = sim.config.clock;
    let mut state = sim.lock();
    let Some(task) = state.tasks.get_mut(&task_id) else {
        return shape_b(404, "resource_not_exist", &format!("task `{task_id}` does not exist"), None);
    };
    let status = task.advance(clock, true, now_ms());
    axum::Json(task.to_json(status)).into_response()
}

async fn delete(State(sim): State<Shared>, headers: HeaderMap, Path(task_id): Path<String>) -> Response {
    if authorize(&sim, &headers).is_none() {
        return unauthorized();
    }
    let clock = sim.config.clock;
    let mut state = sim.lock();
    let Some(task) = state.tasks.get_mut(&task_id) else {
        return shape_b(404, "resource_not_exist", &format!("task `{task_id}` does not exist"), None);
    };
    if task.advance(clock, false, now_ms()) == "processing" {
        return shape_b(409, "task_in_progress", "a processing task cannot be deleted", None);
    }
    state.tasks.shift_remove(&task_id);
    StatusCode::OK.into_response()
}

/// `GET /analyze/tasks` (LIST-1..4): filters, pagination, newest first,
/// abbreviated items.
async fn list(State(sim): State<Shared>, headers: HeaderMap, Query(query): Query<Vec<(String, String)>>) -> Response {
    if authorize(&sim, &headers).is_none() {
        return unauthorized();
    }
    let mut page = 1u64;
    let mut limit = 10u64;
    let mut filters: Vec<(String, String)> = Vec::new();
    for (k, v) in query {
        match k.as_str() {
            "page" => match v.parse::<u64>() {
                Ok(p) if p >= 1 => page = p,
                _ => {
                    return shape_a(400, "parameter_invalid", &format!("page: must be an integer ≥ 1, got `{v}`"));
                }
            },
            "page_limit" => match v.parse::<u64>() {
                Ok(l) if (1..=50).contains(&l) => limit = l,
                _ => {
                    return shape_a(
                        400,
                        "parameter_invalid",
                        &format!("page_limit: must be an integer from 1 to 50, got `{v}`"),
                    );
                }
            },
            "status" if !["queued", "pending", "processing", "ready", "failed"].contains(&v.as_str()) => {
                return shape_a(400, "parameter_invalid", &format!("status: unknown status `{v}`"));
            }
            "analysis_mode" if !["general", "time_based_metadata"].contains(&v.as_str()) => {
                return shape_a(400, "parameter_invalid", &format!("analysis_mode: unknown mode `{v}`"));
            }
            "status" | "video_url" | "asset_id" | "video_id" | "analysis_mode" => filters.push((k, v)),
            _ => {
                return shape_a(400, "parameter_invalid", &format!("{k}: unknown query parameter"));
            }
        }
    }
    let clock = sim.config.clock;
    let now = now_ms();
    let mut state = sim.lock();
    let mut items: Vec<(u64, String, Value)> = Vec::new();
    for task in state.tasks.values_mut() {
        let status = task.advance(clock, false, now);
        let keep = filters.iter().all(|(k, v)| match k.as_str() {
            "status" => status == v,
            "video_url" => task.filter.video_url.as_deref() == Some(v.as_str()),
            "asset_id" => task.filter.asset_id.as_deref() == Some(v.as_str()),
            "video_id" => task.filter.video_id.as_deref() == Some(v.as_str()),
            _ => task.filter.analysis_mode == *v,
        });
        if keep {
            items.push((task.created_ms, task.task_id.clone(), abbreviate(task.to_json(status))));
        }
    }
    items.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(&a.1)));
    let total = items.len() as u64;
    let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    let data: Vec<Value> =
        items.into_iter().skip(skip).take(usize::try_from(limit).unwrap_or(10)).map(|(_, _, v)| v).collect();
    axum::Json(json!({
        "data": data,
        "page_info": {"limit_per_page": limit, "page": page, "total_page": total.div_ceil(limit), "total_results": total},
    }))
    .into_response()
}

/// List items are abbreviated (LIST-3): no result, prompt text cut to 30
/// characters, no `json_schema`, only the first segment definition.
fn abbreviate(mut task: Value) -> Value {
    let Some(obj) = task.as_object_mut() else {
        return task;
    };
    obj.remove("result");
    if let Some(p) = obj.get_mut("request_params").and_then(Value::as_object_mut) {
        let cut = |s: &str| s.chars().take(30).collect::<String>();
        if let Some(Value::String(s)) = p.get_mut("prompt") {
            *s = cut(s);
        }
        if let Some(Value::String(s)) = p.get_mut("prompt_v2").and_then(|v| v.get_mut("input_text")) {
            *s = cut(s);
        }
        if let Some(rf) = p.get_mut("response_format").and_then(Value::as_object_mut) {
            rf.remove("json_schema");
            if let Some(Value::Array(defs)) = rf.get_mut("segment_definitions") {
                defs.truncate(1);
            }
        }
    }
    task
}

async fn requests(State(sim): State<Shared>) -> Response {
    axum::Json(json!({"requests": sim.lock().requests})).into_response()
}

async fn reset(State(sim): State<Shared>) -> Response {
    *sim.lock() = super::store::State::default();
    axum::Json(json!({"status": "ok"})).into_response()
}
