//! Simulator Hanweb 大汉 JCMS family: a column page whose first records sit as CDATA inside
//! `<script type="text/xml"><datastore>`, the rest served by `/module/web/jpage/dataproxy.jsp`
//! (GET or POST, startrecord/endrecord), item pages with the Hanweb metadata table and
//! attachments behind `/module/download/downfile.jsp`.

use super::{body_html, esc, view};
use crate::Family;
use crate::http::{Request, Response};
use crate::page::{self, Page};
use crate::site::{Doc, SiteState};

pub(super) const SECTION: &str = "/col/col1234/index.html";
const DATAPROXY: &str = "/module/web/jpage/dataproxy.jsp";

fn webname(st: &SiteState) -> String {
    url::form_urlencoded::byte_serialize(st.spec.portal_name.as_bytes()).collect()
}

/// The first page, then the dataproxy calls for records after it.
pub(super) fn list_targets(st: &SiteState, pages: usize) -> Vec<String> {
    let per = st.spec.page_size.max(1);
    let mut out = vec![SECTION.to_string()];
    for p in 1..pages {
        out.push(format!(
            "{DATAPROXY}?startrecord={}&endrecord={}&perpage={per}&columnid=1234&unitid=5678&webid=1&appid=1&webname={}&path=/&permissiontype=0",
            p * per + 1,
            (p + 1) * per,
            webname(st)
        ));
    }
    out
}

pub(super) fn route(st: &mut SiteState, req: &Request) -> Option<Response> {
    let path = req.path();
    if path == SECTION {
        return Some(column(st));
    }
    if path == DATAPROXY {
        return Some(dataproxy(st, req));
    }
    let index = view(st, &req.target)?;
    let doc = st.docs.get(index)?.clone();
    Some(item_page(st, &doc))
}

fn record(doc: &Doc) -> String {
    let full = esc(&doc.spec.title);
    let short: String = doc.spec.title.chars().take(22).collect();
    let short = if short.chars().count() < doc.spec.title.chars().count() {
        format!("{}…", esc(&short))
    } else {
        full.clone()
    };
    format!(
        "<record><![CDATA[<li><a href=\"{}\" title=\"{full}\" target=\"_blank\">{short}</a><span>{}</span></li>]]></record>\n",
        doc.path,
        doc.spec.published.format("%Y-%m-%d")
    )
}

fn column(st: &SiteState) -> Response {
    let listed = st.listed(None);
    let per = st.spec.page_size.max(1);
    let mut records = String::new();
    for doc in listed.iter().take(per) {
        records.push_str(&record(doc));
    }
    let main = format!(
        "<div class=\"column-title\">政府信息公开年报</div>\n<div id=\"1234\">\n<script type=\"text/xml\">\n<datastore>\n\
<nextgroup><![CDATA[<a href=\"{DATAPROXY}?page=1&appid=1&webid=1&path=/&columnid=1234&unitid=5678&webname={wn}&permissiontype=0\"></a>]]></nextgroup>\n\
<recordset>\n{records}</recordset>\n</datastore>\n</script>\n\
<script language=\"javascript\" src=\"/module/jslib/jquery/jpage/jquery.page.min.js\"></script>\n\
<script>\nvar totalRecord = {total};\n$(document).ready(function(){{$('#1234').jpage({{dataStore:dataStore,perPage:{per},totalRecord:totalRecord,proxyUrl:'{DATAPROXY}',groupSize:3,\
ajaxParam:{{columnid:1234,unitid:5678,webid:1,appid:1,webname:'{name}',path:'/',permissiontype:0}}}});}});\n</script>\n</div>\n\
<div id=\"jpage-params\" data-columnid=\"1234\" data-unitid=\"5678\" data-webid=\"1\" data-perpage=\"{per}\"></div>",
        wn = webname(st),
        total = listed.len(),
        name = st.spec.portal_name,
    );
    let html = page::render(
        st,
        &Page {
            title: format!("政府信息公开年报 {}", st.spec.portal_name),
            head_extra: format!(
                "<meta charset=\"utf-8\">\n<meta name=\"SiteName\" content=\"{p}\">\n<meta name=\"ColumnName\" content=\"政府信息公开年报\">\n<!--GS_0001_D7-->\n",
                p = st.spec.portal_name
            ),
            crumbs: vec![
                (
                    "政务公开".to_string(),
                    Some("/col/col1230/index.html".to_string()),
                ),
                ("政府信息公开年报".to_string(), None),
            ],
            side_title: "政务公开".to_string(),
            side: sub_menu(),
            main,
        },
    );
    page::html_response(Family::Hanweb, 200, &html)
}

fn sub_menu() -> Vec<(String, String)> {
    page::column_menu(Family::Hanweb, SECTION)
}

/// Answers a jpage request; parameters come from the query or the form body, and any number a
/// client sends (huge, zero, missing) yields a well-formed, possibly empty, datastore.
fn dataproxy(st: &SiteState, req: &Request) -> Response {
    let listed = st.listed(None);
    let per: usize = req
        .param("perpage")
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(st.spec.page_size.max(1));
    let page: usize = req
        .param("page")
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(1);
    let start: usize = req
        .param("startrecord")
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| (page - 1).saturating_mul(per).saturating_add(1));
    let end: usize = req
        .param("endrecord")
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| start.saturating_add(per - 1));
    let mut records = String::new();
    for doc in listed
        .iter()
        .skip(start - 1)
        .take(end.saturating_add(1).saturating_sub(start))
    {
        records.push_str(&record(doc));
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><datastore><totalrecord>{}</totalrecord><totalpage>{}</totalpage><recordset>\n{records}</recordset></datastore>",
        listed.len(),
        listed.len().div_ceil(per)
    );
    Response::new(200, "text/xml;charset=UTF-8", xml.into_bytes()).header("Server", "nginx")
}

fn item_page(st: &SiteState, doc: &Doc) -> Response {
    let title = esc(&doc.spec.title);
    let date = doc.spec.published.format("%Y-%m-%d").to_string();
    let mut attachments = String::new();
    for a in &doc.attachments {
        attachments.push_str(&format!(
            "<p>附件：<a href=\"{}\" target=\"_blank\">{}</a></p>\n",
            esc(&a.path),
            esc(&a.label)
        ));
    }
    let main = format!(
        "<table class=\"xxgk_table\" width=\"100%\" cellspacing=\"0\">\n\
<tr><td class=\"bt\">索引号：</td><td>{index}</td><td class=\"bt\">主题分类：</td><td>综合政务</td></tr>\n\
<tr><td class=\"bt\">发布机构：</td><td>{body_name}</td><td class=\"bt\">发布日期：</td><td>{date}</td></tr>\n\
<tr><td class=\"bt\">文号：</td><td>{number}</td><td class=\"bt\">有效性：</td><td>有效</td></tr>\n\
<tr><td class=\"bt\">名称：</td><td colspan=\"3\">{title}</td></tr>\n</table>\n\
<div class=\"title\">{title}</div>\n\
<!--ZJEG_RSS.content.begin--><meta name=\"ContentStart\">\n<div id=\"zoom\">\n{body}{attachments}</div>\n<meta name=\"ContentEnd\"><!--ZJEG_RSS.content.end-->",
        index = doc.index_number.as_deref().unwrap_or(""),
        body_name = doc.spec.issuing_body.as_deref().unwrap_or(""),
        number = doc.spec.doc_number.as_deref().unwrap_or(""),
        body = body_html(st, doc),
    );
    let html = page::render(
        st,
        &Page {
            title: format!("{title} {}", st.spec.portal_name),
            head_extra: format!(
                "<meta charset=\"utf-8\">\n<meta name=\"SiteName\" content=\"{p}\">\n<meta name=\"ColumnName\" content=\"政府信息公开年报\">\n\
            <meta name=\"ArticleTitle\" content=\"{title}\">\n<meta name=\"PubDate\" content=\"{when}\">\n<meta name=\"Maketime\" content=\"{gen}\">\n",
                p = st.spec.portal_name,
                when = doc.spec.published.format("%Y-%m-%d %H:%M"),
                gen = page::generated_at(st.generation),
            ),
            crumbs: vec![
                (
                    "政务公开".to_string(),
                    Some("/col/col1230/index.html".to_string()),
                ),
                ("政府信息公开年报".to_string(), Some(SECTION.to_string())),
            ],
            side_title: "政务公开".to_string(),
            side: sub_menu(),
            main,
        },
    );
    page::html_response(Family::Hanweb, 200, &html)
}
