//! Attachments' text: plain UTF-8 text derived from a PDF, DOC, DOCX, WPS, OFD, RTF or
//! spreadsheet file, or from the documents a ZIP holds (`bundle`), kept beside its raw file at
//! `text/ab/<raw sha256>.txt` (never replacing it) and named in the export record
//! (`text_path`, `text_source`, `text_quality`, `text_error`). It sits after the archive in the
//! data path: the raw file is durable first, then its text is derived from it,
//! off the async reactor; whatever goes wrong is recorded per attachment, never fatal.
//!
//! The format is sniffed from the bytes, never the extension: Kingsoft WPS writes Word 2003 XML
//! or a DOCX under `.doc`, and OLE2 compound files are DOC or WPS binary whatever they are called.
//!
//! | format | how | `text_source` |
//! | --- | --- | --- |
//! | PDF | poppler's `pdftotext` as a subprocess (time and output capped) | `pdftotext 22.12.0` |
//! | DOCX | `word/document.xml` inside the zip | `docx-xml` |
//! | OFD | `Doc_N/Pages/Page_N/Content.xml` `TextCode`s inside the zip | `ofd-xml` |
//! | Word 2003 XML / flat OPC | the XML itself | `word-xml` |
//! | DOC, WPS (OLE2) | the `WordDocument` stream's piece table | `doc-piece-table` |
//! | RTF | the text outside its destinations, in its fonts' code pages | `rtf` |
//! | XLSX / XLS, ET (BIFF8 in OLE2) / ODS | each sheet's rows, cells tab-separated (`sheet`) | `xlsx-cells` / `xls-biff8` / `ods-cells` |
//! | ZIP | each document it holds, after a line `=== name ===` | `zip:` + each one's source, `;` between |
//! | JPEG, PNG, GIF, TIFF, WebP, BMP | none: a scan, marked `needs_ocr` | `image` |

mod bundle;
mod doc;
mod error;
mod pdf;
mod quality;
mod rtf;
mod sheet;
mod store;
mod subprocess;
pub mod worker;
mod xml;
mod zipped;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Duration;

use crate::archive::{ArchiveError, PlainCopy};
use crate::classify;

pub use bundle::ZipSection;
use error::INTERRUPTED;
pub use error::{MAX_TEXT_ATTEMPTS, READER_DIED, TIMED_OUT, TextError, limit_text};
pub use pdf::{NO_CJK_CMAPS, Pdftotext};
pub use quality::{TextQuality, quality};
pub use sheet::SheetFormat;
pub use store::{TextInfo, derive_again, derive_and_store, store_derivation};
pub(crate) use subprocess::default_signals_in_child;

/// Largest text kept for one file; a longer text is cut here and says so in `text_error`.
pub const MAX_TEXT_BYTES: usize = 8 << 20;
/// Longest a PDF tool may run on one file before it is killed.
pub const TOOL_TIME_LIMIT: Duration = Duration::from_secs(60);
/// Largest file handed to an extractor (bodies are already capped by `fetch.max_body_bytes`).
pub const MAX_INPUT_BYTES: usize = 256 << 20;

/// A file format text is derived from, sniffed from its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFormat {
    Pdf,
    Docx,
    Ofd,
    /// Word 2003 XML (`<w:wordDocument>`, what WPS writes under `.doc`) or flat OPC XML.
    WordXml,
    /// An OLE2 compound file: DOC or WPS binary (read when it holds a `WordDocument` stream).
    Ole,
    /// Rich Text Format (what Word and WPS also save under `.doc`).
    Rtf,
    /// A spreadsheet: XLSX, XLS or Kingsoft ET (an OLE2 file with a `Workbook` stream), ODS.
    Sheet(SheetFormat),
    /// An image (a scanned report): no text without OCR, which nianbao does not do.
    Image,
    /// A plain ZIP (not a DOCX, XLSX, OFD or ODS): the documents it holds.
    Zip,
}

/// The format of a body whose text can be derived, or that is an image (whose text needs OCR);
/// `None` for everything else (HTML, presentations, RAR and 7z archives).
pub fn sniff(body: &[u8]) -> Option<TextFormat> {
    match classify::sniff_document_type(body, None) {
        Some(classify::sniff::PDF) => Some(TextFormat::Pdf),
        Some(classify::sniff::DOCX) => Some(TextFormat::Docx),
        Some(classify::sniff::OFD) => Some(TextFormat::Ofd),
        Some(classify::sniff::DOC | classify::sniff::WPS | classify::sniff::OLE2) => {
            Some(TextFormat::Ole)
        }
        Some(classify::sniff::RTF) => Some(TextFormat::Rtf),
        Some(classify::sniff::XLSX) => Some(TextFormat::Sheet(SheetFormat::Xlsx)),
        Some(classify::sniff::XLS) => Some(TextFormat::Sheet(SheetFormat::Xls)),
        Some(classify::sniff::ODS) => Some(TextFormat::Sheet(SheetFormat::Ods)),
        Some(classify::sniff::ZIP) => Some(TextFormat::Zip),
        Some(
            classify::sniff::JPEG
            | classify::sniff::PNG
            | classify::sniff::GIF
            | classify::sniff::TIFF
            | classify::sniff::WEBP
            | classify::sniff::BMP,
        ) => Some(TextFormat::Image),
        Some(_) => None,
        None => xml::looks_like_word_xml(body).then_some(TextFormat::WordXml),
    }
}

/// The external tools found on PATH at start, and how the in-process formats are read.
#[derive(Debug, Clone, Default)]
pub struct Tools {
    pub pdftotext: Option<Pdftotext>,
    /// Reads the formats nianbao reads itself in child processes (`worker`); `None` reads them
    /// in this process.
    pub worker: Option<worker::Worker>,
    /// The time limit of one file's reading, when not [`TOOL_TIME_LIMIT`] (`[crawl]
    /// text_time_limit`).
    pub time_limit: Option<Duration>,
}

impl Tools {
    /// Looks for the tools on PATH (and asks each its version); the in-process formats are read
    /// in child processes when the program asked for that (`worker::use_child_processes`).
    pub fn discover() -> Tools {
        Tools {
            pdftotext: Pdftotext::discover(),
            worker: worker::configured(),
            time_limit: None,
        }
    }

    /// The time limit of one file's reading (for a zip, of all its PDFs together).
    pub fn time_limit(&self) -> Duration {
        self.time_limit.unwrap_or(TOOL_TIME_LIMIT)
    }

    /// Whether a file waiting for its text for `reason` (`TextInfo::waiting`) may be read now:
    /// one waiting for a tool only once the tool is found.
    pub fn can_take_up(&self, reason: &str) -> bool {
        reason != format!("missing:{}", pdf::TOOL) || self.pdftotext.is_some()
    }

    /// What is missing for a format, as a warning: `pdftotext is not installed …`.
    pub fn missing(&self) -> Vec<String> {
        match &self.pdftotext {
            None => vec![format!(
                "{} is not installed (Debian: poppler-utils and poppler-data): PDF attachments get no text",
                pdf::TOOL
            )],
            Some(t) if !t.cjk_cmaps => vec![pdf::NO_CJK_CMAPS.to_string()],
            Some(_) => Vec::new(),
        }
    }
}

/// Text made by one extractor: the text, and a text cut at `MAX_TEXT_BYTES` says so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    pub text: String,
    pub truncated: bool,
}

/// One derivation: what was tried (`text_source`) and what came of it.
#[derive(Debug)]
pub struct Derivation {
    pub format: TextFormat,
    pub source: String,
    pub result: Result<Extracted, TextError>,
    /// The PDF tool lacks the predefined CJK CMaps (poppler-data): the text may miss characters.
    pub cjk_cmaps_missing: bool,
    /// What went wrong with some of a zip's entries, each named (the others' text is kept).
    pub entry_failures: Option<String>,
    /// Why one of those failures was the night's (`TextError::retry_reason`): the zip waits.
    pub entry_retry: Option<&'static str>,
}

/// Makes a temporary file holding some bytes (a PDF inside a zip, for the PDF tool to read);
/// the file goes when the `PlainCopy` is dropped.
pub type Scratch<'a> = &'a dyn Fn(&[u8]) -> Result<PlainCopy, ArchiveError>;

/// Derives the text of `body`, whose raw file is at `path` (the PDF tool reads the file; the
/// PDFs inside a zip are written to `scratch` files for it). `None` when the format carries no
/// text this module reads (a zip holding no document). Never panics: an extractor's panic
/// comes back as `TextError::Panic`.
pub fn derive(body: &[u8], path: &Path, tools: &Tools, scratch: Scratch<'_>) -> Option<Derivation> {
    let format = sniff(body)?;
    if format == TextFormat::Zip {
        return derive_zip(body, tools, scratch);
    }
    let (source, result) = extract(format, body, path, tools, tools.time_limit());
    let cjk_cmaps_missing =
        format == TextFormat::Pdf && tools.pdftotext.as_ref().is_some_and(|t| !t.cjk_cmaps);
    Some(Derivation {
        format,
        source,
        result,
        cjk_cmaps_missing,
        entry_failures: None,
        entry_retry: None,
    })
}

/// The text of a zip's documents; `None` when it holds none (and nothing failed).
fn derive_zip(body: &[u8], tools: &Tools, scratch: Scratch<'_>) -> Option<Derivation> {
    let source = |sources: &str| format!("{}{sources}", bundle::SOURCE_PREFIX);
    // A file past the limit is never opened.
    let read = if body.len() > MAX_INPUT_BYTES {
        Err(too_large(body))
    } else {
        guarded(|| bundle::read(body, tools, scratch))
    };
    let mut bundle = match read {
        Ok(bundle) => bundle,
        Err(e) => {
            return Some(Derivation {
                format: TextFormat::Zip,
                source: source(""),
                result: Err(e),
                cjk_cmaps_missing: false,
                entry_failures: None,
                entry_retry: None,
            });
        }
    };
    let entry_failures = bundle.failures_line();
    if bundle.sources.is_empty() && entry_failures.is_none() {
        // A zip of page scans needs OCR, as an image does; a zip of other files has no text.
        return (bundle.images > 0).then(|| Derivation {
            format: TextFormat::Image,
            source: source(&source_of(TextFormat::Image, tools)),
            result: Ok(Extracted::default()),
            cjk_cmaps_missing: false,
            entry_failures: None,
            entry_retry: None,
        });
    }
    if let Some(interrupted) = bundle.interrupted.take() {
        return Some(Derivation {
            format: TextFormat::Zip,
            source: bundle.source(),
            result: Err(interrupted),
            cjk_cmaps_missing: false,
            entry_failures: None,
            entry_retry: None,
        });
    }
    Some(Derivation {
        format: TextFormat::Zip,
        source: bundle.source(),
        cjk_cmaps_missing: bundle.read_pdf
            && tools.pdftotext.as_ref().is_some_and(|t| !t.cjk_cmaps),
        result: if bundle.derived > 0 {
            Ok(bundle.text)
        } else {
            Err(TextError::NoEntryText)
        },
        entry_failures,
        entry_retry: bundle.retry,
    })
}

/// The `text_source` of text made from `format`.
fn source_of(format: TextFormat, tools: &Tools) -> String {
    match format {
        TextFormat::Pdf => match &tools.pdftotext {
            Some(tool) => tool.source(),
            None => format!("missing:{}", pdf::TOOL),
        },
        TextFormat::Docx => "docx-xml".into(),
        TextFormat::Ofd => "ofd-xml".into(),
        TextFormat::WordXml => "word-xml".into(),
        TextFormat::Ole => "doc-piece-table".into(),
        TextFormat::Rtf => "rtf".into(),
        TextFormat::Sheet(kind) => kind.source().into(),
        TextFormat::Image => "image".into(),
        TextFormat::Zip => bundle::SOURCE_PREFIX.into(),
    }
}

/// The `text_source` and text of one document (not a zip), sniffed as `format`; a PDF is read
/// from `path` by the PDF tool, killed after `limit`.
fn extract(
    format: TextFormat,
    body: &[u8],
    path: &Path,
    tools: &Tools,
    limit: Duration,
) -> (String, Result<Extracted, TextError>) {
    let source = source_of(format, tools);
    // A file past the limit is never handed to an extractor.
    if body.len() > MAX_INPUT_BYTES {
        return (source, Err(too_large(body)));
    }
    let result = match format {
        TextFormat::Pdf => match &tools.pdftotext {
            Some(tool) => tool.run_within(path, limit),
            None => Err(TextError::Missing(pdf::TOOL)),
        },
        TextFormat::Image => Ok(Extracted::default()),
        TextFormat::Zip => Err(TextError::Unsupported(
            "a zip is read by its entries, not as one document".into(),
        )),
        // Each read in a child process gets the whole time limit: these take milliseconds,
        // and only a reader that is stuck comes near it.
        _ => match &tools.worker {
            Some(worker) => worker.extract(&source, body, tools.time_limit()),
            None => read_in_process(format, body),
        },
    };
    (source, result)
}

/// Reads a format nianbao reads itself, in this process, with its panics caught. (Test builds
/// abort here on a file carrying the crash guard's test marker, standing in for a file that
/// kills its reader.)
fn read_in_process(format: TextFormat, body: &[u8]) -> Result<Extracted, TextError> {
    crate::crawl::guard::poison_check(body);
    match format {
        TextFormat::Docx => guarded(|| zipped::docx(body)),
        TextFormat::Ofd => guarded(|| zipped::ofd(body)),
        TextFormat::WordXml => guarded(|| xml::word_xml_file(body)),
        TextFormat::Ole => guarded(|| doc::word_binary(body)),
        TextFormat::Rtf => guarded(|| rtf::rtf(body)),
        TextFormat::Sheet(kind) => guarded(|| sheet::text(body, kind)),
        TextFormat::Pdf | TextFormat::Image | TextFormat::Zip => Err(TextError::Unsupported(
            format!("{format:?} is not read in this process"),
        )),
    }
}

impl TextFormat {
    /// The format nianbao reads itself whose `text_source` is `source` (what a child process
    /// is asked to read, see `worker`).
    fn read_in_process(source: &str) -> Option<TextFormat> {
        let formats = [
            TextFormat::Docx,
            TextFormat::Ofd,
            TextFormat::WordXml,
            TextFormat::Ole,
            TextFormat::Rtf,
        ]
        .into_iter()
        .chain(SheetFormat::ALL.map(TextFormat::Sheet));
        formats
            .into_iter()
            .find(|&format| source_of(format, &Tools::default()) == source)
    }
}

fn too_large(body: &[u8]) -> TextError {
    TextError::TooLarge(format!(
        "{} bytes; the limit is {MAX_INPUT_BYTES}",
        body.len()
    ))
}

/// Runs an in-process extractor with its panics caught.
fn guarded<T>(f: impl FnOnce() -> Result<T, TextError>) -> Result<T, TextError> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(TextError::Panic(message))
    })
}

/// Appends `piece` to `out` unless that would pass `MAX_TEXT_BYTES`; returns false once full.
pub(crate) fn push_capped(out: &mut String, piece: &str) -> bool {
    if out.len() + piece.len() <= MAX_TEXT_BYTES {
        out.push_str(piece);
        return true;
    }
    let room = MAX_TEXT_BYTES - out.len();
    let mut cut = room.min(piece.len());
    while !piece.is_char_boundary(cut) {
        cut -= 1;
    }
    out.push_str(&piece[..cut]);
    false
}
