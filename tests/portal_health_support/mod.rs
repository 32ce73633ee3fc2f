//! The file servers of `tests/portal_health.rs`: a county, a town and a city whose reports,
//! files or report pages live on other loopback hosts that answer, fail or never listen; and
//! its readers of the health events in run reports. Shared by `tests/portal_health.rs` and
//! `tests/portal_health_evidence.rs`, each using part of it.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::route_server::{
    RouteServer, newest_run_report, portals_config, report_page, run_nianbao,
};
use crate::common::{Harness, stderr};
use serde_json::Value;

/// A county whose reports link their PDFs on a second host, a town whose reports link theirs
/// on a host that never answers (nothing listens on its port), and a city whose list, on the
/// first host, gives its report pages on a host of its `item_hosts`. Each night adds four
/// reports to the county's list and three to the town's and the city's.
pub struct TwoFileHosts {
    /// Serves the sections and the county's and town's report pages while the value lives.
    _portal: RouteServer,
    pub files: RouteServer,
    /// The city's reports' host: it fails with the county's file server.
    pub reports: RouteServer,
    /// The town's file server, `http://IP:PORT`.
    pub dead: String,
    night: Arc<AtomicUsize>,
    /// 0: the county's file server answers; 1: it answers 503 for report 5 only; 2: 503 for all.
    trouble: Arc<AtomicUsize>,
    pub dir: tempfile::TempDir,
    pub config: std::path::PathBuf,
}

pub const COUNTY: &str = "某某县人民政府";
pub const TOWN: &str = "某某镇人民政府";
pub const CITY: &str = "某某市人民政府";
pub const HTML: &str = "text/html; charset=utf-8";

/// A list of reports `1..=count` at `{base}/{prefix}/N.html` (`base` empty: on the list's
/// host), newest first.
pub fn numbered_list(base: &str, prefix: &str, count: usize) -> Vec<u8> {
    let entries: String = (1..=count)
        .rev()
        .map(|i| {
            format!(
                "<li><a href=\"{base}/{prefix}/{i}.html\">某某县人民政府{}年政府信息公开工作年度报告</a><span>2026-01-{i:02}</span></li>",
                2007 + i
            )
        })
        .collect();
    format!("<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul></body></html>")
        .into_bytes()
}

/// The number in `/{prefix}/N.{ext}`.
pub fn numbered(target: &str, prefix: &str, ext: &str) -> Option<usize> {
    target.strip_prefix(prefix)?.strip_suffix(ext)?.parse().ok()
}

impl TwoFileHosts {
    pub fn new() -> TwoFileHosts {
        let portal = RouteServer::bind("127.0.0.201");
        let files = RouteServer::bind("127.0.0.202");
        let reports = RouteServer::bind("127.0.0.204");
        let dead = {
            let listener = std::net::TcpListener::bind("127.0.0.203:0")
                .or_else(|_| std::net::TcpListener::bind("127.0.0.1:0"))
                .expect("bind loopback");
            format!("http://{}", listener.local_addr().expect("address"))
        };
        let night = Arc::new(AtomicUsize::new(1));
        let trouble = Arc::new(AtomicUsize::new(0));
        let (n, files_base, dead_base) = (night.clone(), files.base.clone(), dead.clone());
        let reports_base = reports.base.clone();
        portal.serve(Arc::new(move |target: &str| {
            let night = n.load(Ordering::SeqCst);
            if target == "/nb/" {
                return (200, HTML.into(), numbered_list("", "art", 4 * night));
            }
            if target == "/q/" {
                return (200, HTML.into(), numbered_list("", "qa", 3 * night));
            }
            if target == "/city/" {
                let list = numbered_list(&reports_base, "rp", 3 * night);
                return (200, HTML.into(), list);
            }
            if let Some(i) = numbered(target, "/art/", ".html") {
                let pdf = format!("{files_base}/f/{i}.pdf");
                return (200, HTML.into(), report_page(2007 + i as u32, &pdf));
            }
            if let Some(i) = numbered(target, "/qa/", ".html") {
                let pdf = format!("{dead_base}/g/{i}.pdf");
                return (200, HTML.into(), report_page(2007 + i as u32, &pdf));
            }
            (404, HTML.into(), b"<html><body>404</body></html>".to_vec())
        }));
        let t = trouble.clone();
        reports.serve(Arc::new(move |target: &str| {
            if target == "/rp/file.pdf" {
                return (200, "application/pdf".into(), b"%PDF-1.4\n%%EOF\n".to_vec());
            }
            let page = numbered(target, "/rp/", ".html");
            match page {
                Some(_) if t.load(Ordering::SeqCst) == 2 => {
                    (503, HTML.into(), b"<html><body>503</body></html>".to_vec())
                }
                Some(i) => (
                    200,
                    HTML.into(),
                    report_page(2007 + i as u32, "/rp/file.pdf"),
                ),
                None => (404, HTML.into(), b"<html><body>404</body></html>".to_vec()),
            }
        }));
        let t = trouble.clone();
        files.serve(Arc::new(move |target: &str| {
            let trouble = t.load(Ordering::SeqCst);
            let file = numbered(target, "/f/", ".pdf");
            // Its robots.txt (404) stays up: the front server answers, the files behind it not.
            if file.is_some() && (trouble == 2 || (trouble == 1 && file == Some(5))) {
                return (503, HTML.into(), b"<html><body>503</body></html>".to_vec());
            }
            match file {
                Some(i) => (
                    200,
                    "application/pdf".into(),
                    format!("%PDF-1.4\nreport {i} of the county\n%%EOF\n").into_bytes(),
                ),
                None => (404, HTML.into(), b"<html><body>404</body></html>".to_vec()),
            }
        }));
        let dir = tempfile::tempdir().expect("scratch dir");
        let config = portals_config(
            dir.path(),
            &[
                (COUNTY, format!("{}/nb/", portal.base)),
                (TOWN, format!("{}/q/", portal.base)),
                (CITY, format!("{}/city/", portal.base)),
            ],
        );
        // The city is the last portal: its keys close the config.
        let mut text = std::fs::read_to_string(&config).expect("config");
        let reports_host = TwoFileHosts::host(&reports.base);
        let ip = reports_host.split(':').next().unwrap_or_default();
        text.push_str(&format!("item_hosts = [\"{ip}\"]\n"));
        std::fs::write(&config, text).expect("config");
        TwoFileHosts {
            _portal: portal,
            files,
            reports,
            dead,
            night,
            trouble,
            dir,
            config,
        }
    }

    /// Crawls night `night` with the county's file server in `trouble`: the run report and the
    /// summary (the crawl exits 0: the sections walked).
    pub fn night(&self, night: usize, trouble: usize) -> (Value, String) {
        self.night.store(night, Ordering::SeqCst);
        self.trouble.store(trouble, Ordering::SeqCst);
        let out = run_nianbao(&self.config, &["crawl"]);
        let summary = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "night {night}: {summary}");
        (newest_run_report(self.dir.path()), summary)
    }

    /// `host:port` of a server's base.
    pub fn host(base: &str) -> String {
        base.trim_start_matches("http://").to_string()
    }

    /// Requests for the county's PDFs so far.
    pub fn pdf_requests(&self) -> usize {
        self.files
            .requests()
            .iter()
            .filter(|t| t.starts_with("/f/"))
            .count()
    }
}

pub fn kinds_in(run: &Value, portal: &str) -> Vec<String> {
    run["portals"][portal]["health"]
        .as_array()
        .map(|a| a.iter().map(|e| e["kind"].to_string()).collect())
        .unwrap_or_default()
}

/// The event of `kind` of a portal in a run report (Null when it has none).
pub fn event_of<'a>(run: &'a Value, portal: &str, kind: &str) -> &'a Value {
    run["portals"][portal]["health"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["kind"] == kind))
        .unwrap_or(&Value::Null)
}

/// The newest run report.
pub fn newest(h: &Harness) -> Value {
    newest_run_report(
        h.data_dir()
            .parent()
            .expect("the data folder is in the harness's"),
    )
}

/// The health event kinds of each portal in the newest run report.
pub fn health(h: &Harness) -> Vec<(String, Vec<String>)> {
    newest(h)["portals"]
        .as_object()
        .expect("portals")
        .iter()
        .map(|(name, p)| {
            let kinds = p["health"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|e| e["kind"].as_str().expect("kind").to_string())
                        .collect()
                })
                .unwrap_or_default();
            (name.clone(), kinds)
        })
        .collect()
}

pub fn kinds_of<'a>(all: &'a [(String, Vec<String>)], portal: &str) -> &'a [String] {
    &all.iter()
        .find(|(n, _)| n == portal)
        .unwrap_or_else(|| panic!("no portal {portal} in the run report"))
        .1
}
