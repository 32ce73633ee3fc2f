//! Issue 10: WARC records are appended without a sync each; their versions are marked written
//! only once one sync has covered a group of them, and what is left is marked when the sink
//! finishes or is dropped. Nothing written stays pending, and nothing is marked early.

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
        sink.write_version(*seq, &[]).expect("write");
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
        sink.write_version(*seq, &[]).expect("write");
    }
    drop(sink);
    assert_eq!(store.warc_pending(0).expect("pending"), Vec::<u64>::new());
}
