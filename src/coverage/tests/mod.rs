//! The matrix from hand-made export records and run reports.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

use super::*;
use crate::export::{AttachmentRecord, ExportRecord};
use crate::report::{PortalReport, RunReport, STOP_KNOWN_ITEMS, YearCount};

mod let_go;
mod page_data;
mod trouble;

/// What the matrix reads of each record.
fn versions(records: &[ExportRecord]) -> Vec<ReportVersion> {
    records.iter().map(ReportVersion::from).collect()
}

/// A complete export record of an annual report, as a test of the matrix (or of what feeds it)
/// needs one.
pub(crate) fn record(
    portal: &str,
    id: &str,
    version: u32,
    body: &str,
    year: i32,
    published: &str,
) -> ExportRecord {
    let mut r: ExportRecord = serde_json::from_value(serde_json::json!({
        "id": id, "version": version, "seq": 0, "portal": portal,
        "url": format!("http://a.example/{id}.html"), "aliases": [], "list_url": null,
        "fetched_at": format!("2025-05-0{version}T10:00:00Z"), "http_status": 200,
        "content_type": "text/html; charset=utf-8", "charset": "UTF-8", "charset_source": "meta",
        "sha256": "00", "content_hash": "00", "raw_path": format!("raw/00/{id}{version}"),
        "title": format!("{body}{year}年政府信息公开工作年度报告"), "issuing_body": body,
        "index_number": null, "doc_number": null, "publish_date": published,
        "report_year": year, "is_annual_report": true, "fields": {}, "provenance": {},
        "attachments": []
    }))
    .expect("a complete export record");
    r.seq = u64::from(version);
    r
}

fn run(id: &str, portals: Vec<(&str, PortalReport)>) -> RunReport {
    RunReport {
        run_id: id.into(),
        command: "crawl".into(),
        started_at: format!("{id}T02:30:00Z"),
        finished_at: Some(format!("{id}T02:40:00Z")),
        portals: portals
            .into_iter()
            .map(|(n, p)| (n.to_string(), p))
            .collect(),
        ..RunReport::default()
    }
}

fn complete() -> PortalReport {
    let all = YearCount {
        stated: Some(4),
        found: 4,
        pages: 1,
        stated_pages: Some(1),
        ..YearCount::default()
    };
    PortalReport {
        lists: [("all".to_string(), all)].into(),
        ..PortalReport::default()
    }
}

fn cell<'a>(c: &'a Coverage, portal: &str, body: &str, year: i32) -> &'a Cell {
    let p = c
        .portals
        .iter()
        .find(|p| p.portal == portal)
        .expect("portal");
    let row = p.rows.iter().find(|r| r.issuing_body == body).expect("row");
    row.cells.iter().find(|c| c.year == year).expect("year")
}

#[test]
fn each_cell_state_from_records_and_runs() {
    let today = NaiveDate::from_ymd_opt(2025, 2, 15).expect("date");
    let mut pdf = record("甲市", "d4", 1, "甲市人民政府办公室", 2021, "2022-03-01");
    pdf.attachments.push(AttachmentRecord {
        url: "http://a.example/f.pdf".into(),
        name: None,
        content_type: Some("application/pdf".into()),
        sha256: None,
        raw_path: Some("raw/00/pdf".into()),
        text: Default::default(),
        missing: None,
        max_body_bytes: None,
        tls_unverified: false,
        report_withdrawn: None,
    });
    let records = vec![
        record("甲市", "d1", 1, "甲市教育局", 2022, "2023-01-20"),
        record("甲市", "d2", 1, "甲市教育局", 2023, "2024-03-05"),
        record("甲市", "d3", 1, "甲市人民政府办公室", 2023, "2024-03-05"),
        record("甲市", "d3", 2, "甲市人民政府办公室", 2023, "2024-03-05"),
        pdf,
    ];
    let blocked = PortalReport {
        unreachable: true,
        blocked: 2,
        ..PortalReport::default()
    };
    let incomplete = {
        let mut p = complete();
        p.lists
            .get_mut("all")
            .expect("all")
            .stops
            .insert("page 2 failed".into());
        p
    };
    let runs = vec![run(
        "2025-02-01",
        vec![
            ("甲市", complete()),
            ("乙县", blocked),
            ("丙镇", incomplete),
        ],
    )];
    let configured = vec![
        ("甲市".to_string(), None),
        ("乙县".to_string(), None),
        ("丙镇".to_string(), None),
    ];
    let c = build(&configured, &versions(&records), &runs, today, "now".into());
    assert_eq!(c.years.len() as i32, YEARS_SHOWN, "{:?}", c.years);

    let on_time = cell(&c, "甲市", "甲市教育局", 2022);
    assert_eq!(on_time.state, CellState::Captured);
    assert_eq!(on_time.reports[0].kind, "html");
    let late = cell(&c, "甲市", "甲市教育局", 2023);
    assert_eq!(late.state, CellState::CapturedLate, "{}", late.note);
    assert!(
        late.note.contains("department: 31 January") && late.note.contains("局"),
        "{}",
        late.note
    );
    // The same date is on time for a government (31 March), and a second version marks a change.
    let changed = cell(&c, "甲市", "甲市人民政府办公室", 2023);
    assert_eq!(changed.state, CellState::Changed);
    assert!(!changed.late && changed.changed);
    assert_eq!(changed.reports[0].versions.len(), 2);
    assert_eq!(
        cell(&c, "甲市", "甲市人民政府办公室", 2021).reports[0].kind,
        "html+pdf"
    );
    // Walked completely, nothing there; and the 2024 report is not due before 31 March 2025
    // for the government, but was due on 31 January for the department.
    assert_eq!(
        cell(&c, "甲市", "甲市教育局", 2020).state,
        CellState::NotFound
    );
    assert_eq!(
        cell(&c, "甲市", "甲市人民政府办公室", 2024).state,
        CellState::NotYetDue
    );
    assert_eq!(
        cell(&c, "甲市", "甲市教育局", 2024).state,
        CellState::NotFound
    );

    let b = cell(&c, "乙县", "乙县", 2020);
    assert_eq!(b.state, CellState::NotWalked);
    assert!(b.note.contains("blocked"), "{}", b.note);
    let p = c
        .portals
        .iter()
        .find(|p| p.portal == "乙县")
        .expect("portal");
    assert_eq!(p.walk_now.as_deref(), Some("blocked"));
    assert_eq!(p.trouble.len(), 1);
    assert_eq!(p.last_successful_run, None);
    let i = cell(&c, "丙镇", "丙镇", 2020);
    assert_eq!(i.state, CellState::NotWalked);
    assert!(i.note.contains("page 2 failed"), "{}", i.note);

    let csv = render_csv(&c);
    assert_eq!(
        csv.lines().count(),
        1 + (2 + 1 + 1) * c.years.len(),
        "a line per cell"
    );
    assert!(csv.contains(
        "甲市,甲市教育局,department,2023,captured_late,true,false,2024-01-31,2024-03-05,html,1,"
    ));
}

#[test]
fn a_nightly_stop_looks_back_for_a_complete_walk() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let mut nightly = complete();
    nightly
        .lists
        .get_mut("all")
        .expect("all")
        .stops
        .insert(STOP_KNOWN_ITEMS.into());
    nightly.lists.get_mut("all").expect("all").stated_pages = Some(3);
    let records = vec![record("甲市", "d1", 1, "甲市教育局", 2022, "2023-01-20")];
    let configured = vec![("甲市".to_string(), None)];
    let only_nightly = vec![run("2025-05-02", vec![("甲市", nightly.clone())])];
    let c = build(
        &configured,
        &versions(&records),
        &only_nightly,
        today,
        "now".into(),
    );
    assert_eq!(
        cell(&c, "甲市", "甲市教育局", 2019).state,
        CellState::NotWalked
    );
    let with_backfill = vec![
        run("2025-05-02", vec![("甲市", nightly)]),
        run("2025-05-01", vec![("甲市", complete())]),
    ];
    let c = build(
        &configured,
        &versions(&records),
        &with_backfill,
        today,
        "now".into(),
    );
    assert_eq!(
        cell(&c, "甲市", "甲市教育局", 2019).state,
        CellState::NotFound
    );
}

/// A backfill of 2015-2016 walked the list completely but looked only for those years' reports:
/// a year outside them is not `not_found` by that walk, whether the report names its range in
/// `backfill_years` or, written before that field, in its command; a crawl's walk still counts.
#[test]
fn a_backfill_of_other_years_finds_nothing_missing() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let records = vec![record("甲市", "d1", 1, "甲市教育局", 2015, "2016-01-20")];
    let configured = vec![("甲市".to_string(), None)];
    let backfill = |command: &str, years: Option<[i32; 2]>| RunReport {
        command: command.into(),
        backfill_years: years,
        ..run("2025-05-02", vec![("甲市", complete())])
    };
    for newest in [
        backfill("backfill 2015-2016", Some([2015, 2016])),
        backfill("backfill 2015-2016", None),
    ] {
        let c = build(
            &configured,
            &versions(&records),
            std::slice::from_ref(&newest),
            today,
            "now".into(),
        );
        assert_eq!(
            cell(&c, "甲市", "甲市教育局", 2016).state,
            CellState::NotFound,
            "{}",
            newest.command
        );
        let outside = cell(&c, "甲市", "甲市教育局", 2014);
        assert_eq!(outside.state, CellState::NotWalked, "{}", outside.note);
        assert!(outside.note.contains("other years"), "{}", outside.note);
        let with_crawl = vec![newest, run("2025-05-01", vec![("甲市", complete())])];
        let c = build(
            &configured,
            &versions(&records),
            &with_crawl,
            today,
            "now".into(),
        );
        assert_eq!(
            cell(&c, "甲市", "甲市教育局", 2014).state,
            CellState::NotFound
        );
    }
}

/// 3,000 portals x 17 years, every cell captured (the largest page), stays a few MB.
#[test]
fn the_page_for_3000_portals_stays_small() {
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let mut records = Vec::new();
    let mut configured = Vec::new();
    for p in 0..3000u32 {
        let portal = format!("第{p}县人民政府");
        configured.push((
            portal.clone(),
            Some(format!("http://www{p}.example.gov.cn/zwgk/xxgknb/")),
        ));
        for year in (2026 - YEARS_SHOWN)..2026 {
            let id = format!("{p:04}{year}");
            let mut r = record(
                &portal,
                &id,
                1,
                &portal,
                year,
                &format!("{}-02-0{}", year + 1, 1 + p % 9),
            );
            r.url = format!(
                "http://www{p}.example.gov.cn/zwgk/xxgknb/{}/t{}0215_{}.html",
                year + 1,
                year + 1,
                10000 + p
            );
            let sha = crate::dedup::sha256_hex(id.as_bytes());
            r.raw_path = format!("raw/{}/{sha}", &sha[..2]);
            records.push(r);
        }
    }
    let runs = vec![run(
        "2026-05-01",
        configured
            .iter()
            .map(|(n, _)| (n.as_str(), complete()))
            .collect(),
    )];
    let c = build(&configured, &versions(&records), &runs, today, "now".into());
    let html = render_html(
        &c,
        &Links {
            raw_base: "file:///srv/nianbao/data/".into(),
            replay_base: Some("http://localhost:8080/nianbao/".into()),
        },
    );
    eprintln!(
        "coverage page for 3000 portals x {} years: {} bytes",
        c.years.len(),
        html.len()
    );
    assert_eq!(c.years.len(), 17);
    assert!(html.len() < 4 * 1024 * 1024, "{} bytes", html.len());
    assert!(
        !html.contains("http://") || !html.contains("<link"),
        "no external resources"
    );
    assert!(!html.contains("src=\"http"), "no external scripts");
}

/// A county's reports give it three names over the years (its office's, its own, the bare
/// place name of a title): one row, no gap in the years filed under another name; a
/// department of it stays a row of its own.
#[test]
fn one_body_under_several_names_is_one_row() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let records = vec![
        record("甲县", "d1", 1, "甲县人民政府办公室", 2020, "2021-03-01"),
        record("甲县", "d2", 1, "甲县人民政府", 2021, "2022-03-01"),
        record("甲县", "d3", 1, "甲县", 2022, "2023-03-01"),
        record("甲县", "d4", 1, "甲县人民政府", 2023, "2024-03-01"),
        record("甲县", "d5", 1, "甲縣人民政府辦公室", 2024, "2025-03-01"),
        record("甲县", "d6", 1, "甲县教育局", 2022, "2023-01-20"),
    ];
    let configured = vec![("甲县".to_string(), None)];
    let runs = vec![run("2025-05-02", vec![("甲县", complete())])];
    let c = build(&configured, &versions(&records), &runs, today, "now".into());
    let p = &c.portals[0];
    let names: Vec<&str> = p.rows.iter().map(|r| r.issuing_body.as_str()).collect();
    assert_eq!(names, ["甲县人民政府", "甲县教育局"], "{names:?}");
    let row = &p.rows[0];
    assert_eq!(
        row.also_named,
        ["甲县", "甲县人民政府办公室", "甲縣人民政府辦公室"]
    );
    assert_eq!(row.rule.rule, Rule::Government);
    for year in 2020..=2024 {
        let c = cell(&c, "甲县", "甲县人民政府", year);
        assert_eq!(c.state, CellState::Captured, "{year}: {}", c.note);
    }
    assert_eq!(
        cell(&c, "甲县", "甲县人民政府", 2019).state,
        CellState::NotFound
    );
    assert!(p.rows[1].also_named.is_empty());
    // The other names go to CSV (the column before the withdrawal's two, the delisting and the
    // earlier addresses) and to the page's data.
    let csv = render_csv(&c);
    assert!(
        csv.lines().any(
            |l| l.starts_with("甲县,甲县人民政府,government,2022,captured,")
                && l.ends_with(",甲县;甲县人民政府办公室;甲縣人民政府辦公室,,,,")
        ),
        "{csv}"
    );
}

/// A year whose every report is withdrawn now keeps its captured state and carries the
/// withdrawal of the report that went last, in JSON, CSV and the page's data; a year with one
/// report still served carries none.
#[test]
fn a_year_whose_reports_are_all_withdrawn_is_marked_and_keeps_its_state() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let gone = |since: &str, answer: &str| Withdrawal {
        since: since.into(),
        answer: answer.into(),
    };
    let mut records = vec![
        record("甲市", "d1", 1, "甲市教育局", 2022, "2023-01-20"),
        record("甲市", "d2", 1, "甲市教育局", 2023, "2024-01-20"),
        record("甲市", "d3", 1, "甲市教育局", 2023, "2024-01-25"),
        record("甲市", "d4", 1, "甲市教育局", 2021, "2022-01-20"),
        record("甲市", "d5", 1, "甲市教育局", 2020, "2021-01-20"),
        record("甲市", "d5", 2, "甲市教育局", 2020, "2021-01-20"),
    ];
    records[0].withdrawn = Some(gone("2025-03-01T02:40:00Z", "http_404"));
    // Two reports of 2023: the year is gone once both are, since the second went.
    records[1].withdrawn = Some(gone("2025-03-01T02:40:00Z", "http_410"));
    records[2].withdrawn = Some(gone("2025-04-01T02:40:00Z", "soft_not_found"));
    // A changed report of 2020 withdrawn stays changed.
    records[4].withdrawn = Some(gone("2025-05-01T02:40:00Z", "http_404"));
    records[5].withdrawn = records[4].withdrawn.clone();
    // Taken off its list, still served: delisted. Withdrawn and delisted: withdrawn only.
    let off = |since: &str| {
        Some(crate::store::Delisting {
            since: since.into(),
        })
    };
    records[3].delisted = off("2025-02-01T02:40:00Z");
    records[0].delisted = off("2025-01-01T02:40:00Z");
    let mut half = records.clone();
    half[2].withdrawn = None;
    let runs = vec![run("2025-05-02", vec![("甲市", complete())])];
    let configured = vec![("甲市".to_string(), None)];

    let c = build(&configured, &versions(&records), &runs, today, "now".into());
    let one = cell(&c, "甲市", "甲市教育局", 2022);
    assert_eq!(one.state, CellState::Captured);
    assert_eq!(
        one.withdrawn,
        Some(gone("2025-03-01T02:40:00Z", "http_404"))
    );
    let two = cell(&c, "甲市", "甲市教育局", 2023);
    assert_eq!(
        two.withdrawn,
        Some(gone("2025-04-01T02:40:00Z", "soft_not_found"))
    );
    assert!(two.reports.iter().all(|r| r.withdrawn.is_some()));
    assert_eq!(cell(&c, "甲市", "甲市教育局", 2021).withdrawn, None);
    assert_eq!(
        cell(&c, "甲市", "甲市教育局", 2021).delisted,
        off("2025-02-01T02:40:00Z")
    );
    assert_eq!(one.delisted, None, "withdrawn wins");
    let changed = cell(&c, "甲市", "甲市教育局", 2020);
    assert_eq!(changed.state, CellState::Changed);
    assert_eq!(changed.withdrawn, records[4].withdrawn);
    let json = serde_json::to_value(two).expect("serialises");
    assert_eq!(json["withdrawn"]["since"], "2025-04-01T02:40:00Z", "{json}");
    assert!(
        serde_json::to_value(cell(&c, "甲市", "甲市教育局", 2021))
            .expect("serialises")
            .get("withdrawn")
            .is_none()
    );
    let csv = render_csv(&c);
    let header: Vec<&str> = csv.lines().next().unwrap_or("").split(',').collect();
    assert_eq!(
        header[15..],
        [
            "withdrawn_since",
            "withdrawn_answer",
            "delisted_since",
            "earlier_urls"
        ]
    );
    let line = |year: &str| {
        csv.lines()
            .find(|l| l.contains(&format!(",{year},")))
            .unwrap_or_else(|| panic!("a line of {year}: {csv}"))
            .to_string()
    };
    assert!(
        line("2023").ends_with(",2025-04-01T02:40:00Z,soft_not_found,,"),
        "{csv}"
    );
    assert!(line("2021").ends_with(",,,2025-02-01T02:40:00Z,"), "{csv}");

    let c = build(&configured, &versions(&half), &runs, today, "now".into());
    let still = cell(&c, "甲市", "甲市教育局", 2023);
    assert_eq!(
        still.withdrawn, None,
        "one of the two reports is still served"
    );
    assert_eq!(still.state, CellState::Captured);
}
