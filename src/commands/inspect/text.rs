//! `nianbao inspect`'s text form: what each step of the page pipeline concluded about one page,
//! as a seed writer reads it (`--format json` prints the `Inspection` itself).

use std::fmt::Write as _;

use super::{Inspection, same};
use crate::discover::PageRequest;

/// The human-readable report.
pub fn render_text(i: &Inspection) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "url:      {}", i.url);
    if let Some(status) = i.http_status {
        let _ = writeln!(
            out,
            "status:   {status} {}",
            i.content_type.as_deref().unwrap_or("")
        );
    }
    if let Some(charset) = &i.charset {
        let declared = i
            .charset_declared
            .as_deref()
            .map(|d| format!(", declared {d:?}"))
            .unwrap_or_else(|| ", nothing declared".into());
        let _ = writeln!(
            out,
            "charset:  {charset} (decided by {}{declared})",
            i.charset_source.as_deref().unwrap_or("?")
        );
    }
    let unread = i.replacement_chars.unwrap_or(0);
    if unread > 0 || i.mojibake == Some(true) {
        let looks = if i.mojibake == Some(true) {
            "; the text looks like mojibake"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "decoding: {unread} replacement character(s) (U+FFFD){looks}"
        );
    }
    let detail = i
        .kind_detail
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    let _ = writeln!(out, "kind:     {}{detail}", i.kind);
    if let Some(name) = &i.list_name {
        let on = if i.kind == "list" {
            ""
        } else {
            " (read as found on it)"
        };
        let _ = writeln!(out, "list name: {name}{on}");
    }
    match i.kind.as_str() {
        "list" => render_list(&mut out, i),
        "item" => render_item(&mut out, i),
        _ => {}
    }
    out
}

fn render_list(out: &mut String, i: &Inspection) {
    if let Some(stated) = &i.stated {
        let show = |v: Option<u64>| v.map_or_else(|| "?".to_string(), |v| v.to_string());
        let _ = writeln!(
            out,
            "stated:   {} items, {} pages",
            show(stated.items),
            show(stated.pages)
        );
    }
    let _ = writeln!(out, "items ({}):", i.items.len());
    for item in &i.items {
        let date = item
            .date
            .map_or_else(|| "----------".to_string(), |d| d.to_string());
        let _ = writeln!(
            out,
            "  {date}  {}  {}",
            item.title.as_deref().unwrap_or("(no title)"),
            item.url
        );
    }
    let _ = writeln!(out, "next pages ({}):", i.next_pages.len());
    for page in &i.next_pages {
        match page {
            PageRequest::Get(url) => {
                let _ = writeln!(out, "  GET  {url}");
            }
            PageRequest::Post { url, form, charset } => {
                let form: Vec<String> = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", shortened(v)))
                    .collect();
                let sent_in =
                    charset.map_or(String::new(), |e| format!("  (sent in {})", e.name()));
                let _ = writeln!(out, "  POST {url}  {}{sent_in}", form.join("&"));
            }
        }
    }
    if !i.year_sections.is_empty() {
        let _ = writeln!(out, "year sections ({}):", i.year_sections.len());
        for s in &i.year_sections {
            let _ = writeln!(out, "  {}  {}", s.year, s.url);
        }
    }
}

/// A form value as the text view shows it: a long one (an ASP.NET view state) by its start and
/// its length.
fn shortened(value: &str) -> String {
    const SHOWN: usize = 40;
    match value.char_indices().nth(SHOWN) {
        Some((cut, _)) if value.len() > 2 * SHOWN => {
            format!("{}…({} bytes)", &value[..cut], value.len())
        }
        _ => value.to_string(),
    }
}

fn render_item(out: &mut String, i: &Inspection) {
    let year = i.report_year.map(|y| y.to_string());
    let annual = i.is_annual_report.to_string();
    let rows: [(&str, Option<&str>); 7] = [
        ("title", i.title.as_deref()),
        ("issuing_body", i.issuing_body.as_deref()),
        ("index_number", i.index_number.as_deref()),
        ("doc_number", i.doc_number.as_deref()),
        ("publish_date", i.publish_date.as_deref()),
        ("report_year", year.as_deref()),
        ("is_annual_report", Some(annual.as_str())),
    ];
    for (name, value) in rows {
        let source = i
            .provenance
            .get(name)
            .map(|s| format!("  [{s}]"))
            .unwrap_or_default();
        let _ = writeln!(out, "{name:<17} {}{source}", value.unwrap_or("-"));
    }
    same::render(out, i);
    if !i.fields.is_empty() {
        let _ = writeln!(out, "fields ({}):", i.fields.len());
        for (label, value) in &i.fields {
            let _ = writeln!(out, "  {label}: {value}");
        }
    }
    let _ = writeln!(out, "attachments ({}):", i.attachments.len());
    for a in &i.attachments {
        let _ = writeln!(out, "  {}  {}", a.name.as_deref().unwrap_or("-"), a.url);
    }
}
