//! A site revamp that re-publishes the reports at new URLs with a new template and a new line of
//! text, through the real binary: the second crawl's new documents name the archived report
//! they re-publish (`same_report_as`) in the export and the feed, `status` and the run report
//! count them; another department's report of the same year, title and all-zero template, and
//! a report whose figures changed, are not linked. Damaged index values are named, never a
//! panic.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::route_server::{
    RouteServer, exported, newest_run_report, numbered_portal, portals_config, record_ending,
    run_nianbao,
};
use common::stderr;
use serde_json::Value;

const PORTAL: &str = "某某县人民政府";
/// The generic title two departments give their reports.
const GENERIC: &str = "2022年政府信息公开工作年度报告";

/// A report: its title, issuing body and figures (主动公开, 政策文件, 解读, 规范性文件, 申请, 予以公开).
struct Report {
    title: &'static str,
    body: &'static str,
    figures: [u32; 6],
}

const COUNTY: Report = Report {
    title: "某某县人民政府2022年政府信息公开工作年度报告",
    body: "某某县人民政府办公室",
    figures: [5975, 12, 21, 4, 37, 30],
};
const FINANCE: Report = Report {
    title: GENERIC,
    body: "某某县财政局",
    figures: [0; 6],
};
const EDUCATION: Report = Report {
    title: GENERIC,
    body: "某某县教育局",
    figures: [0; 6],
};
const PLANNING: Report = Report {
    title: "某某县发展和改革局2022年政府信息公开工作年度报告",
    body: "某某县发展和改革局",
    figures: [120, 8, 3, 1, 6, 5],
};
/// The planning bureau's report as re-published: other figures.
const PLANNING_CORRECTED: Report = Report {
    figures: [121, 8, 3, 1, 6, 5],
    ..PLANNING
};

/// The report's text: the template of the 2021 format, the body named only in its 发布机构
/// line, as many township and department reports are.
fn text(r: &Report) -> String {
    let [a, b, c, d, e, f] = r.figures;
    format!(
        "<p>发布机构：{body}</p><p>一、总体情况</p><p>2022年，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，\
         主动公开政府信息{a}条，其中政策文件{b}条，政策解读{c}条。</p><p>二、主动公开政府信息情况</p>\
         <p>本年制发规章0件，规范性文件{d}件，废止规范性文件0件。</p><p>三、收到和处理政府信息公开申请情况</p>\
         <p>本年新收政府信息公开申请{e}件，办理结果予以公开{f}件，不予公开0件。</p>\
         <p>四、政府信息公开行政复议、行政诉讼情况</p><p>行政复议0件，行政诉讼0件。</p>\
         <p>五、存在的主要问题及改进情况</p><p>公开内容还不够全面，信息更新还不够及时，下一步将加强业务培训，提高公开质量。</p>\
         <p>六、其他需要报告的事项</p><p>本年度未收取信息处理费。</p>",
        body = r.body
    )
}

/// The old CMS's page.
fn old_page(r: &Report) -> Vec<u8> {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1>\
         <div class=\"content\">{text}</div></body></html>",
        t = r.title,
        text = text(r)
    )
    .into_bytes()
}

/// The new CMS's page: other markup, a header with the time in the body, a share line.
fn new_page(r: &Report) -> Vec<u8> {
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{t}_某某县人民政府</title></head><body>\
         <div class=\"header\">某某县人民政府 网站首页</div><div class=\"main\"><h2 class=\"art-title\">{t}</h2>\
         <div class=\"article-content\"><p class=\"art-info\">发布时间：2023-01-20 10:30:00</p>{text}\
         <p class=\"qr\">扫一扫在手机打开当前页</p></div></div></body></html>",
        t = r.title,
        text = text(r)
    )
    .into_bytes()
}

/// The portal: before the revamp reports 1-3 at `/art/N.html` on the old template; after it,
/// the list shows 101-103 (the same reports, the planning bureau's with other figures) and the
/// education bureau's 104, all on the new template, and the old URLs answer 404.
fn portal(revamped: Arc<AtomicBool>) -> RouteServer {
    let server = RouteServer::bind("127.0.0.1");
    server.serve(Arc::new(move |target: &str| {
        let after = revamped.load(Ordering::SeqCst);
        let ids: &[usize] = if after { &[104, 103, 102, 101] } else { &[3, 2, 1] };
        numbered_portal(
            target,
            1,
            |_| {
                let entries: String = ids
                    .iter()
                    .map(|id| format!("<li><a href=\"/art/{id}.html\">报告{id}</a><span>2023-01-20</span></li>"))
                    .collect();
                format!(
                    "<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>{entries}</ul></body></html>"
                )
                .into_bytes()
            },
            |id| match (after, id) {
                (false, 1) => Some(old_page(&COUNTY)),
                (false, 2) => Some(old_page(&FINANCE)),
                (false, 3) => Some(old_page(&PLANNING)),
                (true, 101) => Some(new_page(&COUNTY)),
                (true, 102) => Some(new_page(&FINANCE)),
                (true, 103) => Some(new_page(&PLANNING_CORRECTED)),
                (true, 104) => Some(new_page(&EDUCATION)),
                _ => None,
            },
        )
    }));
    server
}

fn crawl(config: &std::path::Path) {
    let out = run_nianbao(config, &["crawl"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The portal crawled before its revamp and after it (with `between` run in between, on the
/// data_dir): the server, the scratch folder, the config and the export after the revamp.
fn revamp(
    between: impl FnOnce(&std::path::Path),
) -> (
    RouteServer,
    tempfile::TempDir,
    std::path::PathBuf,
    Vec<Value>,
) {
    let revamped = Arc::new(AtomicBool::new(false));
    let server = portal(revamped.clone());
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[(PORTAL, format!("{}/xxgk/list.html", server.base))],
    );
    crawl(&config);
    let before = exported(&config);
    assert_eq!(before.len(), 3, "{before:?}");
    for r in &before {
        assert!(r["is_annual_report"].as_bool().unwrap_or(false), "{r}");
        assert_eq!(r["report_year"], 2022, "{r}");
    }
    between(&dir.path().join("data"));
    revamped.store(true, Ordering::SeqCst);
    crawl(&config);
    for id in [101, 102, 103, 104] {
        let path = format!("/art/{id}.html");
        let asked = server.requests().iter().filter(|t| **t == path).count();
        assert_eq!(asked, 1, "{path} asked once");
    }
    let after = exported(&config);
    (server, dir, config, after)
}

/// The links the export shows after the revamp: each new URL's `same_report_as`, and the old
/// URLs' none.
fn assert_links(after: &[Value]) {
    let id_of = |path: &str| record_ending(after, path)["id"].clone();
    let linked = |path: &str| record_ending(after, path)["same_report_as"].clone();
    assert_eq!(linked("/art/101.html")["id"], id_of("/art/1.html"));
    assert_eq!(linked("/art/102.html")["id"], id_of("/art/2.html"));
    // Another department's report of the same year, title and all-zero template: not linked.
    assert_eq!(linked("/art/104.html"), Value::Null);
    // The planning bureau's report with another figure: a report of its own.
    assert_eq!(linked("/art/103.html"), Value::Null);
    // The archived documents gain nothing.
    for old in ["/art/1.html", "/art/2.html", "/art/3.html"] {
        assert_eq!(linked(old), Value::Null, "{old}");
    }
}

#[test]
fn a_revamp_links_each_re_published_report_to_the_archived_one() {
    let (_server, dir, config, after) = revamp(|_| {});
    // A link, not a merge: every document and version stays.
    assert_eq!(after.len(), 7, "{after:?}");
    let linked = |path: &str| record_ending(&after, path)["same_report_as"].clone();
    assert_links(&after);
    let evidence = &linked("/art/101.html")["evidence"];
    let jaccard = evidence["text_jaccard"].as_f64().expect("a Jaccard");
    assert!((0.8..1.0).contains(&jaccard), "{evidence}");
    assert_eq!(
        evidence["numbers_added"], 6,
        "the header's date and time: {evidence}"
    );

    // The feed's records are the export's.
    let out = run_nianbao(&config, &["feed", "--consumer", "t"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(
        record_ending(&fed, "/art/101.html")["same_report_as"],
        linked("/art/101.html")
    );
    assert_eq!(
        record_ending(&fed, "/art/104.html")["same_report_as"],
        Value::Null
    );

    let report = newest_run_report(dir.path());
    assert_eq!(report["portals"][PORTAL]["linked"], 2, "{report}");
    // And the standing count at the run's end, which `status --all-shards` reads.
    assert_eq!(report["portals"][PORTAL]["linked_now"], 2, "{report}");
    assert_eq!(report["portals"][PORTAL]["new_documents"], 4, "{report}");
    let out = run_nianbao(&config, &["status", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let row = status["portals"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
        .expect("the portal's row");
    assert_eq!(row["linked"], 2, "{row}");

    // The coverage report counts a re-published report once, from its first publication, and
    // names its earlier address; the changed report stays two.
    let out = run_nianbao(&config, &["report", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let coverage: Value = serde_json::from_slice(&out.stdout).expect("coverage JSON");
    let cell = |body: &str| -> Value {
        let portal = coverage["portals"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["portal"] == PORTAL))
            .expect("the portal");
        let row = portal["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["issuing_body"] == body))
            .unwrap_or_else(|| panic!("a row for {body}: {portal}"));
        row["cells"]
            .as_array()
            .and_then(|cells| cells.iter().find(|c| c["year"] == 2022))
            .expect("the 2022 cell")
            .clone()
    };
    let county = cell(COUNTY.body);
    let reports = county["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 1, "{county}");
    assert_eq!(
        reports[0]["id"],
        record_ending(&after, "/art/101.html")["id"]
    );
    assert_eq!(
        reports[0]["earlier"][0]["id"],
        record_ending(&after, "/art/1.html")["id"]
    );
    assert!(
        county["note"]
            .as_str()
            .is_some_and(|n| n.contains("/art/1.html")),
        "{county}"
    );
    // The CSV names the earlier address in a column of its own; the changed report's cell
    // names none.
    let out = run_nianbao(&config, &["report", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let csv = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<Vec<String>> = csv.lines().map(csv_fields).collect();
    let column = |name: &str| {
        lines
            .first()
            .and_then(|header| header.iter().position(|h| h == name))
            .unwrap_or_else(|| panic!("a column {name}: {csv}"))
    };
    let (body, year) = (column("issuing_body"), column("year"));
    let earlier = column("earlier_urls");
    let earlier_of = |name: &str| -> String {
        lines
            .iter()
            .find(|l| {
                l.get(body).is_some_and(|b| b == name) && l.get(year).is_some_and(|y| y == "2022")
            })
            .and_then(|l| l.get(earlier))
            .unwrap_or_else(|| panic!("a 2022 line of {name}: {csv}"))
            .clone()
    };
    assert_eq!(
        Some(earlier_of(COUNTY.body).as_str()),
        record_ending(&after, "/art/1.html")["url"].as_str(),
        "{csv}"
    );
    assert_eq!(earlier_of(PLANNING.body), "", "{csv}");
    assert_eq!(
        cell(FINANCE.body)["reports"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        cell(EDUCATION.body)["reports"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(
        cell(PLANNING.body)["reports"].as_array().map(Vec::len),
        Some(2)
    );
}

/// One CSV line's fields (RFC 4180: a quoted field may hold commas and doubled quotes).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// A store from an earlier version: its reports are indexed at its next opening without their
/// texts' fingerprints, and read back from their raw files when a new report under their key is
/// committed, so the revamp is linked all the same.
#[test]
fn an_older_stores_reports_are_read_back_and_linked() {
    let (_server, dir, _config, after) = revamp(|data_dir| {
        let store = nianbao::store::Store::open(data_dir).expect("open the store");
        store
            .forget_same_report_index()
            .expect("the store as an earlier version left it");
        drop(store);
        let store = nianbao::store::Store::open(data_dir).expect("reopen migrates");
        assert!(
            store.same_report_unread_possible(),
            "an older store's reports are to be read back"
        );
    });
    assert_links(&after);
    // Every older report was read back: the store's crawls skip the read-back from now on.
    let store = nianbao::store::Store::open(&dir.path().join("data")).expect("open the store");
    assert!(!store.same_report_unread_possible());
}

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

/// Cuts every same-report index entry short, as a crash in its write would: there must be some.
fn cut_index_entries(meta: &sled::Tree) {
    let keys: Vec<_> = meta
        .scan_prefix(b"same_report/")
        .keys()
        .map(|k| k.expect("a key"))
        .collect();
    assert!(!keys.is_empty(), "the crawl indexed its reports");
    for key in keys {
        meta.insert(key, &b"[{\"id\":\"cut"[..])
            .expect("a cut entry");
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

/// A linked count already at u64's end (a value an earlier version or a bit flip left) stays
/// there when the revamp links two more reports: the commits go through and `status` shows it,
/// where the count overflowed and the commit panicked before.
#[test]
fn a_linked_count_at_its_end_stays_there() {
    let (_server, _dir, config, after) = revamp(|data_dir| {
        let db = sled::open(data_dir.join("index")).expect("open the index");
        let meta = db.open_tree("meta").expect("meta tree");
        let linked = format!("same_report_linked/{PORTAL}");
        meta.insert(linked.as_bytes(), &u64::MAX.to_be_bytes())
            .expect("a count at its end");
        db.flush().expect("flush");
    });
    assert_links(&after);
    let out = run_nianbao(&config, &["status", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let row = status["portals"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["portal"] == PORTAL))
        .cloned()
        .unwrap_or_else(|| panic!("the portal's row: {status}"));
    assert_eq!(row["linked"], u64::MAX, "{row}");
}
