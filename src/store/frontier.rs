//! Persistent frontier storage: task key -> task bytes, one sled tree per crawl mode. The crawl
//! module owns the task format; this module only keeps the bytes durable.

use super::StoreError;

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
            all.push((String::from_utf8_lossy(&key).into_owned(), value.to_vec()));
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
