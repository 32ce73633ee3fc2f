//! Faults a whole section or a report's attachment can show, from portals of the test's own:
//! a section page that is a "not found" page or a login wall cannot be walked (exit 1,
//! `[UNREACHABLE]`); a section page that lists nothing readable says so in its ledger; and an
//! attachment that failed is asked for again once its retry is due, nightly or backfill, though
//! its page is known and would answer 304; a download script's empty or error answer is never the
//! report's file; an attachment over `max_body_bytes` is counted as oversize; a dead entry at the
//! top of a list is visited once a week, not every night.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::route_server::{
    RouteServer, newest_run_report, portals_config, report_page, run_nianbao,
};
use common::stderr;
use serde_json::Value;

const HTML: &str = "text/html; charset=utf-8";

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2022年政府信息公开工作年度报告</a><span>2023-01-20</span></li>\
    <li><a href=\"/art/2.html\">某某县人民政府2021年政府信息公开工作年度报告</a><span>2022-01-20</span></li>\
    </ul></body></html>";

/// A section page that is a "page not found" page served with 200, or a login wall, leaves the
/// section unwalked: the run exits 1 and the portal is `[UNREACHABLE]`. A section page that
/// shows content but no list, pager or year sections (a page of columns, or the site's home page
/// given for its section) is walked, and its ledger says it listed nothing nianbao can read and
/// names the commands that help.
#[test]
fn a_section_page_that_is_no_list_is_reported() {
    let server = RouteServer::bind("127.0.0.81");
    server.serve(Arc::new(|target: &str| {
        let body = match target {
            "/gone/" => "<html><head><meta charset=\"utf-8\"><title>页面不存在</title></head><body>\
                <h2>抱歉，您访问的页面不存在或已被删除！</h2></body></html>",
            "/login/" => "<html><head><meta charset=\"utf-8\"><title>统一身份认证平台</title></head><body>\
                <form method=\"post\"><input name=\"u\"><input type=\"password\" name=\"p\"></form></body></html>",
            "/categories/" => "<html><head><meta charset=\"utf-8\"><title>政府信息公开年报</title></head><body>\
                <div class=\"content\"><p>本栏目发布本区政府及所属部门、镇（街道）的政府信息公开工作年度报告，\
                请按类别查阅：区政府年报、区直部门年报、镇（街道）年报。</p>\
                <ul><li><a href=\"/categories/qzf/\">区政府年报</a></li><li><a href=\"/categories/bm/\">区直部门年报</a></li>\
                <li><a href=\"/categories/zj/\">镇（街道）年报</a></li></ul></div></body></html>",
            // A newcomer's seed: the site's home page rather than its 年报 section.
            "/" => "<html><head><meta charset=\"utf-8\"><title>某某区人民政府门户网站</title></head><body>\
                <ul class=\"nav\"><li><a href=\"/xwzx/\">新闻中心</a></li><li><a href=\"/zwgk/\">政务公开</a></li>\
                <li><a href=\"/hdjl/\">互动交流</a></li></ul>\
                <div class=\"content\"><h2>区情概况</h2><p>某某区位于某某市东部，总面积一千二百平方公里，\
                辖八个镇、四个街道，常住人口四十二万人。全区坚持以人民为中心的发展思想，\
                推进法治政府建设和政务公开工作，持续优化营商环境。</p>\
                <ul><li><a href=\"/zwgk/zcwj/\">政策文件</a></li><li><a href=\"/zwgk/rsxx/\">人事信息</a></li>\
                <li><a href=\"/zwgk/czzj/\">财政资金</a></li></ul></div>\
                <div class=\"footer\">主办单位：某某区人民政府办公室　网站标识码：5101000001</div></body></html>",
            _ => return (404, HTML.to_string(), b"<html><body>404</body></html>".to_vec()),
        };
        (200, HTML.to_string(), body.as_bytes().to_vec())
    }));
    let base = server.base.clone();
    for (path, unreachable) in [
        ("/gone/", true),
        ("/login/", true),
        ("/categories/", false),
        ("/", false),
    ] {
        let dir = tempfile::tempdir().expect("scratch dir");
        let config = portals_config(dir.path(), &[("某某区人民政府", format!("{base}{path}"))]);
        let out = run_nianbao(&config, &["crawl"]);
        // The run's summary goes to stderr.
        let summary = stderr(&out);
        let want = if unreachable { 1 } else { 0 };
        assert_eq!(out.status.code(), Some(want), "{path}\n{summary}");
        assert_eq!(
            summary.contains("UNREACHABLE"),
            unreachable,
            "{path}\n{summary}"
        );
        let report = newest_run_report(dir.path());
        let portal = &report["portals"]["某某区人民政府"];
        assert_eq!(
            portal["unreachable"] == true,
            unreachable,
            "{path}: {portal}"
        );
        if !unreachable {
            let stops = portal["lists"]["all"]["stops"].to_string();
            assert!(stops.contains("lists nothing"), "{path}: {portal}");
            assert!(summary.contains("lists nothing"), "{path}\n{summary}");
            // What to do about it: read the page, or look for the section from it.
            assert!(summary.contains("`nianbao inspect`"), "{path}\n{summary}");
            assert!(
                summary.contains("`nianbao find-section URL`"),
                "{path}\n{summary}"
            );
        }
    }
}

/// An attachment that failed (a "not found" page served with 200, then a 404) leaves its report
/// archived without it, and once its retry is due (at once here: `failed_retry_first = "0s"`,
/// so that runs stand in for nights) the next run asks for the page without validators and for
/// the attachment again, though the page was fetched moments ago; once the attachment comes,
/// the report gets a new version with it, and the run after that leaves both alone. A backfill
/// asks again too. (`attachment_crawl.rs` shows that a retry not yet due is not asked.)
#[test]
fn a_failed_attachment_is_asked_for_again_when_due() {
    let server = RouteServer::bind("127.0.0.82");
    // Answers for /upload/1.pdf: a "not found" page served with 200, then a 404, then the file.
    let asked = Arc::new(AtomicUsize::new(0));
    let count = asked.clone();
    server.serve(Arc::new(move |target: &str| {
        let html = HTML.to_string();
        match target {
            "/nb/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" => (200, html, report_page(2022, "/upload/1.pdf")),
            "/art/2.html" => (200, html, report_page(2021, "/upload/2.pdf")),
            "/upload/2.pdf" => (
                200,
                "application/pdf".into(),
                b"%PDF-1.4\n2021 report\n%%EOF\n".to_vec(),
            ),
            "/upload/1.pdf" => match count.fetch_add(1, Ordering::SeqCst) {
                0 => (
                    200,
                    html,
                    "<html><head><meta charset=\"utf-8\"><title>页面不存在</title></head><body>\
                     <h2>您访问的页面不存在</h2></body></html>"
                        .as_bytes()
                        .to_vec(),
                ),
                1 => (404, html, b"<html><body>404</body></html>".to_vec()),
                _ => (
                    200,
                    "application/pdf".into(),
                    b"%PDF-1.4\n2022 report\n%%EOF\n".to_vec(),
                ),
            },
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replace(
        "[fetch]\n",
        "[crawl]\nfailed_retry_first = \"0s\"\n[fetch]\n",
    );
    std::fs::write(&config, text).expect("write config");
    let attachment_of = |records: &[Value], url: &str| -> Vec<Value> {
        records
            .iter()
            .filter(|r| r["url"].as_str().is_some_and(|u| u.ends_with(url)))
            .map(|r| r["attachments"][0]["sha256"].clone())
            .collect()
    };
    let export = || -> Vec<Value> {
        let out = run_nianbao(&config, &["export", "--format", "jsonl"]);
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    };
    let count_of = |path: &str| server.requests().iter().filter(|t| *t == path).count();

    // Run 1: the attachment is a "not found" page: the report is archived without it.
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = export();
    assert_eq!(attachment_of(&records, "/art/1.html"), vec![Value::Null]);
    assert_eq!(count_of("/upload/1.pdf"), 1);

    // Run 2, at once: the page and the attachment are asked for again (it answers 404 now);
    // the other report, complete and fresh, is not.
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count_of("/art/1.html"), 2);
    assert!(count_of("/upload/1.pdf") >= 2);
    assert_eq!(count_of("/art/2.html"), 1);

    // A backfill asks again too, and now gets the file: a new version with the attachment.
    let out = run_nianbao(&config, &["backfill", "--years", "2021-2022"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let records = export();
    let versions = attachment_of(&records, "/art/1.html");
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert!(
        versions[0].is_null() && versions[1].is_string(),
        "{versions:?}"
    );
    assert_eq!(
        count_of("/art/2.html"),
        1,
        "a backfill leaves a complete report alone"
    );

    // Complete now: the next nightly leaves it alone.
    let before = count_of("/upload/1.pdf");
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count_of("/upload/1.pdf"), before);
    assert_eq!(count_of("/art/1.html"), 3);
}

/// A report page whose attachments are a download script's answers for files it does not have,
/// each served with a document's Content-Type and status 200 (probe B's items 30, 45, 46, 47),
/// beside files that are documents though they sniff as none (a Word page saved as `.doc`, an
/// RTF `.doc`) and a PDF.
fn answers_page() -> Vec<u8> {
    "<html><head><meta charset=\"utf-8\"><title>某某县统计局2022年政府信息公开工作年度报告</title></head><body>\
     <h1>某某县统计局2022年政府信息公开工作年度报告</h1><div class=\"content\">\
     <p>发布机构：某某县统计局</p><p>一、总体情况</p><p>2022年，某某县统计局认真贯彻落实《中华人民共和国政府信息公开条例》。</p>\
     <p>附件：<a href=\"/xxgk/files/30.pdf\">年度报告.pdf</a></p>\
     <p><a href=\"/attach/download?fileId=145\">附件下载</a></p>\
     <p><a href=\"/attach/download?fileId=146\">附件下載</a></p>\
     <p><a href=\"/attach/download?fileId=148\">附件下载</a></p>\
     <p><a href=\"/xxgk/files/47.pdf\">年度報告.pdf</a></p>\
     <p><a href=\"/xxgk/files/word.doc\">年度报告.doc</a></p>\
     <p><a href=\"/xxgk/files/rtf.doc\">年度报告（RTF）.doc</a></p>\
     <p><a href=\"/xxgk/files/ok.pdf\">年度报告全文.pdf</a></p></div></body></html>"
        .as_bytes()
        .to_vec()
}

/// Empty bodies, error text (GBK and UTF-8), a JSON error and the JSP "file missing" script,
/// served as a PDF or a download, are never archived as the report's file: each is counted as
/// `attachment_<kind>`, the report is archived without it, and the next run asks again. The
/// files that are documents are archived.
#[test]
fn an_answer_that_is_no_document_is_never_the_reports_file() {
    let server = RouteServer::bind("127.0.0.83");
    let word_page = format!(
        "<html xmlns:w=\"urn:schemas-microsoft-com:office:word\"><head><meta charset=\"utf-8\"></head><body>\
         <p>某某县统计局2022年政府信息公开工作年度报告</p><p>{}</p></body></html>",
        "一、总体情况。本年度主动公开政府信息120条。".repeat(20)
    );
    let word_page: &'static [u8] = Box::leak(word_page.into_bytes().into_boxed_slice());
    server.serve(Arc::new(move |target: &str| {
        let html = HTML.to_string();
        let pdf = "application/pdf".to_string();
        let download = "application/octet-stream".to_string();
        match target {
            "/nb/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" => (200, html, answers_page()),
            "/art/2.html" => (200, html, report_page(2021, "/upload/2.pdf")),
            "/upload/2.pdf" | "/xxgk/files/ok.pdf" => {
                (200, pdf, b"%PDF-1.4\n2021 report\n%%EOF\n".to_vec())
            }
            "/xxgk/files/30.pdf" => (200, pdf, Vec::new()),
            "/attach/download?fileId=145" => (200, download, Vec::new()),
            "/attach/download?fileId=146" => (
                200,
                download,
                encoding_rs::GBK.encode("文件不存在！").0.into_owned(),
            ),
            "/attach/download?fileId=148" => (
                200,
                "application/json;charset=UTF-8".into(),
                "{\"code\":500,\"msg\":\"文件不存在\"}".as_bytes().to_vec(),
            ),
            "/xxgk/files/47.pdf" => (
                200,
                pdf,
                "<script>alert(\"文件不存在\");history.go(-1);</script>"
                    .as_bytes()
                    .to_vec(),
            ),
            "/xxgk/files/word.doc" => (200, "application/msword".into(), word_page.to_vec()),
            "/xxgk/files/rtf.doc" => (
                200,
                "application/msword".into(),
                "{\\rtf1\\ansi\\deff0 {\\fonttbl{\\f0 SimSun;}}\\f0 2022 annual report\\par}"
                    .as_bytes()
                    .to_vec(),
            ),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县统计局", format!("{}/nb/", server.base))],
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = newest_run_report(dir.path());
    let failures = &report["portals"]["某某县统计局"]["failures"];
    assert_eq!(failures["attachment_empty"], 2, "{failures}");
    assert_eq!(failures["attachment_soft_not_found"], 3, "{failures}");

    let out = run_nianbao(&config, &["export", "--format", "jsonl"]);
    let record: Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("JSON line"))
        .find(|r| {
            r["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/art/1.html"))
        })
        .expect("the report is archived");
    let attachments = record["attachments"].as_array().expect("attachments");
    let archived: Vec<(&str, bool)> = attachments
        .iter()
        .map(|a| {
            let url = a["url"].as_str().expect("url");
            (&url[server.base.len()..], a["sha256"].is_string())
        })
        .collect();
    assert_eq!(
        archived,
        vec![
            ("/xxgk/files/30.pdf", false),
            ("/attach/download?fileId=145", false),
            ("/attach/download?fileId=146", false),
            ("/attach/download?fileId=148", false),
            ("/xxgk/files/47.pdf", false),
            ("/xxgk/files/word.doc", true),
            ("/xxgk/files/rtf.doc", true),
            ("/xxgk/files/ok.pdf", true),
        ]
    );

    // The report lacks files, whose retry is a day away: the next run, at once, asks for
    // neither them nor the page (the retry when due: `a_failed_attachment_is_asked_for_again_when_due`).
    let count_of = |path: &str| server.requests().iter().filter(|t| *t == path).count();
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count_of("/art/1.html"), 1);
    assert_eq!(count_of("/xxgk/files/47.pdf"), 1);
    assert_eq!(count_of("/art/2.html"), 1);
}

/// An attachment larger than `max_body_bytes` is counted as oversize, not as a failed
/// attachment, and the log names its URL and the limit; the report is archived without it.
#[test]
fn an_oversize_attachment_is_counted_as_oversize() {
    let server = RouteServer::bind("127.0.0.84");
    server.serve(Arc::new(move |target: &str| {
        let html = HTML.to_string();
        match target {
            "/nb/" => (200, html, LIST.as_bytes().to_vec()),
            "/art/1.html" => (200, html, report_page(2022, "/upload/1.pdf")),
            "/art/2.html" => (200, html, report_page(2021, "/upload/2.pdf")),
            "/upload/2.pdf" => (200, "application/pdf".into(), b"%PDF-1.4\n%%EOF\n".to_vec()),
            "/upload/1.pdf" => {
                let mut big = b"%PDF-1.4\n".to_vec();
                big.resize(300_000, b'x');
                (200, "application/pdf".into(), big)
            }
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replace(
        "max_retries = 1\n",
        "max_retries = 1\nmax_body_bytes = 100000\n",
    );
    std::fs::write(&config, text).expect("write config");
    let out = run_nianbao(&config, &["crawl"]);
    let log = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let report = newest_run_report(dir.path());
    let portal = &report["portals"]["某某县人民政府"];
    assert_eq!(portal["oversize"], 1, "{portal}");
    assert_eq!(portal["failures"]["attachment"], Value::Null, "{portal}");
    assert!(
        log.lines()
            .any(|l| l.contains("/upload/1.pdf") && l.contains("100000")),
        "{log}"
    );
}

/// A list entry whose page is a "not found" page served with 200 (a report taken down, its entry
/// left at the top of the list) is visited once: the next nightly neither asks for it again
/// within `revisit_after` nor counts it as new, so it does not walk page 2 for it.
#[test]
fn a_dead_entry_at_the_top_of_a_list_is_visited_once_a_week() {
    let server = RouteServer::bind("127.0.0.87");
    server.serve(Arc::new(|target: &str| {
        let html = HTML.to_string();
        let page = |entries: &str, next: &str| {
            format!(
                "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul>\
                 <div class=\"page\">{next}</div></body></html>"
            )
            .into_bytes()
        };
        let entry = |i: u32, year: u32| {
            format!("<li><a href=\"/art/{i}.html\">某某县人民政府{year}年政府信息公开工作年度报告</a><span>{}-01-20</span></li>", year + 1)
        };
        match target {
            "/nb/" => {
                let entries: String = [entry(9, 2023), entry(1, 2022), entry(2, 2021)].concat();
                (200, html, page(&entries, "<a href=\"/nb/index_1.html\">下一页</a>"))
            }
            "/nb/index_1.html" => (200, html, page(&entry(3, 2020), "")),
            "/art/9.html" => (
                200,
                html,
                "<html><head><meta charset=\"utf-8\"><title>页面不存在</title></head><body>\
                 <h2>抱歉，您访问的页面不存在或已被删除！</h2></body></html>"
                    .as_bytes()
                    .to_vec(),
            ),
            "/art/1.html" => (200, html, report_page(2022, "/upload/1.pdf")),
            "/art/2.html" => (200, html, report_page(2021, "/upload/2.pdf")),
            "/art/3.html" => (200, html, report_page(2020, "/upload/3.pdf")),
            t if t.starts_with("/upload/") => (
                200,
                "application/pdf".into(),
                format!("%PDF-1.4\n{t}\n%%EOF\n").into_bytes(),
            ),
            _ => (404, html, b"<html><body>404</body></html>".to_vec()),
        }
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let config_text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        config_text.replace("[fetch]", "[crawl]\nknown_pages_before_stop = 1\n[fetch]"),
    )
    .expect("config");
    let count_of = |path: &str| server.requests().iter().filter(|t| *t == path).count();
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count_of("/art/9.html"), 1);
    assert_eq!(count_of("/nb/index_1.html"), 1);
    assert_eq!(count_of("/art/3.html"), 1);

    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count_of("/art/9.html"), 1, "{:?}", server.requests());
    assert_eq!(
        count_of("/nb/index_1.html"),
        1,
        "page 1 holds nothing new: {:?}",
        server.requests()
    );
}

/// A portal whose robots.txt cannot be read (a 503) is not walked, as RFC 9309 asks; the summary
/// and the ledger say why rather than "0 failures [UNREACHABLE]" alone.
#[test]
fn a_section_not_fetched_says_why() {
    let server = RouteServer::bind("127.0.0.88");
    server.serve(Arc::new(|target: &str| match target {
        "/robots.txt" => (503, HTML.into(), b"<html><body>503</body></html>".to_vec()),
        "/nb/" => (200, HTML.into(), LIST.as_bytes().to_vec()),
        _ => (404, HTML.into(), b"<html><body>404</body></html>".to_vec()),
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("甲县人民政府", format!("{}/nb/", server.base))],
    );
    let out = run_nianbao(&config, &["crawl"]);
    let summary = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{summary}");
    assert!(summary.contains("[UNREACHABLE]"), "{summary}");
    assert!(summary.contains("not fetched: robots=1"), "{summary}");
    assert!(summary.contains("robots.txt unavailable"), "{summary}");
    assert!(
        !server.requests().iter().any(|t| t == "/nb/"),
        "the section was asked: {:?}",
        server.requests()
    );
}
