//! `status --all-shards` and `report --all-shards`: one view of every shard, read from the shared
//! storage. Each shard keeps its own data_dir; at the end of each run it puts its run report at
//! `runs/<label>/<run-id>.json` and its feed log at `feed/<label>/<segment>.jsonl` in storage,
//! and these commands read them all, so they need neither the shards' data_dirs nor their locks.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use anyhow::Context;

use crate::config::Settings;
use crate::export::ExportRecord;
use crate::report::RunReport;
use crate::storage::Storage;

use super::UsageError;

/// Every shard's run reports (newest first) and archived versions, with their labels.
pub(super) struct SharedView {
    pub storage_url: String,
    pub runs: Vec<(String, RunReport)>,
    pub records: Vec<(String, ExportRecord)>,
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
    let mut runs = Vec::new();
    for (key, bytes) in storage.run_reports()? {
        let Some(label) = label_of(&key, "runs/") else {
            continue;
        };
        let report: RunReport = serde_json::from_slice(&bytes)
            .with_context(|| format!("run report {} is not a run report", storage.url(&key)))?;
        runs.push((label, report));
    }
    // Run ids begin with their start time: newest first, as `Store::runs` gives them.
    runs.sort_by(|a, b| b.1.run_id.cmp(&a.1.run_id));
    let mut records = Vec::new();
    for (key, bytes) in storage.read_all("feed/", ".jsonl")? {
        let Some(label) = label_of(&key, "feed/") else {
            continue;
        };
        for (number, line) in bytes.split(|&b| b == b'\n').enumerate() {
            if line.is_empty() {
                continue;
            }
            let record: ExportRecord = serde_json::from_slice(line).with_context(|| {
                format!(
                    "{} line {}: not an export record",
                    storage.url(&key),
                    number + 1
                )
            })?;
            records.push((label.clone(), record));
        }
    }
    Ok(SharedView {
        storage_url: storage.url(""),
        runs,
        records,
    })
}

/// The label of `<prefix><label>/<name>`, or None for a key of another shape.
fn label_of(key: &str, prefix: &str) -> Option<String> {
    let (label, name) = key.strip_prefix(prefix)?.split_once('/')?;
    (!name.contains('/')).then(|| label.to_string())
}

impl SharedView {
    /// Each label's newest run: what `status --all-shards` shows per shard.
    pub fn latest_per_label(&self) -> BTreeMap<&str, &RunReport> {
        let mut latest = BTreeMap::new();
        for (label, run) in &self.runs {
            latest.entry(label.as_str()).or_insert(run);
        }
        latest
    }

    /// Per portal: documents, versions and annual reports across all shards.
    pub fn counts(&self) -> BTreeMap<&str, (u64, u64, u64)> {
        let mut ids: BTreeMap<&str, (BTreeSet<&str>, u64, BTreeSet<&str>)> = BTreeMap::new();
        for (_, r) in &self.records {
            let entry = ids.entry(r.portal.as_str()).or_default();
            entry.0.insert(&r.id);
            entry.1 += 1;
            if r.is_annual_report {
                entry.2.insert(&r.id);
            }
        }
        ids.into_iter()
            .map(|(p, (docs, versions, reports))| {
                (p, (docs.len() as u64, versions, reports.len() as u64))
            })
            .collect()
    }
}

/// `status --all-shards`: each shard's last run, then each portal as its shard last saw it, with
/// the documents and versions all shards archived.
pub(super) fn status(settings: &Settings, json: bool) -> anyhow::Result<String> {
    let view = read(settings)?;
    let latest = view.latest_per_label();
    let counts = view.counts();
    // Per portal: the newest run report (of any shard) that walked it.
    let mut portals: BTreeMap<&str, (&str, &RunReport)> = BTreeMap::new();
    for (label, run) in &view.runs {
        for name in run.portals.keys() {
            portals
                .entry(name.as_str())
                .or_insert((label.as_str(), run));
        }
    }
    let mut names: BTreeSet<&str> = portals.keys().copied().collect();
    names.extend(counts.keys().copied());
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
                    "portals": run.portals.len(),
                })
            })
            .collect();
        let rows: Vec<_> = names
            .iter()
            .map(|name| {
                let (documents, versions, annual_reports) =
                    counts.get(name).copied().unwrap_or_default();
                let last = portals.get(name);
                let report = last.and_then(|(_, run)| run.portals.get(*name));
                serde_json::json!({
                    "portal": name,
                    "shard": last.map(|(label, _)| label),
                    "documents": documents,
                    "versions": versions,
                    "annual_reports": annual_reports,
                    "last_run": last.and_then(|(_, run)| run.finished_at.clone()),
                    "last_run_command": last.map(|(_, run)| run.command.clone()),
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
            run.portals.len()
        );
    }
    for name in names {
        let (documents, versions, annual_reports) = counts.get(name).copied().unwrap_or_default();
        let _ = writeln!(
            out,
            "{name}: {documents} documents ({annual_reports} annual reports), {versions} versions"
        );
        match portals.get(name) {
            Some((label, run)) => {
                let report = &run.portals[name];
                let failures: u64 = report.failures.values().sum();
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
