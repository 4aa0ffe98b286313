//! Rendering end to end: output-path safety, the check-time template lint,
//! unchanged files left alone, and the offline `vidflow render`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::support::{SimProcess, assert_expected_files, recipe, vidflow};

/// A workflow directory `wf/` beside an empty `outside/` directory in one temporary
/// parent, so a test can prove that nothing was written outside `wf/`.
struct Sandbox {
    root: tempfile::TempDir,
}

impl Sandbox {
    /// `wf/workflow.yaml` with `yaml`; URL videos only, so nothing is probed.
    fn new(yaml: &str) -> Self {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(root.path().join("wf/templates/partials")).expect("mkdir");
        std::fs::create_dir(root.path().join("outside")).expect("mkdir");
        let s = Self { root };
        s.write("workflow.yaml", yaml);
        s
    }

    fn wf(&self) -> PathBuf {
        self.root.path().join("wf")
    }

    fn outside(&self) -> PathBuf {
        self.root.path().join("outside")
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.wf().join(rel), text).expect("write");
    }

    /// `outside/` is still empty and the parent holds nothing but `wf/` and
    /// `outside/`.
    fn assert_nothing_outside(&self) {
        assert_eq!(names(&self.outside()), Vec::<String>::new(), "nothing written in outside/");
        assert_eq!(names(self.root.path()), ["outside", "wf"], "nothing written beside wf/");
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut n: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    n.sort();
    n
}

/// Two URL videos, one analysis whose one output goes to `path`, and `extra` YAML
/// appended (reports).
fn workflow(path: &str, extra: &str) -> String {
    format!(
        r#"version: 1
model: pegasus1.5
vars: {{ name: "../../outside/x" }}
videos:
  - id: clip
    url: https://media.example.com/clip.mp4
  - id: other
    url: https://media.example.com/other.mp4
analyses:
  - id: summary
    prompt: Summarise the video.
    outputs:
      - path: "{path}"
        template: "{{{{result.text}}}}"
{extra}"#
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every unsafe output path is a workflow error at `check`, and `run --sim`
/// refuses it too (exit 2): no task is submitted, no state and no file is written,
/// inside the workflow directory or outside it.
#[test]
fn unsafe_output_paths_are_check_errors_and_nothing_is_written_anywhere() {
    let long = format!("out/{}.md", "a".repeat(256));
    let cases: Vec<(String, String, &str)> = vec![
        ("ABSOLUTE".into(), String::new(), "is absolute"),
        ("../outside/x.md".into(), String::new(), "leaves the workflow's directory"),
        ("out/../../outside/x.md".into(), String::new(), "leaves the workflow's directory"),
        ("out/{{vars.name}}.md".into(), String::new(), "leaves the workflow's directory"),
        ("out/CON.md".into(), String::new(), "reserved file name `CON.md`"),
        ("out/{{video.id}}/nul".into(), String::new(), "reserved file name `nul`"),
        ("out/{{video.id}}/aux.txt".into(), String::new(), "reserved file name `aux.txt`"),
        (long, String::new(), "longer than 255 bytes"),
        (
            "out/summary.md".into(),
            String::new(),
            "tasks `summary/clip` and `summary/other` both write `out/summary.md`",
        ),
        (
            "out/{{video.id}}.md".into(),
            "reports:\n  - path: ../outside/index.md\n    template: \"{{summary.tasks}}\"\n".into(),
            "leaves the workflow's directory",
        ),
        (
            "out/{{video.id}}.md".into(),
            "reports:\n  - path: out/clip.md\n    template: \"{{summary.tasks}}\"\n".into(),
            "both write `out/clip.md`",
        ),
    ];
    for (path, extra, message) in cases {
        let sandbox = Sandbox::new("");
        let path = path.replace("ABSOLUTE", &sandbox.outside().join("x.md").display().to_string());
        sandbox.write("workflow.yaml", &workflow(&path, &extra));
        for command in ["check", "run"] {
            let mut cmd = vidflow(&sandbox.wf());
            cmd.args([command, "workflow.yaml"]);
            if command == "run" {
                cmd.arg("--sim");
            }
            let out = cmd.output().expect("vidflow");
            let stderr = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {path}: {stderr}");
            assert!(stderr.contains("error[WF-OUTPUT-PATH]") && stderr.contains(message), "{path}: {stderr}");
        }
        sandbox.assert_nothing_outside();
        assert_eq!(names(&sandbox.wf()), ["templates", "workflow.yaml"], "{path}: nothing written inside either");
    }
}

/// An output directory that is a symbolic link to a place outside the workflow
/// directory is not written through, by `run` or by `render`: the task's result is
/// stored, the write is an error naming the link, and the run exits 1.
#[test]
fn an_output_directory_linked_outside_is_not_written_through() {
    let sandbox = Sandbox::new(&workflow("out/{{video.id}}.md", ""));
    std::os::unix::fs::symlink(sandbox.outside(), sandbox.wf().join("out")).expect("symlink");
    let out = vidflow(&sandbox.wf()).args(["run", "workflow.yaml", "--sim"]).output().expect("run");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("out/clip.md: cannot write: `out/clip.md` leads through a symbolic link"), "{stdout}");
    let render = vidflow(&sandbox.wf()).args(["render", "--sim", "workflow.yaml"]).output().expect("render");
    assert_eq!(render.status.code(), Some(1));
    assert!(text(&render.stderr).contains("outside the workflow's directory; nothing was written"));
    sandbox.assert_nothing_outside();
}

/// `{{#if reslt.text}}` renders as false in strict mode; `check` finds it, with the
/// template, its line and a hint, together with an unknown helper and a missing
/// partial; nothing is written.
#[test]
fn check_finds_misspelt_paths_helpers_and_partials_in_templates() {
    let yaml = workflow("out/{{video.id}}.md", "")
        .replace("template: \"{{result.text}}\"", "template_file: templates/out.md.hbs");
    let sandbox = Sandbox::new(&yaml);
    sandbox.write(
        "templates/out.md.hbs",
        "# {{video.id}}\n{{#if reslt.text}}\n{{result.text}}\n{{/if}}\n{{timcode 1}}\n{{> footer}}\n\
         {{#each result.segments.scene}}{{vtt_time start}}{{/each}}\n",
    );
    let out = vidflow(&sandbox.wf()).args(["check", "workflow.yaml"]).output().expect("check");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for want in [
        "error[WF-TEMPLATE]: `reslt.text`: the context has no `reslt`",
        "--> templates/out.md.hbs:2:1",
        "= hint: did you mean `result.text`?",
        "error[WF-TEMPLATE]: helper `timcode` is not defined",
        "--> templates/out.md.hbs:5:1",
        "= hint: did you mean `timecode`?",
        "error[WF-TEMPLATE]: partial `footer` is not defined",
        "--> templates/out.md.hbs:6:1",
        "error[WF-TEMPLATE]: `start`: this item has no `start` (it has `start_time`, `end_time`, `metadata`)",
        "--> templates/out.md.hbs:7:32",
        "has 4 errors",
    ] {
        assert!(stderr.contains(want), "missing {want:?} in:\n{stderr}");
    }
    // With the partial in templates/partials/ and the paths fixed, it passes.
    sandbox.write("templates/partials/footer.hbs", "-- {{analysis.id}}");
    sandbox.write(
        "templates/out.md.hbs",
        "# {{video.id}}\n{{#if result.text}}\n{{result.text}}\n{{/if}}\n{{timecode 1}}\n{{> footer}}\n",
    );
    let ok = vidflow(&sandbox.wf()).args(["check", "workflow.yaml"]).output().expect("check");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert_eq!(names(&sandbox.wf()), ["templates", "workflow.yaml"]);
}

/// Every file under `dir/out`, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.join("out")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("under dir").to_owned();
                files.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    files
}

/// Run against a `vidflow sim` child process, stop it, delete the output folder:
/// `vidflow render` (no API key, no simulator) restores every file byte for byte,
/// task outputs and reports alike.
#[test]
fn render_restores_every_output_with_the_simulator_stopped() {
    let dir = recipe("report");
    let sim = SimProcess::start(&["--clock", "tick"]);
    let out = vidflow(dir.path())
        .args(["run", "workflow.yaml", "--concurrency", "1", "--api-url", &sim.base_url])
        .env("TWELVE_LABS_API_KEY", "test-key")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}\n{}", text(&out.stdout), text(&out.stderr));
    let before = snapshot(dir.path());
    assert_eq!(before.len(), 6, "{:?}", before.keys());
    drop(sim);

    std::fs::remove_dir_all(dir.path().join("out")).expect("delete outputs");
    let render = vidflow(dir.path()).args(["render", "workflow.yaml"]).output().expect("render");
    assert_eq!(render.status.code(), Some(0), "{}", text(&render.stderr));
    assert!(
        text(&render.stdout).contains("6 files rendered, 6 changed; 0 tasks have no stored result"),
        "{}",
        text(&render.stdout)
    );
    assert_eq!(snapshot(dir.path()), before, "render restores every file byte for byte");
    assert_expected_files("recipes/report", dir.path());
}

fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).and_then(|m| m.modified()).expect("mtime")
}

/// Files whose content did not change are not rewritten (their mtime stays); a
/// template edit rewrites only the files of that template.
#[test]
fn unchanged_outputs_are_not_rewritten() {
    let dir = recipe("seo");
    let out = vidflow(dir.path()).args(["run", "workflow.yaml", "--sim", "--concurrency", "1"]).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let files = snapshot(dir.path());
    assert_eq!(files.len(), 4);
    // Back-date every output, so that any rewrite would show without waiting.
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for rel in files.keys() {
        let f = std::fs::File::options().write(true).open(dir.path().join(rel)).expect("open");
        f.set_modified(old).expect("set mtime");
    }
    let render = || {
        let r = vidflow(dir.path()).args(["render", "--sim", "workflow.yaml"]).output().expect("render");
        assert_eq!(r.status.code(), Some(0), "{}", text(&r.stderr));
    };
    render();
    for rel in files.keys() {
        assert_eq!(mtime(&dir.path().join(rel)), old, "{} was rewritten", rel.display());
    }
    let again = vidflow(dir.path()).args(["run", "workflow.yaml", "--sim"]).output().expect("run");
    assert_eq!(again.status.code(), Some(0));
    assert!(text(&again.stdout).contains("; 4 files rendered, 0 changed"), "{}", text(&again.stdout));
    for rel in files.keys() {
        assert_eq!(mtime(&dir.path().join(rel)), old, "a cached run rewrote {}", rel.display());
    }

    let template = dir.path().join("templates/summary.md.hbs");
    let mut t = std::fs::read_to_string(&template).expect("template");
    t.push_str("\n(edited)\n");
    std::fs::write(&template, t).expect("edit");
    render();
    for rel in files.keys() {
        let changed = rel.ends_with("summary.md");
        assert_eq!(mtime(&dir.path().join(rel)) != old, changed, "{}", rel.display());
        let content = std::fs::read_to_string(dir.path().join(rel)).expect("read");
        assert_eq!(content.ends_with("(edited)\n"), changed, "{}", rel.display());
    }
}
