//! The probe's inputs for the page readers (`page::analyse`: glued labels, titles, headings,
//! issuers, month-day list rows) and for XLSX files derived as the crawl derives them.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

use std::time::Instant;

use nianbao::extract::ListEvidence;
use nianbao::page::{self, PageInput, PageRole};
use url::Url;

use super::{peak_mb, probe, reset_peak};
use crate::attachment_support;

fn page_as(role: &PageRole, html: &str) {
    let url = Url::parse("http://127.0.0.1/xxgk/ndbg/t20240120_1.html").expect("valid URL");
    let input = PageInput {
        url: &url,
        status: 200,
        content_type: Some("text/html; charset=utf-8"),
        body: html.as_bytes(),
    };
    std::hint::black_box(page::analyse(input, role));
}

fn item() -> PageRole {
    PageRole::Item {
        evidence: ListEvidence::default(),
        portal_name: "测试市人民政府".into(),
    }
}

fn list() -> PageRole {
    PageRole::List { list_api: None }
}

pub fn page_probes() {
    probe(
        "page: label：value pairs glued on one line",
        25_000,
        |n| {
            let pairs: String = (0..n)
                .map(|i| {
                    [
                        "索引号：",
                        "发布机构：某县人民政府",
                        "发布日期：2024-01-20",
                        "文号：",
                        "来源：",
                    ][i % 5]
                        .to_string()
                        + &i.to_string()
                })
                .collect();
            format!("<html><head><title>年报</title></head><body><div>{pairs}</div></body></html>")
        },
        |h| page_as(&item(), h),
    );
    probe(
        "page: <title> and <h1> of n KB",
        256,
        |n| {
            let t = "某县人民政府2023年政府信息公开工作年度报告".repeat(n * 1024 / 60);
            format!(
                "<html><head><title>{t}-某县人民政府</title></head><body><h1>{t}</h1><p>正文</p></body></html>"
            )
        },
        |h| page_as(&item(), h),
    );
    probe(
        "page: n headings",
        12_500,
        |n| {
            let hs: String = (0..n)
                .map(|i| format!("<h2>某县{i}政府信息公开工作年度报告</h2>"))
                .collect();
            format!(
                "<html><head><title>某县1政府信息公开工作年度报告_某县人民政府</title></head><body>{hs}</body></html>"
            )
        },
        |h| page_as(&item(), h),
    );
    probe(
        "page: issuer candidates (n signatures)",
        12_500,
        |n| {
            let ps: String = (0..n)
                .map(|i| format!("<p>某{i}县人民政府办公室</p><p>2024年1月20日</p>"))
                .collect();
            format!(
                "<html><head><title>2023年政府信息公开工作年度报告</title></head><body><h1>2023年政府信息公开工作年度报告</h1><p>本报告由某县人民政府办公室编制。</p>{ps}</body></html>"
            )
        },
        |h| page_as(&item(), h),
    );
    probe(
        "list: month-day dated rows",
        25_000,
        |n| {
            let rows: String = (0..n)
                .map(|i| format!("<li><a href=\"/xxgk/ndbg/{i}.html\">某县{i}政府信息公开工作年度报告</a><span>{:02}-{:02}</span></li>", i % 12 + 1, i % 28 + 1))
                .collect();
            format!("<html><head><title>年报</title></head><body><ul>{rows}</ul></body></html>")
        },
        |h| page_as(&list(), h),
    );
    probe(
        "list: rows dated in full (to compare)",
        25_000,
        |n| {
            let rows: String = (0..n)
                .map(|i| format!("<li><a href=\"/xxgk/ndbg/{i}.html\">某县{i}政府信息公开工作年度报告</a><span>2024-{:02}-{:02}</span></li>", i % 12 + 1, i % 28 + 1))
                .collect();
            format!("<html><head><title>年报</title></head><body><ul>{rows}</ul></body></html>")
        },
        |h| page_as(&list(), h),
    );
}

/// A spreadsheet's text derived as the crawl derives it, in a scratch archive: its length, or
/// the error when there is none.
fn derive_sheet(body: &[u8]) -> Result<usize, String> {
    let (_dir, info, text) =
        attachment_support::derive_stored(body, &nianbao::text::Tools::default());
    let info = info.expect("a spreadsheet is a format with text");
    match info.text_error {
        Some(e) => Err(e),
        None => Ok(text.map_or(0, |t| t.len())),
    }
}

/// XLSX files: far cells under a whole-sheet dimension, many sheets, long strings.
pub fn xlsx_probes() {
    use attachment_support::sheets::{self, Sheet};
    let with_sheet_xml = |xml: String| {
        let mut parts = sheets::xlsx_parts(&[Sheet::new("a", vec![vec!["1".into()]])]);
        let at = parts
            .iter()
            .position(|(n, _)| n == "xl/worksheets/sheet1.xml")
            .expect("sheet part");
        parts[at].1 = xml.into_bytes();
        sheets::zip_parts(&parts)
    };
    let ns = "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"";
    let run = |name: &str, body: Vec<u8>| {
        reset_peak();
        let start = Instant::now();
        let out = derive_sheet(&body);
        println!(
            "{name:44} {:7.2} MB in: {:9.1} ms  peak {:7.1} MB  {:?}",
            body.len() as f64 / 1e6,
            start.elapsed().as_secs_f64() * 1e3,
            peak_mb().unwrap_or(f64::NAN),
            out.map_err(|e| e.chars().take(120).collect::<String>())
        );
    };
    if std::env::var("PROBE").is_ok_and(|only| !"xlsx".contains(&only)) {
        return;
    }
    run(
        "xlsx: dimension A1:XFD1048576, two cells",
        with_sheet_xml(format!(
            "<worksheet {ns}><dimension ref=\"A1:XFD1048576\"/><sheetData><row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"1048576\"><c r=\"XFD1048576\"><v>2</v></c></row></sheetData></worksheet>"
        )),
    );
    run(
        "xlsx: a styled empty cell at XFD1048576",
        with_sheet_xml(format!(
            "<worksheet {ns}><sheetData><row r=\"1\"><c r=\"A1\" s=\"1\"><v>1</v></c></row><row r=\"1048576\"><c r=\"XFD1048576\" s=\"1\"/></row></sheetData></worksheet>"
        )),
    );
    run(
        "xlsx: one inline string of 10 MB",
        with_sheet_xml(format!(
            "<worksheet {ns}><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>{}</t></is></c><c r=\"B1\"><v>1</v></c></row></sheetData></worksheet>",
            "申".repeat(10 << 20 >> 2)
        )),
    );
    let many: Vec<Sheet> = (0..1_000)
        .map(|i| Sheet::new(&format!("s{i}"), vec![vec!["总计".into(), "1".into()]]))
        .collect();
    run("xlsx: 1,000 sheets", sheets::xlsx(&many));
}
