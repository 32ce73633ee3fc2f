//! Issue 8: a 政府信息公开 list whose annual reports sit among other columns' documents. With
//! `only_report_titles = true` the crawl fetches only the items whose list titles are annual
//! reports' (Simplified or Traditional), the ledger counts the rest as left out, and the list is
//! still complete against the site's own count; without it, every listed item is fetched.

mod common;

use std::sync::Arc;

use common::route_server::{RouteServer, numbered_portal, run_nianbao, write_config};
use common::stderr;

const PER_PAGE: usize = 6;

/// The list's entries: (title, is an annual report).
fn entries() -> Vec<(String, bool)> {
    let mut all = Vec::new();
    for (n, year) in (2016..=2024).enumerate() {
        let report = if n % 3 == 2 {
            // Traditional characters, 資訊 for 信息.
            format!("某某縣{year}年政府資訊公開工作年度報告")
        } else {
            format!("某某县人民政府{year}年政府信息公开工作年度报告")
        };
        all.push((report, true));
        let other = match n % 5 {
            0 => format!("某某县{year}年政府信息公开指南"),
            1 => format!("关于印发某某县{year}年政务公开工作要点的通知"),
            2 => format!("某某县{year}年政府工作报告"),
            3 => format!("某某县{year}年政府信息公开目录"),
            _ => format!("某某县{year}年国民经济和社会发展统计公报"),
        };
        all.push((other, false));
    }
    all
}

fn pages() -> usize {
    entries().len().div_ceil(PER_PAGE)
}

fn list_page(n: usize) -> Vec<u8> {
    let all = entries();
    let rows: String = all
        .iter()
        .enumerate()
        .skip((n - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|(i, (title, _))| {
            format!(
                "<li><a href=\"/art/{i}.html\">{title}</a><span>2025-01-{:02}</span></li>\n",
                i % 28 + 1
            )
        })
        .collect();
    let next = if n < pages() {
        format!("<a href=\"/xxgk/list.html?page={}\">下一页</a>", n + 1)
    } else {
        String::new()
    };
    format!(
        "<html><head><meta charset=\"utf-8\"><title>政府信息公开</title></head><body>\
         <div class=\"nav\"><a href=\"/\">首页</a> &gt; 政府信息公开</div><ul class=\"list\">{rows}</ul>\
         <div class=\"page\">共{}条 共{} 页 当前第{n}页 {next}</div></body></html>",
        all.len(),
        pages()
    )
    .into_bytes()
}

fn item_page(i: usize) -> Vec<u8> {
    let (title, _) = &entries()[i];
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>\
         <p>发布机构：某某县人民政府办公室 发布日期：2025-01-{:02}</p>\
         <p>本文第{i}号。一、总体情况。二、主动公开政府信息情况。三、收到和处理政府信息公开申请情况。</p></body></html>",
        i % 28 + 1
    )
    .into_bytes()
}

fn route(target: &str) -> (u16, String, Vec<u8>) {
    numbered_portal(target, pages(), list_page, |i| {
        (i < entries().len()).then(|| item_page(i))
    })
}

fn crawl(ip: &str, only_report_titles: Option<bool>) -> (Vec<String>, String) {
    let server = RouteServer::bind(ip);
    let base = server.base.clone();
    server.serve(Arc::new(route));
    let dir = tempfile::tempdir().expect("scratch dir");
    let option = only_report_titles
        .map(|b| format!("only_report_titles = {b}\n"))
        .unwrap_or_default();
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"10ms\"\n\
             [[portal]]\nname = \"某某县人民政府\"\nurl = \"{base}/xxgk/list.html\"\n{option}"
        ),
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "crawl: {}", stderr(&out));
    let fetched: Vec<String> = server
        .requests()
        .into_iter()
        .filter(|t| t.starts_with("/art/"))
        .collect();
    (fetched, stderr(&out))
}

#[test]
fn only_report_titles_takes_the_reports_of_a_mixed_list_and_the_ledger_says_so() {
    let all = entries();
    let reports: Vec<String> = all
        .iter()
        .enumerate()
        .filter(|(_, (_, report))| *report)
        .map(|(i, _)| format!("/art/{i}.html"))
        .collect();
    let others = all.len() - reports.len();

    let (mut fetched, summary) = crawl("127.0.0.41", Some(true));
    fetched.sort();
    let mut expected = reports.clone();
    expected.sort();
    assert_eq!(fetched, expected, "only the reports are fetched\n{summary}");
    let line = format!(
        "list all: site states {} pages, {} items; walked {} pages, found {} items ({others} not reports by title, left out), fetched {} [ok]",
        pages(),
        all.len(),
        pages(),
        all.len(),
        reports.len()
    );
    assert!(summary.contains(&line), "{line}\n{summary}");
}

#[test]
fn without_the_option_every_listed_item_is_fetched() {
    let (fetched, summary) = crawl("127.0.0.42", None);
    assert_eq!(fetched.len(), entries().len(), "{summary}");
    assert!(!summary.contains("not reports by title"), "{summary}");
}
