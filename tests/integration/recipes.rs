//! The ready recipes of `workflows/`: each runs with `--sim` and writes exactly the
//! expected files (`tests/fixtures/recipes/NAME/expected`), byte for byte. Their
//! vars and titles hold `&`, `<`, `>`, quotes and non-ASCII text, which must come
//! out unchanged in Markdown, JSON, CSV (quoted as CSV quotes), SRT and VTT, and
//! HTML-escaped only in `.html`.

use crate::support::{assert_expected_files, recipe, vidflow};

/// Runs recipe `name` with the in-process simulator and compares its outputs.
fn run_recipe(name: &str) -> tempfile::TempDir {
    let dir = recipe(name);
    let check = vidflow(dir.path()).args(["check", "workflow.yaml"]).output().expect("check");
    assert_eq!(check.status.code(), Some(0), "check {name}: {}", String::from_utf8_lossy(&check.stderr));
    let out = vidflow(dir.path()).args(["run", "workflow.yaml", "--sim", "--concurrency", "1"]).output().expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "run {name}:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_expected_files(&format!("recipes/{name}"), dir.path());
    dir
}

fn read(dir: &tempfile::TempDir, rel: &str) -> String {
    std::fs::read_to_string(dir.path().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

const TITLE: &str = "Café <Keynote> & Q&A: \"Straße\" 東京";

#[test]
fn chapters_recipe_writes_webvtt_and_srt() {
    let dir = run_recipe("chapters");
    let vtt = read(&dir, "out/keynote/chapters.vtt");
    assert!(vtt.starts_with(&format!("WEBVTT - {TITLE}\n")), "{vtt}");
    assert!(vtt.contains(" --> ") && vtt.contains("NOTE Blender & Friends <Open Movies>"), "{vtt}");
    let srt = read(&dir, "out/keynote/chapters.srt");
    assert!(srt.starts_with("1\n") && srt.contains(&format!(" — {TITLE}\n")), "{srt}");
}

#[test]
fn seo_recipe_writes_markdown_with_front_matter_from_a_partial() {
    let dir = run_recipe("seo");
    let md = read(&dir, "out/keynote/keywords.md");
    assert!(md.starts_with("---\ntitle: \"Café <Keynote> & Q&A: \\\"Straße\\\" 東京\"\n"), "{md}");
    assert!(md.contains(&format!("# Keywords: {TITLE}\n")), "{md}");
    assert!(read(&dir, "out/keynote/summary.md").contains("[simulated]"));
}

#[test]
fn scenes_recipe_writes_csv_and_json_from_a_json_schema() {
    let dir = run_recipe("scenes");
    let csv = read(&dir, "out/keynote/scenes.csv");
    assert!(csv.contains(",\"Café <Keynote> & Q&A: \"\"Straße\"\" 東京\","), "{csv}");
    let json: serde_json::Value = serde_json::from_str(&read(&dir, "out/keynote/scenes.json")).expect("valid JSON");
    assert_eq!(json["title"], TITLE);
    assert!(json["scenes"].as_array().is_some_and(|s| !s.is_empty()), "{json}");
}

#[test]
fn highlights_recipe_writes_timecodes() {
    let dir = run_recipe("highlights");
    let md = read(&dir, "out/keynote/highlights.md");
    assert!(md.contains("For Zoë O’Brien & the <cut> team."), "{md}");
    assert!(md.lines().any(|l| l.starts_with("| 1 | 00:00:")), "{md}");
}

#[test]
fn report_recipe_indexes_every_video_and_escapes_only_html() {
    let dir = run_recipe("report");
    let md = read(&dir, "out/index.md");
    for id in ["bigbuckbunny", "keynote", "interview"] {
        assert!(md.contains(&format!("[{id}](videos/{id}.md)")), "{md}");
    }
    assert!(md.contains(TITLE), "{md}");
    let html = read(&dir, "out/index.html");
    assert!(html.contains("Café &lt;Keynote&gt; &amp; Q&amp;A: &quot;Straße&quot; 東京"), "{html}");
    let json: serde_json::Value = serde_json::from_str(&read(&dir, "out/index.json")).expect("valid JSON");
    assert_eq!(json["summary"]["videos"], 3);
    assert_eq!(json["videos"][1]["title"], TITLE);
}
