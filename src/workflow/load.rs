//! Reads a workflow file: YAML into [`schema`](super::schema) types, then meaning
//! into the [`model`](super::model), collecting every problem as a [`Diagnostic`].

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::{Value, json};
use serde_saphyr::Spanned;

use super::images::{self, LocalImage};
use super::model::{
    Analysis, Output, Place, Pos, TemplateText, TruncatedPolicy, Upload, Video, VideoInput, Workflow, nearest_place,
};
use super::schema::{AnalysisEntry, OutputEntry, S, VideoEntry, WorkflowFile};
use super::tree::{Scalars, Tree, pos_of_location};
use crate::diag::{Diagnostic, did_you_mean};

/// Rule IDs of the workflow language (design §2); contract rules use their own IDs.
pub mod rules {
    /// The file is not valid YAML, or a value has the wrong type.
    pub const YAML: &str = "WF-YAML";
    /// An unknown key.
    pub const UNKNOWN_KEY: &str = "WF-UNKNOWN-KEY";
    /// A key given twice.
    pub const DUPLICATE_KEY: &str = "WF-DUPLICATE-KEY";
    /// `version` is not 1.
    pub const VERSION: &str = "WF-VERSION";
    /// An id is missing, malformed or not unique.
    pub const ID: &str = "WF-ID";
    /// A video has no source, or more than one.
    pub const SOURCE: &str = "WF-SOURCE";
    /// `X` and `X_file` both given, or neither where one is required.
    pub const EXCLUSIVE: &str = "WF-EXCLUSIVE";
    /// A referenced file is missing or unreadable.
    pub const FILE: &str = "WF-FILE";
    /// A reference to a video id that does not exist.
    pub const REFERENCE: &str = "WF-REFERENCE";
    /// A template does not compile or does not render.
    pub const TEMPLATE: &str = "WF-TEMPLATE";
    /// An output path is unsafe or collides with another.
    pub const OUTPUT_PATH: &str = "WF-OUTPUT-PATH";
    /// A key that is not allowed where it is written.
    pub const MISPLACED: &str = "WF-MISPLACED";
    /// A value of the workflow's own keys out of range (`concurrency: 0`, a bad glob).
    pub const VALUE: &str = "WF-VALUE";
}

/// Loads and checks the workflow at `path`. Every problem found is returned at
/// once, sorted by place. Reads the file and the files it names; writes nothing.
pub fn load(path: &Path) -> Result<Workflow, Vec<Diagnostic>> {
    match load_partial(path)? {
        (workflow, diags) if diags.is_empty() => Ok(workflow),
        (_, diags) => Err(diags),
    }
}

/// Loads the workflow at `path` as far as it is valid: the workflow without the
/// videos, analyses and reports that have errors, and the errors, sorted by place.
/// `Err` when the file cannot be read or parsed at all (YAML syntax, unknown or
/// duplicate key, wrong type: serde stops at the first of these).
pub fn load_partial(path: &Path) -> Result<(Workflow, Vec<Diagnostic>), Vec<Diagnostic>> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::new(Some(rules::FILE), format!("cannot read workflow `{}`: {e}", path.display()))]
    })?;
    load_str(path, source)
}

/// Like [`load_partial`], with the file's text already read.
pub fn load_str(path: &Path, source: String) -> Result<(Workflow, Vec<Diagnostic>), Vec<Diagnostic>> {
    let file: WorkflowFile = parse_yaml(&source).map_err(|e| vec![yaml_diagnostic(path, &source, &e)])?;
    let mut cx = Resolver { path, source: &source, diags: Vec::new(), broken_videos: Vec::new(), images: Vec::new() };
    let workflow = cx.workflow(file);
    let mut diags = cx.diags;
    sort_diagnostics(&mut diags);
    Ok((workflow, diags))
}

/// Sorts diagnostics by file, line, column and message (stable output).
/// Drops exact repeats: a fault under `defaults:` is found once per analysis that
/// inherits it, and is one error.
pub fn sort_diagnostics(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup_by(|a, b| a.to_string() == b.to_string());
}

/// Parses YAML the way every workflow file (and every file it includes) is read:
/// YAML 1.2 booleans only, `007` stays a string, so text stays text (design §2).
pub fn parse_yaml<T: serde::de::DeserializeOwned>(source: &str) -> Result<T, serde_saphyr::Error> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
    };
    serde_saphyr::from_str_with_options(source, options)
}

fn yaml_diagnostic(path: &Path, source: &str, e: &serde_saphyr::Error) -> Diagnostic {
    let text = e.without_snippet().to_string();
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 4 column 5: unknown field ..." -> "unknown field ..."
    let message = match first.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => first,
    };
    // The place is shown below the message.
    let message = message.split(" at line ").next().unwrap_or(message);
    let mut d = if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let expected: Vec<&str> = expected
            .trim_start_matches(", expected one of ")
            .trim_start_matches(", expected ")
            .split(", ")
            .map(|s| s.trim_matches('`'))
            .filter(|s| !s.is_empty())
            .collect();
        let d = Diagnostic::new(Some(rules::UNKNOWN_KEY), format!("unknown key `{key}`"));
        match did_you_mean(key, expected.iter().copied()) {
            Some(best) => d.with_hint(format!("did you mean `{best}`?")),
            None => d.with_hint(format!("expected one of: {}", expected.join(", "))),
        }
    } else if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(", set DuplicateKeyPolicy").next().unwrap_or(rest);
        Diagnostic::new(Some(rules::DUPLICATE_KEY), format!("duplicate key `{key}`"))
            .with_hint("each key may appear once in a mapping; remove one of them")
    } else {
        // Say what was wanted in words.
        let (message, hint) = match message {
            m if m.starts_with("invalid u32") || m.starts_with("invalid u64") => {
                ("expected a whole number", Some("write a number such as `4`, without quotes"))
            }
            "expected sequence start" => ("expected a list", Some("write a YAML list: `- item` lines, or `[a, b]`")),
            "expected mapping start" | "expected struct mapping start" => {
                ("expected a mapping", Some("write `key: value` lines, or `{ key: value }`"))
            }
            m => (m, None),
        };
        let d = Diagnostic::new(Some(rules::YAML), message.to_owned());
        match hint {
            Some(h) => d.with_hint(h),
            None => d,
        }
    };
    if let Some(loc) = e.location() {
        let len = loc.span().byte_len().unwrap_or(1);
        d = d.at(path, source, loc.line(), loc.column(), len);
    }
    d
}

/// Place of a spanned value (where it is used, for aliases).
pub(crate) fn pos_of<T>(s: &Spanned<T>) -> Pos {
    pos_of_location(&s.referenced)
}

/// The workflow's own request-field names and the request members they set.
const RENAMED: [(&str, &str); 2] = [("model", "model_name"), ("mode", "analysis_mode")];

struct Resolver<'a> {
    path: &'a Path,
    source: &'a str,
    diags: Vec<Diagnostic>,
    /// Ids of videos dropped for an error: a reference to one is not a second error.
    broken_videos: Vec<String>,
    /// Local images of media sources, each path once.
    images: Vec<LocalImage>,
}

const VIDEO_SOURCES: [&str; 4] = ["file", "url", "asset_id", "video_id"];

/// Values of `upload:`.
const UPLOADS: [(&str, Upload); 2] = [("asset", Upload::Asset), ("base64", Upload::Base64)];

/// Values of `on_truncated:`.
const TRUNCATION_POLICIES: [(&str, TruncatedPolicy); 2] =
    [("warn", TruncatedPolicy::Warn), ("fail", TruncatedPolicy::Fail)];

impl Resolver<'_> {
    fn error(&mut self, rule: &str, pos: Pos, message: impl Into<String>) -> &mut Diagnostic {
        let d = Diagnostic::new(Some(rule), message).at(self.path, self.source, pos.line, pos.column, pos.len);
        self.diags.push(d);
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    fn workflow(&mut self, file: WorkflowFile) -> Workflow {
        if file.version.value != 1 {
            self.error(rules::VERSION, pos_of(&file.version), format!("unsupported version {}", file.version.value))
                .hint = Some("this vidflow reads `version: 1`".into());
        }
        let name = file
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_else(|| self.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default());
        let concurrency = file.concurrency.as_ref().and_then(|c| {
            if c.value == 0 {
                self.error(rules::VALUE, pos_of(c), "concurrency must be at least 1").hint =
                    Some("it is the number of tasks in flight at once".into());
                None
            } else {
                usize::try_from(c.value).ok()
            }
        });
        let vars = self.vars(&file.vars);
        let videos = self.videos(&file.videos);
        let defaults = file.defaults.unwrap_or_default();
        self.check_defaults(&defaults);
        // Checked once here, not once per analysis that inherits it.
        let on_truncated =
            file.on_truncated.as_ref().and_then(|v| self.choice(v, "on_truncated", &TRUNCATION_POLICIES));
        let defaults_on_truncated =
            defaults.on_truncated.as_ref().and_then(|v| self.choice(v, "on_truncated", &TRUNCATION_POLICIES));
        let inherited = defaults_on_truncated.or(on_truncated).unwrap_or_default();
        let mut analyses: Vec<Analysis> = Vec::new();
        for entry in &file.analyses {
            let before = self.diags.len();
            let Some(a) = self.analysis(entry, &defaults, file.model.as_ref(), inherited, &videos) else {
                continue;
            };
            if let Some(first) = analyses.iter().find(|x| x.id == a.id) {
                let line = first.pos.line;
                self.error(rules::ID, a.pos, format!("analysis id `{}` is used twice", a.id)).hint =
                    Some(format!("first used on line {line}"));
            } else if self.diags.len() == before {
                analyses.push(a);
            }
        }
        let reports = file.reports.iter().filter_map(|o| self.output(o, "report")).collect();
        Workflow {
            file: self.path.to_owned(),
            dir: self.dir(),
            source: self.source.to_owned(),
            name,
            concurrency,
            vars,
            videos,
            analyses,
            reports,
            images: std::mem::take(&mut self.images),
        }
    }

    /// Scalars keep the text they were written with at any depth: `1.10` stays
    /// `"1.10"`, `no` stays `"no"` (design §2).
    fn vars(&self, vars: &IndexMap<String, Tree>) -> Value {
        Value::Object(vars.iter().map(|(k, v)| (k.clone(), v.to_json(self.source, Scalars::Text))).collect())
    }

    fn videos(&mut self, entries: &[VideoEntry]) -> Vec<Video> {
        let mut videos: Vec<Video> = Vec::new();
        for entry in entries {
            for video in self.video_entry(entry) {
                if let Some(first) = videos.iter().find(|v| v.id == video.id) {
                    let line = first.pos.line;
                    let file = |v: &Video| match &v.input {
                        VideoInput::File { written, .. } => format!(" by `{written}`"),
                        _ => String::new(),
                    };
                    self.error(
                        rules::ID,
                        video.pos,
                        format!("video id `{}` is used twice{}", video.id, file(&video)),
                    )
                    .hint = Some(format!("first used on line {line}{}", file(first)));
                } else {
                    videos.push(video);
                }
            }
        }
        videos
    }

    fn video_entry(&mut self, e: &VideoEntry) -> Vec<Video> {
        let vars = self.vars(&e.vars);
        // On a remote video `upload` is misplaced (reported below), whatever its value.
        let local = e.file.is_some() || e.glob.is_some();
        let upload = e.upload.as_ref().filter(|_| local).and_then(|u| self.choice(u, "upload", &UPLOADS));
        let sources: Vec<(&str, &S<String>)> =
            [("file", &e.file), ("url", &e.url), ("asset_id", &e.asset_id), ("video_id", &e.video_id)]
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| (k, v)))
                .collect();
        if let Some(glob) = &e.glob {
            if let Some(id) = &e.id {
                self.error(rules::EXCLUSIVE, pos_of(id), "a `glob:` entry takes its ids from file names; remove `id`");
                return Vec::new();
            }
            if let Some((k, v)) = sources.first() {
                self.error(rules::SOURCE, pos_of(v), format!("`{k}` cannot be combined with `glob`"));
                return Vec::new();
            }
            let videos = self.glob(glob, &vars, upload.unwrap_or_default());
            if let Some(u) = &e.upload {
                for v in &videos {
                    self.check_upload_size(v, pos_of(u));
                }
            }
            return videos;
        }
        let Some(id) = &e.id else {
            let pos = sources.first().map(|(_, v)| pos_of(v)).unwrap_or_default();
            self.error(rules::ID, pos, "video has no `id`").hint =
                Some("give each video an `id: [A-Za-z0-9_-]{1,64}`, or use `glob:`".into());
            return Vec::new();
        };
        let pos = pos_of(id);
        let before = self.diags.len();
        self.check_id(id, "video");
        let input = match sources.as_slice() {
            [] => {
                self.error(rules::SOURCE, pos, format!("video `{}` has no source", id.value)).hint =
                    Some(format!("add one of: {}", VIDEO_SOURCES.join(", ")));
                None
            }
            [(kind, value)] if *kind != "file" && e.upload.is_some() => {
                let at = e.upload.as_ref().map_or(pos, |u| pos_of(u));
                self.error(
                    rules::MISPLACED,
                    at,
                    format!("`upload` applies to local files; video `{}` is given by `{kind}`", id.value),
                )
                .hint = Some("remove it: only `file:` and `glob:` videos are uploaded or sent inline".into());
                None
            }
            [(kind, value)] => match *kind {
                "file" => {
                    let path = self.dir().join(&value.value);
                    if path.exists() && !path.is_file() {
                        self.error(rules::FILE, pos_of(value), format!("video `{}` is not a file", value.value));
                    } else if !path.is_file() {
                        self.error(rules::FILE, pos_of(value), format!("video file `{}` not found", value.value))
                            .hint =
                            Some(format!("paths are relative to the workflow's directory ({})", self.dir().display()));
                    }
                    Some(VideoInput::File { path, written: value.value.clone() })
                }
                "url" => Some(VideoInput::Url(value.value.clone())),
                "asset_id" => Some(VideoInput::AssetId(value.value.clone())),
                _ => Some(VideoInput::VideoId(value.value.clone())),
            },
            [_, (kind, second), ..] => {
                self.error(
                    rules::SOURCE,
                    pos_of(second),
                    format!("video `{}` has a second source `{kind}`", id.value),
                )
                .hint = Some(format!("give exactly one of: {}", VIDEO_SOURCES.join(", ")));
                None
            }
        };
        match input {
            Some(input) if self.diags.len() == before => {
                let source_pos = sources.first().map_or(pos, |(_, v)| pos_of(v));
                let video =
                    Video { id: id.value.clone(), input, vars, pos, source_pos, upload: upload.unwrap_or_default() };
                if let Some(u) = &e.upload {
                    self.check_upload_size(&video, pos_of(u));
                }
                vec![video]
            }
            _ => {
                self.broken_videos.push(id.value.clone());
                Vec::new()
            }
        }
    }

    /// A local file sent inline must fit the `base64_string` limit (VAL-9): found
    /// at `check`, before anything is hashed, probed or sent.
    fn check_upload_size(&mut self, video: &Video, at: Pos) {
        let VideoInput::File { path, written } = &video.input else {
            return;
        };
        let max = crate::contract::MAX_BASE64_DECODED_BYTES;
        // A missing or unreadable file is reported on its own (WF-FILE, MEDIA-3).
        let Ok(size) = std::fs::metadata(path).map(|m| m.len()) else {
            return;
        };
        if video.upload == Upload::Base64 && size > max {
            self.error(
                "VAL-9",
                at,
                format!("`{written}` is {size} bytes; `upload: base64` sends at most {max} bytes (30 MiB) inline"),
            )
            .hint = Some("remove `upload: base64` to upload it as an asset (up to 200 MiB)".into());
        }
    }

    /// One of `choices` by its written name; a WF-VALUE error (with a hint) for
    /// anything else.
    fn choice<T: Copy>(&mut self, value: &S<String>, key: &str, choices: &[(&str, T)]) -> Option<T> {
        if let Some((_, v)) = choices.iter().find(|(name, _)| *name == value.value) {
            return Some(*v);
        }
        let names: Vec<String> = choices.iter().map(|(n, _)| format!("`{n}`")).collect();
        let hint = match did_you_mean(&value.value, choices.iter().map(|(n, _)| *n)) {
            Some(near) => format!("did you mean `{near}`?"),
            None => format!("use one of: {}", names.join(", ")),
        };
        self.error(
            rules::VALUE,
            pos_of(value),
            format!("`{key}` must be {}, got `{}`", names.join(" or "), value.value),
        )
        .hint = Some(hint);
        None
    }

    fn glob(&mut self, pattern: &S<String>, vars: &Value, upload: Upload) -> Vec<Video> {
        let pos = pos_of(pattern);
        let full = self.dir().join(&pattern.value);
        let paths = match glob::glob(&full.to_string_lossy()) {
            Ok(paths) => paths,
            Err(e) => {
                self.error(rules::VALUE, pos, format!("invalid glob pattern `{}`: {}", pattern.value, e.msg));
                return Vec::new();
            }
        };
        let mut files: Vec<PathBuf> = paths.filter_map(Result::ok).filter(|p| p.is_file()).collect();
        files.sort();
        if files.is_empty() {
            self.error(rules::FILE, pos, format!("glob `{}` matches no file", pattern.value)).hint =
                Some(format!("paths are relative to the workflow's directory ({})", self.dir().display()));
        }
        let dir = self.dir();
        let mut videos: Vec<Video> = files
            .into_iter()
            .map(|path| {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let written = path.strip_prefix(&dir).unwrap_or(&path).to_string_lossy().into_owned();
                Video {
                    id: super::expand::sanitize_id(&stem),
                    input: VideoInput::File { path, written },
                    vars: vars.clone(),
                    pos,
                    source_pos: pos,
                    upload,
                }
            })
            .collect();
        unique_glob_ids(&mut videos);
        videos
    }

    fn check_id(&mut self, id: &S<String>, what: &str) {
        if !super::expand::is_valid_id(&id.value) {
            self.error(rules::ID, pos_of(id), format!("{what} id `{}` is not valid", id.value)).hint =
                Some("ids are 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`".into());
        }
    }

    fn check_defaults(&mut self, d: &AnalysisEntry) {
        for (key, pos) in [
            ("id", d.id.as_ref().map(|s| pos_of(s))),
            ("videos", d.videos.as_ref().and_then(|v| v.first()).map(|s| pos_of(s))),
            ("outputs", d.outputs.first().map(|o| pos_of(&o.path))),
        ] {
            if let Some(pos) = pos {
                self.error(rules::MISPLACED, pos, format!("`{key}` cannot be set under `defaults`")).hint =
                    Some(format!("set `{key}` on each analysis"));
            }
        }
    }

    fn analysis(
        &mut self,
        e: &AnalysisEntry,
        d: &AnalysisEntry,
        model: Option<&S<String>>,
        on_truncated: TruncatedPolicy,
        videos: &[Video],
    ) -> Option<Analysis> {
        let Some(id) = &e.id else {
            let pos = e.prompt.as_ref().map(|s| pos_of(s)).unwrap_or_default();
            self.error(rules::ID, pos, "analysis has no `id`").hint =
                Some("give each analysis an `id: [A-Za-z0-9_-]{1,64}`".into());
            return None;
        };
        self.check_id(id, "analysis");
        let pos = pos_of(id);
        let mut r = Request::default();
        let model = e.model.as_ref().or(d.model.as_ref()).or(model);
        match model {
            Some(m) => r.string("model_name", m),
            // REQ-MODEL-2: `model_name` is always sent; the seed's default applies.
            None => r.put("model_name", Value::from(crate::contract::DEFAULT_MODEL), Place { key: pos, value: pos }),
        }
        let segdefs_inline = e.segment_definitions.as_ref().or(d.segment_definitions.as_ref());
        let segdefs_file = e.segment_definitions_file.as_ref().or(d.segment_definitions_file.as_ref());
        match e.mode.as_ref().or(d.mode.as_ref()) {
            Some(mode) => r.string("analysis_mode", mode),
            // The shorthand only makes sense for segmentation, so it implies the mode.
            None => {
                let key = segdefs_inline.map(|t| t.key_pos(self.source, "segment_definitions"));
                if let Some(p) = key.or(segdefs_file.map(|f| pos_of(f))) {
                    r.put("analysis_mode", Value::from("time_based_metadata"), Place { key: p, value: p });
                }
            }
        }
        for (name, a, b) in
            [("temperature", &e.temperature, &d.temperature), ("max_tokens", &e.max_tokens, &d.max_tokens)]
        {
            r.tree(name, a.as_ref().or(b.as_ref()), self.source);
        }
        let rf = e.response_format.as_ref().or(d.response_format.as_ref());
        let time_format = e.segment_time_format.as_ref().or(d.segment_time_format.as_ref());
        self.response_format(&mut r, rf, segdefs_inline, segdefs_file, time_format);
        for (name, a, b) in [
            ("min_segment_duration", &e.min_segment_duration, &d.min_segment_duration),
            ("max_segment_duration", &e.max_segment_duration, &d.max_segment_duration),
            ("start_time", &e.start_time, &d.start_time),
            ("end_time", &e.end_time, &d.end_time),
        ] {
            r.tree(name, a.as_ref().or(b.as_ref()), self.source);
        }
        r.tree("prompt_v2", e.prompt_v2.as_ref().or(d.prompt_v2.as_ref()), self.source);
        self.local_images(&mut r);
        let prompt_v2_input =
            r.fields.get("prompt_v2").and_then(|v| v.get("input_text")).and_then(Value::as_str).map(|text| {
                let pos = r.place("prompt_v2.input_text").map_or(pos, |p| p.value);
                TemplateText {
                    name: format!("{}:{}:{}", self.path.display(), pos.line, pos.column),
                    text: text.to_owned(),
                    pos,
                }
            });
        let prompt = self.text_or_file(
            e.prompt.as_ref().or(d.prompt.as_ref()),
            e.prompt_file.as_ref().or(d.prompt_file.as_ref()),
            "prompt",
        );
        let custom_id = e.custom_id.as_ref().or(d.custom_id.as_ref()).map(|c| self.inline_template(c));
        let video_ids = self.select_videos(e.videos.as_deref(), videos);
        let on_truncated = match &e.on_truncated {
            Some(v) => self.choice(v, "on_truncated", &TRUNCATION_POLICIES).unwrap_or(on_truncated),
            None => on_truncated,
        };
        let outputs = e.outputs.iter().filter_map(|o| self.output(o, "output")).collect();
        Some(Analysis {
            id: id.value.clone(),
            pos,
            prompt,
            custom_id,
            fields: r.fields,
            prompt_v2_input,
            places: r.places,
            video_ids,
            on_truncated,
            outputs,
        })
    }

    /// `response_format` as written, or built from the `segment_definitions`
    /// shorthand, with `json_schema_file` / `segment_definitions_file` read in.
    fn response_format(
        &mut self,
        r: &mut Request,
        rf: Option<&Tree>,
        segdefs: Option<&Tree>,
        segdefs_file: Option<&S<String>>,
        time_format: Option<&S<String>>,
    ) {
        let shorthand =
            segdefs.map(|t| t.key_pos(self.source, "segment_definitions")).or(segdefs_file.map(|f| pos_of(f)));
        if let Some(rf) = rf {
            if let Some(p) = shorthand {
                self.error(
                    rules::EXCLUSIVE,
                    p,
                    "`segment_definitions` is shorthand for `response_format`; give one of them",
                )
                .hint = Some("move the definitions under `response_format.segment_definitions`".into());
            }
            r.tree("response_format", Some(rf), self.source);
            for key in ["json_schema", "segment_definitions"] {
                self.inline_file(r, key);
            }
            return;
        }
        let Some(at) = shorthand else {
            if let Some(f) = time_format {
                self.error(rules::MISPLACED, pos_of(f), "`segment_time_format` needs `segment_definitions`");
            }
            return;
        };
        r.put("response_format", json!({"type": "segment_definitions"}), Place { key: at, value: at });
        let definitions = match (segdefs, segdefs_file) {
            (Some(_), Some(f)) => {
                self.error(
                    rules::EXCLUSIVE,
                    pos_of(f),
                    "give `segment_definitions` or `segment_definitions_file`, not both",
                );
                None
            }
            (Some(tree), None) => {
                Some(tree.to_json_with_places(self.source, "response_format.segment_definitions", &mut r.places))
            }
            (None, Some(f)) => {
                let place = Place { key: pos_of(f), value: pos_of(f) };
                r.places.push(("response_format.segment_definitions".into(), place));
                self.read_value_file(&f.value, pos_of(f), "segment_definitions_file")
            }
            (None, None) => None,
        };
        if let Some(obj) = r.fields.get_mut("response_format").and_then(Value::as_object_mut) {
            if let Some(defs) = definitions {
                obj.insert("segment_definitions".into(), defs);
            }
            if let Some(f) = time_format {
                obj.insert("segment_time_format".into(), Value::from(f.value.clone()));
                r.places
                    .push(("response_format.segment_time_format".into(), Place { key: pos_of(f), value: pos_of(f) }));
            }
        }
    }

    /// Checks every media source's `file:` (REQ-PROMPT-V2-2): the file exists, is an
    /// image of an accepted format, and fits the limit of its `upload:` (VAL-24 for
    /// inline base64, ASSET-4 for an asset). Each becomes a marker the engine
    /// resolves ([`images`](super::images)); `upload:` without `file:` is misplaced.
    fn local_images(&mut self, r: &mut Request) {
        let dir = self.dir();
        let Request { fields, places } = r;
        // Members read from `segment_definitions_file` have no place of their own:
        // they point at the nearest written parent (the `_file` key).
        let at = |path: &str| nearest_place(places, path).map(|(place, _)| place).unwrap_or_default();
        for (path, source) in images::media_sources_mut(fields.iter_mut()) {
            let upload_place = at(&format!("{path}.upload"));
            let upload = source.shift_remove("upload");
            let Some(file) = source.get(images::FILE) else {
                if upload.is_some() {
                    self.error(rules::MISPLACED, upload_place.key, "`upload` applies to a media source's `file:`")
                        .hint = Some("remove it: `url`, `asset_id` and `base64_string` are sent as written".into());
                }
                continue;
            };
            let place = at(&format!("{path}.file"));
            let Some(written) = file.as_str().map(str::to_owned) else {
                self.error(rules::VALUE, place.value, "`file` of a media source must be a path to an image");
                continue;
            };
            if let Some(other) = ["url", "asset_id", "base64_string"].into_iter().find(|k| source.contains_key(*k)) {
                self.error(
                    "VAL-24",
                    place.key,
                    format!(
                        "a media source has exactly one of url, asset_id, base64_string, file; `{other}` is also given"
                    ),
                )
                .hint = Some(format!("remove `file` to send `{other}`, or remove `{other}` to send the local image"));
                continue;
            }
            let upload = match upload.as_ref().map(|u| u.as_str()) {
                None => Upload::Asset,
                Some(Some(u)) if let Some((_, v)) = UPLOADS.iter().find(|(name, _)| *name == u) => *v,
                Some(_) => {
                    self.error(rules::VALUE, upload_place.value, "`upload` must be `asset` or `base64`").hint =
                        Some("asset (default): uploaded once per content; base64: sent inline".into());
                    continue;
                }
            };
            if let Some(image) = self.local_image(&dir, &written, upload, place.value) {
                source.insert(images::FILE.into(), images::marker(&written, upload));
                if !self.images.iter().any(|i| i.path == image.path) {
                    self.images.push(image);
                }
            }
        }
    }

    /// Reads the head and size of image `written` and checks them.
    fn local_image(&mut self, dir: &Path, written: &str, upload: Upload, pos: Pos) -> Option<LocalImage> {
        use crate::contract::assets::{IMAGE_FORMATS, MAX_IMAGE_ASSET_BYTES, SNIFF_BYTES, image_type};
        use std::io::Read;
        let path = dir.join(written);
        let read = std::fs::metadata(&path).and_then(|m| {
            let mut head = Vec::with_capacity(SNIFF_BYTES);
            if m.is_file() {
                std::fs::File::open(&path)?.take(SNIFF_BYTES as u64).read_to_end(&mut head)?;
            }
            Ok((m, head))
        });
        let (size, head) = match read {
            Ok((m, head)) if m.is_file() => (m.len(), head),
            Ok(_) => {
                self.error(rules::FILE, pos, format!("image `{written}` is not a file"));
                return None;
            }
            Err(e) => {
                let message = if e.kind() == std::io::ErrorKind::NotFound {
                    format!("image file `{written}` not found")
                } else {
                    format!("cannot read image `{written}`: {e}")
                };
                self.error(rules::FILE, pos, message).hint =
                    Some(format!("paths are relative to the workflow's directory ({})", dir.display()));
                return None;
            }
        };
        let Some(content_type) = image_type(&head) else {
            self.error("REQ-PROMPT-V2-2", pos, format!("`{written}` is not a {IMAGE_FORMATS} image")).hint =
                Some("media sources are images; convert it, e.g. `ffmpeg -i IN OUT.png`".into());
            return None;
        };
        let base64_max = crate::contract::MAX_BASE64_DECODED_BYTES;
        match upload {
            Upload::Base64 if size > base64_max => {
                self.error(
                    "VAL-24",
                    pos,
                    format!(
                        "`{written}` is {size} bytes; `upload: base64` sends at most {base64_max} bytes (30 MiB) inline"
                    ),
                )
                .hint = Some("remove `upload: base64` to upload it as an asset (up to 32 MiB)".into());
                None
            }
            Upload::Asset if size > MAX_IMAGE_ASSET_BYTES => {
                self.error(
                    "ASSET-4",
                    pos,
                    format!("`{written}` is {size} bytes; an image asset holds at most {MAX_IMAGE_ASSET_BYTES} bytes (32 MiB)"),
                )
                .hint = Some("make the image smaller, or link it with `url:`".into());
                None
            }
            _ => Some(LocalImage { path, written: written.to_owned(), content_type, pos }),
        }
    }

    /// Replaces `response_format.KEY_file` with `KEY`, read from the named file.
    fn inline_file(&mut self, r: &mut Request, key: &str) {
        let file_key = format!("{key}_file");
        let place = r.place(&format!("response_format.{file_key}")).unwrap_or_default();
        let Some(obj) = r.fields.get_mut("response_format").and_then(Value::as_object_mut) else {
            return;
        };
        let Some(file) = obj.shift_remove(&file_key) else {
            return;
        };
        if obj.contains_key(key) {
            self.error(rules::EXCLUSIVE, place.key, format!("give `{key}` or `{file_key}`, not both"));
            return;
        }
        let Some(name) = file.as_str() else {
            self.error(rules::VALUE, place.value, format!("`{file_key}` must be a file path"));
            return;
        };
        if let Some(value) = self.read_value_file(name, place.value, &file_key)
            && let Some(obj) = r.fields.get_mut("response_format").and_then(Value::as_object_mut)
        {
            obj.insert(key.to_owned(), value);
            r.places.push((format!("response_format.{key}"), place));
        }
    }

    /// Reads a JSON or YAML file named in the workflow (relative to it).
    fn read_value_file(&mut self, name: &str, pos: Pos, key: &str) -> Option<Value> {
        let path = self.dir().join(name);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                self.error(rules::FILE, pos, format!("cannot read `{key}` `{name}`: {e}")).hint =
                    Some(format!("paths are relative to the workflow's directory ({})", self.dir().display()));
                return None;
            }
        };
        match parse_yaml::<Tree>(&text) {
            Ok(tree) => Some(tree.to_json(&text, Scalars::Typed)),
            Err(e) => {
                let at =
                    e.location().map(|l| format!(" (line {}, column {})", l.line(), l.column())).unwrap_or_default();
                let reason = e.without_snippet().to_string();
                let reason = reason.lines().next().unwrap_or_default().trim_start_matches("error: ").to_owned();
                self.error(rules::FILE, pos, format!("`{name}` is not valid JSON or YAML{at}: {reason}"));
                None
            }
        }
    }

    fn select_videos(&mut self, subset: Option<&[S<String>]>, videos: &[Video]) -> Vec<String> {
        let Some(subset) = subset else {
            return videos.iter().map(|v| v.id.clone()).collect();
        };
        let mut keep = vec![false; videos.len()];
        for item in subset {
            let pattern = glob::Pattern::new(&item.value).ok();
            let mut matched = false;
            for (i, v) in videos.iter().enumerate() {
                if v.id == item.value || pattern.as_ref().is_some_and(|p| p.matches(&v.id)) {
                    keep[i] = true;
                    matched = true;
                }
            }
            if !matched && !self.broken_videos.contains(&item.value) {
                let hint = did_you_mean(&item.value, videos.iter().map(|v| v.id.as_str()))
                    .map(|b| format!("did you mean `{b}`?"));
                self.error(rules::REFERENCE, pos_of(item), format!("no video matches `{}`", item.value)).hint = hint;
            }
        }
        videos.iter().zip(keep).filter(|(_, k)| *k).map(|(v, _)| v.id.clone()).collect()
    }

    fn output(&mut self, o: &OutputEntry, what: &str) -> Option<Output> {
        let path = self.inline_template(&o.path);
        if o.template.is_none() && o.template_file.is_none() {
            self.error(
                rules::EXCLUSIVE,
                pos_of(&o.path),
                format!("{what} `{}` has no `template` or `template_file`", o.path.value),
            )
            .hint = Some("give the content inline (`template:`) or in a file (`template_file:`)".into());
            return None;
        }
        let template = self.text_or_file(o.template.as_ref(), o.template_file.as_ref(), "template")?;
        Some(Output { path, template })
    }

    fn inline_template(&self, s: &S<String>) -> TemplateText {
        let pos = pos_of(s);
        TemplateText {
            name: format!("{}:{}:{}", self.path.display(), pos.line, pos.column),
            text: s.value.clone(),
            pos,
        }
    }

    /// `X` inline or `X_file` (design §2): at most one, the file read now.
    fn text_or_file(
        &mut self,
        inline: Option<&S<String>>,
        file: Option<&S<String>>,
        key: &str,
    ) -> Option<TemplateText> {
        match (inline, file) {
            (Some(_), Some(f)) => {
                self.error(rules::EXCLUSIVE, pos_of(f), format!("give `{key}` or `{key}_file`, not both"));
                None
            }
            (Some(t), None) => Some(self.inline_template(t)),
            (None, Some(f)) => {
                let path = self.dir().join(&f.value);
                match std::fs::read_to_string(&path) {
                    Ok(text) => Some(TemplateText { name: f.value.clone(), text, pos: pos_of(f) }),
                    Err(e) => {
                        self.error(rules::FILE, pos_of(f), format!("cannot read `{}`: {e}", f.value)).hint =
                            Some(format!("paths are relative to the workflow's directory ({})", self.dir().display()));
                        None
                    }
                }
            }
            (None, None) => None,
        }
    }
}

/// The request members of an analysis being built, with their places.
#[derive(Default)]
struct Request {
    fields: IndexMap<String, Value>,
    places: Vec<(String, Place)>,
}

impl Request {
    fn put(&mut self, name: &str, value: Value, place: Place) {
        self.fields.insert(name.to_owned(), value);
        self.places.push((name.to_owned(), place));
    }

    fn string(&mut self, name: &str, s: &S<String>) {
        self.put(name, Value::String(s.value.clone()), Place { key: pos_of(s), value: pos_of(s) });
    }

    /// A member given as a free value: converted with the place of every node.
    fn tree(&mut self, name: &str, tree: Option<&Tree>, source: &str) {
        if let Some(t) = tree {
            let value = t.to_json_with_places(source, name, &mut self.places);
            self.places.push((name.to_owned(), Place { key: t.key_pos(source, workflow_key(name)), value: t.pos() }));
            self.fields.insert(name.to_owned(), value);
        }
    }

    fn place(&self, path: &str) -> Option<Place> {
        self.places.iter().find(|(p, _)| p == path).map(|(_, p)| *p)
    }
}

/// Makes the ids of one glob's files unique (issue 7): files whose stems give the
/// same id (`a/clip.mp4`, `b/clip.mp4`) take the id of their path without
/// extension (`a_clip`, `b_clip`); if that still collides (`café`, `cafè` both
/// give `caf_`), the stem's id and 8 hex of the path's SHA-256 (`caf_-04b8dd1b`).
/// Files are already sorted, so ids are stable.
fn unique_glob_ids(videos: &mut [Video]) {
    let written = |v: &Video| match &v.input {
        VideoInput::File { written, .. } => written.clone(),
        _ => v.id.clone(),
    };
    let clashing = |videos: &[Video], i: usize| videos.iter().enumerate().any(|(j, v)| j != i && v.id == videos[i].id);
    let clash: Vec<bool> = (0..videos.len()).map(|i| clashing(videos, i)).collect();
    for (v, c) in videos.iter_mut().zip(&clash) {
        if *c {
            let path = written(v);
            let without_ext = Path::new(&path).with_extension("");
            v.id = super::expand::sanitize_id(&without_ext.to_string_lossy());
        }
    }
    let clash: Vec<bool> = (0..videos.len()).map(|i| clashing(videos, i)).collect();
    for (v, c) in videos.iter_mut().zip(&clash) {
        if *c {
            let path = written(v);
            let stem = Path::new(&path).file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let hash = crate::canonical::sha256_hex(&path);
            v.id = super::expand::sanitize_id(&format!("{}-{}", super::expand::sanitize_id(&stem), &hash[..8]));
        }
    }
}

/// The workflow key that sets request member `member` (`model_name` → `model`).
pub fn workflow_key(member: &str) -> &str {
    RENAMED.iter().find(|(_, m)| *m == member).map_or(member, |(k, _)| k)
}
