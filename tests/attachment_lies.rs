//! Attachments whose link, headers or body lie, crawled by the real binary on loopback: a
//! download script whose name is only in `Content-Disposition` (every form servers write), a
//! link text `点击下载`, one file linked under two names, an extension that lies (a `.pdf`
//! serving a DOCX, an HTML "文件不存在" page or a login page), a type that lies
//! (`application/octet-stream`, `application/x-download`, `text/html` for a PDF), and bodies
//! that are empty, cut at half, an image-only scan or a zip with `__MACOSX/` entries; and raw
//! answers (a Content-Length past the body, none at all, `gzip` on bytes that are no gzip, a
//! name in GBK bytes). Each is kept with its right type and text or a recorded
//! classification; a second crawl the same night asks nothing again, and the wait once due
//! asks the report and its files again.

mod attachment_support;
mod common;

use std::sync::Arc;

use common::raw_server::{Handler, RawServer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use attachment_support::{CidEncoding, REPORT_LINES, cid_pdf, docx, scanned_pdf, zip};
use common::route_server::{
    Answer, Request, RouteServer, exported, newest_run_report, run_nianbao,
};
use serde_json::Value;

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>\
    </ul></body></html>";

/// The links of the report page, in page order: (href, link text).
const LINKS: &[(&str, &str)] = &[
    ("/servlet/Download?id=1", "点击下载"),
    ("/servlet/Download?id=2", "点击下载"),
    ("/servlet/Download?id=3", "点击下载"),
    ("/download.jsp?fileid=123", "点击下载"),
    ("/files/docx.pdf", "2022年报.pdf"),
    ("/files/missing.pdf", "2022年报附表.pdf"),
    ("/files/login.pdf", "2022年报说明.pdf"),
    ("/files/empty.pdf", "2022年报摘要.pdf"),
    ("/files/half.pdf", "2022年报全文.pdf"),
    ("/files/scan.pdf", "2022年报扫描件.pdf"),
    ("/files/mac.zip", "2022年报.zip"),
    ("/files/same.pdf", "2022年报（另存）.pdf"),
];

fn item_page() -> Vec<u8> {
    let links: String = LINKS
        .iter()
        .enumerate()
        .map(|(i, (href, text))| format!("<p>附件{}：<a href=\"{href}\">{text}</a></p>", i + 1))
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府2022年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府2022年政府信息公开工作年度报告</h1><div class=\"content\"><p>全文见附件。</p>{links}</div></body></html>"
    )
    .into_bytes()
}

fn report_pdf() -> Vec<u8> {
    cid_pdf(CidEncoding::IdentityHToUnicode, REPORT_LINES)
}

fn answer(status: u16, headers: &[(&str, &str)], body: Vec<u8>) -> Answer {
    Answer {
        status,
        headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        body,
    }
}

fn route(request: &Request) -> Answer {
    let html = [("Content-Type", "text/html; charset=utf-8")];
    let pdf = report_pdf();
    match request.target.as_str() {
        "/nb/" => answer(200, &html, LIST.as_bytes().to_vec()),
        "/art/1.html" => answer(200, &html, item_page()),
        "/servlet/Download?id=1" => answer(
            200,
            &[
                ("Content-Type", "application/octet-stream"),
                (
                    "Content-Disposition",
                    "attachment; filename=\"x.pdf\"; filename*=UTF-8''%E5%B9%B4%E6%8A%A5.pdf",
                ),
            ],
            pdf,
        ),
        "/servlet/Download?id=2" => answer(
            200,
            &[
                ("Content-Type", "application/x-download"),
                ("Content-Disposition", "attachment; filename=\"2022年报.docx\""),
            ],
            docx(REPORT_LINES),
        ),
        "/servlet/Download?id=3" => answer(
            200,
            &[
                ("Content-Type", "text/html"),
                (
                    "Content-Disposition",
                    "attachment; filename=\"=?UTF-8?B?5bm05oqlLnBkZg==?=\"",
                ),
            ],
            pdf,
        ),
        "/download.jsp?fileid=123" => answer(
            200,
            &[
                ("Content-Type", "application/octet-stream"),
                ("Content-Disposition", "attachment; filename=2022 report final.pdf"),
            ],
            scanned_pdf(),
        ),
        "/files/docx.pdf" => answer(200, &[("Content-Type", "application/pdf")], docx(REPORT_LINES)),
        "/files/missing.pdf" => answer(
            200,
            &html,
            "<html><head><title>提示</title></head><body><p>文件不存在！</p><a href=\"/\">返回首页</a></body></html>"
                .as_bytes()
                .to_vec(),
        ),
        "/files/login.pdf" => answer(
            200,
            &[("Content-Type", "application/pdf")],
            "<html><head><meta charset=\"utf-8\"><title>用户登录</title></head><body><form action=\"/login.do\" method=\"post\">\
             用户名：<input name=\"username\">密码：<input type=\"password\" name=\"password\"><button>登录</button></form></body></html>"
                .as_bytes()
                .to_vec(),
        ),
        "/files/empty.pdf" => answer(200, &[("Content-Type", "application/pdf")], Vec::new()),
        "/files/half.pdf" => {
            let half = pdf.len() / 2;
            answer(200, &[("Content-Type", "application/pdf")], pdf[..half].to_vec())
        }
        "/files/scan.pdf" => answer(200, &[("Content-Type", "application/pdf")], scanned_pdf()),
        "/files/mac.zip" => answer(
            200,
            &[("Content-Type", "application/zip")],
            zip(&[
                ("2022年报.pdf", pdf),
                ("__MACOSX/._2022年报.pdf", b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X".to_vec()),
                ("__MACOSX/", Vec::new()),
            ]),
        ),
        "/files/same.pdf" => answer(200, &[("Content-Type", "application/pdf")], report_pdf()),
        _ => answer(404, &html, b"<html><body>404</body></html>".to_vec()),
    }
}

#[test]
fn attachments_whose_link_headers_or_body_lie() {
    let server = RouteServer::bind("127.0.0.136");
    server.serve_headed(Arc::new(route));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = common::route_server::portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let records = exported(&config);
    let report = common::route_server::record_ending(&records, "/art/1.html");
    let attachments = report["attachments"].as_array().expect("attachments");
    const PDF: &str = "application/pdf";
    const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    // (link, name, content type or missing kind, text source, needs OCR)
    let want: [(&str, &str, &str, &str, bool); 12] = [
        (
            "/servlet/Download?id=1",
            "年报.pdf",
            PDF,
            "pdftotext",
            false,
        ),
        (
            "/servlet/Download?id=2",
            "2022年报.docx",
            DOCX,
            "docx-xml",
            false,
        ),
        (
            "/servlet/Download?id=3",
            "年报.pdf",
            PDF,
            "pdftotext",
            false,
        ),
        (
            "/download.jsp?fileid=123",
            "2022 report final.pdf",
            PDF,
            "pdftotext",
            true,
        ),
        ("/files/docx.pdf", "2022年报.pdf", DOCX, "docx-xml", false),
        (
            "/files/missing.pdf",
            "2022年报附表.pdf",
            "attachment_soft_not_found",
            "",
            false,
        ),
        (
            "/files/login.pdf",
            "2022年报说明.pdf",
            "attachment_login_wall",
            "",
            false,
        ),
        (
            "/files/empty.pdf",
            "2022年报摘要.pdf",
            "attachment_empty",
            "",
            false,
        ),
        (
            "/files/half.pdf",
            "2022年报全文.pdf",
            PDF,
            "pdftotext",
            false,
        ),
        (
            "/files/scan.pdf",
            "2022年报扫描件.pdf",
            PDF,
            "pdftotext",
            true,
        ),
        (
            "/files/mac.zip",
            "2022年报.zip",
            "application/zip",
            "zip:pdftotext",
            false,
        ),
        (
            "/files/same.pdf",
            "2022年报（另存）.pdf",
            PDF,
            "pdftotext",
            false,
        ),
    ];
    assert_eq!(attachments.len(), want.len(), "{report}");
    for (a, (link, name, kind, source, ocr)) in attachments.iter().zip(want) {
        let url = a["url"].as_str().expect("url");
        assert!(url.ends_with(link), "{link}: {a}");
        assert_eq!(a["name"], name, "{link}: {a}");
        if kind.starts_with("attachment_") {
            // Never an HTML page or nothing kept as the report's file: missing, waiting.
            assert_eq!(a["missing"], kind, "{link}: {a}");
            assert_eq!(a["sha256"], Value::Null, "{link}: {a}");
            continue;
        }
        assert_eq!(a["missing"], Value::Null, "{link}: {a}");
        assert_eq!(a["content_type"], kind, "{link}: {a}");
        let text_source = a["text_source"].as_str().unwrap_or_default();
        assert!(text_source.starts_with(source), "{link}: {a}");
        assert_eq!(a["text_quality"]["needs_ocr"] == true, ocr, "{link}: {a}");
    }
    // A PDF cut at half is kept (the server said nothing was wrong), its text a verdict.
    let half = &attachments[8];
    let error = half["text_error"].as_str().unwrap_or_default();
    assert!(error.starts_with("damaged or truncated file"), "{half}");
    assert_eq!(half["text_path"], Value::Null, "{half}");
    // One file under three links is one raw file.
    assert_eq!(
        attachments[0]["raw_path"], attachments[2]["raw_path"],
        "{report}"
    );
    assert_eq!(
        attachments[0]["raw_path"], attachments[11]["raw_path"],
        "{report}"
    );
    // The zip's text is its PDF's; the `__MACOSX/` resource fork is no document.
    let zip_text = attachments[10]["text_path"]
        .as_str()
        .expect("the zip's text");
    let zip_text = std::fs::read_to_string(dir.path().join("data").join(zip_text)).expect("text");
    assert!(zip_text.starts_with("=== 2022年报.pdf ===\n"), "{zip_text}");
    assert!(!zip_text.contains("__MACOSX"), "{zip_text}");
    let run = newest_run_report(dir.path());
    let portal = &run["portals"]["某某县人民政府"];
    assert_eq!(
        portal["failures"],
        serde_json::json!({"attachment_empty": 1, "attachment_login_wall": 1, "attachment_soft_not_found": 1}),
        "{run}"
    );
    assert_eq!(
        portal["attachment_texts"],
        serde_json::json!({"derived": 6, "failed": 1, "needs_ocr": 2}),
        "{run}"
    );
    let first = server.requests();
    assert_eq!(
        first.len(),
        3 + LINKS.len(),
        "each link asked once: {first:?}"
    );
    // The same night: the report waits for its missing files, nothing is asked again.
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let second = server.requests();
    assert_eq!(second[first.len()..], ["/robots.txt", "/nb/"], "{second:?}");
    // Once the wait falls due the report is fetched again with its files (no validators
    // were sent, so each whole).
    common::edit_attachment_wait(
        &dir.path().join("data"),
        report["url"].as_str().expect("the report's URL"),
        |retry| retry.next_retry_at = chrono::Utc::now(),
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let third = server.requests();
    // The due report and the seed's list are both asked at the start, in either order.
    let mut asked = third[second.len()..].to_vec();
    let mut asked_first = first.clone();
    asked.sort();
    asked_first.sort();
    assert_eq!(asked, asked_first, "{third:?}");
    let report_and_files: Vec<&String> = third[second.len()..]
        .iter()
        .filter(|path| !matches!(path.as_str(), "/robots.txt" | "/nb/"))
        .collect();
    assert_eq!(
        report_and_files,
        first[2..].iter().collect::<Vec<_>>(),
        "its files follow the report page, in link order: {third:?}"
    );
}

/// The links of the raw server's report page: (href, link text).
const RAW_LINKS: &[(&str, &str)] = &[
    ("/t/short.pdf", "2022年报.pdf"),
    ("/t/unsized.pdf", "2022年报附表.pdf"),
    ("/t/gzip.pdf", "2022年报全文.pdf"),
    ("/servlet/Download?id=9", "点击下载"),
];

fn raw_item_page() -> Vec<u8> {
    let links: String = RAW_LINKS
        .iter()
        .map(|(href, text)| format!("<p>附件：<a href=\"{href}\">{text}</a></p>"))
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府2022年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府2022年政府信息公开工作年度报告</h1><div class=\"content\"><p>全文见附件。</p>{links}</div></body></html>"
    )
    .into_bytes()
}

/// Head and body of an answer the way no HTTP library writes it: `head` as given (no
/// Content-Length added), then `body`.
fn raw(head: &[u8], body: &[u8]) -> Vec<u8> {
    [head, body].concat()
}

fn raw_answer(target: &str) -> Vec<u8> {
    use common::raw_server::answer as whole;
    let html = "text/html; charset=utf-8";
    let pdf = report_pdf();
    match target {
        "/nb/" => whole("200 OK", html, LIST.as_bytes()),
        "/art/1.html" => whole("200 OK", html, &raw_item_page()),
        "/t/short.pdf" => raw(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                pdf.len() * 2
            )
            .as_bytes(),
            &pdf,
        ),
        "/t/unsized.pdf" => raw(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nConnection: close\r\n\r\n",
            &pdf,
        ),
        "/t/gzip.pdf" => raw(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Encoding: gzip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                pdf.len()
            )
            .as_bytes(),
            &pdf,
        ),
        "/servlet/Download?id=9" => {
            let mut head = b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"".to_vec();
            head.extend_from_slice(&encoding_rs::GBK.encode("某某县2022年报.pdf").0);
            head.extend_from_slice(
                format!("\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", pdf.len()).as_bytes(),
            );
            raw(&head, &pdf)
        }
        _ => whole("404 Not Found", html, b"<html>404</html>"),
    }
}

#[test]
fn attachments_whose_raw_answers_lie() {
    let server = RawServer::bind("127.0.0.137");
    let handler: Handler = Arc::new(|target: String, mut socket: TcpStream| {
        Box::pin(async move {
            let _ = socket.write_all(&raw_answer(&target)).await;
        })
    });
    server.serve(handler);
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = common::route_server::portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let records = exported(&config);
    let report = common::route_server::record_ending(&records, "/art/1.html");
    let attachments = report["attachments"].as_array().expect("attachments");
    let got: Vec<(&str, &Value, &Value)> = attachments
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap_or_default(),
                &a["missing"],
                &a["content_type"],
            )
        })
        .collect();
    let pdf = Value::from("application/pdf");
    assert_eq!(
        got,
        [
            // A Content-Length the body never reaches: asked twice, then missing, never kept.
            ("2022年报.pdf", &Value::from("truncated"), &Value::Null),
            // No Content-Length: the body ends with the connection, whole.
            ("2022年报附表.pdf", &Value::Null, &pdf),
            // `Content-Encoding: gzip` on bytes that are no gzip: the file as sent.
            ("2022年报全文.pdf", &Value::Null, &pdf),
            // A name in raw GBK bytes.
            ("某某县2022年报.pdf", &Value::Null, &pdf),
        ],
        "{report}"
    );
    let first = server.targets();
    let times = |t: &str| first.iter().filter(|x| *x == t).count();
    assert_eq!(
        (
            times("/t/short.pdf"),
            times("/t/gzip.pdf"),
            times("/t/unsized.pdf")
        ),
        (2, 1, 1),
        "{first:?}"
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let all = server.targets();
    assert_eq!(all[first.len()..], ["/robots.txt", "/nb/"], "{all:?}");
}
