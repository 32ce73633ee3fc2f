//! Reports taken off their list, through the real binary and the test portal of
//! tests/withdrawn_support: after a nightly walk that proves the list complete (it states its
//! count and every entry was found), each archived report the list no longer shows is asked
//! once: a 404 withdraws it, a page still served marks it delisted. A walk that proves nothing
//! (no stated count, stopped early on known items, a page failed, a run stopped and resumed)
//! asks nothing, nor does one
//! that finds most of the list gone; a report asked is not asked again before `revisit_after`,
//! one listed again is no longer delisted, and an ask that fails changes no mark. A report on
//! both the section's list and a year list is found on both: taken off one while the other
//! still shows it, it is not asked.

mod common;
mod withdrawn_support;

use serde_json::Value;
use withdrawn_support::{Listing, PORTAL, Portal, Serve, count, records_of, title, year_list_of};

/// A count of the run report that is left out when zero.
fn counted(report: &Value, key: &str) -> u64 {
    report[key].as_u64().unwrap_or(0)
}

/// The list "all" of the night's ledger.
fn ledger(night: &Value) -> Value {
    night["lists"]["all"].clone()
}

const REPORTS: [usize; 5] = [1, 2, 4, 5, 7];

fn stated(per_page: Option<usize>) -> Listing {
    Listing {
        stated: true,
        per_page,
        ..Listing::default()
    }
}

/// Five reports on a list that states its count, archived. The next night the list drops two:
/// one whose page now answers 404 (withdrawn) and one still served (delisted, 304 to its ETag);
/// each is asked once, and the others, fetched less than `revisit_after` ago, not at all. The
/// night after, neither is asked again; once the hidden one is listed again it is no longer
/// delisted.
#[test]
fn a_report_taken_off_a_complete_list_is_asked_once() {
    let portal = Portal::listing(&REPORTS, true, stated(None));
    portal.crawl_setting("revisit_after", "\"7d\"");
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 5, "{summary}");
    assert_eq!(ledger(&first)["stated"], 5, "{first}");
    // The two to be dropped were last fetched long ago; the others just now.
    portal.backdate(1, 8);
    portal.backdate(2, 8);

    portal.serve(1, Serve::Unlisted(404));
    portal.serve(2, Serve::Hidden);
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 2, "{summary}");
    assert_eq!((portal.asked(1), portal.asked(2)), (2, 2), "one ask each");
    for id in [4, 5, 7] {
        assert_eq!(portal.asked(id), 1, "/art/{id}.html is listed and fresh");
    }
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(counted(&night, "delisted"), 1, "{summary}");
    assert_eq!(count(&night, "not_modified"), 1, "{summary}");
    assert!(summary.contains(", 1 withdrawn, 1 delisted"), "{summary}");
    assert_eq!(
        ledger(&night)["delisted_check"],
        "2 of 5 archived reports not listed: 2 asked",
        "{night}"
    );
    let (withdrawn, text) = portal.withdrawn_list();
    assert_eq!(withdrawn.len(), 1, "{withdrawn:?}");
    assert_eq!(withdrawn[0]["title"], title(1).as_str());
    // Plain `status` counts the portal's delisted URLs beside its withdrawn documents.
    let row = portal.status();
    assert_eq!((count(&row, "withdrawn"), count(&row, "delisted")), (1, 1));
    let status = portal.status_text();
    assert!(status.contains("    delisted URLs: 1 ("), "{status}");
    let url = |id: usize| format!("{}/art/{id}.html", portal.server.base);
    assert!(text.contains("delisted URLs: 1"), "{text}");
    assert!(
        text.contains(&format!("    url: {} (list all)", url(2))),
        "{text}"
    );
    let out = common::route_server::run_nianbao(
        &portal.config,
        &["status", "--withdrawn", "--format", "json"],
    );
    let listed: Value = serde_json::from_slice(&out.stdout).expect("status JSON");
    let delisted = listed["delisted"].as_array().cloned().unwrap_or_default();
    assert_eq!(delisted.len(), 1, "{listed}");
    assert_eq!(delisted[0]["url"], url(2).as_str(), "{listed}");
    assert_eq!(delisted[0]["title"], title(2).as_str(), "{listed}");
    let since = delisted[0]["since"].clone();
    let records = portal.export();
    let hidden = records_of(&records, 2);
    assert_eq!(hidden[0]["delisted"]["since"], since, "{records:?}");
    assert!(hidden[0].get("withdrawn").is_none(), "{records:?}");
    let gone = records_of(&records, 1);
    assert_eq!(gone[0]["withdrawn"]["answer"], "http_404", "{records:?}");
    assert!(gone[0].get("delisted").is_none(), "{records:?}");
    assert_eq!(portal.url_state(1).delisted, None);

    // The night after: asked less than `revisit_after` ago, neither is asked again.
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 0, "{summary}");
    assert_eq!((portal.asked(1), portal.asked(2)), (2, 2));
    assert!(portal.url_state(2).delisted.is_some());

    // Listed again: no longer delisted, without being asked.
    portal.serve(2, Serve::Page);
    let (summary, _) = portal.night();
    assert_eq!(portal.url_state(2).delisted, None, "{summary}");
    assert_eq!(count(&portal.status(), "delisted"), 0);
    assert_eq!(portal.asked(2), 2);
    assert!(portal.export().iter().all(|r| r.get("delisted").is_none()));
}

/// Walks that prove nothing: a list that states no count, a nightly walk that stopped early on
/// known items, and a walk one of whose pages failed. None asks the report the list dropped.
#[test]
fn a_walk_that_proves_nothing_asks_nothing() {
    // No stated count: `[nothing to check]`.
    let portal = Portal::new(&REPORTS, false);
    portal.night();
    portal.serve(4, Serve::Unlisted(404));
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 0, "{summary}");
    assert_eq!(portal.asked(4), 1);
    assert!(ledger(&night).get("delisted_check").is_none(), "{night}");

    // Two entries a page, three pages: the nightly walk stops after page 1 of known items.
    let portal = Portal::listing(&REPORTS, false, stated(Some(2)));
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 5, "{summary}");
    portal.serve(4, Serve::Unlisted(404));
    let (summary, night) = portal.night();
    let stops = ledger(&night)["stops"].clone();
    assert_eq!(
        stops,
        serde_json::json!(["stopped: known items"]),
        "{night}"
    );
    assert_eq!(counted(&night, "delisted_asked"), 0, "{summary}");
    assert_eq!(portal.asked(4), 1);

    // Walked to the end, but page 2 failed.
    portal.crawl_setting("known_pages_before_stop", "10");
    portal.fail_list_page(Some(2));
    let (summary, night) = portal.night();
    assert_eq!(
        ledger(&night)["stops"][0],
        "page 2 failed: http_500",
        "{night}"
    );
    assert_eq!(counted(&night, "delisted_asked"), 0, "{summary}");
    assert_eq!(portal.asked(4), 1);

    // The same walk without the failure proves the list complete: the report is asked.
    portal.fail_list_page(None);
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 1, "{summary}");
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(portal.asked(4), 2);
}

/// A complete walk that finds four of the list's five archived reports gone (more than
/// max(3, a fifth)) is no evidence: nothing is asked, and the ledger says why.
#[test]
fn a_list_that_lost_most_of_its_reports_asks_nothing() {
    let portal = Portal::listing(&REPORTS, false, stated(None));
    portal.night();
    for id in [2, 4, 5, 7] {
        portal.serve(id, Serve::Unlisted(404));
    }
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 0, "{summary}");
    assert_eq!(count(&night, "withdrawn"), 0, "{summary}");
    for id in [2, 4, 5, 7] {
        assert_eq!(portal.asked(id), 1, "/art/{id}.html");
    }
    assert_eq!(
        ledger(&night)["delisted_check"],
        "4 of 5 archived reports not listed: more than 3, none asked (a list that lost so many is no evidence)",
        "{night}"
    );
}

/// A revamp of a list that states its count: the same reports at new URLs, the same text; the
/// old URLs answer 404. The reports are still listed (at their new URLs): nothing is asked and
/// nothing withdrawn.
#[test]
fn a_revamp_with_unchanged_text_asks_nothing() {
    let portal = Portal::listing(&[1, 2], false, stated(None));
    portal.night();
    for (old, new) in [(1, 11), (2, 12)] {
        portal.serve(old, Serve::Unlisted(404));
        portal.serve(new, Serve::Page);
    }
    for _ in 0..2 {
        let (summary, night) = portal.night();
        assert_eq!(ledger(&night)["stated"], 2, "{night}");
        assert_eq!(counted(&night, "delisted_asked"), 0, "{summary}");
        assert_eq!(count(&night, "withdrawn"), 0, "{summary}");
    }
    assert_eq!((portal.asked(1), portal.asked(2)), (1, 1));
    assert!(portal.withdrawn_list().0.is_empty());
}

/// A report asked because its list dropped it that answers 503 (asked with its one retry) says
/// nothing: neither withdrawn nor delisted. One delisted before keeps its mark through a 503.
#[test]
fn a_failed_ask_leaves_the_marks_as_they_were() {
    let portal = Portal::listing(&REPORTS, false, stated(None));
    portal.night();
    portal.serve(4, Serve::Unlisted(503));
    portal.serve(5, Serve::Hidden);
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 2, "{summary}");
    assert_eq!(portal.asked(4), 3, "the first night, the ask and its retry");
    assert_eq!(night["failures"]["http_503"], 1, "{night}");
    assert_eq!(count(&night, "withdrawn"), 0, "{summary}");
    assert_eq!(counted(&night, "delisted"), 1, "{summary}");
    let failed = portal.url_state(4);
    assert_eq!((failed.withdrawn, failed.delisted), (None, None));
    let since = portal.url_state(5).delisted.expect("delisted");

    portal.serve(5, Serve::Unlisted(503));
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 2, "{summary}");
    assert_eq!(counted(&night, "delisted"), 0, "{summary}");
    let kept = portal.url_state(5);
    assert_eq!(kept.delisted, Some(since), "the mark stays");
    assert_eq!(kept.withdrawn, None);
}

/// A nightly crawl stopped (SIGTERM) while its walk of the list was on page 2, then resumed:
/// the resumed run does not know what the pages walked before the stop showed, so it proves
/// nothing and asks nothing; the next whole night asks the dropped report.
#[test]
fn a_stopped_and_resumed_walk_asks_nothing() {
    let portal = Portal::listing(&[1, 2, 4], false, stated(Some(1)));
    portal.crawl_setting("known_pages_before_stop", "10");
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 3, "{summary}");
    portal.serve(1, Serve::Unlisted(404));
    portal.slow_list_page(Some(2));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("--config")
        .arg(&portal.config)
        .arg("crawl")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the nianbao binary starts");
    let page_2 = "/xxgk/list.html?page=2";
    let asked_before = portal.asked_for(page_2);
    let waited = std::time::Instant::now();
    while portal.asked_for(page_2) == asked_before {
        assert!(waited.elapsed().as_secs() < 30, "page 2 is asked");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let stopped = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(stopped.success());
    let status = child.wait().expect("the run ends");
    assert_eq!(status.code(), Some(130), "stopped, resumable");
    portal.slow_list_page(None);

    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 0, "{summary}");
    assert_eq!(portal.asked(1), 1);

    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 1, "{summary}");
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(portal.asked(1), 2);
}

/// The section's list and two year lists, each stating its count: every report is on two.
fn on_two_lists() -> Listing {
    Listing {
        years: true,
        ..stated(None)
    }
}

/// The lists report URL `id` was found on, sorted.
fn found_on(portal: &Portal, id: usize) -> Vec<String> {
    let mut lists: Vec<String> = portal
        .url_state(id)
        .found_on()
        .into_iter()
        .map(str::to_string)
        .collect();
    lists.sort();
    lists
}

/// Reports shown on both the section's list and their year's list are found on both (the
/// first night, or the second when a walk met one before it was archived), each is under both
/// in the store's `listed` index, and the list shown for them is their year's whatever order
/// the walks took. The nights after, which meet them again on both (and fetch nothing,
/// `revisit_after` not being due), write no state: no "found on one more list", same states.
#[test]
fn a_report_on_two_lists_keeps_both_and_writes_nothing_again() {
    let portal = Portal::listing(&[1, 2], true, on_two_lists());
    portal.crawl_setting("revisit_after", "\"7d\"");
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 2, "{summary}");
    for list in ["all", "2021", "2022"] {
        let walked = &first["lists"][list];
        assert_eq!(
            walked["found"], walked["stated"],
            "{list} walked whole: {first}"
        );
    }
    portal.night();
    let states = [portal.url_state(1), portal.url_state(2)];
    for (id, state) in [1, 2].into_iter().zip(&states) {
        let year = year_list_of(id).to_string();
        assert_eq!(found_on(&portal, id), vec![year.clone(), "all".into()]);
        assert_eq!(state.list.as_deref(), Some(year.as_str()), "/art/{id}.html");
    }
    let listed = |list: &str| {
        let store = nianbao::store::Store::open(&portal.dir.path().join("data")).expect("store");
        let mut urls = store
            .listed_urls(PORTAL, list)
            .expect("listed index readable");
        urls.sort();
        urls
    };
    let url = |id: usize| format!("{}/art/{id}.html", portal.server.base);
    assert_eq!(listed("all"), vec![url(1), url(2)]);
    assert_eq!(
        (listed("2021"), listed("2022")),
        (vec![url(1)], vec![url(2)])
    );
    for _ in 0..2 {
        let (summary, night) = portal.night();
        assert_eq!(count(&night, "new_documents"), 0, "{summary}");
        assert!(!summary.contains("found on one more list"), "{summary}");
        assert_eq!(
            (portal.asked(1), portal.asked(2)),
            (1, 1),
            "nothing fetched"
        );
        let again = [portal.url_state(1), portal.url_state(2)];
        assert_eq!(
            again, states,
            "met again on both lists: the states are as they were"
        );
    }
}

/// A report taken off its year's list while the section's list still shows it leaves the
/// year's list and is not asked, nor delisted; taken off the section's list too, it is asked
/// once and marked delisted. The reverse (off the section's list, on its year's) is not asked.
#[test]
fn a_report_still_on_another_list_is_not_asked() {
    let portal = Portal::listing(&REPORTS, true, on_two_lists());
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 5, "{summary}");
    portal.night();
    assert_eq!(found_on(&portal, 1), ["2021", "all"]);

    // Every report is revisited each night; one ask would be a second request.
    portal.serve(1, Serve::OffYear);
    portal.serve(2, Serve::OffSection);
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 0, "{summary}");
    assert_eq!(
        (portal.asked(1), portal.asked(2)),
        (3, 3),
        "revisited, not asked"
    );
    assert_eq!(counted(&night, "delisted"), 0, "{summary}");
    assert_eq!(found_on(&portal, 1), ["all"]);
    assert_eq!(found_on(&portal, 2), ["2022"]);
    for id in [1, 2] {
        let state = portal.url_state(id);
        assert_eq!(state.delisted, None, "/art/{id}.html");
        assert_eq!(state.withdrawn, None, "/art/{id}.html");
    }
    assert_eq!(portal.url_state(1).list.as_deref(), Some("all"));
    assert_eq!(count(&portal.status(), "delisted"), 0);

    // Off the section's list too: no list shows it, and it is asked once.
    portal.serve(1, Serve::Hidden);
    let (summary, night) = portal.night();
    assert_eq!(counted(&night, "delisted_asked"), 1, "{summary}");
    assert_eq!(counted(&night, "delisted"), 1, "{summary}");
    assert_eq!(
        (portal.asked(1), portal.asked(2)),
        (4, 4),
        "asked once; revisited"
    );
    assert!(portal.url_state(1).delisted.is_some());
    assert_eq!(portal.url_state(2).delisted, None);
    assert_eq!(count(&portal.status(), "delisted"), 1);
}
