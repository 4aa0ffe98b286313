//! Media facts of a request's video (MEDIA-5, SIM-MEDIA-1): a small catalogue for
//! URLs and pre-indexed ids, ffprobe for inline bytes.

use base64::Engine as _;
use serde_json::Value;

use crate::contract::media::MediaFacts;
use crate::contract::{Code, Violation};

/// Facts used for URLs the catalogue does not know (MEDIA-5).
pub const DEFAULT_URL_FACTS: MediaFacts = MediaFacts { duration: 60.0, width: 1280, height: 720 };

/// Pre-indexed videos the simulator knows (SIM-MEDIA-1): id, index id, facts.
const VIDEO_IDS: [(&str, &str, MediaFacts); 2] = [
    ("sim-vid-ok", "sim-index", MediaFacts { duration: 60.0, width: 1280, height: 720 }),
    ("sim-vid-long", "sim-index", MediaFacts { duration: 7_300.0, width: 1280, height: 720 }),
];

/// Whether the catalogue holds this pre-indexed `video_id` (VAL-10).
pub fn video_exists(id: &str) -> bool {
    VIDEO_IDS.iter().any(|(v, _, _)| *v == id)
}

/// What the simulator knows of a request's video.
#[derive(Debug, Clone)]
pub struct Media {
    /// Facts, or why the bytes are unreadable (the task then fails, MEDIA-5).
    pub facts: Result<MediaFacts, String>,
    /// `video_source` echo (TASK-4), without `system_metadata`.
    pub echo: Value,
}

/// Probes bytes given their SHA-256: facts, or why they are unreadable.
pub type Prober<'a> = &'a mut dyn FnMut(&str, &[u8]) -> Result<MediaFacts, String>;

/// Looks the video up; `asset` holds the facts of the request's `asset_id`, when it
/// exists. Errors: VAL-10 for an unknown `video_id` or `asset_id`.
/// Base64 sources are decoded and probed with ffprobe through `probe`, which the
/// caller caches by SHA-256.
pub fn resolve(
    video: &Value,
    asset: Option<Result<MediaFacts, String>>,
    probe: Prober<'_>,
) -> Result<Media, Violation> {
    let kind = video.get("type").and_then(Value::as_str).unwrap_or_default();
    let field = |k: &str| video.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    match kind {
        "url" => {
            let url = field("url");
            Ok(Media { facts: Ok(DEFAULT_URL_FACTS), echo: serde_json::json!({"type": "url", "url": url}) })
        }
        "video_id" => {
            let id = field("video_id");
            let Some((_, index, facts)) = VIDEO_IDS.iter().find(|(v, _, _)| *v == id) else {
                return Err(not_exist("video.video_id", &format!("video `{id}` does not exist")));
            };
            Ok(Media {
                facts: Ok(*facts),
                echo: serde_json::json!({"type": "video_id", "video_id": id, "index_id": index}),
            })
        }
        "base64_string" => {
            let text = field("base64_string");
            let bytes = decode(&text);
            let sha = crate::canonical::sha256_hex(&bytes);
            let facts = probe(&sha, &bytes);
            Ok(Media { facts, echo: serde_json::json!({"type": "base64_string"}) })
        }
        _ => {
            let id = field("asset_id");
            let Some(facts) = asset else {
                return Err(not_exist("video.asset_id", &format!("asset `{id}` does not exist")));
            };
            Ok(Media { facts, echo: serde_json::json!({"type": "asset_id", "asset_id": id}) })
        }
    }
}

fn not_exist(field: &str, reason: &str) -> Violation {
    Violation {
        rule: "VAL-10",
        field: field.to_owned(),
        code: Code::ResourceNotExist,
        status: 400,
        reason: reason.to_owned(),
    }
}

/// Standard alphabet, padding optional (REQ-VIDEO-1); validity was checked (VAL-9).
fn decode(text: &str) -> Vec<u8> {
    let trimmed = text.trim_end_matches('=');
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed).unwrap_or_default()
}

/// Writes `bytes` to a temporary file and probes it with ffprobe.
pub fn probe_bytes(bytes: &[u8]) -> Result<MediaFacts, String> {
    let mut file = tempfile::Builder::new().prefix("vidflow-sim-").tempfile().map_err(|e| e.to_string())?;
    std::io::Write::write_all(&mut file, bytes).map_err(|e| e.to_string())?;
    crate::media::probe(file.path()).map(|p| p.facts()).map_err(|e| match e {
        crate::media::ProbeError::Missing => e.to_string(),
        crate::media::ProbeError::Unreadable { reason, .. } => reason,
    })
}
