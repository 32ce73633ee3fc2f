//! Where commands write what they print. A command's output goes to stdout: a write that fails
//! (a full disk) is an error naming stdout, so that a short file is never taken for the whole
//! output (exit code 3). Warnings and messages go to stderr: one nobody can take is dropped,
//! and never changes how the command ends. `println!` and `eprintln!` would panic on either.
//!
//! A reader gone (`nianbao status | head -1`) ends a command that only prints by SIGPIPE before
//! any error comes back here (see `main`).

use std::io::{BufWriter, Write};

use anyhow::Context as _;

/// What a failed write to stdout says, before the reason.
pub const STDOUT_FAILED: &str = "cannot write to stdout";

/// Writes `text` to stdout at once, as `print!` does, and says when it could not.
pub fn stdout(text: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_fmt(text)
        .and_then(|()| out.flush())
        .context(STDOUT_FAILED)
}

/// Writes `text` to stderr, as `eprint!` does; a stderr nobody can take is no reason to stop.
pub fn stderr(text: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(text);
}

/// Many lines for stdout, buffered; `finish` writes what is left. Any failed write is an error
/// naming stdout.
pub struct Stdout {
    out: BufWriter<std::io::StdoutLock<'static>>,
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout {
            out: BufWriter::new(std::io::stdout().lock()),
        }
    }

    pub fn line(&mut self, line: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
        writeln!(self.out, "{line}").context(STDOUT_FAILED)
    }

    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out.flush().context(STDOUT_FAILED)
    }
}

impl Default for Stdout {
    fn default() -> Stdout {
        Stdout::new()
    }
}

/// `print!` that returns the failure to write (with `?`) from the function it is in.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::stdout(format_args!($($arg)*))?
    };
}

/// `println!` that returns the failure to write (with `?`) from the function it is in.
macro_rules! outln {
    () => {
        $crate::output::stdout(format_args!("\n"))?
    };
    ($($arg:tt)*) => {
        $crate::output::stdout(format_args!("{}\n", format_args!($($arg)*)))?
    };
}

/// `eprint!` that never panics: a message nobody can read is dropped.
macro_rules! errout {
    ($($arg:tt)*) => {
        $crate::output::stderr(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics: a message nobody can read is dropped.
macro_rules! errln {
    () => {
        $crate::output::stderr(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// A failed write to stdout, as an error that names it.
pub fn stdout_failed(e: std::io::Error) -> anyhow::Error {
    anyhow::Error::new(e).context(STDOUT_FAILED)
}
