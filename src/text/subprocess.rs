//! An external tool run as a bounded subprocess: its stdin given bytes (or nothing), stdout read
//! up to a cap, stderr kept short, killed when it outlives its time limit or passes the cap. A
//! stuck or runaway tool costs one blocking thread for at most its time limit, never the crawl.

use std::io::{Read, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Longest stderr kept (for the error message).
const MAX_STDERR: usize = 4096;

/// What a bounded run produced.
#[derive(Debug)]
pub(crate) struct Captured {
    /// `None` when the process was killed (time limit or output cap).
    pub status: Option<ExitStatus>,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub timed_out: bool,
    pub over_cap: bool,
}

/// Runs `cmd` with no stdin, its stdout capped at `cap` bytes and its run time at `limit`.
pub(crate) fn run_bounded(cmd: Command, limit: Duration, cap: usize) -> std::io::Result<Captured> {
    run_bounded_with(cmd, None, limit, cap)
}

/// As `run_bounded`, with `input` written to the tool's stdin (and stdin then closed). A tool
/// that stops reading, dies or is killed ends the writing: its answer says what happened.
pub(crate) fn run_bounded_with(
    mut cmd: Command,
    input: Option<&[u8]>,
    limit: Duration,
    cap: usize,
) -> std::io::Result<Captured> {
    cmd.stdin(if input.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    // Its own process group, so that a kill reaches whatever it started too (a child left
    // alive would hold the pipes open and the readers with them).
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    default_signals_in_child(&mut cmd);
    let mut child = cmd.spawn()?;
    let stdin = child.stdin.take();
    let stdout = child.stdout.take().expect("stdout is piped above");
    let stderr = child.stderr.take().expect("stderr is piped above");
    let over = AtomicBool::new(false);
    thread::scope(|scope| {
        if let (Some(mut stdin), Some(input)) = (stdin, input) {
            // Dropping `stdin` at the end closes it; a write the tool never reads fails once
            // the tool is gone (SIGPIPE is ignored in Rust programs), which is its answer.
            scope.spawn(move || {
                let _ = stdin.write_all(input);
            });
        }
        let out_reader = scope.spawn(|| read_capped(stdout, cap, &over));
        let err_reader =
            scope.spawn(move || read_capped(stderr, MAX_STDERR, &AtomicBool::new(false)));
        let deadline = Instant::now() + limit;
        let mut timed_out = false;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(Some(status)),
                Ok(None) => {}
                Err(e) => {
                    kill_group(&mut child);
                    let _ = child.wait();
                    break Err(e);
                }
            }
            let late = Instant::now() >= deadline;
            if late || over.load(Ordering::SeqCst) {
                timed_out = late;
                kill_group(&mut child);
                let _ = child.wait();
                break Ok(None);
            }
            thread::sleep(Duration::from_millis(10));
        };
        let stdout = out_reader.join().unwrap_or_default();
        let stderr = err_reader.join().unwrap_or_default();
        Ok(Captured {
            status: status?,
            stdout,
            stderr: String::from_utf8_lossy(&stderr).trim().to_string(),
            timed_out,
            over_cap: over.load(Ordering::SeqCst),
        })
    })
}

/// Gives the child the default SIGXFSZ action back. nianbao ignores SIGXFSZ (src/main.rs) so that
/// its own writes past `ulimit -f` fail with EFBIG; an ignored signal stays ignored across exec,
/// and a tool or consumer must meet the limit as it would anywhere else. (std already does the
/// same for SIGPIPE.)
pub(crate) fn default_signals_in_child(cmd: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: runs in the forked child before exec; signal(2) is async-signal-safe and
        // SIG_DFL a valid disposition. Nothing else is touched.
        unsafe {
            cmd.pre_exec(|| {
                libc::signal(libc::SIGXFSZ, libc::SIG_DFL);
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = cmd;
}

/// The signal that stopped a tool, when it came from outside: an operator's or a service
/// manager's stop (SIGTERM, SIGINT, SIGHUP, SIGQUIT), which reaches the tools too. nianbao
/// itself only ever sends SIGKILL, and says why when it does.
pub(crate) fn stopped_from_outside(status: ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    {
        let signal = std::os::unix::process::ExitStatusExt::signal(&status)?;
        [libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGQUIT]
            .contains(&signal)
            .then_some(signal)
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

/// The signal that killed a tool, when it says more about the night than the file: SIGKILL that
/// nianbao did not send (its own comes with `timed_out` or `over_cap`; the kernel's OOM killer
/// sends this one), SIGSEGV or SIGBUS. SIGABRT (a failed allocation inside the readers' bounds,
/// a stack overflow) is the file's. Named for the record: `signal 9 (SIGKILL)`.
pub(crate) fn died_of_the_night(status: ExitStatus) -> Option<String> {
    #[cfg(unix)]
    {
        let signal = std::os::unix::process::ExitStatusExt::signal(&status)?;
        let name = match signal {
            libc::SIGKILL => "SIGKILL",
            libc::SIGSEGV => "SIGSEGV",
            libc::SIGBUS => "SIGBUS",
            _ => return None,
        };
        Some(format!("signal {signal} ({name})"))
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

/// Kills the child and its process group.
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child leads
        // (made by `process_group(0)` above); it touches no memory of this process.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

/// Reads up to `cap` bytes; sets `over` (and stops reading, so the writer gets SIGPIPE) when
/// there is more.
fn read_capped(mut from: impl Read, cap: usize, over: &AtomicBool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if out.len() + n > cap {
                    out.extend_from_slice(&buf[..cap - out.len()]);
                    over.store(true, Ordering::SeqCst);
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
        }
    }
    out
}

/// The first file called `name` in a PATH folder.
pub(crate) fn find_on_path(name: &str) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_tool_that_hangs_is_killed_at_its_limit() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "sleep 30"]);
        let started = Instant::now();
        let run = run_bounded(cmd, Duration::from_millis(300), 1024).expect("sh runs");
        assert!(run.timed_out && run.status.is_none());
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn output_past_the_cap_is_cut_and_the_tool_stopped() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "yes 年报"]);
        let run = run_bounded(cmd, Duration::from_secs(20), 100_000).expect("sh runs");
        assert!(run.over_cap && !run.timed_out);
        assert_eq!(run.stdout.len(), 100_000);
    }

    /// The signals a shell run through `run_bounded` ignores (`SigIgn` of /proc/self/status).
    fn ignored_in_a_tool() -> u64 {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "grep SigIgn /proc/self/status"]);
        let run = run_bounded(cmd, Duration::from_secs(20), 1024).expect("sh runs");
        let text = String::from_utf8_lossy(&run.stdout);
        let mask = text.trim().strip_prefix("SigIgn:").expect("a SigIgn line");
        u64::from_str_radix(mask.trim(), 16).expect("a hex mask")
    }

    #[test]
    fn a_tool_gets_sigxfsz_at_its_default_though_nianbao_ignores_it() {
        // As src/main.rs does at start; no test in this process relies on SIGXFSZ's action.
        // SAFETY: SIG_IGN is a valid disposition; signal(2) touches no memory of this process.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        }
        let xfsz = 1u64 << (libc::SIGXFSZ - 1);
        assert_eq!(ignored_in_a_tool() & xfsz, 0, "SIGXFSZ ignored in the tool");
    }

    #[test]
    fn a_quick_tool_reports_its_status_and_output() {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", "printf 总体情况; echo oops >&2; exit 3"]);
        let run = run_bounded(cmd, Duration::from_secs(20), 1024).expect("sh runs");
        assert_eq!(run.status.and_then(|s| s.code()), Some(3));
        assert_eq!(run.stdout, "总体情况".as_bytes());
        assert_eq!(run.stderr, "oops");
    }
}
