//! The unit tests of documents and versions: commits one by one and in shared transactions,
//! the record read back, failed batches and file syncs.

use super::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

pub(in crate::store) fn capture(portal: &str, url: &str, content_hash: &str) -> NewCapture {
    let record: ExportRecord = serde_json::from_value(serde_json::json!({
        "id": "", "version": 0, "seq": 0, "portal": portal, "url": url, "aliases": [],
        "list_url": null, "fetched_at": "2026-12-04T00:00:00Z", "http_status": 200,
        "content_type": "text/html", "charset": null, "charset_source": null,
        "sha256": format!("sha-{content_hash}"), "content_hash": content_hash,
        "raw_path": format!("raw/00/{content_hash}"), "title": null, "issuing_body": null,
        "index_number": null, "doc_number": null, "publish_date": null, "report_year": null,
        "is_annual_report": false, "fields": {}, "provenance": {}, "attachments": [],
    }))
    .expect("a well-formed record");
    NewCapture {
        record,
        etag: None,
        last_modified: None,
        exchanges: vec![],
        unsynced_files: None,
        attachment_wait: None,
        list_title: None,
        list_date: None,
        list: None,
        list_name: None,
        fingerprint: None,
    }
}

/// Few URLs and contents, so that new documents, new versions, aliases and unchanged pages
/// all occur, and often inside one batch.
fn random_captures(rng: &mut StdRng, n: usize) -> Vec<NewCapture> {
    (0..n)
        .map(|_| {
            let portal = format!("p{}", rng.random_range(0..2));
            let url = format!("http://{portal}.example/{}", rng.random_range(0..6));
            let content = format!("{portal}-c{}", rng.random_range(0..5));
            capture(&portal, &url, &content)
        })
        .collect()
}

fn everything(store: &Store) -> Vec<ExportRecord> {
    store
        .export_since(0)
        .collect::<Result<_, _>>()
        .expect("export")
}

/// A version committed with a file whose text waits is marked in the same commit, and the
/// mark follows the record as its text is derived again: still waiting for another reason,
/// then gone.
#[test]
fn a_version_whose_text_waits_is_marked_until_its_text_is_derived() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let waiting = |store: &Store| -> Vec<(u64, String)> {
        store
            .texts_waiting(0)
            .collect::<Result<_, _>>()
            .expect("read the marks")
    };
    store
        .commit(&capture("p", "http://p.example/1", "a"))
        .expect("commit");
    let mut pdf = capture("p", "http://p.example/2.pdf", "b");
    pdf.record.content_type = Some("application/pdf".into());
    pdf.record.text.text_error =
        Some("interrupted: pdftotext was stopped by signal 15; the next crawl …".into());
    let CommitOutcome::NewDocument { seq, .. } = store.commit(&pdf).expect("commit") else {
        panic!("a new document");
    };
    assert_eq!(waiting(&store), vec![(seq, "interrupted".to_string())]);
    assert!(store.texts_waiting(seq).next().is_none(), "after {seq}");
    // A store from before the marks: its versions are scanned once, at its next opening.
    let mark = [&b"text_waiting/"[..], &seq.to_be_bytes()].concat();
    store.meta.remove(mark).expect("remove the mark");
    store
        .meta
        .remove("text_waiting_scan_v1")
        .expect("remove the marker");
    store.flush().expect("flush");
    drop(store);
    let store = Store::open(dir.path()).expect("open again");
    assert_eq!(waiting(&store), vec![(seq, "interrupted".to_string())]);

    let mut record = store.record(seq).expect("read").expect("the version");
    record.text = crate::text::TextInfo {
        text_source: Some("missing:pdftotext".into()),
        ..Default::default()
    };
    store.set_text(seq, &record).expect("set text");
    assert_eq!(
        waiting(&store),
        vec![(seq, "missing:pdftotext".to_string())]
    );
    record.text = crate::text::TextInfo {
        text_path: Some("text/bb/b.txt".into()),
        text_source: Some("pdftotext 22.12.0".into()),
        ..Default::default()
    };
    store.set_text(seq, &record).expect("set text");
    assert_eq!(waiting(&store), vec![]);
}

/// The record a commit hands the WARC writer is the one the store reads back: for new
/// documents and new versions, with and without aliases, and for none when no version was
/// made. The captures carry fields and attachments so that every part is compared.
#[test]
fn a_committed_record_is_the_one_read_back() {
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 0..10 {
        let mut rng = StdRng::seed_from_u64(seed);
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open");
        for mut capture in random_captures(&mut rng, 60) {
            capture.record.title = Some(format!("标题 {}", rng.random_range(0..3)));
            capture
                .record
                .fields
                .insert("索引号".into(), format!("{}", rng.random_range(0..100)));
            let outcome = store.commit(&capture).expect("commit");
            let in_hand = store.committed_record(&capture, &outcome).expect("record");
            let (kind, read_back) = match &outcome {
                CommitOutcome::NewDocument { seq, .. } => ("new document", store.record(*seq)),
                CommitOutcome::NewVersion { seq, .. } => ("new version", store.record(*seq)),
                CommitOutcome::Unchanged { .. } => ("unchanged", Ok(None)),
                CommitOutcome::NewAlias { .. } => ("new alias", Ok(None)),
            };
            let read_back = read_back.expect("read back");
            if read_back.as_ref().is_some_and(|r| !r.aliases.is_empty()) {
                kinds.insert("with aliases");
            }
            kinds.insert(kind);
            assert_eq!(in_hand, read_back, "seed {seed}: {outcome:?}");
        }
    }
    assert_eq!(
        kinds.len(),
        5,
        "not every kind of commit was seen: {kinds:?}"
    );
}

/// A batch in one transaction ends exactly where the same captures committed one by one
/// end: the same outcomes, and the same records, documents and aliases.
#[test]
fn a_shared_transaction_equals_commits_one_by_one() {
    for seed in 0..20 {
        let mut rng = StdRng::seed_from_u64(seed);
        let captures = random_captures(&mut rng, 60);
        let (alone, shared) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let alone = Store::open(alone.path()).expect("open");
        let shared = Store::open(shared.path()).expect("open");
        let one_by_one: Vec<CommitOutcome> = captures
            .iter()
            .map(|c| alone.commit(c).expect("commit"))
            .collect();
        let mut batched = Vec::new();
        let mut rest = captures.as_slice();
        while !rest.is_empty() {
            let (batch, after) = rest.split_at(rng.random_range(1..=rest.len().min(9)));
            for outcome in shared.commit_batch(batch) {
                batched.push(outcome.expect("commit"));
            }
            rest = after;
        }
        assert_eq!(batched, one_by_one, "seed {seed}");
        assert_eq!(everything(&shared), everything(&alone), "seed {seed}");
        assert_eq!(
            shared.portal_counts().expect("counts"),
            alone.portal_counts().expect("counts"),
            "seed {seed}"
        );
    }
}

/// A capture that cannot be committed fails alone: the others of its batch are committed.
#[test]
fn an_error_in_a_batch_is_only_its_own_captures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let damaged = store
        .commit(&capture("p", "http://p.example/a", "a1"))
        .expect("commit");
    let CommitOutcome::NewDocument { id, .. } = damaged else {
        panic!("a first capture is a new document: {damaged:?}");
    };
    store
        .docs
        .insert(id.as_bytes(), b"not json")
        .expect("damage");
    let batch = [
        capture("p", "http://p.example/b", "b1"),
        capture("p", "http://p.example/a", "a2"),
        capture("p", "http://p.example/c", "c1"),
    ];
    let outcomes = store.commit_batch(&batch);
    assert!(matches!(
        outcomes[0],
        Ok(CommitOutcome::NewDocument { seq: 2, .. })
    ));
    assert!(
        matches!(&outcomes[1], Err(StoreError::Corrupt { key, .. }) if *key == id),
        "{:?}",
        outcomes[1]
    );
    assert!(matches!(
        outcomes[2],
        Ok(CommitOutcome::NewDocument { seq: 3, .. })
    ));
    assert_eq!(store.last_seq().expect("last seq"), 3);
}

/// Commits from many threads at once share transactions, and every one is committed once:
/// seqs 1..=n with no gap, and one document for content that several threads found.
#[test]
fn concurrent_commits_share_transactions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(dir.path()).expect("open"));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                for i in 0..25 {
                    let url = format!("http://p.example/{t}/{i}");
                    outcomes.push(store.commit(&capture("p", &url, &format!("{t}-{i}"))));
                }
                let shared = capture("p", &format!("http://p.example/{t}/shared"), "shared");
                outcomes.push(store.commit(&shared));
                outcomes
            })
        })
        .collect();
    let outcomes: Vec<CommitOutcome> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .map(|o| o.expect("commit"))
        .collect();
    let mut seqs: Vec<u64> = outcomes
        .iter()
        .filter_map(|o| match o {
            CommitOutcome::NewDocument { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=201).collect::<Vec<u64>>());
    let aliases = outcomes
        .iter()
        .filter(|o| matches!(o, CommitOutcome::NewAlias { .. }))
        .count();
    assert_eq!(
        aliases, 7,
        "the shared content is one document with seven aliases"
    );
    // Every batch is one transaction (none failed here, so none was split).
    let batches = store.commits.batches();
    assert!(
        batches < 208,
        "{batches} transactions for 208 commits from 8 threads: none shared"
    );
}

fn deferred_files(data_dir: &std::path::Path) -> crate::archive::FileSync {
    let archive = crate::archive::Archive::open(data_dir)
        .and_then(|a| a.with_deferred_sync())
        .expect("archive");
    archive.file_sync().expect("Linux defers syncs").clone()
}

/// Files written without their own fsync are synced by the commits that name them: once
/// for each batch, however many of its captures share the handle.
#[test]
fn a_batch_syncs_its_files_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(Store::open(dir.path()).expect("open"));
    let files = deferred_files(dir.path());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (store, files) = (store.clone(), files.clone());
            std::thread::spawn(move || {
                for i in 0..25 {
                    let url = format!("http://p.example/{t}/{i}");
                    let mut new = capture("p", &url, &format!("{t}-{i}"));
                    new.unsynced_files = Some(files.clone());
                    store.commit(&new).expect("commit");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread");
    }
    let batches = store.commits.batches();
    assert!(
        batches < 200,
        "{batches} batches for 200 commits: none shared"
    );
    assert_eq!(files.syncs() as u64, batches, "one sync a batch");
    assert_eq!(store.last_seq().expect("last seq"), 200);
}

/// A batch whose files cannot be synced records nothing: each of its commits fails, naming
/// the folder, and the next batch commits as usual.
#[test]
fn a_failed_sync_records_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let files = deferred_files(dir.path());
    let mut new = capture("p", "http://p.example/a", "a1");
    new.unsynced_files = Some(files.clone());
    files.fail_next();
    let failed = store.commit(&new).expect_err("the sync failed");
    assert!(
        matches!(&failed, StoreError::Unsynced { path, .. } if path.starts_with(dir.path())),
        "{failed:?}"
    );
    assert!(failed.to_string().contains("syncfs failed"), "{failed}");
    assert_eq!(store.last_seq().expect("last seq"), 0);
    assert!(everything(&store).is_empty());
    let outcome = store.commit(&new).expect("commit");
    assert!(
        matches!(outcome, CommitOutcome::NewDocument { seq: 1, .. }),
        "{outcome:?}"
    );
}

/// Waiting-text marks an earlier version or a cut write left (a key with a byte too many, one
/// cut short, reasons that are not UTF-8) are skipped: no version counted twice or made up, no
/// reason made of replacement characters; the real mark is read as it is.
#[test]
fn damaged_waiting_text_marks_are_skipped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let mark = |seq: &[u8]| [&b"text_waiting/"[..], seq].concat();
    let three = 3u64.to_be_bytes();
    store
        .meta
        .insert(mark(&three), &b"interrupted"[..])
        .expect("a mark");
    store
        .meta
        .insert(mark(&[&three[..], &[0]].concat()), &b"interrupted"[..])
        .expect("9 bytes");
    store
        .meta
        .insert(mark(&[0, 5]), &b"interrupted"[..])
        .expect("2 bytes");
    store
        .meta
        .insert(mark(&7u64.to_be_bytes()), &[0xffu8, 0xfe][..])
        .expect("not UTF-8");
    let waiting: Vec<(u64, String)> = store
        .texts_waiting(0)
        .collect::<Result<_, _>>()
        .expect("read the marks");
    assert_eq!(waiting, vec![(3, "interrupted".to_string())]);
}

/// A report archived from its section's list and then from its year's list (the one shown
/// for it) keeps the year list's URL with its name; a later version archived from the
/// section's list changes neither, so an ask from the state pairs a list's URL with its own
/// name.
#[test]
fn a_version_from_another_list_keeps_the_named_lists_url() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let url = "http://h.example/art/1.html";
    let (all, year) = ("http://h.example/nb/", "http://h.example/nb/2023/");
    let from = |hash: &str, list: &str, list_url: &str, name: &str| {
        let mut c = capture("p", url, hash);
        c.record.list_url = Some(list_url.to_string());
        c.list = Some(list.to_string());
        c.list_name = Some(name.to_string());
        c
    };
    let kept = || {
        let state = store.url_state(url).expect("readable").expect("known");
        (state.list_url, state.list_name)
    };
    let want = |u: &str, n: &str| (Some(u.to_string()), Some(n.to_string()));
    store
        .commit(&from("h1", "all", all, "年报专栏"))
        .expect("commit");
    assert_eq!(kept(), want(all, "年报专栏"));
    store
        .commit(&from("h2", "2023", year, "2023年度"))
        .expect("commit");
    assert_eq!(kept(), want(year, "2023年度"));
    store
        .commit(&from("h3", "all", all, "年报专栏"))
        .expect("commit");
    assert_eq!(
        kept(),
        want(year, "2023年度"),
        "the section's list is not shown"
    );
}
