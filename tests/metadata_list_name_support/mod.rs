//! Shared helpers of the list-name tests: the item and list pages of the simulated county, the
//! page read as the crawl reads it, and the nights, versions and attachment fetches around them.
#![allow(dead_code)]

use crate::common;
use crate::common::pages::read_as;
use crate::common::route_server::{RouteServer, exported, portals_config, run_nianbao};
use encoding_rs::UTF_8;
use nianbao::extract::{ListEvidence, Metadata};
use nianbao::page::{PageRole, View};

pub const URL: &str = "http://www.hy.gov.cn/zwgk/content/202401/t20240120_1.html";

pub const TITLE: &str = "和义县教育局2023年政府信息公开工作年度报告";

/// The page at `URL` read as an item page found on the list named `list_name`, whose entry read
/// `listed`.
pub fn read(html: &str, listed: Option<&str>, list_name: Option<&str>) -> Metadata {
    let role = PageRole::Item {
        evidence: ListEvidence {
            title: listed.map(str::to_string),
            list_name: list_name.map(str::to_string),
            ..ListEvidence::default()
        },
        portal_name: String::new(),
    };
    match read_as(URL, html, UTF_8, &role).view {
        View::Item { metadata, .. } => *metadata,
        _ => panic!("not read as an item"),
    }
}

/// A report page of a portal whose template prints the column's name as `<h1>`, with `below` under
/// it.
pub fn page(heading: &str, below: &str) -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{heading}</title></head><body><div class=\"main\">\
         <h1>{heading}</h1>{below}<div class=\"content\"><p>一、总体情况</p>\
         <p>2023年，本单位认真贯彻落实条例。</p></div></div></body></html>"
    )
}

pub const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>本级年报_某某县人民政府</title></head>\
    <body><h1>本级年报</h1><ul>\
    <li><a href=\"/art/1.html\">教育局2023年年报</a><span>2024-01-20</span></li>\
    <li><a href=\"/art/2.html\">民政局2023年年报</a><span>2024-01-21</span></li>\
    </ul></body></html>";

/// A report page of the county's template: the list's name as `<title>` (with the site's) and
/// `<h1>`, the report's title in `<div class="article-title">`.
pub fn item(title: &str) -> Vec<u8> {
    page(
        "本级年报",
        &format!("<div class=\"article-title\">{title}</div>"),
    )
    .replacen(
        "<title>本级年报</title>",
        "<title>本级年报_某某县人民政府</title>",
        1,
    )
    .into_bytes()
}

/// A config of the county whose section is `section`, in a fresh folder, with `[crawl]` and
/// `[fetch]` keys added.
pub fn county(
    section: String,
    crawl: &str,
    fetch: &str,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(dir.path(), &[("某某县人民政府", section)]);
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replacen(
        "[fetch]\n",
        &format!("[crawl]\n{crawl}\n[fetch]\n{fetch}\n"),
        1,
    );
    std::fs::write(&config, text).expect("config");
    (dir, config)
}

/// Runs a nightly crawl that must succeed; the requests it made.
pub fn night(server: &RouteServer, config: &std::path::Path) -> Vec<String> {
    let before = server.requests().len();
    let out = run_nianbao(config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    server.requests().split_off(before)
}

/// The exported versions of the report at `path`, oldest first.
pub fn versions(config: &std::path::Path, path: &str) -> Vec<serde_json::Value> {
    exported(config)
        .into_iter()
        .filter(|r| r["url"].as_str().is_some_and(|u| u.ends_with(path)))
        .collect()
}

/// The routes of the report pages both attachment tests serve: `/art/1.html` titled `title`
/// with a PDF larger than night 1's `max_body_bytes` (padded in a comment), `/art/2.html`, and
/// 404 for anything else.
pub fn with_attachment(target: &str, title: &str) -> (u16, String, Vec<u8>) {
    let html = "text/html; charset=utf-8".to_string();
    match target {
        "/art/1.html" => {
            let page = String::from_utf8_lossy(&item(title)).replacen(
                "</div></div></body>",
                "<p>附件：<a href=\"/files/1.pdf\">统计表.pdf</a></p></div></div></body>",
                1,
            );
            (200, html, page.into_bytes())
        }
        "/art/2.html" => (
            200,
            html,
            item("某某县民政局2023年政府信息公开工作年度报告"),
        ),
        "/files/1.pdf" => {
            let pdf = format!(
                "%PDF-1.4\n% {}\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n",
                "0".repeat(4000)
            );
            (200, "application/pdf".to_string(), pdf.into_bytes())
        }
        _ => (404, html, b"<html><body>404</body></html>".to_vec()),
    }
}

/// Raises `max_body_bytes` in `config` from 3000 (night 1's) to 100000: the PDF now fits.
pub fn raise_body_limit(config: &std::path::Path) {
    let text = std::fs::read_to_string(config).expect("config");
    std::fs::write(
        config,
        text.replace("max_body_bytes = 3000", "max_body_bytes = 100000"),
    )
    .expect("config");
}

/// Runs a crawl, checks it fetched the PDF, and returns the paths it asked. Its exit code is not
/// checked: the nights that use it have their lists answer 503.
pub fn crawl_fetching_the_pdf(server: &RouteServer, config: &std::path::Path) -> Vec<String> {
    let before = server.requests().len();
    let out = run_nianbao(config, &["crawl"]);
    let asked = server.requests().split_off(before);
    assert!(
        asked.iter().any(|t| t == "/files/1.pdf"),
        "{asked:?} {}",
        common::stderr(&out)
    );
    asked
}
