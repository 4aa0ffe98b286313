//! The command line: clap definitions, dispatch, and output (human and `--json`).
//! Errors are rendered here, once.

#[macro_use]
mod output;
mod args;
mod completions;
mod init;
mod plan;
mod progress;
mod review;
mod run;
pub mod schema;
mod sim;
mod status;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

use crate::diag::Diagnostic;
use crate::engine::outcome::{EXIT_INVALID, EXIT_OK};

/// Entry point of the binary: parses `std::env::args`, runs the command, returns
/// the exit code (design §1).
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt.block_on(dispatch(cli)),
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            3
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

async fn dispatch(cli: Cli) -> i32 {
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Check(args) => run::check(&args),
        Command::Render(args) => run::render(&args),
        Command::Review(args) => review::run(&args),
        Command::Status(args) => status::status(&args).await,
        Command::Sim(args) => sim::serve(args).await,
        Command::Plan(args) => plan::run(&args),
        Command::Schema => schema::run(),
        Command::Init(args) => init::run(&args),
        Command::Completions(args) => completions::run(args.shell),
    }
}

/// Prints diagnostics to stderr with a closing count line; returns exit code 2.
fn report_diagnostics(file: &std::path::Path, diags: &[Diagnostic]) -> i32 {
    for d in diags {
        err!("{d}");
        errln!();
    }
    let n = diags.len();
    errln!(
        "error: `{}` has {n} error{}; nothing was submitted or written",
        file.display(),
        if n == 1 { "" } else { "s" }
    );
    if n == 0 { EXIT_OK } else { EXIT_INVALID }
}
