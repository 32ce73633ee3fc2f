//! Issue 10: WARC records are appended without a sync each; their versions are marked written
//! only once one sync has covered a group of them, and what is left is marked when the sink
//! finishes or is dropped. Nothing written stays pending, and nothing is marked early. And the
//! wire bytes the crawl still holds are written as they are, without reading the raw file back.

use std::path::Path;
use std::sync::Arc;

use nianbao::config::{self, Overrides, Settings};
use nianbao::storage::Storage;
use nianbao::store::{CommitOutcome, Store};
use nianbao::warc_sink::{SETTLE_EVERY, WarcSink};

mod common;
use common::captures::capture;

fn settings(dir: &Path) -> Settings {
    let path = dir.join("config.toml");
    std::fs::write(&path, "data_dir = \"data\"\n").expect("write config");
    config::load(&path, &Overrides::default()).expect("config")
}

/// Commits `n` new documents and returns their seqs.
fn commit(store: &Store, n: usize) -> Vec<u64> {
    (0..n)
        .map(|i| {
            let url = format!("http://p.example/{i}");
            match store
                .commit(&capture("p", &url, &format!("c{i}"), false))
                .expect("commit")
            {
                CommitOutcome::NewDocument { seq, .. } => seq,
                other => panic!("capture {i}: {other:?}"),
            }
        })
        .collect()
}

fn open(dir: &Path) -> (Settings, Arc<Store>, WarcSink) {
    let settings = settings(dir);
    std::fs::create_dir_all(&settings.data_dir).expect("data_dir");
    let store = Arc::new(Store::open(&settings.data_dir).expect("store"));
    let storage = Storage::open(&settings.storage, &settings.data_dir).expect("storage");
    let sink = WarcSink::open(&settings, store.clone(), &storage).expect("sink");
    (settings, store, sink)
}

#[test]
fn marks_settle_in_groups_in_order_and_the_rest_at_finish() {
    let dir = tempfile::tempdir().expect("scratch");
    let (_settings, store, sink) = open(dir.path());
    let seqs = commit(&store, 2 * SETTLE_EVERY + 3);
    for seq in &seqs {
        sink.write_version(*seq).expect("write");
    }
    let pending = store.warc_pending(0).expect("pending");
    // Groups were settled on the way, the oldest first; only the last group's marks wait.
    assert!(
        pending.len() < SETTLE_EVERY,
        "{} still pending",
        pending.len()
    );
    assert_eq!(pending[..], seqs[seqs.len() - pending.len()..]);
    sink.finish().expect("finish");
    assert_eq!(store.warc_pending(0).expect("pending"), Vec::<u64>::new());
}

#[test]
fn a_sink_dropped_without_finish_still_marks_what_it_wrote() {
    let dir = tempfile::tempdir().expect("scratch");
    let (_settings, store, sink) = open(dir.path());
    let seqs = commit(&store, 3);
    for seq in &seqs {
        sink.write_version(*seq).expect("write");
    }
    drop(sink);
    assert_eq!(store.warc_pending(0).expect("pending"), Vec::<u64>::new());
}

/// The crawl hands the page's wire bytes it still holds to the WARC writer: a version whose raw
/// file cannot be read is written from them, and refused without them.
#[test]
fn a_version_in_hand_is_written_without_reading_its_raw_file() {
    let dir = tempfile::tempdir().expect("scratch");
    let (settings, store, sink) = open(dir.path());
    let body = "<html><body>万载县2023年政府信息公开工作年度报告</body></html>".as_bytes();
    let sha = nianbao::dedup::sha256_hex(body);
    let url = "http://p.example/report.html";
    let mut new = capture("p", url, "in-hand", true);
    new.exchanges.push(nianbao::fetch::StoredExchange {
        url: url.to_string(),
        method: "GET".into(),
        request_headers: vec![],
        request_body: None,
        http_version: "HTTP/1.1".into(),
        status: 200,
        headers: vec![("content-type".into(), "text/html; charset=utf-8".into())],
        ip: None,
        fetched_at: "2026-12-04T00:00:00Z".into(),
        wire_sha256: sha.clone(),
        // Never written: only the bytes in hand can give the record its body.
        wire_path: format!("raw/{}/{sha}", &sha[..2]),
    });
    let outcome = store.commit(&new).expect("commit");
    let CommitOutcome::NewDocument { seq, .. } = outcome else {
        panic!("a new document");
    };
    let refused = sink
        .write_version(seq)
        .expect_err("no raw file, nothing in hand");
    assert!(
        format!("{refused:#}").contains(&format!("seq {seq}")),
        "{refused:#}"
    );
    sink.write_committed(
        &new,
        &outcome,
        &[(sha, bytes::Bytes::copy_from_slice(body))],
    )
    .expect("written from the bytes in hand");
    sink.finish().expect("finish");
    assert_eq!(store.warc_pending(0).expect("pending"), Vec::<u64>::new());
    let warc_dir = settings.data_dir.join(nianbao::warc_sink::WARC_DIR);
    let mut responses = Vec::new();
    for entry in std::fs::read_dir(&warc_dir).expect("WARC folder") {
        for record in nianbao::warc::WarcReader::open(&entry.expect("entry").path()).expect("open")
        {
            let record = record.expect("readable record");
            let header = |name: &str| {
                record
                    .headers
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            };
            if header("WARC-Type").as_deref() == Some("response") {
                responses.push((header("WARC-Target-URI"), record.block.clone()));
            }
        }
    }
    assert_eq!(responses.len(), 1, "one response record");
    assert_eq!(responses[0].0.as_deref(), Some(url));
    assert!(
        responses[0].1.ends_with(body),
        "the response's body is the bytes in hand"
    );
}
