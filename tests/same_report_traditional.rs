//! A report's copy converted to Traditional in full, as a portal's Big5 gateway serves it at
//! another URL, through the real binary: archived the night after the Simplified page, it names
//! that page as the same report (`same_report_as`); the same copy with one figure changed does
//! not. The pages are the Pingtan 2024 report of the shared real pages, read by path, and its
//! Traditional copy made at test time (tests/hant_support: fast2s inverted, so it tests the
//! wiring, not OpenCC's choices of characters).

mod common;
mod hant_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::route_server::{
    RouteServer, exported, numbered_portal, portals_config, record_ending, run_nianbao,
};
use common::stderr;
use serde_json::Value;

const PORTAL: &str = "平潭综合实验区";

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Night 1 lists the Simplified page at `/art/1.html`; night 2 lists it with its Traditional
/// copy at `/art/2.html` and that copy with 行政许可 4529 as 4530 at `/art/3.html`.
fn portal(second_night: Arc<AtomicBool>) -> RouteServer {
    let simplified = read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/real-pages-2/12-pingtan-2024-annual-report-item.html"
    ));
    let traditional = hant_support::to_traditional(&simplified);
    hant_support::assert_traditional(
        &simplified,
        &traditional,
        &[("报告", "報告"), ("综合实验区", "綜合實驗區")],
    );
    assert_eq!(traditional.matches("4529").count(), 1, "one 4529 to change");
    let changed = traditional.replacen("4529", "4530", 1);
    let server = RouteServer::bind("127.0.0.1");
    server.serve(Arc::new(move |target: &str| {
        let night2 = second_night.load(Ordering::SeqCst);
        let ids: &[usize] = if night2 { &[3, 2, 1] } else { &[1] };
        numbered_portal(
            target,
            1,
            |_| {
                let entries: String = ids
                    .iter()
                    .map(|id| {
                        format!(
                            "<li><a href=\"/art/{id}.html\">平潭综合实验区2024年度政府信息公开工作年度报告</a>\
                             <span>2025-03-10</span></li>"
                        )
                    })
                    .collect();
                format!(
                    "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul></body></html>"
                )
                .into_bytes()
            },
            |id| match id {
                1 => Some(simplified.clone().into_bytes()),
                2 if night2 => Some(traditional.clone().into_bytes()),
                3 if night2 => Some(changed.clone().into_bytes()),
                _ => None,
            },
        )
    }));
    server
}

#[test]
fn a_full_traditional_copy_at_another_url_is_the_same_report() {
    let second_night = Arc::new(AtomicBool::new(false));
    let server = portal(second_night.clone());
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[(PORTAL, format!("{}/xxgk/list.html", server.base))],
    );
    let crawl = || {
        let out = run_nianbao(&config, &["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    };
    crawl();
    second_night.store(true, Ordering::SeqCst);
    crawl();
    for path in ["/art/2.html", "/art/3.html"] {
        let asked = server.requests().iter().filter(|t| *t == path).count();
        assert_eq!(asked, 1, "{path} asked once");
    }

    let records = exported(&config);
    assert_eq!(records.len(), 3, "{records:?}");
    let simplified = record_ending(&records, "/art/1.html");
    let copy = record_ending(&records, "/art/2.html");
    assert_eq!(copy["is_annual_report"], true, "{copy}");
    assert_eq!(copy["report_year"], 2024, "{copy}");
    // Archived and exported as served: the conversion is only for comparing.
    assert_eq!(
        copy["title"], "平潭綜合實驗區2024年度政府信息公開工作年度報告",
        "{copy}"
    );
    let link = &copy["same_report_as"];
    assert_eq!(link["id"], simplified["id"], "{copy}");
    let jaccard = link["evidence"]["text_jaccard"]
        .as_f64()
        .expect("a Jaccard");
    assert!(jaccard >= 0.95, "{link}");
    assert_eq!(link["evidence"]["numbers_added"], 0, "{link}");
    // One figure changed: a report of its own.
    assert_eq!(
        record_ending(&records, "/art/3.html")["same_report_as"],
        Value::Null
    );
    assert_eq!(simplified["same_report_as"], Value::Null);
}
