//! Whose state: `--sim` runs keep theirs in `.vidflow/sim/`, so that simulated
//! results and the simulator's asset ids never stand in for the API's; a
//! remembered asset the API does not have is uploaded again.

use crate::engine_support::{count, run_ok, show};
use crate::support::{SimProcess, fixture, vidflow};

/// The status column of `task`'s line in a plan or status table.
fn status_of(table: &[u8], task: &str) -> String {
    let text = String::from_utf8_lossy(table);
    crate::engine_support::line_of(&text, task).split_whitespace().nth(1).unwrap_or_default().to_owned()
}

/// Regression: after `run --sim`, a run against the API took the simulated results
/// as cached (rendering `[simulated]` text as real) and sent the simulator's asset
/// ids, which the API answered 400 `resource_not_exist` on every run.
#[test]
fn simulated_results_and_assets_never_stand_in_for_the_apis() {
    let dir = fixture("skeleton");
    let sim_run = vidflow(dir.path()).args(["run", "workflow.yaml", "--sim"]).output().expect("run --sim");
    assert_eq!(sim_run.status.code(), Some(1), "bikes and carphone are rejected: {}", show(&sim_run));
    assert!(dir.path().join(".vidflow/sim/vidflow.lock").is_file(), "the simulator's lock file is in its state");
    assert!(!dir.path().join("vidflow.lock").exists(), "the committed lock file is the API's alone");
    let ignore = std::fs::read_to_string(dir.path().join(".vidflow/sim/.gitignore")).expect("sim state ignored");
    assert!(ignore.lines().any(|l| l == "*"), "{ignore}");

    let plan = |extra: &[&str]| {
        let out = vidflow(dir.path()).arg("plan").args(extra).arg("workflow.yaml").output().expect("plan");
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        out.stdout
    };
    assert_eq!(status_of(&plan(&["--sim"]), "summary/bigbuckbunny"), "cached");
    assert_eq!(status_of(&plan(&[]), "summary/bigbuckbunny"), "new", "the API has run nothing");

    let status = vidflow(dir.path()).args(["status", "--sim", "workflow.yaml"]).output().expect("status --sim");
    assert_eq!(status_of(&status.stdout, "summary/bigbuckbunny"), "ready");
    assert_eq!(status_of(&status.stdout, "summary/bikes"), "rejected", "as plan and run say, not `new`");
    let render = vidflow(dir.path()).args(["render", "workflow.yaml"]).output().expect("render");
    assert!(
        String::from_utf8_lossy(&render.stderr).contains("`vidflow render --sim` renders them"),
        "{}",
        show(&render)
    );

    std::fs::remove_dir_all(dir.path().join("out")).expect("remove outputs");
    let render = vidflow(dir.path()).args(["render", "--sim", "workflow.yaml"]).output().expect("render --sim");
    assert_eq!(render.status.code(), Some(0), "{}", show(&render));
    assert!(dir.path().join("out/bigbuckbunny").is_dir(), "rendered from the simulator's results");

    let api = SimProcess::start(&["--clock", "tick"]);
    let out = run_ok(dir.path(), &api, &[], 1);
    assert_eq!(count(&api, "POST", "/v1.3/assets"), 1, "uploaded to this API: {}", show(&out));
    assert_eq!(api.creates(), 2, "both analyses of the valid video are submitted, none taken as cached");
    assert!(dir.path().join("vidflow.lock").is_file());
}

/// A ready asset remembered from an earlier run that the API does not know (here:
/// another simulator process; in life: deleted or expired) makes the create fail
/// with `resource_not_exist`; the asset is forgotten, the file uploaded again and
/// the task created, in the same run.
#[test]
fn a_remembered_asset_the_api_does_not_have_is_uploaded_again() {
    let dir = fixture("skeleton");
    let first = SimProcess::start(&["--clock", "tick"]);
    run_ok(dir.path(), &first, &["--only", "summary/*"], 1);
    assert_eq!(count(&first, "POST", "/v1.3/assets"), 1);

    let second = SimProcess::start(&["--clock", "tick"]);
    let out = run_ok(dir.path(), &second, &["--only", "keywords/*"], 1);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().any(|l| l.contains("keywords/bigbuckbunny") && l.contains("ready")), "{}", show(&out));
    assert_eq!(count(&second, "POST", "/v1.3/assets"), 1, "uploaded again, once: {}", show(&out));
    let refused = crate::engine_support::sim_log(&second)
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/v1.3/analyze/tasks" && r["status"] == 400)
        .count();
    assert_eq!(refused, 1, "one create named the unknown asset");
    assert_eq!(second.creates(), 2, "the refused create and the one after the upload");
}

/// Regression (severe): the in-process simulator of each `--sim` run hands out the
/// same task ids, so a task left in flight by an interrupted `--sim` run adopted
/// whichever task the next run created first under that id, and rendered another
/// task's result with exit 0. `--sim` runs adopt nothing; an adopted task whose
/// `custom_id` is not its own is not taken either.
#[test]
fn an_interrupted_sim_run_never_renders_another_tasks_result() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::engine_support::url_workflow(
        dir.path(),
        1,
        &[("first", "Keywords for"), ("second", "Tone of")],
        "{{result.text}}",
        "",
    );
    let run = |args: &[&str]| vidflow(dir.path()).arg("run").args(args).arg("workflow.yaml").output().expect("run");
    let out = run(&["--sim", "--only", "second/*", "--job-timeout", "0.001"]);
    assert_eq!(out.status.code(), Some(1), "left in flight: {}", show(&out));
    let out = run(&["--sim", "--concurrency", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    for (analysis, prompt) in [("first", "Keywords for v0"), ("second", "Tone of v0")] {
        let text = std::fs::read_to_string(dir.path().join(format!("out/v0/{analysis}.md"))).expect("output");
        assert!(text.contains(&format!("The request asked: \"{prompt}\"")), "{analysis}: {text}");
    }
}

/// A task whose record says `ready` but whose stored result is gone (deleted by
/// hand) is fetched again by its task id, not created a second time.
#[test]
fn a_missing_result_of_a_ready_task_is_fetched_again_not_recreated() {
    let dir = tempfile::tempdir().expect("tempdir");
    crate::engine_support::url_workflow(dir.path(), 1, &[("a", "Describe")], "{{result.text}}", "");
    let sim = SimProcess::start(&["--clock", "tick"]);
    run_ok(dir.path(), &sim, &[], 0);
    for e in std::fs::read_dir(dir.path().join(".vidflow/results")).expect("results").flatten() {
        std::fs::remove_file(e.path()).expect("remove result");
    }
    std::fs::remove_dir_all(dir.path().join("out")).expect("remove outputs");
    run_ok(dir.path(), &sim, &[], 0);
    assert_eq!(sim.creates(), 1, "fetched, not created again");
    assert!(dir.path().join("out/v0/a.md").is_file());
}

/// Runs of several workflows in one directory each update their section of
/// `vidflow.lock` without losing the others' (they were read-modify-write races:
/// 2 to 5 of 12 sections survived). A lock file that does not parse (a merge
/// conflict) is refused, not replaced.
#[test]
fn workflows_sharing_a_directory_keep_each_others_lock_sections() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = SimProcess::start(&["--clock", "tick"]);
    let names: Vec<String> = (0..6).map(|i| format!("w{i}.yaml")).collect();
    for (i, name) in names.iter().enumerate() {
        let y = format!(
            "version: 1\nmodel: pegasus1.5\nvideos:\n  - id: v\n    url: https://media.example.com/{i}.mp4\n\
             analyses:\n  - id: a{i}\n    prompt: Describe.\n"
        );
        std::fs::write(dir.path().join(name), y).expect("write workflow");
    }
    let children: Vec<std::process::Child> = names
        .iter()
        .map(|name| {
            vidflow(dir.path())
                .args(["run", name, "--api-url", &sim.base_url, "--poll-initial", "0.02", "--poll-max", "0.1"])
                .env("TWELVE_LABS_API_KEY", "k")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("spawn run")
        })
        .collect();
    for mut c in children {
        assert_eq!(c.wait().expect("wait").code(), Some(0));
    }
    let lock: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("vidflow.lock")).expect("lock")).expect("lock JSON");
    let sections: Vec<&String> = lock["workflows"].as_object().expect("workflows").keys().collect();
    assert_eq!(sections, names.iter().collect::<Vec<_>>(), "every workflow's section survived");

    let conflicted = "<<<<<<< ours\n{}\n=======\n{}\n>>>>>>> theirs\n";
    std::fs::write(dir.path().join("vidflow.lock"), conflicted).expect("conflict");
    std::fs::write(dir.path().join("w0.yaml"), std::fs::read_to_string(dir.path().join("w1.yaml")).expect("read"))
        .expect("edit w0");
    let out = vidflow(dir.path())
        .args(["run", "w0.yaml", "--api-url", &sim.base_url])
        .env("TWELVE_LABS_API_KEY", "k")
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("vidflow.lock` is corrupt"), "{}", show(&out));
    assert_eq!(std::fs::read_to_string(dir.path().join("vidflow.lock")).expect("lock"), conflicted, "left as it was");
}

/// `render` with a result file it cannot read names the file and exits 1, instead
/// of writing reports that silently leave the task out (exit 0).
#[test]
fn render_names_an_unreadable_result_and_fails() {
    let dir = crate::support::recipe("report");
    let run = vidflow(dir.path()).args(["run", "workflow.yaml", "--sim"]).output().expect("run");
    assert_eq!(run.status.code(), Some(0), "{}", show(&run));
    let result = std::fs::read_dir(dir.path().join(".vidflow/sim/results"))
        .expect("results")
        .flatten()
        .next()
        .expect("a result");
    std::fs::write(result.path(), b"{\"task_id\": ").expect("truncate");
    let out = vidflow(dir.path()).args(["render", "--sim", "workflow.yaml"]).output().expect("render");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&result.file_name().to_string_lossy().into_owned()) && stderr.contains("corrupt"),
        "{stderr}"
    );
}
