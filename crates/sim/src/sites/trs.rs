//! Simulator TRS WCM family: a 政府信息公开年报 channel with per-year sub-channels, lists paged by
//! `createPageHTML(countPage, currentPage, "index", "html")`, and item pages with the TRS metadata
//! table, a 浏览次数 counter and a `页面生成时间` meta that change on every request.

use super::{body_html, esc, page_index, view};
use crate::Family;
use crate::http::{Request, Response};
use crate::page::{self, Page};
use crate::site::{Doc, SiteState};

pub(super) const DIR: &str = "/zwgk/zfxxgknb/";
pub(super) const SECTION: &str = "/zwgk/zfxxgknb/index.html";

/// The pager function as TRS templates ship it (trimmed), so list pages carry real script text.
const PAGER_JS: &str = r#"<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
	if(_nPageCount == null || _nPageCount<=1){ return; }
	var nCurrIndex = _nCurrIndex || 0;
	if(nCurrIndex == 0)
		document.write("<span>首页</span>&nbsp;<span>上一页</span>&nbsp;");
	else {
		document.write("<a href=\""+_sPageName+"."+_sPageExt+"\">首页</a>&nbsp;");
		if(nCurrIndex == 1) document.write("<a href=\""+_sPageName+"."+_sPageExt+"\">上一页</a>&nbsp;");
		else document.write("<a href=\""+_sPageName+"_" + (nCurrIndex-1) + "."+_sPageExt+"\">上一页</a>&nbsp;");
	}
	if(nCurrIndex == (_nPageCount-1))
		document.write("<span>下一页</span>&nbsp;<span>尾页</span>");
	else {
		document.write("<a href=\""+_sPageName+"_" + (nCurrIndex+1) + "."+_sPageExt+"\">下一页</a>&nbsp;");
		document.write("<a href=\""+_sPageName+"_" + (_nPageCount-1) + "."+_sPageExt+"\">尾页</a>");
	}
}
</script>
"#;

pub(super) fn list_dir(sub: Option<i32>) -> String {
    match sub {
        Some(year) => format!("{DIR}{year}/"),
        None => DIR.to_string(),
    }
}

/// The section root, then the year channels newest first (the order of the sub-column menu).
pub(super) fn subsections(st: &SiteState) -> Vec<Option<i32>> {
    let mut years: Vec<i32> = st.docs.iter().filter_map(|d| d.spec.channel).collect();
    years.sort_unstable_by(|a, b| b.cmp(a));
    years.dedup();
    std::iter::once(None)
        .chain(years.into_iter().map(Some))
        .collect()
}

pub(super) fn route(st: &mut SiteState, req: &Request) -> Option<Response> {
    let path = req.path().to_string();
    for sub in subsections(st) {
        if let Some(i) = page_index(&path, &list_dir(sub)) {
            return list_page(st, sub, i);
        }
    }
    let index = view(st, &path)?;
    let doc = st.docs.get(index)?.clone();
    Some(item_page(st, &doc))
}

fn year_menu(st: &SiteState) -> Vec<(String, String)> {
    subsections(st)
        .into_iter()
        .flatten()
        .map(|y| (format!("{y}年"), format!("{}index.html", list_dir(Some(y)))))
        .collect()
}

fn list_page(st: &SiteState, sub: Option<i32>, current: usize) -> Option<Response> {
    let (docs, count) = st.page_of(sub, current)?;
    let dir = list_dir(sub);
    let mut rows = String::new();
    for doc in docs {
        // The root lists the alias of a document filed twice; everything else its own path.
        let target = match (sub, &doc.alias) {
            (None, Some(alias)) => alias.as_str(),
            _ => doc.path.as_str(),
        };
        let href = target
            .strip_prefix(&dir)
            .map(|rel| format!("./{rel}"))
            .unwrap_or_else(|| target.to_string());
        rows.push_str(&format!(
            "<tr>\n<td class=\"title\"><a href=\"{href}\" target=\"_blank\" title=\"{t}\">{t}</a></td>\n<td class=\"date\">{}</td>\n</tr>\n",
            doc.spec.published.format("%Y-%m-%d"),
            t = esc(&doc.spec.title),
        ));
    }
    let label = sub
        .map(|y| format!("{y}年"))
        .unwrap_or_else(|| "政府信息公开年报".to_string());
    let mut crumbs = vec![
        ("政务公开".to_string(), Some("/zwgk/index.html".to_string())),
        ("政府信息公开年报".to_string(), Some(SECTION.to_string())),
    ];
    if sub.is_some() {
        crumbs.push((label.clone(), None));
    }
    let main = format!(
        "<div class=\"column-title\">{label}</div>\n<table class=\"list\" width=\"100%\">\n{rows}</table>\n\
<div class=\"page\">共{total}条&nbsp;\n<script type=\"text/javascript\">\nvar currentPage = {current};//所在页从0开始\nvar countPage = {count}//共多少页\n\
createPageHTML({count}, {current}, \"index\", \"html\");\n</script>\n</div>",
        total = st.listed(sub).len(),
    );
    let html = page::render(
        st,
        &Page {
            title: format!("{label}-{}", st.spec.portal_name),
            head_extra: format!(
                "<meta charset=\"utf-8\">\n<meta name=\"SiteName\" content=\"{p}\">\n<meta name=\"ColumnName\" content=\"{label}\">\n{PAGER_JS}",
                p = st.spec.portal_name
            ),
            crumbs,
            side_title: "政府信息公开年报".to_string(),
            side: year_menu(st),
            main,
        },
    );
    Some(page::html_response(Family::Trs, 200, &html))
}

fn item_page(st: &SiteState, doc: &Doc) -> Response {
    let title = esc(&doc.spec.title);
    let when = doc.spec.published.format("%Y-%m-%d %H:%M").to_string();
    let body_name = doc.spec.issuing_body.as_deref().unwrap_or("");
    let number = doc.spec.doc_number.as_deref().unwrap_or("〔〕号");
    let index = doc.index_number.as_deref().unwrap_or("");
    let mut attachments = String::new();
    for a in &doc.attachments {
        attachments.push_str(&format!(
            "<p class=\"attach\">附件：<a href=\"{}\" target=\"_blank\">{}</a></p>\n",
            a.path,
            esc(&a.label)
        ));
    }
    let main = format!(
        "<table class=\"xxgk_table\" width=\"100%\">\n\
<tr><td class=\"label\">索&nbsp;&nbsp;引&nbsp;&nbsp;号：</td><td>{index}</td><td class=\"label\">主题分类：</td><td>其他</td></tr>\n\
<tr><td class=\"label\">发布机构：</td><td>{body_name}</td><td class=\"label\">发布日期：</td><td>{when}</td></tr>\n\
<tr><td class=\"label\">名&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;称：</td><td colspan=\"3\">{title}</td></tr>\n\
<tr><td class=\"label\">文&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;号：</td><td>{number}</td><td class=\"label\">主&nbsp;&nbsp;题&nbsp;&nbsp;词：</td><td>政府信息公开 年度报告</td></tr>\n\
<tr><td class=\"label\">来&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;源：</td><td colspan=\"3\">{portal}</td></tr>\n</table>\n\
<h1 class=\"article-title\">{title}</h1>\n\
<div class=\"article-info\">发布时间：{when}　来源：{portal}　浏览次数：<span id=\"views\">{views}</span></div>\n\
<div class=\"TRS_Editor\">\n{body}</div>\n{attachments}\
<div class=\"share\"><a href=\"javascript:window.print()\">【打印本页】</a> <a href=\"javascript:window.close()\">【关闭窗口】</a></div>",
        portal = st.spec.portal_name,
        views = doc.views,
        body = body_html(st, doc),
    );
    let channel = doc.spec.channel.map(|y| format!("{y}年"));
    let mut crumbs = vec![
        ("政务公开".to_string(), Some("/zwgk/index.html".to_string())),
        ("政府信息公开年报".to_string(), Some(SECTION.to_string())),
    ];
    if let Some(label) = &channel {
        crumbs.push((
            label.clone(),
            Some(format!("{}index.html", list_dir(doc.spec.channel))),
        ));
    }
    crumbs.push(("正文".to_string(), None));
    let html = page::render(
        st,
        &Page {
            title: format!("{title}-{}", st.spec.portal_name),
            head_extra: format!(
                "<meta charset=\"utf-8\">\n<meta name=\"SiteName\" content=\"{p}\">\n<meta name=\"ColumnName\" content=\"{c}\">\n\
            <meta name=\"ArticleTitle\" content=\"{title}\">\n<meta name=\"PubDate\" content=\"{when}\">\n<meta name=\"ContentSource\" content=\"{p}\">\n\
            <meta name=\"others\" content=\"页面生成时间 {gen}\">\n",
                p = st.spec.portal_name,
                c = channel.as_deref().unwrap_or("政府信息公开年报"),
                gen = page::generated_at(st.generation),
            ),
            crumbs,
            side_title: "政府信息公开年报".to_string(),
            side: year_menu(st),
            main,
        },
    );
    page::html_response(Family::Trs, 200, &html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_names_map_to_indexes() {
        let cases = [
            ("/zwgk/zfxxgknb/index.html", Some(0)),
            ("/zwgk/zfxxgknb/index_2.html", Some(2)),
            ("/zwgk/zfxxgknb/index_0.html", None),
            ("/zwgk/zfxxgknb/index_x.html", None),
            ("/zwgk/zfxxgknb/2017/index.html", None),
        ];
        for (path, want) in cases {
            assert_eq!(page_index(path, DIR), want, "{path}");
        }
    }
}
