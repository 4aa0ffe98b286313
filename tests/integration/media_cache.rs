//! The media cache (`.vidflow/cache/media/`): after a `run`, unchanged local files
//! are neither hashed nor probed by the next `run`, `plan` or `check`; a changed
//! file is; `check` and `plan` write nothing. `ffprobe` calls are counted by a
//! wrapper put first in `PATH` that logs its arguments and runs the real one.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

use crate::engine_support::show;
use crate::support::{videos_dir, vidflow};

/// A `bin/ffprobe` in `dir` that appends its arguments to `dir/ffprobe.log` and
/// runs the real `ffprobe`; returns the `PATH` that finds it first.
fn counting_ffprobe(dir: &Path) -> OsString {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .map(|d| d.join("ffprobe"))
        .find(|p| p.is_file())
        .expect("ffprobe on PATH (the tests probe real videos)");
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).expect("mkdir bin");
    let script = bin.join("ffprobe");
    let log = dir.join("ffprobe.log");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n", log.display(), real.display()),
    )
    .expect("write wrapper");
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&path))).expect("PATH")
}

/// How many times `ffprobe` was run on `media/NAME`.
fn probes(dir: &Path, name: &str) -> usize {
    let log = std::fs::read_to_string(dir.join("ffprobe.log")).unwrap_or_default();
    let suffix = format!("media/{name}");
    log.lines().filter(|l| l.ends_with(&suffix)).count()
}

/// Writes `media/NAME` (the sample video plus `extra` bytes) with its mtime an
/// hour back, so that its cache entry is not racy.
fn old_video(dir: &Path, name: &str, extra: &[u8]) -> PathBuf {
    let mut bytes = std::fs::read(videos_dir().join("bigbuckbunny.mp4")).expect("sample video");
    bytes.extend_from_slice(extra);
    let path = dir.join("media").join(name);
    std::fs::write(&path, bytes).expect("write video");
    set_mtime(&path, SystemTime::now() - Duration::from_secs(3600));
    path
}

fn set_mtime(path: &Path, when: SystemTime) {
    let f = std::fs::File::options().write(true).open(path).expect("open");
    f.set_times(std::fs::FileTimes::new().set_modified(when)).expect("set mtime");
}

fn entries(dir: &Path) -> usize {
    std::fs::read_dir(dir.join(".vidflow/cache/media"))
        .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().ends_with(".json")).count())
        .unwrap_or(0)
}

#[test]
fn unchanged_local_files_are_probed_once_and_a_changed_one_again() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    std::fs::create_dir(dir.join("media")).expect("mkdir media");
    let a = old_video(dir, "a.mp4", b"");
    old_video(dir, "b.mp4", b"b");
    std::fs::write(
        dir.join("workflow.yaml"),
        "version: 1\nname: cache\nmodel: pegasus1.5\nvideos:\n  - glob: media/*.mp4\nanalyses:\n  - id: summary\n\
         \x20   prompt: Summarise the clip.\n    outputs:\n      - path: out/{{video.id}}.md\n\
         \x20       template: \"{{result.text}}\"\n",
    )
    .expect("write workflow");
    let path = counting_ffprobe(dir);
    let vidflow_with = |args: &[&str], code: i32| -> Output {
        let out = vidflow(dir).args(args).arg("workflow.yaml").env("PATH", &path).output().expect("run vidflow");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", show(&out));
        out
    };
    let counts = || (probes(dir, "a.mp4"), probes(dir, "b.mp4"));

    // check and plan read the cache but write nothing: each probes both files.
    vidflow_with(&["check"], 0);
    assert_eq!(counts(), (1, 1));
    vidflow_with(&["plan"], 0);
    assert_eq!(counts(), (2, 2));
    assert!(!dir.join(".vidflow").exists(), "check and plan wrote nothing");

    // The first run probes both and caches them; from then on nothing is probed.
    vidflow_with(&["run", "--sim"], 0);
    assert_eq!(counts(), (3, 3));
    assert_eq!(entries(dir), 2);
    let again = vidflow_with(&["run", "--sim"], 0);
    assert!(String::from_utf8_lossy(&again.stdout).contains("cached"), "{}", show(&again));
    vidflow_with(&["plan"], 0);
    vidflow_with(&["check"], 0);
    assert_eq!(counts(), (3, 3), "a second run, plan and check probe no unchanged file");

    // Appended bytes are seen even with the old mtime put back: only `a` is
    // probed again, and its task has changed.
    let mtime = std::fs::metadata(&a).and_then(|m| m.modified()).expect("mtime");
    std::fs::OpenOptions::new().append(true).open(&a).and_then(|mut f| f.write_all(b"appended")).expect("append");
    set_mtime(&a, mtime);
    // The runs were `--sim` runs: their state is the simulator's.
    let plan = vidflow_with(&["plan", "--sim"], 0);
    let stdout = String::from_utf8_lossy(&plan.stdout);
    assert!(stdout.lines().any(|l| l.contains("summary/a") && l.contains("changed")), "{stdout}");
    assert!(stdout.lines().any(|l| l.contains("summary/b") && l.contains("cached")), "{stdout}");
    assert_eq!(counts(), (4, 3));
    vidflow_with(&["run", "--sim"], 0);
    assert_eq!(counts(), (5, 3), "plan saved nothing; the run probes `a` and caches it");
    vidflow_with(&["plan"], 0);
    assert_eq!(counts(), (5, 3));
}
