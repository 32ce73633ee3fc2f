//! Reports a government takes down, through the real binary: a portal of the test's own whose
//! archived reports are revisited every night (`revisit_after = "0s"`) and answer 404, 410, 503,
//! a page saying they do not exist, 304 or their page again. A report whose every URL says it is
//! gone is withdrawn (since the first night it was seen so, and how), shown by the run report,
//! `status` and `export`; a report that comes back is restored; nothing archived changes.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::route_server::{
    Answer, Request, RouteServer, newest_run_report, numbered_portal, portals_config, run_nianbao,
};
use common::stderr;
use serde_json::Value;

const PORTAL: &str = "某某县人民政府";

/// What a report's URL answers tonight.
#[derive(Clone, Copy, PartialEq)]
enum Serve {
    /// Its page (with an ETag on a portal that sends them: a conditional request that names it
    /// is answered 304).
    Page,
    /// This status, with a short HTML body.
    Status(u16),
    /// A page that says the information does not exist, with 200.
    SoftNotFound,
    /// This status, and no entry on the list: a report taken off it (a revamp's old URL).
    Unlisted(u16),
}

/// A portal listing report URLs `/art/{id}.html`, each serving the page of report `page_of(id)`
/// (two URLs of one report serve the same page) as `serving` says tonight; with ETags or not.
struct Portal {
    server: RouteServer,
    serving: Arc<Mutex<BTreeMap<usize, Serve>>>,
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
}

/// The report whose page URL `id` serves: 3 is a second URL of report 1; 11 and 12 are reports
/// 1 and 2 at the URLs of a revamped site, in its new template (`revamped_page`).
fn page_of(id: usize) -> usize {
    match id {
        3 => 1,
        11.. => id - 10,
        _ => id,
    }
}

fn title(report: usize) -> String {
    format!("某某县人民政府{}年政府信息公开工作年度报告", 2020 + report)
}

fn report_page(report: usize) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>\
         <div class=\"content\"><p>发布机构：某某县人民政府办公室</p><p>一、总体情况</p>\
         <p>{year}年，某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</p></div></body></html>",
        t = title(report),
        year = 2020 + report
    )
    .into_bytes()
}

/// Report `report` in a revamped site's template: other markup, the same text.
fn revamped_page(report: usize) -> Vec<u8> {
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t}_某某县</title>\
         <link rel=\"stylesheet\" href=\"/css/new.css\"></head><body><div class=\"wrap\">\
         <div class=\"art-head\"><h2 class=\"art-title\">{t}</h2></div><article id=\"zoom\">\
         <section><span>发布机构：某某县人民政府办公室</span></section><section><b>一、总体情况</b></section>\
         <section>{year}年，某某县人民政府认真贯彻落实《中华人民共和国政府信息公开条例》。</section>\
         </article></div></body></html>",
        t = title(report),
        year = 2020 + report
    )
    .into_bytes()
}

const SOFT_NOT_FOUND: &str = "<html><head><meta charset=\"utf-8\"><title>提示</title></head>\
     <body><p>对不起，您访问的信息不存在或已被删除。</p></body></html>";

impl Portal {
    /// The portal listing `ids`, each serving its page, with ETags when `etags`.
    fn new(ids: &[usize], etags: bool) -> Portal {
        let server = RouteServer::bind("127.0.0.1");
        let serving: BTreeMap<usize, Serve> = ids.iter().map(|&i| (i, Serve::Page)).collect();
        let serving = Arc::new(Mutex::new(serving));
        let served = serving.clone();
        server.serve_headed(Arc::new(move |request: &Request| {
            let serving = served.lock().expect("serving lock").clone();
            answer(&serving, etags, request)
        }));
        let dir = tempfile::tempdir().expect("scratch dir");
        let config = portals_config(
            dir.path(),
            &[(PORTAL, format!("{}/xxgk/list.html", server.base))],
        );
        // Every archived report is revisited every night.
        let text = std::fs::read_to_string(&config).expect("config");
        let text = text.replace("[fetch]", "[crawl]\nrevisit_after = \"0s\"\n[fetch]");
        std::fs::write(&config, text).expect("config");
        Portal {
            server,
            serving,
            dir,
            config,
        }
    }

    fn serve(&self, id: usize, how: Serve) {
        self.serving.lock().expect("serving lock").insert(id, how);
    }

    /// Runs one nightly crawl, which must succeed: its summary and its run report's share of
    /// the portal.
    fn night(&self) -> (String, Value) {
        let out = run_nianbao(&self.config, &["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report = newest_run_report(self.dir.path());
        (stderr(&out), report["portals"][PORTAL].clone())
    }

    /// `nianbao status --format json`'s row of the portal.
    fn status(&self) -> Value {
        let out = run_nianbao(&self.config, &["status", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
        status["portals"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
            .cloned()
            .unwrap_or_else(|| panic!("the portal has a row: {status}"))
    }

    fn status_text(&self) -> String {
        let out = run_nianbao(&self.config, &["status"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `nianbao status --withdrawn --format json`'s list, and the same list as text.
    fn withdrawn_list(&self) -> (Vec<Value>, String) {
        let out = run_nianbao(&self.config, &["status", "--withdrawn", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let list: Value = serde_json::from_slice(&out.stdout).expect("status --withdrawn JSON");
        let rows = list["withdrawn"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("a list of withdrawn documents: {list}"));
        let out = run_nianbao(&self.config, &["status", "--withdrawn"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        (rows, String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The portal's cell of `year` in `nianbao report --format json`.
    fn coverage_cell(&self, year: i64) -> Value {
        let out = run_nianbao(&self.config, &["report", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let matrix: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
        let cells = matrix["portals"][0]["rows"][0]["cells"].as_array().cloned();
        cells
            .unwrap_or_default()
            .into_iter()
            .find(|c| c["year"] == year)
            .unwrap_or_else(|| panic!("a cell of {year}: {matrix}"))
    }

    fn export(&self) -> Vec<Value> {
        common::route_server::exported(&self.config)
    }

    /// The stored state of URL `/art/{id}.html`, read from the store itself (no run is going).
    fn url_state(&self, id: usize) -> nianbao::store::UrlState {
        let store = nianbao::store::Store::open(&self.dir.path().join("data")).expect("store");
        let url = format!("{}/art/{id}.html", self.server.base);
        store
            .url_state(&url)
            .expect("readable")
            .unwrap_or_else(|| panic!("{url} is known"))
    }

    /// Requests for `/art/{id}.html` so far.
    fn asked(&self, id: usize) -> usize {
        let path = format!("/art/{id}.html");
        self.server
            .requests()
            .iter()
            .filter(|t| **t == path)
            .count()
    }
}

/// The portal's answer to `request`, its report URLs serving as `serving` says.
fn answer(serving: &BTreeMap<usize, Serve>, etags: bool, request: &Request) -> Answer {
    let html = "text/html; charset=utf-8";
    let list = |_: usize| {
        let entries: String = serving
            .iter()
            .filter(|(_, serve)| !matches!(serve, Serve::Unlisted(_)))
            .map(|(&i, _)| {
                format!(
                    "<li><a href=\"/art/{i}.html\">{}</a><span>{}-02-{i:02}</span></li>",
                    title(page_of(i)),
                    2021 + page_of(i)
                )
            })
            .collect();
        format!(
            "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul></body></html>"
        )
        .into_bytes()
    };
    let id = request
        .target
        .strip_prefix("/art/")
        .and_then(|t| t.strip_suffix(".html"))
        .and_then(|i| i.parse::<usize>().ok());
    let serve = id.and_then(|i| serving.get(&i).copied());
    let etag = id.filter(|_| etags).map(|i| format!("\"r{}\"", page_of(i)));
    let (status, content_type, body) = match serve {
        Some(Serve::Status(status) | Serve::Unlisted(status)) => {
            let body = format!("<html><body>{status}</body></html>").into_bytes();
            (status, html.to_string(), body)
        }
        Some(Serve::SoftNotFound) => (200, html.to_string(), SOFT_NOT_FOUND.as_bytes().to_vec()),
        Some(Serve::Page)
            if etag.is_some() && request.header("if-none-match") == etag.as_deref() =>
        {
            return Answer {
                status: 304,
                headers: vec![("ETag".into(), etag.unwrap_or_default())],
                body: Vec::new(),
            };
        }
        _ => numbered_portal(&request.target, 1, list, |i| {
            serving.contains_key(&i).then(|| match i {
                11.. => revamped_page(page_of(i)),
                _ => report_page(page_of(i)),
            })
        }),
    };
    let mut headers = vec![("Content-Type".to_string(), content_type)];
    if let (Some(Serve::Page), Some(etag)) = (serve, etag) {
        headers.push(("ETag".into(), etag));
    }
    Answer {
        status,
        headers,
        body,
    }
}

fn count(report: &Value, key: &str) -> u64 {
    report[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is a count: {report}"))
}

/// The export records of URL `/art/{id}.html`.
fn records_of(records: &[Value], id: usize) -> Vec<&Value> {
    let path = format!("/art/{id}.html");
    records
        .iter()
        .filter(|r| r["url"].as_str().is_some_and(|u| u.ends_with(&path)))
        .collect()
}

/// What an export record holds of the archive, withdrawal left out: it must not change.
fn archived_part(records: &[Value]) -> Vec<Value> {
    records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.as_object_mut()
                .expect("a record object")
                .remove("withdrawn");
            r
        })
        .collect()
}

/// The raw files under data_dir/raw, each with its bytes.
fn raw_files(data_dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("readable folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                let bytes = std::fs::read(&path).expect("readable file");
                files.insert(path.display().to_string(), bytes);
            }
        }
    }
    let mut files = BTreeMap::new();
    walk(&data_dir.join("raw"), &mut files);
    files
}

/// One report answers 404, then 410, then 503, then its page again; the other answers its page
/// throughout, then 503 for a night. The first is withdrawn from the 404 night (since kept
/// across the 410 and the 503), shown by the run report, `status` and `export`, and restored by
/// its page; the other is never withdrawn. Nothing archived changes, and each night asks each
/// report once, as before.
#[test]
fn a_report_taken_down_is_withdrawn_until_its_page_answers_again() {
    let portal = Portal::new(&[1, 2], false);
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 2, "{summary}");
    let archived = portal.export();
    let raw = raw_files(&portal.dir.path().join("data"));

    portal.serve(1, Serve::Status(404));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(night["failures"]["http_404"], 1, "{night}");
    assert!(summary.contains(", 1 withdrawn"), "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 1);
    let text = portal.status_text();
    assert!(text.contains("withdrawn: 1 documents"), "{text}");
    let records = portal.export();
    assert_eq!(archived_part(&records), archived_part(&archived));
    let gone = records_of(&records, 1);
    assert_eq!(gone.len(), 1, "{records:?}");
    assert_eq!(gone[0]["withdrawn"]["answer"], "http_404", "{records:?}");
    let since = gone[0]["withdrawn"]["since"].clone();
    assert!(
        since
            .as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        "{since}"
    );
    for record in records_of(&records, 2) {
        assert!(record.get("withdrawn").is_none(), "{record}");
    }
    // The coverage report marks the year and keeps its state; the other year has no mark.
    let (gone_year, served_year) = (portal.coverage_cell(2021), portal.coverage_cell(2022));
    assert_eq!(gone_year["state"], "captured", "{gone_year}");
    assert_eq!(gone_year["withdrawn"]["since"], since, "{gone_year}");
    assert_eq!(gone_year["withdrawn"]["answer"], "http_404", "{gone_year}");
    assert!(served_year.get("withdrawn").is_none(), "{served_year}");

    // A later night, a second later: the first sighting stays.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    portal.serve(1, Serve::Status(410));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 0, "not new: {summary}");
    let records = portal.export();
    let gone = records_of(&records, 1);
    assert_eq!(gone[0]["withdrawn"]["answer"], "http_410", "{records:?}");
    assert_eq!(gone[0]["withdrawn"]["since"], since, "{records:?}");

    // A server that is down says nothing: the withdrawn report stays as it was, the other is
    // not withdrawn.
    portal.serve(1, Serve::Status(503));
    portal.serve(2, Serve::Status(503));
    let (summary, night) = portal.night();
    assert_eq!(night["failures"]["http_503"], 2, "{summary}");
    assert_eq!(count(&night, "withdrawn"), 0, "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 1);
    let withdrawal = portal.url_state(1).withdrawn.expect("still withdrawn");
    assert_eq!(Some(withdrawal.since.as_str()), since.as_str());
    assert_eq!(withdrawal.answer, "http_410");
    assert_eq!(portal.url_state(2).withdrawn, None);

    // Back, as it was: restored, no new version.
    portal.serve(1, Serve::Page);
    portal.serve(2, Serve::Page);
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "restored"), 1, "{summary}");
    assert!(summary.contains(", 1 restored"), "{summary}");
    assert_eq!(count(&night, "new_versions"), 0, "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 0);
    assert!(!portal.status_text().contains("withdrawn"));
    let records = portal.export();
    assert_eq!(
        records, archived,
        "the archive is as the first night left it"
    );
    assert_eq!(portal.url_state(1).withdrawn, None);
    assert_eq!(raw_files(&portal.dir.path().join("data")), raw);
    // Each night asked each report once (plus the 503's one retry), as before withdrawals.
    assert_eq!((portal.asked(1), portal.asked(2)), (6, 6));
}

/// A page that says the information does not exist (with 200) withdraws the report as
/// `soft_not_found`; a 304 to the ETag of its archived page restores it.
#[test]
fn a_page_saying_the_report_does_not_exist_withdraws_it_and_a_304_restores_it() {
    let portal = Portal::new(&[1, 2], true);
    portal.night();
    portal.serve(1, Serve::SoftNotFound);
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(night["not_content"]["soft_not_found"], 1, "{night}");
    let records = portal.export();
    let gone = records_of(&records, 1);
    assert_eq!(
        gone[0]["withdrawn"]["answer"], "soft_not_found",
        "{records:?}"
    );
    assert_eq!(count(&portal.status(), "withdrawn"), 1);

    portal.serve(1, Serve::Page);
    let (summary, night) = portal.night();
    assert_eq!(
        count(&night, "not_modified"),
        2,
        "both answered 304: {summary}"
    );
    assert_eq!(count(&night, "restored"), 1, "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 0);
    assert!(portal.export().iter().all(|r| r.get("withdrawn").is_none()));
}

/// A report found at two URLs (`/art/1.html` and `/art/3.html`, the same page) is withdrawn only
/// once both are gone, since the second went.
#[test]
fn a_report_at_two_urls_is_withdrawn_only_when_both_are_gone() {
    let portal = Portal::new(&[1, 2, 3], false);
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 2, "{summary}");
    assert_eq!(count(&first, "new_aliases"), 1, "{summary}");

    portal.serve(1, Serve::Status(404));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "the URL is: {summary}");
    assert!(portal.url_state(1).withdrawn.is_some());
    assert_eq!(count(&portal.status(), "withdrawn"), 0, "the report is not");
    assert!(portal.export().iter().all(|r| r.get("withdrawn").is_none()));
    let (listed, text) = portal.withdrawn_list();
    assert!(listed.is_empty(), "{listed:?}");
    assert!(text.starts_with("withdrawn: 0 documents"), "{text}");

    std::thread::sleep(std::time::Duration::from_millis(1100));
    portal.serve(3, Serve::Status(404));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 1);
    let second = portal.url_state(3).withdrawn.expect("withdrawn");
    let first = portal.url_state(1).withdrawn.expect("still withdrawn");
    assert!(first.since < second.since, "{first:?} {second:?}");
    let records = portal.export();
    let gone = records_of(&records, 1);
    assert_eq!(gone.len(), 1, "{records:?}");
    assert_eq!(gone[0]["withdrawn"]["since"], second.since.as_str());
    for record in records_of(&records, 2) {
        assert!(record.get("withdrawn").is_none(), "{record}");
    }

    // The list a researcher reads: the report, both its URLs, since the second went, and the
    // archived copy (the version export shows for it).
    let (listed, text) = portal.withdrawn_list();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let row = &listed[0];
    assert_eq!(row["portal"], PORTAL, "{row}");
    assert_eq!(row["title"], title(1).as_str(), "{row}");
    assert_eq!(row["report_year"], 2021, "{row}");
    assert_eq!(row["issuing_body"], gone[0]["issuing_body"], "{row}");
    assert_eq!(row["since"], second.since.as_str(), "{row}");
    assert_eq!(row["answer"], "http_404", "{row}");
    assert_eq!(row["seq"], gone[0]["seq"], "{row}");
    assert_eq!(row["raw_path"], gone[0]["raw_path"], "{row}");
    let url = |id: usize| format!("{}/art/{id}.html", portal.server.base);
    assert_eq!(row["urls"], serde_json::json!([url(1), url(3)]), "{row}");
    assert!(text.starts_with("withdrawn: 1 documents"), "{text}");
    let line = format!("{} http_404 {PORTAL}: 2021 {}", second.since, title(1));
    assert!(text.contains(&line), "{text}");
    assert!(text.contains(&format!("    url: {}", url(3))), "{text}");
    assert!(!text.contains("/art/2.html"), "{text}");
}

/// A site revamp: after a night, the list shows the same reports at new URLs in a new template
/// (other markup, the same text) and the old URLs answer 404. The reports are found again at
/// their new URLs (aliases of the documents archived, no new document or version in the export
/// or the feed), and none is withdrawn, that night or the next.
#[test]
fn a_revamp_that_moves_the_reports_to_new_urls_withdraws_nothing() {
    let portal = Portal::new(&[1, 2], false);
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 2, "{summary}");
    let archived = portal.export();

    for (old, new) in [(1, 11), (2, 12)] {
        portal.serve(old, Serve::Unlisted(404));
        portal.serve(new, Serve::Page);
    }
    for _ in 0..2 {
        let (summary, night) = portal.night();
        assert_eq!(count(&night, "withdrawn"), 0, "{summary}");
        assert_eq!(count(&night, "new_documents"), 0, "{summary}");
        assert_eq!(count(&night, "new_versions"), 0, "{summary}");
        assert_eq!(count(&portal.status(), "withdrawn"), 0);
        assert!(portal.withdrawn_list().0.is_empty());
    }
    assert_eq!(portal.asked(11), 2, "the new URLs are walked");
    let records = portal.export();
    assert_eq!(records.len(), archived.len(), "{records:?}");
    for (old, new) in [(1, 11), (2, 12)] {
        let record = records_of(&records, old);
        assert_eq!(record.len(), 1, "{records:?}");
        assert!(record[0].get("withdrawn").is_none(), "{record:?}");
        let alias = format!("{}/art/{new}.html", portal.server.base);
        assert_eq!(
            record[0]["aliases"],
            serde_json::json!([alias]),
            "{record:?}"
        );
    }
    let feed = run_nianbao(&portal.config, &["feed", "--consumer", "research"]);
    assert_eq!(feed.status.code(), Some(0), "{}", stderr(&feed));
    let fed = String::from_utf8_lossy(&feed.stdout);
    assert_eq!(fed.lines().count(), 2, "one record per report: {fed}");
}
