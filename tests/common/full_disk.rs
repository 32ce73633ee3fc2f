//! Output nobody can take: commands run with their stdout or stderr on `/dev/full`, a device
//! whose every write fails with ENOSPC, as a disk that filled up does.

use std::fs::{File, OpenOptions};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use nianbao_sim::SiteSpec;

use super::{COMMAND_LIMIT, Harness, stderr, wait_limited};

/// A device whose every write fails with ENOSPC.
fn full() -> File {
    OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full, a device whose every write fails with ENOSPC")
}

/// Runs `cmd` with its stdout on a full disk; its stderr is kept.
pub fn stdout_full(mut cmd: Command) -> Output {
    cmd.stdout(full()).stderr(Stdio::piped());
    wait_limited(
        cmd.spawn().expect("the nianbao binary starts"),
        COMMAND_LIMIT,
    )
}

/// Runs `cmd` with its stderr on a full disk; its stdout is kept.
pub fn stderr_full(mut cmd: Command) -> Output {
    cmd.stdout(Stdio::piped()).stderr(full());
    wait_limited(
        cmd.spawn().expect("the nianbao binary starts"),
        COMMAND_LIMIT,
    )
}

/// One portal crawled: its records are in the archive and the feed log, so every command has
/// something to print.
pub fn crawled() -> Harness {
    let site = SiteSpec::standard_named("trs").expect("standard site");
    let h = Harness::with_sites(vec![site], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!h.export().is_empty(), "the portal holds reports");
    h
}

/// `what` (the command's arguments) said its output could not be written, naming stdout and the
/// reason, and ended with exit code 3, with no panic.
pub fn assert_failed_naming_stdout(out: &Output, what: &str) {
    let said = stderr(out);
    assert!(!said.contains("panicked"), "{what}: no panic: {said}");
    assert_eq!(out.status.code(), Some(3), "{what}: {said}");
    assert!(
        said.contains("cannot write to stdout") && said.contains("No space left on device"),
        "{what}: names stdout and the reason: {said}"
    );
}
