//! What a crawl does when a portal of the test's own answers a report's URL, with status 200,
//! with a page that is no report: a firewall's block page in its own words is not archived, is
//! counted as `challenge_blocked`, counts as the host's challenge and is asked once; an
//! application's error page is not archived, is counted as `server_error` and is kept as a
//! failure to ask again; short dated notices that say the same words are archived.

mod common;

use std::sync::Arc;

use common::route_server::{
    RouteServer, crawled_county, exported, newest_run_report, report_page, run_nianbao,
};

const HTML: &str = "text/html; charset=utf-8";

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>\
    <li><a href=\"/art/2.html\">某某县人民政府2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>\
    <li><a href=\"/art/3.html\">关于某某县人民政府网站升级改造期间暂停访问的公告</a><span>2022-04-28</span></li>\
    <li><a href=\"/art/4.html\">某某县人民政府2020年政府信息公开工作年度报告</a><span>2021-01-20</span></li>\
    <li><a href=\"/art/5.html\">某某县人民政府关于同意调整某某乡行政区划的批复</a><span>2020-12-05</span></li>\
    </ul></body></html>";

/// 腾讯云 WAF's block page: the policy stands between 被 and 阻断.
const WAF_BLOCK: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>腾讯T-Sec Web应用防火墙(WAF)</title>\
    </head><body><p>很抱歉，您提交的请求可能对网站造成威胁，请求已被管理员设置的策略阻断</p>\
    <p>您的请求ID为：16f3a2bc-77aa-4b1c-9ab0-5cdd2e1f0a11</p></body></html>";

const WHITELABEL: &str = "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit \
    mapping for /error, so you are seeing this as a fallback.</p><div>There was an unexpected error \
    (type=Internal Server Error, status=500).</div><div>No message available</div></body></html>";

/// A short dated page in the county's template.
fn dated_notice(title: &str, body: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <div class=\"header\"><a href=\"/\">首页</a> <a href=\"/nb/\">年报</a></div>\
         <h1>{title}</h1><div class=\"info\">发布日期：2022-04-28 来源：县政府办公室</div>\
         <div class=\"content\">{body}</div></body></html>"
    )
    .into_bytes()
}

#[test]
fn block_and_error_pages_served_with_200_are_not_reports_and_dated_notices_are() {
    let server = RouteServer::bind("127.0.0.95");
    server.serve(Arc::new(|target: &str| {
        let html = HTML.to_string();
        match target {
            "/nb/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" => (200, html, WAF_BLOCK.as_bytes().to_vec()),
            "/art/2.html" => (200, html, WHITELABEL.as_bytes().to_vec()),
            "/art/3.html" => (
                200,
                html,
                dated_notice(
                    "关于某某县人民政府网站升级改造期间暂停访问的公告",
                    "<p>因网站升级改造需要，本网站将于2022年5月1日至5月3日暂停访问。给您带来的不便，敬请谅解。</p>",
                ),
            ),
            "/art/4.html" => (200, html, report_page(2020, "/upload/4.pdf")),
            "/art/5.html" => (
                200,
                html,
                dated_notice(
                    "某某县人民政府关于同意调整某某乡行政区划的批复（某政函〔2020〕404号）",
                    "<p>县民政局：你局《关于调整某某乡行政区划的请示》收悉。经研究，同意调整。</p>",
                ),
            ),
            "/upload/4.pdf" => (
                200,
                "application/pdf".into(),
                b"%PDF-1.4\n2020 report\n%%EOF\n".to_vec(),
            ),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (dir, config) = crawled_county(format!("{}/nb/", server.base));
    let report = newest_run_report(dir.path());
    let portal = &report["portals"]["某某县人民政府"];
    assert_eq!(portal["not_content"]["challenge_blocked"], 1, "{portal}");
    assert_eq!(portal["not_content"]["server_error"], 1, "{portal}");
    assert_eq!(portal["new_documents"], 3, "{portal}");
    let host = &report["hosts"][0];
    assert_eq!(host["challenges"], 1, "{host}");

    let archived: Vec<String> = exported(&config)
        .iter()
        .map(|r| r["url"].as_str().expect("url")[server.base.len()..].to_owned())
        .collect();
    assert_eq!(
        archived.iter().filter(|p| p.starts_with("/art/")).count(),
        3,
        "{archived:?}"
    );
    for page in ["/art/3.html", "/art/4.html", "/art/5.html"] {
        assert!(archived.iter().any(|p| p == page), "{page}: {archived:?}");
    }
    // The block page was asked once: the host backed off, it was not hammered.
    let asked = server.requests();
    assert_eq!(
        asked.iter().filter(|t| *t == "/art/1.html").count(),
        1,
        "{asked:?}"
    );
    // Both are failures to ask again later, each named by what it was.
    let out = run_nianbao(&config, &["failures"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    for (page, kind) in [("/art/1.html", "blocked"), ("/art/2.html", "server_error")] {
        assert!(
            listed.lines().any(|l| l.contains(page) && l.contains(kind)),
            "{page} {kind}: {listed}"
        );
    }
}
