//! Local files as assets (issue 7, REQ-VIDEO-2, ASSET-5/6), against `vidflow sim`.

use crate::engine_support::{count, run_ok, show};
use crate::support::{SimProcess, videos_dir, vidflow};

fn file_workflow(dir: &std::path::Path, file: &str, name: &str, prompt: &str) {
    let y = format!(
        "version: 1\nname: {name}\nmodel: pegasus1.5\nvideos:\n  - id: bunny\n    file: videos/bigbuckbunny.mp4\n\
         analyses:\n  - id: a\n    prompt: \"{prompt}\"\n    outputs:\n      - path: out/{name}/a.md\n        template: \"{{{{result.text}}}}\"\n\
         \x20 - id: b\n    prompt: \"{prompt} twice\"\n    outputs:\n      - path: out/{name}/b.md\n        template: \"{{{{result.text}}}}\"\n"
    );
    std::fs::write(dir.join(file), y).expect("write workflow");
}

/// A file used by two tasks is uploaded once; a second run (with a changed
/// prompt, so tasks are created again) and a second workflow sharing the state
/// directory upload nothing again (counted on the simulator).
#[test]
fn each_file_is_uploaded_once_across_runs_and_workflows() {
    let sim = SimProcess::start(&["--clock", "tick"]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(videos_dir(), dir.path().join("videos")).expect("symlink");
    file_workflow(dir.path(), "workflow.yaml", "first", "Describe");
    let out = run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 1, "{}", show(&out));
    let creates = sim.requests().iter().filter(|(m, p)| m == "POST" && p == "/v1.3/analyze/tasks").count();
    assert_eq!(creates, 2);
    let record = std::fs::read_dir(dir.path().join(".vidflow/assets"))
        .expect("assets dir")
        .flatten()
        .find(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .expect("asset record");
    assert!(record.file_name().to_string_lossy().starts_with("f25b31f1"), "named by the file's SHA-256");

    file_workflow(dir.path(), "workflow.yaml", "first", "Summarise");
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 1, "a second run uploads nothing");

    file_workflow(dir.path(), "other.yaml", "second", "List objects in");
    let mut cmd = crate::engine_support::run_cmd(dir.path(), &sim, &[]);
    let out = cmd.arg("other.yaml").output().expect("run other");
    // `run_cmd` names workflow.yaml too: both run; neither uploads again.
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 1, "a second workflow uploads nothing");
    assert!(dir.path().join("out/second/a.md").exists());
    let sources: Vec<String> = crate::engine_support::sim_tasks(&sim)
        .iter()
        .map(|t| t["video_source"]["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(sources.iter().all(|s| s == "asset_id"), "{sources:?}");
}

/// An asset that fails on the server fails its tasks with the asset's message and
/// is forgotten: the next run uploads the file again.
#[test]
fn a_failed_asset_fails_its_tasks_and_is_uploaded_again_next_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(videos_dir(), dir.path().join("videos")).expect("symlink");
    let faults = dir.path().join("faults.json");
    std::fs::write(
        &faults,
        r#"{"rules": [{"match": {"method": "POST", "path": "/v1.3/assets"}, "action": {"type": "asset_fail", "message": "[simulated] cannot read the upload"}, "times": 1}]}"#,
    )
    .expect("faults");
    let sim = SimProcess::start(&["--clock", "tick", "--faults", faults.to_str().expect("utf-8")]);
    file_workflow(dir.path(), "workflow.yaml", "first", "Describe");
    let out = run_ok(dir.path(), &sim, &[], 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("failed: [simulated] cannot read the upload"), "{}", show(&out));
    assert_eq!(sim.creates(), 0, "no task is created on a failed asset");
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 2);
}

/// `upload: base64` (REQ-VIDEO-2): the sample video is sent inline as
/// `base64_string`: nothing is uploaded as an asset, the simulator's task says its
/// source was `base64_string`, and the output renders.
#[test]
fn upload_base64_sends_the_file_inline_without_an_asset() {
    let sim = SimProcess::start(&["--clock", "tick"]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(videos_dir(), dir.path().join("videos")).expect("symlink");
    std::fs::write(
        dir.path().join("workflow.yaml"),
        "version: 1\nname: inline\nmodel: pegasus1.5\nvideos:\n  - id: bunny\n    file: videos/bigbuckbunny.mp4\n\
         \x20   upload: base64\nanalyses:\n  - id: a\n    prompt: Describe the clip.\n    outputs:\n\
         \x20     - path: out/a.md\n        template: \"{{result.text}}\"\n",
    )
    .expect("write workflow");
    let out = run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 0, "no asset upload: {}", show(&out));
    assert_eq!(sim.creates(), 1);
    let sources: Vec<String> = crate::engine_support::sim_tasks(&sim)
        .iter()
        .map(|t| t["video_source"]["type"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(sources, ["base64_string"]);
    let rendered = std::fs::read_to_string(dir.path().join("out/a.md")).expect("output rendered");
    assert!(!rendered.trim().is_empty());
}

/// A file over the inline limit (31,457,280 bytes) under `upload: base64` is a
/// `check` error (VAL-9, exit 2) naming the file, its size and the limit, for
/// `file:` and `glob:` videos alike; a file of exactly the limit passes the size
/// check. The files are sparse, so they cost no disk.
#[test]
fn an_oversize_base64_file_is_a_check_error_naming_file_size_and_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("clips")).expect("mkdir");
    let limit = 31_457_280;
    for (name, len) in [("big.mp4", limit + 1), ("clips/over.mp4", limit + 10), ("clips/exact.mp4", limit)] {
        std::fs::File::create(dir.path().join(name)).and_then(|f| f.set_len(len)).expect("sparse file");
    }
    std::fs::write(
        dir.path().join("workflow.yaml"),
        "version: 1\nmodel: pegasus1.5\nvideos:\n  - id: big\n    file: big.mp4\n    upload: base64\n\
         \x20 - glob: clips/*.mp4\n    upload: base64\nanalyses:\n  - id: a\n    prompt: Describe the clip.\n",
    )
    .expect("write workflow");
    let out = vidflow(dir.path()).args(["check", "workflow.yaml"]).output().expect("check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr.contains(
            "error[VAL-9]: `big.mp4` is 31457281 bytes; `upload: base64` sends at most 31457280 bytes (30 MiB) inline"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--> workflow.yaml:6:13"), "points at `upload:`: {stderr}");
    assert!(stderr.contains("error[VAL-9]: `clips/over.mp4` is 31457290 bytes"), "{stderr}");
    assert_eq!(stderr.matches("error[VAL-9]").count(), 2, "the file at the limit passes: {stderr}");
    assert!(!dir.path().join(".vidflow").exists(), "nothing is written");
}

/// Regression: after the state directory was lost, the re-uploaded file got a new
/// asset id, so the same task key's Idempotency-Key came with another body and
/// every create failed with 409 `idempotency_key_reused`. A changed body now gets a
/// new generation (CLI-IDEM-2) and the run succeeds.
#[test]
fn a_lost_state_directory_does_not_turn_creates_into_409s() {
    let sim = SimProcess::start(&["--clock", "tick"]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(videos_dir(), dir.path().join("videos")).expect("symlink");
    file_workflow(dir.path(), "workflow.yaml", "first", "Describe");
    run_ok(dir.path(), &sim, &[], 0);
    std::fs::remove_dir_all(dir.path().join(".vidflow")).expect("lose the state");
    let out = run_ok(dir.path(), &sim, &[], 0);
    assert!(!show(&out).contains("idempotency_key_reused"), "{}", show(&out));
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 2, "the file is uploaded again: its asset was forgotten");
    let refused = crate::engine_support::sim_log(&sim).iter().filter(|r| r["status"] == 409).count();
    assert_eq!(refused, 2, "each task's old key is refused once, then a new generation is created");
    assert_eq!(crate::engine_support::sim_tasks(&sim).len(), 4, "two tasks per run, none lost");
}
