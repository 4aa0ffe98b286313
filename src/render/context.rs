//! The data templates see (design §3): the per-task context and the report context.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

use crate::api::wire::{FinishReason, Task};
use crate::contract::media::MediaFacts;
use crate::contract::time::parse_time;
use crate::workflow::model::{Analysis, Video, VideoInput, Workflow};

/// `workflow`, `vars`, `video` and `analysis`: what prompts, `custom_id` and output
/// paths may use. `media` is `{duration (s), width, height (px)}` when known.
pub fn base(workflow: &Workflow, video: &Video, analysis: &Analysis, media: Option<&MediaFacts>) -> Value {
    let source = match &video.input {
        VideoInput::File { written, .. } => json!({"type": "file", "path": written}),
        VideoInput::Url(u) => json!({"type": "url", "url": u}),
        VideoInput::AssetId(a) => json!({"type": "asset_id", "asset_id": a}),
        VideoInput::VideoId(v) => json!({"type": "video_id", "video_id": v}),
    };
    let mut v = json!({
        "id": video.id,
        "source": source,
        "vars": video.vars,
    });
    if let (Some(m), Some(obj)) = (media, v.as_object_mut()) {
        obj.insert("media".into(), json!({"duration": m.duration, "width": m.width, "height": m.height}));
    }
    json!({
        "workflow": {"name": workflow.name, "file": workflow.file.display().to_string()},
        "vars": workflow.vars,
        "video": v,
        "analysis": {
            "id": analysis.id,
            "mode": analysis.fields.get("analysis_mode").cloned().unwrap_or_else(|| Value::from("general")),
            "model": analysis.fields.get("model_name").cloned().unwrap_or(Value::Null),
        },
    })
}

/// Adds `task` (`{task_id, custom_id, status, created_at, completed_at, key}`) and
/// `result` (`{text, json, segments, finish_reason, usage, truncated}`) to a
/// [`base`] context. `result` is `null` when the task has none.
pub fn with_task(mut base: Value, key: &str, custom_id: &str, task: &Task) -> Value {
    let task_json = json!({
        "task_id": task.task_id,
        "custom_id": task.custom_id.clone().unwrap_or_else(|| custom_id.to_owned()),
        "status": task.status.as_str(),
        "created_at": task.created_at,
        "completed_at": task.completed_at,
        "key": key,
    });
    let mode = base.pointer("/analysis/mode").and_then(Value::as_str).unwrap_or("general").to_owned();
    let result = task.result.as_ref().map_or(Value::Null, |r| {
        let parsed = serde_json::from_str::<Value>(&r.data).ok();
        let structured =
            mode == "time_based_metadata" || parsed.as_ref().is_some_and(|p| p.is_object() || p.is_array());
        let json_value = if structured { parsed.clone().unwrap_or(Value::Null) } else { Value::Null };
        let segments = if mode == "time_based_metadata" { segments(parsed.as_ref()) } else { Value::Null };
        json!({
            "text": r.data,
            "json": json_value,
            "segments": segments,
            "finish_reason": r.finish_reason.as_str(),
            "usage": {"input_tokens": r.usage.input_tokens, "output_tokens": r.usage.output_tokens},
            "truncated": r.finish_reason != FinishReason::Stop,
        })
    });
    if let Some(obj) = base.as_object_mut() {
        obj.insert("task".into(), task_json);
        obj.insert("result".into(), result);
    }
    base
}

/// `summary` of the report context, from stored state only, so that `run` and the
/// offline `render` write the same report: `tasks` (all tasks of the workflow),
/// `ready` (tasks with a stored result, truncated ones included), `truncated`,
/// `failed` and `rejected` as given, `input_tokens` and `output_tokens` summed over
/// the results, and `videos` (videos with at least one result). `results` are the
/// per-task contexts with a result.
pub fn summary(total: usize, failed: usize, rejected: usize, results: &[Value]) -> Value {
    let tokens =
        |key: &str| -> u64 { results.iter().filter_map(|t| t.get("result")?.get("usage")?.get(key)?.as_u64()).sum() };
    let truncated = results.iter().filter(|t| t.pointer("/result/truncated") == Some(&Value::Bool(true))).count();
    let mut videos: Vec<&Value> = results.iter().filter_map(|t| t.pointer("/video/id")).collect();
    videos.sort_by_key(|v| v.as_str());
    videos.dedup();
    json!({
        "tasks": total,
        "ready": results.len(),
        "truncated": truncated,
        "failed": failed,
        "rejected": rejected,
        "input_tokens": tokens("input_tokens"),
        "output_tokens": tokens("output_tokens"),
        "videos": videos.len(),
    })
}

/// The report context (design §3): `workflow`, `vars`, `tasks` (every per-task
/// context with a result, in workflow order), `videos` (each video with a result,
/// its context with `analyses` keyed by analysis id) and `summary` as given (see
/// [`summary`]).
pub fn report(workflow: &Workflow, tasks: &[Value], summary: Value) -> Value {
    let mut videos: IndexMap<String, Value> = IndexMap::new();
    for t in tasks {
        let (Some(video), Some(analysis)) = (t.get("video"), t.pointer("/analysis/id").and_then(Value::as_str)) else {
            continue;
        };
        let id = video.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
        let entry = videos.entry(id).or_insert_with(|| {
            let mut v = video.clone();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("analyses".into(), json!({}));
            }
            v
        });
        if let Some(analyses) = entry.get_mut("analyses").and_then(Value::as_object_mut) {
            analyses.insert(analysis.to_owned(), t.clone());
        }
    }
    json!({
        "workflow": {"name": workflow.name, "file": workflow.file.display().to_string()},
        "vars": workflow.vars,
        "tasks": tasks,
        "videos": videos.into_values().collect::<Vec<_>>(),
        "summary": summary,
    })
}

/// `{definition id: [{start_time, end_time, metadata}]}` with times in seconds
/// (RES-3, RES-5); tolerant of missing keys and odd entries (RES-4).
pub fn segments(data: Option<&Value>) -> Value {
    let Some(Value::Object(defs)) = data else {
        return Value::Object(Map::new());
    };
    let out = defs
        .iter()
        .map(|(id, list)| {
            let segs: Vec<Value> = list
                .as_array()
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|s| {
                            let start = s.get("start_time").and_then(parse_time)?;
                            let end = s.get("end_time").and_then(parse_time)?;
                            Some(json!({
                                "start_time": start,
                                "end_time": end,
                                "metadata": s.get("metadata").cloned().unwrap_or_else(|| json!({})),
                            }))
                        })
                        .collect()
                })
                .unwrap_or_default();
            (id.clone(), Value::Array(segs))
        })
        .collect();
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_convert_all_time_formats_to_seconds() {
        let data = json!({"scene": [
            {"start_time": "00:00:01.500", "end_time": 4, "metadata": {"mood": "calm"}},
            {"start_time": "bad", "end_time": 4}
        ], "logo": []});
        assert_eq!(
            segments(Some(&data)),
            json!({"scene": [{"start_time": 1.5, "end_time": 4.0, "metadata": {"mood": "calm"}}], "logo": []})
        );
    }
}
