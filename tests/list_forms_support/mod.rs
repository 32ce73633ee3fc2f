//! Shared helpers of the list-form tests: the pages of the simulated portals and the check that
//! every request stayed inside the section.
#![allow(dead_code)]

pub const HTML: &str = "text/html; charset=utf-8";

pub const PORTAL: &str = "某某县人民政府";

pub fn report(path: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县人民政府2023年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县人民政府2023年政府信息公开工作年度报告</h1><div class=\"content\"><p>一、总体情况</p>\
         <p>{path}：某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</p></div></body></html>"
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

pub fn page(head: &str, body: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>年报</title>{head}</head><body>{body}</body></html>"
    )
    .into_bytes()
}
