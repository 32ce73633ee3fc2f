//! Reports a government takes down, through the real binary: a portal of the test's own whose
//! archived reports are revisited every night (`revisit_after = "0s"`) and answer 404, 410, 503,
//! a page saying they do not exist, 304 or their page again. A report whose every URL says it is
//! gone is withdrawn (since the first night it was seen so, and how), shown by the run report,
//! `status`, `status --withdrawn`, `export` and the coverage report; a report that comes back is
//! restored; nothing archived changes; a site revamp that moves the reports withdraws nothing.
//! A withdrawn report that answers so again is `still_withdrawn`, no failure; its files carry
//! its withdrawal in the export. The portal and its helpers are in tests/withdrawn_support.

mod common;
mod withdrawn_support;

use common::route_server::run_nianbao;
use common::stderr;
use withdrawn_support::{
    FILES, PORTAL, Portal, Serve, archived_part, count, raw_files, records_of, title,
};

/// One report answers 404, then 410, then 503, then its page again; the other answers its page
/// throughout, then 503 for a night. The first is withdrawn from the 404 night (since kept
/// across the 410 and the 503), shown by the run report, `status` and `export`, and restored by
/// its page; the other is never withdrawn. Nothing archived changes, and each night asks each
/// report once, as before.
#[test]
fn a_report_taken_down_is_withdrawn_until_its_page_answers_again() {
    let portal = Portal::new(&[1, 2], false);
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 2, "{summary}");
    let archived = portal.export();
    let raw = raw_files(&portal.dir.path().join("data"));

    portal.serve(1, Serve::Status(404));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(night["failures"]["http_404"], 1, "{night}");
    assert!(summary.contains(", 1 withdrawn"), "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 1);
    let text = portal.status_text();
    assert!(text.contains("withdrawn documents: 1"), "{text}");
    let records = portal.export();
    assert_eq!(archived_part(&records), archived_part(&archived));
    let gone = records_of(&records, 1);
    assert_eq!(gone.len(), 1, "{records:?}");
    assert_eq!(gone[0]["withdrawn"]["answer"], "http_404", "{records:?}");
    let since = gone[0]["withdrawn"]["since"].clone();
    assert!(
        since
            .as_str()
            .is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()),
        "{since}"
    );
    for record in records_of(&records, 2) {
        assert!(record.get("withdrawn").is_none(), "{record}");
    }
    // The coverage report marks the year and keeps its state; the other year has no mark.
    let (gone_year, served_year) = (portal.coverage_cell(2021), portal.coverage_cell(2022));
    assert_eq!(gone_year["state"], "captured", "{gone_year}");
    assert_eq!(gone_year["withdrawn"]["since"], since, "{gone_year}");
    assert_eq!(gone_year["withdrawn"]["answer"], "http_404", "{gone_year}");
    assert!(served_year.get("withdrawn").is_none(), "{served_year}");

    // A later night, a second later: the first sighting stays.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    portal.serve(1, Serve::Status(410));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 0, "not new: {summary}");
    let records = portal.export();
    let gone = records_of(&records, 1);
    assert_eq!(gone[0]["withdrawn"]["answer"], "http_410", "{records:?}");
    assert_eq!(gone[0]["withdrawn"]["since"], since, "{records:?}");

    // A server that is down says nothing: the withdrawn report stays as it was, the other is
    // not withdrawn.
    portal.serve(1, Serve::Status(503));
    portal.serve(2, Serve::Status(503));
    let (summary, night) = portal.night();
    assert_eq!(night["failures"]["http_503"], 2, "{summary}");
    assert_eq!(count(&night, "withdrawn"), 0, "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 1);
    let withdrawal = portal.url_state(1).withdrawn.expect("still withdrawn");
    assert_eq!(Some(withdrawal.since.as_str()), since.as_str());
    assert_eq!(withdrawal.answer, "http_410");
    assert_eq!(portal.url_state(2).withdrawn, None);

    // Back, as it was: restored, no new version.
    portal.serve(1, Serve::Page);
    portal.serve(2, Serve::Page);
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "restored"), 1, "{summary}");
    assert!(summary.contains(", 1 restored"), "{summary}");
    assert_eq!(count(&night, "new_versions"), 0, "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 0);
    assert!(!portal.status_text().contains("withdrawn"));
    let records = portal.export();
    assert_eq!(
        records, archived,
        "the archive is as the first night left it"
    );
    assert_eq!(portal.url_state(1).withdrawn, None);
    assert_eq!(raw_files(&portal.dir.path().join("data")), raw);
    // Each night asked each report once (plus the 503's one retry), as before withdrawals.
    assert_eq!((portal.asked(1), portal.asked(2)), (6, 6));
}

/// Two nights of 404 for a report: the first withdraws it, a failure of that night as before;
/// the second is no news. The run report counts it as `still_withdrawn`, not in `failures`, the
/// coverage report's portal header shows no failure for it, and its withdrawal stays as the first
/// night set it. Its URL, archived, has no place in the failure policy's schedule (no retry, no
/// failures in a row): it is asked again at each revisit, as any known report is.
#[test]
fn a_withdrawn_report_answering_404_again_is_still_withdrawn_not_a_failure() {
    let portal = Portal::new(&[1, 2], false);
    portal.night();
    portal.serve(1, Serve::Status(404));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(
        night["failures"]["http_404"], 1,
        "the first is news: {night}"
    );
    assert!(night.get("still_withdrawn").is_none(), "{night}");
    assert_eq!(portal.coverage_failures()["http_404"], 1);
    let since = portal.url_state(1).withdrawn.expect("withdrawn").since;

    let (summary, night) = portal.night();
    assert_eq!(count(&night, "still_withdrawn"), 1, "{summary}");
    assert_eq!(count(&night, "withdrawn"), 0, "{summary}");
    assert!(night["failures"].get("http_404").is_none(), "{night}");
    assert!(
        summary.contains(" 0 failures, 0 blocked, 1 still withdrawn"),
        "{summary}"
    );
    let failures = portal.coverage_failures();
    assert!(failures.get("http_404").is_none(), "{failures}");
    assert!(night.get("health").is_none(), "{night}");
    let state = portal.url_state(1);
    assert_eq!(state.withdrawn.map(|w| w.since), Some(since));
    assert_eq!(state.failures, 0, "no failures in a row");
    assert!(state.retry.is_none(), "not on the failure schedule");
    assert_eq!(portal.asked(1), 3, "asked once each night");
}

/// A withdrawn report's PDF files are part of its versions, not documents of their own: the
/// export marks each with the report's withdrawal (`report_withdrawn`), says nothing of the
/// files' own URLs and asks none of them; `status --withdrawn` says how many files the report
/// holds. The files of a report still served carry no mark.
#[test]
fn a_withdrawn_reports_files_carry_its_withdrawal_in_the_export() {
    let portal = Portal::new(&[8, 9], false);
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 2, "{summary}");
    assert_eq!(count(&first, "attachments_fetched"), 4, "{summary}");
    let files_asked = || {
        let requests = portal.server.requests();
        requests.iter().filter(|t| t.starts_with(FILES)).count()
    };
    assert_eq!(files_asked(), 4);

    portal.serve(8, Serve::Status(404));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(
        files_asked(),
        6,
        "only the served report's files: {summary}"
    );
    let records = portal.export();
    let gone = records_of(&records, 8);
    assert_eq!(gone.len(), 1, "{records:?}");
    let withdrawal = &gone[0]["withdrawn"];
    assert_eq!(withdrawal["answer"], "http_404", "{records:?}");
    let files = gone[0]["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(files.len(), 2, "{records:?}");
    for file in &files {
        assert_eq!(&file["report_withdrawn"], withdrawal, "{file}");
        assert!(file["sha256"].is_string(), "the file as archived: {file}");
        assert!(file.get("withdrawn").is_none(), "{file}");
    }
    let served = records_of(&records, 9);
    let files = served[0]["attachments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(files.len(), 2, "{records:?}");
    assert!(files.iter().all(|f| f.get("report_withdrawn").is_none()));

    let (listed, text) = portal.withdrawn_list();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["attachments"], 2, "{listed:?}");
    assert!(text.contains("    attachments: 2 ("), "{text}");
}

/// A page that says the information does not exist (with 200) withdraws the report as
/// `soft_not_found`; a 304 to the ETag of its archived page restores it.
#[test]
fn a_page_saying_the_report_does_not_exist_withdraws_it_and_a_304_restores_it() {
    let portal = Portal::new(&[1, 2], true);
    portal.night();
    portal.serve(1, Serve::SoftNotFound);
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(night["not_content"]["soft_not_found"], 1, "{night}");
    let records = portal.export();
    let gone = records_of(&records, 1);
    assert_eq!(
        gone[0]["withdrawn"]["answer"], "soft_not_found",
        "{records:?}"
    );
    assert_eq!(count(&portal.status(), "withdrawn"), 1);
    // Said again the next night: no news.
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "still_withdrawn"), 1, "{summary}");
    assert_eq!(count(&night, "withdrawn"), 0, "{summary}");

    portal.serve(1, Serve::Page);
    let (summary, night) = portal.night();
    assert_eq!(
        count(&night, "not_modified"),
        2,
        "both answered 304: {summary}"
    );
    assert_eq!(count(&night, "restored"), 1, "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 0);
    assert!(portal.export().iter().all(|r| r.get("withdrawn").is_none()));
}

/// A report found at two URLs (`/art/1.html` and `/art/3.html`, the same page) is withdrawn only
/// once both are gone, since the second went.
#[test]
fn a_report_at_two_urls_is_withdrawn_only_when_both_are_gone() {
    let portal = Portal::new(&[1, 2, 3], false);
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 2, "{summary}");
    assert_eq!(count(&first, "new_aliases"), 1, "{summary}");

    portal.serve(1, Serve::Status(404));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "the URL is: {summary}");
    assert!(portal.url_state(1).withdrawn.is_some());
    assert_eq!(count(&portal.status(), "withdrawn"), 0, "the report is not");
    assert!(portal.export().iter().all(|r| r.get("withdrawn").is_none()));
    let (listed, text) = portal.withdrawn_list();
    assert!(listed.is_empty(), "{listed:?}");
    assert!(text.starts_with("withdrawn documents: 0"), "{text}");

    std::thread::sleep(std::time::Duration::from_millis(1100));
    portal.serve(3, Serve::Status(404));
    let (summary, night) = portal.night();
    assert_eq!(count(&night, "withdrawn"), 1, "{summary}");
    assert_eq!(count(&portal.status(), "withdrawn"), 1);
    let second = portal.url_state(3).withdrawn.expect("withdrawn");
    let first = portal.url_state(1).withdrawn.expect("still withdrawn");
    assert!(first.since < second.since, "{first:?} {second:?}");
    let records = portal.export();
    // The record names the URL its version was fetched from: 1 or 3, whichever the first night
    // committed first (the pages are read in parallel).
    let mut gone = records_of(&records, 1);
    gone.extend(records_of(&records, 3));
    assert_eq!(gone.len(), 1, "{records:?}");
    assert_eq!(gone[0]["withdrawn"]["since"], second.since.as_str());
    for record in records_of(&records, 2) {
        assert!(record.get("withdrawn").is_none(), "{record}");
    }

    // The list a researcher reads: the report, both its URLs, since the second went, and the
    // archived copy (the version export shows for it).
    let (listed, text) = portal.withdrawn_list();
    assert_eq!(listed.len(), 1, "{listed:?}");
    let row = &listed[0];
    assert_eq!(row["portal"], PORTAL, "{row}");
    assert_eq!(row["title"], title(1).as_str(), "{row}");
    assert_eq!(row["report_year"], 2021, "{row}");
    assert_eq!(row["issuing_body"], gone[0]["issuing_body"], "{row}");
    assert_eq!(row["since"], second.since.as_str(), "{row}");
    assert_eq!(row["answer"], "http_404", "{row}");
    assert_eq!(row["seq"], gone[0]["seq"], "{row}");
    assert_eq!(row["raw_path"], gone[0]["raw_path"], "{row}");
    let url = |id: usize| format!("{}/art/{id}.html", portal.server.base);
    let mut urls: Vec<&str> = row["urls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str())
        .collect();
    urls.sort_unstable();
    assert_eq!(urls, [url(1), url(3)], "{row}");
    assert!(text.starts_with("withdrawn documents: 1"), "{text}");
    let line = format!("{} http_404 {PORTAL}: 2021 {}", second.since, title(1));
    assert!(text.contains(&line), "{text}");
    assert!(text.contains(&format!("    url: {}", url(3))), "{text}");
    assert!(!text.contains("/art/2.html"), "{text}");
}

/// A site revamp: after a night, the list shows the same reports at new URLs in a new template
/// (other markup, the same text) and the old URLs answer 404. The reports are found again at
/// their new URLs (aliases of the documents archived, no new document or version in the export
/// or the feed), and none is withdrawn, that night or the next.
#[test]
fn a_revamp_that_moves_the_reports_to_new_urls_withdraws_nothing() {
    let portal = Portal::new(&[1, 2], false);
    let (summary, first) = portal.night();
    assert_eq!(count(&first, "new_documents"), 2, "{summary}");
    let archived = portal.export();

    for (old, new) in [(1, 11), (2, 12)] {
        portal.serve(old, Serve::Unlisted(404));
        portal.serve(new, Serve::Page);
    }
    for _ in 0..2 {
        let (summary, night) = portal.night();
        assert_eq!(count(&night, "withdrawn"), 0, "{summary}");
        assert_eq!(count(&night, "new_documents"), 0, "{summary}");
        assert_eq!(count(&night, "new_versions"), 0, "{summary}");
        assert_eq!(count(&portal.status(), "withdrawn"), 0);
        assert!(portal.withdrawn_list().0.is_empty());
    }
    assert_eq!(portal.asked(11), 2, "the new URLs are walked");
    let records = portal.export();
    assert_eq!(records.len(), archived.len(), "{records:?}");
    for (old, new) in [(1, 11), (2, 12)] {
        let record = records_of(&records, old);
        assert_eq!(record.len(), 1, "{records:?}");
        assert!(record[0].get("withdrawn").is_none(), "{record:?}");
        let alias = format!("{}/art/{new}.html", portal.server.base);
        assert_eq!(
            record[0]["aliases"],
            serde_json::json!([alias]),
            "{record:?}"
        );
    }
    let feed = run_nianbao(&portal.config, &["feed", "--consumer", "research"]);
    assert_eq!(feed.status.code(), Some(0), "{}", stderr(&feed));
    let fed = String::from_utf8_lossy(&feed.stdout);
    assert_eq!(fed.lines().count(), 2, "one record per report: {fed}");
}
