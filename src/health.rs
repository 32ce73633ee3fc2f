//! Portal health: a portal's share of this run compared with its share of the last run, so an
//! operator learns of a redesign the morning after. Pure: two [`PortalReport`]s in, events out;
//! the crawl stores them in the run report, the summary prints them, the coverage page shows them.

use serde::{Deserialize, Serialize};

use crate::report::PortalReport;

/// What changed about a portal since its last run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthKind {
    /// The section's URL now redirects somewhere it did not before.
    Redirected,
    /// A list that held items now yields none although its page was read: a new template.
    StructureChanged,
    /// Anti-bot challenges where the last run met none.
    NewChallenge,
    /// The count the site states for a list fell.
    ItemCountFell,
    /// The section could not be walked where the last run walked it.
    Unreachable,
}

impl HealthKind {
    pub fn name(self) -> &'static str {
        match self {
            HealthKind::Redirected => "redirected",
            HealthKind::StructureChanged => "structure_changed",
            HealthKind::NewChallenge => "new_challenge",
            HealthKind::ItemCountFell => "item_count_fell",
            HealthKind::Unreachable => "unreachable",
        }
    }
}

/// One health event of one portal in one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthEvent {
    pub kind: HealthKind,
    /// The list it concerns (`all` or a year), when it concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<String>,
    /// What was seen, last run against this run.
    pub detail: String,
}

/// A list that yielded at least this many items and now none has changed its structure.
const MANY_ITEMS: u64 = 3;

/// Compares a portal's report with its report of the last run.
pub fn compare(previous: &PortalReport, current: &PortalReport) -> Vec<HealthEvent> {
    let mut events = Vec::new();
    if let Some(now) = &current.section_landed
        && previous.section_landed.as_ref() != Some(now)
    {
        let before = previous.section_landed.as_deref().unwrap_or("no redirect");
        events.push(HealthEvent {
            kind: HealthKind::Redirected,
            list: None,
            detail: format!("the section's URL now redirects to {now} (last run: {before})"),
        });
    }
    if current.unreachable && !previous.unreachable {
        let why = current
            .tls_failure
            .as_ref()
            .map(|tls| format!(": {tls}"))
            .unwrap_or_default();
        events.push(HealthEvent {
            kind: HealthKind::Unreachable,
            list: None,
            detail: format!("the section could not be walked{why} (last run: walked)"),
        });
    }
    if current.blocked > 0 && previous.blocked == 0 {
        events.push(HealthEvent {
            kind: HealthKind::NewChallenge,
            list: None,
            detail: format!(
                "{} anti-bot challenge answers (last run: none)",
                current.blocked
            ),
        });
    }
    for (key, now) in &current.lists {
        let Some(before) = previous.lists.get(key) else {
            continue;
        };
        if now.pages > 0 && now.found == 0 && before.found >= MANY_ITEMS {
            events.push(HealthEvent {
                kind: HealthKind::StructureChanged,
                list: Some(key.clone()),
                detail: format!(
                    "{} list pages read, no items found (last run: {} items)",
                    now.pages, before.found
                ),
            });
        }
        if let (Some(was), Some(is)) = (before.stated, now.stated)
            && is < was
        {
            events.push(HealthEvent {
                kind: HealthKind::ItemCountFell,
                list: Some(key.clone()),
                detail: format!("the site states {is} items (last run: {was})"),
            });
        }
    }
    // The section was read but no list yields anything any more (lists may also have vanished:
    // a redesigned page that no longer looks like a list is not counted as one).
    let found = |p: &PortalReport| p.lists.values().map(|l| l.found).sum::<u64>();
    let already = events
        .iter()
        .any(|e| e.kind == HealthKind::StructureChanged);
    if !current.unreachable
        && current.list_pages > 0
        && found(current) == 0
        && found(previous) >= MANY_ITEMS
        && !already
    {
        events.push(HealthEvent {
            kind: HealthKind::StructureChanged,
            list: None,
            detail: format!(
                "{} list pages read, no items found in any list (last run: {} items)",
                current.list_pages,
                found(previous)
            ),
        });
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::YearCount;

    fn list(stated: Option<u64>, found: u64, pages: u64) -> YearCount {
        YearCount {
            stated,
            found,
            pages,
            ..YearCount::default()
        }
    }

    fn portal(lists: &[(&str, YearCount)]) -> PortalReport {
        PortalReport {
            lists: lists
                .iter()
                .map(|(k, c)| (k.to_string(), c.clone()))
                .collect(),
            ..PortalReport::default()
        }
    }

    fn kinds(events: &[HealthEvent]) -> Vec<HealthKind> {
        events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn each_change_is_one_event_and_a_steady_portal_none() {
        let steady = portal(&[("all", list(Some(20), 20, 2))]);
        assert!(compare(&steady, &steady).is_empty());

        let emptied = portal(&[("all", list(Some(20), 0, 1))]);
        assert_eq!(
            kinds(&compare(&steady, &emptied)),
            [HealthKind::StructureChanged]
        );
        // A list that had only a couple of items says little when it empties.
        let few = portal(&[("all", list(None, 2, 1))]);
        assert!(compare(&few, &portal(&[("all", list(None, 0, 1))])).is_empty());

        let fell = portal(&[("all", list(Some(12), 12, 2))]);
        let events = compare(&steady, &fell);
        assert_eq!(kinds(&events), [HealthKind::ItemCountFell]);
        assert_eq!(events[0].list.as_deref(), Some("all"));
        assert!(events[0].detail.contains("12") && events[0].detail.contains("20"));
        assert!(compare(&fell, &steady).is_empty(), "a rise is no alarm");

        let challenged = PortalReport {
            blocked: 3,
            ..steady.clone()
        };
        assert_eq!(
            kinds(&compare(&steady, &challenged)),
            [HealthKind::NewChallenge]
        );
        assert!(compare(&challenged, &challenged).is_empty(), "not new");

        let moved = PortalReport {
            section_landed: Some("https://new.example.gov.cn/".into()),
            ..steady.clone()
        };
        assert_eq!(kinds(&compare(&steady, &moved)), [HealthKind::Redirected]);
        assert!(compare(&moved, &moved).is_empty(), "not new");

        let down = PortalReport {
            unreachable: true,
            lists: Default::default(),
            ..steady.clone()
        };
        assert_eq!(kinds(&compare(&steady, &down)), [HealthKind::Unreachable]);
        // A certificate that failed is named with its host and the key to set.
        let expired = PortalReport {
            tls_failure: Some("host a.gov.cn: tls_certificate: certificate expired".into()),
            ..down.clone()
        };
        let events = compare(&steady, &expired);
        assert!(
            events[0]
                .detail
                .contains("walked: host a.gov.cn: tls_certificate: certificate expired"),
            "{events:?}"
        );

        let redesigned = PortalReport {
            list_pages: 1,
            ..PortalReport::default()
        };
        let events = compare(&steady, &redesigned);
        assert_eq!(kinds(&events), [HealthKind::StructureChanged]);
        assert_eq!(events[0].list, None);
    }
}
