//! Feeding while crawling: consumers read and commit from the feed log while a crawl holds the
//! store, in order and at least once, and a log cut short by a crash is repaired and caught up
//! from the store at the next start.

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Harness, feed_log_records, record_keys, stderr};
use nianbao_sim::SiteSpec;
use serde_json::Value;

fn sites() -> Vec<SiteSpec> {
    ["trs", "gbk", "nometa"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect()
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

#[test]
fn consumers_read_and_commit_while_a_crawl_runs() {
    // A slow crawl (about 10 s) so that the consumer's runs overlap it.
    let h = Harness::with_sites(sites(), Duration::from_millis(250));
    let taken = h.dir.path().join("taken.jsonl");
    let consume = format!("cat >> '{}'", taken.display());
    let mut crawl = h.command(&["crawl"]);
    crawl.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut crawl = crawl.spawn().expect("crawl starts");

    let started = Instant::now();
    // The crawl makes data_dir; a feed on a data_dir that does not exist yet is a usage error.
    while !h.data_dir().exists() {
        assert!(
            started.elapsed() < common::COMMAND_LIMIT,
            "the crawl makes data_dir"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut during = 0; // records taken while the crawl was still running
    loop {
        let running = crawl.try_wait().expect("crawl state").is_none();
        let out = h.run(&["feed", "--consumer", "live", "--exec", &consume]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "feed beside a running crawl: {}",
            stderr(&out)
        );
        let still_running = crawl.try_wait().expect("crawl state").is_none();
        if running && still_running {
            during = std::fs::read(&taken).map(|b| lines(&b).len()).unwrap_or(0);
        }
        if !still_running {
            break;
        }
        assert!(
            started.elapsed() < common::COMMAND_LIMIT,
            "the crawl ends in time"
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    let status = crawl.wait_with_output().expect("crawl ends");
    assert!(status.status.success(), "crawl: {}", stderr(&status));
    // What the crawl committed last is taken now.
    let out = h.run(&["feed", "--consumer", "live", "--exec", &consume]);
    assert!(out.status.success(), "{}", stderr(&out));

    let exported = h.export();
    assert!(exported.len() >= 20, "the portals hold reports");
    assert!(
        during > 0,
        "the consumer took records while the crawl ran (it took {during})"
    );
    // Each record once, in seq order: positions committed beside the crawl held.
    let taken = lines(&std::fs::read(&taken).expect("consumer output"));
    assert_eq!(record_keys(&taken), record_keys(&exported));
    // And the log the crawl left holds them all, whole.
    assert_eq!(
        record_keys(&feed_log_records(&h.data_dir())),
        record_keys(&exported)
    );
}

#[test]
fn a_log_cut_by_a_crash_is_repaired_and_caught_up() {
    let h = Harness::with_sites(sites(), Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported = h.export();
    let log_dir = h.data_dir().join("feed/log");
    let segment = std::fs::read_dir(&log_dir)
        .expect("feed log")
        .map(|e| e.expect("entry").path())
        .max()
        .expect("a segment");

    // A crash in the middle of an append: the last record is half there, the two before it
    // were never appended.
    let text = std::fs::read_to_string(&segment).expect("segment");
    let whole: Vec<&str> = text.lines().collect();
    let kept = whole.len() - 3;
    let mut cut = whole[..kept].join("\n").into_bytes();
    cut.push(b'\n');
    // Cut inside the line, wherever its middle falls (inside a character, too).
    cut.extend_from_slice(&whole[kept].as_bytes()[..whole[kept].len() / 2]);
    std::fs::write(&segment, &cut).expect("cut the log");

    // A reader beside the (absent) writer does not read past the cut; the feed command, finding
    // the store free, repairs the log and appends what is missing first.
    let out = h.run(&["feed", "--consumer", "a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(record_keys(&lines(&out.stdout)), record_keys(&exported));
    assert_eq!(
        record_keys(&feed_log_records(&h.data_dir())),
        record_keys(&exported)
    );

    // With no log at all (an archive made before the log existed), it is rebuilt.
    std::fs::remove_dir_all(&log_dir).expect("remove the log");
    let out = h.run(&["feed", "--consumer", "b", "--limit", "5"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        record_keys(&lines(&out.stdout)),
        record_keys(&exported[..5])
    );
    assert_eq!(
        record_keys(&feed_log_records(&h.data_dir())),
        record_keys(&exported)
    );
}

#[test]
fn positions_kept_in_the_store_by_earlier_versions_carry_over() {
    let h = Harness::with_sites(sites(), Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported = h.export();
    {
        let store = nianbao::store::Store::open(&h.data_dir()).expect("store");
        store.set_consumer_position("old", 7).expect("position");
    }
    let out = h.run(&["feed", "--list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        listing.contains(&format!("old\tposition 7\tlag {}", exported.len() - 7)),
        "{listing}"
    );
    let out = h.run(&["feed", "--consumer", "old", "--limit", "1"]);
    assert_eq!(lines(&out.stdout)[0]["seq"], 8);
}

/// `feed --list` names a consumer that ran but never committed (its command failed on the first
/// record), and a damaged position file is named beside the other consumers, not in their place.
#[test]
fn the_consumer_list_shows_consumers_that_never_committed_and_names_damaged_files() {
    let h = Harness::with_sites(sites(), Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let last = h.export().len();
    let out = h.run(&["feed", "--consumer", "never", "--exec", "exit 1"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let out = h.run(&["feed", "--consumer", "done", "--commit", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A commit past the log names the log's last seq.
    let out = h.run(&["feed", "--consumer", "done", "--commit", "9999"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("the feed log's last seq is {last}")),
        "{}",
        stderr(&out)
    );
    // Asked for no record, a consumer is not made known.
    let out = h.run(&[
        "feed",
        "--consumer",
        "probe",
        "--exec",
        "exit 1",
        "--limit",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("probe: at seq 0 (lag {last})")),
        "{}",
        stderr(&out)
    );
    let out = h.run(&["feed", "--list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        listing.contains(&format!("never\tposition 0 (never committed)\tlag {last}")),
        "{listing}"
    );
    assert!(
        listing.contains(&format!("done\tposition 3\tlag {}", last - 3)),
        "{listing}"
    );
    assert!(!listing.contains("probe"), "{listing}");

    let damaged = h.data_dir().join("feed/consumers/broken.seq");
    std::fs::write(&damaged, "not a seq\n").expect("write a damaged position");
    let out = h.run(&["feed", "--list"]);
    let listing = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(3), "{listing}{}", stderr(&out));
    assert!(listing.contains("broken\tposition unknown"), "{listing}");
    assert!(listing.contains("broken.seq"), "{listing}");
    assert!(listing.contains("done\tposition 3"), "{listing}");
    assert!(listing.contains("never\tposition 0"), "{listing}");
    assert!(stderr(&out).contains("cannot be read"), "{}", stderr(&out));
}

/// A store started afresh (its index moved away, as the damaged-index message allows) beside the
/// old feed log: the log's seqs name other records, so the crawl refuses to run with a message
/// that names the feed folder, rather than hand consumers the old records and skip the new ones.
/// With the feed folder moved away too, the log is rebuilt from the new store.
#[test]
fn a_feed_log_that_belongs_to_another_store_is_refused() {
    let h = Harness::with_sites(sites(), Duration::from_millis(20));
    let full = std::fs::read_to_string(h.dir.path().join("config.toml")).expect("config");
    // First only the first portal, then the index moved away, then all three.
    h.edit_config(|text| {
        let cut = text.match_indices("\n[[portal]]").nth(1).map(|(i, _)| i);
        cut.map_or(text.clone(), |i| text[..i].to_string() + "\n")
    });
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let data = h.data_dir();
    let aside = h.dir.path().join("aside");
    std::fs::create_dir_all(&aside).expect("aside");
    for name in ["index", "index.seq"] {
        std::fs::rename(data.join(name), aside.join(name)).expect("move the index away");
    }
    h.edit_config(|_| full.clone());
    let out = h.run(&["crawl"]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{message}");
    assert!(
        message.contains("does not belong to this store"),
        "{message}"
    );
    assert!(
        message.contains(&data.join("feed").display().to_string()),
        "{message}"
    );

    std::fs::rename(data.join("feed"), aside.join("feed")).expect("move the feed away");
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported = h.export();
    let out = h.run(&["feed", "--consumer", "parser"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(record_keys(&lines(&out.stdout)), record_keys(&exported));
}

/// A config that names data_dir relatively (`data_dir = "data"`, the shipped form), given to
/// nianbao as a relative path: `feed --exec` still hands the consumer an absolute
/// NIANBAO_RAW_PATH, which it can read from any directory it changes to.
#[test]
fn a_relative_data_dir_gives_consumers_absolute_paths() {
    let h = Harness::with_sites(vec![sites().remove(0)], Duration::from_millis(20));
    let data = h.data_dir().display().to_string();
    h.edit_config(|text| text.replace(&format!("\"{data}\""), "\"data\""));
    assert!(
        std::fs::read_to_string(&h.config)
            .expect("config")
            .contains("data_dir = \"data\""),
        "the harness config names its data_dir as expected"
    );
    let relative = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"));
        cmd.current_dir(h.dir.path())
            .args(["--config", "config.toml"])
            .args(args);
        common::run_limited(cmd, Duration::from_secs(120))
    };
    let out = relative(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = relative(&[
        "feed",
        "--consumer",
        "parser",
        "--limit",
        "1",
        "--exec",
        "cd / && test -r \"$NIANBAO_RAW_PATH\" && printf '%s' \"$NIANBAO_RAW_PATH\" >&2",
    ]);
    let message = stderr(&out);
    assert!(out.status.success(), "{message}");
    assert!(
        message.contains(&h.data_dir().join("tmp").display().to_string())
            || message.contains(&h.data_dir().join("raw").display().to_string()),
        "an absolute raw path under data_dir: {message}"
    );
}

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
