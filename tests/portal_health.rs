//! Portal health (issue 13): a second run against portals that changed since the first reports
//! `health` events in the run report, the printed summary and `nianbao report`: a section URL
//! that now redirects elsewhere, a section page redesigned so that it lists nothing, a new
//! anti-bot challenge. Portals that did not change report none. A file server that stops
//! answering while the section still walks is `files_unreachable`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::route_server::{
    RouteServer, newest_run_report, portals_config, report_page, run_nianbao,
};
use common::{Harness, stderr};
use nianbao_sim::{FaultKind, FaultTarget, PathFault, SiteSpec};
use serde_json::Value;

const CHALLENGE: &str = "<html><head><meta content=\"Xk2.abcdefghij\" r=\"m\">\
<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=12345;$_ts.cd=\"qwerty\";</script>\
<script type=\"text/javascript\" src=\"/tQrlMwxgEtCS/abc.294cc83.js\" r='m'></script></head><body></body></html>";

const REDESIGNED: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>台上镇人民政府</title></head>\
<body><div class=\"main\"><h1>新版网站</h1><p>本站已全新改版，请从首页进入各栏目浏览政府信息公开内容。</p></div></body></html>";

/// The health event kinds of each portal in the newest run report.
fn health(h: &Harness) -> Vec<(String, Vec<String>)> {
    let mut runs: Vec<_> = std::fs::read_dir(h.data_dir().join("runs"))
        .expect("runs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    runs.sort();
    let newest: Value =
        serde_json::from_slice(&std::fs::read(runs.last().expect("a run report")).expect("read"))
            .expect("run report JSON");
    newest["portals"]
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

fn kinds_of<'a>(all: &'a [(String, Vec<String>)], portal: &str) -> &'a [String] {
    &all.iter()
        .find(|(n, _)| n == portal)
        .unwrap_or_else(|| panic!("no portal {portal} in the run report"))
        .1
}

#[test]
fn a_second_run_reports_what_changed_on_each_portal() {
    let sites = ["trs", "nometa", "big5", "gbk"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect();
    let h = Harness::with_sites(sites, Duration::from_millis(50));
    let first = h.run(&["crawl"]);
    assert_eq!(first.status.code(), Some(0), "crawl: {}", stderr(&first));
    for (portal, kinds) in health(&h) {
        assert!(kinds.is_empty(), "{portal}: {kinds:?} on a first run");
    }

    let trs = h.sim.site("trs");
    trs.add_path_fault(PathFault {
        target: FaultTarget::Exact(trs.section_url().path().to_string()),
        kind: FaultKind::Redirect {
            status: 302,
            location: "/portal/gkml/index.html".into(),
        },
    });
    let nometa = h.sim.site("nometa");
    nometa.add_path_fault(PathFault {
        target: FaultTarget::Exact(nometa.section_url().path().to_string()),
        kind: FaultKind::Body {
            status: 200,
            content_type: "text/html; charset=utf-8".into(),
            body: REDESIGNED.as_bytes().to_vec(),
        },
    });
    h.sim.site("big5").add_path_fault(PathFault {
        target: FaultTarget::AllButRobots,
        kind: FaultKind::Body {
            status: 412,
            content_type: "text/html".into(),
            body: CHALLENGE.as_bytes().to_vec(),
        },
    });
    let second = h.run(&["crawl"]);
    let summary = stderr(&second);
    let events = health(&h);
    let names: Vec<(String, String)> = h
        .sim
        .sites()
        .iter()
        .map(|s| (s.name().to_string(), s.portal_name().to_string()))
        .collect();
    let portal = |short: &str| {
        names
            .iter()
            .find(|(n, _)| n == short)
            .map(|(_, p)| p.clone())
            .expect("site")
    };

    assert!(
        kinds_of(&events, &portal("trs")).contains(&"redirected".to_string()),
        "{events:?}\n{summary}"
    );
    assert!(
        kinds_of(&events, &portal("nometa")).contains(&"structure_changed".to_string()),
        "{events:?}\n{summary}"
    );
    assert!(
        kinds_of(&events, &portal("big5")).contains(&"new_challenge".to_string()),
        "{events:?}\n{summary}"
    );
    assert!(
        kinds_of(&events, &portal("gbk")).is_empty(),
        "an unchanged portal: {events:?}"
    );
    for kind in ["redirected", "structure_changed", "new_challenge"] {
        assert!(
            summary.contains(&format!("HEALTH {kind}")),
            "the summary names {kind}:\n{summary}"
        );
    }

    // The coverage data carries them per portal.
    let out = h.run(&["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let health_of = |name: &str| -> String {
        coverage["portals"]
            .as_array()
            .expect("portals")
            .iter()
            .find(|p| p["portal"] == name)
            .map(|p| p["health"].to_string())
            .expect("portal in the coverage data")
    };
    assert!(health_of(&portal("trs")).contains("redirected"));
    assert!(health_of(&portal("big5")).contains("new_challenge"));
    assert_eq!(health_of(&portal("gbk")), "[]");
}

/// A county whose reports link their PDFs on a second host, a town whose reports link theirs
/// on a host that never answers (nothing listens on its port), and a city whose list, on the
/// first host, gives its report pages on a host of its `item_hosts`. Each night adds four
/// reports to the county's list and three to the town's and the city's.
struct TwoFileHosts {
    /// Serves the sections and the county's and town's report pages while the value lives.
    _portal: RouteServer,
    files: RouteServer,
    /// The city's reports' host: it fails with the county's file server.
    reports: RouteServer,
    /// The town's file server, `http://IP:PORT`.
    dead: String,
    night: Arc<AtomicUsize>,
    /// 0: the county's file server answers; 1: it answers 503 for report 5 only; 2: 503 for all.
    trouble: Arc<AtomicUsize>,
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
}

const COUNTY: &str = "某某县人民政府";
const TOWN: &str = "某某镇人民政府";
const CITY: &str = "某某市人民政府";
const HTML: &str = "text/html; charset=utf-8";

/// A list of reports `1..=count` at `{base}/{prefix}/N.html` (`base` empty: on the list's
/// host), newest first.
fn numbered_list(base: &str, prefix: &str, count: usize) -> Vec<u8> {
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
fn numbered(target: &str, prefix: &str, ext: &str) -> Option<usize> {
    target.strip_prefix(prefix)?.strip_suffix(ext)?.parse().ok()
}

impl TwoFileHosts {
    fn new() -> TwoFileHosts {
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
    fn night(&self, night: usize, trouble: usize) -> (Value, String) {
        self.night.store(night, Ordering::SeqCst);
        self.trouble.store(trouble, Ordering::SeqCst);
        let out = run_nianbao(&self.config, &["crawl"]);
        let summary = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "night {night}: {summary}");
        (newest_run_report(self.dir.path()), summary)
    }

    /// `host:port` of a server's base.
    fn host(base: &str) -> String {
        base.trim_start_matches("http://").to_string()
    }

    /// Requests for the county's PDFs so far.
    fn pdf_requests(&self) -> usize {
        self.files
            .requests()
            .iter()
            .filter(|t| t.starts_with("/f/"))
            .count()
    }
}

fn kinds_in(run: &Value, portal: &str) -> Vec<String> {
    run["portals"][portal]["health"]
        .as_array()
        .map(|a| a.iter().map(|e| e["kind"].to_string()).collect())
        .unwrap_or_default()
}

/// The county's file server answers on the first night, fails one file of four on the second
/// (no event: it answered the others) and answers 503 to all on the third: `files_unreachable`
/// names it with its count, kinds and an example, in the run report, the summary and the
/// coverage data, and the crawl still exits 0. The town's file server never answered: its
/// failures are counted each night, and no event is raised (nothing says it ever served).
#[test]
fn a_file_server_that_stops_answering_is_a_health_event() {
    let site = TwoFileHosts::new();
    let (files, dead) = (
        TwoFileHosts::host(&site.files.base),
        TwoFileHosts::host(&site.dead),
    );

    let (first, _) = site.night(1, 0);
    assert_eq!(site.pdf_requests(), 4, "{:?}", site.files.requests());
    assert_eq!(
        first["portals"][COUNTY]["file_hosts"][&files]["answered"], 4,
        "{first}"
    );
    let reports = TwoFileHosts::host(&site.reports.base);
    let city = &first["portals"][CITY]["report_hosts"][&reports];
    assert_eq!(city["answered"], 3, "{}", first["portals"][CITY]);

    let (second, summary) = site.night(2, 1);
    let county = &second["portals"][COUNTY]["file_hosts"][&files];
    assert_eq!(county["answered"], 3, "{county}");
    assert!(county["failed"].as_u64() >= Some(1), "{county}");
    assert!(
        kinds_in(&second, COUNTY).is_empty(),
        "one file of four: {summary}"
    );
    let town = &second["portals"][TOWN]["file_hosts"][&dead];
    assert_eq!(town["answered"], 0, "{}", second["portals"][TOWN]);
    // Nothing listens there, so its robots.txt cannot be read either: counted as failed.
    assert!(town["failed"].as_u64() >= Some(3), "{town}");
    assert!(town["kinds"].get("robots_unavailable").is_some(), "{town}");
    assert!(
        kinds_in(&second, TOWN).is_empty(),
        "never answered: {summary}"
    );

    let before = site.pdf_requests();
    let (third, summary) = site.night(3, 2);
    // Four reports, each file asked at most twice (`max_retries = 1`).
    let asked = site.pdf_requests() - before;
    assert!(
        (1..=8).contains(&asked),
        "{asked} requests for the county's PDFs"
    );
    assert_eq!(
        kinds_in(&third, COUNTY),
        ["\"files_unreachable\""],
        "{summary}"
    );
    assert!(
        kinds_in(&third, TOWN).is_empty(),
        "never answered: {summary}"
    );
    // The city's section walked; its reports' host answered 503 to each of its three pages.
    assert_eq!(
        kinds_in(&third, CITY),
        ["\"reports_unreachable\""],
        "{summary}"
    );
    assert!(
        summary.contains(&format!(
            "HEALTH reports_unreachable: reports' host {reports}: all 3"
        )),
        "{summary}"
    );
    let detail = third["portals"][COUNTY]["health"][0]["detail"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    for part in [files.as_str(), "http_503", "/f/", "(last run: 3 answered)"] {
        assert!(detail.contains(part), "{part} in {detail}");
    }
    assert!(
        summary.contains(&format!("HEALTH files_unreachable: file server {files}")),
        "{summary}"
    );

    let out = run_nianbao(&site.config, &["report", "--format", "json"]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let county = coverage["portals"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["portal"] == COUNTY))
        .map(|p| p["health"].to_string())
        .unwrap_or_default();
    assert!(county.contains("files_unreachable"), "{county}");
}

/// A file server's robots.txt that fails for a reason of its own (a redirect loop, a redirect
/// to a host that is down) disallows its files as any unreadable robots.txt does, but says
/// nothing of the server: no failure is counted against it in `file_hosts`. One whose server
/// answers 503 is the server's failure, counted `robots_unavailable`.
#[test]
fn a_robots_txt_that_is_not_the_servers_fault_is_not_counted_against_it() {
    let portal = RouteServer::bind("127.0.0.211");
    let looping = RouteServer::bind("127.0.0.212");
    let moved = RouteServer::bind("127.0.0.213");
    let failing = RouteServer::bind("127.0.0.215");
    let dead = {
        let listener = std::net::TcpListener::bind("127.0.0.214:0")
            .or_else(|_| std::net::TcpListener::bind("127.0.0.1:0"))
            .expect("bind loopback");
        format!("http://{}", listener.local_addr().expect("address"))
    };
    let servers = [
        ("/a/", looping.base.clone()),
        ("/b/", moved.base.clone()),
        ("/c/", failing.base.clone()),
    ];
    portal.serve(Arc::new(move |target: &str| {
        for (section, files) in &servers {
            let prefix = section.trim_matches('/');
            if target == *section {
                return (200, HTML.into(), numbered_list("", prefix, 3));
            }
            if let Some(i) = numbered(target, &format!("/{prefix}/"), ".html") {
                let pdf = format!("{files}/f/{i}.pdf");
                return (200, HTML.into(), report_page(2007 + i as u32, &pdf));
            }
        }
        (404, HTML.into(), b"<html><body>404</body></html>".to_vec())
    }));
    let pdf = || (200, "application/pdf".into(), b"%PDF-1.4\n%%EOF\n".to_vec());
    looping.serve(Arc::new(move |target: &str| match target {
        "/robots.txt" => common::route_server::redirect(302, "/robots.txt"),
        _ => pdf(),
    }));
    let to_dead = format!("{dead}/robots.txt");
    moved.serve(Arc::new(move |target: &str| match target {
        "/robots.txt" => common::route_server::redirect(302, &to_dead),
        _ => pdf(),
    }));
    failing.serve(Arc::new(move |target: &str| match target {
        "/robots.txt" => (503, HTML.into(), b"<html><body>503</body></html>".to_vec()),
        _ => pdf(),
    }));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[
            (COUNTY, format!("{}/a/", portal.base)),
            (TOWN, format!("{}/b/", portal.base)),
            (CITY, format!("{}/c/", portal.base)),
        ],
    );
    let out = run_nianbao(&config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let run = newest_run_report(dir.path());

    // robots.txt semantics are kept: no file was asked of any of the three servers.
    for server in [&looping, &moved, &failing] {
        let asked = server.requests();
        assert!(asked.iter().all(|t| t == "/robots.txt"), "{asked:?}");
        assert!(!asked.is_empty(), "robots.txt asked");
    }
    for (portal, server) in [(COUNTY, &looping), (TOWN, &moved)] {
        let counted = &run["portals"][portal]["file_hosts"][TwoFileHosts::host(&server.base)];
        assert!(
            counted["failed"].as_u64().unwrap_or(0) == 0,
            "{portal}: {}",
            run["portals"][portal]
        );
    }
    let city = &run["portals"][CITY]["file_hosts"][TwoFileHosts::host(&failing.base)];
    assert_eq!(city["failed"], 3, "{}", run["portals"][CITY]);
    assert_eq!(city["kinds"]["robots_unavailable"], 3, "{city}");
}
