//! `vidflow review`: build the static review site of each workflow from stored
//! results (no network); see [`crate::review`].

use std::path::{Path, PathBuf};

use super::args::ReviewArgs;
use super::report_diagnostics;
use super::run::dir_of;
use crate::engine::outcome::{EXIT_INVALID, EXIT_OK, EXIT_TASKS_FAILED};
use crate::engine::{Prepared, prepare};
use crate::review::{ReviewError, build, paths::absolute};
use crate::state::{Scope, Store};

/// Builds one site per output directory (workflows that share one share the
/// site); exit 0, 2 for an invalid workflow or a refused `--out`, 1 when state
/// cannot be read or the site cannot be written. Tasks without a result are shown
/// as such, not counted as errors.
pub fn run(args: &ReviewArgs) -> i32 {
    let mut sites: Vec<(PathBuf, Vec<(Prepared, Store)>)> = Vec::new();
    for path in &args.workflows {
        let prepared = match prepare(path) {
            Ok(p) => p,
            Err(diags) => return report_diagnostics(path, &diags),
        };
        let out = args.out.clone().unwrap_or_else(|| match dir_of(path) {
            dir if dir == Path::new(".") => PathBuf::from("review"),
            dir => dir.join("review"),
        });
        let store = Store::open(dir_of(path), Scope::of(args.sim));
        match sites.iter_mut().find(|(o, _)| absolute(o) == absolute(&out)) {
            Some((_, list)) => list.push((prepared, store)),
            None => sites.push((out, vec![(prepared, store)])),
        }
    }
    let mut worst = EXIT_OK;
    for (out, list) in &sites {
        let sources: Vec<(&Prepared, &Store)> = list.iter().map(|(p, s)| (p, s)).collect();
        let built = match build(out, &sources, args.sim) {
            Ok(b) => b,
            Err(e) => {
                errln!("error: {e}");
                let code = if matches!(e, ReviewError::Out(_)) { EXIT_INVALID } else { EXIT_TASKS_FAILED };
                worst = worst.max(code);
                continue;
            }
        };
        for why in &built.frames.failed {
            errln!("warning: {why}");
        }
        outln!(
            "{}: {} of {} with a result, {}; frames: {} extracted, {} reused; {} changed",
            built.index.display(),
            built.results,
            super::output::count(built.tasks, "task"),
            super::output::count(built.pages, "video page"),
            built.frames.extracted,
            built.frames.reused,
            super::output::count(built.changed, "file"),
        );
        let sim_state = list.iter().any(|(p, _)| Scope::Sim.root(&p.workflow.dir).is_dir());
        if built.results == 0 && !args.sim && sim_state {
            errln!("hint: results of `run --sim` are kept apart; `vidflow review --sim` shows them");
        }
    }
    worst
}
