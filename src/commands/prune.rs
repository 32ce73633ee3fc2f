//! `nianbao prune-runs`: drops the run reports older than a given age from the index, from
//! data_dir/runs/ and, with shared storage, their copies under `runs/<label>/` of this data_dir's
//! own labels, keeping every one that a cell or header of `nianbao report`, `status` or the
//! next crawl still rests on (see `coverage::RunsNeeded`).

mod copies;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, NaiveDateTime, Utc};

use crate::config::Settings;
use crate::coverage::RunsNeeded;
use crate::report::RunReport;
use crate::storage::Storage;

use super::{Outcome, UsageError, open_store};

/// When a run started, from its id; `None` for an id of another form (such a run is kept).
fn started(run_id: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(run_id, crate::store::RUN_ID_FORMAT)
        .ok()
        .map(|t| t.and_utc())
}

/// Whether a run whose id is `run_id` is older than `cutoff`, read at `now`. A run stamped more
/// than a day ahead of `now` (a clock far ahead) is: its start says nothing of its age, and
/// were it kept until that day came, one bad night would stay for decades. The store reads it
/// as older than every other run (see `Store::runs_newest_first`), so it goes when nothing
/// rests on it and it is not among the newest runs.
fn is_old(run_id: &str, cutoff: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    started(run_id).is_some_and(|at| at < cutoff || run_id >= crate::store::ahead_of(now).as_str())
}

/// What a prune removes and keeps.
#[derive(Debug, Default)]
struct Plan {
    /// Ids and index bytes of the reports to remove, newest first.
    remove: Vec<(String, u64)>,
    index_bytes: u64,
    /// Reports kept that are older than the cutoff, because something rests on them.
    kept_old: usize,
    kept: usize,
    oldest_kept: Option<String>,
    /// The folders of `runs/` in shared storage this data_dir's runs were copied to.
    labels: BTreeSet<String>,
}

pub(super) fn run(
    settings: &Settings,
    older_than: Duration,
    dry_run: bool,
) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let storage = Storage::open(&settings.storage, &settings.data_dir)?;
    let now = Utc::now();
    let cutoff = chrono::Duration::from_std(older_than)
        .ok()
        .and_then(|age| now.checked_sub_signed(age))
        .ok_or_else(|| {
            UsageError(format!(
                "--older-than {}: too long a time to count back from now",
                humantime::format_duration(older_than)
            ))
        })?;
    let records = super::report::report_versions(&store, None)?;
    let mut needed = RunsNeeded::new(&records, now.date_naive());
    let mut plan = Plan::default();
    let mut readable = 0usize;
    for entry in store.runs_sized_newest_first::<RunReport>() {
        let (id, bytes, report) = entry.context("cannot read the run reports in the index")?;
        let old = is_old(&id, cutoff, now);
        let keep = match report {
            Ok(run) => {
                readable += 1;
                if let Some(label) = copies::label_of(&run, settings) {
                    plan.labels.insert(label);
                }
                // Every run is taken in, so that what the older ones change is seen.
                let rests = needed.needs(&run);
                // The next crawl reads the newest runs for the counts its lists stated and for
                // each portal's health.
                rests || readable <= crate::crawl::RECENT_RUNS || !old
            }
            // Passed over by every reader: only its age counts.
            Err(_) => !old,
        };
        // The newest stays whatever it is: a crawl resumes from it.
        let keep = keep || (plan.kept == 0 && plan.remove.is_empty());
        if keep {
            plan.kept += 1;
            if old {
                plan.kept_old += 1;
            }
            plan.oldest_kept = Some(id);
        } else {
            plan.index_bytes += bytes;
            plan.remove.push((id, bytes));
        }
    }
    // The copies in storage go first, while the index still tells a removed run from one whose
    // entry was gone before; one that cannot go is named and tried again at the next prune.
    let mut copies = copies::find(&storage, &plan, cutoff, now, &store)?;
    if !dry_run {
        copies.delete(&storage);
    }
    let runs_dir = settings.data_dir.join("runs");
    let mut file_bytes = 0u64;
    let mut files = 0usize;
    for (id, _) in &plan.remove {
        let path = runs_dir.join(format!("{id}.json"));
        if let Some(len) = file_len(&path)? {
            files += 1;
            file_bytes += len;
            if !dry_run {
                remove_file(&path)?;
            }
        }
        // The file goes first: a prune stopped between the two finds the entry again.
        if !dry_run {
            store.remove_run(id)?;
        }
    }
    // Files whose index entry is gone (a prune stopped half way, an index made anew).
    let mut orphans = 0usize;
    for (path, len) in orphan_files(&runs_dir, cutoff, now, &store)? {
        orphans += 1;
        file_bytes += len;
        if !dry_run {
            remove_file(&path)?;
        }
    }
    if !dry_run {
        store.flush()?;
    }
    let verb = if dry_run { "would remove" } else { "removed" };
    outln!(
        "{verb} {} run reports started before {} ({} bytes of index values) and {} files of data_dir/runs ({} bytes{})",
        plan.remove.len(),
        cutoff.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        plan.index_bytes,
        files + orphans,
        file_bytes,
        if orphans > 0 {
            format!(", {orphans} of them with no index entry")
        } else {
            String::new()
        },
    );
    copies.print(&storage, dry_run)?;
    outln!(
        "kept {} run reports, {} of them older because a report cell, a portal's header, status or the next crawl rests on them; oldest kept: {}",
        plan.kept,
        plan.kept_old,
        plan.oldest_kept.as_deref().unwrap_or("none"),
    );
    if !dry_run && !plan.remove.is_empty() {
        errln!(
            "the index keeps the removed reports' space on disk until `nianbao compact` rewrites it"
        );
    }
    if copies.failures() > 0 {
        errln!(
            "{} run report copies in shared storage could not be listed or removed (named above); the next prune tries them again",
            copies.failures()
        );
        return Ok(Outcome::CopiesLeft);
    }
    Ok(Outcome::Completed)
}

/// The length of the run report file at `path`, or None when there is none. Something else
/// under a run report's name (a folder, a link) was not written by a run: it is left in place
/// with a warning naming it, and the prune goes on.
fn file_len(path: &Path) -> anyhow::Result<Option<u64>> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => Ok(Some(m.len())),
        Ok(m) => {
            let what = if m.is_dir() { "a folder" } else { "a link" };
            errln!(
                "warning: left {} in place: {what} under a run report's name, which no run wrote",
                path.display()
            );
            Ok(None)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn remove_file(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// The run report files under `dir` older than `cutoff` whose run the index no longer holds.
fn orphan_files(
    dir: &Path,
    cutoff: DateTime<Utc>,
    now: DateTime<Utc>,
    store: &crate::store::Store,
) -> anyhow::Result<Vec<(std::path::PathBuf, u64)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let mut orphans = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".json") else {
            continue;
        };
        if is_old(id, cutoff, now) && !store.has_run(id)? {
            let path = entry.path();
            if let Some(len) = file_len(&path)? {
                orphans.push((path, len));
            }
        }
    }
    orphans.sort();
    Ok(orphans)
}
