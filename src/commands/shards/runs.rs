//! The run reports of every shard in shared storage, for `status --all-shards` and `report
//! --all-shards`: read one at a time, keeping of each only what these commands show (each
//! label's newest run, each portal's share of the newest run that walked it) and where it is,
//! so memory holds the newest runs, not the nights of years; whoever walks the whole history
//! (`report`'s matrix) reads the reports again, newest first, one at a time.

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::report::{PortalReport, RunReport, read_run_report};
use crate::storage::{Storage, StorageError};
use crate::store::RunOrder;

/// A run as the commands show it beside its shard or a portal: all but its portals' shares.
#[derive(Debug, Clone)]
pub(super) struct RunHead {
    pub run_id: String,
    pub command: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub interrupted: bool,
    pub shard: Option<String>,
    /// How many portals the run walked.
    pub portals: usize,
}

/// The newest run (of any shard) that walked a portal: its label, the run, the portal's share.
#[derive(Debug)]
pub(super) struct Walked {
    pub label: String,
    pub run: Rc<RunHead>,
    pub report: PortalReport,
}

/// A run report listed in storage: its key, label and run id.
#[derive(Debug)]
struct Listed {
    key: String,
    run_id: String,
}

/// What the commands keep of the run reports in storage.
#[derive(Debug)]
pub(super) struct RunIndex {
    /// How the clock reading them orders runs: a run stamped by a clock ahead is the oldest,
    /// as in the store.
    order: RunOrder,
    /// Every readable run report, newest first (as `order` reads run ids; in key order among
    /// equal ids).
    listed: Vec<Listed>,
    /// Per label, its newest run.
    pub latest: BTreeMap<String, Rc<RunHead>>,
    /// Per portal, the newest run that walked it.
    pub newest: BTreeMap<String, Walked>,
}

impl RunIndex {
    /// An index of no run reports, ordering runs as `order` does.
    pub fn new(order: RunOrder) -> RunIndex {
        RunIndex {
            order,
            listed: Vec::new(),
            latest: BTreeMap::new(),
            newest: BTreeMap::new(),
        }
    }

    /// Reads every run report below `runs/<label>/` in `storage`, one at a time, ordering them
    /// as `order` does. One that is not a run report, or that cannot be read (an I/O error, a
    /// link to itself), is skipped with a warning naming it and why; one gone since it was
    /// listed (another machine's `prune-runs` at that moment) is left out without a word.
    pub fn read(
        storage: &Storage,
        order: RunOrder,
        label_of: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<RunIndex> {
        let mut index = RunIndex::new(order);
        for key in storage.keys("runs/", ".json")? {
            let Some(label) = label_of(&key) else {
                continue;
            };
            let bytes = match storage.read_one(&key) {
                Ok(bytes) => bytes,
                Err(StorageError::Missing { .. }) => continue,
                // A report says how one run went: one that cannot be read must not hide the
                // others, as a damaged one does not.
                Err(e) => {
                    let url = storage.url(&key);
                    let why = anyhow::Error::new(e);
                    errln!("warning: skipped run report {url}: {why:#}");
                    continue;
                }
            };
            // One shard's damaged report (a cut write, another version) must not hide the others.
            match read_run_report(&storage.url(&key), &bytes) {
                Ok(report) => index.take(key, label, report),
                Err(e) => errln!("warning: skipped {e}"),
            }
        }
        // Run ids begin with their start time: newest first, as the store gives its own.
        let order = &index.order;
        index
            .listed
            .sort_by(|a, b| order.key(&b.run_id).cmp(&order.key(&a.run_id)));
        Ok(index)
    }

    /// Takes in a run report found at `key` under `label`: a run newer than a label's or a
    /// portal's newest so far takes its place (the first read keeps it among equal ids).
    pub fn take(&mut self, key: String, label: String, report: RunReport) {
        let run = Rc::new(RunHead {
            run_id: report.run_id,
            command: report.command,
            started_at: report.started_at,
            finished_at: report.finished_at,
            interrupted: report.interrupted,
            shard: report.shard,
            portals: report.portals.len(),
        });
        let order = &self.order;
        let newer = |old: &RunHead| order.key(&run.run_id) > order.key(&old.run_id);
        if self.latest.get(&label).is_none_or(|old| newer(old)) {
            self.latest.insert(label.clone(), Rc::clone(&run));
        }
        for (portal, share) in report.portals {
            if self.newest.get(&portal).is_none_or(|old| newer(&old.run)) {
                let walked = Walked {
                    label: label.clone(),
                    run: Rc::clone(&run),
                    report: share,
                };
                self.newest.insert(portal, walked);
            }
        }
        self.listed.push(Listed {
            key,
            run_id: run.run_id.clone(),
        });
    }

    /// Every run report, newest first, read again from `storage` one at a time as asked for.
    /// One gone or changed since the first reading is passed over (with a warning when it is
    /// no longer a run report).
    pub fn newest_first<'a>(
        &'a self,
        storage: &'a Storage,
    ) -> impl Iterator<Item = RunReport> + 'a {
        self.listed.iter().filter_map(move |listed| {
            let url = storage.url(&listed.key);
            let bytes = match storage.read_one(&listed.key) {
                Ok(bytes) => bytes,
                Err(StorageError::Missing { .. }) => return None,
                Err(e) => {
                    errln!(
                        "warning: skipped run report {url}: {:#}",
                        anyhow::Error::new(e)
                    );
                    return None;
                }
            };
            read_run_report(&url, &bytes)
                .map_err(|e| errln!("warning: skipped {e}"))
                .ok()
        })
    }

    /// How many runs' portal shares the index holds in memory.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        let runs: std::collections::BTreeSet<&str> = self
            .newest
            .values()
            .map(|w| w.run.run_id.as_str())
            .collect();
        runs.len()
    }
}
