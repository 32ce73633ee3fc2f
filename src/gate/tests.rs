//! The host gate on tokio's paused clock: every wait is exact, so each check compares instants.
//! Each scenario reports the first gap it found too short; it is run on the real gate (which must
//! report none) and on the deliberately broken one (which must report one), so each check is
//! shown able to fail.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, sleep, sleep_until};

use super::*;

const SECOND: Duration = Duration::from_secs(1);

fn gate(interval: Duration, per_host: usize, global: usize, broken: bool) -> Arc<HostGate> {
    let politeness = Politeness {
        per_host_interval: interval,
        per_host_concurrency: per_host,
        max_concurrency: global,
        ..Politeness::default()
    };
    Arc::new(HostGate::build(politeness, HashMap::new(), broken))
}

fn url(host: &str) -> Url {
    Url::parse(&format!("http://{host}/page.html")).expect("valid test URL")
}

/// The first pair of starts closer than `min`, described.
fn too_close(starts: &[Instant], min: Duration) -> Option<String> {
    let mut sorted = starts.to_vec();
    sorted.sort();
    sorted.windows(2).find_map(|w| {
        let gap = w[1] - w[0];
        (gap < min).then(|| format!("two starts {gap:?} apart, less than {min:?}"))
    })
}

/// Starts one request on `host` at once and holds its slot for `hold`; returns its start.
fn spawn_request(
    gate: &Arc<HostGate>,
    host: &str,
    hold: Duration,
) -> tokio::task::JoinHandle<Instant> {
    let gate = gate.clone();
    let url = url(host);
    tokio::spawn(async move {
        let host = gate.host(&url);
        let slot = host
            .acquire(gate.global(), None, None)
            .await
            .expect("the host is not paused");
        let started = Instant::now();
        sleep(hold).await;
        drop(slot);
        started
    })
}

async fn starts(tasks: Vec<tokio::task::JoinHandle<Instant>>) -> Vec<Instant> {
    let mut out = Vec::new();
    for task in tasks {
        out.push(task.await.expect("request task completes"));
    }
    out
}

async fn interval_holds(broken: bool) -> Option<String> {
    let gate = gate(2 * SECOND, 1, 8, broken);
    let tasks = (0..3)
        .map(|_| spawn_request(&gate, "a.gov.cn", Duration::ZERO))
        .collect();
    too_close(&starts(tasks).await, 2 * SECOND)
}

/// per_host_concurrency 2 and the global pool full: both requests pass the host's gap while the
/// pool is full, then get global permits at the same moment; the second must still wait.
async fn gap_holds_at_sending_with_the_global_pool_full(broken: bool) -> Option<String> {
    let gate = gate(SECOND, 2, 1, broken);
    let begin = Instant::now();
    let blocker = gate
        .global()
        .clone()
        .acquire_owned()
        .await
        .expect("open semaphore");
    let tasks = (0..2)
        .map(|_| spawn_request(&gate, "a.gov.cn", Duration::ZERO))
        .collect();
    sleep(5 * SECOND).await;
    drop(blocker);
    let starts = starts(tasks).await;
    assert!(
        starts.iter().all(|s| *s >= begin + 5 * SECOND),
        "a request started while every global permit was held"
    );
    too_close(&starts, SECOND)
}

/// Retry-After arrives while one request waits for the host's permit and, with two host
/// permits, another waits for a global one after passing the gap: neither starts before it ends.
async fn retry_after_holds_requests_already_waiting(broken: bool) -> Option<String> {
    let gate = gate(SECOND, 2, 1, broken);
    let host = gate.host(&url("a.gov.cn"));
    let first = spawn_request(&gate, "a.gov.cn", 3 * SECOND);
    let waiting = (0..2)
        .map(|_| spawn_request(&gate, "a.gov.cn", Duration::ZERO))
        .collect::<Vec<_>>();
    let begin = Instant::now();
    sleep_until(begin + 2 * SECOND).await;
    host.defer(10 * SECOND, true);
    let first = first.await.expect("first request completes");
    let starts = starts(waiting).await;
    let end = begin + 12 * SECOND;
    if let Some(early) = starts.iter().find(|s| **s < end) {
        return Some(format!(
            "a request started {:?} into a Retry-After pause ending at {:?}",
            *early - begin,
            end - begin
        ));
    }
    let mut all = starts;
    all.push(first);
    too_close(&all, SECOND)
}

/// A Crawl-delay read after a request started widens the gap to the next one.
async fn crawl_delay_widens_the_gap(broken: bool) -> Option<String> {
    let gate = gate(SECOND, 1, 8, broken);
    let host = gate.host(&url("a.gov.cn"));
    let first = spawn_request(&gate, "a.gov.cn", Duration::ZERO)
        .await
        .expect("first request");
    host.widen_interval(5 * SECOND);
    host.widen_interval(2 * SECOND);
    assert_eq!(host.interval(), 5 * SECOND, "a shorter delay never narrows");
    let second = spawn_request(&gate, "a.gov.cn", Duration::ZERO)
        .await
        .expect("second request");
    too_close(&[first, second], 5 * SECOND)
}

#[tokio::test(start_paused = true)]
async fn interval_is_kept_between_request_starts() {
    assert_eq!(interval_holds(false).await, None);
    assert!(interval_holds(true).await.is_some());
}

#[tokio::test(start_paused = true)]
async fn the_gap_holds_at_the_moment_of_sending_when_the_global_pool_was_full() {
    assert_eq!(
        gap_holds_at_sending_with_the_global_pool_full(false).await,
        None
    );
    assert!(
        gap_holds_at_sending_with_the_global_pool_full(true)
            .await
            .is_some()
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_holds_requests_that_are_already_waiting() {
    assert_eq!(
        retry_after_holds_requests_already_waiting(false).await,
        None
    );
    assert!(
        retry_after_holds_requests_already_waiting(true)
            .await
            .is_some()
    );
}

#[tokio::test(start_paused = true)]
async fn a_crawl_delay_widens_the_gap_and_never_narrows_it() {
    assert_eq!(crawl_delay_widens_the_gap(false).await, None);
    assert!(crawl_delay_widens_the_gap(true).await.is_some());
}

#[tokio::test(start_paused = true)]
async fn host_names_on_one_server_share_its_permits() {
    let politeness = Politeness {
        per_host_interval: SECOND,
        per_ip_concurrency: 1,
        ..Politeness::default()
    };
    let gate = Arc::new(HostGate::build(politeness, HashMap::new(), false));
    let ip: IpAddr = "203.0.113.7".parse().expect("address");
    let server = gate.server(ip).expect("a per-server cap is configured");
    let mapped: IpAddr = "::ffff:203.0.113.7".parse().expect("address");
    let same = gate.server(mapped).expect("a per-server cap is configured");
    assert!(
        Arc::ptr_eq(&server, &same),
        "a mapped address is the same server"
    );
    let a = gate.host(&url("a.gov.cn"));
    let b = gate.host(&url("b.gov.cn"));
    let begin = Instant::now();
    let slot_a = a
        .acquire(gate.global(), Some(&server), None)
        .await
        .expect("not paused");
    let waiting = tokio::spawn({
        let gate = gate.clone();
        async move {
            let _slot = b
                .acquire(gate.global(), Some(&server), None)
                .await
                .expect("not paused");
            Instant::now()
        }
    });
    sleep(3 * SECOND).await;
    assert!(
        !waiting.is_finished(),
        "b started while a held the server's only permit"
    );
    drop(slot_a);
    let b_start = waiting.await.expect("b completes");
    assert_eq!(
        b_start,
        begin + 3 * SECOND,
        "b starts as soon as the permit is free"
    );

    let uncapped = HostGate::build(
        Politeness {
            per_ip_concurrency: 0,
            ..Politeness::default()
        },
        HashMap::new(),
        false,
    );
    assert!(
        uncapped.server(ip).is_none(),
        "0 turns the per-server cap off"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_pause_for_the_run_refuses_waiting_requests() {
    let gate = gate(SECOND, 1, 8, false);
    let host = gate.host(&url("a.gov.cn"));
    let first = spawn_request(&gate, "a.gov.cn", 2 * SECOND);
    let waiting = tokio::spawn({
        let gate = gate.clone();
        let host = host.clone();
        async move { host.acquire(gate.global(), None, None).await.map(|_| ()) }
    });
    sleep(SECOND).await;
    let reason = host.pause_for_retry_after(Duration::from_secs(3600), Duration::from_secs(600));
    first.await.expect("first request");
    assert_eq!(waiting.await.expect("task").err(), Some(reason.clone()));
    assert!(reason.to_string().contains("3600 s"), "{reason}");
    let summary = host.summary();
    assert_eq!(summary.retry_after_pauses, 1);
    assert_eq!(summary.paused, Some(reason.to_string()));
}

/// The answer to the first request arrives 400 ms after it was let through (a new connection, a
/// slow server): the server may have seen the request that late, so the second request is let
/// through one interval after the answer, not after the first was let through (issue 10).
async fn gap_runs_from_a_late_answer(broken: bool) -> Option<String> {
    let gate = gate(SECOND, 1, 8, broken);
    let host = gate.host(&url("a.gov.cn"));
    let late = Duration::from_millis(400);
    let begin = Instant::now();
    let slot = host
        .acquire(gate.global(), None, None)
        .await
        .expect("not paused");
    sleep(late).await;
    host.answered();
    drop(slot);
    let _second = host
        .acquire(gate.global(), None, None)
        .await
        .expect("not paused");
    let started = Instant::now() - begin;
    (started != late + SECOND).then(|| {
        format!(
            "second request let through {started:?} after the first, whose answer came at {late:?}"
        )
    })
}

#[tokio::test(start_paused = true)]
async fn the_gap_runs_from_the_answer_when_it_comes_late() {
    assert_eq!(gap_runs_from_a_late_answer(false).await, None);
    assert!(gap_runs_from_a_late_answer(true).await.is_some());
}

/// Pages in hand: with a gate of global cap 2 (so 4 page claims), six tasks on six hosts each
/// take a claim at their first request and keep it after the request ends (their page is being
/// read). The fifth and sixth wait until a task drops its hold; a second request of a task that
/// holds a claim (a redirect hop, a retry) never waits for another.
#[tokio::test(start_paused = true)]
async fn a_task_holds_one_page_claim_until_it_ends() {
    let gate = gate(Duration::from_millis(1), 1, 2, false);
    let mut holds = Vec::new();
    for n in 0..4 {
        let host = gate.host(&url(&format!("h{n}.gov.cn")));
        let hold = gate.page_hold();
        let slot = host
            .acquire(gate.global(), None, Some(&hold))
            .await
            .expect("not paused");
        drop(slot);
        holds.push(hold);
    }
    // A further request of a task that holds its claim goes through at once.
    let again = gate.host(&url("h0.gov.cn"));
    sleep(SECOND).await;
    let before = Instant::now();
    drop(
        again
            .acquire(gate.global(), None, Some(&holds[0]))
            .await
            .expect("not paused"),
    );
    assert_eq!(Instant::now(), before, "a held claim made its task wait");
    // A new task waits for a claim until one is dropped, five seconds on.
    let waiting = {
        let gate = gate.clone();
        tokio::spawn(async move {
            let host = gate.host(&url("h5.gov.cn"));
            let hold = gate.page_hold();
            drop(
                host.acquire(gate.global(), None, Some(&hold))
                    .await
                    .expect("not paused"),
            );
            Instant::now()
        })
    };
    let start = Instant::now();
    sleep(5 * SECOND).await;
    assert!(!waiting.is_finished(), "a fifth page claim was granted");
    drop(holds.pop());
    let admitted = waiting.await.expect("the waiting task ends");
    assert_eq!(admitted - start, 5 * SECOND);
}

/// A claim taken for a request whose host gap moved meanwhile goes back while the task waits out
/// the gap again: a host waiting for its turn never keeps a page claim from the others.
#[tokio::test(start_paused = true)]
async fn a_claim_goes_back_while_its_host_waits_out_a_gap() {
    // One global permit: the second request of the host takes its claim, then waits for the
    // global permit that the first holds, and finds the gap moved when it gets it.
    let gate = gate(SECOND, 2, 1, false);
    let host = gate.host(&url("a.gov.cn"));
    let first_hold = gate.page_hold();
    let first = host
        .acquire(gate.global(), None, Some(&first_hold))
        .await
        .expect("not paused");
    drop(first_hold);
    let second = {
        let (gate, host) = (gate.clone(), host.clone());
        tokio::spawn(async move {
            let hold = gate.page_hold();
            host.acquire(gate.global(), None, Some(&hold))
                .await
                .expect("not paused");
        })
    };
    sleep(SECOND + SECOND / 2).await;
    // Past the gap, the second request has its claim and waits for the global permit.
    assert_eq!(gate.pages.available_permits(), 1);
    host.answered();
    drop(first);
    // It gets the permit, finds the gap now runs from the answer, and gives its claim back
    // while it waits.
    tokio::task::yield_now().await;
    sleep(Duration::from_millis(10)).await;
    assert!(!second.is_finished());
    assert_eq!(
        gate.pages.available_permits(),
        2,
        "a task kept its page claim while waiting out its host's gap"
    );
    second.await.expect("the second request is let through");
}

/// A portal's `per_host_interval` is its whole site's: another host of the site without a gap of
/// its own takes the largest configured on the site, never less than the default; a host's own
/// gap wins; another site, an IP address and a name under no known suffix keep theirs (or the
/// default).
#[test]
fn a_host_without_its_own_gap_takes_its_sites_largest() {
    let politeness = Politeness {
        per_host_interval: SECOND,
        ..Politeness::default()
    };
    let configured: HashMap<String, Duration> = [
        ("www.hd.gov.cn", 5 * SECOND),
        ("xxgk.hd.gov.cn", 3 * SECOND),
        ("files.hd.gov.cn", 2 * SECOND),
        ("www.gov.cn", 7 * SECOND),
        ("127.0.0.1", 4 * SECOND),
        ("a.localhost", 6 * SECOND),
        // A fast site's shorter gap is for that host alone.
        ("www.fast.gov.cn", SECOND / 5),
    ]
    .into_iter()
    .map(|(h, d)| (h.to_string(), d))
    .collect();
    let gate = HostGate::build(politeness, configured, false);
    let cases = [
        ("old.hd.gov.cn", 5 * SECOND),
        ("HD.gov.cn", 5 * SECOND),
        ("a.b.hd.gov.cn", 5 * SECOND),
        ("www.hd.gov.cn", 5 * SECOND),
        ("xxgk.hd.gov.cn", 3 * SECOND),
        ("files.hd.gov.cn", 2 * SECOND),
        ("sousuo.www.gov.cn", 7 * SECOND),
        ("www.hebei.gov.cn", SECOND),
        ("gov.cn", SECOND),
        ("127.0.0.2", SECOND),
        ("127.0.0.1", 4 * SECOND),
        ("b.localhost", SECOND),
        ("www.fast.gov.cn", SECOND / 5),
        ("jyj.fast.gov.cn", SECOND),
    ];
    for (host, gap) in cases {
        assert_eq!(gate.host(&url(host)).interval(), gap, "{host}");
    }
}

#[tokio::test(start_paused = true)]
async fn after_a_run_that_died_every_host_waits_a_gap_from_its_last_possible_request() {
    let gate = gate(3 * SECOND, 1, 8, false);
    let begin = Instant::now();
    gate.resume_turns(turns::Carried {
        waits: vec![("named.gov.cn".to_string(), 5 * SECOND)],
        others_asked_ago: Some(SECOND),
    });
    // Handed on to the next run's file while a gap from that moment has not passed.
    assert!(gate.others_asked_ms().is_some());
    let named = spawn_request(&gate, "named.gov.cn", Duration::ZERO);
    let other = spawn_request(&gate, "other.gov.cn", Duration::ZERO);
    // Asked a second before this run began at the latest: a whole gap from then.
    assert_eq!(other.await.expect("other completes"), begin + 2 * SECOND);
    assert_eq!(named.await.expect("named completes"), begin + 5 * SECOND);
    // And not after.
    assert_eq!(gate.others_asked_ms(), None);
}

#[test]
fn refusals_pause_a_host_only_on_distinct_urls_in_a_row() {
    let gate = gate(SECOND, 1, 8, false);
    let host = gate.host(&url("a.gov.cn"));
    let page = |n: u32| Url::parse(&format!("http://a.gov.cn/{n}.html")).expect("valid test URL");
    // One page refused again and again is one refusal.
    for _ in 0..5 {
        host.on_refusal(&page(0), 3);
    }
    host.on_refusal(&page(1), 3);
    assert_eq!(host.paused(), None);
    // An answer ends the run: two more are not three in a row.
    host.on_answer();
    host.on_refusal(&page(2), 3);
    host.on_refusal(&page(3), 3);
    assert_eq!(host.paused(), None);
    host.on_refusal(&page(4), 3);
    assert_eq!(host.paused(), Some(PauseReason::Refused { refusals: 3 }));
    assert_eq!(
        host.summary().paused.as_deref(),
        Some("refused: 403 on 3 requests in a row")
    );
}
