//! Media sources of `prompt_v2` and of segment definitions (REQ-PROMPT-V2-2/3):
//! VAL-23, VAL-24, VAL-25.

use serde_json::Value;

use super::base64_payload;
use super::checker::{Checker, Kind, Slot, child, index, name_problem, quote};
use super::url::check_url;
use super::violation::Code;

/// Most media sources in one list (REQ-PROMPT-V2-1, REQ-SEGDEF-1) [spec].
pub const MAX_MEDIA_SOURCES: usize = 4;

const SOURCE_FIELDS: [&str; 3] = ["url", "asset_id", "base64_string"];
const KNOWN: [&str; 5] = ["name", "media_type", "url", "asset_id", "base64_string"];

/// Checks a `media_sources` slot at `path` (e.g. `prompt_v2.media_sources`).
/// Returns the declared names for VAL-26, or `None` when a source has no usable name
/// (so placeholder checks would only echo that fault). An absent list declares none.
pub(crate) fn check_media_sources(ck: &mut Checker<'_>, slot: Slot<'_>, path: &str) -> Option<Vec<String>> {
    let list = match slot {
        Slot::Absent => return Some(Vec::new()),
        Slot::Invalid => return None,
        Slot::Present(v) => v.as_array()?,
    };
    if list.len() > MAX_MEDIA_SOURCES {
        ck.invalid(
            "VAL-23",
            path,
            format!("has {} media sources, at most {MAX_MEDIA_SOURCES} are allowed", list.len()),
        );
    }
    let mut names: Vec<String> = Vec::new();
    let mut all_named = true;
    for (i, item) in list.iter().enumerate() {
        let p = index(path, i);
        match check_source(ck, item, &p, &names, path) {
            Some(name) => names.push(name),
            None => all_named = false,
        }
    }
    all_named.then_some(names)
}

/// Checks one source; returns its name when it has a string one.
fn check_source(ck: &mut Checker<'_>, item: &Value, path: &str, earlier: &[String], list_path: &str) -> Option<String> {
    let obj = ck.read(Some(item), path, Kind::Object).object()?;
    let name = match ck.required(obj, "name", path, Kind::String) {
        Slot::Absent => {
            ck.invalid("VAL-24", child(path, "name"), "is required");
            None
        }
        slot => slot.str(),
    };
    if let Some(name) = name {
        if let Some(problem) = name_problem(name) {
            ck.invalid("VAL-24", child(path, "name"), problem);
        } else if let Some(j) = earlier.iter().position(|n| n == name) {
            ck.invalid(
                "VAL-24",
                child(path, "name"),
                format!("duplicate name {}, already used by {}", quote(name), index(list_path, j)),
            );
        }
    }
    match ck.required(obj, "media_type", path, Kind::String) {
        Slot::Absent => ck.invalid("VAL-24", child(path, "media_type"), "is required: image"),
        Slot::Present(Value::String(t)) if t != "image" => {
            ck.invalid("VAL-24", child(path, "media_type"), format!("must be image, got {}", quote(t)))
        }
        _ => {}
    }
    let mut given = Vec::new();
    for field in SOURCE_FIELDS {
        let slot = ck.optional(obj, field, path, Kind::String);
        if !slot.given() {
            continue;
        }
        given.push(field);
        if given.len() > 1 {
            ck.invalid(
                "VAL-24",
                child(path, field),
                format!(
                    "a media source has exactly one of url, asset_id, base64_string; {} is already given",
                    given.first().copied().unwrap_or("")
                ),
            );
        } else if let Some(value) = slot.str() {
            check_value(ck, field, value, &child(path, field));
        }
    }
    if given.is_empty() {
        ck.invalid("VAL-24", path, "needs exactly one of url, asset_id, base64_string");
    }
    ck.unknown_members(obj, &KNOWN, path);
    name.map(str::to_string)
}

fn check_value(ck: &mut Checker<'_>, field: &str, value: &str, path: &str) {
    if value.is_empty() {
        ck.invalid("VAL-24", path, "must not be empty");
        return;
    }
    match field {
        "url" => {
            if let Err(reason) = check_url(value, true) {
                ck.invalid("VAL-24", path, reason);
            }
        }
        "base64_string" => {
            if let Err(reason) = base64_payload::check_payload(value) {
                ck.invalid("VAL-24", path, reason);
            }
        }
        _ => {
            let Some(res) = ck.resources else { return };
            match res.asset(value) {
                None => {
                    ck.push("VAL-25", path, Code::ResourceNotExist, format!("asset {} does not exist", quote(value)))
                }
                Some(a) if !a.ready => ck.invalid("VAL-25", path, format!("asset {} is not ready", quote(value))),
                Some(a) if !a.is_image => ck.invalid("VAL-25", path, format!("asset {} is not an image", quote(value))),
                Some(_) => {}
            }
        }
    }
}
