//! WARC/1.1 output (ISO 28500:2017): every HTTP exchange the crawl archives, written as `request`,
//! `response` (or `revisit`) and `metadata` records into size-rotated `.warc.gz` files beside the
//! raw-body archive, plus the reader, crash recovery and CDXJ index built on the same framing.
//!
//! - `record`   builds one record: WARC headers, HTTP blocks, digests, record ids.
//! - `writer`   [`WarcWriter`]: one gzip member per record, rotation, warcinfo, fsync.
//! - `reader`   [`WarcReader`]: member-by-member reading with offsets; recovery of a cut file.
//! - `cdxj`     [`cdxj_index`]: pywb CDXJ lines keyed by SURT.
//!
//! The types here do not depend on the crawl engine: the engine converts its `Capture` into a
//! [`WarcCapture`] and keeps the [`WrittenResponse`] it gets back to write later revisits.

mod cdxj;
mod reader;
mod record;
mod writer;

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use cdxj::{cdxj_index, file_names, surt};
pub use reader::{HttpHead, WarcReader, WarcRecord, next_whole_record, parse_http_head};
pub use record::{REVISIT_PROFILE, block_digest, payload_digest};
pub use writer::{
    DEFAULT_MAX_FILE_BYTES, EncodedCapture, METADATA_URI_PREFIX, Recovery, WarcSettings,
    WarcWriter, metadata_uri,
};

#[derive(Debug, thiserror::Error)]
pub enum WarcError {
    #[error("cannot read or write WARC file {path}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} at offset {offset}: not a WARC record: {why}")]
    Malformed {
        path: PathBuf,
        offset: u64,
        why: String,
    },
}

/// One HTTP exchange, as the WARC writer needs it.
#[derive(Debug, Clone)]
pub struct WarcCapture {
    /// The absolute URL requested.
    pub target_uri: String,
    /// When the response was received; becomes WARC-Date of every record of the exchange.
    pub date: DateTime<Utc>,
    /// The peer's address (WARC-IP-Address), when known.
    pub ip: Option<IpAddr>,
    pub method: String,
    /// The request target as sent on the request line: path and query.
    pub request_target: String,
    /// "HTTP/1.1", "HTTP/2.0" ... as reported by the client.
    pub http_version: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<Vec<u8>>,
    pub status: u16,
    /// The reason phrase; the canonical one for the status is written when absent.
    pub reason: Option<String>,
    /// Response headers as received (names may be lower-cased).
    pub response_headers: Vec<(String, Vec<u8>)>,
    /// The entity body as it came over the wire: transfer decoding undone (de-chunked), content
    /// coding (gzip, br ...) still applied. Shared with the capture it came from.
    pub wire_body: bytes::Bytes,
}

/// Whether a capture's response went out as a full `response` or as a `revisit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResponseKind {
    Response,
    Revisit,
}

/// Where a capture's response (or revisit) record went: what the engine stores to point into the
/// WARC files and to write revisits of this payload later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrittenResponse {
    pub kind: ResponseKind,
    /// `<urn:uuid:...>`, angle brackets included, as in WARC-Record-ID.
    pub record_id: String,
    /// File name (no folder) of the WARC file holding the record.
    pub file: String,
    /// Byte offset of the record's gzip member in `file`.
    pub offset: u64,
    /// Compressed length of the record's gzip member.
    pub length: u64,
    /// `sha1:` + Base32 of the wire body.
    pub payload_digest: String,
    pub date: DateTime<Utc>,
    pub target_uri: String,
}

/// The earlier full `response` record a revisit points to.
///
/// Build it from the [`WrittenResponse`] of the original capture, never from that of a revisit:
/// a revisit must refer to a record that holds the payload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisitOf {
    pub record_id: String,
    pub target_uri: String,
    pub date: DateTime<Utc>,
    pub payload_digest: String,
}

impl From<&WrittenResponse> for RevisitOf {
    fn from(w: &WrittenResponse) -> RevisitOf {
        RevisitOf {
            record_id: w.record_id.clone(),
            target_uri: w.target_uri.clone(),
            date: w.date,
            payload_digest: w.payload_digest.clone(),
        }
    }
}
