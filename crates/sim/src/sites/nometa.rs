//! Simulator town-site family: item pages with only a heading and the body (no metadata table, no
//! PubDate meta), so the only date is `<span class="date">` in the list; responses gzip-compressed
//! and chunked when the client accepts gzip.

use super::{body_html, esc, index_page_name, page_index, view};
use crate::Family;
use crate::http::{Request, Response};
use crate::page::{self, Page};
use crate::site::{Doc, SiteState};

pub(super) const DIR: &str = "/zwgk/xxgknb/";
pub(super) const SECTION: &str = "/zwgk/xxgknb/index.html";

pub(super) fn route(st: &mut SiteState, req: &Request) -> Option<Response> {
    let path = req.path().to_string();
    if let Some(i) = page_index(&path, DIR) {
        return list_page(st, i);
    }
    let index = view(st, &path)?;
    let doc = st.docs.get(index)?.clone();
    Some(item_page(st, &doc))
}

fn side() -> Vec<(String, String)> {
    vec![
        ("政务动态".to_string(), "/zwgk/zwdt/index.html".to_string()),
        ("政府信息公开年报".to_string(), SECTION.to_string()),
    ]
}

fn list_page(st: &SiteState, current: usize) -> Option<Response> {
    let (docs, pages) = st.page_of(None, current)?;
    let mut rows = String::new();
    for doc in docs {
        let rel = doc.path.strip_prefix(DIR).unwrap_or(&doc.path);
        rows.push_str(&format!(
            "<li><a href=\"./{rel}\" target=\"_blank\">{}</a><span class=\"date\">{}</span></li>\n",
            esc(&doc.spec.title),
            doc.spec.published.format("%Y-%m-%d")
        ));
    }
    let mut pager = format!("<span>第{}页/共{pages}页</span> ", current + 1);
    if current > 0 {
        pager.push_str(&format!(
            "<a href=\"{}\">上一页</a> ",
            index_page_name(current - 1)
        ));
    }
    if current + 1 < pages {
        pager.push_str(&format!(
            "<a href=\"{}\">下一页</a>",
            index_page_name(current + 1)
        ));
    }
    let main = format!("<ul class=\"list\">\n{rows}</ul>\n<div class=\"pager\">{pager}</div>");
    let html = page::render(
        st,
        &Page {
            title: format!("政府信息公开年报-{}", st.spec.portal_name),
            head_extra: "<meta charset=\"utf-8\">\n".to_string(),
            crumbs: vec![
                ("政务公开".to_string(), Some("/zwgk/index.html".to_string())),
                ("政府信息公开年报".to_string(), None),
            ],
            side_title: "政务公开".to_string(),
            side: side(),
            main,
        },
    );
    Some(page::html_response(Family::NoMeta, 200, &html))
}

fn item_page(st: &SiteState, doc: &Doc) -> Response {
    let title = esc(&doc.spec.title);
    let mut attachments = String::new();
    for a in &doc.attachments {
        attachments.push_str(&format!(
            "<p><a href=\"{}\">{}</a></p>\n",
            a.path,
            esc(&a.label)
        ));
    }
    let main = format!(
        "<h1 class=\"title\">{title}</h1>\n<div class=\"article\">\n{}{attachments}</div>",
        body_html(st, doc)
    );
    let html = page::render(
        st,
        &Page {
            title: format!("{title}-{}", st.spec.portal_name),
            head_extra: "<meta charset=\"utf-8\">\n".to_string(),
            crumbs: vec![
                ("政务公开".to_string(), Some("/zwgk/index.html".to_string())),
                ("政府信息公开年报".to_string(), Some(SECTION.to_string())),
                ("正文".to_string(), None),
            ],
            side_title: "政务公开".to_string(),
            side: side(),
            main,
        },
    );
    page::html_response(Family::NoMeta, 200, &html)
}
