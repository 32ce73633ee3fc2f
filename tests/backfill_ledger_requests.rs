//! The run report's `requests` of a portal are its own on every host it asked: two portals on one
//! host each count theirs, and a portal counts its file server's.

mod backfill_ledger_support;
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use backfill_ledger_support::*;
use common::route_server::{
    Route, RouteServer, newest_run_report, portals_config, redirect, run_nianbao,
};
use common::stderr;
use serde_json::Value;

/// A body's report of `year` that links its file at `file`.
fn report_with_file(body: &str, year: i32, file: &str) -> Vec<u8> {
    let title = format!("{body}{year}年政府信息公开工作年度报告");
    page(
        &title,
        &format!(
            "<h1>{title}</h1><div class=\"content\"><p>发布机构：{body}办公室</p><p>一、总体情况</p>\
             <p>{year}年，{body}认真贯彻落实《中华人民共和国政府信息公开条例》。</p>\
             <p>附件：<a href=\"{file}\">{year}年度报告.pdf</a></p></div>"
        ),
    )
}

/// The sections of `bodies` (`(prefix, body)`) on one host, each at `/prefix/`: each lists its
/// 2023 report, which links its file at `{files}/prefix/files/2023.pdf` (`files` empty: on this
/// host), and its 2022 report at an old address that redirects to the report.
fn sections_route(bodies: &'static [(&'static str, &'static str)], files: String) -> Route {
    Arc::new(move |target: &str| {
        let (prefix, rest) = target
            .trim_start_matches('/')
            .split_once('/')
            .unwrap_or_default();
        let Some((_, body)) = bodies.iter().find(|(p, _)| *p == prefix) else {
            return (404, HTML.into(), page("404", "404"));
        };
        let title = |year: i32| format!("{body}{year}年政府信息公开工作年度报告");
        match rest {
            "" => {
                let entries = [
                    (format!("/{prefix}/art/2023.html"), title(2023)),
                    (format!("/{prefix}/old/2022.html"), title(2022)),
                ];
                (200, HTML.into(), year_list(2023, &entries))
            }
            "art/2023.html" => {
                let file = format!("{files}/{prefix}/files/2023.pdf");
                (200, HTML.into(), report_with_file(body, 2023, &file))
            }
            "old/2022.html" => redirect(302, &format!("/{prefix}/art/2022.html")),
            "art/2022.html" => (
                200,
                HTML.into(),
                body_report_page(body, &format!("{body}办公室"), 2022),
            ),
            "files/2023.pdf" => pdf(2023),
            _ => (404, HTML.into(), page("404", "404")),
        }
    })
}

/// Each portal's `requests` and each host's in a run report.
fn requests_of(run: &Value) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
    let count = |v: &Value| v["requests"].as_u64().expect("requests is a count");
    let portals = run["portals"]
        .as_object()
        .expect("portals")
        .iter()
        .map(|(name, p)| (name.clone(), count(p)))
        .collect();
    let hosts = run["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .map(|h| (h["host"].as_str().expect("host").to_string(), count(h)))
        .collect();
    (portals, hosts)
}

const CITY: &str = "某某市人民政府";

const EDUCATION: &str = "某某市教育局";

/// A city government and its education bureau on one host (one server, two sections), each with
/// two reports, one behind a redirect, and one file. Each portal's `requests` are the requests
/// the server saw for its own paths (the redirect hop and the file included), plus robots.txt
/// for the one that asked it: the two add up to what the server saw, once, and to the host's
/// `requests`, where each portal once claimed the whole host's.
#[test]
fn two_portals_on_one_host_each_count_their_own_requests() {
    const BODIES: &[(&str, &str)] = &[("city", CITY), ("edu", EDUCATION)];
    let server = RouteServer::bind("127.0.0.97");
    server.serve(sections_route(BODIES, String::new()));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[
            (CITY, format!("{}/city/", server.base)),
            (EDUCATION, format!("{}/edu/", server.base)),
        ],
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let seen = server.requests();
    let robots = seen.iter().filter(|t| *t == "/robots.txt").count();
    assert_eq!(robots, 1, "robots.txt once: {seen:?}");
    let (portals, hosts) = requests_of(&newest_run_report(dir.path()));
    for (prefix, name) in BODIES {
        let own: Vec<&String> = seen
            .iter()
            .filter(|t| t.starts_with(&format!("/{prefix}/")))
            .collect();
        let expected: BTreeSet<String> = [
            "",
            "art/2023.html",
            "files/2023.pdf",
            "old/2022.html",
            "art/2022.html",
        ]
        .iter()
        .map(|p| format!("/{prefix}/{p}"))
        .collect();
        assert_eq!(
            own.iter().map(|t| t.to_string()).collect::<BTreeSet<_>>(),
            expected,
            "{name}'s pages, its redirect and its file, each once: {seen:?}"
        );
        let counted = portals[*name];
        assert!(
            (own.len() as u64..=own.len() as u64 + 1).contains(&counted),
            "{name}: {counted} requests counted, {} asked for its paths (and robots.txt at most): {seen:?}",
            own.len()
        );
    }
    assert_eq!(
        portals.values().sum::<u64>(),
        seen.len() as u64,
        "the portals' requests add up to the server's: {portals:?}, {seen:?}"
    );
    assert_eq!(
        hosts.values().copied().collect::<Vec<_>>(),
        [seen.len() as u64],
        "one host, every request: {hosts:?}"
    );
}

/// A portal whose report links its file on a file server: the portal's `requests` count the
/// file server's requests (its robots.txt and the file) beside the portal host's, and add up to
/// the two hosts' `requests`, where they once counted the portal's host only.
#[test]
fn a_portal_counts_its_requests_to_a_file_server() {
    const BODIES: &[(&str, &str)] = &[("city", CITY)];
    let portal = RouteServer::bind("127.0.0.98");
    let files = RouteServer::bind("127.0.0.99");
    portal.serve(sections_route(BODIES, files.base.clone()));
    files.serve(Arc::new(|target: &str| match target {
        "/city/files/2023.pdf" => pdf(2023),
        _ => (404, HTML.into(), page("404", "404")),
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(dir.path(), &[(CITY, format!("{}/city/", portal.base))]);
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    assert_eq!(
        files.requests(),
        ["/robots.txt", "/city/files/2023.pdf"],
        "the file server is asked its robots.txt, then the file"
    );
    let seen = portal.requests().len() + files.requests().len();
    let (portals, hosts) = requests_of(&newest_run_report(dir.path()));
    assert_eq!(
        portals[CITY],
        seen as u64,
        "the portal's requests on both hosts: portal {:?}, files {:?}",
        portal.requests(),
        files.requests()
    );
    assert_eq!(hosts.len(), 2, "{hosts:?}");
    assert_eq!(hosts.values().sum::<u64>(), seen as u64, "{hosts:?}");
}
