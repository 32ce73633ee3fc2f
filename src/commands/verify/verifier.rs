//! `nianbao verify`'s reader: the `Verifier` that checks each file once (in data_dir, in remote
//! storage), reads the WARC files' records, and writes whole copies over what `--repair` can.

use std::collections::HashMap;
use std::path::Path;

use crate::archive::{Archive, ArchiveError};
use crate::storage::{Storage, StorageError};
use crate::warc_sink::WARC_DIR;

use super::warc::{Step, bodies_of, record_problem, walk_warc, warc_names};
use super::{Copy, Found, Named, Problem, Summary};

pub(super) struct Verifier<'a> {
    pub(super) archive: Archive,
    pub(super) storage: &'a Storage,
    pub(super) read_limit: u64,
    pub(super) check_stored: bool,
    /// Every file read so far, with the index of its problem, if it has one.
    pub(super) seen: HashMap<String, Option<usize>>,
    /// The text tools, found when text is first derived again (`--repair`).
    pub(super) tools: Option<crate::text::Tools>,
    pub(super) summary: Summary,
}

impl Verifier<'_> {
    /// Checks one file a version names (once per file), and notes the version at its problem.
    pub(super) fn file(&mut self, path: &str, sha256: Option<&str>, named: Named) {
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
    pub(super) fn warc_files(&mut self, data_dir: &Path) -> anyhow::Result<()> {
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
    pub(super) fn repair(&mut self, data_dir: &Path) -> anyhow::Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::verify::Role;

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
