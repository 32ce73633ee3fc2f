//! Output nobody can take (README "Exit codes"): every command that prints, with its stdout on a
//! full disk, ends with exit code 3 and a message naming stdout, never a panic; a crawl and a
//! failing `feed --exec` whose stderr is on a full disk end with the exit code they give when
//! their warnings can be read.

mod common;

use std::process::Command;
use std::time::Duration;

use common::full_disk::{assert_failed_naming_stdout, crawled, stderr_full, stdout_full};
use common::{Harness, run_limited, stderr};
use nianbao_sim::SiteSpec;

/// `nianbao status > status.txt` on a full disk used to panic (exit code 101, a backtrace), and
/// `export --format cdxj`, `--help` and others ended with exit code 0, their output lost unsaid.
#[test]
fn every_command_that_prints_fails_naming_stdout_on_a_full_disk() {
    let h = crawled();
    let page = h.dir.path().join("page.html");
    std::fs::write(
        &page,
        "<html><head><title>年度报告</title></head><body>报告</body></html>",
    )
    .expect("write a page");
    let page = page.to_str().expect("a UTF-8 path").to_string();
    let home = h.sim.site("trs").base_url().to_string();
    let cases: &[&[&str]] = &[
        &["status"],
        &["status", "--format", "json"],
        &["status", "--withdrawn"],
        &["report", "--format", "csv"],
        &["report", "--format", "json"],
        &["export"],
        &["export", "--format", "cdxj"],
        &["tables"],
        &["tables", "--format", "csv"],
        &["verify"],
        &["failures"],
        &["failures", "--format", "json"],
        &["inspect", &page],
        &["text"],
        &["feed", "--list"],
        &["find-section", &home, "--max-requests", "3"],
        &["quarantine"],
        &["prune-runs", "--older-than", "3650d"],
        &["compact"],
        &["--help"],
        &["status", "--help"],
        &["--version"],
    ];
    for args in cases {
        let out = stdout_full(h.command(args));
        assert_failed_naming_stdout(&out, &format!("{args:?}"));
    }
}

/// A warning nobody can read changes nothing: `nianbao crawl 2> /dev/full` and a consumer that
/// fails under `feed --exec` used to panic on their first warning (exit code 101).
#[test]
fn warnings_nobody_can_read_leave_the_exit_code_as_it_was() {
    let sites = |names: &[&str]| -> Vec<SiteSpec> {
        names
            .iter()
            .map(|n| SiteSpec::standard_named(n).expect("standard site"))
            .collect()
    };
    // A blocked portal warns, and makes exit code 1.
    let read = Harness::with_sites(sites(&["gbk", "blocked"]), Duration::from_millis(20));
    let unread = Harness::with_sites(sites(&["gbk", "blocked"]), Duration::from_millis(20));
    let with_stderr = read.run(&["crawl"]);
    assert_eq!(
        with_stderr.status.code(),
        Some(1),
        "{}",
        stderr(&with_stderr)
    );
    let without = stderr_full(unread.command(&["crawl"]));
    assert_eq!(without.status.code(), Some(1), "crawl 2> /dev/full");
    assert_eq!(
        unread.export().len(),
        read.export().len(),
        "the same archive"
    );

    let cases: &[(&[&str], i32)] = &[
        (&["feed", "--consumer", "c", "--exec", "exit 1"], 4),
        (&["feed", "--consumer", "c", "--exec", "cat >/dev/null"], 0),
        (&["status"], 0),
        (&["text"], 0),
        (&["tables", "--id", "no-such-document"], 2),
    ];
    for (args, code) in cases {
        let with_stderr = read.run(args);
        assert_eq!(
            with_stderr.status.code(),
            Some(*code),
            "{args:?}: {}",
            stderr(&with_stderr)
        );
        let without = stderr_full(unread.command(args));
        assert_eq!(without.status.code(), Some(*code), "{args:?} 2> /dev/full");
    }
    // A failure whose message nobody can read keeps its exit code too.
    let bad_config = || {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
        cmd.args(["--config", "/nonexistent/nianbao.toml", "status"]);
        cmd
    };
    let with_stderr = run_limited(bad_config(), common::COMMAND_LIMIT);
    assert_eq!(
        with_stderr.status.code(),
        Some(2),
        "{}",
        stderr(&with_stderr)
    );
    let without = stderr_full(bad_config());
    assert_eq!(without.status.code(), Some(2), "a bad config, 2> /dev/full");
}
