//! The copies of run reports that `prune-runs` removes from shared storage: those of the runs it
//! removes from the index, and those older than the age whose index entry is already gone (a
//! prune that could not delete them, an index made anew), under `runs/<label>/` of this
//! data_dir's own labels only: another shard's or machine's copies are never touched.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::config::{Settings, Shard};
use crate::report::RunReport;
use crate::storage::{ObjectInfo, Storage};
use crate::store::Store;

use super::{Plan, is_old};

/// The folder of `runs/` a run's report was copied to: `shard-K-of-N` for a run of `--shard
/// K/N`, this machine's label for one of all portals; `None` for a shard this version cannot
/// read (its copies are left alone).
pub(super) fn label_of(run: &RunReport, settings: &Settings) -> Option<String> {
    match &run.shard {
        Some(shard) => Shard::parse(shard).ok().map(|s| s.label()),
        None => Some(settings.storage.run_label.clone()),
    }
}

/// The copies a prune removes.
#[derive(Debug, Default)]
pub(super) struct Copies {
    /// The folders searched (`runs/<label>/`).
    folders: Vec<String>,
    /// Each copy with whether its run had no index entry left.
    remove: Vec<(ObjectInfo, bool)>,
    /// Copies that could not be deleted (named on stderr).
    left: BTreeSet<String>,
    /// Folders that could not be listed (named on stderr).
    unlisted: usize,
}

/// The copies under the plan's labels whose run the plan removes, or that are older than
/// `cutoff` and whose run the index no longer holds. Nothing without shared storage.
pub(super) fn find(
    storage: &Storage,
    plan: &Plan,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    store: &Store,
) -> anyhow::Result<Copies> {
    let mut copies = Copies::default();
    if !storage.is_remote() {
        return Ok(copies);
    }
    let removed: BTreeSet<&str> = plan.remove.iter().map(|(id, _)| id.as_str()).collect();
    for label in &plan.labels {
        let folder = format!("runs/{label}/");
        let listed = {
            let (s, folder) = (storage.clone(), folder.clone());
            storage.block_on(async move { s.list(&folder).await })
        };
        copies.folders.push(folder.clone());
        let objects = match listed {
            Ok(objects) => objects,
            Err(e) => {
                errln!(
                    "error: cannot list the run report copies in {}: {:#}",
                    storage.url(&folder),
                    anyhow::Error::new(e)
                );
                copies.unlisted += 1;
                continue;
            }
        };
        for object in objects {
            let Some(id) = object
                .key
                .strip_prefix(&folder)
                .filter(|name| !name.contains('/'))
                .and_then(|name| name.strip_suffix(".json"))
            else {
                continue;
            };
            if removed.contains(id) {
                copies.remove.push((object, false));
            } else if is_old(id, cutoff, now) && !store.has_run(id)? {
                copies.remove.push((object, true));
            }
        }
    }
    Ok(copies)
}

impl Copies {
    /// Deletes every copy, naming on stderr each that cannot go.
    pub fn delete(&mut self, storage: &Storage) {
        for (object, _) in &self.remove {
            let (s, key) = (storage.clone(), object.key.clone());
            if let Err(e) = storage.block_on(async move { s.delete(&key).await }) {
                errln!(
                    "error: cannot remove the run report copy {}: {:#}",
                    storage.url(&object.key),
                    anyhow::Error::new(e)
                );
                self.left.insert(object.key.clone());
            }
        }
    }

    /// The folders that could not be listed and the copies that could not be deleted.
    pub fn failures(&self) -> usize {
        self.unlisted + self.left.len()
    }

    /// What the prune did (or, dry, would do) in shared storage; with `dry_run`, each copy's URL.
    pub fn print(&self, storage: &Storage, dry_run: bool) -> anyhow::Result<()> {
        if self.folders.is_empty() {
            return Ok(());
        }
        let gone: Vec<&(ObjectInfo, bool)> = self
            .remove
            .iter()
            .filter(|(o, _)| !self.left.contains(&o.key))
            .collect();
        let orphans = gone.iter().filter(|(_, orphan)| *orphan).count();
        let bytes: u64 = gone.iter().map(|(o, _)| o.size).sum();
        let folders: Vec<String> = self.folders.iter().map(|f| storage.url(f)).collect();
        outln!(
            "{} {} run report copies in shared storage ({bytes} bytes{}) from {}",
            if dry_run { "would remove" } else { "removed" },
            gone.len(),
            if orphans > 0 {
                format!(", {orphans} of them with no index entry")
            } else {
                String::new()
            },
            folders.join(", "),
        );
        if dry_run {
            for (object, _) in &self.remove {
                outln!("  {}", storage.url(&object.key));
            }
        }
        Ok(())
    }
}
