//! Issue 10: `status` and start-up read small indexes (per-portal counts, versions waiting for
//! WARC) instead of scanning every version. They must agree with a full scan after any mix of
//! commits and WARC writes, after the process dies between commits, and on a store written
//! before they existed (or whose rebuild was cut short).
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use nianbao::store::Store;

mod common;
use common::captures::capture;

/// Random commits over a few portals, URLs and contents (so new documents, new versions,
/// aliases and unchanged pages all occur), with some versions then written to WARC.
fn random_operations(store: &Store, rng: &mut StdRng, n: usize) {
    for _ in 0..n {
        let portal = format!("p{}", rng.random_range(0..3));
        let url = format!("http://{portal}.example/{}", rng.random_range(0..12));
        let content = format!("{portal}-c{}", rng.random_range(0..8));
        let report = rng.random_bool(0.5);
        store
            .commit(&capture(&portal, &url, &content, report))
            .expect("commit");
        if rng.random_bool(0.3) {
            let last = store.last_seq().expect("last seq");
            if last > 0 {
                let seq = rng.random_range(1..=last);
                store.record_warc(Some(seq), &[]).expect("record warc");
            }
        }
    }
}

fn assert_agree(store: &Store, when: &str) {
    assert_eq!(
        store.portal_counts().expect("indexed counts"),
        store.portal_counts_by_scan().expect("scanned counts"),
        "{when}: counts index"
    );
    for since in [0, 3, 10] {
        assert_eq!(
            store.warc_pending(since).expect("indexed pending"),
            store.warc_pending_by_scan(since).expect("scanned pending"),
            "{when}: WARC-pending index since {since}"
        );
    }
}

#[test]
fn the_indexes_agree_with_a_full_scan_after_random_operations() {
    for seed in 0..4 {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut rng = StdRng::seed_from_u64(seed);
        {
            let store = Store::open(dir.path()).expect("open");
            random_operations(&store, &mut rng, 60);
            assert_agree(&store, &format!("seed {seed}"));
            assert!(
                !store.portal_counts().expect("counts").is_empty(),
                "seed {seed}: something was counted"
            );
        }
        // Reopened, the indexes are read back as they were (not rebuilt from scratch).
        let store = Store::open(dir.path()).expect("reopen");
        assert_agree(&store, &format!("seed {seed}, reopened"));
        random_operations(&store, &mut rng, 30);
        assert_agree(&store, &format!("seed {seed}, after more"));
    }
}

/// Makes the store look as an older version left it: no marker, and the index trees missing,
/// or (`cut_short`) half-built with wrong counts.
fn make_older(index: &Path, cut_short: bool) {
    let db = sled::open(index).expect("open the index");
    db.open_tree("meta")
        .expect("meta")
        .remove("tally_index_v1")
        .expect("remove marker");
    if cut_short {
        let counts = db.open_tree("portal_counts").expect("counts tree");
        counts.insert("p0", &[0u8; 24]).expect("wrong count");
        counts.insert("ghost", &[1u8; 24]).expect("ghost portal");
        db.open_tree("warc_pending")
            .expect("pending tree")
            .insert(999u64.to_be_bytes(), &[])
            .expect("stray pending");
    } else {
        db.drop_tree("portal_counts").expect("drop counts");
        db.drop_tree("warc_pending").expect("drop pending");
    }
    db.flush().expect("flush");
}

/// An older nianbao committed a version and wrote another to WARC, touching neither index.
fn commit_as_older_version(index: &Path) {
    let db = sled::open(index).expect("open the index");
    let versions = db.open_tree("versions").expect("versions");
    let (key, value) = versions.last().expect("read").expect("a version");
    let last = u64::from_be_bytes(key.as_ref().try_into().expect("8-byte seq"));
    let mut record: serde_json::Value = serde_json::from_slice(&value).expect("json");
    record["seq"] = (last + 1).into();
    record["portal"] = "p-older".into();
    record["version"] = 1.into();
    versions
        .insert(
            (last + 1).to_be_bytes(),
            serde_json::to_vec(&record).expect("json"),
        )
        .expect("insert version");
    db.open_tree("meta")
        .expect("meta")
        .insert("last_seq", &(last + 1).to_be_bytes())
        .expect("last seq");
    let pending = db.open_tree("warc_pending").expect("pending");
    let (first, _) = pending.iter().next().expect("read").expect("one pending");
    db.open_tree("warc_written")
        .expect("written")
        .insert(first, &[])
        .expect("written");
    db.flush().expect("flush");
}

#[test]
fn versions_an_older_nianbao_committed_are_counted_at_the_next_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = StdRng::seed_from_u64(3);
    {
        let store = Store::open(dir.path()).expect("open");
        random_operations(&store, &mut rng, 40);
    }
    commit_as_older_version(&dir.path().join("index"));
    let store = Store::open(dir.path()).expect("reopen");
    assert!(
        store
            .portal_counts()
            .expect("counts")
            .contains_key("p-older")
    );
    assert_agree(&store, "after an older nianbao");
}

#[test]
fn an_older_store_or_a_cut_short_rebuild_gets_correct_indexes() {
    for cut_short in [false, true] {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut rng = StdRng::seed_from_u64(7);
        let expected = {
            let store = Store::open(dir.path()).expect("open");
            random_operations(&store, &mut rng, 80);
            store.portal_counts_by_scan().expect("scan")
        };
        make_older(&dir.path().join("index"), cut_short);
        let store = Store::open(dir.path()).expect("reopen rebuilds");
        assert_eq!(
            store.portal_counts().expect("counts"),
            expected,
            "cut_short {cut_short}"
        );
        assert_agree(&store, &format!("rebuilt, cut_short {cut_short}"));
    }
}

/// What the child prints once its first operations are committed.
const COMMITTED: &str = "nianbao-tally-child: committed";

/// A child process commits in a loop and is killed at a random moment: whatever it got done,
/// the indexes the next open reads agree with the versions it left.
#[test]
fn the_indexes_agree_after_the_process_is_killed_between_commits() {
    if let Ok(dir) = std::env::var("NIANBAO_TALLY_CHILD") {
        let store = Store::open(Path::new(&dir)).expect("child opens");
        let mut rng = StdRng::seed_from_u64(std::process::id() as u64);
        random_operations(&store, &mut rng, 10);
        // The parent kills only after this line: a slow start never leaves it nothing to check.
        println!("{COMMITTED}");
        loop {
            random_operations(&store, &mut rng, 10);
        }
    }
    for round in 0..3u64 {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = std::process::Command::new(std::env::current_exe().expect("test binary"))
            .args([
                "the_indexes_agree_after_the_process_is_killed_between_commits",
                "--exact",
                "--nocapture",
            ])
            .env("NIANBAO_TALLY_CHILD", dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("child starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let committed = std::io::BufRead::lines(std::io::BufReader::new(stdout))
            .map_while(Result::ok)
            .any(|line| line == COMMITTED);
        assert!(committed, "round {round}: the child never committed");
        std::thread::sleep(std::time::Duration::from_millis(150 * round));
        child.kill().expect("kill the child");
        child.wait().expect("reap the child");
        let store = Store::open(dir.path()).expect("open after the kill");
        assert!(
            store.last_seq().expect("seq") > 0,
            "round {round}: the child committed"
        );
        assert_agree(&store, &format!("after kill, round {round}"));
    }
}

/// `status`'s failed-URL counts come from the retry index alone (each entry names its portal):
/// they agree with what reading every failed URL's state says, after random state changes.
#[test]
fn failure_counts_agree_with_the_url_states() {
    use nianbao::store::{FailureCounts, RetrySchedule, UrlState};
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path()).expect("open");
    let mut rng = StdRng::seed_from_u64(11);
    let now = chrono::Utc::now();
    for round in 0..200 {
        let portal = format!("p{}", rng.random_range(0..3));
        let url = format!("http://x.example/{}", rng.random_range(0..40));
        let mut state = UrlState {
            portal,
            outcome: "failed:timeout".into(),
            failures: 1,
            ..UrlState::default()
        };
        match rng.random_range(0..4) {
            0 => state.doc_id = Some("d".into()),
            1 => {}
            kind => {
                let at = now + chrono::Duration::hours(rng.random_range(-48..48));
                state.retry = Some(RetrySchedule {
                    first_failed_at: at,
                    last_failed_at: at,
                    last_kind: "timeout".into(),
                    not_found_streak: 0,
                    next_retry_at: at,
                    gone: kind == 3 && rng.random_bool(0.5),
                });
            }
        }
        store.record_url(&url, &state).expect("record");
        if round % 20 == 19 {
            let due: std::collections::HashSet<String> = store
                .due_retries(now, nianbao::store::FailurePolicy::default().retry_max)
                .expect("due")
                .into_iter()
                .map(|(u, _)| u)
                .collect();
            let mut expected: std::collections::BTreeMap<String, FailureCounts> =
                Default::default();
            for (url, state) in store.failed_urls(false).expect("failed") {
                let c = expected.entry(state.portal.clone()).or_default();
                if state.retry.as_ref().is_some_and(|r| r.gone) {
                    c.gone += 1;
                } else if due.contains(&url) {
                    c.retries_due += 1;
                } else {
                    c.retries_later += 1;
                }
            }
            assert_eq!(
                store
                    .failure_counts(
                        now,
                        nianbao::store::FailurePolicy::default().retry_max,
                        10_000_000
                    )
                    .expect("counts"),
                expected,
                "round {round}"
            );
        }
    }
}

/// A URL record leaves out its empty fields (a million of them at country scale), and records
/// written before, with every field spelled out, still read the same.
#[test]
fn url_records_leave_out_empty_fields_and_old_records_still_read() {
    use nianbao::store::UrlState;
    let old = r#"{"portal":"p","doc_id":null,"outcome":"not_report","http_status":200,"etag":null,"last_modified":null,"fetched_at":"2026-01-05T00:00:00Z","failures":0,"list_url":"http://x.example/list.html","list_title":null,"list_date":null}"#;
    let state: UrlState = serde_json::from_str(old).expect("an old record reads");
    let new = serde_json::to_string(&state).expect("json");
    assert_eq!(
        new,
        r#"{"portal":"p","outcome":"not_report","http_status":200,"fetched_at":"2026-01-05T00:00:00Z","list_url":"http://x.example/list.html"}"#
    );
    assert!(
        new.len() * 3 < old.len() * 2,
        "{} vs {} bytes",
        new.len(),
        old.len()
    );
    let full = UrlState {
        doc_id: Some("d".into()),
        etag: Some("\"e\"".into()),
        last_modified: Some("Mon".into()),
        failures: 3,
        list_title: Some("t".into()),
        list_date: Some("2026-01-05".into()),
        ..state
    };
    let back: UrlState =
        serde_json::from_str(&serde_json::to_string(&full).expect("json")).expect("reads");
    assert_eq!(back, full);
}
