//! Attachment-only reports end to end (issue 13): a simulated township portal whose report is
//! only a PDF (a CID font through the predefined CMap UniGB-UCS2-H, no ToUnicode) is crawled;
//! the export record names the attachment's text and how it was made, and the text file holds
//! the report's headings. `nianbao text` derives it again for an archive that lacks it.
//!
//! A report archived without its attachment is not fetched again for it at every run: one too
//! large for `max_body_bytes` only once the limit is raised, one that failed on the failure
//! policy's schedule; the export record says why it is missing. One on a list page the nightly
//! walk no longer reaches is fetched again once due all the same, and `failures` and `status`
//! show it while it waits.

mod attachment_support;
mod common;
mod politeness_support;

use std::time::Duration;

use attachment_support::{REPORT_LABELS, compact, have_tool};
use common::{Harness, stderr};
use nianbao_sim::{DocSpec, FaultKind, SiteHandle, SiteSpec};
use politeness_support::{at, count_target, run_report};
use serde_json::Value;

const TITLE: &str = "花甸镇2025年政府信息公开工作年度报告";

fn harness() -> Harness {
    nometa_with(
        DocSpec::new(TITLE, "2026-01-20 09:00")
            .report(2025)
            .attachment_only(),
    )
}

/// The bundled no-metadata portal with one more document, listed by its publication time.
fn nometa_with(doc: DocSpec) -> Harness {
    let mut site = SiteSpec::standard()
        .into_iter()
        .find(|s| s.name == "nometa")
        .expect("the bundled nometa portal");
    site.docs.push(doc);
    // The site lists its docs in reverse order: kept oldest first, as the bundled ones are.
    site.docs.sort_by_key(|d| d.published);
    Harness::with_sites(vec![site], Duration::from_millis(20))
}

fn report_record(h: &Harness) -> Value {
    h.export()
        .into_iter()
        .find(|r| r["title"] == TITLE)
        .expect("the attachment-only report is archived")
}

#[test]
fn an_attachment_only_report_gets_its_text_in_the_export_record() {
    let h = harness();
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stderr(&out);
    let record = report_record(&h);
    assert_eq!(record["is_annual_report"], true);
    let attachment = &record["attachments"][0];
    assert!(attachment["raw_path"].is_string(), "{attachment}");
    if !have_tool(
        "pdftotext",
        "an_attachment_only_report_gets_its_text_in_the_export_record",
    ) {
        assert_eq!(attachment["text_source"], "missing:pdftotext");
        assert!(
            summary.contains("WARNING: pdftotext is not installed"),
            "{summary}"
        );
        return;
    }
    let source = attachment["text_source"].as_str().expect("text_source");
    assert!(source.starts_with("pdftotext "), "{attachment}");
    assert_eq!(attachment["text_error"], Value::Null, "{attachment}");
    let path = attachment["text_path"].as_str().expect("text_path");
    let sha = attachment["sha256"].as_str().expect("sha256");
    assert_eq!(path, format!("text/{}/{sha}.txt", &sha[..2]));
    let text = std::fs::read_to_string(h.data_dir().join(path)).expect("text file");
    let text = compact(&text);
    assert!(text.contains(TITLE), "{text}");
    for label in REPORT_LABELS {
        assert!(text.contains(label), "{label} missing from {text}");
    }
    let quality = &attachment["text_quality"];
    assert_eq!(
        quality["template_labels"].as_array().map(Vec::len),
        Some(REPORT_LABELS.len())
    );
    assert_eq!(quality["replacement_chars"], 0);
    assert_eq!(quality["needs_ocr"], false);
    // Chinese text, not glyph codes read as Latin-1: table 三's numbers make up most of the rest.
    assert!(
        quality["cjk_ratio"].as_f64().is_some_and(|r| r > 0.5),
        "{quality}"
    );
    assert!(summary.contains("attachments' text: derived="), "{summary}");
    // A web page has no text of its own in the record.
    assert_eq!(record["text_path"], Value::Null);

    // An archive made before text was derived: `nianbao text` derives what is missing.
    std::fs::remove_dir_all(h.data_dir().join("text")).expect("remove text folder");
    let again = h.run(&["text"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(said.contains("text: 1 files tried (derived=1)"), "{said}");
    assert!(h.data_dir().join(path).is_file(), "text written again");
    let nothing = h.run(&["text"]);
    assert!(String::from_utf8_lossy(&nothing.stdout).contains("text: 0 files tried (none needed)"));
}

/// A crawl whose PDF reading was stopped from outside, or which ran before `pdftotext` was
/// installed, leaves the file's text waiting; the next crawl derives it, with nothing new to
/// fetch, says so in its summary and run report, and the one after has nothing left to take up.
#[test]
fn texts_an_earlier_crawl_left_waiting_are_taken_up_by_the_next() {
    use std::os::unix::fs::PermissionsExt as _;
    let installed = have_tool(
        "pdftotext",
        "texts_an_earlier_crawl_left_waiting_are_taken_up_by_the_next",
    );
    let tools = tempfile::tempdir().expect("scratch dir");
    let stopped = tools.path().join("stopped");
    let empty = tools.path().join("empty");
    std::fs::create_dir_all(&stopped).expect("mkdir");
    std::fs::create_dir_all(&empty).expect("mkdir");
    let script = stopped.join("pdftotext");
    std::fs::write(&script, "#!/bin/sh\nkill -TERM $$\n").expect("write the script");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let path = std::env::var("PATH").unwrap_or_default();
    for (left, first_path, waiting) in [
        (
            "stopped",
            format!("{}:{path}", stopped.display()),
            "interrupted",
        ),
        ("missing", empty.display().to_string(), "missing:pdftotext"),
    ] {
        let h = harness();
        let site = h.sim.site("nometa");
        let out = h
            .command(&["crawl"])
            .env("PATH", &first_path)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{left}: {}", stderr(&out));
        let attachment = report_record(&h)["attachments"][0].clone();
        assert!(attachment["text_path"].is_null(), "{left}: {attachment}");
        assert_eq!(
            run_count_in(&h, site, "attachment_texts", waiting),
            1,
            "{left}: {attachment}"
        );
        let status = h.json_of(&["status", "--format", "json"]);
        assert_eq!(status["texts_waiting"][waiting], 1, "{left}: {status}");

        let out = h.run(&["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{left}: {}", stderr(&out));
        let summary = stderr(&out);
        let attachment = report_record(&h)["attachments"][0].clone();
        let outcome = if installed {
            "derived"
        } else {
            "missing:pdftotext"
        };
        assert!(
            summary.contains(&format!(
                "texts left by earlier runs, taken up: {outcome}=1"
            )),
            "{left}: {summary}"
        );
        assert_eq!(
            run_count_in(&h, site, "texts_taken_up", outcome),
            1,
            "{left}"
        );
        // Nothing was fetched again for it: the report is one version.
        assert_eq!(report_versions(&h).len(), 1, "{left}");
        if installed {
            let source = attachment["text_source"].as_str().unwrap_or_default();
            assert!(source.starts_with("pdftotext "), "{left}: {attachment}");
            let text = attachment["text_path"].as_str().expect("text_path");
            assert!(h.data_dir().join(text).is_file(), "{left}: {attachment}");
        }

        let status = h.json_of(&["status", "--format", "json"]);
        let still = if installed {
            serde_json::json!({})
        } else {
            serde_json::json!({"missing:pdftotext": 1})
        };
        assert_eq!(status["texts_waiting"], still, "{left}: {status}");
        let out = h.run(&["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{left}: {}", stderr(&out));
        assert!(
            !stderr(&out).contains("taken up"),
            "{left}: {}",
            stderr(&out)
        );
    }
}

/// The newest run report's count of `kind` in the map `key` for the site's portal.
fn run_count_in(h: &Harness, site: &SiteHandle, key: &str, kind: &str) -> u64 {
    let report = run_report(h);
    report["portals"][site.portal_name()][key][kind]
        .as_u64()
        .unwrap_or(0)
}

/// A harness on the no-metadata site with one more report, which links one PDF, and `crawl`
/// and `fetch` keys set (no in-run retries).
fn harness_with_pdf(crawl_keys: &str, fetch_keys: &str) -> Harness {
    harness_with_pdf_at("2026-01-20 09:00", crawl_keys, fetch_keys)
}

/// As `harness_with_pdf`, the report published at `published` (its place in the list).
fn harness_with_pdf_at(published: &str, crawl_keys: &str, fetch_keys: &str) -> Harness {
    let h = nometa_with(
        DocSpec::new(TITLE, published)
            .report(2025)
            .with_attachment(),
    );
    h.edit_config(|t| {
        t.replace("max_retries = 3", "max_retries = 0").replace(
            "[fetch]\n",
            &format!("[crawl]\n{crawl_keys}\n\n[fetch]\n{fetch_keys}\n"),
        )
    });
    h
}

/// The report's page and its attachment's request target.
fn report_paths(site: &SiteHandle) -> (String, String) {
    let doc = site
        .truth()
        .into_iter()
        .find(|d| d.title == TITLE)
        .expect("the report is in the site's truth");
    let pdf = doc
        .attachments
        .first()
        .expect("the report links a PDF")
        .clone();
    (doc.path, pdf)
}

fn crawl_ok(h: &Harness) {
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The report's versions, oldest first.
fn report_versions(h: &Harness) -> Vec<Value> {
    h.export()
        .into_iter()
        .filter(|r| r["title"] == TITLE)
        .collect()
}

/// The newest run report's count `key` for the site's portal (0 when absent).
fn run_count(h: &Harness, site: &SiteHandle, key: &str) -> u64 {
    let report = run_report(h);
    let portal = &report["portals"][site.portal_name()];
    portal[key].as_u64().unwrap_or(0)
}

#[test]
fn an_oversize_attachment_is_asked_again_only_when_the_limit_is_raised() {
    // revisit_after 0s: the report's page is asked again at every run, conditionally, so what
    // keeps its attachment unasked is the wait, not the revisit time.
    let h = harness_with_pdf("revisit_after = \"0s\"", "max_body_bytes = 100000");
    let s = h.sim.site("nometa");
    let (page, pdf) = report_paths(s);
    s.add_path_fault(at(&pdf, FaultKind::Pad { bytes: 150_000 }));

    crawl_ok(&h);
    assert_eq!(count_target(s, &pdf), 1);
    assert_eq!(run_count(&h, s, "oversize"), 1);
    let versions = report_versions(&h);
    assert_eq!(versions.len(), 1, "{versions:?}");
    let attachment = &versions[0]["attachments"][0];
    assert_eq!(attachment["sha256"], Value::Null, "{attachment}");
    assert_eq!(attachment["missing"], "oversize", "{attachment}");
    assert_eq!(attachment["max_body_bytes"], 100000, "{attachment}");

    // The limit is as it was: the page is revisited (and answered 304), the PDF is not asked.
    crawl_ok(&h);
    assert_eq!(count_target(s, &page), 2, "the page is revisited");
    assert_eq!(
        count_target(s, &pdf),
        1,
        "asked again at an unchanged limit"
    );
    assert_eq!(
        run_count(&h, s, "oversize"),
        0,
        "counted again though not asked"
    );
    assert_eq!(report_versions(&h).len(), 1);

    // Raised above the body: the next run fetches the page afresh and keeps the PDF.
    h.edit_config(|t| t.replace("max_body_bytes = 100000", "max_body_bytes = 1000000"));
    crawl_ok(&h);
    assert_eq!(count_target(s, &pdf), 2);
    let versions = report_versions(&h);
    assert_eq!(versions.len(), 2, "the attachment makes a new version");
    let attachment = &versions[1]["attachments"][0];
    assert!(attachment["sha256"].is_string(), "{attachment}");
    let keys = attachment.as_object().expect("an attachment object");
    assert!(
        !keys.contains_key("missing") && !keys.contains_key("max_body_bytes"),
        "{attachment}"
    );
    // Complete now: the next run asks for the page conditionally and, as at any revisit, the
    // PDF it holds, with the ETag of its last response: both answer 304, nothing is new.
    crawl_ok(&h);
    assert_eq!(count_target(s, &page), 4);
    assert_eq!(count_target(s, &pdf), 3);
    assert_eq!(run_count(&h, s, "attachments_not_modified"), 1);
    assert_eq!(run_count(&h, s, "attachments_fetched"), 0);
    assert_eq!(report_versions(&h).len(), 2);
}

#[test]
fn a_missing_attachment_is_asked_again_when_its_retry_is_due() {
    let h = harness_with_pdf("failed_retry_first = \"1d\"", "");
    let s = h.sim.site("nometa");
    let (page, pdf) = report_paths(s);
    s.add_path_fault(not_found(&pdf));

    crawl_ok(&h);
    assert_eq!(count_target(s, &pdf), 1);
    let versions = report_versions(&h);
    assert_eq!(versions.len(), 1, "{versions:?}");
    let attachment = &versions[0]["attachments"][0];
    assert_eq!(attachment["sha256"], Value::Null, "{attachment}");
    assert_eq!(attachment["missing"], "http_404", "{attachment}");
    assert_eq!(attachment["max_body_bytes"], Value::Null, "{attachment}");

    // Right after: not due for a day, so neither the PDF nor (revisit_after 7d) its page.
    crawl_ok(&h);
    assert_eq!(count_target(s, &pdf), 1, "asked before its retry time");
    assert_eq!(count_target(s, &page), 1);
    let report = run_report(&h);
    let portal = &report["portals"][s.portal_name()];
    assert_eq!(portal["failures"]["attachment"], Value::Null, "{portal}");
    // A backfill of its year follows the same schedule.
    let out = h.run(&["backfill", "--years", "2025-2025"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        count_target(s, &pdf),
        1,
        "a backfill asked before its retry time"
    );

    // Made due by hand, it is asked again at the next run (and still missing).
    let url = s.url(&page).to_string();
    let out = h.run(&["failures", "--retry", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    crawl_ok(&h);
    assert_eq!(count_target(s, &pdf), 2);
    assert_eq!(report_versions(&h).len(), 1, "still missing: nothing new");
    crawl_ok(&h);
    assert_eq!(
        count_target(s, &pdf),
        2,
        "rescheduled after the second failure"
    );

    // The file is back; once due, it comes and makes a new version.
    s.clear_path_faults();
    let out = h.run(&["failures", "--retry", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    crawl_ok(&h);
    assert_eq!(count_target(s, &pdf), 3);
    let versions = report_versions(&h);
    assert_eq!(versions.len(), 2, "the attachment makes a new version");
    let attachment = &versions[1]["attachments"][0];
    assert!(attachment["sha256"].is_string(), "{attachment}");
    assert_eq!(attachment["missing"], Value::Null, "{attachment}");
    // Nothing is missing any more: `failures --retry` has nothing to put back.
    let out = h.run(&["failures", "--retry", &url]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// The no-metadata site's second list page (four items a page, newest first).
const LIST_PAGE_TWO: &str = "/zwgk/xxgknb/index_1.html";

/// What `status --format json` counts for reports missing attachments: in total, and for the
/// site's portal.
fn waiting_counts(h: &Harness, site: &SiteHandle) -> (Vec<u64>, Vec<u64>) {
    let status = h.json_of(&["status", "--format", "json"]);
    let keys = [
        "attachments_due",
        "attachments_later",
        "attachments_gone",
        "attachments_oversize",
    ];
    let of = |v: &Value| -> Vec<u64> {
        keys.iter()
            .map(|k| {
                v[k].as_u64()
                    .unwrap_or_else(|| panic!("no {k} in {status}"))
            })
            .collect()
    };
    let portal = status["portals"]
        .as_array()
        .and_then(|all| all.iter().find(|p| p["portal"] == site.portal_name()))
        .unwrap_or_else(|| panic!("the portal in {status}"));
    (of(&status["failures"]), of(&portal["failed_urls"]))
}

/// A 404 at `path`, every time.
fn not_found(path: &str) -> nianbao_sim::PathFault {
    at(
        path,
        FaultKind::Status {
            status: 404,
            retry_after: None,
        },
    )
}

/// Moves a waiting report's retry time to now, as a day passing would.
fn let_a_day_pass(h: &Harness, url: &str) {
    common::edit_attachment_wait(&h.data_dir(), url, |retry| {
        retry.next_retry_at = chrono::Utc::now()
    });
}

#[test]
fn a_waiting_report_the_nightly_walk_does_not_reach_is_fetched_once_due() {
    // Published between the 2021 and the 2020 reports: on the list's second page, which a
    // nightly crawl does not walk once the first holds only known items.
    let h = harness_with_pdf_at("2021-06-01 09:00", "failed_retry_first = \"1d\"", "");
    let s = h.sim.site("nometa");
    let (page, pdf) = report_paths(s);
    let url = s.url(&page).to_string();
    s.add_path_fault(not_found(&pdf));
    crawl_ok(&h);
    let asked = || {
        (
            count_target(s, LIST_PAGE_TWO),
            count_target(s, &page),
            count_target(s, &pdf),
        )
    };
    assert_eq!(asked(), (1, 1, 1), "the first crawl walks the whole list");
    let versions = report_versions(&h);
    assert_eq!(versions[0]["attachments"][0]["missing"], "http_404");

    // Right after: the walk stops on the first page and the report is not due.
    crawl_ok(&h);
    assert_eq!(
        asked(),
        (1, 1, 1),
        "walked on, or asked before its retry time"
    );

    // In between, `failures` lists it and `status` counts it.
    let listed = h.json_of(&["failures", "--format", "json"]);
    assert_eq!(listed["failed"], serde_json::json!([]), "{listed}");
    let waiting = listed["waiting_for_attachments"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"));
    assert_eq!(waiting.len(), 1, "{listed}");
    let w = &waiting[0];
    assert_eq!(w["url"], url.as_str(), "{w}");
    assert_eq!(w["status"], "archived_waiting_for_attachments", "{w}");
    assert_eq!(w["missing"], serde_json::json!({"http_404": 1}), "{w}");
    assert_eq!(
        (w["failures"].as_u64(), w["gone"].as_bool()),
        (Some(1), Some(false)),
        "{w}"
    );
    assert!(w["next_retry_at"].is_string(), "{w}");
    let text = h.run(&["failures"]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(
        text.contains(&url) && text.contains("waiting for attachments (1 http_404)"),
        "{text}"
    );
    assert!(
        h.json_of(&["failures", "--gone", "--format", "json"])["waiting_for_attachments"]
            .as_array()
            .is_some_and(|g| g.is_empty())
    );
    let later = vec![0, 1, 0, 0];
    assert_eq!(waiting_counts(&h, s), (later.clone(), later.clone()));
    let text = h.run(&["status"]);
    assert!(
        String::from_utf8_lossy(&text.stdout)
            .contains("reports missing attachments: 0 due, 1 later, 0 gone, 0 too large"),
        "{}",
        String::from_utf8_lossy(&text.stdout)
    );

    // A day later it is due, but the report's own page fails (a 404 every time): the run
    // after does not ask again at once, the attempt counts as one more failure of its wait.
    let_a_day_pass(&h, &url);
    let due = vec![1, 0, 0, 0];
    assert_eq!(waiting_counts(&h, s), (due.clone(), due));
    s.add_path_fault(not_found(&page));
    crawl_ok(&h);
    let (_, page_asked, _) = asked();
    assert!(page_asked > 1, "the due report was asked for: {page_asked}");
    crawl_ok(&h);
    assert_eq!(asked(), (1, page_asked, 1), "asked again at once");
    let listed = h.json_of(&["failures", "--format", "json"]);
    assert_eq!(
        listed["waiting_for_attachments"][0]["failures"], 2,
        "{listed}"
    );
    assert_eq!(waiting_counts(&h, s), (later.clone(), later));

    // Once due again, the next nightly fetches the report and its attachment (back now)
    // without walking the page that links it.
    let_a_day_pass(&h, &url);
    s.clear_path_faults();
    crawl_ok(&h);
    assert_eq!(asked(), (1, page_asked + 1, 2));
    let versions = report_versions(&h);
    assert_eq!(versions.len(), 2, "the attachment makes a new version");
    let attachment = &versions[1]["attachments"][0];
    assert!(attachment["sha256"].is_string(), "{attachment}");
    assert_eq!(
        versions[1]["publish_date"], versions[0]["publish_date"],
        "queued with the list's date as evidence"
    );
    // Complete: neither listed nor counted.
    let listed = h.json_of(&["failures", "--format", "json"]);
    assert_eq!(
        listed["waiting_for_attachments"],
        serde_json::json!([]),
        "{listed}"
    );
    let none = vec![0, 0, 0, 0];
    assert_eq!(waiting_counts(&h, s), (none.clone(), none));
}

#[test]
fn tables_of_a_report_published_only_as_a_pdf_are_read_from_its_text() {
    if !have_tool(
        "pdftotext",
        "tables_of_a_report_published_only_as_a_pdf_are_read_from_its_text",
    ) {
        return;
    }
    let h = harness();
    let out = h.run(&["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let record = report_record(&h);
    let id = record["id"].as_str().expect("id");
    let out = h.run(&["tables", "--id", id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let t: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
    let attachment = &record["attachments"][0];
    assert_eq!(t["template"], "2021", "{t}");
    assert_eq!(t["read_from"]["url"], attachment["url"], "{t}");
    assert_eq!(t["read_from"]["text_path"], attachment["text_path"]);
    // Every number of table 三 as the PDF draws it, each in its row and column.
    let rows = nianbao_sim::attachment_table_rows(TITLE, 2025);
    let cells = t["cells"].as_array().expect("cells");
    let t3: Vec<&Value> = cells.iter().filter(|c| c["table"] == 3).collect();
    assert_eq!(t3.len(), rows.len() * 7, "{t}");
    for (row, (label, values)) in rows.iter().enumerate() {
        let printed: Vec<u64> = t3[row * 7..row * 7 + 7]
            .iter()
            .map(|c| c["value"].as_u64().unwrap_or(0))
            .collect();
        assert_eq!(&printed, values, "{label}: {t}");
    }
    // The table balances, and the checks say so.
    let balance: Vec<&Value> = t["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter(|c| c["check"] == "t3_balance")
        .collect();
    assert!(!balance.is_empty(), "{t}");
    assert!(balance.iter().all(|c| c["status"] == "pass"), "{balance:?}");
}
