//! Withdrawn reports: an archived report's URL that now answers 404 or 410, or a page saying the
//! information does not exist, is marked in its URL state (`withdrawn`: since when, and how) and
//! named in the `withdrawn` index (URL -> portal), written in the same transaction as the state
//! (see `failures::reindex`), so that `status` and `export` read the few withdrawn URLs without
//! a URL-table scan. Nothing archived changes: the mark is only a fact about the URL now.
//!
//! A document is withdrawn when every URL it was found at (its `urls`, each one's state naming
//! it) is withdrawn: a report still served at one of its URLs is not gone.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;

use super::schedule::is_not_found;
use super::{Store, StoreError, TxResult, UrlState};

/// The run report's, the URL state's and the export record's name for a page that says the
/// information does not exist (信息不存在, 页面不存在) while it answers 200.
const SOFT_NOT_FOUND: &str = "soft_not_found";

/// How an archived report's URL was seen taken down.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Withdrawal {
    /// When it was first seen so (RFC 3339, UTC): kept across later nights while it lasts.
    pub since: String,
    /// What it answered when last asked: `http_404`, `http_410` or `soft_not_found`.
    pub answer: String,
}

/// A document every URL of which is withdrawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithdrawnDocument {
    pub portal: String,
    /// The withdrawal of the URL that went last (the latest `since`): the document was reachable
    /// until then.
    pub withdrawal: Withdrawal,
    /// Every URL it was found at, each withdrawn.
    pub urls: Vec<String>,
}

/// Whether an answer says the page was taken down: 404, 410 or a page saying it does not exist.
/// A timeout, a 5xx, a 403, a challenge or a failed connection says only that the server could
/// not or would not answer now.
pub fn is_withdrawal(answer: &str) -> bool {
    is_not_found(answer) || answer == SOFT_NOT_FOUND
}

impl UrlState {
    /// Marks an archived URL that answered `answer` at `at` withdrawn, when the answer says the
    /// page was taken down: the first time with `since = at`, later only updating `answer`.
    /// True when it was not withdrawn before (newly seen). A delisted mark goes. A URL without a
    /// document, or an answer that is no withdrawal, leaves the state as it is.
    pub fn mark_withdrawn(&mut self, answer: &str, at: DateTime<Utc>) -> bool {
        if self.doc_id.is_none() || !is_withdrawal(answer) {
            return false;
        }
        // Gone is more than delisted: a page that answers so is no longer "still served".
        self.delisted = None;
        match &mut self.withdrawn {
            Some(withdrawal) => {
                withdrawal.answer = answer.to_string();
                false
            }
            None => {
                self.withdrawn = Some(Withdrawal {
                    since: at.to_rfc3339_opts(SecondsFormat::Secs, true),
                    answer: answer.to_string(),
                });
                true
            }
        }
    }

    /// Named in the `withdrawn` index: an archived URL withdrawn or delisted.
    fn is_withdrawn(&self) -> bool {
        self.doc_id.is_some() && (self.withdrawn.is_some() || self.delisted.is_some())
    }
}

/// Inside a transaction: keeps the URL's entry in the `withdrawn` index in step with its state.
pub(super) fn reindex(
    withdrawn: &TransactionalTree,
    url: &str,
    old: Option<&UrlState>,
    new: Option<&UrlState>,
) -> TxResult<()> {
    match new.filter(|s| s.is_withdrawn()) {
        Some(state) => {
            withdrawn.insert(url.as_bytes(), state.portal.as_bytes())?;
        }
        None if old.is_some_and(UrlState::is_withdrawn) => {
            withdrawn.remove(url.as_bytes())?;
        }
        None => {}
    }
    Ok(())
}

impl Store {
    /// The documents withdrawn now, by id: those whose every URL is withdrawn (see the module
    /// comment). Reads the `withdrawn` index, the states it names and their documents.
    pub fn withdrawn_documents(&self) -> Result<BTreeMap<String, WithdrawnDocument>, StoreError> {
        let mut marks: BTreeMap<String, Vec<(String, Withdrawal)>> = BTreeMap::new();
        for entry in self.withdrawn.iter() {
            let url = String::from_utf8_lossy(&entry?.0).into_owned();
            let Some(state) = self.url_state(&url)? else {
                continue;
            };
            if let (Some(id), Some(withdrawal)) = (state.doc_id, state.withdrawn) {
                marks.entry(id).or_default().push((url, withdrawal));
            }
        }
        let mut documents = BTreeMap::new();
        for (id, marked) in marks {
            let Some(doc) = self.document(&id)? else {
                continue;
            };
            let all_gone = doc.urls.iter().all(|u| marked.iter().any(|(m, _)| m == u));
            let last = marked
                .into_iter()
                .map(|(_, w)| w)
                .max_by(|a, b| a.since.cmp(&b.since));
            if let (true, Some(withdrawal)) = (all_gone, last) {
                let (portal, urls) = (doc.portal, doc.urls);
                documents.insert(
                    id,
                    WithdrawnDocument {
                        portal,
                        withdrawal,
                        urls,
                    },
                );
            }
        }
        Ok(documents)
    }

    /// Per portal, how many archived documents are withdrawn now.
    pub fn withdrawn_counts(&self) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut counts = BTreeMap::new();
        for doc in self.withdrawn_documents()?.into_values() {
            *counts.entry(doc.portal).or_default() += 1;
        }
        Ok(counts)
    }

    /// Per portal, how many archived documents are withdrawn now and how many archived URLs are
    /// delisted now: what a run report carries at its end (the `withdrawn` index is small).
    pub fn standing_counts(&self) -> Result<BTreeMap<String, (u64, u64)>, StoreError> {
        let mut counts: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for (portal, n) in self.withdrawn_counts()? {
            counts.entry(portal).or_default().0 = n;
        }
        for url in self.delisted_urls()? {
            counts.entry(url.portal).or_default().1 += 1;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).expect("a valid time")
    }

    fn archived() -> UrlState {
        UrlState {
            portal: "p".into(),
            doc_id: Some("d1".into()),
            outcome: "archived".into(),
            ..UrlState::default()
        }
    }

    /// Only 404, 410 and a page saying it does not exist mark an archived URL; a server that is
    /// down, refuses or challenges says nothing of the report.
    #[test]
    fn only_answers_that_say_the_page_is_gone_mark_it() {
        let cases = [
            ("http_404", true),
            ("http_410", true),
            ("soft_not_found", true),
            ("http_503", false),
            ("http_500", false),
            ("http_403", false),
            ("timeout", false),
            ("connect", false),
            ("blocked", false),
            ("host_paused", false),
            ("login_wall", false),
            ("server_error", false),
        ];
        for (answer, marks) in cases {
            let mut state = archived();
            assert_eq!(state.mark_withdrawn(answer, at(0)), marks, "{answer}");
            assert_eq!(state.withdrawn.is_some(), marks, "{answer}");
        }
    }

    #[test]
    fn a_url_without_a_document_is_never_withdrawn() {
        let mut state = UrlState {
            doc_id: None,
            ..archived()
        };
        assert!(!state.mark_withdrawn("http_404", at(0)));
        assert_eq!(state.withdrawn, None);
    }

    /// The first sighting's time is kept; the answer is the latest; a failure that is no
    /// withdrawal leaves the mark as it was.
    #[test]
    fn since_is_the_first_sighting_and_answer_the_latest() {
        let mut state = archived();
        assert!(state.mark_withdrawn("http_404", at(0)));
        assert!(!state.mark_withdrawn("http_410", at(86_400)));
        assert!(!state.mark_withdrawn("http_503", at(2 * 86_400)));
        let withdrawal = state.withdrawn.expect("still withdrawn");
        assert_eq!(
            withdrawal.since,
            at(0).to_rfc3339_opts(SecondsFormat::Secs, true)
        );
        assert_eq!(withdrawal.answer, "http_410");
    }

    /// A state written before withdrawals were kept reads as not withdrawn, and one that is not
    /// withdrawn is written without the key, as before.
    #[test]
    fn a_state_without_the_key_reads_and_writes_as_before() {
        let old = r#"{"portal":"p","doc_id":"d1","outcome":"failed:http_404","http_status":404}"#;
        let state: UrlState = serde_json::from_str(old).expect("an older state reads");
        assert_eq!(state.withdrawn, None);
        assert_eq!(state.doc_id.as_deref(), Some("d1"));
        assert_eq!(serde_json::to_string(&state).expect("serialises"), old);
        let mut marked = state.clone();
        marked.mark_withdrawn("http_404", at(0));
        let written = serde_json::to_value(&marked).expect("serialises");
        assert_eq!(
            written["withdrawn"],
            serde_json::json!({"since": "2027-01-15T08:00:00Z", "answer": "http_404"})
        );
    }
}
