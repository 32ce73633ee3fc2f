//! The coverage page: one self-contained HTML file (styles and script inline, nothing fetched)
//! that renders the matrix in the browser from the data embedded in it. The data is compact JSON,
//! gzipped and base64-encoded, so that 3,000 portals x 17 years stay a few MB; the script inflates
//! it with the browser's own `DecompressionStream`.

use std::collections::HashMap;
use std::io::Write as _;

use serde_json::{Value, json};

use super::{Cell, Coverage, PortalCoverage, Rule};

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// Where the page's links point.
#[derive(Debug, Clone)]
pub struct Links {
    /// Prefix of raw files' links: the data_dir as a `file:` URL or a path relative to the page.
    pub raw_base: String,
    /// pywb collection URL (`http://localhost:8080/nianbao/`) when WARC output is on.
    pub replay_base: Option<String>,
}

pub fn render_html(coverage: &Coverage, links: &Links) -> String {
    let data = json!({
        "g": coverage.generated_at,
        "y": coverage.years,
        "rb": links.raw_base,
        "rp": links.replay_base,
        "p": coverage.portals.iter().map(compact_portal).collect::<Vec<_>>(),
    });
    let json = serde_json::to_vec(&data).expect("plain JSON values always serialise");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&json)
        .expect("writing to a Vec in memory cannot fail");
    let packed = gz
        .finish()
        .expect("finishing a gzip stream in memory cannot fail");
    let mut out = String::with_capacity(packed.len() * 4 / 3 + STYLE.len() + SCRIPT.len() + 4096);
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>nianbao coverage</title>\n<style>\n");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str(&format!(
        "<header><h1>Annual reports: coverage</h1><p id=\"meta\">generated {} · {} portals · report years {}–{}</p>\n",
        escape(&coverage.generated_at),
        coverage.portals.len(),
        coverage.years.first().copied().unwrap_or_default(),
        coverage.years.last().copied().unwrap_or_default()
    ));
    out.push_str(LEGEND);
    out.push_str("<p><label>Filter <input id=\"filter\" type=\"search\" placeholder=\"portal or body name, or is:late is:changed is:not_walked is:blocked is:withdrawn is:delisted\" size=\"60\"></label> <span id=\"count\"></span></p></header>\n");
    out.push_str(
        "<main id=\"matrix\"><p id=\"loading\">Loading… (this page needs JavaScript)</p></main>\n",
    );
    out.push_str("<script type=\"application/octet-stream\" id=\"data\">");
    out.push_str(&base64(&packed));
    out.push_str("</script>\n<script>\n");
    out.push_str(SCRIPT);
    out.push_str("</script>\n</body>\n</html>\n");
    out
}

const LEGEND: &str = "<ul id=\"legend\">\
<li><span class=\"c s-captured\">html</span> captured (html, pdf, doc, ofd)</li>\
<li><span class=\"c s-captured_late\">late</span> captured late (first published after the deadline: 31 January for departments, 31 March for governments)</li>\
<li><span class=\"c s-changed\">v1 v2</span> changed after publication (each version linked)</li>\
<li><span class=\"c s-not_found\">–</span> not found although the list was walked completely</li>\
<li><span class=\"c s-not_walked\">?</span> not walked (portal blocked, unreachable, or list incomplete)</li>\
<li><span class=\"c s-not_yet_due\">…</span> not yet due</li>\
<li><span class=\"c s-captured\">html<span class=\"wd\">⊘</span></span> withdrawn: the report was captured, and every URL it was found at now answers 404, 410 or a page saying it does not exist (since when: in the tooltip)</li>\
<li><span class=\"c s-captured\">html<span class=\"dl\">↧</span></span> delisted: the report was captured and is still served, but a complete walk of its list no longer shows it (since when: in the tooltip)</li>\
</ul>\n";

pub(super) fn compact_portal(p: &PortalCoverage) -> Value {
    // Notes repeat along a row ("not found: list all walked completely …"): a table per portal,
    // in the order cells first use them. Found by map, not by scan: a portal of thousands of
    // bodies has thousands of distinct notes.
    let mut notes: Vec<&str> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut rows = Vec::new();
    for row in &p.rows {
        let mut cells = Vec::with_capacity(row.cells.len());
        for c in &row.cells {
            let i = *index.entry(c.note.as_str()).or_insert_with(|| {
                notes.push(&c.note);
                notes.len() - 1
            });
            cells.push(compact_cell(c, i));
        }
        rows.push(json!([
            row.issuing_body,
            match row.rule.rule {
                Rule::Department => 0,
                Rule::Government => 1,
            },
            row.rule.because,
            cells,
            row.also_named
        ]));
    }
    json!([
        p.portal,
        p.url,
        p.last_run,
        p.last_successful_run,
        p.walk_now,
        p.lists
            .iter()
            .map(|(k, v)| json!([k, v]))
            .collect::<Vec<_>>(),
        p.trouble,
        p.failures
            .iter()
            .map(|(k, v)| json!([k, v]))
            .collect::<Vec<_>>(),
        p.health,
        notes,
        rows,
        p.marks,
    ])
}

fn compact_cell(c: &Cell, note: usize) -> Value {
    let state = c.state as u8;
    if c.reports.is_empty() {
        return json!([state, note]);
    }
    let reports: Vec<Value> = c
        .reports
        .iter()
        .map(|r| {
            let versions: Vec<Value> = r
                .versions
                .iter()
                .map(|v| {
                    let stamp: String = v
                        .fetched_at
                        .chars()
                        .filter(char::is_ascii_digit)
                        .take(14)
                        .collect();
                    json!([v.version, v.raw_path, v.url, stamp])
                })
                .collect();
            json!([r.kind, versions])
        })
        .collect();
    match (&c.withdrawn, &c.delisted) {
        (Some(w), _) => json!([state, note, reports, [w.since, w.answer]]),
        (None, Some(d)) => json!([state, note, reports, null, d.since]),
        (None, None) => json!([state, note, reports]),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Standard base64 with padding (RFC 4648), for the embedded data.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_the_rfc_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(super::base64(plain.as_bytes()), encoded, "{plain}");
        }
    }
}
