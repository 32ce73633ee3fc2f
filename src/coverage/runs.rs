//! What the run reports say of one portal, gathered run by run, newest first, for the matrix:
//! its newest and last successful runs, its trouble and health, and per report year whether the
//! list that holds it was walked completely (`Walk`), which a cell with no report shows.

use std::collections::{BTreeMap, BTreeSet};

use crate::report::{PortalReport, RunReport, Verdict};

use super::CellState;

/// Health events are shown from this many newest runs of a portal.
pub(super) const HEALTH_RUNS: usize = 5;

/// What the runs say of one portal, gathered run by run, newest first.
#[derive(Debug, Default)]
pub(super) struct PortalRuns {
    /// The newest run's stamp and the portal's share of it.
    pub(super) newest: Option<(String, PortalReport)>,
    /// The newest run in which the section was reachable and that was not interrupted.
    pub(super) last_successful: Option<String>,
    /// Runs in which the portal was blocked or unreachable.
    pub(super) trouble: Vec<String>,
    /// Health events of the newest [`HEALTH_RUNS`] runs, an event that lasts over several of
    /// them shown once, from the newest.
    pub(super) health: Vec<String>,
    /// The events shown from newer runs: kind, list, server, and the run that first raised it.
    lasting: BTreeSet<(&'static str, Option<String>, Option<String>, String)>,
    pub(super) runs: usize,
    /// The newest interrupted run, while no run that was not has been seen: what a cell says
    /// when no run ended.
    pub(super) interrupted: Option<String>,
    /// The newest run that was not interrupted has been seen.
    pub(super) ended: bool,
    /// Why no list could be walked: the newest run that ended could not reach the section.
    pub(super) unreachable: Option<String>,
    /// Per year of the matrix, what the runs seen so far say of its list.
    pub(super) walks: BTreeMap<i32, Walk>,
}

/// Whether the list that holds a year was walked completely, as the runs seen so far (newest
/// first) say: by the newest run that walked it, or, when that was a nightly crawl that stopped
/// early by design, by an earlier run. A backfill of other years is no such run: it did not
/// look for this year's reports.
#[derive(Debug, Clone)]
pub(super) enum Walk {
    Open {
        stopped_early: bool,
        other_years: bool,
    },
    Settled(CellState, String),
}

impl Default for Walk {
    fn default() -> Self {
        Walk::Open {
            stopped_early: false,
            other_years: false,
        }
    }
}

impl PortalRuns {
    pub(super) fn add(&mut self, run: &RunReport, report: &PortalReport, years: &[i32]) {
        let stamp = format!(
            "{} ({})",
            run.finished_at.as_deref().unwrap_or(&run.started_at),
            run.command
        );
        if self.newest.is_none() {
            self.newest = Some((stamp.clone(), report.clone()));
        }
        if self.last_successful.is_none() && !run.interrupted && !report.unreachable {
            self.last_successful = Some(stamp.clone());
        }
        let mut what = Vec::new();
        if report.unreachable {
            what.push(match report.unreachable_reason() {
                Some(reason) => format!("unreachable ({reason})"),
                None => "unreachable".to_string(),
            });
        }
        if report.blocked > 0 {
            what.push(format!("{} anti-bot challenges", report.blocked));
        }
        if !what.is_empty() {
            self.trouble.push(format!("{stamp}: {}", what.join(", ")));
        }
        if self.runs < HEALTH_RUNS {
            let mut shown = Vec::new();
            for e in &report.health {
                // An event raised again names the run that first raised it (`since`); the
                // older runs' copies of it say nothing more. Events of one run are each shown
                // (an earlier version's may differ only in their detail).
                let first = e.since.clone().unwrap_or_else(|| run.run_id.clone());
                let key = (e.kind.name(), e.list.clone(), e.host.clone(), first);
                if self.lasting.contains(&key) {
                    continue;
                }
                shown.push(key);
                let list = e
                    .list
                    .as_ref()
                    .map(|l| format!(" (list {l})"))
                    .unwrap_or_default();
                self.health
                    .push(format!("{stamp}: {}{list}: {}", e.kind.name(), e.detail));
            }
            self.lasting.extend(shown);
        }
        self.runs += 1;
        self.walk(run, report, years);
    }

    /// An interrupted run walked part of what it set out to: the run that resumed it (or a
    /// later one) says what was walked.
    fn walk(&mut self, run: &RunReport, report: &PortalReport, years: &[i32]) {
        let at = run.finished_at.as_deref().unwrap_or(&run.started_at);
        if run.interrupted {
            if !self.ended && self.interrupted.is_none() {
                self.interrupted = Some(format!(
                    "the {} run of {at} was interrupted: run the same command again to resume it",
                    run.command
                ));
            }
            return;
        }
        if !self.ended {
            self.ended = true;
            if report.unreachable {
                let why = if report.blocked > 0 {
                    format!("portal blocked ({} anti-bot challenges)", report.blocked)
                } else {
                    "portal unreachable".to_string()
                };
                // The reason the run report kept, if any (an older one may keep none).
                let reason = report
                    .unreachable_reason()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                self.unreachable = Some(format!("{why} in the run of {at}{reason}"));
            }
        }
        if self.unreachable.is_some() {
            return;
        }
        for &year in years {
            self.walks.entry(year).or_default().add(run, report, year);
        }
    }

    /// What the runs say of the list that holds `year`, for a cell with no report.
    pub(super) fn walk_state(&self, year: i32) -> (CellState, String) {
        if !self.ended {
            let why = self.interrupted.as_deref().unwrap_or("never crawled");
            return (CellState::NotWalked, why.to_string());
        }
        if let Some(why) = &self.unreachable {
            return (CellState::NotWalked, why.clone());
        }
        match self.walks.get(&year).cloned().unwrap_or_default() {
            Walk::Settled(state, why) => (state, why),
            Walk::Open {
                stopped_early: true,
                ..
            } => (
                CellState::NotWalked,
                "nightly crawls stopped early on known items; the portal's next sweep (crawl.sweep_every) or a backfill walks the whole list"
                    .into(),
            ),
            Walk::Open {
                other_years: true, ..
            } => (
                CellState::NotWalked,
                format!(
                    "only backfills of other years walked this list; `nianbao backfill --years {year}` looks for this year's reports"
                ),
            ),
            Walk::Open { .. } => (CellState::NotWalked, "no run walked this list".into()),
        }
    }
}

impl Walk {
    /// Takes in one more run that ended (older than those before it).
    fn add(&mut self, run: &RunReport, report: &PortalReport, year: i32) {
        let Walk::Open {
            mut stopped_early,
            mut other_years,
        } = *self
        else {
            return;
        };
        // A backfill of other years left this year's reports unfetched, or unkept, wherever it
        // walked: its walk of the list says nothing of them.
        if !run.covers_year(year) {
            other_years = true;
        } else {
            let key = year.to_string();
            let list = report
                .lists
                .get(&key)
                .map(|l| (key.as_str(), l))
                .or_else(|| report.lists.get("all").map(|l| ("all", l)));
            if let Some((name, list)) = list {
                let at = run.finished_at.as_deref().unwrap_or(&run.started_at);
                match list.verdict() {
                    Verdict::Ok | Verdict::NothingStated => {
                        *self = Walk::Settled(
                            CellState::NotFound,
                            format!(
                                "not found: list {name} walked completely by {} at {at}",
                                run.command
                            ),
                        );
                        return;
                    }
                    Verdict::StoppedEarly(_) => stopped_early = true,
                    Verdict::Incomplete(reasons) if !stopped_early => {
                        *self = Walk::Settled(
                            CellState::NotWalked,
                            format!("list {name} incomplete at {at}: {}", reasons.join("; ")),
                        );
                        return;
                    }
                    Verdict::Incomplete(_) => {}
                }
            }
        }
        *self = Walk::Open {
            stopped_early,
            other_years,
        };
    }
}
