//! The same-report index: `same_report/` portal NUL year NUL title key -> the annual reports
//! archived under it, each with its issuing body's key and its article text's fingerprint. A
//! commit that makes a new document reads the one entry its record names, so finding the
//! archived report it re-publishes (see `crate::same_report`) reads a handful of documents,
//! never the store. Links are counted per portal under `same_report_linked/` portal. Kept in
//! the `meta` tree: a sled transaction takes at most 14 trees, and a commit already writes 14.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;

use super::{Store, StoreError, TxResult, decode_json, seq_of};
use crate::export::ExportRecord;
use crate::same_report::{Fingerprint, SameReport, body_key, same_report, title_key};

/// Prefix of the index's keys in `meta`.
const ENTRIES: &str = "same_report/";
/// Prefix of the per-portal link counts in `meta`.
const LINKED: &str = "same_report_linked/";
/// Marks a store whose older reports are in the index.
const INDEX_MARKER: &str = "same_report_index_v1";
/// Marks a store whose index holds reports without a fingerprint (indexed by the migration):
/// its value is how many are left (8 bytes, big-endian), and it goes with the last of them.
const UNREAD_MARKER: &str = "same_report_unread";
/// The document the migration of an older store got to (resumed from after a crash).
const INDEX_CURSOR: &str = "same_report_index_cursor";
/// Documents the migration indexes between two saves of its cursor.
const INDEX_STEP: usize = 1000;
/// The most archived reports read back for one new report (a key holds a handful).
const UNREAD_AT_ONCE: usize = 16;

/// What a page is looked up by in the index (`Store::same_report_of_page`).
#[derive(Debug, Clone, Copy)]
pub struct SameReportLookup<'a> {
    pub portal: &'a str,
    pub year: i32,
    pub title: &'a str,
    pub issuing_body: Option<&'a str>,
    /// The page's own URL: an archived document there is the page itself.
    pub url: &'a str,
}

/// One archived report under a lookup key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Entry {
    pub id: String,
    /// The issuing body's key (`crate::same_report::body_key`); None when the record named none.
    pub body: Option<String>,
    /// The article text's fingerprint; None for a report indexed from an older store until a
    /// crawl reads it back (none is linked to it before).
    pub fingerprint: Option<Fingerprint>,
}

/// The lookup key of a record: None for one that is no annual report, or has no year or title.
fn key_of(record: &ExportRecord) -> Option<String> {
    let year = record.report_year.filter(|_| record.is_annual_report)?;
    key(&record.portal, year, record.title.as_deref()?)
}

/// The lookup key of a portal's report of `year` titled `title`; None for an empty title key.
fn key(portal: &str, year: i32, title: &str) -> Option<String> {
    let title = title_key(title);
    (!title.is_empty()).then(|| format!("{ENTRIES}{portal}\0{year}\0{title}"))
}

/// Of `entries`, the report with issuing body `body` that `new` is the same report as, the one
/// whose text is nearest; entries `skip` refuses are not compared.
fn nearest(
    entries: &[Entry],
    body: &Option<String>,
    new: &Fingerprint,
    skip: impl Fn(&Entry) -> bool,
) -> Option<SameReport> {
    entries
        .iter()
        .filter(|e| &e.body == body && !skip(e))
        .filter_map(|e| {
            let evidence = same_report(e.fingerprint.as_ref()?, new)?;
            Some(SameReport {
                id: e.id.clone(),
                evidence,
            })
        })
        .max_by(|a, b| a.evidence.text_jaccard.total_cmp(&b.evidence.text_jaccard))
}

/// The entries under `key`. An entry an earlier version or a cut write left unreadable is
/// taken as none, with a warning naming it, and is written afresh by this commit: the index is
/// derived (the reports are in the store whatever it says), and refusing the commit would keep
/// every later report under that key out of the archive, night after night.
fn tx_entries(tree: &TransactionalTree, key: &str) -> TxResult<Vec<Entry>> {
    match tree.get(key)? {
        Some(bytes) => Ok(decode_json(key, &bytes).unwrap_or_else(|e| {
            tracing::warn!("{e}: taken as no earlier report; this commit writes it afresh");
            Vec::new()
        })),
        None => Ok(Vec::new()),
    }
}

fn tx_put_entries(tree: &TransactionalTree, key: &str, entries: &[Entry]) -> TxResult<()> {
    let bytes =
        serde_json::to_vec(entries).expect("index entries serialise: strings and numbers only");
    tree.insert(key.as_bytes(), bytes)?;
    Ok(())
}

/// Inside the commit of new document `id`: the archived report it is the same as, if any, and
/// its own entry written. Of several that qualify, the one whose text is nearest.
pub(super) fn tx_link_new(
    tree: &TransactionalTree,
    record: &ExportRecord,
    fingerprint: Option<&Fingerprint>,
    id: &str,
) -> TxResult<Option<SameReport>> {
    let Some(key) = key_of(record) else {
        return Ok(None);
    };
    let mut entries = tx_entries(tree, &key)?;
    let body = body_key(record.issuing_body.as_deref());
    let link = fingerprint.and_then(|new| nearest(&entries, &body, new, |e| e.id == id));
    entries.retain(|e| e.id != id);
    entries.push(Entry {
        id: id.to_string(),
        body,
        fingerprint: fingerprint.cloned(),
    });
    tx_put_entries(tree, &key, &entries)?;
    if link.is_some() {
        let counter = format!("{LINKED}{}", record.portal);
        let n = tree.get(counter.as_bytes())?.map_or(0, |b| seq_of(&b));
        tree.insert(counter.as_bytes(), &n.saturating_add(1).to_be_bytes())?;
    }
    Ok(link)
}

/// Inside the commit of a new version of document `id`: its entry under the version's key
/// holds the new text's fingerprint (a report compared later is compared with its latest text).
pub(super) fn tx_note_version(
    tree: &TransactionalTree,
    record: &ExportRecord,
    fingerprint: Option<&Fingerprint>,
    id: &str,
) -> TxResult<()> {
    let (Some(key), Some(fingerprint)) = (key_of(record), fingerprint) else {
        return Ok(());
    };
    let mut entries = tx_entries(tree, &key)?;
    if entries
        .iter()
        .any(|e| e.id == id && e.fingerprint.is_none())
    {
        // An older store's report that a new version fingerprints: one fewer to read back.
        if let Some(left) = tree.get(UNREAD_MARKER)? {
            match seq_of(&left) {
                0 | 1 => {
                    tree.remove(UNREAD_MARKER)?;
                }
                n => {
                    tree.insert(UNREAD_MARKER, &(n - 1).to_be_bytes())?;
                }
            }
        }
    }
    entries.retain(|e| e.id != id);
    entries.push(Entry {
        id: id.to_string(),
        body: body_key(record.issuing_body.as_deref()),
        fingerprint: Some(fingerprint.clone()),
    });
    tx_put_entries(tree, &key, &entries)
}

impl Store {
    /// Per portal, the documents linked to an archived report as the same report.
    pub fn linked_counts(&self) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut counts = BTreeMap::new();
        for entry in self.meta.scan_prefix(LINKED.as_bytes()) {
            let (key, value) = entry?;
            let portal = String::from_utf8_lossy(&key[LINKED.len()..]).into_owned();
            // A count of another length read as one would be a wrong count: say so instead.
            let count: [u8; 8] = value
                .as_ref()
                .try_into()
                .map_err(|_| StoreError::BadCount {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    len: value.len(),
                })?;
            counts.insert(portal, u64::from_be_bytes(count));
        }
        Ok(counts)
    }

    /// The latest records of the archived reports under `record`'s lookup key that have no
    /// fingerprint yet (indexed from an older store), at most [`UNREAD_AT_ONCE`].
    pub fn same_report_unread(
        &self,
        record: &ExportRecord,
    ) -> Result<Vec<ExportRecord>, StoreError> {
        let Some(key) = key_of(record) else {
            return Ok(Vec::new());
        };
        let entries: Vec<Entry> = match self.meta.get(&key)? {
            Some(bytes) => decode_json(&key, &bytes)?,
            None => return Ok(Vec::new()),
        };
        let mut unread = Vec::new();
        for entry in entries.iter().filter(|e| e.fingerprint.is_none()) {
            if unread.len() == UNREAD_AT_ONCE {
                break;
            }
            if let Some(doc) = self.docs.get(&entry.id)?
                && let Some(old) = self.latest_record(entry.id.as_bytes(), &doc)?
            {
                unread.push(old);
            }
        }
        Ok(unread)
    }

    /// The archived report a page not committed is the same report as, with the URL of its
    /// latest version: `nianbao inspect`'s look-up, which writes nothing. The page is `portal`'s
    /// annual report of `year` titled `title` by `issuing_body`, at `url`; an archived document
    /// whose latest version is at that URL is the page itself, not compared.
    pub fn same_report_of_page(
        &self,
        page: SameReportLookup<'_>,
        fingerprint: &Fingerprint,
    ) -> Result<Option<(SameReport, String)>, StoreError> {
        let Some(key) = key(page.portal, page.year, page.title) else {
            return Ok(None);
        };
        let entries: Vec<Entry> = match self.meta.get(&key)? {
            Some(bytes) => decode_json(&key, &bytes)?,
            None => return Ok(None),
        };
        let mut urls = BTreeMap::new();
        for entry in &entries {
            if let Some(doc) = self.docs.get(&entry.id)?
                && let Some(record) = self.latest_record(entry.id.as_bytes(), &doc)?
            {
                urls.insert(entry.id.clone(), record.url);
            }
        }
        let body = body_key(page.issuing_body);
        let same = nearest(&entries, &body, fingerprint, |e| {
            urls.get(&e.id).is_none_or(|u| u == page.url)
        });
        Ok(same.map(|same| {
            let url = urls.get(&same.id).cloned().unwrap_or_default();
            (same, url)
        }))
    }

    /// Whether the index may hold reports without a fingerprint: false for a store that began
    /// with the index, and for an older one once the last of its reports is fingerprinted, so
    /// that its crawl never looks for reports to read back.
    pub fn same_report_unread_possible(&self) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        if !self.same_unread.load(SeqCst) {
            return false;
        }
        // The mark goes inside a commit too (a new version of an older report): read it. A
        // failed read keeps looking (the read-back is only slower).
        let left = self.meta.contains_key(UNREAD_MARKER).unwrap_or(true);
        if !left {
            self.same_unread.store(false, SeqCst);
        }
        left
    }

    /// Keeps the fingerprint of the archived report whose latest record is `old`, in its entry.
    /// An entry that does not read (an earlier version's value, a cut write) is left as it is,
    /// with a warning naming its key, as `tx_entries` leaves it: the next commit under that key
    /// writes it afresh. Removing it here would lose the bytes without a word.
    pub fn set_same_report_fingerprint(
        &self,
        old: &ExportRecord,
        fingerprint: &Fingerprint,
    ) -> Result<(), StoreError> {
        let Some(key) = key_of(old) else {
            return Ok(());
        };
        // Atomic on the key: a commit writing the same entry meanwhile is not overwritten (its
        // transaction retries on the changed key, or this update runs again on its result).
        let mut unreadable = None;
        let before = self.meta.fetch_and_update(key.as_bytes(), |bytes| {
            let bytes = bytes?;
            let mut entries: Vec<Entry> = match decode_json(&key, bytes) {
                Ok(entries) => entries,
                Err(e) => {
                    unreadable = Some(e);
                    return Some(bytes.to_vec());
                }
            };
            unreadable = None;
            for entry in entries.iter_mut().filter(|e| e.id == old.id) {
                entry.fingerprint = Some(fingerprint.clone());
            }
            Some(
                serde_json::to_vec(&entries)
                    .expect("index entries serialise: strings and numbers only"),
            )
        })?;
        if let Some(e) = unreadable {
            tracing::warn!(
                "{e}: left as it is, its fingerprint not kept; the next commit under it writes it afresh"
            );
        }
        let was_unread = before
            .and_then(|bytes| serde_json::from_slice::<Vec<Entry>>(&bytes).ok())
            .is_some_and(|entries| {
                entries
                    .iter()
                    .any(|e| e.id == old.id && e.fingerprint.is_none())
            });
        if was_unread {
            // One fewer to read back; the mark goes with the last.
            self.meta.fetch_and_update(UNREAD_MARKER, |left| {
                let n = seq_of(left?);
                (n > 1).then(|| (n - 1).to_be_bytes().to_vec())
            })?;
        }
        self.flush()
    }

    /// Test hook: the store as an earlier version left it, without the same-report index (its
    /// next opening builds it again, without fingerprints). Never call it outside a test.
    #[doc(hidden)]
    pub fn forget_same_report_index(&self) -> Result<(), StoreError> {
        let keys: Vec<sled::IVec> = self
            .meta
            .scan_prefix(ENTRIES.as_bytes())
            .keys()
            .collect::<Result<_, _>>()?;
        for key in keys {
            self.meta.remove(key)?;
        }
        self.meta.remove(INDEX_MARKER)?;
        self.flush()
    }

    /// Indexes the annual reports of a store written before the index existed: one pass over
    /// the documents, each read with its latest version's record (no raw file is read), its
    /// cursor saved every thousand documents so that an interrupted pass resumes where it was;
    /// then a marker key. Their texts are not fingerprinted here: a crawl reads them back when
    /// a new report under their key comes (`same_report_unread`). Unreadable records are logged
    /// and skipped.
    pub(super) fn migrate_same_report_index(&self) -> Result<(), StoreError> {
        let unread = |store: &Store| -> Result<(), StoreError> {
            if let Some(left) = store.meta.get(UNREAD_MARKER)?
                && left.len() != 8
            {
                // Set when the pass began, or by a version that kept no count: count them.
                store.count_unread()?;
            }
            let any = store.meta.contains_key(UNREAD_MARKER)?;
            store
                .same_unread
                .store(any, std::sync::atomic::Ordering::SeqCst);
            Ok(())
        };
        if self.meta.contains_key(INDEX_MARKER)? {
            return unread(self);
        }
        let start = self
            .meta
            .get(INDEX_CURSOR)?
            .map(|c| c.to_vec())
            .unwrap_or_default();
        if !self.docs.is_empty() {
            // Any document may be a report indexed below without a fingerprint. Saved with the
            // first cursor, before any entry is.
            self.meta.insert(UNREAD_MARKER, &[])?;
        }
        let mut indexed = 0usize;
        for (read, item) in self.docs.range(start..).enumerate() {
            let (key, value) = item?;
            if read % INDEX_STEP == INDEX_STEP - 1 {
                self.meta.insert(INDEX_CURSOR, key.as_ref())?;
                self.flush()?;
            }
            let Some(record) = self.latest_record(&key, &value)? else {
                continue;
            };
            if let Some(index_key) = key_of(&record) {
                let mut entries: Vec<Entry> = match self.meta.get(&index_key)? {
                    Some(bytes) => decode_json(&index_key, &bytes)?,
                    None => Vec::new(),
                };
                if !entries.iter().any(|e| e.id == record.id) {
                    entries.push(Entry {
                        id: record.id.clone(),
                        body: body_key(record.issuing_body.as_deref()),
                        fingerprint: None,
                    });
                    let bytes = serde_json::to_vec(&entries)
                        .expect("index entries serialise: strings and numbers only");
                    self.meta.insert(index_key.as_bytes(), bytes)?;
                }
                indexed += 1;
            }
        }
        self.meta.insert(INDEX_MARKER, &[])?;
        self.meta.remove(INDEX_CURSOR)?;
        self.flush()?;
        unread(self)?;
        if indexed > 0 {
            tracing::info!(
                reports = indexed,
                "indexed the archived reports by year and title (once, for a store from an earlier version)"
            );
        }
        Ok(())
    }

    /// Counts the index's entries without a fingerprint into the read-back mark, or removes it
    /// when there are none. Reads the whole index: once, after the pass that builds it.
    fn count_unread(&self) -> Result<(), StoreError> {
        let mut left = 0u64;
        for item in self.meta.scan_prefix(ENTRIES.as_bytes()) {
            let (key, value) = item?;
            let name = String::from_utf8_lossy(&key).into_owned();
            match decode_json::<Vec<Entry>>(&name, &value) {
                Ok(entries) => {
                    left += entries.iter().filter(|e| e.fingerprint.is_none()).count() as u64
                }
                // Its reports are not read back anyway (`same_report_unread` fails on it).
                Err(e) => tracing::warn!("same-report index entry unreadable, not counted: {e}"),
            }
        }
        if left == 0 {
            self.meta.remove(UNREAD_MARKER)?;
        } else {
            self.meta.insert(UNREAD_MARKER, &left.to_be_bytes())?;
        }
        self.flush()
    }

    /// The latest version's record of the document stored as `value` under `key`, or None when
    /// either cannot be read (logged).
    fn latest_record(&self, key: &[u8], value: &[u8]) -> Result<Option<ExportRecord>, StoreError> {
        let id = String::from_utf8_lossy(key).into_owned();
        let doc: super::DocRecord = match decode_json(&id, value) {
            Ok(doc) => doc,
            Err(e) => {
                tracing::warn!("document {id} is unreadable, not indexed: {e}");
                return Ok(None);
            }
        };
        let Some(seq) = doc.seqs.last() else {
            return Ok(None);
        };
        let Some(bytes) = self.versions.get(seq.to_be_bytes())? else {
            return Ok(None);
        };
        match decode_json::<ExportRecord>(&format!("version {seq}"), &bytes) {
            Ok(record) => Ok(Some(record)),
            Err(e) => {
                tracing::warn!("version {seq} of document {id} is unreadable, not indexed: {e}");
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests;
