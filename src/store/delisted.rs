//! Delisted reports: an archived report's URL that a complete walk of the list it was last found
//! on no longer shows. The `listed` index (portal NUL list NUL URL) names each archived URL under
//! that list, written in the same transaction as its state (see `failures::reindex`), so that a
//! crawl reads one list's archived URLs with one prefix scan, never the URL table. A delisted URL
//! whose page still answers is marked `delisted` (since when) and named in the `withdrawn` index
//! beside the withdrawn ones, so that `status --withdrawn` and `export` read it without a scan.
//!
//! A store from an earlier version holds no list in its states: each archived URL enters the
//! index when a walk next finds it on a list (the walk writes the list into its state).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sled::transaction::TransactionalTree;

use super::{Store, StoreError, TxResult, UrlState};

/// Since when an archived report's list no longer shows it while its page still answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delisting {
    /// The first night it was seen so (RFC 3339, UTC): kept while it lasts.
    pub since: String,
}

/// A delisted URL, as `status --withdrawn` and `export` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DelistedUrl {
    pub url: String,
    pub portal: String,
    pub doc_id: String,
    pub list: Option<String>,
    pub since: String,
}

impl UrlState {
    /// Marks an archived URL delisted at `at`, the first time; true when newly so. A URL
    /// without a document, or withdrawn, is left as it is.
    pub fn mark_delisted(&mut self, at: DateTime<Utc>) -> bool {
        if self.doc_id.is_none() || self.withdrawn.is_some() || self.delisted.is_some() {
            return false;
        }
        self.delisted = Some(Delisting {
            since: at.to_rfc3339_opts(SecondsFormat::Secs, true),
        });
        true
    }
}

/// The `listed` key of an archived URL found on `list` of `portal`.
fn listed_key(portal: &str, list: &str, url: &str) -> Vec<u8> {
    format!("{portal}\u{0}{list}\u{0}{url}").into_bytes()
}

fn key_of(state: Option<&UrlState>, url: &str) -> Option<Vec<u8>> {
    let state = state.filter(|s| s.doc_id.is_some())?;
    Some(listed_key(&state.portal, state.list.as_deref()?, url))
}

/// Inside a transaction: keeps the URL's entry in the `listed` index in step with its state.
pub(super) fn reindex(
    listed: &TransactionalTree,
    url: &str,
    old: Option<&UrlState>,
    new: Option<&UrlState>,
) -> TxResult<()> {
    let (before, after) = (key_of(old, url), key_of(new, url));
    if before == after {
        return Ok(());
    }
    if let Some(key) = before {
        listed.remove(key)?;
    }
    if let Some(key) = after {
        listed.insert(key, &[])?;
    }
    Ok(())
}

impl Store {
    /// The archived URLs last found on `list` of `portal`: one prefix scan of the `listed` index.
    pub fn listed_urls(&self, portal: &str, list: &str) -> Result<Vec<String>, StoreError> {
        let prefix = listed_key(portal, list, "");
        let mut urls = Vec::new();
        for entry in self.listed.scan_prefix(&prefix) {
            let key = entry?.0;
            let url = key.get(prefix.len()..).unwrap_or_default();
            urls.push(String::from_utf8_lossy(url).into_owned());
        }
        Ok(urls)
    }

    /// The archived URLs delisted now, read from the `withdrawn` index and the states it names.
    pub fn delisted_urls(&self) -> Result<Vec<DelistedUrl>, StoreError> {
        let mut found = Vec::new();
        for entry in self.withdrawn.iter() {
            let url = String::from_utf8_lossy(&entry?.0).into_owned();
            let Some(state) = self.url_state(&url)? else {
                continue;
            };
            if let (Some(doc_id), Some(delisting)) = (state.doc_id, state.delisted) {
                found.push(DelistedUrl {
                    url,
                    portal: state.portal,
                    doc_id,
                    list: state.list,
                    since: delisting.since,
                });
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archived(list: Option<&str>) -> UrlState {
        UrlState {
            portal: "p".into(),
            doc_id: Some("d1".into()),
            outcome: "archived".into(),
            list: list.map(str::to_string),
            ..UrlState::default()
        }
    }

    /// Only an archived URL with a list has a `listed` key, under its portal and list.
    #[test]
    fn an_archived_url_is_listed_under_its_portal_and_list() {
        let url = "http://a/1.html";
        assert_eq!(key_of(Some(&archived(None)), url), None);
        let failed = UrlState {
            doc_id: None,
            ..archived(Some("all"))
        };
        assert_eq!(key_of(Some(&failed), url), None);
        assert_eq!(
            key_of(Some(&archived(Some("2021"))), url),
            Some(b"p\x002021\x00http://a/1.html".to_vec())
        );
    }

    /// The first sighting's time is kept; a withdrawn URL is not delisted (withdrawal says more).
    #[test]
    fn delisted_once_and_never_when_withdrawn() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).expect("a valid time");
        let mut state = archived(Some("all"));
        assert!(state.mark_delisted(at));
        assert!(!state.mark_delisted(at + chrono::Duration::days(1)));
        assert_eq!(
            state.delisted.as_ref().map(|d| d.since.as_str()),
            Some("2027-01-15T08:00:00Z")
        );
        let mut gone = archived(Some("all"));
        gone.mark_withdrawn("http_404", at);
        assert!(!gone.mark_delisted(at));
        assert_eq!(gone.delisted, None);
        // A delisted report whose page then answers 404 is withdrawn, no longer delisted.
        assert!(state.mark_withdrawn("http_404", at + chrono::Duration::days(30)));
        assert_eq!(state.delisted, None);
        assert!(state.withdrawn.is_some());
    }
}
