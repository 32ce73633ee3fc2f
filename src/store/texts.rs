//! Versions whose files' text is still to be derived although nothing about the files stands in
//! the way: a reading stopped from outside (`interrupted`), or a tool that was not installed
//! (`missing:pdftotext`). Each is marked in the `meta` tree under `text_waiting/<seq>`, with
//! its reasons, in the transaction that commits the version, and the mark follows the record as
//! `nianbao text` or a crawl derives its text again. A crawl takes the marked versions up without
//! reading the archive.

use sled::transaction::TransactionalTree;

use super::{Store, StoreError, TxResult, seq_of};
use crate::export::ExportRecord;

const PREFIX: &[u8] = b"text_waiting/";
/// Marks a store whose versions were scanned for waiting texts (those of earlier versions of
/// nianbao, committed before the marks existed).
const SCANNED_MARKER: &str = "text_waiting_scan_v1";

fn key(seq: u64) -> Vec<u8> {
    [PREFIX, &seq.to_be_bytes()].concat()
}

/// Why some file of `record` waits for its text (`interrupted`, `missing:pdftotext`, `,` between
/// them), or `None` when none does.
pub fn text_waiting(record: &ExportRecord) -> Option<String> {
    let mut reasons: Vec<String> = std::iter::once(&record.text)
        .chain(
            record
                .attachments
                .iter()
                .filter(|a| a.sha256.is_some())
                .map(|a| &a.text),
        )
        .filter_map(|info| info.waiting())
        .collect();
    reasons.sort();
    reasons.dedup();
    (!reasons.is_empty()).then(|| reasons.join(","))
}

/// Marks the version `seq` of `record` in the commit's transaction when a file of it waits.
pub(super) fn tx_mark(meta: &TransactionalTree, record: &ExportRecord, seq: u64) -> TxResult<()> {
    if let Some(reasons) = text_waiting(record) {
        meta.insert(key(seq), reasons.as_bytes())?;
    }
    Ok(())
}

impl Store {
    /// The versions after seq `after` whose text waits, oldest first, with their reasons.
    pub fn texts_waiting(
        &self,
        after: u64,
    ) -> impl Iterator<Item = Result<(u64, String), StoreError>> + '_ {
        let end = [PREFIX, &u64::MAX.to_be_bytes()].concat();
        let start = key(after.saturating_add(1));
        self.meta.range(start..=end).filter_map(|entry| {
            let (k, v) = match entry {
                Ok(kv) => kv,
                Err(e) => return Some(Err(e.into())),
            };
            // A mark an earlier version or a cut write left (a key of another length, reasons
            // that are not UTF-8) would be a version that does not wait, or counted twice.
            let seq = k.get(PREFIX.len()..).filter(|s| s.len() == 8).map(seq_of);
            match (seq, std::str::from_utf8(&v)) {
                (Some(seq), Ok(reasons)) => Some(Ok((seq, reasons.to_string()))),
                _ => {
                    let key = String::from_utf8_lossy(&k);
                    tracing::warn!(%key, "unreadable waiting-text mark skipped");
                    None
                }
            }
        })
    }

    /// Marks the waiting texts of a store written before the marks existed: one scan of the
    /// versions, once (a marker key records that it was done; a scan cut short by a crash runs
    /// again and writes the same marks). Unreadable versions are logged and skipped.
    pub(super) fn migrate_text_waiting(&self) -> Result<(), StoreError> {
        if self.meta.contains_key(SCANNED_MARKER)? {
            return Ok(());
        }
        let mut marked = 0u64;
        for entry in self.versions.iter() {
            let (key, value) = entry?;
            let seq = seq_of(&key);
            match serde_json::from_slice::<ExportRecord>(&value) {
                Ok(record) => {
                    if let Some(reasons) = text_waiting(&record) {
                        self.meta.insert(self::key(seq), reasons.as_bytes())?;
                        marked += 1;
                    }
                }
                Err(e) => {
                    tracing::warn!(seq, error = %e, "version record unreadable; its text is not marked")
                }
            }
        }
        self.meta.insert(SCANNED_MARKER, &[])?;
        self.flush()?;
        if marked > 0 {
            tracing::info!(
                versions = marked,
                "marked the versions whose text waits (once, for a store from an earlier version): the next crawl derives them"
            );
        }
        Ok(())
    }

    /// Marks or clears version `seq` as its record now says.
    pub(super) fn mark_text_waiting(
        &self,
        seq: u64,
        record: &ExportRecord,
    ) -> Result<(), StoreError> {
        match text_waiting(record) {
            Some(reasons) => self.meta.insert(key(seq), reasons.as_bytes())?,
            None => self.meta.remove(key(seq))?,
        };
        Ok(())
    }
}
