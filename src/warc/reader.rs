//! Reading `.warc.gz` files one gzip member (one record) at a time, with each member's offset and
//! compressed length: used by the CDXJ index, the tests, and the crash recovery that cuts a
//! half-written last record off the newest file before the writer appends again.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use flate2::bufread::GzDecoder;

use super::WarcError;

/// One record read back, with where its gzip member sits in the file.
#[derive(Debug, Clone)]
pub struct WarcRecord {
    /// Byte offset of the gzip member.
    pub offset: u64,
    /// Compressed length of the gzip member.
    pub length: u64,
    /// "WARC/1.1".
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub block: Vec<u8>,
}

impl WarcRecord {
    /// The first value of a named header (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header that may repeat (WARC-Concurrent-To).
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn warc_type(&self) -> Option<&str> {
        self.header("WARC-Type")
    }
}

/// A BufRead that counts the bytes consumed from it, so the position after a gzip member is known
/// exactly even though the buffer reads ahead.
struct Counting<R> {
    inner: R,
    consumed: u64,
}

impl<R: Read> Read for Counting<R>
where
    R: BufRead,
{
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.consumed += n as u64;
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Counting<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// Iterates the records of one `.warc.gz` file. Stops after the first error (a damaged member
/// leaves no reliable place to resume).
pub struct WarcReader {
    path: PathBuf,
    input: Counting<BufReader<File>>,
    failed: bool,
}

impl WarcReader {
    pub fn open(path: &Path) -> Result<WarcReader, WarcError> {
        let file = File::open(path).map_err(|source| WarcError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(WarcReader {
            path: path.to_path_buf(),
            input: Counting {
                inner: BufReader::with_capacity(64 * 1024, file),
                consumed: 0,
            },
            failed: false,
        })
    }

    /// Reads from the gzip member that starts at `offset` (where a scan, an index or
    /// [`next_whole_record`] found one).
    pub fn open_at(path: &Path, offset: u64) -> Result<WarcReader, WarcError> {
        let io = |source| WarcError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = File::open(path).map_err(io)?;
        file.seek(SeekFrom::Start(offset)).map_err(io)?;
        Ok(WarcReader {
            path: path.to_path_buf(),
            input: Counting {
                inner: BufReader::with_capacity(64 * 1024, file),
                consumed: offset,
            },
            failed: false,
        })
    }

    fn malformed(&self, offset: u64, why: impl Into<String>) -> WarcError {
        WarcError::Malformed {
            path: self.path.clone(),
            offset,
            why: why.into(),
        }
    }

    fn at_end(&mut self) -> Result<bool, WarcError> {
        let path = &self.path;
        self.input
            .fill_buf()
            .map(|b| b.is_empty())
            .map_err(|source| WarcError::Io {
                path: path.clone(),
                source,
            })
    }

    /// Decodes the next member into `sink`; returns (offset, compressed length).
    fn next_member(&mut self, sink: &mut dyn Write) -> Result<(u64, u64), WarcError> {
        let offset = self.input.consumed;
        let mut decoder = GzDecoder::new(&mut self.input);
        let copied = std::io::copy(&mut decoder, sink);
        let end = self.input.consumed;
        match copied {
            Ok(_) => Ok((offset, end - offset)),
            Err(e) => Err(self.malformed(offset, format!("damaged gzip member: {e}"))),
        }
    }
}

impl Iterator for WarcReader {
    type Item = Result<WarcRecord, WarcError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let item = (|| {
            if self.at_end()? {
                return Ok(None);
            }
            let mut bytes = Vec::new();
            let (offset, length) = self.next_member(&mut bytes)?;
            let head = parse_warc_head(&bytes).map_err(|why| self.malformed(offset, why))?;
            // Content-Length comes from the file: a damaged one must not overflow.
            let block_end = head.head_len.saturating_add(head.content_length);
            let trailer = bytes.get(block_end..);
            if trailer != Some(&b"\r\n\r\n"[..]) {
                return Err(self.malformed(
                    offset,
                    format!(
                        "member holds {} bytes, header announces a record of {}",
                        bytes.len(),
                        block_end.saturating_add(4)
                    ),
                ));
            }
            bytes.truncate(block_end);
            let block = bytes.split_off(head.head_len);
            Ok(Some(WarcRecord {
                offset,
                length,
                version: head.version,
                headers: head.headers,
                block,
            }))
        })();
        match item {
            Ok(Some(record)) => Some(Ok(record)),
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

struct WarcHead {
    version: String,
    headers: Vec<(String, String)>,
    /// Bytes up to and including the blank line.
    head_len: usize,
    content_length: usize,
}

fn parse_warc_head(bytes: &[u8]) -> Result<WarcHead, String> {
    let head_len = find(bytes, b"\r\n\r\n")
        .map(|i| i + 4)
        .ok_or("no end of WARC headers")?;
    let text = std::str::from_utf8(&bytes[..head_len - 4])
        .map_err(|_| "WARC headers are not UTF-8".to_string())?;
    let mut lines = text.split("\r\n");
    let version = lines.next().unwrap_or_default();
    if !version.starts_with("WARC/1.") {
        return Err(format!("version line {version:?}"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("header line without a colon: {line:?}"))?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let content_length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("Content-Length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .ok_or("no valid Content-Length")?;
    Ok(WarcHead {
        version: version.to_string(),
        headers,
        head_len,
        content_length,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The head of an HTTP message held in a record block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpHead {
    /// The request or status line.
    pub first_line: String,
    /// The status code, for a response.
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    /// Where the body starts in the block.
    pub body_offset: usize,
}

impl HttpHead {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Parses the request/status line and headers of an `application/http` block. `None` when the
/// block has no complete head.
pub fn parse_http_head(block: &[u8]) -> Option<HttpHead> {
    let body_offset = find(block, b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(block.get(..body_offset - 4)?);
    let mut lines = text.split("\r\n");
    let first_line = lines.next()?.to_string();
    let status = if first_line.starts_with("HTTP/") {
        first_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse::<u16>().ok())
    } else {
        None
    };
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(HttpHead {
        first_line,
        status,
        headers,
        body_offset,
    })
}

/// Where the first whole record after the damaged member at `damaged` starts, if one does.
///
/// Damage inside a file (a flipped bit, a lost block) leaves the records after it whole; a
/// record cut short by a stop while it was written leaves none. Every gzip header (1F 8B 08)
/// after `damaged` is tried as the start of a member holding a WARC record, so a gzip body that
/// a record stores verbatim is not taken for one (it holds no WARC record).
pub fn next_whole_record(path: &Path, damaged: u64) -> Result<Option<u64>, WarcError> {
    const MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];
    let io = |source| WarcError::Io {
        path: path.to_path_buf(),
        source,
    };
    let start = damaged.saturating_add(1);
    let mut file = File::open(path).map_err(io)?;
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let mut input = BufReader::with_capacity(64 * 1024, file);
    // The bytes from `at` on; a window keeps the last two of a read for a header across reads.
    let mut window: Vec<u8> = Vec::with_capacity(64 * 1024 + 2);
    let mut at = start;
    loop {
        let read = input.fill_buf().map_err(io)?;
        if read.is_empty() {
            return Ok(None);
        }
        window.extend_from_slice(read);
        let n = read.len();
        input.consume(n);
        let mut from = 0;
        while let Some(i) = find(&window[from..], &MAGIC) {
            let candidate = at + (from + i) as u64;
            if let Some(Ok(_)) = WarcReader::open_at(path, candidate)?.next() {
                return Ok(Some(candidate));
            }
            from += i + 1;
        }
        let keep = window.len().min(MAGIC.len() - 1);
        at += (window.len() - keep) as u64;
        window.drain(..window.len() - keep);
    }
}

/// What a scan of a file found: where its last complete record ends.
pub(super) struct Scan {
    pub good_end: u64,
    pub records: u64,
    /// Why the scan stopped before the end of the file, if it did.
    pub damage: Option<String>,
}

/// Keeps the first bytes of a decoded member (enough for the WARC headers) and the last four,
/// and counts the rest, so a scan of a large file never holds a whole record.
struct HeadTailSink {
    head: Vec<u8>,
    tail: [u8; 4],
    total: u64,
}

const SCAN_HEAD_BYTES: usize = 64 * 1024;

impl Write for HeadTailSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = SCAN_HEAD_BYTES.saturating_sub(self.head.len());
        self.head.extend_from_slice(&buf[..room.min(buf.len())]);
        for &b in &buf[buf.len().saturating_sub(4)..] {
            self.tail.rotate_left(1);
            self.tail[3] = b;
        }
        self.total += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Walks the members of a file and checks that each is a complete WARC record.
pub(super) fn scan(path: &Path) -> Result<Scan, WarcError> {
    let mut reader = WarcReader::open(path)?;
    let mut records = 0;
    loop {
        let offset = reader.input.consumed;
        if reader.at_end()? {
            return Ok(Scan {
                good_end: offset,
                records,
                damage: None,
            });
        }
        let mut sink = HeadTailSink {
            head: Vec::new(),
            tail: [0; 4],
            total: 0,
        };
        let verdict = reader.next_member(&mut sink).map_err(|e| e.to_string());
        let verdict = verdict.and_then(|_| {
            let head = parse_warc_head(&sink.head)?;
            let expected = (head.head_len as u64)
                .saturating_add(head.content_length as u64)
                .saturating_add(4);
            if sink.total != expected || &sink.tail != b"\r\n\r\n" {
                return Err(format!(
                    "record of {} bytes where the header announces {expected}",
                    sink.total
                ));
            }
            Ok(())
        });
        if let Err(why) = verdict {
            return Ok(Scan {
                good_end: offset,
                records,
                damage: Some(why),
            });
        }
        records += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_heads() {
        // first line, status, Content-Type, body offset
        type Head<'a> = (&'a str, Option<u16>, Option<&'a str>, usize);
        let cases: [(&[u8], Option<Head>); 5] = [
            (
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>",
                Some(("HTTP/1.1 200 OK", Some(200), Some("text/html"), 44)),
            ),
            (
                b"HTTP/2.0 404 \r\ncontent-type:  text/plain \r\n\r\n",
                Some(("HTTP/2.0 404 ", Some(404), Some("text/plain"), 45)),
            ),
            (
                b"GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n",
                Some(("GET /a?b HTTP/1.1", None, None, 30)),
            ),
            (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n", None),
            (b"", None),
        ];
        for (block, expected) in cases {
            let got = parse_http_head(block).map(|h| {
                let ct = h.header("content-type").map(str::to_string);
                (h.first_line, h.status, ct, h.body_offset)
            });
            let expected =
                expected.map(|(l, s, ct, o)| (l.to_string(), s, ct.map(str::to_string), o));
            assert_eq!(got, expected, "{:?}", String::from_utf8_lossy(block));
        }
    }

    #[test]
    fn damaged_input_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().expect("temp dir");
        let huge = format!("WARC/1.1\r\nContent-Length: {}\r\n\r\n", usize::MAX);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(huge.as_bytes())
            .expect("writing into a Vec cannot fail");
        let huge = gz.finish().expect("finishing into a Vec cannot fail");
        let cases: [(&str, &[u8]); 3] = [
            ("not gzip", b"WARC/1.1\r\nContent-Length: 0\r\n\r\n\r\n\r\n"),
            ("gzip cut in its header", &[0x1f, 0x8b, 8]),
            ("content length past usize", &huge),
        ];
        for (what, bytes) in cases {
            let path = dir.path().join("x.warc.gz");
            std::fs::write(&path, bytes).expect("write");
            let results: Vec<_> = WarcReader::open(&path).expect("opens").collect();
            assert_eq!(results.len(), 1, "{what}");
            assert!(
                matches!(results[0], Err(WarcError::Malformed { offset: 0, .. })),
                "{what}: {:?}",
                results[0]
            );
            let found = scan(&path).expect("scan");
            assert_eq!((found.good_end, found.records), (0, 0), "{what}");
            assert!(found.damage.is_some(), "{what}");
        }
    }
}
