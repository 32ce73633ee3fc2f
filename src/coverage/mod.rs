//! The coverage matrix a researcher reads: per portal, a row per issuing body and a column per
//! report year, each cell one state (captured, captured late, changed after publication, not
//! found in a complete walk, not walked, not yet due). Built by a pure function from the export
//! records and the run reports; `html` renders it as one self-contained page, `table` as CSV.

mod html;
mod keep;
mod rules;
mod table;

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::export::ExportRecord;
use crate::report::{PortalReport, RunReport, Verdict};
use crate::store::{Delisting, Withdrawal};

pub use html::{Links, render_html};
pub use keep::RunsNeeded;
pub use rules::{Rule, RuleChoice, body_key, deadline, rule_for};
pub use table::render_csv;

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
    pub rows: Vec<BodyRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coverage {
    pub generated_at: String,
    pub years: Vec<i32>,
    pub portals: Vec<PortalCoverage>,
}

/// What the matrix reads of an archived version: a few fields of its export record, so that an
/// archive's reports are held without their fields, provenance, attachments and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportVersion {
    pub id: String,
    pub version: u32,
    pub seq: u64,
    pub portal: String,
    pub url: String,
    pub raw_path: String,
    pub fetched_at: String,
    pub title: Option<String>,
    pub issuing_body: Option<String>,
    pub publish_date: Option<String>,
    pub report_year: Option<i32>,
    pub is_annual_report: bool,
    /// `html`, `pdf`, `doc`, `ofd` … of the page and its attachments, joined by `+`.
    pub kind: String,
    /// The document's withdrawal now, when the record carries it (as `nianbao export` gives it).
    pub withdrawn: Option<Withdrawal>,
    /// The delisting of the version's URL now, when the record carries it (as `nianbao export`
    /// gives it).
    pub delisted: Option<Delisting>,
}

impl From<&ExportRecord> for ReportVersion {
    fn from(r: &ExportRecord) -> Self {
        ReportVersion {
            id: r.id.clone(),
            version: r.version,
            seq: r.seq,
            portal: r.portal.clone(),
            url: r.url.clone(),
            raw_path: r.raw_path.clone(),
            fetched_at: r.fetched_at.clone(),
            title: r.title.clone(),
            issuing_body: r.issuing_body.clone(),
            publish_date: r.publish_date.clone(),
            report_year: r.report_year,
            is_annual_report: r.is_annual_report,
            kind: kind_of(r),
            withdrawn: r.withdrawn.clone(),
            delisted: r.delisted.clone(),
        }
    }
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

/// Health events are shown from this many newest runs of a portal.
const HEALTH_RUNS: usize = 5;

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
        portal: name,
        url,
        rows,
    }
}

/// What the runs say of one portal, gathered run by run, newest first.
#[derive(Debug, Default)]
struct PortalRuns {
    /// The newest run's stamp and the portal's share of it.
    newest: Option<(String, PortalReport)>,
    /// The newest run in which the section was reachable and that was not interrupted.
    last_successful: Option<String>,
    /// Runs in which the portal was blocked or unreachable.
    trouble: Vec<String>,
    /// Health events of the newest [`HEALTH_RUNS`] runs.
    health: Vec<String>,
    runs: usize,
    /// The newest interrupted run, while no run that was not has been seen: what a cell says
    /// when no run ended.
    interrupted: Option<String>,
    /// The newest run that was not interrupted has been seen.
    ended: bool,
    /// Why no list could be walked: the newest run that ended could not reach the section.
    unreachable: Option<String>,
    /// Per year of the matrix, what the runs seen so far say of its list.
    walks: BTreeMap<i32, Walk>,
}

/// Whether the list that holds a year was walked completely, as the runs seen so far (newest
/// first) say: by the newest run that walked it, or, when that was a nightly crawl that stopped
/// early by design, by an earlier run. A backfill of other years is no such run: it did not
/// look for this year's reports.
#[derive(Debug, Clone)]
enum Walk {
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
    fn add(&mut self, run: &RunReport, report: &PortalReport, years: &[i32]) {
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
            what.push("unreachable".to_string());
        }
        if report.blocked > 0 {
            what.push(format!("{} anti-bot challenges", report.blocked));
        }
        if !what.is_empty() {
            self.trouble.push(format!("{stamp}: {}", what.join(", ")));
        }
        if self.runs < HEALTH_RUNS {
            for e in &report.health {
                let list = e
                    .list
                    .as_ref()
                    .map(|l| format!(" (list {l})"))
                    .unwrap_or_default();
                self.health
                    .push(format!("{stamp}: {}{list}: {}", e.kind.name(), e.detail));
            }
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
                self.unreachable = Some(format!("{why} in the run of {at}"));
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
    fn walk_state(&self, year: i32) -> (CellState, String) {
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
                "nightly crawls stopped early on known items; a backfill walks the whole list"
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
            let reports = by_year.remove(&year).unwrap_or_default();
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
            Cell {
                year,
                state,
                late,
                changed,
                deadline: due.map(|d| d.to_string()),
                note: format!(
                    "{published}, {lateness}: deadline {due_text} by the {rule_note} rule"
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

/// `html`, `pdf`, `doc`, `ofd` … of the page and its attachments.
fn kind_of(record: &ExportRecord) -> String {
    let mut kinds = vec![file_kind(record.content_type.as_deref(), &record.url)];
    for a in &record.attachments {
        let k = file_kind(a.content_type.as_deref(), &a.url);
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    kinds.join("+")
}

fn file_kind(content_type: Option<&str>, url: &str) -> String {
    let ct = content_type.unwrap_or("").to_ascii_lowercase();
    let ext = url
        .split(['?', '#'])
        .next()
        .and_then(|p| p.rsplit('/').next())
        .and_then(|f| f.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()))
        .unwrap_or_default();
    let kind = if ct.contains("html") {
        "html"
    } else if ct.contains("pdf") || ext == "pdf" {
        "pdf"
    } else if ct.contains("ofd") || ext == "ofd" {
        "ofd"
    } else if ct.contains("word")
        || ct.contains("msword")
        || ["doc", "docx", "wps"].contains(&ext.as_str())
    {
        "doc"
    } else if ["htm", "html", "shtml", "jhtml"].contains(&ext.as_str()) {
        "html"
    } else if ext.is_empty() || ext.len() > 5 {
        "file"
    } else {
        return ext;
    };
    kind.to_string()
}

#[cfg(test)]
mod tests;
