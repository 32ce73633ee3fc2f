//! What the export record says of an attachment's text (`TextInfo`), and storing a derivation's
//! text beside its raw file (`derive_and_store`, `store_derivation`): the text module's end of the
//! data path, after the raw file is archived.

use serde::{Deserialize, Serialize};

use super::{
    Derivation, INTERRUPTED, MAX_TEXT_ATTEMPTS, MAX_TEXT_BYTES, SheetFormat, TextError, TextFormat,
    TextQuality, Tools, ZipSection, bundle, derive, pdf, quality, sniff,
};
use crate::archive::{Archive, ArchiveError};

/// What the export record says about an attachment's text (flattened into the record).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextInfo {
    /// The derived text (UTF-8), relative to data_dir: `text/ab/<raw sha256>.txt`.
    pub text_path: Option<String>,
    /// How the text was made (`pdftotext 22.12.0`, `docx-xml`, `ofd-xml`, `word-xml`,
    /// `doc-piece-table`, `rtf`, `xlsx-cells`, `xls-biff8`, `ods-cells`; for a zip, `zip:` and
    /// each of its documents' sources, `zip:docx-xml;xlsx-cells`), or why it was not
    /// (`missing:pdftotext`).
    pub text_source: Option<String>,
    /// Replacement characters, CJK ratio, template labels, `needs_ocr`.
    pub text_quality: Option<TextQuality>,
    /// What went wrong, when something did (a cut text keeps its `text_path`, and so does a
    /// zip some of whose entries failed).
    pub text_error: Option<String>,
    /// Why a failure is tried again by a later run (`timed_out`, `reader_died`), while it may
    /// still be; absent once the text is derived, or the last attempt failed too.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_retry: Option<String>,
    /// Attempts made at a text that ran past its time limit or whose reader died.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_attempts: Option<u32>,
}

impl TextInfo {
    /// Whether the text is a spreadsheet's (its rows a grid: see `sheet`).
    pub fn from_spreadsheet(&self) -> bool {
        self.text_source
            .as_deref()
            .is_some_and(|s| SheetFormat::ALL.iter().any(|f| f.source() == s))
    }

    /// A zip's text split into its documents' sections (each with its own `text_source`);
    /// `None` for any other file's, or a zip's text that does not split as its source says.
    pub fn zip_sections<'t>(&'t self, text: &'t str) -> Option<Vec<ZipSection<'t>>> {
        bundle::sections(text, self.text_source.as_deref()?)
    }

    /// Why this file's text is still to be derived, when nothing about the file itself stands
    /// in the way: its reading was stopped from outside (`interrupted`), its tool was not
    /// installed (`missing:pdftotext`), or its reading (or, for a zip, an entry's) ran past its
    /// time limit or its reader died (`timed_out`, `reader_died`), until its last attempt. A zip
    /// whose other entries gave text waits too. The next crawl takes such files up again.
    pub fn waiting(&self) -> Option<String> {
        if self.text_path.is_none()
            && self
                .text_error
                .as_deref()
                .is_some_and(|e| e.starts_with(INTERRUPTED))
        {
            return Some("interrupted".into());
        }
        if let Some(reason) = self.retry_due() {
            return Some(reason.to_string());
        }
        self.text_source
            .as_deref()
            .and_then(missing_tool)
            .map(str::to_string)
    }

    /// Why a failure of the night is tried again: a lone file's that has no text, a zip's
    /// whatever text its other entries gave.
    fn retry_due(&self) -> Option<&str> {
        self.text_retry
            .as_deref()
            .filter(|_| self.text_path.is_none() || self.is_zip())
    }

    fn is_zip(&self) -> bool {
        self.text_source
            .as_deref()
            .is_some_and(|s| s.starts_with(bundle::SOURCE_PREFIX))
    }

    /// A failure of the night (`TextError::retry_reason`) at the first attempt: the file waits.
    pub(crate) fn first_attempt(mut self, reason: &str) -> TextInfo {
        self.text_retry = Some(reason.to_string());
        self.text_attempts = Some(1);
        self
    }

    /// This derivation, made after the attempts `earlier` counts: a failure of the night again
    /// counts one more attempt, and after [`MAX_TEXT_ATTEMPTS`] stops waiting, its error saying
    /// how many were made.
    pub fn after(mut self, earlier: &TextInfo) -> TextInfo {
        if self.text_retry.is_none() {
            return self;
        }
        // Only a file still waiting has attempts behind it (a `--redo` of a derived file starts
        // again at one).
        let before = match earlier.text_retry {
            Some(_) => earlier.text_attempts.unwrap_or(1),
            None => 0,
        };
        let attempts = before.saturating_add(1);
        self.text_attempts = Some(attempts);
        if attempts >= MAX_TEXT_ATTEMPTS {
            self.text_retry = None;
            let error = self.text_error.take().unwrap_or_default();
            self.text_error = Some(format!("{error}; gave up after {attempts} attempts"));
        }
        self
    }

    /// The outcome's name for the run report: `derived`, `needs_ocr`, or the error's kind.
    pub fn outcome(&self) -> String {
        let zip = self.is_zip();
        if let Some(reason) = self.retry_due() {
            return reason.to_string();
        }
        match (&self.text_path, &self.text_quality, &self.text_error) {
            (None, _, Some(e)) if e.starts_with(INTERRUPTED) => "interrupted".into(),
            (_, Some(q), _) if q.needs_ocr => "needs_ocr".into(),
            (Some(_), _, None) => "derived".into(),
            (Some(_), _, Some(_)) if zip => "derived_partial".into(),
            (Some(_), _, Some(_)) => "derived_cut".into(),
            // A zip's PDF waits for its tool as a PDF does: `zip:missing:pdftotext`.
            (None, _, _) => match self.text_source.as_deref().and_then(missing_tool) {
                Some(missing) => missing.to_string(),
                None => "failed".into(),
            },
        }
    }
}

/// The `missing:TOOL` a `text_source` names, alone or as one of a zip's sections.
fn missing_tool(source: &str) -> Option<&str> {
    let source = source.strip_prefix(bundle::SOURCE_PREFIX).unwrap_or(source);
    source
        .split(bundle::SOURCE_SEPARATOR)
        .find(|s| s.starts_with("missing:"))
}

/// Derives the text of an archived raw file and stores it beside it. `body` is the raw file's
/// bytes when the caller has them (else they are read from `raw_path`). `None` when the file is
/// not a format with text. Blocking: call it from a blocking thread.
pub fn derive_and_store(
    archive: &Archive,
    tools: &Tools,
    raw_sha256: &str,
    raw_path: &str,
    body: Option<&[u8]>,
) -> Option<TextInfo> {
    let read;
    let body = match body {
        Some(body) => body,
        None => match archive.read_verified(raw_path, raw_sha256) {
            Ok(bytes) => {
                read = bytes;
                &read
            }
            Err(e) => {
                return Some(TextInfo {
                    text_error: Some(TextError::Read(format!("{e:#}")).to_string()),
                    ..TextInfo::default()
                });
            }
        },
    };
    // pdftotext takes a path: a compressed raw file is handed to it as a plain temporary copy.
    let copy = match sniff(body) {
        Some(TextFormat::Pdf) => match archive.plain_copy_of(raw_path, raw_sha256, body) {
            Ok(copy) => Some(copy),
            Err(e) => {
                return Some(TextInfo {
                    text_error: Some(TextError::Read(describe_archive_error(&e)).to_string()),
                    ..TextInfo::default()
                });
            }
        },
        _ => None,
    };
    let path = match &copy {
        Some(copy) => copy.path().to_path_buf(),
        None => archive.absolute(raw_path),
    };
    let scratch = |bytes: &[u8]| archive.temporary_copy(raw_sha256, bytes);
    let derivation = derive(body, &path, tools, &scratch)?;
    Some(store_derivation(archive, raw_sha256, &derivation))
}

/// Derives again the text of a file whose earlier attempt (`earlier`) failed for the night, and
/// stores it, as `derive_and_store` does; but an attempt at a zip that reads fewer of its entries
/// than the earlier one (an entry that read then and timed out now) keeps the earlier text and
/// record, the new attempt's retry reason on it. Attempts are counted by `TextInfo::after`.
pub fn derive_again(
    archive: &Archive,
    tools: &Tools,
    raw_sha256: &str,
    raw_path: &str,
    earlier: &TextInfo,
) -> Option<TextInfo> {
    let earlier_text = earlier
        .text_path
        .as_deref()
        .filter(|_| earlier.retry_due().is_some() && earlier.is_zip())
        .and_then(|path| std::fs::read_to_string(archive.absolute(path)).ok());
    let new = derive_and_store(archive, tools, raw_sha256, raw_path, None)?;
    let Some(old_text) = earlier_text else {
        return Some(new);
    };
    let new_text = new
        .text_path
        .as_deref()
        .and_then(|path| std::fs::read_to_string(archive.absolute(path)).ok())
        .unwrap_or_default();
    match keep_earlier(&new, &new_text, earlier, &old_text) {
        Some(kept) => match archive.store_text(raw_sha256, &old_text) {
            Ok(_) => Some(kept),
            Err(e) => {
                // The new text stands, as its record says.
                tracing::warn!(raw_path, "cannot keep the earlier attempt's text: {e}");
                Some(new)
            }
        },
        None => Some(new),
    }
}

/// The earlier attempt at a zip, when it read more entries than the new one, with the new
/// attempt's retry reason (whether it waits is the new night's to say); `None` keeps the new.
fn keep_earlier(
    new: &TextInfo,
    new_text: &str,
    earlier: &TextInfo,
    earlier_text: &str,
) -> Option<TextInfo> {
    (entries_read(new, new_text) < entries_read(earlier, earlier_text)).then(|| TextInfo {
        text_retry: new.text_retry.clone(),
        ..earlier.clone()
    })
}

/// How many of a zip's sections hold text (0 when the text does not split as its source says).
fn entries_read(info: &TextInfo, text: &str) -> usize {
    if info.text_path.is_none() {
        return 0;
    }
    info.zip_sections(text)
        .map(|sections| {
            sections
                .iter()
                .filter(|s| !s.text.trim().is_empty())
                .count()
        })
        .unwrap_or(0)
}

/// Stores a derivation's text and describes it for the record.
pub fn store_derivation(archive: &Archive, raw_sha256: &str, d: &Derivation) -> TextInfo {
    // Cut short by a stop: no source, so that `nianbao text` takes the file again.
    if let Err(e @ TextError::Interrupted(_)) = &d.result {
        return TextInfo {
            text_error: Some(e.to_string()),
            ..TextInfo::default()
        };
    }
    let mut info = TextInfo {
        text_source: Some(d.source.clone()),
        ..TextInfo::default()
    };
    if d.format == TextFormat::Image {
        info.text_quality = Some(TextQuality::scan());
        return info;
    }
    let mut problems = Vec::new();
    let mut retry = None;
    match &d.result {
        Ok(extracted) => {
            info.text_quality = Some(quality(&extracted.text, d.format == TextFormat::Pdf));
            match archive.store_text(raw_sha256, &extracted.text) {
                Ok(path) => info.text_path = Some(path),
                Err(e) => problems.push(describe_archive_error(&e)),
            }
            if extracted.truncated && problems.is_empty() {
                problems.push(format!(
                    "text longer than {MAX_TEXT_BYTES} bytes; cut there"
                ));
            }
        }
        Err(e) => {
            problems.push(e.to_string());
            retry = e.retry_reason();
        }
    }
    retry = retry.or(d.entry_retry);
    // A zip's entries that failed, after what became of the whole: `no document in the zip
    // gave text; zip entry a.pdf: …`, or beside a text that holds the others'.
    problems.extend(d.entry_failures.clone());
    if d.cjk_cmaps_missing && problems.is_empty() {
        problems.push(pdf::NO_CJK_CMAPS.to_string());
    }
    info.text_error = (!problems.is_empty()).then(|| problems.join("; "));
    match retry {
        Some(reason) => info.first_attempt(reason),
        None => info,
    }
}

fn describe_archive_error(e: &ArchiveError) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timed_out() -> TextInfo {
        TextInfo {
            text_source: Some("pdftotext 22.12.0".into()),
            text_error: Some("pdftotext ran longer than 60s and was killed".into()),
            ..TextInfo::default()
        }
        .first_attempt(super::super::TIMED_OUT)
    }

    #[test]
    fn a_failure_of_the_night_waits_until_its_last_attempt() {
        let first = timed_out();
        assert_eq!(first.waiting().as_deref(), Some("timed_out"));
        assert_eq!(first.outcome(), "timed_out");
        let second = timed_out().after(&first);
        assert_eq!(
            (second.text_attempts, second.waiting().as_deref()),
            (Some(2), Some("timed_out"))
        );
        let third = timed_out().after(&second);
        assert_eq!((third.text_attempts, third.waiting()), (Some(3), None));
        assert_eq!(third.outcome(), "failed");
        assert_eq!(
            third.text_error.as_deref(),
            Some("pdftotext ran longer than 60s and was killed; gave up after 3 attempts")
        );
        // A derived text after failed attempts keeps no trace of them; a derived file that
        // times out when derived again starts at one.
        let derived = TextInfo {
            text_path: Some("text/ab/x.txt".into()),
            ..TextInfo::default()
        };
        assert_eq!(derived.clone().after(&second), derived);
        assert_eq!(timed_out().after(&derived).text_attempts, Some(1));
    }

    /// A zip whose DOCX read and whose PDF timed out.
    fn zip_with_pdf_timed_out() -> TextInfo {
        TextInfo {
            text_path: Some("text/ab/z.txt".into()),
            text_source: Some("zip:docx-xml;pdftotext 22.12.0".into()),
            text_error: Some(
                "zip entry 统计表.pdf: pdftotext ran longer than 60s and was killed".into(),
            ),
            ..TextInfo::default()
        }
        .first_attempt(super::super::TIMED_OUT)
    }

    /// A zip some of whose text was read waits while an entry failed for the night, counted
    /// as a lone file is, and gives up after the last attempt; a zip whose entries failed for
    /// a reason of their own, or a lone file's text, does not wait.
    #[test]
    fn a_zip_with_text_waits_for_an_entry_that_failed_for_the_night() {
        let first = zip_with_pdf_timed_out();
        assert_eq!(first.waiting().as_deref(), Some("timed_out"));
        assert_eq!(first.outcome(), "timed_out");
        let second = zip_with_pdf_timed_out().after(&first);
        assert_eq!(second.waiting().as_deref(), Some("timed_out"));
        let third = zip_with_pdf_timed_out().after(&second);
        assert_eq!((third.text_attempts, third.waiting()), (Some(3), None));
        assert_eq!(third.outcome(), "derived_partial");
        assert_eq!(
            third.text_error.as_deref(),
            Some(
                "zip entry 统计表.pdf: pdftotext ran longer than 60s and was killed; gave up after 3 attempts"
            )
        );
        let corrupt = TextInfo {
            text_retry: None,
            text_attempts: None,
            ..zip_with_pdf_timed_out()
        };
        assert_eq!(corrupt.waiting(), None);
        let cut = TextInfo {
            text_source: Some("pdftotext 22.12.0".into()),
            ..zip_with_pdf_timed_out()
        };
        assert_eq!(cut.waiting(), None, "a lone file with text never waits");
    }

    /// An attempt that reads fewer of the zip's entries than the earlier one keeps the earlier
    /// (with the new attempt's retry reason); one that reads as many or more is kept.
    #[test]
    fn the_attempt_that_read_more_entries_is_kept() {
        let both = "=== a.docx ===\n正文\n=== b.pdf ===\n表一\n";
        let one = "=== a.docx ===\n正文\n=== b.pdf ===\n";
        let earlier = TextInfo {
            text_error: None,
            ..zip_with_pdf_timed_out()
        };
        let worse = zip_with_pdf_timed_out();
        let kept = keep_earlier(&worse, one, &earlier, both).expect("the earlier is kept");
        assert_eq!(kept.text_error, None);
        assert_eq!(kept.text_retry.as_deref(), Some("timed_out"));
        assert_eq!(keep_earlier(&earlier, both, &worse, one), None);
        assert_eq!(
            keep_earlier(&worse, one, &worse, one),
            None,
            "a tie keeps the new"
        );
        let none = TextInfo {
            text_path: None,
            ..zip_with_pdf_timed_out()
        };
        assert!(keep_earlier(&none, "", &worse, one).is_some());
    }
}
