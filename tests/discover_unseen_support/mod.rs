//! Shared helpers of the unseen-list tests: the portal page around a list, its rows of reports,
//! and the list read as the crawl reads it.
#![allow(dead_code)]

use crate::common::pages::read_list;
use encoding_rs::UTF_8;
use nianbao::classify::PageKind;
use nianbao::discover::ListPage;

pub const PAGE_URL: &str = "http://www.xian.gov.cn/zwgk/xxgknb/2023/index.html";

/// A year's subsection of three reports: (link, title, printed date).
pub const REPORTS: [(&str, &str, &str); 3] = [
    (
        "./202401/t20240120_11.html",
        "某某县人民政府2023年政府信息公开工作年度报告",
        "2024-01-20",
    ),
    (
        "./202401/t20240125_12.html",
        "某某县教育局2023年政府信息公开工作年度报告",
        "2024-01-25",
    ),
    (
        "./202402/t20240203_13.html",
        "某某县财政局2023年政府信息公开工作年度报告",
        "2024-02-03",
    ),
];

/// A portal page around `body`: menu, breadcrumb and footer, none of them entries.
pub fn portal_page(charset: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="{charset}"><title>政府信息公开年报</title></head><body>

<div class="header"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li></ul></div>

<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a></div>

{body}

<div class="footer">主办单位：某某县人民政府办公室 地址：某某县人民路1号</div>

</body></html>"#
    )
}

/// The rows of `REPORTS`, each printed by `row(link, title, date)`.
pub fn rows(row: impl Fn(&str, &str, &str) -> String) -> String {
    REPORTS.iter().map(|(h, t, d)| row(h, t, d)).collect()
}

pub fn read(page_url: &str, html: &str) -> ListPage {
    let (kind, page) = read_list(page_url, html, UTF_8);
    assert_eq!(kind, PageKind::Content, "{page_url}");
    page
}

/// The items as (URL, date) pairs.
pub fn dated(page: &ListPage) -> Vec<(String, Option<String>)> {
    page.items
        .iter()
        .map(|i| (i.url.to_string(), i.date.map(|d| d.to_string())))
        .collect()
}

pub fn want_reports() -> Vec<(String, Option<String>)> {
    REPORTS
        .iter()
        .map(|(h, _, d)| {
            let url = format!("http://www.xian.gov.cn/zwgk/xxgknb/2023/{}", &h[2..]);
            (url, Some(d.to_string()))
        })
        .collect()
}
