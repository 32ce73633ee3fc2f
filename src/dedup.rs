//! Dedup: the two digests of a page. `sha256` of the raw body identifies bytes; `content_hash`
//! identifies the normalised main content and ignores volatile parts (scripts, view counters,
//! page-generation times, session ids), so a re-fetch whose only changes are volatile matches.

use sha2::{Digest, Sha256};

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Content hash of an HTML page's normalised main content (lower-case hex sha256).
pub fn content_hash(html: &str) -> String {
    sha256_hex(html.as_bytes())
}
