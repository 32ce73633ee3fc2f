//! Simulator CMS families: where each family puts documents (paths, aliases, attachments, index
//! numbers), how its lists are split into subsections and pages, and the routing of a request to
//! the family's renderer. One submodule per family; shared item-body and PDF helpers live here.

mod attachment_only;

pub use attachment_only::attachment_table_rows;
mod big5;
mod blocked;
mod gbk;
mod hanweb;
mod hostile;
mod nometa;
mod trs;

use chrono::{Datelike, Duration};

use super::http::{Request, Response};
use super::page::{self, Page};
use super::report::{self, Script};
use super::site::{Doc, SiteState};
use super::{DocSpec, Family};

pub(crate) fn first_id(family: Family) -> u32 {
    match family {
        Family::Trs => 12345,
        Family::Hanweb => 567,
        Family::LegacyGbk => 101,
        Family::Big5 => 2001,
        Family::NoMeta => 301,
        Family::Blocked => 1,
        Family::Hostile => 9001,
    }
}

pub(crate) fn section_path(family: Family) -> &'static str {
    match family {
        Family::Trs => trs::SECTION,
        Family::Hanweb => hanweb::SECTION,
        Family::LegacyGbk => gbk::SECTION,
        Family::Big5 => big5::SECTION,
        Family::NoMeta => nometa::SECTION,
        Family::Blocked => blocked::SECTION,
        Family::Hostile => hostile::SECTION,
    }
}

/// Gives a new document its id-derived path, alias, attachments and index number. `seq` is the
/// number of documents already published in the same year (for 索引号 serials).
pub(crate) fn place(family: Family, id: u32, seq: usize, spec: DocSpec) -> Doc {
    let d = spec.published.date();
    let ymd = d.format("%Y%m%d").to_string();
    let ym = d.format("%Y%m").to_string();
    let year = d.year();
    let pdf_label = format!("{}.pdf", spec.title);
    let (path, alias, attachment, index_number) = match family {
        Family::Trs => {
            let dir = match spec.channel {
                Some(ch) => format!("{}{ch}/", trs::DIR),
                None => trs::DIR.to_string(),
            };
            let alias = spec
                .listed_twice
                .then(|| format!("{}{ym}/t{ymd}_{}.html", trs::DIR, id + 3));
            (
                format!("{dir}{ym}/t{ymd}_{id}.html"),
                alias,
                format!("{dir}{ym}/P0{ymd}{id}.pdf"),
                Some(format!("ATS001-{year}-{:06}", seq + 1)),
            )
        }
        Family::Hanweb => (
            format!("/art/{year}/{}/{}/art_1234_{id}.html", d.month(), d.day()),
            None,
            format!("/module/download/downfile.jsp?classid=0&filename={ymd}{id}.pdf"),
            Some(format!("11654301MB1523456X/{year}-{:05}", seq + 1)),
        ),
        Family::LegacyGbk => (
            format!("{}show.asp?id={id}", gbk::DIR),
            None,
            format!("/UploadFiles/{ym}/{id}.pdf"),
            None,
        ),
        Family::Big5 => (
            format!("{}{ym}/t{ymd}_{id}.html", big5::DIR),
            None,
            format!("{}{ym}/P0{ymd}{id}.pdf", big5::DIR),
            Some(format!("JA{year}-{:04}", seq + 1)),
        ),
        Family::NoMeta | Family::Blocked => (
            format!("{}{ym}/t{ymd}_{id}.html", nometa::DIR),
            None,
            format!("{}{ym}/P0{ymd}{id}.pdf", nometa::DIR),
            None,
        ),
        Family::Hostile => (
            format!("{}{ym}/t{ymd}_{id}.html", hostile::DIR),
            None,
            format!("{}{ym}/P0{ymd}{id}.pdf", hostile::DIR),
            None,
        ),
    };
    let attachments = if spec.attachment {
        vec![super::site::Attachment {
            path: attachment,
            label: pdf_label,
        }]
    } else {
        Vec::new()
    };
    Doc {
        id,
        path,
        alias,
        spec,
        index_number,
        attachments,
        extra_paragraphs: Vec::new(),
        views: 100 + u64::from(id % 400),
    }
}

pub(crate) fn in_list(family: Family, doc: &Doc, sub: Option<i32>) -> bool {
    match (family, sub) {
        (Family::Trs, Some(year)) => doc.spec.channel == Some(year),
        (_, None) => true,
        _ => false,
    }
}

pub(crate) fn subsections(st: &SiteState) -> Vec<Option<i32>> {
    match st.spec.family {
        Family::Trs => trs::subsections(st),
        Family::Blocked => Vec::new(),
        _ => vec![None],
    }
}

/// Paths (with query) of the `pages` list pages of subsection `sub`, in pager order.
pub(crate) fn list_targets(st: &SiteState, sub: Option<i32>, pages: usize) -> Vec<String> {
    match st.spec.family {
        Family::Trs => indexed_pages(&trs::list_dir(sub), pages),
        Family::Hanweb => hanweb::list_targets(st, pages),
        Family::LegacyGbk => (1..=pages)
            .map(|p| format!("{}list.asp?page={p}", gbk::DIR))
            .collect(),
        Family::Big5 => indexed_pages(big5::DIR, pages),
        Family::NoMeta => indexed_pages(nometa::DIR, pages),
        Family::Blocked => Vec::new(),
        Family::Hostile => hostile::list_targets(st),
    }
}

/// TRS-style page names: index.html, index_1.html, index_2.html …
pub(super) fn index_page_name(i: usize) -> String {
    if i == 0 {
        "index.html".to_string()
    } else {
        format!("index_{i}.html")
    }
}

fn indexed_pages(dir: &str, pages: usize) -> Vec<String> {
    (0..pages)
        .map(|i| format!("{dir}{}", index_page_name(i)))
        .collect()
}

/// Page number of `path` if it is `dir` + index.html / index_N.html.
fn page_index(path: &str, dir: &str) -> Option<usize> {
    let name = path.strip_prefix(dir)?;
    if name == "index.html" {
        return Some(0);
    }
    name.strip_prefix("index_")?
        .strip_suffix(".html")?
        .parse()
        .ok()
        .filter(|n| *n > 0)
}

pub(crate) fn route(st: &mut SiteState, req: &Request) -> Option<Response> {
    let family = st.spec.family;
    if family == Family::Blocked {
        return Some(blocked::challenge(st));
    }
    if let Some(resp) = attachment(st, req) {
        return Some(resp);
    }
    let routed = match family {
        Family::Trs => trs::route(st, req),
        Family::Hanweb => hanweb::route(st, req),
        Family::LegacyGbk => gbk::route(st, req),
        Family::Big5 => big5::route(st, req),
        Family::NoMeta => nometa::route(st, req),
        Family::Hostile => hostile::route(st, req),
        Family::Blocked => None,
    };
    routed.or_else(|| page::column_page(st, req.path()))
}

/// A family's own robots.txt, when it does not serve the site-model one.
pub(crate) fn robots(st: &SiteState) -> Option<Response> {
    match st.spec.family {
        Family::Hostile => hostile::robots(st),
        _ => None,
    }
}

pub(crate) fn not_found(st: &SiteState) -> Response {
    let tw = page::skin(st.spec.family).script == Script::Traditional;
    let msg = if tw {
        "對不起，您訪問的頁面不存在！"
    } else {
        "对不起，您访问的页面不存在！"
    };
    let html = page::render(
        st,
        &Page {
            title: msg.to_string(),
            head_extra: "<meta charset=\"utf-8\">\n".to_string(),
            crumbs: vec![("404".to_string(), None)],
            side_title: String::new(),
            side: Vec::new(),
            main: format!("<div class=\"error\">{msg}</div>"),
        },
    );
    page::html_response(
        st.spec.family,
        404,
        &page::strip_charset(st.spec.family, html),
    )
}

fn attachment(st: &SiteState, req: &Request) -> Option<Response> {
    let doc = st.docs.iter().find(|d| {
        d.attachments
            .iter()
            .any(|a| same_target(&a.path, &req.target))
    })?;
    // The attachment is the report itself as a PDF with a text layer (the id makes each one's
    // bytes distinct).
    let bytes = attachment_only::report_pdf(&doc.spec, doc.id);
    let resp = if st.spec.family == Family::Hanweb {
        Response::new(200, "application/octet-stream", bytes)
            .header("Content-Disposition", "attachment; filename=report.pdf")
    } else {
        Response::new(200, "application/pdf", bytes)
    };
    Some(resp)
}

/// Targets equal up to the order of query parameters (crawlers may normalise queries).
pub(crate) fn same_target(a: &str, b: &str) -> bool {
    let split = |t: &str| {
        let (path, query) = t.split_once('?').unwrap_or((t, ""));
        let mut params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        params.sort();
        (path.to_string(), params)
    };
    split(a) == split(b)
}

/// Finds the document served at `target` (path or alias), counts the view and returns its index.
fn view(st: &mut SiteState, target: &str) -> Option<usize> {
    let index = st.docs.iter().position(|d| {
        same_target(&d.path, target) || d.alias.as_deref().is_some_and(|a| same_target(a, target))
    })?;
    let doc = st.docs.get_mut(index)?;
    doc.views += 1;
    Some(index)
}

/// The main content of an item: generated body, edits, then the signature block.
fn body_html(st: &SiteState, doc: &Doc) -> String {
    if doc.spec.attachment_only {
        return attachment_only::item_body(&doc.spec);
    }
    let script = page::skin(st.spec.family).script;
    let seed = u64::from(doc.id) ^ st.spec.name.len() as u64;
    let mut out = match doc.spec.report_year {
        Some(year) => report::report_html(report::subject_of(&doc.spec.title), year, seed, script),
        None => report::notice_html(&doc.spec.title, seed, script),
    };
    for para in &doc.extra_paragraphs {
        out.push_str(&format!("<p style=\"text-indent:2em;\">{para}</p>\n"));
    }
    if let Some(body) = &doc.spec.signed_by {
        let signed = doc.spec.published.date() - Duration::days(3);
        out.push_str(&format!(
            "<p style=\"text-align:right;\">{body}</p>\n<p style=\"text-align:right;\">{}年{}月{}日</p>\n",
            signed.year(),
            signed.month(),
            signed.day()
        ));
    }
    out
}

/// HTML-escapes text for attribute and element content.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_compare_up_to_query_order() {
        let cases = [
            ("/a.asp?id=1&x=2", "/a.asp?x=2&id=1", true),
            ("/a.asp?id=1", "/a.asp?id=2", false),
            ("/a.html", "/a.html", true),
            ("/a.html", "/b.html", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(same_target(a, b), want, "{a} {b}");
        }
    }

    #[test]
    fn pdf_xref_offsets_point_at_objects() {
        let spec = crate::DocSpec::new("某某县2023年政府信息公开工作年度报告", "2024-01-20 09:00")
            .report(2023);
        let pdf = attachment_only::report_pdf(&spec, 42);
        let text = String::from_utf8_lossy(&pdf).into_owned();
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref value");
        assert!(pdf[xref_at..].starts_with(b"xref"));
        let offsets: Vec<usize> = text[xref_at..]
            .lines()
            .filter(|l| l.ends_with(" n "))
            .map(|l| l[..10].parse().expect("offset"))
            .collect();
        assert_eq!(offsets.len(), 7);
        for (i, off) in offsets.iter().enumerate() {
            assert!(pdf[*off..].starts_with(format!("{} 0 obj", i + 1).as_bytes()));
        }
    }
}
