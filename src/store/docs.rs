//! Documents and versions: the commit that turns a fetched page into a new document, a new
//! version, a new alias of a known document, or nothing. One sled transaction per commit.

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::{Store, StoreError, UrlState, decode_json, get_json};
use crate::dedup::sha256_hex;
use crate::export::ExportRecord;

/// A document: one report (or other page of the section), at one or more URLs, in one or more
/// versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

/// A fetched page ready to be committed: its raw files are already durable.
#[derive(Debug, Clone)]
pub struct NewCapture {
    /// The export record with everything but `id`, `version`, `seq` and `aliases` filled in.
    pub record: ExportRecord,
    /// Validators of the response, for conditional requests next time.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The HTTP exchanges behind this version (the page, then its attachments), kept for WARC.
    pub exchanges: Vec<crate::fetch::StoredExchange>,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    NewDocument {
        id: String,
        seq: u64,
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

fn hash_key(portal: &str, content_hash: &str) -> String {
    format!("{portal}\u{0}{content_hash}")
}

/// A document's id: derived from what is first archived of it, so that the same crawl gives the
/// same ids whatever order its requests finished in.
fn document_id(portal: &str, content_hash: &str) -> String {
    sha256_hex(format!("{portal}\n{content_hash}").as_bytes())[..16].to_string()
}

type TxResult<T> = Result<T, ConflictableTransactionError<StoreError>>;

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

impl Store {
    /// Commits a capture and flushes. The caller must have stored its raw files first.
    pub fn commit(&self, capture: &NewCapture) -> Result<CommitOutcome, StoreError> {
        let record = &capture.record;
        let outcome = (
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
        )
            .transaction(|trees| {
                let (urls, docs, by_hash, versions, meta, exchanges) =
                    (&trees.0, &trees.1, &trees.2, &trees.3, &trees.4, &trees.5);
                let (retry_due, gone, unreadable) = (&trees.6, &trees.7, &trees.8);
                let (counts, pending) = (&trees.9, &trees.10);
                let url_state = super::failures::tx_url_state(urls, &record.url)?;
                let known_doc = match url_state.as_ref().and_then(|s| s.doc_id.clone()) {
                    Some(id) => tx_get::<DocRecord>(docs, &id)?,
                    None => None,
                };
                let hash_key = hash_key(&record.portal, &record.content_hash);
                let (mut doc, outcome) = match known_doc {
                    Some(doc) if doc.content_hash == record.content_hash => {
                        (doc.clone(), CommitOutcome::Unchanged { id: doc.id })
                    }
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
                        tx_put(exchanges, seq.to_be_bytes(), &capture.exchanges)?;
                        super::tally::tx_count_version(counts, pending, record, false, seq)?;
                        (doc, outcome)
                    }
                    None => match by_hash.get(hash_key.as_bytes())? {
                        Some(id) => {
                            let id = String::from_utf8_lossy(&id).into_owned();
                            let mut doc: DocRecord = tx_get(docs, &id)?.ok_or_else(|| {
                                ConflictableTransactionError::Abort(StoreError::Corrupt {
                                    key: id.clone(),
                                    source: serde::de::Error::custom(
                                        "content index names a missing document",
                                    ),
                                })
                            })?;
                            if !doc.urls.contains(&record.url) {
                                doc.urls.push(record.url.clone());
                            }
                            (doc.clone(), CommitOutcome::NewAlias { id: doc.id })
                        }
                        None => {
                            let seq = next_seq(meta)?;
                            let doc = DocRecord {
                                id: document_id(&record.portal, &record.content_hash),
                                portal: record.portal.clone(),
                                urls: vec![record.url.clone()],
                                content_hash: record.content_hash.clone(),
                                version: 1,
                                seqs: vec![seq],
                            };
                            write_version(versions, record, &doc, seq)?;
                            tx_put(exchanges, seq.to_be_bytes(), &capture.exchanges)?;
                            super::tally::tx_count_version(counts, pending, record, true, seq)?;
                            (doc.clone(), CommitOutcome::NewDocument { id: doc.id, seq })
                        }
                    },
                };
                if !doc.urls.contains(&record.url) {
                    doc.urls.push(record.url.clone());
                }
                tx_put(docs, &doc.id, &doc)?;
                by_hash.insert(hash_key.as_bytes(), doc.id.as_bytes())?;
                let state = UrlState {
                    portal: record.portal.clone(),
                    doc_id: Some(doc.id.clone()),
                    outcome: "archived".into(),
                    http_status: Some(record.http_status),
                    etag: capture.etag.clone(),
                    last_modified: capture.last_modified.clone(),
                    fetched_at: Some(record.fetched_at.clone()),
                    failures: 0,
                    list_url: record.list_url.clone(),
                    list_title: None,
                    list_date: None,
                    retry: None,
                };
                super::failures::reindex(
                    retry_due,
                    gone,
                    unreadable,
                    &record.url,
                    url_state.as_ref(),
                    Some(&state),
                )?;
                tx_put(urls, &record.url, &state)?;
                Ok(outcome)
            })
            .map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => self.noted(StoreError::Sled(e)),
            })?;
        self.flush()?;
        if let CommitOutcome::NewDocument { seq, .. } | CommitOutcome::NewVersion { seq, .. } =
            &outcome
        {
            self.seal(*seq);
            self.durable
                .fetch_max(*seq, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(outcome)
    }

    /// The HTTP exchanges behind the version with this seq (empty for versions archived before
    /// exchanges were kept).
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
    let mut stored = record.clone();
    stored.id = doc.id.clone();
    stored.version = doc.version;
    stored.seq = seq;
    stored.aliases = Vec::new();
    tx_put(versions, seq.to_be_bytes(), &stored)
}
