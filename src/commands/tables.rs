//! `nianbao tables`: the statistics tables of every archived annual-report version, read from the
//! archived raw bodies with the page pipeline's decode and parse (`tables::read_body`), checked
//! on their own and against the same issuer's report of the year before. JSON lines or long CSV.
//! A version whose raw file cannot be read is reported (stderr and its own line) and counted.

use std::collections::HashMap;
use std::io::{BufWriter, Write};

use serde::Serialize;

use crate::archive::Archive;
use crate::cli::TablesFormat;
use crate::config::Settings;
use crate::export::ExportRecord;
use crate::tables::{self, Cell, Check, Figure, LastYear, ReadFrom, Tables, Template};

use super::{Outcome, UsageError, open_store};

/// Which versions to print.
pub(super) enum Select {
    Since(u64),
    Document { id: String, version: Option<u32> },
}

#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    version: u32,
    seq: u64,
    portal: &'a str,
    issuing_body: Option<&'a str>,
    report_year: Option<i32>,
    template: &'static str,
    cells: &'a [Cell],
    figures: &'a [Figure],
    checks: &'a [Check],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unread: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    read_from: Option<&'a ReadFrom>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The file extensions and types of attachments that can hold a report's tables: documents and
/// spreadsheets, and any attachment whose text was derived.
fn is_document(a: &crate::export::AttachmentRecord) -> bool {
    let name = format!("{} {}", a.url, a.name.as_deref().unwrap_or("")).to_ascii_lowercase();
    let typed = a.content_type.as_deref().is_some_and(|t| {
        ["pdf", "msword", "officedocument", "ms-excel", "spreadsheet"]
            .iter()
            .any(|kind| t.contains(kind))
    });
    let spreadsheet = [Some(a.url.as_str()), a.name.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(crate::classify::sniff::extension)
        .any(|ext| matches!(ext.as_str(), "xls" | "xlsx" | "et" | "ods"));
    typed
        || spreadsheet
        || a.text.text_path.is_some()
        || [".pdf", ".doc", ".docx", ".wps", ".ofd"]
            .iter()
            .any(|ext| name.contains(ext))
}

/// Whose report it is, for the comparison across years.
fn issuer(r: &ExportRecord) -> (String, String) {
    (
        r.portal.clone(),
        r.issuing_body.clone().unwrap_or_else(|| r.portal.clone()),
    )
}

/// Each issuer's report of each year (see above), keyed by (portal, issuer) and year.
fn reports_of_each_year(
    records: &[ExportRecord],
) -> HashMap<((String, String), i32), &ExportRecord> {
    let mut latest: HashMap<((String, String), i32), &ExportRecord> = HashMap::new();
    let rank = |r: &ExportRecord| (is_correction(r), r.publish_date.clone(), r.seq);
    for r in records {
        if let Some(year) = r.report_year {
            let slot = latest.entry((issuer(r), year)).or_insert(r);
            if rank(r) > rank(slot) {
                *slot = r;
            }
        }
    }
    latest
}

/// A report that says it corrects an earlier one: `…年度报告（更正）`, `（更正版）`, `（修订版）`.
fn is_correction(r: &ExportRecord) -> bool {
    r.title.as_deref().is_some_and(|t| {
        ["更正", "修订", "修正", "修訂"]
            .iter()
            .any(|w| t.contains(w))
    })
}

struct Reader {
    archive: Archive,
    storage: crate::storage::Storage,
    cache: HashMap<u64, Result<Tables, String>>,
}

impl Reader {
    /// A raw file's bytes, fetched from remote storage when it is there, checked against its hash.
    fn raw(&self, path: &str, sha256: &str) -> Result<Vec<u8>, String> {
        self.storage
            .cached_raw(path, sha256)
            .map_err(|e| e.to_string())?;
        self.archive
            .read_verified(path, sha256)
            .map_err(|e| e.to_string())
    }

    fn read(&mut self, r: &ExportRecord) -> Result<Tables, String> {
        if let Some(hit) = self.cache.get(&r.seq) {
            return hit.clone();
        }
        let result = self
            .raw(&r.raw_path, &r.sha256)
            .map(|body| {
                let attached = r.attachments.iter().any(is_document);
                // The other pages of an article split over pages, where they were captured.
                let others: Vec<(Vec<u8>, Option<&str>)> = r
                    .attachments
                    .iter()
                    .filter(|a| crate::export::is_article_page(a))
                    .filter_map(|a| {
                        let page = self
                            .raw(a.raw_path.as_deref()?, a.sha256.as_deref()?)
                            .ok()?;
                        Some((page, a.content_type.as_deref()))
                    })
                    .collect();
                let mut pages = vec![(&body[..], r.content_type.as_deref())];
                pages.extend(others.iter().map(|(b, t)| (&b[..], *t)));
                tables::read_bodies(&pages, attached)
            })
            .map_err(|e| {
                format!(
                    "{} v{} (seq {}): {}: {e}",
                    r.id, r.version, r.seq, r.raw_path
                )
            });
        let result = result.map(|t| match t.template {
            Template::AttachmentOnly => self.read_documents_text(r).unwrap_or(t),
            _ => t,
        });
        self.cache.insert(r.seq, result.clone());
        result
    }

    /// A report whose tables are in its document files (a report published as a PDF or DOC,
    /// the page saying 见附件): the tables read from the first document's derived text that
    /// holds any, the version's own first (a document listed directly), then its attachments in
    /// page order, a zip's documents in the zip's order. When no text holds a table: the first
    /// that holds table rows left unread (`attachment_only`, with its `unread`), else the first
    /// that reads as a report in free text (`free`: its figures, `read_from` naming it), else
    /// `None` (no document text at all, or none that shows a report: `attachment_only`).
    fn read_documents_text(&self, r: &ExportRecord) -> Option<Tables> {
        let own = r
            .text
            .text_path
            .as_deref()
            .map(|t| (r.url.as_str(), t, &r.text));
        let attached = r
            .attachments
            .iter()
            .filter(|a| is_document(a))
            .filter_map(|a| Some((a.url.as_str(), a.text.text_path.as_deref()?, &a.text)));
        let mut unread = None;
        let mut free = None;
        for (url, text_path, info) in own.into_iter().chain(attached) {
            let text = match self
                .storage
                .cached_text(text_path)
                .map_err(|e| e.to_string())
                .and_then(|path| std::fs::read_to_string(&path).map_err(|e| e.to_string()))
            {
                Ok(text) => text,
                Err(e) => {
                    errln!(
                        "tables: {} v{} (seq {}): cannot read the text of {url} ({text_path}): {e}",
                        r.id,
                        r.version,
                        r.seq
                    );
                    continue;
                }
            };
            // A zip's text is read document by document, in the zip's order, each by its own
            // rule: a spreadsheet's rows are a grid; a document's text rows only a sequence.
            let parts: Vec<(Option<&str>, &str, bool)> = match info.zip_sections(&text) {
                Some(sections) => sections
                    .iter()
                    .map(|s| (Some(s.name), s.text, s.from_spreadsheet()))
                    .collect(),
                None => vec![(None, &text, info.from_spreadsheet())],
            };
            for (entry, text, spreadsheet) in parts {
                let mut t = if spreadsheet {
                    tables::read_sheet_text(text)
                } else {
                    tables::read_text(text)
                };
                t.read_from = Some(tables::ReadFrom {
                    url: url.to_string(),
                    text_path: text_path.to_string(),
                    entry: entry.map(str::to_string),
                });
                if !t.cells.is_empty() {
                    return Some(t);
                }
                if unread.is_none() && !t.unread.is_empty() {
                    t.template = Template::AttachmentOnly;
                    unread = Some(t);
                } else if free.is_none() && t.template == Template::Free {
                    free = Some(t);
                }
            }
        }
        unread.or(free)
    }
}

pub(super) fn run(
    settings: &Settings,
    format: TablesFormat,
    select: Select,
) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let archive = Archive::open(&settings.data_dir)?.configured(settings);
    let mut records: Vec<ExportRecord> = Vec::new();
    let mut left_out = super::left_out::LeftOut::default();
    for record in store.export_since(0) {
        let Some(record) = left_out.take(record)? else {
            continue;
        };
        if record.is_annual_report {
            records.push(record);
        }
    }
    let chosen: Vec<&ExportRecord> = records
        .iter()
        .filter(|r| match &select {
            Select::Since(since) => r.seq > *since,
            Select::Document { id, version } => {
                r.id == *id && version.is_none_or(|v| v == r.version)
            }
        })
        .collect();
    if let Select::Document { id, version } = &select
        && chosen.is_empty()
    {
        let what = match version {
            Some(v) => format!("version {v} of document {id}"),
            None => format!("document {id}"),
        };
        return Err(UsageError(format!("no annual-report {what} in the archive")).into());
    }
    // Each issuer's report of each year, for the comparison across years: of two documents, a
    // correction (更正, 修订) over the report it corrects, else the later published; of one
    // document's versions, the latest. Lists run newest first, so a correction is often
    // archived before the report it replaces: the highest seq alone picked the superseded one.
    let latest = reports_of_each_year(&records);
    let mut reader = Reader {
        archive,
        storage: crate::storage::Storage::open(&settings.storage, &settings.data_dir)?,
        cache: HashMap::new(),
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if format == TablesFormat::Csv {
        writeln!(
            out,
            "id,version,seq,portal,issuing_body,report_year,template,table,row_key,col_key,row_label,col_label,raw,value,state"
        )
        .map_err(crate::output::stdout_failed)?;
    }
    let mut failed = 0usize;
    for r in chosen {
        let (mut t, error) = match reader.read(r) {
            Ok(t) => (t, None),
            Err(e) => {
                errln!("tables: cannot read {e}");
                failed += 1;
                (Tables::unreadable(), Some(e))
            }
        };
        if error.is_none() && !t.cells.is_empty() {
            let last = r
                .report_year
                // A year at the bottom of its range (a damaged record) has no year before it.
                .and_then(|y| latest.get(&(issuer(r), y.checked_sub(1)?)).copied());
            let last_tables = last.map(|l| (l, reader.read(l)));
            let cross = match &last_tables {
                Some((l, Ok(lt))) => tables::checks::across_years(
                    &t,
                    Some(LastYear {
                        tables: lt,
                        id: &l.id,
                        version: l.version,
                        year: l.report_year.unwrap_or_default(),
                    }),
                ),
                _ => tables::checks::across_years(&t, None),
            };
            t.checks.extend(cross);
        }
        let written = match format {
            TablesFormat::Jsonl => {
                let line = Line {
                    id: &r.id,
                    version: r.version,
                    seq: r.seq,
                    portal: &r.portal,
                    issuing_body: r.issuing_body.as_deref(),
                    report_year: r.report_year,
                    template: t.template.name(),
                    cells: &t.cells,
                    figures: &t.figures,
                    checks: &t.checks,
                    unread: &t.unread,
                    read_from: t.read_from.as_ref(),
                    error,
                };
                writeln!(out, "{}", serde_json::to_string(&line)?)
            }
            TablesFormat::Csv => csv_rows(&mut out, r, &t),
        };
        if let Err(e) = written {
            // A closed pipe (`| head`) ends the listing quietly.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                return Ok(Outcome::Completed);
            }
            return Err(crate::output::stdout_failed(e));
        }
    }
    match out.flush() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(crate::output::stdout_failed(e));
        }
        _ => {}
    }
    left_out.finish()?;
    if failed > 0 {
        anyhow::bail!(
            "{failed} annual-report version(s) could not be read: their raw files are named above"
        );
    }
    Ok(Outcome::Completed)
}

fn csv_rows(out: &mut impl Write, r: &ExportRecord, t: &Tables) -> std::io::Result<()> {
    for c in &t.cells {
        let fields = [
            r.id.clone(),
            r.version.to_string(),
            r.seq.to_string(),
            r.portal.clone(),
            r.issuing_body.clone().unwrap_or_default(),
            r.report_year.map(|y| y.to_string()).unwrap_or_default(),
            t.template.name().to_string(),
            c.table.to_string(),
            c.row_key.clone(),
            c.col_key.clone(),
            c.row_label.clone(),
            c.col_label.clone(),
            c.raw.clone(),
            c.value.map(|v| v.to_string()).unwrap_or_default(),
            serde_json::to_value(c.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled.
fn csv_field(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str, seq: u64, title: &str, published: &str) -> ExportRecord {
        serde_json::from_value(serde_json::json!({
            "id": id, "version": 1, "seq": seq, "portal": "和义县人民政府",
            "url": format!("http://a.gov.cn/{id}.html"), "aliases": [], "list_url": null,
            "fetched_at": "2023-03-01T00:00:00Z", "http_status": 200, "content_type": null,
            "charset": null, "charset_source": null, "sha256": id, "content_hash": id,
            "raw_path": "raw/x", "title": title, "issuing_body": "和义县卫生健康局",
            "index_number": null, "doc_number": null, "publish_date": published,
            "report_year": 2021, "is_annual_report": true, "fields": {}, "provenance": {},
            "attachments": [],
        }))
        .expect("a whole export record")
    }

    /// A correction archived before the report it corrects (lists run newest first) is still
    /// the year's report; without one, the later published; of equals, the later archived.
    #[test]
    fn a_correction_is_the_years_report_whatever_was_archived_last() {
        let key = (
            ("和义县人民政府".to_string(), "和义县卫生健康局".to_string()),
            2021,
        );
        let corrected = record(
            "b",
            5,
            "和义县卫生健康局2021年政府信息公开工作年度报告（更正版）",
            "2022-02-20",
        );
        let original = record(
            "a",
            9,
            "和义县卫生健康局2021年政府信息公开工作年度报告",
            "2022-01-20",
        );
        let records = vec![corrected.clone(), original.clone()];
        assert_eq!(reports_of_each_year(&records)[&key].id, "b");
        let later = record(
            "c",
            3,
            "和义县卫生健康局2021年政府信息公开工作年度报告",
            "2022-03-01",
        );
        let records = vec![later, original.clone()];
        assert_eq!(reports_of_each_year(&records)[&key].id, "c");
        let again = record(
            "d",
            12,
            "和义县卫生健康局2021年政府信息公开工作年度报告",
            "2022-01-20",
        );
        let records = vec![original, again];
        assert_eq!(reports_of_each_year(&records)[&key].id, "d");
    }
}
