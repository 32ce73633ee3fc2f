//! `nianbao find-section`: from a portal's home page (or any page of its site) to the body's
//! annual-report section, by the labels of its links (`discover::section`), politely and within
//! a request budget; prints the sections it found, best first, and a seed entry for the best.
//! Touches no store; writes no seed file: a person reviews what it found.

mod render;

use std::collections::HashSet;
use std::path::Path;

use serde::Serialize;
use url::Url;

use crate::cli::InspectFormat;
use crate::config::Overrides;
use crate::discover::section::{self, LinkRole, PageSigns};
use crate::discover::{ListPage, PageRequest, StatedCount, is_channel_index};
use crate::extract::{is_annual_report_title, report_year_of_report_title};
use crate::fetch::{ExcludeReason, FetchOptions, FetchOutcome, Fetcher, is_private_host};
use crate::gate::same_site;
use crate::page::{self, PageInput, PageRole, View};

use super::Outcome;
use super::inspect::{live_fetcher, load_optional};

use render::render_text;

/// Links followed from the start page at most: the section sits two or three labels down.
const MAX_DEPTH: usize = 4;

/// Links to other sites worth naming at most (they are not followed).
const MAX_ELSEWHERE: usize = 10;

/// A list is the section when most of what it lists are annual reports.
const REPORT_SHARE: f64 = 0.5;

/// What `find-section` found.
#[derive(Debug, Serialize)]
pub struct Finding {
    pub start: String,
    /// The start page's `<title>`.
    pub title: Option<String>,
    /// The body's name read from that title, for the seed entry.
    pub body: Option<String>,
    /// The start page's 政府网站标识码 (`<meta name="SiteIDCode">`).
    pub site_code: Option<String>,
    /// Pages asked (robots.txt not counted, nor links it refuses).
    pub requests: usize,
    /// Pages that may be the section, best first.
    pub candidates: Vec<Candidate>,
    /// Links to other sites whose labels lead towards the section: not followed.
    pub elsewhere: Vec<Elsewhere>,
    /// Pages that could not be read, with why.
    pub failures: Vec<Failure>,
}

/// A page that may be the body's annual-report section.
#[derive(Debug, Serialize)]
pub struct Candidate {
    pub url: String,
    /// The body the section is of, when the page's title or a label on the way names one.
    pub body: Option<String>,
    /// The labels followed from the start page to here.
    pub path: Vec<String>,
    /// What the label of the last link said.
    pub reached_by: Option<LinkRole>,
    /// `<meta name="ColumnName">`.
    pub column_name: Option<String>,
    /// `list`, `channel_index` (a page of per-year lists) or `needs_javascript`.
    pub kind: String,
    /// For `needs_javascript`, what was seen (and which `list_api` to configure, when known).
    pub detail: Option<String>,
    /// Entries the page lists, and how many of them are annual reports by their titles.
    pub entries: usize,
    pub reports: usize,
    /// The report years those titles name.
    pub first_year: Option<i32>,
    pub last_year: Option<i32>,
    /// Per-year lists linked from the page.
    pub year_lists: usize,
    pub stated: Option<StatedCount>,
}

#[derive(Debug, Serialize)]
pub struct Elsewhere {
    pub label: String,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct Failure {
    pub url: String,
    pub why: String,
}

impl Candidate {
    /// Mostly reports; or the column by its name or the label that led here, with reports,
    /// years of lists or a script that fills it (a column may file news beside its reports).
    fn is_strong(&self) -> bool {
        let column = self.reached_by == Some(LinkRole::ReportColumn)
            || self
                .column_name
                .as_deref()
                .is_some_and(|c| section::link_role(c) == Some(LinkRole::ReportColumn));
        let mostly_reports =
            self.reports > 0 && self.reports as f64 >= REPORT_SHARE * self.entries as f64;
        mostly_reports
            || (column
                && (self.reports > 0 || self.year_lists > 0 || self.kind == "needs_javascript"))
    }

    /// Orders candidates: strong first, then by the share and number of reports.
    fn rank(&self) -> (bool, usize, usize, usize) {
        let share = (self.reports * 1000)
            .checked_div(self.entries)
            .unwrap_or_default();
        (self.is_strong(), share, self.reports, self.year_lists)
    }
}

/// A page to ask: the labels followed to it and what the last one said.
struct Step {
    url: Url,
    path: Vec<String>,
    role: Option<LinkRole>,
    depth: usize,
}

/// Runs `find-section` from `start` and prints what it found.
pub async fn run(
    config_path: &Path,
    overrides: &Overrides,
    start: &Url,
    max_requests: usize,
    all: bool,
    format: InspectFormat,
) -> anyhow::Result<Outcome> {
    let settings = load_optional(config_path, overrides)?;
    let fetcher = live_fetcher(settings.as_ref(), start)?;
    let finding = find(&fetcher, start, max_requests, all).await;
    let out = match format {
        InspectFormat::Json => {
            serde_json::to_string(&finding).expect("a finding serialises: plain data") + "\n"
        }
        InspectFormat::Text => render_text(&finding, all),
    };
    out!("{out}");
    Ok(if finding.candidates.is_empty() {
        Outcome::SectionNotFound
    } else {
        Outcome::Completed
    })
}

/// Walks from `start` towards the section: best-labelled links first (report columns, then
/// disclosure columns, then single reports, whose pages link their column), within the start's
/// site, `MAX_DEPTH` links deep and `max_requests` pages at most. Stops early once a strong
/// candidate is found and no report column's link is left to ask.
pub async fn find(fetcher: &Fetcher, start: &Url, max_requests: usize, all: bool) -> Finding {
    let start_host = start.host_str().unwrap_or_default().to_string();
    let in_site = move |url: &Url| -> Result<(), ExcludeReason> {
        match url.host_str() {
            Some(host) if same_site(&start_host, host) => Ok(()),
            host => Err(ExcludeReason::OutOfScope(format!(
                "{} is not on the start page's site",
                host.unwrap_or("(no host)")
            ))),
        }
    };
    let options = FetchOptions {
        validators: None,
        scope: &in_site,
        allow_private: is_private_host(start),
        hold: None,
        stop: None,
    };
    let mut finding = Finding {
        start: start.to_string(),
        title: None,
        body: None,
        site_code: None,
        requests: 0,
        candidates: Vec::new(),
        elsewhere: Vec::new(),
        failures: Vec::new(),
    };
    let mut queued: HashSet<String> = HashSet::from([page_key(start)]);
    let mut frontier = vec![Step {
        url: start.clone(),
        path: Vec::new(),
        role: None,
        depth: 0,
    }];
    while finding.requests < max_requests {
        let Some(step) = next_step(&mut frontier) else {
            break;
        };
        let outcome = fetcher
            .fetch(&PageRequest::Get(step.url.clone()), &options)
            .await;
        // A link robots.txt or the site's bounds refuse was never asked.
        if !matches!(outcome, FetchOutcome::Excluded { .. }) {
            finding.requests += 1;
        }
        let capture = match outcome {
            FetchOutcome::Fetched(c) | FetchOutcome::NotModified(c) => c,
            other => {
                finding.failures.push(Failure {
                    url: step.url.to_string(),
                    why: other.describe(),
                });
                continue;
            }
        };
        let input = PageInput {
            url: &capture.url,
            status: capture.status,
            content_type: capture.header("content-type"),
            body: &capture.body,
        };
        let role = PageRole::Guess {
            portal_name: String::new(),
        };
        let mut analysis = match page::analyse_guarded(input, &role) {
            Ok(analysis) => analysis,
            Err(failure) => {
                finding.failures.push(Failure {
                    url: capture.url.to_string(),
                    why: failure.to_string(),
                });
                continue;
            }
        };
        // A page a report column's label leads to is read as the crawl would read it as the
        // section, unless it is a report itself (a column showing its newest report whole).
        if step.role == Some(LinkRole::ReportColumn)
            && matches!(&analysis.view, View::Item { metadata, .. } if !metadata.is_annual_report)
            && let Ok(as_list) = page::analyse_guarded(input, &PageRole::List { list_api: None })
        {
            analysis = as_list;
        }
        let Some(decoded) = &analysis.decoded else {
            continue;
        };
        let signs = section::read_signs(&capture.url, &decoded.text, decoded.encoding);
        // The start page, or the page its shell sends the reader to, names the body.
        if step.path.is_empty() && finding.title.is_none() {
            finding.body = signs.title.as_deref().and_then(section::body_name);
            finding.title = signs.title.clone();
            finding.site_code = signs.site_code.clone();
        }
        // A column shell that only leads to its list's API (UCAP) is judged by the API's first
        // page, as the crawl configured with the shell reads it.
        if step.role.is_some_and(|r| r != LinkRole::Report)
            && finding.requests < max_requests
            && let View::List(list) = &mut analysis.view
            && list.leads_to_api
            && let Some(first) = list.next_pages.first().cloned()
        {
            finding.requests += 1;
            match api_page(fetcher, &first, &options).await {
                Ok(page) => list.items = page.items,
                Err(why) => finding.failures.push(Failure {
                    url: first.url().to_string(),
                    why,
                }),
            }
        }
        if let Some(candidate) = candidate_of(&capture.url, &step, &signs, &analysis.view) {
            // A section's entries are its reports, not ways to it.
            if let View::List(list) = &analysis.view {
                queued.extend(list.items.iter().map(|item| page_key(&item.url)));
            }
            finding.candidates.push(candidate);
        }
        // A list's own year lists and pages are its own, not new ways to a section.
        if let View::List(list) = &analysis.view {
            for url in list
                .year_sections
                .iter()
                .map(|y| &y.url)
                .chain(list.next_pages.iter().map(PageRequest::url))
            {
                queued.insert(page_key(url));
            }
        }
        queue_links(
            &mut frontier,
            &mut queued,
            &mut finding,
            &step,
            signs,
            &options,
            all,
        );
        let strong = finding.candidates.iter().any(Candidate::is_strong);
        if !all
            && strong
            && !frontier
                .iter()
                .any(|s| s.role == Some(LinkRole::ReportColumn))
        {
            break;
        }
    }
    finding
        .candidates
        .sort_by_key(|c| std::cmp::Reverse(c.rank()));
    finding
}

/// The first page of a list's API, read as a list page.
async fn api_page(
    fetcher: &Fetcher,
    request: &PageRequest,
    options: &FetchOptions<'_>,
) -> Result<ListPage, String> {
    let capture = match fetcher.fetch(request, options).await {
        FetchOutcome::Fetched(c) | FetchOutcome::NotModified(c) => c,
        other => return Err(other.describe()),
    };
    let input = PageInput {
        url: &capture.url,
        status: capture.status,
        content_type: capture.header("content-type"),
        body: &capture.body,
    };
    match page::analyse_guarded(input, &PageRole::List { list_api: None }) {
        Ok(analysis) => match analysis.view {
            View::List(list) => Ok(*list),
            _ => Err("the answer lists nothing".into()),
        },
        Err(failure) => Err(failure.to_string()),
    }
}

/// The step to ask next: the best role, then the shallowest, then the first found.
fn next_step(frontier: &mut Vec<Step>) -> Option<Step> {
    let best = frontier
        .iter()
        .enumerate()
        .min_by_key(|(i, s)| (s.role.is_none(), s.role, s.depth, *i))
        .map(|(i, _)| i)?;
    Some(frontier.remove(best))
}

/// A URL as the walk tells pages apart: without its fragment.
fn page_key(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

/// Queues the page's links on the start's site that lead towards the section; names the
/// others (up to `MAX_ELSEWHERE`).
fn queue_links(
    frontier: &mut Vec<Step>,
    queued: &mut HashSet<String>,
    finding: &mut Finding,
    from: &Step,
    signs: PageSigns,
    options: &FetchOptions<'_>,
    all: bool,
) {
    if from.depth >= MAX_DEPTH {
        return;
    }
    // A shell's pages stand for it: asked with its role and the labels that led to it.
    for url in signs.shell {
        if (options.scope)(&url).is_ok() && queued.insert(page_key(&url)) {
            frontier.push(Step {
                url,
                path: from.path.clone(),
                role: from.role,
                depth: from.depth + 1,
            });
        }
    }
    for link in signs.links {
        // A body's link leads to another body's columns: followed only when all are wanted.
        if link.role == LinkRole::Body && !all {
            continue;
        }
        if (options.scope)(&link.url).is_err() {
            if !matches!(link.role, LinkRole::Report | LinkRole::Body)
                && finding.elsewhere.len() < MAX_ELSEWHERE
                && !finding.elsewhere.iter().any(|e| e.url == link.url.as_str())
            {
                finding.elsewhere.push(Elsewhere {
                    label: link.label,
                    url: link.url.to_string(),
                });
            }
            continue;
        }
        if !queued.insert(page_key(&link.url)) {
            continue;
        }
        let mut path = from.path.clone();
        path.push(link.label);
        frontier.push(Step {
            url: link.url,
            path,
            role: Some(link.role),
            depth: from.depth + 1,
        });
    }
}

/// The page as a candidate section: a list with annual reports among its entries, a page of
/// per-year lists, or a list only a script fills reached by a report column's label.
fn candidate_of(url: &Url, step: &Step, signs: &PageSigns, view: &View) -> Option<Candidate> {
    let View::List(list) = view else {
        return None;
    };
    let reports: Vec<&str> = list
        .items
        .iter()
        .filter_map(|item| item.title.as_deref())
        .filter(|title| is_annual_report_title(title))
        .collect();
    let years: Vec<i32> = reports
        .iter()
        .filter_map(|title| report_year_of_report_title(title))
        .collect();
    let by_column = step.role == Some(LinkRole::ReportColumn)
        || signs
            .column_name
            .as_deref()
            .is_some_and(|c| section::link_role(c) == Some(LinkRole::ReportColumn));
    let kind = if list.needs_javascript.is_some() {
        "needs_javascript"
    } else if is_channel_index(list) {
        "channel_index"
    } else {
        "list"
    };
    // A list only a script fills says so wherever a section's label led: a platform such as
    // gkmlpt is read through its API, which its detail names.
    let worth = !reports.is_empty()
        || (by_column && !list.year_sections.is_empty())
        || (kind == "needs_javascript" && step.role.is_some_and(|r| r != LinkRole::Report));
    if !worth {
        return None;
    }
    // The page's title names its body (`政府信息公开年报_某某县财政局`), or a label on the way does.
    let body = signs
        .title
        .as_deref()
        .and_then(section::body_name)
        .or_else(|| step.path.iter().rev().find_map(|l| section::body_name(l)));
    Some(Candidate {
        url: url.to_string(),
        body,
        path: step.path.clone(),
        reached_by: step.role,
        column_name: signs.column_name.clone(),
        kind: kind.to_string(),
        detail: list.needs_javascript.clone(),
        entries: list.items.len(),
        reports: reports.len(),
        first_year: years.iter().min().copied(),
        last_year: years.iter().max().copied(),
        year_lists: list.year_sections.len(),
        stated: list.stated,
    })
}
