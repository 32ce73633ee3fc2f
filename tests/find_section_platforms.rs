//! `nianbao find-section` on a disclosure platform: a platform only a script fills is named with
//! its API, `--all` gives every body on it a seed entry, and the text form ends with a seed entry
//! that loads.

mod common;
mod find_section_support;

use std::sync::Arc;

use common::route_server::{RouteServer, write_config};
use common::stderr;
use encoding_rs::UTF_8;
use find_section_support::*;
use serde_json::Value;

#[test]
fn a_disclosure_platform_only_a_script_fills_is_named_with_its_api() {
    let server = RouteServer::bind("127.0.0.68");
    server.serve(Arc::new(|target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        match target {
            "/" => (
                200,
                html,
                "<html><head><title>某某区人民政府</title></head><body>\
                 <a href=\"/gkmlpt/index\">政府信息公开</a><a href=\"/news/\">新闻</a></body></html>"
                    .into(),
            ),
            "/gkmlpt/index" => (
                200,
                html,
                "<html><head><meta charset=\"utf-8\"><title>政府信息公开</title>\
                 <link rel=\"stylesheet\" href=\"/gkmlpt/static/css/index.css\"></head><body><div id=\"app\"></div>\
                 <script>window.GKMLPT = { SID: '755031', BASE: '/gkmlpt/' };</script>\
                 <script src=\"/gkmlpt/static/js/index.js\"></script></body></html>"
                    .into(),
            ),
            _ => (404, html, Vec::new()),
        }
    }));
    let start = format!("{}/", server.base);
    let (code, found, err) = find_section(&start, 20, &[]);
    assert_eq!(code, Some(0), "{found}\n{err}");
    let best = &found["candidates"][0];
    assert_eq!(
        best["url"],
        format!("{}/gkmlpt/index", server.base),
        "{found}"
    );
    assert_eq!(best["kind"], "needs_javascript", "{best}");
    assert!(
        best["detail"]
            .as_str()
            .is_some_and(|d| d.contains("sid=755031") && d.contains("list_api = \"gkmlpt\"")),
        "{best}"
    );
    // The text form says how to read it instead of offering the page as a seed.
    let dir = tempfile::tempdir().expect("scratch dir");
    let out = common::route_server::run_nianbao(&config(dir.path(), 20), &["find-section", &start]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("filled by a script"), "{text}");
    assert!(!text.contains("[[portal]]"), "{text}");
}

/// A county's disclosure platform listing its departments and a town, each with a 年报 column.
fn platform() -> RouteServer {
    const BODIES: [(&str, &str); 3] = [
        ("czj", "某某县财政局"),
        ("jyj", "某某县教育局"),
        ("mmz", "某某镇"),
    ];
    let server = RouteServer::bind("127.0.0.69");
    server.serve(Arc::new(|target: &str| {
        let page = |title: &str, body: String| {
            (
                200,
                "text/html; charset=utf-8".to_string(),
                format!("<html><head><title>{title}</title></head><body>{body}</body></html>").into_bytes(),
            )
        };
        let reports = |name: &str, prefix: &str| {
            (2021..=2023)
                .map(|y| {
                    format!(
                        "<li><a href=\"{prefix}{y}.html\">{name}{y}年政府信息公开工作年度报告</a><span>{}-01-15</span></li>",
                        y + 1
                    )
                })
                .collect::<String>()
        };
        match target {
            "/" => page(
                "某某县人民政府门户网站",
                "<a href=\"/xxgk/\">政府信息公开</a><a href=\"/news/\">新闻中心</a>".into(),
            ),
            "/xxgk/" => page(
                "政府信息公开",
                format!(
                    "<ul><li><a href=\"/xxgk/zn/\">政府信息公开指南</a></li><li><a href=\"/xxgk/nb/\">政府信息公开年报</a></li></ul>\
                     <h3>部门信息公开</h3><ul>{}</ul><a href=\"/news/\">新闻中心</a>",
                    BODIES
                        .iter()
                        .map(|(d, name)| format!("<li><a href=\"/xxgk/{d}/\">{name}</a></li>"))
                        .collect::<String>()
                ),
            ),
            "/xxgk/nb/" => page("政府信息公开年报", format!("<ul>{}</ul>", reports("某某县人民政府", "/xxgk/nb/"))),
            _ => {
                for (d, name) in BODIES {
                    if target == format!("/xxgk/{d}/") {
                        return page(
                            &format!("{name}信息公开"),
                            format!(
                                "<a href=\"/xxgk/{d}/zn/\">政府信息公开指南</a><a href=\"/xxgk/{d}/nb/\">政府信息公开年报</a>"
                            ),
                        );
                    }
                    if target == format!("/xxgk/{d}/nb/") {
                        return page(
                            "政府信息公开年报",
                            format!("<ul>{}</ul>", reports(name, &format!("/xxgk/{d}/nb/"))),
                        );
                    }
                }
                (404, "text/html".into(), Vec::new())
            }
        }
    }));
    server
}

#[test]
fn with_all_every_body_on_a_platform_gets_its_seed_entry() {
    let server = platform();
    let start = format!("{}/", server.base);
    let (code, found, err) = find_section(&start, 20, &["--all"]);
    assert_eq!(code, Some(0), "{found}\n{err}");
    let mut sections: Vec<(String, Value)> = found["candidates"]
        .as_array()
        .expect("candidates")
        .iter()
        .map(|c| {
            (
                c["url"].as_str().unwrap_or("").replace(&server.base, ""),
                c["body"].clone(),
            )
        })
        .collect();
    sections.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        sections,
        [
            ("/xxgk/czj/nb/".to_string(), Value::from("某某县财政局")),
            ("/xxgk/jyj/nb/".to_string(), Value::from("某某县教育局")),
            ("/xxgk/mmz/nb/".to_string(), Value::from("某某镇")),
            ("/xxgk/nb/".to_string(), Value::Null),
        ],
        "{found}"
    );
    // The way to each column and the column, never its reports, the guides or the news.
    let asked = server.requests();
    assert!(
        !asked
            .iter()
            .any(|t| t.contains("/zn/") || t == "/news/" || t.ends_with(".html")),
        "{asked:?}"
    );
    assert_eq!(found["requests"], 9, "{asked:?}");
    // The text form prints an entry for each, the county's own under the home page's name.
    let dir = tempfile::tempdir().expect("scratch dir");
    let out = common::route_server::run_nianbao(
        &config(dir.path(), 20),
        &["find-section", &start, "--all"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let names: Vec<String> = text
        .split("[[portal]]")
        .skip(1)
        .map(|entry| toml_like::parse(entry).name)
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["某某县人民政府", "某某县教育局", "某某县财政局", "某某镇"],
        "{text}"
    );
    // Without --all the walk ends at the county's own column and never asks a department.
    let (_, found, _) = find_section(&start, 20, &[]);
    assert_eq!(
        found["candidates"].as_array().map(Vec::len),
        Some(1),
        "{found}"
    );
    assert_eq!(
        found["candidates"][0]["url"],
        format!("{}/xxgk/nb/", server.base)
    );
}

#[test]
fn the_text_form_ends_with_a_seed_entry_that_loads() {
    let (server, _other) = plain_county("127.0.0.65", "127.0.0.64", UTF_8);
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = config(dir.path(), 20);
    let start = format!("{}/", server.base);
    let out = common::route_server::run_nianbao(&config, &["find-section", &start]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("path:  政务公开 > 政府信息公开年报"),
        "{text}"
    );
    let seed = &text[text.find("[[portal]]").expect("a seed entry")..];
    // The entry is a portal nianbao loads as it is.
    let with_seed = format!(
        "{}{seed}",
        std::fs::read_to_string(&config).expect("config")
    );
    let config = write_config(dir.path(), &with_seed);
    let dry = common::route_server::run_nianbao(&config, &["crawl", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let summary = String::from_utf8_lossy(&dry.stdout);
    let would_fetch = summary
        .lines()
        .filter(|l| l.starts_with("would fetch "))
        .count();
    assert_eq!(would_fetch, 10, "{summary}");
    let seed = toml_like::parse(seed);
    assert_eq!(seed.name, "某某县人民政府");
    assert_eq!(seed.url, format!("{}/zwgk/nb/", server.base));
}

/// The two keys of the printed seed entry, read without a TOML crate in the tests.
mod toml_like {
    pub struct Seed {
        pub name: String,
        pub url: String,
    }

    pub fn parse(entry: &str) -> Seed {
        let value = |key: &str| -> String {
            let line = entry
                .lines()
                .find(|l| l.starts_with(&format!("{key} = ")))
                .unwrap_or_else(|| panic!("{key} in {entry}"));
            serde_json::from_str(&line[key.len() + 3..]).expect("a quoted string")
        };
        Seed {
            name: value("name"),
            url: value("url"),
        }
    }
}
