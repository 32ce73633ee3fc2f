//! Unit tests of portal health: the events a change raises, and the rules that carry an event
//! while its trouble lasts. Helpers are in `support.rs`.

mod support;

use super::*;
use support::*;

#[test]
fn each_change_is_one_event_and_a_steady_portal_none() {
    let steady = portal(&[("all", list(Some(20), 20, 2))]);
    assert!(compare("r1", &steady, &steady).is_empty());

    let emptied = portal(&[("all", list(Some(20), 0, 1))]);
    assert_eq!(
        kinds(&compare("r1", &steady, &emptied)),
        [HealthKind::StructureChanged]
    );
    // A list that had only a couple of items says little when it empties.
    let few = portal(&[("all", list(None, 2, 1))]);
    assert!(compare("r1", &few, &portal(&[("all", list(None, 0, 1))])).is_empty());

    let fell = portal(&[("all", list(Some(12), 12, 2))]);
    let events = compare("r1", &steady, &fell);
    assert_eq!(kinds(&events), [HealthKind::ItemCountFell]);
    assert_eq!(events[0].list.as_deref(), Some("all"));
    assert!(events[0].detail.contains("12") && events[0].detail.contains("20"));
    assert!(
        compare("r1", &fell, &steady).is_empty(),
        "a rise is no alarm"
    );

    let challenged = PortalReport {
        blocked: 3,
        ..steady.clone()
    };
    assert_eq!(
        kinds(&compare("r1", &steady, &challenged)),
        [HealthKind::NewChallenge]
    );
    assert!(
        compare("r1", &challenged, &challenged).is_empty(),
        "not new"
    );

    let moved = PortalReport {
        section_landed: Some("https://new.example.gov.cn/".into()),
        ..steady.clone()
    };
    assert_eq!(
        kinds(&compare("r1", &steady, &moved)),
        [HealthKind::Redirected]
    );
    assert!(compare("r1", &moved, &moved).is_empty(), "not new");

    let down = PortalReport {
        unreachable: true,
        lists: Default::default(),
        ..steady.clone()
    };
    assert_eq!(
        kinds(&compare("r1", &steady, &down)),
        [HealthKind::Unreachable]
    );
    // A certificate that failed is named with its host and the key to set.
    let expired = PortalReport {
        tls_failure: Some("host a.gov.cn: tls_certificate: certificate expired".into()),
        ..down.clone()
    };
    let events = compare("r1", &steady, &expired);
    assert!(
        events[0]
            .detail
            .contains("walked: host a.gov.cn: tls_certificate: certificate expired"),
        "{events:?}"
    );
    // So is the pause of the section's host.
    let refused = PortalReport {
        host_paused: Some("host a.gov.cn: refused: 403 on 5 requests in a row".into()),
        ..down.clone()
    };
    let events = compare("r1", &steady, &refused);
    assert!(
        events[0]
            .detail
            .contains("walked: host a.gov.cn: refused: 403"),
        "{events:?}"
    );

    let redesigned = PortalReport {
        list_pages: 1,
        ..PortalReport::default()
    };
    let events = compare("r1", &steady, &redesigned);
    assert_eq!(kinds(&events), [HealthKind::StructureChanged]);
    assert_eq!(events[0].list, None);
}

#[test]
fn a_file_server_that_stops_answering_is_one_event() {
    let served = files(4, &[]);
    let down = files(0, &[("connect", 2), ("http_503", 1)]);
    let events = compare("r1", &served, &down);
    assert_eq!(kinds(&events), [HealthKind::FilesUnreachable]);
    let detail = &events[0].detail;
    for part in [
        "file.a.gov.cn",
        "all 3",
        "connect=2",
        "http_503=1",
        "/1.pdf",
        "4 answered",
    ] {
        assert!(detail.contains(part), "{part} in {detail}");
    }
    // Fewer than MANY_FILES failures, one file answered, or a server never seen answering
    // (nothing to compare with, or only failures last run): no event.
    assert!(compare("r1", &served, &files(0, &[("timeout", 2)])).is_empty());
    assert!(compare("r1", &served, &files(1, &[("timeout", 5)])).is_empty());
    assert!(compare("r1", &PortalReport::default(), &down).is_empty());
    assert!(compare("r1", &down, &down).is_empty());
    // A section that could not be walked is `unreachable`, not also its file servers'.
    let section_down = PortalReport {
        unreachable: true,
        ..down.clone()
    };
    assert_eq!(
        kinds(&compare("r1", &served, &section_down)),
        [HealthKind::Unreachable]
    );

    // The same rule for report pages on another host, as another kind.
    let pages = |p: PortalReport| PortalReport {
        report_hosts: p.file_hosts,
        ..PortalReport::default()
    };
    let events = compare("r1", &pages(served.clone()), &pages(down.clone()));
    assert_eq!(kinds(&events), [HealthKind::ReportsUnreachable]);
    assert!(
        events[0].detail.contains("report page requests"),
        "{events:?}"
    );
}

#[test]
fn only_failures_of_the_server_count_against_it() {
    for kind in [
        "connect",
        "timeout",
        "host_paused",
        "tls_handshake",
        "http_500",
        "http_503",
        "http_600",
        "http_999",
    ] {
        assert!(fails_the_host(kind), "{kind}");
    }
    for kind in [
        "http_404",
        "http_200",
        "oversize",
        "blocked",
        "truncated",
        "http_5",
    ] {
        assert!(!fails_the_host(kind), "{kind}");
    }
}

#[test]
fn a_redesign_is_raised_again_while_its_list_stays_empty() {
    let steady = portal(&[("all", list(Some(20), 20, 2))]);
    let emptied = portal(&[("all", list(Some(20), 0, 1))]);
    let (raised, again) = third_run(&steady, &emptied, &emptied);
    assert_eq!(raised[0].since, None, "the first run has no since");
    assert_eq!(kinds(&again), [HealthKind::StructureChanged]);
    assert_eq!(again[0].list.as_deref(), Some("all"));
    assert_eq!(again[0].since.as_deref(), Some("r2"));
    assert!(
        again[0].detail.contains("still no items") && again[0].detail.contains("since the run r2"),
        "{again:?}"
    );
    // A fourth run keeps the first run's id, and the old template back ends it.
    let fourth = compare("r3", &after(&emptied, again.clone()), &emptied);
    assert_eq!(fourth[0].since.as_deref(), Some("r2"));
    assert!(compare("r3", &after(&emptied, again.clone()), &steady).is_empty());
    // A list not read, or a section not walked, does not say the list is still empty.
    let unread = portal(&[("2025", list(None, 4, 1))]);
    let carried = compare("r3", &after(&emptied, again.clone()), &unread);
    assert!(carried[0].detail.contains("not looked at"), "{carried:?}");
    let down = PortalReport {
        unreachable: true,
        ..emptied.clone()
    };
    assert_eq!(
        kinds(&compare("r3", &after(&emptied, again), &down)),
        [HealthKind::Unreachable]
    );

    // The whole portal's redesign, no list yielding anything: carried while none does.
    let redesigned = PortalReport {
        list_pages: 1,
        ..PortalReport::default()
    };
    let (raised, again) = third_run(&steady, &redesigned, &redesigned);
    assert_eq!(raised[0].list, None);
    assert_eq!(kinds(&again), [HealthKind::StructureChanged]);
    assert_eq!(again[0].list, None);
    assert_eq!(again[0].since.as_deref(), Some("r2"));
    let (_, again) = third_run(&steady, &redesigned, &steady);
    assert!(again.is_empty(), "{again:?}");
}

#[test]
fn a_challenge_and_an_unreachable_section_are_raised_again_while_they_last() {
    let steady = portal(&[("all", list(Some(20), 20, 2))]);
    let challenged = PortalReport {
        blocked: 3,
        ..steady.clone()
    };
    let (_, again) = third_run(&steady, &challenged, &challenged);
    assert_eq!(kinds(&again), [HealthKind::NewChallenge]);
    assert_eq!(again[0].since.as_deref(), Some("r2"));
    let (_, again) = third_run(&steady, &challenged, &steady);
    assert!(again.is_empty(), "{again:?}");

    let down = PortalReport {
        unreachable: true,
        host_paused: Some("host a.gov.cn: refused".into()),
        lists: Default::default(),
        ..steady.clone()
    };
    let (_, again) = third_run(&steady, &down, &down);
    assert_eq!(kinds(&again), [HealthKind::Unreachable]);
    assert_eq!(again[0].since.as_deref(), Some("r2"));
    assert!(
        again[0].detail.contains("host a.gov.cn: refused"),
        "{again:?}"
    );
    let (_, again) = third_run(&steady, &down, &steady);
    assert!(again.is_empty(), "{again:?}");
}

#[test]
fn a_redirect_and_a_fallen_count_are_one_runs_news() {
    let steady = portal(&[("all", list(Some(20), 20, 2))]);
    let moved = PortalReport {
        section_landed: Some("https://new.example.gov.cn/".into()),
        ..steady.clone()
    };
    let (raised, again) = third_run(&steady, &moved, &moved);
    assert_eq!(kinds(&raised), [HealthKind::Redirected]);
    assert!(again.is_empty(), "{again:?}");
    let fell = portal(&[("all", list(Some(12), 12, 2))]);
    let (raised, again) = third_run(&steady, &fell, &fell);
    assert_eq!(kinds(&raised), [HealthKind::ItemCountFell]);
    assert!(again.is_empty(), "{again:?}");
}

#[test]
fn a_file_server_that_stays_down_is_raised_again_until_it_answers() {
    let served = files(4, &[]);
    let down = files(0, &[("http_503", 4)]);
    let (raised, again) = third_run(&served, &down, &down);
    assert_eq!(raised[0].host.as_deref(), Some("file.a.gov.cn"));
    assert_eq!(kinds(&again), [HealthKind::FilesUnreachable]);
    assert_eq!(again[0].host.as_deref(), Some("file.a.gov.cn"));
    assert_eq!(again[0].since.as_deref(), Some("r2"));
    for part in ["file.a.gov.cn", "all 4", "http_503=4", "since the run r2"] {
        assert!(again[0].detail.contains(part), "{part} in {again:?}");
    }
    // One file answered: over. Fewer than MANY_FILES asked: not looked at (`evidence_tests`).
    let (_, again) = third_run(&served, &down, &files(1, &[("http_503", 4)]));
    assert!(again.is_empty(), "{again:?}");
    let (_, again) = third_run(&served, &down, &files(0, &[("http_503", 2)]));
    assert!(again[0].detail.contains("not looked at"), "{again:?}");
    // A run report of an earlier version names the server in the detail only.
    let mut old = compare("r1", &served, &down);
    old[0].host = None;
    let again = compare("r2", &after(&down, old), &down);
    assert_eq!(again[0].host.as_deref(), Some("file.a.gov.cn"));

    let pages = |p: PortalReport| PortalReport {
        report_hosts: p.file_hosts,
        ..PortalReport::default()
    };
    let (_, again) = third_run(&pages(served.clone()), &pages(down.clone()), &pages(down));
    assert_eq!(kinds(&again), [HealthKind::ReportsUnreachable]);
    assert!(again[0].detail.contains("report page"), "{again:?}");
    let (_, again) = third_run(
        &pages(served.clone()),
        &pages(files(0, &[("connect", 3)])),
        &pages(served),
    );
    assert!(again.is_empty(), "{again:?}");
}

#[test]
fn an_event_of_an_earlier_version_reads_without_host_or_since() {
    let old = r#"{"kind":"files_unreachable","detail":"file server f.gov.cn: all 3"}"#;
    let event: HealthEvent = serde_json::from_str(old).expect("an earlier version's event");
    assert_eq!((event.host, event.since), (None, None));
}

#[test]
fn an_outage_neither_ends_nor_renews_a_lasting_event() {
    let steady = portal(&[("all", list(Some(20), 20, 2))]);
    let emptied = portal(&[("all", list(Some(20), 0, 1))]);
    // The outage raises `unreachable` only; the next run still redesigned carries the redesign
    // since r2, and one with the old template back ends it.
    let (_, at_outage) = third_run(&steady, &emptied, &outage());
    assert_eq!(kinds(&at_outage), [HealthKind::Unreachable]);
    let events = after_an_outage(&steady, &emptied, &outage(), &emptied);
    assert_eq!(kinds(&events), [HealthKind::StructureChanged], "{events:?}");
    assert_eq!(events[0].since.as_deref(), Some("r2"));
    assert!(events[0].detail.contains("since the run r2"), "{events:?}");
    assert!(after_an_outage(&steady, &emptied, &outage(), &steady).is_empty());

    // The same for a file server still down, and for a challenge still met.
    let down = files(0, &[("http_503", 4)]);
    let events = after_an_outage(&files(4, &[]), &down, &outage(), &down);
    assert_eq!(kinds(&events), [HealthKind::FilesUnreachable], "{events:?}");
    assert_eq!(events[0].since.as_deref(), Some("r2"));
    let challenged = PortalReport {
        blocked: 3,
        ..steady.clone()
    };
    let events = after_an_outage(&steady, &challenged, &outage(), &challenged);
    assert_eq!(kinds(&events), [HealthKind::NewChallenge], "{events:?}");
    assert_eq!(events[0].since.as_deref(), Some("r2"));
    // A section behind the challenge that night still met it: raised again then, and once after.
    let behind = PortalReport {
        blocked: 2,
        ..outage()
    };
    let events = after_an_outage(&steady, &challenged, &behind, &challenged);
    assert_eq!(kinds(&events), [HealthKind::NewChallenge], "{events:?}");
    assert_eq!(events[0].since.as_deref(), Some("r2"));
    // A challenge first met by a section it kept from being walked: raised once the run after.
    let met = after(&behind, compare("r1", &steady, &behind));
    let last = Earlier {
        run: "r2",
        report: &met,
    };
    let walked = Earlier {
        run: "r1",
        report: &steady,
    };
    let events = compare_past(last, Some(walked), &challenged);
    assert_eq!(kinds(&events), [HealthKind::NewChallenge], "{events:?}");
    assert_eq!(events[0].since.as_deref(), Some("r2"));
}

#[test]
fn the_first_look_after_an_outage_compares_with_the_last_run_that_walked() {
    let steady = portal(&[("all", list(Some(20), 20, 2))]);
    let emptied = portal(&[("all", list(Some(20), 0, 1))]);
    let down = outage();
    let look = |before: &PortalReport, now: &PortalReport| {
        let last = Earlier {
            run: "r2",
            report: &down,
        };
        let walked = Earlier {
            run: "r1",
            report: before,
        };
        compare_past(last, Some(walked), now)
    };
    let events = look(&steady, &emptied);
    assert_eq!(kinds(&events), [HealthKind::StructureChanged], "{events:?}");
    assert!(
        events[0]
            .detail
            .contains("(the run r1, the last that walked the section: 20 items)"),
        "{events:?}"
    );
    assert_eq!(events[0].since, None);
    let events = look(&files(4, &[]), &files(0, &[("connect", 3)]));
    assert_eq!(kinds(&events), [HealthKind::FilesUnreachable], "{events:?}");
    // A run that walked the section is compared with itself only.
    let last = Earlier {
        run: "r2",
        report: &steady,
    };
    let older = Earlier {
        run: "r1",
        report: &steady,
    };
    assert!(
        compare_past(last, Some(older), &emptied)[0]
            .detail
            .contains("(last run: 20 items)")
    );
}

#[test]
fn unreachable_names_the_failure_of_the_sections_page() {
    let steady = portal(&[("all", list(Some(20), 20, 2))]);
    let (raised, again) = third_run(&steady, &outage(), &outage());
    for events in [raised, again] {
        assert_eq!(kinds(&events), [HealthKind::Unreachable], "{events:?}");
        assert!(
            events[0]
                .detail
                .contains("could not be walked: page http://a.gov.cn/nb/ failed: http_503"),
            "{events:?}"
        );
    }
}
