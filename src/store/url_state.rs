//! What the store knows about one URL from earlier fetches (`UrlState`), one JSON record per
//! known URL in the `urls` tree.

use serde::{Deserialize, Serialize};

use super::{AttachmentWait, Delisting, RetrySchedule, Withdrawal};

/// What is known about one URL from earlier fetches. Stored as JSON, one record per known URL
/// (a million of them at country scale): empty fields are left out, and read back as empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlState {
    pub portal: String,
    /// The document this URL belongs to, once it was archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc_id: Option<String>,
    /// The last outcome, e.g. "archived", "unchanged", "soft_not_found", "blocked", "failed:timeout".
    pub outcome: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    /// Failed attempts since the last success.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failures: u32,
    /// The list page the URL was found on, and what it showed beside the link: kept so that a
    /// failed item can be retried next run with its evidence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_date: Option<String>,
    /// The failure policy's schedule while the URL has failed and has no document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetrySchedule>,
    /// The content hash this URL showed when last archived: a document found at two URLs whose
    /// pages then differ changes only when one of them does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<String>,
    /// For an item archived without some of its attachments: when it is fetched again for them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment_wait: Option<AttachmentWait>,
    /// For an archived report whose URL now answers 404 or 410, or a page saying it does not
    /// exist: since when, and how (see `withdrawn`). Cleared by a later page with content or 304.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<Withdrawal>,
    /// The list shown for the URL, as the ledger names it (a year, or `all` for the section's
    /// own list): the most specific of the lists it was found on (see `delisted::shown_list`),
    /// so that it does not flip with the order of the walks. A state of an earlier version
    /// names here the one list it was found on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// Every list an archived report was found on (at most [`super::MAX_LISTS`], the newest
    /// kept), when more than one: each is indexed (`listed`), so that a complete walk of any of
    /// them tells which of its reports it no longer shows (see `delisted`). Empty when the
    /// report is on `list` alone, so a one-list state is written as earlier versions wrote it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lists: Vec<String>,
    /// The name of the list page the URL was last found on (`本级年报`: at most 40 characters,
    /// as `discover` reads it), once per URL rather than per version: a report asked again
    /// from this record (a retry, attachments due, a delisted ask) is read as one found on
    /// that list, so a heading that is only the list's name is not its title. Left out when no
    /// list page with a name showed it; a state of an earlier version reads as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_name: Option<String>,
    /// For an archived report its list no longer shows whose page still answers: since when
    /// (see `delisted`). Cleared when a walk finds it on a list again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delisted: Option<Delisting>,
}

/// The outcome of a URL archived while one of its attachments could not be fetched: it is
/// fetched again for them when its `attachment_wait` says.
pub const OUTCOME_ATTACHMENT_MISSING: &str = "archived_attachment_missing";

impl UrlState {
    /// Whether a run starting at `now`, with this `max_body_bytes`, fetches this archived item
    /// again, without validators, for the attachments it lacks. A state written before items
    /// kept their wait (outcome `archived_attachment_missing` alone) is due, as it was then.
    /// `longest` is the failure policy's `retry_max` (see `AttachmentWait::is_due`).
    pub fn attachments_due(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        max_body_bytes: u64,
        longest: std::time::Duration,
    ) -> bool {
        if self.doc_id.is_none() {
            return false;
        }
        match &self.attachment_wait {
            Some(wait) => wait.is_due(now, max_body_bytes, longest),
            None => self.outcome == OUTCOME_ATTACHMENT_MISSING,
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state written before the list's name was kept reads with none, and one that has none
    /// is written as earlier versions wrote it; a named one reads back with its name.
    #[test]
    fn an_earlier_versions_state_reads_without_a_list_name() {
        let older = r#"{"portal":"某某县","outcome":"failed:server_error","failures":1,"list_url":"http://h.example/bj/","list_title":"教育局2023年年报","list":"all"}"#;
        let state: UrlState = serde_json::from_str(older).expect("an older state reads");
        assert_eq!(state.list_name, None);
        assert_eq!(state.list_url.as_deref(), Some("http://h.example/bj/"));
        assert_eq!(
            serde_json::to_string(&state).expect("JSON"),
            older,
            "written as before"
        );
        let named = UrlState {
            list_name: Some("本级年报".into()),
            ..state
        };
        let written = serde_json::to_string(&named).expect("JSON");
        let read: UrlState = serde_json::from_str(&written).expect("reads back");
        assert_eq!(read.list_name.as_deref(), Some("本级年报"));
        // A field a later version adds is passed over, as an earlier version passes over this
        // one (no `deny_unknown_fields`).
        let later = written.replacen('}', r#","kept_by_a_later_version":1}"#, 1);
        let later: UrlState = serde_json::from_str(&later).expect("a later state reads");
        assert_eq!(later, read);
    }
}
