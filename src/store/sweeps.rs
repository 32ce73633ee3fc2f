//! Each portal's last whole walk (every list walked to its end, nothing failed, nothing left),
//! which the nightly crawl's sweep reads to pick the portals due, and its last sweep that did
//! not walk it whole, so that a portal never walked whole does not take every night's sweep. Kept in the
//! `whole_walks` and `sweeps_tried` trees: the portal's name, then the RFC 3339 time the run
//! started. A store from a version before sweeps has none recorded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Store, StoreError};

const WHOLE_WALKS: &str = "whole_walks";
const SWEEPS_TRIED: &str = "sweeps_tried";

impl Store {
    /// Every portal's last whole walk, by portal name. A row that does not read as a time is
    /// reported and left out (its portal is due, as one with none recorded).
    pub fn whole_walks(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        self.portal_times(WHOLE_WALKS)
    }

    /// Records that `portal` was walked whole by a run started at `at`.
    pub fn put_whole_walk(&self, portal: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.put_portal_time(WHOLE_WALKS, portal, at)
    }

    /// Every portal's last sweep that did not walk it whole, by portal name (read as
    /// `whole_walks`).
    pub fn sweeps_tried(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        self.portal_times(SWEEPS_TRIED)
    }

    /// Records that a run started at `at` swept `portal` to the run's end without walking it
    /// whole.
    pub fn put_sweep_tried(&self, portal: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.put_portal_time(SWEEPS_TRIED, portal, at)
    }

    fn portal_times(&self, tree: &str) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        let tree_handle = self.db.open_tree(tree)?;
        let mut out = BTreeMap::new();
        for entry in tree_handle.iter() {
            let (key, value) = entry?;
            let portal = String::from_utf8_lossy(&key).into_owned();
            let text = String::from_utf8_lossy(&value);
            match DateTime::parse_from_rfc3339(&text) {
                Ok(at) => {
                    out.insert(portal, at.with_timezone(&Utc));
                }
                Err(e) => tracing::warn!(portal, tree, "unreadable time {text:?} left: {e}"),
            }
        }
        Ok(out)
    }

    fn put_portal_time(
        &self,
        tree: &str,
        portal: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let tree = self.db.open_tree(tree)?;
        let text = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        tree.insert(portal.as_bytes(), text.as_bytes())?;
        Ok(())
    }
}
