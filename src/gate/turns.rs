//! Host turns a run hands to the next: when each host may next be asked, kept in
//! `data_dir/host-turns.json`, so that a crawl started right after another one stopped (Ctrl-C
//! and a rerun, a service restarted after a crash) keeps every host's gap and Retry-After
//! pause across the two processes.
//!
//! A run writes the file every [`HEARTBEAT`] while it crawls and once more as it ends. The last
//! write of a run that ended is exact. A run that died (SIGKILL, power, a crash) may have let
//! requests through after its last write, up to one heartbeat later, and never after the moment
//! the next run reads the file; so the next run gives every host of a dying run's file a gap from
//! the earlier of those two moments. A host first asked in the heartbeat before a crash is not in
//! the file, so every host the file does not name gets a gap from that moment too (a run writes
//! its file before its first request, so even a run that dies at once leaves one); the moment is
//! handed on while it still matters, so a run that ends cleanly at once does not lose it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// How often a crawl writes its hosts' turns.
pub const HEARTBEAT: Duration = Duration::from_secs(1);

const TURNS_FILE: &str = "host-turns.json";

/// One host's turn: the first moment (milliseconds since the Unix epoch) its next request may
/// start, and its gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostTurn {
    pub host: String,
    pub next_ms: u64,
    pub interval_ms: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct TurnsFile {
    /// When the file was written (milliseconds since the Unix epoch).
    written_ms: u64,
    /// Written by a run as it ended: nothing was sent after it.
    ended: bool,
    hosts: Vec<HostTurn>,
    /// The latest moment a host this file does not name may have been asked (a run that died
    /// before its file named the host), while that still matters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    others_asked_ms: Option<u64>,
}

/// What the previous run leaves the next: the waits of the hosts it names, and how long ago any
/// other host may last have been asked (only after a run that died).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Carried {
    pub waits: Vec<(String, Duration)>,
    pub others_asked_ago: Option<Duration>,
}

pub fn turns_path(data_dir: &Path) -> PathBuf {
    data_dir.join(TURNS_FILE)
}

pub fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Writes the turns (a new file renamed over the old, so a reader never sees half of one). No
/// fsync: a machine that restarts takes longer than any gap.
pub fn write(
    data_dir: &Path,
    hosts: Vec<HostTurn>,
    others_asked_ms: Option<u64>,
    ended: bool,
) -> std::io::Result<()> {
    let file = TurnsFile {
        written_ms: unix_ms(SystemTime::now()),
        ended,
        hosts,
        others_asked_ms,
    };
    let path = turns_path(data_dir);
    let tmp = data_dir.join(format!("{TURNS_FILE}.tmp"));
    let json = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, &path)
}

/// What the previous run leaves, as of `now`: for each host it names still inside its turn, how
/// long until its next request may start, and for the others, after a run that died, how long
/// ago they may last have been asked. A missing file means no waits; an unreadable one is
/// reported and ignored (the gaps within the new run still hold).
pub fn read(data_dir: &Path, now: SystemTime) -> Carried {
    let path = turns_path(data_dir);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Carried::default(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read the previous run's host turns; hosts are asked at once");
            return Carried::default();
        }
    };
    match serde_json::from_slice::<TurnsFile>(&bytes) {
        Ok(file) => carried(&file, unix_ms(now)),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "the previous run's host turns are damaged; hosts are asked at once");
            Carried::default()
        }
    }
}

fn carried(file: &TurnsFile, now_ms: u64) -> Carried {
    let heartbeat_ms = u64::try_from(HEARTBEAT.as_millis()).unwrap_or(u64::MAX);
    // The last moment a run that died may have let a request through.
    let last_send_ms = now_ms.min(file.written_ms.saturating_add(heartbeat_ms));
    let others_asked_ms = if file.ended {
        file.others_asked_ms
    } else {
        Some(file.others_asked_ms.unwrap_or(0).max(last_send_ms))
    };
    Carried {
        waits: waits(file, now_ms, last_send_ms),
        // A moment after `now` (a clock set back) counts as now.
        others_asked_ago: others_asked_ms
            .map(|at| Duration::from_millis(now_ms.saturating_sub(at))),
    }
}

fn waits(file: &TurnsFile, now_ms: u64, last_send_ms: u64) -> Vec<(String, Duration)> {
    file.hosts
        .iter()
        .filter_map(|turn| {
            let next_ms = if file.ended {
                turn.next_ms
            } else {
                turn.next_ms
                    .max(last_send_ms.saturating_add(turn.interval_ms))
            };
            (next_ms > now_ms).then(|| (turn.host.clone(), Duration::from_millis(next_ms - now_ms)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(host: &str, next_ms: u64, interval_ms: u64) -> HostTurn {
        HostTurn {
            host: host.to_string(),
            next_ms,
            interval_ms,
        }
    }

    #[test]
    fn a_run_that_ended_leaves_its_exact_turns() {
        let file = TurnsFile {
            written_ms: 10_000,
            ended: true,
            hosts: vec![turn("a", 12_000, 2_000), turn("b", 9_000, 2_000)],
            others_asked_ms: None,
        };
        assert_eq!(
            carried(&file, 10_500).waits,
            vec![("a".to_string(), Duration::from_millis(1_500))]
        );
    }

    #[test]
    fn a_run_that_died_may_have_sent_until_a_heartbeat_after_its_last_write() {
        let file = TurnsFile {
            written_ms: 10_000,
            ended: false,
            hosts: vec![turn("a", 9_000, 2_000), turn("b", 14_000, 2_000)],
            others_asked_ms: None,
        };
        // Read 300 ms after the write: a request may have gone out just now.
        assert_eq!(
            carried(&file, 10_300).waits,
            vec![
                ("a".to_string(), Duration::from_millis(2_000)),
                ("b".to_string(), Duration::from_millis(3_700)),
            ]
        );
        // Read later: the last request went out a heartbeat after the write at the latest.
        assert_eq!(
            carried(&file, 12_500).waits,
            vec![
                ("a".to_string(), Duration::from_millis(500)),
                ("b".to_string(), Duration::from_millis(1_500)),
            ]
        );
        assert_eq!(
            carried(&file, 13_500).waits,
            vec![("b".to_string(), Duration::from_millis(500))]
        );
    }

    #[test]
    fn after_a_run_that_died_the_hosts_it_does_not_name_may_have_been_asked_too() {
        let died = TurnsFile {
            written_ms: 10_000,
            ended: false,
            hosts: vec![],
            others_asked_ms: None,
        };
        // A host first asked after the last write, up to a heartbeat after it.
        assert_eq!(
            carried(&died, 10_300).others_asked_ago,
            Some(Duration::ZERO)
        );
        assert_eq!(
            carried(&died, 12_500).others_asked_ago,
            Some(Duration::from_millis(1_500))
        );
        // A run that ended names every host it asked.
        let ended = TurnsFile {
            ended: true,
            ..died
        };
        assert_eq!(carried(&ended, 10_300).others_asked_ago, None);
    }

    #[test]
    fn the_moment_is_handed_on_by_a_run_that_ends_or_dies_in_turn() {
        // A run that ended at once after one that died keeps the dead run's moment.
        let ended = TurnsFile {
            written_ms: 10_500,
            ended: true,
            hosts: vec![],
            others_asked_ms: Some(10_200),
        };
        assert_eq!(
            carried(&ended, 11_000).others_asked_ago,
            Some(Duration::from_millis(800))
        );
        // Which dies in turn: the later of the two moments.
        let died = TurnsFile {
            ended: false,
            ..ended
        };
        assert_eq!(
            carried(&died, 11_000).others_asked_ago,
            Some(Duration::ZERO)
        );
        // A clock set back: the moment is now, never in the future.
        assert_eq!(carried(&died, 9_000).others_asked_ago, Some(Duration::ZERO));
    }

    #[test]
    fn written_and_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let now = SystemTime::now();
        let soon = unix_ms(now) + 60_000;
        write(dir.path(), vec![turn("x.gov.cn", soon, 1_000)], None, true).expect("write");
        let read_back = read(dir.path(), now).waits;
        assert_eq!(read_back.len(), 1);
        assert_eq!(read_back[0].0, "x.gov.cn");
        assert!(read_back[0].1 > Duration::from_secs(59));
        std::fs::write(turns_path(dir.path()), b"{not json").expect("damage");
        assert_eq!(read(dir.path(), now), Carried::default());
    }
}
