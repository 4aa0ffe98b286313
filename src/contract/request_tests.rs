//! Table-driven tests of [`validate_create`]: one violating body per VAL rule (the
//! exact list of violations is asserted, so a single fault must give a single
//! violation), valid bodies that give none, ordering, and no panics.

use serde_json::{Value, json};

use super::{AssetInfo, Code, Resources, validate_create};

const INV: Code = Code::ParameterInvalid;
const NP: Code = Code::ParameterNotProvided;
const UNK: Code = Code::ParameterUnknown;
const NE: Code = Code::ResourceNotExist;

/// Server state for VAL-10, VAL-11, VAL-25: assets `asset-video` (ready video),
/// `asset-image` (ready image), `asset-busy` (processing image); video `sim-vid-ok`.
pub(crate) struct Fake;

impl Resources for Fake {
    fn asset(&self, id: &str) -> Option<AssetInfo> {
        match id {
            "asset-video" => Some(AssetInfo { ready: true, is_image: false }),
            "asset-image" => Some(AssetInfo { ready: true, is_image: true }),
            "asset-busy" => Some(AssetInfo { ready: false, is_image: true }),
            _ => None,
        }
    }

    fn video_exists(&self, video_id: &str) -> bool {
        video_id == "sim-vid-ok"
    }
}

// ---- bodies ----

const URL: &str = "https://cdn.example.com/a.mp4";

/// pegasus1.5, url source, plain prompt.
fn p15() -> Value {
    json!({"model_name": "pegasus1.5", "video": {"type": "url", "url": URL}, "prompt": "Summarise the video."})
}

/// pegasus1.2 (the default), video_id source.
fn p12() -> Value {
    json!({"video": {"type": "video_id", "video_id": "sim-vid-ok"}, "prompt": "Summarise."})
}

/// time_based_metadata with the given definitions.
fn tbm_with(defs: Value) -> Value {
    json!({
        "model_name": "pegasus1.5",
        "analysis_mode": "time_based_metadata",
        "video": {"type": "url", "url": URL},
        "response_format": {"type": "segment_definitions", "segment_definitions": defs}
    })
}

fn tbm() -> Value {
    tbm_with(json!([{"id": "scene", "description": "A continuous shot",
        "fields": [{"name": "mood", "type": "string", "description": "Mood"}]}]))
}

/// time_based_metadata with one definition holding one field.
fn field(f: Value) -> Value {
    tbm_with(json!([{"id": "d", "description": "x", "fields": [f]}]))
}

/// time_based_metadata with one definition holding these time ranges.
fn ranges(r: Value) -> Value {
    tbm_with(json!([{"id": "d", "description": "x", "time_ranges": r}]))
}

/// pegasus1.5 general with this json_schema.
fn schema(s: Value) -> Value {
    with(p15(), json!({"response_format": {"type": "json_schema", "json_schema": s}}))
}

/// pegasus1.5 general with this prompt_v2.
fn v2(p: Value) -> Value {
    let mut b = with(p15(), json!({"prompt_v2": p}));
    remove(&mut b, "prompt");
    b
}

/// Sets top-level members.
fn with(mut base: Value, patch: Value) -> Value {
    if let (Some(b), Some(p)) = (base.as_object_mut(), patch.as_object()) {
        for (k, v) in p {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

fn remove(body: &mut Value, key: &str) {
    if let Some(o) = body.as_object_mut() {
        o.shift_remove(key);
    }
}

fn without(mut base: Value, key: &str) -> Value {
    remove(&mut base, key);
    base
}

fn src(i: usize) -> Value {
    json!({"name": format!("s{i}"), "media_type": "image", "url": format!("https://x.example/{i}.png")})
}

// ---- the table ----

/// (rule, field, code, status) of one expected violation.
pub(crate) type Expect = (&'static str, &'static str, Code, u16);

/// One violating body and every violation it must give, sorted (VAL-0). Shared with
/// the simulator's HTTP test, which sends each body and expects the first.
pub(crate) struct Case {
    pub(crate) name: &'static str,
    pub(crate) body: Value,
    /// Whether the case needs server state (the [`Fake`] assets and videos).
    pub(crate) resources: bool,
    pub(crate) expect: Vec<Expect>,
}

fn case(name: &'static str, body: Value, expect: &[Expect]) -> Case {
    Case { name, body, resources: false, expect: expect.to_vec() }
}

fn case_res(name: &'static str, body: Value, expect: &[Expect]) -> Case {
    Case { resources: true, ..case(name, body, expect) }
}

/// One or more violating bodies per VAL rule (VAL-1..VAL-48).
pub(crate) fn violating_cases() -> Vec<Case> {
    let big_b64 = "A".repeat(31_457_283 / 3 * 4 + 4);
    let five_sources: Vec<Value> = (0..5).map(src).collect();
    let many_defs: Vec<Value> = (0..21).map(|i| json!({"id": format!("d{i}"), "description": "x"})).collect();
    let many_fields: Vec<Value> =
        (0..21).map(|i| json!({"name": format!("f{i}"), "type": "string", "description": "x"})).collect();
    let many_enum: Vec<String> = (0..101).map(|i| format!("v{i}")).collect();
    vec![
        // VAL-1
        case("VAL-1 array body", json!([1]), &[("VAL-1", "", INV, 400)]),
        case("VAL-1 string body", json!("x"), &[("VAL-1", "", INV, 400)]),
        // VAL-2
        case("VAL-2 unknown top-level", with(p15(), json!({"foo": 1})), &[("VAL-2", "foo", UNK, 400)]),
        case(
            "VAL-2 unknown nested member",
            v2(json!({"input_text": "Is <@s0> shown?", "media_sources": [with(src(0), json!({"size": 1}))]})),
            &[("VAL-2", "prompt_v2.media_sources[0].size", UNK, 400)],
        ),
        case(
            "VAL-2 unknown in video",
            with(p15(), json!({"video": {"type": "url", "url": URL, "index_id": "x"}})),
            &[("VAL-2", "video.index_id", UNK, 400)],
        ),
        // VAL-3: reported, and the field is not looked at again
        case(
            "VAL-3 temperature string",
            with(p15(), json!({"temperature": "0.5"})),
            &[("VAL-3", "temperature", INV, 400)],
        ),
        case("VAL-3 model_name number", with(p15(), json!({"model_name": 5})), &[("VAL-3", "model_name", INV, 400)]),
        case("VAL-3 video string", with(p15(), json!({"video": URL})), &[("VAL-3", "video", INV, 400)]),
        case(
            "VAL-3 video.url number",
            with(p15(), json!({"video": {"type": "url", "url": 5}})),
            &[("VAL-3", "video.url", INV, 400)],
        ),
        case(
            "VAL-3 max_tokens unlimited",
            with(p15(), json!({"max_tokens": "unlimited"})),
            &[("VAL-3", "max_tokens", INV, 400)],
        ),
        case("VAL-3 prompt number", with(p15(), json!({"prompt": 7})), &[("VAL-3", "prompt", INV, 400)]),
        case(
            "VAL-3 json_schema string",
            with(p15(), json!({"response_format": {"type": "json_schema", "json_schema": "{}"}})),
            &[("VAL-3", "response_format.json_schema", INV, 400)],
        ),
        case(
            "VAL-3 schema properties array",
            schema(json!({"type": "object", "properties": []})),
            &[("VAL-3", "response_format.json_schema.properties", INV, 400)],
        ),
        case(
            "VAL-3 fields not a list",
            tbm_with(json!([{"id": "d", "description": "x", "fields": {"name": "a"}}])),
            &[("VAL-3", "response_format.segment_definitions[0].fields", INV, 400)],
        ),
        case(
            "VAL-3 time range bound string",
            ranges(json!([{"start_time": "00:00:01", "end_time": 5}])),
            &[("VAL-3", "response_format.segment_definitions[0].time_ranges[0].start_time", INV, 400)],
        ),
        // VAL-4
        case("VAL-4 video missing", without(p15(), "video"), &[("VAL-4", "video", NP, 400)]),
        case("VAL-4 video null", with(p15(), json!({"video": null})), &[("VAL-4", "video", NP, 400)]),
        // VAL-5
        case("VAL-5 type missing", with(p15(), json!({"video": {"url": URL}})), &[("VAL-5", "video.type", INV, 400)]),
        case(
            "VAL-5 type unknown",
            with(p15(), json!({"video": {"type": "youtube", "url": URL}})),
            &[("VAL-5", "video.type", INV, 400)],
        ),
        case(
            "VAL-5 field missing",
            with(p15(), json!({"video": {"type": "url"}})),
            &[("VAL-5", "video.url", INV, 400)],
        ),
        case(
            "VAL-5 field empty",
            with(p15(), json!({"video": {"type": "url", "url": ""}})),
            &[("VAL-5", "video.url", INV, 400)],
        ),
        case(
            "VAL-5 second source",
            with(p15(), json!({"video": {"type": "url", "url": URL, "asset_id": "a"}})),
            &[("VAL-5", "video.asset_id", INV, 400)],
        ),
        // VAL-6
        case(
            "VAL-6 model unknown",
            with(p15(), json!({"model_name": "pegasus1.6"})),
            &[("VAL-6", "model_name", INV, 400)],
        ),
        // VAL-7: one fault, one violation
        case("VAL-7 default model with url", without(p15(), "model_name"), &[("VAL-7", "video.type", INV, 400)]),
        case(
            "VAL-7 1.2 with url",
            with(p15(), json!({"model_name": "pegasus1.2"})),
            &[("VAL-7", "video.type", INV, 400)],
        ),
        case(
            "VAL-7 1.5 with video_id",
            with(p12(), json!({"model_name": "pegasus1.5"})),
            &[("VAL-7", "video.type", INV, 400)],
        ),
        case(
            "VAL-7 only: forgotten model_name with segmentation and window",
            with(
                without(tbm(), "model_name"),
                json!({"start_time": 0, "end_time": 10, "min_segment_duration": 4, "max_tokens": 32768}),
            ),
            &[("VAL-7", "video.type", INV, 400)],
        ),
        case(
            "VAL-7 only: forgotten model_name with prompt_v2 and timestamp",
            with(
                without(v2(json!({"input_text": "Is <@s0> shown?", "media_sources": [src(0)]})), "model_name"),
                json!({"response_format": {"type": "json_schema", "json_schema":
                    {"type": "object", "properties": {"t": {"type": "timestamp", "format": "seconds"}}}}}),
            ),
            &[("VAL-7", "video.type", INV, 400)],
        ),
        // VAL-8
        case(
            "VAL-8 relative url",
            with(p15(), json!({"video": {"type": "url", "url": "cdn.example.com/a.mp4"}})),
            &[("VAL-8", "video.url", INV, 400)],
        ),
        case(
            "VAL-8 ftp url",
            with(p15(), json!({"video": {"type": "url", "url": "ftp://x.example/a.mp4"}})),
            &[("VAL-8", "video.url", INV, 400)],
        ),
        // VAL-9
        case(
            "VAL-9 invalid base64",
            with(p15(), json!({"video": {"type": "base64_string", "base64_string": "not base64!"}})),
            &[("VAL-9", "video.base64_string", INV, 400)],
        ),
        case(
            "VAL-9 base64 over 30 MiB",
            with(p15(), json!({"video": {"type": "base64_string", "base64_string": big_b64}})),
            &[("VAL-9", "video.base64_string", INV, 400)],
        ),
        // VAL-10, VAL-11 (server state)
        case_res(
            "VAL-10 unknown asset",
            with(p15(), json!({"video": {"type": "asset_id", "asset_id": "nope"}})),
            &[("VAL-10", "video.asset_id", NE, 400)],
        ),
        case_res(
            "VAL-10 unknown video_id",
            with(p12(), json!({"video": {"type": "video_id", "video_id": "nope"}})),
            &[("VAL-10", "video.video_id", NE, 400)],
        ),
        case("VAL-10 skipped offline", with(p15(), json!({"video": {"type": "asset_id", "asset_id": "nope"}})), &[]),
        case_res(
            "VAL-11 asset not ready",
            with(p15(), json!({"video": {"type": "asset_id", "asset_id": "asset-busy"}})),
            &[("VAL-11", "video.asset_id", INV, 400)],
        ),
        // VAL-12
        case("VAL-12 empty custom_id", with(p15(), json!({"custom_id": ""})), &[("VAL-12", "custom_id", INV, 400)]),
        case("VAL-12 slash", with(p15(), json!({"custom_id": "a/b"})), &[("VAL-12", "custom_id", INV, 400)]),
        case(
            "VAL-12 65 chars",
            with(p15(), json!({"custom_id": "a".repeat(65)})),
            &[("VAL-12", "custom_id", INV, 400)],
        ),
        // VAL-13
        case(
            "VAL-13 mode unknown",
            with(p15(), json!({"analysis_mode": "segments"})),
            &[("VAL-13", "analysis_mode", INV, 400)],
        ),
        // VAL-14: the model is the fault, nothing else reported
        case(
            "VAL-14 time_based_metadata with pegasus1.2",
            with(tbm(), json!({"model_name": "pegasus1.2", "video": {"type": "video_id", "video_id": "sim-vid-ok"}})),
            &[("VAL-14", "analysis_mode", INV, 400)],
        ),
        // VAL-15
        case("VAL-15 no response_format", without(tbm(), "response_format"), &[("VAL-15", "response_format", NP, 400)]),
        case(
            "VAL-15 json_schema type",
            with(tbm(), json!({"response_format": {"type": "json_schema", "json_schema": {"type": "object"}}})),
            &[("VAL-15", "response_format.type", INV, 400)],
        ),
        // VAL-16: a forgotten analysis_mode; no VAL-18 for the missing prompt
        case(
            "VAL-16 segment definitions in general",
            without(tbm(), "analysis_mode"),
            &[("VAL-16", "response_format.type", INV, 400)],
        ),
        // VAL-17, VAL-18, VAL-19, VAL-20
        case(
            "VAL-17 both prompts",
            with(p15(), json!({"prompt_v2": {"input_text": "Describe."}})),
            &[("VAL-17", "prompt_v2", INV, 400)],
        ),
        case("VAL-18 no prompt", without(p15(), "prompt"), &[("VAL-18", "prompt", NP, 400)]),
        case("VAL-18 null prompt", with(p15(), json!({"prompt": null})), &[("VAL-18", "prompt", NP, 400)]),
        case("VAL-19 prompt in tbm", with(tbm(), json!({"prompt": "x"})), &[("VAL-19", "prompt", INV, 400)]),
        case(
            "VAL-20 prompt_v2 with pegasus1.2",
            with(without(p12(), "prompt"), json!({"prompt_v2": {"input_text": "Describe."}})),
            &[("VAL-20", "prompt_v2", INV, 400)],
        ),
        // VAL-21, VAL-22
        case("VAL-21 whitespace prompt", with(p15(), json!({"prompt": " \n\t"})), &[("VAL-21", "prompt", INV, 400)]),
        case("VAL-21 input_text missing", v2(json!({})), &[("VAL-21", "prompt_v2.input_text", INV, 400)]),
        case("VAL-22 8001 bytes", with(p15(), json!({"prompt": "a".repeat(8001)})), &[("VAL-22", "prompt", INV, 400)]),
        case(
            "VAL-22 input_text",
            v2(json!({"input_text": "é".repeat(4001)})),
            &[("VAL-22", "prompt_v2.input_text", INV, 400)],
        ),
        // VAL-23
        case(
            "VAL-23 five sources",
            v2(json!({"input_text": "x", "media_sources": five_sources})),
            &[("VAL-23", "prompt_v2.media_sources", INV, 400)],
        ),
        // VAL-24
        case(
            "VAL-24 bad name",
            v2(json!({"input_text": "x", "media_sources": [with(src(0), json!({"name": "a b"}))]})),
            &[("VAL-24", "prompt_v2.media_sources[0].name", INV, 400)],
        ),
        case(
            "VAL-24 duplicate name",
            v2(json!({"input_text": "x", "media_sources": [src(0), with(src(1), json!({"name": "s0"}))]})),
            &[("VAL-24", "prompt_v2.media_sources[1].name", INV, 400)],
        ),
        case(
            "VAL-24 media_type video",
            v2(json!({"input_text": "x", "media_sources": [with(src(0), json!({"media_type": "video"}))]})),
            &[("VAL-24", "prompt_v2.media_sources[0].media_type", INV, 400)],
        ),
        case(
            "VAL-24 no source",
            v2(json!({"input_text": "x", "media_sources": [{"name": "a", "media_type": "image"}]})),
            &[("VAL-24", "prompt_v2.media_sources[0]", INV, 400)],
        ),
        case(
            "VAL-24 two sources",
            v2(json!({"input_text": "x", "media_sources": [with(src(0), json!({"asset_id": "a"}))]})),
            &[("VAL-24", "prompt_v2.media_sources[0].asset_id", INV, 400)],
        ),
        case(
            "VAL-24 http url",
            v2(json!({"input_text": "x", "media_sources": [with(src(0), json!({"url": "http://x.example/l.png"}))]})),
            &[("VAL-24", "prompt_v2.media_sources[0].url", INV, 400)],
        ),
        case(
            "VAL-24 bad base64",
            v2(
                json!({"input_text": "x", "media_sources": [{"name": "a", "media_type": "image", "base64_string": "!!"}]}),
            ),
            &[("VAL-24", "prompt_v2.media_sources[0].base64_string", INV, 400)],
        ),
        case(
            "VAL-24 in a definition",
            tbm_with(json!([{"id": "d", "description": "x", "media_sources": [{"name": "a", "media_type": "image"}]}])),
            &[("VAL-24", "response_format.segment_definitions[0].media_sources[0]", INV, 400)],
        ),
        // VAL-25 (server state)
        case_res(
            "VAL-25 unknown asset",
            v2(json!({"input_text": "x", "media_sources": [{"name": "a", "media_type": "image", "asset_id": "nope"}]})),
            &[("VAL-25", "prompt_v2.media_sources[0].asset_id", NE, 400)],
        ),
        case_res(
            "VAL-25 asset not ready",
            v2(
                json!({"input_text": "x", "media_sources": [{"name": "a", "media_type": "image", "asset_id": "asset-busy"}]}),
            ),
            &[("VAL-25", "prompt_v2.media_sources[0].asset_id", INV, 400)],
        ),
        case_res(
            "VAL-25 asset not an image",
            v2(
                json!({"input_text": "x", "media_sources": [{"name": "a", "media_type": "image", "asset_id": "asset-video"}]}),
            ),
            &[("VAL-25", "prompt_v2.media_sources[0].asset_id", INV, 400)],
        ),
        case(
            "VAL-25 skipped offline",
            v2(json!({"input_text": "x", "media_sources": [{"name": "a", "media_type": "image", "asset_id": "nope"}]})),
            &[],
        ),
        // VAL-26
        case(
            "VAL-26 no sources",
            v2(json!({"input_text": "Is <@logo> shown?"})),
            &[("VAL-26", "prompt_v2.input_text", INV, 400)],
        ),
        case(
            "VAL-26 other list's name",
            tbm_with(json!([
                {"id": "a", "description": "Shows <@s0>", "media_sources": [src(0)]},
                {"id": "b", "description": "Shows <@s0>"}
            ])),
            &[("VAL-26", "response_format.segment_definitions[1].description", INV, 400)],
        ),
        case(
            "VAL-26 skipped when a source has no name",
            v2(
                json!({"input_text": "Is <@logo> shown?", "media_sources": [{"media_type": "image", "url": "https://x.example/l.png"}]}),
            ),
            &[("VAL-24", "prompt_v2.media_sources[0].name", INV, 400)],
        ),
        // VAL-27
        case("VAL-27 above 1", with(p15(), json!({"temperature": 1.5})), &[("VAL-27", "temperature", INV, 400)]),
        case("VAL-27 below 0", with(p15(), json!({"temperature": -0.1})), &[("VAL-27", "temperature", INV, 400)]),
        // VAL-28
        case("VAL-28 fraction", with(p15(), json!({"max_tokens": 4096.5})), &[("VAL-28", "max_tokens", INV, 400)]),
        case("VAL-28 1.5 general min", with(p15(), json!({"max_tokens": 511})), &[("VAL-28", "max_tokens", INV, 400)]),
        case("VAL-28 1.5 max", with(p15(), json!({"max_tokens": 65_537})), &[("VAL-28", "max_tokens", INV, 400)]),
        case("VAL-28 1.2 max", with(p12(), json!({"max_tokens": 4097})), &[("VAL-28", "max_tokens", INV, 400)]),
        case("VAL-28 1.2 zero", with(p12(), json!({"max_tokens": 0})), &[("VAL-28", "max_tokens", INV, 400)]),
        case("VAL-28 tbm min", with(tbm(), json!({"max_tokens": 2047})), &[("VAL-28", "max_tokens", INV, 400)]),
        // VAL-29..VAL-31
        case(
            "VAL-29 durations in general",
            with(p15(), json!({"min_segment_duration": 4})),
            &[("VAL-29", "min_segment_duration", INV, 400)],
        ),
        case(
            "VAL-29 durations with pegasus1.2",
            with(p12(), json!({"max_segment_duration": 10})),
            &[("VAL-29", "max_segment_duration", INV, 400)],
        ),
        case(
            "VAL-30 below 2 s",
            with(tbm(), json!({"min_segment_duration": 1.5})),
            &[("VAL-30", "min_segment_duration", INV, 400)],
        ),
        case(
            "VAL-31 max below min",
            with(tbm(), json!({"min_segment_duration": 10, "max_segment_duration": 5})),
            &[("VAL-31", "max_segment_duration", INV, 400)],
        ),
        // VAL-32..VAL-35
        case(
            "VAL-32 window with pegasus1.2",
            with(p12(), json!({"start_time": 5})),
            &[("VAL-32", "start_time", INV, 400)],
        ),
        case("VAL-33 negative start", with(p15(), json!({"start_time": -1})), &[("VAL-33", "start_time", INV, 400)]),
        case(
            "VAL-33 start after end",
            with(p15(), json!({"start_time": 10, "end_time": 5})),
            &[("VAL-33", "end_time", INV, 400)],
        ),
        case(
            "VAL-33 window under 4 s",
            with(p15(), json!({"start_time": 1, "end_time": 4.5})),
            &[("VAL-33", "end_time", INV, 400)],
        ),
        case("VAL-33 end alone under 4 s", with(p15(), json!({"end_time": 3})), &[("VAL-33", "end_time", INV, 400)]),
        case(
            "VAL-34 time_ranges with window",
            with(ranges(json!([{"start_time": 0, "end_time": 5}])), json!({"start_time": 1})),
            &[("VAL-34", "start_time", INV, 400)],
        ),
        case(
            "VAL-35 time_ranges with durations",
            with(ranges(json!([{"start_time": 0, "end_time": 5}])), json!({"min_segment_duration": 2})),
            &[("VAL-35", "min_segment_duration", INV, 400)],
        ),
        // VAL-36..VAL-38
        case(
            "VAL-36 type missing",
            with(p15(), json!({"response_format": {}})),
            &[("VAL-36", "response_format.type", NP, 400)],
        ),
        case(
            "VAL-36 type unknown",
            with(p15(), json!({"response_format": {"type": "text"}})),
            &[("VAL-36", "response_format.type", INV, 400)],
        ),
        case(
            "VAL-37 json_schema missing",
            with(p15(), json!({"response_format": {"type": "json_schema"}})),
            &[("VAL-37", "response_format.json_schema", NP, 400)],
        ),
        case(
            "VAL-38 definitions with json_schema",
            with(
                p15(),
                json!({"response_format": {"type": "json_schema", "json_schema": {"type": "string"},
                "segment_definitions": [{"id": "a", "description": "x"}]}}),
            ),
            &[("VAL-38", "response_format.segment_definitions", INV, 400)],
        ),
        case(
            "VAL-38 segment_time_format with json_schema",
            with(
                p15(),
                json!({"response_format": {"type": "json_schema", "json_schema": {"type": "string"},
                "segment_time_format": "seconds"}}),
            ),
            &[("VAL-38", "response_format.segment_time_format", INV, 400)],
        ),
        case(
            "VAL-38 json_schema with definitions",
            with(
                tbm(),
                json!({"response_format": {"type": "segment_definitions",
                "segment_definitions": [{"id": "a", "description": "x"}], "json_schema": {"type": "object"}}}),
            ),
            &[("VAL-38", "response_format.json_schema", INV, 400)],
        ),
        // VAL-39 (422)
        case(
            "VAL-39 minLength deep",
            schema(
                json!({"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string", "minLength": 1}}}}),
            ),
            &[("VAL-39", "response_format.json_schema.properties.tags.items.minLength", INV, 422)],
        ),
        case(
            "VAL-39 additionalProperties",
            schema(json!({"type": "object", "properties": {}, "additionalProperties": false})),
            &[("VAL-39", "response_format.json_schema.additionalProperties", INV, 422)],
        ),
        case(
            "VAL-39 unknown keyword",
            schema(json!({"type": "object", "oneOf": []})),
            &[("VAL-39", "response_format.json_schema.oneOf", INV, 422)],
        ),
        case(
            "VAL-39 wrapper",
            schema(json!({"name": "x", "schema": {"type": "object"}})),
            &[
                ("VAL-39", "response_format.json_schema.name", INV, 422),
                ("VAL-39", "response_format.json_schema.schema", INV, 422),
            ],
        ),
        case(
            "VAL-39 type list",
            schema(json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}})),
            &[("VAL-39", "response_format.json_schema.properties.a.type", INV, 422)],
        ),
        case(
            "VAL-39 string format email",
            schema(json!({"type": "object", "properties": {"a": {"type": "string", "format": "email"}}})),
            &[("VAL-39", "response_format.json_schema.properties.a.format", INV, 422)],
        ),
        case(
            "VAL-39 minimum on number",
            schema(json!({"type": "object", "properties": {"a": {"type": "number", "minimum": 0}}})),
            &[("VAL-39", "response_format.json_schema.properties.a.minimum", INV, 422)],
        ),
        case(
            "VAL-39 properties on string",
            schema(json!({"type": "string", "properties": {}})),
            &[("VAL-39", "response_format.json_schema.properties", INV, 422)],
        ),
        // VAL-40
        case(
            "VAL-40 minItems 2",
            schema(
                json!({"type": "object", "properties": {"a": {"type": "array", "items": {"type": "string"}, "minItems": 2}}}),
            ),
            &[("VAL-40", "response_format.json_schema.properties.a.minItems", INV, 400)],
        ),
        case(
            "VAL-40 timestamp nested too deep",
            schema(
                json!({"type": "object", "properties": {"o": {"type": "object", "properties": {"t": {"type": "timestamp", "format": "seconds"}}}}}),
            ),
            &[("VAL-40", "response_format.json_schema.properties.o.properties.t", INV, 400)],
        ),
        case(
            "VAL-40 timestamp in anyOf",
            schema(
                json!({"type": "object", "properties": {"t": {"anyOf": [{"type": "timestamp", "format": "seconds"}, {"type": "null"}]}}}),
            ),
            &[("VAL-40", "response_format.json_schema.properties.t.anyOf[0]", INV, 400)],
        ),
        case(
            "VAL-40 timestamp via $ref",
            schema(
                json!({"type": "object", "$defs": {"ts": {"type": "timestamp", "format": "seconds"}}, "properties": {"t": {"$ref": "#/$defs/ts"}}}),
            ),
            &[("VAL-40", "response_format.json_schema.$defs.ts", INV, 400)],
        ),
        case(
            "VAL-40 timestamp under pegasus1.2",
            with(
                p12(),
                json!({"response_format": {"type": "json_schema", "json_schema":
                {"type": "object", "properties": {"t": {"type": "timestamp", "format": "seconds"}}}}}),
            ),
            &[("VAL-40", "response_format.json_schema.properties.t.type", INV, 400)],
        ),
        case(
            "VAL-40 timestamp without format",
            schema(json!({"type": "object", "properties": {"t": {"type": "timestamp"}}})),
            &[("VAL-40", "response_format.json_schema.properties.t.format", INV, 400)],
        ),
        case(
            "VAL-40 timestamp bad format",
            schema(json!({"type": "object", "properties": {"t": {"type": "timestamp", "format": "ms"}}})),
            &[("VAL-40", "response_format.json_schema.properties.t.format", INV, 400)],
        ),
        case(
            "VAL-40 reserved name boolean",
            schema(json!({"type": "object", "properties": {"o": {"type": "array", "items": {"type": "object",
                "properties": {"start_time": {"type": "boolean"}}}}}})),
            &[("VAL-40", "response_format.json_schema.properties.o.items.properties.start_time", INV, 400)],
        ),
        case(
            "VAL-40 reserved name string with format",
            schema(json!({"type": "object", "properties": {"end_time": {"type": "string", "format": "date-time"}}})),
            &[("VAL-40", "response_format.json_schema.properties.end_time", INV, 400)],
        ),
        case(
            "VAL-40 unresolvable $ref",
            schema(json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}})),
            &[("VAL-40", "response_format.json_schema.properties.a.$ref", INV, 400)],
        ),
        case(
            "VAL-40 $ref outside $defs",
            schema(json!({"type": "object", "definitions": {}, "properties": {"a": {"$ref": "#/definitions/x"}}})),
            &[
                ("VAL-39", "response_format.json_schema.definitions", INV, 422),
                ("VAL-40", "response_format.json_schema.properties.a.$ref", INV, 400),
            ],
        ),
        // VAL-41, VAL-42
        case(
            "VAL-41 definitions missing",
            with(tbm(), json!({"response_format": {"type": "segment_definitions"}})),
            &[("VAL-41", "response_format.segment_definitions", NP, 400)],
        ),
        case(
            "VAL-41 definitions empty",
            tbm_with(json!([])),
            &[("VAL-41", "response_format.segment_definitions", INV, 400)],
        ),
        case(
            "VAL-41 21 definitions",
            tbm_with(json!(many_defs)),
            &[("VAL-41", "response_format.segment_definitions", INV, 400)],
        ),
        case(
            "VAL-42 segment_time_format unknown",
            with(
                tbm(),
                json!({"response_format": {"type": "segment_definitions", "segment_time_format": "ms",
                "segment_definitions": [{"id": "a", "description": "x"}]}}),
            ),
            &[("VAL-42", "response_format.segment_time_format", INV, 400)],
        ),
        // VAL-43
        case(
            "VAL-43 id missing",
            tbm_with(json!([{"description": "x"}])),
            &[("VAL-43", "response_format.segment_definitions[0].id", INV, 400)],
        ),
        case(
            "VAL-43 id invalid",
            tbm_with(json!([{"id": "a.b", "description": "x"}])),
            &[("VAL-43", "response_format.segment_definitions[0].id", INV, 400)],
        ),
        case(
            "VAL-43 id duplicate",
            tbm_with(json!([{"id": "a", "description": "x"}, {"id": "a", "description": "y"}])),
            &[("VAL-43", "response_format.segment_definitions[1].id", INV, 400)],
        ),
        case(
            "VAL-43 description empty",
            tbm_with(json!([{"id": "a", "description": " "}])),
            &[("VAL-43", "response_format.segment_definitions[0].description", INV, 400)],
        ),
        case(
            "VAL-43 description missing",
            tbm_with(json!([{"id": "a"}])),
            &[("VAL-43", "response_format.segment_definitions[0].description", INV, 400)],
        ),
        case(
            "VAL-43 21 fields",
            tbm_with(json!([{"id": "a", "description": "x", "fields": many_fields}])),
            &[("VAL-43", "response_format.segment_definitions[0].fields", INV, 400)],
        ),
        // VAL-44
        case(
            "VAL-44 name missing",
            field(json!({"type": "string", "description": "x"})),
            &[("VAL-44", "response_format.segment_definitions[0].fields[0].name", INV, 400)],
        ),
        case(
            "VAL-44 name reserved",
            field(json!({"name": "metadata", "type": "string", "description": "x"})),
            &[("VAL-44", "response_format.segment_definitions[0].fields[0].name", INV, 400)],
        ),
        case(
            "VAL-44 name duplicate",
            tbm_with(json!([{"id": "d", "description": "x", "fields": [
                {"name": "a", "type": "string", "description": "x"},
                {"name": "a", "type": "number", "description": "y"}]}])),
            &[("VAL-44", "response_format.segment_definitions[0].fields[1].name", INV, 400)],
        ),
        case(
            "VAL-44 type unknown (no cascade to format)",
            field(json!({"name": "a", "type": "time_array", "description": "x", "format": "seconds"})),
            &[("VAL-44", "response_format.segment_definitions[0].fields[0].type", INV, 400)],
        ),
        case(
            "VAL-44 description missing",
            field(json!({"name": "a", "type": "string"})),
            &[("VAL-44", "response_format.segment_definitions[0].fields[0].description", INV, 400)],
        ),
        // VAL-45
        case(
            "VAL-45 timestamp without format",
            field(json!({"name": "t", "type": "timestamp", "description": "x"})),
            &[("VAL-45", "response_format.segment_definitions[0].fields[0].format", INV, 400)],
        ),
        case(
            "VAL-45 bad format",
            field(json!({"name": "t", "type": "timestamp", "description": "x", "format": "mm:ss"})),
            &[("VAL-45", "response_format.segment_definitions[0].fields[0].format", INV, 400)],
        ),
        case(
            "VAL-45 format on string",
            field(json!({"name": "t", "type": "string", "description": "x", "format": "seconds"})),
            &[("VAL-45", "response_format.segment_definitions[0].fields[0].format", INV, 400)],
        ),
        // VAL-46
        case(
            "VAL-46 enum empty",
            field(json!({"name": "m", "type": "string", "description": "x", "enum": []})),
            &[("VAL-46", "response_format.segment_definitions[0].fields[0].enum", INV, 400)],
        ),
        case(
            "VAL-46 enum 101 values",
            field(json!({"name": "m", "type": "string", "description": "x", "enum": many_enum})),
            &[("VAL-46", "response_format.segment_definitions[0].fields[0].enum", INV, 400)],
        ),
        case(
            "VAL-46 enum non-string",
            field(json!({"name": "m", "type": "string", "description": "x", "enum": ["a", 2]})),
            &[("VAL-46", "response_format.segment_definitions[0].fields[0].enum[1]", INV, 400)],
        ),
        case(
            "VAL-46 enum on number",
            field(json!({"name": "m", "type": "number", "description": "x", "enum": ["1"]})),
            &[("VAL-46", "response_format.segment_definitions[0].fields[0].enum", INV, 400)],
        ),
        case(
            "VAL-46 enum on array of integers",
            field(
                json!({"name": "m", "type": "array", "items": {"type": "integer"}, "description": "x", "enum": ["1"]}),
            ),
            &[("VAL-46", "response_format.segment_definitions[0].fields[0].enum", INV, 400)],
        ),
        // VAL-47
        case(
            "VAL-47 array without items",
            field(json!({"name": "a", "type": "array", "description": "x", "enum": ["x"]})),
            &[("VAL-47", "response_format.segment_definitions[0].fields[0].items", INV, 400)],
        ),
        case(
            "VAL-47 items type object",
            field(json!({"name": "a", "type": "array", "description": "x", "items": {"type": "object"}})),
            &[("VAL-47", "response_format.segment_definitions[0].fields[0].items.type", INV, 400)],
        ),
        case(
            "VAL-47 items on string",
            field(json!({"name": "a", "type": "string", "description": "x", "items": {"type": "string"}})),
            &[("VAL-47", "response_format.segment_definitions[0].fields[0].items", INV, 400)],
        ),
        // VAL-48
        case(
            "VAL-48 negative start",
            ranges(json!([{"start_time": -1, "end_time": 5}])),
            &[("VAL-48", "response_format.segment_definitions[0].time_ranges[0].start_time", INV, 400)],
        ),
        case(
            "VAL-48 under 2 s",
            ranges(json!([{"start_time": 3, "end_time": 4.5}])),
            &[("VAL-48", "response_format.segment_definitions[0].time_ranges[0].end_time", INV, 400)],
        ),
        case(
            "VAL-48 overlap",
            ranges(
                json!([{"start_time": 0, "end_time": 5}, {"start_time": 10, "end_time": 20}, {"start_time": 4, "end_time": 8}]),
            ),
            &[("VAL-48", "response_format.segment_definitions[0].time_ranges[2]", INV, 400)],
        ),
        case(
            "VAL-48 missing bound",
            ranges(json!([{"start_time": 0}])),
            &[("VAL-48", "response_format.segment_definitions[0].time_ranges[0].end_time", INV, 400)],
        ),
    ]
}

fn run(c: &Case) -> Vec<super::Violation> {
    let res: Option<&dyn Resources> = if c.resources { Some(&Fake) } else { None };
    validate_create(&c.body, res)
}

#[test]
fn each_violating_body_gives_exactly_the_expected_violations() {
    let mut failures = Vec::new();
    for c in violating_cases() {
        let got = run(&c);
        let got_keys: Vec<(&str, &str, Code, u16)> =
            got.iter().map(|v| (v.rule, v.field.as_str(), v.code, v.status)).collect();
        if got_keys != c.expect {
            let msgs: Vec<String> = got.iter().map(ToString::to_string).collect();
            failures.push(format!("{}:\n  want {:?}\n  got  {:?}", c.name, c.expect, msgs));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_val_rule_has_a_violating_case() {
    let cases = violating_cases();
    let covered: std::collections::BTreeSet<&str> = cases.iter().flat_map(|c| c.expect.iter().map(|e| e.0)).collect();
    for n in 1..=48 {
        let rule = format!("VAL-{n}");
        assert!(covered.contains(rule.as_str()), "{rule} has no case");
    }
}

fn valid_bodies() -> Vec<(&'static str, Value, bool)> {
    vec![
        ("plain prompt, pegasus1.5, url", p15(), false),
        (
            "pegasus1.2 (default) video_id with options",
            with(p12(), json!({"custom_id": "intro-bbb_1", "temperature": 0, "max_tokens": 4096})),
            true,
        ),
        (
            "pegasus1.5 asset, max_tokens 4096.0, temperature 1",
            with(
                p15(),
                json!({"video": {"type": "asset_id", "asset_id": "asset-video"}, "max_tokens": 4096.0, "temperature": 1}),
            ),
            true,
        ),
        (
            "pegasus1.5 base64 video",
            with(p15(), json!({"video": {"type": "base64_string", "base64_string": "AAAAIGZ0eXBpc29t"}})),
            false,
        ),
        (
            "json_schema with $defs/$ref, anyOf, timestamp, reserved names",
            schema(json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "title": "Facts",
                "type": "object",
                "$defs": {
                    "person": {"type": "object", "properties": {
                        "name": {"type": "string", "description": "Full name"},
                        "id": {"type": "string", "format": "uuid"},
                        "friends": {"type": "array", "items": {"$ref": "#/$defs/person"}}
                    }, "required": ["name"]},
                    "alias": {"$ref": "#/$defs/person"}
                },
                "properties": {
                    "title": {"type": "string", "pattern": "^[A-Z]"},
                    "rating": {"type": "integer", "minimum": 1, "maximum": 5, "exclusiveMaximum": 6},
                    "score": {"type": "number"},
                    "kind": {"enum": ["trailer", "ad"]},
                    "version": {"const": 1},
                    "host": {"$ref": "#/$defs/alias"},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "shown_at": {"type": "timestamp", "format": "hh:mm:ss.fff"},
                    "start_time": {"type": "number"},
                    "end_time": {"type": "string"},
                    "events": {"type": "array", "minItems": 1, "items": {"type": "object", "properties": {
                        "at": {"type": "timestamp", "format": "seconds"},
                        "start_time": {"type": "timestamp", "format": "hh:mm:ss"},
                        "end_time": {"type": "integer"},
                        "live": {"type": "boolean"},
                        "date": {"type": "string", "format": "date-time"}
                    }, "required": ["at"]}}
                },
                "required": ["title", "events"]
            })),
            false,
        ),
        (
            "json_schema under pegasus1.2 (reserved names free)",
            with(
                p12(),
                json!({"response_format": {"type": "json_schema", "json_schema":
                    {"type": "object", "properties": {"start_time": {"type": "boolean"}}}}}),
            ),
            false,
        ),
        (
            "segment definitions with fields, enums, items, time ranges, sources",
            with(
                tbm(),
                json!({
                    "max_tokens": 32768,
                    "temperature": 0.2,
                    "response_format": {
                        "type": "segment_definitions",
                        "segment_time_format": "hh:mm:ss.fff",
                        "segment_definitions": [
                            {"id": "scene", "description": "A continuous shot", "fields": [
                                {"name": "summary", "type": "string", "description": "What happens"},
                                {"name": "mood", "type": "string", "description": "Mood", "enum": ["calm", "tense"]},
                                {"name": "objects", "type": "array", "description": "Objects", "items": {"type": "string"}, "enum": ["car", "dog"]},
                                {"name": "scores", "type": "array", "description": "Scores", "items": {"type": "number"}},
                                {"name": "speech", "type": "boolean", "description": "Speech?"},
                                {"name": "count", "type": "integer", "description": ""},
                                {"name": "peak", "type": "timestamp", "description": "Peak", "format": "seconds"}
                            ], "time_ranges": [
                                {"start_time": 0, "end_time": 5},
                                {"start_time": 5, "end_time": 10.5},
                                {"start_time": 20, "end_time": 22}
                            ]},
                            {"id": "logo", "description": "<@brand> is visible", "media_sources": [
                                {"name": "brand", "media_type": "image", "url": "https://x.example/l.png"}
                            ], "fields": [], "time_ranges": null}
                        ]
                    }
                }),
            ),
            false,
        ),
        (
            "time_based_metadata with durations and window",
            with(
                tbm(),
                json!({"min_segment_duration": 4, "max_segment_duration": 30, "start_time": 0, "end_time": 120}),
            ),
            false,
        ),
        (
            "prompt_v2 with media sources",
            v2(json!({
                "input_text": "Is <@logo> shown next to <@car-1>? Ignore <@ this>.",
                "media_sources": [
                    {"name": "logo", "media_type": "image", "url": "https://x.example/l.png"},
                    {"name": "car-1", "media_type": "image", "base64_string": "iVBORw0KGgo=", "url": null},
                    {"name": "spare", "media_type": "image", "asset_id": "asset-image"}
                ]
            })),
            true,
        ),
        (
            "WIRE-5 null and [] as absent",
            with(
                p15(),
                json!({"custom_id": null, "response_format": null, "prompt_v2": null, "temperature": null,
                       "start_time": [], "max_tokens": null}),
            ),
            false,
        ),
        ("window: start alone, end alone of 4 s", with(p15(), json!({"start_time": 1.312})), false),
        ("window: end alone 4 s", with(p15(), json!({"end_time": 4})), false),
        ("prompt of exactly 2,000 tokens", with(p15(), json!({"prompt": "a".repeat(8000)})), false),
    ]
}

#[test]
fn valid_bodies_have_no_violations() {
    for (name, body, with_res) in valid_bodies() {
        let res: Option<&dyn Resources> = if with_res { Some(&Fake) } else { None };
        let got: Vec<String> = validate_create(&body, res).iter().map(ToString::to_string).collect();
        assert!(got.is_empty(), "{name}: {got:?}");
    }
}

#[test]
fn violations_come_sorted_and_carry_messages() {
    let body = json!({
        "video": {"type": "url", "url": "nope"},
        "model_name": "pegasus1.5",
        "temperature": 3,
        "custom_id": "",
        "foo": 1,
        "prompt": " ",
        "response_format": {"type": "segment_definitions", "segment_definitions": [
            {"id": "a", "description": "x", "fields": (0..12).map(|i| json!({"name": format!("f{i}"), "type": "number", "description": "x", "format": "seconds"})).collect::<Vec<_>>()}
        ]}
    });
    let got = validate_create(&body, None);
    let keys: Vec<(u32, String)> = got.iter().map(|v| (v.rule_number(), v.field.clone())).collect();
    assert_eq!(keys.first().map(|k| k.0), Some(2));
    assert!(keys.windows(2).all(|w| w[0].0 <= w[1].0), "{keys:?}");
    let val45: Vec<&str> = got.iter().filter(|v| v.rule == "VAL-45").map(|v| v.field.as_str()).collect();
    assert_eq!(val45.len(), 12);
    assert_eq!(val45[1], "response_format.segment_definitions[0].fields[1].format");
    assert_eq!(val45[11], "response_format.segment_definitions[0].fields[11].format");
    let temp = got.iter().find(|v| v.rule == "VAL-27").unwrap();
    assert_eq!(temp.message(), "temperature: must be between 0 and 1, got 3");
    let first = &got[0];
    assert_eq!(first.rule, "VAL-2");
    assert_eq!(first.code.as_str(), "parameter_unknown");
}

#[test]
fn reasons_name_the_default_model() {
    let got = validate_create(&without(p15(), "model_name"), None);
    assert_eq!(got.len(), 1);
    assert!(got[0].reason.contains("pegasus1.2 (the default)"), "{}", got[0].reason);
}

/// Garbage in every position must give violations, never a panic, and stay sorted.
#[test]
fn no_panics_on_odd_values_anywhere() {
    let odd = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!(""),
        json!("<@"),
        json!([]),
        json!([null]),
        json!([{}]),
        json!({}),
        json!({"type": null}),
        json!({"$ref": "#/$defs/a"}),
    ];
    let bases = [
        p15(),
        p12(),
        tbm(),
        field(json!({"name": "a", "type": "array", "description": "x", "items": {"type": "string"}})),
        ranges(json!([{"start_time": 0, "end_time": 5}])),
        schema(json!({"type": "object", "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
            "properties": {"x": {"type": "array", "items": {"type": "object", "properties": {"t": {"type": "timestamp"}}}}}})),
        v2(json!({"input_text": "<@a>", "media_sources": [src(0)]})),
    ];
    let mut count = 0;
    for base in &bases {
        for path in leaf_paths(base, "") {
            for v in &odd {
                let mut body = base.clone();
                if let Some(slot) = body.pointer_mut(&path) {
                    *slot = v.clone();
                }
                let got = validate_create(&body, Some(&Fake));
                let nums: Vec<u32> = got.iter().map(|v| v.rule_number()).collect();
                assert!(nums.windows(2).all(|w| w[0] <= w[1]), "{path}: {nums:?}");
                count += 1;
            }
        }
    }
    assert!(count > 500, "{count}");
}

/// JSON pointers of every member and element of `v` (not the root).
fn leaf_paths(v: &Value, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let p = format!("{prefix}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push(p.clone());
                out.extend(leaf_paths(c, &p));
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                let p = format!("{prefix}/{i}");
                out.push(p.clone());
                out.extend(leaf_paths(c, &p));
            }
        }
        _ => {}
    }
    out
}
