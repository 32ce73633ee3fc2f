//! A JSON list API portal on loopback for the list_api suites: the API answers as the test's
//! route says, every item `/art/N.html` is a small annual report page, and one crawl of the real
//! binary is run against it; what the servers saw, the run report and the export come back.

use std::sync::Arc;

use crate::common::route_server::{
    Route, RouteServer, newest_run_report, run_nianbao, write_config,
};
use crate::common::stderr;
use serde_json::Value;

/// The portal's name in config and in the run report.
pub const PORTAL: &str = "某某县人民政府";

/// An answer of the API: status, Content-Type and body.
pub type Answer = (u16, String, Vec<u8>);

/// What one crawl of the API left.
pub struct Crawled {
    /// The binary's summary and log (stderr).
    pub summary: String,
    /// Every request target the API's host saw, in order.
    pub requests: Vec<String>,
    /// The newest run report.
    pub run: Value,
    /// Every exported record.
    pub records: Vec<Value>,
    /// The base URL (`http://127.0.0.x:port`) the API was served at.
    pub base: String,
}

impl Crawled {
    /// The ledger of the section's own list.
    pub fn ledger(&self) -> &Value {
        &self.run["portals"][PORTAL]["lists"]["all"]
    }

    /// The archived records' URL paths, sorted.
    pub fn archived_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .records
            .iter()
            .filter_map(|r| r["url"].as_str())
            .map(|u| u.strip_prefix(&self.base).unwrap_or(u).to_string())
            .collect();
        paths.sort();
        paths
    }
}

/// A report page for item `n`, titled as the API titles it.
pub fn item_page(n: u32) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>某某县{y}年政府信息公开工作年度报告</title></head><body>\
         <h1>某某县{y}年政府信息公开工作年度报告</h1><p>本报告中所列统计数据时限从{y}年1月1日起至{y}年12月31日止。</p>\
         <p>一、总体情况。本年度主动公开政府信息情况良好，依申请公开办理及时。</p></body></html>",
        y = 2000 + n
    )
    .into_bytes()
}

/// A TRS xxgk record of item `n`, its URL relative.
pub fn trs_record(n: u32) -> Value {
    serde_json::json!({
        "IdxID": format!("MB0001/{}-{n:05}", 2000 + n),
        "URL": format!("/art/{n}.html"),
        "FILENAME": format!("某某县{}年政府信息公开工作年度报告", 2000 + n),
        "PUBLISHER": "某某县人民政府办公室",
        "PUBDATE": format!("{}-01-28 09:30:00", 2001 + n),
    })
}

/// JSON as `application/json;charset=utf-8`.
pub fn json_answer(body: &Value) -> Answer {
    (
        200,
        "application/json;charset=utf-8".into(),
        serde_json::to_vec(body).expect("a JSON value serializes"),
    )
}

/// Serves `api` (request target -> answer, or None for the items and 404) at `ip`, configures
/// the section `list_api = format` at `{base}{first}` and crawls it once.
pub fn crawl_api(
    ip: &str,
    format: &str,
    first: &str,
    api: impl Fn(&str) -> Option<Answer> + Send + Sync + 'static,
) -> Crawled {
    let server = RouteServer::bind(ip);
    let base = server.base.clone();
    let route: Route = Arc::new(move |target: &str| {
        if let Some(answer) = api(target) {
            return answer;
        }
        let item = target
            .strip_prefix("/art/")
            .and_then(|t| t.strip_suffix(".html"))
            .and_then(|n| n.parse::<u32>().ok());
        match item {
            Some(n) => (200, "text/html; charset=utf-8".into(), item_page(n)),
            None => (
                404,
                "text/html".into(),
                b"<html><body>404</body></html>".to_vec(),
            ),
        }
    });
    server.serve(route);
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = write_config(
        dir.path(),
        &format!(
            "data_dir = \"data\"\n[politeness]\nuser_agent = \"nianbao-test/0.1 (+http://127.0.0.1/contact)\"\n\
             per_host_interval = \"20ms\"\n[fetch]\nretry_base = \"20ms\"\nmax_retries = 1\n\
             [[portal]]\nname = \"{PORTAL}\"\nurl = \"{base}{first}\"\nlist_api = \"{format}\"\n"
        ),
    );
    let out = run_nianbao(&config, &["crawl"]);
    let summary = stderr(&out);
    assert!(matches!(out.status.code(), Some(0 | 1)), "crawl: {summary}");
    let exported = run_nianbao(&config, &["export", "--format", "jsonl"]);
    let records = String::from_utf8_lossy(&exported.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    Crawled {
        summary,
        requests: server.requests(),
        run: newest_run_report(dir.path()),
        records,
        base,
    }
}
