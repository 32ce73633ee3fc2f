//! Progress of a long run: a bar on a terminal, a log line every few seconds otherwise.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

const LOG_EVERY: Duration = Duration::from_secs(15);

pub(super) struct Progress {
    bar: Option<ProgressBar>,
    queued: AtomicU64,
    done: AtomicU64,
    archived: AtomicU64,
    last_log: Mutex<Instant>,
}

impl Progress {
    pub(super) fn new() -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} URLs  {msg}",
                )
                .expect("the progress template is valid"),
            );
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            queued: AtomicU64::new(0),
            done: AtomicU64::new(0),
            archived: AtomicU64::new(0),
            last_log: Mutex::new(Instant::now()),
        }
    }

    pub(super) fn queued(&self, n: u64) {
        let total = self.queued.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.set_length(total);
        }
    }

    pub(super) fn done(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        match &self.bar {
            Some(bar) => bar.set_position(done),
            None => {
                let mut last = self
                    .last_log
                    .lock()
                    .expect("progress lock is never poisoned");
                if last.elapsed() >= LOG_EVERY {
                    *last = Instant::now();
                    tracing::info!(
                        done,
                        queued = self.queued.load(Ordering::Relaxed),
                        archived = self.archived.load(Ordering::Relaxed),
                        "progress"
                    );
                }
            }
        }
    }

    pub(super) fn archived(&self, new: bool) {
        if new {
            let n = self.archived.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(bar) = &self.bar {
                bar.set_message(format!("{n} new documents/versions"));
            }
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
