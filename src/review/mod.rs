//! `vidflow review`: a static review site built from stored results only (no
//! network), viewable from `file://` and from any static host. No CDN and no build
//! step: one stylesheet and one script of its own, relative links throughout.
//!
//! ```text
//! <out>/index.html                  every video of every workflow, status per analysis
//! <out>/<workflow>/<video>.html     player, chapter tracks, timelines, results
//! <out>/thumbs/<sha256>-<ms>.jpg    frames of local videos (kept between builds)
//! <out>/assets/review.css, review.js
//! <out>/.vidflow-review             marks the directory as a site vidflow may rewrite
//! ```
//!
//! [`model`] reads the state, [`thumbs`] extracts frames, [`page`] and [`index`]
//! write HTML with the building blocks of [`html`], [`paths`] guards the output
//! directory and makes links.

pub mod html;
pub mod index;
pub mod model;
pub mod page;
pub mod paths;
pub mod thumbs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::engine::Prepared;
use crate::render::output::{WriteOutcome, write_confined};
use crate::state::{StateError, Store};

pub use paths::OutError;
pub use thumbs::Extraction;

/// The site's stylesheet.
const CSS: &str = include_str!("assets/review.css");
/// The site's script: places segments on timelines, seeks the player.
const JS: &str = include_str!("assets/review.js");

/// Why a site could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// The output directory was refused; nothing was written.
    #[error(transparent)]
    Out(#[from] OutError),
    /// Stored state could not be read.
    #[error(transparent)]
    State(#[from] StateError),
    /// A file of the site could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What a build did.
#[derive(Debug)]
pub struct Built {
    /// The index page.
    pub index: PathBuf,
    /// Video pages written or left unchanged.
    pub pages: usize,
    /// Files whose content changed (pages, assets, frames).
    pub changed: usize,
    /// Tasks over all workflows, and those with a stored result.
    pub tasks: usize,
    /// Tasks with a stored result.
    pub results: usize,
    /// Frames extracted, reused and missing.
    pub frames: Extraction,
}

/// Builds the site of `sources` (each prepared workflow with the store of the
/// scope to read) in `out`, creating it. `sim` marks the pages as showing
/// simulated results. Refuses an `out` that [`paths::check_out`] refuses; writes
/// nothing outside `out`.
pub fn build(out: &Path, sources: &[(&Prepared, &Store)], sim: bool) -> Result<Built, ReviewError> {
    let prepared: Vec<&Prepared> = sources.iter().map(|(p, _)| *p).collect();
    paths::check_out(out, &prepared)?;
    let workflows = model::workflows(sources)?;
    let root = paths::absolute(out);
    std::fs::create_dir_all(&root).map_err(|source| ReviewError::Write { path: out.to_owned(), source })?;
    let mut changed = 0;
    let mut write = |rel: &Path, bytes: &[u8]| -> Result<(), ReviewError> {
        match write_confined(&root, rel, bytes) {
            Ok(WriteOutcome::Written) => {
                changed += 1;
                Ok(())
            }
            Ok(WriteOutcome::Unchanged) => Ok(()),
            Err(source) => Err(ReviewError::Write { path: out.join(rel), source }),
        }
    };
    write(Path::new(paths::MARKER), b"A review site built by `vidflow review`; it rewrites this directory.\n")?;
    write(Path::new("assets/review.css"), CSS.as_bytes())?;
    write(Path::new("assets/review.js"), JS.as_bytes())?;
    let wanted: BTreeMap<_, _> = workflows.iter().flat_map(|w| &w.videos).flat_map(page::frames).collect();
    let frames = thumbs::extract(&root, &wanted);
    let site = page::Site { root: &root, sim, frames: &frames.present };
    let mut pages = 0;
    for wf in &workflows {
        for video in &wf.videos {
            write(&page::rel(wf, video), page::render(&site, wf, video).as_bytes())?;
            pages += 1;
        }
    }
    write(Path::new("index.html"), index::render(&site, &workflows).as_bytes())?;
    let tasks: Vec<_> = workflows.iter().flat_map(|w| &w.videos).flat_map(|v| &v.tasks).collect();
    Ok(Built {
        index: out.join("index.html"),
        pages,
        changed: changed + frames.extracted,
        tasks: tasks.len(),
        results: tasks.iter().filter(|t| t.result.is_some()).count(),
        frames,
    })
}
