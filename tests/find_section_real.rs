//! `nianbao find-section` from real report pages: the column a report sits in is found from its
//! breadcrumb and the body named, and only real report columns are read as such.

mod common;
mod find_section_support;

use std::sync::Arc;

use common::route_server::RouteServer;
use encoding_rs::UTF_8;
use find_section_support::*;
use nianbao::discover::section::{LinkRole, read_signs};
use url::Url;

macro_rules! shared_page {
    ($path:literal) => {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/", $path)
    };
}

/// A real report page of 平潭 whose breadcrumb (`../`) links its column, served with a real
/// TRS 信息公开年报 list (鄂尔多斯's: 4 reports among 10 entries) as that column.
#[test]
fn from_a_real_report_page_its_column_is_found_and_the_body_named() {
    let server = RouteServer::bind("127.0.0.70");
    server.serve(Arc::new(|target: &str| {
        let path = match target {
            "/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm" => {
                shared_page!("real-pages-2/12-pingtan-2024-annual-report-item.html")
            }
            "/zwgk/zfxxgk/zfxxgknb/" => shared_page!("real-pages/trs-ordos-xxgknb-list-utf8.html"),
            _ => return (404, "text/html".into(), Vec::new()),
        };
        let body = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        (200, "text/html; charset=utf-8".into(), body)
    }));
    let start = format!(
        "{}/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm",
        server.base
    );
    let (code, found, err) = find_section(&start, 20, &[]);
    assert_eq!(code, Some(0), "{found}\n{err}");
    let best = &found["candidates"][0];
    assert_eq!(
        best["url"],
        format!("{}/zwgk/zfxxgk/zfxxgknb/", server.base),
        "{found}"
    );
    assert_eq!(
        (best["reports"].as_u64(), best["entries"].as_u64()),
        (Some(4), Some(10)),
        "{best}"
    );
    assert_eq!(found["body"], "平潭综合实验区党工委管委会", "{found}");
    // The column with news filed beside its reports ends the walk: nothing asked after it.
    let asked = server.requests();
    assert_eq!(
        asked.last().map(String::as_str),
        Some("/zwgk/zfxxgk/zfxxgknb/"),
        "{asked:?}"
    );
}

/// The signs of a real page in `shared/` (UTF-8) fetched from `url`.
fn real_signs(path: &str, url: &str) -> nianbao::discover::section::PageSigns {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let html = String::from_utf8_lossy(&bytes);
    read_signs(&Url::parse(url).expect("URL literal"), &html, UTF_8)
}

/// The report columns a page links: (URL, label).
fn report_columns(signs: &nianbao::discover::section::PageSigns) -> Vec<(&str, &str)> {
    signs
        .links
        .iter()
        .filter(|l| l.role == LinkRole::ReportColumn)
        .map(|l| (l.url.as_str(), l.label.as_str()))
        .collect()
}

#[test]
fn real_pages_name_their_report_column_and_nothing_else_does() {
    // A 2024 report of 平潭 links its column in the breadcrumb (`../`) and names it in its meta.
    let pingtan = real_signs(
        shared_page!("real-pages-2/12-pingtan-2024-annual-report-item.html"),
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm",
    );
    assert_eq!(pingtan.column_name.as_deref(), Some("政府信息公开年报"));
    let columns = report_columns(&pingtan);
    assert_eq!(
        columns,
        [(
            "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/",
            "政府信息公开年报"
        )]
    );
    assert!(
        pingtan.links.iter().any(|l| l.role == LinkRole::Disclosure
            && l.url.as_str() == "https://www.pingtan.gov.cn/zwgk/zfxxgk/"),
        "{:?}",
        pingtan.links
    );
    // 邯郸's guide page links the platform's 年报 column with its label split over two lines.
    let handan = real_signs(
        shared_page!("real-pages-2/07-handan-gkzn-guide-list.html"),
        "http://hdzfxxgk.hd.gov.cn/zfxxgkzn/",
    );
    let columns = report_columns(&handan);
    assert_eq!(
        columns,
        [("http://hdzfxxgk.hd.gov.cn/zfxxgknb/", "政府信息 公开年报")]
    );
    assert_eq!(handan.column_name.as_deref(), Some("政府信息公开指南"));
    // 鄂尔多斯's 信息公开年报 list links itself as the column, beside the guide and the rules.
    let ordos = real_signs(
        shared_page!("real-pages/trs-ordos-xxgknb-list-utf8.html"),
        "http://www.ordos.gov.cn/xxgk/xxgknb/",
    );
    let roles: Vec<_> = ordos
        .links
        .iter()
        .map(|l| (l.url.path(), l.label.as_str(), l.role))
        .collect();
    assert!(
        roles.contains(&("/xxgk/xxgknb/", "信息公开年报", LinkRole::ReportColumn)),
        "{roles:?}"
    );
    assert!(
        !roles
            .iter()
            .any(|(_, label, _)| label.contains("指南") || label.contains("制度")),
        "{roles:?}"
    );
    // Pages of other columns link no report column.
    for (path, url) in [
        (
            shared_page!("real-pages-2/01-wanzai-tjgb2022-item.html"),
            "http://www.wanzai.gov.cn/a/1.shtml",
        ),
        (
            shared_page!("real-pages-2/03-yichun-tjgb2022-item.html"),
            "https://www.yichun.gov.cn/a/1.shtml",
        ),
        (
            shared_page!("real-pages-2/05-handan-jyj-notice-item.html"),
            "http://hdzfxxgk.hd.gov.cn/a/1.html",
        ),
        (
            shared_page!("real-pages-2/11-cmse-xwfbh-item.html"),
            "http://www.cmse.gov.cn/a/1.html",
        ),
        (
            shared_page!("real-pages/hanweb-zj-fgw-detail-meta-utf8.html"),
            "https://fzggw.zj.gov.cn/art/1.html",
        ),
    ] {
        let signs = real_signs(path, url);
        assert!(
            !signs.links.iter().any(|l| l.role == LinkRole::ReportColumn),
            "{path}: {:?}",
            signs.links
        );
    }
}
