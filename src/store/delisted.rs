//! Delisted reports: an archived report's URL that a complete walk of a list it was found on no
//! longer shows, nor any other list of its portal. The `listed` index (portal NUL list NUL URL)
//! names each archived URL under every list it was found on (`UrlState::found_on`), written in the same transaction as its state (see `failures::reindex`), so that a
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

/// The most lists an archived report's state keeps (the newest found are kept).
pub const MAX_LISTS: usize = 16;

/// The list shown for a report found on `lists`: the most specific, a year over `all`, the
/// newest year first; else the first named.
fn shown_list(lists: &[String]) -> Option<String> {
    lists
        .iter()
        .filter_map(|l| l.parse::<i32>().ok().map(|year| (year, l)))
        .max_by_key(|(year, _)| *year)
        .map(|(_, l)| l)
        .or_else(|| lists.first())
        .cloned()
}

impl UrlState {
    /// The lists this URL was found on: `lists`, or the one `list` of a state that names one
    /// (as every state of an earlier version does).
    pub fn found_on(&self) -> Vec<&str> {
        if self.lists.is_empty() {
            self.list.iter().map(String::as_str).collect()
        } else {
            self.lists.iter().map(String::as_str).collect()
        }
    }

    fn set_lists(&mut self, lists: Vec<String>) {
        self.list = shown_list(&lists);
        self.lists = if lists.len() > 1 { lists } else { Vec::new() };
    }

    /// Adds `list` to the lists this URL was found on (the oldest found goes past
    /// [`MAX_LISTS`]); true when it was not among them (the state changed).
    pub fn add_list(&mut self, list: &str) -> bool {
        let mut lists: Vec<String> = self.found_on().into_iter().map(str::to_string).collect();
        if lists.iter().any(|l| l == list) {
            return false;
        }
        lists.push(list.to_string());
        let over = lists.len().saturating_sub(MAX_LISTS);
        lists.drain(..over);
        self.set_lists(lists);
        true
    }

    /// Keeps `name`, the name of the list page (ledger key `list`; None for an ask made from
    /// this state) the URL was just found on: when there is one, and the state has none, or
    /// `list` is the list shown for it (`list`). So a report on two lists of other names keeps
    /// the shown one's, whatever the order of the walks, and one met again writes nothing.
    /// True when the state changed.
    pub fn note_list_name(&mut self, list: Option<&str>, name: Option<&str>) -> bool {
        let Some(name) = name else {
            return false;
        };
        let shown = list.is_none() || self.list.is_none() || self.list.as_deref() == list;
        if self.list_name.as_deref() == Some(name) || (self.list_name.is_some() && !shown) {
            return false;
        }
        self.list_name = Some(name.to_string());
        true
    }

    /// Takes the list page at `list_url` (ledger key `list`; None for an ask made from this
    /// state), named `name`, that a fetch of this URL came from, as the list a later ask is made
    /// from, when the name kept after `note_list_name` is that list's (or none is kept): a
    /// retry, attachments due or a delisted ask then pairs one list's URL with that list's own
    /// name, never another's. Otherwise the state keeps the URL its name came with. True when
    /// `list_url` is taken: the caller keeps that list's entry (title, date) with it.
    pub fn note_list_page(
        &mut self,
        list: Option<&str>,
        list_url: &str,
        name: Option<&str>,
    ) -> bool {
        self.note_list_name(list, name);
        let ours = match (self.list_name.as_deref(), name) {
            (None, _) => true,
            (Some(kept), Some(name)) => kept == name,
            (Some(_), None) => false,
        };
        if !ours && self.list_url.is_some() {
            return false;
        }
        self.list_url = Some(list_url.to_string());
        true
    }

    /// Takes `list` out of the lists this URL was found on; true when it was among them.
    pub fn remove_list(&mut self, list: &str) -> bool {
        let mut lists: Vec<String> = self.found_on().into_iter().map(str::to_string).collect();
        let before = lists.len();
        lists.retain(|l| l != list);
        if lists.len() == before {
            return false;
        }
        self.set_lists(lists);
        true
    }
}

/// The `listed` key of an archived URL found on `list` of `portal`.
fn listed_key(portal: &str, list: &str, url: &str) -> Vec<u8> {
    format!("{portal}\u{0}{list}\u{0}{url}").into_bytes()
}

/// The `listed` keys of a URL: one per list an archived URL was found on.
fn keys_of(state: Option<&UrlState>, url: &str) -> Vec<Vec<u8>> {
    let Some(state) = state.filter(|s| s.doc_id.is_some()) else {
        return Vec::new();
    };
    state
        .found_on()
        .into_iter()
        .map(|list| listed_key(&state.portal, list, url))
        .collect()
}

/// Inside a transaction: keeps the URL's entry in the `listed` index in step with its state.
pub(super) fn reindex(
    listed: &TransactionalTree,
    url: &str,
    old: Option<&UrlState>,
    new: Option<&UrlState>,
) -> TxResult<()> {
    let (before, after) = (keys_of(old, url), keys_of(new, url));
    for key in before.iter().filter(|k| !after.contains(k)) {
        listed.remove(key.as_slice())?;
    }
    for key in after.iter().filter(|k| !before.contains(k)) {
        listed.insert(key.as_slice(), &[])?;
    }
    Ok(())
}

impl Store {
    /// The archived URLs found on `list` of `portal` (among others, maybe): one prefix scan of
    /// the `listed` index.
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
        assert!(keys_of(Some(&archived(None)), url).is_empty());
        let failed = UrlState {
            doc_id: None,
            ..archived(Some("all"))
        };
        assert!(keys_of(Some(&failed), url).is_empty());
        assert_eq!(
            keys_of(Some(&archived(Some("2021"))), url),
            vec![b"p\x002021\x00http://a/1.html".to_vec()]
        );
        let mut both = archived(Some("all"));
        assert!(both.add_list("2021"));
        assert_eq!(
            keys_of(Some(&both), url),
            vec![
                b"p\x00all\x00http://a/1.html".to_vec(),
                b"p\x002021\x00http://a/1.html".to_vec()
            ]
        );
    }

    /// A state of an earlier version (`list` alone, as raw JSON) reads as a one-list set; a
    /// second list makes a set whose shown list is the most specific whatever the order found;
    /// a list met again changes nothing; the set keeps the newest [`MAX_LISTS`].
    #[test]
    fn a_state_keeps_the_set_of_its_lists() {
        let earlier: UrlState = serde_json::from_value(serde_json::json!({
            "portal": "p", "doc_id": "d1", "outcome": "archived", "list": "all"
        }))
        .expect("an earlier version's state reads");
        assert_eq!(earlier.found_on(), vec!["all"]);
        let mut state = earlier.clone();
        assert!(!state.add_list("all"), "met again: nothing to write");
        assert_eq!(state, earlier);
        for (first, second) in [("all", "2023"), ("2023", "all"), ("2022", "2023")] {
            let mut state = archived(Some(first));
            assert!(state.add_list(second));
            assert!(!state.add_list(first) && !state.add_list(second));
            assert_eq!(state.list.as_deref(), Some("2023"), "{first} then {second}");
            assert_eq!(state.found_on(), vec![first, second]);
        }
        // A one-list state is written as an earlier version wrote it; a set beside its list.
        let one = serde_json::to_value(&earlier).expect("serializes");
        assert!(one.get("lists").is_none(), "{one}");
        let mut two = earlier.clone();
        two.add_list("2021");
        let written = serde_json::to_value(&two).expect("serializes");
        assert_eq!(written["list"], "2021", "{written}");
        assert_eq!(written["lists"], serde_json::json!(["all", "2021"]));
        assert!(two.remove_list("2021") && !two.remove_list("2021"));
        assert_eq!(two, earlier);
        let mut many = archived(Some("all"));
        for year in 2000..2020 {
            many.add_list(&year.to_string());
        }
        assert_eq!(many.found_on().len(), MAX_LISTS);
        assert_eq!(
            many.found_on().first(),
            Some(&"2004"),
            "the oldest found went"
        );
        assert_eq!(many.list.as_deref(), Some("2019"));
    }

    /// The list's name follows the list shown for the report: a walk of its other list, under
    /// another name, changes nothing, whichever list was walked first; none leaves it.
    #[test]
    fn the_name_kept_is_the_shown_lists() {
        for order in [["all", "2023"], ["2023", "all"]] {
            let mut state = archived(None);
            let name = |list: &str| {
                if list == "all" {
                    "年报专栏"
                } else {
                    "2023年度"
                }
            };
            for _ in 0..2 {
                for list in order {
                    state.add_list(list);
                    state.note_list_name(Some(list), Some(name(list)));
                }
            }
            assert_eq!(state.list_name.as_deref(), Some("2023年度"), "{order:?}");
            let before = state.clone();
            for list in order {
                assert!(!state.add_list(list));
                assert!(
                    !state.note_list_name(Some(list), Some(name(list))),
                    "{list}"
                );
                assert!(!state.note_list_name(Some(list), None), "{list}");
            }
            assert_eq!(state, before, "met again: nothing to write");
        }
        let mut failed = UrlState::default();
        assert!(failed.note_list_name(Some("all"), Some("本级年报")));
        assert!(failed.note_list_name(None, Some("本级年报2")));
    }

    /// Whatever order the fetches came in, the list URL kept goes with the name kept: a
    /// report archived from the section's list (年报专栏) then fetched from its year's list
    /// (2023年度, the shown one) keeps the year list's URL and name; fetched again from the
    /// section's list, or from a list with no name, it keeps them.
    #[test]
    fn the_list_url_kept_is_the_named_lists() {
        let (all, year) = ("http://h.example/nb/", "http://h.example/nb/2023/");
        for order in [["all", "2023"], ["2023", "all"]] {
            let mut state = archived(None);
            for list in ["all", "2023"] {
                state.add_list(list);
            }
            let page = |list: &str| {
                if list == "all" {
                    (all, "年报专栏")
                } else {
                    (year, "2023年度")
                }
            };
            for list in order.into_iter().chain(order) {
                let (url, name) = page(list);
                state.note_list_page(Some(list), url, Some(name));
                // Whichever list's URL is kept, its own name is.
                let kept = if state.list_url.as_deref() == Some(all) {
                    "all"
                } else {
                    "2023"
                };
                assert_eq!(
                    state.list_name.as_deref(),
                    Some(page(kept).1),
                    "{order:?} {list}"
                );
            }
            assert_eq!(state.list_name.as_deref(), Some("2023年度"), "{order:?}");
            assert_eq!(state.list_url.as_deref(), Some(year), "{order:?}");
            assert!(!state.note_list_page(Some("all"), "http://h.example/other/", None));
            assert_eq!(state.list_url.as_deref(), Some(year), "an unnamed list");
        }
        // No name kept: the URL is the last fetch's, as before names were kept.
        let mut unnamed = UrlState::default();
        assert!(unnamed.note_list_page(None, all, None));
        assert!(unnamed.note_list_page(None, year, None));
        assert_eq!(unnamed.list_url.as_deref(), Some(year));
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
