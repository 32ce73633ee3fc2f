//! The withdrawn and delisted marks a run report carries per portal (`marks_now`): what the
//! store knew at the run's end, so that `report --all-shards`, which reads no shard's store,
//! marks the coverage matrix as `report` does on one store. Bounded, as a run report is read
//! whole by every view of all shards.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::store::{DelistedUrl, Delisting, Withdrawal, WithdrawnDocument};

/// How many withdrawn documents, and how many delisted URLs, a portal's share of a run report
/// lists at most: the newest first, the rest only counted.
pub const MARKS_KEPT: usize = 1_000;

/// One portal's withdrawn documents and delisted URLs at the end of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandingMarks {
    /// The documents withdrawn now, the newest withdrawal first (at most [`MARKS_KEPT`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub withdrawn: Vec<WithdrawnMark>,
    /// Withdrawn documents beyond those listed: left unmarked by `report --all-shards`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub withdrawn_left_out: u64,
    /// The URLs delisted now, the newest first (at most [`MARKS_KEPT`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delisted: Vec<DelistedMark>,
    /// Delisted URLs beyond those listed: left unmarked by `report --all-shards`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub delisted_left_out: u64,
}

/// A document withdrawn now: its id, every URL it was found at, and the withdrawal of the one
/// that went last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WithdrawnMark {
    pub id: String,
    pub urls: Vec<String>,
    pub since: String,
    pub answer: String,
}

/// A URL delisted now, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelistedMark {
    pub url: String,
    pub since: String,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl WithdrawnMark {
    pub fn withdrawal(&self) -> Withdrawal {
        Withdrawal {
            since: self.since.clone(),
            answer: self.answer.clone(),
        }
    }
}

impl DelistedMark {
    pub fn delisting(&self) -> Delisting {
        Delisting {
            since: self.since.clone(),
        }
    }
}

/// Per portal, its marks from the store's withdrawn documents (by id) and delisted URLs, each
/// list cut at [`MARKS_KEPT`], newest first.
pub fn by_portal(
    withdrawn: BTreeMap<String, WithdrawnDocument>,
    delisted: Vec<DelistedUrl>,
) -> BTreeMap<String, StandingMarks> {
    let mut marks: BTreeMap<String, StandingMarks> = BTreeMap::new();
    for (id, doc) in withdrawn {
        marks
            .entry(doc.portal)
            .or_default()
            .withdrawn
            .push(WithdrawnMark {
                id,
                urls: doc.urls,
                since: doc.withdrawal.since,
                answer: doc.withdrawal.answer,
            });
    }
    for url in delisted {
        marks
            .entry(url.portal)
            .or_default()
            .delisted
            .push(DelistedMark {
                url: url.url,
                since: url.since,
            });
    }
    for portal in marks.values_mut() {
        portal
            .withdrawn
            .sort_by(|a, b| b.since.cmp(&a.since).then_with(|| a.id.cmp(&b.id)));
        portal.withdrawn_left_out = cut(&mut portal.withdrawn);
        portal
            .delisted
            .sort_by(|a, b| b.since.cmp(&a.since).then_with(|| a.url.cmp(&b.url)));
        portal.delisted_left_out = cut(&mut portal.delisted);
    }
    marks
}

/// Keeps the first [`MARKS_KEPT`]; how many went.
fn cut<T>(list: &mut Vec<T>) -> u64 {
    let over = list.len().saturating_sub(MARKS_KEPT);
    list.truncate(MARKS_KEPT);
    over as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn withdrawn(id: &str, since: &str) -> (String, WithdrawnDocument) {
        let doc = WithdrawnDocument {
            portal: "p".into(),
            withdrawal: Withdrawal {
                since: since.into(),
                answer: "http_404".into(),
            },
            urls: vec![format!("http://a/{id}")],
        };
        (id.to_string(), doc)
    }

    /// Beyond [`MARKS_KEPT`], the oldest go and are counted; the newest are kept, in order.
    #[test]
    fn marks_keep_the_newest_and_count_the_rest() {
        let docs: BTreeMap<_, _> = (0..MARKS_KEPT + 2)
            .map(|i| withdrawn(&format!("d{i:05}"), &format!("2027-01-01T00:{i:05}Z")))
            .collect();
        let delisted = vec![DelistedUrl {
            url: "http://a/x".into(),
            portal: "q".into(),
            doc_id: "x".into(),
            list: None,
            since: "2027-01-02T00:00:00Z".into(),
        }];
        let marks = by_portal(docs, delisted);
        let p = &marks["p"];
        assert_eq!(p.withdrawn.len(), MARKS_KEPT);
        assert_eq!(p.withdrawn_left_out, 2);
        assert_eq!(p.withdrawn[0].id, format!("d{:05}", MARKS_KEPT + 1));
        assert_eq!(
            p.withdrawn[0].urls,
            [format!("http://a/d{:05}", MARKS_KEPT + 1)]
        );
        assert!(p.delisted.is_empty());
        let q = &marks["q"];
        assert_eq!((q.delisted.len(), q.delisted_left_out), (1, 0));
        assert_eq!(q.delisted[0].delisting().since, "2027-01-02T00:00:00Z");
    }
}
