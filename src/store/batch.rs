//! Shared batches: callers that arrive while a batch is being worked on queue their item, and
//! when that batch ends one of them (the leader) works on everything queued since, as the next
//! batch. Each caller gets its own item's result. When the last batch had company (more than one
//! item), a leader that finds fewer than `enough` items queued waits up to `window` for more
//! first; a caller that commits alone, one item after another, never waits.
//!
//! The store commits this way: sled's transactions and flushes cost the same for one capture as
//! for eight, and each wakes sled's whole I/O pool.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::unpoisoned;

pub(crate) struct Batcher<T, R> {
    state: Mutex<State<T, R>>,
    /// Signalled when a batch ends.
    ended: Condvar,
    /// Signalled when an item is queued while a leader gathers.
    arrived: Condvar,
    /// The most items in one batch.
    most: usize,
    /// How long a leader waits for company…
    window: Duration,
    /// …unless this many items are queued.
    enough: usize,
}

struct State<T, R> {
    /// The next caller's ticket.
    next: u64,
    /// Items waiting for the next batch, by ticket, oldest first.
    queued: Vec<(u64, T)>,
    /// Results not yet collected by their callers, by ticket.
    done: HashMap<u64, R>,
    /// A leader is working on a batch now.
    running: bool,
    /// The leader is waiting for company.
    gathering: bool,
    /// The last batch held more than one item: company is likely, worth waiting for.
    company: bool,
    /// Batches worked on so far.
    batches: u64,
}

impl<T, R> Batcher<T, R> {
    pub(crate) fn new(most: usize, window: Duration, enough: usize) -> Batcher<T, R> {
        Batcher {
            state: Mutex::new(State {
                next: 0,
                queued: Vec::new(),
                done: HashMap::new(),
                running: false,
                gathering: false,
                company: false,
                batches: 0,
            }),
            ended: Condvar::new(),
            arrived: Condvar::new(),
            most: most.max(1),
            window,
            enough: enough.max(1),
        }
    }

    /// Works on `item` in a batch with whatever other items are queued, and returns its result.
    /// `work` gets a batch and returns one result for each of its items, in order. A panic in
    /// `work`, or a result missing, gives each item of that batch `failed(item)` instead, so
    /// no caller waits for ever and the panic stays in this call.
    pub(crate) fn run(
        &self,
        item: T,
        work: impl Fn(&[T]) -> Vec<R>,
        failed: impl Fn(&T) -> R,
    ) -> R {
        let mut state = self.lock();
        let ticket = state.next;
        state.next += 1;
        state.queued.push((ticket, item));
        if state.gathering {
            self.arrived.notify_one();
        }
        loop {
            if let Some(result) = state.done.remove(&ticket) {
                return result;
            }
            if state.running {
                state = unpoisoned(self.ended.wait(state));
                continue;
            }
            state.running = true;
            state.gathering = true;
            let deadline = Instant::now() + self.window;
            while state.company && state.queued.len() < self.enough {
                let now = Instant::now();
                if now >= deadline {
                    break;
                }
                state = unpoisoned(self.arrived.wait_timeout(state, deadline - now)).0;
            }
            state.gathering = false;
            let take = state.queued.len().min(self.most);
            state.company = take > 1;
            let (tickets, items): (Vec<u64>, Vec<T>) = state.queued.drain(..take).unzip();
            drop(state);
            let results = catch_unwind(AssertUnwindSafe(|| work(&items)))
                .ok()
                .filter(|results| results.len() == items.len())
                .unwrap_or_else(|| items.iter().map(&failed).collect());
            drop(items);
            state = self.lock();
            state.done.extend(tickets.into_iter().zip(results));
            state.running = false;
            state.batches += 1;
            self.ended.notify_all();
        }
    }

    /// Batches worked on so far.
    #[cfg(test)]
    pub(crate) fn batches(&self) -> u64 {
        self.lock().batches
    }

    fn lock(&self) -> MutexGuard<'_, State<T, R>> {
        // Every change to the state is made whole under the lock, and `work` runs outside it.
        unpoisoned(self.state.lock())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Many callers at once: each gets the result of its own item, and callers that overlap
    /// a running batch share the next one.
    #[test]
    fn each_caller_gets_its_own_result_and_overlapping_callers_share_batches() {
        let batcher = Arc::new(Batcher::<u64, u64>::new(64, Duration::ZERO, 1));
        let worked = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16u64)
            .map(|t| {
                let (batcher, worked) = (batcher.clone(), worked.clone());
                std::thread::spawn(move || {
                    for i in 0..25u64 {
                        let item = t * 1000 + i;
                        let result = batcher.run(
                            item,
                            |items| {
                                worked.fetch_add(items.len(), Ordering::SeqCst);
                                // Long enough that others queue behind it.
                                std::thread::sleep(Duration::from_millis(2));
                                items.iter().map(|x| x * 2).collect()
                            },
                            |_| u64::MAX,
                        );
                        assert_eq!(result, item * 2, "item {item} got another's result");
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("caller thread");
        }
        assert_eq!(worked.load(Ordering::SeqCst), 400, "every item worked once");
        let batches = batcher.batches();
        // 400 items from 16 threads that each wait 2 ms a batch: one batch an item would be no
        // sharing at all.
        assert!(batches < 200, "{batches} batches for 400 items");
    }

    #[test]
    fn a_batch_holds_at_most_its_limit() {
        let batcher = Arc::new(Batcher::<u64, usize>::new(3, Duration::ZERO, 1));
        let threads: Vec<_> = (0..12u64)
            .map(|t| {
                let batcher = batcher.clone();
                std::thread::spawn(move || {
                    batcher.run(
                        t,
                        |items| {
                            std::thread::sleep(Duration::from_millis(5));
                            vec![items.len(); items.len()]
                        },
                        |_| 0,
                    )
                })
            })
            .collect();
        for thread in threads {
            let size = thread.join().expect("caller thread");
            assert!((1..=3).contains(&size), "a batch of {size}");
        }
    }

    /// A panic in the work fails that batch's items, and only them; the next caller starts a
    /// batch of its own.
    #[test]
    fn a_panic_fails_its_batch_and_no_caller_hangs() {
        let batcher = Batcher::<u64, Result<u64, String>>::new(8, Duration::ZERO, 1);
        let failed = |item: &u64| Err(format!("{item} failed"));
        let result = batcher.run(
            1,
            |_: &[u64]| -> Vec<Result<u64, String>> { panic!("boom") },
            failed,
        );
        assert_eq!(result, Err("1 failed".to_string()));
        let result = batcher.run(2, |items| items.iter().map(|x| Ok(*x)).collect(), failed);
        assert_eq!(result, Ok(2));
        // Too few results count as a failure too.
        let result = batcher.run(3, |_| Vec::new(), failed);
        assert_eq!(result, Err("3 failed".to_string()));
    }

    /// With a window, a leader waits for company once batches have had some: callers that
    /// arrive one after another, each before the batch is due, share one batch, and a batch
    /// that has `enough` goes at once. A caller alone, one item after another, never waits.
    #[test]
    fn a_leader_gathers_company_within_its_window() {
        let window = Duration::from_secs(10);
        let sized = |items: &[u64]| vec![items.len(); items.len()];

        let alone = Batcher::<u64, usize>::new(64, window, 4);
        let started = Instant::now();
        for i in 0..3 {
            assert_eq!(alone.run(i, sized, |_| 0), 1);
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );

        let batcher = Arc::new(Batcher::<u64, usize>::new(64, window, 4));
        // Two callers queue behind a batch that lasts until they have, and go in together:
        // company.
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let slow = {
            let batcher = batcher.clone();
            std::thread::spawn(move || {
                batcher.run(
                    0,
                    |items| {
                        started_tx.send(()).expect("the test waits for this");
                        let started = Instant::now();
                        while batcher.lock().queued.len() < 2 {
                            assert!(started.elapsed() < window, "the two callers never queued");
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        sized(items)
                    },
                    |_| 0,
                )
            })
        };
        started_rx.recv().expect("the slow batch started");
        let queued: Vec<_> = (1..3u64)
            .map(|t| {
                let batcher = batcher.clone();
                std::thread::spawn(move || batcher.run(t, sized, |_| 0))
            })
            .collect();
        assert_eq!(slow.join().expect("slow caller"), 1);
        for thread in queued {
            assert_eq!(thread.join().expect("queued caller"), 2);
        }
        // Now callers arriving 20 ms apart, well inside the window, wait for each other; the
        // fourth makes enough.
        let started = Instant::now();
        let threads: Vec<_> = (3..7u64)
            .map(|t| {
                let batcher = batcher.clone();
                std::thread::sleep(Duration::from_millis(20));
                std::thread::spawn(move || batcher.run(t, sized, |_| 0))
            })
            .collect();
        for thread in threads {
            assert_eq!(
                thread.join().expect("caller thread"),
                4,
                "all four in one batch"
            );
        }
        assert_eq!(batcher.batches(), 3);
        // Enough came: nobody waited out the window.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }
}
