//! The `nianbao` command: parses the command line, starts logging, runs the command and maps
//! its outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use nianbao::cli::{Cli, LogFormat};
use nianbao::commands;
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    cap_malloc_arenas();
    let cli = Cli::parse();
    let filter =
        EnvFilter::try_from_env("NIANBAO_LOG").unwrap_or_else(|_| EnvFilter::new("nianbao=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.with_target(false).init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(commands::exit::STORE);
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(outcome) => outcome.exit_code(),
        Err(error) => {
            eprintln!("error: {error:#}");
            commands::failure_exit_code(&error)
        }
    }
}

/// glibc's malloc gives each thread that contends for an arena a new one, up to eight a core, and
/// each keeps what its threads freed: with the crawl's blocking threads that is memory no longer
/// in use but still resident. Two arenas a core hold a nightly over a million known URLs at
/// 199-200 MB instead of 224 MB (README, "Scale: a million known URLs") for about the same CPU;
/// one a core costs the portal farm some 15% more. `MALLOC_ARENA_MAX`, when set, decides.
fn cap_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let arenas = i32::try_from(2 * cores).unwrap_or(i32::MAX);
        // SAFETY: mallopt only sets a parameter of malloc, here before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}
