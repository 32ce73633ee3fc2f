//! The nightly crawl on a section that changes between nights in the ways real sections change,
//! through the real binary: a portal of the test's own whose list (`numbered_portal`) is
//! crawled, changed, and crawled again on the same data_dir. Each night must archive the reports
//! that appeared since the last one, with few requests: a report added at the top, above pinned
//! (置顶) entries, on the last page of a list sorted oldest first, anywhere in a list in no date
//! order, in the middle of a list whose stated count grew, or as more than a page of new reports;
//! a list or year subsection that moved, a list that failed for a night, a report moved, corrected
//! or deleted in place.

mod common;

use std::collections::BTreeSet;

use chrono::NaiveDate;
use common::nightly::{Portal, Section, Years, ids, second_night, title};
use common::route_server::{newest_run_report, portals_config, run_nianbao};
use common::stderr;

#[test]
fn a_report_added_at_the_top_costs_two_list_pages() {
    let night = second_night(Section::newest_first(25), |s| s.listed.insert(0, 26));
    assert_eq!(night.items, ids([26]), "{}", night.summary);
    assert_eq!(night.list_pages, 2, "{}", night.summary);
}

#[test]
fn more_than_a_page_of_new_reports_is_archived_in_one_night() {
    let night = second_night(Section::newest_first(25), |s| {
        for id in 26..=36 {
            s.listed.insert(0, id);
        }
    });
    assert_eq!(night.items, ids(26..=36), "{}", night.summary);
    assert_eq!(night.list_pages, 3, "{}", night.summary);
}

#[test]
fn reports_added_below_pinned_entries_are_archived() {
    for every_page in [false, true] {
        let night = second_night(
            Section {
                pinned: vec![3, 1],
                pinned_on_every_page: every_page,
                listed: (4..=25).rev().chain([2]).collect(),
                ..Section::newest_first(0)
            },
            |s| s.listed.insert(0, 26),
        );
        assert_eq!(
            night.items,
            ids([26]),
            "every page {every_page}: {}",
            night.summary
        );
        assert_eq!(
            night.list_pages, 2,
            "every page {every_page}: {}",
            night.summary
        );
    }
}

#[test]
fn a_list_sorted_oldest_first_is_walked_from_its_last_page() {
    // The first night archives every report too: the last page, which may link no other page,
    // leads back through the pages page 1 named.
    for (states_items, bare_last_page) in [(true, false), (false, false), (false, true)] {
        let night = second_night(
            Section {
                listed: (1..=25).collect(),
                states_items,
                bare_last_page,
                ..Section::newest_first(0)
            },
            |s| s.listed.push(26),
        );
        let case = format!("states items {states_items}, bare last page {bare_last_page}");
        assert_eq!(night.items, ids([26]), "{case}: {}", night.summary);
        // Page 1, the last page, and the one before it (the last holds a report not seen).
        assert_eq!(night.list_pages, 3, "{case}: {}", night.summary);
    }
}

#[test]
fn a_list_in_no_date_order_is_walked_whole() {
    // Sorted by title (第10号 before 第2号), and shuffled.
    let by_title = |ids: &mut Vec<usize>| ids.sort_by_key(|i| title(*i));
    let shuffled = |ids: &mut Vec<usize>| {
        ids.sort_by_key(|i| (i * 7919) % 31);
    };
    for (name, order) in [
        ("by title", &by_title as &dyn Fn(&mut Vec<usize>)),
        ("shuffled", &shuffled),
    ] {
        let mut listed: Vec<usize> = (1..=25).collect();
        order(&mut listed);
        let night = second_night(
            Section {
                listed,
                states_items: false,
                ..Section::newest_first(0)
            },
            |s| {
                s.listed.push(26);
                order(&mut s.listed);
            },
        );
        assert_eq!(night.items, ids([26]), "{name}: {}", night.summary);
        assert_eq!(night.list_pages, 3, "{name}: {}", night.summary);
    }
}

#[test]
fn a_report_filed_late_in_the_middle_of_a_list_whose_count_grew_is_archived() {
    let night = second_night(Section::newest_first(45), |s| {
        // Filed today, dated with the old reports around it: page 3 of 5.
        s.listed.insert(25, 46);
        s.dated
            .push((46, NaiveDate::from_ymd_opt(2016, 2, 1).expect("a date")));
    });
    assert_eq!(night.items, ids([46]), "{}", night.summary);
    // Pages 1 to 3, and 4, which holds only known reports.
    assert_eq!(night.list_pages, 4, "{}", night.summary);
}

/// The walk that looks for what a grown count added fails on the page holding it: the next
/// night compares with the count from before, not with the one the failed night read, and so
/// walks on to the report.
#[test]
fn a_grown_count_the_walk_could_not_account_for_is_looked_into_again() {
    let portal = Portal::new(Section::newest_first(45));
    portal.night();
    portal.change(|s| {
        s.listed.insert(25, 46);
        s.dated
            .push((46, NaiveDate::from_ymd_opt(2016, 2, 1).expect("a date")));
        s.failing_page = Some(3);
    });
    let failed = portal.night();
    assert!(failed.items.is_empty(), "{}", failed.summary);
    assert!(
        failed.summary.contains("page 3 failed: http_500"),
        "{}",
        failed.summary
    );
    let report = newest_run_report(portal.dir.path());
    let ledger = &report["portals"]["某某县人民政府"]["lists"]["all"];
    assert_eq!(ledger["stated_before"], 45, "{ledger}");
    assert_eq!(ledger["accounted"], 45, "{ledger}");
    portal.change(|s| s.failing_page = None);
    let night = portal.night();
    assert_eq!(night.items, ids([46]), "{}", night.summary);
    let report = newest_run_report(portal.dir.path());
    assert_eq!(
        report["portals"]["某某县人民政府"]["lists"]["all"]["accounted"],
        46
    );
}

#[test]
fn pages_that_change_size_or_shift_hold_no_surprise() {
    // Ten to a page, then fifteen: nothing new, one page.
    let night = second_night(Section::newest_first(25), |s| s.per_page = 15);
    assert!(night.items.is_empty(), "{}", night.summary);
    assert_eq!(night.list_pages, 1, "{}", night.summary);
    // A new report and a new page size together.
    let night = second_night(Section::newest_first(25), |s| {
        s.per_page = 15;
        s.listed.insert(0, 26);
    });
    assert_eq!(night.items, ids([26]), "{}", night.summary);
    assert_eq!(night.list_pages, 2, "{}", night.summary);
}

#[test]
fn a_list_that_fails_one_night_gives_its_new_reports_the_next() {
    for notice in [false, true] {
        let portal = Portal::new(Section::newest_first(25));
        portal.night();
        portal.change(|s| {
            s.listed.insert(0, 26);
            s.list_status = 500;
            s.list_notice = notice;
        });
        let failed = portal.night();
        assert!(
            failed.items.is_empty(),
            "notice {notice}: {}",
            failed.summary
        );
        assert!(
            failed.summary.contains("UNREACHABLE"),
            "notice {notice}: {}",
            failed.summary
        );
        portal.change(|s| {
            s.listed.insert(0, 27);
            s.list_status = 200;
            s.list_notice = false;
        });
        let night = portal.night();
        assert_eq!(
            night.items,
            ids([26, 27]),
            "notice {notice}: {}",
            night.summary
        );
        assert_eq!(night.list_pages, 2, "notice {notice}: {}", night.summary);
    }
}

/// A report corrected in place (same URL) is a new version at its revisit (every night here,
/// `revisit_after = "0s"`); one whose page now answers 404 keeps its archived version, and the
/// 404 is counted.
#[test]
fn a_report_corrected_or_deleted_in_place_is_seen_at_its_revisit() {
    let portal = Portal::new(Section::newest_first(25)).with_crawl("revisit_after = \"0s\"");
    portal.night();
    portal.change(|s| {
        s.revised.push(25);
        s.deleted.push(24);
    });
    let night = portal.night();
    assert!(
        night.items.contains(&25) && night.items.contains(&24),
        "{}",
        night.summary
    );
    let report = newest_run_report(portal.dir.path());
    let counts = &report["portals"]["某某县人民政府"];
    assert_eq!(counts["new_versions"], 1, "{report}");
    assert_eq!(counts["new_documents"], 0, "{report}");
    assert_eq!(counts["failures"]["http_404"], 1, "{report}");
    let records = common::route_server::exported(&portal.config);
    let deleted: Vec<_> = records
        .iter()
        .filter(|r| {
            r["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/art/24.html"))
        })
        .collect();
    assert_eq!(
        deleted.len(),
        1,
        "the deleted report's version stays archived"
    );
}

#[test]
fn a_list_moved_to_a_new_url_that_the_old_one_redirects_to_is_followed() {
    let portal = Portal::new(Section::newest_first(25));
    portal.night();
    portal.change(|s| {
        s.moved_list = true;
        s.listed.insert(0, 26);
    });
    let night = portal.night();
    assert_eq!(night.items, ids([26]), "{}", night.summary);
    // The old URL's redirect, then pages 1 and 2 at the new one.
    assert_eq!(night.list_pages, 3, "{}", night.summary);
    let report = newest_run_report(portal.dir.path());
    let landed = report["portals"]["某某县人民政府"]["section_landed"].as_str();
    assert!(
        landed.is_some_and(|u| u.ends_with("/xxgk/list.shtml")),
        "{report}"
    );
}

#[test]
fn a_report_moved_to_a_new_url_is_an_alias_not_a_new_document() {
    let portal = Portal::new(Section::newest_first(25));
    portal.night();
    portal.change(|s| s.moved_reports.push((25, 125)));
    let night = portal.night();
    assert_eq!(night.items, ids([125]), "{}", night.summary);
    let report = newest_run_report(portal.dir.path());
    let counts = &report["portals"]["某某县人民政府"];
    assert_eq!(counts["new_documents"], 0, "{report}");
    assert_eq!(counts["new_aliases"], 1, "{report}");
}

/// A new year's subsection is walked the night it appears, and so is an old year's moved to a
/// new URL (once); a report filed late into an older year's subsection is left to a backfill, by
/// design, and the ledger names the year lists the night did not walk.
#[test]
fn year_subsections_that_appear_or_move_are_walked_and_older_ones_are_named() {
    let (server, state) = Years::serve();
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(
        dir.path(),
        &[("某某县人民政府", format!("{}/nb/", server.base))],
    );
    let night = |what: &str| {
        let before = server.requests().len();
        let out = run_nianbao(&config, &["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        (server.requests().split_off(before), stderr(&out))
    };
    let (first, _) = night("first night");
    assert_eq!(first.iter().filter(|t| t.starts_with("/art/")).count(), 12);
    {
        let mut years = state.lock().expect("years lock");
        years.years.push((2025, "2025".into(), 1));
        years.years[0].1 = "y2021".into();
        years.years[1].2 = 4;
    }
    let (asked, summary) = night("second night");
    let items: BTreeSet<&str> = asked
        .iter()
        .filter(|t| t.starts_with("/art/"))
        .map(String::as_str)
        .collect();
    assert_eq!(items, BTreeSet::from(["/art/2025_1.html"]), "{summary}");
    for walked in ["/nb/2025/", "/nb/2024/", "/nb/y2021/"] {
        assert!(asked.iter().any(|t| t == walked), "{walked}: {asked:?}");
    }
    // 2022's late report waits for a backfill: the ledger says which years were left.
    assert!(!asked.iter().any(|t| t == "/nb/2022/"), "{asked:?}");
    assert!(
        summary.contains("older year lists not walked (nightly): 2022, 2023"),
        "{summary}"
    );
}
