//! Crash-loop records: URLs that were being worked on when the process ended abnormally
//! (suspects), and those quarantined after a second abnormal end, which the crawl skips until an
//! operator clears them (`nianbao quarantine --clear`). Kept in the `suspects` tree.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};

const TREE: &str = "suspects";
/// The id of the last journal counted; no URL starts with a NUL byte.
const COUNTED_KEY: &[u8] = b"\0counted_journal";

/// A URL in flight during one or more consecutive abnormal ends of the process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspect {
    pub portal: String,
    /// Consecutive abnormal ends (a crashed probe counts as one) the URL was in flight for.
    pub strikes: u32,
    pub first_at: String,
    pub last_at: String,
    /// Skipped by every crawl until cleared.
    pub quarantined: bool,
}

impl Store {
    /// Every suspect, quarantined or not, by URL. A row that does not decode is reported and
    /// skipped.
    pub fn suspects(&self) -> Result<Vec<(String, Suspect)>, StoreError> {
        let tree = self.db.open_tree(TREE)?;
        let mut out = Vec::new();
        for entry in tree.iter() {
            let (key, value) = entry?;
            if key.starts_with(b"\0") {
                continue;
            }
            let url = String::from_utf8_lossy(&key).into_owned();
            match serde_json::from_slice::<Suspect>(&value) {
                Ok(suspect) => out.push((url, suspect)),
                Err(e) => tracing::error!(url = %url, "skipping an unreadable suspect record: {e}"),
            }
        }
        Ok(out)
    }

    pub fn suspect(&self, url: &str) -> Result<Option<Suspect>, StoreError> {
        let tree = self.db.open_tree(TREE)?;
        Ok(tree
            .get(url.as_bytes())?
            .and_then(|v| serde_json::from_slice(&v).ok()))
    }

    pub fn put_suspect(&self, url: &str, suspect: &Suspect) -> Result<(), StoreError> {
        let tree = self.db.open_tree(TREE)?;
        let value = serde_json::to_vec(suspect).expect("a suspect record serialises: plain data");
        tree.insert(url.as_bytes(), value)?;
        Ok(())
    }

    /// The id of the last in-flight journal whose strikes were counted.
    pub fn counted_journal(&self) -> Result<Option<String>, StoreError> {
        let tree = self.db.open_tree(TREE)?;
        Ok(tree
            .get(COUNTED_KEY)?
            .map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Applies the strikes counted from one journal (a suspect to write, or `None` to forget
    /// the URL) and records the journal as counted, in one atomic batch: a start that dies
    /// half-way has counted nothing, and the next one counts it again, once.
    pub fn apply_strikes(
        &self,
        updates: &[(String, Option<Suspect>)],
        journal: Option<&str>,
    ) -> Result<(), StoreError> {
        let tree = self.db.open_tree(TREE)?;
        let mut batch = sled::Batch::default();
        for (url, suspect) in updates {
            match suspect {
                Some(s) => batch.insert(
                    url.as_bytes(),
                    serde_json::to_vec(s).expect("a suspect record serialises: plain data"),
                ),
                None => batch.remove(url.as_bytes()),
            }
        }
        if let Some(id) = journal {
            batch.insert(COUNTED_KEY, id.as_bytes());
        }
        tree.apply_batch(batch)?;
        Ok(())
    }

    /// Forgets a suspect (cleared by an operator, or read without harm); true if there was one.
    pub fn remove_suspect(&self, url: &str) -> Result<bool, StoreError> {
        let tree = self.db.open_tree(TREE)?;
        Ok(tree.remove(url.as_bytes())?.is_some())
    }
}
