//! Property tests (issue 4): random valid segment requests and random schemas of the
//! supported subset, plus arbitrary JSON that must never panic. Case counts are kept
//! modest so the file runs in seconds on 2 cores.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use super::pattern::SUPPORTED_EXAMPLES;
use super::*;
use crate::contract::time::parse_time;

// ---------------------------------------------------------------- segments

/// A random valid `time_based_metadata` request, all times in whole ms.
#[derive(Debug, Clone)]
struct SegCase {
    duration_ms: i64,
    /// Top-level `start_time` / `end_time` (ms), each optional.
    window: (Option<i64>, Option<i64>),
    /// `min_segment_duration` / `max_segment_duration` (ms), each optional.
    durations: (Option<i64>, Option<i64>),
    format: Option<&'static str>,
    defs: Vec<DefCase>,
}

/// A definition: its `time_ranges` (ms) if any, and its fields.
type DefCase = (Option<Vec<(i64, i64)>>, Vec<Value>);

fn field() -> impl Strategy<Value = Value> {
    let scalar = select(vec!["string", "number", "integer", "boolean"]);
    let words = || prop::collection::vec("[a-z]{1,6}", 1..4);
    prop_oneof![
        Just(json!({"type": "string"})),
        words().prop_map(|e| json!({"type": "string", "enum": e})),
        scalar.clone().prop_map(|t| json!({"type": t})),
        scalar.prop_map(|t| json!({"type": "array", "items": {"type": t}})),
        words().prop_map(|e| json!({"type": "array", "items": {"type": "string"}, "enum": e})),
        select(vec!["seconds", "hh:mm:ss", "hh:mm:ss.fff"]).prop_map(|f| json!({"type": "timestamp", "format": f})),
    ]
}

/// Up to 3 disjoint ranges, each ≥ 2 s, within [0, d], built from raw draws.
fn ranges(d: i64, n: usize, raw: &[(u32, u32)]) -> Vec<(i64, i64)> {
    let slot = d / n as i64;
    raw.iter()
        .take(n)
        .enumerate()
        .filter(|_| slot >= 2_000)
        .map(|(i, &(r1, r2))| {
            let base = slot * i as i64;
            let len = 2_000 + i64::from(r1) % (slot - 2_000 + 1);
            let start = base + i64::from(r2) % (slot - len + 1);
            (start, start + len)
        })
        .collect()
}

fn seg_case() -> impl Strategy<Value = SegCase> {
    let def_raw = (
        any::<bool>(),
        1usize..=3,
        prop::collection::vec((any::<u32>(), any::<u32>()), 3),
        prop::collection::vec(field(), 0..5),
    );
    (
        4_000i64..=7_200_000,
        any::<bool>(),
        (any::<u32>(), any::<u32>(), any::<bool>(), any::<bool>()),
        (prop::option::of(2_000i64..=30_000), prop::option::of(0i64..=60_000)),
        prop::option::of(select(vec!["seconds", "hh:mm:ss", "hh:mm:ss.fff"])),
        prop::collection::vec(def_raw, 1..=3),
    )
        .prop_map(|(d, use_ranges, (r1, r2, has_start, has_end), (min, extra), format, raw_defs)| {
            let start = i64::from(r1) % (d - 4_000 + 1);
            let end = start + 4_000 + i64::from(r2) % (d - start - 4_000 + 1);
            let max = extra.map(|e| min.unwrap_or(2_000) + e);
            let defs: Vec<_> = raw_defs
                .into_iter()
                .map(|(ranged, n, raw, fields)| {
                    let rs = (use_ranges && ranged).then(|| ranges(d, n, &raw)).filter(|r| !r.is_empty());
                    (rs, fields)
                })
                .collect();
            let any_ranges = defs.iter().any(|(r, _)| r.is_some());
            SegCase {
                duration_ms: d,
                // VAL-34/35: `time_ranges` exclude the window and segment durations.
                window: if any_ranges { (None, None) } else { (has_start.then_some(start), has_end.then_some(end)) },
                durations: if any_ranges { (None, None) } else { (min, max) },
                format,
                defs,
            }
        })
}

fn secs(ms: i64) -> f64 {
    ms as f64 / 1000.0
}

fn seg_body(c: &SegCase) -> Value {
    let defs: Vec<Value> = c
        .defs
        .iter()
        .enumerate()
        .map(|(i, (rs, fields))| {
            let fields: Vec<Value> = fields
                .iter()
                .enumerate()
                .map(|(j, f)| {
                    let mut f = f.clone();
                    f["name"] = json!(format!("f{j}"));
                    f["description"] = json!("a field");
                    f
                })
                .collect();
            let mut def = json!({"id": format!("def{i}"), "description": "segments", "fields": fields});
            if let Some(rs) = rs {
                def["time_ranges"] =
                    rs.iter().map(|&(a, b)| json!({"start_time": secs(a), "end_time": secs(b)})).collect();
            }
            def
        })
        .collect();
    let mut rf = json!({"type": "segment_definitions", "segment_definitions": defs});
    if let Some(f) = c.format {
        rf["segment_time_format"] = json!(f);
    }
    let mut body = json!({"video": {"type": "asset_id", "asset_id": "a"}, "model_name": "pegasus1.5",
        "analysis_mode": "time_based_metadata", "response_format": rf});
    let mut set = |k: &str, v: Option<i64>| {
        if let Some(ms) = v {
            body[k] = json!(secs(ms));
        }
    };
    set("start_time", c.window.0);
    set("end_time", c.window.1);
    set("min_segment_duration", c.durations.0);
    set("max_segment_duration", c.durations.1);
    body
}

/// A result time in whole ms.
fn ms_of(v: &Value) -> Option<i64> {
    parse_time(v).map(|s| (s * 1000.0).round() as i64)
}

/// Checks one metadata object against its fields and segment `[s, e]` ms.
fn check_metadata(m: &Value, fields: &[Value], s: i64, e: i64) -> Result<(), TestCaseError> {
    let obj = m.as_object().ok_or_else(|| TestCaseError::fail("metadata is not an object"))?;
    prop_assert_eq!(obj.len(), fields.len());
    for (j, (f, (k, v))) in fields.iter().zip(obj).enumerate() {
        prop_assert_eq!(k, &format!("f{j}"));
        let enums: Vec<&Value> = f["enum"].as_array().map(|a| a.iter().collect()).unwrap_or_default();
        let scalar_ok = |ty: &str, v: &Value| match ty {
            "string" if !enums.is_empty() => enums.contains(&v),
            "string" => v.as_str().is_some_and(|s| s.starts_with("sim:f")),
            "boolean" => v.is_boolean(),
            "integer" => v.as_i64().is_some_and(|i| (0..=100).contains(&i)),
            "number" => v
                .as_f64()
                .is_some_and(|x| (0.0..=100.0).contains(&x) && ((x * 1000.0).round() - x * 1000.0).abs() < 1e-6),
            _ => false,
        };
        match f["type"].as_str().unwrap_or_default() {
            "array" => {
                let items = v.as_array().ok_or_else(|| TestCaseError::fail("array field"))?;
                prop_assert!(items.len() <= 3);
                let it = f["items"]["type"].as_str().unwrap_or_default();
                prop_assert!(items.iter().all(|x| scalar_ok(it, x)), "{} {}", f, v);
            }
            "timestamp" => {
                let fmt = f["format"].as_str().unwrap_or_default();
                prop_assert_eq!(v.is_number(), fmt == "seconds");
                let t = ms_of(v).ok_or_else(|| TestCaseError::fail("timestamp parses"))?;
                prop_assert!(s <= t && t <= e, "timestamp {} outside [{}, {}]", v, s, e);
                if fmt == "hh:mm:ss" {
                    prop_assert_eq!(t % 1000, 0);
                }
            }
            ty => prop_assert!(scalar_ok(ty, v), "{} {}", f, v),
        }
    }
    Ok(())
}

/// Tolerance on span bounds and lengths (ms). The generator rounds inward on its grid,
/// so with ms inputs the bounds hold exactly; the documented tolerance is 1 ms.
const TOL_MS: i64 = 1;

fn check_segments(c: &SegCase, syn: &Synthesis) -> Result<(), TestCaseError> {
    let data: Value = serde_json::from_str(&syn.data).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&data.to_string(), &syn.data, "data is compact JSON");
    let obj = data.as_object().ok_or_else(|| TestCaseError::fail("data is an object"))?;
    let ids: Vec<String> = (0..c.defs.len()).map(|i| format!("def{i}")).collect();
    prop_assert_eq!(obj.keys().cloned().collect::<Vec<_>>(), ids);
    let hms = c.format == Some("hh:mm:ss");
    let lmin = c.durations.0.unwrap_or(2_000);
    for ((rs, fields), segs) in c.defs.iter().zip(obj.values()) {
        let spans = rs.clone().unwrap_or_else(|| vec![(c.window.0.unwrap_or(0), c.window.1.unwrap_or(c.duration_ms))]);
        let segs = segs.as_array().ok_or_else(|| TestCaseError::fail("segments are a list"))?;
        let mut prev_end = i64::MIN;
        let mut per_span = vec![0i64; spans.len()];
        for seg in segs {
            let (s, e) = (
                ms_of(&seg["start_time"]).ok_or_else(|| TestCaseError::fail("start"))?,
                ms_of(&seg["end_time"]).ok_or_else(|| TestCaseError::fail("end"))?,
            );
            prop_assert_eq!(seg["start_time"].is_number(), c.format.is_none_or(|f| f == "seconds"));
            prop_assert!(prev_end <= s && s < e, "order/overlap: {} then [{}, {}]", prev_end, s, e);
            prev_end = e;
            let i = spans
                .iter()
                .position(|&(a, b)| a - TOL_MS <= s && e <= b + TOL_MS)
                .ok_or_else(|| TestCaseError::fail(format!("[{s}, {e}] outside every span {spans:?}")))?;
            per_span[i] += 1;
            let (a, b) = spans[i];
            let lmax = c.durations.1.unwrap_or(lmin.max(60_000.min(b - a)));
            let len = e - s;
            prop_assert!(len >= lmin - TOL_MS, "length {} < Lmin {}", len, lmin);
            // hh:mm:ss: whole seconds; a segment is ⌈Lmin⌉ s when no whole second
            // lies in [Lmin, Lmax] (module docs).
            let lmax_ok = if hms { lmax.max((lmin + 999) / 1000 * 1000) } else { lmax };
            prop_assert!(len <= lmax_ok + TOL_MS, "length {} > Lmax {}", len, lmax_ok);
            if hms {
                prop_assert!(s % 1000 == 0 && e % 1000 == 0);
            }
            check_metadata(&seg["metadata"], fields, s, e)?;
        }
        for (&(a, b), &k) in spans.iter().zip(&per_span) {
            let (room, unit_min) = if hms {
                ((b.div_euclid(1000) - (a + 999).div_euclid(1000)) * 1000, (lmin + 999) / 1000 * 1000)
            } else {
                (b - a, lmin)
            };
            let kmax = 5.min(room / unit_min).max(0);
            prop_assert!(k <= kmax && (kmax == 0 || k >= 1), "{} segments in [{}, {}], max {}", k, a, b, kmax);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// SIM-SEG-1..3, RES-3, RES-4 on random valid segment requests.
    #[test]
    fn segments_honour_spans_durations_order_and_field_types(c in seg_case(), seed in any::<u64>()) {
        let body = seg_body(&c);
        let syn = synthesize(&SynthInput { request: &body, duration: secs(c.duration_ms), seed, force_truncate: false })
            .map_err(|e| TestCaseError::fail(e.0))?;
        prop_assert_eq!(syn.finish_reason, FinishReason::Stop);
        check_segments(&c, &syn)?;
    }
}

// ---------------------------------------------------------------- json_schema

fn scalar_json() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1_000i64..1_000).prop_map(Value::from),
        "[a-z ]{0,8}".prop_map(Value::from),
    ]
}

/// Leaves of the supported subset; `refs` picks the `$defs` a leaf may point to (the
/// definition `d0` itself refers only to `tree`, so every schema has an instance).
fn leaf_schema(refs: Vec<&'static str>) -> impl Strategy<Value = Value> {
    let bound = || prop::option::of(-50i64..50);
    prop_oneof![
        Just(json!({"type": "string"})),
        Just(json!({"type": "number"})),
        Just(json!({"type": "boolean"})),
        Just(json!({"type": "null"})),
        Just(json!({"type": ["string", "null"]})),
        select(vec!["uuid", "date-time", "date", "time"]).prop_map(|f| json!({"type": "string", "format": f})),
        select(SUPPORTED_EXAMPLES.to_vec()).prop_map(|p| json!({"type": "string", "pattern": p})),
        (bound(), prop::option::of(0i64..20), any::<bool>(), any::<bool>()).prop_map(|(lo, width, ex_lo, ex_hi)| {
            let mut s = json!({"type": "integer"});
            if let Some(lo) = lo {
                s[if ex_lo { "exclusiveMinimum" } else { "minimum" }] = json!(lo);
            }
            if let Some(w) = width {
                // Wide enough that exclusive bounds on both sides leave an integer.
                let hi = lo.unwrap_or(0) + w + 2;
                s[if ex_hi { "exclusiveMaximum" } else { "maximum" }] = json!(hi);
            }
            s
        }),
        prop::collection::vec(scalar_json(), 1..4).prop_map(|e| json!({"enum": e})),
        prop::collection::vec("[a-z]{1,5}", 1..4).prop_map(|e| json!({"type": "string", "enum": e})),
        scalar_json().prop_map(|c| json!({"const": c})),
        select(refs).prop_map(|d| json!({"$ref": format!("#/$defs/{d}")})),
    ]
}

const NAMES: [&str; 6] = ["title", "score", "start_time", "end_time", "tags", "note"];

/// An object schema from `(schema, required)` members, named from [`NAMES`] then
/// `p<i>` (unique).
fn object_of(members: Vec<(Value, bool)>) -> Value {
    let mut props = Map::new();
    let mut required = Vec::new();
    for (i, (schema, req)) in members.into_iter().enumerate() {
        let name = NAMES.get(i).map_or_else(|| format!("p{i}"), |n| (*n).to_string());
        if req {
            required.push(json!(name));
        }
        props.insert(name, schema);
    }
    json!({"type": "object", "properties": props, "required": required})
}

fn schema(refs: Vec<&'static str>) -> impl Strategy<Value = Value> {
    leaf_schema(refs).prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (inner.clone(), 0u64..=1).prop_map(|(i, m)| json!({"type": "array", "items": i, "minItems": m})),
            prop::collection::vec((inner.clone(), any::<bool>()), 0..4).prop_map(object_of),
            prop::collection::vec(inner, 1..3).prop_map(|b| json!({"anyOf": b})),
        ]
    })
}

/// A root object schema; timestamps only where REQ-RF-3 allows them (root properties).
fn root_schema() -> impl Strategy<Value = Value> {
    let timestamp =
        select(vec!["seconds", "hh:mm:ss", "hh:mm:ss.fff"]).prop_map(|f| json!({"type": "timestamp", "format": f}));
    let member = prop_oneof![4 => schema(vec!["d0", "tree"]), 1 => timestamp];
    (prop::collection::vec((member, any::<bool>()), 1..6), schema(vec!["tree"])).prop_map(|(members, d0)| {
        let mut root = object_of(members);
        root["$defs"] = json!({
            "d0": d0,
            "tree": {"type": "object", "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/tree"}}},
                "required": ["children"]},
        });
        root
    })
}

/// The schema the `jsonschema` crate checks: `timestamp` becomes `number` (format
/// `seconds`) or `string` (SIM-OUT-3), without its time `format`.
fn for_validation(schema: &Value) -> Value {
    match schema {
        Value::Object(m) if m.get("type") == Some(&json!("timestamp")) => {
            if m.get("format") == Some(&json!("seconds")) {
                json!({"type": "number"})
            } else {
                json!({"type": "string"})
            }
        }
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), for_validation(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(for_validation).collect()),
        other => other.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// SIM-OUT-3: the data validates against the schema, root keys in REQ-RF-5 order.
    #[test]
    fn json_schema_data_validates(schema in root_schema(), pegasus15 in any::<bool>(), seed in any::<u64>(),
                                  d_ms in 4_000i64..7_200_000) {
        let model = if pegasus15 { "pegasus1.5" } else { "pegasus1.2" };
        let body = json!({"video": {"type": "url", "url": "https://e.com/a.mp4"}, "model_name": model,
            "prompt": "p", "max_tokens": 65_536,
            "response_format": {"type": "json_schema", "json_schema": schema}});
        let syn = synthesize(&SynthInput { request: &body, duration: secs(d_ms), seed, force_truncate: false })
            .map_err(|e| TestCaseError::fail(e.0))?;
        prop_assert_eq!(syn.finish_reason, FinishReason::Stop);
        let data: Value = serde_json::from_str(&syn.data).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&for_validation(&schema))
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let errors: Vec<String> = validator.iter_errors(&data).map(|e| e.to_string()).collect();
        prop_assert!(errors.is_empty(), "{:?}\nschema {}\ndata {}", errors, schema, data);
        let props = schema["properties"].as_object().cloned().unwrap_or_default();
        let required: Vec<&str> = schema["required"].as_array().map(|r| r.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
        let keys: Vec<&str> = data.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        prop_assert_eq!(keys, json_schema::property_order(&props, &required));
    }
}

// ---------------------------------------------------------------- robustness

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        select(vec![
            "type",
            "properties",
            "required",
            "items",
            "enum",
            "const",
            "anyOf",
            "$ref",
            "$defs",
            "pattern",
            "format",
            "minimum",
            "exclusiveMaximum",
            "minItems",
            "segment_definitions",
            "id",
            "fields",
            "name",
            "time_ranges",
            "start_time",
            "end_time",
            "json_schema",
            "response_format",
            "analysis_mode",
            "model_name",
            "prompt",
            "prompt_v2",
            "input_text",
            "max_tokens",
            "video",
            "segment_time_format",
            "min_segment_duration",
            "max_segment_duration",
            "media_sources",
        ])
        .prop_map(str::to_string),
        "[a-z$#/]{0,6}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        select(vec![
            "object",
            "array",
            "string",
            "integer",
            "number",
            "timestamp",
            "json_schema",
            "segment_definitions",
            "time_based_metadata",
            "pegasus1.5",
            "hh:mm:ss",
            "uuid",
            "#/$defs/a",
            "^[a-z]+$",
            "(?=x)",
        ])
        .prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Never a panic: arbitrary JSON as the body, or in the places the generator reads.
    #[test]
    fn arbitrary_bodies_never_panic(v in arbitrary_json(), place in 0usize..5, duration in any::<f64>(),
                                    force_truncate in any::<bool>()) {
        let body = match place {
            0 => v,
            1 => json!({"prompt": "p", "response_format": v}),
            2 => json!({"prompt": "p", "model_name": "pegasus1.5", "response_format": {"type": "json_schema", "json_schema": v}}),
            3 => json!({"analysis_mode": "time_based_metadata", "response_format": {"segment_definitions": v}}),
            _ => json!({"analysis_mode": "time_based_metadata", "min_segment_duration": 2,
                "response_format": {"segment_definitions": [{"id": "a", "fields": v, "time_ranges": [{"start_time": 0, "end_time": 9}]}]}}),
        };
        if let Err(e) = synthesize(&SynthInput { request: &body, duration, seed: 0, force_truncate }) {
            prop_assert!(e.0.starts_with("[simulated] cannot synthesise "));
        }
    }
}
