//! `nianbao find-section`: the real binary walks simulated county portals from their home pages to
//! the annual-report section, in Simplified and Traditional, UTF-8, GBK and Big5, with the labels as
//! text, `title`, an image's `alt` or a script's menu entry, the column reached from the navigation
//! or only through a report's breadcrumb; never leaves the site, never asks what robots.txt refuses
//! or what its labels do not lead to, keeps the host gap, and stops within its budget. Disclosure
//! platforms are in `find_section_platforms.rs`, real report pages in `find_section_real.rs`.

mod common;
mod find_section_support;

use std::sync::Arc;
use std::time::Duration;

use common::route_server::RouteServer;
use common::stderr;
use encoding_rs::{BIG5, GBK, UTF_8};
use find_section_support::*;

#[test]
fn the_section_is_found_from_the_home_page_in_every_variant() {
    let other = RouteServer::bind("127.0.0.62");
    other.serve(Arc::new(|_: &str| {
        (200, "text/html".into(), b"<html></html>".to_vec())
    }));
    let mut variants = Vec::new();
    for (encoding, traditional) in [(UTF_8, false), (GBK, false), (BIG5, true), (UTF_8, true)] {
        for label in [
            LabelForm::Text,
            LabelForm::Title,
            LabelForm::ImageAlt,
            LabelForm::Script,
            LabelForm::MenuScript,
        ] {
            variants.push(Variant {
                encoding,
                traditional,
                label,
                navigation: true,
                year_lists: false,
            });
        }
    }
    // The column reached only through the report in the home page's news box; and a column of
    // per-year lists.
    variants.push(Variant {
        encoding: UTF_8,
        traditional: false,
        label: LabelForm::Text,
        navigation: false,
        year_lists: false,
    });
    variants.push(Variant {
        encoding: BIG5,
        traditional: true,
        label: LabelForm::Text,
        navigation: false,
        year_lists: true,
    });
    variants.push(Variant {
        encoding: GBK,
        traditional: false,
        label: LabelForm::Title,
        navigation: true,
        year_lists: true,
    });
    for v in variants {
        let server = serve_county("127.0.0.61", v, other.base.clone());
        let (code, found, err) = find_section(&format!("{}/", server.base), 20, &[]);
        assert_eq!(code, Some(0), "{v:?}: {found}\n{err}");
        let best = &found["candidates"][0];
        assert_eq!(
            best["url"],
            format!("{}/zwgk/nb/", server.base),
            "{v:?}: {found}"
        );
        if v.year_lists {
            assert_eq!(best["kind"], "channel_index", "{v:?}: {best}");
            assert_eq!(best["year_lists"], 5, "{v:?}: {best}");
        } else {
            assert_eq!(best["kind"], "list", "{v:?}: {best}");
            assert_eq!(best["reports"], 10, "{v:?}: {best}");
            assert_eq!(best["entries"], 10, "{v:?}: {best}");
            assert_eq!(best["first_year"], 2014, "{v:?}: {best}");
            assert_eq!(best["last_year"], 2023, "{v:?}: {best}");
        }
        let label = |s: &str| {
            if v.traditional {
                to_traditional(s)
            } else {
                s.to_string()
            }
        };
        let path: Vec<String> = if v.navigation {
            vec![label("政务公开"), label("政府信息公开年报")]
        } else {
            vec![
                label("某某县2023年政府信息公开工作年度报告"),
                label("政府信息公开年报"),
            ]
        };
        assert_eq!(best["path"], serde_json::json!(path), "{v:?}: {best}");
        assert_eq!(found["site_code"], "5109030018", "{v:?}");
        assert_eq!(
            found["body"],
            label("某某县人民政府").as_str(),
            "{v:?}: {found}"
        );
        // Only the pages on the way: never the guide, the rules, the enterprises' filings, a
        // path robots.txt refuses, or the news.
        let asked = server.requests();
        for never in [
            "/zwgk/zn/",
            "/zwgk/zd/",
            "/qynb/",
            "/private/xxgk/",
            "/news/",
            "/hdjl/",
        ] {
            assert!(
                !asked.iter().any(|t| t == never),
                "{v:?}: asked {never}: {asked:?}"
            );
        }
        assert_eq!(
            asked.iter().filter(|t| *t == "/robots.txt").count(),
            1,
            "{asked:?}"
        );
        // Found on the first report column's page: nothing asked after it.
        assert_eq!(
            asked.last().map(String::as_str),
            Some("/zwgk/nb/"),
            "{v:?}: {asked:?}"
        );
        assert!(asked.len() <= 5, "{v:?}: {asked:?}");
        assert_eq!(found["requests"], asked.len() - 1, "{v:?}: {asked:?}");
        // The other site's link is named, not followed.
        assert_eq!(
            found["elsewhere"][0]["url"],
            format!("{}/xxgk/", other.base),
            "{v:?}: {found}"
        );
    }
    assert!(other.requests().is_empty(), "{:?}", other.requests());
}

/// A portal of `pages` pages that each link the next as 政务公开 N and never list a report.
fn endless_hub(pages: usize) -> RouteServer {
    let server = RouteServer::bind("127.0.0.63");
    server.serve(Arc::new(move |target: &str| {
        let n: usize = target
            .trim_start_matches("/hub/")
            .trim_end_matches(".html")
            .parse()
            .unwrap_or(0);
        if target != "/" && !target.starts_with("/hub/") || n > pages {
            return (404, "text/html".into(), b"<html></html>".to_vec());
        }
        let links: String = (n + 1..=n + 3)
            .map(|m| format!("<a href=\"/hub/{m}.html\">政务公开{m}</a>"))
            .collect();
        (
            200,
            "text/html; charset=utf-8".into(),
            format!("<html><head><title>某某市人民政府</title></head><body>{links}</body></html>")
                .into_bytes(),
        )
    }));
    server
}

#[test]
fn a_home_page_that_only_sends_the_reader_on_is_followed() {
    let (server, _other) = plain_county("127.0.0.67", "127.0.0.66", GBK);
    for shell in ["/refresh/", "/script/"] {
        let (code, found, err) = find_section(&format!("{}{shell}", server.base), 20, &[]);
        assert_eq!(code, Some(0), "{shell}: {found}\n{err}");
        assert_eq!(
            found["candidates"][0]["url"],
            format!("{}/zwgk/nb/", server.base),
            "{shell}: {found}"
        );
        assert_eq!(
            found["candidates"][0]["path"],
            serde_json::json!(["政务公开", "政府信息公开年报"]),
            "{shell}: {found}"
        );
        assert_eq!(found["body"], "某某县人民政府", "{shell}: {found}");
        assert_eq!(found["site_code"], "5109030018", "{shell}: {found}");
    }
}

#[test]
fn a_site_without_a_section_ends_within_the_budget_and_keeps_the_gap() {
    let server = endless_hub(100);
    let (code, found, err) =
        find_section(&format!("{}/", server.base), 150, &["--max-requests", "7"]);
    assert_eq!(code, Some(1), "{found}\n{err}");
    assert_eq!(found["candidates"], serde_json::json!([]), "{found}");
    assert_eq!(found["requests"], 7, "{found}");
    let timed = server.timed_requests();
    let pages: Vec<_> = timed.iter().filter(|(t, _)| t != "/robots.txt").collect();
    assert_eq!(pages.len(), 7, "{timed:?}");
    // The configured gap of 150 ms between requests to the host, robots.txt included.
    for pair in timed.windows(2) {
        let gap = pair[1].1.duration_since(pair[0].1);
        assert!(
            gap >= Duration::from_millis(140),
            "gap of {gap:?} before {}: {timed:?}",
            pair[1].0
        );
    }
    // The text form says so.
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), 20);
    let start = format!("{}/", server.base);
    let out = common::route_server::run_nianbao(
        &config,
        &["find-section", &start, "--max-requests", "2"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no section found"), "{text}");
    assert!(text.contains("requests: 2"), "{text}");
}
