//! A damaged record in the index (a cut write, a bad sector) is left out by the commands that
//! read the archive (`export`, `tables`, `verify`, `text`, `report`): each names the key on
//! stderr, handles every other record, and ends with exit code 3.

mod common;

use std::time::Duration;

use common::{Harness, stderr};
use nianbao_sim::SiteSpec;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(40);

/// A crawled archive with two version records (an annual report's and one after it) and one
/// document record overwritten by bytes that are not a record; the seqs and the document id.
fn damaged() -> (Harness, Vec<Value>, [u64; 2], String) {
    let sites = ["gbk", "nometa"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect();
    let h = Harness::with_sites(sites, INTERVAL);
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    let records = h.export();
    assert!(records.len() > 6, "{} records", records.len());
    let first = records
        .iter()
        .find(|r| r["is_annual_report"] == true)
        .expect("an annual report")["seq"]
        .as_u64()
        .expect("seq");
    let second = records[records.len() / 2]["seq"].as_u64().expect("seq");
    assert!(second > first + 1, "two records apart: {first} {second}");
    // A document none of whose versions is one of the two, with one version only.
    let doc = records
        .iter()
        .filter(|r| r["seq"].as_u64() > Some(second) && r["is_annual_report"] == true)
        .map(|r| r["id"].as_str().expect("id").to_string())
        .find(|id| records.iter().filter(|r| r["id"] == id.as_str()).count() == 1)
        .expect("a later report with one version");
    {
        let db = sled::open(h.data_dir().join("index")).expect("open the index");
        let versions = db.open_tree("versions").expect("versions");
        for seq in [first, second] {
            versions
                .insert(seq.to_be_bytes(), &b"{\"seq\":1,\"url\":\"cut"[..])
                .expect("damage the record");
        }
        db.open_tree("docs")
            .expect("docs")
            .insert(doc.as_bytes(), &b"\xff\x00"[..])
            .expect("damage the document record");
        db.flush().expect("flush");
    }
    (h, records, [first, second], doc)
}

fn assert_named(command: &str, out: &std::process::Output, seqs: [u64; 2], doc: &str) {
    assert_eq!(out.status.code(), Some(3), "{command}: {}", stderr(out));
    let err = stderr(out);
    for seq in seqs {
        assert!(err.contains(&format!("version {seq}")), "{command}: {err}");
    }
    assert!(err.contains(doc), "{command}: {err}");
}

#[test]
fn each_reader_leaves_out_the_damaged_records_names_them_and_reads_the_rest() {
    let (h, records, seqs, doc) = damaged();
    let whole: Vec<&Value> = records
        .iter()
        .filter(|r| !seqs.contains(&r["seq"].as_u64().expect("seq")) && r["id"] != doc.as_str())
        .collect();

    let out = h.run(&["export"]);
    assert_named("export", &out, seqs, &doc);
    let exported: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("a JSON line")["seq"]
                .as_u64()
                .expect("seq")
        })
        .collect();
    let expected: Vec<u64> = whole
        .iter()
        .map(|r| r["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(exported, expected, "every other record, in seq order");

    let out = h.run(&["tables"]);
    assert_named("tables", &out, seqs, &doc);
    let reports = whole
        .iter()
        .filter(|r| r["is_annual_report"] == true)
        .count();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().count(),
        reports
    );

    let out = h.run(&["verify"]);
    assert_named("verify", &out, seqs, &doc);
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains(&format!("verified {} versions", whole.len())),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let out = h.run(&["text"]);
    assert_named("text", &out, seqs, &doc);

    let out = h.run(&["report", "--format", "csv"]);
    assert_named("report", &out, seqs, &doc);
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.lines().count() > 1,
        "the matrix is still printed: {csv}"
    );
}

/// WARC is written after the fact (`export --format warc`, and the catch-up at a crawl's start)
/// for versions a crawl without it archived. A damaged version record among them is left out
/// and stays pending, like a damaged raw file: the export ends with exit 3 naming it, and a
/// crawl's catch-up logs it and goes on instead of stopping every night.
#[test]
fn a_damaged_record_pending_for_warc_stops_neither_the_export_nor_the_next_crawl() {
    let sites = vec![SiteSpec::standard_named("gbk").expect("standard site")];
    let h = Harness::with_sites(sites, INTERVAL);
    h.edit_config(|c| c + "\n[warc]\nenabled = false\n");
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    let records = h.export();
    let seq = records[records.len() / 2]["seq"].as_u64().expect("seq");
    {
        let db = sled::open(h.data_dir().join("index")).expect("open the index");
        db.open_tree("versions")
            .expect("versions")
            .insert(seq.to_be_bytes(), &b"{\"seq\":1,\"url\":\"cut"[..])
            .expect("damage the record");
        db.flush().expect("flush");
    }
    h.edit_config(|c| c.replace("enabled = false", "enabled = true"));

    let out = h.run(&["export", "--format", "warc"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "export --format warc: {err}");
    assert!(err.contains(&format!("version {seq}")), "{err}");
    assert!(
        err.contains(&format!("{} other(s) were written", records.len() - 1)),
        "every other version is written: {err}"
    );

    let out = h.run(&["crawl"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "the next crawl: {err}");
    assert!(err.contains(&format!("version {seq}")), "{err}");
}
