//! `vidflow run` end to end.

use crate::support::{SimProcess, assert_expected_files, fixture, vidflow};

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Issue 2: one valid video renders both outputs; bikes (height 272) and carphone
/// (176x144) are reported as invalid inputs (MEDIA-1), nothing is submitted for
/// them, and the run exits 1.
#[test]
fn run_sim_renders_the_valid_video_and_rejects_the_two_invalid_ones() {
    let dir = fixture("skeleton");
    let out = vidflow(dir.path()).args(["run", "workflow.yaml", "--sim", "--concurrency", "1"]).output().expect("run");
    let stdout = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for task in ["summary/bikes", "keywords/bikes"] {
        let line = stdout.lines().find(|l| l.contains(task)).unwrap_or_default();
        assert!(line.contains("rejected") && line.contains("MEDIA-1: height 272 < 360"), "{line}");
    }
    for task in ["summary/carphone", "keywords/carphone"] {
        let line = stdout.lines().find(|l| l.contains(task)).unwrap_or_default();
        assert!(line.contains("rejected") && line.contains("MEDIA-1: resolution 176x144 is below 360x360"), "{line}");
    }
    assert!(
        stdout.contains("2 ready (0 cached, 0 truncated), 0 failed, 4 rejected; 2 files rendered, 2 changed"),
        "{stdout}"
    );
    assert_expected_files("skeleton", dir.path());
    assert!(!dir.path().join("out/bikes").exists());
    assert!(!dir.path().join("out/carphone").exists());
}

/// The same workflow against `vidflow sim` over real HTTP on 127.0.0.1: the files
/// match byte for byte, only the valid video's two tasks are created, and a second
/// run of the unchanged workflow creates nothing.
#[test]
fn run_against_the_simulator_process_submits_only_valid_videos_and_caches() {
    let sim = SimProcess::start(&["--clock", "tick"]);
    let dir = fixture("skeleton");
    let run = || {
        vidflow(dir.path())
            .args(["run", "workflow.yaml", "--concurrency", "1", "--api-url", &sim.base_url])
            .env("TWELVE_LABS_API_KEY", "test-key")
            .output()
            .expect("run")
    };
    let out = run();
    assert_eq!(out.status.code(), Some(1), "{}\n{}", stdout_of(&out), String::from_utf8_lossy(&out.stderr));
    assert_expected_files("skeleton", dir.path());
    assert_eq!(sim.creates(), 2, "one create per analysis for the valid video only");

    let again = run();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(sim.creates(), 2, "an unchanged workflow sends no create");
    assert!(stdout_of(&again).contains("summary/bigbuckbunny   cached"), "{}", stdout_of(&again));
    assert_expected_files("skeleton", dir.path());
}

#[test]
fn run_without_an_api_key_exits_3_and_says_how_to_fix_it() {
    let dir = fixture("skeleton");
    let out = vidflow(dir.path()).args(["run", "workflow.yaml"]).output().expect("run");
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("TWELVE_LABS_API_KEY") && stderr.contains("--sim"), "{stderr}");
    assert!(!dir.path().join(".vidflow").exists(), "nothing is written");
}

mod outcomes {
    use crate::engine_support::{line_of, run_ok, show};
    use crate::support::SimProcess;

    const WORKFLOW: &str = r#"version: 1
name: outcomes
model: pegasus1.2
videos:
  - id: ok
    video_id: sim-vid-ok
  - id: long
    video_id: sim-vid-long
analyses:
  - id: full
    prompt: Describe {{video.id}}
    outputs:
      - path: out/{{video.id}}/full.md
        template: "{{result.text}}"
  - id: short
    prompt: Describe {{video.id}} in one word
    max_tokens: 1
    videos: [ok]
    outputs:
      - path: out/{{video.id}}/short.md
        template: "truncated={{result.truncated}} {{result.finish_reason}}"
"#;

    /// Issue 5 (d): a failed task shows the server's message and makes the run
    /// exit 1; a truncated one is flagged and still renders; the next run retries
    /// only the failed task.
    #[test]
    fn failed_and_truncated_tasks_give_the_documented_exit_codes_and_summary() {
        let sim = SimProcess::start(&["--clock", "tick"]);
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("workflow.yaml"), WORKFLOW).expect("write");
        let out = run_ok(dir.path(), &sim, &[], 1);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(line_of(&stdout, "full/long").contains("failed"), "{}", show(&out));
        assert!(line_of(&stdout, "full/long").contains("[simulated] MEDIA-1"), "{}", show(&out));
        assert!(line_of(&stdout, "short/ok").contains("truncated"), "{}", show(&out));
        assert!(line_of(&stdout, "short/ok").contains("warning: [simulated] output truncated"), "{}", show(&out));
        assert!(
            stdout.contains("2 ready (0 cached, 1 truncated), 1 failed, 0 rejected; 2 files rendered, 2 changed"),
            "{stdout}"
        );
        let short = std::fs::read_to_string(dir.path().join("out/ok/short.md")).expect("truncated output rendered");
        assert_eq!(short, "truncated=true length");

        let creates_before = sim.creates();
        let again = run_ok(dir.path(), &sim, &["--json"], 1);
        assert_eq!(sim.creates(), creates_before + 1, "only the failed task is resubmitted");
        let doc: serde_json::Value = serde_json::from_slice(&again.stdout).expect("json report");
        assert_eq!(doc["exit_code"], 1);
        let summary = &doc["workflows"][0]["summary"];
        assert_eq!((summary["ready"].as_u64(), summary["cached"].as_u64()), (Some(2), Some(2)), "{doc}");
        assert_eq!((summary["truncated"].as_u64(), summary["failed"].as_u64()), (Some(1), Some(1)), "{doc}");
    }

    /// `--on-truncated fail` turns a truncation into exit 1; `warn` exits 0.
    #[test]
    fn truncation_policy_decides_the_exit_code() {
        let sim = SimProcess::start(&["--clock", "tick"]);
        let dir = tempfile::tempdir().expect("tempdir");
        let only_ok = WORKFLOW.replace("  - id: long\n    video_id: sim-vid-long\n", "");
        std::fs::write(dir.path().join("workflow.yaml"), only_ok).expect("write");
        let out = run_ok(dir.path(), &sim, &[], 0);
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 truncated"), "{}", show(&out));
        let out = run_ok(dir.path(), &sim, &["--on-truncated", "fail"], 1);
        assert!(String::from_utf8_lossy(&out.stdout).contains("1 truncated, counted as failures"), "{}", show(&out));
    }

    /// `on_truncated:` in the workflow (TRUNC-2, design §5): `fail` at the top
    /// level makes a truncation exit 1 and `warn` exits 0; an analysis's own key
    /// wins over the top level; `--on-truncated` overrides the file. The policy is
    /// not part of the task: changing it creates nothing.
    #[test]
    fn on_truncated_in_the_workflow_decides_the_exit_code_and_the_flag_overrides_it() {
        let sim = SimProcess::start(&["--clock", "tick"]);
        let dir = tempfile::tempdir().expect("tempdir");
        let only_ok = WORKFLOW.replace("  - id: long\n    video_id: sim-vid-long\n", "");
        let write = |policy: &str, analysis_policy: &str| {
            let mut y = only_ok.replace("model: pegasus1.2\n", &format!("model: pegasus1.2\non_truncated: {policy}\n"));
            if !analysis_policy.is_empty() {
                y = y.replace(
                    "    max_tokens: 1\n",
                    &format!("    max_tokens: 1\n    on_truncated: {analysis_policy}\n"),
                );
            }
            std::fs::write(dir.path().join("workflow.yaml"), y).expect("write");
        };
        write("fail", "");
        let out = run_ok(dir.path(), &sim, &[], 1);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(line_of(&stdout, "short/ok").contains("truncated"), "{}", show(&out));
        assert!(stdout.contains("1 truncated, counted as failures"), "{}", show(&out));
        let creates = sim.creates();
        run_ok(dir.path(), &sim, &["--on-truncated", "warn"], 0);

        write("warn", "");
        let out = run_ok(dir.path(), &sim, &[], 0);
        assert!(String::from_utf8_lossy(&out.stdout).contains("(2 cached, 1 truncated)"), "{}", show(&out));
        run_ok(dir.path(), &sim, &["--on-truncated", "fail"], 1);

        write("warn", "fail");
        let out = run_ok(dir.path(), &sim, &["--json"], 1);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
        let tasks = doc["workflows"][0]["report"]["tasks"].as_array().cloned().unwrap_or_default();
        let policy = |name: &str| tasks.iter().find(|t| t["name"] == name).map(|t| t["on_truncated"].clone());
        assert_eq!(policy("short/ok"), Some("fail".into()), "{doc}");
        assert_eq!(policy("full/ok"), Some("warn".into()), "{doc}");
        assert_eq!(doc["workflows"][0]["summary"]["truncated_failed"], 1, "{doc}");

        write("fail", "warn");
        run_ok(dir.path(), &sim, &[], 0);
        assert_eq!(sim.creates(), creates, "the policy is not part of the task: nothing is created again");
    }
}
