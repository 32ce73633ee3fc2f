//! Which run reports the coverage matrix and `status` still rest on, for `nianbao prune-runs`:
//! the runs are replayed newest first as `build` reads them, and a run is needed when it
//! changes what some portal's header or cells say. A run that changes nothing for any portal it
//! names can go: without it, every later run meets the same state, so the matrix is the same.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::{HEALTH_RUNS, PortalRuns, ReportVersion, Walk, YEARS_SHOWN};
use crate::report::RunReport;

/// What the matrix says of a portal, less what a prune honestly changes (the number of runs
/// and the runs in which it was blocked): whether it has a newest and a last successful run, how
/// many health events, the interrupted run a cell names, whether a run ended and could not
/// reach it, and per year the state of its walk. Today the health events, the interrupted run
/// and the unreachable one change only with another of these (the first runs, the newest run,
/// the first that ended); they are here so that a change to `PortalRuns::add` cannot make them
/// rest on a run let go.
type Said = (bool, bool, usize, bool, bool, bool, Vec<u8>);

/// The runs the matrix rests on, found run by run, newest first.
#[derive(Debug)]
pub struct RunsNeeded {
    years: Vec<i32>,
    portals: BTreeMap<String, PortalRuns>,
}

impl RunsNeeded {
    /// For the archive's reports as of `today`. The years are those the matrix shows now and
    /// the next year, so that a column that comes into view rests on the runs kept too.
    pub fn new(records: &[ReportVersion], today: NaiveDate) -> Self {
        let mut years: Vec<i32> = ((today.year() - YEARS_SHOWN)..=(today.year() + 1)).collect();
        for year in records.iter().filter_map(|r| r.report_year) {
            if !years.contains(&year) {
                years.push(year);
            }
        }
        years.sort_unstable();
        RunsNeeded {
            years,
            portals: BTreeMap::new(),
        }
    }

    /// Takes in the next run (older than those before it): whether some portal's header or
    /// cells rest on it. Every portal it names counts, configured or not.
    pub fn needs(&mut self, run: &RunReport) -> bool {
        let mut needed = false;
        for (name, report) in &run.portals {
            let portal = self.portals.entry(name.clone()).or_default();
            // The newest runs of a portal give its health events.
            let recent = portal.runs < HEALTH_RUNS;
            let before = said(portal, &self.years);
            portal.add(run, report, &self.years);
            if recent || said(portal, &self.years) != before {
                needed = true;
            }
        }
        needed
    }
}

fn said(p: &PortalRuns, years: &[i32]) -> Said {
    let walks: Vec<u8> = years
        .iter()
        .map(|year| match p.walks.get(year) {
            None => 0,
            Some(Walk::Open {
                stopped_early,
                other_years,
            }) => u8::from(*stopped_early) | (u8::from(*other_years) << 1),
            Some(Walk::Settled(..)) => 4,
        })
        .collect();
    (
        p.newest.is_some(),
        p.last_successful.is_some(),
        p.health.len(),
        p.interrupted.is_some(),
        p.ended,
        p.unreachable.is_some(),
        walks,
    )
}
