//! Where `feed` writes what it prints (README "Feeding downstream parsers"): records printed by
//! `feed` without `--exec` and the consumers `feed --list` names go to stdout, and a stdout that
//! cannot take them (a full disk) ends `feed` with exit code 3 and a message naming stdout,
//! never exit 0 with records silently left out, never a panic.

mod common;

use std::process::Output;

use common::full_disk::{assert_failed_naming_stdout, crawled, stdout_full};
use common::{Harness, stderr};

/// `feed ARGS` with its stdout on a full disk.
fn to_a_full_disk(h: &Harness, args: &[&str]) -> Output {
    stdout_full(h.command(args))
}

/// The output said the records could not be written, and where, and no panic happened.
fn failed_naming_stdout(out: &Output) {
    assert_failed_naming_stdout(out, "feed");
}

/// `nianbao feed --consumer c > records.jsonl` on a disk that filled up used to end with exit
/// code 0 and nothing said (every write error was taken for a reader gone): a script took the
/// file for the whole feed and committed past records it never held.
#[test]
fn records_that_cannot_be_written_fail_the_feed() {
    let h = crawled();
    let out = to_a_full_disk(&h, &["feed", "--consumer", "tables"]);
    failed_naming_stdout(&out);
    // Printing moves no position, failed or not.
    assert!(
        !h.data_dir().join("feed/consumers/tables.seq").exists(),
        "no position written"
    );
}

/// `feed --list > list.txt` on a full disk used to panic (exit code 101, a backtrace).
#[test]
fn a_consumer_list_that_cannot_be_written_fails_the_feed() {
    let h = crawled();
    let out = h.run(&["feed", "--consumer", "tables", "--commit", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = to_a_full_disk(&h, &["feed", "--list"]);
    failed_naming_stdout(&out);
    // With no consumer yet, its one line fails alike.
    let fresh = crawled();
    failed_naming_stdout(&to_a_full_disk(&fresh, &["feed", "--list"]));
}
