//! `status --all-shards` and `report --all-shards`: one view of every shard, read from the shared
//! storage. Each shard keeps its own data_dir; at the end of each run it puts its run report at
//! `runs/<label>/<run-id>.json` and its feed log at `feed/<label>/<segment>.jsonl` in storage,
//! and these commands read them all, so they need neither the shards' data_dirs nor their locks.

mod runs;
mod segment;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use crate::config::Settings;
use crate::coverage::ReportVersion;
use crate::export::ExportRecord;
use crate::report::{DelistedMark, MARKS_KEPT, RunReport, StandingMarks, WithdrawnMark};
use crate::storage::Storage;

use runs::{RunHead, RunIndex, Walked};

use super::UsageError;

/// What the commands show of every shard's run reports (each label's newest run, each
/// portal's newest share), and the storage whose run reports and feed segments are read again,
/// one at a time, when asked.
pub(super) struct SharedView {
    pub storage_url: String,
    runs: RunIndex,
    storage: Storage,
}

pub(super) fn read(settings: &Settings) -> anyhow::Result<SharedView> {
    let storage = Storage::open(&settings.storage, &settings.data_dir)?;
    if !storage.is_remote() {
        return Err(UsageError(format!(
            "--all-shards reads every shard's run reports from shared storage, and {} sets none: set [storage] url (README, \"Running beyond one machine\")",
            settings.config_path.display()
        ))
        .into());
    }
    read_from(storage)
}

/// The view of every shard that `storage`, shared storage, holds.
fn read_from(storage: Storage) -> anyhow::Result<SharedView> {
    let order = crate::store::RunOrder::at(chrono::Utc::now());
    let runs = RunIndex::read(&storage, order, |key| label_of(key, "runs/"))?;
    Ok(SharedView {
        storage_url: storage.url(""),
        runs,
        storage,
    })
}

/// A portal's withdrawals by document id and delistings by URL, from a run report.
type Marks<'a> = (
    HashMap<&'a str, &'a WithdrawnMark>,
    HashMap<&'a str, &'a DelistedMark>,
);

/// What the page says of marks a run report cut at [`MARKS_KEPT`], or None when it lists all.
fn cut_short(marks: &StandingMarks) -> Option<String> {
    if marks.withdrawn_left_out == 0 && marks.delisted_left_out == 0 {
        return None;
    }
    Some(format!(
        "withdrawn and delisted marks cut short: the newest run report that walked this portal lists the newest {MARKS_KEPT} of each, so {} withdrawn documents and {} delisted URLs are not marked",
        marks.withdrawn_left_out, marks.delisted_left_out
    ))
}

/// The label of `<prefix><label>/<name>`, or None for a key of another shape.
fn label_of(key: &str, prefix: &str) -> Option<String> {
    let (label, name) = key.strip_prefix(prefix)?.split_once('/')?;
    (!name.contains('/')).then(|| label.to_string())
}

impl SharedView {
    /// Every run report, newest first, each read when it is asked for.
    pub fn runs_newest_first(&self) -> impl Iterator<Item = RunReport> + '_ {
        self.runs.newest_first(&self.storage)
    }

    /// How many run reports' portal shares the view holds in memory.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.runs.held()
    }

    /// Each label's newest run: what `status --all-shards` shows per shard.
    fn latest_per_label(&self) -> BTreeMap<&str, &RunHead> {
        self.runs
            .latest
            .iter()
            .map(|(label, run)| (label.as_str(), run.as_ref()))
            .collect()
    }

    /// Per portal: the newest run (of any shard) that walked it, with its label and the
    /// portal's share of it.
    fn newest_per_portal(&self) -> &BTreeMap<String, Walked> {
        &self.runs.newest
    }

    /// Hands every archived version in the shared feed to `each`: segment by segment in key
    /// order (by label, then by first seq), line by line. A segment's bytes and records are let
    /// go before the next is read, so memory holds one segment, not the feed. A segment gone
    /// since it was listed, or a line that is no export record, is skipped with a warning naming
    /// the segment's URL; the rest are read. A segment there but unreadable is an error.
    fn each_record(&self, mut each: impl FnMut(ExportRecord)) -> anyhow::Result<()> {
        for key in self.storage.keys("feed/", ".jsonl")? {
            if label_of(&key, "feed/").is_none() {
                continue;
            }
            let url = self.storage.url(&key);
            let bytes = match self.storage.read_one(&key) {
                Ok(bytes) => bytes,
                // Gone since it was listed: it no longer holds anything to show.
                Err(e @ crate::storage::StorageError::Missing { .. }) => {
                    errln!(
                        "warning: skipped feed segment {url}: {:#}",
                        anyhow::Error::new(e)
                    );
                    continue;
                }
                // A segment there but unreadable (a storage outage, a permission) holds
                // documents: a matrix or count without them would show false gaps, so the
                // command fails naming it.
                Err(e) => return Err(e.into()),
            };
            // One shard's damaged line (a cut write, another version's record) must not hide the
            // rest: it is skipped, and the segment's skipped lines said in one warning.
            if let Some(skipped) = segment::records(&bytes, &mut each) {
                errln!("warning: {}", skipped.describe(&url));
            }
        }
        Ok(())
    }

    /// Every archived version as the matrix reads it, each marked withdrawn and delisted as the
    /// newest run report that walked its portal listed them at its end (`marks_now`), as
    /// `report` marks them from one store's index; and per portal whose marks are unknown or
    /// cut short, what the page says of them. Each record is made a version as it is read.
    pub fn marked_versions(
        &self,
    ) -> anyhow::Result<(Vec<ReportVersion>, BTreeMap<String, String>)> {
        let mut marker = Marker::new(self);
        let mut versions = Vec::new();
        self.each_record(|r| versions.push(marker.version(&r)))?;
        Ok((versions, marker.notes))
    }

    /// Per portal: documents, versions and annual reports across all shards, counted as the
    /// records are read.
    pub fn counts(&self) -> anyhow::Result<BTreeMap<String, (u64, u64, u64)>> {
        let mut ids: BTreeMap<String, (BTreeSet<String>, u64, BTreeSet<String>)> = BTreeMap::new();
        self.each_record(|r| {
            let entry = ids.entry(r.portal).or_default();
            entry.1 += 1;
            if r.is_annual_report {
                entry.2.insert(r.id.clone());
            }
            entry.0.insert(r.id);
        })?;
        Ok(ids
            .into_iter()
            .map(|(p, (docs, versions, reports))| {
                (p, (docs.len() as u64, versions, reports.len() as u64))
            })
            .collect())
    }
}

/// Marks versions withdrawn and delisted, one record at a time, from the newest run report
/// that walked each one's portal, learning a portal's marks when its first record comes.
struct Marker<'a> {
    newest: &'a BTreeMap<String, Walked>,
    /// Per portal seen: its marks, or None when they are unknown (a note says why).
    marks: HashMap<String, Option<Marks<'a>>>,
    /// Per portal whose marks are unknown or cut short, what the page says of them.
    notes: BTreeMap<String, String>,
}

impl<'a> Marker<'a> {
    fn new(view: &'a SharedView) -> Marker<'a> {
        Marker {
            newest: view.newest_per_portal(),
            marks: HashMap::new(),
            notes: BTreeMap::new(),
        }
    }

    /// The version `r` as the matrix reads it, marked.
    fn version(&mut self, r: &ExportRecord) -> ReportVersion {
        let portal = r.portal.as_str();
        if !self.marks.contains_key(portal) {
            let marks = self.learn(portal);
            self.marks.insert(portal.to_string(), marks);
        }
        let mut version = ReportVersion::from(r);
        if let Some(Some((withdrawn, delisted))) = self.marks.get(portal) {
            version.withdrawn = withdrawn.get(r.id.as_str()).map(|m| m.withdrawal());
            version.delisted = delisted.get(r.url.as_str()).map(|m| m.delisting());
        }
        version
    }

    /// A portal's marks from the newest run report that walked it, noting when they are unknown
    /// or cut short.
    fn learn(&mut self, portal: &str) -> Option<Marks<'a>> {
        let walked = self.newest.get(portal);
        let known = walked.and_then(|w| w.report.marks_now.as_ref());
        match (walked, known) {
            (Some(_), Some(known)) => {
                if let Some(note) = cut_short(known) {
                    self.notes.insert(portal.to_string(), note);
                }
                let withdrawn = known.withdrawn.iter().map(|m| (m.id.as_str(), m)).collect();
                let delisted = known.delisted.iter().map(|m| (m.url.as_str(), m)).collect();
                Some((withdrawn, delisted))
            }
            (Some(walked), None) => {
                let note = format!(
                    "withdrawn and delisted marks unknown: the newest run report that walked this portal ({} on {}) was written before run reports carried them",
                    walked.run.run_id, walked.label
                );
                self.notes.insert(portal.to_string(), note);
                None
            }
            (None, _) => {
                let note = "withdrawn and delisted marks unknown: no run report walked this portal"
                    .to_string();
                self.notes.insert(portal.to_string(), note);
                None
            }
        }
    }
}

/// `status --all-shards`: each shard's last run, then each portal as its shard last saw it, with
/// the documents and versions all shards archived.
pub(super) fn status(settings: &Settings, json: bool) -> anyhow::Result<String> {
    let view = read(settings)?;
    let latest = view.latest_per_label();
    let counts = view.counts()?;
    let portals = view.newest_per_portal();
    let mut names: BTreeSet<&str> = portals.keys().map(String::as_str).collect();
    names.extend(counts.keys().map(String::as_str));
    names.extend(settings.portals.iter().map(|p| p.name.as_str()));
    if json {
        let shards: Vec<_> = latest
            .iter()
            .map(|(label, run)| {
                serde_json::json!({
                    "label": label,
                    "shard": run.shard,
                    "run_id": run.run_id,
                    "command": run.command,
                    "finished_at": run.finished_at,
                    "interrupted": run.interrupted,
                    "portals": run.portals,
                })
            })
            .collect();
        let rows: Vec<_> = names
            .iter()
            .map(|name| {
                let (documents, versions, annual_reports) =
                    counts.get(*name).copied().unwrap_or_default();
                let last = portals.get(*name);
                let report = last.map(|w| &w.report);
                serde_json::json!({
                    "portal": name,
                    "shard": last.map(|w| &w.label),
                    "documents": documents,
                    "versions": versions,
                    "annual_reports": annual_reports,
                    "last_run": last.and_then(|w| w.run.finished_at.clone()),
                    "last_run_command": last.map(|w| w.run.command.clone()),
                    "unreachable": report.is_some_and(|p| p.unreachable),
                    // At the end of that run; null: a run report written before runs counted them.
                    "withdrawn": report.and_then(|p| p.withdrawn_now),
                    "delisted": report.and_then(|p| p.delisted_now),
                    "linked": report.and_then(|p| p.linked_now),
                    "lists": report.map(|p| p.lists.clone()).unwrap_or_default(),
                })
            })
            .collect();
        let value = serde_json::json!({
            "storage": view.storage_url,
            "shards": shards,
            "portals": rows,
        });
        return Ok(serde_json::to_string_pretty(&value)? + "\n");
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "shared storage: {} ({} shards or machines have put run reports there)",
        view.storage_url,
        latest.len()
    );
    for (label, run) in &latest {
        let _ = writeln!(
            out,
            "{label}: last run {} ({}) {}, {} portals",
            run.run_id,
            run.command,
            if run.interrupted {
                "interrupted"
            } else {
                "completed"
            },
            run.portals
        );
    }
    for name in names {
        let (documents, versions, annual_reports) = counts.get(name).copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "{name}: {documents} documents ({annual_reports} annual reports), {versions} versions"
        );
        match portals.get(name) {
            Some(Walked { label, run, report }) => {
                let failures = report.failure_count();
                let _ = writeln!(
                    out,
                    "    last run: {} at {} on {label}; {failures} failures, {} blocked{}",
                    run.command,
                    run.finished_at.as_deref().unwrap_or("?"),
                    report.blocked,
                    if report.unreachable {
                        "; UNREACHABLE"
                    } else {
                        ""
                    }
                );
                if let Some(why) = report.unreachable_reason() {
                    let _ = writeln!(out, "    unreachable: {why}");
                }
                let _ = writeln!(
                    out,
                    "    withdrawn documents: {}, delisted URLs: {}, linked documents: {} (as of {})",
                    known(report.withdrawn_now),
                    known(report.delisted_now),
                    known(report.linked_now),
                    run.finished_at.as_deref().unwrap_or(&run.started_at)
                );
                for (list, c) in &report.lists {
                    let _ = writeln!(out, "    list {list}: {}", c.completeness());
                }
            }
            None => {
                let _ = writeln!(out, "    never crawled by any shard");
            }
        }
    }
    Ok(out)
}

/// A count a run report carries, or `unknown` for one written before runs carried it.
fn known(count: Option<u64>) -> String {
    count.map_or_else(|| "unknown".to_string(), |n| n.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::tests::record;
    use crate::report::PortalReport;
    use crate::storage::StorageConfig;
    use std::path::Path;

    fn run(id: &str, portals: &[(&str, Option<StandingMarks>)]) -> RunReport {
        RunReport {
            run_id: id.into(),
            portals: portals
                .iter()
                .map(|(name, marks)| {
                    let share = PortalReport {
                        marks_now: marks.clone(),
                        ..PortalReport::default()
                    };
                    (name.to_string(), share)
                })
                .collect(),
            ..RunReport::default()
        }
    }

    /// A shared folder with `runs` small run reports from each of two shards, all over the same
    /// two portals, as a nightly leaves after years (and a large report or two of 10,000
    /// portals each): the view holds each shard's newest run and each portal's share of the
    /// newest run that walked it, not every report, and hands every run, newest first, to
    /// whoever walks the history, one at a time.
    #[test]
    fn the_view_holds_the_newest_runs_not_every_report() {
        let shared = tempfile::tempdir().expect("a temporary folder");
        let runs = 40;
        for label in ["shard-1-of-2", "shard-2-of-2"] {
            let folder = shared.path().join("runs").join(label);
            std::fs::create_dir_all(&folder).expect("a label's folder");
            for n in 0..runs {
                // A label's runs alternate with the other's, a minute apart.
                let id = format!(
                    "20270101T{:02}{:02}00.000Z",
                    n / 30,
                    (n % 30) * 2 + (label == "shard-2-of-2") as usize
                );
                let report = run(&id, &[("p", None), ("q", None)]);
                let json = serde_json::to_vec(&report).expect("a run report as JSON");
                std::fs::write(folder.join(format!("{id}.json")), json).expect("written");
            }
        }
        let config = StorageConfig {
            location: crate::storage::StorageLocation::Folder(shared.path().to_path_buf()),
            ..StorageConfig::local()
        };
        let storage = Storage::open(&config, shared.path()).expect("a folder as storage");
        let view = read_from(storage).expect("the shared view");
        assert!(view.held() <= 2, "holds {} run reports", view.held());
        let latest: Vec<(&str, &str)> = view
            .latest_per_label()
            .iter()
            .map(|(label, run)| (*label, run.run_id.as_str()))
            .collect();
        assert_eq!(
            latest,
            [
                ("shard-1-of-2", "20270101T011800.000Z"),
                ("shard-2-of-2", "20270101T011900.000Z")
            ]
        );
        let newest: Vec<(&str, &str)> = view
            .newest_per_portal()
            .iter()
            .map(|(portal, walked)| (portal.as_str(), walked.label.as_str()))
            .collect();
        assert_eq!(newest, [("p", "shard-2-of-2"), ("q", "shard-2-of-2")]);
        let ids: Vec<String> = view.runs_newest_first().map(|run| run.run_id).collect();
        assert_eq!(ids.len(), 2 * runs);
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    }

    /// Each portal's versions are marked from the newest run report that walked it; one whose
    /// newest run report carries no marks, or that no run report walked, is marked nothing and
    /// noted unknown; one whose marks were cut short is noted so, with what was left out.
    #[test]
    fn versions_are_marked_from_the_newest_run_report_of_their_portal() {
        let withdrawn = |id: &str| WithdrawnMark {
            id: id.into(),
            urls: vec![format!("http://a.example/{id}.html")],
            since: "2027-01-15T08:00:00Z".into(),
            answer: "http_404".into(),
        };
        let newest = StandingMarks {
            withdrawn: vec![withdrawn("d1")],
            withdrawn_left_out: 2,
            delisted: vec![DelistedMark {
                url: "http://a.example/d2.html".into(),
                since: "2027-01-14T08:00:00Z".into(),
            }],
            delisted_left_out: 0,
        };
        let older = StandingMarks {
            withdrawn: vec![withdrawn("d2")],
            ..StandingMarks::default()
        };
        let mut runs = RunIndex::new(crate::store::RunOrder::at(chrono::Utc::now()));
        for (label, report) in [
            ("a", run("2027-01-13", &[("p", Some(older))])),
            ("b", run("2027-01-15", &[("p", Some(newest))])),
            ("c", run("2027-01-14", &[("q", None)])),
        ] {
            runs.take(
                format!("runs/{label}/{}.json", report.run_id),
                label.into(),
                report,
            );
        }
        let view = SharedView {
            storage_url: "file:///shared".into(),
            runs,
            storage: Storage::open(&StorageConfig::local(), Path::new("unused"))
                .expect("data_dir storage opens without touching the disk"),
        };
        let mut marker = Marker::new(&view);
        let versions: Vec<ReportVersion> = [
            ("p", "d1"),
            ("p", "d2"),
            ("p", "d3"),
            ("q", "d4"),
            ("r", "d5"),
        ]
        .into_iter()
        .map(|(portal, id)| {
            let r = record(portal, id, 1, "某某县人民政府", 2021, "2022-02-01");
            marker.version(&r)
        })
        .collect();
        let notes = marker.notes;
        let marks: Vec<(&str, Option<&str>, Option<&str>)> = versions
            .iter()
            .map(|v| {
                let withdrawn = v.withdrawn.as_ref().map(|w| w.answer.as_str());
                let delisted = v.delisted.as_ref().map(|d| d.since.as_str());
                (v.id.as_str(), withdrawn, delisted)
            })
            .collect();
        assert_eq!(
            marks,
            [
                ("d1", Some("http_404"), None),
                ("d2", None, Some("2027-01-14T08:00:00Z")),
                ("d3", None, None),
                ("d4", None, None),
                ("d5", None, None),
            ]
        );
        let note = |portal: &str| notes.get(portal).map(String::as_str).unwrap_or_default();
        assert!(
            note("p").contains("cut short") && note("p").contains("2 withdrawn documents and 0"),
            "{notes:?}"
        );
        assert!(note("q").contains("unknown") && note("q").contains("2027-01-14 on c"));
        assert!(
            note("r").contains("unknown: no run report walked"),
            "{notes:?}"
        );
        assert_eq!(notes.len(), 3, "{notes:?}");
    }
}
