//! HTTP routes of the simulator: `/v1.3/analyze/tasks*` (§3–§5) and `/_sim/*`
//! controls (SIM-CFG-2).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use serde_json::{Map, Value, json};

use super::assets;
use super::errors::{shape_a, shape_b, violation};
use super::faults::{Action, Faults, Phase, Subject};
use super::gate::{CREATE_BODY_LIMIT, CreateBody, gate};
use super::media;
use super::store::{
    Clock, IdemRecord, ListFilter, PENDING, PROCESSING, Planned, QUEUED, Sim, SimTask, State as SimState,
};
use super::synth::{SynthInput, fingerprint, synthesize};
use crate::contract::media::{MediaFacts, check_media, check_time_ranges, check_window};
use crate::contract::tokens::max_tokens_bounds;
use crate::contract::{AssetInfo, Resources, validate_create, validate_idempotency_key};

type Shared = Arc<Sim>;

/// The simulator's router over shared state.
pub fn router(sim: Shared) -> Router {
    Router::new()
        .route("/v1.3/analyze/tasks", post(create).layer(DefaultBodyLimit::max(CREATE_BODY_LIMIT)).get(list))
        .route("/v1.3/analyze/tasks/{task_id}", get(retrieve).delete(delete))
        .route("/v1.3/assets", post(assets::upload).layer(DefaultBodyLimit::max(assets::UPLOAD_BODY_LIMIT)))
        .route("/v1.3/assets/{id}", get(assets::retrieve))
        .route("/_sim/health", get(|| async { axum::Json(json!({"status": "ok"})) }))
        .route("/_sim/requests", get(requests))
        .route("/_sim/reset", post(reset))
        .route("/_sim/faults", get(get_faults).put(put_faults))
        .route("/_sim/advance", post(advance))
        .route("/_sim/tasks/{task_id}", get(internal_task))
        .route("/_sim/assets/{id}", get(internal_asset))
        .fallback(|| async { shape_a(404, "resource_not_exist", "no such route") })
        .layer(middleware::from_fn_with_state(sim.clone(), gate))
        .with_state(sim)
}

/// The caller's API key when it is accepted (WIRE-3).
pub(super) fn authorize(sim: &Sim, headers: &HeaderMap) -> Option<String> {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let accepted = !key.is_empty() && (sim.config.api_keys.is_empty() || sim.config.api_keys.iter().any(|k| k == key));
    accepted.then(|| key.to_owned())
}

/// 401 Shape A `api_key_invalid` (WIRE-3, ERR-3).
pub(super) fn unauthorized() -> Response {
    shape_a(401, "api_key_invalid", "The API key is missing or invalid.")
}

/// Server-side resources for VAL-10, VAL-11 and VAL-25: the uploaded assets (status
/// as of now, without counting a GET) and the catalogue's pre-indexed videos.
struct Known<'a> {
    state: &'a SimState,
    clock: Clock,
    now_ms: u64,
    ready_ms: u64,
}

impl Resources for Known<'_> {
    fn asset(&self, id: &str) -> Option<AssetInfo> {
        let a = self.state.assets.get(id)?;
        Some(AssetInfo { ready: a.status(self.clock, self.now_ms, self.ready_ms) == "ready", is_image: a.is_image })
    }
    fn video_exists(&self, video_id: &str) -> bool {
        media::video_exists(video_id)
    }
}

async fn create(
    State(sim): State<Shared>,
    headers: HeaderMap,
    read: Option<Extension<CreateBody>>,
    body: Bytes,
) -> Response {
    let Some(api_key) = authorize(&sim, &headers) else {
        return unauthorized();
    };
    // The gate has usually parsed the body already.
    let parsed = match read {
        Some(Extension(CreateBody { json, .. })) => json,
        None => serde_json::from_slice::<Value>(&body).ok().map(Arc::new),
    };
    let Some(body) = parsed else {
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
    let now = sim.now_ms();
    let ttl = assets::duration_ms(sim.config.idempotency_ttl);
    // VAL-0: the lowest-numbered violation, with server state for VAL-10/11/25.
    let asset_facts = {
        let state = sim.lock();
        let known = Known {
            state: &state,
            clock: sim.config.clock,
            now_ms: now,
            ready_ms: assets::duration_ms(sim.config.asset_ready),
        };
        if let Some(v) = validate_create(&body, Some(&known)).first() {
            return violation(v);
        }
        if let Some(r) = replay(&state, &api_key, idem.as_deref(), &fingerprint(&body), now, ttl) {
            return r;
        }
        body.pointer("/video/asset_id")
            .and_then(Value::as_str)
            .and_then(|id| state.assets.get(id))
            .map(|a| a.facts.clone())
    };
    let print = fingerprint(&body);
    let video = body.get("video").cloned().unwrap_or(Value::Null);
    let probe_sim = sim.clone();
    // ffprobe blocks: keep it off the async workers.
    let resolved = tokio::task::spawn_blocking(move || {
        media::resolve(&video, asset_facts, &mut |sha, bytes| {
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
    // SIM-FAULT-3: decided once the create is known to be accepted.
    let fault = {
        let s = |p: &str| body.pointer(p).and_then(Value::as_str);
        let kind = s("/video/type").unwrap_or_default();
        let value = if kind == "base64_string" { kind } else { s(&format!("/video/{kind}")).unwrap_or_default() };
        sim.faults().decide(
            Phase::Task,
            &Subject {
                method: "POST",
                path: "/v1.3/analyze/tasks",
                custom_id: s("/custom_id"),
                source: Some((kind, value)),
            },
        )
    };
    let planned = plan(&sim, &body, &media, fault.as_ref());
    let window = window_seconds(&body, media.facts.as_ref().ok().map(|f| f.duration));
    let stages = stages(&sim.config, window, &planned, fault.as_ref());
    let task = {
        let mut state = sim.lock();
        // A concurrent request with the same key may have won the race while the
        // media was probed: check again under the lock (IDEM-7).
        if let Some(r) = replay(&state, &api_key, idem.as_deref(), &print, now, ttl) {
            return r;
        }
        let seq = state.sequence;
        state.sequence += 1;
        let task_id = crate::canonical::sha256_hex(format!("{}task{seq}", sim.config.seed))[..24].to_owned();
        let task = SimTask {
            task_id: task_id.clone(),
            custom_id: body.get("custom_id").and_then(Value::as_str).map(str::to_owned),
            created_ms: sim.now_ms(),
            ticks: 0,
            stages,
            tick_factor: match fault {
                Some(Action::Slow { factor }) => factor.ceil() as u32,
                _ => 1,
            },
            stuck: matches!(fault, Some(Action::Stuck {})),
            video_source: media.echo.clone(),
            duration: media.facts.as_ref().ok().map(|f| f.duration),
            request_params: request_params(&body),
            planned,
            completed_ms: None,
            filter: list_filter(&body),
            fault: fault.as_ref().map(Action::label),
        };
        state.tasks.insert(task_id.clone(), task);
        if let Some(key) = &idem {
            state.idempotency.insert(
                (api_key, key.clone()),
                IdemRecord { fingerprint: print, task_id: task_id.clone(), stored_ms: sim.now_ms() },
            );
        }
        task_id
    };
    (StatusCode::ACCEPTED, axum::Json(json!({"task_id": task, "status": "queued"}))).into_response()
}

/// The non-terminal states of a new task and their dwell times (SIM-STATUS-1..3):
/// `queued` 1 s, `pending` 1 s, `processing` the processing time + 0.01 s per window
/// second (≤ 60 s); a media failure skips `processing` (MEDIA-4); `skip_states`
/// drops states; the `slow` fault multiplies the dwell times (SIM-FAULT-3).
fn stages(
    config: &super::SimConfig,
    window: f64,
    planned: &Planned,
    fault: Option<&Action>,
) -> Vec<(&'static str, u64)> {
    let processing = (config.processing_time + Duration::from_secs_f64(0.01 * window)).min(Duration::from_secs(60));
    let factor = match fault {
        Some(Action::Slow { factor }) => *factor,
        _ => 1.0,
    };
    let media_failure = matches!(planned, Planned::Failed { message } if message.contains("MEDIA-"));
    [(QUEUED, 1_000u64), (PENDING, 1_000), (PROCESSING, assets::duration_ms(processing))]
        .into_iter()
        .filter(|(name, _)| !(media_failure && *name == PROCESSING))
        .filter(|(name, _)| !config.skip_states.iter().any(|s| s == name))
        .map(|(name, ms)| (name, (ms as f64 * factor).round() as u64))
        .collect()
}

/// The answer to a create whose `Idempotency-Key` was seen before: the original
/// 202 with `Idempotent-Replayed: true` for the same body (IDEM-4), 409 for another
/// body (IDEM-6). `None` when the key is new or absent.
fn replay(
    state: &SimState,
    api_key: &str,
    key: Option<&str>,
    print: &str,
    now_ms: u64,
    ttl_ms: u64,
) -> Option<Response> {
    let record = state.idempotency.get(&(api_key.to_owned(), key?.to_owned()))?;
    if now_ms.saturating_sub(record.stored_ms) > ttl_ms {
        return None;
    }
    if record.fingerprint != print {
        return Some(shape_b(
            409,
            "idempotency_key_reused",
            "Idempotency-Key was used with a different request body",
            None,
        ));
    }
    let mut r =
        (StatusCode::ACCEPTED, axum::Json(json!({"task_id": record.task_id, "status": "queued"}))).into_response();
    r.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    Some(r)
}

/// Decides the outcome at create (SIM-STATUS-4): a media failure (MEDIA-4), an
/// unsynthesisable schema (SIM-OUT-3), or a result.
fn plan(sim: &Sim, body: &Value, media: &media::Media, fault: Option<&Action>) -> Planned {
    if let Some(Action::Fail { message }) = fault {
        let message = match message {
            Some(m) if m.starts_with("[simulated]") => m.clone(),
            Some(m) => format!("[simulated] {m}"),
            None => "[simulated] injected task failure".into(),
        };
        return Planned::Failed { message };
    }
    let facts: MediaFacts = match &media.facts {
        Ok(f) => *f,
        Err(_) => {
            return Planned::Failed { message: "[simulated] media not readable".into() };
        }
    };
    let num = |k: &str| body.get(k).and_then(Value::as_f64);
    let mut faults: Vec<String> = check_media(&facts).iter().map(ToString::to_string).collect();
    faults.extend(check_window(num("start_time"), num("end_time"), facts.duration).iter().map(ToString::to_string));
    if let Some(obj) = body.as_object() {
        faults.extend(check_time_ranges(obj, facts.duration).iter().map(ToString::to_string));
    }
    if let Some(first) = faults.first() {
        return Planned::Failed { message: format!("[simulated] {first}") };
    }
    let force_truncate = matches!(fault, Some(Action::Truncate {}));
    let input = SynthInput { request: body, duration: facts.duration, seed: sim.config.seed, force_truncate };
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

/// 404 Shape B for an unknown or deleted task (TASK-1, DEL-2).
fn task_not_found(task_id: &str) -> Response {
    shape_b(404, "resource_not_exist", &format!("task `{task_id}` does not exist"), None)
}

async fn retrieve(State(sim): State<Shared>, headers: HeaderMap, Path(task_id): Path<String>) -> Response {
    if authorize(&sim, &headers).is_none() {
        return unauthorized();
    }
    let clock = sim.config.clock;
    let now = sim.now_ms();
    let mut state = sim.lock();
    let Some(task) = state.tasks.get_mut(&task_id) else {
        return task_not_found(&task_id);
    };
    let status = task.advance(clock, true, now);
    axum::Json(task.to_json(status)).into_response()
}

async fn delete(State(sim): State<Shared>, headers: HeaderMap, Path(task_id): Path<String>) -> Response {
    if authorize(&sim, &headers).is_none() {
        return unauthorized();
    }
    let clock = sim.config.clock;
    let now = sim.now_ms();
    let mut state = sim.lock();
    let Some(task) = state.tasks.get_mut(&task_id) else {
        return task_not_found(&task_id);
    };
    if task.advance(clock, false, now) == PROCESSING {
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
    let now = sim.now_ms();
    let mut state = sim.lock();
    // Filter first, then sort keys, then build JSON for the page only.
    let mut hits: Vec<(u64, &str, &'static str, &SimTask)> = Vec::new();
    for task in state.tasks.values_mut() {
        let status = task.advance(clock, false, now);
        let task = &*task;
        let keep = filters.iter().all(|(k, v)| match k.as_str() {
            "status" => status == v,
            "video_url" => task.filter.video_url.as_deref() == Some(v.as_str()),
            "asset_id" => task.filter.asset_id.as_deref() == Some(v.as_str()),
            "video_id" => task.filter.video_id.as_deref() == Some(v.as_str()),
            _ => task.filter.analysis_mode == *v,
        });
        if keep {
            hits.push((task.created_ms, task.task_id.as_str(), status, task));
        }
    }
    hits.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| b.1.cmp(a.1)));
    let total = hits.len() as u64;
    let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    let data: Vec<Value> = hits
        .into_iter()
        .skip(skip)
        .take(usize::try_from(limit).unwrap_or(10))
        .map(|(_, _, status, task)| abbreviate(task.to_json(status)))
        .collect();
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
    let state = sim.lock();
    axum::Json(json!({"requests": state.requests, "dropped": state.requests_dropped})).into_response()
}

/// `POST /_sim/reset` (SIM-CFG-3): clears tasks, assets, idempotency records,
/// limiters and fault counters; the fault rules and the clock stay.
async fn reset(State(sim): State<Shared>) -> Response {
    *sim.lock() = SimState::default();
    sim.limiter().clear();
    sim.faults().reset_counters();
    axum::Json(json!({"status": "ok"})).into_response()
}

/// `GET /_sim/faults` (SIM-CFG-2): the configuration plus, per rule, how many
/// requests matched it and how many times it fired.
async fn get_faults(State(sim): State<Shared>) -> Response {
    faults_json(&sim)
}

fn faults_json(sim: &Sim) -> Response {
    let faults = sim.faults();
    let counters: Vec<Value> =
        faults.counters().into_iter().map(|(matched, fired)| json!({"matched": matched, "fired": fired})).collect();
    let mut body = serde_json::to_value(faults.config()).unwrap_or_else(|_| json!({}));
    if let Some(obj) = body.as_object_mut() {
        obj.insert("counters".into(), Value::Array(counters));
    }
    axum::Json(body).into_response()
}

/// `PUT /_sim/faults` (SIM-CFG-2): replaces the configuration (SIM-FAULT-1); counters
/// start over. A bad configuration gets 400 Shape A and changes nothing.
async fn put_faults(State(sim): State<Shared>, body: Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return shape_a(400, "parameter_invalid", &format!("faults: {e}")),
    };
    if let Err(e) = faults.validate() {
        return shape_a(400, "parameter_invalid", &format!("faults: {e}"));
    }
    sim.faults().replace(faults);
    faults_json(&sim)
}

/// `POST /_sim/advance {"seconds": n}` (SIM-CFG-2): moves the virtual (or tick)
/// clock. On the realtime clock it is refused with 409.
async fn advance(State(sim): State<Shared>, body: Bytes) -> Response {
    let seconds = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v.get("seconds").and_then(Value::as_f64));
    let Some(seconds) = seconds.filter(|s| s.is_finite() && *s >= 0.0) else {
        return shape_a(400, "parameter_invalid", "seconds: a number ≥ 0 is required");
    };
    if sim.config.clock == Clock::Realtime {
        return shape_a(409, "parameter_invalid", "the realtime clock cannot be advanced; use --clock virtual");
    }
    sim.advance_clock((seconds * 1000.0).round() as u64);
    axum::Json(json!({"now": super::store::rfc3339(sim.now_ms())})).into_response()
}

/// `GET /_sim/tasks/{id}` (SIM-CFG-2): internal state and planned outcome, without
/// advancing the task.
async fn internal_task(State(sim): State<Shared>, Path(task_id): Path<String>) -> Response {
    let now = sim.now_ms();
    let clock = sim.config.clock;
    let mut state = sim.lock();
    let Some(task) = state.tasks.get_mut(&task_id) else {
        return shape_a(404, "resource_not_exist", &format!("task `{task_id}` does not exist"));
    };
    let status = task.advance(clock, false, now);
    let planned = match &task.planned {
        Planned::Ready(s) => json!({"status": "ready", "finish_reason": s.finish_reason.as_str()}),
        Planned::Failed { message } => json!({"status": "failed", "message": message}),
    };
    let stages: Vec<Value> = task.stages.iter().map(|(n, ms)| json!({"status": n, "dwell_ms": ms})).collect();
    axum::Json(json!({
        "task": task.to_json(status),
        "planned": planned,
        "stages": stages,
        "ticks": task.ticks,
        "stuck": task.stuck,
        "fault": task.fault,
    }))
    .into_response()
}

/// `GET /_sim/assets/{id}`: an asset's recorded SHA-256, size and probe result
/// (ASSET-7, MEDIA-5), without counting a GET.
async fn internal_asset(State(sim): State<Shared>, Path(id): Path<String>) -> Response {
    let now = sim.now_ms();
    let state = sim.lock();
    let Some(a) = state.assets.get(&id) else {
        return shape_a(404, "resource_not_exist", &format!("asset `{id}` does not exist"));
    };
    let status = a.status(sim.config.clock, now, assets::duration_ms(sim.config.asset_ready));
    let probe = match &a.facts {
        Ok(f) => json!({"duration": f.duration, "width": f.width, "height": f.height}),
        Err(e) => json!({"error": e}),
    };
    axum::Json(json!({
        "asset": a.to_json(status),
        "sha256": a.sha256,
        "size": a.size,
        "is_image": a.is_image,
        "probe": probe,
        "gets": a.gets,
        "fault": a.fault.as_ref().map(Action::label),
    }))
    .into_response()
}
