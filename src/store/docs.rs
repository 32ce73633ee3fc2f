//! Documents and versions: the commit that turns a fetched page into a new document, a new
//! version, a new alias of a known document, or nothing. A commit is all or nothing: one sled
//! transaction, shared by the commits made while another is applied (see `Store::commit`).

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::{Store, StoreError, TxResult, UrlState, decode_json, get_json};
use crate::dedup::sha256_hex;
use crate::export::ExportRecord;

/// A document: one report (or other page of the section), at one or more URLs, in one or more
/// versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocRecord {
    pub id: String,
    pub portal: String,
    /// Every URL the document was found at, first-found first.
    pub urls: Vec<String>,
    /// Content hash of the latest version.
    pub content_hash: String,
    /// Number of versions (the latest version's number).
    pub version: u32,
    /// seq of each version, oldest first.
    pub seqs: Vec<u64>,
    /// The archived document this one is the same report as (see `crate::same_report`), found
    /// when this one was made; left out when there is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_report_as: Option<crate::same_report::SameReport>,
}

/// A fetched page ready to be committed: its raw files are already durable, or made so by
/// `unsynced_files` before the commit records them.
#[derive(Debug, Clone)]
pub struct NewCapture {
    /// The export record with everything but `id`, `version`, `seq` and `aliases` filled in.
    pub record: ExportRecord,
    /// Validators of the response, for conditional requests next time.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The HTTP exchanges behind this version (the page, then its attachments), kept for WARC.
    pub exchanges: Vec<crate::fetch::StoredExchange>,
    /// Set when the files this capture names were written without fsyncs of their own
    /// (`Archive::with_deferred_sync`): the commit syncs them first, once for its whole batch.
    pub unsynced_files: Option<crate::archive::FileSync>,
    /// When the item is fetched again for the attachments the record lacks (kept in its URL
    /// state; None when it lacks none).
    pub attachment_wait: Option<super::AttachmentWait>,
    /// What the list showed beside the link (title, date `YYYY-MM-DD`): kept in the URL state
    /// while the item waits for attachments, so that a crawl queues it with its evidence
    /// without walking the list page that links it.
    pub list_title: Option<String>,
    pub list_date: Option<String>,
    /// The list (ledger key) this capture's URL was found on by this walk; None keeps what its
    /// state says (a report queued without a list: due for attachments, or delisted).
    pub list: Option<String>,
    /// The fingerprint of the page's article text, for an annual report with a year and a
    /// title: what a later re-publication of it is compared with (see `crate::same_report`).
    pub fingerprint: Option<crate::same_report::Fingerprint>,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    NewDocument {
        id: String,
        seq: u64,
        /// The archived document it is the same report as, if any.
        same_report_as: Option<String>,
    },
    NewVersion {
        id: String,
        version: u32,
        seq: u64,
    },
    /// A known URL whose content hash did not change.
    Unchanged {
        id: String,
    },
    /// A new URL whose content is a known document's.
    NewAlias {
        id: String,
    },
}

/// Per-portal archive counts for `nianbao status`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PortalCounts {
    pub documents: u64,
    pub versions: u64,
    pub annual_reports: u64,
}

/// The trees a commit writes, as its transaction sees them.
type CommitTrees = (
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
    TransactionalTree,
);

/// Applies one capture inside a commit transaction: a new document, a new version, a new alias
/// or nothing new. Later captures of the same transaction see what earlier ones wrote.
fn apply(trees: &CommitTrees, capture: &NewCapture) -> TxResult<CommitOutcome> {
    let record = &capture.record;
    let (urls, docs, by_hash, versions, meta, exchanges) =
        (&trees.0, &trees.1, &trees.2, &trees.3, &trees.4, &trees.5);
    let (counts, pending) = (&trees.9, &trees.10);
    let indexes = super::failures::UrlIndexes {
        retry_due: &trees.6,
        gone: &trees.7,
        unreadable: &trees.8,
        waits: &trees.11,
        withdrawn: &trees.12,
        listed: &trees.13,
    };
    let url_state = super::failures::tx_url_state(urls, &record.url)?;
    let known_doc = match url_state.as_ref().and_then(|s| s.doc_id.clone()) {
        Some(id) => tx_get::<DocRecord>(docs, &id)?,
        None => None,
    };
    let hash_key = hash_key(&record.portal, &record.content_hash);
    // A capture changes nothing when it shows the document's latest content or what this URL
    // showed before: its own last hash, or for a state written before URLs kept one, any content
    // its document ever had. Comparing with the latest content alone made a document whose two
    // URLs differ a new version at each of them, every run.
    let shown_before = |doc: &DocRecord| -> TxResult<bool> {
        if doc.content_hash == record.content_hash {
            return Ok(true);
        }
        Ok(
            match url_state.as_ref().and_then(|s| s.content_hash.as_ref()) {
                Some(own) => *own == record.content_hash,
                None => by_hash
                    .get(hash_key.as_bytes())?
                    .is_some_and(|id| id.as_ref() == doc.id.as_bytes()),
            },
        )
    };
    let (mut doc, outcome) = match known_doc {
        Some(doc) if shown_before(&doc)? => (doc.clone(), CommitOutcome::Unchanged { id: doc.id }),
        Some(mut doc) => {
            let seq = next_seq(meta)?;
            doc.version += 1;
            doc.content_hash = record.content_hash.clone();
            doc.seqs.push(seq);
            let outcome = CommitOutcome::NewVersion {
                id: doc.id.clone(),
                version: doc.version,
                seq,
            };
            write_version(versions, record, &doc, seq)?;
            super::texts::tx_mark(meta, record, seq)?;
            tx_put(exchanges, seq.to_be_bytes(), &capture.exchanges)?;
            super::tally::tx_count_version(counts, pending, record, false, seq)?;
            super::same::tx_note_version(meta, record, capture.fingerprint.as_ref(), &doc.id)?;
            (doc, outcome)
        }
        None => match by_hash.get(hash_key.as_bytes())? {
            Some(id) => {
                let id = String::from_utf8_lossy(&id).into_owned();
                let mut doc: DocRecord = tx_get(docs, &id)?.ok_or_else(|| {
                    ConflictableTransactionError::Abort(StoreError::Corrupt {
                        key: id.clone(),
                        source: serde::de::Error::custom("content index names a missing document"),
                    })
                })?;
                if !doc.urls.contains(&record.url) {
                    doc.urls.push(record.url.clone());
                }
                (doc.clone(), CommitOutcome::NewAlias { id: doc.id })
            }
            None => {
                let seq = next_seq(meta)?;
                let id = document_id(&record.portal, &record.content_hash);
                let same_report_as =
                    super::same::tx_link_new(meta, record, capture.fingerprint.as_ref(), &id)?;
                let doc = DocRecord {
                    id,
                    portal: record.portal.clone(),
                    urls: vec![record.url.clone()],
                    content_hash: record.content_hash.clone(),
                    version: 1,
                    seqs: vec![seq],
                    same_report_as,
                };
                write_version(versions, record, &doc, seq)?;
                super::texts::tx_mark(meta, record, seq)?;
                tx_put(exchanges, seq.to_be_bytes(), &capture.exchanges)?;
                super::tally::tx_count_version(counts, pending, record, true, seq)?;
                let same_report_as = doc.same_report_as.as_ref().map(|s| s.id.clone());
                let outcome = CommitOutcome::NewDocument {
                    id: doc.id.clone(),
                    seq,
                    same_report_as,
                };
                (doc, outcome)
            }
        },
    };
    if !doc.urls.contains(&record.url) {
        doc.urls.push(record.url.clone());
    }
    tx_put(docs, &doc.id, &doc)?;
    by_hash.insert(hash_key.as_bytes(), doc.id.as_bytes())?;
    // An attachment that could not be fetched is asked for again with its page when its wait
    // says (the crawl then sends no validators, so that the page is not answered 304 and its
    // attachments skipped); until then the page is revisited like any other, conditionally.
    let attachment_missing = record.attachments.iter().any(|a| a.sha256.is_none());
    let attachment_wait = capture
        .attachment_wait
        .clone()
        .filter(|_| attachment_missing);
    let waiting = attachment_wait.is_some();
    let state = UrlState {
        portal: record.portal.clone(),
        doc_id: Some(doc.id.clone()),
        outcome: if attachment_missing {
            super::OUTCOME_ATTACHMENT_MISSING.into()
        } else {
            "archived".into()
        },
        http_status: Some(record.http_status),
        etag: capture.etag.clone(),
        last_modified: capture.last_modified.clone(),
        fetched_at: Some(record.fetched_at.clone()),
        failures: 0,
        list_url: record.list_url.clone(),
        list_title: capture.list_title.clone().filter(|_| waiting),
        list_date: capture.list_date.clone().filter(|_| waiting),
        retry: None,
        content_hash: Some(record.content_hash.clone()),
        attachment_wait,
        // Archived from a page with content: whatever was withdrawn is back.
        withdrawn: None,
        // Found on a list by this capture: that list, and not delisted; else as it was.
        list: capture
            .list
            .clone()
            .or_else(|| url_state.as_ref().and_then(|s| s.list.clone())),
        delisted: url_state
            .as_ref()
            .and_then(|s| s.delisted.clone())
            .filter(|_| capture.list.is_none()),
    };
    super::failures::reindex(&indexes, &record.url, url_state.as_ref(), Some(&state))?;
    tx_put(urls, &record.url, &state)?;
    Ok(outcome)
}

fn hash_key(portal: &str, content_hash: &str) -> String {
    format!("{portal}\u{0}{content_hash}")
}

/// A document's id: derived from what is first archived of it, so that the same crawl gives the
/// same ids whatever order its requests finished in.
fn document_id(portal: &str, content_hash: &str) -> String {
    sha256_hex(format!("{portal}\n{content_hash}").as_bytes())[..16].to_string()
}

fn tx_get<T: for<'de> Deserialize<'de>>(
    tree: &TransactionalTree,
    key: &str,
) -> TxResult<Option<T>> {
    match tree.get(key)? {
        Some(bytes) => decode_json(key, &bytes)
            .map(Some)
            .map_err(ConflictableTransactionError::Abort),
        None => Ok(None),
    }
}

fn tx_put<T: Serialize>(
    tree: &TransactionalTree,
    key: impl AsRef<[u8]>,
    value: &T,
) -> TxResult<()> {
    let bytes = serde_json::to_vec(value)
        .expect("store records serialise: they hold only strings and numbers");
    tree.insert(key.as_ref(), bytes)?;
    Ok(())
}

/// Makes the files of a batch's captures durable: one sync for each distinct handle.
fn sync_files(batch: &[NewCapture]) -> Result<(), crate::archive::SyncFailed> {
    let mut synced: Vec<&crate::archive::FileSync> = Vec::new();
    for files in batch.iter().filter_map(|c| c.unsynced_files.as_ref()) {
        if !synced.iter().any(|s| s.same(files)) {
            files.sync()?;
            synced.push(files);
        }
    }
    Ok(())
}

impl Store {
    /// Commits a capture and flushes. The caller must have stored its raw files first.
    ///
    /// Group commit: commits that arrive together (within 2 ms, or while another batch is
    /// being applied) go in together, as one sled transaction and one flush for all of them.
    /// sled writes its log buffer twice for every transaction and once for every flush, and
    /// wakes its whole I/O pool each time, so on the raw farm this took about 10% off the
    /// crawl's CPU against a transaction per commit and flushes shared afterwards. Each caller
    /// still gets its own outcome, and none hears of its commit before the flush that makes
    /// it durable, as if it had committed alone.
    pub fn commit(&self, capture: &NewCapture) -> Result<CommitOutcome, StoreError> {
        let outcome = self.commits.run(
            capture.clone(),
            |batch| {
                if let Err(e) = sync_files(batch) {
                    // Nothing is recorded that names a file which may not be on disk.
                    return batch.iter().map(|_| Err(e.copy().into())).collect();
                }
                let mut outcomes = self.commit_batch(batch);
                if let Err(e) = self.flush_batch() {
                    // Not durable: none of the batch's commits is reported as made. They may
                    // still be on disk (a later flush writes them), as after a crash.
                    for outcome in outcomes.iter_mut().filter(|o| o.is_ok()) {
                        *outcome = Err(self.noted(StoreError::Sled(e.clone())));
                    }
                }
                outcomes
            },
            |capture| {
                Err(StoreError::CommitPanicked {
                    url: capture.record.url.clone(),
                })
            },
        )?;
        if let CommitOutcome::NewDocument { seq, .. } | CommitOutcome::NewVersion { seq, .. } =
            &outcome
        {
            self.seal(*seq);
            self.durable
                .fetch_max(*seq, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(outcome)
    }

    /// Applies a batch of captures in order, in one transaction when it can. When that
    /// transaction fails, each capture is applied in a transaction of its own, so an error
    /// (a damaged record, say) is only its own capture's.
    pub(super) fn commit_batch(
        &self,
        batch: &[NewCapture],
    ) -> Vec<Result<CommitOutcome, StoreError>> {
        if batch.len() > 1 {
            let all: Vec<&NewCapture> = batch.iter().collect();
            if let Ok(outcomes) = self.transact(&all) {
                return outcomes.into_iter().map(Ok).collect();
            }
        }
        batch
            .iter()
            .map(|capture| {
                self.transact(&[capture])
                    .map(|mut outcomes| outcomes.remove(0))
            })
            .collect()
    }

    /// One transaction that applies `captures` in order.
    fn transact(&self, captures: &[&NewCapture]) -> Result<Vec<CommitOutcome>, StoreError> {
        (
            &self.urls,
            &self.docs,
            &self.by_hash,
            &self.versions,
            &self.meta,
            &self.exchanges,
            &self.retry_due,
            &self.gone,
            &self.unreadable,
            &self.portal_counts,
            &self.warc_pending,
            &self.attachment_waits,
            &self.withdrawn,
            &self.listed,
        )
            .transaction(|trees| {
                captures
                    .iter()
                    .map(|capture| apply(trees, capture))
                    .collect::<TxResult<Vec<_>>>()
            })
            .map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => self.noted(StoreError::Sled(e)),
            })
    }

    /// The HTTP exchanges behind the version with this seq (empty for versions archived before
    /// exchanges were kept).
    /// The record of the version `outcome` says a commit of `capture` made, as `record(seq)`
    /// reads it back, built from the capture in hand: only the document is read, for its
    /// aliases. `None` when the commit made no version.
    pub fn committed_record(
        &self,
        capture: &NewCapture,
        outcome: &CommitOutcome,
    ) -> Result<Option<ExportRecord>, StoreError> {
        let (id, version, seq) = match outcome {
            CommitOutcome::NewDocument { id, seq, .. } => (id, 1, *seq),
            CommitOutcome::NewVersion { id, version, seq } => (id, *version, *seq),
            CommitOutcome::Unchanged { .. } | CommitOutcome::NewAlias { .. } => return Ok(None),
        };
        let record = stored_version(&capture.record, id, version, seq);
        self.with_aliases(record).map(Some)
    }

    pub fn exchanges(&self, seq: u64) -> Result<Vec<crate::fetch::StoredExchange>, StoreError> {
        match self.exchanges.get(seq.to_be_bytes())? {
            Some(bytes) => decode_json(&format!("exchanges {seq}"), &bytes),
            None => Ok(Vec::new()),
        }
    }

    pub fn document(&self, id: &str) -> Result<Option<DocRecord>, StoreError> {
        get_json(&self.docs, id)
    }

    /// Replaces the derived-text fields of the version with this seq (`nianbao text`): the
    /// document's own and its attachments', taken from `with_text` (the same version's record,
    /// attachments in the same order). Nothing else in the stored record changes. False when
    /// there is no such version.
    pub fn set_text(&self, seq: u64, with_text: &ExportRecord) -> Result<bool, StoreError> {
        let key = seq.to_be_bytes();
        let Some(bytes) = self.versions.get(key)? else {
            return Ok(false);
        };
        let mut stored: ExportRecord = decode_json(&format!("version {seq}"), &bytes)?;
        stored.text = with_text.text.clone();
        for (mine, theirs) in stored.attachments.iter_mut().zip(&with_text.attachments) {
            if mine.sha256 == theirs.sha256 {
                mine.text = theirs.text.clone();
            }
        }
        let bytes = serde_json::to_vec(&stored)
            .expect("export records serialise: plain strings and numbers");
        self.versions.insert(key, bytes)?;
        self.mark_text_waiting(seq, &stored)?;
        Ok(true)
    }
}

fn next_seq(meta: &TransactionalTree) -> TxResult<u64> {
    let current = match meta.get("last_seq")? {
        Some(bytes) => super::seq_of(&bytes),
        None => 0,
    };
    let next = current + 1;
    meta.insert("last_seq", &next.to_be_bytes())?;
    Ok(next)
}

fn write_version(
    versions: &TransactionalTree,
    record: &ExportRecord,
    doc: &DocRecord,
    seq: u64,
) -> TxResult<()> {
    tx_put(
        versions,
        seq.to_be_bytes(),
        &stored_version(record, &doc.id, doc.version, seq),
    )
}

/// A capture's record as the store keeps it for version `seq` of document `id`: aliases are not
/// stored with a version but read from its document when the version is read (and `withdrawn`
/// by `export`).
fn stored_version(record: &ExportRecord, id: &str, version: u32, seq: u64) -> ExportRecord {
    let mut stored = record.clone();
    stored.id = id.to_string();
    stored.version = version;
    stored.seq = seq;
    stored.aliases = Vec::new();
    // Like aliases, facts about the document now, never part of a version.
    stored.withdrawn = None;
    stored.same_report_as = None;
    stored
}

#[cfg(test)]
pub(super) mod tests {
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
}
