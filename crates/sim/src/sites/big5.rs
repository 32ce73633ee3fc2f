//! Simulator Traditional-Chinese family: Big5 bytes with no charset declared in the header or in
//! a `<meta>`, labels 索引號/發布機構/發布日期/文號, and a plain 下一頁 pager over index.html,
//! index_1.html, … Pure rendering over the site model.

use super::{body_html, esc, index_page_name, page_index, view};
use crate::Family;
use crate::http::{Request, Response};
use crate::page::{self, Page};
use crate::site::{Doc, SiteState};

pub(super) const DIR: &str = "/xxgk/nb/";
pub(super) const SECTION: &str = "/xxgk/nb/index.html";

pub(super) fn route(st: &mut SiteState, req: &Request) -> Option<Response> {
    let path = req.path().to_string();
    if let Some(i) = page_index(&path, DIR) {
        return list_page(st, i);
    }
    let index = view(st, &path)?;
    let doc = st.docs.get(index)?.clone();
    Some(item_page(st, &doc))
}

fn crumbs(leaf: bool) -> Vec<(String, Option<String>)> {
    let mut out = vec![
        ("資訊公開".to_string(), Some("/xxgk/index.html".to_string())),
        (
            "政府資訊公開年報".to_string(),
            leaf.then(|| SECTION.to_string()),
        ),
    ];
    if leaf {
        out.push(("正文".to_string(), None));
    }
    out
}

fn side() -> Vec<(String, String)> {
    vec![
        (
            "政府資訊公開指南".to_string(),
            "/xxgk/zn/index.html".to_string(),
        ),
        ("政府資訊公開年報".to_string(), SECTION.to_string()),
    ]
}

fn list_page(st: &SiteState, current: usize) -> Option<Response> {
    let (docs, pages) = st.page_of(None, current)?;
    let mut rows = String::new();
    for doc in docs {
        let rel = doc.path.strip_prefix(DIR).unwrap_or(&doc.path);
        rows.push_str(&format!(
            "<li><a href=\"{rel}\">{}</a> <span>{}</span></li>\n",
            esc(&doc.spec.title),
            doc.spec.published.format("%Y-%m-%d")
        ));
    }
    let mut pager = String::new();
    if current > 0 {
        pager.push_str(&format!(
            "<a href=\"{}\">上一頁</a> ",
            index_page_name(current - 1)
        ));
    }
    if current + 1 < pages {
        pager.push_str(&format!(
            "<a href=\"{}\">下一頁</a>",
            index_page_name(current + 1)
        ));
    }
    let main = format!(
        "<div class=\"column-title\">政府資訊公開年報</div>\n<ul class=\"list\">\n{rows}</ul>\n<div class=\"pager\">{pager}</div>"
    );
    let html = page::render(
        st,
        &Page {
            title: format!("政府資訊公開年報-{}", st.spec.portal_name),
            head_extra: String::new(),
            crumbs: crumbs(false),
            side_title: "資訊公開".to_string(),
            side: side(),
            main,
        },
    );
    Some(page::html_response(Family::Big5, 200, &html))
}

fn item_page(st: &SiteState, doc: &Doc) -> Response {
    let title = esc(&doc.spec.title);
    let mut attachments = String::new();
    for a in &doc.attachments {
        attachments.push_str(&format!(
            "<p>附件：<a href=\"{}\">{}</a></p>\n",
            a.path,
            esc(&a.label)
        ));
    }
    let main = format!(
        "<table class=\"meta\" width=\"100%\">\n\
<tr><th>索引號</th><td>{index}</td><th>發布機構</th><td>{body_name}</td></tr>\n\
<tr><th>發布日期</th><td>{date}</td><th>文號</th><td>{number}</td></tr>\n</table>\n\
<h1>{title}</h1>\n<div class=\"content\">\n{body}{attachments}</div>",
        index = doc.index_number.as_deref().unwrap_or(""),
        body_name = doc.spec.issuing_body.as_deref().unwrap_or(""),
        date = doc.spec.published.format("%Y-%m-%d"),
        number = doc.spec.doc_number.as_deref().unwrap_or(""),
        body = body_html(st, doc),
    );
    let html = page::render(
        st,
        &Page {
            title: format!("{title}-{}", st.spec.portal_name),
            head_extra: String::new(),
            crumbs: crumbs(true),
            side_title: "資訊公開".to_string(),
            side: side(),
            main,
        },
    );
    page::html_response(Family::Big5, 200, &html)
}
