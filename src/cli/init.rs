//! `vidflow init [DIR]`: a working workflow, its templates and its JSON Schema,
//! ready for `vidflow check` and `vidflow run --sim`; prints a README snippet.

use std::path::{Path, PathBuf};

use super::args::InitArgs;
use crate::engine::outcome::{EXIT_OK, EXIT_TASKS_FAILED};

/// The files written, relative to the directory, with their content.
fn files() -> [(&'static str, String); 4] {
    [
        ("workflow.yaml", include_str!("scaffold/workflow.yaml").to_owned()),
        ("templates/summary.md.hbs", include_str!("scaffold/summary.md.hbs").to_owned()),
        ("templates/chapters.md.hbs", include_str!("scaffold/chapters.md.hbs").to_owned()),
        ("workflow.schema.json", super::schema::schema_json() + "\n"),
    ]
}

/// Writes the scaffold into `args.dir` (default `.`), refusing to overwrite any
/// file; exit 0, or 1 with nothing written.
pub fn run(args: &InitArgs) -> i32 {
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from("."));
    let files = files();
    let existing: Vec<PathBuf> = files.iter().map(|(rel, _)| dir.join(rel)).filter(|p| p.exists()).collect();
    if !existing.is_empty() {
        for p in &existing {
            errln!("error: `{}` already exists", p.display());
        }
        errln!("error: nothing was written; choose an empty directory (`vidflow init DIR`)");
        return EXIT_TASKS_FAILED;
    }
    for (rel, content) in &files {
        if let Err(e) = write_new(&dir.join(rel), content) {
            errln!("error: cannot write `{}`: {e}", dir.join(rel).display());
            return EXIT_TASKS_FAILED;
        }
        outln!("created {}", dir.join(rel).display());
    }
    let wf = dir.join("workflow.yaml");
    outln!();
    outln!("Add this to your README:");
    outln!();
    outln!("## Video analysis");
    outln!();
    outln!("`{}` describes which videos are analysed and where the results go.", wf.display());
    outln!("Check it, see what would run, and run it offline against the simulator:");
    outln!();
    outln!("```sh");
    outln!("vidflow check {}", wf.display());
    outln!("vidflow plan {}", wf.display());
    outln!("vidflow run {} --sim", wf.display());
    outln!("```");
    outln!();
    outln!("With `TWELVE_LABS_API_KEY` set, `vidflow run {}` uses the TwelveLabs API.", wf.display());
    EXIT_OK
}

fn write_new(path: &Path, content: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, content)
}
