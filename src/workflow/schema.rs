//! The workflow file as written (version 1, design §2): serde types with source
//! locations, before any checking.
//!
//! Every key is known (`deny_unknown_fields`), so a typo is an error with a hint.
//! Values that rules may reject later keep their location (`Spanned`).

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

/// A value with the place it was written.
pub type S<T> = Spanned<T>;

/// The top level of a workflow file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkflowFile {
    /// Format version; only `1` exists.
    pub version: S<u32>,
    /// Name; defaults to the file stem.
    pub name: Option<S<String>>,
    /// Default `model_name` of every analysis.
    pub model: Option<S<String>>,
    /// Tasks in flight at once.
    pub concurrency: Option<S<u32>>,
    /// Free variables, `{{vars.NAME}}` in templates.
    #[serde(default)]
    pub vars: IndexMap<String, S<Value>>,
    /// Defaults for every analysis.
    pub defaults: Option<AnalysisEntry>,
    /// The videos.
    #[serde(default)]
    pub videos: Vec<VideoEntry>,
    /// The analyses; each runs on every selected video.
    #[serde(default)]
    pub analyses: Vec<AnalysisEntry>,
    /// Outputs rendered once over all tasks.
    #[serde(default)]
    pub reports: Vec<OutputEntry>,
}

/// One entry of `videos:`: an `id` and exactly one source, or a `glob:`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VideoEntry {
    /// `[A-Za-z0-9_-]{1,64}`, unique.
    pub id: Option<S<String>>,
    /// Local file, relative to the workflow file.
    pub file: Option<S<String>>,
    /// Public http(s) URL.
    pub url: Option<S<String>>,
    /// Uploaded asset id.
    pub asset_id: Option<S<String>>,
    /// Pre-indexed video id (pegasus1.2).
    pub video_id: Option<S<String>>,
    /// Local files matching a pattern, one video each.
    pub glob: Option<S<String>>,
    /// Per-video variables, `{{video.vars.NAME}}`.
    #[serde(default)]
    pub vars: IndexMap<String, S<Value>>,
}

/// One entry of `analyses:`, and the shape of `defaults:` (which may not set `id`,
/// `videos` or `outputs`). Every request field of the seed is here (design §2).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisEntry {
    /// `[A-Za-z0-9_-]{1,64}`, unique; required on an analysis.
    pub id: Option<S<String>>,
    /// `model_name`: `pegasus1.2` | `pegasus1.5`.
    pub model: Option<S<String>>,
    /// `custom_id` template; defaults to `<analysis>-<video>` (REQ-CUSTOM-ID-4).
    pub custom_id: Option<S<String>>,
    /// Prompt template, inline.
    pub prompt: Option<S<String>>,
    /// Prompt template file, relative to the workflow file.
    pub prompt_file: Option<S<String>>,
    /// `prompt_v2` object as the API takes it (REQ-PROMPT-V2-1).
    pub prompt_v2: Option<S<Value>>,
    /// `analysis_mode`: `general` | `time_based_metadata`.
    pub mode: Option<S<String>>,
    /// `temperature`, 0 to 1.
    pub temperature: Option<S<Value>>,
    /// `max_tokens`, tokens (REQ-TOKENS-1).
    pub max_tokens: Option<S<Value>>,
    /// `response_format` as the API takes it (REQ-RF-1).
    pub response_format: Option<S<Value>>,
    /// Shorthand for `response_format: {type: segment_definitions, segment_definitions}`.
    pub segment_definitions: Option<S<Value>>,
    /// `response_format.segment_time_format` with the shorthand.
    pub segment_time_format: Option<S<String>>,
    /// Shortest segment, seconds.
    pub min_segment_duration: Option<S<Value>>,
    /// Longest segment, seconds.
    pub max_segment_duration: Option<S<Value>>,
    /// Window start, seconds.
    pub start_time: Option<S<Value>>,
    /// Window end, seconds.
    pub end_time: Option<S<Value>>,
    /// Video ids (or globs of ids) this analysis runs on; default all.
    pub videos: Option<Vec<S<String>>>,
    /// Files rendered per task.
    #[serde(default)]
    pub outputs: Vec<OutputEntry>,
}

/// An output file: a path template and a content template.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputEntry {
    /// Path template, relative to the workflow's directory.
    pub path: S<String>,
    /// Content template, inline.
    pub template: Option<S<String>>,
    /// Content template file, relative to the workflow file.
    pub template_file: Option<S<String>>,
}
