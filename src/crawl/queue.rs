//! The run's per-host queues: a bounded window of each host's tasks in memory, the rest spilled
//! to the persistent frontier's spill tree in queue order and read back a window at a time, so
//! memory stays flat however many URLs a host has queued. Order per host is the order the tasks
//! were queued, as with unbounded queues: once a host has spilled, every newer task of that host
//! spills behind it until the spill is drained.

use std::collections::{HashMap, VecDeque};

use super::Task;
use crate::config::Settings;
use crate::store::FrontierStore;

/// Tasks per host kept in memory at least. A refill happens only when a host's window is empty,
/// so it must hold enough for every worker of the host to take a task between two refills (see
/// `window_size`); a few dozen tasks of a few hundred bytes each per host keep 2,000 busy hosts
/// within a few tens of megabytes.
const WINDOW: usize = 64;
/// Tasks per host slot (`per_host_concurrency`), when that asks for more than `WINDOW`.
const WINDOW_PER_SLOT: usize = 16;
/// Test-only: lowers the window so a test can queue far more tasks than it holds without
/// building a huge site. Not a setting: memory is what the window is for.
const WINDOW_ENV: &str = "NIANBAO_TEST_QUEUE_WINDOW";

/// How many tasks of one host stay in memory.
pub(super) fn window_size(settings: &Settings) -> usize {
    if let Some(n) = std::env::var(WINDOW_ENV)
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        return n.max(1);
    }
    WINDOW.max(WINDOW_PER_SLOT * settings.politeness.per_host_concurrency.max(1))
}

/// One host's queue: the window in memory, and how many more wait in the spill tree.
#[derive(Default)]
struct HostQueue {
    window: VecDeque<Task>,
    spilled: usize,
}

pub(super) struct Queues {
    per_host: HashMap<String, HostQueue>,
    pub(super) workers: HashMap<String, usize>,
    /// Tasks queued (in a window or spilled) or being worked on.
    pub(super) outstanding: usize,
    /// Set when spilled tasks could not be read back: they are still queued in the frontier,
    /// so the run ends as interrupted (resumable) instead of as complete.
    pub(super) fault: bool,
    window: usize,
    /// The next spilled task's place in the run's queue order.
    next_seq: u64,
}

impl Queues {
    pub(super) fn new(window: usize) -> Queues {
        Queues {
            per_host: HashMap::new(),
            workers: HashMap::new(),
            outstanding: 0,
            fault: false,
            window: window.max(1),
            next_seq: 0,
        }
    }

    /// Appends `task` to `host`'s queue: in memory while the window has room and nothing of the
    /// host is spilled, else behind the host's spilled tasks on disk. A task the disk refuses
    /// stays in memory (correct, only larger).
    pub(super) fn push(&mut self, frontier: &FrontierStore, host: &str, task: Task) {
        self.outstanding += 1;
        let queue = self.per_host.entry(host.to_string()).or_default();
        if queue.spilled == 0 && queue.window.len() < self.window {
            queue.window.push_back(task);
            return;
        }
        let seq = self.next_seq;
        match frontier.spill(host, seq, &task.encode()) {
            Ok(()) => {
                self.next_seq += 1;
                queue.spilled += 1;
            }
            Err(e) => {
                tracing::warn!(url = %task.request.url, "cannot spill a queued task to disk, kept in memory: {e}");
                if queue.spilled == 0 {
                    queue.window.push_back(task);
                } else {
                    // Order would break; the disk that refused this write will not take the
                    // rest either, so this run stops short and resumes the task later.
                    self.lose(1);
                }
            }
        }
    }

    /// The next task of `host`, refilling its window from the spill when it is empty.
    pub(super) fn pop(&mut self, frontier: &FrontierStore, host: &str) -> Option<Task> {
        let window = self.window;
        let queue = self.per_host.get_mut(host)?;
        if queue.window.is_empty() && queue.spilled > 0 {
            let wanted = queue.spilled.min(window);
            let lost = match frontier.unspill(host, wanted) {
                Ok(tasks) => {
                    let mut lost = 0;
                    if tasks.len() < wanted {
                        // Fewer on disk than were spilled: the rest cannot come back.
                        lost += queue.spilled - tasks.len();
                        queue.spilled = 0;
                    } else {
                        queue.spilled -= tasks.len();
                    }
                    for bytes in tasks {
                        match Task::decode(&bytes) {
                            Some(task) => queue.window.push_back(task),
                            None => lost += 1,
                        }
                    }
                    if lost > 0 {
                        tracing::error!(host, lost, "spilled tasks missing or unreadable");
                    }
                    lost
                }
                Err(e) => {
                    tracing::error!(
                        host,
                        lost = queue.spilled,
                        "cannot read spilled tasks back: {e}"
                    );
                    std::mem::take(&mut queue.spilled)
                }
            };
            self.lose(lost);
        }
        let queue = self.per_host.get_mut(host)?;
        let task = queue.window.pop_front();
        if queue.window.is_empty() && queue.spilled == 0 {
            // A finished host keeps no memory (2,000 portals, most done early in a nightly).
            self.per_host.remove(host);
        }
        task
    }

    /// Whether `host` has tasks waiting (in memory or spilled).
    pub(super) fn has_work(&self, host: &str) -> bool {
        self.per_host
            .get(host)
            .is_some_and(|q| !q.window.is_empty() || q.spilled > 0)
    }

    /// Tasks that will not be done this run: they stay queued in the frontier for a resume.
    fn lose(&mut self, n: usize) {
        self.outstanding = self.outstanding.saturating_sub(n);
        self.fault = self.fault || n > 0;
    }
}
