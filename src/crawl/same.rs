//! Before an annual report is committed: the archived reports under its lookup key that the
//! same-report index holds without a fingerprint (indexed from a store of an earlier version)
//! are read back from their raw files and fingerprinted, so that the commit can tell whether the
//! new page re-publishes one of them (see `crate::same_report`). Each is read once: its
//! fingerprint is kept.

use std::sync::Arc;

use super::Engine;
use crate::export::ExportRecord;

impl Engine {
    /// Fingerprints the archived reports `record` will be compared with that have none yet. A
    /// report that cannot be read back is logged and left without one (it is not linked to).
    pub(super) async fn fingerprint_unread(&self, record: &ExportRecord) {
        if !self.store.same_report_unread_possible() {
            return;
        }
        let (store, storage, archive) = (
            Arc::clone(&self.store),
            self.storage.clone(),
            self.archive.clone(),
        );
        let (url, record) = (record.url.clone(), record.clone());
        let read = self
            .blocking_io(move || -> anyhow::Result<()> {
                for old in store.same_report_unread(&record)? {
                    let read = storage
                        .cached_raw(&old.raw_path, &old.sha256)
                        .map_err(anyhow::Error::from)
                        .and_then(|_| Ok(archive.read_verified(&old.raw_path, &old.sha256)?));
                    let body = match read {
                        Ok(body) => body,
                        Err(e) => {
                            tracing::warn!(url = %old.url, raw = %old.raw_path, "cannot read the archived report back to compare a new one with it: {e:#}");
                            continue;
                        }
                    };
                    let encoding = old
                        .charset
                        .as_deref()
                        .and_then(|label| encoding_rs::Encoding::for_label(label.as_bytes()))
                        .unwrap_or(encoding_rs::UTF_8);
                    let (html, _, _) = encoding.decode(&body);
                    let fingerprint = crate::page::parse(&html)
                        .ok()
                        .and_then(|parsed| crate::same_report::fingerprint_of_doc(&parsed.doc));
                    if let Some(fingerprint) = fingerprint {
                        store.set_same_report_fingerprint(&old, &fingerprint)?;
                    }
                }
                Ok(())
            })
            .await;
        match read {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(url = %url, "cannot fingerprint the archived reports to compare with: {e:#}")
            }
            Err(e) => tracing::warn!("the fingerprinting of archived reports failed: {e}"),
        }
    }
}
