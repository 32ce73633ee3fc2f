//! A feed log damaged where no crash leaves it: a segment that later segments follow, cut short
//! inside a line, stops `feed` with a message naming the segment and line, rather than ending
//! the feed there as if the consumer had caught up; so does a segment missing before or between
//! others, or a line there twice, rather than skipping records or offering one again.

mod common;

use std::time::Duration;

use common::{Harness, record_keys, stderr};
use nianbao_sim::SiteSpec;
use serde_json::Value;

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

/// A crawl of the standard TRS site whose feed log is one segment: the harness, the export and
/// that segment's lines.
fn crawled_into_one_segment() -> (Harness, Vec<Value>, Vec<String>) {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(20),
    );
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let exported = h.export();
    assert!(exported.len() >= 6, "a few records: {}", exported.len());
    let first = h.data_dir().join(format!("feed/log/{:020}.jsonl", 1));
    let text = std::fs::read_to_string(&first).expect("one segment");
    let whole: Vec<String> = text.lines().map(str::to_owned).collect();
    assert_eq!(whole.len(), exported.len());
    (h, exported, whole)
}

/// `feed --exec` of consumer `parser`, appending what it is given to `seen`: stopped with exit
/// 3, its position committed up to `committed`.
fn exec_stops_at(h: &Harness, seen: &std::path::Path, committed: usize) {
    let consumer = format!("cat >> '{}'", seen.display());
    let out = h.run(&["feed", "--consumer", "parser", "--exec", consumer.as_str()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let position = h.data_dir().join("feed/consumers/parser.seq");
    let position = std::fs::read_to_string(&position).expect("a position");
    assert_eq!(position.trim(), committed.to_string());
}

/// As the damage message says: with the log moved away it is rebuilt, and consumer `parser`
/// goes on from its position to the last record, having seen every one once.
fn moving_the_log_away_resumes(h: &Harness, seen: &std::path::Path, exported: &[Value]) {
    let log_dir = h.data_dir().join("feed/log");
    std::fs::rename(&log_dir, h.dir.path().join("damaged-log")).expect("move the log away");
    let consumer = format!("cat >> '{}'", seen.display());
    let out = h.run(&["feed", "--consumer", "parser", "--exec", consumer.as_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let seen = std::fs::read(seen).expect("records seen");
    assert_eq!(record_keys(&lines(&seen)), record_keys(exported));
}

#[test]
fn a_segment_cut_short_before_a_later_one_stops_the_feed_and_names_it() {
    let (h, exported, whole) = crawled_into_one_segment();

    // One segment split in two at seq `cut + 2`, and the first cut inside its last line (seq
    // `cut + 1`): a truncated copy, or a disk that lost the segment's tail.
    let log_dir = h.data_dir().join("feed/log");
    let first = log_dir.join(format!("{:020}.jsonl", 1));
    let cut = 3;
    let mut head = whole[..cut].join("\n").into_bytes();
    head.push(b'\n');
    head.extend_from_slice(&whole[cut].as_bytes()[..whole[cut].len() / 2]);
    std::fs::write(&first, &head).expect("cut the first segment");
    let second = log_dir.join(format!("{:020}.jsonl", cut + 2));
    std::fs::write(&second, whole[cut + 1..].join("\n") + "\n").expect("the second segment");

    // Printing: the records before the cut, then exit 3 naming the segment, its line and the
    // segment after it.
    let out = h.run(&["feed", "--consumer", "printer"]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{message}");
    assert_eq!(
        record_keys(&lines(&out.stdout)),
        record_keys(&exported[..cut])
    );
    for named in [
        first.display().to_string(),
        format!("line {}", cut + 1),
        second.display().to_string(),
    ] {
        assert!(message.contains(&named), "{named} in: {message}");
    }

    // A consumer commits up to the cut and is stopped there, not told it has caught up.
    let seen = h.dir.path().join("seen.jsonl");
    exec_stops_at(&h, &seen, cut);
    moving_the_log_away_resumes(&h, &seen, &exported);
}

#[test]
fn a_segment_missing_before_or_between_others_stops_the_feed_and_names_the_gap() {
    let (h, exported, whole) = crawled_into_one_segment();
    let whole: Vec<&str> = whole.iter().map(String::as_str).collect();

    // The one segment split in three (seqs 1-2, 3-4, 5-), as a log of 64 MiB segments is,
    // and the middle one deleted: a copy that missed a file, a hand that removed one.
    let log_dir = h.data_dir().join("feed/log");
    let segment = |first: usize| log_dir.join(format!("{first:020}.jsonl"));
    let write = |first: usize, lines: &[&str]| {
        std::fs::write(segment(first), lines.join("\n") + "\n").expect("a segment");
    };
    write(1, &whole[..2]);
    write(5, &whole[4..]);

    // Printing: the records before the gap, then exit 3 naming the segment after it and the
    // seqs that are missing, rather than going on at seq 5 as if 3 and 4 never were.
    let out = h.run(&["feed", "--consumer", "printer"]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{message}");
    assert_eq!(
        record_keys(&lines(&out.stdout)),
        record_keys(&exported[..2])
    );
    for named in [segment(5).display().to_string(), "seq 3 to 4".to_string()] {
        assert!(message.contains(&named), "{named} in: {message}");
    }

    // A consumer commits up to the gap and is stopped there.
    let seen = h.dir.path().join("seen.jsonl");
    exec_stops_at(&h, &seen, 2);

    // The first segment missing: a consumer at seq 0 is not moved on to seq 5 either.
    std::fs::remove_file(segment(1)).expect("remove the first segment");
    write(3, &whole[2..4]);
    let out = h.run(&["feed", "--consumer", "fresh", "--exec", "cat > /dev/null"]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{message}");
    assert!(message.contains("seq 1 to 2"), "{message}");
    assert!(!h.data_dir().join("feed/consumers/fresh.seq").exists());

    // A line written twice (a segment concatenated onto itself) is no second delivery of it.
    write(1, &[whole[0], whole[1], whole[1]]);
    let out = h.run(&["feed", "--consumer", "printer"]);
    let message = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{message}");
    assert_eq!(
        record_keys(&lines(&out.stdout)),
        record_keys(&exported[..2])
    );
    assert!(
        message.contains(&segment(1).display().to_string()),
        "{message}"
    );

    moving_the_log_away_resumes(&h, &seen, &exported);
}
