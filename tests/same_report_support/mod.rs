//! Shared helpers of the same-report tests: the reports of the simulated county before and after
//! its revamp, the crawls across it, and the checks on the links between them.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::common::route_server::{
    RouteServer, exported, numbered_portal, portals_config, record_ending, run_nianbao,
};
use crate::common::stderr;
use serde_json::Value;

pub const PORTAL: &str = "某某县人民政府";

/// The generic title two departments give their reports.
pub const GENERIC: &str = "2022年政府信息公开工作年度报告";

/// A report: its title, issuing body and figures (主动公开, 政策文件, 解读, 规范性文件, 申请, 予以公开).
pub struct Report {
    pub title: &'static str,
    pub body: &'static str,
    pub figures: [u32; 6],
}

pub const COUNTY: Report = Report {
    title: "某某县人民政府2022年政府信息公开工作年度报告",
    body: "某某县人民政府办公室",
    figures: [5975, 12, 21, 4, 37, 30],
};

pub const FINANCE: Report = Report {
    title: GENERIC,
    body: "某某县财政局",
    figures: [0; 6],
};

pub const EDUCATION: Report = Report {
    title: GENERIC,
    body: "某某县教育局",
    figures: [0; 6],
};

pub const PLANNING: Report = Report {
    title: "某某县发展和改革局2022年政府信息公开工作年度报告",
    body: "某某县发展和改革局",
    figures: [120, 8, 3, 1, 6, 5],
};

/// The planning bureau's report as re-published: other figures.
pub const PLANNING_CORRECTED: Report = Report {
    figures: [121, 8, 3, 1, 6, 5],
    ..PLANNING
};

/// The report's text: the template of the 2021 format, the body named only in its 发布机构
/// line, as many township and department reports are.
pub fn text(r: &Report) -> String {
    let [a, b, c, d, e, f] = r.figures;
    format!(
        "<p>发布机构：{body}</p><p>一、总体情况</p><p>2022年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，\
         主动公开政府信息{a}条，其中政策文件{b}条，政策解读{c}条。</p><p>二、主动公开政府信息情况</p>\
         <p>本年制发规章0件，规范性文件{d}件，废止规范性文件0件。</p><p>三、收到和处理政府信息公开申请情况</p>\
         <p>本年新收政府信息公开申请{e}件，办理结果予以公开{f}件，不予公开0件。</p>\
         <p>四、政府信息公开行政复议、行政诉讼情况</p><p>行政复议0件，行政诉讼0件。</p>\
         <p>五、存在的主要问题及改进情况</p><p>公开内容还不够全面，信息更新还不够及时，下一步将加强业务培训，提高公开质量。</p>\
         <p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>",
        body = r.body
    )
}

/// The old CMS's page.
pub fn old_page(r: &Report) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>\
         <div class=\"content\">{text}</div></body></html>",
        t = r.title,
        text = text(r)
    )
    .into_bytes()
}

/// The new CMS's page: other markup, a header with the time in the body, a share line.
pub fn new_page(r: &Report) -> Vec<u8> {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t}_某某县人民政府</title></head><body>\
         <div class=\"header\">某某县人民政府 网站首页</div><div class=\"main\"><h2 class=\"art-title\">{t}</h2>\
         <div class=\"article-content\"><p class=\"art-info\">发布时间：2023-01-20 10:30:00</p>{text}\
         <p class=\"qr\">扫一扫在手机打开当前页</p></div></div></body></html>",
        t = r.title,
        text = text(r)
    )
    .into_bytes()
}

/// The portal: before the revamp reports 1-3 at `/art/N.html` on the old template; after it,
/// the list shows 101-103 (the same reports, the planning bureau's with other figures) and the
/// education bureau's 104, all on the new template, and the old URLs answer 404.
pub fn portal(revamped: Arc<AtomicBool>) -> RouteServer {
    let server = RouteServer::bind("127.0.0.1");
    server.serve(Arc::new(move |target: &str| {
        let after = revamped.load(Ordering::SeqCst);
        let ids: &[usize] = if after { &[104, 103, 102, 101] } else { &[3, 2, 1] };
        numbered_portal(
            target,
            1,
            |_| {
                let entries: String = ids
                    .iter()
                    .map(|id| format!("<li><a href=\"/art/{id}.html\">报告{id}</a><span>2023-01-20</span></li>"))
                    .collect();
                format!(
                    "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul></body></html>"
                )
                .into_bytes()
            },
            |id| match (after, id) {
                (false, 1) => Some(old_page(&COUNTY)),
                (false, 2) => Some(old_page(&FINANCE)),
                (false, 3) => Some(old_page(&PLANNING)),
                (true, 101) => Some(new_page(&COUNTY)),
                (true, 102) => Some(new_page(&FINANCE)),
                (true, 103) => Some(new_page(&PLANNING_CORRECTED)),
                (true, 104) => Some(new_page(&EDUCATION)),
                _ => None,
            },
        )
    }));
    server
}

pub fn crawl(config: &std::path::Path) {
    let out = run_nianbao(config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The portal crawled before its revamp and after it (with `between` run in between, on the
/// data_dir): the server, the scratch folder, the config and the export after the revamp.
pub fn revamp(
    between: impl FnOnce(&std::path::Path),
) -> (
    RouteServer,
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<Value>,
) {
    let revamped = Arc::new(AtomicBool::new(false));
    let server = portal(revamped.clone());
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[(PORTAL, format!("{}/xxgk/list.html", server.base))],
    );
    crawl(&config);
    let before = exported(&config);
    assert_eq!(before.len(), 3, "{before:?}");
    for r in &before {
        assert!(r["is_annual_report"].as_bool().unwrap_or(false), "{r}");
        assert_eq!(r["report_year"], 2022, "{r}");
    }
    between(&dir.path().join("data"));
    revamped.store(true, Ordering::SeqCst);
    crawl(&config);
    for id in [101, 102, 103, 104] {
        let path = format!("/art/{id}.html");
        let asked = server.requests().iter().filter(|t| **t == path).count();
        assert_eq!(asked, 1, "{path} asked once");
    }
    let after = exported(&config);
    (server, dir, config, after)
}

/// The links the export shows after the revamp: each new URL's `same_report_as`, and the old
/// URLs' none.
pub fn assert_links(after: &[Value]) {
    let id_of = |path: &str| record_ending(after, path)["id"].clone();
    let linked = |path: &str| record_ending(after, path)["same_report_as"].clone();
    assert_eq!(linked("/art/101.html")["id"], id_of("/art/1.html"));
    assert_eq!(linked("/art/102.html")["id"], id_of("/art/2.html"));
    // Another department's report of the same year, title and all-zero template: not linked.
    assert_eq!(linked("/art/104.html"), Value::Null);
    // The planning bureau's report with another figure: a report of its own.
    assert_eq!(linked("/art/103.html"), Value::Null);
    // The archived documents gain nothing.
    for old in ["/art/1.html", "/art/2.html", "/art/3.html"] {
        assert_eq!(linked(old), Value::Null, "{old}");
    }
}

/// Cuts every same-report index entry short, as a crash in its write would: there must be some.
pub fn cut_index_entries(meta: &sled::Tree) {
    let keys: Vec<_> = meta
        .scan_prefix(b"same_report/")
        .keys()
        .map(|k| k.expect("a key"))
        .collect();
    assert!(!keys.is_empty(), "the crawl indexed its reports");
    for key in keys {
        meta.insert(key, &b"[{\"id\":\"cut"[..])
            .expect("a cut entry");
    }
}
