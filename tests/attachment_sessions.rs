//! An attachment link that carries a session id new at every visit of its page
//! (`/files/1.pdf;jsessionid=S7`, as a Java portal rewrites its links for a visitor that keeps no
//! cookie), through the real binary over two crawls that both revisit the report: the file is one
//! file, asked without the session and, at the revisit, with the validator its first answer gave.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::route_server::{
    Answer, Request, RouteServer, exported, portals_config, report_page, run_nianbao,
};
use common::stderr;

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2025年政府信息公开工作年度报告</a><span>2026-01-20</span></li>\
    </ul></body></html>";
const PDF: &str = "/files/1.pdf";
const ETAG: &str = "\"pdf-1\"";

/// The portal's answer to `request`, the `visit`th request it is asked: the report page links
/// its PDF under the session of that visit.
fn answer(request: &Request, visit: usize) -> Answer {
    let header = |name: &str, value: &str| (name.to_string(), value.to_string());
    let html = |status: u16, body: Vec<u8>| Answer {
        status,
        headers: vec![header("Content-Type", "text/html; charset=utf-8")],
        body,
    };
    let path = request.target.split(";jsessionid=").next().unwrap_or("");
    match path {
        "/nb/" => html(200, LIST.as_bytes().to_vec()),
        "/art/1.html" => html(
            200,
            report_page(2025, &format!("{PDF};jsessionid=S{visit}")),
        ),
        PDF if request.header("if-none-match") == Some(ETAG) => Answer {
            status: 304,
            headers: Vec::new(),
            body: Vec::new(),
        },
        PDF => Answer {
            status: 200,
            headers: vec![
                header("Content-Type", "application/pdf"),
                header("ETag", ETAG),
            ],
            body: b"%PDF-1.4\n% 2025 report\n%%EOF\n".to_vec(),
        },
        _ => html(404, b"<html><body>404</body></html>".to_vec()),
    }
}

/// Before, the PDF was asked under each visit's session: a new URL at every revisit, asked
/// without validators and fetched in full as a file never seen.
#[test]
fn a_session_id_in_an_attachment_link_does_not_make_the_file_new_at_each_revisit() {
    let server = RouteServer::bind("127.0.0.237");
    let visits = Arc::new(AtomicUsize::new(0));
    server.serve_headed(Arc::new(move |request: &Request| {
        answer(request, visits.fetch_add(1, Ordering::Relaxed))
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str("[crawl]\nrevisit_after = \"0s\"\n");
    std::fs::write(&config, text).expect("config");
    for _ in 0..2 {
        let out = run_nianbao(&config, &["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let asked: Vec<Request> = server
        .received()
        .into_iter()
        .filter(|r| r.target.starts_with("/files/"))
        .collect();
    let targets: Vec<&str> = asked.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, [PDF, PDF], "{asked:?}");
    assert_eq!(asked[1].header("if-none-match"), Some(ETAG), "{asked:?}");
    let records = exported(&config);
    let urls: Vec<&serde_json::Value> = records
        .iter()
        .flat_map(|r| r["attachments"].as_array().into_iter().flatten())
        .map(|a| &a["url"])
        .collect();
    let want = serde_json::Value::from(format!("{}{PDF}", server.base));
    assert!(
        !urls.is_empty() && urls.iter().all(|u| **u == want),
        "{urls:?}"
    );
}
