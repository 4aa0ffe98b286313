//! Local images of media sources: `file:` beside `url`, `asset_id` and
//! `base64_string` in `prompt_v2.media_sources` and in a segment definition's
//! `media_sources` (REQ-PROMPT-V2-2, issue 7).
//!
//! In a request body a local image stays a marker, `"file": {"path", "sha256",
//! "upload"}`, as a local video does: the task key hashes its content, `plan
//! --json` shows it, and the engine replaces it with `asset_id` or
//! `base64_string` just before the create.

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::model::{Pos, Upload};

/// A local image named by a media source's `file:`, checked at load time: it
/// exists, its bytes are one of [`IMAGE_FORMATS`](crate::contract::assets::IMAGE_FORMATS),
/// and its size fits the limit of its `upload:` (VAL-24, ASSET-4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalImage {
    /// Resolved path (the workflow's directory joined with `written`).
    pub path: PathBuf,
    /// As written in the workflow, the marker's `path`.
    pub written: String,
    /// Content type from the file's first bytes (`image/png`, ...).
    pub content_type: &'static str,
    /// Where `file:` is written (for errors found after loading).
    pub pos: Pos,
}

/// The marker member of a media source that names a local file.
pub const FILE: &str = "file";

/// Every media-source object of a request, with its ERR-5 path
/// (`prompt_v2.media_sources[0]`, `response_format.segment_definitions[1].media_sources[0]`).
/// `members` are the request's top-level members (a body or an analysis's fields).
pub fn media_sources_mut<'a>(
    members: impl Iterator<Item = (&'a String, &'a mut Value)>,
) -> Vec<(String, &'a mut Map<String, Value>)> {
    let mut out = Vec::new();
    for (key, value) in members {
        match key.as_str() {
            "prompt_v2" => push_sources(value.get_mut("media_sources"), "prompt_v2.media_sources".into(), &mut out),
            "response_format" => {
                let defs = value.get_mut("segment_definitions").and_then(Value::as_array_mut);
                for (j, def) in defs.into_iter().flatten().enumerate() {
                    let path = format!("response_format.segment_definitions[{j}].media_sources");
                    push_sources(def.get_mut("media_sources"), path, &mut out);
                }
            }
            _ => {}
        }
    }
    out
}

fn push_sources<'a>(list: Option<&'a mut Value>, path: String, out: &mut Vec<(String, &'a mut Map<String, Value>)>) {
    let items = list.and_then(Value::as_array_mut).into_iter().flatten();
    out.extend(items.enumerate().filter_map(|(i, v)| Some((format!("{path}[{i}]"), v.as_object_mut()?))));
}

/// The marker of a local image in a request: `{"path", "sha256", "upload"}`, the
/// shape of a local video's; `sha256` is `null` until expansion fills it in.
pub fn marker(written: &str, upload: Upload) -> Value {
    serde_json::json!({"path": written, "sha256": null, "upload": upload.as_str()})
}

/// The `path` of a media source's local-file marker, if it has one.
pub fn marker_path(source: &Map<String, Value>) -> Option<&str> {
    source.get(FILE)?.get("path")?.as_str()
}

/// The `sha256` of a media source's local-file marker, once expansion filled it in.
pub fn marker_sha256(source: &Map<String, Value>) -> Option<&str> {
    source.get(FILE)?.get("sha256")?.as_str()
}

/// The `upload` of a media source's local-file marker (default asset).
pub fn marker_upload(source: &Map<String, Value>) -> Upload {
    match source.get(FILE).and_then(|f| f.get("upload")).and_then(Value::as_str) {
        Some("base64") => Upload::Base64,
        _ => Upload::Asset,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_media_sources_of_prompt_v2_and_of_every_segment_definition() {
        let mut body = json!({
            "prompt_v2": {"input_text": "<@a>", "media_sources": [{"name": "a"}, {"name": "b"}]},
            "response_format": {"type": "segment_definitions", "segment_definitions": [
                {"id": "x", "description": "d"},
                {"id": "y", "description": "<@c>", "media_sources": [{"name": "c"}, "not an object"]}
            ]},
            "media_sources": [{"name": "top-level is not a media-source list"}]
        });
        let Value::Object(map) = &mut body else { unreachable!("an object literal") };
        let found: Vec<(String, String)> = media_sources_mut(map.iter_mut())
            .into_iter()
            .map(|(p, s)| (p, s["name"].as_str().unwrap_or_default().to_owned()))
            .collect();
        assert_eq!(
            found,
            [
                ("prompt_v2.media_sources[0]".to_owned(), "a".to_owned()),
                ("prompt_v2.media_sources[1]".to_owned(), "b".to_owned()),
                ("response_format.segment_definitions[1].media_sources[0]".to_owned(), "c".to_owned()),
            ]
        );
    }
}
