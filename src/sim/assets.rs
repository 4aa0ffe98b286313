//! `POST /v1.3/assets` and `GET /v1.3/assets/{id}` (§6): multipart uploads streamed
//! to a temporary file while hashed, size limits (ASSET-4), ffprobe facts (MEDIA-5),
//! and `processing → ready|failed` after `asset_ready` (ASSET-3, ASSET-7).

use std::sync::Arc;

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::errors::shape_a;
use super::faults::{Action, Phase, Subject};
use super::media::DEFAULT_URL_FACTS;
use super::store::{Clock, Sim, rfc3339};
use crate::contract::media::MediaFacts;

pub use crate::contract::assets::{MAX_IMAGE_ASSET_BYTES as MAX_IMAGE_BYTES, MAX_VIDEO_ASSET_BYTES as MAX_VIDEO_BYTES};
/// Request body limit of the upload route: the video limit plus multipart framing,
/// so that an oversize file is reported by ASSET-4 rather than cut off unread.
pub const UPLOAD_BODY_LIMIT: usize = MAX_VIDEO_BYTES as usize + 1024 * 1024;

const IMAGE_EXTENSIONS: [&str; 6] = ["jpg", "jpeg", "png", "webp", "gif", "bmp"];

/// An uploaded asset (ASSET-7).
#[derive(Debug, Clone)]
pub struct SimAsset {
    /// 24 lowercase hex (WIRE-7).
    pub id: String,
    /// `direct` or `url`.
    pub method: String,
    /// File name as uploaded (or given by `filename`).
    pub filename: String,
    /// Content type, else from the extension.
    pub file_type: String,
    /// Acceptance time, simulator ms.
    pub created_ms: u64,
    /// Bytes received.
    pub size: u64,
    /// SHA-256 of the bytes (never the bytes themselves).
    pub sha256: String,
    /// An image (for media sources, VAL-25).
    pub is_image: bool,
    /// ffprobe's facts, or why the bytes are not a readable video (MEDIA-5).
    pub facts: Result<MediaFacts, String>,
    /// GETs so far (tick clock: the first GET finds it done).
    pub gets: u32,
    /// `asset_fail` message or `asset_stuck` (SIM-FAULT-3).
    pub fault: Option<Action>,
    /// The source URL of a `method=url` asset.
    pub url: Option<String>,
}

impl SimAsset {
    /// The status now (ASSET-3): `processing` until `ready_ms` of simulator time have
    /// passed (tick clock: until the first GET), then `ready`, or `failed` when the
    /// bytes are not a readable video or image or an `asset_fail` fault applies.
    pub fn status(&self, clock: Clock, now_ms: u64, ready_ms: u64) -> &'static str {
        let done = match clock {
            Clock::Tick => self.gets >= 1,
            Clock::Realtime | Clock::Virtual => now_ms.saturating_sub(self.created_ms) >= ready_ms,
        };
        match (&self.fault, done) {
            (Some(Action::AssetStuck {}), _) | (_, false) => "processing",
            (Some(Action::AssetFail { .. }), true) => "failed",
            _ if self.facts.is_err() && !self.is_image => "failed",
            _ => "ready",
        }
    }

    /// The asset as the API shows it (ASSET-1, ASSET-2).
    pub fn to_json(&self, status: &str) -> Value {
        let mut a = Map::new();
        a.insert("_id".into(), json!(self.id));
        a.insert("method".into(), json!(self.method));
        a.insert("status".into(), json!(status));
        a.insert("filename".into(), json!(self.filename));
        a.insert("file_type".into(), json!(self.file_type));
        a.insert("created_at".into(), json!(rfc3339(self.created_ms)));
        if let Some(url) = &self.url {
            a.insert("url".into(), json!(url));
        }
        match status {
            "ready" => {
                a.insert("size".into(), json!(self.size));
                if let Ok(f) = &self.facts {
                    a.insert("duration".into(), json!(f.duration));
                }
            }
            "failed" => {
                let message = match (&self.fault, &self.facts) {
                    (Some(Action::AssetFail { message: Some(m) }), _) => simulated(m),
                    (Some(Action::AssetFail { message: None }), _) => "[simulated] injected asset failure".into(),
                    (_, Err(e)) => format!("[simulated] media not readable: {e}"),
                    _ => "[simulated] asset failed".into(),
                };
                a.insert("error".into(), json!({"message": message}));
            }
            _ => {}
        }
        Value::Object(a)
    }
}

fn simulated(m: &str) -> String {
    if m.starts_with("[simulated]") { m.to_owned() } else { format!("[simulated] {m}") }
}

/// What the upload form held.
#[derive(Default)]
struct Form {
    method: Option<String>,
    filename: Option<String>,
    url: Option<String>,
    file: Option<Received>,
}

struct Received {
    path: tempfile::TempPath,
    name: String,
    content_type: Option<String>,
    size: u64,
    sha256: String,
}

fn bad(code: &str, message: &str) -> Response {
    shape_a(400, code, message)
}

fn is_image_name(content_type: Option<&str>, name: &str) -> bool {
    content_type.is_some_and(|t| t.starts_with("image/"))
        || name.rsplit_once('.').is_some_and(|(_, ext)| IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Reads the form, streaming `file` to a temporary file (never whole in memory).
async fn read_form(mut multipart: Multipart) -> Result<Form, Response> {
    let mut form = Form::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(bad("parameter_invalid", &format!("body: not a readable multipart form: {e}"))),
        };
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "file" => {
                let fname = field.file_name().unwrap_or("upload").to_owned();
                let content_type = field.content_type().map(str::to_owned);
                form.file = Some(receive(field, fname, content_type).await?);
            }
            "method" | "filename" | "url" => {
                let text =
                    field.text().await.map_err(|e| bad("parameter_invalid", &format!("{name}: unreadable: {e}")))?;
                match name.as_str() {
                    "method" => form.method = Some(text),
                    "filename" => form.filename = Some(text),
                    _ => form.url = Some(text),
                }
            }
            // Other fields of the reference (`enable_hls`, ...) are accepted and ignored.
            _ => {
                let _ = field.bytes().await;
            }
        }
    }
    Ok(form)
}

async fn receive(
    mut field: axum::extract::multipart::Field<'_>,
    name: String,
    content_type: Option<String>,
) -> Result<Received, Response> {
    let limit = if is_image_name(content_type.as_deref(), &name) { MAX_IMAGE_BYTES } else { MAX_VIDEO_BYTES };
    let internal = |e: std::io::Error| shape_a(500, "generic_error", &format!("cannot store the upload: {e}"));
    let tmp = tempfile::Builder::new().prefix("vidflow-sim-asset-").tempfile().map_err(internal)?;
    let (std_file, path) = tmp.into_parts();
    let mut file = tokio::fs::File::from_std(std_file);
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => break,
            Err(e) => {
                let too_big = e.status() == StatusCode::PAYLOAD_TOO_LARGE;
                let reason = if too_big { format!("larger than {limit} bytes (ASSET-4)") } else { e.to_string() };
                return Err(bad("parameter_invalid", &format!("file: {reason}")));
            }
        };
        size += chunk.len() as u64;
        if size > limit {
            return Err(bad("parameter_invalid", &format!("file: larger than {limit} bytes (ASSET-4)")));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).await.map_err(internal)?;
    }
    file.flush().await.map_err(internal)?;
    let sha256 = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(Received { path, name, content_type, size, sha256 })
}

/// `POST /v1.3/assets` (ASSET-1, ASSET-4, ASSET-7). Errors are Shape A (ERR-3).
pub async fn upload(State(sim): State<Arc<Sim>>, headers: HeaderMap, multipart: Multipart) -> Response {
    if super::routes::authorize(&sim, &headers).is_none() {
        return super::routes::unauthorized();
    }
    let form = match read_form(multipart).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let method = form.method.clone().unwrap_or_default();
    let (filename, file_type, size, sha256, is_image, facts, url) = match method.as_str() {
        "direct" => {
            let Some(file) = form.file else {
                return bad("parameter_not_provided", "file: required when method is `direct` (ASSET-4)");
            };
            let filename = form.filename.clone().filter(|f| !f.is_empty()).unwrap_or_else(|| file.name.clone());
            let is_image = is_image_name(file.content_type.as_deref(), &file.name);
            let file_type = file.content_type.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| {
                file.name.rsplit_once('.').map_or("application/octet-stream".into(), |(_, e)| e.to_ascii_lowercase())
            });
            let facts = if is_image {
                Err("an image, not a video".to_owned())
            } else {
                probe_cached(&sim, &file.sha256, file.path).await
            };
            (filename, file_type, file.size, file.sha256, is_image, facts, None)
        }
        "url" => {
            let Some(url) = form.url.filter(|u| u.starts_with("https://") || u.starts_with("http://")) else {
                return bad("parameter_invalid", "url: an absolute http(s) URL is required when method is `url`");
            };
            let name = url.rsplit('/').next().unwrap_or("video").to_owned();
            let filename = form.filename.clone().filter(|f| !f.is_empty()).unwrap_or(name);
            let is_image = is_image_name(None, &filename);
            let facts = if is_image { Err("an image, not a video".to_owned()) } else { Ok(DEFAULT_URL_FACTS) };
            (filename, "video".to_owned(), 0, String::new(), is_image, facts, Some(url))
        }
        "" => return bad("parameter_not_provided", "method: required (`direct` or `url`)"),
        other => return bad("parameter_invalid", &format!("method: must be `direct` or `url`, got `{other}`")),
    };
    let fault = sim.faults().decide(
        Phase::Asset,
        &Subject { method: "POST", path: "/v1.3/assets", custom_id: None, source: Some((&method, &filename)) },
    );
    let now = sim.now_ms();
    let body = {
        let mut state = sim.lock();
        let seq = state.asset_sequence;
        state.asset_sequence += 1;
        let id = crate::canonical::sha256_hex(format!("{}asset{seq}", sim.config.seed))[..24].to_owned();
        let asset = SimAsset {
            id: id.clone(),
            method,
            filename,
            file_type,
            created_ms: now,
            size,
            sha256,
            is_image,
            facts,
            gets: 0,
            fault,
            url,
        };
        let body = asset.to_json("processing");
        state.assets.insert(id, asset);
        body
    };
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// ffprobe facts of uploaded bytes, cached by SHA-256 (MEDIA-5). The temporary file
/// is deleted when probing ends.
async fn probe_cached(sim: &Arc<Sim>, sha256: &str, path: tempfile::TempPath) -> Result<MediaFacts, String> {
    if let Some(known) = sim.lock().probed.get(sha256) {
        return known.clone();
    }
    let facts = tokio::task::spawn_blocking(move || {
        let facts = crate::media::probe(&path).map(|p| p.facts()).map_err(|e| match e {
            crate::media::ProbeError::Missing => e.to_string(),
            crate::media::ProbeError::Unreadable { reason, .. } => reason,
        });
        drop(path);
        facts
    })
    .await
    .unwrap_or_else(|e| Err(format!("probe failed: {e}")));
    sim.lock().probed.insert(sha256.to_owned(), facts.clone());
    facts
}

/// `GET /v1.3/assets/{id}` (ASSET-2): 404 Shape A for an unknown id.
pub async fn retrieve(State(sim): State<Arc<Sim>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if super::routes::authorize(&sim, &headers).is_none() {
        return super::routes::unauthorized();
    }
    let now = sim.now_ms();
    let ready_ms = duration_ms(sim.config.asset_ready);
    let mut state = sim.lock();
    let Some(asset) = state.assets.get_mut(&id) else {
        return shape_a(404, "resource_not_exist", &format!("asset `{id}` does not exist"));
    };
    let status = asset.status(sim.config.clock, now, ready_ms);
    asset.gets = asset.gets.saturating_add(1);
    // On the tick clock the first GET already finds the upload done.
    let status = if sim.config.clock == Clock::Tick { asset.status(Clock::Tick, now, ready_ms) } else { status };
    axum::Json(asset.to_json(status)).into_response()
}

/// Milliseconds of a duration, saturating.
pub fn duration_ms(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
