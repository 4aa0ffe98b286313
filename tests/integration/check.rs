//! `vidflow check` and workflow errors.

use crate::support::{fixture, vidflow};

/// A workflow error points at file:line:col with the rule, exits 2, and neither
/// submits nor writes anything.
#[test]
fn workflow_errors_are_reported_together_and_nothing_is_written() {
    let dir = fixture("invalid-temperature");
    for command in ["check", "run"] {
        let mut cmd = vidflow(dir.path());
        cmd.args([command, "workflow.yaml"]);
        if command == "run" {
            cmd.arg("--sim");
        }
        let out = cmd.output().expect("vidflow");
        assert_eq!(out.status.code(), Some(2), "{command}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("error[VAL-27]: temperature: must be between 0 and 1, got 1.5"), "{stderr}");
        assert!(stderr.contains("--> workflow.yaml:9:18"), "{stderr}");
        assert!(stderr.contains("error[WF-UNKNOWN-KEY]") || stderr.contains("error[WF-OUTPUT-PATH]"), "{stderr}");
        assert!(stderr.contains("has 2 errors"), "{stderr}");
    }
    let written: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").flatten().map(|e| e.file_name()).collect();
    let mut names: Vec<String> = written.iter().map(|n| n.to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["videos", "workflow.yaml"], "nothing was written");
}

#[test]
fn check_names_each_broken_input_requirement() {
    let dir = fixture("skeleton");
    let out = vidflow(dir.path()).args(["check", "workflow.yaml"]).output().expect("check");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("task `summary/bikes` cannot be submitted: MEDIA-1: height 272 < 360"), "{stderr}");
    assert!(
        stderr.contains("task `keywords/carphone` cannot be submitted: MEDIA-1: resolution 176x144 is below 360x360"),
        "{stderr}"
    );
    assert!(!dir.path().join(".vidflow").exists());
}

/// Faults found while loading, compiling templates and expanding tasks are all
/// reported in one run, each at its place.
#[test]
fn every_fault_of_a_file_is_reported_in_one_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let workflow = r#"version: 1
model: pegasus1.5
concurrency: 0
videos:
  - id: clip
    url: https://example.com/clip.mp4
  - id: "bad id"
    url: https://example.com/b.mp4
analyses:
  - id: a
    prompt: "{{#if x}}never closed"
  - id: b
    prompt: Describe {{video.titel}}.
  - id: c
    prompt: Fine.
    temperature: 2
    response_format: {type: json_schema, json_schema: {type: object, additionalProperties: false}}
    outputs:
      - path: ../out.md
        template: "{{result.text}}"
"#;
    std::fs::write(dir.path().join("wf.yaml"), workflow).expect("write");
    let out = vidflow(dir.path()).args(["check", "wf.yaml"]).output().expect("check");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let got: Vec<(&str, &str)> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error["))
        .filter_map(|l| l.split_once(']'))
        .map(|(rule, _)| rule)
        .zip(stderr.lines().filter_map(|l| l.trim_start().strip_prefix("--> wf.yaml:")))
        .collect();
    assert_eq!(
        got,
        [
            ("WF-VALUE", "3:14"),
            ("WF-ID", "7:9"),
            ("WF-TEMPLATE", "11:35"),
            ("WF-TEMPLATE", "13:22"),
            ("VAL-27", "16:18"),
            ("VAL-39", "17:70"),
            ("WF-OUTPUT-PATH", "19:15"),
        ],
        "{stderr}"
    );
    assert!(stderr.contains("has 7 errors"), "{stderr}");
}
