//! `vidflow review` (issue 17): the static review site. The video page is loaded in
//! headless Chromium and its DOM checked after the page's script ran; the rest goes
//! through the real binary on real files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

use crate::engine_support::{run_ok, show};
use crate::support::{SimProcess, fixture, recipe, videos_dir, vidflow};

/// Model text that would run if it were not escaped, in content and attributes.
const SCRIPT: &str = "<script>document.body.dataset.pwned='script'</script>";
const QUOTES: &str = "x\" onmouseover=\"document.body.dataset.pwned='attr'\" y='";

fn ok(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", show(out));
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `vidflow run workflow.yaml --sim` on the review fixture: `bikes` breaks MEDIA-1,
/// so the run exits 1 and the other videos have results.
fn run_fixture() -> tempfile::TempDir {
    let dir = fixture("review");
    ok(&vidflow(dir.path()).args(["run", "workflow.yaml", "--sim"]).output().expect("run"), 1);
    dir
}

fn review(dir: &Path, extra: &[&str]) -> Output {
    vidflow(dir).args(["review", "workflow.yaml"]).args(extra).output().expect("review")
}

/// The stored `--sim` result of `task` (`analysis/video`).
fn result_path(dir: &Path, task: &str) -> PathBuf {
    let plan = vidflow(dir).args(["plan", "workflow.yaml", "--sim", "--json"]).output().expect("plan");
    ok(&plan, 0);
    let plan: Value = serde_json::from_slice(&plan.stdout).expect("plan JSON");
    let tasks = plan["workflows"][0]["tasks"].as_array().expect("tasks");
    let key = tasks.iter().find(|t| t["name"] == task).and_then(|t| t["key"].as_str()).expect("task key");
    dir.join(".vidflow/sim/results").join(format!("{key}.json"))
}

/// Replaces the `data` of the stored `--sim` result of `task` with what `edit`
/// makes of it (parsed).
fn edit_result_data(dir: &Path, task: &str, edit: impl FnOnce(Value) -> Value) {
    let path = result_path(dir, task);
    let mut stored: Value = serde_json::from_slice(&std::fs::read(&path).expect("stored result")).expect("JSON");
    let data = serde_json::from_str(stored["result"]["data"].as_str().expect("data")).expect("JSON data");
    stored["result"]["data"] = Value::from(edit(data).to_string());
    std::fs::write(&path, serde_json::to_vec_pretty(&stored).expect("encode")).expect("write result");
}

/// Three chapters with hostile titles, and `time_array` events (SEGX-4) in the
/// first: what the browser test renders.
fn hostile_chapters() -> Value {
    json!({"chapter": [
        {"start_time": 0.5, "end_time": 2.0, "metadata": {"title": SCRIPT, "summary": QUOTES,
            "moments": [{"start_time": 1.0, "end_time": 1.5, "kind": QUOTES}]}},
        {"start_time": 2.0, "end_time": 4.0, "metadata": {"title": "Second", "summary": "plain"}},
        {"start_time": 4.0, "end_time": 5.0, "metadata": {"title": QUOTES, "summary": SCRIPT}}
    ]})
}

/// The browser, or `None` after saying loudly that the test is skipped; with
/// `VIDFLOW_REQUIRE_BROWSER=1` (CI) a missing browser fails the test.
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/chromium");
    if path.is_file() {
        return Some(path);
    }
    assert!(
        std::env::var_os("VIDFLOW_REQUIRE_BROWSER").is_none(),
        "VIDFLOW_REQUIRE_BROWSER is set but /usr/bin/chromium is missing (apt-get install chromium)"
    );
    eprintln!("SKIPPED: /usr/bin/chromium is missing, the review page is not checked in a browser");
    None
}

/// The DOM of `page` after its scripts ran, as headless Chromium serialises it.
/// Offline: a fresh profile and no background networking; `timeout` bounds a hung
/// browser.
fn dump_dom(browser: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", show(&out));
    stdout(&out)
}

/// An element of a serialised DOM: its name and attributes (values unescaped).
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class").is_some_and(|c| c.split_whitespace().any(|w| w == class))
    }
}

/// Every start tag of a DOM serialised by a browser, in order. The serialiser
/// writes `<` in text as `&lt;` and every attribute value in double quotes with
/// `"` as `&quot;`, so each `<` outside a value starts a tag.
fn tags(dom: &str) -> Vec<Tag> {
    let unescape = |v: &str| v.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        if rest.starts_with('!') || rest.starts_with('/') {
            rest = &rest[rest.find('>').map_or(rest.len(), |j| j + 1)..];
            continue;
        }
        let end = rest.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(rest.len());
        let mut tag = Tag { name: rest[..end].to_ascii_lowercase(), attrs: Vec::new() };
        rest = &rest[end..];
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
            if rest.is_empty() || rest.starts_with('>') {
                break;
            }
            let end = rest.find(|c: char| c.is_whitespace() || c == '=' || c == '>').unwrap_or(rest.len());
            let name = rest[..end].to_ascii_lowercase();
            rest = &rest[end..];
            let mut value = String::new();
            if let Some(after) = rest.strip_prefix("=\"") {
                let close = after.find('"').expect("closed attribute value");
                value = unescape(&after[..close]);
                rest = &after[close + 1..];
            }
            tag.attrs.push((name, value));
        }
        out.push(tag);
    }
    out
}

/// Issue 17: the video page of a local video with chapters, a JSON-schema result
/// and a summary, loaded in headless Chromium: the page's script ran (segments
/// and events are placed on the timeline), the player plays the local file with
/// the chapters as a WebVTT track, every thumbnail is a file of the site, and
/// model text with `<script>` and attribute-breaking quotes stays text.
#[test]
fn review_page_in_chromium_has_player_segments_thumbnails_and_no_injection() {
    let Some(browser) = chromium() else {
        return;
    };
    let dir = run_fixture();
    edit_result_data(dir.path(), "chapters/bigbuckbunny", |_| hostile_chapters());
    let facts = json!({"topic": SCRIPT, "tone": QUOTES, "tags": ["<img src=x onerror=alert(1)>", "fine"]});
    edit_result_data(dir.path(), "facts/bigbuckbunny", |_| facts);
    let out = review(dir.path(), &["--sim"]);
    ok(&out, 0);
    let frames = "frames: 5 extracted, 0 reused";
    assert!(stdout(&out).contains(frames), "3 segment starts, a poster each of bigbuckbunny and bikes: {}", show(&out));

    let page = dir.path().join("review/review/bigbuckbunny.html");
    let dom = dump_dom(&browser, &page);
    let tags = tags(&dom);
    let page_dir = page.parent().expect("page dir");
    let find = |name: &'static str| tags.iter().filter(move |t| t.name == name);

    let html = find("html").next().expect("html element");
    assert!(html.has_class("js"), "the page's script ran: {dom}");
    let scripts: Vec<_> = find("script").collect();
    assert_eq!(scripts.len(), 1, "only the site's own script: {scripts:?}");
    assert_eq!(scripts[0].attr("src"), Some("../assets/review.js"));
    let handlers: Vec<_> = tags.iter().flat_map(|t| &t.attrs).filter(|(k, _)| k.starts_with("on")).collect();
    assert!(handlers.is_empty(), "no event-handler attribute came from a result: {handlers:?}");
    assert!(find("body").all(|b| b.attr("data-pwned").is_none()), "no injected code ran: {dom}");
    assert!(find("img").all(|i| i.attr("src") != Some("x")), "a result's <img> stayed text");
    assert!(dom.contains("&lt;script&gt;document.body.dataset.pwned='script'&lt;/script&gt;"), "text: {dom}");
    assert!(find("meta").any(|m| m.attr("http-equiv") == Some("Content-Security-Policy")));

    let video = find("video").next().expect("a player");
    assert_eq!(video.attr("id"), Some("player"));
    assert_eq!(video.attr("src"), Some("../../videos/bigbuckbunny.mp4"));
    assert!(page_dir.join(video.attr("src").unwrap_or_default()).is_file(), "the player's file exists");
    let poster = video.attr("poster").expect("a poster frame");
    assert!(page_dir.join(poster).is_file(), "poster {poster}");
    let track = find("track").next().expect("a chapter track");
    assert_eq!(track.attr("kind"), Some("chapters"));
    let vtt = track.attr("src").and_then(|s| s.strip_prefix("data:text/vtt;base64,")).expect("a WebVTT data URL");
    let vtt = String::from_utf8(base64_decode(vtt)).expect("UTF-8 cues");
    assert!(vtt.starts_with("WEBVTT\n"), "{vtt}");
    assert!(vtt.contains("00:00:00.500 --> 00:00:02.000\n&lt;script&gt;"), "escaped cue text: {vtt}");
    assert!(vtt.contains("00:00:02.000 --> 00:00:04.000\nSecond\n"), "{vtt}");

    let segs: Vec<_> = tags.iter().filter(|t| t.has_class("seg")).collect();
    let starts: Vec<_> = segs.iter().map(|s| (s.attr("data-start"), s.attr("data-end"))).collect();
    assert_eq!(starts, [(Some("0.5"), Some("2")), (Some("2"), Some("4")), (Some("4"), Some("5"))]);
    for s in &segs {
        let style = s.attr("style").unwrap_or_default();
        assert!(style.contains("left:") && style.contains("width:"), "placed by the script: {s:?}");
    }
    assert_eq!(segs[1].attr("style"), Some("left: 37.651%; width: 37.651%;"), "2 s of 5.312 s, from 2 s");
    let events: Vec<_> = tags.iter().filter(|t| t.has_class("event")).collect();
    assert_eq!(events.len(), 1, "one time_array event");
    assert_eq!(events[0].attr("data-start"), Some("1"));
    assert_eq!(events[0].attr("style"), Some("left: 33.333%; width: 33.333%;"), "1-1.5 s inside 0.5-2 s");

    let thumbs: Vec<_> = find("img").filter(|i| i.has_class("thumb")).collect();
    assert_eq!(thumbs.len(), 3, "a frame per segment");
    for t in thumbs {
        let src = t.attr("src").expect("src");
        let bytes = std::fs::read(page_dir.join(src)).unwrap_or_default();
        assert!(bytes.starts_with(&[0xFF, 0xD8]), "{src} is a JPEG of the site");
    }
    assert!(tags.iter().any(|t| t.name == "dt" && dom.contains("<dt>topic</dt>")), "JSON rendered as HTML");
    assert!(tags.iter().any(|t| t.has_class("chips")), "a list as chips");
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.decode(text).expect("base64")
}

/// Issue 17: frames are cached by content hash and time: a rebuild extracts none,
/// a new segment start extracts one, and a deleted frame is extracted again.
#[test]
fn review_rebuild_extracts_only_new_frames() {
    let dir = run_fixture();
    let out = review(dir.path(), &["--sim"]);
    ok(&out, 0);
    let thumbs = dir.path().join("review/thumbs");
    let n = std::fs::read_dir(&thumbs).expect("thumbs").count();
    assert!(n >= 2, "a poster and at least one segment start");
    assert!(stdout(&out).contains(&format!("frames: {n} extracted, 0 reused")), "{}", show(&out));

    let again = review(dir.path(), &["--sim"]);
    ok(&again, 0);
    assert!(stdout(&again).contains(&format!("frames: 0 extracted, {n} reused; 0 files changed")), "{}", show(&again));

    edit_result_data(dir.path(), "chapters/bigbuckbunny", |mut data| {
        let segment = json!({"start_time": 3.21, "end_time": 4.0, "metadata": {"title": "new"}});
        data["chapter"].as_array_mut().expect("chapters").push(segment);
        data
    });
    let out = review(dir.path(), &["--sim"]);
    ok(&out, 0);
    assert!(stdout(&out).contains(&format!("frames: 1 extracted, {n} reused")), "{}", show(&out));
    assert!(
        thumbs.read_dir().expect("thumbs").flatten().any(|e| e.file_name().to_string_lossy().ends_with("-3210.jpg"))
    );
}

/// Issue 17: a run with a failed, a truncated, a rejected and an unrun task builds
/// a site (exit 0) that shows each as such: the server's message, the rule, the
/// truncation, and no result.
#[test]
fn review_of_a_partial_run_shows_failed_truncated_rejected_and_missing_results() {
    let sim = SimProcess::start(&["--clock", "tick"]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(videos_dir(), dir.path().join("videos")).expect("link videos");
    let workflow = r#"version: 1
name: partial
model: pegasus1.2
videos:
  - id: ok
    video_id: sim-vid-ok
  - id: long
    video_id: sim-vid-long
  - id: bikes
    file: videos/bikes.mp4
analyses:
  - id: full
    prompt: Describe {{video.id}}
    videos: [ok, long]
  - id: short
    prompt: Describe {{video.id}} in one word
    max_tokens: 1
    videos: [ok]
  - id: later
    prompt: Describe {{video.id}} later
    videos: [ok]
  - id: local
    model: pegasus1.5
    prompt: Describe the clip
    videos: [bikes]
"#;
    std::fs::write(dir.path().join("workflow.yaml"), workflow).expect("write");
    run_ok(dir.path(), &sim, &["--only", "full/*", "--only", "short/*", "--only", "local/*"], 1);
    let out = review(dir.path(), &[]);
    ok(&out, 0);
    assert!(stdout(&out).contains("2 of 5 tasks with a result, 3 video pages"), "{}", show(&out));
    let index = std::fs::read_to_string(dir.path().join("review/index.html")).expect("index");
    for (task, html) in [
        ("full/long", "failed</a><span class=\"why-short failed\">[simulated] MEDIA-1"),
        ("short/ok", "truncated</a><span class=\"why-short\">"),
        ("local/bikes", "rejected</a><span class=\"why-short rejected\">MEDIA-1: height 272 &lt; 360"),
        ("later/ok", "no result</a><span class=\"why-short none\">not run yet</span>"),
        ("full/ok", "ready</a><span class=\"why-short\">"),
    ] {
        let (analysis, video) = task.split_once('/').expect("analysis/video");
        let link = format!("href=\"partial/{video}.html#analysis-{analysis}\">{html}");
        assert!(index.contains(&link), "{task}: {link}\n{index}");
    }
    let ok_page = std::fs::read_to_string(dir.path().join("review/partial/ok.html")).expect("page");
    assert!(ok_page.contains("Cut at max_tokens (finish_reason: length)"), "{ok_page}");
    assert!(ok_page.contains("No playable source: the video is indexed video `sim-vid-ok`."), "{ok_page}");
    let bikes = std::fs::read_to_string(dir.path().join("review/partial/bikes.html")).expect("page");
    assert!(bikes.contains("src=\"../../videos/bikes.mp4\""), "a rejected local video still plays: {bikes}");
}

/// Issue 17: `--out` never points at the workflow's inputs or state: the workflow's
/// directory or a parent, the state directory, a directory holding an input video,
/// and a non-empty directory `review` did not build are refused (exit 2) and
/// nothing is written.
#[test]
fn review_refuses_an_out_dir_holding_inputs_or_state() {
    let dir = fixture("review");
    std::fs::create_dir(dir.path().join("notes")).expect("mkdir");
    std::fs::write(dir.path().join("notes/todo.txt"), "mine").expect("write");
    let before = listing(dir.path());
    for (out, message) in [
        (".", "holds the workflow"),
        ("..", "holds the workflow"),
        (".vidflow/site", "inside vidflow's state directory"),
        ("videos", "holds `videos/bigbuckbunny.mp4`, an input"),
        ("notes", "is not empty and is not a review site built by vidflow"),
    ] {
        let res = review(dir.path(), &["--out", out]);
        ok(&res, 2);
        assert!(String::from_utf8_lossy(&res.stderr).contains(message), "--out {out}: {}", show(&res));
        assert_eq!(listing(dir.path()), before, "--out {out} wrote nothing");
    }
}

/// Every path under `dir` (links not followed), sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p.clone());
            }
            all.push(p);
        }
    }
    all.sort();
    all
}

/// Issue 17: every recipe of `workflows/` gets a site beside it after `run --sim`,
/// and one `--out` holds the sites of all of them, a section per workflow.
#[test]
fn review_builds_a_site_for_every_recipe() {
    let names = ["chapters", "seo", "scenes", "highlights", "report"];
    let dirs: Vec<tempfile::TempDir> = names.iter().map(|n| recipe(n)).collect();
    for (name, dir) in names.iter().zip(&dirs) {
        ok(&vidflow(dir.path()).args(["run", "workflow.yaml", "--sim"]).output().expect("run"), 0);
        let out = review(dir.path(), &["--sim"]);
        ok(&out, 0);
        let index = std::fs::read_to_string(dir.path().join("review/index.html")).expect("index");
        assert!(index.contains("Big Buck Bunny — “Rabbit &amp; Friends” &lt;clip&gt;"), "{name}: {index}");
        assert!(!index.contains("badge none"), "{name}: every task has a result");
    }
    let site = tempfile::tempdir().expect("site");
    let files: Vec<String> = dirs.iter().map(|d| d.path().join("workflow.yaml").display().to_string()).collect();
    let out = vidflow(site.path()).args(["review", "--sim", "--out", "all"]).args(&files).output().expect("review");
    ok(&out, 0);
    let index = std::fs::read_to_string(site.path().join("all/index.html")).expect("index");
    for slug in ["chapters", "seo", "scenes", "highlights", "catalogue"] {
        assert!(index.contains(&format!("href=\"{slug}/bigbuckbunny.html\"")), "{slug}: {index}");
        assert!(site.path().join("all").join(slug).join("keynote.html").is_file(), "{slug}");
    }
    let highlights = std::fs::read_to_string(site.path().join("all/highlights/bigbuckbunny.html")).expect("page");
    assert!(highlights.contains("class=\"seg\" data-start=\""), "segments on a timeline");
    let keynote = std::fs::read_to_string(site.path().join("all/chapters/keynote.html")).expect("page");
    assert!(keynote.contains("src=\"https://media.example.com/keynote-2026.mp4\""), "a URL video plays from its URL");
    assert!(keynote.contains("media-src 'self' data: https://media.example.com;"), "and only from its origin");
}
