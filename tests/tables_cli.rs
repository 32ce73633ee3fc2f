//! Issue 12, end to end: crawl simulated portals with the real binary, then `nianbao tables` in
//! JSON lines and CSV. The simulator's reports carry 2019-format tables for 2019/2020 and 2021-
//! format tables after; 阿拉山口市's 2021 report states a 上年结转 two more than its 2020 report
//! carried forward (the failing pair), 台上镇's 2020/2021 pair agrees (the passing pair). 集安市
//! writes its tables in Traditional characters (and Big5 bytes).

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{Harness, raw_file, stderr};
use nianbao_sim::SiteSpec;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(40);

fn crawled() -> Harness {
    let sites = ["gbk", "nometa", "big5"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect();
    let h = Harness::with_sites(sites, INTERVAL);
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    h
}

fn lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is a JSON object"))
        .collect()
}

fn by_year<'a>(objects: &'a [Value], portal: &str, year: i64) -> &'a Value {
    objects
        .iter()
        .filter(|o| o["portal"] == portal && o["report_year"] == year)
        .max_by_key(|o| o["seq"].as_u64())
        .unwrap_or_else(|| panic!("no {portal} {year} report in the tables output"))
}

fn check<'a>(object: &'a Value, name: &str, scope: &str) -> &'a Value {
    object["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["check"] == name && c["scope"] == scope)
        .unwrap_or_else(|| panic!("no {name}/{scope} check in {}", object["id"]))
}

#[test]
fn tables_of_a_crawled_archive_with_cross_year_pass_and_fail() {
    let h = crawled();
    let out = h.run(&["tables"]);
    assert!(out.status.success(), "tables: {}", stderr(&out));
    let objects = lines(&out);
    let reports = h
        .export()
        .into_iter()
        .filter(|r| r["is_annual_report"] == true)
        .count();
    assert_eq!(
        objects.len(),
        reports,
        "one object per annual-report version"
    );
    for o in &objects {
        for key in [
            "id",
            "version",
            "seq",
            "portal",
            "issuing_body",
            "report_year",
            "template",
            "cells",
            "figures",
            "checks",
        ] {
            assert!(o.get(key).is_some(), "{key} missing in {o}");
        }
        let year = o["report_year"].as_i64().expect("report_year");
        let want = match year {
            2021.. => "2021",
            2019 | 2020 => "2019",
            // 集安市's older Traditional pages carry a small table of their own: not a template.
            _ if o["portal"] == "集安市人民政府" => "unknown",
            _ => "free",
        };
        // 阿拉山口市's 2022 report also links a PDF; its tables are on the page all the same.
        assert_eq!(o["template"], want, "{} {year}", o["portal"]);
        // Every simulated table balances: no in-report check fails.
        for c in o["checks"].as_array().expect("checks") {
            if c["check"] != "carried_over_vs_last_year" {
                assert_ne!(c["status"], "fail", "{} {year}: {c}", o["portal"]);
            }
        }
        if want == "2021" || want == "2019" {
            let t3 = o["cells"]
                .as_array()
                .expect("cells")
                .iter()
                .filter(|c| c["table"] == 3)
                .count();
            assert_eq!(
                t3,
                if want == "2021" { 175 } else { 161 },
                "{} {year}",
                o["portal"]
            );
            let figure = o["figures"]
                .as_array()
                .expect("figures")
                .iter()
                .find(|f| f["kind"] == "applications")
                .expect("收到申请 figure");
            assert!(
                figure["sentence"]
                    .as_str()
                    .expect("sentence")
                    .contains("收到政府"),
                "{figure}"
            );
            assert_eq!(check(o, "text_vs_table", "applications")["status"], "pass");
        }
    }
    // The failing pair: 2021 上年结转 = 2020 结转下年度 + 2, with both numbers reported.
    let fail = check(
        by_year(&objects, "阿拉山口市人民政府", 2021),
        "carried_over_vs_last_year",
        "natural",
    );
    assert_eq!(fail["status"], "fail", "{fail}");
    let (left, right) = (
        fail["left"].as_f64().expect("left"),
        fail["right"].as_f64().expect("right"),
    );
    assert_eq!(left, right + 2.0, "{fail}");
    assert_eq!(
        check(
            by_year(&objects, "阿拉山口市人民政府", 2022),
            "carried_over_vs_last_year",
            "natural"
        )["status"],
        "pass"
    );
    // The passing pair across the change of format, and the 现行有效 rule from 2022 on.
    let pass = by_year(&objects, "台上镇人民政府", 2021);
    for col in ["natural", "commercial", "total"] {
        assert_eq!(
            check(pass, "carried_over_vs_last_year", col)["status"],
            "pass",
            "{col}"
        );
    }
    assert_eq!(
        check(
            by_year(&objects, "台上镇人民政府", 2023),
            "in_force_vs_last_year",
            "normative_docs"
        )["status"],
        "pass"
    );
    // 2021 follows a 2019-format report, which has no 现行有效 column.
    assert_eq!(
        check(pass, "in_force_vs_last_year", "normative_docs")["status"],
        "not_assessable"
    );
    // The first report with tables has no year before it in the archive.
    assert_eq!(
        check(
            by_year(&objects, "台上镇人民政府", 2019),
            "carried_over_vs_last_year",
            "total"
        )["status"],
        "not_assessable"
    );

    // One version by id, as a feed consumer asks for it.
    let one = by_year(&objects, "阿拉山口市人民政府", 2021);
    let id = one["id"].as_str().expect("id");
    let version = one["version"].to_string();
    let out = h.run(&["tables", "--id", id, "--version", &version]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(lines(&out), std::slice::from_ref(one));
    let missing = h.run(&["tables", "--id", id, "--version", "99"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains(id), "{}", stderr(&missing));

    // CSV: one row per cell, the same cells as the JSON lines.
    let out = h.run(&["tables", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8(out.stdout).expect("UTF-8");
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some(
            "id,version,seq,portal,issuing_body,report_year,template,table,row_key,col_key,row_label,col_label,raw,value,state"
        )
    );
    let rows: Vec<&str> = rows.collect();
    let cells: usize = objects
        .iter()
        .map(|o| o["cells"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(rows.len(), cells);
    let carried = one["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .find(|c| c["row_key"] == "carried_over" && c["col_key"] == "natural")
        .expect("carried_over cell");
    let wanted = format!(
        ",2021,2021,3,carried_over,natural,二、上年结转政府信息公开申请数量,自然人,{},",
        carried["raw"].as_str().expect("raw")
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with(id) && r.contains(&wanted)),
        "no CSV row with {wanted}"
    );

    // --since: only later versions.
    let since = objects[objects.len() / 2]["seq"].as_u64().expect("seq");
    let later = lines(&h.run(&["tables", "--since", &since.to_string()]));
    assert!(!later.is_empty() && later.iter().all(|o| o["seq"].as_u64() > Some(since)));
}

#[test]
fn a_damaged_raw_file_is_named_and_the_rest_still_printed() {
    let h = crawled();
    let records = h.export();
    let victim = records
        .iter()
        .find(|r| r["is_annual_report"] == true)
        .expect("a report");
    let path = raw_file(&h.data_dir(), victim);
    std::fs::write(&path, b"<html>not what was archived").expect("damage the raw file");
    let out = h.run(&["tables"]);
    assert!(!out.status.success(), "a damaged raw file fails the run");
    let err = stderr(&out);
    let id = victim["id"].as_str().expect("id");
    assert!(
        err.contains(id) && err.contains(victim["raw_path"].as_str().expect("raw_path")),
        "{err}"
    );
    let objects = lines(&out);
    let reports: HashMap<_, _> = objects
        .iter()
        .map(|o| (o["id"].as_str().unwrap_or("").to_string(), o))
        .collect();
    assert!(
        reports[id]["error"]
            .as_str()
            .is_some_and(|e| e.contains("damaged") || e.contains(id))
    );
    assert!(objects.len() > 1, "the other versions are still printed");
}

/// A report year at the bottom of its range in the index (a damaged or hand-edited record) is
/// printed as it is: the year before it, looked up for the checks across years, does not exist.
#[test]
fn a_report_year_at_the_end_of_its_range_is_printed_not_a_panic() {
    let h = crawled();
    let records = h.export();
    let victim = records
        .iter()
        .find(|r| r["is_annual_report"] == true)
        .expect("a report");
    {
        let db = sled::open(h.data_dir().join("index")).expect("open the index");
        let versions = db.open_tree("versions").expect("versions");
        let seq = victim["seq"].as_u64().expect("seq");
        let mut record = victim.clone();
        record["report_year"] = i32::MIN.into();
        versions
            .insert(
                seq.to_be_bytes(),
                serde_json::to_vec(&record).expect("json"),
            )
            .expect("write the record");
        db.flush().expect("flush");
    }
    let out = h.run(&["tables", "--id", victim["id"].as_str().expect("id")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let objects = lines(&out);
    assert_eq!(objects.len(), 1, "{objects:?}");
    assert_eq!(objects[0]["report_year"], i32::MIN);
}
