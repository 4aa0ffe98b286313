//! Test support: fixture folders in temporary directories, the simulator as a child
//! process, expected-file comparison.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;

/// The sample videos the quickstart ships (see its videos/NOTICE.md).
pub fn videos_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/videos")
}

/// Copies `tests/fixtures/NAME` (without `expected/`) into a fresh temporary
/// directory and links `videos/` to the quickstart's sample videos.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&src, dir.path(), &["expected"]);
    std::os::unix::fs::symlink(videos_dir(), dir.path().join("videos")).expect("symlink videos");
    dir
}

/// Copies the recipe `workflows/NAME` into a fresh temporary directory as a user
/// would copy it (its own `videos/` included), without the outputs and state of
/// local runs (`out/`, `.vidflow/`, `vidflow.lock`).
/// Its expected files are in `tests/fixtures/recipes/NAME/expected`.
pub fn recipe(name: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("workflows").join(name);
    let dir = tempfile::tempdir().expect("tempdir");
    copy_tree(&src, dir.path(), &["out", ".vidflow", "vidflow.lock"]);
    dir
}

/// Copies `from` into `to`, leaving out entries named in `skip` and symbolic links.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if skip.iter().any(|s| entry.file_name() == *s) || entry.file_type().is_ok_and(|t| t.is_symlink()) {
            continue;
        }
        let target = to.join(entry.file_name());
        if path.is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
            copy_tree(&path, &target, skip);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

/// The `vidflow` binary, run in `dir`, with no API key or base URL inherited.
pub fn vidflow(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("vidflow").expect("binary");
    cmd.current_dir(dir).env_remove("TWELVE_LABS_API_KEY").env_remove("TWELVELABS_BASE_URL");
    cmd
}

/// Every file under `tests/fixtures/NAME/expected` must exist under `dir` with the
/// same bytes. With `VIDFLOW_BLESS=1` the expected files are rewritten instead.
pub fn assert_expected_files(name: &str, dir: &Path) {
    let expected = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).join("expected");
    if std::env::var_os("VIDFLOW_BLESS").is_some() {
        for rel in files_under(&expected) {
            let actual = std::fs::read(dir.join(&rel)).expect("actual file for blessing");
            std::fs::write(expected.join(&rel), actual).expect("bless");
        }
        return;
    }
    let files = files_under(&expected);
    assert!(!files.is_empty(), "no expected files for {name}");
    for rel in files {
        let want = std::fs::read(expected.join(&rel)).expect("expected file");
        let got = std::fs::read(dir.join(&rel)).unwrap_or_else(|e| panic!("{} not written: {e}", rel.display()));
        assert!(
            want == got,
            "{} differs:\n--- expected\n{}\n--- actual\n{}",
            rel.display(),
            String::from_utf8_lossy(&want),
            String::from_utf8_lossy(&got)
        );
    }
}

fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(root) {
                out.push(rel.to_owned());
            }
        }
    }
    out.sort();
    out
}

/// `vidflow sim` as a child process on 127.0.0.1, port 0; killed on drop.
pub struct SimProcess {
    child: Child,
    /// Base URL including `/v1.3`.
    pub base_url: String,
}

impl SimProcess {
    /// Starts `vidflow sim --port 0 ARGS` and waits (up to 20 s) for its first
    /// stdout line, the base URL.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::cargo_bin("vidflow")
            .expect("binary")
            .args(["sim", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn sim");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(20)).expect("simulator printed its URL");
        let base_url = line.trim().to_owned();
        assert!(base_url.starts_with("http://127.0.0.1:"), "unexpected first line {base_url:?}");
        Self { child, base_url }
    }

    /// The simulator's request log (`GET /_sim/requests`): (method, path) pairs.
    pub fn requests(&self) -> Vec<(String, String)> {
        let url = self.base_url.replace("/v1.3", "/_sim/requests");
        let body: serde_json::Value = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(async { reqwest::get(&url).await?.json().await })
            .expect("request log");
        body["requests"]
            .as_array()
            .expect("requests array")
            .iter()
            .map(|r| {
                (r["method"].as_str().unwrap_or_default().to_owned(), r["path"].as_str().unwrap_or_default().to_owned())
            })
            .collect()
    }

    /// How many task creates the simulator received.
    pub fn creates(&self) -> usize {
        self.requests().iter().filter(|(m, p)| m == "POST" && p == "/v1.3/analyze/tasks").count()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
