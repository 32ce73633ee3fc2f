//! Unit tests of health events read back from run reports of other versions or damaged ones:
//! an event that cannot be read is passed over and the rest of the portal's share stands, and
//! events with odd fields are carried run after run without a panic or a detail that grows.

use super::*;

/// A portal's share whose `health` holds one event of each sort of damage beside good ones.
#[test]
fn events_that_cannot_be_read_are_passed_over_and_the_rest_is_read() {
    let mut share = serde_json::to_value(PortalReport {
        blocked: 3,
        ..PortalReport::default()
    })
    .expect("a share serialises");
    share["health"] = serde_json::json!([
            { "kind": "redirected", "detail": "the section's URL now redirects to x" },
            { "kind": "new_challenge", "detail": "negative", "unseen": -1 },
            { "kind": "structure_changed", "detail": "too many", "unseen": 99_999_999_999_u64 },
            { "kind": "dns_changed", "detail": "a newer version's kind" },
            { "detail": "no kind" },
            "not an event",
            { "kind": "unreachable", "detail": "", "host": "", "since": "99991231T000000.000Z" },
    ]);
    let read: PortalReport = serde_json::from_value(share.clone()).expect("the share stands");
    assert_eq!(read.blocked, 3);
    let kinds: Vec<HealthKind> = read.health.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [HealthKind::Redirected, HealthKind::Unreachable]);
    // Not a list at all: the share cannot be read, as before.
    share["health"] = serde_json::json!({ "kind": "redirected" });
    assert!(serde_json::from_value::<PortalReport>(share).is_err());
}

proptest::proptest! {
    /// A lasting event with any detail, host, since and unseen, carried by runs that have no
    /// evidence about it, never panics, ends after at most [`MAX_UNSEEN`] such runs, and its
    /// detail does not grow from one run to the next.
    #[test]
    fn odd_events_carried_without_evidence_end_and_do_not_grow(
        detail in "\\PC{0,80}( \\(since the run \\PC{0,10}\\)?)?",
        host in proptest::option::of("\\PC{0,12}"),
        since in proptest::option::of("[0-9TZ.]{0,20}"),
        unseen in proptest::option::of(proptest::num::u32::ANY),
        file_kind in proptest::bool::ANY,
    ) {
        let kind = if file_kind { HealthKind::FilesUnreachable } else { HealthKind::StructureChanged };
        let list = (!file_kind).then(|| "2025".to_string());
        let mut previous = PortalReport {
            health: vec![HealthEvent { kind, list, host, detail, since, unseen }],
            ..PortalReport::default()
        };
        // Walked, but neither the list nor any server looked at.
        let quiet = PortalReport { list_pages: 1, ..PortalReport::default() };
        let mut last_len = None;
        for run in 0..=MAX_UNSEEN + 1 {
            let mut current = quiet.clone();
            current.health = compare(&format!("r{run}"), &previous, &current);
            if let Some(e) = current.health.first() {
                let len = e.detail.len();
                proptest::prop_assert!(last_len.is_none_or(|l| len <= l), "{}", e.detail);
                last_len = Some(len);
            }
            previous = current;
        }
        proptest::prop_assert!(previous.health.is_empty(), "{:?}", previous.health);
    }
}
