//! `nianbao verify`: reads back every file the archive's version records name and checks it,
//! changing nothing. Raw bodies and wire bodies against the sha256 they are named by (a `.zst`
//! file by the body it holds), derived text for being whole UTF-8; with `--warc`, every record
//! of the WARC files in data_dir against its own digests. A file several versions name is read
//! once and reported once, with every version that names it.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::archive::{Archive, ArchiveError};
use crate::cli::StatusFormat;
use crate::config::Settings;
use crate::export::ExportRecord;
use crate::storage::{Storage, StorageError};
use crate::warc::{
    WarcError, WarcReader, WarcRecord, block_digest, next_whole_record, parse_http_head,
    payload_digest,
};
use crate::warc_sink::WARC_DIR;

use super::{Outcome, open_store};

/// What to check besides the files the records name.
pub(super) struct Checks {
    /// Only versions with a seq greater than this.
    pub since: u64,
    /// Every record of the WARC files in data_dir.
    pub warc: bool,
    /// With remote storage, the stored copy of every file too, not only of those data_dir lacks.
    pub storage: bool,
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
    /// Where in a WARC file the damage starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
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
    problems: Vec<Problem>,
}

/// A problem found with one file: its kind and what was seen.
type Found = (&'static str, String);

struct Verifier<'a> {
    archive: Archive,
    storage: &'a Storage,
    read_limit: u64,
    check_stored: bool,
    /// Every file read so far, with the index of its problem, if it has one.
    seen: HashMap<String, Option<usize>>,
    summary: Summary,
}

impl Verifier<'_> {
    /// Checks one file a version names (once per file), and notes the version at its problem.
    fn file(&mut self, path: &str, sha256: Option<&str>, named: Named) {
        if let Some(known) = self.seen.get(path) {
            if let Some(index) = *known {
                self.summary.problems[index].versions.push(named);
            }
            return;
        }
        let found = self.check(path, sha256);
        self.summary.files += 1;
        let index = found.map(|(kind, detail)| {
            self.summary.problems.push(Problem {
                path: path.to_string(),
                kind,
                detail,
                offset: None,
                versions: vec![named],
            });
            self.summary.problems.len() - 1
        });
        self.seen.insert(path.to_string(), index);
    }

    fn check(&mut self, path: &str, sha256: Option<&str>) -> Option<Found> {
        let local = self.archive.absolute(path);
        if !local.exists() && self.storage.is_remote() {
            self.summary.from_storage += 1;
            return self.check_in_storage(path, sha256);
        }
        let body = match sha256 {
            Some(sha256) => self.archive.read_verified(path, sha256),
            None => std::fs::read(&local).map_err(|source| ArchiveError::Read {
                path: local.clone(),
                source,
            }),
        };
        let problem = match body {
            Ok(body) => {
                self.summary.bytes += body.len() as u64;
                text_problem(sha256, &body)
            }
            Err(e) => Some(archive_problem(e)),
        };
        if problem.is_none() && self.check_stored {
            self.summary.stored_copies += 1;
            return self.check_in_storage(path, sha256);
        }
        problem
    }

    /// Checks the stored copy of `path` without writing it into data_dir.
    fn check_in_storage(&mut self, path: &str, sha256: Option<&str>) -> Option<Found> {
        let storage = self.storage.clone();
        let key = path.to_string();
        let bytes = match self
            .storage
            .block_on(async move { storage.get(&key).await })
        {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                return Some((
                    "missing",
                    format!(
                        "not in data_dir, nor in storage at {}",
                        self.storage.url(path)
                    ),
                ));
            }
            Err(e) => return Some(("unreadable", format!("{:#}", anyhow::Error::new(e)))),
        };
        let Some(sha256) = sha256 else {
            self.summary.bytes += bytes.len() as u64;
            return text_problem(None, &bytes)
                .map(|(kind, detail)| (kind, format!("{} {detail}", self.storage.url(path))));
        };
        self.summary.bytes += bytes.len() as u64;
        let local = self.archive.absolute(path);
        crate::archive::check_stored(&local, &bytes, sha256, self.read_limit)
            .err()
            .map(|e| {
                let error = stored_error(self.storage.url(path), sha256, e);
                ("damaged", error.to_string())
            })
    }

    /// Reads every record of every WARC file in data_dir's `warc/` and checks its digests.
    fn warc_files(&mut self, data_dir: &Path) -> anyhow::Result<()> {
        let dir = data_dir.join(WARC_DIR);
        if !dir.exists() {
            return Ok(());
        }
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir)
            .map_err(|e| anyhow::anyhow!("cannot list {}: {e}", dir.display()))?
        {
            let name = entry
                .map_err(|e| anyhow::anyhow!("cannot list {}: {e}", dir.display()))?
                .file_name()
                .to_string_lossy()
                .into_owned();
            if name.ends_with(".warc.gz") {
                names.push(name);
            }
        }
        names.sort();
        for name in names {
            self.summary.warc_files += 1;
            let path = dir.join(&name);
            for (offset, kind, detail) in self.warc_file(&path) {
                self.summary.problems.push(Problem {
                    path: format!("{WARC_DIR}/{name}"),
                    kind,
                    detail,
                    offset,
                    versions: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// The problems of one WARC file: where, what kind, what was seen. Reading goes on after a
    /// damaged gzip member at the next whole record, if one follows.
    fn warc_file(&mut self, path: &Path) -> Vec<(Option<u64>, &'static str, String)> {
        /// Problems listed a file; the rest are counted.
        const MOST: usize = 10;
        fn push<T>(problems: &mut Vec<T>, more: &mut u64, problem: T) {
            if problems.len() < MOST {
                problems.push(problem);
            } else {
                *more += 1;
            }
        }
        let mut problems = Vec::new();
        let mut more = 0u64;
        let mut at = 0;
        'file: loop {
            let reader = match WarcReader::open_at(path, at) {
                Ok(reader) => reader,
                Err(e) => {
                    problems.push((None, "unreadable", e.to_string()));
                    break;
                }
            };
            for record in reader {
                let found = match record {
                    Ok(record) => {
                        self.summary.warc_records += 1;
                        record_problem(&record).map(|why| (Some(record.offset), "damaged", why))
                    }
                    Err(WarcError::Malformed { offset, why, .. }) => {
                        let next = next_whole_record(path, offset);
                        let (detail, resume) = match next {
                            Ok(Some(next)) => (
                                format!(
                                    "{why}; reading goes on at the next whole record, at offset {next}"
                                ),
                                Some(next),
                            ),
                            Ok(None) => (
                                format!(
                                    "{why}; no whole record follows (a record cut short when nianbao stopped while writing the newest file is cut off by the next crawl)"
                                ),
                                None,
                            ),
                            Err(e) => (format!("{why}; {e}"), None),
                        };
                        push(&mut problems, &mut more, (Some(offset), "damaged", detail));
                        match resume {
                            Some(next) => {
                                at = next;
                                continue 'file;
                            }
                            None => break 'file,
                        }
                    }
                    Err(e) => Some((None, "unreadable", e.to_string())),
                };
                if let Some(problem) = found {
                    push(&mut problems, &mut more, problem);
                }
            }
            break;
        }
        if more > 0 {
            problems.push((None, "damaged", format!("and {more} more damaged records")));
        }
        problems
    }
}

/// What is wrong with a record read whole: a digest it states that its bytes do not have.
fn record_problem(record: &WarcRecord) -> Option<String> {
    if let Some(stated) = record.header("WARC-Block-Digest") {
        let found = block_digest(&record.block);
        if !stated.eq_ignore_ascii_case(&found) {
            return Some(format!(
                "WARC-Block-Digest says {stated}, the block's is {found}"
            ));
        }
    }
    let stated = record
        .header("WARC-Payload-Digest")
        .filter(|_| record.warc_type() == Some("response"))?;
    let found = parse_http_head(&record.block)
        .map(|head| payload_digest(&record.block[head.body_offset..]));
    match found {
        Some(found) if found.eq_ignore_ascii_case(stated) => None,
        found => Some(format!(
            "WARC-Payload-Digest says {stated}, the payload's is {}",
            found
                .as_deref()
                .unwrap_or("unknown (the block holds no HTTP head)")
        )),
    }
}

/// Derived text (named by no sha256) must be whole UTF-8; a body with a sha256 was checked.
fn text_problem(sha256: Option<&str>, bytes: &[u8]) -> Option<Found> {
    if sha256.is_some() {
        return None;
    }
    std::str::from_utf8(bytes).err().map(|e| {
        (
            "damaged",
            format!("text file is not UTF-8 (from byte {})", e.valid_up_to()),
        )
    })
}

fn archive_problem(error: ArchiveError) -> Found {
    let kind = match &error {
        ArchiveError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            "missing"
        }
        ArchiveError::Read { .. } | ArchiveError::Io { .. } => "unreadable",
        ArchiveError::Damaged { .. }
        | ArchiveError::Undecodable { .. }
        | ArchiveError::TooLarge { .. } => "damaged",
    };
    (kind, format!("{:#}", anyhow::Error::new(error)))
}

/// The archive's error for stored bytes, told of the object rather than of a local path.
fn stored_error(url: String, sha256: &str, error: ArchiveError) -> StorageError {
    match error {
        ArchiveError::Damaged { len, found, .. } => StorageError::Damaged {
            url,
            len,
            found,
            expected: sha256.to_string(),
        },
        other => StorageError::Undecodable {
            url,
            reason: other.to_string(),
        },
    }
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
        eprintln!(
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
    let mut verifier = Verifier {
        archive: Archive::reader(&settings.data_dir).configured(settings),
        storage: &storage,
        read_limit: settings.fetch.max_body_bytes,
        check_stored: checks.storage && storage.is_remote(),
        seen: HashMap::new(),
        summary: Summary::default(),
    };
    let mut pace = Pace {
        total: store.last_seq()?.saturating_sub(checks.since),
        last: Instant::now(),
    };
    for record in store.export_since(checks.since) {
        let record = record?;
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
    let summary = verifier.summary;
    print(&summary, format, checks.warc)?;
    Ok(if summary.problems.is_empty() {
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
        StatusFormat::Text => write!(out, "{}", text(summary, warc)),
    };
    match written.and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
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
    match summary.problems.len() {
        0 => s.push_str(": all whole\n"),
        n => {
            let _ = writeln!(s, ": {n} missing or damaged");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(seq: u64, role: Role) -> Named {
        Named {
            seq,
            id: format!("doc{seq}"),
            version: 1,
            url: format!("http://127.0.0.1/{seq}.html"),
            role,
        }
    }

    #[test]
    fn a_file_is_read_once_and_its_problem_names_every_version() {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Storage::open(&crate::storage::StorageConfig::local(), dir.path())
            .expect("data_dir storage");
        let archive = Archive::open(dir.path()).expect("archive");
        let good = archive.store(b"<html>whole</html>").expect("store");
        let mut verifier = Verifier {
            archive,
            storage: &storage,
            read_limit: 1 << 20,
            check_stored: false,
            seen: HashMap::new(),
            summary: Summary::default(),
        };
        let gone = "raw/ab/abcd";
        verifier.file(gone, Some("abcd"), named(3, Role::Raw));
        verifier.file(&good.raw_path, Some(&good.sha256), named(3, Role::Wire));
        verifier.file(gone, Some("abcd"), named(7, Role::Attachment));
        verifier.file(&good.raw_path, Some(&good.sha256), named(9, Role::Raw));
        let s = &verifier.summary;
        assert_eq!((s.files, s.bytes), (2, 18));
        assert_eq!(s.problems.len(), 1);
        let p = &s.problems[0];
        assert_eq!((p.path.as_str(), p.kind), (gone, "missing"));
        let versions: Vec<(u64, Role)> = p.versions.iter().map(|v| (v.seq, v.role)).collect();
        assert_eq!(versions, [(3, Role::Raw), (7, Role::Attachment)]);
    }
}
