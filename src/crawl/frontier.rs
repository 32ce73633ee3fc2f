//! The run's frontier in memory: per-host queues mirrored in the persistent frontier (which is
//! also the run's seen set, on disk), the workers that drain them (one per host slot), and the
//! count that tells the run it is done.
//! Seeding resumes an interrupted run of the same command, or starts from the sections.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use url::Url;

use super::{Engine, Role, Task, TaskState};
use crate::gate::host_key;

impl Engine {
    /// Fills the frontier: resumes an interrupted run of the same mode, or starts from the
    /// portals' sections (plus, for a crawl, the URLs that failed last time whose retry is due,
    /// and for a crawl or backfill the reports due for attachments they lack).
    /// `resuming`: the frontier held an interrupted run's tasks when the run started.
    pub(super) fn seed(self: &Arc<Self>, resuming: bool) -> anyhow::Result<()> {
        // The spill keeps only a run's queue order, which the queued tasks below rebuild.
        self.frontier.clear_spill()?;
        if resuming {
            self.restore_ledgers()?;
            let mut resumed = 0;
            // Read as it goes; done and failed tasks stay in the tree, which is the seen set.
            for entry in self.frontier.tasks() {
                let (key, bytes) = entry?;
                let Some(task) = Task::decode(&bytes) else {
                    tracing::warn!(key, "unreadable frontier entry dropped");
                    continue;
                };
                if !self.portals.contains_key(&task.portal) {
                    continue;
                }
                self.claim_resumed(&task);
                match task.state {
                    // Work the archive could not keep (a full or read-only disk stopped the run)
                    // is done again now that the run resumes.
                    TaskState::Failed(ref reason) if reason.starts_with("archive") => {
                        let mut task = task.clone();
                        task.state = TaskState::Queued;
                        resumed += 1;
                        self.enqueue_unchecked(task);
                    }
                    TaskState::Queued => {
                        resumed += 1;
                        self.enqueue_unchecked(task);
                    }
                    TaskState::Done | TaskState::Failed(_) => {}
                }
            }
            tracing::info!(
                tasks = resumed,
                "resuming an interrupted {}",
                self.mode.command()
            );
            // Portals added to the config since the interrupted run still get their section.
        }
        for scope in self.portals.values() {
            let request = crate::discover::PageRequest::Get(scope.portal.url.clone());
            self.enqueue(Task::list(&scope.portal.name, &request, None, 0));
        }
        let now = chrono::Utc::now();
        if !self.mode.is_backfill() && !self.mode.is_dry_run() {
            // Only the retries that are due, read from the retry index (one range scan).
            let due = self
                .store
                .due_retries(now, self.settings.crawl.failures.retry_max)?;
            if !due.is_empty() {
                tracing::info!(urls = due.len(), "retrying failed URLs whose retry is due");
            }
            for (url, state) in due {
                self.enqueue_known(&url, &state);
            }
        }
        if !self.mode.is_dry_run() {
            // Reports due for their attachments, wherever their list page is: a nightly walk
            // that stops at known items would never reach one on a later page.
            let max_body_bytes = self.settings.fetch.max_body_bytes;
            let due = self.store.due_attachment_waits(
                now,
                max_body_bytes,
                self.settings.crawl.failures.retry_max,
            )?;
            if !due.is_empty() {
                tracing::info!(
                    reports = due.len(),
                    "fetching again the reports whose missing attachments are due"
                );
            }
            for (url, state) in due {
                if self.backfills_year_of(&state)? {
                    self.enqueue_known(&url, &state);
                }
            }
        }
        Ok(())
    }

    /// For a backfill, whether the archived report's latest version is of a year it asks for
    /// (another would be fetched only to be left); always true for a crawl.
    fn backfills_year_of(&self, state: &crate::store::UrlState) -> anyhow::Result<bool> {
        let super::Mode::Backfill { years } = &self.mode else {
            return Ok(true);
        };
        let Some(doc) = state.doc_id.as_deref() else {
            return Ok(false);
        };
        let latest = match self.store.document(doc)? {
            Some(doc) => doc.seqs.last().copied(),
            None => None,
        };
        let year = match latest {
            Some(seq) => self.store.record(seq)?.and_then(|r| r.report_year),
            None => None,
        };
        Ok(year.is_some_and(|y| years.contains(&y)))
    }

    /// Queues a known item from its URL state, with the list evidence the state kept; one
    /// whose portal is no longer configured, or whose state names no list, is left.
    fn enqueue_known(self: &Arc<Self>, url: &str, state: &crate::store::UrlState) {
        if !self.portals.contains_key(&state.portal) {
            return;
        }
        if let Some(task) = Task::from_state(url, state) {
            self.enqueue(task);
        }
    }

    pub(super) fn hold(&self) {
        self.queues
            .lock()
            .expect("queue lock is never poisoned")
            .outstanding += 1;
    }

    pub(super) fn release(&self) {
        let mut queues = self.queues.lock().expect("queue lock is never poisoned");
        queues.outstanding -= 1;
        if queues.outstanding == 0 {
            self.idle.notify_one();
        }
    }

    /// Waits until no task is outstanding (false) or `shutdown` fires first (true). A wake-up
    /// left from an earlier moment of idleness only makes it look again.
    pub(super) async fn until_idle<F: std::future::Future<Output = ()>>(
        &self,
        shutdown: &mut std::pin::Pin<&mut F>,
    ) -> bool {
        loop {
            let idle = self.idle.notified();
            if self.outstanding() == 0 {
                return false;
            }
            tokio::select! {
                _ = idle => {}
                _ = shutdown.as_mut() => return true,
            }
        }
    }

    pub(super) fn outstanding(&self) -> usize {
        self.queues
            .lock()
            .expect("queue lock is never poisoned")
            .outstanding
    }

    pub(super) fn frontier_queued(&self) -> anyhow::Result<u64> {
        let mut queued = 0;
        for entry in self.frontier.tasks() {
            let (_, bytes) = entry?;
            if Task::decode(&bytes).is_some_and(|t| t.state == TaskState::Queued) {
                queued += 1;
            }
        }
        Ok(queued)
    }

    /// Queues a task unless its URL was seen this run, or the failure policy holds it back.
    /// Returns whether it was queued.
    pub(crate) fn enqueue(self: &Arc<Self>, task: Task) -> bool {
        if self.held_back(&task) {
            // A backfill holds back only gone entries: their reports are not fetched, so the
            // list is not complete, and its ledger says so.
            if self.mode.is_backfill()
                && !task.is_delisted_ask()
                && let Some(list) = task.list_key()
            {
                self.report(&task.portal, |r| {
                    r.lists.entry(list).or_default().gone_items += 1
                });
            }
            return false;
        }
        // The persistent frontier is the seen set: a key already in it was queued this run.
        match self.frontier.insert_new(&task.key(), &task.encode()) {
            Ok(true) => {}
            Ok(false) => return false,
            Err(e) => {
                // Not durable, so not resumable: still done once now (a disk that fails here
                // stops the run at its next commit).
                tracing::error!(url = %task.request.url, "cannot save frontier entry: {e}");
            }
        }
        self.enqueue_unchecked(task);
        true
    }

    /// The failure policy: an item that failed is not asked again before its retry is due (a
    /// backfill does not wait), and a gone item is not asked again at all (`nianbao failures
    /// --retry` puts it back).
    pub(super) fn held_back(&self, task: &Task) -> bool {
        if !matches!(task.role, Role::Item { .. }) {
            return false;
        }
        let Ok(Some(state)) = self.store.url_state(&task.request.url) else {
            return false;
        };
        let Some(retry) = state.retry.as_ref().filter(|_| state.doc_id.is_none()) else {
            return false;
        };
        let now = chrono::Utc::now();
        let longest = self.settings.crawl.failures.retry_max;
        let held = retry.gone
            || (!self.mode.is_backfill()
                && !retry.is_due(now)
                && !retry.set_by_a_clock_ahead(now, longest));
        if held {
            tracing::debug!(
                url = %task.request.url,
                gone = retry.gone,
                next_retry_at = %retry.next_retry_at,
                "failed item held back by the failure policy"
            );
        }
        held
    }

    fn enqueue_unchecked(self: &Arc<Self>, task: Task) {
        let Ok(url) = Url::parse(&task.request.url) else {
            tracing::warn!(url = %task.request.url, "unparseable URL in frontier");
            return;
        };
        let host = host_key(&url);
        let spawn = {
            let mut queues = self.queues.lock().expect("queue lock is never poisoned");
            queues.push(&self.frontier, &host, task);
            let workers = queues.workers.entry(host.clone()).or_insert(0);
            if *workers
                < super::pace::workers_per_host(self.settings.politeness.per_host_concurrency)
            {
                *workers += 1;
                true
            } else {
                false
            }
        };
        self.progress.queued(1);
        if spawn {
            self.spawn_worker(host);
        }
    }

    fn spawn_worker(self: &Arc<Self>, host: String) {
        // Boxed as a `Send` future: workers queue tasks that spawn workers, a cycle the compiler
        // cannot see through without the type being erased here.
        let worker: std::pin::Pin<Box<dyn Future<Output = ()> + Send>> =
            Box::pin(self.clone().worker(host));
        tokio::spawn(worker);
    }

    /// A task's work, on the heap: built in a plain function so that the worker's own future,
    /// which every host with queued work keeps (thousands in a nightly), never makes room for it
    /// (rustc sizes an async fn's state for every future built inside it, awaited or moved).
    fn process<'a>(
        self: &'a Arc<Self>,
        task: &'a Task,
    ) -> futures_util::future::BoxFuture<'a, TaskState> {
        match task.role {
            Role::List { .. } => Box::pin(self.process_list(task)),
            Role::Item { .. } if task.is_delisted_ask() => Box::pin(self.process_delisted(task)),
            Role::Item { .. } => Box::pin(self.process_item(task)),
        }
    }

    /// Works through one host's queue.
    async fn worker(self: Arc<Self>, host: String) {
        loop {
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            let task = {
                let mut queues = self.queues.lock().expect("queue lock is never poisoned");
                match queues.pop(&self.frontier, &host) {
                    Some(task) => task,
                    None => {
                        // Only after spilled tasks were lost can the count reach zero here.
                        if queues.outstanding == 0 {
                            self.idle.notify_one();
                        }
                        break;
                    }
                }
            };
            let key = task.key();
            let state = if self.is_quarantined(&task.request.url) {
                tracing::info!(url = %task.request.url, "quarantined: skipped");
                self.report(&task.portal, |r| {
                    *r.excluded.entry("quarantined".into()).or_default() += 1
                });
                TaskState::Failed("quarantined".into())
            } else {
                self.process(&task).await
            };
            if !self.stopping.load(Ordering::SeqCst) || state != TaskState::Queued {
                let mut finished = task.clone();
                finished.state = state;
                if let Err(e) = self.frontier.put(&key, &finished.encode()) {
                    tracing::error!(url = %task.request.url, "cannot save frontier entry: {e}");
                }
            }
            self.progress.done(1);
            let mut queues = self.queues.lock().expect("queue lock is never poisoned");
            queues.outstanding -= 1;
            if queues.outstanding == 0 {
                self.idle.notify_one();
            }
        }
        let mut queues = self.queues.lock().expect("queue lock is never poisoned");
        if let Some(n) = queues.workers.get_mut(&host) {
            *n = n.saturating_sub(1);
        }
        // A task may have been queued between the empty pop and this decrement.
        let orphaned = queues.has_work(&host)
            && queues.workers.get(&host).copied().unwrap_or(0) == 0
            && !self.stopping.load(Ordering::SeqCst);
        if orphaned {
            *queues.workers.entry(host.clone()).or_insert(0) += 1;
            drop(queues);
            self.spawn_worker(host);
        }
    }

    pub(super) async fn wait_for_workers(&self) {
        loop {
            let busy = self
                .queues
                .lock()
                .expect("queue lock is never poisoned")
                .workers
                .values()
                .any(|n| *n > 0);
            if !busy {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
