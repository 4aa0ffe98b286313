//! The checked workflow: what the file means, with places kept for diagnostics.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

pub use super::tree::Place;

/// A place in the workflow file: 1-based line and column, length in characters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// Characters to underline.
    pub len: u64,
}

/// Where request member `path` (an ERR-5 path such as
/// `prompt_v2.media_sources[0].file`) is written in `places`, else its nearest
/// written parent (a member read from a `_file`, or missing: the object holding
/// it); `true` when it is the member itself. The last entry for a path wins.
pub fn nearest_place(places: &[(String, Place)], path: &str) -> Option<(Place, bool)> {
    let mut path = path;
    let mut exact = true;
    loop {
        if let Some((_, place)) = places.iter().rev().find(|(p, _)| p == path) {
            return Some((*place, exact));
        }
        path = &path[..path.rfind(['.', '['])?];
        exact = false;
    }
}

/// A checked workflow file.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// The file as the user named it.
    pub file: PathBuf,
    /// Its directory: relative paths start here and outputs must stay inside.
    pub dir: PathBuf,
    /// The file's text (for diagnostics).
    pub source: String,
    /// `name:`, else the file stem.
    pub name: String,
    /// `concurrency:`, tasks in flight at once.
    pub concurrency: Option<usize>,
    /// `vars:` as a JSON object; scalars keep their source text (`1.10`, `no`).
    pub vars: Value,
    /// Videos in file order (globs expanded, sorted by path).
    pub videos: Vec<Video>,
    /// Analyses in file order.
    pub analyses: Vec<Analysis>,
    /// Reports, rendered once over all tasks.
    pub reports: Vec<Output>,
    /// Local images of media sources (`file:`), each path once, in file order.
    pub images: Vec<super::images::LocalImage>,
}

/// Where a video comes from (design §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VideoInput {
    /// A local file: its path (absolute, resolved from the workflow directory) and
    /// the path as written.
    File {
        /// Resolved path.
        path: PathBuf,
        /// As written in the workflow.
        written: String,
    },
    /// A public http(s) URL.
    Url(String),
    /// An uploaded asset.
    AssetId(String),
    /// A pre-indexed video (pegasus1.2).
    VideoId(String),
}

impl VideoInput {
    /// The source type name used in templates (`video.source.type`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::File { .. } => "file",
            Self::Url(_) => "url",
            Self::AssetId(_) => "asset_id",
            Self::VideoId(_) => "video_id",
        }
    }
}

/// A video of the workflow.
#[derive(Debug, Clone)]
pub struct Video {
    /// `[A-Za-z0-9_-]{1,64}`, unique.
    pub id: String,
    /// Its source.
    pub input: VideoInput,
    /// `vars:` of this video, a JSON object.
    pub vars: Value,
    /// Where it is declared (its `id`, or its `glob`).
    pub pos: Pos,
    /// Where its source (`url`, `file`, `asset_id`, `video_id`, `glob`) is written.
    pub source_pos: Pos,
    /// How a local file is sent (`upload:`); always [`Upload::Asset`] for other
    /// sources, which have nothing to send.
    pub upload: Upload,
}

/// How a local file is sent (REQ-VIDEO-2, the `upload:` key of a video).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Upload {
    /// Uploaded through `POST /assets` once per content hash, sent as `asset_id`
    /// (default).
    #[default]
    Asset,
    /// Sent inline as `base64_string` (files up to 31,457,280 bytes, VAL-9).
    Base64,
}

impl Upload {
    /// The value as written in the workflow.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Asset => "asset",
            Self::Base64 => "base64",
        }
    }
}

/// What a `finish_reason: length` result does to the run (TRUNC-2, design §5; the
/// `on_truncated:` key).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TruncatedPolicy {
    /// Flag it in the summary; the run can still exit 0 (default).
    #[default]
    Warn,
    /// Count it as a failed task: exit 1.
    Fail,
}

/// A template and the name it is registered and reported under.
#[derive(Debug, Clone)]
pub struct TemplateText {
    /// Template name: the template file's path, or `file.yaml:LINE` for inline text.
    pub name: String,
    /// The template source.
    pub text: String,
    /// Where it is given in the workflow.
    pub pos: Pos,
}

/// An analysis of the workflow, with defaults applied.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// `[A-Za-z0-9_-]{1,64}`, unique.
    pub id: String,
    /// Where it is declared.
    pub pos: Pos,
    /// The prompt template (`prompt` or `prompt_file`).
    pub prompt: Option<TemplateText>,
    /// `custom_id` template, if set.
    pub custom_id: Option<TemplateText>,
    /// Request fields other than `video`, `prompt`, `custom_id`, as JSON
    /// (`model_name`, `analysis_mode`, `temperature`, ...), in request order.
    pub fields: IndexMap<String, Value>,
    /// `prompt_v2.input_text` as a template, rendered per task like `prompt`.
    pub prompt_v2_input: Option<TemplateText>,
    /// Where each request member was written, by ERR-5 path (`temperature`,
    /// `response_format.json_schema.properties.title`): contract violations point
    /// at the member they name, or at its nearest written parent.
    pub places: Vec<(String, Place)>,
    /// Ids of the videos this analysis runs on, in workflow order.
    pub video_ids: Vec<String>,
    /// `on_truncated:` of the analysis, else of `defaults:`, else of the workflow
    /// (default `warn`); `run --on-truncated` overrides it.
    pub on_truncated: TruncatedPolicy,
    /// Files rendered per task.
    pub outputs: Vec<Output>,
}

/// An output file: path template and content template.
#[derive(Debug, Clone)]
pub struct Output {
    /// Path template, relative to the workflow directory.
    pub path: TemplateText,
    /// Content template.
    pub template: TemplateText,
}
