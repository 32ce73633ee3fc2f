//! After a site revamp, through the real binary: `inspect` names the archived report a page
//! re-publishes, and damaged same-report values and index entries are named, never a panic, and
//! keep no report out of the archive.

mod common;
mod same_report_support;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use common::route_server::{exported, portals_config, record_ending, run_nianbao};
use common::stderr;
use same_report_support::*;
use serde_json::Value;

/// `nianbao inspect` with a config whose data_dir holds a store: a page that re-publishes an
/// archived report is named the same report as it, with the evidence; another body's page of the
/// same year and title is not, nor is a page at the archived report's own URL (the page itself).
/// With the store held by another process, or with no store, it says nothing of the archive and
/// creates none.
#[test]
fn inspect_names_the_archived_report_a_page_re_publishes() {
    let server = portal(Arc::new(AtomicBool::new(false)));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[(PORTAL, format!("{}/xxgk/list.html", server.base))],
    );
    crawl(&config);
    let archived = exported(&config);
    let old = record_ending(&archived, "/art/1.html");
    // `before` the command (global flags), `after` it (its own).
    let inspect_with = |page: Vec<u8>, path: &str, before: &[&str], after: &[&str]| {
        let file = dir.path().join("page.html");
        std::fs::write(&file, page).expect("save the page");
        let url = format!("{}{path}", server.base);
        let file = file.to_string_lossy().into_owned();
        let mut args: Vec<&str> = before.to_vec();
        args.extend(["inspect", file.as_str(), "--url", url.as_str()]);
        args.extend(after);
        let out = run_nianbao(&config, &args);
        assert!(out.status.success(), "{}", stderr(&out));
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr(&out),
        )
    };
    let inspect = |page: Vec<u8>, path: &str| inspect_with(page, path, &[], &[]);
    let same_line = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("same report as:"))
            .map(str::to_string)
    };

    let (text, _) = inspect(new_page(&COUNTY), "/art/101.html");
    let line = same_line(&text).unwrap_or_else(|| panic!("a same-report line: {text}"));
    let expected = format!(
        "same report as: {} ({}), evidence: text_jaccard ",
        old["id"].as_str().expect("an id"),
        old["url"].as_str().expect("a URL")
    );
    assert!(line.starts_with(&expected), "{line}");
    assert!(line.ends_with(", numbers_added 6"), "{line}");
    let (json, _) = inspect_with(
        new_page(&COUNTY),
        "/art/101.html",
        &[],
        &["--format", "json"],
    );
    let json: Value = serde_json::from_str(&json).expect("inspect's JSON");
    assert_eq!(json["same_report_as"]["id"], old["id"], "{json}");
    assert_eq!(json["same_report_as"]["url"], old["url"], "{json}");
    assert_eq!(
        json["same_report_as"]["evidence"]["numbers_added"], 6,
        "{json}"
    );

    // Another department's report of the same year, title and template: no line.
    let (text, _) = inspect(new_page(&EDUCATION), "/art/104.html");
    assert_eq!(same_line(&text), None, "{text}");
    // The archived page at its own URL is no re-publication of itself.
    let (text, _) = inspect(old_page(&COUNTY), "/art/1.html");
    assert_eq!(same_line(&text), None, "{text}");

    // A crawl holding the store: said on stderr, and the page is inspected all the same.
    let data_dir = dir.path().join("data");
    {
        let _held = nianbao::store::Store::open(&data_dir).expect("hold the store");
        let (text, said) = inspect(new_page(&COUNTY), "/art/101.html");
        assert_eq!(same_line(&text), None, "{text}");
        assert!(text.contains("is_annual_report  true"), "{text}");
        assert!(said.contains("holds the store"), "{said}");
    }
    // No store in data_dir: nothing new, and no store made.
    let elsewhere = dir.path().join("no-store");
    let elsewhere_arg = elsewhere.to_string_lossy().into_owned();
    let (text, said) = inspect_with(
        new_page(&COUNTY),
        "/art/101.html",
        &["--data-dir", elsewhere_arg.as_str()],
        &[],
    );
    assert_eq!(same_line(&text), None, "{text}");
    assert!(!said.contains("store"), "{said}");
    assert!(!elsewhere.exists(), "inspect made no data_dir");
}

/// The same-report index, the linked count and the waiting-text marks as an earlier version or a
/// cut write may leave them in the store: every command that reads them (`status`, `export`,
/// `report`, `inspect`, a crawl and its retext pass) ends without a panic, and one that cannot
/// go on names the key it could not read.
#[test]
fn damaged_same_report_values_are_named_never_a_panic() {
    let server = portal(Arc::new(AtomicBool::new(false)));
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[(PORTAL, format!("{}/xxgk/list.html", server.base))],
    );
    crawl(&config);
    {
        let db = sled::open(dir.path().join("data").join("index")).expect("open the index");
        let meta = db.open_tree("meta").expect("meta tree");
        cut_index_entries(&meta);
        let linked = format!("same_report_linked/{PORTAL}");
        meta.insert(linked.as_bytes(), &[1u8, 2, 3][..])
            .expect("a cut count");
        meta.insert(&b"text_waiting/\x01"[..], &[0xffu8, 0xfe][..])
            .expect("a short mark");
        db.flush().expect("flush");
    }
    let page = dir.path().join("page.html");
    std::fs::write(&page, new_page(&COUNTY)).expect("save the page");
    let url = format!("{}/art/101.html", server.base);
    let page = page.to_string_lossy().into_owned();
    let linked = format!("same_report_linked/{PORTAL}");
    let entry = format!("index record same_report/{PORTAL}");
    // (command, exit code, what stderr must say)
    let expected: [(&[&str], i32, &str); 6] = [
        (&["status"], 3, &linked),
        (&["status", "--format", "json"], 3, &linked),
        (&["export"], 0, ""),
        (&["report", "--format", "json"], 0, ""),
        (
            &["inspect", page.as_str(), "--url", url.as_str()],
            0,
            &entry,
        ),
        (&["crawl"], 0, &linked),
    ];
    for (args, code, named) in expected {
        let out = run_nianbao(&config, args);
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?} names {named}: {err}");
    }
}

/// A same-report index entry an earlier version or a cut write left unreadable does not keep
/// the revamp's reports out of the archive: each is archived (not linked: the evidence is
/// gone), and the damaged entries are written afresh.
#[test]
fn a_damaged_index_entry_keeps_no_report_out_of_the_archive() {
    let (_server, dir, _config, after) = revamp(|data_dir| {
        let db = sled::open(data_dir.join("index")).expect("open the index");
        cut_index_entries(&db.open_tree("meta").expect("meta tree"));
        db.flush().expect("flush");
    });
    for path in ["/art/101.html", "/art/102.html", "/art/103.html"] {
        let record = record_ending(&after, path);
        assert!(record["same_report_as"].is_null(), "{record}");
    }
    let db = sled::open(dir.path().join("data").join("index")).expect("open the index");
    let meta = db.open_tree("meta").expect("meta tree");
    for entry in meta.scan_prefix(b"same_report/").values() {
        let value = entry.expect("a value");
        assert!(
            serde_json::from_slice::<Value>(&value).is_ok(),
            "written afresh: {}",
            String::from_utf8_lossy(&value)
        );
    }
}
