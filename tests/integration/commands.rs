//! `plan`, `init`, `completions`: the real binary in temporary directories.

use std::path::Path;

use serde_json::Value;

use crate::support::{fixture, vidflow};

/// `plan --json` against the state of `--sim` runs.
fn plan_json(dir: &Path, workflow: &str) -> Value {
    let out = vidflow(dir).args(["plan", "--sim", "--json", workflow]).output().expect("plan");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

/// `(name, status, reason)` of every task.
fn statuses(plan: &Value) -> Vec<(String, String, String)> {
    plan["workflows"][0]["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap_or_default().to_owned();
            (s("name"), s("status"), s("reason"))
        })
        .collect()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> =
        std::fs::read_dir(dir).expect("dir").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    out.sort();
    out
}

/// Plan names every task's status and why, counts billable minutes of probed local
/// videos, and writes nothing.
#[test]
fn plan_shows_new_rejected_and_billable_minutes_without_writing() {
    let dir = fixture("skeleton");
    let before = files_under(dir.path());
    let plan = plan_json(dir.path(), "workflow.yaml");
    let got = statuses(&plan);
    assert_eq!(got[0], ("summary/bigbuckbunny".into(), "new".into(), "new: never run".into()));
    assert_eq!(got[1].1, "rejected");
    assert!(got[1].2.contains("MEDIA-1: height 272 < 360"), "{got:?}");
    let totals = &plan["workflows"][0]["totals"];
    assert_eq!(totals["new"], 2);
    assert_eq!(totals["rejected"], 4);
    // bigbuckbunny.mp4 is 5.312 s long, analysed by two analyses.
    let minutes = totals["billable_minutes"].as_f64().expect("minutes");
    assert!((minutes - 2.0 * 5.312 / 60.0).abs() < 1e-9, "{minutes}");
    assert_eq!(files_under(dir.path()), before, "plan wrote nothing");

    let out = vidflow(dir.path()).args(["plan", "workflow.yaml"]).output().expect("plan");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "6 tasks: 2 new, 0 changed, 0 cached, 0 in flight, 0 retry, 4 rejected; 2 to submit, 0.18 billable minutes"
        ),
        "{stdout}"
    );
}

/// After a run, plan says `cached`; after an edit, `changed` and what changed; a
/// task whose result is missing but whose record has a task id is `in flight`.
#[test]
fn plan_follows_the_state_of_a_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let init = vidflow(dir.path()).args(["init", "."]).output().expect("init");
    assert_eq!(init.status.code(), Some(0), "{}", String::from_utf8_lossy(&init.stderr));
    let run = vidflow(dir.path()).args(["run", "workflow.yaml", "--sim", "-q"]).output().expect("run");
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let plan = plan_json(dir.path(), "workflow.yaml");
    assert!(statuses(&plan).iter().all(|(_, s, _)| s == "cached"), "{:?}", statuses(&plan));

    let wf = dir.path().join("workflow.yaml");
    let text = std::fs::read_to_string(&wf).expect("read");
    let edited = text
        .replace("in three sentences", "in two sentences")
        .replace("min_segment_duration: 4", "min_segment_duration: 6");
    std::fs::write(&wf, edited).expect("write");
    let got = statuses(&plan_json(dir.path(), "workflow.yaml"));
    assert_eq!(got[0], ("summary/sample".into(), "changed".into(), "changed: prompt".into()));
    assert_eq!(got[1], ("chapters/sample".into(), "changed".into(), "changed: min_segment_duration".into()));

    std::fs::write(&wf, text).expect("restore");
    let key = plan["workflows"][0]["tasks"][0]["key"].as_str().expect("key").to_owned();
    std::fs::remove_file(dir.path().join(".vidflow/sim/results").join(format!("{key}.json"))).expect("remove result");
    let got = statuses(&plan_json(dir.path(), "workflow.yaml"));
    assert_eq!(got[0].1, "in_flight", "{got:?}");
    assert!(got[0].2.contains("a run polls it"), "{got:?}");
}

/// `init` scaffolds a workflow that passes `check`, refuses to overwrite, and
/// `completions` prints a script for the shell.
#[test]
fn init_scaffolds_a_checked_workflow_and_completions_print() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = vidflow(dir.path()).args(["init", "demo"]).output().expect("init");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("vidflow run demo/workflow.yaml --sim"));
    let check = vidflow(dir.path()).args(["check", "demo/workflow.yaml"]).output().expect("check");
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    let again = vidflow(dir.path()).args(["init", "demo"]).output().expect("init again");
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    for shell in ["bash", "zsh", "fish"] {
        let out = vidflow(dir.path()).args(["completions", shell]).output().expect("completions");
        assert_eq!(out.status.code(), Some(0));
        assert!(String::from_utf8_lossy(&out.stdout).contains("plan"), "{shell}");
    }
}

/// Regression: `vidflow plan | head` panicked ("failed printing to stdout: Broken
/// pipe", exit 101). A reader that has gone is no error of the command: it finishes
/// quietly with its own exit code, for stdout and stderr alike.
#[test]
fn a_closed_pipe_is_not_a_panic() {
    let dir = fixture("skeleton");
    for args in [&["plan", "--json", "workflow.yaml"][..], &["check", "workflow.yaml"], &["completions", "bash"]] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let (err_reader, err_writer) = std::io::pipe().expect("pipe");
        drop(err_reader);
        let status = vidflow(dir.path()).args(args).stdout(writer).stderr(err_writer).status().expect("runs");
        let want = if args[0] == "check" { 1 } else { 0 };
        assert_eq!(status.code(), Some(want), "{args:?}: no panic (101), the command's own code");
    }
}

/// `glob:` ids are made unique (issue 7): stems that clash take their path
/// (`media_a_dup`), stems that still clash after sanitising (`café`, `cafè`) a hash
/// of their path; a clash between two entries is an error naming both files.
#[test]
fn glob_ids_are_unique_and_clashes_between_entries_name_the_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let video = crate::support::videos_dir().join("bigbuckbunny.mp4");
    for f in ["media/a/dup", "media/b/dup", "media/a/café", "media/a/cafè", "media/solo"] {
        let path = dir.path().join(format!("{f}.mp4"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(&video, path).expect("link");
    }
    let wf = |globs: &[&str]| {
        let videos: String = globs.iter().map(|g| format!("  - glob: \"{g}\"\n")).collect();
        format!("version: 1\nmodel: pegasus1.5\nvideos:\n{videos}analyses:\n  - id: x\n    prompt: hi\n")
    };
    std::fs::write(dir.path().join("workflow.yaml"), wf(&["media/**/*.mp4"])).expect("write");
    let names: Vec<String> =
        statuses(&plan_json(dir.path(), "workflow.yaml")).into_iter().map(|(name, _, _)| name).collect();
    assert_eq!(names, ["x/caf_-04b8dd1b", "x/caf_-60bba9e8", "x/media_a_dup", "x/media_b_dup", "x/solo"]);

    std::fs::write(dir.path().join("workflow.yaml"), wf(&["media/a/dup.mp4", "media/b/*.mp4"])).expect("write");
    let out = vidflow(dir.path()).args(["check", "workflow.yaml"]).output().expect("check");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("error[WF-ID]: video id `dup` is used twice by `media/b/dup.mp4`"), "{stderr}");
    assert!(stderr.contains("hint: first used on line 4 by `media/a/dup.mp4`"), "{stderr}");
}

/// `run --only` with a pattern that matches no task is an error (exit 2) naming
/// it and the shape of task names, not a run that does nothing and exits 0.
#[test]
fn an_only_pattern_that_matches_nothing_is_an_error() {
    let dir = fixture("skeleton");
    let out = vidflow(dir.path()).args(["run", "workflow.yaml", "--sim", "--only", "sumary/*"]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "error: --only `sumary/*` matches no task (tasks are named analysis/video, e.g. `summary/bigbuckbunny`)"
        ),
        "{stderr}"
    );
    assert!(!dir.path().join(".vidflow").exists(), "nothing was written");
}
