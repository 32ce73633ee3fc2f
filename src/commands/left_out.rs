//! Damaged index records met by a command that reads the archive (`export`, `tables`, `verify`,
//! `text`, `report`): each is left out and named on stderr, every other record is read, and the
//! command ends with exit code 3 so that a script sees the damage.

use std::collections::HashSet;

use crate::export::ExportRecord;
use crate::store::StoreError;

/// The damaged records left out so far.
#[derive(Default)]
pub(super) struct LeftOut {
    keys: HashSet<String>,
}

impl LeftOut {
    /// The record, or `None` for a damaged one (named on stderr, and kept to be counted). Any
    /// other error (the index cannot be read at all) is passed on.
    pub fn take(
        &mut self,
        record: Result<ExportRecord, StoreError>,
    ) -> Result<Option<ExportRecord>, StoreError> {
        match record {
            Ok(record) => Ok(Some(record)),
            Err(StoreError::Corrupt { key, source }) => {
                // A document record is read with each of its versions: named and counted once.
                if !self.keys.contains(&key) {
                    errln!("left out index record {key}: unreadable ({source})");
                    self.keys.insert(key);
                }
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Ok when nothing was left out, else the error that ends the command with exit code 3.
    pub fn finish(self) -> Result<(), StoreError> {
        match self.keys.len() {
            0 => Ok(()),
            records => Err(StoreError::DamagedRecords { records }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LeftOut;
    use crate::store::StoreError;

    fn corrupt(key: &str) -> StoreError {
        let source = serde_json::from_slice::<serde_json::Value>(b"\xff")
            .expect_err("a byte that is no JSON");
        StoreError::Corrupt {
            key: key.to_string(),
            source,
        }
    }

    /// A damaged document record fails each of its versions as they are read: one record
    /// left out, not one a version.
    #[test]
    fn a_damaged_record_met_again_is_counted_once() {
        let mut left_out = LeftOut::default();
        for key in ["version 7", "doc-a", "doc-a", "version 9", "doc-a"] {
            assert!(
                matches!(left_out.take(Err(corrupt(key))), Ok(None)),
                "{key}"
            );
        }
        assert!(
            matches!(
                left_out.finish(),
                Err(StoreError::DamagedRecords { records: 3 })
            ),
            "three damaged records"
        );
    }
}
