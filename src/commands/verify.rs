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

struct Verifier<'a> {
    archive: Archive,
    storage: &'a Storage,
    read_limit: u64,
    check_stored: bool,
    /// Every file read so far, with the index of its problem, if it has one.
    seen: HashMap<String, Option<usize>>,
    /// The text tools, found when text is first derived again (`--repair`).
    tools: Option<crate::text::Tools>,
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
        let index = found.map(|found| {
            self.summary.problems.push(Problem {
                path: path.to_string(),
                kind: found.kind,
                detail: found.detail,
                copies: found.copies,
                offset: None,
                sha256: sha256.map(str::to_string),
                repaired: None,
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
            return self
                .check_in_storage(path, sha256)
                .map(|(kind, detail)| Found {
                    kind,
                    detail: format!("not in data_dir; in storage: {detail}"),
                    copies: vec![Copy::DataDir, Copy::Storage],
                });
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
        if let Some((kind, detail)) = problem {
            return Some(Found {
                kind,
                detail,
                copies: vec![Copy::DataDir],
            });
        }
        if !self.check_stored {
            return None;
        }
        self.summary.stored_copies += 1;
        self.check_in_storage(path, sha256)
            .map(|(kind, detail)| Found {
                kind,
                detail: format!("data_dir's copy is whole; in storage: {detail}"),
                copies: vec![Copy::Storage],
            })
    }

    /// Checks the stored copy of `path` without writing it into data_dir.
    fn check_in_storage(
        &mut self,
        path: &str,
        sha256: Option<&str>,
    ) -> Option<(&'static str, String)> {
        let storage = self.storage.clone();
        let key = path.to_string();
        let url = self.storage.url(path);
        let bytes = match self
            .storage
            .block_on(async move { storage.get(&key).await })
        {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Some(("missing", format!("no object at {url}"))),
            Err(e) => return Some(("unreadable", format!("{:#}", anyhow::Error::new(e)))),
        };
        self.summary.bytes += bytes.len() as u64;
        let Some(sha256) = sha256 else {
            return text_problem(None, &bytes)
                .map(|(kind, detail)| (kind, format!("{url}: {detail}")));
        };
        let local = self.archive.absolute(path);
        crate::archive::check_stored(&local, &bytes, sha256, self.read_limit)
            .err()
            .map(|e| ("damaged", stored_error(url, sha256, e).to_string()))
    }

    /// Reads every record of every WARC file in data_dir's `warc/` and checks its digests.
    fn warc_files(&mut self, data_dir: &Path) -> anyhow::Result<()> {
        /// Problems listed a file; the rest are counted.
        const MOST: usize = 10;
        for name in warc_names(data_dir)? {
            self.summary.warc_files += 1;
            let path = data_dir.join(WARC_DIR).join(&name);
            let mut problems: Vec<(Option<u64>, &'static str, String)> = Vec::new();
            let mut more = 0u64;
            walk_warc(&path, &mut |step| {
                let problem = match step {
                    Step::Record(record) => {
                        self.summary.warc_records += 1;
                        record_problem(&record).map(|why| (Some(record.offset), "damaged", why))
                    }
                    Step::Damaged {
                        offset,
                        why,
                        resume,
                    } => {
                        let then = match resume {
                            Ok(Some(next)) => {
                                format!("reading goes on at the next whole record, at offset {next}")
                            }
                            Ok(None) => "no whole record follows (a record cut short when nianbao stopped while writing the newest file is cut off by the next crawl)".to_string(),
                            Err(e) => e,
                        };
                        Some((Some(offset), "damaged", format!("{why}; {then}")))
                    }
                    Step::Unreadable(why) => Some((None, "unreadable", why)),
                };
                match problem {
                    Some(p) if problems.len() < MOST => problems.push(p),
                    Some(_) => more += 1,
                    None => {}
                }
                true
            });
            if more > 0 {
                problems.push((None, "damaged", format!("and {more} more damaged records")));
            }
            for (offset, kind, detail) in problems {
                self.summary.problems.push(Problem {
                    path: format!("{WARC_DIR}/{name}"),
                    kind,
                    detail,
                    copies: vec![Copy::DataDir],
                    offset,
                    sha256: None,
                    repaired: None,
                    versions: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// Writes a whole copy over each missing or damaged file that has one: the stored copy
    /// (remote storage), else, for a raw or wire body, a WARC record in data_dir whose payload
    /// is that body or gives it once its `Content-Encoding` (and a stray gzip layer) is undone.
    /// Every copy is checked against the file's sha256 before it is written.
    fn repair(&mut self, data_dir: &Path) -> anyhow::Result<()> {
        let mut wanted: HashMap<String, Vec<usize>> = HashMap::new();
        for i in 0..self.summary.problems.len() {
            let p = &self.summary.problems[i];
            if p.kind == "unreadable" || p.offset.is_some() || p.versions.is_empty() {
                continue;
            }
            let (path, sha256) = (p.path.clone(), p.sha256.clone());
            if !p.copies.contains(&Copy::DataDir) {
                // Only the stored copy: data_dir's is whole.
                self.finish(i, "from data_dir's copy".to_string());
                continue;
            }
            if self.storage.is_remote()
                && !p.copies.contains(&Copy::Storage)
                && let Some(from) = self.restore_from_storage(&path, sha256.as_deref())
            {
                self.finish(i, from);
                continue;
            }
            match sha256 {
                Some(sha256) => wanted.entry(sha256).or_default().push(i),
                None => {
                    if let Some(from) = self.derive_again(&path) {
                        self.finish(i, from);
                    }
                }
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        for name in warc_names(data_dir)? {
            let path = data_dir.join(WARC_DIR).join(&name);
            let mut found: Vec<(Vec<usize>, Vec<u8>, u64)> = Vec::new();
            walk_warc(&path, &mut |step| {
                if let Step::Record(record) = step {
                    for body in bodies_of(&record, self.read_limit) {
                        if let Some(problems) = wanted.remove(&crate::dedup::sha256_hex(&body)) {
                            found.push((problems, body, record.offset));
                        }
                    }
                }
                !wanted.is_empty()
            });
            for (problems, body, offset) in found {
                for i in problems {
                    let path = self.summary.problems[i].path.clone();
                    match self.archive.restore(&path, &body) {
                        Ok(()) => self.finish(
                            i,
                            format!("from {WARC_DIR}/{name}, the record at offset {offset}"),
                        ),
                        Err(e) => tracing::error!("cannot restore {path}: {e}"),
                    }
                }
            }
            if wanted.is_empty() {
                break;
            }
        }
        Ok(())
    }

    /// The stored copy of `path`, when it is whole, written into data_dir; where it came from.
    fn restore_from_storage(&self, path: &str, sha256: Option<&str>) -> Option<String> {
        let storage = self.storage.clone();
        let key = path.to_string();
        let bytes = self
            .storage
            .block_on(async move { storage.get(&key).await })
            .ok()??;
        let url = self.storage.url(path);
        let written = match sha256 {
            Some(sha256) => {
                let local = self.archive.absolute(path);
                let body = crate::archive::stored_body(&local, bytes, self.read_limit).ok()?;
                (crate::dedup::sha256_hex(&body) == sha256)
                    .then(|| self.archive.restore(path, &body))
            }
            None => {
                let text = String::from_utf8(bytes).ok()?;
                let raw = Path::new(path).file_stem()?.to_str()?;
                Some(self.archive.store_text(raw, &text).map(drop))
            }
        };
        match written? {
            Ok(()) => Some(format!("from storage, {url}")),
            Err(e) => {
                tracing::error!("cannot restore {path} from {url}: {e}");
                None
            }
        }
    }

    /// Derived text (`text/ab/<raw sha256>.txt`) derived again from its raw file, when that is
    /// whole; where it came from.
    fn derive_again(&mut self, text_path: &str) -> Option<String> {
        let raw_sha256 = Path::new(text_path).file_stem()?.to_str()?.to_string();
        let raw_path = [
            Archive::compressed_path(&raw_sha256),
            Archive::relative_path(&raw_sha256),
        ]
        .into_iter()
        .find(|p| self.archive.read_verified(p, &raw_sha256).is_ok())?;
        let tools = self.tools.get_or_insert_with(crate::text::Tools::discover);
        let info =
            crate::text::derive_and_store(&self.archive, tools, &raw_sha256, &raw_path, None)?;
        (info.text_path.as_deref() == Some(text_path)).then(|| {
            format!(
                "derived again from {raw_path} ({})",
                info.text_source.unwrap_or_default()
            )
        })
    }

    /// Notes a problem repaired once data_dir's copy reads back whole, and, where the stored
    /// copy was missing or damaged too, once data_dir's copy is put in its place.
    fn finish(&mut self, index: usize, from: String) {
        let problem = &self.summary.problems[index];
        let local = match &problem.sha256 {
            Some(sha256) => self
                .archive
                .read_stored(&problem.path, sha256)
                .map_err(|e| e.to_string()),
            None => std::fs::read(self.archive.absolute(&problem.path))
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    std::str::from_utf8(&b).map_err(|e| e.to_string())?;
                    Ok(b)
                }),
        };
        let bytes = match local {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::error!("{} still does not read back whole: {e}", problem.path);
                return;
            }
        };
        let mut from = from;
        if problem.copies.contains(&Copy::Storage) {
            let (storage, key) = (self.storage.clone(), problem.path.clone());
            let url = self.storage.url(&key);
            let put = self
                .storage
                .block_on(async move { storage.put_overwrite(&key, bytes).await });
            if let Err(e) = put {
                tracing::error!("cannot put {} back into storage: {e:#}", problem.path);
                return;
            }
            from.push_str(&format!("; put into storage at {url}"));
        }
        self.summary.problems[index].repaired = Some(from);
        self.summary.repaired += 1;
    }
}

/// The WARC files in data_dir's `warc/`, by name (none without the folder).
fn warc_names(data_dir: &Path) -> anyhow::Result<Vec<String>> {
    let dir = data_dir.join(WARC_DIR);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    Ok(crate::warc::file_names(&dir)?)
}

/// One step of reading a WARC file.
enum Step {
    Record(WarcRecord),
    /// A damaged gzip member, and where reading goes on (the next whole record), if anywhere.
    Damaged {
        offset: u64,
        why: String,
        resume: Result<Option<u64>, String>,
    },
    Unreadable(String),
}

/// Reads a WARC file record by record, going on after a damaged member at the next whole
/// record, while `each` returns true.
fn walk_warc(path: &Path, each: &mut dyn FnMut(Step) -> bool) {
    let mut at = 0;
    loop {
        let reader = match WarcReader::open_at(path, at) {
            Ok(reader) => reader,
            Err(e) => {
                each(Step::Unreadable(e.to_string()));
                return;
            }
        };
        let mut resume = None;
        for record in reader {
            let step = match record {
                Ok(record) => Step::Record(record),
                Err(WarcError::Malformed { offset, why, .. }) => {
                    let next = next_whole_record(path, offset).map_err(|e| e.to_string());
                    resume = next.as_ref().ok().copied().flatten();
                    Step::Damaged {
                        offset,
                        why,
                        resume: next,
                    }
                }
                Err(e) => Step::Unreadable(e.to_string()),
            };
            if !each(step) {
                return;
            }
        }
        match resume {
            Some(next) => at = next,
            None => return,
        }
    }
}

/// The bodies a response record's payload may stand for: the payload itself, with its
/// `Content-Encoding` undone, and with a stray gzip layer undone.
fn bodies_of(record: &WarcRecord, limit: u64) -> Vec<Vec<u8>> {
    if record.warc_type() != Some("response") {
        return Vec::new();
    }
    let Some(head) = parse_http_head(&record.block) else {
        return Vec::new();
    };
    let payload = &record.block[head.body_offset..];
    let mut bodies = vec![payload.to_vec()];
    if let Some(coding) = head.header("content-encoding")
        && let Some(body) = crate::fetch::decode_wire_body(payload, Some(coding), limit)
    {
        bodies.push(body);
    }
    let inflated: Vec<Vec<u8>> = bodies
        .iter()
        .filter_map(|b| crate::fetch::inflate_saved_gzip(b, limit).ok().flatten())
        .map(|(body, _)| body)
        .collect();
    bodies.extend(inflated);
    bodies
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
fn text_problem(sha256: Option<&str>, bytes: &[u8]) -> Option<(&'static str, String)> {
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

fn archive_problem(error: ArchiveError) -> (&'static str, String) {
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
    let archive = if checks.repair {
        Archive::open(&settings.data_dir)?
    } else {
        Archive::reader(&settings.data_dir)
    };
    let mut verifier = Verifier {
        archive: archive.configured(settings),
        storage: &storage,
        read_limit: settings.fetch.max_body_bytes,
        check_stored: checks.storage && storage.is_remote(),
        seen: HashMap::new(),
        tools: None,
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
    if checks.repair {
        verifier.repair(&settings.data_dir)?;
    }
    let summary = verifier.summary;
    print(&summary, format, checks.warc)?;
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

    fn response(head: &str, payload: &[u8]) -> WarcRecord {
        let mut block = head.as_bytes().to_vec();
        block.extend_from_slice(payload);
        WarcRecord {
            offset: 0,
            length: 0,
            version: "WARC/1.1".into(),
            headers: vec![("WARC-Type".into(), "response".into())],
            block,
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).expect("into a Vec");
        gz.finish().expect("into a Vec")
    }

    #[test]
    fn a_record_gives_the_body_its_payload_stands_for() {
        let page = "<html>年报</html>".as_bytes();
        let plain = response("HTTP/1.1 200 OK\r\n\r\n", page);
        let deflated = {
            use std::io::Write as _;
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(page).expect("into a Vec");
            z.finish().expect("into a Vec")
        };
        let coded = response(
            "HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n",
            &deflated,
        );
        // A .html.gz file served without Content-Encoding, which the crawl inflates.
        let stray = response("HTTP/1.1 200 OK\r\n\r\n", &gzip(page));
        for (what, record) in [("plain", plain), ("coded", coded), ("stray", stray)] {
            let bodies = bodies_of(&record, 1 << 20);
            assert!(bodies.iter().any(|b| b == page), "{what}");
        }
        let mut request = response("GET / HTTP/1.1\r\n\r\n", page);
        request.headers = vec![("WARC-Type".into(), "request".into())];
        assert!(bodies_of(&request, 1 << 20).is_empty());
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
            tools: None,
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
