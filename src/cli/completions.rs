//! `vidflow completions SHELL`: shell completions generated from the clap definition.

use clap::CommandFactory;
use clap_complete::Shell;

use super::args::Cli;
use crate::engine::outcome::EXIT_OK;

/// Prints the completion script of `shell` on stdout; exit 0.
pub fn run(shell: Shell) -> i32 {
    clap_complete::generate(shell, &mut Cli::command(), "vidflow", &mut std::io::stdout());
    EXIT_OK
}
