//! Small indexes that `status` and start-up read instead of scanning the version table: per-portal
//! counts (`portal_counts`: portal -> documents, versions, annual reports) and the versions not
//! yet in WARC (`warc_pending`: seq -> ()). Both are written in the same sled transaction as the
//! version they count, so a crash never leaves them disagreeing with it; a store written before
//! they existed gets them from one scan at open (rebuilt from scratch until a marker says done),
//! and so does a store an older nianbao committed to since (the counts name the last seq they
//! counted, checked at open; a WARC write the older one recorded is filtered out on reading).

use std::collections::BTreeMap;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};

use super::docs::PortalCounts;
use super::{Store, StoreError, TxResult, decode_json, seq_of};
use crate::export::ExportRecord;

/// Marks a store whose counts and WARC-pending index are complete.
const TALLY_MARKER: &str = "tally_index_v1";
/// In `portal_counts`, the last seq counted (no portal name starts with a NUL byte).
const COUNTED_SEQ: &[u8] = b"\0counted_seq";

fn encode(c: &PortalCounts) -> [u8; 24] {
    let mut bytes = [0u8; 24];
    bytes[..8].copy_from_slice(&c.documents.to_be_bytes());
    bytes[8..16].copy_from_slice(&c.versions.to_be_bytes());
    bytes[16..].copy_from_slice(&c.annual_reports.to_be_bytes());
    bytes
}

fn decode(portal: &str, bytes: &[u8]) -> Result<PortalCounts, StoreError> {
    if bytes.len() != 24 {
        return Err(StoreError::Corrupt {
            key: format!("portal_counts {portal}"),
            source: serde::de::Error::custom(format!("{} bytes, expected 24", bytes.len())),
        });
    }
    Ok(PortalCounts {
        documents: seq_of(&bytes[..8]),
        versions: seq_of(&bytes[8..16]),
        annual_reports: seq_of(&bytes[16..]),
    })
}

/// Inside the commit's transaction: counts a new version (`first`: of a new document) and notes
/// it as waiting for WARC.
pub(super) fn tx_count_version(
    counts: &TransactionalTree,
    pending: &TransactionalTree,
    record: &ExportRecord,
    first: bool,
    seq: u64,
) -> TxResult<()> {
    let mut c = match counts.get(record.portal.as_bytes())? {
        Some(bytes) => {
            decode(&record.portal, &bytes).map_err(ConflictableTransactionError::Abort)?
        }
        None => PortalCounts::default(),
    };
    c.versions += 1;
    if first {
        c.documents += 1;
        if record.is_annual_report {
            c.annual_reports += 1;
        }
    }
    counts.insert(record.portal.as_bytes(), &encode(&c))?;
    counts.insert(COUNTED_SEQ, &seq.to_be_bytes())?;
    pending.insert(&seq.to_be_bytes(), &[])?;
    Ok(())
}

impl Store {
    /// Per-portal counts of documents and versions, from the counts index.
    pub fn portal_counts(&self) -> Result<BTreeMap<String, PortalCounts>, StoreError> {
        let mut all = BTreeMap::new();
        for entry in self.portal_counts.iter() {
            let (key, value) = entry?;
            if *key == *COUNTED_SEQ {
                continue;
            }
            let portal = String::from_utf8_lossy(&key).into_owned();
            let counts = decode(&portal, &value)?;
            all.insert(portal, counts);
        }
        Ok(all)
    }

    /// The same counts from a scan of every version (what the index replaces; kept to check it
    /// and to rebuild it).
    pub fn portal_counts_by_scan(&self) -> Result<BTreeMap<String, PortalCounts>, StoreError> {
        let mut counts: BTreeMap<String, PortalCounts> = BTreeMap::new();
        for entry in self.versions.iter() {
            let (key, value) = entry?;
            let record: ExportRecord = decode_json(&format!("version {}", seq_of(&key)), &value)?;
            let c = counts.entry(record.portal.clone()).or_default();
            c.versions += 1;
            if record.version == 1 {
                c.documents += 1;
                if record.is_annual_report {
                    c.annual_reports += 1;
                }
            }
        }
        Ok(counts)
    }

    /// Versions after `since` whose captures are not in WARC yet, in seq order: one range scan
    /// of the WARC-pending index.
    pub fn warc_pending(&self, since: u64) -> Result<Vec<u64>, StoreError> {
        let mut pending = Vec::new();
        for entry in self
            .warc_pending
            .range(since.saturating_add(1).to_be_bytes()..)
        {
            let (key, _) = entry?;
            // Written by an older nianbao, which did not clear the pending entry.
            if self.warc_written.contains_key(&key)? {
                continue;
            }
            pending.push(seq_of(&key));
        }
        Ok(pending)
    }

    /// The same from a scan of every version against the written set.
    pub fn warc_pending_by_scan(&self, since: u64) -> Result<Vec<u64>, StoreError> {
        let mut pending = Vec::new();
        for entry in self.versions.range(since.saturating_add(1).to_be_bytes()..) {
            let (key, _) = entry?;
            if !self.warc_written.contains_key(&key)? {
                pending.push(seq_of(&key));
            }
        }
        Ok(pending)
    }

    /// Marks version `seq` as written to WARC: the written mark first, then the pending entry's
    /// removal. Not a transaction: sled seals and writes its log buffer twice for every
    /// transaction, and a crash between the two writes leaves a pending entry that
    /// `warc_pending` skips because the mark is there (sled recovers a prefix of its log).
    pub(super) fn mark_warc_written(&self, seq: u64) -> Result<(), StoreError> {
        let key = seq.to_be_bytes();
        self.warc_written
            .insert(key, &[])
            .and_then(|_| self.warc_pending.remove(key))
            .map(drop)
            .map_err(|e| self.noted(e.into()))
    }

    /// Builds both indexes of a store written before they existed (or whose build was cut
    /// short): cleared, rebuilt from one scan of the versions, flushed, then marked done. A
    /// crash before the marker only means the next open builds them again.
    pub(super) fn migrate_tallies(&self) -> Result<(), StoreError> {
        let counted = self
            .portal_counts
            .get(COUNTED_SEQ)?
            .map_or(0, |b| seq_of(&b));
        if self.meta.contains_key(TALLY_MARKER)? && counted == self.last_seq()? {
            return Ok(());
        }
        self.portal_counts.clear()?;
        self.warc_pending.clear()?;
        for (portal, counts) in self.portal_counts_by_scan()? {
            self.portal_counts
                .insert(portal.as_bytes(), &encode(&counts))?;
        }
        let pending = self.warc_pending_by_scan(0)?;
        for seq in &pending {
            self.warc_pending.insert(seq.to_be_bytes(), &[])?;
        }
        self.portal_counts
            .insert(COUNTED_SEQ, &self.last_seq()?.to_be_bytes())?;
        self.db.flush()?;
        self.meta.insert(TALLY_MARKER, &[])?;
        self.db.flush()?;
        if self.last_seq()? > 0 {
            tracing::info!(
                pending = pending.len(),
                "built the archive's counts index (once, for a store from an earlier version)"
            );
        }
        Ok(())
    }
}
