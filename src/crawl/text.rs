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

/// Longest the crawl waits for one file's text: the tool's own limit plus slack for reading
/// and writing. The blocking task keeps its CPU permit until it ends.
const TEXT_TIME_LIMIT: Duration = Duration::from_secs(text::TOOL_TIME_LIMIT.as_secs() + 30);

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
        let permit = self.cpu_permit().await;
        let (archive, tools) = (self.archive.clone(), self.text_tools.clone());
        let (sha, path) = (sha256.to_string(), raw_path.to_string());
        let work = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            text::derive_and_store(&archive, &tools, &sha, &path, Some(&body))
        });
        let info = match tokio::time::timeout(TEXT_TIME_LIMIT, work).await {
            Ok(Ok(info)) => info?,
            Ok(Err(e)) => TextInfo {
                text_error: Some(format!("text derivation failed: {e}")),
                ..TextInfo::default()
            },
            Err(_) => TextInfo {
                text_error: Some(format!(
                    "text derivation took longer than {}s; abandoned",
                    TEXT_TIME_LIMIT.as_secs()
                )),
                ..TextInfo::default()
            },
        };
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
