//! Reads a workflow file: YAML into [`schema`](super::schema) types, then meaning
//! into the [`model`](super::model), collecting every problem as a [`Diagnostic`].

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::model::{Analysis, Output, Pos, TemplateText, Video, VideoInput, Workflow};
use super::schema::{AnalysisEntry, OutputEntry, S, VideoEntry, WorkflowFile};
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
}

/// Loads and checks the workflow at `path`. Every problem found is returned at
/// once, sorted by place. Reads the file and the files it names; writes nothing.
pub fn load(path: &Path) -> Result<Workflow, Vec<Diagnostic>> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::new(Some(rules::FILE), format!("cannot read workflow `{}`: {e}", path.display()))]
    })?;
    load_str(path, source)
}

/// Like [`load`], with the file's text already read.
pub fn load_str(path: &Path, source: String) -> Result<Workflow, Vec<Diagnostic>> {
    let options = serde_saphyr::options! {
        // Text stays text inside free-form values (design §2): YAML 1.2 booleans only,
        // `007` stays a string.
        strict_booleans: true,
        leading_zero_numbers_as_strings: true,
    };
    let file: WorkflowFile =
        serde_saphyr::from_str_with_options(&source, options).map_err(|e| vec![yaml_diagnostic(path, &source, &e)])?;
    let mut cx = Resolver { path, source: &source, diags: Vec::new() };
    let workflow = cx.workflow(file);
    let mut diags = cx.diags;
    if diags.is_empty() {
        Ok(workflow)
    } else {
        diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Err(diags)
    }
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
        Diagnostic::new(Some(rules::YAML), message.to_owned())
    };
    if let Some(loc) = e.location() {
        let len = loc.span().byte_len().unwrap_or(1);
        d = d.at(path, source, loc.line(), loc.column(), len);
    }
    d
}

/// Place of a spanned value (where it is used, for aliases).
pub(crate) fn pos_of<T>(s: &Spanned<T>) -> Pos {
    let r = &s.referenced;
    Pos { line: r.line(), column: r.column(), len: r.span().byte_len().unwrap_or(1).max(1) }
}

struct Resolver<'a> {
    path: &'a Path,
    source: &'a str,
    diags: Vec<Diagnostic>,
}

const VIDEO_SOURCES: [&str; 4] = ["file", "url", "asset_id", "video_id"];

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
                self.error(rules::YAML, pos_of(c), "concurrency must be at least 1");
                None
            } else {
                usize::try_from(c.value).ok()
            }
        });
        let vars = self.vars(&file.vars);
        let videos = self.videos(&file.videos);
        let defaults = file.defaults.unwrap_or_default();
        self.check_defaults(&defaults);
        let mut analyses: Vec<Analysis> = Vec::new();
        for entry in &file.analyses {
            if let Some(a) = self.analysis(entry, &defaults, file.model.as_ref(), &videos) {
                if let Some(first) = analyses.iter().find(|x| x.id == a.id) {
                    let line = first.pos.line;
                    self.error(rules::ID, a.pos, format!("analysis id `{}` is used twice", a.id)).hint =
                        Some(format!("first used on line {line}"));
                } else {
                    analyses.push(a);
                }
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
        }
    }

    /// Top-level scalars keep the text they were written with: `1.10` stays
    /// `"1.10"` (design §2). Nested values follow YAML 1.2 inference.
    fn vars(&self, vars: &IndexMap<String, S<Value>>) -> Value {
        let map = vars
            .iter()
            .map(|(k, v)| {
                let value = match &v.value {
                    Value::Number(_) | Value::Bool(_) => {
                        self.raw_text(v).map_or_else(|| v.value.clone(), Value::String)
                    }
                    other => other.clone(),
                };
                (k.clone(), value)
            })
            .collect();
        Value::Object(map)
    }

    fn raw_text<T>(&self, s: &Spanned<T>) -> Option<String> {
        let span = s.referenced.span();
        let start = usize::try_from(span.byte_offset()?).ok()?;
        let len = usize::try_from(span.byte_len()?).ok()?;
        self.source.get(start..start + len).map(str::to_owned)
    }

    fn videos(&mut self, entries: &[VideoEntry]) -> Vec<Video> {
        let mut videos: Vec<Video> = Vec::new();
        for entry in entries {
            for video in self.video_entry(entry) {
                if let Some(first) = videos.iter().find(|v| v.id == video.id) {
                    let line = first.pos.line;
                    self.error(rules::ID, video.pos, format!("video id `{}` is used twice", video.id)).hint =
                        Some(format!("first used on line {line}"));
                } else {
                    videos.push(video);
                }
            }
        }
        videos
    }

    fn video_entry(&mut self, e: &VideoEntry) -> Vec<Video> {
        let vars = self.vars(&e.vars);
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
            return self.glob(glob, &vars);
        }
        let Some(id) = &e.id else {
            let pos = sources.first().map(|(_, v)| pos_of(v)).unwrap_or_default();
            self.error(rules::ID, pos, "video has no `id`").hint =
                Some("give each video an `id: [A-Za-z0-9_-]{1,64}`, or use `glob:`".into());
            return Vec::new();
        };
        let pos = pos_of(id);
        self.check_id(id, "video");
        let input = match sources.as_slice() {
            [] => {
                self.error(rules::SOURCE, pos, format!("video `{}` has no source", id.value)).hint =
                    Some(format!("add one of: {}", VIDEO_SOURCES.join(", ")));
                return Vec::new();
            }
            [(kind, value)] => match *kind {
                "file" => {
                    let path = self.dir().join(&value.value);
                    if !path.is_file() {
                        self.error(rules::FILE, pos_of(value), format!("video file `{}` not found", value.value))
                            .hint =
                            Some(format!("paths are relative to the workflow's directory ({})", self.dir().display()));
                    }
                    VideoInput::File { path, written: value.value.clone() }
                }
                "url" => VideoInput::Url(value.value.clone()),
                "asset_id" => VideoInput::AssetId(value.value.clone()),
                _ => VideoInput::VideoId(value.value.clone()),
            },
            [_, (kind, second), ..] => {
                self.error(
                    rules::SOURCE,
                    pos_of(second),
                    format!("video `{}` has a second source `{kind}`", id.value),
                )
                .hint = Some(format!("give exactly one of: {}", VIDEO_SOURCES.join(", ")));
                return Vec::new();
            }
        };
        vec![Video { id: id.value.clone(), input, vars, pos }]
    }

    fn glob(&mut self, pattern: &S<String>, vars: &Value) -> Vec<Video> {
        let pos = pos_of(pattern);
        let full = self.dir().join(&pattern.value);
        let Ok(paths) = glob::glob(&full.to_string_lossy()) else {
            self.error(rules::YAML, pos, format!("invalid glob pattern `{}`", pattern.value));
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = paths.filter_map(Result::ok).filter(|p| p.is_file()).collect();
        files.sort();
        if files.is_empty() {
            self.error(rules::FILE, pos, format!("glob `{}` matches no file", pattern.value));
        }
        let dir = self.dir();
        files
            .into_iter()
            .map(|path| {
                let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let written = path.strip_prefix(&dir).unwrap_or(&path).to_string_lossy().into_owned();
                Video {
                    id: super::expand::sanitize_id(&stem),
                    input: VideoInput::File { path, written },
                    vars: vars.clone(),
                    pos,
                }
            })
            .collect()
    }

    fn check_id(&mut self, id: &S<String>, what: &str) {
        if !super::expand::is_valid_id(&id.value) {
            self.error(rules::ID, pos_of(id), format!("{what} id `{}` is not valid", id.value)).hint =
                Some("ids are 1 to 64 characters of A-Z, a-z, 0-9, `_` and `-`".into());
        }
    }

    fn check_defaults(&mut self, d: &AnalysisEntry) {
        for (key, pos) in [
            ("id", d.id.as_ref().map(pos_of)),
            ("videos", d.videos.as_ref().and_then(|v| v.first()).map(pos_of)),
            ("outputs", d.outputs.first().map(|o| pos_of(&o.path))),
        ] {
            if let Some(pos) = pos {
                self.error(rules::MISPLACED, pos, format!("`{key}` cannot be set under `defaults`"));
            }
        }
    }

    fn analysis(
        &mut self,
        e: &AnalysisEntry,
        d: &AnalysisEntry,
        model: Option<&S<String>>,
        videos: &[Video],
    ) -> Option<Analysis> {
        let Some(id) = &e.id else {
            let pos = e.prompt.as_ref().map(pos_of).unwrap_or_default();
            self.error(rules::ID, pos, "analysis has no `id`");
            return None;
        };
        self.check_id(id, "analysis");
        let pos = pos_of(id);
        let mut fields = IndexMap::new();
        let mut field_pos = IndexMap::new();
        let mut put = |name: &str, value: Option<(Value, Pos)>| {
            if let Some((v, p)) = value {
                fields.insert(name.to_owned(), v);
                field_pos.insert(name.to_owned(), p);
            }
        };
        let string = |s: &S<String>| (Value::String(s.value.clone()), pos_of(s));
        let value = |s: &S<Value>| (s.value.clone(), pos_of(s));
        let model = e.model.as_ref().or(d.model.as_ref()).or(model);
        put("model_name", Some(model.map_or_else(|| (Value::from(crate::contract::DEFAULT_MODEL), pos), string)));
        let mode = e.mode.as_ref().or(d.mode.as_ref()).map(string);
        let segdefs = e.segment_definitions.as_ref().or(d.segment_definitions.as_ref());
        // The shorthand only makes sense for segmentation, so it implies the mode.
        let mode = mode.or_else(|| segdefs.map(|s| (Value::from("time_based_metadata"), pos_of(s))));
        put("analysis_mode", mode);
        put("temperature", e.temperature.as_ref().or(d.temperature.as_ref()).map(value));
        put("max_tokens", e.max_tokens.as_ref().or(d.max_tokens.as_ref()).map(value));
        let rf = e.response_format.as_ref().or(d.response_format.as_ref());
        let response_format = match (rf, segdefs) {
            (Some(rf), Some(sd)) => {
                self.error(
                    rules::EXCLUSIVE,
                    pos_of(sd),
                    "`segment_definitions` is shorthand for `response_format`; give one of them",
                );
                Some(value(rf))
            }
            (Some(rf), None) => Some((self.inline_files(&rf.value, pos_of(rf)), pos_of(rf))),
            (None, Some(sd)) => {
                let mut obj = serde_json::Map::new();
                obj.insert("type".into(), Value::from("segment_definitions"));
                obj.insert("segment_definitions".into(), sd.value.clone());
                if let Some(f) = e.segment_time_format.as_ref().or(d.segment_time_format.as_ref()) {
                    obj.insert("segment_time_format".into(), Value::from(f.value.clone()));
                }
                Some((Value::Object(obj), pos_of(sd)))
            }
            (None, None) => None,
        };
        put("response_format", response_format);
        for (name, a, b) in [
            ("min_segment_duration", &e.min_segment_duration, &d.min_segment_duration),
            ("max_segment_duration", &e.max_segment_duration, &d.max_segment_duration),
            ("start_time", &e.start_time, &d.start_time),
            ("end_time", &e.end_time, &d.end_time),
        ] {
            put(name, a.as_ref().or(b.as_ref()).map(value));
        }
        let prompt_v2 = e.prompt_v2.as_ref().or(d.prompt_v2.as_ref()).map(value);
        put("prompt_v2", prompt_v2);
        let prompt = self.text_or_file(
            e.prompt.as_ref().or(d.prompt.as_ref()),
            e.prompt_file.as_ref().or(d.prompt_file.as_ref()),
            "prompt",
            false,
        );
        let custom_id = e.custom_id.as_ref().or(d.custom_id.as_ref()).map(|c| self.inline_template(c));
        let video_ids = self.select_videos(e.videos.as_deref(), videos);
        let outputs = e.outputs.iter().filter_map(|o| self.output(o, "output")).collect();
        Some(Analysis { id: id.value.clone(), pos, prompt, custom_id, fields, field_pos, video_ids, outputs })
    }

    /// Replaces `json_schema_file` / `segment_definitions_file` inside a
    /// `response_format` with the parsed content of the named file.
    fn inline_files(&mut self, rf: &Value, pos: Pos) -> Value {
        let mut rf = rf.clone();
        let Some(obj) = rf.as_object_mut() else {
            return rf;
        };
        for key in ["json_schema", "segment_definitions"] {
            let file_key = format!("{key}_file");
            let Some(file) = obj.shift_remove(&file_key) else {
                continue;
            };
            if obj.contains_key(key) {
                self.error(rules::EXCLUSIVE, pos, format!("give `{key}` or `{file_key}`, not both"));
                continue;
            }
            let Some(name) = file.as_str() else {
                self.error(rules::YAML, pos, format!("`{file_key}` must be a file path"));
                continue;
            };
            let path = self.dir().join(name);
            let parsed = std::fs::read_to_string(&path)
                .map_err(|e| e.to_string())
                .and_then(|text| serde_saphyr::from_str::<Value>(&text).map_err(|e| e.to_string()));
            match parsed {
                Ok(v) => {
                    obj.insert(key.to_owned(), v);
                }
                Err(e) => {
                    self.error(rules::FILE, pos, format!("cannot read `{file_key}` `{name}`: {e}"));
                }
            }
        }
        rf
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
            if !matched {
                let hint = did_you_mean(&item.value, videos.iter().map(|v| v.id.as_str()))
                    .map(|b| format!("did you mean `{b}`?"));
                self.error(rules::REFERENCE, pos_of(item), format!("no video matches `{}`", item.value)).hint = hint;
            }
        }
        videos.iter().zip(keep).filter(|(_, k)| *k).map(|(v, _)| v.id.clone()).collect()
    }

    fn output(&mut self, o: &OutputEntry, what: &str) -> Option<Output> {
        let path = self.inline_template(&o.path);
        let template = self.text_or_file(o.template.as_ref(), o.template_file.as_ref(), "template", true);
        if template.is_none() && o.template.is_none() && o.template_file.is_none() {
            self.error(
                rules::EXCLUSIVE,
                pos_of(&o.path),
                format!("{what} `{}` has no `template` or `template_file`", o.path.value),
            );
        }
        Some(Output { path, template: template? })
    }

    fn inline_template(&self, s: &S<String>) -> TemplateText {
        let pos = pos_of(s);
        TemplateText { name: format!("{}:{}", self.path.display(), pos.line), text: s.value.clone(), pos }
    }

    /// `X` inline or `X_file` (design §2): exactly one, the file read now.
    fn text_or_file(
        &mut self,
        inline: Option<&S<String>>,
        file: Option<&S<String>>,
        key: &str,
        required: bool,
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
            (None, None) => {
                let _ = required;
                None
            }
        }
    }
}
