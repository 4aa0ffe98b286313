//! Wire types of the v1.3 analyze API (api-contract §3–§5).
//!
//! Responses are read leniently: unknown members are ignored and unknown enum values
//! are kept (WIRE-9); an absent member and `null` are alike.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `video` object of a create request (REQ-VIDEO-1): `type` plus exactly the
/// field it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VideoSource {
    /// A public http(s) URL of the raw file (pegasus1.5).
    Url {
        /// Absolute http(s) URL.
        url: String,
    },
    /// An uploaded asset that is `ready` (pegasus1.5).
    AssetId {
        /// Asset id from `POST /assets`.
        asset_id: String,
    },
    /// A pre-indexed video (pegasus1.2 only) [seed].
    VideoId {
        /// Video id in an index.
        video_id: String,
    },
    /// The file inline, standard base64, ≤ 31,457,280 decoded bytes (pegasus1.5).
    Base64String {
        /// Base64 of the file's bytes.
        base64_string: String,
    },
}

/// Body of `POST /analyze/tasks` (§3.1). Unset optional fields are omitted, never
/// sent as `null` (WIRE-5); `model_name` is always sent (REQ-MODEL-2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateTaskRequest {
    /// Video source.
    pub video: VideoSource,
    /// `pegasus1.2` or `pegasus1.5`.
    pub model_name: String,
    /// Correlation id, `^[a-zA-Z0-9_-]{1,64}$` (REQ-CUSTOM-ID-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Prompt text, ≤ 2,000 tokens (REQ-PROMPT-2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Structured prompt `{input_text, media_sources}` (REQ-PROMPT-V2-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_v2: Option<Value>,
    /// `general` or `time_based_metadata`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub analysis_mode: Option<String>,
    /// Sampling temperature in [0, 1].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Output limit, tokens (REQ-TOKENS-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    /// `{type: json_schema | segment_definitions, ...}` (REQ-RF-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_format: Option<Value>,
    /// Shortest segment, seconds (≥ 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_segment_duration: Option<f64>,
    /// Longest segment, seconds (≥ min).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_segment_duration: Option<f64>,
    /// Analysis window start, seconds from the first frame (REQ-WINDOW-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<f64>,
    /// Analysis window end, seconds from the first frame (REQ-WINDOW-1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<f64>,
}

/// Answer to a create: 202 `{task_id, status}` (§3).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct CreateTaskResponse {
    /// The new (or, on an idempotent replay, original) task id.
    pub task_id: String,
    /// Informational; usually `queued`.
    #[serde(default)]
    pub status: Option<TaskStatus>,
}

/// A task's status (TASK-2). Unknown values are kept (WIRE-9) and are not terminal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// Accepted, not started.
    Queued,
    /// Waiting for resources.
    Pending,
    /// Being analysed.
    Processing,
    /// Terminal, with a result.
    Ready,
    /// Terminal, no result.
    Failed,
    /// Terminal [later] (DRIFT-2).
    Canceled,
    /// A value this client does not know.
    Other(String),
}

impl TaskStatus {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Queued => "queued",
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
            Self::Other(s) => s,
        }
    }

    /// `ready`, `failed` and `canceled` end polling (TASK-2).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Ready | Self::Failed | Self::Canceled)
    }
}

impl From<&str> for TaskStatus {
    fn from(s: &str) -> Self {
        match s {
            "queued" => Self::Queued,
            "pending" => Self::Pending,
            "processing" => Self::Processing,
            "ready" => Self::Ready,
            "failed" => Self::Failed,
            "canceled" => Self::Canceled,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::from(s.as_str()))
    }
}

/// `result.finish_reason` (TASK-6). Anything but `stop` counts as truncated (TRUNC-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    /// Complete output.
    Stop,
    /// Output cut at `max_tokens` (TRUNC-1).
    Length,
    /// A value this client does not know.
    Other(String),
}

impl FinishReason {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Stop => "stop",
            Self::Length => "length",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for FinishReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for FinishReason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "stop" => Self::Stop,
            "length" => Self::Length,
            _ => Self::Other(s),
        })
    }
}

/// Token usage of a result (TASK-6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens generated.
    #[serde(default)]
    pub output_tokens: u64,
    /// Tokens read, when reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
}

/// `result` of a `ready` task (TASK-6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// Opaque id of the generation.
    #[serde(default)]
    pub generation_id: Option<String>,
    /// The output: text, or JSON text for structured modes (RES-1..3).
    pub data: String,
    /// Why generation stopped.
    pub finish_reason: FinishReason,
    /// Token usage.
    #[serde(default)]
    pub usage: Usage,
}

/// `error` of a task: the reason of a failure, or a warning on a truncated result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskError {
    /// Open error code (DRIFT-2), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Human-readable message.
    #[serde(default)]
    pub message: String,
}

/// A task as `GET /analyze/tasks/{id}` returns it (TASK-3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    /// Task id.
    pub task_id: String,
    /// Current status.
    pub status: TaskStatus,
    /// Acceptance time, RFC 3339.
    #[serde(default)]
    pub created_at: Option<String>,
    /// Terminal transition time, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    /// Echo of the request's `custom_id`.
    #[serde(default)]
    pub custom_id: Option<String>,
    /// Echo of the source (TASK-4), kept raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_source: Option<Value>,
    /// Echo of the request (TASK-5), kept raw; never used to rebuild results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_params: Option<Value>,
    /// Present when `ready`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<TaskResult>,
    /// Present when `failed`, or as a warning on a truncated result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TaskError>,
}

/// `page_info` of a list answer (LIST-2); every member is optional to the client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInfo {
    /// Items per page.
    #[serde(default)]
    pub limit_per_page: Option<u64>,
    /// This page, from 1.
    #[serde(default)]
    pub page: Option<u64>,
    /// Pages in all.
    #[serde(default)]
    pub total_page: Option<u64>,
    /// Items in all.
    #[serde(default)]
    pub total_results: Option<u64>,
}

/// One page of `GET /analyze/tasks` (LIST-2): abbreviated tasks, newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct TaskPage {
    /// The tasks of this page (LIST-3: no results, prompts cut).
    #[serde(default)]
    pub data: Vec<Task>,
    /// Paging facts.
    #[serde(default)]
    pub page_info: PageInfo,
}

/// Filters of `GET /analyze/tasks` (LIST-1); unset ones are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// One status.
    pub status: Option<String>,
    /// Exact source URL.
    pub video_url: Option<String>,
    /// Source asset id.
    pub asset_id: Option<String>,
    /// Source video id (deprecated upstream, DRIFT-10).
    pub video_id: Option<String>,
    /// `general` or `time_based_metadata`.
    pub analysis_mode: Option<String>,
}

impl ListFilter {
    /// The filter that finds tasks made from `source` (CLI-IDEM-3); a base64 source
    /// has none, so the list is scanned unfiltered.
    pub fn for_source(source: &VideoSource) -> Self {
        match source {
            VideoSource::Url { url } => Self { video_url: Some(url.clone()), ..Self::default() },
            VideoSource::AssetId { asset_id } => Self { asset_id: Some(asset_id.clone()), ..Self::default() },
            VideoSource::VideoId { video_id } => Self { video_id: Some(video_id.clone()), ..Self::default() },
            VideoSource::Base64String { .. } => Self::default(),
        }
    }

    /// Query pairs, in a fixed order.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("status", &self.status),
            ("video_url", &self.video_url),
            ("asset_id", &self.asset_id),
            ("video_id", &self.video_id),
            ("analysis_mode", &self.analysis_mode),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

/// An asset's status (ASSET-3); unknown values are kept (WIRE-9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssetStatus {
    /// Uploaded, not usable yet.
    Processing,
    /// Usable as a task source.
    Ready,
    /// Unusable; `error.message` says why.
    Failed,
    /// A value this client does not know (treated as not ready).
    Other(String),
}

impl AssetStatus {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Processing => "processing",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Other(s) => s,
        }
    }
}

impl Serialize for AssetStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AssetStatus {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "processing" => Self::Processing,
            "ready" => Self::Ready,
            "failed" => Self::Failed,
            _ => Self::Other(s),
        })
    }
}

/// An asset as `POST /assets` (201) and `GET /assets/{id}` return it (ASSET-1/2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Asset id (`_id` on the wire, WIRE-4).
    #[serde(rename = "_id")]
    pub id: String,
    /// Current status.
    pub status: AssetStatus,
    /// File name given at upload.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    /// Size, bytes (once known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// Duration, seconds (once `ready`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<f64>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<TaskError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_omits_unset_fields() {
        let req = CreateTaskRequest {
            video: VideoSource::Url { url: "https://example.com/a.mp4".into() },
            model_name: "pegasus1.5".into(),
            custom_id: None,
            prompt: Some("Hi".into()),
            prompt_v2: None,
            analysis_mode: None,
            temperature: None,
            max_tokens: None,
            response_format: None,
            min_segment_duration: None,
            max_segment_duration: None,
            start_time: None,
            end_time: None,
        };
        assert_eq!(
            serde_json::to_value(&req).ok(),
            Some(json!({"video":{"type":"url","url":"https://example.com/a.mp4"},
                        "model_name":"pegasus1.5","prompt":"Hi"}))
        );
    }

    #[test]
    fn task_tolerates_unknown_members_and_values() {
        let t: Task = serde_json::from_value(json!({
            "task_id": "t1", "status": "paused", "created_at": null, "batch_id": "b",
            "result": {"data": "x", "finish_reason": "content_filter", "usage": {"output_tokens": 3}}
        }))
        .expect("decodes");
        assert_eq!(t.status, TaskStatus::Other("paused".into()));
        assert!(!t.status.is_terminal());
        assert_eq!(t.result.map(|r| r.finish_reason), Some(FinishReason::Other("content_filter".into())));
    }

    #[test]
    fn list_pages_and_assets_decode_leniently() {
        let page: TaskPage = serde_json::from_value(json!({
            "data": [{"task_id": "a", "status": "canceled", "custom_id": null, "batch_id": "x"}],
            "page_info": {"page": 1, "total_page": 1, "next": "?"}
        }))
        .expect("decodes");
        assert_eq!(page.data[0].status, TaskStatus::Canceled);
        assert!(page.data[0].status.is_terminal());
        assert_eq!(page.page_info.total_page, Some(1));
        let empty: TaskPage = serde_json::from_value(json!({})).expect("all optional");
        assert!(empty.data.is_empty());
        let asset: Asset =
            serde_json::from_value(json!({"_id": "as1", "status": "uploading", "method": "direct"})).expect("decodes");
        assert_eq!((asset.id.as_str(), asset.status), ("as1", AssetStatus::Other("uploading".into())));
        let f = ListFilter::for_source(&VideoSource::AssetId { asset_id: "as1".into() });
        assert_eq!(f.pairs(), vec![("asset_id", "as1")]);
    }
}
