//! Stopping and refusing consumers of the feed: SIGTERM stops the consumer too and its record is
//! offered again, a consumer that never reads a large record is still stopped and not waited for,
//! and an empty exec, a bad consumer name or a position past the log are refused.

mod common;
mod feed_live_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Harness, stderr};
use feed_live_support::*;
use serde_json::Value;

/// SIGTERM to `feed --exec` while the consumer works on a record (a service stopped, `kill` of
/// the feed alone): the consumer is asked to stop too rather than go on as an orphan, whether
/// the shell runs it in its place (`exec sleep 30`) or as its own child (`sleep 30; echo …`, where
/// signalling the shell alone left the sleep running); the record is not committed, `feed`
/// exits 130 as the README says, and the next run offers it again.
#[cfg(unix)]
#[test]
fn sigterm_stops_the_consumer_too_and_its_record_is_offered_again() {
    let h = Harness::with_sites(vec![sites().remove(0)], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (n, form) in [
        "echo $$ > '{pid}'; exec sleep 30",
        "sleep 30 & echo $! > '{pid}'; wait $!; echo done",
    ]
    .iter()
    .enumerate()
    {
        let pid_file = h.dir.path().join(format!("consumer-{n}.pid"));
        let consumer = form.replace("{pid}", &pid_file.display().to_string());
        let mut feed = h
            .command(&["feed", "--consumer", "parser", "--exec", &consumer])
            .stderr(Stdio::piped())
            .spawn()
            .expect("feed starts");
        let worker_pid = pids_in(&pid_file, 1)[0].trim().to_string();
        let status = stop_feed(&mut feed, || {
            panic!("{consumer}: feed did not stop the consumer at once")
        });
        assert_eq!(status.code(), Some(130), "{consumer}");
        // The worker (sleep 30) is gone well before its time.
        let proc_entry = std::path::Path::new("/proc").join(&worker_pid);
        let gone = Instant::now();
        let running = || {
            let status = std::fs::read_to_string(proc_entry.join("status")).unwrap_or_default();
            proc_entry.exists() && !status.contains("zombie")
        };
        while running() && gone.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!running(), "{consumer}: {worker_pid} still runs");
        let out = h.run(&["feed", "--consumer", "parser", "--limit", "1"]);
        assert_eq!(
            lines(&out.stdout)[0]["seq"],
            1,
            "{consumer}: the record is offered again"
        );
    }
}

/// `--exec ''` would commit every record without running anything: a usage error.
#[test]
fn an_empty_exec_is_refused() {
    let h = Harness::with_sites(vec![sites().remove(0)], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for cmd in ["", "  "] {
        let out = h.run(&["feed", "--consumer", "parser", "--exec", cmd]);
        assert_eq!(out.status.code(), Some(2), "{cmd:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("--exec needs a command"),
            "{}",
            stderr(&out)
        );
    }
    let out = h.run(&["feed", "--consumer", "parser", "--limit", "1"]);
    assert_eq!(lines(&out.stdout)[0]["seq"], 1, "nothing was committed");
}

/// Makes the log's first record larger than a pipe's buffer (64 KiB on Linux), as hundreds of
/// attachments or aliases make a real one; the simulator's pages give records of a few KB. Only
/// its title grows, so the checks `feed` makes (the log's last record against the store, the raw
/// file against its sha256) still hold.
fn inflate_first_record(data_dir: &std::path::Path) {
    let segment = data_dir.join("feed/log/00000000000000000001.jsonl");
    let text = std::fs::read_to_string(&segment).expect("the log's first segment");
    let mut records = lines(text.as_bytes());
    records[0]["title"] = Value::String("年".repeat(40_000));
    let mut inflated = String::new();
    for record in &records {
        inflated.push_str(&serde_json::to_string(record).expect("JSON"));
        inflated.push('\n');
    }
    assert!(inflated.lines().next().expect("a line").len() > 100_000);
    std::fs::write(&segment, inflated).expect("write the log");
}

/// Waits for a consumer to write its pid(s) into `file`, one a line.
fn pids_in(file: &std::path::Path, count: usize) -> Vec<String> {
    let started = Instant::now();
    loop {
        let pids: Vec<String> = std::fs::read_to_string(file)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect();
        if pids.len() >= count {
            return pids;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the consumer never wrote its pid"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends SIGTERM to `feed` and waits for it to end, at most 5 s: well inside the 10 s grace
/// after which a consumer that ignores SIGTERM is killed. `late` runs (and fails the test) if
/// it has not ended by then.
fn stop_feed(feed: &mut std::process::Child, late: impl FnOnce()) -> std::process::ExitStatus {
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &feed.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let stopped = Instant::now();
    loop {
        if let Some(status) = feed.try_wait().expect("wait") {
            return status;
        }
        if stopped.elapsed() > Duration::from_secs(5) {
            late();
            panic!("feed did not end within 5 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn kill_all(pids: &[String]) {
    for pid in pids {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", pid])
            .status();
    }
}

/// A consumer that reads its raw file but never its stdin, handed a record larger than the pipe's
/// buffer: SIGTERM to `feed` still stops it at once (`feed` used to sit writing the record into
/// the full pipe, deaf to the signal, until the consumer ended by itself), and a helper that the
/// consumer started and left holding its stdin does not keep `feed` from the next record (it used
/// to wait for the helper to end).
#[cfg(unix)]
#[test]
fn a_consumer_that_never_reads_a_large_record_is_still_stopped_and_not_waited_for() {
    let h = Harness::with_sites(vec![sites().remove(0)], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    inflate_first_record(&h.data_dir());

    let pid_file = h.dir.path().join("consumer.pid");
    let consumer = format!("echo $$ > '{}'; exec sleep 30", pid_file.display());
    let mut feed = h
        .command(&["feed", "--consumer", "parser", "--exec", &consumer])
        .stderr(Stdio::piped())
        .spawn()
        .expect("feed starts");
    let worker = pids_in(&pid_file, 1);
    let feed_pid = feed.id().to_string();
    let status = stop_feed(&mut feed, || {
        kill_all(&[feed_pid]);
        kill_all(&worker);
        panic!("feed did not stop a consumer that does not read its stdin");
    });
    assert_eq!(status.code(), Some(130));
    let out = h.run(&["feed", "--consumer", "parser", "--limit", "1"]);
    assert_eq!(
        lines(&out.stdout)[0]["seq"],
        1,
        "the record is offered again"
    );

    // The consumer ends at once, its helper (its output elsewhere) holds its stdin for 30 s. The
    // shell gives a background job /dev/null as stdin unless told otherwise, hence fd 3.
    let helpers = h.dir.path().join("helpers.pid");
    let consumer = format!(
        "exec 3<&0; sleep 30 <&3 >/dev/null 2>&1 & echo $! >> '{}'",
        helpers.display()
    );
    let started = Instant::now();
    let out = h.run(&[
        "feed",
        "--consumer",
        "helped",
        "--limit",
        "2",
        "--exec",
        &consumer,
    ]);
    let took = started.elapsed();
    kill_all(&pids_in(&helpers, 1));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        took < Duration::from_secs(15),
        "feed waited {took:?} for what the consumer left behind"
    );
    let out = h.run(&["feed", "--consumer", "helped", "--limit", "1"]);
    assert_eq!(
        lines(&out.stdout)[0]["seq"],
        3,
        "both records were committed"
    );
}

/// One rule for consumer names, given on the command line: a name the position files would
/// refuse (`.x` used to pass the command line and then fail as an unusable store, exit 3) is a
/// usage error that says what a name may be, length included.
#[test]
fn a_consumer_name_is_checked_once_with_the_whole_rule() {
    let h = Harness::with_sites(vec![sites().remove(0)], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let long = "x".repeat(65);
    for name in [".x", "..", "../x", "a b", "名字", "", long.as_str()] {
        let out = h.run(&["feed", &format!("--consumer={name}"), "--limit", "1"]);
        assert_eq!(out.status.code(), Some(2), "{name:?}: {}", stderr(&out));
        assert!(
            stderr(&out)
                .contains("1 to 64 letters, digits, '-', '_' or '.', not starting with '.'"),
            "{name:?}: {}",
            stderr(&out)
        );
    }
    let out = h.run(&["feed", "--consumer", &"x".repeat(64), "--limit", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A position file holding a seq past the log's last (edited by hand, or copied from another
/// archive; `--commit` never writes one) used to be taken as it was: `--list` showed lag 0 and
/// the consumer silently skipped every record up to that seq as the crawls archived them. It is
/// now named as unusable, beside the other consumers, and `feed` refuses to run that consumer.
#[test]
fn a_position_past_the_log_is_refused_not_followed() {
    let h = Harness::with_sites(vec![sites().remove(0)], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let last = h.export().len();
    let out = h.run(&["feed", "--consumer", "fine", "--commit", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let consumers = h.data_dir().join("feed/consumers");
    for (name, seq) in [("ahead", (last + 5) as u64), ("huge", u64::MAX)] {
        std::fs::write(consumers.join(format!("{name}.seq")), format!("{seq}\n"))
            .expect("write a position");
    }
    let out = h.run(&["feed", "--list"]);
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(3), "{listing}{}", stderr(&out));
    for name in ["ahead", "huge"] {
        let line = listing
            .lines()
            .find(|l| l.starts_with(&format!("{name}\t")))
            .unwrap_or_else(|| panic!("{name} listed: {listing}"));
        assert!(line.contains("position unknown"), "{line}");
        assert!(line.contains(&format!("{name}.seq")), "{line}");
        assert!(line.contains(&format!("last seq {last}")), "{line}");
    }
    assert!(listing.contains("fine\tposition 2\t"), "{listing}");

    let ran = h.dir.path().join("ran");
    let consumer = format!("touch '{}'", ran.display());
    for args in [
        vec!["feed", "--consumer", "ahead", "--exec", consumer.as_str()],
        vec!["feed", "--consumer", "ahead", "--limit", "1"],
    ] {
        let out = h.run(&args);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains("ahead.seq"), "{}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}: nothing is offered");
    }
    assert!(!ran.exists(), "the consumer did not run");
    // Removed, the consumer starts again from the first record.
    std::fs::remove_file(consumers.join("ahead.seq")).expect("remove");
    let out = h.run(&["feed", "--consumer", "ahead", "--limit", "1"]);
    assert_eq!(lines(&out.stdout)[0]["seq"], 1);
}
