//! The seal file beside the index: the last committed seq, written after commits and when the
//! store closes, and checked at open so that an index that lost commits is refused.

use super::{DB_DIR, SEAL_FILE, Store, StoreError, fault, unpoisoned};

/// How often at most the seal file is rewritten while commits go on.
const SEAL_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// The seal file's state: the seq last written to it, when, and the newest committed seq.
#[derive(Debug, Default)]
pub(super) struct Seal {
    written: u64,
    written_at: Option<std::time::Instant>,
    pending: u64,
}

impl Store {
    /// sled opens a damaged or emptied database without complaint, rolled back to an earlier
    /// state or empty. The last committed seq, kept in a file beside the index after each
    /// commit, tells: an index that holds less than was committed is refused.
    pub(super) fn check_seal(&self) -> Result<(), StoreError> {
        let seal = self.data_dir.join(SEAL_FILE);
        let Some(committed) = std::fs::read_to_string(&seal)
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
        else {
            return Ok(());
        };
        let holds = self.last_seq()?;
        if holds < committed {
            return Err(StoreError::RolledBack {
                path: self.data_dir.join(DB_DIR),
                seal,
                holds,
                committed,
            });
        }
        Ok(())
    }

    /// Records `seq` as committed, after the commit was flushed. Not fsynced, and written at
    /// most every `SEAL_EVERY` (the rest when the store closes): a lost or stale seal only
    /// weakens the check in `check_seal`, it never makes a sound index look damaged. Writing it
    /// on every commit cost a twentieth of a crawl's CPU (a file write and a rename per page).
    pub(super) fn seal(&self, seq: u64) {
        let mut sealed = unpoisoned(self.sealed.lock());
        sealed.pending = sealed.pending.max(seq);
        if sealed
            .written_at
            .is_some_and(|at| at.elapsed() < SEAL_EVERY)
        {
            return;
        }
        self.write_seal(&mut sealed);
    }

    /// Writes the newest committed seq to the seal file, through one temp file (callers hold the
    /// lock, so one write at a time).
    fn write_seal(&self, sealed: &mut Seal) {
        if sealed.pending <= sealed.written {
            return;
        }
        let seq = sealed.pending;
        let seal = self.data_dir.join(SEAL_FILE);
        let tmp = self.data_dir.join(format!("{SEAL_FILE}.tmp"));
        let written =
            std::fs::write(&tmp, format!("{seq}\n")).and_then(|()| std::fs::rename(&tmp, &seal));
        sealed.written_at = Some(std::time::Instant::now());
        match written {
            Ok(()) => sealed.written = seq,
            Err(e) => {
                fault::note(&self.data_dir, &seal, &e);
                tracing::warn!(path = %seal.display(), "cannot record the last committed seq: {e}");
            }
        }
    }
}

impl Drop for Store {
    /// A store that closes leaves the seal at its last commit.
    fn drop(&mut self) {
        let sealed = unpoisoned(self.sealed.get_mut());
        let mut sealed = std::mem::take(sealed);
        self.write_seal(&mut sealed);
    }
}
