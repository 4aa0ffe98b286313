//! Everything offline before a run: load, compile templates, probe and hash local
//! files, check them against the input requirements, expand into tasks.
//! Shared by `check`, `plan`, `run` and `render`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::contract::media::{MediaFacts, check_media, check_time_ranges, check_window};
use crate::diag::Diagnostic;
use crate::media::ProbeError;
use crate::render::Renderer;
use crate::state::{MediaCache, Scope};
use crate::workflow::model::{Upload, VideoInput, Workflow};
use crate::workflow::{PlannedTask, check, expand, load_partial};

/// A checked workflow ready to run.
#[derive(Debug)]
pub struct Prepared {
    /// The workflow.
    pub workflow: Workflow,
    /// Its compiled templates.
    pub renderer: Renderer,
    /// Every task, in workflow order (analyses, then videos).
    pub tasks: Vec<PlannedTask>,
    /// Probed facts of local files, by resolved path.
    pub media: HashMap<PathBuf, MediaFacts>,
    /// SHA-256 hex of local files' bytes, by resolved path (task keys, assets).
    pub hashes: HashMap<PathBuf, String>,
    /// Why a task may not be submitted, by task name: its local video breaks the
    /// input requirements (MEDIA-1/2) or cannot be read (MEDIA-3). These are faults
    /// of the task, not of the workflow (design §1, exit 1).
    pub rejected: HashMap<String, Vec<String>>,
}

/// Loads and checks `path` and expands it into tasks. Workflow errors (exit 2) are
/// returned as diagnostics, all at once; bad videos are recorded in
/// [`Prepared::rejected`]. Local files are looked up in the media cache of the
/// state directory but nothing is written (what `check`, `render` and `status` do);
/// see [`prepare_with`].
pub fn prepare(path: &Path) -> Result<Prepared, Vec<Diagnostic>> {
    prepare_with(path, &MediaCache::new())
}

/// [`prepare`], examining local files through `cache`: an unchanged file's SHA-256
/// and probe come from `.vidflow/cache/media/`; the entries of files hashed and
/// probed anew stay pending in `cache` until the caller saves them
/// ([`MediaCache::save`]; `plan` and `run` do).
pub fn prepare_with(path: &Path, cache: &MediaCache) -> Result<Prepared, Vec<Diagnostic>> {
    // Every workflow error is reported in one run: what loads is compiled and
    // expanded too, and the errors of all three steps are returned together.
    let (mut workflow, mut diags) = load_partial(path)?;
    let fail = |mut all: Vec<Diagnostic>| {
        crate::workflow::load::sort_diagnostics(&mut all);
        all
    };
    let (renderer, template_errors) = check::compile_partial(&mut workflow);
    diags.extend(template_errors);
    let mut media = HashMap::new();
    let mut hashes = HashMap::new();
    let mut video_faults: HashMap<String, Vec<String>> = HashMap::new();
    // Facts of file contents, whichever API runs on them: shared by every scope.
    let state_root = Scope::Api.root(&workflow.dir);
    let files: Vec<&PathBuf> = workflow
        .videos
        .iter()
        .filter_map(|v| match &v.input {
            VideoInput::File { path, .. } => Some(path),
            _ => None,
        })
        .collect();
    let mut examined_all = parallel_map(&files, |path| cache.examine(&state_root, path)).into_iter();
    for video in &workflow.videos {
        let VideoInput::File { path, written } = &video.input else {
            continue;
        };
        let Some(examined) = examined_all.next() else {
            break;
        };
        let examined = match examined {
            Ok(x) => x,
            Err(e) => {
                video_faults
                    .entry(video.id.clone())
                    .or_default()
                    .push(format!("MEDIA-3: cannot read `{written}`: {e}"));
                continue;
            }
        };
        hashes.insert(path.clone(), examined.sha256);
        // ASSET-4: the client fails an oversize file locally, before it is sent.
        let max = crate::contract::assets::MAX_VIDEO_ASSET_BYTES;
        if video.upload == Upload::Asset
            && let Ok(size) = std::fs::metadata(path).map(|m| m.len())
            && size > max
        {
            let fault =
                format!("ASSET-4: {size} bytes is above the {max} bytes (200 MiB) of a direct upload ({written})");
            video_faults.entry(video.id.clone()).or_default().push(fault);
        }
        match examined.probe {
            Ok(p) => {
                let facts = p.facts();
                let faults: Vec<String> = check_media(&facts).iter().map(|v| format!("{v} ({written})")).collect();
                if !faults.is_empty() {
                    video_faults.entry(video.id.clone()).or_default().extend(faults);
                }
                media.insert(path.clone(), facts);
            }
            Err(e @ ProbeError::Missing) => {
                video_faults.entry(video.id.clone()).or_default().push(format!("MEDIA-3: {e}"));
            }
            Err(ProbeError::Unreadable { reason, .. }) => {
                let fault = format!("MEDIA-3: not a readable video: {reason} ({written})");
                video_faults.entry(video.id.clone()).or_default().push(fault);
            }
        }
    }
    for image in &workflow.images {
        match crate::canonical::sha256_file(&image.path) {
            Ok(h) => {
                hashes.insert(image.path.clone(), h);
            }
            Err(e) => diags.push(
                Diagnostic::new(
                    Some(crate::workflow::load::rules::FILE),
                    format!("cannot read image `{}`: {e}", image.written),
                )
                .at(&workflow.file, &workflow.source, image.pos.line, image.pos.column, image.pos.len),
            ),
        }
    }
    let tasks = match expand(&workflow, &renderer, &hashes, &media) {
        Ok(tasks) if diags.is_empty() => tasks,
        Ok(_) => return Err(fail(diags)),
        Err(d) => {
            diags.extend(d);
            return Err(fail(diags));
        }
    };
    let mut rejected: HashMap<String, Vec<String>> = HashMap::new();
    for task in &tasks {
        let video = &workflow.videos[task.video];
        if let Some(faults) = video_faults.get(&video.id) {
            rejected.insert(task.name.clone(), faults.clone());
            continue;
        }
        if let VideoInput::File { path, written } = &video.input
            && let Some(facts) = media.get(path)
        {
            let num = |k: &str| task.body.get(k).and_then(serde_json::Value::as_f64);
            let faults: Vec<String> = check_window(num("start_time"), num("end_time"), facts.duration)
                .iter()
                .chain(&check_time_ranges(&task.body, facts.duration))
                .map(|v| format!("{v} ({written})"))
                .collect();
            if !faults.is_empty() {
                rejected.insert(task.name.clone(), faults);
            }
        }
    }
    Ok(Prepared { workflow, renderer, tasks, media, hashes, rejected })
}

/// Workers for examining local files: hashing and ffprobe take a core each on a
/// cold run (a fresh CI checkout has no media cache), so files are examined in
/// parallel, up to this many at once.
const MAX_EXAMINERS: usize = 8;

/// `f` over `items` on up to [`MAX_EXAMINERS`] threads (no more than the machine
/// has cores); results in the order of `items`.
pub(crate) fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, PoisonError};
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let workers = cores.min(MAX_EXAMINERS).min(items.len());
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let (Some(item), Some(slot)) = (items.get(i), slots.get(i)) else {
                        break;
                    };
                    let result = f(item);
                    *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(result);
                }
            });
        }
    });
    slots.into_iter().filter_map(|s| s.into_inner().unwrap_or_else(PoisonError::into_inner)).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parallel_map_keeps_the_order_of_its_items() {
        let items: Vec<u64> = (0..100).collect();
        let squares = super::parallel_map(&items, |n| n * n);
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert!(super::parallel_map(&[] as &[u64], |n| *n).is_empty());
    }
}
