//! The run's list ledgers kept for a resume: each list's ledger and a section's failure are
//! put beside the persistent frontier as the walk goes, and restored by the run that resumes an
//! interrupted one, so that no page is walked twice and a failed page stays failed.

use super::list::list_key;
use super::{Engine, Role, Task};

impl Engine {
    /// Keeps one list's ledger in the persistent frontier.
    pub(super) fn keep_ledger(&self, portal: &str, list_key: &str) {
        let ledger = self.report(portal, |r| r.lists.get(list_key).cloned());
        let Some(bytes) = ledger.and_then(|l| serde_json::to_vec(&l).ok()) else {
            return;
        };
        if let Err(e) = self.frontier.put_ledger(portal, list_key, &bytes) {
            tracing::warn!(
                portal,
                list = list_key,
                "cannot keep the list's ledger for a resume: {e}"
            );
        }
    }

    /// Keeps every list's ledger as it stands, for the run that resumes an interrupted one: the
    /// items fetched since a list's page was read count there too.
    pub(super) fn keep_all_ledgers(&self) {
        let lists: Vec<(String, String)> = self
            .reports
            .lock()
            .expect("report lock is never poisoned")
            .iter()
            .flat_map(|(portal, r)| r.lists.keys().map(|k| (portal.clone(), k.clone())))
            .collect();
        for (portal, list) in lists {
            self.keep_ledger(&portal, &list);
        }
    }

    /// Marks a portal whose section's first page failed, in this run's report and beside the
    /// ledgers: a resumed run does not fetch that page again (its task is done), and keeps the
    /// verdict, so its summary, exit code and `status` still show the portal as unreachable.
    pub(super) fn mark_unreachable(&self, portal: &str) {
        self.report(portal, |r| r.unreachable = true);
        if let Err(e) = self.frontier.put_ledger(portal, UNREACHABLE, b"") {
            tracing::warn!(
                portal,
                "cannot keep the section's failure for a resume: {e}"
            );
        }
    }

    /// A resumed run starts its ledgers where the interrupted run left them: pages walked,
    /// items found, stops. Its page numbers are claimed, so no page is walked twice.
    pub(super) fn restore_ledgers(&self) -> anyhow::Result<()> {
        for (portal, list, bytes) in self.frontier.ledgers()? {
            if list == UNREACHABLE {
                self.report(&portal, |r| r.unreachable = true);
                continue;
            }
            // The sweep's choice, read when the run started (`sweep::choose`).
            if list == super::sweep::SWEPT {
                continue;
            }
            match serde_json::from_slice::<crate::report::YearCount>(&bytes) {
                Ok(mut ledger) => {
                    ledger.claimed.extend(ledger.walked.iter().copied());
                    ledger.resumed = true;
                    self.report(&portal, |r| r.lists.insert(list, ledger));
                }
                Err(e) => tracing::warn!(portal, list, "unreadable list ledger dropped: {e}"),
            }
        }
        Ok(())
    }

    /// Claims the page number of a list task taken over from an interrupted run.
    pub(super) fn claim_resumed(&self, task: &Task) {
        if let Role::List {
            year,
            page: Some(n),
            ..
        } = &task.role
        {
            self.report(&task.portal, |r| {
                r.lists
                    .entry(list_key(*year))
                    .or_default()
                    .claimed
                    .insert(*n);
            });
        }
    }
}

/// The ledger key that marks a portal's section as unreachable (no list is named so).
const UNREACHABLE: &str = "unreachable";
