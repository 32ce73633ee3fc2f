//! What a crawl does when a portal of the test's own answers a report's URL, with status 200,
//! with a page that is no report: a firewall's block page in its own words is not archived, is
//! counted as `challenge_blocked`, counts as the host's challenge and is asked once; an
//! application's error page is not archived, is counted as `server_error` and is kept as a
//! failure to ask again; short dated notices that say the same words are archived. A firewall's
//! block page under a status of its own (405, 418, 468, 493) pauses the host as one with 200 does.

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

/// 安全狗's block page in Traditional script and GBK, as a gateway in front of the portal
/// answers every item's URL with it.
fn safedog_block_gbk() -> Vec<u8> {
    let page = "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\">\
        <title>網站防火牆</title></head><body><img src=\"http://404.safedog.cn/images/safedogsite/head.png\">\
        <h3>您的請求帶有不合法參數，已被網站管理員設置攔截！</h3><p>可能原因：您提交的內容包含危險的攻擊請求</p></body></html>";
    let (bytes, _, lossy) = encoding_rs::GBK.encode(page);
    assert!(!lossy, "the page has a GBK form");
    bytes.into_owned()
}

/// A portal whose eight items a firewall answers with its block page, with `status`: the run
/// and the host's requests after the first block.
fn blocked_items_crawl(
    ip: &str,
    status: u16,
    page: Vec<u8>,
) -> (RouteServer, tempfile::TempDir, std::process::Output) {
    let server = RouteServer::bind(ip);
    server.serve(Arc::new(move |target: &str| {
        let list: String = (1..=8)
            .map(|n| {
                format!(
                    "<li><a href=\"/art/{n}.html\">某某县人民政府{}年政府信息公开工作年度报告</a></li>",
                    2015 + n
                )
            })
            .collect();
        match target {
            "/nb/" => (
                200,
                HTML.into(),
                format!("<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{list}</ul></body></html>")
                    .into_bytes(),
            ),
            t if t.starts_with("/art/") => (status, "text/html".into(), page.clone()),
            _ => (404, HTML.into(), b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = common::route_server::portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let out = run_nianbao(&config, &["crawl"]);
    (server, dir, out)
}

/// A firewall's block page (安全狗's, Traditional, GBK) on every item is read for its words
/// whether it comes with 200 or with a status of the firewall's own (405, 418, 468, 493): the
/// host sees three of them, is left alone for the rest of the run, nothing is archived, and the
/// portal is unreachable (exit 1) with the pause named in the run report and by `status`.
#[test]
fn a_block_page_with_a_firewalls_own_status_pauses_the_host() {
    for (i, status) in [200u16, 405, 418, 468, 493].into_iter().enumerate() {
        let (server, dir, out) =
            blocked_items_crawl(&format!("127.0.0.{}", 240 + i), status, safedog_block_gbk());
        assert_eq!(
            out.status.code(),
            Some(1),
            "{status}: {}",
            common::stderr(&out)
        );
        let asked = server.requests();
        let items = asked.iter().filter(|t| t.starts_with("/art/")).count();
        assert_eq!(items, 3, "{status}: {asked:?}");
        let report = newest_run_report(dir.path());
        let host = &report["hosts"][0];
        assert_eq!(host["challenges"], 3, "{status}: {host}");
        let portal = &report["portals"]["某某县人民政府"];
        // Told at the fetch (an error status) or once the page is read (200), by its words.
        let count = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
        let blocked =
            count(&portal["blocked"]) + count(&portal["not_content"]["challenge_blocked"]);
        assert_eq!(blocked, 3, "{status}: {portal}");
        assert_eq!(portal["new_documents"], 0, "{status}: {portal}");
        assert_eq!(portal["unreachable"], true, "{status}: {portal}");
        let config = dir.path().join("config.toml");
        let shown = run_nianbao(&config, &["status"]);
        let shown = String::from_utf8_lossy(&shown.stdout);
        assert!(
            shown.contains("blocked by anti-bot challenges (3)"),
            "{status}: {shown}"
        );
    }
}

/// IIS's own Chinese 401 page (Windows authentication on a folder): it says 访问被拒绝, as a
/// firewall's block does, but asks for credentials for those URLs alone.
const IIS_401: &str = "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"/>\
    <title>401 - 未授权: 由于凭据无效，访问被拒绝。</title></head><body><div id=\"header\"><h1>服务器错误</h1></div>\
    <div id=\"content\"><div class=\"content-container\"><fieldset><h2>401 - 未授权: 由于凭据无效，访问被拒绝。</h2>\
    <h3>您无权使用所提供的凭据查看此目录或页面。</h3></fieldset></div></div></body></html>";

/// A server's own 401 is no firewall's block, whatever its words: each item is a failure of
/// its own, every item is asked, and the host is never paused as challenged.
#[test]
fn a_servers_own_401_page_pauses_no_host() {
    let (server, dir, out) = blocked_items_crawl("127.0.0.246", 401, IIS_401.as_bytes().to_vec());
    let asked = server.requests();
    let items = asked.iter().filter(|t| t.starts_with("/art/")).count();
    assert_eq!(items, 8, "{asked:?}\n{}", common::stderr(&out));
    let report = newest_run_report(dir.path());
    let portal = &report["portals"]["某某县人民政府"];
    assert_eq!(portal["new_documents"], 0, "{portal}");
    let count = |v: &serde_json::Value| v.as_u64().unwrap_or(0);
    assert_eq!(count(&report["hosts"][0]["challenges"]), 0, "{report}");
    assert_eq!(count(&portal["blocked"]), 0, "{portal}");
}
