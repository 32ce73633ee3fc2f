//! `nianbao verify`: reads back every file the archive's version records name and checks it,
//! changing nothing. Raw bodies and wire bodies against the sha256 they are named by (a `.zst`
//! file by the body it holds), derived text for being whole UTF-8; with `--warc`, every record
//! of the WARC files in data_dir against its own digests. A file several versions name is read
//! once and reported once, with every version that names it.

use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::archive::Archive;
use crate::cli::StatusFormat;
use crate::config::Settings;
use crate::export::ExportRecord;
use crate::storage::Storage;

use super::{Outcome, open_store};

mod verifier;
mod warc;

use verifier::Verifier;

/// What to check besides the files the records name.
pub(super) struct Checks {
    /// Only versions with a seq greater than this.
    pub since: u64,
    /// Every record of the WARC files in data_dir.
    pub warc: bool,
    /// With remote storage, the stored copy of every file too, not only of those data_dir lacks.
    pub storage: bool,
    /// Restore what is missing or damaged from a whole copy: the stored one, or a WARC record.
    pub repair: bool,
}

/// What a file is to a version that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Role {
    /// The raw body of the version's page (or of the document file it is).
    Raw,
    /// The raw body of an attachment (or of another page of the article).
    Attachment,
    /// A body as it came over the wire, for the WARC records.
    Wire,
    /// Text derived from a document file.
    Text,
}

/// A version that names a file with a problem.
#[derive(Debug, Clone, Serialize)]
struct Named {
    seq: u64,
    id: String,
    version: u32,
    url: String,
    role: Role,
}

/// A file that is missing or damaged.
#[derive(Debug, Serialize)]
struct Problem {
    /// The file, relative to data_dir (a WARC file: `warc/<name>`).
    path: String,
    /// `missing`, `damaged` or `unreadable`.
    kind: &'static str,
    detail: String,
    /// The copies that are missing or damaged: `data_dir`, `storage` (remote storage's).
    copies: Vec<Copy>,
    /// Where in a WARC file the damage starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
    /// The sha256 of the body a raw or wire file holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
    /// With `--repair`: where the whole copy written in its place came from.
    #[serde(skip_serializing_if = "Option::is_none")]
    repaired: Option<String>,
    /// The versions that name it (empty for a WARC file).
    versions: Vec<Named>,
}

#[derive(Debug, Default, Serialize)]
struct Summary {
    versions: u64,
    /// Distinct files read (locally, or from storage when data_dir lacks them).
    files: u64,
    /// Their bytes (bodies as they decompress).
    bytes: u64,
    /// Files data_dir lacks that were checked in remote storage.
    from_storage: u64,
    /// Stored copies checked besides the local ones (`--storage`).
    stored_copies: u64,
    warc_files: u64,
    warc_records: u64,
    /// Problems a whole copy was written over (`--repair`).
    repaired: u64,
    problems: Vec<Problem>,
}

impl Summary {
    fn unrepaired(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.repaired.is_none())
            .count()
    }
}

/// Which copy of a file: data_dir's, or the one in remote storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Copy {
    DataDir,
    Storage,
}

/// A problem found with one file: its kind, what was seen, and which copies are not whole.
struct Found {
    kind: &'static str,
    detail: String,
    copies: Vec<Copy>,
}

/// Every file one version names.
fn files_of(
    record: &ExportRecord,
    exchanges: &[crate::fetch::StoredExchange],
) -> Vec<(String, Option<String>, Role)> {
    let mut files = vec![(
        record.raw_path.clone(),
        Some(record.sha256.clone()),
        Role::Raw,
    )];
    if let Some(text) = &record.text.text_path {
        files.push((text.clone(), None, Role::Text));
    }
    for a in &record.attachments {
        if let (Some(path), Some(sha256)) = (&a.raw_path, &a.sha256) {
            files.push((path.clone(), Some(sha256.clone()), Role::Attachment));
        }
        if let Some(text) = &a.text.text_path {
            files.push((text.clone(), None, Role::Text));
        }
    }
    for e in exchanges {
        // A body not content-encoded is its own wire body: one file, named once.
        if !files.iter().any(|(path, ..)| *path == e.wire_path) {
            files.push((e.wire_path.clone(), Some(e.wire_sha256.clone()), Role::Wire));
        }
    }
    files
}

/// A line on stderr every few seconds of a long check.
struct Pace {
    total: u64,
    last: Instant,
}

impl Pace {
    const EVERY: Duration = Duration::from_secs(15);

    fn tick(&mut self, summary: &Summary) {
        if self.last.elapsed() < Self::EVERY {
            return;
        }
        self.last = Instant::now();
        errln!(
            "verify: {} of {} versions, {} files, {} bytes read, {} problems so far",
            summary.versions,
            self.total,
            summary.files,
            summary.bytes,
            summary.problems.len()
        );
    }
}

pub(super) fn run(
    settings: &Settings,
    checks: Checks,
    format: StatusFormat,
) -> anyhow::Result<Outcome> {
    let store = open_store(settings)?;
    let storage = Storage::open(&settings.storage, &settings.data_dir)?;
    let archive = if checks.repair {
        Archive::open(&settings.data_dir)?
    } else {
        Archive::reader(&settings.data_dir)
    };
    let mut verifier = Verifier {
        archive: archive.configured(settings),
        storage: &storage,
        read_limit: settings.fetch.archive_read_limit(),
        check_stored: checks.storage && storage.is_remote(),
        seen: HashMap::new(),
        tools: None,
        summary: Summary::default(),
    };
    let mut pace = Pace {
        total: store.last_seq()?.saturating_sub(checks.since),
        last: Instant::now(),
    };
    let mut left_out = crate::commands::left_out::LeftOut::default();
    for record in store.export_since(checks.since) {
        let Some(record) = left_out.take(record)? else {
            continue;
        };
        let exchanges = store.exchanges(record.seq)?;
        for (path, sha256, role) in files_of(&record, &exchanges) {
            let named = Named {
                seq: record.seq,
                id: record.id.clone(),
                version: record.version,
                url: record.url.clone(),
                role,
            };
            verifier.file(&path, sha256.as_deref(), named);
        }
        verifier.summary.versions += 1;
        pace.tick(&verifier.summary);
    }
    if checks.warc {
        verifier.warc_files(&settings.data_dir)?;
    }
    if checks.repair {
        verifier.repair(&settings.data_dir)?;
    }
    let summary = verifier.summary;
    print(&summary, format, checks.warc)?;
    left_out.finish()?;
    Ok(if summary.unrepaired() == 0 {
        Outcome::Completed
    } else {
        Outcome::Damaged
    })
}

fn print(summary: &Summary, format: StatusFormat, warc: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match format {
        StatusFormat::Json => writeln!(out, "{}", serde_json::to_string_pretty(summary)?),
        // Paths, URLs and details can carry what a server chose (a URL, an error's text).
        StatusFormat::Text => write!(out, "{}", crate::shown::shown(&text(summary, warc))),
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(crate::output::stdout_failed(e))
        }
        _ => Ok(()),
    }
}

fn text(summary: &Summary, warc: bool) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for p in &summary.problems {
        let at = p
            .offset
            .map(|o| format!(" at offset {o}"))
            .unwrap_or_default();
        let _ = writeln!(s, "{} {}{at}: {}", p.kind, p.path, p.detail);
        if let Some(from) = &p.repaired {
            let _ = writeln!(s, "  repaired: {from}");
        }
        for v in &p.versions {
            let role = match v.role {
                Role::Raw => "raw body",
                Role::Attachment => "attachment",
                Role::Wire => "wire body",
                Role::Text => "derived text",
            };
            let _ = writeln!(
                s,
                "  {role} of seq {} ({} v{}, {})",
                v.seq, v.id, v.version, v.url
            );
        }
    }
    let _ = write!(
        s,
        "verified {} versions: {} files, {} bytes",
        summary.versions, summary.files, summary.bytes
    );
    if summary.from_storage > 0 {
        let _ = write!(s, " ({} of them from storage)", summary.from_storage);
    }
    if summary.stored_copies > 0 {
        let _ = write!(s, ", and {} stored copies", summary.stored_copies);
    }
    if warc {
        let _ = write!(
            s,
            "; {} WARC files, {} records",
            summary.warc_files, summary.warc_records
        );
    }
    match (summary.problems.len(), summary.repaired) {
        (0, _) => s.push_str(": all whole\n"),
        (n, 0) => {
            let _ = writeln!(s, ": {n} missing or damaged");
        }
        (n, repaired) => {
            let _ = writeln!(s, ": {n} missing or damaged, {repaired} of them repaired");
        }
    }
    s
}
