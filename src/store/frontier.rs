//! Persistent frontier storage: task key -> task bytes, one sled tree per crawl mode. The crawl
//! module owns the task format; this module only keeps the bytes durable. The tree also is the
//! run's seen set: a task key is in it from the moment the task is queued until the run ends, so
//! the set lives on disk (behind sled's bounded cache) instead of in a `HashSet`.

use super::StoreError;

/// Ledger keys sort before every task key (which starts with a portal name) and never decode
/// as a task.
const LEDGER_PREFIX: &[u8] = b"\0ledger\0";

fn ledger_key(portal: &str, list: &str) -> Vec<u8> {
    let mut key = LEDGER_PREFIX.to_vec();
    key.extend_from_slice(portal.as_bytes());
    key.push(0);
    key.extend_from_slice(list.as_bytes());
    key
}

/// The spill key of a queued task: host, a zero byte (never in a host name), then the task's
/// place in the run's queue order, big-endian so that key order is queue order.
fn spill_key(host: &str, seq: u64) -> Vec<u8> {
    let mut key = spill_prefix(host);
    key.extend_from_slice(&seq.to_be_bytes());
    key
}

fn spill_prefix(host: &str) -> Vec<u8> {
    let mut key = host.as_bytes().to_vec();
    key.push(0);
    key
}

/// One crawl mode's persistent frontier.
#[derive(Clone)]
pub struct FrontierStore {
    tree: sled::Tree,
    /// Queued tasks beyond a host's in-memory window, in queue order per host (host + seq ->
    /// task bytes), so that a refill is one range scan. Only this run's order lives here: the
    /// task's state stays in `tree`, and the spill is rebuilt from it when a run resumes.
    spill: sled::Tree,
}

impl FrontierStore {
    pub(super) fn new(tree: sled::Tree, spill: sled::Tree) -> FrontierStore {
        FrontierStore { tree, spill }
    }

    /// Keeps a queued task of `host` on disk only, at place `seq` of the host's queue.
    pub fn spill(&self, host: &str, seq: u64, task: &[u8]) -> Result<(), StoreError> {
        self.spill.insert(spill_key(host, seq), task)?;
        Ok(())
    }

    /// Takes up to `limit` of `host`'s spilled tasks, first spilled first, off the disk.
    pub fn unspill(&self, host: &str, limit: usize) -> Result<Vec<Vec<u8>>, StoreError> {
        let mut taken = Vec::new();
        let mut batch = sled::Batch::default();
        for entry in self.spill.scan_prefix(spill_prefix(host)).take(limit) {
            let (key, value) = entry?;
            batch.remove(key);
            taken.push(value.to_vec());
        }
        self.spill.apply_batch(batch)?;
        Ok(taken)
    }

    /// Forgets every spilled task: a run starting (or resuming) queues them again from `tree`.
    pub fn clear_spill(&self) -> Result<(), StoreError> {
        self.spill.clear()?;
        Ok(())
    }

    pub fn put(&self, key: &str, task: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(key, task)?;
        Ok(())
    }

    /// Stores `task` under `key` unless the key is already there (queued, done or failed this
    /// run). Returns whether it was stored: one atomic compare-and-swap, so two workers that find
    /// the same URL at once never both queue it.
    pub fn insert_new(&self, key: &str, task: &[u8]) -> Result<bool, StoreError> {
        Ok(self
            .tree
            .compare_and_swap(key, None as Option<&[u8]>, Some(task))?
            .is_ok())
    }

    pub fn contains(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.tree.contains_key(key)?)
    }

    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(key)?.map(|v| v.to_vec()))
    }

    /// Every task, in key order, read as it goes (a frontier of a million tasks is never held
    /// in memory at once).
    pub fn tasks(&self) -> impl Iterator<Item = Result<(String, Vec<u8>), StoreError>> + '_ {
        self.tree.iter().filter_map(|entry| match entry {
            Ok((key, _)) if key.starts_with(LEDGER_PREFIX) => None,
            Ok((key, value)) => Some(Ok((
                String::from_utf8_lossy(&key).into_owned(),
                value.to_vec(),
            ))),
            Err(e) => Some(Err(e.into())),
        })
    }

    /// Keeps the run's ledger of one list (the crawl module owns its format), so that a resumed
    /// run goes on counting from where the interrupted one stopped.
    pub fn put_ledger(&self, portal: &str, list: &str, ledger: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(ledger_key(portal, list), ledger)?;
        Ok(())
    }

    /// Every list ledger kept: (portal, list, bytes).
    pub fn ledgers(&self) -> Result<Vec<(String, String, Vec<u8>)>, StoreError> {
        let mut all = Vec::new();
        for entry in self.tree.scan_prefix(LEDGER_PREFIX) {
            let (key, value) = entry?;
            let key = String::from_utf8_lossy(&key[LEDGER_PREFIX.len()..]).into_owned();
            if let Some((portal, list)) = key.split_once('\0') {
                all.push((portal.to_string(), list.to_string(), value.to_vec()));
            }
        }
        Ok(all)
    }

    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Forgets every task: the run this frontier belonged to is complete.
    pub fn clear(&self) -> Result<(), StoreError> {
        self.tree.clear()?;
        self.spill.clear()?;
        self.tree.flush()?;
        Ok(())
    }
}
