//! `response_format` (REQ-RF-1) and its fit with `analysis_mode`: VAL-15, VAL-16,
//! VAL-36..VAL-38, VAL-41, VAL-42; the schema and the definitions are checked by
//! [`json_schema`](super::json_schema) and [`segments`](super::segments).

use serde_json::{Map, Value};

use super::checker::{Checker, Kind, Slot, child, quote};
use super::effective::Mode;
use super::json_schema::check_json_schema;
use super::segments::{MAX_DEFINITIONS, check_definitions};
use super::time::TimeFormat;

const KNOWN: [&str; 4] = ["type", "json_schema", "segment_definitions", "segment_time_format"];

/// A `response_format.type` (REQ-RF-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormatType {
    JsonSchema,
    SegmentDefinitions,
}

/// What later rules need to know of `response_format`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FormatInfo {
    /// The type, when valid.
    pub(crate) ty: Option<FormatType>,
    /// VAL-16 was reported: segment definitions in `general`, which most likely
    /// means a forgotten `analysis_mode`.
    pub(crate) segmentation_in_general: bool,
    /// Path of the first definition's `time_ranges`, when any definition gives them
    /// (VAL-34, VAL-35).
    pub(crate) time_ranges_at: Option<String>,
}

/// Checks the top-level `response_format` member.
pub(crate) fn check_response_format(ck: &mut Checker<'_>, body: &Map<String, Value>) -> FormatInfo {
    let mut info = FormatInfo::default();
    let mode = ck.eff.mode;
    let rf = match ck.optional(body, "response_format", "", Kind::Object) {
        Slot::Absent => {
            if mode == Some(Mode::TimeBased) {
                ck.not_provided(
                    "VAL-15",
                    "response_format",
                    "analysis_mode time_based_metadata needs response_format with type segment_definitions",
                );
            }
            return info;
        }
        slot => match slot.object() {
            Some(rf) => rf,
            None => return info,
        },
    };
    let path = "response_format";
    ck.unknown_members(rf, &KNOWN, path);
    let tp = child(path, "type");
    let ty = match ck.required(rf, "type", path, Kind::String) {
        Slot::Absent => {
            ck.not_provided("VAL-36", tp, "is required: json_schema or segment_definitions");
            return info;
        }
        Slot::Invalid => return info,
        Slot::Present(v) => match v.as_str() {
            Some("json_schema") => FormatType::JsonSchema,
            Some("segment_definitions") => FormatType::SegmentDefinitions,
            other => {
                ck.invalid(
                    "VAL-36",
                    tp,
                    format!("must be json_schema or segment_definitions, got {}", quote(other.unwrap_or(""))),
                );
                return info;
            }
        },
    };
    info.ty = Some(ty);
    match ty {
        FormatType::JsonSchema => check_json_schema_type(ck, rf, mode),
        FormatType::SegmentDefinitions => {
            if mode == Some(Mode::General) {
                let reason = format!(
                    "segment_definitions needs analysis_mode time_based_metadata; analysis_mode is {}",
                    ck.eff.mode_text()
                );
                ck.invalid("VAL-16", &tp, reason);
                info.segmentation_in_general = true;
            }
            info.time_ranges_at = check_segment_type(ck, rf);
        }
    }
    info
}

/// `type=json_schema`: VAL-15 (in time_based_metadata), VAL-37, VAL-38, then the schema.
fn check_json_schema_type(ck: &mut Checker<'_>, rf: &Map<String, Value>, mode: Option<Mode>) {
    let path = "response_format";
    if mode == Some(Mode::TimeBased) {
        ck.invalid(
            "VAL-15",
            child(path, "type"),
            "analysis_mode time_based_metadata needs type segment_definitions, got json_schema",
        );
    }
    for other in ["segment_definitions", "segment_time_format"] {
        if rf.get(other).is_some_and(|v| !is_absent(v)) {
            ck.invalid("VAL-38", child(path, other), "is not allowed with type json_schema");
        }
    }
    match ck.required(rf, "json_schema", path, Kind::Object) {
        Slot::Absent => ck.not_provided(
            "VAL-37",
            child(path, "json_schema"),
            "is required for type json_schema (the raw JSON Schema object)",
        ),
        Slot::Invalid => {}
        Slot::Present(schema) => check_json_schema(ck, schema, &child(path, "json_schema")),
    }
}

/// `type=segment_definitions`: VAL-38, VAL-41, VAL-42, then the definitions.
fn check_segment_type(ck: &mut Checker<'_>, rf: &Map<String, Value>) -> Option<String> {
    let path = "response_format";
    if rf.get("json_schema").is_some_and(|v| !is_absent(v)) {
        ck.invalid("VAL-38", child(path, "json_schema"), "is not allowed with type segment_definitions");
    }
    let fp = child(path, "segment_time_format");
    if let Some(f) = ck.optional(rf, "segment_time_format", path, Kind::String).str()
        && TimeFormat::parse(f).is_none()
    {
        ck.invalid("VAL-42", fp, format!("must be {}, got {}", TimeFormat::NAMES.join(", "), quote(f)));
    }
    let dp = child(path, "segment_definitions");
    let list = match ck.required(rf, "segment_definitions", path, Kind::Array) {
        Slot::Absent => {
            ck.not_provided("VAL-41", dp, "is required for type segment_definitions");
            return None;
        }
        slot => slot.array()?,
    };
    if list.is_empty() {
        ck.invalid("VAL-41", &dp, "must not be empty (1-20 definitions)");
    } else if list.len() > MAX_DEFINITIONS {
        ck.invalid("VAL-41", &dp, format!("has {} definitions, at most {MAX_DEFINITIONS} are allowed", list.len()));
    }
    check_definitions(ck, list, &dp)
}

/// WIRE-5: `null` and `[]` count as absent.
fn is_absent(v: &Value) -> bool {
    v.is_null() || v.as_array().is_some_and(Vec::is_empty)
}
