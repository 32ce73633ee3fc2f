//! The `nianbao` command: parses the command line, starts logging, runs the command and maps
//! its outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use nianbao::cli::{Cli, LogFormat};
use nianbao::commands;
use tracing_subscriber::EnvFilter;

/// jemalloc, not glibc's malloc: on the raw farm glibc's malloc and free took about a sixth of the
/// crawl's CPU (a parsed page is many small allocations, freed on other threads), and jemalloc
/// took about 15% off the whole (README, "Scale: a million known URLs", on allocators).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read when it starts: one arena behind the threads' caches, caches kept to
/// allocations of 4 KB or less (a page body is some 25 KB, and caching those on every thread
/// cost about 20 MB of RSS), and freed pages handed back to the system within about a second.
/// `_RJEM_MALLOC_CONF` in the environment overrides them.
#[allow(non_upper_case_globals)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: Option<&'static libc::c_char> = Some(
    // SAFETY: a pointer to the first byte of a static, NUL-terminated string, as jemalloc expects.
    unsafe { &*c"narenas:1,tcache_max:4096,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr() },
);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return help_or_usage_error(&e),
    };
    let_writes_past_the_file_size_limit_fail();
    if cli.command.only_prints() {
        end_quietly_on_a_closed_pipe();
    }
    let filter = EnvFilter::try_from_env("NIANBAO_LOG").unwrap_or_else(|e| {
        // Unset is the usual case; a value that does not parse is a mistake worth a word.
        if let Some(value) = std::env::var_os("NIANBAO_LOG") {
            nianbao::output::stderr(format_args!(
                "warning: NIANBAO_LOG={} is not a log filter ({e}); logging at nianbao=info\n",
                value.to_string_lossy()
            ));
        }
        EnvFilter::new("nianbao=info")
    });
    // Colour codes only for a person at a terminal: a file or the journal would keep the escapes.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        // A log line nobody can take (stderr on a full disk) is dropped: by default the failure
        // is reported with `eprintln!`, to that same stderr, which panics.
        .log_internal_errors(false);
    match cli.log_format {
        LogFormat::Json => builder.json().init(),
        // What a server chose (a URL, a reason, a title) is shown escaped, one line a line.
        LogFormat::Text => builder
            .with_target(false)
            .fmt_fields(nianbao::shown::LogFields)
            .init(),
    }
    // Attachments read by nianbao's own readers are read in child processes of this program, so
    // that no file can abort or stall the run (README, "Attachments' text").
    match std::env::current_exe() {
        Ok(exe) => nianbao::text::worker::use_child_processes(exe),
        Err(e) => tracing::warn!(
            "cannot find this program's own file ({e}): attachments are read in this process"
        ),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            nianbao::output::stderr(format_args!("error: cannot start the async runtime: {e}\n"));
            return ExitCode::from(commands::exit::STORE);
        }
    };
    let result = runtime.block_on(commands::run(cli));
    // Everything a command waits for has ended by now. What may still run is the reading of a
    // page that passed its time limit (a blocking thread cannot be stopped): the process must
    // not wait minutes for it before it exits.
    runtime.shutdown_timeout(EXIT_GRACE);
    match result {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            // An error can carry what a server chose (a URL, a Location, its error text).
            nianbao::output::stderr(format_args!(
                "error: {}\n",
                nianbao::shown::shown(&format!("{error:#}"))
            ));
            commands::failure_exit_code(&error)
        }
    }
}

/// `--help` and `--version` print to stdout, and end with exit code 3 when it cannot take them
/// (clap's own `exit` would end with 0, the text lost); a usage mistake is said on stderr and
/// ends with exit code 2.
fn help_or_usage_error(e: &clap::Error) -> ExitCode {
    use std::io::Write as _;
    if e.use_stderr() {
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(commands::exit::USAGE));
    }
    match e.print().and_then(|()| std::io::stdout().flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(write) => {
            nianbao::output::stderr(format_args!(
                "error: {}: {write}\n",
                nianbao::output::STDOUT_FAILED
            ));
            ExitCode::from(commands::exit::STORE)
        }
    }
}

/// How long the process waits at exit for work that was abandoned at its time limit.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Rust ignores SIGPIPE, so printing to a pipe whose reader has gone (`nianbao status | head`)
/// fails, and `println!` panics on the failure. A command that only prints takes the default
/// action instead and ends at once, as `cat` does; commands that change the archive keep the
/// error, and end cleanly through their own shutdown.
fn end_quietly_on_a_closed_pipe() {
    // SAFETY: called once at start, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A write past the file size limit (`ulimit -f` in the job that started nianbao) sends SIGXFSZ,
/// whose default action kills the process mid-write. Ignored, the write fails with EFBIG instead,
/// and a crawl stops at it as on a full disk (README, "Disk faults").
fn let_writes_past_the_file_size_limit_fail() {
    // SAFETY: called once at start, before any thread exists; SIG_IGN is a valid disposition.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
