//! Decode: raw bytes -> text, choosing the character encoding the way a browser does and recording
//! which piece of evidence decided. Sits between fetch and classify; pure (no I/O, no clock).
//!
//! Order: BOM, then the HTTP `charset`, then the `<meta>` prescan, then a strict UTF-8 trial, then
//! chardetng. Government portals mislabel often (a GB2312 label on UTF-8 bytes, a gb2312 label on
//! GBK bytes, Tomcat's default `ISO-8859-1` on GBK bytes), so a declared label is checked against
//! the bytes before it is believed. A Chinese label with a few bad bytes (a character cut short,
//! a UTF-8 footer pasted into a GBK page) is kept, with U+FFFD for the bad bytes, as a browser
//! keeps it; a single-byte encoding is never chosen for CJK bytes that a Chinese encoding reads.

mod mojibake;
mod prescan;

use chardetng::EncodingDetector;
use encoding_rs::Encoding;
use serde::Serialize;

pub use mojibake::{
    latin1_byte, looks_like_mojibake, repair_latin1_mojibake, repair_mojibake_runs,
};
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
    /// The bytes are UTF-16 without a BOM: the NUL bytes of the ASCII markup fall all on one side
    /// of each byte pair.
    Utf16Trial,
    /// chardetng guessed from the bytes.
    Detector,
    /// A Chinese encoding (UTF-8, GB18030 or Big5) read the bytes with few errors where the label,
    /// the BOM or the detector named an encoding that does not fit them: a single-byte (Latin)
    /// label or guess over CJK bytes, or a UTF-8 BOM or label over GBK bytes.
    CjkTrial,
}

impl CharsetSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CharsetSource::Bom => "bom",
            CharsetSource::HttpHeader => "http_header",
            CharsetSource::Meta => "meta",
            CharsetSource::Utf8Trial => "utf8_trial",
            CharsetSource::Utf16Trial => "utf16_trial",
            CharsetSource::Detector => "detector",
            CharsetSource::CjkTrial => "cjk_trial",
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
    /// U+FFFD in `text`: bytes the encoding could not read (and any the page itself held).
    pub replacement_chars: u64,
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
        let believed = finish(encoding, CharsetSource::Bom, None, rest);
        // A UTF-8 BOM written in front of GBK bytes (an editor's "save with BOM"): a browser shows
        // replacement characters; the text is still there to be read.
        if believed.had_errors && mostly_not_utf8(&believed.text) {
            return cjk_trial(rest, &None).unwrap_or(believed);
        }
        return believed;
    }
    let declaration = content_type.and_then(header_declaration).or_else(|| {
        prescan(body).map(|meta| Declaration {
            label: meta.label,
            encoding: meta.encoding,
            source: CharsetSource::Meta,
        })
    });
    let Some(declaration) = declaration else {
        if is_utf8(body) {
            return finish(encoding_rs::UTF_8, CharsetSource::Utf8Trial, None, body);
        }
        if let Some(utf16) = utf16_without_bom(body) {
            return finish(utf16, CharsetSource::Utf16Trial, None, body);
        }
        let guessed = finish(detect(body), CharsetSource::Detector, None, body);
        if guessed.encoding.is_single_byte() && has_cjk_bytes(body) {
            return cjk_trial(body, &None).unwrap_or(guessed);
        }
        return guessed;
    };
    let Declaration {
        label,
        encoding,
        source,
    } = declaration;
    let declared = Some(label);
    // UTF-16 bytes under another label (a server's default `charset=utf-8`): UTF-8 would read
    // every other byte as a NUL. No page in another encoding has a NUL in every other byte.
    if !is_utf16(encoding)
        && let Some(utf16) = utf16_without_bom(body)
    {
        return finish(utf16, CharsetSource::Utf16Trial, declared, body);
    }
    // Checked after decoding: the decoder checks UTF-8 anyway, and most pages declare it.
    if encoding == encoding_rs::UTF_8 {
        let believed = finish(encoding, source, declared.clone(), body);
        // A UTF-8 label on GBK or Big5 bytes: most of the text is not UTF-8. (A UTF-8 page with a
        // stray bad byte, or a legacy fragment inside it, stays UTF-8.)
        if believed.had_errors && mostly_not_utf8(&believed.text) {
            return overrule(body, &declared).unwrap_or(believed);
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
    // A single-byte label never has errors, so it is checked against the bytes instead: Tomcat's
    // default `ISO-8859-1` over a GBK page is the common case.
    if believed.encoding.is_single_byte() {
        if has_cjk_bytes(body) {
            return cjk_trial(body, &declared).unwrap_or(believed);
        }
        return believed;
    }
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
    // Bytes that UTF-8 reads with few errors are UTF-8 with a few bad bytes (legacy bytes never
    // come close). A label that names a Chinese encoding the bytes are not in (big5 on GBK bytes)
    // gives way to the detector's Chinese answer that decodes them cleanly. Else a Chinese label
    // that fails on a few bytes only (a character cut short, a UTF-8 footer) is kept, as a browser
    // keeps it.
    if let Some(utf8) = close_utf8(body, &declared) {
        return utf8;
    }
    let guessed = clean_guess(body, &declared);
    if let Some(chinese) = guessed.as_ref().filter(|g| is_chinese(g.encoding)) {
        return chinese.clone();
    }
    let big5_as_gbk =
        believed.encoding == encoding_rs::GB18030 && looks_like_big5_read_as_gbk(&believed.text);
    if is_chinese(believed.encoding) && !big5_as_gbk && Fit::of(&believed.text).is_close() {
        return believed;
    }
    if let Some(guessed) = guessed {
        return guessed;
    }
    cjk_trial(body, &declared).unwrap_or(believed)
}

/// The answer when a UTF-8 label fails on most of the text: the detector's, when it decodes
/// cleanly, else the Chinese encoding that fits the bytes.
fn overrule(body: &[u8], declared: &Option<String>) -> Option<Decoded> {
    clean_guess(body, declared).or_else(|| cjk_trial(body, declared))
}

/// chardetng's guess when it decodes the bytes without errors and is believable: not a
/// single-byte encoding over CJK bytes (which never has errors), not GBK read from Big5 bytes.
fn clean_guess(body: &[u8], declared: &Option<String>) -> Option<Decoded> {
    let guessed = finish(
        detect(body),
        CharsetSource::Detector,
        declared.clone(),
        body,
    );
    let latin_over_cjk = guessed.encoding.is_single_byte() && has_cjk_bytes(body);
    let big5_as_gbk =
        guessed.encoding == encoding_rs::GB18030 && looks_like_big5_read_as_gbk(&guessed.text);
    let believable = !guessed.had_errors && !latin_over_cjk && !big5_as_gbk;
    believable.then_some(guessed)
}

/// UTF-8 when it reads `bytes` with few errors: GBK or Big5 bytes read as UTF-8 fail on nearly
/// every character, so a close fit is UTF-8 with a few bad bytes (a GBK fragment, a cut character).
fn close_utf8(bytes: &[u8], declared: &Option<String>) -> Option<Decoded> {
    let decoded = finish(
        encoding_rs::UTF_8,
        CharsetSource::CjkTrial,
        declared.clone(),
        bytes,
    );
    let fit = Fit::of(&decoded.text);
    (fit.decoded > 0 && fit.is_close()).then_some(decoded)
}

/// The Chinese encoding that reads `bytes` with few errors (see [`Fit::is_close`]): UTF-8 first
/// (see [`close_utf8`]), then GB18030 or Big5, whichever has fewer errors. GB18030 reads Big5
/// bytes almost without errors, into kana and box drawing: Big5 is preferred then.
fn cjk_trial(bytes: &[u8], declared: &Option<String>) -> Option<Decoded> {
    if let Some(utf8) = close_utf8(bytes, declared) {
        return Some(utf8);
    }
    let gbk = finish(
        encoding_rs::GB18030,
        CharsetSource::CjkTrial,
        declared.clone(),
        bytes,
    );
    let big5 = finish(
        encoding_rs::BIG5,
        CharsetSource::CjkTrial,
        declared.clone(),
        bytes,
    );
    let (gbk_fit, big5_fit) = (Fit::of(&gbk.text), Fit::of(&big5.text));
    // GB18030 and Big5 both read most two-byte text; on a tie the detector says which.
    let prefer_big5 = big5_fit.is_close()
        && (looks_like_big5_read_as_gbk(&gbk.text)
            || big5_fit.errors < gbk_fit.errors
            || (big5_fit.errors == gbk_fit.errors && detect(bytes) == encoding_rs::BIG5));
    if prefer_big5 {
        Some(big5)
    } else {
        gbk_fit.is_close().then_some(gbk)
    }
}

/// How well an encoding read some bytes: malformed sequences against the characters beyond ASCII
/// that decoded.
#[derive(Debug, Clone, Copy)]
struct Fit {
    errors: usize,
    decoded: usize,
}

impl Fit {
    fn of(text: &str) -> Fit {
        let (mut errors, mut decoded) = (0, 0);
        for c in text.chars().filter(|c| !c.is_ascii()) {
            if c == char::REPLACEMENT_CHARACTER {
                errors += 1;
            } else {
                decoded += 1;
            }
        }
        Fit { errors, decoded }
    }

    /// Few errors for the text: one, or at most one per [`CHARS_PER_ERROR`] characters that
    /// decoded.
    fn is_close(self) -> bool {
        self.errors <= 1 || self.errors * CHARS_PER_ERROR <= self.decoded
    }
}

/// A page in the right encoding with a few bad bytes (a cut character, a stray byte, a UTF-8
/// footer read as GBK) has far fewer than one error per 20 characters; bytes read in the wrong
/// Chinese encoding (GBK as Big5 or as UTF-8, Big5 as Shift_JIS) have several per 20.
const CHARS_PER_ERROR: usize = 20;

/// Enough bytes above 0x7F to be text in a CJK encoding rather than a few Latin accents.
fn has_cjk_bytes(body: &[u8]) -> bool {
    let prefix = &body[..body.len().min(DETECTOR_PREFIX)];
    prefix.iter().filter(|b| !b.is_ascii()).count() >= MIN_CJK_BYTES
}

/// Eight two-byte characters.
const MIN_CJK_BYTES: usize = 16;

fn is_chinese(encoding: &'static Encoding) -> bool {
    encoding == encoding_rs::GB18030
        || encoding == encoding_rs::GBK
        || encoding == encoding_rs::BIG5
}

/// UTF-16 without a BOM or a label that says so: HTML markup is ASCII, so in UTF-16LE nearly every
/// other byte is NUL, and in UTF-16BE every other byte the other way round. (A `<meta>` inside is
/// not seen by the prescan, which reads bytes as ASCII.)
fn utf16_without_bom(body: &[u8]) -> Option<&'static Encoding> {
    let sample = &body[..body.len().min(UTF16_SAMPLE)];
    let pairs = sample.len() / 2;
    if pairs < 16 {
        return None;
    }
    let (mut first, mut second) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        first += usize::from(pair[0] == 0);
        second += usize::from(pair[1] == 0);
    }
    // A quarter of the characters ASCII, and fewer NULs on the other side (those come from
    // characters such as 开, U+5F00, and 一, U+4E00, which every report title holds: a page of
    // dense text under little markup has one for every six or seven ASCII characters).
    let utf16 = |nul: usize, other: usize| nul * 4 >= pairs && other * 4 <= nul;
    if utf16(second, first) {
        Some(encoding_rs::UTF_16LE)
    } else if utf16(first, second) {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// How many leading bytes the UTF-16 check looks at.
const UTF16_SAMPLE: usize = 4096;

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

/// Decoded as UTF-8, the text has many times more replacement characters than characters from
/// U+0800 up (CJK is there, three bytes each): legacy CJK bytes. GBK or Big5 bytes form two-byte
/// UTF-8 sequences (Latin, Greek, Cyrillic) by accident often, three-byte ones for about one in
/// fifty replacements; a UTF-8 page with a few bad bytes, or with a GBK paragraph as long as the
/// rest of its text, has one such character or more per four replacements.
fn mostly_not_utf8(text: &str) -> bool {
    let (mut replaced, mut wide) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_ascii()) {
        if c == char::REPLACEMENT_CHARACTER {
            replaced += 1;
        } else if u32::from(c) >= 0x800 {
            wide += 1;
        }
    }
    replaced >= MIN_NOT_UTF8 && wide * NOT_UTF8_PER_CHAR < replaced
}

/// Replacements per three-byte character beyond which the text is not UTF-8.
const NOT_UTF8_PER_CHAR: usize = 10;

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
    let replacement_chars = mojibake::replacement_chars(&text);
    let mojibake = mojibake::mojibake_with(&text, replacement_chars);
    Decoded {
        encoding,
        source,
        declared,
        text,
        had_errors,
        replacement_chars: replacement_chars as u64,
        mojibake,
    }
}
