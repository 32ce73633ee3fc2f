//! Reading the feed log: a line's seq (read cheaply where the log writes it) and its record, a
//! segment's last seq read from its end, and `LogReader`, which follows the segments after a
//! seq without any lock.

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::{FeedLogError, LOG_DIR, segments};
use crate::export::ExportRecord;

fn parse_line(path: &Path, line: usize, bytes: &[u8]) -> Result<ExportRecord, FeedLogError> {
    serde_json::from_slice(bytes).map_err(|e| FeedLogError::Damaged {
        path: path.to_path_buf(),
        line,
        problem: e.to_string(),
    })
}

/// A line's seq: what skipping and finding the end need, far cheaper than reading the record.
#[derive(serde::Deserialize)]
struct SeqOnly {
    seq: u64,
}

pub(super) fn parse_seq(path: &Path, line: usize, bytes: &[u8]) -> Result<u64, FeedLogError> {
    // The log's own lines name their seq third, after the id and version: read there when it
    // is, without going through the line; JSON otherwise.
    let head = &bytes[..bytes.len().min(160)];
    if let Some(at) = head.windows(7).position(|w| w == b",\"seq\":") {
        let digits: &[u8] = &head[at + 7..];
        let end = digits.iter().position(|b| !b.is_ascii_digit()).unwrap_or(0);
        if end > 0
            && matches!(digits[end], b',' | b'}')
            && let Some(seq) = std::str::from_utf8(&digits[..end])
                .ok()
                .and_then(|d| d.parse().ok())
        {
            return Ok(seq);
        }
    }
    serde_json::from_slice::<SeqOnly>(bytes)
        .map(|s| s.seq)
        .map_err(|e| FeedLogError::Damaged {
            path: path.to_path_buf(),
            line,
            problem: e.to_string(),
        })
}

/// The seq of a segment's last whole line, read from its end; `None` when it has no whole
/// line, or when that line does not read (the caller reads the segment from its start, to
/// name the line).
fn last_line_seq(path: &Path) -> Result<Option<u64>, FeedLogError> {
    const BLOCK: u64 = 64 << 10;
    let read = |source| FeedLogError::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(read)?;
    let mut start = file.metadata().map_err(read)?.len();
    // The segment's end, read back block by block until it holds a whole line.
    let mut tail: Vec<u8> = Vec::new();
    while start > 0 {
        let from = start.saturating_sub(BLOCK);
        let mut block = vec![0; (start - from) as usize];
        file.seek(SeekFrom::Start(from)).map_err(read)?;
        std::io::Read::read_exact(&mut file, &mut block).map_err(read)?;
        block.extend_from_slice(&tail);
        tail = block;
        start = from;
        let Some(end) = tail.iter().rposition(|&b| b == b'\n') else {
            continue;
        };
        let line_start = match tail[..end].iter().rposition(|&b| b == b'\n') {
            Some(newline) => newline + 1,
            None if start == 0 => 0,
            None => continue,
        };
        return Ok(parse_seq(path, 0, &tail[line_start..=end]).ok());
    }
    Ok(None)
}

/// Reads the records after a seq, in order, without any lock: safe beside a writer. A line
/// without its newline is being written and ends the reading.
pub struct LogReader {
    segments: std::vec::IntoIter<(u64, PathBuf)>,
    current: Option<(BufReader<File>, PathBuf, usize)>,
    since: u64,
    /// `since`, or the highest seq read past it: the store numbers versions one by one and the
    /// log holds every one, so the next record due holds the seq after it.
    done: u64,
}

impl LogReader {
    pub fn open(data_dir: &Path, since: u64) -> Result<LogReader, FeedLogError> {
        let all = segments(&data_dir.join(LOG_DIR))?;
        // Skip the segments that end before `since`: the next one starts at or below since+1.
        let start = all
            .iter()
            .rposition(|(first, _)| *first <= since.saturating_add(1))
            .unwrap_or(0);
        let mut all = all;
        Ok(LogReader {
            segments: all.split_off(start).into_iter(),
            current: None,
            since,
            done: since,
        })
    }

    /// The last seq in the log now (0 when empty): the last whole line of the newest segment
    /// that has one (a segment just begun may have none yet).
    pub fn last_seq(data_dir: &Path) -> Result<u64, FeedLogError> {
        let mut all = segments(&data_dir.join(LOG_DIR))?;
        while let Some(segment) = all.pop() {
            if let Some(last) = last_line_seq(&segment.1)? {
                return Ok(last);
            }
            // No whole line at the end that reads: read the segment from its start, which
            // names a damaged line, or finds none (the records before its first are not its own).
            let since = segment.0.saturating_sub(1);
            let mut reader = LogReader {
                segments: vec![segment].into_iter(),
                current: None,
                since,
                done: since,
            };
            let mut last = None;
            while let Some(record) = reader.next_record()? {
                last = Some(record.seq);
            }
            if let Some(last) = last {
                return Ok(last);
            }
        }
        Ok(0)
    }

    fn next_record(&mut self) -> Result<Option<ExportRecord>, FeedLogError> {
        loop {
            if self.current.is_none() {
                let Some((_, path)) = self.segments.next() else {
                    return Ok(None);
                };
                let file = File::open(&path).map_err(|source| FeedLogError::Read {
                    path: path.clone(),
                    source,
                })?;
                self.current = Some((BufReader::new(file), path, 0));
            }
            let (reader, path, number) = self.current.as_mut().expect("opened above");
            let mut line = Vec::new();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|source| FeedLogError::Read {
                    path: path.clone(),
                    source,
                })?;
            if n == 0 || line.last() != Some(&b'\n') {
                // The end of this segment (or a line still being written: it is read next time).
                if n != 0 {
                    // Only the newest segment is written to: one begun after this one was
                    // listed with it, so this line was whole before it, and was cut since.
                    if let Some((_, next)) = self.segments.as_slice().first() {
                        return Err(FeedLogError::Damaged {
                            path: path.clone(),
                            line: *number + 1,
                            problem: format!(
                                "the segment is cut short inside this line, yet {} follows it; the records after the cut would be skipped. Move the feed log away: it is rebuilt from the store, and consumers keep their positions",
                                next.display()
                            ),
                        });
                    }
                    return Ok(None);
                }
                self.current = None;
                continue;
            }
            *number += 1;
            let seq = parse_seq(path, *number, &line)?;
            if seq > self.since {
                // A record wanted must be the one due: otherwise a segment or lines are missing
                // before it, or it is there twice or out of order, and following the log would
                // skip records unseen or offer one again.
                let due = self.done.saturating_add(1);
                if seq != due {
                    return Err(FeedLogError::Damaged {
                        path: path.clone(),
                        line: *number,
                        problem: out_of_sequence(seq, due),
                    });
                }
                self.done = seq;
                return Ok(Some(parse_line(path, *number, &line)?));
            }
        }
    }
}

/// Why a line holding `seq` where `due` was expected cannot be followed, and what to do.
fn out_of_sequence(seq: u64, due: u64) -> String {
    let what = if seq > due {
        format!(
            "the records from seq {due} to {} are missing (a segment or lines removed?), and following the log would skip them",
            seq - 1
        )
    } else {
        "that record is in the log twice or out of order, and following the log would offer it again".to_string()
    };
    format!(
        "it holds seq {seq} where seq {due} is due: {what}. Move the feed log away: it is rebuilt from the store, and consumers keep their positions"
    )
}

impl Iterator for LogReader {
    type Item = Result<ExportRecord, FeedLogError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::log::tests::record;
    use std::fs;

    /// A line's seq: where the log writes it, and anywhere else in a line that reads as JSON.
    #[test]
    fn a_lines_seq_is_read_where_it_is() {
        let path = Path::new("segment");
        let written = serde_json::to_vec(&record(4211, 10)).expect("JSON");
        let cases: &[(&[u8], Option<u64>)] = &[
            (&written, Some(4211)),
            (br#"{"seq":5,"id":"a"}"#, Some(5)),
            (br#"{"id":"a","title":"x","seq":6}"#, Some(6)),
            (br#"{"id":"a","seq":12x}"#, None),
            (br#"{"id":"a","seq":"#, None),
            (br#"{"id":"a"}"#, None),
        ];
        for (line, expected) in cases {
            assert_eq!(
                parse_seq(path, 1, line).ok(),
                *expected,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    /// The last seq is read from a segment's end, whatever its last line's length, before a
    /// line being written, in a segment of one line, and not in one without a whole line.
    #[test]
    fn the_last_seq_is_read_from_the_end() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("segment");
        let line = |seq: u64, size: usize| {
            let mut text = serde_json::to_vec(&record(seq, size)).expect("JSON");
            text.push(b'\n');
            text
        };
        let cases: &[(&str, Vec<u8>, Option<u64>)] = &[
            ("empty", Vec::new(), None),
            ("half a line", line(1, 10)[..30].to_vec(), None),
            ("one line", line(7, 10), Some(7)),
            (
                "a short line after a long one",
                [line(1, 300_000), line(2, 10)].concat(),
                Some(2),
            ),
            (
                "a long last line",
                [line(1, 10), line(2, 300_000)].concat(),
                Some(2),
            ),
            (
                "a long line being written",
                [
                    line(1, 10),
                    line(2, 10),
                    line(3, 300_000)[..200_000].to_vec(),
                ]
                .concat(),
                Some(2),
            ),
            ("one long line", line(9, 300_000), Some(9)),
        ];
        for (what, bytes, expected) in cases {
            fs::write(&path, bytes).expect("write");
            assert_eq!(last_line_seq(&path).expect("reads"), *expected, "{what}");
        }
    }
}
