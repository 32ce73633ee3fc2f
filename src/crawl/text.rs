//! Attachments' text during a crawl: a stored document file's text is derived on the CPU pool
//! (one permit per core, off the network threads), under a time limit, with panics and tool
//! failures recorded in the attachment's record and counted in the run report. It never fails
//! the item: the raw file is archived whatever becomes of its text.

use std::time::Duration;

use super::Engine;
use crate::archive::StoredBlob;
use crate::classify::PageKind;
use crate::fetch::Capture;
use crate::text::{self, TextInfo};

/// How much longer than the tool's own limit (`[crawl] text_time_limit`) the crawl waits for one
/// file's text: slack for reading and writing. The blocking task keeps its CPU permit until it
/// ends.
const TEXT_SLACK: Duration = Duration::from_secs(30);
/// Longest a run spends on the texts earlier runs left waiting (`take_up_texts`).
const TAKE_UP_BUDGET: Duration = Duration::from_secs(600);

/// The text of a file whose reading the crawl stopped waiting for after `limit`: a failure of
/// the night, so the file waits. A file read again (`earlier`) keeps the text an earlier attempt
/// gave (a zip's entries that did read), so that giving up on the new attempt loses nothing.
fn abandoned(earlier: Option<TextInfo>, limit: Duration) -> TextInfo {
    let error = format!(
        "text derivation took longer than {}; abandoned",
        text::limit_text(limit)
    );
    match earlier.filter(|e| e.text_path.is_some()) {
        Some(earlier) => TextInfo {
            text_error: Some(error),
            text_retry: Some(text::TIMED_OUT.to_string()),
            ..earlier
        },
        None => TextInfo {
            text_error: Some(error),
            ..TextInfo::default()
        }
        .first_attempt(text::TIMED_OUT),
    }
}

impl Engine {
    /// Derives and stores the text of a stored raw file, when it is a format with text.
    pub(super) async fn derive_text(
        &self,
        portal: &str,
        url: &str,
        sha256: &str,
        raw_path: &str,
        body: bytes::Bytes,
    ) -> Option<TextInfo> {
        text::sniff(&body)?;
        let info = self
            .derive_stored(sha256, raw_path, Some(body), None)
            .await?;
        match &info.text_error {
            Some(error) => {
                tracing::warn!(url, source = ?info.text_source, "attachment text: {error}")
            }
            None => tracing::debug!(url, source = ?info.text_source, "attachment text derived"),
        }
        let outcome = info.outcome();
        self.report(portal, |r| {
            *r.attachment_texts.entry(outcome).or_default() += 1
        });
        Some(info)
    }

    /// Derives the text of a stored raw file on the CPU pool, under the time limit: `None` when
    /// it is not a format with text. `body` is the file's bytes when the caller has them;
    /// `earlier` the attempt a file waiting for its text had (`text::derive_again`).
    async fn derive_stored(
        &self,
        sha256: &str,
        raw_path: &str,
        body: Option<bytes::Bytes>,
        earlier: Option<TextInfo>,
    ) -> Option<TextInfo> {
        let permit = self.cpu_permit().await;
        let kept = earlier.clone();
        let (archive, tools) = (self.archive.clone(), self.text_tools.clone());
        let (sha, path) = (sha256.to_string(), raw_path.to_string());
        let work = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            match &earlier {
                Some(earlier) => text::derive_again(&archive, &tools, &sha, &path, earlier),
                None => text::derive_and_store(&archive, &tools, &sha, &path, body.as_deref()),
            }
        });
        let limit = self.text_tools.time_limit() + TEXT_SLACK;
        Some(match tokio::time::timeout(limit, work).await {
            Ok(Ok(info)) => info?,
            Ok(Err(e)) => TextInfo {
                text_error: Some(format!("text derivation failed: {e}")),
                ..TextInfo::default()
            },
            Err(_) => abandoned(kept, limit),
        })
    }

    /// Derives the texts earlier runs left waiting (`store::text_waiting`: a reading stopped
    /// from outside, a tool that was not installed then, or a reading that ran past its time
    /// limit or whose reader died, until its last attempt), one file at a time, oldest version
    /// first, for at most [`TAKE_UP_BUDGET`] a run and until the run is stopped; the rest waits
    /// for the next run (or `nianbao text`). A file waiting for a tool that is still missing is
    /// not read. Counted per portal in the run report's `texts_taken_up`.
    /// Only the versions up to `before_run` (the archive's last seq when the run began) are taken:
    /// a file that timed out tonight is tried again on another night, not later tonight.
    pub(super) async fn take_up_texts(&self, before_run: u64) {
        let started = std::time::Instant::now();
        let tool_found = |reason: &str| self.text_tools.can_take_up(reason);
        let mut after = 0;
        loop {
            let batch: Vec<(u64, String)> = match self.store.texts_waiting(after).take(64).collect()
            {
                Ok(batch) => batch,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the versions whose text waits; the next run tries again");
                    return;
                }
            };
            let Some(&(last, _)) = batch.last() else {
                return;
            };
            after = last;
            for (seq, reasons) in batch {
                if seq > before_run {
                    return;
                }
                if self.stopping.load(std::sync::atomic::Ordering::SeqCst)
                    || started.elapsed() > TAKE_UP_BUDGET
                {
                    return;
                }
                if reasons.split(',').any(tool_found) {
                    self.take_up_version(seq, &tool_found).await;
                }
            }
        }
    }

    async fn take_up_version(&self, seq: u64, tool_found: &impl Fn(&str) -> bool) {
        let mut record = match self.store.record(seq) {
            Ok(Some(record)) => record,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(seq, error = %e, "cannot read a version whose text waits");
                return;
            }
        };
        let portal = record.portal.clone();
        let due = |info: &TextInfo| info.waiting().is_some_and(|r| tool_found(&r));
        let mut files: Vec<(&mut TextInfo, String, String, String)> = Vec::new();
        if due(&record.text) {
            let (url, sha, path) = (
                record.url.clone(),
                record.sha256.clone(),
                record.raw_path.clone(),
            );
            files.push((&mut record.text, url, sha, path));
        }
        for a in &mut record.attachments {
            if let (Some(sha), Some(path)) = (a.sha256.clone(), a.raw_path.clone())
                && due(&a.text)
            {
                files.push((&mut a.text, a.url.clone(), sha, path));
            }
        }
        for (info, url, sha, path) in files {
            // A raw file missing from data_dir comes back from storage.
            if self.storage.is_remote() {
                let (storage, key, sha) = (self.storage.clone(), path.clone(), sha.clone());
                let _ = self
                    .blocking_io(move || storage.cached_raw(&key, &sha))
                    .await;
            }
            let earlier = Some(info.clone());
            let Some(new) = self.derive_stored(&sha, &path, None, earlier).await else {
                continue;
            };
            let new = new.after(info);
            if let Some(key) = new.text_path.clone().filter(|_| self.storage.is_remote())
                && let Err(e) = self.put_text(&key).await
            {
                tracing::warn!(url, key, error = %e, "text derived again but not put into storage; the next run tries again");
                continue;
            }
            match &new.text_error {
                Some(error) => tracing::warn!(url, seq, "text taken up: {error}"),
                None => tracing::info!(url, seq, source = ?new.text_source, "text taken up"),
            }
            let outcome = new.outcome();
            self.report(&portal, |r| {
                *r.texts_taken_up.entry(outcome).or_default() += 1
            });
            *info = new;
        }
        let store = self.store.clone();
        let updated = self
            .blocking_io(move || store.set_text(seq, &record))
            .await
            .map_err(anyhow::Error::from)
            .and_then(|r| r.map_err(anyhow::Error::from));
        if let Err(e) = updated {
            tracing::warn!(seq, error = %e, "cannot update the record of a version whose text was taken up");
        }
    }

    /// The text of a document that is itself a document file (a PDF listed directly); empty
    /// for a web page.
    pub(super) async fn document_text(
        &self,
        portal: &str,
        capture: &Capture,
        kind: &PageKind,
        blob: &StoredBlob,
    ) -> TextInfo {
        if !matches!(kind, PageKind::Attachment { .. }) {
            return TextInfo::default();
        }
        let url = capture.url.as_str();
        let body = capture.body.clone();
        self.derive_text(portal, url, &blob.sha256, &blob.raw_path, body)
            .await
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reading abandoned at its limit waits for another night; one that read a file again
    /// keeps the text and source its earlier attempt gave, and counts one attempt more.
    #[test]
    fn an_abandoned_reading_keeps_what_an_earlier_attempt_read() {
        let limit = Duration::from_secs(90);
        let first = abandoned(None, limit);
        assert_eq!(first.text_retry.as_deref(), Some(text::TIMED_OUT));
        assert_eq!(first.text_attempts, Some(1));
        assert!(first.text_path.is_none());
        assert_eq!(
            first.text_error.as_deref(),
            Some("text derivation took longer than 90s; abandoned")
        );
        let earlier = TextInfo {
            text_path: Some("text/ab/abcd.txt".into()),
            text_source: Some("zip".into()),
            text_error: Some(
                "entry report.pdf: pdftotext ran longer than 60s and was killed".into(),
            ),
            ..TextInfo::default()
        }
        .first_attempt(text::TIMED_OUT);
        let again = abandoned(Some(earlier.clone()), limit).after(&earlier);
        assert_eq!(
            again.text_path, earlier.text_path,
            "the text read before stays"
        );
        assert_eq!(again.text_source, earlier.text_source);
        assert_eq!(again.text_retry.as_deref(), Some(text::TIMED_OUT));
        assert_eq!(again.text_attempts, Some(2));
    }
}
