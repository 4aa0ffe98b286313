//! The workflow file as written (version 1, design §2): serde types with source
//! locations, before any checking. `vidflow schema` derives the file's JSON Schema
//! from these same types (schemars).
//!
//! Every key of the workflow's own mappings is known (`deny_unknown_fields`), so a
//! typo is an error with a hint. Request objects that the API takes as they are
//! (`response_format`, `prompt_v2`, `segment_definitions`) and free values (`vars`,
//! and numbers a contract rule may reject) are kept as [`Tree`]s with the place of
//! every node: the contract module checks them (VAL-2, VAL-3, ...), reporting every
//! fault at once and pointing at the offending key. Their JSON Schema comes from
//! the [`shapes`] types.

use std::borrow::Cow;
use std::ops::Deref;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;

use super::tree::Tree;

/// A value with the place it was written. Dereferences to [`Spanned`]; its JSON
/// Schema is `T`'s.
#[derive(Debug, Clone)]
pub struct S<T>(pub Spanned<T>);

impl<T> Deref for S<T> {
    type Target = Spanned<T>;

    fn deref(&self) -> &Spanned<T> {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for S<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Spanned::<T>::deserialize(deserializer).map(S)
    }
}

impl<T: JsonSchema> JsonSchema for S<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// The top level of a workflow file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "vidflow workflow (version 1)")]
pub struct WorkflowFile {
    /// Format version; only `1` exists.
    #[schemars(extend("enum" = [1]))]
    pub version: S<u32>,
    /// Name; defaults to the file stem.
    #[schemars(with = "Option<shapes::Text>")]
    pub name: Option<S<String>>,
    /// Default `model_name` of every analysis (`pegasus1.2` | `pegasus1.5`; the API's
    /// default, pegasus1.2, when unset).
    #[schemars(extend("enum" = ["pegasus1.2", "pegasus1.5"]))]
    pub model: Option<S<String>>,
    /// Tasks in flight at once (at least 1; default 8).
    #[schemars(range(min = 1))]
    pub concurrency: Option<S<u32>>,
    /// What a truncated result (`finish_reason: length`) does to the run: `warn`
    /// flags it (default), `fail` makes the run exit 1 (TRUNC-2). An analysis's own
    /// `on_truncated` wins; `run --on-truncated` overrides both.
    #[schemars(extend("enum" = ["warn", "fail"]))]
    pub on_truncated: Option<S<String>>,
    /// Free variables, `{{vars.NAME}}` in templates. Scalars keep the text they were
    /// written with at any depth (`1.10`, `no`, `007` are strings).
    #[serde(default)]
    #[schemars(with = "IndexMap<String, serde_json::Value>")]
    pub vars: IndexMap<String, Tree>,
    /// Defaults for every analysis: any request field (not `id`, `videos` or
    /// `outputs`).
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
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoEntry {
    /// `[A-Za-z0-9_-]{1,64}`, unique; names outputs and the default `custom_id`.
    #[schemars(with = "Option<shapes::Text>")]
    pub id: Option<S<String>>,
    /// Local file, relative to the workflow file: probed with ffprobe and checked
    /// against the input requirements (MEDIA-1) before anything is sent.
    pub file: Option<S<String>>,
    /// Public http(s) URL of the raw video file (pegasus1.5).
    pub url: Option<S<String>>,
    /// Uploaded asset id (pegasus1.5).
    pub asset_id: Option<S<String>>,
    /// Pre-indexed video id (pegasus1.2).
    pub video_id: Option<S<String>>,
    /// Local files matching a pattern, relative to the workflow file; one video per
    /// file, its id from the file stem.
    pub glob: Option<S<String>>,
    /// How a local `file`/`glob` video is sent: `asset` (default) uploads it once
    /// through the assets API; `base64` sends it inline as `base64_string`, for
    /// files up to 31,457,280 bytes (30 MiB).
    #[schemars(extend("enum" = ["asset", "base64"]))]
    pub upload: Option<S<String>>,
    /// Per-video variables, `{{video.vars.NAME}}`; text stays text.
    #[serde(default)]
    #[schemars(with = "IndexMap<String, serde_json::Value>")]
    pub vars: IndexMap<String, Tree>,
}

/// One entry of `analyses:`, and the shape of `defaults:` (which may not set `id`,
/// `videos` or `outputs`). Every request field of the seed is here (design §2).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisEntry {
    /// `[A-Za-z0-9_-]{1,64}`, unique; required on an analysis.
    #[schemars(with = "Option<shapes::Text>")]
    pub id: Option<S<String>>,
    /// `model_name`: `pegasus1.2` | `pegasus1.5`.
    #[schemars(extend("enum" = ["pegasus1.2", "pegasus1.5"]))]
    pub model: Option<S<String>>,
    /// `custom_id` template; defaults to `<analysis>-<video>` made valid
    /// (REQ-CUSTOM-ID-4).
    #[schemars(with = "Option<shapes::Text>")]
    pub custom_id: Option<S<String>>,
    /// Prompt template, inline (Handlebars, rendered per video). Always text.
    #[schemars(with = "Option<shapes::Text>")]
    pub prompt: Option<S<String>>,
    /// Prompt template file, relative to the workflow file.
    pub prompt_file: Option<S<String>>,
    /// `prompt_v2` as the API takes it (REQ-PROMPT-V2-1); `input_text` is a
    /// template like `prompt`.
    #[schemars(with = "Option<shapes::PromptV2>")]
    pub prompt_v2: Option<Tree>,
    /// `analysis_mode`: `general` | `time_based_metadata` (implied by
    /// `segment_definitions`).
    #[schemars(extend("enum" = ["general", "time_based_metadata"]))]
    pub mode: Option<S<String>>,
    /// `temperature`, 0 to 1.
    #[schemars(with = "Option<f64>")]
    pub temperature: Option<Tree>,
    /// `max_tokens`, tokens (REQ-TOKENS-1).
    #[schemars(with = "Option<u32>")]
    pub max_tokens: Option<Tree>,
    /// `response_format` as the API takes it (REQ-RF-1), plus `json_schema_file` /
    /// `segment_definitions_file`.
    #[schemars(with = "Option<shapes::ResponseFormat>")]
    pub response_format: Option<Tree>,
    /// Shorthand for `response_format: {type: segment_definitions, ...}`; implies
    /// `mode: time_based_metadata`.
    #[schemars(with = "Option<Vec<shapes::SegmentDefinition>>")]
    pub segment_definitions: Option<Tree>,
    /// `segment_definitions` read from a file (YAML or JSON), relative to the
    /// workflow file.
    pub segment_definitions_file: Option<S<String>>,
    /// `response_format.segment_time_format` with the shorthand.
    #[schemars(extend("enum" = ["seconds", "hh:mm:ss", "hh:mm:ss.fff"]))]
    pub segment_time_format: Option<S<String>>,
    /// Shortest segment, seconds (≥ 2).
    #[schemars(with = "Option<f64>")]
    pub min_segment_duration: Option<Tree>,
    /// Longest segment, seconds (≥ `min_segment_duration`).
    #[schemars(with = "Option<f64>")]
    pub max_segment_duration: Option<Tree>,
    /// Window start, seconds from the first frame.
    #[schemars(with = "Option<f64>")]
    pub start_time: Option<Tree>,
    /// Window end, seconds from the first frame.
    #[schemars(with = "Option<f64>")]
    pub end_time: Option<Tree>,
    /// Video ids (or globs of ids) this analysis runs on; default all.
    pub videos: Option<Vec<S<String>>>,
    /// What a truncated result does for this analysis: `warn` | `fail`; overrides
    /// the workflow's `on_truncated`.
    #[schemars(extend("enum" = ["warn", "fail"]))]
    pub on_truncated: Option<S<String>>,
    /// Files rendered per task.
    #[serde(default)]
    pub outputs: Vec<OutputEntry>,
}

/// An output file: a path template and a content template (`template` or
/// `template_file`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputEntry {
    /// Path template, relative to the workflow's directory; must stay inside it.
    pub path: S<String>,
    /// Content template, inline.
    pub template: Option<S<String>>,
    /// Content template file, relative to the workflow file.
    pub template_file: Option<S<String>>,
}

/// JSON Schema shapes of the request objects a workflow passes through (REQ-RF-*,
/// REQ-SEGDEF-*, REQ-PROMPT-V2-*). Only `vidflow schema` uses them: at load these
/// objects are checked by the contract module, which owns the rules.
pub mod shapes {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
    use serde_json::{Map, Value};

    /// Text. A plain scalar is read as written, so `1.10`, `no` and `007` are the
    /// text `1.10`, `no` and `007`, although YAML would type them.
    #[derive(Debug)]
    pub struct Text;

    impl JsonSchema for Text {
        fn schema_name() -> Cow<'static, str> {
            "Text".into()
        }

        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": ["string", "number", "boolean"],
                "description": "Text; a plain scalar such as 1.10, no or 007 is read as written."
            })
        }
    }

    /// `response_format` (REQ-RF-1).
    #[derive(Debug, JsonSchema)]
    #[schemars(deny_unknown_fields)]
    pub struct ResponseFormat {
        /// `json_schema` | `segment_definitions`.
        #[schemars(rename = "type", extend("enum" = ["json_schema", "segment_definitions"]))]
        pub kind: String,
        /// The raw JSON Schema of the answer (REQ-RF-2 subset).
        pub json_schema: Option<Map<String, Value>>,
        /// `json_schema` read from a file (JSON or YAML), relative to the workflow.
        pub json_schema_file: Option<String>,
        /// 1 to 20 segment definitions.
        pub segment_definitions: Option<Vec<SegmentDefinition>>,
        /// `segment_definitions` read from a file, relative to the workflow.
        pub segment_definitions_file: Option<String>,
        /// How segment bounds are written.
        #[schemars(extend("enum" = ["seconds", "hh:mm:ss", "hh:mm:ss.fff"]))]
        pub segment_time_format: Option<String>,
    }

    /// A segment definition (REQ-SEGDEF-1).
    #[derive(Debug, JsonSchema)]
    #[schemars(deny_unknown_fields)]
    pub struct SegmentDefinition {
        /// `[A-Za-z0-9_-]{1,64}`, unique; the result key.
        pub id: String,
        /// What a segment is; may use `<@name>` of its own media sources.
        pub description: String,
        /// Up to 20 metadata fields.
        pub fields: Option<Vec<Field>>,
        /// Up to 4 reference images.
        pub media_sources: Option<Vec<MediaSource>>,
        /// Where to look, seconds; excludes the window and segment durations.
        pub time_ranges: Option<Vec<TimeRange>>,
    }

    /// A metadata field of a segment (REQ-SEGDEF-2).
    #[derive(Debug, JsonSchema)]
    #[schemars(deny_unknown_fields)]
    pub struct Field {
        /// Unique in the definition; not `start_time`, `end_time` or `metadata`.
        pub name: String,
        /// The field's type.
        #[schemars(rename = "type", extend("enum" = ["string", "boolean", "number", "integer", "array", "timestamp"]))]
        pub kind: String,
        /// What the field holds.
        pub description: String,
        /// Required with (and only with) `type: timestamp`.
        #[schemars(extend("enum" = ["seconds", "hh:mm:ss", "hh:mm:ss.fff"]))]
        pub format: Option<String>,
        /// 1 to 100 allowed values (string or string-array fields).
        #[schemars(rename = "enum")]
        pub values: Option<Vec<String>>,
        /// Item type; required with (and only with) `type: array`.
        pub items: Option<Items>,
    }

    /// `items` of an array field.
    #[derive(Debug, JsonSchema)]
    #[schemars(deny_unknown_fields)]
    pub struct Items {
        /// The item type.
        #[schemars(rename = "type", extend("enum" = ["string", "number", "boolean", "integer"]))]
        pub kind: String,
    }

    /// A time range, seconds (REQ-SEGDEF-3).
    #[derive(Debug, JsonSchema)]
    #[schemars(deny_unknown_fields)]
    pub struct TimeRange {
        /// Start, seconds.
        pub start_time: f64,
        /// End, seconds (at least 2 after the start).
        pub end_time: f64,
    }

    /// An image referenced as `<@name>` (REQ-PROMPT-V2-2): exactly one of `url`,
    /// `asset_id`, `base64_string`, or a local `file`.
    #[derive(Debug, JsonSchema)]
    #[schemars(deny_unknown_fields)]
    pub struct MediaSource {
        /// `[A-Za-z0-9_-]{1,64}`, unique in its list.
        pub name: String,
        /// Always `image`.
        #[schemars(extend("enum" = ["image"]))]
        pub media_type: String,
        /// HTTPS URL of the image.
        pub url: Option<String>,
        /// A ready image asset.
        pub asset_id: Option<String>,
        /// The image, base64 (≤ 30 MiB decoded).
        pub base64_string: Option<String>,
        /// A local JPEG, PNG, WebP, GIF or BMP image, relative to the workflow.
        pub file: Option<String>,
        /// How a local `file` is sent: `asset` (default; uploaded once per content,
        /// ≤ 32 MiB) or `base64` (inline, ≤ 30 MiB).
        #[schemars(extend("enum" = ["asset", "base64"]))]
        pub upload: Option<String>,
    }

    /// `prompt_v2` (REQ-PROMPT-V2-1).
    #[derive(Debug, JsonSchema)]
    #[schemars(deny_unknown_fields)]
    pub struct PromptV2 {
        /// The prompt text; `<@name>` names a media source.
        pub input_text: String,
        /// Up to 4 reference images.
        pub media_sources: Option<Vec<MediaSource>>,
    }
}
