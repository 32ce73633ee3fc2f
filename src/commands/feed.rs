//! `nianbao feed`: the ordered, resumable feed to downstream parsers. Each consumer has a
//! committed position (a seq) in the store; records after it are offered in seq order until the
//! consumer commits them, so delivery is at-least-once and in order, and consumers are
//! independent of each other.

use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::config::Settings;
use crate::export::ExportRecord;

use super::{Outcome, UsageError, open_store};

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
    let store = open_store(settings)?;
    let last = store.last_seq()?;
    if let Action::List = action {
        let consumers = store.consumers()?;
        if consumers.is_empty() {
            println!("no consumers yet (last seq {last})");
        }
        for (name, position) in consumers {
            println!(
                "{name}\tposition {position}\tlag {}",
                last.saturating_sub(position)
            );
        }
        return Ok(Outcome::Completed);
    }
    let consumer = consumer.expect("clap requires --consumer unless --list is given");
    let position = store.consumer_position(consumer)?;
    match action {
        Action::List => unreachable!("handled above"),
        Action::Commit(seq) => {
            if seq > last {
                return Err(usage(format!(
                    "cannot commit {consumer} to seq {seq}: the archive's last seq is {last}"
                )));
            }
            if seq < position {
                return Err(usage(format!(
                    "cannot move {consumer} back from seq {position} to {seq}: positions only move forward"
                )));
            }
            store.set_consumer_position(consumer, seq)?;
            eprintln!("{consumer}: committed up to seq {seq} (lag {})", last - seq);
            Ok(Outcome::Completed)
        }
        Action::Print => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            for record in store
                .export_since(position)
                .take(limit.unwrap_or(usize::MAX))
            {
                let line = serde_json::to_string(&record?)?;
                if writeln!(out, "{line}").is_err() {
                    break; // a closed pipe ends the listing; nothing was committed
                }
            }
            let _ = out.flush();
            Ok(Outcome::Completed)
        }
        Action::Exec(cmd) => {
            let archive = crate::archive::Archive::open(store.data_dir())?;
            let storage = crate::storage::Storage::open(&settings.storage, store.data_dir())?;
            // Records are read one at a time as the consumer takes them, so a consumer that is
            // a million records behind costs one record of memory, not a million.
            for record in store
                .export_since(position)
                .take(limit.unwrap_or(usize::MAX))
            {
                let record = record?;
                // From storage into data_dir when the local copy is missing (checked there).
                let raw = storage.cached_raw(&record.raw_path, &record.sha256)?;
                let raw_url = storage.s3_url(&record.raw_path);
                // A damaged raw file stops the feed before the consumer sees it (exit code 3);
                // the record is offered again once the file is whole.
                archive.read_verified(&record.raw_path, &record.sha256)?;
                let json = serde_json::to_vec(&record)?;
                let status = run_consumer(&cmd, &json, (&raw, raw_url.as_deref()), &record)
                    .with_context(|| format!("cannot run {cmd:?}"))?;
                if !status.success() {
                    eprintln!(
                        "{consumer}: {cmd:?} failed on seq {} ({}) with {status}; it will be offered again next time",
                        record.seq, record.url
                    );
                    return Ok(Outcome::FeedStopped);
                }
                store.set_consumer_position(consumer, record.seq)?;
            }
            let now = store.consumer_position(consumer)?;
            eprintln!(
                "{consumer}: at seq {now} (lag {})",
                store.last_seq()?.saturating_sub(now)
            );
            Ok(Outcome::Completed)
        }
    }
}

fn run_consumer(
    cmd: &str,
    json: &[u8],
    (raw, raw_url): (&std::path::Path, Option<&str>),
    record: &ExportRecord,
) -> std::io::Result<std::process::ExitStatus> {
    let mut command = shell(cmd);
    if let Some(url) = raw_url {
        command.env("NIANBAO_RAW_URL", url);
    }
    let mut child = command
        .env("NIANBAO_RAW_PATH", raw)
        .env("NIANBAO_SEQ", record.seq.to_string())
        .env("NIANBAO_ID", &record.id)
        .stdin(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // A consumer that does not read its stdin is fine: a broken pipe is not an error here.
        let _ = stdin.write_all(json);
        let _ = stdin.write_all(b"\n");
    }
    child.wait()
}

#[cfg(unix)]
fn shell(cmd: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(cmd);
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
