//! The review site's model: for each workflow, its videos and, per analysis, what
//! the state store holds for the task (its [`Status`] and stored result). Read from
//! stored state and the prepared workflow only: no network, nothing written.

use std::path::PathBuf;

use serde_json::Value;

use crate::api::wire::{FinishReason, Task};
use crate::contract::media::MediaFacts;
use crate::contract::time::parse_time;
use crate::engine::Prepared;
use crate::plan::{Status, plan, window_seconds};
use crate::render::context;
use crate::state::{StateError, Store};
use crate::workflow::expand::sanitize_id;
use crate::workflow::model::VideoInput;

/// One workflow of the site.
#[derive(Debug)]
pub struct WorkflowView {
    /// Directory of its video pages inside the site: the workflow's name made a
    /// valid id, unique in the site.
    pub slug: String,
    /// `name:` of the workflow.
    pub name: String,
    /// The workflow file as given on the command line.
    pub file: String,
    /// The workflow's directory, absolute (outputs are linked from there).
    pub dir: PathBuf,
    /// Analysis ids, in workflow order (the index's columns).
    pub analyses: Vec<String>,
    /// Videos, in workflow order.
    pub videos: Vec<VideoView>,
}

/// A video and every task of the workflow on it.
#[derive(Debug)]
pub struct VideoView {
    /// The video's id.
    pub id: String,
    /// `vars.title` of the video, when it is text.
    pub title: Option<String>,
    /// Where the video comes from.
    pub source: Source,
    /// Probed display size and duration of a local file.
    pub media: Option<MediaFacts>,
    /// Duration in seconds: probed for a local file, else as a stored result's
    /// `video_source.system_metadata.duration` says (TASK-4).
    pub duration: Option<f64>,
    /// One per analysis that runs on this video, in workflow order.
    pub tasks: Vec<TaskView>,
}

/// Where a video comes from, as the player sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local file: absolute path, path as written, SHA-256 of its bytes when it
    /// could be read.
    File {
        /// Absolute path (lexically normalised).
        path: PathBuf,
        /// As written in the workflow.
        written: String,
        /// SHA-256 hex of the bytes.
        sha256: Option<String>,
    },
    /// A public http(s) URL.
    Url(String),
    /// An uploaded asset: nothing a browser can play.
    AssetId(String),
    /// A pre-indexed video: nothing a browser can play.
    VideoId(String),
}

/// One task: its status from stored state and, when ready, its result.
#[derive(Debug)]
pub struct TaskView {
    /// The analysis id.
    pub analysis: String,
    /// What the stored state says of the task ([`crate::plan`]'s status: `cached`
    /// is ready, `retry` failed, `new` and `changed` not run for this request).
    pub status: Status,
    /// The task id of the stored result.
    pub task_id: Option<String>,
    /// The stored result, for a ready (or truncated) task.
    pub result: Option<ResultView>,
    /// Billable seconds of a stored result: the analysis window over the video's
    /// duration (WIN-4), when the duration is known.
    pub billable_seconds: Option<f64>,
    /// Rendered output files that exist, absolute.
    pub outputs: Vec<PathBuf>,
}

/// A stored result.
#[derive(Debug)]
pub struct ResultView {
    /// `usage.input_tokens`, when reported.
    pub input_tokens: Option<u64>,
    /// `usage.output_tokens`.
    pub output_tokens: u64,
    /// `finish_reason` as sent.
    pub finish_reason: String,
    /// Whether the output was cut (`finish_reason` not `stop`, TRUNC-4).
    pub truncated: bool,
    /// The result's `data`, read as its analysis asked.
    pub body: Body,
}

/// A result's `data`, read according to the analysis (RES-1..5).
#[derive(Debug)]
pub enum Body {
    /// Free text (`general` mode without a schema).
    Text(String),
    /// A `json_schema` result.
    Json(Value),
    /// Segment definitions: one timeline per definition, in result order.
    Segments(Vec<Timeline>),
    /// Structured output that does not parse (typically cut at `max_tokens`).
    Unparsed {
        /// The data as sent.
        text: String,
        /// The parse error.
        reason: String,
    },
}

/// The segments of one segment definition.
#[derive(Debug)]
pub struct Timeline {
    /// The definition id (the result key).
    pub definition: String,
    /// Segments in result order.
    pub segments: Vec<Segment>,
}

/// A segment, times in seconds from the start of the video.
#[derive(Debug)]
pub struct Segment {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// Metadata fields other than event lists, in result order.
    pub fields: Vec<(String, Value)>,
    /// `time_array` fields (SEGX-4): events inside the segment, by field.
    pub events: Vec<(String, Vec<Event>)>,
}

impl Segment {
    /// The segment's first text field (a chapter's title, a highlight's headline),
    /// to label it.
    pub fn label(&self) -> Option<&str> {
        self.fields.iter().find_map(|(_, v)| v.as_str().filter(|s| !s.trim().is_empty()))
    }
}

/// An event of a `time_array` field (SEGX-4).
#[derive(Debug)]
pub struct Event {
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// The event's declared fields, in result order.
    pub fields: Vec<(String, Value)>,
}

/// The view of each workflow, from its stored state in `store` (of the scope the
/// caller chose). Slugs are made unique across `sources`, in order. Errors: a state
/// file that cannot be read ([`StateError`]).
pub fn workflows(sources: &[(&Prepared, &Store)]) -> Result<Vec<WorkflowView>, StateError> {
    let mut out: Vec<WorkflowView> = Vec::with_capacity(sources.len());
    for (prepared, store) in sources {
        let base = sanitize_id(&prepared.workflow.name);
        let mut slug = base.clone();
        let mut n = 1;
        while out.iter().any(|w| w.slug == slug) {
            n += 1;
            slug = format!("{base}-{n}");
        }
        out.push(workflow(prepared, store, slug)?);
    }
    Ok(out)
}

fn workflow(prepared: &Prepared, store: &Store, slug: String) -> Result<WorkflowView, StateError> {
    let wf = &prepared.workflow;
    let dir = super::paths::absolute(&wf.dir);
    let planned = plan(prepared, store)?;
    let mut videos: Vec<VideoView> = wf
        .videos
        .iter()
        .map(|v| {
            let (source, media) = match &v.input {
                VideoInput::File { path, written } => (
                    Source::File {
                        path: super::paths::absolute(path),
                        written: written.clone(),
                        sha256: prepared.hashes.get(path).cloned(),
                    },
                    prepared.media.get(path).cloned(),
                ),
                VideoInput::Url(u) => (Source::Url(u.clone()), None),
                VideoInput::AssetId(a) => (Source::AssetId(a.clone()), None),
                VideoInput::VideoId(id) => (Source::VideoId(id.clone()), None),
            };
            VideoView {
                id: v.id.clone(),
                title: v.vars.get("title").and_then(Value::as_str).map(str::to_owned),
                source,
                duration: media.as_ref().map(|m| m.duration),
                media,
                tasks: Vec::new(),
            }
        })
        .collect();
    for (task, line) in prepared.tasks.iter().zip(planned.tasks) {
        let stored = match line.status {
            Status::Cached { .. } => store.result(&task.key)?,
            _ => None,
        };
        let video = &mut videos[task.video];
        let stored_duration = stored.as_ref().and_then(source_duration);
        if video.duration.is_none() {
            video.duration = stored_duration;
        }
        let analysis = &wf.analyses[task.analysis];
        let result = stored.as_ref().and_then(|t| result(t, &analysis.fields));
        let billable_seconds = match &result {
            Some(_) => line.billable_seconds.or_else(|| stored_duration.map(|d| window_seconds(task, d))),
            None => None,
        };
        video.tasks.push(TaskView {
            analysis: analysis.id.clone(),
            status: line.status,
            task_id: stored.map(|t| t.task_id),
            result,
            billable_seconds,
            outputs: task.outputs.iter().map(|o| dir.join(&o.path)).filter(|p| p.is_file()).collect(),
        });
    }
    Ok(WorkflowView {
        slug,
        name: wf.name.clone(),
        file: wf.file.display().to_string(),
        dir,
        analyses: wf.analyses.iter().map(|a| a.id.clone()).collect(),
        videos,
    })
}

/// `video_source.system_metadata.duration` of a stored task (TASK-4).
fn source_duration(task: &Task) -> Option<f64> {
    task.video_source.as_ref()?.pointer("/system_metadata/duration")?.as_f64().filter(|d| d.is_finite() && *d > 0.0)
}

/// The result of a stored task, its data read as the analysis (`fields`: its
/// request members) asked.
fn result(task: &Task, fields: &indexmap::IndexMap<String, Value>) -> Option<ResultView> {
    let r = task.result.as_ref()?;
    let segmented = fields.get("analysis_mode").and_then(Value::as_str) == Some("time_based_metadata");
    let schema =
        fields.get("response_format").and_then(|f| f.get("type")).and_then(Value::as_str) == Some("json_schema");
    let body = if segmented || schema {
        match serde_json::from_str::<Value>(&r.data) {
            Ok(v) if segmented => Body::Segments(timelines(&v)),
            Ok(v) => Body::Json(v),
            Err(e) => Body::Unparsed { text: r.data.clone(), reason: e.to_string() },
        }
    } else {
        Body::Text(r.data.clone())
    };
    Some(ResultView {
        input_tokens: r.usage.input_tokens,
        output_tokens: r.usage.output_tokens,
        finish_reason: r.finish_reason.as_str().to_owned(),
        truncated: r.finish_reason != FinishReason::Stop,
        body,
    })
}

/// One timeline per segment definition of a segment result, times in seconds
/// whatever `segment_time_format` was ([`context::segments`], RES-3..5).
fn timelines(data: &Value) -> Vec<Timeline> {
    let Value::Object(defs) = context::segments(Some(data)) else {
        return Vec::new();
    };
    defs.into_iter()
        .map(|(definition, list)| Timeline {
            definition,
            segments: list.as_array().map(|s| s.iter().filter_map(segment).collect()).unwrap_or_default(),
        })
        .collect()
}

fn segment(s: &Value) -> Option<Segment> {
    let start = seconds(s.get("start_time")?)?;
    let end = seconds(s.get("end_time")?)?.max(start);
    let mut fields = Vec::new();
    let mut events = Vec::new();
    if let Some(Value::Object(meta)) = s.get("metadata") {
        for (name, value) in meta {
            match event_list(value) {
                Some(list) => events.push((name.clone(), list)),
                None => fields.push((name.clone(), value.clone())),
            }
        }
    }
    Some(Segment { start, end, fields, events })
}

/// A `time_array` value (SEGX-4): a non-empty array of objects that each have a
/// `start_time` and an `end_time`; anything else is an ordinary field.
fn event_list(value: &Value) -> Option<Vec<Event>> {
    let items = value.as_array().filter(|a| !a.is_empty())?;
    items
        .iter()
        .map(|item| {
            let obj = item.as_object()?;
            let start = seconds(obj.get("start_time")?)?;
            let end = seconds(obj.get("end_time")?)?.max(start);
            let fields = obj
                .iter()
                .filter(|(k, _)| !matches!(k.as_str(), "start_time" | "end_time"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Some(Event { start, end, fields })
        })
        .collect()
}

/// A time in seconds, finite and not negative (RES-3).
fn seconds(v: &Value) -> Option<f64> {
    parse_time(v).filter(|s| s.is_finite() && *s >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn time_array_fields_become_events_and_other_fields_stay() {
        let data = json!({"plays": [{"start_time": "00:00:10", "end_time": 42.5, "metadata": {
            "title": "Kick-off",
            "events": [{"start_time": 12.0, "end_time": 14.5, "kind": "short", "players": ["A"]}],
            "tags": ["a", "b"],
            "empty": []
        }}]});
        let t = timelines(&data);
        assert_eq!(t.len(), 1);
        let s = &t[0].segments[0];
        assert_eq!((s.start, s.end), (10.0, 42.5));
        assert_eq!(s.label(), Some("Kick-off"));
        let names: Vec<&str> = s.fields.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["title", "tags", "empty"]);
        assert_eq!(s.events.len(), 1);
        let (field, events) = &s.events[0];
        assert_eq!(field, "events");
        assert_eq!((events[0].start, events[0].end), (12.0, 14.5));
        assert_eq!(events[0].fields, [("kind".to_owned(), json!("short")), ("players".to_owned(), json!(["A"]))]);
    }

    #[test]
    fn odd_segments_are_skipped_not_fatal() {
        let data = json!({"chapter": [{"start_time": "x", "end_time": 2}, {"start_time": 3, "end_time": 1}], "n": 3});
        let t = timelines(&data);
        assert_eq!(t[0].segments.len(), 1);
        assert_eq!((t[0].segments[0].start, t[0].segments[0].end), (3.0, 3.0), "an end before the start is clamped");
        assert!(t[1].segments.is_empty());
    }
}
