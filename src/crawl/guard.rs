//! Crash guard: no page may crash the harvest twice. Every page the crawl reads (the page
//! pipeline: parse, classify, discover, extract) is written to an in-flight journal
//! (`data_dir/inflight.journal`, a plain append-only file: what `write` hands the kernel survives
//! the process dying, so no fsync is needed) and struck off when read.
//! A clean end removes the journal; finding one at start means the last run ended abnormally
//! (an abort, a stack overflow, a kill), and the URLs still in it become suspects.
//!
//! A crash that goes through `abort` (a stack overflow, a panic that cannot unwind, an abort in a
//! library) also writes a mark into the journal from a SIGABRT handler, which tells it from a
//! `kill -9` or a power cut: only URLs in flight at a marked end get a strike; those in flight at
//! an unmarked one only become suspects (a random kill says nothing about the page).
//!
//! A suspect's page is read first in a child process (`nianbao probe-page`): if the child dies,
//! that is the URL's second abnormal end and it is quarantined without the crawl dying with it;
//! if the child lives, the suspect is cleared and the page read as usual. A URL in flight during
//! two consecutive abnormal ends of the crawl itself is quarantined at start. Quarantined URLs are
//! skipped until an operator clears them (`nianbao quarantine --clear`).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{SecondsFormat, Utc};

use crate::page::{PageInput, PageRole};
use crate::store::{Store, StoreError, Suspect};

const JOURNAL_FILE: &str = "inflight.journal";
/// The line the SIGABRT handler appends.
const CRASH_MARK: &[u8] = b"!abort\n";
/// Strikes that quarantine a URL.
pub const QUARANTINE_STRIKES: u32 = 2;
/// Test builds only: a body containing this environment variable's value aborts the process
/// while it is read, standing in for a page that crashes the parser. Release builds ignore it.
pub const TEST_POISON_ENV: &str = "NIANBAO_TEST_POISON";

/// The in-flight journal of one run.
pub struct Journal {
    path: PathBuf,
    /// `None` when the journal could not be written: the guard is off for the run.
    file: Mutex<Option<File>>,
}

/// What the start of a run learnt from the end of the last one.
#[derive(Debug, Default)]
pub struct PreviousEnd {
    /// The journal of an abnormal end was found.
    pub abnormal: bool,
    /// It carries the crash mark (an abort), not only an unexplained end (a kill).
    pub crashed: bool,
    /// URLs quarantined now, by this start.
    pub quarantined: Vec<String>,
    /// URLs that are suspects now (one strike), read in a child process before anything else.
    pub suspects: usize,
}

impl Journal {
    /// Reads what an abnormal end left, records strikes and quarantines in the store (durably),
    /// then starts this run's journal.
    pub fn open(data_dir: &Path, store: &Store) -> anyhow::Result<(Journal, PreviousEnd)> {
        let path = data_dir.join(JOURNAL_FILE);
        let in_flight = match std::fs::read(&path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                // A start killed after counting a journal and before replacing it must not
                // count it again: the journal's id says whether it was.
                let id = text.lines().next().and_then(|l| l.strip_prefix('='));
                match id {
                    Some(id) if store.counted_journal()?.as_deref() == Some(id) => {
                        Some((None, None))
                    }
                    _ => Some((
                        id.map(str::to_string),
                        Some((in_flight(&text), text.lines().any(|l| l == "!abort"))),
                    )),
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(StoreError::Io {
                    path: path.clone(),
                    source,
                }
                .into());
            }
        };
        let previous = match in_flight {
            None => record_strikes(store, None, false, None)?,
            Some((id, Some((keys, crashed)))) => {
                record_strikes(store, Some(keys), crashed, id.as_deref())?
            }
            // Counted by a start that died before replacing it: the strikes stand as they are.
            Some((_, None)) => PreviousEnd {
                abnormal: true,
                crashed: false,
                quarantined: Vec::new(),
                suspects: store
                    .suspects()?
                    .iter()
                    .filter(|(_, s)| !s.quarantined)
                    .count(),
            },
        };
        // The strikes must outlive a crash of this run before the old journal goes.
        store.flush()?;
        let id = format!(
            "{}-{}",
            Utc::now().format("%Y%m%dT%H%M%S%.6fZ"),
            std::process::id()
        );
        let opened = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&path)
            .and_then(|mut file| {
                file.write_all(format!("={id}\n").as_bytes())?;
                Ok(file)
            });
        // A journal that cannot be written (a full or read-only disk) turns the guard off for
        // this run rather than stop it: the archive's own first write then stops the run, with
        // the disk-fault message, and nothing a page does is worse than without the guard.
        let file = match opened {
            Ok(file) => {
                abort_mark::install(&file);
                Some(file)
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), "cannot write the in-flight journal, crash guard off for this run: {e}");
                None
            }
        };
        Ok((
            Journal {
                path,
                file: Mutex::new(file),
            },
            previous,
        ))
    }

    /// Notes that reading `key` of `portal` starts (the portal is kept for the quarantine list:
    /// a page that crashes its first reading has no URL state to name it).
    pub fn begin(&self, key: &str, portal: &str) {
        self.write(b'+', &format!("{key}\t{portal}"));
    }

    /// Notes that work on `key` ended, however it ended.
    pub fn end(&self, key: &str) {
        self.write(b'-', key);
    }

    fn write(&self, sign: u8, key: &str) {
        let mut line = Vec::with_capacity(key.len() + 2);
        line.push(sign);
        line.extend(key.bytes().filter(|b| *b != b'\n'));
        line.push(b'\n');
        let mut file = self.file.lock().expect("journal lock is never poisoned");
        let Some(file) = file.as_mut() else {
            return;
        };
        if let Err(e) = file.write_all(&line) {
            tracing::warn!(path = %self.path.display(), "cannot write the in-flight journal: {e}");
        }
    }

    /// A clean end (finished or stopped on request): nothing was in flight when it died.
    pub fn close(&self) {
        abort_mark::uninstall();
        if let Err(e) = std::fs::remove_file(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(path = %self.path.display(), "cannot remove the in-flight journal: {e}");
        }
    }
}

/// The keys begun and not ended in a journal's text, with the portal each was begun for (empty
/// in a journal of an earlier version, whose lines name the key alone).
fn in_flight(text: &str) -> HashMap<String, String> {
    let mut open: HashMap<&str, (i64, &str)> = HashMap::new();
    for line in text.lines() {
        match line.split_at_checked(1) {
            Some(("+", begun)) => {
                let (key, portal) = begun.split_once('\t').unwrap_or((begun, ""));
                let entry = open.entry(key).or_default();
                entry.0 += 1;
                entry.1 = portal;
            }
            Some(("-", key)) => open.entry(key).or_default().0 -= 1,
            _ => {}
        }
    }
    open.into_iter()
        .filter(|(_, (n, _))| *n > 0)
        .map(|(k, (_, portal))| (k.to_string(), portal.to_string()))
        .collect()
}

/// Strikes from the last end: after an abnormal one, each URL then in flight is a suspect, and
/// gains a strike if the end was a crash (two quarantine it); other suspects are cleared (their abnormal ends were not
/// consecutive); after a clean one, every suspect not quarantined is cleared. Written in one
/// batch with the journal's id.
fn record_strikes(
    store: &Store,
    in_flight: Option<HashMap<String, String>>,
    crashed: bool,
    journal: Option<&str>,
) -> anyhow::Result<PreviousEnd> {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut previous = PreviousEnd {
        abnormal: in_flight.is_some(),
        crashed,
        ..PreviousEnd::default()
    };
    let in_flight = in_flight.unwrap_or_default();
    let known: std::collections::HashMap<String, Suspect> = store.suspects()?.into_iter().collect();
    let mut updates: Vec<(String, Option<Suspect>)> = known
        .iter()
        .filter(|(url, s)| !s.quarantined && !in_flight.contains_key(*url))
        .map(|(url, _)| (url.clone(), None))
        .collect();
    for (url, journal_portal) in &in_flight {
        let mut suspect = known.get(url).cloned().unwrap_or_else(|| Suspect {
            first_at: now.clone(),
            ..Suspect::default()
        });
        if suspect.quarantined {
            continue;
        }
        if suspect.portal.is_empty() {
            suspect.portal = store
                .url_state(url)
                .ok()
                .flatten()
                .map(|s| s.portal)
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| journal_portal.clone());
        }
        if crashed {
            suspect.strikes += 1;
        }
        suspect.last_at = now.clone();
        if suspect.strikes >= QUARANTINE_STRIKES {
            suspect.quarantined = true;
            previous.quarantined.push(url.clone());
        } else {
            previous.suspects += 1;
        }
        updates.push((url.clone(), Some(suspect)));
    }
    store.apply_strikes(&updates, journal)?;
    Ok(previous)
}

/// The SIGABRT handler that marks a crash in the journal. It only calls `write(2)` on a file
/// descriptor kept in an atomic, which is async-signal-safe; when it returns, `abort` goes on to
/// end the process as before.
mod abort_mark {
    use std::sync::atomic::{AtomicI32, Ordering};

    static JOURNAL_FD: AtomicI32 = AtomicI32::new(-1);

    #[cfg(unix)]
    extern "C" fn on_abort(_signal: libc::c_int) {
        let fd = JOURNAL_FD.load(Ordering::SeqCst);
        if fd >= 0 {
            // SAFETY: write(2) is async-signal-safe; the buffer is a static byte string.
            unsafe {
                libc::write(
                    fd,
                    super::CRASH_MARK.as_ptr().cast(),
                    super::CRASH_MARK.len(),
                );
            }
        }
    }

    #[cfg(unix)]
    pub fn install(file: &std::fs::File) {
        use std::os::fd::AsRawFd as _;
        JOURNAL_FD.store(file.as_raw_fd(), Ordering::SeqCst);
        // SAFETY: a zeroed sigaction is a valid "no flags, empty mask" value; the handler is an
        // `extern "C" fn(c_int)` that only does async-signal-safe work. SA_ONSTACK lets it run on
        // the alternate stack Rust gives its threads, as after a stack overflow.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_abort as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            if libc::sigaction(libc::SIGABRT, &action, std::ptr::null_mut()) != 0 {
                tracing::warn!("cannot install the crash mark handler: crashes look like kills");
            }
        }
    }

    #[cfg(not(unix))]
    pub fn install(_file: &std::fs::File) {}

    pub fn uninstall() {
        JOURNAL_FD.store(-1, Ordering::SeqCst);
    }
}

/// Aborts the process on a body carrying the test poison marker (test builds only).
pub fn poison_check(body: &[u8]) {
    if cfg!(debug_assertions)
        && let Ok(marker) = std::env::var(TEST_POISON_ENV)
        && !marker.is_empty()
        && body.windows(marker.len()).any(|w| w == marker.as_bytes())
    {
        errln!("{TEST_POISON_ENV}: aborting on a poisoned body, as the test asked");
        std::process::abort();
    }
}

/// The arguments of `nianbao probe-page`, which reads one page (body on stdin) in a process of
/// its own and exits 0 when the pipeline finishes.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct ProbeRequest {
    pub url: url::Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub role: PageRole,
}

/// Reads one page in a child process; false when the child did not finish normally.
pub async fn probe_in_child(request: &ProbeRequest, body: &[u8]) -> std::io::Result<bool> {
    let exe = std::env::current_exe()?;
    let json = serde_json::to_string(request).expect("a probe request serialises: plain data");
    let mut command = std::process::Command::new(exe);
    crate::text::default_signals_in_child(&mut command);
    let mut child = tokio::process::Command::from(command)
        .arg("probe-page")
        .arg(json)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        use tokio::io::AsyncWriteExt as _;
        // A child that dies early closes its end: that is the answer, not an error.
        let _ = stdin.write_all(body).await;
    }
    Ok(child.wait().await?.success())
}

/// The child's side of `probe_in_child`.
pub fn probe_page(request_json: &str) -> anyhow::Result<()> {
    let request: ProbeRequest = serde_json::from_str(request_json)?;
    let mut body = Vec::new();
    std::io::stdin().read_to_end(&mut body)?;
    poison_check(&body);
    let input = PageInput {
        url: &request.url,
        status: request.status,
        content_type: request.content_type.as_deref(),
        body: &body,
    };
    // A caught panic is no crash: the crawl records it as the page's failure itself.
    let _ = crate::page::analyse_guarded(input, &request.role);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strikes_of(store: &Store, url: &str) -> (u32, bool) {
        store
            .suspect(url)
            .expect("store reads")
            .map_or((0, false), |s| (s.strikes, s.quarantined))
    }

    #[test]
    fn a_journal_is_counted_once_and_two_consecutive_abnormal_ends_quarantine() {
        let dir = tempfile::tempdir().expect("scratch dir");
        let store = Store::open(dir.path()).expect("store opens");
        let journal = dir.path().join(JOURNAL_FILE);
        let url = "http://127.0.0.1/t1.html";
        std::fs::write(
            &journal,
            format!(
                "=run-a\n+{url}\n+http://127.0.0.1/t2.html\n-http://127.0.0.1/t2.html\n!abort\n"
            ),
        )
        .expect("write");
        let (_, previous) = Journal::open(dir.path(), &store).expect("opens");
        assert!(previous.abnormal);
        assert_eq!(strikes_of(&store, url), (1, false));
        assert_eq!(strikes_of(&store, "http://127.0.0.1/t2.html"), (0, false));

        // A start killed after counting and before replacing the journal: not counted again.
        std::fs::write(&journal, format!("=run-a\n+{url}\n!abort\n")).expect("write");
        let (_, previous) = Journal::open(dir.path(), &store).expect("opens");
        assert!(previous.abnormal);
        assert_eq!(strikes_of(&store, url), (1, false));

        // A kill (no crash mark) with it in flight: it stays a suspect, with no new strike.
        std::fs::write(&journal, format!("=run-k\n+{url}\n")).expect("write");
        let (_, previous) = Journal::open(dir.path(), &store).expect("opens");
        assert!(previous.abnormal && !previous.crashed);
        assert_eq!(strikes_of(&store, url), (1, false));
        let other = "http://127.0.0.1/t3.html";
        std::fs::write(&journal, format!("=run-l\n+{url}\n+{other}\n")).expect("write");
        Journal::open(dir.path(), &store).expect("opens");
        assert!(
            store.suspect(other).expect("reads").is_some(),
            "a kill makes suspects"
        );
        assert_eq!(strikes_of(&store, other), (0, false));

        // The next run crashes with it in flight again: quarantined.
        std::fs::write(&journal, format!("=run-b\n+{url}\n!abort\n")).expect("write");
        let (journal_now, previous) = Journal::open(dir.path(), &store).expect("opens");
        assert_eq!(previous.quarantined, [url]);
        assert_eq!(strikes_of(&store, url), (2, true));

        // A clean end keeps the quarantine, and clears suspects that did not crash again.
        journal_now.close();
        assert!(!journal.exists());
        let (_, previous) = Journal::open(dir.path(), &store).expect("opens");
        assert!(!previous.abnormal);
        assert_eq!(strikes_of(&store, url), (2, true));
    }

    #[test]
    fn in_flight_keys_are_those_begun_and_not_ended() {
        let text = "+a\n+b\tP\n-a\n+c\n+c\tQ\n-c\n+d\n-d\n";
        let mut keys: Vec<(String, String)> = in_flight(text).into_iter().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                ("b".to_string(), "P".to_string()),
                ("c".to_string(), "Q".to_string())
            ]
        );
    }
}
