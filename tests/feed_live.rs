//! Feeding while crawling: consumers read and commit from the feed log while a crawl holds the
//! store, in order and at least once, and a log cut short by a crash is repaired and caught up
//! from the store at the next start; positions carried over, consumers listed, a log of another
//! store refused. How a consumer is stopped and what is refused is in `feed_live_stop.rs`.

mod common;
mod feed_live_support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Harness, feed_log_records, record_keys, stderr};
use feed_live_support::*;

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
