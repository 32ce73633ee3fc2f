//! Damaged index records met by a command that reads the archive (`export`, `tables`, `verify`,
//! `text`, `report`): each is left out and named on stderr, every other record is read, and the
//! command ends with exit code 3 so that a script sees the damage.

use crate::export::ExportRecord;
use crate::store::StoreError;

/// The damaged records left out so far.
#[derive(Default)]
pub(super) struct LeftOut {
    keys: Vec<String>,
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
                eprintln!("left out index record {key}: unreadable ({source})");
                self.keys.push(key);
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
