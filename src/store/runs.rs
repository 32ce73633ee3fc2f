//! The run reports the index holds (tree `runs`, keyed by run id, which sorts by start time):
//! stored by every run, read newest first by whoever needs the history, and pruned by
//! `nianbao prune-runs`. A run whose id is more than a day ahead of the clock reading it was
//! stamped by a clock ahead (a restored VM, a bad NTP answer): it is read as older than every
//! other, not as the newest until that day comes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, decode_json, put_json};

/// A run report as it is in the index: its id, the bytes of its key and value, and the report,
/// or why it cannot be read.
pub type SizedRun<T> = (String, u64, Result<T, StoreError>);

/// The form run ids take: the run's start time (see `crawl::run`).
pub const RUN_ID_FORMAT: &str = "%Y%m%dT%H%M%S%.3fZ";

/// The id a run started at `at` takes.
pub fn run_id_at(at: DateTime<Utc>) -> String {
    at.format(RUN_ID_FORMAT).to_string()
}

/// The smallest id a run started more than a day after `now` can have: runs from there on were
/// stamped by a clock ahead of this one. A day is the slack a clock set a little wrong (a time
/// zone read as UTC) is given; nothing is read differently for it.
pub fn ahead_of(now: DateTime<Utc>) -> String {
    run_id_at(now + chrono::Duration::days(1))
}

/// The order in which the clock at some moment reads run ids, newest first: by id, but a run
/// stamped by a clock ahead (see `ahead_of`) after every other. The store reads its own runs so;
/// whoever orders run reports found elsewhere (shared storage's `runs/`) orders them by this.
#[derive(Debug, Clone)]
pub struct RunOrder {
    ahead: String,
}

impl RunOrder {
    /// The order the clock reading `now` gives.
    pub fn at(now: DateTime<Utc>) -> RunOrder {
        RunOrder {
            ahead: ahead_of(now),
        }
    }

    /// A key that sorts run ids from the oldest to the newest as this clock reads them: every
    /// run stamped by a clock ahead below every other, and among each, by id.
    pub fn key<'a>(&self, run_id: &'a str) -> (bool, &'a str) {
        (run_id < self.ahead.as_str(), run_id)
    }
}

impl Store {
    /// The entries of `runs`, newest first as the clock reading them sees them: those whose id
    /// is before `ahead_of(now)` newest first, then those stamped by a clock ahead.
    fn runs_in_order(&self) -> impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>> + '_ {
        let ahead = RunOrder::at(Utc::now()).ahead;
        self.runs
            .range(..ahead.as_str())
            .rev()
            .chain(self.runs.range(ahead.as_str()..).rev())
    }

    /// Stores a run report under its id (ids sort by start time).
    pub fn put_run<T: Serialize>(&self, run_id: &str, report: &T) -> Result<(), StoreError> {
        put_json(&self.runs, run_id, report)
    }

    /// Run reports, newest first (a run stamped by a clock ahead last), each read when it is asked for: a nightly writes one a night
    /// for years, so whoever walks the history holds one report at a time and stops when it
    /// has what it needs. A report that cannot be read is passed over with a warning naming
    /// it: it says how one run went, and the archive's records do not depend on it.
    pub fn runs_newest_first<T: for<'de> Deserialize<'de>>(&self) -> impl Iterator<Item = T> + '_ {
        self.runs_in_order().filter_map(|entry| {
            let read = entry.map_err(StoreError::from).and_then(|(key, value)| {
                decode_json(&format!("run {}", String::from_utf8_lossy(&key)), &value)
            });
            match read {
                Ok(run) => Some(run),
                Err(e) => {
                    let why = std::error::Error::source(&e)
                        .map(|s| format!(": {s}"))
                        .unwrap_or_default();
                    tracing::warn!("passing over a run report that cannot be read: {e}{why}");
                    None
                }
            }
        })
    }

    /// The newest run report, if any (one stamped by a clock ahead only when every run is).
    pub fn last_run<T: for<'de> Deserialize<'de>>(&self) -> Result<Option<T>, StoreError> {
        match self.runs_in_order().next() {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(Some(decode_json(&String::from_utf8_lossy(&key), &value)?))
            }
            None => Ok(None),
        }
    }

    /// Every run report with its id and the bytes it takes in the index, newest first (as
    /// `runs_newest_first` orders them), each
    /// read when it is asked for; one that cannot be read comes with the reason.
    pub fn runs_sized_newest_first<T: for<'de> Deserialize<'de>>(
        &self,
    ) -> impl Iterator<Item = Result<SizedRun<T>, StoreError>> + '_ {
        self.runs_in_order().map(|entry| {
            let (key, value) = entry?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let read = decode_json(&format!("run {id}"), &value);
            Ok((id, (key.len() + value.len()) as u64, read))
        })
    }

    /// The id of a run started at `now`: its start time, or, when the newest run's id is not
    /// before it (this clock is behind the one that stamped that run), the id just after that
    /// run's, so the new run is read as the newest and counts as no older than it. A run
    /// stamped more than a day ahead is passed over (see `ahead_of`).
    pub fn next_run_id(&self, now: DateTime<Utc>) -> Result<String, StoreError> {
        let id = run_id_at(now);
        let Some(entry) = self.runs.range(..ahead_of(now).as_str()).next_back() else {
            return Ok(id);
        };
        let (key, _) = entry?;
        let newest = String::from_utf8_lossy(&key).into_owned();
        match chrono::NaiveDateTime::parse_from_str(&newest, RUN_ID_FORMAT) {
            Ok(at) if newest >= id => {
                Ok(run_id_at(at.and_utc() + chrono::Duration::milliseconds(1)))
            }
            _ => Ok(id),
        }
    }

    /// Whether the index holds a run report under this id.
    pub fn has_run(&self, run_id: &str) -> Result<bool, StoreError> {
        Ok(self.runs.contains_key(run_id)?)
    }

    /// Removes a run report from the index (nothing when it holds none under this id).
    pub fn remove_run(&self, run_id: &str) -> Result<(), StoreError> {
        self.runs.remove(run_id)?;
        Ok(())
    }
}
