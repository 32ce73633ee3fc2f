//! `nianbao feed`: the ordered, resumable feed to downstream parsers. Each consumer has a
//! committed position (a seq); records after it are offered in seq order until the consumer
//! commits them, so delivery is at-least-once and in order, and consumers are independent of
//! each other. Records come from the feed log and positions from their files (`crate::feed`),
//! neither behind the store's lock, so consumers read while a crawl runs.

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::config::Settings;
use crate::export::ExportRecord;
use crate::feed::{LogReader, Positions};
use crate::output::Stdout;
use crate::store::{Store, StoreError};

use super::{Outcome, UsageError};

pub(super) enum Action {
    Print,
    Commit(u64),
    Exec(String),
    List,
}

pub(super) fn run(
    settings: &Settings,
    consumer: Option<&str>,
    limit: Option<usize>,
    action: Action,
) -> anyhow::Result<Outcome> {
    let data_dir = &settings.data_dir;
    bring_log_up_to_date(settings)?;
    let positions = Positions::new(data_dir);
    if let Action::List = action {
        // Positions first, then the log's last seq: a position is only ever moved to a seq the
        // log held, and the log only grows, so one committed beside this read is within the
        // last seq read after it (read before, it could seem past the log).
        let consumers = positions.all()?;
        let last = LogReader::last_seq(data_dir)?;
        let mut out = Stdout::new();
        if consumers.is_empty() {
            out.line(format_args!("no consumers yet (last seq {last})"))?;
        }
        // A damaged position file is named, and the other consumers are still listed.
        let mut damaged = 0;
        for (name, position) in consumers {
            match position.and_then(|position| positions.within(&name, position, last)) {
                Ok(Some(position)) => out.line(format_args!(
                    "{name}\tposition {position}\tlag {}",
                    last.saturating_sub(position)
                ))?,
                Ok(None) => out.line(format_args!(
                    "{name}\tposition 0 (never committed)\tlag {last}"
                ))?,
                Err(e) => {
                    damaged += 1;
                    out.line(format_args!("{name}\tposition unknown\t{e}"))?;
                }
            }
        }
        out.finish()?;
        if damaged > 0 {
            anyhow::bail!(
                "{damaged} consumer position file(s) cannot be read or used (listed above); fix or remove them"
            );
        }
        return Ok(Outcome::Completed);
    }
    let consumer = consumer.expect("clap requires --consumer unless --list is given");
    // Read after taking the consumer's lock where one is taken: a position read before it may
    // be one that the process holding the lock has moved on since. The position is read before
    // the log's last seq: one committed meanwhile (by a `feed --exec` beside a printing `feed`,
    // which takes no lock) is a seq the log held then, so the last seq read after holds it.
    let position = || -> anyhow::Result<(u64, u64)> {
        let position = positions.get(consumer)?;
        let last = LogReader::last_seq(data_dir)?;
        Ok((
            positions.within(consumer, position, last)?.unwrap_or(0),
            last,
        ))
    };
    match action {
        Action::List => unreachable!("handled above"),
        Action::Commit(seq) => {
            let _lock = positions.lock(consumer)?;
            let (position, last) = position()?;
            if seq > last {
                return Err(usage(format!(
                    "cannot commit {consumer} to seq {seq}: the feed log's last seq is {last}"
                )));
            }
            if seq < position {
                return Err(usage(format!(
                    "cannot move {consumer} back from seq {position} to {seq}: positions only move forward"
                )));
            }
            positions.set(consumer, seq)?;
            errln!("{consumer}: committed up to seq {seq} (lag {})", last - seq);
            Ok(Outcome::Completed)
        }
        Action::Print => {
            let mut out = Stdout::new();
            for record in
                LogReader::open(data_dir, position()?.0)?.take(limit.unwrap_or(usize::MAX))
            {
                let line = serde_json::to_string(&record?)?;
                out.line(format_args!("{line}"))?;
            }
            out.finish()?;
            Ok(Outcome::Completed)
        }
        Action::Exec(cmd) => {
            if cmd.trim().is_empty() {
                return Err(usage(
                    "--exec needs a command: an empty one would commit every record unread".into(),
                ));
            }
            // Nothing to deliver: no lock is taken, so no lock file makes the consumer known.
            if limit == Some(0) {
                let (now, last) = position()?;
                errln!("{consumer}: at seq {now} (lag {})", last - now);
                return Ok(Outcome::Completed);
            }
            let _lock = positions.lock(consumer)?;
            let (position, _) = position()?;
            let stop = StopSignal::install();
            let archive = crate::archive::Archive::reader(data_dir).configured(settings);
            let storage = crate::storage::Storage::open(&settings.storage, data_dir)?;
            // Records are read one at a time as the consumer takes them, so a consumer that is
            // a million records behind costs one record of memory, not a million.
            for record in LogReader::open(data_dir, position)?.take(limit.unwrap_or(usize::MAX)) {
                let record = record?;
                // From storage into data_dir when the local copy is missing (checked there).
                let stored = storage.cached_raw(&record.raw_path, &record.sha256)?;
                let raw_url = storage.s3_url(&record.raw_path);
                // A damaged raw file stops the feed before the consumer sees it (exit code 3);
                // the record is offered again once the file is whole. A compressed one is
                // handed on as a plain copy, removed when the consumer is done (or failed).
                let plain = archive.plain_copy(&record.raw_path, &record.sha256)?;
                let json = serde_json::to_vec(&record)?;
                let raw = RawFile {
                    plain: plain.path(),
                    stored: &stored,
                    url: raw_url.as_deref(),
                };
                let status = run_consumer(&cmd, &json, &raw, &record, &stop)
                    .with_context(|| format!("cannot run {cmd:?}"))?;
                drop(plain);
                if stop.asked() && !status.success() {
                    errln!(
                        "{consumer}: stopped while {cmd:?} worked on seq {} ({}); it will be offered again next time",
                        record.seq,
                        record.url
                    );
                    return Ok(Outcome::Interrupted);
                }
                if !status.success() {
                    errln!(
                        "{consumer}: {cmd:?} failed on seq {} ({}) with {status}; it will be offered again next time",
                        record.seq,
                        record.url
                    );
                    return Ok(Outcome::FeedStopped);
                }
                positions.set(consumer, record.seq)?;
                if stop.asked() {
                    errln!("{consumer}: stopped at seq {}", record.seq);
                    return Ok(Outcome::Interrupted);
                }
            }
            let now = positions.get(consumer)?.unwrap_or(0);
            let last = LogReader::last_seq(data_dir)?;
            errln!(
                "{consumer}: at seq {now} (lag {})",
                last.saturating_sub(now)
            );
            Ok(Outcome::Completed)
        }
    }
}

/// With the store free, catches the feed log up with it (a crash can leave the last records out
/// of the log) and lets the store go again, so a crawl can start while a consumer works. With a
/// crawl holding the store, the crawl keeps the log up to date and the log is read as it is.
fn bring_log_up_to_date(settings: &Settings) -> anyhow::Result<()> {
    match Store::open(&settings.data_dir) {
        Ok(store) => {
            crate::feed::catch_up(&store)?;
            Ok(())
        }
        Err(StoreError::Locked { .. }) => {
            tracing::info!(
                data_dir = %settings.data_dir.display(),
                "another nianbao process holds the store; reading the feed log it keeps"
            );
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Where a consumer finds the raw body of its record.
struct RawFile<'a> {
    /// `NIANBAO_RAW_PATH`: the body, plain (a temporary copy when it is stored compressed).
    plain: &'a Path,
    /// `NIANBAO_RAW_STORED`: the archived file, as the record's `raw_path` names it.
    stored: &'a Path,
    /// `NIANBAO_RAW_URL`: the object in S3 storage, if that is where the archive goes.
    url: Option<&'a str>,
}

/// Ctrl-C, SIGTERM or SIGHUP while a consumer runs: the consumer is asked to stop too (it would
/// otherwise go on as an orphan while the next `feed` offers its record again), its record is
/// not committed unless it finished, and `feed` exits 130.
struct StopSignal {
    asked: Arc<AtomicBool>,
}

impl StopSignal {
    fn install() -> StopSignal {
        let asked = Arc::new(AtomicBool::new(false));
        // The feed loop blocks this thread; one of the runtime's other workers waits for the signal.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let flag = asked.clone();
            runtime.spawn(async move {
                super::shutdown_signal().await;
                flag.store(true, Ordering::SeqCst);
            });
        }
        StopSignal { asked }
    }

    fn asked(&self) -> bool {
        self.asked.load(Ordering::SeqCst)
    }
}

/// How long a consumer asked to stop has before it is killed.
const CONSUMER_STOP_GRACE: Duration = Duration::from_secs(10);

/// Waits for the consumer, passing a stop on to it: SIGTERM at once, SIGKILL after the grace.
/// A thread waits for the consumer to end without reaping it, so that until this function
/// reaps it, its id is its own and a signal cannot reach another process.
fn wait_for(child: &mut Child, stop: &StopSignal) -> std::io::Result<ExitStatus> {
    let (ended, wait) = std::sync::mpsc::channel();
    let pid = child.id();
    std::thread::spawn(move || {
        wait_unreaped(pid);
        let _ = ended.send(());
    });
    let mut stopping_since: Option<Instant> = None;
    loop {
        match wait.recv_timeout(Duration::from_millis(100)) {
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            // Ended (or the waiting thread could not wait): reap it.
            _ => return child.wait(),
        }
        if stop.asked() {
            match stopping_since {
                None => {
                    stopping_since = Some(Instant::now());
                    terminate(child, false);
                }
                Some(at) if at.elapsed() > CONSUMER_STOP_GRACE => terminate(child, true),
                Some(_) => {}
            }
        }
    }
}

/// Returns once process `pid`, a child of this process, has ended, leaving it unreaped.
#[cfg(unix)]
fn wait_unreaped(pid: u32) {
    let id: libc::id_t = pid;
    loop {
        // SAFETY: waitid(2) writes only into `info`, a zeroed siginfo_t that lives on this
        // stack for the call; WNOWAIT leaves the child to be reaped by `Child::wait`.
        let done = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(libc::P_PID, id, &mut info, libc::WEXITED | libc::WNOWAIT)
        };
        if done == 0 || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            return;
        }
    }
}

/// Without waitid, the caller's `Child::wait` does the waiting.
#[cfg(not(unix))]
fn wait_unreaped(_pid: u32) {}

/// Asks a consumer that has not been reaped to stop: every process of its group (the shell and
/// what it started, as Ctrl-C at a terminal reaches them all), SIGTERM first, SIGKILL after the
/// grace.
#[cfg(unix)]
fn terminate(child: &mut Child, kill: bool) {
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        let signal = if kill { libc::SIGKILL } else { libc::SIGTERM };
        // SAFETY: kill(2) on the process group the consumer leads (`shell` makes it one). The
        // leader is a child this process spawned and has not reaped (only `wait_for` reaps it,
        // after this), so its id, and with it the group's, cannot name another process.
        unsafe {
            libc::kill(-pid, signal);
        }
    }
}

#[cfg(not(unix))]
fn terminate(child: &mut Child, _kill: bool) {
    let _ = child.kill();
}

fn run_consumer(
    cmd: &str,
    json: &[u8],
    raw: &RawFile<'_>,
    record: &ExportRecord,
    stop: &StopSignal,
) -> std::io::Result<std::process::ExitStatus> {
    let mut command = shell(cmd);
    if let Some(url) = raw.url {
        command.env("NIANBAO_RAW_URL", url);
    }
    let mut child = command
        .env("NIANBAO_RAW_PATH", raw.plain)
        .env("NIANBAO_RAW_STORED", raw.stored)
        .env("NIANBAO_SEQ", record.seq.to_string())
        .env("NIANBAO_ID", &record.id)
        .stdin(Stdio::piped())
        .spawn()?;
    // The record goes in from a thread of its own, so that a consumer that never reads a record
    // larger than the pipe's buffer can still be waited for and stopped. A consumer that does not
    // read its stdin is fine: a broken pipe is not an error here. The thread is not waited for:
    // a process the consumer left behind may keep the pipe open after the consumer has ended.
    if let Some(mut stdin) = child.stdin.take() {
        let mut line = json.to_vec();
        line.push(b'\n');
        let feeding = std::thread::Builder::new()
            .name("consumer stdin".into())
            .spawn(move || {
                let _ = stdin.write_all(&line);
            });
        if let Err(e) = feeding {
            // Without its record the consumer must not go on: an exit 0 would commit it unread.
            terminate(&mut child, true);
            let _ = child.wait();
            return Err(e);
        }
    }
    wait_for(&mut child, stop)
}

/// The consumer's shell, leading a process group of its own, so that a stop reaches whatever it
/// started.
#[cfg(unix)]
fn shell(cmd: &str) -> Command {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new("sh");
    c.arg("-c").arg(cmd).process_group(0);
    crate::text::default_signals_in_child(&mut c);
    c
}

#[cfg(not(unix))]
fn shell(cmd: &str) -> Command {
    let mut c = Command::new("cmd");
    c.arg("/C").arg(cmd);
    c
}

fn usage(message: String) -> anyhow::Error {
    anyhow::Error::new(UsageError(message))
}
