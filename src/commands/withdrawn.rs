//! `nianbao status --withdrawn`: the archived reports governments took down, newest withdrawal
//! first, each with what its last archived version says of it (issuing body, report year,
//! title), where that copy is (seq and raw file) and how many files it holds; then the delisted ones, still served but no
//! longer on their list. Reads the store's `withdrawn` index, never the URL table.

use serde::Serialize;

use crate::cli::StatusFormat;
use crate::config::Settings;

use super::{Outcome, open_store};

/// One withdrawn document, as its last archived version names it.
#[derive(Debug, Serialize)]
struct WithdrawnRow {
    portal: String,
    id: String,
    /// 发布机构.
    issuing_body: Option<String>,
    report_year: Option<i32>,
    title: Option<String>,
    /// Every URL the document was found at (each one withdrawn).
    urls: Vec<String>,
    since: String,
    answer: String,
    /// The last archived version: its seq in the archive and its raw file.
    seq: Option<u64>,
    raw_path: Option<String>,
    /// The document files that version holds (PDF, DOC, XLS …, archived or missing; not the
    /// pages of an article printed over several): `nianbao export` marks each
    /// `report_withdrawn`.
    attachments: usize,
}

/// One delisted URL: its list no longer shows it, its page still answers.
#[derive(Debug, Serialize)]
struct DelistedRow {
    portal: String,
    id: String,
    url: String,
    /// The list it was last found on, as the ledger names it (a year, or `all`).
    list: Option<String>,
    report_year: Option<i32>,
    title: Option<String>,
    since: String,
}

/// The delisted URLs, newest first, each with what its document's last version says of it.
fn delisted_rows(store: &crate::store::Store) -> anyhow::Result<Vec<DelistedRow>> {
    let mut rows = Vec::new();
    for d in store.delisted_urls()? {
        let seq = store
            .document(&d.doc_id)?
            .and_then(|doc| doc.seqs.last().copied());
        let record = match seq {
            Some(seq) => store.record(seq)?,
            None => None,
        };
        rows.push(DelistedRow {
            portal: d.portal,
            id: d.doc_id,
            url: d.url,
            list: d.list,
            report_year: record.as_ref().and_then(|r| r.report_year),
            title: record.and_then(|r| r.title),
            since: d.since,
        });
    }
    rows.sort_by(|a, b| (b.since.as_str(), &a.url).cmp(&(a.since.as_str(), &b.url)));
    Ok(rows)
}

pub(super) fn run(settings: &Settings, format: StatusFormat) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let mut rows = Vec::new();
    for (id, gone) in store.withdrawn_documents()? {
        let doc = store.document(&id)?;
        let seq = doc.as_ref().and_then(|d| d.seqs.last().copied());
        let record = match seq {
            Some(seq) => store.record(seq)?,
            None => None,
        };
        rows.push(WithdrawnRow {
            portal: gone.portal,
            id,
            issuing_body: record.as_ref().and_then(|r| r.issuing_body.clone()),
            report_year: record.as_ref().and_then(|r| r.report_year),
            title: record.as_ref().and_then(|r| r.title.clone()),
            urls: doc.map(|d| d.urls).unwrap_or_default(),
            since: gone.withdrawal.since,
            answer: gone.withdrawal.answer,
            seq,
            attachments: record.as_ref().map_or(0, |r| {
                let files = r.attachments.iter();
                files.filter(|a| !crate::export::is_article_page(a)).count()
            }),
            raw_path: record.map(|r| r.raw_path),
        });
    }
    // Newest withdrawal first: "what was taken down since DATE" is the top of the list.
    rows.sort_by(|a, b| {
        (b.since.as_str(), &a.portal, &a.id).cmp(&(a.since.as_str(), &b.portal, &b.id))
    });
    let delisted = delisted_rows(&store)?;
    match format {
        StatusFormat::Json => {
            let value = serde_json::json!({ "withdrawn": rows, "delisted": delisted });
            outln!("{}", serde_json::to_string_pretty(&value)?);
        }
        // Titles, issuing bodies and URLs are what the servers gave.
        StatusFormat::Text => out!(
            "{}",
            crate::shown::shown(&format!("{}{}", text(&rows), delisted_text(&delisted)))
        ),
    }
    Ok(Outcome::Completed)
}

/// The text listing: a header line, then per document a line of since, answer, portal, year
/// and title, and indented lines for the issuing body, its URLs and the archived copy.
fn text(rows: &[WithdrawnRow]) -> String {
    let mut out = format!(
        "withdrawn documents: {}, newest first (404, 410 or a page saying they do not exist at every URL they were found at; their versions are kept)\n",
        rows.len()
    );
    for row in rows {
        let year = row.report_year.map(|y| y.to_string());
        out.push_str(&format!(
            "{} {} {}: {} {}\n",
            row.since,
            row.answer,
            row.portal,
            year.as_deref().unwrap_or("(year unknown)"),
            row.title.as_deref().unwrap_or("(no title)")
        ));
        if let Some(body) = &row.issuing_body {
            out.push_str(&format!("    issuing body: {body}\n"));
        }
        for url in &row.urls {
            out.push_str(&format!("    url: {url}\n"));
        }
        if row.attachments > 0 {
            out.push_str(&format!(
                "    attachments: {} (marked report_withdrawn in the export; their own URLs not asked)\n",
                row.attachments
            ));
        }
        match (row.seq, &row.raw_path) {
            (Some(seq), Some(raw)) => {
                out.push_str(&format!("    archived: seq {seq}, raw file {raw}\n"))
            }
            (Some(seq), None) => out.push_str(&format!("    archived: seq {seq}\n")),
            _ => {}
        }
    }
    out
}

/// The delisted URLs as text (nothing when there are none): a header line, then per URL a line
/// of since, portal, year and title, and an indented line for its URL and list.
fn delisted_text(rows: &[DelistedRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "delisted URLs: {}, newest first (no longer on a list walked completely, still served)\n",
        rows.len()
    );
    for row in rows {
        let year = row.report_year.map(|y| y.to_string());
        out.push_str(&format!(
            "{} {}: {} {}\n    url: {} (list {})\n",
            row.since,
            row.portal,
            year.as_deref().unwrap_or("(year unknown)"),
            row.title.as_deref().unwrap_or("(no title)"),
            row.url,
            row.list.as_deref().unwrap_or("?")
        ));
    }
    out
}
