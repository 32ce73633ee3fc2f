//! What a run adds to its report when it ends: each portal's health against the last run that
//! walked it (and the last that reached its section), and its withdrawn, delisted and linked counts and marks.

use std::collections::{BTreeMap, BTreeSet};

use crate::health::Earlier;
use crate::report::{PortalReport, RunReport};
use crate::store::Store;

use super::RECENT_RUNS;

/// Compares each portal with its share of the last run that walked it, among the last
/// [`RECENT_RUNS`] (dry runs and interrupted runs say too little to compare with): an event of
/// that run whose trouble lasts is raised again, so such runs between neither end nor renew it.
/// Where that run could not walk the section, the last run before it that did is looked for
/// too: what it saw of the lists and servers, and its events, are what this run judges.
pub(super) fn add_health(store: &Store, report: &mut RunReport) {
    if report.interrupted {
        return;
    }
    let mut waiting: BTreeSet<String> = report.portals.keys().cloned().collect();
    // Per portal: its last run (id, share), and the last that walked its section when the
    // last could not.
    let mut last: BTreeMap<String, (String, PortalReport)> = BTreeMap::new();
    let mut walked: BTreeMap<String, (String, PortalReport)> = BTreeMap::new();
    for run in store.runs_newest_first::<RunReport>().take(RECENT_RUNS) {
        if !run.compares() {
            continue;
        }
        for (name, previous) in run.portals {
            if !waiting.contains(&name) {
                continue;
            }
            let reachable = !previous.unreachable;
            if last.contains_key(&name) {
                if reachable {
                    walked.insert(name.clone(), (run.run_id.clone(), previous));
                }
            } else {
                last.insert(name.clone(), (run.run_id.clone(), previous));
            }
            if reachable {
                waiting.remove(&name);
            }
        }
        if waiting.is_empty() {
            break;
        }
    }
    for (name, (run, previous)) in &last {
        let Some(current) = report.portals.get_mut(name) else {
            continue;
        };
        let last = Earlier {
            run,
            report: previous,
        };
        let walked = walked
            .get(name)
            .map(|(run, report)| Earlier { run, report });
        current.health = crate::health::compare_past(last, walked, current);
    }
}

/// Each portal's withdrawn documents, delisted URLs and linked documents at the end of the run,
/// counted, and the first two listed (`marks_now`).
/// A store that cannot be read for them leaves them unknown (logged): the run's own work is done.
pub(super) fn add_standing(store: &Store, report: &mut RunReport) {
    // One read of each index gives both: a portal's count is its listed marks and those left out.
    let standing = store
        .withdrawn_documents()
        .and_then(|withdrawn| Ok((withdrawn, store.delisted_urls()?)));
    match standing {
        Ok((withdrawn, delisted)) => {
            let mut marks = crate::report::marks_by_portal(withdrawn, delisted);
            for (name, portal) in &mut report.portals {
                let mine = marks.remove(name).unwrap_or_default();
                portal.withdrawn_now = Some(mine.withdrawn.len() as u64 + mine.withdrawn_left_out);
                portal.delisted_now = Some(mine.delisted.len() as u64 + mine.delisted_left_out);
                portal.marks_now = Some(mine);
            }
        }
        Err(e) => tracing::error!(
            "withdrawn and delisted counts and marks left out of the run report: {e}"
        ),
    }
    match store.linked_counts() {
        Ok(counts) => {
            for (name, portal) in &mut report.portals {
                portal.linked_now = Some(counts.get(name).copied().unwrap_or_default());
            }
        }
        Err(e) => tracing::error!("linked counts left out of the run report: {e}"),
    }
}
