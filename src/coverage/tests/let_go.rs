//! Pruning: the runs `RunsNeeded` lets go change no cell or header of the page.

use super::*;

/// Histories of every kind of run (nightlies stopped early, complete walks, backfills of some
/// years, interrupted, unreachable, blocked, incomplete lists, health events), built with and
/// without the runs `RunsNeeded` lets go: every cell and header is the same, but the runs in
/// which a portal was in trouble.
#[test]
fn the_runs_let_go_change_no_cell_or_header() {
    let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let records = vec![record("甲市", "d1", 1, "甲市教育局", 2022, "2023-01-20")];
    let configured = vec![("甲市".to_string(), None), ("乙县".to_string(), None)];
    let stopped = |mut p: PortalReport| {
        let all = p.lists.get_mut("all").expect("all");
        all.stops.insert(STOP_KNOWN_ITEMS.into());
        all.stated_pages = Some(3);
        p
    };
    let kinds = |k: u64, id: &str| -> RunReport {
        let portal = match k % 6 {
            0 => stopped(complete()),
            1 => complete(),
            2 => PortalReport {
                unreachable: true,
                blocked: k % 4,
                ..PortalReport::default()
            },
            3 => {
                let mut p = complete();
                p.lists.get_mut("all").expect("all").found = 2;
                p
            }
            4 => PortalReport {
                health: vec![crate::health::HealthEvent {
                    kind: crate::health::HealthKind::Redirected,
                    list: None,
                    host: None,
                    detail: format!("seen in {id}"),
                    since: None,
                    unseen: None,
                }],
                ..stopped(complete())
            },
            _ => complete(),
        };
        let mut r = run(id, vec![("甲市", portal.clone()), ("乙县", portal)]);
        r.interrupted = k % 7 == 3;
        if k % 5 == 1 {
            r.command = "backfill 2015-2016".into();
            r.backfill_years = Some([2015, 2016]);
        }
        r
    };
    let mut seed = 7u64;
    let mut dropped = 0;
    for _ in 0..300 {
        let mut history = Vec::new();
        for day in 0..14 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            history.push(kinds(
                seed >> 33,
                &format!("2025-0{}-{:02}", 1 + day / 28, 1 + day % 28),
            ));
        }
        // Newest first, as the store gives them.
        history.reverse();
        let mut needed = RunsNeeded::new(&versions(&records), today);
        let kept: Vec<&RunReport> = history.iter().filter(|r| needed.needs(r)).collect();
        dropped += history.len() - kept.len();
        let mut full = build(
            &configured,
            &versions(&records),
            &history,
            today,
            "now".into(),
        );
        let mut pruned = build(&configured, &versions(&records), kept, today, "now".into());
        for p in full.portals.iter_mut().chain(pruned.portals.iter_mut()) {
            p.trouble.clear();
        }
        assert_eq!(pruned, full, "{history:#?}");
    }
    assert!(dropped > 300, "most histories let some runs go: {dropped}");
}
