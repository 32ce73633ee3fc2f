//! Unit tests of the evidence rule: an event whose trouble a run had no evidence about (its list
//! not read, its server asked nothing) is carried with its `since`, until evidence ends or renews
//! it, or [`MAX_UNSEEN`] runs in a row have had none; and a section's landing, which a night
//! that could not reach it did not see.

use super::*;
use crate::report::YearCount;

fn list(found: u64, pages: u64) -> YearCount {
    YearCount {
        found,
        pages,
        ..YearCount::default()
    }
}

/// A walked portal with list `2025` as given, and `list_pages` its pages.
fn portal(year: YearCount) -> PortalReport {
    PortalReport {
        list_pages: year.pages,
        lists: [("2025".to_string(), year)].into_iter().collect(),
        ..PortalReport::default()
    }
}

fn served(answered: u64, failed: u64) -> FileHost {
    let mut host = FileHost::default();
    for _ in 0..answered {
        host.count("http://f.example/a.pdf", None);
    }
    for _ in 0..failed {
        host.count("http://f.example/a.pdf", Some("http_503".into()));
    }
    host
}

/// `base` whose file server `f.example` (or reports' host, for `ReportsUnreachable`) counted
/// `host`, None: not asked.
fn with_server(kind: HealthKind, base: PortalReport, host: Option<FileHost>) -> PortalReport {
    let mut p = base;
    let hosts = match kind {
        HealthKind::ReportsUnreachable => &mut p.report_hosts,
        _ => &mut p.file_hosts,
    };
    if let Some(h) = host {
        hosts.insert("f.example".to_string(), h);
    }
    p
}

/// The event `kind` as the run `r2` raised it first, in `r2`'s share.
fn raised_in_r2(kind: HealthKind, list: Option<&str>, base: PortalReport) -> PortalReport {
    let host = matches!(
        kind,
        HealthKind::FilesUnreachable | HealthKind::ReportsUnreachable
    )
    .then(|| "f.example".to_string());
    PortalReport {
        health: vec![HealthEvent {
            kind,
            list: list.map(str::to_string),
            host,
            detail: format!("{} trouble (last run: fine)", kind.name()),
            since: None,
            unseen: None,
        }],
        ..base
    }
}

/// Per kind: the run that raised it (r2), a run with no evidence, one with evidence of health.
fn cases() -> Vec<(HealthKind, PortalReport, PortalReport, PortalReport)> {
    let empty_list = portal(list(0, 1));
    let mut cases = vec![
        (
            HealthKind::StructureChanged,
            raised_in_r2(
                HealthKind::StructureChanged,
                Some("2025"),
                empty_list.clone(),
            ),
            // Walked, but the nightly walk did not reach the list of 2025.
            PortalReport {
                list_pages: 1,
                lists: [("2026".to_string(), list(4, 1))].into_iter().collect(),
                ..PortalReport::default()
            },
            portal(list(5, 1)),
        ),
        (
            HealthKind::StructureChanged,
            raised_in_r2(HealthKind::StructureChanged, None, empty_list.clone()),
            portal(list(0, 0)),
            portal(list(5, 1)),
        ),
    ];
    for kind in [HealthKind::FilesUnreachable, HealthKind::ReportsUnreachable] {
        let down = with_server(kind, portal(list(5, 1)), Some(served(0, 4)));
        cases.push((
            kind,
            raised_in_r2(kind, None, down),
            with_server(kind, portal(list(5, 1)), None),
            with_server(kind, portal(list(5, 1)), Some(served(1, 6))),
        ));
    }
    cases
}

#[test]
fn no_evidence_carries_the_event_with_its_since() {
    for (kind, first, blind, _) in cases() {
        let events = compare("r2", &first, &blind);
        assert_eq!(events.len(), 1, "{kind:?}: {events:?}");
        let e = &events[0];
        assert_eq!(e.kind, kind, "{events:?}");
        assert_eq!(e.list, first.health[0].list, "{events:?}");
        assert_eq!(e.since.as_deref(), Some("r2"), "{events:?}");
        assert_eq!(e.unseen, Some(1), "{events:?}");
        assert!(
            e.detail
                .contains("(since the run r2; not looked at in this run: "),
            "{e:?}"
        );
        assert!(
            !e.detail.contains("still"),
            "not seen, so not said still: {e:?}"
        );
        // The next night sees the trouble again: renewed, since r2, counted as seen.
        let again = compare(
            "r3",
            &PortalReport {
                health: events.clone(),
                ..blind.clone()
            },
            &first,
        );
        let renewed: Vec<_> = again.iter().filter(|e| e.kind == kind).collect();
        assert_eq!(renewed.len(), 1, "{kind:?}: {again:?}");
        assert_eq!(renewed[0].since.as_deref(), Some("r2"), "{again:?}");
        assert_eq!(renewed[0].unseen, None, "{again:?}");
        assert!(!renewed[0].detail.contains("not looked at"), "{again:?}");
    }
}

#[test]
fn evidence_of_health_ends_the_event() {
    for (kind, first, blind, healthy) in cases() {
        let events = compare("r2", &first, &healthy);
        assert!(events.is_empty(), "{kind:?}: {events:?}");
        // Also after a night without evidence.
        let carried = PortalReport {
            health: compare("r2", &first, &blind),
            ..blind
        };
        let events = compare("r3", &carried, &healthy);
        assert!(events.is_empty(), "{kind:?}: {events:?}");
    }
}

#[test]
fn a_server_asked_once_or_twice_and_failing_is_still_carried() {
    for kind in [HealthKind::FilesUnreachable, HealthKind::ReportsUnreachable] {
        let down = with_server(kind, portal(list(5, 1)), Some(served(0, 4)));
        let first = raised_in_r2(kind, None, down);
        for failed in [1, 2] {
            let weak = with_server(kind, portal(list(5, 1)), Some(served(0, failed)));
            let events = compare("r2", &first, &weak);
            assert_eq!(kinds_of(&events), [kind], "{events:?}");
            assert!(
                events[0].detail.contains(&format!("only {failed} ")),
                "{events:?}"
            );
            assert_eq!(events[0].since.as_deref(), Some("r2"), "{events:?}");
        }
    }
}

#[test]
fn an_event_unseen_too_long_ends_with_nothing_raised() {
    for (kind, first, blind, _) in cases() {
        let mut last = first.clone();
        for night in 1..=MAX_UNSEEN {
            let events = compare(&format!("r{}", night + 1), &last, &blind);
            assert_eq!(kinds_of(&events), [kind], "night {night}: {events:?}");
            assert_eq!(events[0].unseen, Some(night), "{events:?}");
            assert_eq!(events[0].since.as_deref(), Some("r2"), "{events:?}");
            // The detail says it once, night after night, and does not grow.
            assert_eq!(
                events[0].detail.matches("since the run").count(),
                1,
                "{events:?}"
            );
            last = PortalReport {
                health: events,
                ..blind.clone()
            };
        }
        let events = compare("rN", &last, &blind);
        assert!(events.is_empty(), "{kind:?} past the bound: {events:?}");
    }
}

fn kinds_of(events: &[HealthEvent]) -> Vec<HealthKind> {
    events.iter().map(|e| e.kind).collect()
}

/// A redirect the section has had all along is no news after a night it could not be reached
/// (a refused connection lands nowhere); a new one is.
#[test]
fn a_steady_redirect_is_no_news_after_an_outage() {
    let landed = |to: Option<&str>, unreachable: bool| PortalReport {
        section_landed: to.map(str::to_string),
        unreachable,
        ..PortalReport::default()
    };
    let walked = landed(Some("https://new.gov.cn/nb/"), false);
    let down = landed(None, true);
    let look = |now: &PortalReport| {
        let last = Earlier {
            run: "r2",
            report: &down,
        };
        let walked = Earlier {
            run: "r1",
            report: &walked,
        };
        compare_past(last, Some(walked), now)
    };
    assert!(look(&walked).is_empty(), "{:?}", look(&walked));
    let moved = landed(Some("https://newer.gov.cn/nb/"), false);
    let events = look(&moved);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].kind, HealthKind::Redirected);
    assert!(
        events[0]
            .detail
            .contains("(last run: https://new.gov.cn/nb/)"),
        "{events:?}"
    );
}

/// Where the section landed is unknown when no run looked at walked it (a new portal whose first
/// night could not reach it, an outage longer than the runs read): a redirect seen on the first
/// night that walks it is no news then, as it is not on a portal's first run.
#[test]
fn a_redirect_is_no_news_when_no_earlier_run_reached_the_section() {
    let down = PortalReport {
        unreachable: true,
        ..PortalReport::default()
    };
    let now = PortalReport {
        section_landed: Some("https://new.gov.cn/nb/".to_string()),
        ..PortalReport::default()
    };
    let last = Earlier {
        run: "r1",
        report: &down,
    };
    let events = compare_past(last, None, &now);
    assert!(kinds_of(&events).is_empty(), "{events:?}");
}
