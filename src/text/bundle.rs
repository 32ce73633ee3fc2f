//! A plain ZIP attachment (a report posted as a zip of its PDF or DOC and its tables' XLS): the
//! text of every document it holds, in the archive's order, each after a line naming it
//! (`=== 2022年报.pdf ===`), made by the extractors a document posted on its own gets. Entries are
//! sniffed from their bytes; other files (images, text files) are left out. A zip inside it is
//! opened too (its documents named `附件.zip/年报.pdf`), one level deep. Entries inflate within
//! `zipped`'s bounds, counted over the whole file, nested zips included; the PDF tool gets
//! time limit (`Tools::time_limit`) for all the zip's PDFs together. An entry that fails is named in the
//! record's `text_error`, and the other entries' text is kept; one that failed for the night
//! (`TextError::retry_reason`) makes the whole zip wait for another run (`Bundle::retry`).
//!
//! `text_source` is `zip:` and then each section's source in order, `;` between them
//! (`zip:docx-xml;xlsx-cells`): `sections` splits the text back into its entries by it, so that
//! a spreadsheet's rows are read as a grid and a document's as text.

use std::time::Instant;

use super::zipped::{Bounded, MAX_TOTAL_BYTES};
use super::{
    Extracted, MAX_TEXT_BYTES, Scratch, TextError, TextFormat, Tools, extract, push_capped, sniff,
};

/// What a zip's `text_source` starts with.
pub(crate) const SOURCE_PREFIX: &str = "zip:";
/// Between the sections' sources in `text_source`.
pub(crate) const SOURCE_SEPARATOR: char = ';';
/// Documents read from one zip at most.
const MAX_DOCUMENTS: usize = 100;
/// Entry failures listed in `text_error` at most (a zip of a million broken entries says how
/// many more there were).
const MAX_FAILURES: usize = 20;

/// The documents of a zip, read.
#[derive(Debug, Default)]
pub(crate) struct Bundle {
    pub text: Extracted,
    /// One `text_source` per section of `text`, in order.
    pub sources: Vec<String>,
    /// Sections whose text came.
    pub derived: usize,
    /// What went wrong, each naming its entry: `zip entry 附表.xls: encrypted: …`.
    pub failures: Vec<String>,
    /// How many failures are not in `failures` (past `MAX_FAILURES`).
    pub failures_left_out: usize,
    /// A PDF was handed to the PDF tool.
    pub read_pdf: bool,
    /// Images among the entries (page scans, when the zip holds nothing else).
    pub images: usize,
    /// An entry's tool was stopped from outside: the zip is to be read again, whole.
    pub interrupted: Option<TextError>,
    /// Why an entry's failure was the night's rather than the entry's (`timed_out`,
    /// `reader_died`): the zip is tried again by later runs, as a lone file is.
    pub retry: Option<&'static str>,
}

impl Bundle {
    /// The record's `text_source`.
    pub fn source(&self) -> String {
        let separator = SOURCE_SEPARATOR.to_string();
        format!("{SOURCE_PREFIX}{}", self.sources.join(&separator))
    }

    /// The failures as one line for `text_error`, or `None`.
    pub fn failures_line(&self) -> Option<String> {
        let mut line = self.failures.join("; ");
        if self.failures_left_out > 0 {
            line.push_str(&format!(
                "; and {} more entries that failed",
                self.failures_left_out
            ));
        }
        (!line.is_empty()).then_some(line)
    }

    fn fail(&mut self, failure: String) {
        if self.failures.len() < MAX_FAILURES {
            self.failures.push(failure);
        } else {
            self.failures_left_out += 1;
        }
    }

    fn full(&self) -> bool {
        self.text.truncated
    }

    fn push(&mut self, piece: &str) {
        if !self.full() && !push_capped(&mut self.text.text, piece) {
            self.text.truncated = true;
        }
    }
}

/// The line before an entry's text.
fn header(name: &str) -> String {
    // A name is one line, whatever bytes the zip gave it.
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("=== {name} ===\n")
}

/// Reads the documents of a zip. `Err` only when the zip itself cannot be opened.
pub(crate) fn read(body: &[u8], tools: &Tools, scratch: Scratch<'_>) -> Result<Bundle, TextError> {
    let mut zip = Bounded::open(body)?;
    let mut reading = Reading {
        tools,
        scratch,
        deadline: Instant::now() + tools.time_limit(),
        bundle: Bundle::default(),
    };
    reading.zip(&mut zip, "", 0);
    Ok(reading.bundle)
}

struct Reading<'a> {
    tools: &'a Tools,
    scratch: Scratch<'a>,
    /// When the PDF tool's time for the whole zip is spent.
    deadline: Instant,
    bundle: Bundle,
}

impl Reading<'_> {
    /// Reads the entries of `zip` (itself an entry of the attachment when `depth` is 1), their
    /// names after `prefix`.
    fn zip(&mut self, zip: &mut Bounded<'_>, prefix: &str, depth: usize) {
        for index in 0..zip.len() {
            if self.bundle.full() {
                return;
            }
            let within = match prefix {
                "" => String::new(),
                zip => format!(" in {}", zip.trim_end_matches('/')),
            };
            if zip.spent() >= MAX_TOTAL_BYTES {
                self.bundle.fail(format!(
                    "{} zip entries{within} not read: the file's entries inflate past {MAX_TOTAL_BYTES} bytes (a zip bomb?)",
                    zip.len() - index
                ));
                return;
            }
            let entry = match zip.entry(index) {
                Ok(entry) => entry,
                Err(e) => {
                    self.bundle.fail(format!("{e}{within}"));
                    continue;
                }
            };
            if entry.is_dir {
                continue;
            }
            let name = format!("{prefix}{}", entry.name);
            if entry.encrypted {
                self.bundle.fail(format!(
                    "zip entry {name}: {}",
                    TextError::Encrypted("a password is needed to inflate it".into())
                ));
                continue;
            }
            let bytes = match zip.read_at(index, &name) {
                Ok(bytes) => bytes,
                Err(e) => {
                    self.bundle.fail(e.to_string());
                    continue;
                }
            };
            match sniff(&bytes) {
                None => {}
                Some(TextFormat::Image) => self.bundle.images += 1,
                Some(TextFormat::Zip) if depth == 0 => {
                    match Bounded::open_within(&bytes, zip.spent()) {
                        Ok(mut inner) => {
                            self.zip(&mut inner, &format!("{name}/"), depth + 1);
                            zip.add_spent(inner.spent() - zip.spent());
                        }
                        Err(e) => self.bundle.fail(format!("zip entry {name}: {e}")),
                    }
                }
                Some(TextFormat::Zip) => self.bundle.fail(format!(
                    "zip entry {name}: {}",
                    TextError::Unsupported(
                        "a zip inside a zip inside the file is not opened".into()
                    )
                )),
                Some(format) => self.document(&name, format, &bytes),
            }
        }
    }

    /// Adds one document's section: its header, then its text (none when it failed).
    fn document(&mut self, name: &str, format: TextFormat, bytes: &[u8]) {
        if self.bundle.sources.len() >= MAX_DOCUMENTS {
            self.bundle.fail(format!(
                "zip entry {name}: not read, {MAX_DOCUMENTS} documents were read from the file"
            ));
            return;
        }
        if !self.bundle.text.text.is_empty() && !self.bundle.text.text.ends_with('\n') {
            self.bundle.push("\n");
        }
        self.bundle.push(&header(name));
        let is_pdf = format == TextFormat::Pdf;
        // The PDF tool reads a file: a temporary copy, removed when `copy` is dropped.
        let copy = match &self.tools.pdftotext {
            Some(_) if is_pdf => match (self.scratch)(bytes) {
                Ok(copy) => Some(copy),
                Err(e) => {
                    self.bundle
                        .sources
                        .push(super::source_of(format, self.tools));
                    self.bundle.fail(format!(
                        "zip entry {name}: {}",
                        TextError::Read(format!("cannot write a temporary copy: {e}"))
                    ));
                    return;
                }
            },
            _ => None,
        };
        let limit = self.deadline.saturating_duration_since(Instant::now());
        let (source, result) = if is_pdf && copy.is_some() && limit.is_zero() {
            (
                super::source_of(format, self.tools),
                Err(TextError::Unsupported(format!(
                    "not read, the {}s the PDF tool has for one file were spent on the zip's other PDFs",
                    self.tools.time_limit().as_secs()
                ))),
            )
        } else {
            self.bundle.read_pdf |= copy.is_some();
            let path = copy
                .as_ref()
                .map(|c| c.path().to_path_buf())
                .unwrap_or_default();
            extract(format, bytes, &path, self.tools, limit)
        };
        self.bundle.sources.push(source);
        match result {
            Ok(extracted) => {
                self.bundle.derived += 1;
                self.bundle.push(&extracted.text);
                if extracted.truncated {
                    self.bundle.fail(format!(
                        "zip entry {name}: text longer than {MAX_TEXT_BYTES} bytes; cut there"
                    ));
                }
            }
            Err(e @ TextError::Interrupted(_)) => self.bundle.interrupted = Some(e),
            Err(e) => {
                self.bundle.retry = self.bundle.retry.or(e.retry_reason());
                self.bundle.fail(format!("zip entry {name}: {e}"))
            }
        }
    }
}

/// One entry's part of a zip's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipSection<'t> {
    /// The entry's name (`附件.zip/年报.pdf` inside a nested zip).
    pub name: &'t str,
    /// How its text was made (`docx-xml`, `xlsx-cells`, …).
    pub source: &'t str,
    pub text: &'t str,
}

impl ZipSection<'_> {
    /// Whether this is a spreadsheet's text (its rows a grid: see `sheet`).
    pub fn from_spreadsheet(&self) -> bool {
        super::SheetFormat::ALL
            .iter()
            .any(|f| f.source() == self.source)
    }
}

/// A zip's text split back into its entries' sections, by its `text_source`. `None` when the
/// source is not a zip's, or the text's header lines do not match its sources one for one (a
/// text cut at `MAX_TEXT_BYTES`, or a document whose own text holds a line like a header).
pub(crate) fn sections<'t>(text: &'t str, source: &'t str) -> Option<Vec<ZipSection<'t>>> {
    let sources: Vec<&str> = source
        .strip_prefix(SOURCE_PREFIX)?
        .split(SOURCE_SEPARATOR)
        .collect();
    // (name, where the header line starts, where the section's text starts)
    let mut headers: Vec<(&str, usize, usize)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let end = at + line.len();
        let bare = line.trim_end_matches('\n');
        if let Some(name) = bare
            .strip_prefix("=== ")
            .and_then(|rest| rest.strip_suffix(" ==="))
        {
            headers.push((name, at, end));
        }
        at = end;
    }
    if headers.len() != sources.len() || headers.first().is_some_and(|h| h.1 != 0) {
        return None;
    }
    let ends = headers.iter().skip(1).map(|h| h.1).chain([text.len()]);
    Some(
        headers
            .iter()
            .zip(ends)
            .zip(sources)
            .map(|(((name, _, start), end), source)| ZipSection {
                name,
                source,
                text: &text[*start..end],
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_splits_back_into_its_sections() {
        let text = "=== 年报.docx ===\n一、总体情况\n=== 附表.xlsx ===\n表一\n项目\t数量\t\n";
        let got = sections(text, "zip:docx-xml;xlsx-cells").expect("a zip's text");
        assert_eq!(
            got,
            vec![
                ZipSection {
                    name: "年报.docx",
                    source: "docx-xml",
                    text: "一、总体情况\n",
                },
                ZipSection {
                    name: "附表.xlsx",
                    source: "xlsx-cells",
                    text: "表一\n项目\t数量\t\n",
                },
            ]
        );
        // A document quoting a header line, a cut text, another file's source: no sections.
        assert_eq!(sections(text, "zip:docx-xml"), None);
        assert_eq!(sections("=== a.pdf ===\n=== b ===\n", "zip:x"), None);
        assert_eq!(sections(text, "docx-xml"), None);
        // A failed entry keeps its (empty) section.
        let failed = sections(
            "=== a.pdf ===\n=== b.doc ===\n正文\n",
            "zip:missing:pdftotext;doc-piece-table",
        )
        .expect("a zip's text");
        assert_eq!(
            (failed[0].source, failed[0].text),
            ("missing:pdftotext", "")
        );
        assert_eq!(failed[1].text, "正文\n");
    }

    #[test]
    fn a_header_is_one_line() {
        assert_eq!(header("a\nb.pdf"), "=== a b.pdf ===\n");
    }
}
