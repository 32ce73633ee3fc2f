//! The nightly crawl's sweep: now and then a portal is walked whole, as a backfill of all years
//! walks it (every page of every list, every year's subsection, no stop at known items), so that
//! a report filed late where the nightly walk no longer looks is archived after all. The portals
//! due (last whole walk older than `crawl.sweep_every`, or none recorded) are picked oldest
//! first, a night's share at a time; the choice is kept beside the run's frontier for a resume;
//! a walk the ledger finds whole is recorded in the store at the run's end.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::Mode;
use crate::config::Settings;
use crate::report::{PortalReport, RunReport, Verdict};
use crate::store::{FrontierStore, Store};

/// The frontier ledger key that marks a portal the run sweeps (no list is named so).
pub(super) const SWEPT: &str = "swept";

const DAY_SECS: u128 = 24 * 3600;

/// The portals this run sweeps: for a resumed run, the ones the interrupted run chose; else the
/// ones due, a night's share, kept beside the frontier before the first task is queued. Only a
/// nightly crawl sweeps (a backfill walks whole anyway; a dry run changes nothing).
pub(super) fn choose(
    settings: &Settings,
    store: &Store,
    frontier: &FrontierStore,
    mode: &Mode,
    resuming: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<BTreeSet<String>> {
    let (Mode::Crawl { dry_run: false }, Some(every)) = (mode, settings.crawl.sweep_every) else {
        return Ok(BTreeSet::new());
    };
    let names: Vec<String> = settings.portals.iter().map(|p| p.name.clone()).collect();
    if resuming {
        return Ok(frontier
            .ledgers()?
            .into_iter()
            .filter(|(portal, list, _)| list == SWEPT && names.contains(portal))
            .map(|(portal, _, _)| portal)
            .collect());
    }
    let picked = due(
        &names,
        &store.whole_walks()?,
        &store.sweeps_tried()?,
        every,
        now,
    );
    for portal in &picked {
        frontier.put_ledger(portal, SWEPT, b"")?;
    }
    if !picked.is_empty() {
        tracing::info!(portals = ?picked, "sweeping: walking these portals whole tonight");
    }
    Ok(picked.into_iter().collect())
}

/// The portals due for a sweep, at most a night's share of them: those never walked whole nor
/// swept first, then by the later of their last whole walk and last sweep, oldest first (by name
/// between equals). A portal swept last night without being walked whole (a failed page, a count
/// its list never shows) so goes behind the others due, and is not due again before a tenth of
/// `sweep_every` has passed: it cannot take every night's share.
pub(crate) fn due(
    portals: &[String],
    walks: &BTreeMap<String, DateTime<Utc>>,
    tried: &BTreeMap<String, DateTime<Utc>>,
    every: Duration,
    now: DateTime<Utc>,
) -> Vec<String> {
    let mut due: Vec<(Option<DateTime<Utc>>, &String)> = portals
        .iter()
        .map(|p| (walks.get(p).copied(), tried.get(p).copied(), p))
        .filter(|(walk, tried, _)| is_due(*walk, *tried, every, now))
        .map(|(walk, tried, p)| (walk.max(tried), p))
        .collect();
    due.sort();
    due.into_iter()
        .take(per_night(portals.len(), every))
        .map(|(_, p)| p.clone())
        .collect()
}

/// When a portal is next due for a sweep (none: due now, never walked whole nor swept):
/// `sweep_every` after its last whole walk, and, when a sweep since did not walk it whole, not
/// before a tenth of `sweep_every` after that sweep.
pub(crate) fn due_at(
    walk: Option<DateTime<Utc>>,
    tried: Option<DateTime<Utc>>,
    every: Duration,
) -> Option<DateTime<Utc>> {
    let after = |at: DateTime<Utc>, gap: Duration| {
        chrono::Duration::from_std(gap)
            .ok()
            .and_then(|gap| at.checked_add_signed(gap))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    };
    let retry = tried
        .filter(|t| walk.is_none_or(|w| *t > w))
        .map(|t| after(t, every / 10));
    let walked = walk.map(|w| after(w, every));
    walked.max(retry)
}

/// When a portal is next due for a sweep at `now` (None: due now): `due_at`, leaving out a
/// whole walk or sweep stamped later than `now` and the slack of a wandering timer, which only
/// a clock ahead of this one can record (a night that ran in 2090). Kept, such a whole walk
/// would keep the portal from a sweep until then, or, once a sweep since failed to walk it
/// whole, make it due every night (a sweep counts only after the last whole walk).
pub(crate) fn next_due(
    walk: Option<DateTime<Utc>>,
    tried: Option<DateTime<Utc>>,
    every: Duration,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let horizon = crate::store::clock_ahead_after(now, Duration::ZERO);
    let recorded = |at: Option<DateTime<Utc>>| at.filter(|at| *at <= horizon);
    due_at(recorded(walk), recorded(tried), every)
}

/// Whether a portal is due for a sweep at `now` (see `next_due`).
pub(crate) fn is_due(
    walk: Option<DateTime<Utc>>,
    tried: Option<DateTime<Utc>>,
    every: Duration,
    now: DateTime<Utc>,
) -> bool {
    next_due(walk, tried, every, now).is_none_or(|at| at <= now)
}

/// How many portals one night sweeps at most: `ceil(portals / days in sweep_every)`, at least
/// one, so that portals first walked on one night spread their sweeps over the period.
pub(crate) fn per_night(portals: usize, every: Duration) -> usize {
    let secs = u128::from(every.as_secs().max(1));
    let share = (portals as u128 * DAY_SECS).div_ceil(secs).max(1);
    usize::try_from(share).unwrap_or(usize::MAX)
}

/// Whether a portal's share of a run walked it whole: every list walked to its end with no
/// failed page and nothing stated left unfound (the ledger's `ok`, or `nothing to check`), no
/// year list left, no stop, not unreachable, `max_list_pages` not reached.
pub(crate) fn walked_whole(p: &PortalReport) -> bool {
    !p.unreachable
        && !p.list_page_limit_reached
        && !p.lists.is_empty()
        && p.lists.values().all(|l| {
            matches!(l.verdict(), Verdict::Ok | Verdict::NothingStated)
                && l.years_not_walked.is_empty()
                && l.older_years_not_walked
                    .iter()
                    .all(|year| walked_this_run(p, *year))
                && l.skipped_by_title == 0
        })
}

/// Whether the run walked the list of `year` (a page of it at least): a year list the nightly
/// walk names as left (`older_years_not_walked`), found walked already because this very run
/// walked it first (a first crawl, where each year's page links the others), was not left.
fn walked_this_run(p: &PortalReport, year: i32) -> bool {
    p.lists.get(&year.to_string()).is_some_and(|l| l.pages > 0)
}

/// At the end of a nightly crawl that was not interrupted, records each portal walked whole (a
/// sweep, or a night that happened to walk everything, such as a portal's first) as walked whole
/// at the run's start. A backfill records nothing: items it judged outside its years are left
/// unarchived by design.
pub(super) fn record(store: &Store, report: &mut RunReport, mode: &Mode, started: DateTime<Utc>) {
    if report.interrupted || !matches!(mode, Mode::Crawl { dry_run: false }) {
        return;
    }
    for (name, p) in report.portals.iter_mut() {
        if !walked_whole(p) {
            if p.swept {
                if let Err(e) = store.put_sweep_tried(name, started) {
                    tracing::error!(portal = %name, "cannot record the portal's sweep: {e}");
                }
                tracing::warn!(
                    portal = %name,
                    "the sweep did not walk the portal whole: it is due again after a tenth of crawl.sweep_every"
                );
            }
            continue;
        }
        match store.put_whole_walk(name, started) {
            Ok(()) => p.walked_whole = true,
            Err(e) => tracing::error!(portal = %name, "cannot record the portal's whole walk: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_secs(24 * 3600);

    #[test]
    fn a_night_sweeps_its_share_of_the_portals() {
        let cases = [
            (0, 30, 1),
            (1, 30, 1),
            (30, 30, 1),
            (31, 30, 2),
            (300, 30, 10),
            (3, 3, 1),
            (4, 3, 2),
            (5, 1, 5),
        ];
        for (portals, days, share) in cases {
            assert_eq!(per_night(portals, DAY * days), share, "{portals} / {days}d");
        }
        assert_eq!(per_night(2, Duration::from_secs(3600)), 48);
        assert_eq!(per_night(2, Duration::ZERO), 172_800);
    }

    #[test]
    fn the_due_portals_go_oldest_first_never_walked_before_all() {
        let now = Utc::now();
        let ago = |days: i64| now - chrono::Duration::days(days);
        let names: Vec<String> = ["a", "b", "c", "d", "e", "f"].map(String::from).to_vec();
        let walks = BTreeMap::from([
            ("a".to_string(), ago(40)),
            ("b".to_string(), ago(31)),
            ("c".to_string(), ago(2)),
            ("d".to_string(), ago(35)),
        ]);
        let none = BTreeMap::new();
        // Six portals over 3 days: two a night.
        let picked = due(&names, &walks, &none, DAY * 3, now);
        assert_eq!(picked, ["e", "f"]);
        let picked = due(&names, &walks, &none, DAY * 30, now);
        assert_eq!(picked, ["e"]);
        let picked = due(&names, &walks, &none, DAY * 2, now);
        assert_eq!(picked, ["e", "f", "a"]);
        let walks_all: BTreeMap<_, _> = names.iter().map(|n| (n.clone(), ago(1))).collect();
        assert!(due(&names, &walks_all, &none, DAY * 30, now).is_empty());
    }

    #[test]
    fn a_portal_swept_without_a_whole_walk_waits_and_goes_behind_the_others() {
        let now = Utc::now();
        let ago = |days: i64| now - chrono::Duration::days(days);
        let names: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        // a and b never walked whole: a was swept 4 days ago, b yesterday; c and d walked whole
        // 40 and 35 days ago, c swept since without a whole walk 5 days ago.
        let walks = BTreeMap::from([("c".to_string(), ago(40)), ("d".to_string(), ago(35))]);
        let tried = BTreeMap::from([
            ("a".to_string(), ago(4)),
            ("b".to_string(), ago(1)),
            ("c".to_string(), ago(5)),
        ]);
        // Four portals over 30 days: one a night; over 1 day: all four.
        assert_eq!(due(&names, &walks, &tried, DAY * 30, now), ["d"]);
        assert_eq!(due(&names, &walks, &tried, DAY, now), ["d", "c", "a", "b"]);
        // Over 30 days, b waits out a tenth of them (3 days) after its sweep; a and c do not.
        let at = |p: &str| due_at(walks.get(p).copied(), tried.get(p).copied(), DAY * 30);
        assert!(at("b").is_some_and(|t| t > now));
        assert!(at("a").is_some_and(|t| t <= now));
        assert!(at("c").is_some_and(|t| t <= now));
        // A whole walk after the sweep: due a whole period after the walk.
        assert_eq!(
            due_at(Some(ago(2)), Some(ago(3)), DAY * 30),
            Some(ago(2) + chrono::Duration::days(30))
        );
        assert_eq!(
            due_at(None, Some(ago(1)), DAY * 30),
            Some(ago(1) + chrono::Duration::days(3))
        );
        assert_eq!(due_at(None, None, DAY * 30), None);
    }

    #[test]
    fn a_walk_recorded_by_a_clock_far_ahead_is_due_now() {
        let now = Utc::now();
        let days = |n: i64| now + chrono::Duration::days(n);
        let names: Vec<String> = ["ahead", "fresh", "tried"].map(String::from).to_vec();
        // Walked whole by a clock 64 years ahead; walked whole yesterday; swept (not whole) by
        // a clock 64 years ahead.
        let walks = BTreeMap::from([
            ("ahead".to_string(), days(64 * 365)),
            ("fresh".to_string(), days(-1)),
        ]);
        let tried = BTreeMap::from([("tried".to_string(), days(64 * 365))]);
        assert_eq!(
            due(&names, &walks, &tried, DAY * 2, now),
            ["ahead", "tried"]
        );
        assert!(is_due(Some(days(64 * 365)), None, DAY * 30, now));
        assert!(!is_due(Some(days(-1)), None, DAY * 30, now));
        // Swept last night, not whole, after a whole walk stamped 64 years ahead: due again a
        // tenth of sweep_every after that sweep, not every night until a sweep is whole.
        let (ahead, last_night) = (Some(days(64 * 365)), Some(days(-1)));
        assert!(!is_due(ahead, last_night, DAY * 30, now));
        assert_eq!(next_due(ahead, last_night, DAY * 30, now), Some(days(2)));
        assert!(is_due(ahead, last_night, DAY * 30, days(2)));
    }
}
