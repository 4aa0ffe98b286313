//! Expansion: analyses × videos into tasks, each with its request body, `custom_id`
//! and task key (design §2, §4).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::images;
use super::model::{Analysis, Pos, TemplateText, Video, VideoInput, Workflow, nearest_place};
use crate::canonical::{canonical_json, sha256_hex};
use crate::contract::Violation;
use crate::contract::media::MediaFacts;
use crate::diag::Diagnostic;
use crate::render::{Renderer, TemplateFailure, context, output};

/// One (analysis, video) pair, ready to submit.
#[derive(Debug, Clone)]
pub struct PlannedTask {
    /// Index into `workflow.analyses`.
    pub analysis: usize,
    /// Index into `workflow.videos`.
    pub video: usize,
    /// `analysis/video`, the name `--only` globs match.
    pub name: String,
    /// The `custom_id` sent (REQ-CUSTOM-ID-4 when derived).
    pub custom_id: String,
    /// The create body without `video` (the engine adds the source it decides on),
    /// in request order.
    pub body: Map<String, Value>,
    /// What the API would analyse (`{"url": ...}`, `{"sha256": ...}` of a local
    /// file, `{"asset_id": ...}`, `{"video_id": ...}`).
    pub video_identity: Value,
    /// Task key: SHA-256 hex of the canonical JSON of [`keyed`](Self::keyed)
    /// (design §4).
    pub key: String,
    /// Outputs: path relative to the workflow directory and content template.
    pub outputs: Vec<PlannedOutput>,
    /// The context prompts and paths were rendered with (no `task`/`result` yet).
    pub context: Value,
}

impl PlannedTask {
    /// What the task key hashes: `{"request": <body without custom_id>, "video":
    /// <video identity>}`. Output templates are not in it (design §4).
    pub fn keyed(&self) -> Value {
        let mut request = self.body.clone();
        request.shift_remove("custom_id");
        // A local image counts by its content, as a local video does: renaming the
        // file or switching between asset and base64 sends the same image.
        for (_, source) in images::media_sources_mut(request.iter_mut()) {
            if let Some(Value::Object(file)) = source.get_mut(images::FILE) {
                file.retain(|k, _| k == "sha256");
            }
        }
        json!({"request": Value::Object(request), "video": self.video_identity})
    }

    /// The create body as it is sent, members in the contract's order. A remote
    /// video is sent as written; for a local file `video` is
    /// `{"type": "file", "path", "sha256", "upload"}`, which the engine replaces
    /// with the uploaded asset or the inline `base64_string`, as `upload` says.
    pub fn request(&self, video: &Video) -> Value {
        let source = match &video.input {
            VideoInput::File { written, .. } => json!({
                "type": "file",
                "path": written,
                "sha256": self.video_identity.get("sha256"),
                "upload": video.upload.as_str(),
            }),
            _ => validation_source(video),
        };
        let mut body = Map::new();
        body.insert("video".into(), source);
        body.extend(self.body.iter().map(|(k, v)| (k.clone(), v.clone())));
        Value::Object(body)
    }
}

/// An output file of a task or report.
#[derive(Debug, Clone)]
pub struct PlannedOutput {
    /// Confined path, relative to the workflow directory.
    pub path: PathBuf,
    /// The content template.
    pub template: TemplateText,
    /// Whether the content is HTML-escaped (`.html` / `.htm` paths).
    pub html: bool,
}

/// Whether `id` is 1 to 64 of `A-Za-z0-9_-` (video and analysis ids, REQ-CUSTOM-ID-1).
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Makes an id valid (REQ-CUSTOM-ID-4): disallowed characters become `_`; over 64
/// characters → the first 55, `-`, and 8 hex of SHA-256 of the full text.
pub fn sanitize_id(raw: &str) -> String {
    let mut s: String =
        raw.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    if s.is_empty() {
        s.push('_');
    }
    if s.len() > 64 {
        let hash = sha256_hex(raw);
        s = format!("{}-{}", &s[..55], &hash[..8]);
    }
    s
}

/// Identity of a video for the task key: what the API would analyse.
/// `file_hashes` maps a local file's resolved path to its SHA-256.
pub fn video_identity(video: &Video, file_hashes: &HashMap<PathBuf, String>) -> Value {
    match &video.input {
        VideoInput::File { path, .. } => json!({"sha256": file_hashes.get(path)}),
        VideoInput::Url(u) => json!({"url": u}),
        VideoInput::AssetId(a) => json!({"asset_id": a}),
        VideoInput::VideoId(v) => json!({"video_id": v}),
    }
}

/// The placeholder source used to validate a body whose video is a local file: the
/// file goes as an asset or base64, both pegasus1.5 sources (REQ-VIDEO-2).
pub fn validation_source(video: &Video) -> Value {
    match &video.input {
        VideoInput::File { .. } => json!({"type": "asset_id", "asset_id": "local-file"}),
        VideoInput::Url(u) => json!({"type": "url", "url": u}),
        VideoInput::AssetId(a) => json!({"type": "asset_id", "asset_id": a}),
        VideoInput::VideoId(v) => json!({"type": "video_id", "video_id": v}),
    }
}

/// Expands `workflow` into tasks: renders prompts, `custom_id`s and output paths,
/// validates each request against the contract (CLI-PRE-1), confines output paths
/// and refuses two tasks writing one file. Every problem is returned at once.
/// `media` holds probed facts of local files (for `video.media` in templates).
pub fn expand(
    workflow: &Workflow,
    renderer: &Renderer,
    file_hashes: &HashMap<PathBuf, String>,
    media: &HashMap<PathBuf, MediaFacts>,
) -> Result<Vec<PlannedTask>, Vec<Diagnostic>> {
    let mut x = Expander { workflow, diags: Vec::new(), seen: HashSet::new() };
    let mut tasks = Vec::new();
    let mut written: HashMap<PathBuf, String> = HashMap::new();
    let index: HashMap<&str, usize> = workflow.videos.iter().enumerate().map(|(i, v)| (v.id.as_str(), i)).collect();
    for (ai, analysis) in workflow.analyses.iter().enumerate() {
        for video_id in &analysis.video_ids {
            let Some(&vi) = index.get(video_id.as_str()) else {
                continue;
            };
            let video = &workflow.videos[vi];
            let facts = match &video.input {
                VideoInput::File { path, .. } => media.get(path),
                _ => None,
            };
            let ctx = context::base(workflow, video, analysis, facts);
            if let Some(task) = x.task(renderer, ai, analysis, vi, video, ctx, file_hashes) {
                for out in &task.outputs {
                    if let Some(other) = written.insert(out.path.clone(), task.name.clone()) {
                        x.error(
                            super::load::rules::OUTPUT_PATH,
                            out.template.pos,
                            format!("tasks `{other}` and `{}` both write `{}`", task.name, out.path.display()),
                        );
                    }
                }
                tasks.push(task);
            }
        }
    }
    for report in &workflow.reports {
        if let Ok(path) = output::confine(&report.path.text) {
            if let Some(other) = written.insert(path.clone(), "report".into()) {
                x.error(
                    super::load::rules::OUTPUT_PATH,
                    report.path.pos,
                    format!("report and task `{other}` both write `{}`", path.display()),
                );
            }
        } else if let Err(e) = output::confine(&report.path.text) {
            x.error(super::load::rules::OUTPUT_PATH, report.path.pos, e.to_string());
        }
    }
    if x.diags.is_empty() {
        Ok(tasks)
    } else {
        x.diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Err(x.diags)
    }
}

struct Expander<'a> {
    workflow: &'a Workflow,
    diags: Vec<Diagnostic>,
    /// (rule, line, column, reason) already reported: a wrong `model` breaks every
    /// task of an analysis the same way, and one error says it.
    seen: HashSet<(&'static str, u64, u64, String)>,
}

impl Expander<'_> {
    fn error(&mut self, rule: &str, pos: Pos, message: impl Into<String>) -> &mut Diagnostic {
        let w = self.workflow;
        self.diags.push(Diagnostic::new(Some(rule), message).at(&w.file, &w.source, pos.line, pos.column, pos.len));
        let last = self.diags.len() - 1;
        &mut self.diags[last]
    }

    fn template_error(&mut self, t: &TemplateText, task: &str, e: &TemplateFailure) {
        // One error per template fault, not one per video it is rendered for.
        let line = e.line.unwrap_or_default() as u64;
        let column = e.column.unwrap_or_default() as u64;
        if !self.seen.insert((
            super::load::rules::TEMPLATE,
            t.pos.line * 100_000 + line,
            t.pos.column * 100_000 + column,
            e.reason.clone(),
        )) {
            return;
        }
        let d = super::check::template_diagnostic(self.workflow, t, e, &format!(" (task `{task}`)"));
        self.diags.push(d);
    }

    #[allow(clippy::too_many_arguments)]
    fn task(
        &mut self,
        renderer: &Renderer,
        ai: usize,
        analysis: &Analysis,
        vi: usize,
        video: &Video,
        ctx: Value,
        file_hashes: &HashMap<PathBuf, String>,
    ) -> Option<PlannedTask> {
        let name = format!("{}/{}", analysis.id, video.id);
        let before = self.diags.len();
        let prompt = analysis.prompt.as_ref().and_then(|t| match renderer.render(t, &ctx, false) {
            Ok(s) => Some(s),
            Err(e) => {
                self.template_error(t, &name, &e);
                None
            }
        });
        let custom_id = match &analysis.custom_id {
            Some(t) => renderer.render(t, &ctx, false).map_err(|e| self.template_error(t, &name, &e)).ok()?,
            None => sanitize_id(&format!("{}-{}", analysis.id, video.id)),
        };
        let mut fields = analysis.fields.clone();
        fields.insert("custom_id".into(), Value::String(custom_id.clone()));
        if let Some(t) = &analysis.prompt_v2_input {
            match renderer.render(t, &ctx, false) {
                Ok(text) => {
                    if let Some(p) = fields.get_mut("prompt_v2").and_then(Value::as_object_mut) {
                        p.insert("input_text".into(), Value::String(text));
                    }
                }
                Err(e) => self.template_error(t, &name, &e),
            }
        }
        if let Some(p) = &prompt {
            fields.insert("prompt".into(), Value::String(p.clone()));
        }
        let mut body = Map::new();
        // Members in the contract's order (§3.1), so bodies read like the docs.
        for key in crate::contract::CREATE_FIELDS {
            if let Some(v) = fields.shift_remove(key) {
                body.insert(key.to_owned(), v);
            }
        }
        for (_, source) in images::media_sources_mut(body.iter_mut()) {
            let image = images::marker_path(source).and_then(|p| self.workflow.images.iter().find(|i| i.written == p));
            if let (Some(image), Some(Value::Object(file))) = (image, source.get_mut(images::FILE)) {
                file.insert("sha256".into(), json!(file_hashes.get(&image.path)));
            }
        }
        // A template that did not render leaves the body incomplete: checking it
        // would report a second, spurious fault (a missing prompt).
        if self.diags.len() == before {
            self.validate(analysis, video, &body);
        }
        let mut outputs = Vec::new();
        for out in &analysis.outputs {
            let rendered = match renderer.render(&out.path, &ctx, false) {
                Ok(p) => p,
                Err(e) => {
                    self.template_error(&out.path, &name, &e);
                    continue;
                }
            };
            match output::confine(&rendered) {
                Ok(path) => {
                    let html = path
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
                    outputs.push(PlannedOutput { path, template: out.template.clone(), html });
                }
                Err(e) => {
                    self.error(super::load::rules::OUTPUT_PATH, out.path.pos, format!("{e} (task `{name}`)"));
                }
            }
        }
        if self.diags.len() > before {
            return None;
        }
        let mut task = PlannedTask {
            analysis: ai,
            video: vi,
            name,
            custom_id,
            body,
            video_identity: video_identity(video, file_hashes),
            key: String::new(),
            outputs,
            context: ctx,
        };
        task.key = sha256_hex(canonical_json(&task.keyed()));
        Some(task)
    }

    /// Runs the contract's offline rules on the body (CLI-PRE-1) and points each
    /// violation at the workflow key it names (or its nearest written parent).
    fn validate(&mut self, analysis: &Analysis, video: &Video, body: &Map<String, Value>) {
        let mut full = Map::new();
        full.insert("video".into(), validation_source(video));
        full.extend(body.iter().map(|(k, v)| (k.clone(), v.clone())));
        // A local image goes as an asset or inline base64, both checked at load; a
        // fault of the stand-in `asset_id` is a fault of `file`.
        let mut stand_ins = Vec::new();
        for (path, source) in images::media_sources_mut(full.iter_mut()) {
            if source.shift_remove(images::FILE).is_some() {
                source.insert("asset_id".into(), json!("local-image"));
                stand_ins.push(format!("{path}.asset_id"));
            }
        }
        for mut v in crate::contract::validate_create(&Value::Object(full), None) {
            if stand_ins.contains(&v.field) {
                v.field = format!("{}.{}", v.field.trim_end_matches(".asset_id"), images::FILE);
            }
            let pos = violation_pos(analysis, video, &v);
            if !self.seen.insert((v.rule, pos.line, pos.column, v.reason.clone())) {
                continue;
            }
            let hint = hint_for(&v);
            let message = format!("{} (analysis `{}`, video `{}`)", v.message(), analysis.id, video.id);
            let d = self.error(v.rule, pos, message);
            d.hint = hint;
        }
    }
}

/// Where a violation of `analysis`'s request points: the member its field path
/// names, else the nearest written parent (a missing member: the object that lacks
/// it). An unknown member (VAL-2) points at its key; a member holding an object or
/// list at its key too, as the value spans many lines.
fn violation_pos(analysis: &Analysis, video: &Video, v: &Violation) -> Pos {
    match v.field.split(['.', '[']).next().unwrap_or_default() {
        "video" => return video.source_pos,
        "prompt" => return analysis.prompt.as_ref().map_or(analysis.pos, |p| p.pos),
        "custom_id" => return analysis.custom_id.as_ref().map_or(analysis.pos, |p| p.pos),
        _ => {}
    }
    let Some((place, exact)) = nearest_place(&analysis.places, &v.field) else {
        return analysis.pos;
    };
    let on_key = v.rule == "VAL-2" || v.rule == "VAL-39" || !exact || place.value.line != place.key.line;
    if on_key { place.key } else { place.value }
}

/// A hint for a violation: "did you mean" for an unknown member, else what the
/// rule wants.
fn hint_for(v: &Violation) -> Option<String> {
    if let Some((_, near)) = v.reason.split_once("did you mean ") {
        return Some(format!("did you mean `{}`?", near.trim_end_matches('?')));
    }
    if v.rule == "VAL-2" && v.field.contains("media_sources[") {
        return Some("a media source also takes `file:` (a local image) and `upload: asset|base64`".into());
    }
    Some(match v.rule {
        "VAL-7" => {
            "pegasus1.2 takes only pre-indexed `video_id` sources; set `model: pegasus1.5` for files, URLs and assets"
        }
        "VAL-14" | "VAL-20" | "VAL-29" | "VAL-32" => "this needs `model: pegasus1.5`",
        "VAL-22" => "a prompt may have at most 2,000 tokens (counted as UTF-8 bytes / 4)",
        "VAL-27" => "use a temperature from 0 to 1",
        "VAL-28" => "pegasus1.2: 1–4,096; pegasus1.5 general: 512–65,536; time_based_metadata: 2,048–65,536",
        "VAL-15" | "VAL-41" => "describe the segments under `segment_definitions`",
        "VAL-18" => "give `prompt`, `prompt_file` or `prompt_v2`",
        "VAL-19" => "time_based_metadata takes no prompt: describe the segments in `segment_definitions`",
        "VAL-30" | "VAL-31" => "segment durations are seconds: at least 2, and max ≥ min",
        "VAL-33" => "the window needs 0 ≤ start_time < end_time and at least 4 s",
        "VAL-39" => "allowed: type, properties, required, items, minItems, enum, const, anyOf, $ref, $defs, pattern, format, minimum, maximum, exclusiveMinimum, exclusiveMaximum",
        _ => return None,
    }
    .to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_id_follows_req_custom_id_4() {
        assert_eq!(sanitize_id("seo-intro"), "seo-intro");
        assert_eq!(sanitize_id("seo-my clip.v2"), "seo-my_clip_v2");
        let long = "a".repeat(70);
        let s = sanitize_id(&long);
        assert_eq!(s.len(), 64);
        assert!(s.starts_with(&"a".repeat(55)));
        assert_eq!(&s[55..56], "-");
        assert!(is_valid_id(&s));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("a b"));
    }
}
