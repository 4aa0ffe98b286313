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
    assert!(stdout.contains("2 ready (0 truncated), 0 failed, 4 rejected; 2 files rendered"), "{stdout}");
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
