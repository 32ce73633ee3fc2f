//! The hosts' turns file while a run goes on: written before its first request and every
//! heartbeat after, by a background task that ends with the run.

use std::sync::{Arc, Mutex};

use crate::gate::{HostGate, turns};

/// A background task that ends with its owner, on every way out of `run`.
pub(super) struct AbortOnDrop(pub(super) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Writes the hosts' turns for the next run every heartbeat (see `gate::turns`).
pub(super) async fn write_turns_every_heartbeat(gate: Arc<HostGate>, writer: Arc<TurnsWriter>) {
    // The first write was made before the run's first request.
    let first = tokio::time::Instant::now() + turns::HEARTBEAT;
    let mut tick = tokio::time::interval_at(first, turns::HEARTBEAT);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        writer.write(&gate, false).await;
    }
}

/// The hosts' turns file of a run: a heartbeat's write that finishes after the run's last one
/// does not replace it.
pub(super) struct TurnsWriter {
    pub(super) data_dir: std::path::PathBuf,
    pub(super) ended: Mutex<bool>,
}

impl TurnsWriter {
    pub(super) async fn write(self: &Arc<Self>, gate: &HostGate, ended: bool) {
        let (hosts, others_asked, writer) = (gate.turns(), gate.others_asked_ms(), self.clone());
        let written = tokio::task::spawn_blocking(move || {
            let mut done = writer.ended.lock().expect("turns lock is never poisoned");
            if *done {
                return Ok(());
            }
            *done = ended;
            turns::write(&writer.data_dir, hosts, others_asked, ended)
        })
        .await;
        if let Ok(Err(e)) = written {
            tracing::warn!(
                path = %turns::turns_path(&self.data_dir).display(),
                error = %e,
                "cannot save the hosts' turns; a run started at once after this one may ask a host before its gap"
            );
        }
    }
}
