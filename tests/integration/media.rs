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

/// Local images as media sources (REQ-PROMPT-V2-2, issue 7): `file:` under
/// `prompt_v2` goes as an image asset uploaded once per content, `upload: base64`
/// under a segment definition goes inline. The creates the simulator received are
/// exactly the expected bodies (their IDEM-4 fingerprints, since base64 payloads
/// are never logged, SIM-NEVER-4); a second run uploads nothing again; a changed
/// image changes its task's key and is uploaded.
#[test]
fn local_images_go_as_assets_once_or_inline_as_base64() {
    use base64::Engine as _;
    use serde_json::json;
    let sim = SimProcess::start(&["--clock", "tick"]);
    let dir = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(videos_dir(), dir.path().join("videos")).expect("symlink");
    let files = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid/files");
    std::fs::create_dir(dir.path().join("img")).expect("mkdir");
    std::fs::copy(files.join("logo.png"), dir.path().join("img/logo.png")).expect("copy logo");
    std::fs::copy(files.join("mark.jpg"), dir.path().join("img/mark.jpg")).expect("copy mark");
    let workflow = |question: &str| {
        let y = format!(
            "version: 1\nname: images\nmodel: pegasus1.5\nvideos:\n  - id: bunny\n    file: videos/bigbuckbunny.mp4\n\
             analyses:\n  - id: logo\n    prompt_v2:\n      input_text: {question}\n      media_sources:\n\
             \x20       - {{ name: logo, media_type: image, file: img/logo.png }}\n\
             \x20   outputs: [{{ path: out/logo.md, template: \"{{{{result.text}}}}\" }}]\n\
             \x20 - id: scenes\n    segment_definitions:\n      - id: brand\n        description: Scenes where <@mark> is on screen\n\
             \x20       media_sources:\n          - {{ name: mark, media_type: image, file: img/mark.jpg, upload: base64 }}\n\
             \x20   outputs: [{{ path: out/scenes.json, template: \"{{{{json result.segments}}}}\" }}]\n"
        );
        std::fs::write(dir.path().join("workflow.yaml"), y).expect("write workflow");
    };
    workflow("Is <@logo> shown?");
    let out = run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 2, "the video and the logo: {}", show(&out));

    let asset_of = |file: &str| {
        let sha = vidflow::canonical::sha256_file(&dir.path().join(file)).expect("hash");
        let text = std::fs::read_to_string(dir.path().join(format!(".vidflow/assets/{sha}.json"))).expect("record");
        let record: serde_json::Value = serde_json::from_str(&text).expect("asset record JSON");
        record["asset_id"].as_str().expect("asset_id").to_owned()
    };
    let (video, logo) = (asset_of("videos/bigbuckbunny.mp4"), asset_of("img/logo.png"));
    let internal = crate::engine_support::sim_get(&sim.base_url.replace("/v1.3", &format!("/_sim/assets/{logo}")));
    assert_eq!(internal["is_image"], json!(true), "uploaded as an image: {internal}");

    let mark = base64::engine::general_purpose::STANDARD
        .encode(std::fs::read(dir.path().join("img/mark.jpg")).expect("read mark"));
    let expected = [
        json!({"video": {"type": "asset_id", "asset_id": video}, "model_name": "pegasus1.5", "custom_id": "logo-bunny",
               "prompt_v2": {"input_text": "Is <@logo> shown?",
                             "media_sources": [{"name": "logo", "media_type": "image", "asset_id": logo}]}}),
        json!({"video": {"type": "asset_id", "asset_id": video}, "model_name": "pegasus1.5",
               "custom_id": "scenes-bunny", "analysis_mode": "time_based_metadata",
               "response_format": {"type": "segment_definitions", "segment_definitions": [
                   {"id": "brand", "description": "Scenes where <@mark> is on screen",
                    "media_sources": [{"name": "mark", "media_type": "image", "base64_string": mark}]}]}}),
    ];
    let sent: Vec<String> = crate::engine_support::sim_log(&sim)
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/v1.3/analyze/tasks")
        .filter_map(|r| r["fingerprint"].as_str().map(str::to_owned))
        .collect();
    for body in &expected {
        let print = vidflow::sim::synth::fingerprint(body);
        assert!(sent.contains(&print), "no create sent exactly {body}; sent {sent:?}");
    }
    let logo_task =
        crate::engine_support::sim_tasks(&sim).into_iter().find(|t| t["custom_id"] == "logo-bunny").expect("logo task");
    assert_eq!(logo_task["request_params"]["prompt_v2"]["media_sources"][0]["asset_id"], json!(logo));

    workflow("Is <@logo> shown in the corner?");
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(sim.creates(), 3, "only the changed prompt is submitted again");
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 2, "nothing is uploaded again");

    std::fs::copy(files.join("mark.jpg"), dir.path().join("img/logo.png")).expect("replace logo");
    let plan = vidflow(dir.path()).args(["plan", "workflow.yaml"]).output().expect("plan");
    let plan_out = String::from_utf8_lossy(&plan.stdout);
    assert!(
        crate::engine_support::line_of(&plan_out, "logo/bunny").contains("changed    prompt_v2.media_sources"),
        "{plan_out}"
    );
    assert!(crate::engine_support::line_of(&plan_out, "scenes/bunny").contains("cached"), "{plan_out}");
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(count(&sim, "POST", "/v1.3/assets"), 3, "the new logo is uploaded");
}

/// Image limits at `check` (exit 2, nothing written): over 32 MiB as an asset
/// (ASSET-4), over 30 MiB inline (VAL-24), each naming the file, its size and the
/// limit; files of exactly the limits pass. The files are sparse PNGs.
#[test]
fn oversize_images_are_check_errors_naming_file_size_and_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let png = b"\x89PNG\r\n\x1a\n";
    let (asset_max, inline_max) = (33_554_432u64, 31_457_280u64);
    for (name, len) in [
        ("a-over.png", asset_max + 1),
        ("a-exact.png", asset_max),
        ("b-over.png", inline_max + 1),
        ("b-exact.png", inline_max),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, png).expect("write head");
        std::fs::OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(len)).expect("sparse file");
    }
    let source = |name: &str, file: &str, upload: &str| {
        format!("        - {{ name: {name}, media_type: image, file: {file}{upload} }}\n")
    };
    let y = format!(
        "version: 1\nmodel: pegasus1.5\nvideos:\n  - id: ad\n    url: https://cdn.example.com/ad.mp4\nanalyses:\n\
         \x20 - id: a\n    prompt_v2:\n      input_text: <@a> <@b> <@c> <@d>\n      media_sources:\n{}{}{}{}",
        source("a", "a-over.png", ""),
        source("b", "a-exact.png", ""),
        source("c", "b-over.png", ", upload: base64"),
        source("d", "b-exact.png", ", upload: base64"),
    );
    std::fs::write(dir.path().join("workflow.yaml"), y).expect("write workflow");
    let out = vidflow(dir.path()).args(["check", "workflow.yaml"]).output().expect("check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        stderr.contains(
            "error[ASSET-4]: `a-over.png` is 33554433 bytes; an image asset holds at most 33554432 bytes (32 MiB)"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("--> workflow.yaml:11:47"), "points at `file:`: {stderr}");
    assert!(
        stderr.contains(
            "error[VAL-24]: `b-over.png` is 31457281 bytes; `upload: base64` sends at most 31457280 bytes (30 MiB) inline"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error[").count(), 2, "the files at the limits pass: {stderr}");
    assert!(!dir.path().join(".vidflow").exists(), "nothing is written");
}
