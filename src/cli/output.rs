//! Writing to stdout and stderr without panicking: `println!` panics when the
//! reader has gone (`vidflow plan | head`). A stream that fails once is not written
//! again, and the command still finishes and exits with its own code.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);

/// Writes `args` (and a newline when `newline`) to stdout, unless it failed before.
pub(crate) fn stdout(args: fmt::Arguments<'_>, newline: bool) {
    write(&STDOUT_GONE, &mut std::io::stdout().lock(), args, newline);
}

/// Writes `args` (and a newline when `newline`) to stderr, unless it failed before.
pub(crate) fn stderr(args: fmt::Arguments<'_>, newline: bool) {
    write(&STDERR_GONE, &mut std::io::stderr().lock(), args, newline);
}

fn write(gone: &AtomicBool, w: &mut dyn Write, args: fmt::Arguments<'_>, newline: bool) {
    if gone.load(Ordering::Relaxed) {
        return;
    }
    let written = w.write_fmt(args).and_then(|()| if newline { w.write_all(b"\n") } else { Ok(()) });
    if written.and_then(|()| w.flush()).is_err() {
        gone.store(true, Ordering::Relaxed);
    }
}

/// `println!` that never panics.
macro_rules! outln {
    () => { $crate::cli::output::stdout(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::cli::output::stdout(format_args!($($arg)*), true) };
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::output::stdout(format_args!($($arg)*), false) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    () => { $crate::cli::output::stderr(format_args!(""), true) };
    ($($arg:tt)*) => { $crate::cli::output::stderr(format_args!($($arg)*), true) };
}

/// `eprint!` that never panics.
macro_rules! err {
    ($($arg:tt)*) => { $crate::cli::output::stderr(format_args!($($arg)*), false) };
}

/// `n` and `noun`, with an `s` unless `n` is 1: `1 task`, `2 tasks`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}
