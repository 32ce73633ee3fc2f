//! Simulator legacy ASP family: GBK bytes labelled gb2312, a table list at `list.asp?page=N` with
//! 上一页/下一页/尾页 and 共N页 共M条, items at `show.asp?id=N` with `<p>` metadata lines, a 点击数
//! counter updated on every request and editor names in GBK-only characters (喆, 镕).

use super::{body_html, esc, view};
use crate::Family;
use crate::http::{Request, Response};
use crate::page::{self, Page};
use crate::site::{Doc, SiteState};

pub(super) const DIR: &str = "/xxgk/nb/";
pub(super) const SECTION: &str = "/xxgk/nb/list.asp?page=1";

const HEAD: &str = "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">\n";

pub(super) fn route(st: &mut SiteState, req: &Request) -> Option<Response> {
    let path = req.path();
    if path == format!("{DIR}list.asp") {
        let page: usize = req
            .param("page")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or(1);
        return Some(list_page(st, page.max(1)));
    }
    let index = view(st, &req.target)?;
    let doc = st.docs.get(index)?.clone();
    Some(item_page(st, &doc))
}

fn side() -> Vec<(String, String)> {
    page::column_menu(Family::LegacyGbk, SECTION)
}

fn list_page(st: &SiteState, current: usize) -> Response {
    // Like the ASP it models, a page past the end shows an empty list rather than a 404.
    let (docs, pages) = st
        .page_of(None, current - 1)
        .unwrap_or_else(|| (Vec::new(), st.page_count(None)));
    let mut rows = String::new();
    for doc in docs {
        let rel = doc.path.strip_prefix(DIR).unwrap_or(&doc.path);
        rows.push_str(&format!(
            "<tr>\n<td width=\"20\"><img src=\"/images/dot.gif\"></td>\n<td><a href=\"{rel}\" target=\"_blank\">{}</a></td>\n<td width=\"90\" align=\"center\">{}</td>\n</tr>\n",
            esc(&doc.spec.title),
            doc.spec.published.format("%Y-%m-%d")
        ));
    }
    let link = |p: usize, label: &str| format!("<a href=\"list.asp?page={p}\">{label}</a>");
    let prev = if current > 1 {
        link(current - 1, "上一页")
    } else {
        "上一页".to_string()
    };
    let next = if current < pages {
        link(current + 1, "下一页")
    } else {
        "下一页".to_string()
    };
    let main = format!(
        "<table width=\"100%\" border=\"0\" cellspacing=\"0\" cellpadding=\"0\" class=\"list\">\n{rows}</table>\n\
<table width=\"100%\"><tr><td align=\"center\" class=\"pager\">共{pages}页 共{count}条 第{current}页 {first} {prev} {next} {last}</td></tr></table>",
        count = st.listed(None).len(),
        first = link(1, "首页"),
        last = link(pages, "尾页"),
    );
    let html = page::render(
        st,
        &Page {
            title: format!("政府信息公开年报_{}", st.spec.portal_name),
            head_extra: HEAD.to_string(),
            crumbs: vec![
                ("信息公开".to_string(), Some("/xxgk/index.asp".to_string())),
                ("政府信息公开年报".to_string(), None),
            ],
            side_title: "信息公开".to_string(),
            side: side(),
            main,
        },
    );
    page::html_response(Family::LegacyGbk, 200, &html)
}

fn item_page(st: &SiteState, doc: &Doc) -> Response {
    let title = esc(&doc.spec.title);
    let mut meta = String::new();
    if let Some(body) = &doc.spec.issuing_body {
        meta.push_str(&format!("<p>发布机构：{body}</p>\n"));
    }
    meta.push_str(&format!(
        "<p>发布日期：{}</p>\n",
        doc.spec.published.format("%Y-%m-%d")
    ));
    if let Some(number) = &doc.spec.doc_number {
        meta.push_str(&format!("<p>文号：{number}</p>\n"));
    }
    meta.push_str(&format!("<p>点击数：{}</p>\n", doc.views));
    let mut attachments = String::new();
    for a in &doc.attachments {
        attachments.push_str(&format!(
            "<p>附件下载：<a href=\"{}\">{}</a></p>\n",
            a.path,
            esc(&a.label)
        ));
    }
    let main = format!(
        "<table width=\"100%\" class=\"show\"><tr><td align=\"center\"><h2>{title}</h2></td></tr>\n\
<tr><td class=\"meta\">\n{meta}</td></tr>\n<tr><td class=\"content\">\n{body}{attachments}</td></tr>\n\
<tr><td align=\"right\">编辑：王喆　审核：李镕</td></tr></table>",
        body = body_html(st, doc),
    );
    let html = page::render(
        st,
        &Page {
            title: format!("{title}_{}", st.spec.portal_name),
            head_extra: HEAD.to_string(),
            crumbs: vec![
                ("信息公开".to_string(), Some("/xxgk/index.asp".to_string())),
                ("政府信息公开年报".to_string(), Some(SECTION.to_string())),
                ("正文".to_string(), None),
            ],
            side_title: "信息公开".to_string(),
            side: side(),
            main,
        },
    );
    page::html_response(Family::LegacyGbk, 200, &html)
}
