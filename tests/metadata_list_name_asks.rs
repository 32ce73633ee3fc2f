//! A list page's own name is the column's name, not the report's title, also when the report is
//! asked outside the list's walk: by a delisted ask and by a fetch for the attachments a report
//! lacks.

mod common;
mod metadata_list_name_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::route_server::RouteServer;
use metadata_list_name_support::*;

/// A delisted ask reads the page as found on the list it was found on: a report archived from
/// 本级年报, taken off it the next night while its page is still served (and changed), is asked
/// once from its stored record and its new version archived under its own title, not the
/// column's.
#[test]
fn a_delisted_ask_knows_its_lists_name() {
    const REAL: &str = "某某县教育局2023年政府信息公开工作年度报告";
    let second_night = Arc::new(AtomicBool::new(false));
    let server = RouteServer::bind("127.0.0.99");
    let night_flag = second_night.clone();
    server.serve(Arc::new(move |target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        let second = night_flag.load(Ordering::SeqCst);
        // A list that states its count, so that its walk proves it complete.
        let counted = LIST.replace("</ul>", &format!("</ul><p>共{}条</p>", if second { 1 } else { 2 }));
        match target {
            "/bj/" if second => (200, html, counted.replacen("<li><a href=\"/art/1.html\">教育局2023年年报</a><span>2024-01-20</span></li>", "", 1).into_bytes()),
            "/bj/" => (200, html, counted.into_bytes()),
            "/art/1.html" if second => {
                let page = String::from_utf8_lossy(&item(REAL)).replace("认真贯彻落实条例。", "认真贯彻落实条例，主动公开信息。");
                (200, html, page.into_bytes())
            }
            "/art/1.html" => (200, html, item(REAL)),
            "/art/2.html" => (
                200,
                html,
                item("某某县民政局2023年政府信息公开工作年度报告"),
            ),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (dir, config) = county(format!("{}/bj/", server.base), "revisit_after = \"0s\"", "");
    night(&server, &config);
    assert_eq!(versions(&config, "/art/1.html").len(), 1);
    second_night.store(true, Ordering::SeqCst);
    let asked = night(&server, &config);
    assert!(asked.iter().any(|t| t == "/art/1.html"), "{asked:?}");
    let report = common::route_server::newest_run_report(dir.path());
    let portal = &report["portals"]["某某县人民政府"];
    assert_eq!(portal["delisted_asked"], 1, "{portal}");
    let kept = versions(&config, "/art/1.html");
    assert_eq!(kept.len(), 2, "the changed page is a new version: {kept:?}");
    assert_eq!(kept[1]["title"], REAL, "{}", kept[1]);
    assert_eq!(
        kept[1]["provenance"]["title"], "title_element",
        "{}",
        kept[1]
    );
}

/// A report archived without its attachment (larger than `max_body_bytes`) is fetched again
/// for it on the night the limit is raised, from its stored record while its list answers
/// 503: read as found on 本级年报, the version the attachment makes keeps the report's own
/// title, not the column's.
#[test]
fn an_attachments_due_fetch_knows_its_lists_name() {
    const REAL: &str = "某某县教育局2023年政府信息公开工作年度报告";
    let second_night = Arc::new(AtomicBool::new(false));
    let server = RouteServer::bind("127.0.0.100");
    let night_flag = second_night.clone();
    server.serve(Arc::new(move |target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        let second = night_flag.load(Ordering::SeqCst);
        match target {
            "/bj/" if second => (503, html, b"<html><body>busy</body></html>".to_vec()),
            "/bj/" => (200, html, LIST.as_bytes().to_vec()),
            _ => with_attachment(target, REAL),
        }
    }));
    let (_dir, config) = county(format!("{}/bj/", server.base), "", "max_body_bytes = 3000");
    night(&server, &config);
    let first = versions(&config, "/art/1.html");
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(
        first[0]["attachments"][0]["missing"], "oversize",
        "{}",
        first[0]
    );
    raise_body_limit(&config);
    second_night.store(true, Ordering::SeqCst);
    // The run fails its portal's walk (the list answers 503): its exit code says so.
    let asked = crawl_fetching_the_pdf(&server, &config);
    assert!(
        !asked.iter().any(|t| t == "/art/2.html"),
        "the list was not walked: {asked:?}"
    );
    let kept = versions(&config, "/art/1.html");
    assert_eq!(
        kept.len(),
        2,
        "the attachment makes a new version: {kept:?}"
    );
    assert!(
        kept[1]["attachments"][0]["sha256"].is_string(),
        "{}",
        kept[1]
    );
    assert_eq!(kept[1]["title"], REAL, "{}", kept[1]);
    assert_eq!(
        kept[1]["provenance"]["title"], "title_element",
        "{}",
        kept[1]
    );
}
