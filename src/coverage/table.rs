//! The coverage matrix as CSV: one line per cell, for spreadsheets and scripts.

use std::fmt::Write as _;

use super::Coverage;

const HEADER: &str = "portal,issuing_body,rule,year,state,late,changed,deadline,first_published,kinds,versions,raw_paths,urls,note,also_named,withdrawn_since,withdrawn_answer,delisted_since,earlier_urls";

/// One line per portal, body and year; lists inside a field are joined by spaces (the body's
/// other names, which may hold spaces, by `;`). New columns go at the end, so that a reader that
/// takes columns by position keeps reading the ones it knew.
pub fn render_csv(coverage: &Coverage) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for portal in &coverage.portals {
        for row in &portal.rows {
            for cell in &row.cells {
                let first = cell
                    .reports
                    .iter()
                    .filter_map(|r| r.first_published.as_deref())
                    .min()
                    .unwrap_or("");
                let kinds: Vec<&str> = cell.reports.iter().map(|r| r.kind.as_str()).collect();
                let versions = cell.reports.iter().map(|r| r.versions.len()).sum::<usize>();
                let all = || cell.reports.iter().flat_map(|r| &r.versions);
                let raw: Vec<&str> = all().map(|v| v.raw_path.as_str()).collect();
                let urls: Vec<&str> = all().map(|v| v.url.as_str()).collect();
                // A re-published report's earlier addresses (`same_report_as`, folded in).
                let earlier: Vec<&str> = cell
                    .reports
                    .iter()
                    .flat_map(|r| &r.earlier)
                    .map(|e| e.url.as_str())
                    .collect();
                let fields = [
                    portal.portal.as_str(),
                    &row.issuing_body,
                    match row.rule.rule {
                        super::Rule::Department => "department",
                        super::Rule::Government => "government",
                    },
                    &cell.year.to_string(),
                    cell.state.name(),
                    if cell.late { "true" } else { "false" },
                    if cell.changed { "true" } else { "false" },
                    cell.deadline.as_deref().unwrap_or(""),
                    first,
                    &kinds.join(" "),
                    &versions.to_string(),
                    &raw.join(" "),
                    &urls.join(" "),
                    &cell.note,
                    &row.also_named.join(";"),
                    cell.withdrawn.as_ref().map_or("", |w| w.since.as_str()),
                    cell.withdrawn.as_ref().map_or("", |w| w.answer.as_str()),
                    cell.delisted.as_ref().map_or("", |d| d.since.as_str()),
                    &earlier.join(" "),
                ];
                let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
                let _ = writeln!(out, "{}", line.join(","));
            }
        }
    }
    out
}

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
