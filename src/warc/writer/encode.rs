//! One capture's records encoded for the writer: `EncodedCapture` builds the request, response
//! (or revisit) and metadata records and gzips each into its own member (`gzip`, one deflate state
//! a thread), outside whatever lock guards the `WarcWriter` that appends them.

use chrono::{DateTime, Utc};
use flate2::{Compress, Compression, Crc, FlushCompress, Status};

use crate::warc::record::{
    REVISIT_PROFILE, Record, block_digest, new_record_id, payload_digest, request_block,
    response_head, warc_date,
};
use crate::warc::{ResponseKind, RevisitOf, WarcCapture};

/// The headers every record of a capture carries after type, id and date.
fn common(record: Record, capture: &WarcCapture) -> Record {
    let record = record.header("WARC-Target-URI", capture.target_uri.as_str());
    match capture.ip {
        Some(ip) => record.header("WARC-IP-Address", ip.to_string()),
        None => record,
    }
}

pub(super) fn with_block_digest(record: Record) -> Record {
    let digest = block_digest(&record.block);
    record.header("WARC-Block-Digest", digest)
}

/// The gzip header flate2's `GzEncoder` writes at the default level: no name, no time, OS
/// unknown.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

thread_local! {
    /// Each thread's deflate state, reset for every member. A fresh one a member cost a few
    /// hundred KB of allocation and zeroing each time (zlib-rs), three times a page, and the
    /// churn of those blocks across the threads raised the raw farm's peak RSS by 60 MB.
    static DEFLATE: std::cell::RefCell<Option<Compress>> = const { std::cell::RefCell::new(None) };
}

/// One gzip member holding `bytes`, as `GzEncoder` writes it.
pub(super) fn gzip(bytes: &[u8]) -> Vec<u8> {
    DEFLATE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let deflate = cell.get_or_insert_with(|| Compress::new(Compression::default(), false));
        deflate.reset();
        let mut out = Vec::with_capacity(bytes.len() / 2 + 64);
        out.extend_from_slice(&GZIP_HEADER);
        loop {
            let read = usize::try_from(deflate.total_in()).unwrap_or(bytes.len());
            let status = deflate
                .compress_vec(
                    &bytes[read.min(bytes.len())..],
                    &mut out,
                    FlushCompress::Finish,
                )
                .expect("deflating from memory into a growing Vec cannot fail");
            if status == Status::StreamEnd {
                break;
            }
            out.reserve(out.capacity().max(64));
        }
        let mut crc = Crc::new();
        crc.update(bytes);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        // ISIZE is the length modulo 2^32 (RFC 1952).
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out
    })
}

/// One capture's records, built and gzipped, ready to append: one gzip member per record.
pub struct EncodedCapture {
    pub(super) kind: ResponseKind,
    pub(super) response_id: String,
    pub(super) members: Vec<Vec<u8>>,
    pub(super) payload_digest: String,
    pub(super) date: DateTime<Utc>,
    pub(super) target_uri: String,
}

impl EncodedCapture {
    /// Builds and compresses the records `WarcWriter::write_capture` writes.
    pub fn new(
        capture: &WarcCapture,
        revisit_of: Option<&RevisitOf>,
        metadata: Option<&serde_json::Value>,
    ) -> EncodedCapture {
        let digest = payload_digest(&capture.wire_body);
        EncodedCapture::with_digest(capture, digest, revisit_of, metadata)
    }

    /// The same, for a caller that has the capture's payload digest already (`payload_digest`
    /// of its wire body): a body is hashed once, not once a step.
    pub fn with_digest(
        capture: &WarcCapture,
        digest: String,
        revisit_of: Option<&RevisitOf>,
        metadata: Option<&serde_json::Value>,
    ) -> EncodedCapture {
        debug_assert_eq!(
            digest,
            payload_digest(&capture.wire_body),
            "a stale payload digest"
        );
        let revisit_of = revisit_of.filter(|r| r.payload_digest == digest);
        let request_id = new_record_id();
        let response_id = new_record_id();

        let mut request = common(Record::new("request", &request_id, capture.date), capture)
            .header("WARC-Concurrent-To", response_id.as_str())
            .header("Content-Type", "application/http;msgtype=request");
        request.block = request_block(capture);

        let head = response_head(capture);
        let (kind, response) = match revisit_of {
            Some(original) => {
                let mut r = common(Record::new("revisit", &response_id, capture.date), capture)
                    .header("WARC-Profile", REVISIT_PROFILE)
                    .header("WARC-Refers-To", original.record_id.as_str())
                    .header("WARC-Refers-To-Target-URI", original.target_uri.as_str())
                    .header("WARC-Refers-To-Date", warc_date(original.date))
                    .header("WARC-Payload-Digest", digest.as_str())
                    .header("Content-Type", "application/http;msgtype=response");
                r.block = head;
                (ResponseKind::Revisit, r)
            }
            None => {
                let mut r = common(Record::new("response", &response_id, capture.date), capture)
                    .header("WARC-Payload-Digest", digest.as_str())
                    .header("Content-Type", "application/http;msgtype=response");
                r.block = head;
                r.block.extend_from_slice(&capture.wire_body);
                (ResponseKind::Response, r)
            }
        };

        let mut records = vec![with_block_digest(request), with_block_digest(response)];
        if let Some(doc) = metadata {
            // Not the page's URI: replay tools index metadata records under their target URI
            // (pywb and cdxj-indexer index `application/json` ones, and read `metadata://host/…`
            // as the same key as `http://host/…`), and `id_` replay then serves the JSON instead
            // of the page. A `urn:` URI is indexed as itself and never matches a page.
            let mut m = Record::new("metadata", &new_record_id(), capture.date)
                .header("WARC-Target-URI", metadata_uri(&capture.target_uri))
                .header("WARC-Refers-To", response_id.as_str())
                .header("WARC-Refers-To-Target-URI", capture.target_uri.as_str())
                .header("WARC-Concurrent-To", response_id.as_str())
                .header("Content-Type", "application/json");
            m.block = serde_json::to_vec(doc).expect("a serde_json::Value always serializes");
            records.push(with_block_digest(m));
        }
        let members = records
            .iter()
            .map(|r| gzip(&r.to_bytes()))
            .collect::<Vec<_>>();
        EncodedCapture {
            kind,
            response_id,
            members,
            payload_digest: digest,
            date: capture.date,
            target_uri: capture.target_uri.clone(),
        }
    }
}

/// The WARC-Target-URI of the metadata record about a capture of `target_uri`.
pub fn metadata_uri(target_uri: &str) -> String {
    format!("{METADATA_URI_PREFIX}{target_uri}")
}

/// Prefix of metadata records' target URIs: `urn:nianbao:metadata:` + the page's URI.
pub const METADATA_URI_PREFIX: &str = "urn:nianbao:metadata:";

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// The reused deflate state writes exactly what a fresh `GzEncoder` writes, member after
    /// member on one thread (so each reset is exercised), from empty to several output blocks.
    #[test]
    fn gzip_members_equal_gzencoders() {
        let mut seed = 7u32;
        let mut noise = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    (seed >> 24) as u8
                })
                .collect()
        };
        let text = "政府信息公开工作年度报告 annual report\r\n"
            .repeat(4000)
            .into_bytes();
        let inputs = [
            Vec::new(),
            b"a".to_vec(),
            noise(300),
            text,
            noise(300_000),
            noise(10),
        ];
        for input in &inputs {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
            encoder.write_all(input).expect("write");
            let expected = encoder.finish().expect("finish");
            assert_eq!(gzip(input), expected, "{} bytes", input.len());
        }
    }
}
