//! Decode: raw bytes -> text, choosing the character encoding the way a browser does and recording
//! which piece of evidence decided. Sits between fetch and classify; pure (no I/O, no clock).
//!
//! Order: BOM, then the HTTP `charset`, then the `<meta>` prescan, then a strict UTF-8 trial, then
//! chardetng. Government portals mislabel often (a GB2312 label on UTF-8 bytes, a gb2312 label on
//! GBK bytes), so a declared label is checked against the bytes before it is believed.

mod mojibake;
mod prescan;

use chardetng::EncodingDetector;
use encoding_rs::Encoding;
use serde::Serialize;

pub use mojibake::{looks_like_mojibake, repair_latin1_mojibake, repair_mojibake_runs};
pub use prescan::{MetaCharset, PRESCAN_LIMIT, charset_from_content, prescan};

/// How many leading bytes chardetng sees: it runs at ~13 MB/s and a prefix is plenty of evidence.
pub const DETECTOR_PREFIX: usize = 64 * 1024;

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

/// A label the page declared, with the encoding it resolves to.
struct Declaration {
    label: String,
    encoding: &'static Encoding,
    source: CharsetSource,
}

/// Decodes `body`, given the Content-Type header value if the response had one.
pub fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    if let Some((encoding, bom_len)) = Encoding::for_bom(body) {
        let rest = body.get(bom_len..).unwrap_or_default();
        return finish(encoding, CharsetSource::Bom, None, rest);
    }
    let declaration = content_type.and_then(header_declaration).or_else(|| {
        prescan(body).map(|meta| Declaration {
            label: meta.label,
            encoding: meta.encoding,
            source: CharsetSource::Meta,
        })
    });
    let Some(declaration) = declaration else {
        return if is_utf8(body) {
            finish(encoding_rs::UTF_8, CharsetSource::Utf8Trial, None, body)
        } else {
            finish(detect(body), CharsetSource::Detector, None, body)
        };
    };
    let Declaration {
        label,
        encoding,
        source,
    } = declaration;
    let declared = Some(label);
    // Checked after decoding: the decoder checks UTF-8 anyway, and most pages declare it.
    if encoding == encoding_rs::UTF_8 {
        let believed = finish(encoding, source, declared.clone(), body);
        // A UTF-8 label on GBK or Big5 bytes: most of the text is not UTF-8. (A UTF-8 page with a
        // stray bad byte, or a legacy fragment inside it, stays UTF-8.)
        if believed.had_errors && mostly_not_utf8(&believed.text) {
            let guessed = finish(detect(body), CharsetSource::Detector, declared, body);
            if !guessed.had_errors {
                return guessed;
            }
        }
        return believed;
    }
    let utf8_valid = is_utf8(body);
    // A legacy label on bytes that are valid UTF-8 and not plain ASCII is a lie: legacy CJK text
    // is practically never valid UTF-8 by accident.
    let is_ascii = Encoding::ascii_valid_up_to(body) == body.len();
    if utf8_valid && (!is_ascii || is_utf16(encoding)) {
        return finish(encoding_rs::UTF_8, CharsetSource::Utf8Trial, declared, body);
    }
    let believed = finish(encoding, source, declared.clone(), body);
    if !believed.had_errors {
        // GB18030 decodes almost any pair of bytes, so a gb2312 label on Big5 bytes decodes
        // cleanly, into kana, box drawing and rare characters: ask the detector then.
        if believed.encoding == encoding_rs::GB18030 && looks_like_big5_read_as_gbk(&believed.text)
        {
            let guessed = finish(detect(body), CharsetSource::Detector, declared, body);
            if guessed.encoding == encoding_rs::BIG5 && !guessed.had_errors {
                return guessed;
            }
        }
        return believed;
    }
    // The label names an encoding the bytes are not in (a big5 label on GBK bytes): ask the
    // detector and take its answer only when that decodes cleanly.
    let guessed = finish(detect(body), CharsetSource::Detector, declared, body);
    if guessed.had_errors {
        believed
    } else {
        guessed
    }
}

/// The `charset` parameter of a Content-Type header, resolved to an encoding. A label that names
/// no encoding counts as no declaration, as in a browser.
fn header_declaration(content_type: &str) -> Option<Declaration> {
    let label = content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })?;
    let encoding = Encoding::for_label_no_replacement(label.as_bytes())?;
    Some(Declaration {
        label: label.to_ascii_lowercase(),
        encoding,
        source: CharsetSource::HttpHeader,
    })
}

/// Decoded as UTF-8, the text has more replacement characters than characters beyond ASCII that
/// decoded: legacy CJK bytes, where UTF-8 with a few bad bytes has almost none.
fn mostly_not_utf8(text: &str) -> bool {
    let (mut replaced, mut decoded) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if c == char::REPLACEMENT_CHARACTER {
            replaced += 1;
        } else {
            decoded += 1;
        }
    }
    replaced >= MIN_NOT_UTF8 && replaced > decoded
}

/// Replacement characters a UTF-8 label must produce before its page is decoded otherwise.
const MIN_NOT_UTF8: usize = 8;

/// Characters a Chinese page seldom holds but Big5 read as GBK is full of: kana, Greek,
/// Cyrillic, bopomofo, box drawing and private-use characters (Big5's most common hanzi, lead
/// bytes A4–A9, are those rows of GBK).
fn looks_like_big5_read_as_gbk(text: &str) -> bool {
    let (mut odd, mut wide) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        wide += 1;
        if matches!(c,
            '\u{3040}'..='\u{30FF}'
            | '\u{0370}'..='\u{04FF}'
            | '\u{3100}'..='\u{312F}'
            | '\u{2500}'..='\u{257F}'
            | '\u{E000}'..='\u{F8FF}')
        {
            odd += 1;
        }
    }
    odd >= MIN_NOT_UTF8 && odd * 5 >= wide
}

fn is_utf8(body: &[u8]) -> bool {
    Encoding::utf8_valid_up_to(body) == body.len()
}

fn is_utf16(encoding: &'static Encoding) -> bool {
    encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE
}

/// chardetng over a bounded prefix. No TLD hint: with `cn` it reads Big5 as GBK.
fn detect(body: &[u8]) -> &'static Encoding {
    let prefix = &body[..body.len().min(DETECTOR_PREFIX)];
    let mut detector = EncodingDetector::new();
    detector.feed(prefix, prefix.len() == body.len());
    detector.guess(None, true)
}

fn finish(
    encoding: &'static Encoding,
    source: CharsetSource,
    declared: Option<String>,
    bytes: &[u8],
) -> Decoded {
    // gb2312/gbk/x-gbk resolve to encoding_rs's GBK, which is the GB18030 decoder minus the
    // four-byte sequences; GB18030 decodes every GBK page and the GB18030-only characters too.
    let encoding = if encoding == encoding_rs::GBK {
        encoding_rs::GB18030
    } else {
        encoding
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let text = text.into_owned();
    let mojibake = looks_like_mojibake(&text);
    Decoded {
        encoding,
        source,
        declared,
        text,
        had_errors,
        mojibake,
    }
}
