//! A crawl, through the real binary, of a portal whose lists are written the way portals nobody
//! wrote a test for print them: every entry is fetched and each page walked once.

mod common;
mod discover_unseen_support;

use discover_unseen_support::*;

// ---- The walk of such a portal ----

/// The section of a portal that prints all of the above: a bracketed year menu, a `<dt>`/`<dd>`
/// list with a 置顶 notice at the top of every page, a 下一页 pager whose last page links itself
/// as `index_2.html?`, a year of `01-20` dates and a year of bare dates between `<br>`s.
fn unseen_portal(target: &str) -> (u16, String, Vec<u8>) {
    let html = "text/html; charset=utf-8".to_string();
    let top = r#"<dt><a href="/zwgk/nb/202301/t20230101_900.html">【置顶】关于政府信息公开工作年度报告的说明</a></dt><dd>2023-01-01</dd>"#;
    let entry = |n: u32| {
        let year = 2024 - n;
        format!(
            r#"<dt><a href="/zwgk/nb/{}01/t{}0120_{n}.html">某某县人民政府{year}年政府信息公开工作年度报告</a></dt><dd>{}-01-20</dd>"#,
            year + 1,
            year + 1,
            year + 1
        )
    };
    let section_page = |entries: std::ops::RangeInclusive<u32>, next: &str| {
        let menu = r#"<div class="left"><a href="/zwgk/nb/2023/">[2023年]</a> <a href="/zwgk/nb/2022/">[2022年]</a></div>"#;
        let rows: String = entries.map(entry).collect();
        portal_page(
            "utf-8",
            &format!(
                r#"{menu}<dl class="list">{top}{rows}</dl><div class="page"><a href="index.html">首页</a> <a href="{next}">下一页</a></div>"#
            ),
        )
        .into_bytes()
    };
    let year_page = |row: &dyn Fn(u32) -> String| {
        let rows: String = (1..=3).map(row).collect();
        portal_page("utf-8", &format!(r#"<div class="list">{rows}</div>"#)).into_bytes()
    };
    match target {
        "/zwgk/nb/index.html" => (200, html, section_page(1..=3, "index_1.html")),
        "/zwgk/nb/index_1.html" => (200, html, section_page(4..=6, "index_2.html")),
        // A server answers the page itself under its self link: walking it is the fault.
        "/zwgk/nb/index_2.html" | "/zwgk/nb/index_2.html?" => {
            (200, html, section_page(7..=8, "index_2.html?"))
        }
        "/zwgk/nb/2023/" => (
            200,
            html,
            year_page(&|k| {
                format!(
                    r#"<p><a href="/zwgk/nb/2023/202401/t2024012{k}_3{k}.html">某某县第{k}部门2023年政府信息公开工作年度报告</a><span>01-2{k}</span></p>"#
                )
            }),
        ),
        "/zwgk/nb/2022/" => (
            200,
            html,
            year_page(&|k| {
                format!(
                    r#"·<a href="/zwgk/nb/2022/t4{k}.html">某某县第{k}部门2022年政府信息公开工作年度报告</a> 2023-01-2{k}<br>"#
                )
            }),
        ),
        "/att.pdf" => (
            200,
            "application/pdf".into(),
            b"%PDF-1.4\n% a report\n%%EOF\n".to_vec(),
        ),
        t if t.starts_with("/zwgk/nb/") && t.ends_with(".html") => (
            200,
            html,
            common::route_server::report_page(2023, "/att.pdf"),
        ),
        _ => (404, html, b"<html><body>404</body></html>".to_vec()),
    }
}

#[test]
fn a_crawl_of_such_a_portal_fetches_every_entry_and_walks_each_page_once() {
    use common::route_server::{RouteServer, crawled_county};
    use std::collections::HashMap;
    use std::sync::Arc;

    let server = RouteServer::bind("127.0.0.61");
    server.serve(Arc::new(unseen_portal));
    let (_dir, _config) = crawled_county(format!("{}/zwgk/nb/index.html", server.base));

    let requests = server.requests();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for target in &requests {
        *counts.entry(target.as_str()).or_default() += 1;
    }
    let lists = [
        "/zwgk/nb/index.html",
        "/zwgk/nb/index_1.html",
        "/zwgk/nb/index_2.html",
        "/zwgk/nb/2023/",
        "/zwgk/nb/2022/",
    ];
    for list in lists {
        assert_eq!(counts.get(list), Some(&1), "{list}: {requests:?}");
    }
    assert_eq!(counts.get("/zwgk/nb/index_2.html?"), None, "{requests:?}");
    // Eight reports of the section, its 置顶 notice once, and three reports of each year.
    let items: Vec<&&str> = counts
        .keys()
        .filter(|t| t.ends_with(".html") && !lists.contains(*t) && !t.contains("index"))
        .collect();
    assert_eq!(items.len(), 8 + 1 + 3 + 3, "{requests:?}");
    for item in items {
        assert_eq!(counts[*item], 1, "{item}: {requests:?}");
    }
}
