//! What a backfill's ledger claims when the run is stopped or a page fails: a list page that
//! failed before a stop is still failed after the resumed run, an interrupted run never makes a
//! year `not_found`, and a report that failed or an entry that is gone leaves its list, and the
//! backfill, incomplete.

mod backfill_ledger_support;
mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use backfill_ledger_support::*;
use common::route_server::{RouteServer, newest_run_report, run_nianbao};
use common::stderr;
use serde_json::Value;

fn spawn_backfill(config: &std::path::Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("--config")
        .arg(config)
        .args(["backfill", "--years", "2017-2024"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the nianbao binary starts")
}

/// A backfill stopped by SIGTERM after a year's list page failed: the coverage report of the
/// interrupted run calls no year with a report `not_found`; after the resumed run the failed list
/// is still `incomplete` and its year `not_walked`, as after a run that was never stopped.
#[test]
fn a_stop_neither_hides_a_failed_list_nor_makes_years_not_found() {
    let portal = RouteServer::bind("127.0.0.91");
    let years: Vec<i32> = (2017..=2024).rev().collect();
    let menu = year_menu(
        &years
            .iter()
            .map(|y| (*y, format!("/nb/{y}/index.html")))
            .collect::<Vec<_>>(),
    );
    portal.serve(Arc::new(move |target: &str| {
        if target == "/nb/" {
            return (200, HTML.into(), menu.clone());
        }
        if target == "/nb/2024/index.html" {
            return (500, HTML.into(), page("500", "Internal Server Error"));
        }
        if let Some(y) = year_in(target, "/nb/", "/index.html") {
            let item = (
                format!("/art/{y}.html"),
                format!("{PORTAL}{y}年政府信息公开工作年度报告"),
            );
            return (200, HTML.into(), year_list(y, &[item]));
        }
        if let Some(y) = year_in(target, "/art/", ".html") {
            return (200, HTML.into(), report_page(y));
        }
        (404, HTML.into(), page("404", "404"))
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "250ms");
    let mut child = spawn_backfill(&config);
    let start = Instant::now();
    let failed = |r: &[String]| r.iter().filter(|t| *t == "/nb/2024/index.html").count() >= 2;
    while !failed(&portal.requests()) && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(failed(&portal.requests()), "{:?}", portal.requests());
    let ok = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs")
        .success();
    assert!(ok, "SIGTERM sent");
    let status = child.wait().expect("the run ends");
    assert_eq!(
        status.code(),
        Some(130),
        "the run was stopped with work left"
    );

    // Stopped early: years whose reports the run had no time to fetch are not `not_found`.
    let out = run_nianbao(&config, &["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let archived: Vec<i64> = export(&config)
        .iter()
        .filter_map(|r| r["report_year"].as_i64())
        .collect();
    for row in coverage["portals"][0]["rows"].as_array().expect("rows") {
        for cell in row["cells"].as_array().expect("cells") {
            let year = cell["year"].as_i64().expect("year");
            if (2017..=2023).contains(&year) && !archived.contains(&year) {
                assert_ne!(cell["state"], "not_found", "{year} after the stop: {cell}");
            }
        }
    }
    assert!(
        archived.len() < 7,
        "the stop came before the end: {archived:?}"
    );

    let out = run_nianbao(&config, &["backfill", "--years", "2017-2024"]);
    assert_eq!(out.status.code(), Some(0), "resumed: {}", stderr(&out));
    let run = newest_run_report(dir.path());
    assert!(
        stops(&run, "2024").contains("failed"),
        "the resumed run's ledger keeps the failed page: {}",
        run["portals"][PORTAL]["lists"]
    );
    let cell = coverage_cell(&config, 2024);
    assert_eq!(cell["state"], "not_walked", "{cell}");
    for year in 2017..=2023 {
        assert_eq!(coverage_cell(&config, year)["state"], "captured", "{year}");
    }
}

/// Report pages that answer 500 on every attempt, or 404, are not fetched: a backfill whose list
/// shows every page and every stated entry still says the list is incomplete, counts them out of
/// `fetched` and names the failures; the next backfill fetches them and says `ok`.
#[test]
fn a_report_that_failed_leaves_its_list_incomplete() {
    let portal = RouteServer::bind("127.0.0.89");
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let fails = failing.clone();
    portal.serve(Arc::new(move |target: &str| {
        if target == "/nb/" {
            let entries: Vec<(String, String)> = (2017..=2019)
                .map(|y| {
                    let title = format!("{PORTAL}{y}年政府信息公开工作年度报告");
                    (format!("/art/{y}.html"), title)
                })
                .collect();
            let list = entries_html(&entries, "2020-01-20");
            let pager = "<div class=\"page\">共3条 共1页 当前第1页</div>";
            return (
                200,
                HTML.into(),
                page("政府信息公开年报", &format!("{list}{pager}")),
            );
        }
        if fails.load(std::sync::atomic::Ordering::SeqCst) {
            match target {
                "/art/2018.html" => {
                    return (500, HTML.into(), page("500", "Internal Server Error"));
                }
                "/art/2017.html" => return (404, HTML.into(), page("404", "404")),
                _ => {}
            }
        }
        match year_in(target, "/art/", ".html") {
            Some(y) => (200, HTML.into(), report_page(y)),
            None => (404, HTML.into(), page("404", "404")),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let out = run_nianbao(&config, &["backfill", "--years", "2017-2019"]);
    let summary = stderr(&out);
    assert!(
        portal.requests().iter().any(|t| t == "/art/2018.html"),
        "{:?}",
        portal.requests()
    );
    let run = newest_run_report(dir.path());
    let ledger = &run["portals"][PORTAL]["lists"]["all"];
    assert_eq!(ledger["found"], 3, "{ledger}");
    assert_eq!(
        ledger["fetched"], 1,
        "the failed reports are not fetched: {ledger}"
    );
    assert!(
        summary.contains(
            "list all: site states 1 pages, 3 items; walked 1 pages, found 3 items, fetched 1 \
             [incomplete: 2 items failed: http_404, http_500]"
        ),
        "{summary}"
    );
    let status = run_nianbao(&config, &["status"]);
    assert!(
        String::from_utf8_lossy(&status.stdout)
            .contains("[incomplete: 2 items failed: http_404, http_500]"),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );

    // The coverage report does not take the walk for proof that 2018 has no report.
    assert_ne!(coverage_cell(&config, 2018)["state"], "not_found");

    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let out = run_nianbao(&config, &["backfill", "--years", "2017-2019"]);
    assert!(out.status.success(), "backfill: {}", stderr(&out));
    assert!(
        stderr(&out).contains("found 3 items, fetched 2 [ok]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        archived(&config),
        paths(&["/art/2017.html", "/art/2018.html", "/art/2019.html"])
    );
}

/// An entry the failure policy calls gone (one 404 is enough with `gone_after_not_found = 1`)
/// is not asked by a backfill: the list is not complete, and its ledger says so until
/// `nianbao failures --retry-all-gone` puts the entry back and a backfill fetches it.
#[test]
fn a_gone_entry_leaves_a_backfill_incomplete() {
    let portal = RouteServer::bind("127.0.0.90");
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let fails = failing.clone();
    portal.serve(Arc::new(move |target: &str| {
        if target == "/nb/" {
            let entries: Vec<(String, String)> = (2018..=2019)
                .map(|y| {
                    let title = format!("{PORTAL}{y}年政府信息公开工作年度报告");
                    (format!("/art/{y}.html"), title)
                })
                .collect();
            let list = entries_html(&entries, "2020-01-20");
            let pager = "<div class=\"page\">共2条 共1页 当前第1页</div>";
            return (
                200,
                HTML.into(),
                page("政府信息公开年报", &format!("{list}{pager}")),
            );
        }
        if target == "/art/2018.html" && fails.load(std::sync::atomic::Ordering::SeqCst) {
            return (404, HTML.into(), page("404", "404"));
        }
        match year_in(target, "/art/", ".html") {
            Some(y) => (200, HTML.into(), report_page(y)),
            None => (404, HTML.into(), page("404", "404")),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), &format!("{}/nb/", portal.base), "20ms");
    let text = std::fs::read_to_string(&config).expect("config written");
    let text = text.replace(
        "[[portal]]",
        "[crawl]\ngone_after_not_found = 1\n[[portal]]",
    );
    std::fs::write(&config, text).expect("config rewritten");
    let asked = |requests: &[String]| requests.iter().filter(|t| *t == "/art/2018.html").count();

    let out = run_nianbao(&config, &["backfill", "--years", "2018-2019"]);
    assert!(
        stderr(&out).contains("[incomplete: 1 item failed: http_404]"),
        "{}",
        stderr(&out)
    );
    let before = portal.requests().len();
    let out = run_nianbao(&config, &["backfill", "--years", "2018-2019"]);
    assert_eq!(
        asked(&portal.requests()[before..]),
        0,
        "a gone entry is not asked"
    );
    assert!(
        stderr(&out).contains("found 2 items, fetched 0 [incomplete: 1 item gone, not asked]"),
        "{}",
        stderr(&out)
    );
    let ledger = &newest_run_report(dir.path())["portals"][PORTAL]["lists"]["all"];
    assert_eq!(ledger["gone_items"], 1, "{ledger}");

    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let out = run_nianbao(&config, &["failures", "--retry-all-gone"]);
    assert!(out.status.success(), "failures: {}", stderr(&out));
    let out = run_nianbao(&config, &["backfill", "--years", "2018-2019"]);
    assert!(
        stderr(&out).contains("found 2 items, fetched 1 [ok]"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        archived(&config),
        paths(&["/art/2018.html", "/art/2019.html"])
    );
}
