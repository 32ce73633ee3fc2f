//! The feed log: every committed export record as one JSON line, in seq order, in segment files
//! under `data_dir/feed/log/`. The process that holds the store (a crawl, a backfill, or `feed`
//! itself) appends records once they are durable in the store; readers follow the files without
//! the store's lock, so parsers consume while a crawl runs.
//!
//! Crash safety: a record is appended only after its store commit is durable, and the log is
//! caught up from the store whenever the store is opened, so the log never holds a record the
//! store lost and never misses one for long. A line cut short by a crash is cut off at the next
//! open; readers stop at a line without its newline (being written) and see it next time.

mod reader;

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::export::ExportRecord;
use crate::store::{Store, StoreError};

pub use reader::LogReader;
use reader::parse_seq;

/// The feed's folder under data_dir: the log and the consumers' positions.
pub const FEED_DIR: &str = "feed";
/// The log's folder, relative to data_dir.
pub const LOG_DIR: &str = "feed/log";
/// A segment is closed and a new one begun past this size.
const SEGMENT_BYTES: u64 = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum FeedLogError {
    #[error("cannot write the feed log {path}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot read the feed log {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the feed log {path} is damaged at line {line}: {problem}")]
    Damaged {
        path: PathBuf,
        line: usize,
        problem: String,
    },
    #[error(
        "the feed log in {path} does not belong to this store: {why}. The store was replaced or restored from a backup after the log was written, and consumers would be handed records the store does not hold and miss the ones it does. Move {path} away (its log is rebuilt from the store, and its consumers start again from seq 1: at least once), or put back the store it belongs to"
    )]
    Diverged { path: PathBuf, why: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Segment files in seq order, with the first seq each holds (from its name).
fn segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>, FeedLogError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(FeedLogError::Read {
                path: dir.to_path_buf(),
                source,
            });
        }
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(first) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".jsonl"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        found.push((first, entry.path()));
    }
    found.sort();
    Ok(found)
}

fn segment_name(first_seq: u64) -> String {
    format!("{first_seq:020}.jsonl")
}

/// The writer: one per data_dir, held by the process that holds the store.
pub struct FeedLog {
    dir: PathBuf,
    file: Option<(File, PathBuf)>,
    bytes: u64,
    last_seq: u64,
    unsynced: bool,
}

impl FeedLog {
    /// Opens the log for appending, cutting off a line a crash left half-written.
    pub fn open(data_dir: &Path) -> Result<FeedLog, FeedLogError> {
        let dir = data_dir.join(LOG_DIR);
        fs::create_dir_all(&dir).map_err(|source| FeedLogError::Write {
            path: dir.clone(),
            source,
        })?;
        let mut log = FeedLog {
            dir,
            file: None,
            bytes: 0,
            last_seq: 0,
            unsynced: false,
        };
        let mut segments = segments(&log.dir)?;
        while let Some((first, path)) = segments.pop() {
            let (whole_len, last_seq) = repair_tail(&path)?;
            match last_seq {
                Some(seq) => {
                    let file = open_for_append(&path)?;
                    log.last_seq = seq;
                    log.bytes = whole_len;
                    log.file = Some((file, path));
                    break;
                }
                // A segment with no whole line: begun just before a crash. Its records (from
                // `first` on) are written again by the catch-up.
                None => {
                    let _ = first;
                    fs::remove_file(&path).map_err(|source| FeedLogError::Write {
                        path: path.clone(),
                        source,
                    })?;
                }
            }
        }
        Ok(log)
    }

    /// The last seq in the log (0 when it is empty).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Appends one record; a record at or below the log's last seq is already there.
    pub fn append(&mut self, record: &ExportRecord) -> Result<(), FeedLogError> {
        if record.seq <= self.last_seq {
            return Ok(());
        }
        if self.file.is_none() || self.bytes >= SEGMENT_BYTES {
            self.sync()?;
            let path = self.dir.join(segment_name(record.seq));
            let file = open_for_append(&path)?;
            // The new segment's name must survive a crash as well as its lines.
            sync_dir(&self.dir)?;
            self.file = Some((file, path));
            self.bytes = 0;
        }
        let mut line = serde_json::to_vec(record).expect("an export record always serialises");
        line.push(b'\n');
        let (file, path) = self.file.as_mut().expect("a segment was opened above");
        file.write_all(&line)
            .map_err(|source| FeedLogError::Write {
                path: path.clone(),
                source,
            })?;
        self.bytes += line.len() as u64;
        self.last_seq = record.seq;
        self.unsynced = true;
        Ok(())
    }

    /// Makes the appended lines durable.
    pub fn sync(&mut self) -> Result<(), FeedLogError> {
        if let (true, Some((file, path))) = (self.unsynced, &self.file) {
            file.sync_data().map_err(|source| FeedLogError::Write {
                path: path.clone(),
                source,
            })?;
        }
        self.unsynced = false;
        Ok(())
    }

    /// Checks that the log is a copy of `store`'s records: the store holds the log's last seq,
    /// and the record there is the same version of the same document with the same bytes.
    pub fn check_belongs_to(&self, store: &Store, data_dir: &Path) -> Result<(), FeedLogError> {
        let last = self.last_seq;
        if last == 0 {
            return Ok(());
        }
        let diverged = |why: String| FeedLogError::Diverged {
            path: data_dir.join(FEED_DIR),
            why,
        };
        let stored = store.export_since(last - 1).next().transpose()?;
        let Some(stored) = stored.filter(|r| r.seq == last) else {
            return Err(diverged(format!(
                "the log holds seq {last}, the store only up to seq {}",
                store.last_seq()?
            )));
        };
        let logged = LogReader::open(data_dir, last - 1)?
            .next()
            .transpose()?
            .filter(|r| r.seq == last);
        match logged {
            Some(logged)
                if logged.id == stored.id
                    && logged.version == stored.version
                    && logged.sha256 == stored.sha256 =>
            {
                Ok(())
            }
            Some(logged) => Err(diverged(format!(
                "seq {last} is {} version {} ({}) in the log but {} version {} ({}) in the store",
                logged.id, logged.version, logged.url, stored.id, stored.version, stored.url
            ))),
            None => Ok(()),
        }
    }

    /// Appends the store's records after the log's last seq, up to `upto` (records that are
    /// durable in the store), and makes them durable. Returns how many were appended.
    pub fn catch_up(&mut self, store: &Store, upto: u64) -> Result<usize, FeedLogError> {
        let mut appended = 0;
        for record in store.export_since(self.last_seq) {
            let record = record?;
            if record.seq > upto {
                break;
            }
            self.append(&record)?;
            appended += 1;
        }
        self.sync()?;
        Ok(appended)
    }
}

/// Opens a segment for appending, creating it when it is new.
fn open_for_append(path: &Path) -> Result<File, FeedLogError> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|source| FeedLogError::Write {
            path: path.to_path_buf(),
            source,
        })
}

fn sync_dir(dir: &Path) -> Result<(), FeedLogError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|source| FeedLogError::Write {
            path: dir.to_path_buf(),
            source,
        })
}

/// Cuts a segment after its last whole line and returns its length and last seq.
fn repair_tail(path: &Path) -> Result<(u64, Option<u64>), FeedLogError> {
    let read = |source| FeedLogError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut last_seq = None;
    let mut whole_len = 0u64;
    let mut reader = BufReader::new(File::open(path).map_err(read)?);
    let mut line = Vec::new();
    let mut number = 0;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).map_err(read)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        number += 1;
        last_seq = Some(parse_seq(path, number, &line)?);
        whole_len += n as u64;
    }
    let len = fs::metadata(path).map_err(read)?.len();
    if len != whole_len {
        tracing::warn!(
            path = %path.display(),
            "cutting {} bytes of a feed-log line a crash left half-written",
            len - whole_len
        );
        let mut file = OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(|source| FeedLogError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        file.set_len(whole_len)
            .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
            .and_then(|()| file.sync_all())
            .map_err(|source| FeedLogError::Write {
                path: path.to_path_buf(),
                source,
            })?;
    }
    Ok((whole_len, last_seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record of about `size` bytes as a log line (its title fills it), at `seq`.
    pub(super) fn record(seq: u64, size: usize) -> ExportRecord {
        let line = r#"{"id":"292a63eef0692fcf","version":1,"seq":1,"portal":"p","url":"http://127.0.0.1/a","aliases":[],"list_url":null,"fetched_at":"2026-01-01T00:00:00Z","http_status":200,"content_type":"text/html","charset":"utf-8","charset_source":"http_header","sha256":"d8e5","content_hash":"29cc","raw_path":"raw/d8/d8e5","title":null,"issuing_body":null,"index_number":null,"doc_number":null,"publish_date":null,"report_year":null,"is_annual_report":true,"fields":{},"provenance":{},"attachments":[]}"#;
        let mut record: ExportRecord = serde_json::from_str(line).expect("a record");
        record.seq = seq;
        record.title = Some("x".repeat(size));
        record
    }

    fn seqs(data_dir: &Path, since: u64) -> Vec<u64> {
        LogReader::open(data_dir, since)
            .expect("open")
            .map(|r| r.expect("record").seq)
            .collect()
    }

    /// The log past 64 MiB: a second segment named by its first seq, readers going from one
    /// segment into the next from any position, and a crash in the new segment's first line
    /// (removed, and the record appended again) or later (the half line cut off).
    #[test]
    fn segments_roll_over_and_readers_cross_them() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path();
        let size = 100_000;
        let last = (SEGMENT_BYTES / size as u64) + 20;
        let mut log = FeedLog::open(data_dir).expect("open");
        for seq in 1..=last {
            log.append(&record(seq, size)).expect("append");
        }
        log.sync().expect("sync");
        drop(log);
        let all = segments(&data_dir.join(LOG_DIR)).expect("segments");
        assert_eq!(all.len(), 2, "{all:?}");
        let second = all[1].0;
        assert!(1 < second && second < last, "{all:?}");
        assert_eq!(all[1].1.file_name(), Some(segment_name(second).as_ref()));
        assert!(fs::metadata(&all[0].1).expect("first").len() >= SEGMENT_BYTES);
        for since in [
            0,
            1,
            second - 2,
            second - 1,
            second,
            second + 1,
            last - 1,
            last,
        ] {
            let got = seqs(data_dir, since);
            assert!(
                got.iter().copied().eq(since + 1..=last),
                "since {since}: {} records, {:?} to {:?}",
                got.len(),
                got.first(),
                got.last()
            );
        }
        assert_eq!(LogReader::last_seq(data_dir).expect("last"), last);

        // A line being written at the end: readers stop before it; the next open cuts it off.
        let mut tail = OpenOptions::new()
            .append(true)
            .open(&all[1].1)
            .expect("segment");
        tail.write_all(br#"{"id":"half"#).expect("half a line");
        assert_eq!(seqs(data_dir, last - 1), [last]);
        let log = FeedLog::open(data_dir).expect("open cuts the half line");
        assert_eq!(log.last_seq(), last);
        drop(log);
        assert_eq!(seqs(data_dir, 0).len() as u64, last);

        // A crash in the new segment's first line: the segment goes, the log ends one before it,
        // and the record is appended again under the same name.
        let text = fs::read(&all[1].1).expect("segment");
        let first_line = text.iter().position(|b| *b == b'\n').expect("a line");
        fs::write(&all[1].1, &text[..first_line / 2]).expect("cut");
        assert_eq!(LogReader::last_seq(data_dir).expect("last"), second - 1);
        let mut log = FeedLog::open(data_dir).expect("open");
        assert_eq!(log.last_seq(), second - 1);
        assert!(
            !all[1].1.exists(),
            "the segment without a whole line is removed"
        );
        log.append(&record(second, size)).expect("append");
        log.sync().expect("sync");
        assert_eq!(seqs(data_dir, second - 2), [second - 1, second]);
        assert_eq!(
            segments(&data_dir.join(LOG_DIR)).expect("segments")[1].0,
            second
        );
    }
}
