//! Helpers of the portal-health unit tests: year counts, portal reports with lists, file servers
//! or an outage, and the runs that follow them.

use super::super::*;
use crate::report::YearCount;

pub(super) fn list(stated: Option<u64>, found: u64, pages: u64) -> YearCount {
    YearCount {
        stated,
        found,
        pages,
        ..YearCount::default()
    }
}

pub(super) fn portal(lists: &[(&str, YearCount)]) -> PortalReport {
    PortalReport {
        lists: lists
            .iter()
            .map(|(k, c)| (k.to_string(), c.clone()))
            .collect(),
        ..PortalReport::default()
    }
}

pub(super) fn kinds(events: &[HealthEvent]) -> Vec<HealthKind> {
    events.iter().map(|e| e.kind).collect()
}

pub(super) fn files(answered: u64, failed: &[(&str, u64)]) -> PortalReport {
    let mut host = FileHost::default();
    for _ in 0..answered {
        host.count("http://file.a.gov.cn/ok.pdf", None);
    }
    for (kind, n) in failed {
        for _ in 0..*n {
            host.count("http://file.a.gov.cn/1.pdf", Some(kind.to_string()));
        }
    }
    PortalReport {
        file_hosts: [("file.a.gov.cn".to_string(), host)].into_iter().collect(),
        ..PortalReport::default()
    }
}

/// `report` as a run report stores it: with the events its run raised.
pub(super) fn after(report: &PortalReport, health: Vec<HealthEvent>) -> PortalReport {
    PortalReport {
        health,
        ..report.clone()
    }
}

/// The events of three runs in a row: `first`, then `second` (run r2), then `third` (run r3),
/// each compared with the run before it as the crawl stores it.
pub(super) fn third_run(
    first: &PortalReport,
    second: &PortalReport,
    third: &PortalReport,
) -> (Vec<HealthEvent>, Vec<HealthEvent>) {
    let raised = compare("r1", first, second);
    let again = compare("r2", &after(second, raised.clone()), third);
    (raised, again)
}

/// A portal whose section's page answered 503: no list read, no file asked.
pub(super) fn outage() -> PortalReport {
    let mut all = YearCount::default();
    all.stops
        .insert("page http://a.gov.cn/nb/ failed: http_503".to_string());
    PortalReport {
        unreachable: true,
        lists: [("all".to_string(), all)].into_iter().collect(),
        ..PortalReport::default()
    }
}

/// The events of run r4, `fourth`, after `second` (run r2, compared with `first`) and an
/// outage (run r3): compared as the crawl does, with r3 and with r2 that walked the section.
pub(super) fn after_an_outage(
    first: &PortalReport,
    second: &PortalReport,
    outage: &PortalReport,
    fourth: &PortalReport,
) -> Vec<HealthEvent> {
    let (raised, at_outage) = third_run(first, second, outage);
    let (second, outage) = (after(second, raised), after(outage, at_outage));
    let last = Earlier {
        run: "r3",
        report: &outage,
    };
    let walked = Earlier {
        run: "r2",
        report: &second,
    };
    compare_past(last, Some(walked), fourth)
}
