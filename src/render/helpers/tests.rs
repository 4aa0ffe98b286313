//! Helpers rendered through a real registry, configured as vidflow renders non-HTML
//! outputs: strict mode, no escaping.

use handlebars::{Handlebars, no_escape};
use serde_json::{Value, json};

use super::{BUILTINS, NAMES, register};
use crate::contract::time::TimeFormat;

fn registry() -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(no_escape);
    register(&mut hb);
    hb
}

/// Renders `template` (registered as `t.md`, so errors name it) with JSON `data`.
fn render(hb: &Handlebars<'_>, template: &str, data: &str) -> Result<String, String> {
    let data: Value = serde_json::from_str(data).map_err(|e| format!("bad test data: {e}"))?;
    let mut hb = hb.clone();
    hb.register_template_string("t.md", template).map_err(|e| format!("template: {e}"))?;
    hb.render("t.md", &data).map_err(|e| e.to_string())
}

/// Rows of (template, JSON data, expected output).
fn check_ok(rows: &[(&str, &str, &str)]) {
    let hb = registry();
    let mut failures = Vec::new();
    for (template, data, expected) in rows {
        match render(&hb, template, data) {
            Ok(got) if got == *expected => {}
            other => failures.push(format!("{template} with {data}: expected {expected:?}, got {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Rows of (template, JSON data, text the error message must contain).
fn check_err(rows: &[(&str, &str, &str)]) {
    let hb = registry();
    let mut failures = Vec::new();
    for (template, data, needle) in rows {
        match render(&hb, template, data) {
            Err(e) if e.contains(needle) => {}
            other => {
                failures.push(format!("{template} with {data}: expected an error containing {needle:?}, got {other:?}"))
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn names_match_registered_helpers() {
    let listed: Vec<&str> = BUILTINS.iter().map(|b| b.name).collect();
    assert_eq!(listed, NAMES);
    // Called with no arguments, each answers with our own arity error: registered, and
    // replacing the handlebars crate's helper of the same name where there is one.
    let hb = registry();
    for name in NAMES {
        let got = render(&hb, &format!("{{{{{name}}}}}"), "{}");
        let want = format!("{name}: expected `{name}");
        assert!(got.as_ref().is_err_and(|e| e.contains(&want)), "{name}: {got:?}");
    }
}

#[test]
fn json_pretty_and_compact() {
    check_ok(&[
        ("{{json x}}", r#"{"x": {"a": 1, "b": [1, 2]}}"#, "{\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ]\n}"),
        ("{{json x compact=true}}", r#"{"x": {"a": 1, "b": [1, 2]}}"#, r#"{"a":1,"b":[1,2]}"#),
        ("{{json x compact=false}}", r#"{"x": [1]}"#, "[\n  1\n]"),
        // Key order is the data's, not sorted.
        ("{{json x compact=true}}", r#"{"x": {"z": 1, "a": 2}}"#, r#"{"z":1,"a":2}"#),
        ("{{json x}}", r#"{"x": null}"#, "null"),
        ("{{json x}}", r#"{"x": []}"#, "[]"),
        // HTML-special characters pass through; only JSON escaping applies.
        ("{{json s}}", r#"{"s": "a&b<c>\"d\"'e"}"#, r#""a&b<c>\"d\"'e""#),
        ("{{json s}}", r#"{"s": "Ünïcödé — 東京 🎉"}"#, "\"Ünïcödé — 東京 🎉\""),
    ]);
}

#[test]
fn time_helpers_format_and_round() {
    check_ok(&[
        ("{{timecode t}}", r#"{"t": 0}"#, "00:00:00.000"),
        ("{{timecode t}}", r#"{"t": 0.0004}"#, "00:00:00.000"),
        ("{{timecode t}}", r#"{"t": 62.5}"#, "00:01:02.500"),
        // Rounds up into the next hour instead of printing 60 seconds.
        ("{{timecode t}}", r#"{"t": 3599.9995}"#, "01:00:00.000"),
        ("{{timecode t}}", r#"{"t": 59.9995}"#, "00:01:00.000"),
        ("{{timecode t}}", r#"{"t": 3599.9994}"#, "00:59:59.999"),
        // Over 24 h stays hours; past 99 h the hours get a third digit.
        ("{{timecode t}}", r#"{"t": 90000}"#, "25:00:00.000"),
        ("{{timecode t}}", r#"{"t": 360000.25}"#, "100:00:00.250"),
        // Every result time format is accepted.
        ("{{timecode t}}", r#"{"t": "00:01:02.500"}"#, "00:01:02.500"),
        ("{{timecode t}}", r#"{"t": "00:01:02"}"#, "00:01:02.000"),
        ("{{timecode t}}", r#"{"t": "62.5"}"#, "00:01:02.500"),
        ("{{timecode 12}}", "{}", "00:00:12.000"),
        ("{{srt_time t}}", r#"{"t": 62.5}"#, "00:01:02,500"),
        ("{{srt_time t}}", r#"{"t": 3599.9995}"#, "01:00:00,000"),
        ("{{srt_time t}}", r#"{"t": "00:01:02.500"}"#, "00:01:02,500"),
        ("{{vtt_time t}}", r#"{"t": "00:01:02.5"}"#, "00:01:02.500"),
        ("{{vtt_time t}}", r#"{"t": 90061.001}"#, "25:01:01.001"),
    ]);
}

#[test]
fn srt_and_vtt_cues_from_mixed_time_formats() {
    let data = r#"{"segs": [
        {"start_time": 0, "end_time": "00:00:02.500", "text": "a & b"},
        {"start_time": "00:00:02.500", "end_time": 3599.9995, "text": "<i>\"q\"</i>"}
    ]}"#;
    check_ok(&[
        (
            "{{#each segs}}{{@index}}\n{{srt_time start_time}} --> {{srt_time end_time}}\n{{text}}\n\n{{/each}}",
            data,
            "0\n00:00:00,000 --> 00:00:02,500\na & b\n\n\
             1\n00:00:02,500 --> 01:00:00,000\n<i>\"q\"</i>\n\n",
        ),
        (
            "{{#each segs}}{{vtt_time start_time}} --> {{vtt_time end_time}}\n{{/each}}",
            data,
            "00:00:00.000 --> 00:00:02.500\n00:00:02.500 --> 01:00:00.000\n",
        ),
    ]);
}

#[test]
fn timecode_agrees_with_the_contract_format() {
    let hb = registry();
    for secs in [0.0, 0.0005, 1.0015, 12.5, 59.9995, 3599.9995, 86_399.999_9, 90_061.25] {
        let want = TimeFormat::HmsMillis.format(secs);
        let got = render(&hb, "{{timecode t}}", &json!({ "t": secs }).to_string());
        assert_eq!(got.as_deref().ok(), want.as_str(), "{secs}");
    }
}

#[test]
fn time_helpers_reject_bad_input() {
    check_err(&[
        ("{{timecode t}}", r#"{"t": -1}"#, "timecode: expected seconds ≥ 0, got -1"),
        ("{{timecode t}}", r#"{"t": -1}"#, "(from `t`)"),
        ("{{timecode -0.5}}", "{}", "timecode: expected seconds ≥ 0, got -0.5"),
        ("{{srt_time t}}", r#"{"t": "abc"}"#, r#"srt_time: expected seconds (a number or "hh:mm:ss.fff"), got "abc""#),
        (
            "{{vtt_time t}}",
            r#"{"t": "-00:00:01"}"#,
            "vtt_time: expected seconds (a number or \"hh:mm:ss.fff\"), got \"-00:00:01\"",
        ),
        ("{{timecode t}}", r#"{"t": "00:-0:05"}"#, "timecode: expected seconds (a number"),
        ("{{timecode t}}", r#"{"t": null}"#, "timecode: expected seconds (a number or \"hh:mm:ss.fff\"), got null"),
        ("{{timecode t}}", r#"{"t": true}"#, "got true"),
        ("{{timecode t}}", r#"{"t": [1]}"#, "got [1]"),
        ("{{timecode t}}", r#"{"t": 1e300}"#, "timecode: 1e+300 seconds is too large"),
        ("{{duration t}}", r#"{"t": -3}"#, "duration: expected seconds ≥ 0, got -3"),
        // Strict mode: a missing variable is an error, not an empty output or 0.
        ("{{timecode seg.start}}", r#"{"seg": {}}"#, "timecode: argument 1 `seg.start` does not exist"),
        ("{{timecode}}", "{}", "timecode: expected `timecode SECONDS`, got 0 arguments"),
        ("{{timecode 1 2}}", "{}", "timecode: expected `timecode SECONDS`, got 2 arguments"),
        // Inside #each the error names the path as written there.
        ("{{#each s}}{{timecode start}}{{/each}}", r#"{"s": [{"start": 1}, {"start": -2}]}"#, "got -2 (from `start`)"),
    ]);
}

#[test]
fn errors_name_template_and_line() {
    let hb = registry();
    let err = render(&hb, "line one\n{{timecode t}}", r#"{"t": -1}"#).unwrap_err();
    assert!(err.contains("\"t.md\" line 2"), "{err}");
    assert!(err.contains("timecode: expected seconds ≥ 0, got -1"), "{err}");
}

#[test]
fn duration_is_human() {
    check_ok(&[
        ("{{duration t}}", r#"{"t": 0}"#, "0 s"),
        ("{{duration t}}", r#"{"t": 0.04}"#, "0 s"),
        ("{{duration t}}", r#"{"t": 0.5}"#, "0.5 s"),
        ("{{duration t}}", r#"{"t": 5.312}"#, "5.3 s"),
        ("{{duration t}}", r#"{"t": 45}"#, "45 s"),
        ("{{duration t}}", r#"{"t": 45.04}"#, "45 s"),
        ("{{duration t}}", r#"{"t": 59.94}"#, "59.9 s"),
        // Rounds up into the next unit, never "60 s" or "60.0 s".
        ("{{duration t}}", r#"{"t": 59.96}"#, "1 min 00 s"),
        ("{{duration t}}", r#"{"t": 60}"#, "1 min 00 s"),
        ("{{duration t}}", r#"{"t": 65}"#, "1 min 05 s"),
        ("{{duration t}}", r#"{"t": 65.4}"#, "1 min 05 s"),
        ("{{duration t}}", r#"{"t": 3599.6}"#, "1 h 00 min 00 s"),
        ("{{duration t}}", r#"{"t": 3723}"#, "1 h 02 min 03 s"),
        ("{{duration t}}", r#"{"t": 90000}"#, "25 h 00 min 00 s"),
        ("{{duration t}}", r#"{"t": "00:01:05.000"}"#, "1 min 05 s"),
    ]);
}

#[test]
fn add_numbers() {
    check_ok(&[
        ("{{#each l}}{{add @index 1}} {{/each}}", r#"{"l": ["a", "b"]}"#, "1 2 "),
        ("{{add x 1}}", r#"{"x": -1}"#, "0"),
        ("{{add x y 1}}", r#"{"x": 0.1, "y": 0.2}"#, "1.3"),
        ("{{#if (gt (add x 1) 2)}}big{{/if}}", r#"{"x": 2}"#, "big"),
        ("{{sub e s}}", r#"{"e": 4.071, "s": 2.896}"#, "1.175"),
        ("{{sub e s}}", r#"{"e": 3, "s": 5}"#, "-2"),
        ("{{duration (sub e s)}}", r#"{"e": 65.5, "s": 0.5}"#, "1 min 05 s"),
    ]);
    check_err(&[
        ("{{add x 1}}", r#"{"x": "3"}"#, "add: expected a number, got \"3\" (from `x`)"),
        ("{{add x 1}}", "{}", "add: argument 1 `x` does not exist"),
        ("{{add 1}}", "{}", "add: expected `add A B [C...]`, got 1 argument"),
        ("{{sub 1 2 3}}", "{}", "sub: expected `sub A B`, got 3 arguments"),
        ("{{sub 1 x}}", r#"{"x": null}"#, "sub: expected a number, got null (from `x`)"),
    ]);
}

#[test]
fn round_numbers() {
    check_ok(&[
        ("{{round x}}", r#"{"x": 2.6}"#, "3"),
        ("{{round x}}", r#"{"x": 2.5}"#, "3"),
        ("{{round x}}", r#"{"x": -2.5}"#, "-3"),
        ("{{round x}}", r#"{"x": -0.4}"#, "0"),
        ("{{round x}}", r#"{"x": 7}"#, "7"),
        ("{{round x 2}}", r#"{"x": 3.14159}"#, "3.14"),
        ("{{round x 2}}", r#"{"x": 2.5}"#, "2.5"),
        ("{{round x 1}}", r#"{"x": 1234.5678}"#, "1234.6"),
        ("{{round x 0}}", r#"{"x": 1234.5678}"#, "1235"),
        ("{{round x 3}}", r#"{"x": 18446744073709551615}"#, "18446744073709551615"),
        // A number, so it composes with comparisons.
        ("{{#if (gt (round x) 2)}}big{{/if}}", r#"{"x": 2.6}"#, "big"),
    ]);
    check_err(&[
        ("{{round x}}", r#"{"x": "3"}"#, "round: expected a number, got \"3\""),
        ("{{round x}}", r#"{"x": null}"#, "round: expected a number, got null"),
        ("{{round 1.5 -1}}", "{}", "round: digits must be an integer from 0 to 15, got -1"),
        ("{{round 1.5 16}}", "{}", "round: digits must be an integer from 0 to 15, got 16"),
        ("{{round 1.5 1.5}}", "{}", "digits must be an integer"),
        ("{{round}}", "{}", "round: expected `round NUMBER [DIGITS]`, got 0 arguments"),
    ]);
}

#[test]
fn slug_is_ascii_and_hyphenated() {
    check_ok(&[
        ("{{slug s}}", r#"{"s": "Hello, World!"}"#, "hello-world"),
        ("{{slug s}}", r#"{"s": "  --Already-Slugged--  "}"#, "already-slugged"),
        ("{{slug s}}", r#"{"s": "Ünïcödé — 東京 2024"}"#, "n-c-d-2024"),
        ("{{slug s}}", r#"{"s": "Rock 'n' Roll 🎸"}"#, "rock-n-roll"),
        ("{{slug s}}", r#"{"s": "a&b<c>\"d\"'e"}"#, "a-b-c-d-e"),
        ("{{slug s}}", r#"{"s": "Clip_01.MP4"}"#, "clip-01-mp4"),
        ("{{slug s}}", r#"{"s": 42}"#, "42"),
        ("out/{{slug video.id}}.md", r#"{"video": {"id": "Vid 7"}}"#, "out/vid-7.md"),
    ]);
    check_err(&[
        ("{{slug s}}", r#"{"s": "東京"}"#, "slug: \"東京\" has no ASCII letters or digits"),
        ("{{slug s}}", r#"{"s": ""}"#, "slug: \"\" has no ASCII letters or digits"),
        ("{{slug s}}", r#"{"s": null}"#, "slug: expected text, got null (from `s`)"),
        ("{{slug s}}", r#"{"s": {"a": 1}}"#, "slug: expected text"),
    ]);
}

#[test]
fn join_lists() {
    check_ok(&[
        ("{{join l \", \"}}", r#"{"l": ["a", "b", "c"]}"#, "a, b, c"),
        ("[{{join l \", \"}}]", r#"{"l": []}"#, "[]"),
        ("{{join l \"|\"}}", r#"{"l": [1, true, "x", 2.5]}"#, "1|true|x|2.5"),
        ("{{join l \" & \"}}", r#"{"l": ["a&b", "<c>", "\"d'"]}"#, "a&b & <c> & \"d'"),
        ("{{join l \"\"}}", r#"{"l": ["東", "京", "🎉"]}"#, "東京🎉"),
        ("{{join l sep}}", r#"{"l": ["a", "b"], "sep": "\n"}"#, "a\nb"),
    ]);
    check_err(&[
        ("{{join l}}", r#"{"l": ["a"]}"#, "join: expected `join LIST SEP`, got 1 argument"),
        ("{{join l \",\"}}", r#"{"l": "a,b"}"#, "join: expected a list, got \"a,b\""),
        ("{{join l \",\"}}", r#"{"l": ["a", null]}"#, "join: item 1 is null, not text"),
        ("{{join l \",\"}}", r#"{"l": [{"a": 1}]}"#, "join: item 0 is {\"a\":1}, not text"),
        ("{{join l 5}}", r#"{"l": []}"#, "join: separator must be a string, got 5"),
        ("{{join nope \",\"}}", "{}", "join: argument 1 `nope` does not exist"),
    ]);
}

#[test]
fn default_replaces_null_empty_and_missing() {
    check_ok(&[
        ("{{default x \"fb\"}}", "{}", "fb"),
        ("{{default a.b.c \"fb\"}}", r#"{"a": {}}"#, "fb"),
        ("{{default x \"fb\"}}", r#"{"x": null}"#, "fb"),
        ("{{default x \"fb\"}}", r#"{"x": ""}"#, "fb"),
        ("{{default x \"fb\"}}", r#"{"x": "val"}"#, "val"),
        ("{{default x \"fb\"}}", r#"{"x": 0}"#, "0"),
        ("{{default x \"fb\"}}", r#"{"x": false}"#, "false"),
        ("{{len (default x \"fb\")}}", r#"{"x": []}"#, "0"),
        ("{{default x y}}", r#"{"y": "<&>"}"#, "<&>"),
        // Keeps the type, so it composes.
        ("{{timecode (default t 0)}}", "{}", "00:00:00.000"),
        ("{{timecode (default t 0)}}", r#"{"t": "00:00:05.000"}"#, "00:00:05.000"),
    ]);
    check_err(&[
        ("{{default x y}}", "{}", "default: argument 2 `y` does not exist"),
        ("{{default x}}", "{}", "default: expected `default VALUE FALLBACK`, got 1 argument"),
    ]);
}

#[test]
fn upper_and_lower_are_unicode_aware() {
    check_ok(&[
        ("{{upper s}}", r#"{"s": "straße"}"#, "STRASSE"),
        ("{{upper s}}", r#"{"s": "Ünïcödé — 東京 🎉"}"#, "ÜNÏCÖDÉ — 東京 🎉"),
        ("{{lower s}}", r#"{"s": "ÜNÏCÖDÉ ΣΑΣ"}"#, "ünïcödé σας"),
        ("{{lower s}}", r#"{"s": "A&B<\"'>"}"#, "a&b<\"'>"),
        ("{{upper s}}", r#"{"s": ""}"#, ""),
        ("{{upper s}}", r#"{"s": 5}"#, "5"),
    ]);
    check_err(&[
        ("{{upper s}}", r#"{"s": null}"#, "upper: expected text, got null"),
        ("{{lower s}}", r#"{"s": ["a"]}"#, "lower: expected text, got [\"a\"]"),
        ("{{lower s}}", "{}", "lower: argument 1 `s` does not exist"),
    ]);
}

#[test]
fn truncate_counts_characters() {
    check_ok(&[
        ("{{truncate s 20}}", r#"{"s": "Hello world"}"#, "Hello world"),
        ("{{truncate s 11}}", r#"{"s": "Hello world"}"#, "Hello world"),
        ("{{truncate s 8}}", r#"{"s": "Hello world"}"#, "Hello w…"),
        // The space before the cut is trimmed.
        ("{{truncate s 7}}", r#"{"s": "Hello world"}"#, "Hello…"),
        ("{{truncate s 4}}", r#"{"s": "東京タワー展望台"}"#, "東京タ…"),
        ("{{truncate s 8}}", r#"{"s": "東京タワー展望台"}"#, "東京タワー展望台"),
        ("{{truncate s 2}}", r#"{"s": "🎉🎉🎉🎉"}"#, "🎉…"),
        ("{{truncate s 5 ellipsis=\"...\"}}", r#"{"s": "Ünïcödé"}"#, "Ün..."),
        ("{{truncate s 7 ellipsis=\"\"}}", r#"{"s": "Hello world"}"#, "Hello w"),
        ("{{truncate s 2 ellipsis=\"...\"}}", r#"{"s": "abcdef"}"#, "ab"),
        ("[{{truncate s 0}}]", r#"{"s": "abc"}"#, "[]"),
        ("[{{truncate s 0}}]", r#"{"s": ""}"#, "[]"),
        ("{{truncate s 3}}", r#"{"s": "<&>\"'"}"#, "<&…"),
    ]);
    check_err(&[
        ("{{truncate s -1}}", r#"{"s": "abc"}"#, "truncate: length must be an integer ≥ 0, got -1"),
        ("{{truncate s 2.5}}", r#"{"s": "abc"}"#, "truncate: length must be an integer ≥ 0, got 2.5"),
        ("{{truncate s \"3\"}}", r#"{"s": "abc"}"#, "truncate: length must be an integer"),
        ("{{truncate s 2 ellipsis=1}}", r#"{"s": "abc"}"#, "truncate: ellipsis= expects a string, got 1"),
        ("{{truncate s 2 ellipsis=e}}", r#"{"s": "abc"}"#, "truncate: option ellipsis=`e` does not exist"),
        ("{{truncate s}}", r#"{"s": "abc"}"#, "truncate: expected `truncate TEXT N [ellipsis=TEXT]`, got 1 argument"),
    ]);
}

#[test]
fn csv_fields_and_rows() {
    check_ok(&[
        ("{{csv s}}", r#"{"s": "plain"}"#, "plain"),
        ("{{csv s}}", r#"{"s": "a,b"}"#, "\"a,b\""),
        ("{{csv s}}", r#"{"s": "say \"hi\""}"#, "\"say \"\"hi\"\"\""),
        ("{{csv s}}", r#"{"s": "line1\nline2"}"#, "\"line1\nline2\""),
        ("{{csv s}}", r#"{"s": "a\r\nb"}"#, "\"a\r\nb\""),
        ("{{csv s}}", r#"{"s": " lead"}"#, "\" lead\""),
        ("{{csv s}}", r#"{"s": "trail\t"}"#, "\"trail\t\""),
        ("{{csv s}}", r#"{"s": "in side"}"#, "in side"),
        ("{{csv s}}", r#"{"s": "a&b<c>'d'"}"#, "a&b<c>'d'"),
        ("{{csv s}}", r#"{"s": "Ünïcödé — 東京 🎉"}"#, "Ünïcödé — 東京 🎉"),
        ("[{{csv s}}]", r#"{"s": ""}"#, "[]"),
        ("[{{csv s}}]", r#"{"s": null}"#, "[]"),
        ("{{csv s}}", r#"{"s": 3.5}"#, "3.5"),
        ("{{csv s}}", r#"{"s": {"k": "v,w"}}"#, "\"{\"\"k\"\":\"\"v,w\"\"}\""),
        ("{{csv s}}", r#"{"s": [1, 2]}"#, "\"[1,2]\""),
        (
            "{{csv a b c d e}}",
            r#"{"a": "a,b", "b": "say \"hi\"", "c": 3, "d": null, "e": "x"}"#,
            "\"a,b\",\"say \"\"hi\"\"\",3,,x",
        ),
        (
            "id,text\n{{#each rows}}{{csv id text}}\n{{/each}}",
            r#"{"rows": [{"id": 1, "text": "a, b"}, {"id": 2, "text": "ok"}]}"#,
            "id,text\n1,\"a, b\"\n2,ok\n",
        ),
    ]);
    check_err(&[
        ("{{csv}}", "{}", "csv: expected `csv VALUE [VALUE...]`, got 0 arguments"),
        ("{{csv a b}}", r#"{"a": 1}"#, "csv: argument 2 `b` does not exist"),
    ]);
}

#[test]
fn comparisons() {
    let row = "{{#if (eq a b)}}y{{else}}n{{/if}}";
    check_ok(&[
        (row, r#"{"a": 1, "b": 1}"#, "y"),
        (row, r#"{"a": 1, "b": 1.0}"#, "y"),
        (row, r#"{"a": 1, "b": "1"}"#, "n"),
        (row, r#"{"a": "東京", "b": "東京"}"#, "y"),
        (row, r#"{"a": [1, {"k": null}], "b": [1, {"k": null}]}"#, "y"),
        (row, r#"{"a": null, "b": null}"#, "y"),
        (row, r#"{"a": 18446744073709551615, "b": 18446744073709551614}"#, "n"),
        ("{{eq 1 1}} {{ne 1 1}}", "{}", "true false"),
        ("{{#eq s \"ok\"}}yes{{else}}no{{/eq}}", r#"{"s": "ok"}"#, "yes"),
        ("{{#ne s \"ok\"}}yes{{else}}no{{/ne}}", r#"{"s": "ok"}"#, "no"),
        ("{{#if (eq status \"ready\")}}R{{/if}}", r#"{"status": "ready"}"#, "R"),
        ("{{gt 5 3}} {{gt 2.5 3}} {{lt 2.5 3}} {{lt 3 3}}", "{}", "true false true false"),
        ("{{lt a b}}", r#"{"a": -1, "b": 18446744073709551615}"#, "true"),
        ("{{lt a b}}", r#"{"a": "a", "b": "b"}"#, "true"),
        ("{{lt a b}}", r#"{"a": "00:01:00.000", "b": "00:10:00.000"}"#, "true"),
        ("{{#gt n 0}}some{{else}}none{{/gt}}", r#"{"n": 0}"#, "none"),
    ]);
    check_err(&[
        ("{{gt 5 \"3\"}}", "{}", "gt: can only compare two numbers or two strings, got 5 and \"3\""),
        ("{{lt a 1}}", r#"{"a": null}"#, "lt: can only compare two numbers or two strings, got null and 1"),
        // A misspelt path inside #if is an error, not a silent else.
        ("{{#if (eq stauts \"ready\")}}R{{/if}}", r#"{"status": "ready"}"#, "eq: argument 1 `stauts` does not exist"),
        ("{{eq 1}}", "{}", "eq: expected `eq A B`, got 1 argument"),
    ]);
}

#[test]
fn logic() {
    check_ok(&[
        ("{{and a b c}}", r#"{"a": true, "b": 1, "c": "x"}"#, "true"),
        ("{{and a b}}", r#"{"a": true, "b": 0}"#, "false"),
        ("{{or a b c}}", r#"{"a": false, "b": "", "c": []}"#, "false"),
        ("{{or a b}}", r#"{"a": null, "b": {"k": 1}}"#, "true"),
        ("{{not a}} {{not b}}", r#"{"a": [], "b": "x"}"#, "true false"),
        ("{{#if (not (gt n 3))}}small{{/if}}", r#"{"n": 2}"#, "small"),
        ("{{#if (and (eq a 1) (or b (not c)))}}y{{else}}n{{/if}}", r#"{"a": 1, "b": false, "c": 0}"#, "y"),
        ("{{#and a b}}both{{else}}not both{{/and}}", r#"{"a": 1, "b": 0}"#, "not both"),
        ("{{#not a}}empty{{/not}}", r#"{"a": ""}"#, "empty"),
    ]);
    check_err(&[
        // Every argument must exist, even when an earlier one decides the result.
        ("{{#if (and flag nope)}}y{{/if}}", r#"{"flag": false}"#, "and: argument 2 `nope` does not exist"),
        ("{{#if (or flag nope)}}y{{/if}}", r#"{"flag": true}"#, "or: argument 2 `nope` does not exist"),
        ("{{and a}}", r#"{"a": true}"#, "and: expected `and A B [C...]`, got 1 argument"),
        ("{{#if (not nope)}}y{{/if}}", "{}", "not: argument 1 `nope` does not exist"),
    ]);
}

#[test]
fn len_counts_items_keys_and_chars() {
    check_ok(&[
        ("{{len l}}", r#"{"l": [1, 2, 3]}"#, "3"),
        ("{{len l}}", r#"{"l": []}"#, "0"),
        ("{{len o}}", r#"{"o": {"a": 1, "b": 2}}"#, "2"),
        ("{{len s}}", r#"{"s": "東京"}"#, "2"),
        ("{{len s}}", r#"{"s": "🎉"}"#, "1"),
        ("{{len s}}", r#"{"s": ""}"#, "0"),
        ("{{#if (gt (len l) 0)}}has{{else}}empty{{/if}}", r#"{"l": []}"#, "empty"),
    ]);
    check_err(&[
        ("{{len n}}", r#"{"n": 5}"#, "len: expected a list, object or string, got 5"),
        ("{{len n}}", r#"{"n": null}"#, "len: expected a list, object or string, got null"),
        ("{{len n}}", "{}", "len: argument 1 `n` does not exist"),
    ]);
}

#[test]
fn argument_shape_errors() {
    check_err(&[
        ("{{upper s foo=1}}", r#"{"s": "a"}"#, "upper: unknown option `foo` (it takes no options)"),
        ("{{json s compat=true}}", r#"{"s": "a"}"#, "json: unknown option `compat` (expected compact)"),
        ("{{json s compact=\"yes\"}}", r#"{"s": "a"}"#, "json: compact= expects true or false, got \"yes\""),
        ("{{#upper s}}x{{/upper}}", r#"{"s": "a"}"#, "upper: cannot be used as a block; write {{upper …}}"),
    ]);
}

#[test]
fn special_characters_pass_through_unchanged() {
    let data = r#"{"s": "& < > \" ' ` =", "l": ["&", "<>"]}"#;
    check_ok(&[
        ("{{s}}|{{lower s}}|{{upper s}}", data, "& < > \" ' ` =|& < > \" ' ` =|& < > \" ' ` ="),
        ("{{truncate s 100}}|{{default s \"x\"}}|{{join l \"\"}}", data, "& < > \" ' ` =|& < > \" ' ` =|&<>"),
    ]);
}

#[test]
fn html_registry_escapes_helper_output() {
    // An `.html` output keeps the default escaping: helper output is escaped like any
    // `{{…}}`, and the triple-stash form is raw.
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    register(&mut hb);
    let data = json!({ "x": { "k": "<b>" } });
    let escaped = hb.render_template("{{json x compact=true}}", &data);
    assert_eq!(escaped.ok().as_deref(), Some("{&quot;k&quot;:&quot;&lt;b&gt;&quot;}"));
    let raw = hb.render_template("{{{json x compact=true}}}", &data);
    assert_eq!(raw.ok().as_deref(), Some(r#"{"k":"<b>"}"#));
}
