//! Revisits of an archived report's attachments, against a portal of the test's own whose
//! report page and PDF carry validators and answer conditional requests with 304: the nightly
//! crawl (`revisit_after = "0s"`, so every crawl revisits) asks the PDF with the validators of
//! its last response, keeps it as it was on a 304 without its body being sent again, and makes
//! a new version when the PDF was replaced in place under a page that answers 304. A PDF served
//! without validators is fetched in full, as before.

mod common;
mod s3_support;

use std::sync::{Arc, Mutex};

use common::route_server::{
    Answer, Request, RouteServer, exported, newest_run_report, portals_config, report_page,
    run_nianbao,
};
use common::{COMMAND_LIMIT, run_limited, stderr, warc_files};
use nianbao::warc::{WarcReader, WarcRecord, parse_http_head};
use serde_json::Value;
use sha2::{Digest, Sha256};

const PORTAL: &str = "某某县人民政府";
const PAGE: &str = "/art/1.html";
const PDF: &str = "/files/1.pdf";
const PAGE_ETAG: &str = "\"page-1\"";

const LIST: &str = "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>\
    <li><a href=\"/art/1.html\">某某县人民政府2025年政府信息公开工作年度报告</a><span>2026-01-20</span></li>\
    </ul></body></html>";

/// Which validators the PDF is served with.
#[derive(Clone, Copy, Debug)]
enum PdfValidators {
    ETag,
    LastModifiedOnly,
    None,
}

/// What the portal serves now; a test changes it between crawls.
struct Site {
    /// The page honours If-None-Match (else it answers 200 to every request).
    page_conditional: bool,
    pdf: Vec<u8>,
    /// The PDF's version, in its ETag or Last-Modified.
    pdf_version: u32,
    validators: PdfValidators,
    /// How many times the PDF's body was sent.
    pdf_bodies: usize,
    /// The PDF's server fails (500) whatever it is asked.
    pdf_fails: bool,
    /// A paragraph added to the page (an edit: another content hash).
    page_note: Option<String>,
}

impl Site {
    fn pdf_etag(&self) -> String {
        format!("\"pdf-{}\"", self.pdf_version)
    }

    fn pdf_modified(&self) -> String {
        format!("Mon, {:02} Jan 2026 08:00:00 GMT", self.pdf_version)
    }

    fn answer(&mut self, request: &Request) -> Answer {
        let header = |name: &str, value: &str| (name.to_string(), value.to_string());
        match request.target.as_str() {
            "/nb/" => Answer {
                status: 200,
                headers: vec![header("Content-Type", "text/html; charset=utf-8")],
                body: LIST.as_bytes().to_vec(),
            },
            PAGE => {
                if self.page_conditional && request.header("if-none-match") == Some(PAGE_ETAG) {
                    return not_modified();
                }
                let mut page = String::from_utf8(report_page(2025, PDF)).expect("UTF-8 page");
                if let Some(note) = &self.page_note {
                    page = page.replace("</div></body>", &format!("<p>{note}</p></div></body>"));
                }
                Answer {
                    status: 200,
                    headers: vec![
                        header("Content-Type", "text/html; charset=utf-8"),
                        header("ETag", PAGE_ETAG),
                    ],
                    body: page.into_bytes(),
                }
            }
            PDF if self.pdf_fails => Answer {
                status: 500,
                headers: vec![header("Content-Type", "text/html; charset=utf-8")],
                body: b"<html><body>500</body></html>".to_vec(),
            },
            PDF => {
                let (etag, modified) = (self.pdf_etag(), self.pdf_modified());
                let mut headers = vec![header("Content-Type", "application/pdf")];
                match self.validators {
                    PdfValidators::ETag => {
                        if request.header("if-none-match") == Some(etag.as_str()) {
                            return not_modified();
                        }
                        headers.push(header("ETag", &etag));
                    }
                    PdfValidators::LastModifiedOnly => {
                        if request.header("if-modified-since") == Some(modified.as_str()) {
                            return not_modified();
                        }
                        headers.push(header("Last-Modified", &modified));
                    }
                    PdfValidators::None => {}
                }
                self.pdf_bodies += 1;
                Answer {
                    status: 200,
                    headers,
                    body: self.pdf.clone(),
                }
            }
            _ => Answer {
                status: 404,
                headers: vec![header("Content-Type", "text/html; charset=utf-8")],
                body: b"<html><body>404</body></html>".to_vec(),
            },
        }
    }
}

fn not_modified() -> Answer {
    Answer {
        status: 304,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

fn pdf_bytes(edition: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% 2025 report, {edition}\n%%EOF\n").into_bytes()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every record of the WARC files under `data_dir`, with its WARC-Type.
fn warc_records(data_dir: &std::path::Path) -> Vec<(String, WarcRecord)> {
    warc_files(data_dir)
        .iter()
        .flat_map(|f| WarcReader::open(f).expect("WARC file opens"))
        .map(|r| {
            let record = r.expect("every record reads");
            let kind = record
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("WARC-Type"))
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            (kind, record)
        })
        .collect()
}

/// A portal of one report linking one PDF, crawled once, with its config (revisits at every
/// crawl) in a scratch folder.
struct Portal {
    server: RouteServer,
    site: Arc<Mutex<Site>>,
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
    /// The environment of every command (credentials for a bucket).
    env: Vec<(&'static str, &'static str)>,
}

impl Portal {
    fn crawled(page_conditional: bool, validators: PdfValidators) -> Portal {
        let portal = Portal::new(page_conditional, validators, "", &[]);
        portal.crawl();
        portal
    }

    /// Not crawled yet; `extra` is added to the config, `env` to every command's environment.
    fn new(
        page_conditional: bool,
        validators: PdfValidators,
        extra: &str,
        env: &[(&'static str, &'static str)],
    ) -> Portal {
        let server = RouteServer::bind("127.0.0.96");
        let site = Arc::new(Mutex::new(Site {
            page_conditional,
            pdf: pdf_bytes("first edition"),
            pdf_version: 1,
            validators,
            pdf_bodies: 0,
            pdf_fails: false,
            page_note: None,
        }));
        let served = site.clone();
        server.serve_headed(Arc::new(move |request: &Request| {
            served.lock().expect("site lock").answer(request)
        }));
        let dir = tempfile::tempdir().expect("scratch dir");
        let config = portals_config(dir.path(), &[(PORTAL, format!("{}/nb/", server.base))]);
        let mut text = std::fs::read_to_string(&config).expect("config");
        text.push_str("[crawl]\nrevisit_after = \"0s\"\n");
        text.push_str(extra);
        std::fs::write(&config, text).expect("config");
        Portal {
            server,
            site,
            dir,
            config,
            env: env.to_vec(),
        }
    }

    fn crawl(&self) {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"));
        cmd.arg("--config").arg(&self.config).arg("crawl");
        cmd.envs(self.env.iter().copied());
        let out = run_limited(cmd, COMMAND_LIMIT);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    /// The requests for the report's page and PDF from the `from`th request on.
    fn report_requests(&self, from: usize) -> Vec<Request> {
        self.server.received()[from..]
            .iter()
            .filter(|r| r.target == PAGE || r.target == PDF)
            .cloned()
            .collect()
    }

    /// The newest run report's counts for the portal.
    fn counts(&self) -> Value {
        newest_run_report(self.dir.path())["portals"][PORTAL].clone()
    }
}

/// Page 200 and the PDF unchanged: the PDF is asked with its ETag, answered 304, and its body
/// is not sent again; the run report counts it, and no version is made.
#[test]
fn an_unchanged_pdf_is_asked_conditionally_under_a_page_that_answers_200() {
    let portal = Portal::crawled(false, PdfValidators::ETag);
    let before = portal.server.received().len();
    portal.crawl();
    let asked = portal.report_requests(before);
    let pdf: Vec<&Request> = asked.iter().filter(|r| r.target == PDF).collect();
    assert_eq!(pdf.len(), 1, "{asked:?}");
    assert_eq!(
        pdf[0].header("if-none-match"),
        Some("\"pdf-1\""),
        "{asked:?}"
    );
    assert_eq!(portal.site.lock().expect("site").pdf_bodies, 1);
    let counts = portal.counts();
    assert_eq!(counts["attachments_not_modified"], 1, "{counts}");
    assert_eq!(counts["attachments_fetched"], 0, "{counts}");
    assert_eq!(counts["unchanged"], 1, "{counts}");
    assert_eq!(counts["new_versions"], 0, "{counts}");
    let records = exported(&portal.config);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(
        records[0]["attachments"][0]["sha256"],
        sha256(&pdf_bytes("first edition"))
    );
}

/// Page 304 and the PDF replaced in place (new bytes, new ETag): a new version whose page is
/// the one archived (same raw file, not asked again) and whose attachment is the new file;
/// `export` shows both versions, and the feed gives the new one. The next crawl, page and PDF
/// both 304, makes nothing: the new version kept the new file's ETag.
#[test]
fn a_pdf_replaced_under_an_unchanged_page_makes_a_new_version() {
    let portal = Portal::crawled(true, PdfValidators::ETag);
    let first = exported(&portal.config);
    assert_eq!(first.len(), 1, "{first:?}");
    let out = run_nianbao(
        &portal.config,
        &["feed", "--consumer", "t", "--commit", "1"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    {
        let mut site = portal.site.lock().expect("site");
        site.pdf = pdf_bytes("corrected edition");
        site.pdf_version = 2;
    }
    let before = portal.server.received().len();
    portal.crawl();
    let asked = portal.report_requests(before);
    let targets: Vec<&str> = asked.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, [PAGE, PDF], "the page is not asked again");
    assert_eq!(asked[1].header("if-none-match"), Some("\"pdf-1\""));
    let counts = portal.counts();
    assert_eq!(counts["new_versions"], 1, "{counts}");
    assert_eq!(counts["attachments_fetched"], 1, "{counts}");

    let records = exported(&portal.config);
    assert_eq!(records.len(), 2, "{records:?}");
    let (old, new) = (&records[0], &records[1]);
    assert_eq!(new["id"], old["id"]);
    assert_eq!(new["version"], 2);
    for same in [
        "sha256",
        "raw_path",
        "title",
        "url",
        "http_status",
        "content_type",
    ] {
        assert_eq!(new[same], old[same], "{same}");
    }
    assert_ne!(new["content_hash"], old["content_hash"]);
    let corrected = sha256(&pdf_bytes("corrected edition"));
    assert_eq!(new["attachments"][0]["sha256"], corrected, "{new}");
    assert_eq!(
        old["attachments"][0]["sha256"],
        sha256(&pdf_bytes("first edition"))
    );

    let out = run_nianbao(&portal.config, &["feed", "--consumer", "t"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(fed.len(), 1, "{fed:?}");
    assert_eq!(fed[0]["seq"], new["seq"]);
    assert_eq!(fed[0]["attachments"][0]["sha256"], corrected);

    // The WARC output holds the new version (its metadata record, the new file's response) and
    // no 304: those are written nowhere.
    let warc = warc_records(&portal.dir.path().join("data"));
    let metadata: Vec<Value> = warc
        .iter()
        .filter(|(kind, _)| kind == "metadata")
        .filter_map(|(_, r)| serde_json::from_slice(&r.block).ok())
        .collect();
    assert!(
        metadata
            .iter()
            .any(|m| m["seq"] == new["seq"] && m["attachments"][0]["sha256"] == corrected),
        "{metadata:?}"
    );
    let corrected_bytes = pdf_bytes("corrected edition");
    assert!(
        warc.iter()
            .any(|(kind, r)| kind == "response" && r.block.ends_with(&corrected_bytes)),
        "the new file's response is in the WARC output"
    );
    let statuses: Vec<Option<u16>> = warc
        .iter()
        .filter(|(kind, _)| kind == "response" || kind == "revisit")
        .map(|(_, r)| parse_http_head(&r.block).and_then(|h| h.status))
        .collect();
    assert!(!statuses.contains(&Some(304)), "{statuses:?}");

    let before = portal.server.received().len();
    portal.crawl();
    let asked = portal.report_requests(before);
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(asked[1].header("if-none-match"), Some("\"pdf-2\""));
    assert_eq!(portal.counts()["new_versions"], 0);
    assert_eq!(exported(&portal.config).len(), 2);

    // The same page answered 200 with the same file is the version made under the 304: its
    // content hash is the one a fetched page gives.
    portal.site.lock().expect("site").page_conditional = false;
    portal.crawl();
    let counts = portal.counts();
    assert_eq!(counts["items_fetched"], 1, "{counts}");
    assert_eq!(counts["unchanged"], 1, "{counts}");
    assert_eq!(counts["new_versions"], 0, "{counts}");
    assert_eq!(exported(&portal.config).len(), 2);
}

/// Page 304 and PDF 304, with an ETag or with a Last-Modified only: nothing new, and the
/// second crawl asks exactly two requests for the report, both conditional.
#[test]
fn an_unchanged_report_costs_two_conditional_requests() {
    for validators in [PdfValidators::ETag, PdfValidators::LastModifiedOnly] {
        let portal = Portal::crawled(true, validators);
        let before = portal.server.received().len();
        portal.crawl();
        let asked = portal.report_requests(before);
        let targets: Vec<&str> = asked.iter().map(|r| r.target.as_str()).collect();
        assert_eq!(targets, [PAGE, PDF], "{validators:?}");
        assert!(
            asked.iter().all(Request::is_conditional),
            "{validators:?}: {asked:?}"
        );
        if let PdfValidators::LastModifiedOnly = validators {
            let since = asked[1].header("if-modified-since");
            assert_eq!(since, Some("Mon, 01 Jan 2026 08:00:00 GMT"), "{asked:?}");
        }
        assert_eq!(portal.site.lock().expect("site").pdf_bodies, 1);
        let counts = portal.counts();
        assert_eq!(counts["not_modified"], 1, "{validators:?}: {counts}");
        assert_eq!(
            counts["attachments_not_modified"], 1,
            "{validators:?}: {counts}"
        );
        assert_eq!(counts["new_versions"], 0, "{validators:?}: {counts}");
        assert_eq!(exported(&portal.config).len(), 1, "{validators:?}");
    }
}

/// A PDF served without ETag or Last-Modified is asked without validators and fetched in full
/// at a revisit, as before; unchanged, it makes nothing new.
#[test]
fn a_pdf_without_validators_is_fetched_in_full() {
    let portal = Portal::crawled(true, PdfValidators::None);
    let before = portal.server.received().len();
    portal.crawl();
    let asked = portal.report_requests(before);
    let targets: Vec<&str> = asked.iter().map(|r| r.target.as_str()).collect();
    assert_eq!(targets, [PAGE, PDF], "{asked:?}");
    assert!(!asked[1].is_conditional(), "{asked:?}");
    assert_eq!(portal.site.lock().expect("site").pdf_bodies, 2);
    let counts = portal.counts();
    assert_eq!(counts["attachments_fetched"], 1, "{counts}");
    assert_eq!(counts["attachments_not_modified"], 0, "{counts}");
    assert_eq!(counts["not_modified"], 1, "{counts}");
    assert_eq!(exported(&portal.config).len(), 1);
}

/// A revisit whose request for the PDF fails (500) keeps the file the report holds, whether the
/// page answered 304 or 200: nothing new is made, the failure is counted, and the export record
/// still names the file with no `missing`.
#[test]
fn a_failed_request_never_drops_a_held_file() {
    for page_conditional in [true, false] {
        let portal = Portal::crawled(page_conditional, PdfValidators::ETag);
        portal.site.lock().expect("site").pdf_fails = true;
        portal.crawl();
        let counts = portal.counts();
        assert_eq!(counts["failures"]["attachment"], 1, "{counts}");
        assert_eq!(counts["new_versions"], 0, "{counts}");
        let records = exported(&portal.config);
        assert_eq!(records.len(), 1, "{records:?}");
        let file = &records[0]["attachments"][0];
        assert_eq!(
            file["sha256"],
            sha256(&pdf_bytes("first edition")),
            "{file}"
        );
        assert_eq!(file["missing"], Value::Null, "{file}");
    }
}

/// With the archive on an S3 bucket and the local copies of its files gone (a pruned cache), a
/// revisit whose page changed while its PDF answered 304 commits the new version: the kept
/// file was put into the bucket with the version that first named it, and is not read again.
#[test]
fn a_kept_file_missing_from_a_pruned_cache_is_not_put_again() {
    let Some(moto) =
        s3_support::Moto::start("a_kept_file_missing_from_a_pruned_cache_is_not_put_again")
    else {
        return;
    };
    moto.create_bucket("nianbao-revisit");
    let storage = moto.storage_toml("nianbao-revisit", "archive");
    let portal = Portal::new(false, PdfValidators::ETag, &storage, s3_support::AWS_ENV);
    portal.crawl();
    for cache in ["raw", "text"] {
        let dir = portal.dir.path().join("data").join(cache);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).expect("prune the cache");
        }
    }
    portal.site.lock().expect("site").page_note = Some("补充说明：数据已更正。".into());
    portal.crawl();
    let counts = portal.counts();
    assert_eq!(counts["attachments_not_modified"], 1, "{counts}");
    assert_eq!(counts["failures"], serde_json::json!({}), "{counts}");
    assert_eq!(counts["new_versions"], 1, "{counts}");
}
