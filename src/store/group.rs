//! Group commit for fsync-like calls: when many threads each need "everything written so far is
//! durable", one of them (the leader) runs the sync for all who asked before it started, and the
//! rest wait for that sync instead of issuing their own. A caller returns only after a sync that
//! started after its request ended successfully, so what it wrote before asking is durable.
//!
//! A failed sync is returned to its leader; the callers it covered try again themselves (and
//! so see the error too), so no caller is told "durable" on the strength of a failed sync.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::unpoisoned;

pub(crate) struct GroupSync {
    state: Mutex<State>,
    /// Signalled when a sync ends, and when a request arrives while a leader gathers.
    changed: Condvar,
    /// How long a leader waits for more requests before it syncs.
    window: Duration,
    /// A leader syncs at once when this many requests are waiting.
    batch: u64,
}

#[derive(Default)]
struct State {
    /// Requests made so far, numbered 1, 2, …
    requested: u64,
    /// Every request up to this number is covered by a successful sync.
    synced: u64,
    /// A leader is gathering requests or syncing now.
    running: bool,
    /// The leader is waiting for more requests before it syncs.
    gathering: bool,
    /// Syncs run so far (for the tests and the figures).
    syncs: u64,
}

impl GroupSync {
    /// A group that gathers requests for up to `window` (or until `batch` of them wait) before
    /// each sync. A zero window shares only syncs that happen to overlap.
    pub(crate) fn new(window: Duration, batch: u64) -> GroupSync {
        GroupSync {
            state: Mutex::default(),
            changed: Condvar::new(),
            window,
            batch: batch.max(1),
        }
    }

    /// Makes every write made before this call durable by `sync`, run by this caller or shared
    /// with concurrent callers.
    pub(crate) fn sync<E>(&self, sync: impl Fn() -> Result<(), E>) -> Result<(), E> {
        let mut state = self.lock();
        state.requested += 1;
        let mine = state.requested;
        if state.gathering {
            self.changed.notify_all();
        }
        loop {
            if state.synced >= mine {
                return Ok(());
            }
            if state.running {
                state = unpoisoned(self.changed.wait(state));
                continue;
            }
            // Lead: gather the requests that arrive within the window, then sync once for
            // every request made up to then, ours included.
            state.running = true;
            state.gathering = true;
            let deadline = Instant::now() + self.window;
            while state.requested - state.synced < self.batch {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = unpoisoned(self.changed.wait_timeout(state, deadline - now)).0;
            }
            state.gathering = false;
            let covers = state.requested;
            drop(state);
            let result = sync();
            state = self.lock();
            state.running = false;
            state.syncs += 1;
            if result.is_ok() {
                state.synced = state.synced.max(covers);
            }
            self.changed.notify_all();
            result?;
        }
    }

    /// Syncs run so far.
    #[cfg(test)]
    fn syncs(&self) -> u64 {
        self.lock().syncs
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is a few counters, consistent after every statement.
        unpoisoned(self.state.lock())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    /// Every caller's write is covered by a sync that started after it: the "disk" records
    /// the highest write each sync made durable, and each caller checks its own.
    #[test]
    fn every_caller_returns_after_a_sync_that_covers_its_write() {
        let group = Arc::new(GroupSync::new(Duration::ZERO, 64));
        let written = Arc::new(AtomicU64::new(0));
        let durable = Arc::new(AtomicU64::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (group, written, durable) = (group.clone(), written.clone(), durable.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let mine = written.fetch_add(1, Ordering::SeqCst) + 1;
                        group
                            .sync(|| -> Result<(), ()> {
                                let upto = written.load(Ordering::SeqCst);
                                std::thread::sleep(Duration::from_micros(300));
                                durable.fetch_max(upto, Ordering::SeqCst);
                                Ok(())
                            })
                            .unwrap();
                        assert!(durable.load(Ordering::SeqCst) >= mine);
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let syncs = group.syncs();
        assert!(syncs >= 1);
        // 800 requests from 16 threads share syncs; one sync each would be no group at all.
        assert!(syncs < 800 / 2, "{syncs} syncs for 800 requests");
    }

    /// A failed sync reaches its leader and is not taken as durable by the callers it covered:
    /// B and C wait while A's sync runs; the next sync (led by one of them, covering both)
    /// fails, so the other must sync again itself before it may return.
    #[test]
    fn a_failed_sync_is_never_counted_as_durable() {
        let group = Arc::new(GroupSync::new(Duration::ZERO, 64));
        let calls = Arc::new(AtomicU64::new(0));
        let sync = {
            let calls = calls.clone();
            move || -> Result<(), &'static str> {
                match calls.fetch_add(1, Ordering::SeqCst) + 1 {
                    1 => {
                        std::thread::sleep(Duration::from_millis(200));
                        Ok(())
                    }
                    2 => Err("disk full"),
                    _ => Ok(()),
                }
            }
        };
        let a = {
            let (group, sync) = (group.clone(), sync.clone());
            std::thread::spawn(move || group.sync(sync))
        };
        std::thread::sleep(Duration::from_millis(50));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let (group, sync) = (group.clone(), sync.clone());
                std::thread::spawn(move || group.sync(sync))
            })
            .collect();
        assert_eq!(a.join().unwrap(), Ok(()));
        let results: Vec<_> = waiters.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(
            results.iter().filter(|r| r.is_err()).count(),
            1,
            "{results:?}"
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            3,
            "the other waiter synced again"
        );
    }

    /// Requests that never overlap a running sync are still grouped by the leader's window:
    /// ten callers 2 ms apart with an instant sync share a few syncs, not ten.
    #[test]
    fn a_window_gathers_requests_that_arrive_one_after_another() {
        let group = Arc::new(GroupSync::new(Duration::from_millis(100), 64));
        let threads: Vec<_> = (0..10)
            .map(|n| {
                let group = group.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(2 * n));
                    group.sync(|| Ok::<(), ()>(())).unwrap();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(
            group.syncs() <= 3,
            "{} syncs for 10 requests",
            group.syncs()
        );
    }

    /// A full batch does not wait for the window.
    #[test]
    fn a_full_batch_syncs_without_waiting_out_the_window() {
        let group = GroupSync::new(Duration::from_secs(30), 1);
        let started = Instant::now();
        group.sync(|| Ok::<(), ()>(())).unwrap();
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
