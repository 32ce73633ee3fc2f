//! Archive files into storage during a crawl: every file a new version's record names (the raw
//! page, the wire bodies, the attachments and their text) is put before the store commits the
//! record, so nothing in the index points at an object that is not there. The puts run on the
//! storage's runtime while this task waits, holding neither a CPU nor a disk permit.

use std::collections::BTreeMap;

use super::Engine;
use crate::store::NewCapture;

impl Engine {
    /// Puts the files `new` names into storage; nothing to do with data_dir storage. An error
    /// names the key and fails the item (it is fetched again next time), never the run.
    ///
    /// A file missing from data_dir is skipped: this crawl writes every file it stores there, so
    /// a missing one is a file a revisit kept from the version before (an attachment answered
    /// 304, a page answered 304) that the cache no longer holds, and it went into storage before
    /// that version was committed.
    pub(super) async fn put_version_files(&self, new: &NewCapture) -> anyhow::Result<()> {
        if !self.storage.is_remote() {
            return Ok(());
        }
        // Raw keys with their sha256 (content-addressed), then text keys (named by the raw
        // file's sha256, derived from it: a better tool may derive a different text).
        let mut raw: BTreeMap<String, String> = BTreeMap::new();
        let mut text: Vec<String> = Vec::new();
        let record = &new.record;
        raw.insert(record.raw_path.clone(), record.sha256.clone());
        for exchange in &new.exchanges {
            raw.insert(exchange.wire_path.clone(), exchange.wire_sha256.clone());
        }
        text.extend(record.text.text_path.clone());
        for attachment in &record.attachments {
            if let (Some(path), Some(sha)) = (&attachment.raw_path, &attachment.sha256) {
                raw.insert(path.clone(), sha.clone());
            }
            text.extend(attachment.text.text_path.clone());
        }
        let cached = |key: &str| {
            let present = self.archive.absolute(key).is_file();
            if !present {
                tracing::debug!(
                    key,
                    "kept from an earlier version, not in the cache: not put again"
                );
            }
            present
        };
        raw.retain(|key, _| cached(key));
        text.retain(|key| cached(key));
        for (key, sha256) in raw {
            let archive = self.archive.clone();
            let path = key.clone();
            let bytes = self
                // As stored: a compressed file goes up compressed, under the same `.zst` key.
                .blocking_io(move || archive.read_stored(&path, &sha256))
                .await??;
            self.storage.put_create(&key, bytes).await?;
        }
        for key in text {
            self.put_text(&key).await?;
        }
        Ok(())
    }

    /// Puts the derived text file `key` into storage. Derived again, differently (text is not
    /// content-addressed), it replaces the object, as data_dir's copy was replaced.
    pub(super) async fn put_text(&self, key: &str) -> anyhow::Result<()> {
        let path = self.archive.absolute(key);
        let bytes = self
            .blocking_io(move || std::fs::read(&path).map_err(|e| (path, e)))
            .await?
            .map_err(|(path, e)| {
                anyhow::Error::new(e).context(format!("cannot read {}", path.display()))
            })?;
        self.storage.put_derived(key, bytes).await?;
        Ok(())
    }
}
