//! The same-report index's migration and read-back mark, on a store in a temporary folder.

use super::*;

fn report(url: &str, hash: &str) -> crate::store::NewCapture {
    let mut capture = crate::store::docs::tests::capture("p", url, hash);
    capture.record.is_annual_report = true;
    capture.record.report_year = Some(2022);
    capture.record.title = Some("2022年政府信息公开工作年度报告".into());
    capture
}

fn entries(store: &Store) -> Vec<Entry> {
    store
        .meta
        .scan_prefix(ENTRIES.as_bytes())
        .flat_map(|e| {
            let (_, v) = e.expect("read");
            serde_json::from_slice::<Vec<Entry>>(&v).expect("entries")
        })
        .collect()
}

/// An older store's reports are indexed at its next opening, once, without fingerprints; a
/// pass cut short resumes from its cursor.
#[test]
fn an_older_store_gets_its_index_once_and_resumes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ids: Vec<String> = {
        let store = Store::open(dir.path()).expect("open");
        // A store that began with the index has nothing to read back.
        assert!(!store.same_report_unread_possible());
        let ids = ["a", "b"]
            .iter()
            .map(
                |h| match store.commit(&report(&format!("http://p/{h}"), h)) {
                    Ok(crate::store::CommitOutcome::NewDocument { id, .. }) => id,
                    other => panic!("a new document: {other:?}"),
                },
            )
            .collect();
        // As an older version left it: no index, no marker; a pass that got past the
        // first document.
        let keys: Vec<_> = store
            .meta
            .scan_prefix(ENTRIES.as_bytes())
            .keys()
            .map(|k| k.expect("key"))
            .collect();
        for key in keys {
            store.meta.remove(key).expect("remove");
        }
        store.meta.remove(INDEX_MARKER).expect("remove marker");
        let mut sorted: Vec<String> = ids;
        sorted.sort();
        store
            .meta
            .insert(INDEX_CURSOR, sorted[1].as_bytes())
            .expect("cursor");
        store.flush().expect("flush");
        sorted
    };
    let store = Store::open(dir.path()).expect("reopen migrates");
    let indexed = entries(&store);
    assert_eq!(indexed.len(), 1, "resumed at the cursor: {indexed:?}");
    assert_eq!(indexed[0].id, ids[1]);
    assert_eq!(indexed[0].fingerprint, None);
    assert!(store.meta.contains_key(INDEX_MARKER).expect("marker"));
    assert!(!store.meta.contains_key(INDEX_CURSOR).expect("cursor"));
    assert!(
        store.same_report_unread_possible(),
        "its reports have no fingerprint"
    );
    drop(store);
    // Once: a reopen does not scan again, and still knows what it may have to read back.
    let store = Store::open(dir.path()).expect("reopen");
    assert_eq!(entries(&store).len(), 1);
    assert!(store.same_report_unread_possible());
}

/// The read-back mark of an upgraded store counts its reports without a fingerprint: it
/// stays while one is left, goes with the last (read back, or fingerprinted by a new
/// version), and a reopened store skips the read-back. A mark an earlier version left
/// without a count is counted at opening.
#[test]
fn the_read_back_mark_goes_with_the_last_unread_report() {
    let dir = tempfile::tempdir().expect("temp dir");
    let records: Vec<ExportRecord> = {
        let store = Store::open(dir.path()).expect("open");
        let records = ["a", "b", "c"]
            .iter()
            .map(|h| {
                let capture = report(&format!("http://p/{h}"), h);
                match store.commit(&capture) {
                    Ok(crate::store::CommitOutcome::NewDocument { id, .. }) => ExportRecord {
                        id,
                        ..capture.record
                    },
                    other => panic!("a new document: {other:?}"),
                }
            })
            .collect();
        store.forget_same_report_index().expect("as an older store");
        records
    };
    let store = Store::open(dir.path()).expect("reopen migrates");
    assert_eq!(left(&store), Some(3));
    let fingerprint = crate::same_report::fingerprint_of_text("一、总体情况 2022年");
    store
        .set_same_report_fingerprint(&records[0], &fingerprint)
        .expect("read back");
    // The same report read back twice counts once.
    store
        .set_same_report_fingerprint(&records[0], &fingerprint)
        .expect("read back again");
    assert_eq!(left(&store), Some(2));
    assert!(store.same_report_unread_possible(), "two are left");
    // A mark without a count (an earlier version's) is counted at the next opening.
    store.meta.insert(UNREAD_MARKER, &[]).expect("an old mark");
    drop(store);
    let store = Store::open(dir.path()).expect("reopen counts");
    assert_eq!(left(&store), Some(2));
    // A new version of an older report fingerprints it in its commit.
    let mut version = report("http://p/b", "b2");
    version.fingerprint = Some(fingerprint.clone());
    match store.commit(&version) {
        Ok(crate::store::CommitOutcome::NewVersion { .. }) => {}
        other => panic!("a new version: {other:?}"),
    }
    assert_eq!(left(&store), Some(1));
    assert!(store.same_report_unread_possible(), "one is left");
    store
        .set_same_report_fingerprint(&records[2], &fingerprint)
        .expect("read back");
    assert_eq!(left(&store), None, "the last one read back");
    assert!(!store.same_report_unread_possible());
    drop(store);
    let store = Store::open(dir.path()).expect("reopen");
    assert!(!store.same_report_unread_possible());
}

/// A linked count of another length than 8 bytes (an earlier version's value, a cut write) is
/// an error naming its key, not a count read from whatever bytes are there; one at u64's end
/// reads as it is.
#[test]
fn a_damaged_linked_count_is_an_error_naming_its_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let key = format!("{LINKED}p");
    for cut in [&[1u8, 2, 3][..], &[], &[0; 9]] {
        store.meta.insert(&key, cut).expect("a damaged count");
        let e = store.linked_counts().expect_err("no count");
        assert!(e.to_string().contains(&key), "{e}");
    }
    store
        .meta
        .insert(&key, &u64::MAX.to_be_bytes())
        .expect("a count at its end");
    let counts = store.linked_counts().expect("counts");
    assert_eq!(counts.get("p"), Some(&u64::MAX));
}

/// Keeping a fingerprint in an entry that does not read (an earlier version's value, a cut
/// write, bytes that are no UTF-8) leaves its bytes as they are, never removes it, and the
/// read-back count is not touched; no panic.
#[test]
fn a_fingerprint_for_an_unreadable_entry_leaves_its_bytes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let capture = report("http://a.example/1.html", "h1");
    let key = key_of(&capture.record).expect("an annual report has a key");
    let fingerprint = crate::same_report::Fingerprint {
        sketch: vec![1, 2, 3],
        numbers: vec!["2022".into()],
    };
    store
        .meta
        .insert(UNREAD_MARKER, &3u64.to_be_bytes())
        .expect("a count");
    for garbage in [
        &b"[{\"id\":\"d1\",\"body\":"[..],
        b"{\"another\":\"version\"}",
        b"\xff\xfe\x00garbage",
        b"",
    ] {
        store.meta.insert(&key, garbage).expect("a damaged entry");
        store
            .set_same_report_fingerprint(&capture.record, &fingerprint)
            .expect("not an error");
        let kept = store.meta.get(&key).expect("read");
        assert_eq!(kept.as_deref(), Some(garbage), "{garbage:?}");
        assert_eq!(left(&store), Some(3));
    }
}

/// The count the read-back mark holds: how many older reports still want their fingerprint.
fn left(store: &Store) -> Option<u64> {
    store
        .meta
        .get(UNREAD_MARKER)
        .expect("read")
        .map(|v| seq_of(&v))
}
