//! The `vidflow` binary: parse arguments, run the library, map errors to exit codes.

fn main() -> std::process::ExitCode {
    vidflow::cli::main()
}
