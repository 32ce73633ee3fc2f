//! Each portal's last whole walk (every list walked to its end, nothing failed, nothing left),
//! which the nightly crawl's sweep reads to pick the portals due. Kept in the `whole_walks` tree:
//! the portal's name, then the RFC 3339 time the walk's run started. A store from a version
//! before sweeps has none recorded.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{Store, StoreError};

const TREE: &str = "whole_walks";

impl Store {
    /// Every portal's last whole walk, by portal name. A row that does not read as a time is
    /// reported and left out (its portal is due, as one with none recorded).
    pub fn whole_walks(&self) -> Result<BTreeMap<String, DateTime<Utc>>, StoreError> {
        let tree = self.db.open_tree(TREE)?;
        let mut out = BTreeMap::new();
        for entry in tree.iter() {
            let (key, value) = entry?;
            let portal = String::from_utf8_lossy(&key).into_owned();
            let text = String::from_utf8_lossy(&value);
            match DateTime::parse_from_rfc3339(&text) {
                Ok(at) => {
                    out.insert(portal, at.with_timezone(&Utc));
                }
                Err(e) => tracing::warn!(portal, "unreadable last whole walk {text:?} left: {e}"),
            }
        }
        Ok(out)
    }

    /// Records that `portal` was walked whole by a run started at `at`.
    pub fn put_whole_walk(&self, portal: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        let tree = self.db.open_tree(TREE)?;
        let text = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        tree.insert(portal.as_bytes(), text.as_bytes())?;
        Ok(())
    }
}
