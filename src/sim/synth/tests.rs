//! Unit tests of [`synthesize`] and [`fingerprint`], one behaviour each.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::*;
use crate::contract::time::parse_time;

fn run(request: &Value, duration: f64, seed: u64) -> Result<Synthesis, SynthError> {
    synthesize(&SynthInput { request, duration, seed, force_truncate: false })
}

fn ok(request: &Value, duration: f64, seed: u64) -> Synthesis {
    run(request, duration, seed).unwrap_or_else(|e| panic!("{e}"))
}

fn data_json(s: &Synthesis) -> Value {
    serde_json::from_str(&s.data).unwrap_or_else(|e| panic!("{e}: {}", s.data))
}

fn general(prompt: &str) -> Value {
    json!({"video": {"type": "video_id", "video_id": "sim-vid-ok"}, "prompt": prompt})
}

fn with_schema(model: &str, schema: Value) -> Value {
    json!({
        "video": {"type": "url", "url": "https://example.com/a.mp4"},
        "model_name": model,
        "prompt": "Fill the schema.",
        "response_format": {"type": "json_schema", "json_schema": schema},
    })
}

fn segmented(extra: Value, definitions: Value) -> Value {
    let mut body = json!({
        "video": {"type": "asset_id", "asset_id": "a1"},
        "model_name": "pegasus1.5",
        "analysis_mode": "time_based_metadata",
        "response_format": {"type": "segment_definitions", "segment_definitions": definitions},
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

#[test]
fn text_starts_with_marker_and_has_40_to_400_tokens() {
    for (d, shown) in [(5.312, "5.312"), (60.0, "60"), (4.004, "4.004")] {
        for seed in 0..20 {
            let s = ok(&general("Summarise the video in three bullet points."), d, seed);
            let prefix = format!("[simulated] Synthetic response for a {shown} s video.");
            assert!(s.data.starts_with(&prefix), "{}", s.data);
            assert!(s.data.contains("\"Summarise the video in three bullet points.\""));
            assert!((40..=400).contains(&est_tokens(&s.data)));
            assert_eq!(s.finish_reason, FinishReason::Stop);
            assert_eq!(s.warning, None);
            assert!(s.generation_id.starts_with("sim-"));
        }
    }
}

#[test]
fn text_quotes_prompt_v2_input_text() {
    let body = json!({
        "video": {"type": "url", "url": "https://example.com/a.mp4"},
        "model_name": "pegasus1.5",
        "prompt_v2": {"input_text": "Is <@logo> shown?", "media_sources": [
            {"name": "logo", "media_type": "image", "url": "https://example.com/l.png"}]},
    });
    let s = ok(&body, 10.0, 0);
    assert!(s.data.contains("\"Is <@logo> shown?\""));
    // SIM-USAGE-1: est_tokens("Is <@logo> shown?") = 5, ⌈10 × 10⌉ = 100, one source.
    assert_eq!(s.input_tokens, 5 + 100 + 256);
}

#[test]
fn usage_follows_sim_usage_1() {
    // "Summarise." is 10 bytes: 3 tokens; ⌈10 × 5.312⌉ = 54.
    let s = ok(&general("Summarise."), 5.312, 0);
    assert_eq!(s.input_tokens, 3 + 54);
    assert_eq!(s.output_tokens, est_tokens(&s.data));

    let body = segmented(
        json!({"start_time": 1.5, "end_time": 7.25}),
        json!([
            {"id": "a", "description": "abcd", "fields": [
                {"name": "x", "type": "string", "description": "efgh"}],
             "media_sources": [{"name": "l", "media_type": "image", "url": "https://e.com/l.png"}]},
            {"id": "b", "description": "i"},
        ]),
    );
    let s = ok(&body, 60.0, 0);
    // "abcdefghi": 3 tokens; ⌈10 × 5.75⌉ = 58; one media source.
    assert_eq!(s.input_tokens, 3 + 58 + 256);
}

#[test]
fn same_input_gives_identical_output_and_seed_changes_it() {
    let bodies = [
        general("Describe."),
        with_schema(
            "pegasus1.2",
            json!({"type": "object", "properties": {
            "n": {"type": "integer"}, "id": {"type": "string", "format": "uuid"}}}),
        ),
        segmented(json!({}), json!([{"id": "s", "description": "d"}])),
    ];
    for body in &bodies {
        let a = ok(body, 60.0, 7);
        assert_eq!(a, ok(body, 60.0, 7));
        let b = ok(body, 60.0, 8);
        assert_ne!(a.generation_id, b.generation_id);
    }
    // The data itself varies with the seed.
    let datas: std::collections::BTreeSet<String> = (0..8).map(|seed| ok(&bodies[1], 60.0, seed).data).collect();
    assert!(datas.len() > 1);
}

#[test]
fn generation_id_is_sim_plus_uuid() {
    let id = ok(&general("x"), 60.0, 0).generation_id;
    let uuid = id.strip_prefix("sim-").unwrap_or_default();
    let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12]);
    assert!(uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
}

#[test]
fn media_identity_changes_the_output_and_hashes_base64() {
    let body = |b64: &str| {
        json!({"video": {"type": "base64_string", "base64_string": b64}, "model_name": "pegasus1.5",
               "prompt": "p"})
    };
    assert_ne!(ok(&body("AAAA"), 60.0, 0).generation_id, ok(&body("AAAB"), 60.0, 0).generation_id);
    let id = media_identity(&body("AAAA"));
    assert!(!id.contains("AAAA"));
    assert_eq!(id, format!("base64_string:sha256:{}", hex(&Sha256::digest(b"AAAA"))));
    assert_eq!(media_identity(&general("p")), "video_id:sim-vid-ok");
}

#[test]
fn fingerprint_is_sha256_of_sorted_compact_json() {
    let canonical = r#"{"a":[1,{"c":"é\"","d":2.5}],"b":null}"#;
    let expected = hex(&Sha256::digest(canonical.as_bytes()));
    let body: Value = serde_json::from_str(r#"{ "b": null, "a": [1, {"d": 2.5, "c": "é\""}] }"#).unwrap_or_default();
    assert_eq!(fingerprint(&body), expected);
    assert_eq!(fingerprint(&json!({})), "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
}

#[test]
fn json_schema_orders_properties_per_req_rf_5() {
    let schema = json!({"type": "object", "properties": {
        "opt1": {"type": "string"}, "req1": {"type": "integer"},
        "opt2": {"type": "boolean"}, "req2": {"type": "null"}},
        "required": ["req2", "req1"]});
    let v = data_json(&ok(&with_schema("pegasus1.2", schema), 60.0, 0));
    let keys: Vec<&String> = v.as_object().map(|m| m.keys().collect()).unwrap_or_default();
    assert_eq!(keys, ["req1", "opt1", "opt2", "req2"]);
    assert_eq!(v["opt1"], json!("sim:opt1"));

    // First property required: declaration order stands; undeclared required last.
    let props = json!({"a": {}, "b": {}}).as_object().cloned().unwrap_or_default();
    let order = json_schema::property_order(&props, &["a", "z"]);
    assert_eq!(order, ["a", "b", "z"]);
}

#[test]
fn json_schema_picks_enum_const_and_any_of_members() {
    let schema = json!({"type": "object", "properties": {
        "mood": {"type": "string", "enum": ["calm", "tense", "joyful"]},
        "mixed": {"enum": [1, "two", null]},
        "fixed": {"const": {"k": [1, 2]}},
        "either": {"anyOf": [{"type": "integer", "minimum": 500, "maximum": 501}, {"type": "null"}]}},
        "required": ["mood"]});
    let mut moods = std::collections::BTreeSet::new();
    for seed in 0..30 {
        let v = data_json(&ok(&with_schema("pegasus1.2", schema.clone()), 60.0, seed));
        moods.insert(v["mood"].as_str().unwrap_or_default().to_string());
        assert!([json!(1), json!("two"), Value::Null].contains(&v["mixed"]));
        assert_eq!(v["fixed"], json!({"k": [1, 2]}));
        assert!([json!(500), json!(501), Value::Null].contains(&v["either"]), "{}", v["either"]);
    }
    assert!(moods.iter().all(|m| ["calm", "tense", "joyful"].contains(&m.as_str())));
    assert!(moods.len() > 1);
}

#[test]
fn json_schema_integers_honour_bounds_and_numbers_have_3_decimals() {
    let schema = json!({"type": "object", "properties": {
        "a": {"type": "integer", "minimum": -3, "maximum": 3},
        "b": {"type": "integer", "exclusiveMinimum": 10, "exclusiveMaximum": 12},
        "c": {"type": "integer", "minimum": 1000},
        "d": {"type": "integer", "exclusiveMaximum": -5.5},
        "n": {"type": "number"},
        "arr": {"type": "array", "items": {"type": "boolean"}}}});
    for seed in 0..30 {
        let v = data_json(&ok(&with_schema("pegasus1.2", schema.clone()), 60.0, seed));
        let int = |k: &str| v[k].as_i64().unwrap_or(i64::MIN);
        assert!((-3..=3).contains(&int("a")));
        assert_eq!(int("b"), 11);
        assert!((1000..=1100).contains(&int("c")));
        assert!((-105..=-6).contains(&int("d")), "{}", v["d"]);
        let n = v["n"].as_f64().unwrap_or(-1.0);
        assert!((0.0..100.0).contains(&n));
        assert!(((n * 1000.0).round() / 1000.0 - n).abs() < 1e-9);
        let len = v["arr"].as_array().map_or(0, Vec::len);
        assert!((1..=3).contains(&len));
    }
    let impossible = with_schema("pegasus1.2", json!({"type": "integer", "minimum": 2.5, "maximum": 2.9}));
    let err = run(&impossible, 60.0, 0).err().map(|e| e.0).unwrap_or_default();
    assert!(err.starts_with("[simulated] cannot synthesise"), "{err}");
}

/// Depth of `children` nesting of a tree value (1 for a leaf node).
fn tree_depth(v: &Value) -> usize {
    1 + v["children"].as_array().map_or(0, |c| c.iter().map(tree_depth).max().unwrap_or(0))
}

#[test]
fn json_schema_expands_ref_to_depth_3_then_shortest_value() {
    let schema = json!({
        "$defs": {"node": {"type": "object", "properties": {
            "label": {"type": "string"},
            "name": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
            "required": ["name", "children"]}},
        "$ref": "#/$defs/node"});
    for seed in 0..10 {
        let v = data_json(&ok(&with_schema("pegasus1.2", schema.clone()), 60.0, seed));
        // Three expanded levels, then a fourth in shortest form.
        assert_eq!(tree_depth(&v), 4, "{v}");
        let mut node = &v;
        for _ in 0..3 {
            assert_eq!(node["label"], json!("sim:label"));
            node = &node["children"][0];
        }
        assert_eq!(node, &json!({"name": "sim:", "children": []}));
    }
    let endless = json!({"$defs": {"n": {"type": "object", "properties": {"next": {"$ref": "#/$defs/n"}},
        "required": ["next"]}}, "$ref": "#/$defs/n"});
    let err = run(&with_schema("pegasus1.2", endless), 60.0, 0).err().map(|e| e.0).unwrap_or_default();
    assert!(err.contains("no finite instance"), "{err}");
}

#[test]
fn json_schema_formats_are_valid() {
    let schema = json!({"type": "object", "properties": {
        "u": {"type": "string", "format": "uuid"},
        "dt": {"type": "string", "format": "date-time"},
        "d": {"type": "string", "format": "date"},
        "t": {"type": "string", "format": "time"},
        "p": {"type": "string", "pattern": "^[A-Z]{2}-\\d{3}$"}}});
    let validator =
        jsonschema::options().should_validate_formats(true).build(&schema).unwrap_or_else(|e| panic!("{e}"));
    for seed in 0..30 {
        let v = data_json(&ok(&with_schema("pegasus1.2", schema.clone()), 60.0, seed));
        assert!(validator.is_valid(&v), "{v}");
    }
    let bad = with_schema("pegasus1.2", json!({"type": "string", "pattern": "(a)\\1"}));
    let err = run(&bad, 60.0, 0).err().map(|e| e.0).unwrap_or_default();
    assert!(err.starts_with("[simulated] cannot synthesise a json_schema instance: pattern"), "{err}");
    let email = with_schema("pegasus1.2", json!({"type": "string", "format": "email"}));
    assert!(run(&email, 60.0, 0).is_err());
}

#[test]
fn reserved_times_under_pegasus_1_5_lie_in_the_window() {
    let schema = json!({"type": "object", "properties": {
        "start_time": {"type": "number"},
        "end_time": {"type": "string"},
        "events": {"type": "array", "items": {"type": "object", "properties": {
            "start_time": {"type": "integer"},
            "end_time": {"type": "timestamp", "format": "hh:mm:ss"},
            "at": {"type": "timestamp", "format": "seconds"}}}}},
        "required": ["start_time", "end_time"]});
    for seed in 0..30 {
        let mut body = with_schema("pegasus1.5", schema.clone());
        body["start_time"] = json!(2.5);
        body["end_time"] = json!(9.75);
        let v = data_json(&ok(&body, 60.0, seed));
        let start = v["start_time"].as_f64().unwrap_or(-1.0);
        let end = parse_time(&v["end_time"]).unwrap_or(-1.0);
        assert!(v["end_time"].as_str().is_some_and(|s| s.len() == "00:00:00.000".len()));
        assert!((2.5..=end).contains(&start) && end <= 9.75, "{v}");
        for e in v["events"].as_array().into_iter().flatten() {
            let s = e["start_time"].as_i64().unwrap_or(-1);
            let en = parse_time(&e["end_time"]).unwrap_or(-1.0);
            assert!((3..=9).contains(&s) && (3.0..=9.0).contains(&en), "{e}");
            assert!(s as f64 <= en);
            assert!((2.5..=9.75).contains(&e["at"].as_f64().unwrap_or(-1.0)));
        }
    }
    // pegasus1.2: ordinary names.
    let v =
        data_json(&ok(&with_schema("pegasus1.2", json!({"properties": {"start_time": {"type": "string"}}})), 60.0, 0));
    assert_eq!(v, json!({"start_time": "sim:start_time"}));
}

#[test]
fn segments_list_every_definition_in_order() {
    let body = segmented(
        json!({"min_segment_duration": 5, "start_time": 0, "end_time": 4.5}),
        json!([
            {"id": "z_first", "description": "d"},
            {"id": "a_second", "description": "d"},
        ]),
    );
    let s = ok(&body, 60.0, 0);
    // A 4.5 s window is shorter than Lmin = 5 s: no segments, every id listed (RES-4).
    assert_eq!(s.data, r#"{"z_first":[],"a_second":[]}"#);
}

#[test]
fn segments_honour_durations_ranges_and_formats() {
    let body = segmented(
        json!({"response_format": {"type": "segment_definitions", "segment_time_format": "hh:mm:ss.fff",
            "segment_definitions": [
                {"id": "scenes", "description": "d", "time_ranges": [
                    {"start_time": 0, "end_time": 1.5}, {"start_time": 10, "end_time": 30.25}],
                 "fields": [
                    {"name": "mood", "type": "string", "enum": ["calm", "tense"], "description": "m"},
                    {"name": "label", "type": "string", "description": "l"},
                    {"name": "objects", "type": "array", "items": {"type": "string"}, "description": "o"},
                    {"name": "peak", "type": "timestamp", "format": "hh:mm:ss", "description": "p"},
                    {"name": "n", "type": "integer", "description": "n"}]}]}}),
        json!([]),
    );
    for seed in 0..20 {
        let v = data_json(&ok(&body, 60.0, seed));
        let segs = v["scenes"].as_array().cloned().unwrap_or_default();
        assert!((1..=5).contains(&segs.len()), "{v}");
        let mut prev_end = 0.0;
        for seg in &segs {
            let (s, e) = (parse_time(&seg["start_time"]).unwrap_or(-1.0), parse_time(&seg["end_time"]).unwrap_or(-1.0));
            assert!(seg["start_time"].as_str().is_some_and(|t| t.len() == 12));
            // The 1.5 s range is shorter than Lmin = 2 s: every segment is in the other.
            assert!(10.0 <= s && e <= 30.25 && s >= prev_end && e - s >= 2.0 - 1e-9 && e - s <= 20.25 + 1e-9);
            prev_end = e;
            let m = &seg["metadata"];
            let keys: Vec<&String> = m.as_object().map(|o| o.keys().collect()).unwrap_or_default();
            assert_eq!(keys, ["mood", "label", "objects", "peak", "n"]);
            assert!(["calm", "tense"].contains(&m["mood"].as_str().unwrap_or_default()));
            assert_eq!(m["label"], json!("sim:label"));
            assert!(m["objects"].as_array().is_some_and(|a| a.len() <= 3));
            let peak = parse_time(&m["peak"]).unwrap_or(-1.0);
            assert!(s <= peak && peak <= e && peak.fract() == 0.0);
            assert!((0..=100).contains(&m["n"].as_i64().unwrap_or(-1)));
        }
    }
}

#[test]
fn truncation_cuts_at_max_tokens_on_a_char_boundary() {
    let mut body = general(&"é".repeat(300));
    body["max_tokens"] = json!(10);
    let s = ok(&body, 60.0, 0);
    let full = {
        let mut b = body.clone();
        b["max_tokens"] = json!(4096);
        ok(&b, 60.0, 0).data
    };
    assert_eq!(s.finish_reason, FinishReason::Length);
    assert_eq!(s.finish_reason.as_str(), "length");
    assert!(s.data.len() <= 40 && s.data.len() >= 37 && full.starts_with(&s.data));
    assert!(s.output_tokens <= 10);
    let w = s.warning.unwrap_or_default();
    assert!(w.starts_with("[simulated] output truncated: ") && w.contains("max_tokens"), "{w}");

    // The default for pegasus1.5 time_based_metadata is 32 768 tokens: not reached here.
    let seg = segmented(json!({}), json!([{"id": "s", "description": "d"}]));
    assert_eq!(ok(&seg, 60.0, 0).finish_reason, FinishReason::Stop);
}

#[test]
fn truncate_fault_keeps_half_the_bytes() {
    let body = with_schema("pegasus1.2", json!({"type": "object", "properties": {"a": {"type": "string"}}}));
    let full = ok(&body, 60.0, 0);
    let cut = synthesize(&SynthInput { request: &body, duration: 60.0, seed: 0, force_truncate: true })
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cut.data, full.data[..full.data.len() / 2]);
    assert_eq!(cut.finish_reason, FinishReason::Length);
    assert_eq!(cut.generation_id, full.generation_id);
    assert!(cut.warning.is_some_and(|w| w.contains("max_tokens")));
    assert!(cut.output_tokens >= 1);
}

#[test]
fn malformed_bodies_give_ok_or_error_never_panic() {
    let bodies = [
        json!(null),
        json!([1, 2]),
        json!("text"),
        json!({}),
        json!({"prompt": 5}),
        json!({"prompt": "x", "video": {"type": 3}}),
        json!({"prompt": "x", "start_time": "a", "end_time": -4, "max_tokens": -1}),
        json!({"prompt": "x", "max_tokens": 0}),
        json!({"analysis_mode": "time_based_metadata"}),
        json!({"analysis_mode": "time_based_metadata", "response_format": {"segment_definitions": [
            {"id": "a", "time_ranges": [{"start_time": 9, "end_time": 1}], "fields": [{"name": "x", "type": "weird"}]},
            {"id": 1}]}}),
        json!({"analysis_mode": "time_based_metadata", "min_segment_duration": 0, "max_segment_duration": -3,
            "response_format": {"segment_definitions": [{"id": "a", "fields": [{"type": "string"}]}]}}),
        json!({"response_format": {"type": "json_schema"}}),
        json!({"response_format": {"type": "json_schema", "json_schema": false}}),
        json!({"response_format": {"type": "json_schema", "json_schema": {"type": 5, "properties": [], "required": {}}}}),
        json!({"response_format": {"type": "json_schema", "json_schema": {"$ref": "#/$defs/missing"}}}),
        json!({"response_format": {"type": "json_schema", "json_schema": {"type": "array", "minItems": 1e30}}}),
        json!({"response_format": {"type": "json_schema", "json_schema": {"type": "integer", "minimum": 1e300}}}),
        json!({"response_format": {"type": "json_schema", "json_schema": {"type": "timestamp", "format": "weeks"}}}),
        json!({"response_format": {"type": "json_schema", "json_schema": {"anyOf": []}}}),
        json!({"response_format": {"type": "json_schema", "json_schema": {"pattern": "[\u{d7ff}-\u{e000}]{3}"}}}),
        json!({"response_format": {"type": "unknown"}}),
    ];
    for body in &bodies {
        for duration in [60.0, 0.0, -1.0, 1e300, f64::NAN, f64::INFINITY] {
            for force_truncate in [false, true] {
                let r = synthesize(&SynthInput { request: body, duration, seed: 1, force_truncate });
                if let Err(e) = r {
                    assert!(e.0.starts_with("[simulated] cannot synthesise "), "{e}");
                }
            }
        }
    }
}
