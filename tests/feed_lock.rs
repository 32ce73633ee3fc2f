//! A consumer's lock and its position (README "Feeding downstream parsers"): `feed` processes of
//! one consumer started at once never move its position back nor commit below it, and of two
//! `feed --exec` of one consumer, one delivers every record and the other is refused, naming
//! `NAME.lock`; a position committed beside a reading `feed` or `feed --list` while a crawl
//! appends is never taken for one past the log.

mod common;

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Harness, record_keys, stderr};
use nianbao_sim::SiteSpec;
use serde_json::Value;

/// One portal crawled: its records, and the log's last seq.
fn crawled() -> (Harness, u64) {
    let site = SiteSpec::standard_named("trs").expect("standard site");
    let h = Harness::with_sites(vec![site], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let last = h.export().len() as u64;
    assert!(last >= 8, "the portal holds reports: {last}");
    (h, last)
}

fn spawn(h: &Harness, args: &[&str]) -> Child {
    let mut cmd = h.command(args);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    cmd.spawn().expect("the nianbao binary starts")
}

/// The consumer's position as its file holds it now (replaced whole, so read whole).
fn position(h: &Harness, name: &str) -> Option<u64> {
    let path = h.data_dir().join(format!("feed/consumers/{name}.seq"));
    let text = std::fs::read_to_string(&path).ok()?;
    let seq = text.trim().parse();
    Some(seq.unwrap_or_else(|_| panic!("{} holds {text:?}", path.display())))
}

/// The seqs a consumer command wrote to `file`, one a line (none when it never ran).
fn seqs_in(file: &Path) -> Vec<u64> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| l.parse().expect("a seq a line"))
        .collect()
}

/// A `feed` refused because another holds the consumer: exit code 3, its lock file named.
fn refused_as_busy(out: &Output, name: &str) -> bool {
    let said = stderr(out);
    out.status.code() == Some(3)
        && said.contains(&format!(
            "consumer {name} is in use by another nianbao feed process"
        ))
        && said.contains(&format!("feed/consumers/{name}.lock"))
}

/// `feed --commit` used to read the position before taking the consumer's lock (the
/// position-before-lock race): a commit that another `feed` of the consumer overtook between
/// the two could move the position back, and a `feed --exec` so overtaken offered committed
/// records again and committed them, back down. Rounds of one consumer each: four commits to
/// seqs across the log, every other round with a `feed --exec` of two records among them, all
/// started at once. While they run the position file is read over and over: it never goes
/// back. At the end it is the highest seq committed or delivered, every refusal to go back
/// names a position that one of them wrote, and every other refusal is the lock's.
#[test]
fn feeds_of_one_consumer_at_once_never_move_its_position_back() {
    let (h, last) = crawled();
    let started = Instant::now();
    let (mut rounds, mut busy, mut refused_back) = (0usize, 0, 0);
    // Bounded: rounds for 15 s, at least 3; on a loaded machine whose processes happen to
    // start one after another, on until one feed met another's lock, for at most 60 s.
    while rounds < 3
        || started.elapsed() < Duration::from_secs(15)
        || (busy == 0 && started.elapsed() < Duration::from_secs(60))
    {
        let name = format!("race{rounds}");
        // Every other round beside a process that holds the store, as a crawl does: the feeds
        // then wait for it together (2 s) and go on at the same moment; in the others they
        // open the store one after another.
        let store = (rounds % 2 == 0)
            .then(|| nianbao::store::Store::open(&h.data_dir()).expect("the store is free"));
        let delivered = h.dir.path().join(format!("delivered-{rounds}"));
        let consume = format!("echo \"$NIANBAO_SEQ\" >> '{}'", delivered.display());
        let mut seqs = [1, last / 3, last / 2, last - 1];
        seqs.rotate_left(rounds % 4);
        let mut exec = (rounds % 2 == 1).then(|| {
            spawn(
                &h,
                &[
                    "feed",
                    "--consumer",
                    &name,
                    "--exec",
                    &consume,
                    "--limit",
                    "2",
                ],
            )
        });
        let mut commits: Vec<(u64, Child)> = seqs
            .iter()
            .map(|&seq| {
                let seq_text = seq.to_string();
                let args = ["feed", "--consumer", &name, "--commit", &seq_text];
                (seq, spawn(&h, &args))
            })
            .collect();
        let mut observed = Vec::new();
        loop {
            observed.extend(position(&h, &name));
            let running = commits
                .iter_mut()
                .map(|(_, c)| c)
                .chain(exec.iter_mut())
                .any(|c| c.try_wait().expect("child state").is_none());
            if !running {
                break;
            }
            assert!(
                started.elapsed() < common::COMMAND_LIMIT,
                "the feeds of round {rounds} end"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        observed.extend(position(&h, &name));
        drop(store);
        assert!(
            observed.windows(2).all(|w| w[0] <= w[1]),
            "round {rounds}: the position went back: {observed:?}"
        );

        let mut written = seqs_in(&delivered);
        if let Some(exec) = exec {
            let out = common::wait_limited(exec, common::COMMAND_LIMIT);
            if refused_as_busy(&out, &name) {
                busy += 1;
                assert!(written.is_empty(), "round {rounds}: a refused exec ran");
            } else {
                assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
                // One or two records (the highest commit leaves one), each once, in order.
                assert!(
                    (1..=2).contains(&written.len())
                        && written.windows(2).all(|w| w[0] + 1 == w[1]),
                    "round {rounds}: {written:?}"
                );
            }
        }
        let mut back_from = Vec::new();
        for (seq, child) in commits {
            let out = common::wait_limited(child, common::COMMAND_LIMIT);
            let said = stderr(&out);
            let back = format!("cannot move {name} back from seq ");
            match out.status.code() {
                Some(0) => written.push(seq),
                Some(2) if said.contains(&back) => {
                    refused_back += 1;
                    let from = said[said.find(&back).expect("found") + back.len()..]
                        .split(' ')
                        .next()
                        .and_then(|n| n.parse::<u64>().ok())
                        .unwrap_or_else(|| panic!("a position in {said}"));
                    assert!(from > seq, "round {rounds}: {said}");
                    back_from.push(from);
                }
                _ if refused_as_busy(&out, &name) => busy += 1,
                _ => panic!("round {rounds}: commit to {seq}: {said}"),
            }
        }
        let highest = written.iter().copied().max();
        assert!(
            highest.is_some(),
            "round {rounds}: one of them holds the lock"
        );
        assert_eq!(
            position(&h, &name),
            highest,
            "round {rounds}: the position is the highest seq committed or delivered \
             ({written:?}), seen as {observed:?}"
        );
        for from in back_from {
            assert!(
                written.contains(&from),
                "round {rounds}: a refusal named position {from}, which none wrote ({written:?})"
            );
        }
        rounds += 1;
    }
    // The feeds did overlap: some found the consumer's lock taken.
    assert!(
        busy > 0,
        "{rounds} rounds, no feed met another's lock ({refused_back} refused to go back)"
    );
}

/// Two `feed --exec` of one consumer at once: the second is refused with exit code 3 and a
/// message naming the lock, running nothing; the first delivers every record, once and in
/// order.
#[test]
fn a_second_exec_of_a_consumer_is_refused_while_the_first_delivers() {
    let (h, last) = crawled();
    let dir = h.dir.path();
    let (taken, holding, go, second) = (
        dir.join("taken.jsonl"),
        dir.join("holding"),
        dir.join("go"),
        dir.join("second-ran"),
    );
    // The consumer holds its first record until the test lets it go (30 s at most), so that
    // the second `feed` starts while the first holds the lock.
    let consume = format!(
        "cat >> '{}'; touch '{}'; i=0; while [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done",
        taken.display(),
        holding.display(),
        go.display()
    );
    let first = spawn(&h, &["feed", "--consumer", "shared", "--exec", &consume]);
    let waiting = Instant::now();
    while !holding.exists() {
        assert!(
            waiting.elapsed() < common::COMMAND_LIMIT,
            "the first feed runs its consumer"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let touch = format!("touch '{}'", second.display());
    let out = h.run(&["feed", "--consumer", "shared", "--exec", &touch]);
    std::fs::write(&go, "").expect("let the consumer go");
    assert!(refused_as_busy(&out, "shared"), "{}", stderr(&out));
    assert!(!second.exists(), "the refused feed ran nothing");

    let out = common::wait_limited(first, common::COMMAND_LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let taken: Vec<Value> = std::fs::read_to_string(&taken)
        .expect("the consumer's records")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(record_keys(&taken), record_keys(&h.export()));
    assert_eq!(position(&h, "shared"), Some(last));
}

/// The seq of the feed log's last whole line now (0 before it has one), read beside the crawl
/// that writes it: a last line without its newline is still being written and is not counted.
fn log_last(data_dir: &Path) -> u64 {
    let mut segments: Vec<_> = std::fs::read_dir(data_dir.join("feed/log"))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    segments.sort();
    let text = segments
        .last()
        .map(|s| std::fs::read_to_string(s).expect("a log segment"))
        .unwrap_or_default();
    let whole = text.rsplit_once('\n').map(|(whole, _)| whole).unwrap_or("");
    whole.lines().last().map_or(0, |l| {
        serde_json::from_str::<Value>(l).expect("a whole log line")["seq"]
            .as_u64()
            .expect("a seq")
    })
}

/// Runs `feed` with `args` held where it reads `NAME.seq`, between reading the log's last seq
/// and reading the position: the position file is a FIFO, whose reader waits until the test
/// writes it. Once the reader has opened it, the test waits for the crawl to append a record and
/// writes that record's seq, as a `feed --exec` of the consumer finishing beside it would have
/// committed. Returns what `feed` did and the seq written.
fn feed_held_at_position(
    h: &Harness,
    name: &str,
    args: &[&str],
    crawl: &mut Child,
) -> (Output, u64) {
    let consumers = h.data_dir().join("feed/consumers");
    std::fs::create_dir_all(&consumers).expect("the consumers' folder");
    let fifo = consumers.join(format!("{name}.seq"));
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", fifo.display());
    let mut feed = h.command(args);
    feed.stdout(Stdio::piped()).stderr(Stdio::piped());
    let feed = feed.spawn().expect("feed starts");
    // Opening a FIFO to write waits for its reader: the feed has read the log's last seq.
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::OpenOptions::new().write(true).open(&path));
    });
    let mut writer = rx
        .recv_timeout(common::COMMAND_LIMIT)
        .expect("the feed opens the position file")
        .expect("the position FIFO opens");
    let before = log_last(&h.data_dir());
    let waiting = Instant::now();
    let mut now = before;
    while now <= before {
        assert!(
            crawl.try_wait().expect("crawl state").is_none(),
            "the crawl still appends (log at seq {now})"
        );
        assert!(waiting.elapsed() < common::COMMAND_LIMIT, "the log grows");
        std::thread::sleep(Duration::from_millis(20));
        now = log_last(&h.data_dir());
    }
    std::io::Write::write_all(&mut writer, format!("{now}\n").as_bytes())
        .expect("write the position");
    drop(writer);
    let out = common::wait_limited(feed, common::COMMAND_LIMIT);
    std::fs::remove_file(&fifo).expect("remove the FIFO");
    (out, now)
}

/// A position committed beside a reading `feed` is never taken for one past the log: `feed`
/// (printing) and `feed --list` read the log's last seq before a consumer's position, so a
/// position that a `feed --exec` moved meanwhile to a record the crawl had just appended was
/// beyond the last seq they held, and they stopped with exit code 3 ("past the log's last seq",
/// "fix or remove" the file) over a sound file. The position is read first now; the log only
/// grows, so its last seq read after holds every committed one.
#[test]
fn a_position_committed_beside_a_reader_is_not_past_the_log() {
    let site = SiteSpec::standard_named("trs").expect("standard site");
    let h = Harness::with_sites(vec![site], Duration::from_millis(700));
    let mut crawl = h.command(&["crawl"]);
    crawl.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut crawl = crawl.spawn().expect("the crawl starts");
    let started = Instant::now();
    while log_last(&h.data_dir()) == 0 {
        assert!(
            started.elapsed() < common::COMMAND_LIMIT,
            "the crawl archives"
        );
        std::thread::sleep(Duration::from_millis(20));
    }

    let args = ["feed", "--consumer", "printed"];
    let (out, committed) = feed_held_at_position(&h, "printed", &args, &mut crawl);
    assert_eq!(out.status.code(), Some(0), "feed: {}", stderr(&out));
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let record: Value = serde_json::from_str(line).expect("a JSON line");
        assert!(
            record["seq"].as_u64() > Some(committed),
            "after the position"
        );
    }

    let (out, committed) = feed_held_at_position(&h, "listed", &["feed", "--list"], &mut crawl);
    assert_eq!(out.status.code(), Some(0), "feed --list: {}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(&format!("listed\tposition {committed}\t")),
        "{said}"
    );

    // The rest of the crawl is not needed: stopped, it saves what it has (exit code 130).
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &crawl.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let out = common::wait_limited(crawl, common::COMMAND_LIMIT);
    assert!(
        matches!(out.status.code(), Some(0 | 130)),
        "crawl: {}",
        stderr(&out)
    );
}
