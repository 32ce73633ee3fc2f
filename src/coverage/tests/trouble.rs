//! What the page says of a portal's trouble: lasting health events shown once, and why an
//! unreachable portal was so.

use super::*;

/// An event raised again over three runs (`since` the first) is one line on the page, from the
/// newest run; an event of its kind raised anew after it ended is a line of its own.
#[test]
fn a_lasting_health_event_is_shown_once() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let event = |detail: &str, since: Option<&str>| crate::health::HealthEvent {
        kind: crate::health::HealthKind::NewChallenge,
        list: None,
        host: None,
        detail: detail.into(),
        since: since.map(str::to_string),
        unseen: None,
    };
    let with = |events: Vec<crate::health::HealthEvent>| PortalReport {
        health: events,
        ..complete()
    };
    let runs = vec![
        run(
            "2025-05-05",
            vec![("甲市", with(vec![event("again", Some("2025-05-04"))]))],
        ),
        run(
            "2025-05-04",
            vec![("甲市", with(vec![event("anew", None)]))],
        ),
        run("2025-05-03", vec![("甲市", complete())]),
        run(
            "2025-05-02",
            vec![("甲市", with(vec![event("still", Some("2025-05-01"))]))],
        ),
        run(
            "2025-05-01",
            vec![("甲市", with(vec![event("first", None)]))],
        ),
    ];
    let configured = vec![("甲市".to_string(), None)];
    let c = build(&configured, &[], &runs, today, "now".into());
    let health = &c.portals[0].health;
    assert_eq!(health.len(), 2, "{health:?}");
    assert!(health[0].ends_with("new_challenge: again"), "{health:?}");
    assert!(health[1].ends_with("new_challenge: still"), "{health:?}");

    // Two events of one kind in one run, alike but for their detail (two file servers down, in
    // a run report of a version before events named their `host`), are two lines.
    let servers = |hosts: &[&str]| {
        hosts
            .iter()
            .map(|h| crate::health::HealthEvent {
                kind: crate::health::HealthKind::FilesUnreachable,
                detail: format!("file server {h}: all 3 attachment requests failed"),
                ..event("", None)
            })
            .collect()
    };
    let runs = vec![run(
        "2025-05-01",
        vec![("甲市", with(servers(&["a.example", "b.example"])))],
    )];
    let c = build(&configured, &[], &runs, today, "now".into());
    let health = &c.portals[0].health;
    assert_eq!(health.len(), 2, "{health:?}");
}

/// An unreachable portal's cells and its runs in trouble say why, as the run report kept it:
/// its host paused (403 refusals), or its section page's failure in the list ledger; a run
/// report that kept no reason says what it always said.
#[test]
fn an_unreachable_portal_says_why() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let refused = PortalReport {
        unreachable: true,
        host_paused: Some("host a.example: refused: 403 on 5 requests in a row".into()),
        ..PortalReport::default()
    };
    let timed_out = {
        let mut all = YearCount::default();
        all.stops
            .insert("page http://b.example/xxgk/ failed: timeout".into());
        PortalReport {
            unreachable: true,
            lists: [("all".to_string(), all)].into(),
            ..PortalReport::default()
        }
    };
    let unsaid = PortalReport {
        unreachable: true,
        ..PortalReport::default()
    };
    let runs = vec![run(
        "2025-05-01",
        vec![("甲市", refused), ("乙县", timed_out), ("丙镇", unsaid)],
    )];
    let configured: Vec<_> = ["甲市", "乙县", "丙镇"]
        .iter()
        .map(|n| (n.to_string(), None))
        .collect();
    let c = build(&configured, &[], &runs, today, "now".into());
    let at = "2025-05-01T02:40:00Z";
    for (portal, said) in [
        (
            "甲市",
            format!(
                "portal unreachable in the run of {at}: host a.example: refused: 403 on 5 \
                 requests in a row"
            ),
        ),
        (
            "乙县",
            format!(
                "portal unreachable in the run of {at}: page http://b.example/xxgk/ failed: timeout"
            ),
        ),
        ("丙镇", format!("portal unreachable in the run of {at}")),
    ] {
        let cell = cell(&c, portal, portal, 2020);
        assert_eq!(cell.state, CellState::NotWalked);
        // The note goes on with the deadline rule the cell applied.
        assert!(
            cell.note.starts_with(&format!("{said}; deadline")),
            "{portal}: {}",
            cell.note
        );
    }
    let trouble = |portal: &str| {
        c.portals
            .iter()
            .find(|p| p.portal == portal)
            .map(|p| p.trouble.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        trouble("甲市"),
        [format!(
            "{at} (crawl): unreachable (host a.example: refused: 403 on 5 requests in a row)"
        )]
    );
    assert_eq!(
        trouble("乙县"),
        [format!(
            "{at} (crawl): unreachable (page http://b.example/xxgk/ failed: timeout)"
        )]
    );
    assert_eq!(trouble("丙镇"), [format!("{at} (crawl): unreachable")]);
}
