//! The list page's own name as the crawl reads it (`本级年报`, `规划计划`): what its items'
//! extraction is told, so a report page printing its column's name as its heading is known for
//! one (`extract::title`).

use std::sync::LazyLock;

use scraper::{Html, Selector};

use crate::extract::collapse;

/// Longest name a list page is taken to have: a longer one is a sentence, not a column's name.
const MAX_NAME_CHARS: usize = 40;

static META: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("meta[name]").expect("`meta[name]` is a valid selector"));
static TITLE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("title").expect("`title` is a valid selector"));
static HEADINGS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("h1, h2").expect("`h1, h2` is a valid selector"));

/// The list page's name: its ColumnName meta, else its breadcrumb's last crumb, else its
/// `<title>` without the site's name, else its first `h1`/`h2`. None when that is longer than
/// `MAX_NAME_CHARS` or names a year and a body (a report's title, not a column's name).
pub(super) fn list_name(doc: &Html) -> Option<String> {
    let meta = || {
        crate::page::select(doc, &META)
            .filter(|m| {
                m.value()
                    .attr("name")
                    .is_some_and(|n| n.eq_ignore_ascii_case("ColumnName"))
            })
            .filter_map(|m| m.value().attr("content"))
            .map(collapse)
            .find(|c| !c.is_empty())
    };
    let crumb = || {
        crate::extract::last_crumbs(doc)
            .into_iter()
            .map(|c| collapse(&c))
            .find(|c| !c.is_empty())
    };
    let title = || {
        let text = crate::page::select(doc, &TITLE)
            .next()?
            .text()
            .collect::<String>();
        crate::extract::trim_site_name(&collapse(&text), &[]).map(|t| collapse(&t))
    };
    let heading = || {
        crate::page::select(doc, &HEADINGS)
            .map(|h| collapse(&h.text().collect::<String>()))
            .find(|t| !t.is_empty())
    };
    let name = meta()
        .or_else(crumb)
        .or_else(title)
        .or_else(heading)
        .filter(|n| !n.is_empty())?;
    let names_year = name.chars().any(|c| c.is_ascii_digit());
    let names_body = crate::extract::issuer_from_title(&name).is_some();
    (name.chars().count() <= MAX_NAME_CHARS && !(names_year && names_body)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each source in its order; a report's title or a sentence is no list's name.
    #[test]
    fn a_list_page_is_named_by_its_column() {
        let cases = [
            (
                r#"<head><meta name="ColumnName" content="部门文件"><title>首页_某某县人民政府</title></head><body><h1>规划计划</h1></body>"#,
                Some("部门文件"),
            ),
            (
                r#"<head><title>本级年报_某某县人民政府</title></head><body><div class="crumb">当前位置：首页 &gt; <a href="/">政务公开</a> &gt; <a href="/q">区政府年报</a></div><h1>本级年报</h1></body>"#,
                Some("区政府年报"),
            ),
            (
                r#"<head><title>本级年报_某某县人民政府</title></head><body><h1>規劃計劃</h1></body>"#,
                Some("本级年报"),
            ),
            (
                r#"<head><title></title></head><body><h2>规划计划</h2></body>"#,
                Some("规划计划"),
            ),
            (
                r#"<head><title>某某县人民政府2023年政府信息公开工作年度报告</title></head><body></body>"#,
                None,
            ),
            (
                &format!(
                    "<head><title>{}</title></head><body></body>",
                    "很长的".repeat(15)
                ),
                None,
            ),
            (r#"<body><p>无名</p></body>"#, None),
        ];
        for (html, want) in cases {
            let doc = Html::parse_document(&format!("<html>{html}</html>"));
            assert_eq!(list_name(&doc).as_deref(), want, "{html}");
        }
    }
}
