//! The coverage matrix a researcher reads: per portal, a row per issuing body and a column per
//! report year, each cell one state (captured, captured late, changed after publication, not
//! found in a complete walk, not walked, not yet due). Built by a pure function from the export
//! records and the run reports; `html` renders it as one self-contained page, `table` as CSV.
//! `version` is what the matrix reads of an archived version, `runs` what the run reports say
//! of each portal's walks, `rules` which deadline applies, `keep` which run reports it rests on.

mod html;
mod keep;
mod rules;
mod runs;
mod same;
mod table;
mod version;

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::report::RunReport;
use crate::store::{Delisting, Withdrawal};

pub use html::{Links, render_html};
pub use keep::RunsNeeded;
pub use rules::{Rule, RuleChoice, body_key, deadline, rule_for};
pub use same::EarlierAddress;
pub use table::render_csv;
pub use version::ReportVersion;

use runs::{HEALTH_RUNS, PortalRuns, Walk};

/// How many report years the matrix shows at least (back from last year).
pub const YEARS_SHOWN: i32 = 17;

/// The state of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    Captured,
    CapturedLate,
    Changed,
    NotFound,
    NotWalked,
    NotYetDue,
}

impl CellState {
    pub fn name(self) -> &'static str {
        match self {
            CellState::Captured => "captured",
            CellState::CapturedLate => "captured_late",
            CellState::Changed => "changed",
            CellState::NotFound => "not_found",
            CellState::NotWalked => "not_walked",
            CellState::NotYetDue => "not_yet_due",
        }
    }
}

/// One archived version of a report in a cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellVersion {
    pub seq: u64,
    pub version: u32,
    pub url: String,
    pub raw_path: String,
    pub fetched_at: String,
}

/// One report (document) in a cell, with every version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CellReport {
    pub id: String,
    pub title: Option<String>,
    /// `html`, `pdf`, `doc`, `ofd` …, the page's own and its attachments', joined by `+`.
    pub kind: String,
    /// The first version's publish date.
    pub first_published: Option<String>,
    pub versions: Vec<CellVersion>,
    /// Since when and how the report is withdrawn now (every URL it was found at gone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
    /// Since when the URL of its last version is delisted: taken off the list a complete walk
    /// proved, still served.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delisted: Option<Delisting>,
    /// The archived document this one re-publishes (`same_report_as`): folded into this one
    /// when both are in the cell.
    #[serde(skip)]
    pub same_report_as: Option<String>,
    /// The older documents of the same report (a site revamp's earlier addresses), folded in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier: Vec<EarlierAddress>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell {
    pub year: i32,
    pub state: CellState,
    pub late: bool,
    pub changed: bool,
    /// The deadline that applies to this body and year.
    pub deadline: Option<String>,
    /// Why the cell has its state: the rule applied, the run that walked the list, the reason
    /// it was not walked.
    pub note: String,
    pub reports: Vec<CellReport>,
    /// When every report of the cell is withdrawn now: the withdrawal of the one that went last.
    /// The state stays what was captured; this is a mark beside it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
    /// When no report of the cell is on its list any more and not all are withdrawn (withdrawn
    /// wins): the delisting of the one that went last. A mark beside the state, as `withdrawn`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delisted: Option<Delisting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BodyRow {
    /// The name most of the row's reports give the body (the newest report's, between equals).
    pub issuing_body: String,
    /// The other names its reports give it (`…人民政府办公室`, `…县` …; see [`body_key`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_named: Vec<String>,
    pub rule: RuleChoice,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortalCoverage {
    pub portal: String,
    pub url: Option<String>,
    /// The newest run that walked this portal: `finished_at` and command.
    pub last_run: Option<String>,
    /// The newest run in which the portal's section was reachable and that was not interrupted.
    pub last_successful_run: Option<String>,
    /// Ledger line per list of the newest run.
    pub lists: BTreeMap<String, String>,
    /// `blocked` or `unreachable` when the newest run could not walk the portal.
    pub walk_now: Option<String>,
    /// Runs in which the portal was blocked or unreachable, newest first.
    pub trouble: Vec<String>,
    /// Failures by kind in the newest run.
    pub failures: BTreeMap<String, u64>,
    /// Health events of recent runs, newest first: `finished_at kind (list): detail`.
    pub health: Vec<String>,
    /// What the withdrawn and delisted marks rest on when they are not the store's own: for
    /// `report --all-shards`, a portal whose newest run report carries none (unknown) or cut
    /// them short. None: every mark is shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marks: Option<String>,
    pub rows: Vec<BodyRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub generated_at: String,
    pub years: Vec<i32>,
    pub portals: Vec<PortalCoverage>,
}

/// Portals as configured: name and section URL.
pub type ConfiguredPortal = (String, Option<String>);

/// One body of a portal while the matrix is built: each name its reports give it, with how
/// many reports give it and the newest year among them, and its reports by year.
#[derive(Debug, Default)]
struct Body {
    names: BTreeMap<String, (usize, i32)>,
    by_year: BTreeMap<i32, Vec<CellReport>>,
}

impl Body {
    /// The row's name (the one most reports give, the newest report's between equals) and the
    /// others.
    fn names(&self) -> (String, Vec<String>) {
        let mut names: Vec<(&String, &(usize, i32))> = self.names.iter().collect();
        names.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let mut names = names.into_iter().map(|(n, _)| n.clone());
        let first = names.next().unwrap_or_default();
        let mut others: Vec<String> = names.collect();
        others.sort();
        (first, others)
    }
}

/// Builds the matrix. `runs` newest first, as the store gives them, each read once and let go:
/// what the matrix needs of them is gathered per portal as they pass; `today` decides what is
/// not yet due.
pub fn build(
    configured: &[ConfiguredPortal],
    records: &[ReportVersion],
    runs: impl IntoIterator<Item = impl Borrow<RunReport>>,
    today: NaiveDate,
    generated_at: String,
) -> Coverage {
    // Versions by document, in version order.
    let mut docs: BTreeMap<&str, Vec<&ReportVersion>> = BTreeMap::new();
    for r in records {
        docs.entry(r.id.as_str()).or_default().push(r);
    }
    for versions in docs.values_mut() {
        versions.sort_by_key(|r| r.version);
    }
    let mut years: BTreeSet<i32> = ((today.year() - YEARS_SHOWN)..today.year()).collect();
    // portal -> body key -> the body's names and its reports by year
    let mut grid: BTreeMap<String, BTreeMap<String, Body>> = BTreeMap::new();
    for versions in docs.values() {
        let first = versions[0];
        let latest = versions[versions.len() - 1];
        let Some(year) = latest.report_year.or(first.report_year) else {
            continue;
        };
        if !(latest.is_annual_report || first.is_annual_report) {
            continue;
        }
        years.insert(year);
        let body = latest
            .issuing_body
            .clone()
            .or_else(|| first.issuing_body.clone())
            .unwrap_or_else(|| first.portal.clone());
        let entry = grid
            .entry(first.portal.clone())
            .or_default()
            .entry(body_key(&body))
            .or_default();
        let named = entry.names.entry(body).or_default();
        named.0 += 1;
        named.1 = named.1.max(year);
        entry.by_year.entry(year).or_default().push(CellReport {
            id: first.id.clone(),
            title: latest.title.clone(),
            kind: latest.kind.clone(),
            first_published: first.publish_date.clone(),
            versions: versions
                .iter()
                .map(|v| CellVersion {
                    seq: v.seq,
                    version: v.version,
                    url: v.url.clone(),
                    raw_path: v.raw_path.clone(),
                    fetched_at: v.fetched_at.clone(),
                })
                .collect(),
            withdrawn: latest.withdrawn.clone(),
            delisted: latest.delisted.clone(),
            same_report_as: latest.same_report_as.clone(),
            earlier: Vec::new(),
        });
    }
    let years: Vec<i32> = years.into_iter().collect();
    let mut names: Vec<ConfiguredPortal> = configured.to_vec();
    for name in grid.keys() {
        if !names.iter().any(|(n, _)| n == name) {
            names.push((name.clone(), None));
        }
    }
    let mut history: BTreeMap<String, PortalRuns> = names
        .iter()
        .map(|(name, _)| (name.clone(), PortalRuns::default()))
        .collect();
    for run in runs {
        let run = run.borrow();
        for (name, report) in &run.portals {
            if let Some(portal) = history.get_mut(name) {
                portal.add(run, report, &years);
            }
        }
    }
    let portals = names
        .into_iter()
        .map(|(name, url)| {
            let bodies = grid.remove(&name).unwrap_or_default();
            let runs = history.remove(&name).unwrap_or_default();
            portal_coverage(name, url, bodies, runs, &years, today)
        })
        .collect();
    Coverage {
        generated_at,
        years,
        portals,
    }
}

fn portal_coverage(
    name: String,
    url: Option<String>,
    mut bodies: BTreeMap<String, Body>,
    runs: PortalRuns,
    years: &[i32],
    today: NaiveDate,
) -> PortalCoverage {
    if bodies.is_empty() {
        // Nothing captured: one row under the portal's own name shows why.
        let mut body = Body::default();
        body.names.insert(name.clone(), (0, 0));
        bodies.insert(body_key(&name), body);
    }
    let rows = bodies
        .into_values()
        .map(|body| body_row(body, &runs, years, today))
        .collect();
    let (last_run, newest) = match runs.newest {
        Some((stamp, report)) => (Some(stamp), Some(report)),
        None => (None, None),
    };
    PortalCoverage {
        last_run,
        last_successful_run: runs.last_successful,
        lists: newest
            .as_ref()
            .map(|p| {
                p.lists
                    .iter()
                    .map(|(k, c)| (k.clone(), c.completeness()))
                    .collect()
            })
            .unwrap_or_default(),
        trouble: runs.trouble,
        walk_now: newest.as_ref().filter(|p| p.unreachable).map(|p| {
            if p.blocked > 0 {
                "blocked"
            } else {
                "unreachable"
            }
            .to_string()
        }),
        failures: newest.map(|p| p.failures).unwrap_or_default(),
        health: runs.health,
        marks: None,
        portal: name,
        url,
        rows,
    }
}

/// The withdrawal of a cell whose every report is withdrawn: the latest, as the year's report
/// was online until the last of them went. None when one of them is still served.
fn all_withdrawn(reports: &[CellReport]) -> Option<Withdrawal> {
    let mut latest: Option<&Withdrawal> = None;
    for report in reports {
        let gone = report.withdrawn.as_ref()?;
        if latest.is_none_or(|l| gone.since > l.since) {
            latest = Some(gone);
        }
    }
    latest.cloned()
}

/// The delisting of a cell none of whose reports is on its list any more (each delisted or
/// withdrawn) and some only delisted: the latest, as the year was listed until the last went.
/// None when one is still listed, or when all are withdrawn (the withdrawal says more).
fn all_delisted(reports: &[CellReport]) -> Option<Delisting> {
    let mut latest: Option<&Delisting> = None;
    for report in reports {
        if report.withdrawn.is_some() {
            continue;
        }
        let off = report.delisted.as_ref()?;
        if latest.is_none_or(|l| off.since > l.since) {
            latest = Some(off);
        }
    }
    latest.cloned()
}

fn body_row(body: Body, runs: &PortalRuns, years: &[i32], today: NaiveDate) -> BodyRow {
    let (name, also_named) = body.names();
    let mut by_year = body.by_year;
    let rule = rule_for(&name);
    let cells = years
        .iter()
        .map(|&year| {
            let due = deadline(rule.rule, year);
            let reports = same::fold(by_year.remove(&year).unwrap_or_default());
            let rule_note = format!("{} ({})", rule.rule.label(), rule.because);
            if reports.is_empty() {
                let (state, why) = if due.is_some_and(|d| today <= d) {
                    (CellState::NotYetDue, "not yet due".to_string())
                } else {
                    runs.walk_state(year)
                };
                return Cell {
                    year,
                    state,
                    late: false,
                    changed: false,
                    deadline: due.map(|d| d.to_string()),
                    note: format!("{why}; deadline by the {rule_note} rule"),
                    reports,
                    withdrawn: None,
                    delisted: None,
                };
            }
            let first = reports
                .iter()
                .filter_map(|r| r.first_published.as_deref())
                .filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .min();
            let late = matches!((first, due), (Some(f), Some(d)) if f > d);
            let changed = reports.iter().any(|r| r.versions.len() > 1);
            let state = if changed {
                CellState::Changed
            } else if late {
                CellState::CapturedLate
            } else {
                CellState::Captured
            };
            let published = match first {
                Some(f) => format!("first published {f}"),
                None => "publish date unknown".to_string(),
            };
            let due_text = due.map(|d| d.to_string()).unwrap_or_default();
            let lateness = if late { "late" } else { "on time" };
            let earlier: Vec<&str> = reports
                .iter()
                .flat_map(|r| &r.earlier)
                .map(|e| e.url.as_str())
                .collect();
            let earlier = if earlier.is_empty() {
                String::new()
            } else {
                format!(
                    "; re-published after a site revamp, earlier at {}",
                    earlier.join(", ")
                )
            };
            Cell {
                year,
                state,
                late,
                changed,
                deadline: due.map(|d| d.to_string()),
                note: format!(
                    "{published}, {lateness}: deadline {due_text} by the {rule_note} rule{earlier}"
                ),
                withdrawn: all_withdrawn(&reports),
                delisted: all_delisted(&reports),
                reports,
            }
        })
        .collect();
    BodyRow {
        issuing_body: name,
        also_named,
        rule,
        cells,
    }
}

#[cfg(test)]
pub(crate) mod tests;
