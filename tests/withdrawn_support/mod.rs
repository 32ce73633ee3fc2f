//! The test portal of tests/withdrawn.rs and tests/delisted.rs: its reports' URLs answer as each
//! night's test says (their page, a status, a page saying they do not exist, a status or their
//! page with no list entry), its list states its count or not, on one page or several, with two
//! year lists beside it or not, and the helpers that read the run report, `status`, `export` and `report` of its archive.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::common::route_server::{
    Answer, Request, RouteServer, newest_run_report, numbered_portal, portals_config, run_nianbao,
};
use crate::common::stderr;
use serde_json::Value;

pub const PORTAL: &str = "某某县人民政府";

/// What a report's URL answers tonight.
#[derive(Clone, Copy, PartialEq)]
pub enum Serve {
    /// Its page (with an ETag on a portal that sends them: a conditional request that names it
    /// is answered 304).
    Page,
    /// This status, with a short HTML body.
    Status(u16),
    /// A page that says the information does not exist, with 200.
    SoftNotFound,
    /// This status, and no entry on the list: a report taken off it (a revamp's old URL).
    Unlisted(u16),
    /// Its page, and no entry on the list: a report hidden from the list, still served.
    Hidden,
    /// Its page, on the section's list but off its year's list (a portal with year lists).
    OffYear,
    /// Its page, on its year's list but off the section's list (a portal with year lists).
    OffSection,
}

impl Serve {
    /// Whether this answer is the report's page (304 to its ETag).
    fn is_page(self) -> bool {
        matches!(
            self,
            Serve::Page | Serve::Hidden | Serve::OffYear | Serve::OffSection
        )
    }
}

/// How the portal's list shows its entries.
#[derive(Clone, Copy, Default)]
pub struct Listing {
    /// The list states its count (共N条, and 共P页 when paged): a walk can prove it complete.
    pub stated: bool,
    /// Entries per list page (`/xxgk/list.html?page=N`), all on one page when None.
    pub per_page: Option<usize>,
    /// A list page that answers 500.
    pub failing_page: Option<usize>,
    /// A list page answered after [`SLOW_ANSWER`], so that a test can stop the run meanwhile.
    pub slow_page: Option<usize>,
    /// The section's list also links two year lists (`/xxgk/{year}/list.html`, 2021 for odd
    /// report ids and 2022 for even ones), each showing its reports again; on one page each.
    pub years: bool,
}

/// The year list of report URL `id` on a portal with year lists.
pub fn year_list_of(id: usize) -> i32 {
    if id % 2 == 1 { 2021 } else { 2022 }
}

/// How long the slow list page takes to answer.
pub const SLOW_ANSWER: std::time::Duration = std::time::Duration::from_secs(2);

/// A portal listing report URLs `/art/{id}.html`, each serving the page of report `page_of(id)`
/// (two URLs of one report serve the same page) as `serving` says tonight; with ETags or not.
pub struct Portal {
    pub server: RouteServer,
    serving: Arc<Mutex<BTreeMap<usize, Serve>>>,
    listing: Arc<Mutex<Listing>>,
    pub dir: tempfile::TempDir,
    pub config: std::path::PathBuf,
}

/// The report whose page URL `id` serves: 3 is a second URL of report 1, 7 the URL of report 3;
/// 8 and 9 are reports 1 and 2 with two PDF files each (`page_with_files`); 11 and 12 are
/// reports 1 and 2 at the URLs of a revamped site, in its new template (`revamped_page`).
fn page_of(id: usize) -> usize {
    match id {
        3 => 1,
        7 => 3,
        8 | 9 => id - 7,
        11.. => id - 10,
        _ => id,
    }
}

pub fn title(report: usize) -> String {
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

/// The page of report `page_of(id)` linking two PDF files, `/files/{id}-1.pdf` and
/// `/files/{id}-2.pdf` (see [`FILES`]).
fn page_with_files(id: usize) -> Vec<u8> {
    let page = String::from_utf8(report_page(page_of(id))).expect("a UTF-8 page");
    let links = format!(
        "<p>附件：<a href=\"/files/{id}-1.pdf\">统计表.pdf</a></p>\
         <p>附件：<a href=\"/files/{id}-2.pdf\">说明.pdf</a></p></div></body>"
    );
    page.replace("</div></body>", &links).into_bytes()
}

/// Where the report pages of `page_with_files` keep their files.
pub const FILES: &str = "/files/";

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
    pub fn new(ids: &[usize], etags: bool) -> Portal {
        Portal::listing(ids, etags, Listing::default())
    }

    /// The portal listing `ids` as `listing` says.
    pub fn listing(ids: &[usize], etags: bool, listing: Listing) -> Portal {
        let server = RouteServer::bind("127.0.0.1");
        let serving: BTreeMap<usize, Serve> = ids.iter().map(|&i| (i, Serve::Page)).collect();
        let serving = Arc::new(Mutex::new(serving));
        let listing = Arc::new(Mutex::new(listing));
        let (served, listed) = (serving.clone(), listing.clone());
        server.serve_headed(Arc::new(move |request: &Request| {
            let serving = served.lock().expect("serving lock").clone();
            let listing = *listed.lock().expect("listing lock");
            let slow = listing
                .slow_page
                .map(|n| format!("/xxgk/list.html?page={n}"));
            if slow.as_deref() == Some(request.target.as_str()) {
                std::thread::sleep(SLOW_ANSWER);
            }
            answer(&serving, etags, listing, request)
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
            listing,
            dir,
            config,
        }
    }

    /// Sets `[crawl] key = value` in the config (replacing the nightly `revisit_after = "0s"`
    /// when the key is `revisit_after`).
    pub fn crawl_setting(&self, key: &str, value: &str) {
        let mut text = std::fs::read_to_string(&self.config).expect("config");
        if key == "revisit_after" {
            text = text.replace("revisit_after = \"0s\"\n", "");
        }
        let text = text.replace("[crawl]\n", &format!("[crawl]\n{key} = {value}\n"));
        std::fs::write(&self.config, text).expect("config");
    }

    /// Makes list page `page` answer 500 (or none, with None).
    pub fn fail_list_page(&self, page: Option<usize>) {
        self.listing.lock().expect("listing lock").failing_page = page;
    }

    /// Makes list page `page` answer slowly (or none, with None).
    pub fn slow_list_page(&self, page: Option<usize>) {
        self.listing.lock().expect("listing lock").slow_page = page;
    }

    /// Requests for `target` so far.
    pub fn asked_for(&self, target: &str) -> usize {
        self.server
            .requests()
            .iter()
            .filter(|t| **t == target)
            .count()
    }

    /// Moves the last fetch of URL `/art/{id}.html` back by `days` in its stored state, as if
    /// that many days had passed since (no run is going).
    pub fn backdate(&self, id: usize, days: i64) {
        let store = nianbao::store::Store::open(&self.dir.path().join("data")).expect("store");
        let url = format!("{}/art/{id}.html", self.server.base);
        let mut state = store
            .url_state(&url)
            .expect("readable")
            .unwrap_or_else(|| panic!("{url} is known"));
        let at = chrono::Utc::now() - chrono::Duration::days(days);
        state.fetched_at = Some(at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        store.record_url(&url, &state).expect("recorded");
        store.flush().expect("flushed");
    }

    pub fn serve(&self, id: usize, how: Serve) {
        self.serving.lock().expect("serving lock").insert(id, how);
    }

    /// Runs one nightly crawl, which must succeed: its summary and its run report's share of
    /// the portal.
    pub fn night(&self) -> (String, Value) {
        let out = run_nianbao(&self.config, &["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let report = newest_run_report(self.dir.path());
        (stderr(&out), report["portals"][PORTAL].clone())
    }

    /// `nianbao status --format json`'s row of the portal.
    pub fn status(&self) -> Value {
        let out = run_nianbao(&self.config, &["status", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
        status["portals"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
            .cloned()
            .unwrap_or_else(|| panic!("the portal has a row: {status}"))
    }

    pub fn status_text(&self) -> String {
        let out = run_nianbao(&self.config, &["status"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `nianbao status --withdrawn --format json`'s list, and the same list as text.
    pub fn withdrawn_list(&self) -> (Vec<Value>, String) {
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

    /// The failures by kind that `nianbao report --format json` shows for the portal (its
    /// newest run's).
    pub fn coverage_failures(&self) -> Value {
        let out = run_nianbao(&self.config, &["report", "--format", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let matrix: Value = serde_json::from_slice(&out.stdout).expect("report JSON");
        matrix["portals"][0]["failures"].clone()
    }

    /// The portal's cell of `year` in `nianbao report --format json`.
    pub fn coverage_cell(&self, year: i64) -> Value {
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

    pub fn export(&self) -> Vec<Value> {
        crate::common::route_server::exported(&self.config)
    }

    /// The stored state of URL `/art/{id}.html`, read from the store itself (no run is going).
    pub fn url_state(&self, id: usize) -> nianbao::store::UrlState {
        let store = nianbao::store::Store::open(&self.dir.path().join("data")).expect("store");
        let url = format!("{}/art/{id}.html", self.server.base);
        store
            .url_state(&url)
            .expect("readable")
            .unwrap_or_else(|| panic!("{url} is known"))
    }

    /// Requests for `/art/{id}.html` so far.
    pub fn asked(&self, id: usize) -> usize {
        let path = format!("/art/{id}.html");
        self.server
            .requests()
            .iter()
            .filter(|t| **t == path)
            .count()
    }
}

/// The portal's answer to `request`, its report URLs serving as `serving` says, its list as
/// `listing` says.
fn answer(
    serving: &BTreeMap<usize, Serve>,
    etags: bool,
    listing: Listing,
    request: &Request,
) -> Answer {
    let html = "text/html; charset=utf-8";
    let year = listing
        .years
        .then(|| {
            let year = request.target.strip_prefix("/xxgk/")?;
            year.strip_suffix("/list.html")?.parse::<i32>().ok()
        })
        .flatten();
    let listed: Vec<usize> = serving
        .iter()
        .filter(|&(&i, serve)| match year {
            Some(year) => {
                year_list_of(i) == year
                    && !matches!(serve, Serve::Unlisted(_) | Serve::Hidden | Serve::OffYear)
            }
            None => !matches!(
                serve,
                Serve::Unlisted(_) | Serve::Hidden | Serve::OffSection
            ),
        })
        .map(|(&i, _)| i)
        .collect();
    let per_page = listing.per_page.unwrap_or(listed.len()).max(1);
    let pages = listed.len().div_ceil(per_page).max(1);
    let failing = listing
        .failing_page
        .map(|n| format!("/xxgk/list.html?page={n}"));
    if failing.as_deref() == Some(request.target.as_str()) {
        return Answer {
            status: 500,
            headers: vec![("Content-Type".into(), html.into())],
            body: b"<html><body>500</body></html>".to_vec(),
        };
    }
    let list = |n: usize| {
        let on_page = listed.iter().skip((n - 1) * per_page).take(per_page);
        let entries: String = on_page
            .map(|&i| {
                format!(
                    "<li><a href=\"/art/{i}.html\">{}</a><span>{}-02-{i:02}</span></li>",
                    title(page_of(i)),
                    2021 + page_of(i)
                )
            })
            .collect();
        let pager = match (listing.stated, listing.per_page) {
            (false, _) => String::new(),
            (true, None) => format!("<p>共{}条</p>", listed.len()),
            (true, Some(_)) => {
                let links: String = (1..=pages)
                    .map(|k| format!("<a href=\"/xxgk/list.html?page={k}\">{k}</a> "))
                    .collect();
                format!(
                    "<div class=\"page\">共{}条 共{pages}页 {links}</div>",
                    listed.len()
                )
            }
        };
        let menu = if listing.years && year.is_none() {
            "<div class=\"years\"><a href=\"/xxgk/2021/list.html\">2021年</a> <a href=\"/xxgk/2022/list.html\">2022年</a></div>"
        } else {
            ""
        };
        format!(
            "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body>{menu}<ul>{entries}</ul>{pager}</body></html>"
        )
        .into_bytes()
    };
    if year.is_some() {
        return Answer {
            status: 200,
            headers: vec![("Content-Type".into(), html.into())],
            body: list(1),
        };
    }
    if let Some(name) = request.target.strip_prefix(FILES) {
        let pdf = format!(
            "%PDF-1.4\n% {name}\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
        );
        return Answer {
            status: 200,
            headers: vec![("Content-Type".into(), "application/pdf".into())],
            body: pdf.into_bytes(),
        };
    }
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
        Some(serve)
            if serve.is_page()
                && etag.is_some()
                && request.header("if-none-match") == etag.as_deref() =>
        {
            return Answer {
                status: 304,
                headers: vec![("ETag".into(), etag.unwrap_or_default())],
                body: Vec::new(),
            };
        }
        _ => numbered_portal(&request.target, pages, list, |i| {
            serving.contains_key(&i).then(|| match i {
                11.. => revamped_page(page_of(i)),
                8 | 9 => page_with_files(i),
                _ => report_page(page_of(i)),
            })
        }),
    };
    let mut headers = vec![("Content-Type".to_string(), content_type)];
    if let (Some(_), Some(etag)) = (serve.filter(|s| s.is_page()), etag) {
        headers.push(("ETag".into(), etag));
    }
    Answer {
        status,
        headers,
        body,
    }
}

pub fn count(report: &Value, key: &str) -> u64 {
    report[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is a count: {report}"))
}

/// The export records of URL `/art/{id}.html`.
pub fn records_of(records: &[Value], id: usize) -> Vec<&Value> {
    let path = format!("/art/{id}.html");
    records
        .iter()
        .filter(|r| r["url"].as_str().is_some_and(|u| u.ends_with(&path)))
        .collect()
}

/// What an export record holds of the archive, withdrawal left out: it must not change.
pub fn archived_part(records: &[Value]) -> Vec<Value> {
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
pub fn raw_files(data_dir: &Path) -> BTreeMap<String, Vec<u8>> {
    pub fn walk(dir: &Path, files: &mut BTreeMap<String, Vec<u8>>) {
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
