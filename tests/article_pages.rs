//! A long report that a TRS portal prints over several pages of one article
//! (`t20230119_200.html`, `_1.html`, `_2.html`, by `createPageHTML` or a `countPage` script):
//! the crawl keeps every page with the report (as attachments named `第N页`), and `tables` reads
//! the statistics tables from all of them. Simplified and Traditional, both pager scripts, and a
//! dynamic CMS's page-number parameter (`show.php?id=200&page=2`).

mod common;

use std::sync::Arc;

use common::route_server::{RouteServer, run_nianbao, write_config};
use common::stderr;
use serde_json::Value;

const STEM: &str = "t20230119_200";

/// The report body cut before its second and third table: three pages of one article.
fn parts(traditional: bool) -> Vec<String> {
    let body = nianbao_sim::report_body("某某县人民政府", 2022, 7, traditional);
    let cuts: Vec<usize> = body.match_indices("<table").map(|(at, _)| at).collect();
    assert!(cuts.len() >= 3, "the report has its three tables");
    vec![
        body[..cuts[1]].to_string(),
        body[cuts[1]..cuts[2]].to_string(),
        body[cuts[2]..].to_string(),
    ]
}

/// Where page `i` (from 0) of the article is: TRS names (`STEM_1.html`) or a dynamic CMS's
/// page-number parameter (`show.php?id=200&page=2`, the first page without it).
fn target_of(script: &str, i: usize) -> String {
    match (script, i) {
        ("query", 0) => "/xxgknb/202301/show.php?id=200".into(),
        ("query", i) => format!("/xxgknb/202301/show.php?id=200&page={}", i + 1),
        (_, 0) => format!("/xxgknb/202301/{STEM}.html"),
        (_, i) => format!("/xxgknb/202301/{STEM}_{i}.html"),
    }
}

fn pager(script: &str, current: usize) -> String {
    match script {
        "query" => {
            let numbers: String = (1..=3)
                .map(|n| format!("<a href=\"show.php?id=200&page={n}\">{n}</a> "))
                .collect();
            format!(
                "<div class=\"page\">{numbers}<a href=\"show.php?id=200&page={}\">下一页</a></div>",
                current + 2
            )
        }
        "createPageHTML" => format!(
            "<div id=\"page_div\"></div><script>function createPageHTML(n, c, name, ext) {{ }}\
             createPageHTML(3, {current}, \"{STEM}\", \"html\");</script>"
        ),
        _ => format!(
            "<script>var currentPage = {current};var countPage = 3;\
             document.write(\"<a href=\\\"{STEM}\"+\"_\"+(currentPage+1)+\".html\\\">下一页</a>\");</script>"
        ),
    }
}

fn page(title: &str, part: &str, pager: &str) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <h1>{title}</h1><div class=\"TRS_Editor\">{part}</div>{pager}</body></html>"
    )
    .into_bytes()
}

/// Crawls the portal whose section is `/xxgknb/` on `server` into a fresh data dir: the dir, its
/// config and the exported records.
fn crawl(server: &RouteServer) -> (tempfile::TempDir, std::path::PathBuf, Vec<Value>) {
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"20ms\"\n[[portal]]\nname = \"某某县人民政府\"\nurl = \"{}/xxgknb/\"\n",
            server.base
        ),
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let export = run_nianbao(&config, &["export", "--format", "jsonl"]);
    let records = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    (dir, config, records)
}

#[test]
fn every_page_of_a_report_printed_over_pages_is_kept_and_read() {
    for (script, traditional) in [
        ("createPageHTML", false),
        ("countPage", true),
        ("query", false),
    ] {
        let title = if traditional {
            "某某縣人民政府2022年政府信息公開工作年度報告"
        } else {
            "某某县人民政府2022年政府信息公开工作年度报告"
        };
        let pages: Vec<Vec<u8>> = parts(traditional)
            .iter()
            .enumerate()
            .map(|(i, part)| page(title, part, &pager(script, i)))
            .collect();
        let list = format!(
            "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul class=\"list\">\
             <li><a href=\".{}\">{title}</a><span>2023-01-19</span></li></ul></body></html>",
            target_of(script, 0).trim_start_matches("/xxgknb")
        );
        let server = RouteServer::bind("127.0.0.83");
        server.serve(Arc::new(move |target: &str| {
            let html = "text/html; charset=utf-8".to_string();
            let found = match target {
                "/xxgknb/" => Some(list.clone().into_bytes()),
                t => (0..3).find_map(|i| (t == target_of(script, i)).then(|| pages[i].clone())),
            };
            match found {
                Some(body) => (200, html, body),
                None => (404, html, b"<html><body>404</body></html>".to_vec()),
            }
        }));
        let (_dir, config, records) = crawl(&server);
        assert_eq!(records.len(), 1, "{script}: one report, not three");
        let attachments = records[0]["attachments"].as_array().expect("attachments");
        let kept: Vec<(&str, bool)> = attachments
            .iter()
            .map(|a| (a["name"].as_str().unwrap_or(""), a["sha256"].is_string()))
            .collect();
        assert_eq!(kept, [("第2页", true), ("第3页", true)], "{script}");
        // Each page was asked for once.
        for i in 1..3 {
            let path = target_of(script, i);
            assert_eq!(
                server.requests().iter().filter(|t| **t == path).count(),
                1,
                "{script}: {path}"
            );
        }

        let out = run_nianbao(&config, &["tables", "--format", "jsonl"]);
        assert_eq!(out.status.code(), Some(0), "{script}: {}", stderr(&out));
        let tables: Value = serde_json::from_str(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .expect("one report's tables"),
        )
        .expect("tables JSON");
        assert_eq!(tables["template"], "2021", "{script}");
        let mut read: Vec<u64> = tables["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .filter_map(|c| c["table"].as_u64())
            .collect();
        read.dedup();
        assert_eq!(read, [2, 3, 4], "{script}: the tables of all three pages");
    }
}

/// A report page that shows only its title and a frame (`<iframe src="/xxgk/content/2044.html">`)
/// keeps the framed page with it (named `正文`), and `tables` reads the tables there; a frame
/// that is a PDF viewer stands for its file, as before.
#[test]
fn the_page_a_report_frames_is_kept_and_read() {
    let title = "某某县人民政府2022年政府信息公开工作年度报告";
    let body = nianbao_sim::report_body("某某县人民政府", 2022, 7, false);
    let framed = format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{body}</body></html>"
    );
    let item = |title: &str, frame: &str| {
        format!(
            "<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
             <h1>{title}</h1><div class=\"content\"><iframe src=\"{frame}\" width=\"100%\" height=\"3000\"></iframe></div></body></html>"
        )
        .into_bytes()
    };
    let older = "某某县人民政府2021年政府信息公开工作年度报告";
    let list = format!(
        "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul class=\"list\">\
         <li><a href=\"/xxgk/202301/t20230125_2044.html\">{title}</a><span>2023-01-25</span></li>\
         <li><a href=\"/xxgk/202301/t20230126_2045.html\">某某县人民政府2021年政府信息公开工作年度报告</a><span>2022-01-26</span></li>\
         </ul></body></html>"
    );
    let server = RouteServer::bind("127.0.0.84");
    server.serve(Arc::new(move |target: &str| {
        let html = "text/html; charset=utf-8".to_string();
        match target {
            "/xxgknb/" => (200, html, list.clone().into_bytes()),
            "/xxgk/202301/t20230125_2044.html" => {
                (200, html, item(title, "/xxgk/content/2044.html"))
            }
            "/xxgk/content/2044.html" => (200, html, framed.clone().into_bytes()),
            "/xxgk/202301/t20230126_2045.html" => (
                200,
                html,
                item(older, "/pdfjs/web/viewer.html?file=%2Fupload%2F2045.pdf"),
            ),
            "/upload/2045.pdf" => (200, "application/pdf".into(), b"%PDF-1.4\n%%EOF\n".to_vec()),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let (_dir, config, records) = crawl(&server);
    let names = |suffix: &str| -> Vec<String> {
        let record = records
            .iter()
            .find(|r| r["url"].as_str().is_some_and(|u| u.ends_with(suffix)))
            .expect("the report is archived");
        record["attachments"]
            .as_array()
            .expect("attachments")
            .iter()
            .map(|a| {
                format!(
                    "{} {}",
                    a["name"].as_str().unwrap_or(""),
                    a["sha256"].is_string()
                )
            })
            .collect()
    };
    assert_eq!(names("t20230125_2044.html"), ["正文 true"]);
    assert_eq!(names("t20230126_2045.html"), ["2045.pdf true"]);
    assert!(!server.requests().iter().any(|t| t.contains("viewer.html")));

    let out = run_nianbao(&config, &["tables", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let framed_tables: Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("tables JSON"))
        .find(|t| t["report_year"] == 2022)
        .expect("the framed report's tables");
    assert_eq!(framed_tables["template"], "2021");
}
