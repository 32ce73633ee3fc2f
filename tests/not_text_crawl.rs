//! Bytes that are not text, from portals of the test's own: random bytes served as a report's
//! page with `text/html` are never archived as the report, are counted as `not_text` and kept
//! for a look; random bytes served as a `.pdf` attachment are never the report's file; a section
//! page of random bytes leaves the section unwalked, saying `not_text`; `inspect` of such bytes
//! shows `not_text` with its share.

mod common;

use std::sync::Arc;

use common::route_server::{
    RouteServer, crawled_county, exported, newest_run_report, portals_config, record_ending,
    report_page, run_nianbao,
};
use common::stderr;
use serde_json::Value;
use sha2::{Digest, Sha256};

const HTML: &str = "text/html; charset=utf-8";

/// 200 KB that look random (xorshift64), as a probe, an image or a compressed blob would.
fn random_bytes(seed: u64) -> Vec<u8> {
    let mut s = seed;
    (0..200 * 1024)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 32) as u8
        })
        .collect()
}

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>\
    <li><a href=\"/art/2.html\">某某县人民政府2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>\
    <li><a href=\"/art/3.html\">某某县人民政府2021年政府信息公开工作年度报告</a><span>2022-01-20</span></li>\
    <li><a href=\"/art/4.html\">某某县人民政府2020年政府信息公开工作年度报告</a><span>2021-01-20</span></li>\
    <li><a href=\"/art/5.html\">某某县人民政府2019年政府信息公开工作年度报告</a><span>2020-01-20</span></li>\
    </ul></body></html>";

/// Every file under `dir`, recursively.
fn files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flat_map(|e| {
            let path = e.expect("a readable directory entry").path();
            if path.is_dir() {
                files(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// A report whose page answers 200 KB of random bytes as `text/html` is not archived: the run
/// report counts it under `not_content` as `not_text`, its URL state says `failed:not_text`, and
/// its bytes are kept in the raw store for a look. A report whose `.pdf` attachment answers
/// random bytes as `application/octet-stream` is archived without that file
/// (`attachment_not_text`). The third report, and its PDF, are archived as usual; so is the
/// fourth with its scanned JPEG, which is binary too but an image, served under a download
/// script's type, and the fifth with its CEB file, binary under a `.ceb` name (a format whose
/// bytes nianbao does not check).
#[test]
fn random_bytes_are_never_a_report_nor_its_file() {
    let server = RouteServer::bind("127.0.0.94");
    let page_bytes = random_bytes(1);
    let served_page = page_bytes.clone();
    let scan = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/not-text/photo.jpg"
    ))
    .expect("the JPEG fixture");
    server.serve(Arc::new(move |target: &str| {
        let html = HTML.to_string();
        match target {
            "/nb/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" => (200, "text/html".into(), served_page.clone()),
            "/art/2.html" => (200, html, report_page(2022, "/upload/2.pdf")),
            "/art/3.html" => (200, html, report_page(2021, "/upload/3.pdf")),
            "/art/4.html" => (200, html, report_page(2020, "/upload/4.jpg")),
            "/upload/4.jpg" => (200, "application/octet-stream".into(), scan.clone()),
            "/art/5.html" => (200, html, report_page(2019, "/upload/5.ceb")),
            "/upload/5.ceb" => (
                200,
                "application/octet-stream".into(),
                [b"\x00\x01CEB".as_slice(), &random_bytes(5)].concat(),
            ),
            "/upload/2.pdf" => (200, "application/octet-stream".into(), random_bytes(2)),
            "/upload/3.pdf" => (
                200,
                "application/pdf".into(),
                b"%PDF-1.4\n2021 report\n%%EOF\n".to_vec(),
            ),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (dir, config) = crawled_county(format!("{}/nb/", server.base));
    let report = newest_run_report(dir.path());
    let portal = &report["portals"]["某某县人民政府"];
    assert_eq!(portal["not_content"]["not_text"], 1, "{portal}");
    assert_eq!(portal["failures"]["attachment_not_text"], 1, "{portal}");
    assert_eq!(portal["new_documents"], 4, "{portal}");
    assert_eq!(portal["attachment_texts"]["needs_ocr"], 1, "{portal}");
    // Binary bytes are not text in the wrong charset.
    assert_eq!(portal["mojibake"], 0, "{portal}");

    let records = exported(&config);
    let paths: Vec<&str> = records
        .iter()
        .map(|r| &r["url"].as_str().expect("url")[server.base.len()..])
        .collect();
    assert_eq!(paths.len(), 4, "{paths:?}");
    assert!(!paths.contains(&"/art/1.html"), "{paths:?}");
    let file_of = |path: &str| record_ending(&records, path)["attachments"][0].clone();
    assert_eq!(file_of("/art/2.html")["sha256"], Value::Null);
    assert!(file_of("/art/3.html")["sha256"].is_string());
    let scanned = file_of("/art/4.html");
    assert!(scanned["sha256"].is_string(), "{scanned}");
    assert_eq!(scanned["content_type"], "image/jpeg", "{scanned}");
    // A scan has no text: its record says it needs OCR, as a PDF without a text layer does.
    assert_eq!(scanned["text_source"], "image", "{scanned}");
    assert_eq!(scanned["text_quality"]["needs_ocr"], true, "{scanned}");
    assert_eq!(scanned["text_path"], Value::Null, "{scanned}");
    assert_eq!(scanned["text_error"], Value::Null, "{scanned}");
    let ceb = file_of("/art/5.html");
    assert!(ceb["sha256"].is_string(), "{ceb}");
    assert_eq!(ceb["content_type"], "application/x-ceb", "{ceb}");

    // The page's bytes are kept for a look, under their hash; the URL state names why.
    let sha = hex::encode(Sha256::digest(&page_bytes));
    let raw = dir.path().join("data").join("raw");
    assert!(
        files(&raw).iter().any(|p| p
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&sha))),
        "the page's bytes are kept under {sha}"
    );
    let out = run_nianbao(&config, &["failures"]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(
        listed.contains("/art/1.html") && listed.contains("not_text"),
        "{listed}"
    );
}

/// A section whose first page is random bytes cannot be walked: the portal is unreachable, and
/// its report and ledger say `not_text`. `inspect` of the bytes says `not_text` and the share.
#[test]
fn a_section_page_of_random_bytes_is_unreachable_and_inspect_says_why() {
    let server = RouteServer::bind("127.0.0.94");
    server.serve(Arc::new(|target: &str| match target {
        "/nb/" => (200, "text/html".into(), random_bytes(3)),
        _ => (404, HTML.into(), b"<html><body>404</body></html>".to_vec()),
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某区人民政府", format!("{}/nb/", server.base))],
    );
    let out = run_nianbao(&config, &["crawl"]);
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{summary}");
    assert!(summary.contains("UNREACHABLE"), "{summary}");
    let report = newest_run_report(dir.path());
    let portal = &report["portals"]["某某区人民政府"];
    assert_eq!(portal["unreachable"], true, "{portal}");
    assert_eq!(portal["not_content"]["not_text"], 1, "{portal}");
    let stops = portal["lists"]["all"]["stops"].to_string();
    assert!(stops.contains("not_text"), "{portal}");

    let file = dir.path().join("page.html");
    std::fs::write(&file, random_bytes(3)).expect("write the page");
    let path = file.to_str().expect("a UTF-8 path");
    let out = run_nianbao(&config, &["inspect", path, "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let inspection: Value = serde_json::from_slice(&out.stdout).expect("inspect prints JSON");
    assert_eq!(inspection["kind"], "not_text", "{inspection}");
    let detail = inspection["kind_detail"].as_str().expect("a detail");
    assert!(
        detail.contains("% of its characters are control characters"),
        "{detail}"
    );
    let out = run_nianbao(&config, &["inspect", path]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("not_text") && text.contains('%'), "{text}");
}
