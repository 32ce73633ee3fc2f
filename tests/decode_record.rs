//! What the export record says of a page's decoding, from a portal of the test's own: a clean
//! GBK page has no replacement characters; a GBK page with one character cut short is kept in
//! GBK with one U+FFFD and says so; a page double-encoded (UTF-8 read as Latin-1 and saved as
//! UTF-8 again) is flagged as mojibake; a report listed as a PDF file has neither (null); a
//! lying header is overruled in the record, with the raw bytes kept as served.

mod common;

use std::sync::Arc;

use common::route_server::{RouteServer, crawled_county, exported, record_ending, report_page};
use serde_json::Value;

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2023年政府信息公开工作年度报告</a><span>2024-01-20</span></li>\
    <li><a href=\"/art/2.html\">某某县人民政府2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>\
    <li><a href=\"/art/3.html\">某某县人民政府2021年政府信息公开工作年度报告</a><span>2022-01-20</span></li>\
    <li><a href=\"/upload/2020.pdf\">某某县人民政府2020年政府信息公开工作年度报告</a><span>2021-01-20</span></li>\
    </ul></body></html>";

/// A report page in GBK, declared as such.
fn gbk_page(year: u32) -> Vec<u8> {
    let html = String::from_utf8(report_page(year, "/upload/none.pdf"))
        .expect("UTF-8")
        .replace("charset=\"utf-8\"", "charset=\"gbk\"");
    let (bytes, _, had_errors) = encoding_rs::GBK.encode(&html);
    assert!(!had_errors, "GBK encodes the page");
    bytes.into_owned()
}

#[test]
fn the_record_says_how_many_bytes_the_page_encoding_could_not_read() {
    let server = RouteServer::bind("127.0.0.96");
    let clean = gbk_page(2023);
    // The first byte of 总 (GBK 0xD7 0xDC) followed by an ASCII byte: one character cut short.
    let mut cut = gbk_page(2022);
    let at = cut
        .windows(2)
        .position(|w| w == [0xD7, 0xDC])
        .expect("总 in the page");
    cut[at + 1] = b' ';
    // Each byte of the UTF-8 page read as Latin-1 and written as UTF-8 again.
    let doubled: String = report_page(2021, "/upload/none.pdf")
        .iter()
        .map(|&b| char::from(b))
        .collect();
    server.serve(Arc::new(move |target: &str| {
        let html = "text/html".to_string();
        match target {
            "/nb/" => (
                200,
                "text/html; charset=utf-8".into(),
                LIST.as_bytes().to_vec(),
            ),
            "/art/1.html" => (200, html, clean.clone()),
            "/art/2.html" => (200, html, cut.clone()),
            "/art/3.html" => (200, html, doubled.clone().into_bytes()),
            "/upload/2020.pdf" => (
                200,
                "application/pdf".into(),
                b"%PDF-1.4\n2020 report\n%%EOF\n".to_vec(),
            ),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (_dir, config) = crawled_county(format!("{}/nb/", server.base));
    let records = exported(&config);
    let record = |path: &str| record_ending(&records, path);
    let clean = record("/art/1.html");
    assert_eq!(clean["charset"], "gb18030", "{clean}");
    assert_eq!(clean["replacement_chars"], 0, "{clean}");
    assert_eq!(clean["mojibake"], false, "{clean}");

    let cut = record("/art/2.html");
    assert_eq!(cut["charset"], "gb18030", "{cut}");
    assert_eq!(cut["replacement_chars"], 1, "{cut}");
    assert_eq!(cut["mojibake"], false, "{cut}");
    assert_eq!(cut["report_year"], 2022, "{cut}");

    let doubled = record("/art/3.html");
    assert_eq!(doubled["mojibake"], true, "{doubled}");
    assert_eq!(doubled["replacement_chars"], 0, "{doubled}");

    let file = record("/upload/2020.pdf");
    assert_eq!(file["replacement_chars"], Value::Null, "{file}");
    assert_eq!(file["mojibake"], Value::Null, "{file}");
}

/// Lying labels through the real binary: a GB18030 page (four-byte 𠀀 and 䶮 in its text)
/// served as Tomcat's `ISO-8859-1`, and a UTF-16LE page without a BOM served as `charset=utf-8`.
/// The record names the encoding used and what decided it, the title is the encoded one, and
/// the raw file holds the bytes as served.
#[test]
fn a_lying_header_is_overruled_in_the_record_and_the_raw_bytes_are_kept() {
    let server = RouteServer::bind("127.0.0.97");
    let rare = |year: u32| {
        String::from_utf8(report_page(year, "/upload/none.pdf"))
            .expect("UTF-8")
            .replace("一、总体情况", "一、总体情况𠀀䶮")
    };
    let gb_html = rare(2023).replace("utf-8", "gb2312");
    let (gb, _, gb_errors) = encoding_rs::GB18030.encode(&gb_html);
    assert!(!gb_errors, "GB18030 encodes the page");
    let gb = gb.into_owned();
    let utf16: Vec<u8> = rare(2022)
        .replace("<meta charset=\"utf-8\">", "")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let (served_gb, served_utf16) = (gb.clone(), utf16.clone());
    server.serve(Arc::new(move |target: &str| match target {
        "/nb/" => (
            200,
            "text/html; charset=utf-8".into(),
            LIST.as_bytes().to_vec(),
        ),
        "/art/1.html" => (
            200,
            "text/html; charset=ISO-8859-1".into(),
            served_gb.clone(),
        ),
        "/art/2.html" => (200, "text/html; charset=utf-8".into(), served_utf16.clone()),
        _ => (
            404,
            "text/html".into(),
            b"<html><body>404</body></html>".to_vec(),
        ),
    }));
    let (dir, config) = crawled_county(format!("{}/nb/", server.base));
    let records = exported(&config);
    let data_dir = dir.path().join("data");
    for (path, body, charset, source, year) in [
        ("/art/1.html", &gb, "gb18030", "cjk_trial", 2023),
        ("/art/2.html", &utf16, "UTF-16LE", "utf16_trial", 2022),
    ] {
        let record = record_ending(&records, path);
        assert_eq!(record["charset"], charset, "{record}");
        assert_eq!(record["charset_source"], source, "{record}");
        assert_eq!(record["replacement_chars"], 0, "{record}");
        assert_eq!(
            record["title"],
            format!("某某县人民政府{year}年政府信息公开工作年度报告"),
            "{record}"
        );
        assert_eq!(record["report_year"], year, "{record}");
        assert!(
            common::raw_body(&data_dir, record) == *body,
            "{path}: the raw file holds the bytes as served"
        );
    }
}
