//! `vidflow completions SHELL`: shell completions generated from the clap definition.

use clap::CommandFactory;
use clap_complete::Shell;

use super::args::Cli;
use crate::engine::outcome::EXIT_OK;

/// Prints the completion script of `shell` on stdout; exit 0.
pub fn run(shell: Shell) -> i32 {
    // Into memory first: `generate` panics when it cannot write.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "vidflow", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    EXIT_OK
}
