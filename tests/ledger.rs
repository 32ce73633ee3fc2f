//! The ledger of a list (issue 8, "The ledger is honest"): `ok` only when every stated page number
//! was walked and every stated item found; anything else is `incomplete` with its reasons, and a
//! nightly stop on known items says `stopped early (nightly)`.

use std::collections::BTreeSet;

use nianbao::report::{PortalReport, RunReport, STOP_KNOWN_ITEMS, Verdict, YearCount};

fn count(
    stated_pages: Option<u64>,
    stated: Option<u64>,
    walked: &[u64],
    found: u64,
    stops: &[&str],
) -> YearCount {
    YearCount {
        stated,
        found,
        stated_pages,
        pages: walked.len() as u64,
        fetched: found,
        walked: walked.iter().copied().collect(),
        stops: stops.iter().map(|s| s.to_string()).collect(),
        ..YearCount::default()
    }
}

fn incomplete(reasons: &[&str]) -> Verdict {
    Verdict::Incomplete(reasons.iter().map(|s| s.to_string()).collect())
}

#[test]
fn verdicts_follow_what_the_site_states() {
    let cases: Vec<(&str, YearCount, Verdict)> = vec![
        (
            "every page walked, every item found",
            count(Some(3), Some(8), &[1, 2, 3], 8, &[]),
            Verdict::Ok,
        ),
        (
            // Issue 8, point 3: pages 1, 2 and 1 again were once counted as "walked 3 [ok]".
            "the nightly stop after pages 1 and 2 of 3",
            count(Some(3), Some(8), &[1, 2], 6, &[STOP_KNOWN_ITEMS]),
            Verdict::StoppedEarly(vec![
                "page 3 not walked".into(),
                "found 6 of 8 stated items".into(),
            ]),
        ),
        (
            "a nightly stop and a failed page",
            count(Some(3), None, &[1], 3, &[STOP_KNOWN_ITEMS, "page 2 failed"]),
            incomplete(&[STOP_KNOWN_ITEMS, "page 2 failed", "pages 2, 3 not walked"]),
        ),
        (
            "a nightly stop where nothing was left",
            count(Some(1), None, &[1], 3, &[STOP_KNOWN_ITEMS]),
            Verdict::StoppedEarly(Vec::new()),
        ),
        (
            "only pages stated",
            count(Some(2), None, &[1, 2], 5, &[]),
            Verdict::Ok,
        ),
        (
            "only items stated, found fewer",
            count(None, Some(10), &[1], 9, &[]),
            incomplete(&["found 9 of 10 stated items"]),
        ),
        (
            "a page failed",
            count(Some(3), Some(8), &[1, 3], 5, &["page 2 failed"]),
            incomplete(&[
                "page 2 failed",
                "page 2 not walked",
                "found 5 of 8 stated items",
            ]),
        ),
        (
            "the page limit",
            count(Some(8), None, &[1, 2, 3, 4, 5, 6], 60, &["page limit"]),
            incomplete(&["page limit", "pages 7, 8 not walked"]),
        ),
        (
            "nothing stated, nothing stopped",
            count(None, None, &[1, 2], 20, &[]),
            Verdict::NothingStated,
        ),
        (
            "nothing stated, but a page failed",
            count(None, None, &[1], 10, &["page 2 failed"]),
            incomplete(&["page 2 failed"]),
        ),
        (
            // A broken pager: page 2 was asked and answered as page 1; page 3 was not asked.
            "a page answered as page 1",
            YearCount {
                answered_as: [(2, 1)].into(),
                ..count(Some(3), None, &[1], 5, &[])
            },
            incomplete(&["page 2 asked, answered as page 1", "page 3 not walked"]),
        ),
        (
            "pages answered as page 1, none left",
            YearCount {
                answered_as: [(2, 1), (3, 1)].into(),
                ..count(Some(3), None, &[1], 5, &[])
            },
            incomplete(&["pages 2, 3 asked, answered as page 1"]),
        ),
    ];
    for (name, ledger, want) in cases {
        assert_eq!(ledger.verdict(), want, "{name}");
    }
}

#[test]
fn a_range_walk_is_checked_by_records() {
    let mut ledger = YearCount {
        stated: Some(8),
        found: 6,
        stated_pages: Some(3),
        pages: 2,
        by_ranges: true,
        walked: BTreeSet::from([1, 4]),
        stops: BTreeSet::from(["range 7-8 not requested".to_string()]),
        ..YearCount::default()
    };
    assert_eq!(
        ledger.verdict(),
        incomplete(&["range 7-8 not requested", "found 6 of 8 stated items"])
    );
    ledger.found = 8;
    ledger.walked.insert(7);
    ledger.pages = 3;
    ledger.stops.clear();
    assert_eq!(ledger.verdict(), Verdict::Ok);
    assert_eq!(
        ledger.completeness(),
        "site states 3 pages, 8 items; walked 3 ranges, found 8 items, fetched 0 [ok]"
    );
}

#[test]
fn a_range_walk_counts_the_ranges_the_total_implies() {
    // perPage 3, totalRecord 8: the column page and the ranges 4-6 and 7-8.
    let mut ledger = YearCount {
        stated: Some(8),
        found: 6,
        stated_ranges: Some(3),
        pages: 2,
        by_ranges: true,
        walked: BTreeSet::from([1, 4]),
        ..YearCount::default()
    };
    assert_eq!(
        ledger.verdict(),
        incomplete(&["walked 2 of 3 ranges", "found 6 of 8 stated items"])
    );
    assert!(
        ledger
            .completeness()
            .starts_with("site states 8 items in 3 ranges; walked 2 ranges"),
        "{}",
        ledger.completeness()
    );
    ledger.found = 8;
    ledger.pages = 3;
    ledger.walked.insert(7);
    assert_eq!(ledger.verdict(), Verdict::Ok);
    assert_eq!(
        ledger.completeness(),
        "site states 8 items in 3 ranges; walked 3 ranges, found 8 items, fetched 0 [ok]"
    );
}

#[test]
fn the_summary_line_names_stated_walked_found_fetched_and_the_reasons() {
    let mut ledger = count(Some(3), Some(8), &[1, 2], 6, &[STOP_KNOWN_ITEMS]);
    ledger.fetched = 4;
    assert_eq!(
        ledger.completeness(),
        "site states 3 pages, 8 items; walked 2 pages, found 6 items, fetched 4 \
         [stopped early (nightly): page 3 not walked; found 6 of 8 stated items]"
    );
    let early = count(Some(3), None, &[1], 3, &[STOP_KNOWN_ITEMS]);
    assert_eq!(
        early.completeness(),
        "site states 3 pages; walked 1 pages, found 3 items, fetched 3 \
         [stopped early (nightly): pages 2, 3 not walked]"
    );
    let failed = count(Some(2), None, &[1], 3, &["page 2 failed"]);
    assert_eq!(
        failed.completeness(),
        "site states 2 pages; walked 1 pages, found 3 items, fetched 3 \
         [incomplete: page 2 failed; page 2 not walked]"
    );

    let mut portal = PortalReport::default();
    portal.lists.insert("all".into(), early);
    portal
        .lists
        .insert("2019".into(), count(None, Some(2), &[1], 2, &[]));
    let mut run = RunReport {
        command: "crawl".into(),
        run_id: "r1".into(),
        ..RunReport::default()
    };
    run.portals.insert("某某县".into(), portal);
    let summary = run.summary();
    assert!(
        summary.contains(
            "list all: site states 3 pages; walked 1 pages, found 3 items, fetched 3 [stopped early (nightly): pages 2, 3 not walked]"
        ),
        "{summary}"
    );
    assert!(
        summary.contains(
            "list 2019: site states 2 items; walked 1 pages, found 2 items, fetched 2 [ok]"
        ),
        "{summary}"
    );
}

#[test]
fn the_ledger_survives_the_run_report_round_trip() {
    let ledger = count(Some(3), Some(8), &[1, 2], 6, &["page 3 failed"]);
    let json = serde_json::to_string(&ledger).expect("serialise");
    let back: YearCount = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, ledger);
    // A report written before the ledger had its new fields still reads.
    let old: YearCount =
        serde_json::from_str(r#"{"stated":5,"found":5,"stated_pages":1,"pages":1}"#)
            .expect("old report");
    assert_eq!(old.verdict(), Verdict::Ok);
}

/// Entries that are other sites' pages are named on the summary line (three hosts at most), do
/// not change the verdict, and the run report keeps their count and hosts.
#[test]
fn other_sites_pages_are_named_without_changing_the_verdict() {
    let mut ledger = count(None, Some(8), &[1], 8, &[]);
    ledger.fetched = 5;
    for host in ["www.hebei.gov.cn", "www.gov.cn", "www.gov.cn"] {
        ledger.note_other_site(host.to_string());
    }
    assert_eq!(ledger.verdict(), Verdict::Ok);
    assert_eq!(
        ledger.completeness(),
        "site states 8 items; walked 1 pages, found 8 items (3 on other sites, not fetched: \
         www.gov.cn, www.hebei.gov.cn), fetched 5 [ok]"
    );
    let json = serde_json::to_value(&ledger).expect("serialise");
    assert_eq!(json["other_site_pages"], 3, "{json}");
    assert_eq!(
        json["other_site_hosts"],
        serde_json::json!(["www.gov.cn", "www.hebei.gov.cn"]),
        "{json}"
    );

    let mut many = count(None, None, &[1], 40, &[]);
    for n in (0..30).rev() {
        many.note_other_site(format!("www.site{n:02}.gov.cn"));
    }
    assert_eq!(
        many.completeness(),
        "site states no count; walked 1 pages, found 40 items (30 on other sites, not fetched: \
         www.site00.gov.cn, www.site01.gov.cn, www.site02.gov.cn, …), fetched 40 [nothing to check]"
    );
    assert_eq!(
        many.other_site_hosts.len(),
        nianbao::report::OTHER_SITE_HOSTS_KEPT
    );
    assert!(many.other_site_hosts.contains("www.site19.gov.cn"));

    // A list that lists no other site's page says nothing of them.
    let none = count(None, Some(2), &[1], 2, &[]);
    assert!(!none.completeness().contains("other sites"));
    assert!(serde_json::to_value(&none).expect("serialise")["other_site_pages"].is_null());
}
