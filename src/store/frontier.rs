//! Persistent frontier storage: task key -> task bytes, one sled tree per crawl mode. The crawl
//! module owns the task format; this module only keeps the bytes durable.

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

/// One crawl mode's persistent frontier.
#[derive(Clone)]
pub struct FrontierStore {
    tree: sled::Tree,
}

impl FrontierStore {
    pub(super) fn new(tree: sled::Tree) -> FrontierStore {
        FrontierStore { tree }
    }

    pub fn put(&self, key: &str, task: &[u8]) -> Result<(), StoreError> {
        self.tree.insert(key, task)?;
        Ok(())
    }

    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.tree.get(key)?.map(|v| v.to_vec()))
    }

    /// Every task, in key order.
    pub fn all(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut all = Vec::new();
        for entry in self.tree.iter() {
            let (key, value) = entry?;
            if key.starts_with(LEDGER_PREFIX) {
                continue;
            }
            all.push((String::from_utf8_lossy(&key).into_owned(), value.to_vec()));
        }
        Ok(all)
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
        self.tree.flush()?;
        Ok(())
    }
}
