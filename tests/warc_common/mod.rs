//! Captures for the WARC tests: the kinds of exchange the crawl writes (plain page, gzip-encoded
//! page, chunked JSON answer to a POST, binary attachment), with fixed dates.

#![allow(dead_code)]

use std::io::{Read, Write};

use chrono::{DateTime, TimeZone, Utc};
use nianbao::warc::WarcCapture;

pub fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, h, m, s)
        .single()
        .expect("a valid fixed date")
}

pub const PAGE: &str = "<html><head><meta charset=\"utf-8\"><title>2025年政府信息公开工作年度报告</title></head>\
<body><p>发布机构：某某市人民政府办公室</p></body></html>";

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("writing into a Vec cannot fail");
    e.finish().expect("finishing into a Vec cannot fail")
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("the test wrote valid gzip");
    out
}

fn capture(
    url: &str,
    target: &str,
    date: DateTime<Utc>,
    headers: &[(&str, &str)],
    wire: Vec<u8>,
) -> WarcCapture {
    WarcCapture {
        target_uri: url.into(),
        date,
        ip: Some("203.0.113.7".parse().expect("a valid IP literal")),
        method: "GET".into(),
        request_target: target.into(),
        http_version: "HTTP/1.1".into(),
        request_headers: vec![
            (
                "user-agent".into(),
                "nianbao/0.1 (+mailto:ops@example.org)".into(),
            ),
            ("accept-encoding".into(), "gzip".into()),
        ],
        request_body: None,
        status: 200,
        reason: None,
        response_headers: headers
            .iter()
            .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec()))
            .collect(),
        wire_body: wire.into(),
    }
}

/// A plain HTML page.
pub fn plain_page() -> WarcCapture {
    let len = PAGE.len().to_string();
    capture(
        "http://www.example.gov.cn/zwgk/ndbg/2025.html",
        "/zwgk/ndbg/2025.html",
        at(9, 30, 0),
        &[
            ("content-type", "text/html; charset=utf-8"),
            ("content-length", &len),
        ],
        PAGE.as_bytes().to_vec(),
    )
}

/// The same page served gzip-encoded: the wire body is the gzip stream.
pub fn gzip_page() -> WarcCapture {
    let wire = gzip(PAGE.repeat(3).as_bytes());
    let len = wire.len().to_string();
    capture(
        "http://www.example.gov.cn/zwgk/ndbg/2024.html",
        "/zwgk/ndbg/2024.html",
        at(9, 30, 5),
        &[
            ("content-type", "text/html; charset=utf-8"),
            ("content-encoding", "gzip"),
            ("content-length", &len),
        ],
        wire,
    )
}

/// A chunked JSON answer to a POST (a hanweb-style list query), de-chunked as the client hands it.
pub fn chunked_post() -> WarcCapture {
    let mut c = capture(
        "http://sthjj.example.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45",
        "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45",
        at(9, 31, 0),
        &[
            ("content-type", "application/json;charset=UTF-8"),
            ("transfer-encoding", "chunked"),
            ("server", "nginx"),
        ],
        br#"{"totalRecord":2,"records":["/art/2025/1/a.html","/art/2025/1/b.html"]}"#.to_vec(),
    );
    c.method = "POST".into();
    c.request_headers.push((
        "content-type".into(),
        "application/x-www-form-urlencoded".into(),
    ));
    c.request_body = Some(b"col=1&webid=2&columnid=3".to_vec());
    c
}

/// A binary attachment, status 200 with reason given.
pub fn attachment() -> WarcCapture {
    let body: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    let len = body.len().to_string();
    let mut c = capture(
        "https://www.example.gov.cn/files/2025%E5%B9%B4%E6%8A%A5%E5%91%8A.pdf",
        "/files/2025%E5%B9%B4%E6%8A%A5%E5%91%8A.pdf",
        at(9, 32, 0),
        &[
            ("content-type", "application/pdf"),
            ("content-length", &len),
        ],
        body,
    );
    c.reason = Some("OK".into());
    c.ip = None;
    c
}

/// A re-fetch of `plain_page` a day later with a byte-identical body.
pub fn plain_page_refetch() -> WarcCapture {
    let mut c = plain_page();
    c.date = Utc
        .with_ymd_and_hms(2026, 11, 25, 9, 30, 0)
        .single()
        .expect("a valid fixed date");
    c
}

/// An HTTP/2 download whose Content-Disposition carries a GBK file name (raw bytes, not UTF-8),
/// as some portals send it.
pub fn h2_with_gbk_header() -> WarcCapture {
    let mut c = attachment();
    c.target_uri = "https://www.example.gov.cn/attach/0/report.doc".into();
    c.request_target = "/attach/0/report.doc".into();
    c.http_version = "HTTP/2.0".into();
    c.reason = None;
    c.date = at(9, 33, 0);
    // "年度报告.doc" in GBK.
    let mut disposition = b"attachment; filename=\"".to_vec();
    disposition.extend_from_slice(&[0xC4, 0xEA, 0xB6, 0xC8, 0xB1, 0xA8, 0xB8, 0xE6]);
    disposition.extend_from_slice(b".doc\"");
    c.response_headers = vec![
        ("content-type".into(), b"application/msword".to_vec()),
        ("content-disposition".into(), disposition),
    ];
    c
}
