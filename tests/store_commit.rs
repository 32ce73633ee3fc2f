//! The store's commit semantics: new document, alias at a second URL, new version on a changed
//! content hash, nothing on an unchanged one; seq order; the data_dir lock.

use nianbao::export::ExportRecord;
use nianbao::store::{CommitOutcome, NewCapture, Store, StoreError};

fn capture(portal: &str, url: &str, content_hash: &str) -> NewCapture {
    NewCapture {
        record: ExportRecord {
            id: String::new(),
            version: 0,
            seq: 0,
            portal: portal.into(),
            url: url.into(),
            aliases: vec![],
            withdrawn: None,
            delisted: None,
            same_report_as: None,
            list_url: Some("http://a.gov.cn/list/".into()),
            fetched_at: "2026-11-24T00:00:00Z".into(),
            http_status: 200,
            content_type: Some("text/html".into()),
            charset: Some("UTF-8".into()),
            charset_source: Some("http_header".into()),
            replacement_chars: Some(0),
            mojibake: Some(false),
            tls_unverified: false,
            sha256: format!("sha-{content_hash}"),
            content_hash: content_hash.into(),
            raw_path: format!("raw/00/{content_hash}"),
            title: Some("2017年度政府信息公开年度报告".into()),
            issuing_body: None,
            index_number: None,
            doc_number: None,
            publish_date: Some("2018-02-10".into()),
            report_year: Some(2017),
            is_annual_report: true,
            fields: Default::default(),
            provenance: Default::default(),
            attachments: vec![],
            text: Default::default(),
        },
        etag: Some("\"v1\"".into()),
        last_modified: None,
        exchanges: vec![nianbao::fetch::StoredExchange {
            url: url.into(),
            method: "GET".into(),
            request_headers: vec![("user-agent".into(), "nianbao-test".into())],
            request_body: None,
            http_version: "HTTP/1.1".into(),
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            ip: Some("127.0.0.1".into()),
            fetched_at: "2026-11-24T00:00:00.000Z".into(),
            wire_sha256: format!("sha-{content_hash}"),
            wire_path: format!("raw/00/{content_hash}"),
        }],
        unsynced_files: None,
        attachment_wait: None,
        list_title: None,
        list_date: None,
        list: None,
        list_name: None,
        fingerprint: None,
    }
}

#[test]
fn commit_distinguishes_documents_aliases_versions_and_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    let a = "http://a.gov.cn/2017/t1.html";
    let b = "http://a.gov.cn/nb/t1.html";

    let first = store.commit(&capture("P", a, "h1")).expect("commit");
    let CommitOutcome::NewDocument { id, seq: 1, .. } = first.clone() else {
        panic!("expected a new document at seq 1, got {first:?}")
    };
    assert_eq!(
        store.commit(&capture("P", a, "h1")).expect("commit"),
        CommitOutcome::Unchanged { id: id.clone() }
    );
    assert_eq!(
        store.commit(&capture("P", b, "h1")).expect("commit"),
        CommitOutcome::NewAlias { id: id.clone() }
    );
    assert_eq!(
        store.commit(&capture("P", a, "h2")).expect("commit"),
        CommitOutcome::NewVersion {
            id: id.clone(),
            version: 2,
            seq: 2
        }
    );
    // The same content in another portal is another document.
    let other = store
        .commit(&capture("Q", "http://q.gov.cn/x.html", "h1"))
        .expect("commit");
    assert!(
        matches!(other, CommitOutcome::NewDocument { seq: 3, .. }),
        "{other:?}"
    );

    let records: Vec<ExportRecord> = store
        .export_since(0)
        .map(|r| r.expect("readable"))
        .collect();
    let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3]);
    assert_eq!(
        (records[0].id.as_str(), records[0].version),
        (id.as_str(), 1)
    );
    assert_eq!(
        (records[1].id.as_str(), records[1].version),
        (id.as_str(), 2)
    );
    assert_eq!(
        records[0].aliases,
        vec![b.to_string()],
        "the alias shows on every version of the document"
    );
    assert_eq!(store.export_since(2).count(), 1);
    assert_eq!(store.last_seq().expect("last seq"), 3);

    // The HTTP exchange of each version is kept for WARC; an alias or unchanged re-fetch adds none.
    assert_eq!(store.exchanges(1).expect("exchanges")[0].url, a);
    assert_eq!(store.exchanges(2).expect("exchanges").len(), 1);
    assert!(store.exchanges(4).expect("exchanges").is_empty());

    let state = store
        .url_state(b)
        .expect("read")
        .expect("alias URL is known");
    assert_eq!(state.doc_id.as_deref(), Some(id.as_str()));
}

/// A document found at two URLs whose pages then differ (the original corrected, the copy not)
/// takes one new version, when the original changes; fetching both again changes nothing, run
/// after run. The copy catching up with the correction changes nothing either; the original put
/// back as it was is a new version.
#[test]
fn a_document_at_two_urls_that_differ_changes_only_when_one_of_them_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    let (original, copy) = (
        "http://a.gov.cn/art/5201.html",
        "http://a.gov.cn/art/9201.html",
    );
    let CommitOutcome::NewDocument { id, .. } =
        store.commit(&capture("P", original, "h1")).expect("commit")
    else {
        panic!("a new document")
    };
    let alias = store.commit(&capture("P", copy, "h1")).expect("commit");
    assert_eq!(alias, CommitOutcome::NewAlias { id: id.clone() });
    let corrected = store.commit(&capture("P", original, "h2")).expect("commit");
    assert!(
        matches!(corrected, CommitOutcome::NewVersion { version: 2, .. }),
        "{corrected:?}"
    );
    for night in 0..3 {
        for (url, hash) in [(copy, "h1"), (original, "h2")] {
            let outcome = store.commit(&capture("P", url, hash)).expect("commit");
            assert_eq!(
                outcome,
                CommitOutcome::Unchanged { id: id.clone() },
                "night {night}: {url}"
            );
        }
    }
    assert_eq!(
        store.commit(&capture("P", copy, "h2")).expect("commit"),
        CommitOutcome::Unchanged { id: id.clone() },
        "the copy now shows the latest content"
    );
    let back = store.commit(&capture("P", original, "h1")).expect("commit");
    assert!(
        matches!(back, CommitOutcome::NewVersion { version: 3, .. }),
        "{back:?}"
    );
    assert_eq!(store.last_seq().expect("last seq"), 3);
}

/// A URL state written before URLs kept their own hash: content its document had at any
/// version is taken as what the URL showed.
#[test]
fn a_state_without_its_own_hash_matches_any_version_of_its_document() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open store");
    let (original, copy) = (
        "http://a.gov.cn/art/5201.html",
        "http://a.gov.cn/art/9201.html",
    );
    store.commit(&capture("P", original, "h1")).expect("commit");
    store.commit(&capture("P", copy, "h1")).expect("commit");
    store.commit(&capture("P", original, "h2")).expect("commit");
    let mut state = store.url_state(copy).expect("read").expect("known");
    state.content_hash = None;
    store.record_url(copy, &state).expect("record");
    let again = store.commit(&capture("P", copy, "h1")).expect("commit");
    assert!(
        matches!(again, CommitOutcome::Unchanged { .. }),
        "{again:?}"
    );
    let fresh = store.commit(&capture("P", copy, "h3")).expect("commit");
    assert!(
        matches!(fresh, CommitOutcome::NewVersion { version: 3, .. }),
        "{fresh:?}"
    );
}

#[test]
fn document_ids_do_not_depend_on_commit_order() {
    let ids = |order: &[(&str, &str)]| {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open store");
        let mut ids: Vec<String> = order
            .iter()
            .map(
                |(url, hash)| match store.commit(&capture("P", url, hash)).expect("commit") {
                    CommitOutcome::NewDocument { id, .. } | CommitOutcome::NewAlias { id } => id,
                    other => panic!("unexpected {other:?}"),
                },
            )
            .collect();
        ids.sort();
        ids
    };
    let forward = ids(&[
        ("http://a/1", "h1"),
        ("http://a/2", "h2"),
        ("http://a/3", "h1"),
    ]);
    let backward = ids(&[
        ("http://a/3", "h1"),
        ("http://a/2", "h2"),
        ("http://a/1", "h1"),
    ]);
    assert_eq!(forward, backward);
}

#[test]
fn a_second_store_on_the_same_data_dir_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("temp dir");
    let _first = Store::open(dir.path()).expect("open store");
    match Store::open(dir.path()) {
        Err(e @ StoreError::Locked { .. }) => {
            let message = e.to_string();
            assert!(
                message.contains("in use by another nianbao process"),
                "{message}"
            );
            assert!(
                message.contains(&dir.path().display().to_string()),
                "{message}"
            );
        }
        Err(e) => panic!("expected a lock error, got {e}"),
        Ok(_) => panic!("a second store opened on a locked data_dir"),
    }
}

/// A lock let go a moment after it is asked for is waited for, not reported: a child another
/// thread is starting holds a copy of the lock's descriptor until its exec, so a store this
/// process has just closed can look locked for that moment (a test that opened the store right
/// after a run failed so once, under load).
#[test]
fn a_lock_let_go_within_a_moment_is_waited_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = Store::open(dir.path()).expect("open store");
    let (asking, asked) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        asked.recv().expect("the main thread asks");
        std::thread::sleep(std::time::Duration::from_millis(300));
        drop(first);
    });
    asking.send(()).expect("the holder waits");
    let second = Store::open(dir.path());
    holder.join().expect("the holder lets go");
    assert!(second.is_ok(), "{:?}", second.err().map(|e| e.to_string()));
}

#[test]
fn commits_survive_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let store = Store::open(dir.path()).expect("open store");
        store
            .commit(&capture("P", "http://a/1", "h1"))
            .expect("commit");
        store.set_consumer_position("parser", 1).expect("position");
    }
    let store = Store::open(dir.path()).expect("reopen store");
    assert_eq!(store.export_since(0).count(), 1);
    assert_eq!(store.consumer_position("parser").expect("position"), 1);
}

#[test]
fn the_seal_holds_the_last_commit_once_the_store_closes_however_fast_commits_came() {
    let dir = tempfile::tempdir().expect("temp dir");
    let seal = dir.path().join("index.seq");
    let read_seal = || {
        std::fs::read_to_string(&seal)
            .expect("seal file")
            .trim()
            .parse::<u64>()
            .expect("a seq")
    };
    let last = {
        let store = Store::open(dir.path()).expect("open store");
        let mut last = 0;
        for n in 0..20 {
            let outcome = store
                .commit(&capture("P", &format!("http://a/{n}"), &format!("h{n}")))
                .expect("commit");
            if let CommitOutcome::NewDocument { seq, .. } = outcome {
                last = seq;
            }
        }
        // Written once at the first commit, then at most every 250 ms while commits go on.
        assert!(read_seal() >= 1 && read_seal() <= last);
        last
    };
    assert_eq!(last, 20);
    assert_eq!(read_seal(), last, "closing writes the newest seq");
    // A store that only reads leaves the seal alone.
    drop(Store::open(dir.path()).expect("reopen store"));
    assert_eq!(read_seal(), last);
}
