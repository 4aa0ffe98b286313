//! Input requirements (MEDIA-1, MEDIA-2, MEDIA-3) on videos that ffmpeg generates
//! in each test's temporary directory, probed by the real ffprobe through the real
//! binary: `vidflow check` and `vidflow plan --json` must give the same, exact
//! verdict and message. ffmpeg is required: without it these tests fail, they do
//! not skip (CI installs it).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::engine_support::show;
use crate::support::vidflow;

/// Runs `ffmpeg -v error -nostdin -y ARGS` in `dir`; fails the test if ffmpeg is
/// missing or fails.
fn ffmpeg(dir: &Path, args: &[&str]) {
    let out = Command::new("ffmpeg")
        .current_dir(dir)
        .args(["-v", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg must be installed to run the generated-media tests (CI installs it)");
    assert!(out.status.success(), "ffmpeg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Writes `name`: a black H.264 clip of `size` (`WxH`) lasting `seconds`, at `rate`
/// frames per second (a fraction like `1/100` keeps a two-hour clip to 73 frames).
fn black(dir: &Path, name: &str, size: &str, seconds: u32, rate: &str) {
    let source = format!("color=black:s={size}:r={rate}");
    let t = seconds.to_string();
    ffmpeg(dir, &["-f", "lavfi", "-i", &source, "-t", &t, "-c:v", "libx264", "-preset", "ultrafast", name]);
}

/// The rotation (degrees) ffprobe reads from the first video stream of `path`: its
/// display matrix, else its `rotate` tag, else 0.
fn rotation(path: &Path) -> i64 {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0", "-print_format", "json", "-show_streams"])
        .arg(path)
        .output()
        .expect("ffprobe must be installed (CI installs it)");
    assert!(out.status.success(), "ffprobe failed: {}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("ffprobe JSON");
    let stream = &json["streams"][0];
    let from_matrix = stream["side_data_list"]
        .as_array()
        .and_then(|list| list.iter().find_map(|s| s["rotation"].as_f64()))
        .map(|r| r.round() as i64);
    let from_tag = stream["tags"]["rotate"].as_str().and_then(|r| r.parse().ok());
    from_matrix.or(from_tag).unwrap_or(0)
}

/// Copies `src` to `dst` (no re-encoding) with a 90° display rotation. ffmpeg 5
/// turns a `rotate` tag into a display matrix; ffmpeg 6 and later have
/// `-display_rotation`. The result is checked, so a file without the rotation
/// fails the test instead of testing nothing.
fn rotated(dir: &Path, src: &str, dst: &str) {
    ffmpeg(dir, &["-i", src, "-c", "copy", "-metadata:s:v:0", "rotate=90", dst]);
    if rotation(&dir.join(dst)).abs() != 90 {
        ffmpeg(dir, &["-display_rotation", "90", "-i", src, "-c", "copy", dst]);
    }
    assert_eq!(rotation(&dir.join(dst)).abs(), 90, "{dst} carries a ±90° rotation");
}

/// `workflow.yaml` with one `file:` video per `(id, file)` and the analyses in
/// `analyses` (YAML list items, indented by two spaces).
fn workflow(dir: &Path, videos: &[(&str, &str)], analyses: &str) {
    let mut y = String::from("version: 1\nmodel: pegasus1.5\nvideos:\n");
    for (id, file) in videos {
        y.push_str(&format!("  - id: {id}\n    file: {file}\n"));
    }
    y.push_str("analyses:\n");
    y.push_str(analyses);
    std::fs::write(dir.join("workflow.yaml"), y).expect("write workflow");
}

/// One analysis `a` with a plain prompt.
const DESCRIBE: &str = "  - id: a\n    prompt: Describe the clip.\n";

/// Asserts the verdict of every task, through `check` and `plan --json` in `dir`
/// (`PATH` replaced by `path` when given): a task with reasons is rejected with
/// exactly those reasons, in that order; one without is accepted (`new`). Returns
/// the plan's tasks.
fn assert_verdicts(dir: &Path, path: Option<&Path>, want: &[(&str, &[&str])]) -> Vec<Value> {
    let command = |args: &[&str]| {
        let mut cmd = vidflow(dir);
        cmd.args(args);
        if let Some(p) = path {
            cmd.env("PATH", p);
        }
        cmd.output().expect("vidflow")
    };
    let rejected = want.iter().filter(|(_, reasons)| !reasons.is_empty()).count();

    let out = command(&["check", "workflow.yaml"]);
    assert_eq!(out.status.code(), Some(if rejected == 0 { 0 } else { 1 }), "{}", show(&out));
    let mut sorted: Vec<&(&str, &[&str])> = want.iter().collect();
    sorted.sort_by_key(|(task, _)| *task);
    let expected: Vec<String> = sorted
        .iter()
        .flat_map(|(task, reasons)| {
            reasons.iter().map(move |r| {
                let rule = r.split(':').next().unwrap_or_default();
                format!("error[{rule}]: task `{task}` cannot be submitted: {r}")
            })
        })
        .collect();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().collect::<Vec<_>>(), expected, "check's errors");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim_end(),
        format!("workflow.yaml: {} task{}, {rejected} rejected", want.len(), if want.len() == 1 { "" } else { "s" })
    );

    let out = command(&["plan", "--json", "workflow.yaml"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
    let tasks = plan["workflows"][0]["tasks"].as_array().expect("tasks").clone();
    let got: Vec<(String, String, Vec<String>)> = tasks
        .iter()
        .map(|t| {
            let reasons = t["reasons"]
                .as_array()
                .map_or_else(Vec::new, |rs| rs.iter().map(|r| r.as_str().unwrap_or_default().to_owned()).collect());
            (
                t["name"].as_str().unwrap_or_default().to_owned(),
                t["status"].as_str().unwrap_or_default().to_owned(),
                reasons,
            )
        })
        .collect();
    let expected: Vec<(String, String, Vec<String>)> = want
        .iter()
        .map(|(task, reasons)| {
            let status = if reasons.is_empty() { "new" } else { "rejected" };
            ((*task).to_owned(), status.to_owned(), reasons.iter().map(|r| (*r).to_owned()).collect())
        })
        .collect();
    assert_eq!(got, expected, "plan's verdicts");
    tasks
}

/// Billable seconds of the plan's task `name` (the probed duration, or the window).
fn billable(tasks: &[Value], name: &str) -> Option<f64> {
    tasks.iter().find(|t| t["name"] == name).and_then(|t| t["billable_seconds"].as_f64())
}

/// MEDIA-1 duration, lower bound: 3 s is too short; exactly 4 s passes (inclusive).
#[test]
fn a_3_s_clip_is_too_short_and_4_s_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    black(dir.path(), "short.mp4", "640x360", 3, "5");
    black(dir.path(), "four.mp4", "640x360", 4, "5");
    workflow(dir.path(), &[("short", "short.mp4"), ("four", "four.mp4")], DESCRIBE);
    let tasks = assert_verdicts(
        dir.path(),
        None,
        &[("a/short", &["MEDIA-1: duration 3.000 s < 4 s (short.mp4)"]), ("a/four", &[])],
    );
    assert_eq!(billable(&tasks, "a/four"), Some(4.0));
}

/// MEDIA-1 duration, upper bound: a black 360x360 clip of 7,300 s (one frame per
/// 100 s) is too long; exactly 7,200 s passes (inclusive).
#[test]
fn a_clip_over_two_hours_is_too_long_and_two_hours_pass() {
    let dir = tempfile::tempdir().expect("tempdir");
    black(dir.path(), "long.mp4", "360x360", 7_300, "1/100");
    black(dir.path(), "two-hours.mp4", "360x360", 7_200, "1/100");
    workflow(dir.path(), &[("long", "long.mp4"), ("two-hours", "two-hours.mp4")], DESCRIBE);
    let tasks = assert_verdicts(
        dir.path(),
        None,
        &[("a/long", &["MEDIA-1: duration 7300.0 s exceeds 7200 s (long.mp4)"]), ("a/two-hours", &[])],
    );
    assert_eq!(billable(&tasks, "a/two-hours"), Some(7_200.0));
}

/// MEDIA-1 resolution is orientation-free: portrait 360x864 (2.4:1 upright) passes.
#[test]
fn a_portrait_360x864_clip_is_accepted() {
    let dir = tempfile::tempdir().expect("tempdir");
    black(dir.path(), "portrait.mp4", "360x864", 5, "5");
    workflow(dir.path(), &[("portrait", "portrait.mp4")], DESCRIBE);
    let tasks = assert_verdicts(dir.path(), None, &[("a/portrait", &[])]);
    assert_eq!(tasks[0]["reason"], "new: never run");
    assert_eq!(billable(&tasks, "a/portrait"), Some(5.0));
}

/// MEDIA-1 aspect ratio: 900x360 (2.5:1) breaks it; 864x360 (exactly 2.4:1) passes.
#[test]
fn a_2_5_to_1_clip_breaks_the_aspect_ratio_and_2_4_to_1_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    black(dir.path(), "wide.mp4", "900x360", 5, "5");
    black(dir.path(), "edge.mp4", "864x360", 5, "5");
    workflow(dir.path(), &[("wide", "wide.mp4"), ("edge", "edge.mp4")], DESCRIBE);
    assert_verdicts(
        dir.path(),
        None,
        &[("a/wide", &["MEDIA-1: aspect ratio 2.50:1 (900x360) exceeds 2.4:1 (wide.mp4)"]), ("a/edge", &[])],
    );
}

/// MEDIA-1 reads display dimensions: coded 640x300 is `height 300 < 360`, the same
/// stream rotated 90° is `width 300 < 360`; a rotated 900x360 reports its aspect
/// as 360x900. A rotated 640x360 is accepted, and a run renders its display size
/// 360x640 from `video.media`.
#[test]
fn rotation_metadata_counts_as_display_dimensions() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    black(d, "low.mp4", "640x300", 5, "5");
    rotated(d, "low.mp4", "low-rotated.mp4");
    black(d, "wide.mp4", "900x360", 5, "5");
    rotated(d, "wide.mp4", "wide-rotated.mp4");
    black(d, "ok.mp4", "640x360", 5, "5");
    rotated(d, "ok.mp4", "ok-rotated.mp4");
    workflow(
        d,
        &[
            ("low", "low.mp4"),
            ("low-rotated", "low-rotated.mp4"),
            ("wide-rotated", "wide-rotated.mp4"),
            ("ok-rotated", "ok-rotated.mp4"),
        ],
        "  - id: a\n    prompt: Describe the clip.\n    outputs:\n      - path: out/{{video.id}}.txt\n\
         \x20       template: \"{{video.media.width}}x{{video.media.height}}\"\n",
    );
    assert_verdicts(
        d,
        None,
        &[
            ("a/low", &["MEDIA-1: height 300 < 360 (low.mp4)"]),
            ("a/low-rotated", &["MEDIA-1: width 300 < 360 (low-rotated.mp4)"]),
            ("a/wide-rotated", &["MEDIA-1: aspect ratio 2.50:1 (360x900) exceeds 2.4:1 (wide-rotated.mp4)"]),
            ("a/ok-rotated", &[]),
        ],
    );
    let out = vidflow(d).args(["run", "workflow.yaml", "--sim", "--only", "a/ok-rotated", "-q"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let size = std::fs::read_to_string(d.join("out/ok-rotated.txt")).expect("output rendered");
    assert_eq!(size, "360x640", "display size, not the coded 640x360");
}

/// MEDIA-2: the analysis window must lie inside the probed 5 s file; `end_time`
/// equal to the duration is inside.
#[test]
fn an_analysis_window_outside_the_file_is_media_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    black(dir.path(), "clip.mp4", "640x360", 5, "5");
    workflow(
        dir.path(),
        &[("clip", "clip.mp4")],
        "  - id: late\n    prompt: Describe.\n    start_time: 6\n\
         \x20 - id: past\n    prompt: Describe.\n    start_time: 1\n    end_time: 7\n\
         \x20 - id: brief\n    prompt: Describe.\n    start_time: 2\n\
         \x20 - id: fits\n    prompt: Describe.\n    start_time: 1\n    end_time: 5\n",
    );
    let tasks = assert_verdicts(
        dir.path(),
        None,
        &[
            ("late/clip", &["MEDIA-2: start_time 6 s is not before the video's end (5 s) (clip.mp4)"]),
            ("past/clip", &["MEDIA-2: end_time 7 s is past the video's end (5 s) (clip.mp4)"]),
            ("brief/clip", &["MEDIA-2: analysis window 2..5 s is 3.000 s, shorter than 4 s (clip.mp4)"]),
            ("fits/clip", &[]),
        ],
    );
    assert_eq!(billable(&tasks, "fits/clip"), Some(4.0));
}

/// MEDIA-2: every segment definition's time range must lie within [0, d] of the
/// probed file; a range ending exactly at d is inside.
#[test]
fn a_segment_time_range_outside_the_file_is_media_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    black(dir.path(), "clip.mp4", "640x360", 5, "5");
    let segments = |id: &str, ranges: &str| {
        format!(
            "  - id: {id}\n    segment_definitions:\n      - id: scene\n        description: A shot\n\
             \x20       fields: [{{ name: summary, type: string, description: What happens }}]\n\
             \x20       time_ranges: {ranges}\n"
        )
    };
    let analyses = segments("outside", "[{ start_time: 0, end_time: 3 }, { start_time: 3, end_time: 9 }]")
        + &segments("inside", "[{ start_time: 0, end_time: 2.5 }, { start_time: 2.5, end_time: 5 }]");
    workflow(dir.path(), &[("clip", "clip.mp4")], &analyses);
    assert_verdicts(
        dir.path(),
        None,
        &[
            (
                "outside/clip",
                &[
                    "MEDIA-2: response_format.segment_definitions[0].time_ranges[1]: time range 3..9 s is outside the video (0..5 s) (clip.mp4)",
                ],
            ),
            ("inside/clip", &[]),
        ],
    );
}

/// MEDIA-3: bytes ffprobe cannot read, named `.mp4`, reject the file's tasks with
/// ffprobe's reason.
#[test]
fn a_file_ffmpeg_cannot_read_is_media_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 64 KiB of deterministic noise (xorshift64), so the verdict cannot vary by run.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..65_536)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 56) as u8
        })
        .collect();
    std::fs::write(dir.path().join("noise.mp4"), noise).expect("write noise");
    workflow(dir.path(), &[("noise", "noise.mp4")], DESCRIBE);
    assert_verdicts(
        dir.path(),
        None,
        &[("a/noise", &["MEDIA-3: not a readable video: Invalid data found when processing input (noise.mp4)"])],
    );
}

/// MEDIA-3: without ffprobe on `PATH`, each task of a local file is rejected with
/// an error naming the package to install (`check` exits 1, `plan` 0); a URL video
/// is not probed and stays accepted.
#[test]
fn a_missing_ffprobe_is_an_error_naming_the_package() {
    let dir = tempfile::tempdir().expect("tempdir");
    black(dir.path(), "clip.mp4", "640x360", 5, "5");
    let empty = tempfile::tempdir().expect("empty PATH directory");
    std::fs::write(
        dir.path().join("workflow.yaml"),
        "version: 1\nmodel: pegasus1.5\nvideos:\n  - id: clip\n    file: clip.mp4\n\
         \x20 - id: remote\n    url: https://cdn.example.com/remote.mp4\nanalyses:\n  - id: a\n    prompt: Describe.\n",
    )
    .expect("write workflow");
    assert_verdicts(
        dir.path(),
        Some(empty.path()),
        &[
            (
                "a/clip",
                &[
                    "MEDIA-3: ffprobe not found: install FFmpeg (Debian/Ubuntu: `apt-get install ffmpeg`; macOS: `brew install ffmpeg`) to check local videos",
                ],
            ),
            ("a/remote", &[]),
        ],
    );
}

/// ASSET-4: a local video above 209,715,200 bytes cannot be uploaded directly; the
/// client fails it locally (at `check`/`plan`, before anything is sent) naming the
/// size, the limit and the file. A sparse file after a real header keeps it cheap:
/// ffprobe reads the header, the size is what `stat` says.
#[test]
fn a_video_over_the_direct_upload_limit_is_rejected_before_upload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.mp4");
    std::fs::copy(crate::support::videos_dir().join("bigbuckbunny.mp4"), &big).expect("copy");
    std::fs::OpenOptions::new().write(true).open(&big).and_then(|f| f.set_len(209_715_201)).expect("grow");
    std::fs::write(
        dir.path().join("workflow.yaml"),
        "version: 1\nmodel: pegasus1.5\nvideos:\n  - id: big\n    file: big.mp4\nanalyses:\n  - id: a\n    prompt: Describe.\n",
    )
    .expect("write workflow");
    let out = crate::support::vidflow(dir.path()).args(["check", "workflow.yaml"]).output().expect("check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ASSET-4: 209715201 bytes is above the 209715200 bytes (200 MiB) of a direct upload (big.mp4)"),
        "{stderr}"
    );
}
