//! Shared helpers of the list-trap tests: the pages of the simulated portals, the backfill run and
//! the check that every request stayed inside the section.
#![allow(dead_code)]

use crate::common::route_server::backfill_county;

pub const HTML: &str = "text/html; charset=utf-8";

pub const YEARS: std::ops::RangeInclusive<u32> = 2000..=2100;

pub fn report(path: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府政府信息公开工作年度报告</h1><div class=\"content\"><p>一、总体情况</p>\
         <p>{path}：某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</p></div></body></html>"
    )
    .into_bytes()
}

/// A list page of three dated entries `/art/{tag}-{k}.html` with `extra` (a menu, a pager) after.
pub fn list_page(tag: &str, extra: &str) -> Vec<u8> {
    let entries: String = (1..=3)
        .map(|k| {
            format!(
                "<li><a href=\"/art/{tag}-{k}.html\">某某县人民政府政府信息公开工作年度报告（{tag}之{k}）</a><span>2023-01-2{k}</span></li>"
            )
        })
        .collect();
    format!(
        "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul>{extra}</body></html>"
    )
    .into_bytes()
}

pub fn not_found() -> (u16, String, Vec<u8>) {
    (
        404,
        HTML.to_string(),
        b"<html><body>404</body></html>".to_vec(),
    )
}

pub fn backfill(base: &str, section: &str) -> (std::process::Output, tempfile::TempDir) {
    backfill_county(base, section, "2ms", "2000-2100")
}
