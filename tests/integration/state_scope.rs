//! Whose state: `--sim` runs keep theirs in `.vidflow/sim/`, so that simulated
//! results and the simulator's asset ids never stand in for the API's; a
//! remembered asset the API does not have is uploaded again.

use crate::engine_support::{count, run_ok, show};
use crate::support::{SimProcess, fixture, vidflow};

fn status_of(plan: &[u8], task: &str) -> String {
    let text = String::from_utf8_lossy(plan);
    let line = text.lines().find(|l| l.trim_start().starts_with(task)).unwrap_or_default();
    line.split_whitespace().nth(1).unwrap_or_default().to_owned()
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
