//! `response_format.segment_definitions` (REQ-SEGDEF-1..3): VAL-43..VAL-48, with
//! media sources (VAL-23..VAL-25) and placeholders (VAL-26) of each definition.

use serde_json::{Map, Value};

use super::checker::{Checker, Kind, Slot, child, index, name_problem, quote, type_name};
use super::media_source::check_media_sources;
use super::placeholder::check_placeholders;
use super::time::TimeFormat;

/// Most segment definitions (REQ-RF-1, OQ-11) [spec].
pub const MAX_DEFINITIONS: usize = 20;
/// Most fields per definition (REQ-SEGDEF-1, OQ-11) [spec].
pub const MAX_FIELDS: usize = 20;
/// Most `enum` values of a field (REQ-SEGDEF-2) [spec].
pub const MAX_ENUM_VALUES: usize = 100;
/// Shortest time range, seconds (REQ-SEGDEF-3) [spec].
pub const MIN_RANGE_S: f64 = 2.0;
/// Field names a definition may not use: they are segment keys (REQ-SEGDEF-2).
pub const RESERVED_FIELD_NAMES: [&str; 3] = ["start_time", "end_time", "metadata"];

const DEFINITION_KEYS: [&str; 5] = ["id", "description", "fields", "media_sources", "time_ranges"];
const FIELD_KEYS: [&str; 6] = ["name", "type", "description", "format", "enum", "items"];

/// A field `type` (REQ-SEGDEF-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldType {
    String,
    Boolean,
    Number,
    Integer,
    Array,
    Timestamp,
}

impl FieldType {
    const ALL: [Self; 6] = [Self::String, Self::Boolean, Self::Number, Self::Integer, Self::Array, Self::Timestamp];

    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Boolean => "boolean",
            Self::Number => "number",
            Self::Integer => "integer",
            Self::Array => "array",
            Self::Timestamp => "timestamp",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }
}

/// `items.type` values of an `array` field (REQ-SEGDEF-2).
const ITEM_TYPES: [&str; 4] = ["string", "number", "boolean", "integer"];

/// Checks the `segment_definitions` list at `path`. Returns the path of the first
/// definition that gives `time_ranges`, for VAL-34/VAL-35.
pub(crate) fn check_definitions(ck: &mut Checker<'_>, list: &[Value], path: &str) -> Option<String> {
    let mut ids: Vec<(String, usize)> = Vec::new();
    let mut with_ranges = None;
    for (i, def) in list.iter().enumerate() {
        let p = index(path, i);
        let Some(obj) = ck.read(Some(def), &p, Kind::Object).object() else {
            if def.is_null() {
                ck.invalid("VAL-3", &p, "must be an object, got null");
            }
            continue;
        };
        if let Some(id) = check_id(ck, obj, &p, &ids, path) {
            ids.push((id.to_string(), i));
        }
        let has_ranges = check_definition(ck, obj, &p);
        if has_ranges && with_ranges.is_none() {
            with_ranges = Some(child(&p, "time_ranges"));
        }
    }
    with_ranges
}

/// VAL-43 `id`: required, `^[A-Za-z0-9_-]{1,64}$` [choice], unique.
fn check_id<'a>(
    ck: &mut Checker<'_>,
    obj: &'a Map<String, Value>,
    p: &str,
    earlier: &[(String, usize)],
    list_path: &str,
) -> Option<&'a str> {
    let (id, ip) = required_str(ck, obj, "id", p, "VAL-43")?;
    if let Some(problem) = name_problem(id) {
        ck.invalid("VAL-43", ip, problem);
        return None;
    }
    unique(ck, "VAL-43", ip, "id", id, earlier, list_path).then_some(id)
}

/// A required string member `key` of `obj` at `p`, with its path; reports `rule`
/// when it is absent (a wrong type is VAL-3, reported by the checker).
fn required_str<'a>(
    ck: &mut Checker<'_>,
    obj: &'a Map<String, Value>,
    key: &str,
    p: &str,
    rule: &'static str,
) -> Option<(&'a str, String)> {
    let path = child(p, key);
    match ck.required(obj, key, p, Kind::String) {
        Slot::Absent => {
            ck.invalid(rule, path, "is required");
            None
        }
        slot => Some((slot.str()?, path)),
    }
}

/// Whether `value` is not among the `earlier` values of its list; reports `rule`
/// at `path` when it is.
fn unique(
    ck: &mut Checker<'_>,
    rule: &'static str,
    path: String,
    what: &str,
    value: &str,
    earlier: &[(String, usize)],
    list_path: &str,
) -> bool {
    match earlier.iter().find(|(e, _)| e == value) {
        Some((_, j)) => {
            ck.invalid(
                rule,
                path,
                format!("duplicate {what} {}, already used by {}", quote(value), index(list_path, *j)),
            );
            false
        }
        None => true,
    }
}

/// The rest of a definition; returns whether it gives `time_ranges`.
fn check_definition(ck: &mut Checker<'_>, obj: &Map<String, Value>, p: &str) -> bool {
    let dp = child(p, "description");
    let description = match ck.required(obj, "description", p, Kind::String) {
        Slot::Absent => {
            ck.invalid("VAL-43", &dp, "is required");
            None
        }
        slot => slot.str(),
    };
    if description.is_some_and(|d| d.trim().is_empty()) {
        ck.invalid("VAL-43", &dp, "must not be empty");
    }
    let fp = child(p, "fields");
    if let Some(fields) = ck.optional(obj, "fields", p, Kind::Array).array() {
        if fields.len() > MAX_FIELDS {
            ck.invalid("VAL-43", &fp, format!("has {} fields, at most {MAX_FIELDS} are allowed", fields.len()));
        }
        check_fields(ck, fields, &fp);
    }
    let sp = child(p, "media_sources");
    let slot = ck.optional(obj, "media_sources", p, Kind::Array);
    let names = check_media_sources(ck, slot, &sp);
    if let Some(d) = description {
        check_placeholders(ck, d, names.as_deref(), &dp);
    }
    let ranges = ck.optional(obj, "time_ranges", p, Kind::Array);
    if let Some(list) = ranges.array() {
        check_time_ranges(ck, list, &child(p, "time_ranges"));
    }
    ck.unknown_members(obj, &DEFINITION_KEYS, p);
    ranges.given()
}

fn check_fields(ck: &mut Checker<'_>, fields: &[Value], path: &str) {
    let mut names: Vec<(String, usize)> = Vec::new();
    for (i, field) in fields.iter().enumerate() {
        let p = index(path, i);
        let Some(obj) = ck.read(Some(field), &p, Kind::Object).object() else {
            if field.is_null() {
                ck.invalid("VAL-3", &p, "must be an object, got null");
            }
            continue;
        };
        if let Some(name) = check_field_name(ck, obj, &p, &names, path) {
            names.push((name.to_string(), i));
        }
        check_field(ck, obj, &p);
    }
}

/// VAL-44 `name`: required, unique in the definition, not reserved.
fn check_field_name<'a>(
    ck: &mut Checker<'_>,
    obj: &'a Map<String, Value>,
    p: &str,
    earlier: &[(String, usize)],
    list_path: &str,
) -> Option<&'a str> {
    let (name, np) = required_str(ck, obj, "name", p, "VAL-44")?;
    if name.is_empty() {
        ck.invalid("VAL-44", np, "must not be empty");
        return None;
    }
    if RESERVED_FIELD_NAMES.contains(&name) {
        ck.invalid("VAL-44", np, format!("{name} is reserved (start_time, end_time, metadata are segment keys)"));
        return None;
    }
    unique(ck, "VAL-44", np, "name", name, earlier, list_path).then_some(name)
}

/// VAL-44 (`type`, `description`), VAL-45 (`format`), VAL-46 (`enum`), VAL-47 (`items`).
fn check_field(ck: &mut Checker<'_>, obj: &Map<String, Value>, p: &str) {
    let tp = child(p, "type");
    let (ftype, type_known) = match ck.required(obj, "type", p, Kind::String) {
        Slot::Absent => {
            ck.invalid("VAL-44", &tp, "is required");
            (None, false)
        }
        Slot::Invalid => (None, false),
        Slot::Present(v) => {
            let s = v.as_str().unwrap_or("");
            match FieldType::parse(s) {
                Some(t) => (Some(t), true),
                None => {
                    let names: Vec<&str> = FieldType::ALL.iter().map(|t| t.name()).collect();
                    ck.invalid("VAL-44", &tp, format!("must be one of {}, got {}", names.join(", "), quote(s)));
                    (None, false)
                }
            }
        }
    };
    if !ck.required(obj, "description", p, Kind::String).given() {
        ck.invalid("VAL-44", child(p, "description"), "is required");
    }
    let format = ck.optional(obj, "format", p, Kind::String);
    let items = ck.optional(obj, "items", p, Kind::Object);
    // `enum: []` is "empty" (VAL-46), not absent: the row names it.
    let enum_slot = ck.required(obj, "enum", p, Kind::Array);
    ck.unknown_members(obj, &FIELD_KEYS, p);
    if !type_known {
        return;
    }
    let Some(ftype) = ftype else { return };
    check_format(ck, ftype, format, &child(p, "format"));
    let item_type = check_items(ck, ftype, items, &child(p, "items"));
    check_enum(ck, ftype, item_type, enum_slot, &child(p, "enum"));
}

/// VAL-45: `format` iff `type=timestamp`, one of `seconds`, `hh:mm:ss`, `hh:mm:ss.fff`.
fn check_format(ck: &mut Checker<'_>, ftype: FieldType, format: Slot<'_>, fp: &str) {
    match (ftype, format) {
        (FieldType::Timestamp, Slot::Absent) => {
            ck.invalid("VAL-45", fp, "is required for type timestamp: seconds, hh:mm:ss or hh:mm:ss.fff")
        }
        (FieldType::Timestamp, Slot::Present(v)) => {
            let f = v.as_str().unwrap_or("");
            if TimeFormat::parse(f).is_none() {
                ck.invalid("VAL-45", fp, format!("must be seconds, hh:mm:ss or hh:mm:ss.fff, got {}", quote(f)));
            }
        }
        (_, Slot::Present(_)) => {
            ck.invalid("VAL-45", fp, format!("is only allowed on type timestamp, not {}", ftype.name()))
        }
        _ => {}
    }
}

/// VAL-47: `items` `{"type": string|number|boolean|integer}` iff `type=array`.
/// Returns the item type when it is valid (`None` also when unknown).
fn check_items<'a>(ck: &mut Checker<'_>, ftype: FieldType, items: Slot<'a>, ip: &str) -> Option<&'a str> {
    if ftype != FieldType::Array {
        if items.given() {
            ck.invalid("VAL-47", ip, format!("is only allowed on type array, not {}", ftype.name()));
        }
        return None;
    }
    let obj = match items {
        Slot::Absent => {
            ck.invalid("VAL-47", ip, "is required for type array: {\"type\": \"string|number|boolean|integer\"}");
            return None;
        }
        slot => slot.object()?,
    };
    let tp = child(ip, "type");
    let item_type = match ck.required(obj, "type", ip, Kind::String) {
        Slot::Absent => {
            ck.invalid("VAL-47", &tp, "is required: string, number, boolean or integer");
            None
        }
        slot => slot.str(),
    };
    ck.unknown_members(obj, &["type"], ip);
    let t = item_type?;
    if !ITEM_TYPES.contains(&t) {
        ck.invalid("VAL-47", tp, format!("must be string, number, boolean or integer, got {}", quote(t)));
        return None;
    }
    Some(t)
}

/// VAL-46: `enum` of 1-100 strings, only on `string` or an array of strings [choice].
fn check_enum(ck: &mut Checker<'_>, ftype: FieldType, item_type: Option<&str>, slot: Slot<'_>, ep: &str) {
    let Some(values) = slot.array() else { return };
    match ftype {
        FieldType::String => {}
        FieldType::Array if item_type == Some("string") => {}
        // An unusable `items` is already VAL-47.
        FieldType::Array if item_type.is_none() => return,
        _ => {
            let on = if ftype == FieldType::Array {
                format!("array of {}", item_type.unwrap_or("?"))
            } else {
                ftype.name().to_string()
            };
            ck.invalid("VAL-46", ep, format!("is only allowed on type string or an array of strings, not {on}"));
            return;
        }
    }
    if values.is_empty() {
        ck.invalid("VAL-46", ep, "must not be empty (1-100 strings)");
    } else if values.len() > MAX_ENUM_VALUES {
        ck.invalid("VAL-46", ep, format!("has {} values, at most {MAX_ENUM_VALUES}", values.len()));
    }
    for (k, v) in values.iter().enumerate() {
        if !v.is_string() {
            ck.invalid("VAL-46", index(ep, k), format!("must be a string, got {}", type_name(v)));
        }
    }
}

/// VAL-48: each range `{start_time, end_time}` (seconds) has start ≥ 0 and
/// end − start ≥ 2; ranges of one definition do not overlap (touching is fine).
/// Bounds against the video's duration are MEDIA-2, not checked here.
fn check_time_ranges(ck: &mut Checker<'_>, list: &[Value], path: &str) {
    let mut good: Vec<(usize, f64, f64)> = Vec::new();
    for (k, range) in list.iter().enumerate() {
        let p = index(path, k);
        let Some(obj) = ck.read(Some(range), &p, Kind::Object).object() else {
            if range.is_null() {
                ck.invalid("VAL-3", &p, "must be an object, got null");
            }
            continue;
        };
        let bound = |ck: &mut Checker<'_>, key: &str| match ck.required(obj, key, &p, Kind::Number) {
            Slot::Absent => {
                ck.invalid("VAL-48", child(&p, key), "is required (seconds)");
                None
            }
            slot => slot.number(),
        };
        let start = bound(ck, "start_time");
        let end = bound(ck, "end_time");
        ck.unknown_members(obj, &["start_time", "end_time"], &p);
        let (Some(s), Some(e)) = (start, end) else {
            continue;
        };
        if s < 0.0 {
            ck.invalid("VAL-48", child(&p, "start_time"), format!("must be at least 0, got {s}"));
            continue;
        }
        if e - s < MIN_RANGE_S {
            ck.invalid(
                "VAL-48",
                child(&p, "end_time"),
                format!("time range {s}..{e} s is {} s long, at least {MIN_RANGE_S} s", round3(e - s)),
            );
            continue;
        }
        if let Some((j, a, b)) = good.iter().find(|(_, a, b)| s.max(*a) < e.min(*b)) {
            ck.invalid("VAL-48", &p, format!("time range {s}..{e} s overlaps {} ({a}..{b} s)", index(path, *j)));
            continue;
        }
        good.push((k, s, e));
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
