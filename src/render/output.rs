//! Output files: paths confined to the workflow directory, atomic writes that skip
//! unchanged content (design §3).

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Why an output path was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// Empty after rendering.
    #[error("output path is empty")]
    Empty,
    /// Absolute, or with a drive/root.
    #[error("output path `{0}` is absolute; output paths are relative to the workflow's directory")]
    Absolute(String),
    /// `..` leaves the workflow directory.
    #[error("output path `{0}` leaves the workflow's directory")]
    Escapes(String),
    /// A component is reserved on some system (`CON`, `NUL`, ...) or not portable.
    #[error("output path `{path}` has a reserved file name `{name}`")]
    Reserved {
        /// The path.
        path: String,
        /// The bad component.
        name: String,
    },
    /// A component is longer than 255 bytes.
    #[error("output path `{0}` has a file name longer than 255 bytes")]
    TooLong(String),
}

const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2",
    "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Checks a rendered output path and returns it relative to the workflow directory,
/// normalised (no `.`, no `..`). Errors: see [`PathError`].
pub fn confine(rendered: &str) -> Result<PathBuf, PathError> {
    let shown = || rendered.to_owned();
    if rendered.trim().is_empty() {
        return Err(PathError::Empty);
    }
    let path = Path::new(rendered);
    let mut out: Vec<String> = Vec::new();
    for comp in path.components() {
        match comp {
            Component::Prefix(_) | Component::RootDir => return Err(PathError::Absolute(shown())),
            Component::CurDir => {}
            Component::ParentDir => {
                if out.pop().is_none() {
                    return Err(PathError::Escapes(shown()));
                }
            }
            Component::Normal(name) => {
                let name = name.to_string_lossy().into_owned();
                if name.len() > 255 {
                    return Err(PathError::TooLong(shown()));
                }
                let stem = name.split('.').next().unwrap_or_default().trim_end().to_ascii_uppercase();
                if RESERVED.contains(&stem.as_str()) || name.ends_with(['.', ' ']) || name.contains(['\\', ':', '\0']) {
                    return Err(PathError::Reserved { path: shown(), name });
                }
                out.push(name);
            }
        }
    }
    if out.is_empty() {
        return Err(PathError::Empty);
    }
    Ok(out.iter().collect())
}

/// What [`write_atomic`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file was created or its content replaced.
    Written,
    /// The file already held exactly this content; it was not touched.
    Unchanged,
}

/// Writes `content` to `rel` (a [`confine`]d path) under the workflow directory
/// `root`, like [`write_atomic`], but never through a symbolic link that leads out of
/// `root`: the deepest existing ancestor of the file, and then its directory once
/// created, must resolve to a place inside `root`. A link inside `root` to another
/// place inside `root` is followed; an existing file that is itself a link is
/// replaced by the new file, not written through.
pub fn write_confined(root: &Path, rel: &Path, content: &[u8]) -> std::io::Result<WriteOutcome> {
    let root = root.canonicalize()?;
    let path = root.join(rel);
    let parent = path.parent().unwrap_or(&root);
    let mut existing = parent;
    while !existing.exists() {
        existing = existing.parent().unwrap_or(&root);
    }
    inside(&root, existing, rel)?;
    if existing != parent {
        std::fs::create_dir_all(parent)?;
        inside(&root, parent, rel)?;
    }
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        // Compared and replaced as a link, never read or written through.
        std::fs::remove_file(&path)?;
    }
    write_atomic(&path, content)
}

/// An error unless `dir` resolves (through any links) to `root` or below it.
fn inside(root: &Path, dir: &Path, rel: &Path) -> std::io::Result<()> {
    let real = dir.canonicalize()?;
    if real.starts_with(root) {
        return Ok(());
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        format!(
            "`{}` leads through a symbolic link to `{}`, outside the workflow's directory; nothing was written",
            rel.display(),
            real.display()
        ),
    ))
}

/// Writes `content` to `path` through a temporary file in the same directory and a
/// rename, so a reader never sees a partial file; creates parent directories; skips
/// the write when the file already holds `content`.
pub fn write_atomic(path: &Path, content: &[u8]) -> std::io::Result<WriteOutcome> {
    if std::fs::read(path).is_ok_and(|old| old == content) {
        return Ok(WriteOutcome::Unchanged);
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".vidflow-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(content)?;
    // A temporary file is private (0600); an output is an ordinary file: keep the
    // mode of the file it replaces, else rw-r--r--.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(WriteOutcome::Written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confine_accepts_relative_paths_and_normalises() {
        assert_eq!(confine("out/a/../b.md"), Ok(PathBuf::from("out/b.md")));
        assert_eq!(confine("./x.txt"), Ok(PathBuf::from("x.txt")));
    }

    #[test]
    fn confine_rejects_unsafe_paths() {
        assert!(matches!(confine("/etc/passwd"), Err(PathError::Absolute(_))));
        assert!(matches!(confine("../x"), Err(PathError::Escapes(_))));
        assert!(matches!(confine("out/../../x"), Err(PathError::Escapes(_))));
        assert!(matches!(confine("out/CON.txt"), Err(PathError::Reserved { .. })));
        assert!(matches!(confine("out/nul"), Err(PathError::Reserved { .. })));
        assert!(matches!(confine(&"a".repeat(256)), Err(PathError::TooLong(_))));
        assert_eq!(confine(""), Err(PathError::Empty));
        assert_eq!(confine("out/.."), Err(PathError::Empty));
    }

    #[test]
    fn write_confined_refuses_links_that_leave_the_root() {
        let root = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        std::os::unix::fs::symlink(outside.path(), root.path().join("out")).expect("symlink");
        for rel in ["out/a.md", "out/new/dir/a.md"] {
            let err = write_confined(root.path(), Path::new(rel), b"x").expect_err("refused");
            assert_eq!(err.kind(), std::io::ErrorKind::PermissionDenied, "{err}");
        }
        assert_eq!(std::fs::read_dir(outside.path()).map(|d| d.count()).ok(), Some(0), "nothing outside");
        // A link that stays inside is followed; a file that is a link is replaced.
        std::fs::create_dir(root.path().join("real")).expect("mkdir");
        std::os::unix::fs::symlink(root.path().join("real"), root.path().join("alias")).expect("symlink");
        assert_eq!(write_confined(root.path(), Path::new("alias/b.md"), b"b").ok(), Some(WriteOutcome::Written));
        assert_eq!(std::fs::read(root.path().join("real/b.md")).ok().as_deref(), Some(&b"b"[..]));
        let target = outside.path().join("t.md");
        std::fs::write(&target, "outside").expect("write");
        std::os::unix::fs::symlink(&target, root.path().join("c.md")).expect("symlink");
        assert_eq!(write_confined(root.path(), Path::new("c.md"), b"c").ok(), Some(WriteOutcome::Written));
        assert_eq!(std::fs::read_to_string(&target).ok().as_deref(), Some("outside"));
        assert_eq!(std::fs::read_to_string(root.path().join("c.md")).ok().as_deref(), Some("c"));
    }

    #[test]
    fn write_atomic_skips_unchanged_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b/c.txt");
        assert_eq!(write_atomic(&path, b"hello").ok(), Some(WriteOutcome::Written));
        assert_eq!(write_atomic(&path, b"hello").ok(), Some(WriteOutcome::Unchanged));
        assert_eq!(write_atomic(&path, b"bye").ok(), Some(WriteOutcome::Written));
        assert_eq!(std::fs::read(&path).ok().as_deref(), Some(&b"bye"[..]));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777).ok();
            assert_eq!(mode, Some(0o644), "outputs are not private like temporary files");
        }
        let leftovers = std::fs::read_dir(dir.path().join("a/b")).map(|d| d.count()).unwrap_or(0);
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
