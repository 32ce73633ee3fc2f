//! The run reports the index holds (tree `runs`, keyed by run id, which sorts by start time):
//! stored by every run, read newest first by whoever needs the history, and pruned by
//! `nianbao prune-runs`.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError, decode_json, put_json};

/// A run report as it is in the index: its id, the bytes of its key and value, and the report,
/// or why it cannot be read.
pub type SizedRun<T> = (String, u64, Result<T, StoreError>);

impl Store {
    /// Stores a run report under its id (ids sort by start time).
    pub fn put_run<T: Serialize>(&self, run_id: &str, report: &T) -> Result<(), StoreError> {
        put_json(&self.runs, run_id, report)
    }

    /// Run reports, newest first, each read when it is asked for: a nightly writes one a night
    /// for years, so whoever walks the history holds one report at a time and stops when it
    /// has what it needs. A report that cannot be read is passed over with a warning naming
    /// it: it says how one run went, and the archive's records do not depend on it.
    pub fn runs_newest_first<T: for<'de> Deserialize<'de>>(&self) -> impl Iterator<Item = T> + '_ {
        self.runs.iter().rev().filter_map(|entry| {
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

    /// The newest run report, if any.
    pub fn last_run<T: for<'de> Deserialize<'de>>(&self) -> Result<Option<T>, StoreError> {
        match self.runs.iter().next_back() {
            Some(entry) => {
                let (key, value) = entry?;
                Ok(Some(decode_json(&String::from_utf8_lossy(&key), &value)?))
            }
            None => Ok(None),
        }
    }

    /// Every run report with its id and the bytes it takes in the index, newest first, each
    /// read when it is asked for; one that cannot be read comes with the reason.
    pub fn runs_sized_newest_first<T: for<'de> Deserialize<'de>>(
        &self,
    ) -> impl Iterator<Item = Result<SizedRun<T>, StoreError>> + '_ {
        self.runs.iter().rev().map(|entry| {
            let (key, value) = entry?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let read = decode_json(&format!("run {id}"), &value);
            Ok((id, (key.len() + value.len()) as u64, read))
        })
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
