//! Where the site goes and how its pages reach other files: the output directory
//! must not hold any workflow's inputs or state, and links are relative, so the
//! site works from `file://` and from any static host that serves the tree.

use std::path::{Component, Path, PathBuf};

use crate::engine::Prepared;
use crate::state::STATE_DIR;
use crate::workflow::model::VideoInput;

/// The file whose presence marks a directory as a review site built by vidflow: a
/// non-empty directory without it is not written into.
pub const MARKER: &str = ".vidflow-review";

/// Why an output directory was refused. Nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum OutError {
    /// The directory is, or holds, a workflow's directory (its file, templates,
    /// state).
    #[error("--out `{out}` holds the workflow `{workflow}`; choose a directory of its own, e.g. `review/` beside it")]
    HoldsWorkflow {
        /// The output directory as given.
        out: String,
        /// The workflow file.
        workflow: String,
    },
    /// The directory is inside a state directory.
    #[error("--out `{out}` is inside vidflow's state directory `{state}`; choose a directory outside it")]
    InState {
        /// The output directory as given.
        out: String,
        /// The state directory.
        state: String,
    },
    /// The directory holds an input file of a workflow.
    #[error("--out `{out}` holds `{input}`, an input of `{workflow}`; choose a directory without inputs")]
    HoldsInput {
        /// The output directory as given.
        out: String,
        /// The input file.
        input: String,
        /// The workflow file.
        workflow: String,
    },
    /// The directory exists, is not empty and was not built by `review`.
    #[error(
        "--out `{out}` is not empty and is not a review site built by vidflow (it has no `{MARKER}`); choose a new or empty directory"
    )]
    Foreign {
        /// The output directory as given.
        out: String,
    },
}

/// Refuses an output directory `out` that is, or holds, a workflow's directory,
/// lies inside a state directory, holds a local video or image of a workflow, or
/// is a non-empty directory that a previous `review` did not build. Paths are
/// compared after resolving symbolic links of their existing parts.
pub fn check_out(out: &Path, workflows: &[&Prepared]) -> Result<(), OutError> {
    let shown = out.display().to_string();
    // Where the site is written: the path made absolute lexically (see `absolute`).
    let out = absolute(out);
    let real_out = resolve(&out);
    for p in workflows {
        let wf = &p.workflow;
        let dir = resolve(&wf.dir);
        if dir.starts_with(&real_out) {
            return Err(OutError::HoldsWorkflow { out: shown, workflow: wf.file.display().to_string() });
        }
        let state = dir.join(STATE_DIR);
        if real_out.starts_with(&state) {
            return Err(OutError::InState { out: shown, state: wf.dir.join(STATE_DIR).display().to_string() });
        }
        let videos = wf.videos.iter().filter_map(|v| match &v.input {
            VideoInput::File { path, written } => Some((path, written)),
            _ => None,
        });
        let images = wf.images.iter().map(|i| (&i.path, &i.written));
        for (path, written) in videos.chain(images) {
            if resolve(path).starts_with(&real_out) {
                return Err(OutError::HoldsInput {
                    out: shown,
                    input: written.clone(),
                    workflow: wf.file.display().to_string(),
                });
            }
        }
    }
    let foreign =
        std::fs::read_dir(&out).is_ok_and(|mut entries| entries.next().is_some()) && !out.join(MARKER).is_file();
    if foreign {
        return Err(OutError::Foreign { out: shown });
    }
    Ok(())
}

/// `path` made absolute (from the current directory) and lexically normalised:
/// no `.`, `..` resolved against the part before it. Symbolic links are kept, so
/// a link from a page into `videos/` still goes through a linked `videos/`.
pub fn absolute(path: &Path) -> PathBuf {
    let joined =
        if path.is_absolute() { path.to_owned() } else { std::env::current_dir().unwrap_or_default().join(path) };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` with the symbolic links of its longest existing prefix resolved, the
/// rest appended as written: where a write to it would land.
fn resolve(path: &Path) -> PathBuf {
    let abs = absolute(path);
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |acc, c| acc.join(c));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// A relative URL from a page in the directory `from` to the file `to` (both
/// absolute, as [`absolute`] makes them), each component percent-encoded.
pub fn href(from: &Path, to: &Path) -> String {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_owned(), from.len() - common);
    let downs = to[common..].iter().map(|c| encode(&c.as_os_str().to_string_lossy()));
    ups.chain(downs).collect::<Vec<_>>().join("/")
}

/// Percent-encodes a path component for a URL: every byte but unreserved
/// characters (RFC 3986), so `#`, `?`, `%` and spaces in file names survive.
pub fn encode(component: &str) -> String {
    let mut out = String::with_capacity(component.len());
    for b in component.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_relative_and_encoded() {
        let page = Path::new("/w/review/chapters");
        assert_eq!(href(page, Path::new("/w/videos/a b#1.mp4")), "../../videos/a%20b%231.mp4");
        assert_eq!(href(page, Path::new("/w/review/thumbs/x.jpg")), "../thumbs/x.jpg");
        assert_eq!(href(Path::new("/w/review"), Path::new("/w/review/chapters/v.html")), "chapters/v.html");
        assert_eq!(encode("東京.mp4"), "%E6%9D%B1%E4%BA%AC.mp4");
    }

    #[test]
    fn absolute_resolves_dots_lexically() {
        assert_eq!(absolute(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert!(absolute(Path::new("x")).is_absolute());
    }
}
