//! Report: what a run did, per portal and per host. Written as JSON under `data_dir/runs/`,
//! kept in the store for `nianbao status`, and printed as a summary at the end of a run.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::gate::HostSummary;

mod ledger;
mod marks;
mod read;
mod why;

pub use marks::{
    DelistedMark, MARKS_KEPT, StandingMarks, WithdrawnMark, by_portal as marks_by_portal,
};

pub use read::{RunReportError, read_run_report};

pub use ledger::{
    BARREN_PAGES_BEFORE_STOP, OTHER_SITE_HOSTS_KEPT, STOP_KNOWN_ITEMS, Verdict, YearCount,
};

/// One portal's share of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PortalReport {
    /// Requests made for this portal, on every host it asked (its site's other hosts, its
    /// `item_hosts`, its attachments' servers), robots.txt it asked for included. A host's own
    /// count, shared by every portal on it, is in `RunReport::hosts`.
    pub requests: u64,
    pub list_pages: u64,
    /// List pages queued beyond the section's first page (bounded by `crawl.max_list_pages`).
    pub list_pages_queued: u64,
    /// The walk stopped at `crawl.max_list_pages`.
    pub list_page_limit_reached: bool,
    pub items_fetched: u64,
    pub attachments_fetched: u64,
    /// Attachments a revisit asked with their validators and the server answered 304: the
    /// version keeps the file it holds.
    #[serde(default)]
    pub attachments_not_modified: u64,
    pub new_documents: u64,
    pub new_versions: u64,
    pub new_aliases: u64,
    /// New documents found to be a report already archived, re-published at a new URL (see
    /// `same_report`): counted in `new_documents` too.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub linked: u64,
    pub unchanged: u64,
    pub not_modified: u64,
    /// Archived reports seen withdrawn for the first time: their URL now answers 404 or 410, or
    /// a page saying it does not exist (the URL state says since when; see `nianbao status`).
    #[serde(default)]
    pub withdrawn: u64,
    /// Answers from URLs already withdrawn that withdraw them again (404, 410 or a page saying
    /// they do not exist): no news, and not counted in `failures`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub still_withdrawn: u64,
    /// Withdrawn reports whose URL answered with content or 304 again.
    #[serde(default)]
    pub restored: u64,
    /// Requests for archived reports that a complete walk of their list no longer showed.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delisted_asked: u64,
    /// Archived reports seen delisted for the first time: their list no longer shows them, and
    /// their page still answers (the URL state says since when; see `nianbao status --withdrawn`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delisted: u64,
    /// Archived documents withdrawn at the end of the run, as `nianbao status` counts them, so
    /// that `status --all-shards` shows them without the shard's store. None in a run report
    /// written before runs counted them: unknown, not 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_now: Option<u64>,
    /// Archived URLs delisted at the end of the run, as `status --withdrawn` lists them; None as
    /// for `withdrawn_now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delisted_now: Option<u64>,
    /// Documents linked to an archived one as the same report re-published (`same_report_as`)
    /// at the end of the run, as `nianbao status` counts them; None as for `withdrawn_now`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_now: Option<u64>,
    /// The withdrawn documents and delisted URLs behind `withdrawn_now` and `delisted_now`
    /// (bounded, see [`MARKS_KEPT`]), which `report --all-shards` marks its matrix with. None in
    /// a run report written before runs carried them: the marks are unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marks_now: Option<StandingMarks>,
    /// Items walked past: already archived (backfill) or outside the year range.
    pub skipped: u64,
    /// Failures by kind (timeout, http_404, truncated ...).
    pub failures: BTreeMap<String, u64>,
    /// Responses that were anti-bot challenges.
    pub blocked: u64,
    /// Pages classified as not content (soft_not_found, login_wall, empty_template), by kind.
    pub not_content: BTreeMap<String, u64>,
    /// URLs not fetched, by reason (robots, out of scope ...).
    pub excluded: BTreeMap<String, u64>,
    pub oversize: u64,
    /// Pages whose decoded text looks like mojibake (kept, and flagged here and in the log).
    pub mojibake: u64,
    /// Attachments' text by outcome: `derived`, `needs_ocr`, `derived_cut`, `derived_partial`
    /// (a zip some of whose documents failed), `failed`,
    /// `missing:pdftotext`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attachment_texts: BTreeMap<String, u64>,
    /// Files whose text earlier runs left waiting (interrupted, or a tool then missing) that
    /// this run derived again, by outcome as in `attachment_texts`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts_taken_up: BTreeMap<String, u64>,
    /// Attachment requests per file server (`host` or `host:port`): answered, or failed on the
    /// server. What the `files_unreachable` health event compares.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub file_hosts: BTreeMap<String, crate::health::FileHost>,
    /// Requests for report pages on hosts other than the section's (`item_hosts`, another host
    /// of its site, a file server of reports given as files), as `file_hosts` counts them. What
    /// the `reports_unreachable` health event compares.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub report_hosts: BTreeMap<String, crate::health::FileHost>,
    /// Stated and found items per list: "all" for the section root, else the year.
    pub lists: BTreeMap<String, YearCount>,
    /// The section could not be walked at all (its first page failed or was blocked).
    pub unreachable: bool,
    pub elapsed_secs: f64,
    /// The section's first page failed on its host's HTTPS certificate or handshake: the host,
    /// the problem and, for a certificate, the key that lets the portal be archived anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_failure: Option<String>,
    /// The section's host was paused for the rest of the run: the host and why (repeated
    /// failures, anti-bot challenges, 403 refusals, a long Retry-After).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_paused: Option<String>,
    /// Where the section's first page landed when its URL redirected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section_landed: Option<String>,
    /// The run swept the portal: walked it whole, as a backfill of all years walks it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub swept: bool,
    /// Every list of the portal was walked to its end, nothing failed or left: recorded as its
    /// last whole walk (at the run's start), from which its next sweep is due.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub walked_whole: bool,
    /// What changed since the portal's last run (see `health`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::health::read_events"
    )]
    pub health: Vec<crate::health::HealthEvent>,
}

impl PortalReport {
    /// Failures of every kind, saturating: a run report from elsewhere may carry any counts.
    pub fn failure_count(&self) -> u64 {
        self.failures
            .values()
            .fold(0u64, |sum, n| sum.saturating_add(*n))
    }
}

/// A whole run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub run_id: String,
    /// "crawl", "crawl --dry-run", "backfill 2009-2017".
    pub command: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub elapsed_secs: f64,
    /// The run was stopped (Ctrl-C, SIGTERM) before its frontier was empty.
    pub interrupted: bool,
    /// Tasks left in the frontier for the next run.
    pub resumable_tasks: u64,
    pub portals: BTreeMap<String, PortalReport>,
    pub hosts: Vec<HostSummary>,
    /// The last run ended abnormally (crash, kill): its in-flight URLs became suspects.
    #[serde(default)]
    pub after_abnormal_end: bool,
    /// URLs quarantined during this run (crash loops); skipped until `nianbao quarantine --clear`.
    #[serde(default)]
    pub quarantined: Vec<String>,
    /// `K/N` when the run crawled one shard of the portals (`--shard K/N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// The first and last report year a backfill looked for; `None` for a crawl, which looks
    /// for every year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill_years: Option<[i32; 2]>,
    /// Versions whose files `[storage]` did not take: nothing of them is in the index or the
    /// feed; their items failed (`archive`) and are fetched again by a later run.
    #[serde(default)]
    pub storage_refused: u64,
}

/// Whether a run with this command that was (not) interrupted says what a portal's lists hold.
fn compares(command: &str, interrupted: bool) -> bool {
    !interrupted && !command.contains("--dry-run")
}

/// What a crawl reads at start of an earlier run: the counts its lists stated, and whether it
/// is one to go by. Read instead of the whole report (serde passes the rest over), so that two
/// months of reports of thousands of portals cost little time and memory.
#[derive(Debug, Deserialize)]
pub struct StatedCounts {
    command: String,
    #[serde(default)]
    interrupted: bool,
    portals: BTreeMap<String, PortalStated>,
}

#[derive(Debug, Deserialize)]
struct PortalStated {
    #[serde(default)]
    lists: BTreeMap<String, ListStated>,
}

#[derive(Debug, Deserialize)]
struct ListStated {
    #[serde(default)]
    stated: Option<u64>,
    #[serde(default)]
    accounted: Option<u64>,
}

impl StatedCounts {
    /// Per portal and list, the stated count the newest run that walked the list accounted for
    /// (`YearCount::accounted`; its `stated` in a report from before it was kept). `runs` newest
    /// first; dry runs and interrupted runs are passed over (they fetched nothing, or not all).
    pub fn accounted(
        runs: impl IntoIterator<Item = StatedCounts>,
    ) -> HashMap<(String, String), u64> {
        let mut counts = HashMap::new();
        for run in runs {
            if !compares(&run.command, run.interrupted) {
                continue;
            }
            for (portal, report) in run.portals {
                for (list, ledger) in report.lists {
                    if let Some(count) = ledger.accounted.or(ledger.stated) {
                        counts.entry((portal.clone(), list)).or_insert(count);
                    }
                }
            }
        }
        counts
    }
}

impl RunReport {
    /// Whether later runs compare themselves with this one: a dry run fetched nothing and an
    /// interrupted run not all it set out to, so neither says what a portal's lists hold.
    pub fn compares(&self) -> bool {
        compares(&self.command, self.interrupted)
    }

    /// Portals whose section could not be walked, or whose host was paused or blocked.
    pub fn troubled_portals(&self) -> Vec<&str> {
        self.portals
            .iter()
            .filter(|(_, p)| p.unreachable)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Whether the run looked for the reports of `year`: a crawl looked for every year, a
    /// backfill only for those of its range (it neither fetched nor kept the others, so its
    /// complete walk of a list says nothing of their reports). A report written before
    /// `backfill_years` existed names the range in its command, `backfill 2009-2017`.
    pub fn covers_year(&self, year: i32) -> bool {
        let range = self.backfill_years.or_else(|| {
            let (first, last) = self.command.strip_prefix("backfill ")?.split_once('-')?;
            Some([first.parse().ok()?, last.parse().ok()?])
        });
        match range {
            Some([first, last]) => (first..=last).contains(&year),
            None => !self.command.starts_with("backfill"),
        }
    }

    pub fn totals(&self) -> PortalReport {
        let mut t = PortalReport::default();
        for p in self.portals.values() {
            t.requests += p.requests;
            t.new_documents += p.new_documents;
            t.new_versions += p.new_versions;
            t.new_aliases += p.new_aliases;
            t.linked += p.linked;
            t.unchanged += p.unchanged;
            t.not_modified += p.not_modified;
            t.withdrawn += p.withdrawn;
            t.still_withdrawn += p.still_withdrawn;
            t.restored += p.restored;
            t.delisted_asked += p.delisted_asked;
            t.delisted += p.delisted;
            t.blocked += p.blocked;
            for (k, v) in &p.failures {
                *t.failures.entry(k.clone()).or_default() += v;
            }
        }
        t
    }

    /// Writes the report to `data_dir/runs/<run_id>.json` and returns the path.
    pub fn write(&self, data_dir: &Path) -> std::io::Result<PathBuf> {
        let dir = data_dir.join("runs");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join(format!("{}.json", self.run_id));
        let json = serde_json::to_vec_pretty(self).expect("run reports serialise: plain data");
        let tmp = dir.join(format!(".{}.json.tmp", self.run_id));
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    }

    /// The human summary printed at the end of a run.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        let state = if self.interrupted {
            "interrupted"
        } else {
            "completed"
        };
        let _ = writeln!(
            out,
            "{} {} in {:.1}s (run {})",
            self.command, state, self.elapsed_secs, self.run_id
        );
        if let Some(shard) = &self.shard {
            let _ = writeln!(
                out,
                "  shard {shard}: {} portals; the others belong to other shards",
                self.portals.len()
            );
        }
        for (name, p) in &self.portals {
            let failures = p.failure_count();
            let _ = writeln!(
                out,
                "  {name}: {} requests, {} new documents{}, {} new versions, {} unchanged, {} not modified, {} failures, {} blocked{}{}",
                p.requests,
                p.new_documents,
                if p.linked > 0 {
                    format!(" ({} the same report as an archived one)", p.linked)
                } else {
                    String::new()
                },
                p.new_versions,
                p.unchanged,
                p.not_modified,
                failures,
                p.blocked,
                withdrawals(p),
                if p.unreachable { "  [UNREACHABLE]" } else { "" }
            );
            if !p.failures.is_empty() {
                let _ = writeln!(out, "      failures: {}", kinds(&p.failures));
            }
            if let Some(tls) = &p.tls_failure {
                let _ = writeln!(out, "      HTTPS: {tls}");
            }
            if let Some(paused) = &p.host_paused {
                let _ = writeln!(out, "      paused: {paused}");
            }
            if !p.excluded.is_empty() {
                let _ = writeln!(out, "      not fetched: {}", kinds(&p.excluded));
            }
            for (list, c) in &p.lists {
                let _ = writeln!(out, "      list {list}: {}", c.completeness());
            }
            if let Some(line) = sweep_line(p, &self.started_at, self.interrupted) {
                let _ = writeln!(out, "      {line}");
            }
            for e in &p.health {
                let list = e
                    .list
                    .as_deref()
                    .map(|l| format!(" (list {l})"))
                    .unwrap_or_default();
                let _ = writeln!(out, "      HEALTH {}{list}: {}", e.kind.name(), e.detail);
            }
            let texts = [
                ("attachments' text", &p.attachment_texts),
                ("texts left by earlier runs, taken up", &p.texts_taken_up),
            ];
            for (what, counts) in texts {
                if !counts.is_empty() {
                    let _ = writeln!(out, "      {what}: {}", kinds(counts));
                }
            }
        }
        let missing: BTreeSet<&str> = self
            .portals
            .values()
            .flat_map(|p| p.attachment_texts.keys())
            .filter_map(|k| k.strip_prefix("missing:"))
            .collect();
        for tool in missing {
            let _ = writeln!(
                out,
                "  WARNING: {tool} is not installed, so PDF attachments got no text: install it (Debian: poppler-utils and poppler-data), then run `nianbao text`"
            );
        }
        for h in &self.hosts {
            if let Some(paused) = &h.paused {
                let _ = writeln!(out, "  host {}: {paused}", h.host);
            }
            if let Some(tls) = &h.tls_failure {
                let _ = writeln!(out, "  host {}: {tls}", h.host);
            }
            if let Some(address) = &h.intermediate_fetched {
                let _ = writeln!(
                    out,
                    "  host {}: intermediate fetched: {address} (its HTTPS chain came without it; completed from the certificate's AIA address and verified)",
                    h.host
                );
            }
            if h.tls_unverified {
                let _ = writeln!(
                    out,
                    "  host {}: fetched without verifying its HTTPS certificate (tls_verify = false); its captures say tls_unverified",
                    h.host
                );
            }
        }
        if self.after_abnormal_end {
            let _ = writeln!(
                out,
                "  the previous run ended abnormally: pages it was reading were checked in a separate process first"
            );
        }
        for url in &self.quarantined {
            let _ = writeln!(
                out,
                "  QUARANTINED {url}: in flight at two consecutive crashes; skipped until `nianbao quarantine --clear`"
            );
        }
        if self.storage_refused > 0 {
            let _ = writeln!(
                out,
                "  STORAGE refused the files of {} version(s): none of them is archived; a later run fetches them again (the errors above name each key)",
                self.storage_refused
            );
        }
        if self.interrupted {
            let _ = writeln!(
                out,
                "  {} tasks left; run the same command again to resume",
                self.resumable_tasks
            );
        }
        out
    }
}

/// The summary's line on a sweep, or on a walk that happened to be whole.
fn sweep_line(p: &PortalReport, started_at: &str, interrupted: bool) -> Option<String> {
    let day = started_at.get(..10).unwrap_or(started_at);
    match (p.swept, p.walked_whole) {
        (true, true) => Some(format!("swept whole (last whole walk {day})")),
        (true, false) if interrupted => {
            Some("sweep interrupted: the resumed run sweeps on".to_string())
        }
        (true, false) => Some(
            "swept, not whole (a list above is incomplete, or the walk hit max_list_pages): due again after a tenth of crawl.sweep_every"
                .to_string(),
        ),
        (false, true) => Some(format!("walked whole (last whole walk {day})")),
        (false, false) => None,
    }
}

/// Counts by kind as the summary shows them: `http_404=2, timeout=1`.
fn kinds(counts: &BTreeMap<String, u64>) -> String {
    let kinds: Vec<String> = counts.iter().map(|(k, v)| format!("{k}={v}")).collect();
    kinds.join(", ")
}

/// The summary's words on withdrawn, still withdrawn, restored and delisted reports (nothing when there were none).
fn withdrawals(p: &PortalReport) -> String {
    let mut words = String::new();
    if p.withdrawn > 0 {
        let _ = write!(words, ", {} withdrawn", p.withdrawn);
    }
    if p.still_withdrawn > 0 {
        let _ = write!(words, ", {} still withdrawn", p.still_withdrawn);
    }
    if p.restored > 0 {
        let _ = write!(words, ", {} restored", p.restored);
    }
    if p.delisted > 0 {
        let _ = write!(words, ", {} delisted", p.delisted);
    }
    words
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
