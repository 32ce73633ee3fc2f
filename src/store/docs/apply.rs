//! A commit's transaction: `apply` turns one capture into a new document, a new version, a new
//! alias or nothing, through the trees the transaction sees, with the helpers only it uses.

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::{CommitOutcome, DocRecord, NewCapture, stored_version};
use crate::dedup::sha256_hex;
use crate::export::ExportRecord;
use crate::store::{StoreError, TxResult, UrlState, decode_json};

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
pub(super) fn apply(trees: &CommitTrees, capture: &NewCapture) -> TxResult<CommitOutcome> {
    let record = &capture.record;
    let (urls, docs, by_hash, versions, meta, exchanges) =
        (&trees.0, &trees.1, &trees.2, &trees.3, &trees.4, &trees.5);
    let (counts, pending) = (&trees.9, &trees.10);
    let indexes = crate::store::failures::UrlIndexes {
        retry_due: &trees.6,
        gone: &trees.7,
        unreadable: &trees.8,
        waits: &trees.11,
        withdrawn: &trees.12,
        listed: &trees.13,
    };
    let url_state = crate::store::failures::tx_url_state(urls, &record.url)?;
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
            crate::store::texts::tx_mark(meta, record, seq)?;
            tx_put(exchanges, seq.to_be_bytes(), &capture.exchanges)?;
            crate::store::tally::tx_count_version(counts, pending, record, false, seq)?;
            crate::store::same::tx_note_version(
                meta,
                record,
                capture.fingerprint.as_ref(),
                &doc.id,
            )?;
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
                let same_report_as = crate::store::same::tx_link_new(
                    meta,
                    record,
                    capture.fingerprint.as_ref(),
                    &id,
                )?;
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
                crate::store::texts::tx_mark(meta, record, seq)?;
                tx_put(exchanges, seq.to_be_bytes(), &capture.exchanges)?;
                crate::store::tally::tx_count_version(counts, pending, record, true, seq)?;
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
    let mut state = UrlState {
        portal: record.portal.clone(),
        doc_id: Some(doc.id.clone()),
        outcome: if attachment_missing {
            crate::store::OUTCOME_ATTACHMENT_MISSING.into()
        } else {
            "archived".into()
        },
        http_status: Some(record.http_status),
        etag: capture.etag.clone(),
        last_modified: capture.last_modified.clone(),
        fetched_at: Some(record.fetched_at.clone()),
        failures: 0,
        // The list an ask is made from: this capture's, or the one the name kept came with
        // (`note_list_page`, below).
        list_url: url_state.as_ref().and_then(|s| s.list_url.clone()),
        list_title: url_state
            .as_ref()
            .and_then(|s| s.list_title.clone())
            .filter(|_| waiting),
        list_date: url_state
            .as_ref()
            .and_then(|s| s.list_date.clone())
            .filter(|_| waiting),
        retry: None,
        content_hash: Some(record.content_hash.clone()),
        attachment_wait,
        // Archived from a page with content: whatever was withdrawn is back.
        withdrawn: None,
        // The lists it was found on, with the capture's (below); not delisted when found on
        // one by this capture, else as it was.
        list: url_state.as_ref().and_then(|s| s.list.clone()),
        lists: url_state
            .as_ref()
            .map(|s| s.lists.clone())
            .unwrap_or_default(),
        delisted: url_state
            .as_ref()
            .and_then(|s| s.delisted.clone())
            .filter(|_| capture.list.is_none()),
        list_name: url_state.as_ref().and_then(|s| s.list_name.clone()),
    };
    if let Some(list) = &capture.list {
        state.add_list(list);
    }
    let list = capture.list.as_deref();
    let name = capture.list_name.as_deref();
    match &record.list_url {
        Some(url) if state.note_list_page(list, url, name) => {
            state.list_title = capture.list_title.clone().filter(|_| waiting);
            state.list_date = capture.list_date.clone().filter(|_| waiting);
        }
        Some(_) => {}
        None => {
            state.note_list_name(list, name);
        }
    }
    crate::store::failures::reindex(&indexes, &record.url, url_state.as_ref(), Some(&state))?;
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

fn next_seq(meta: &TransactionalTree) -> TxResult<u64> {
    let current = match meta.get("last_seq")? {
        Some(bytes) => crate::store::seq_of(&bytes),
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
