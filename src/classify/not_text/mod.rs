//! Not text: a body whose decoded text holds characters real text never has, in a share no page
//! comes near. Random bytes, images, compressed or encrypted data served as a page decode, in any
//! encoding, into about one such character in ten (GB18030 reads most random byte pairs as valid
//! hanzi, so a share of hanzi says nothing; the control characters of the single bytes do). Read
//! on the decoded text before it is parsed. Pure: text in, a share out.

use super::PageKind;
use crate::decode::{Decoded, latin1_byte};

/// What was counted in a text: characters real text never has, of the characters looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OddShare {
    pub odd: usize,
    pub chars: usize,
}

impl OddShare {
    /// The share of odd characters, in thousandths (rounded down).
    pub fn per_mille(self) -> u32 {
        if self.chars == 0 {
            return 0;
        }
        u32::try_from(self.odd.saturating_mul(1000) / self.chars).unwrap_or(u32::MAX)
    }

    /// Whether the text is not text: enough odd characters, and a share of them no page has.
    pub fn is_not_text(self) -> bool {
        self.odd >= MIN_ODD_CHARS && self.per_mille() >= NOT_TEXT_PER_MILLE
    }
}

/// The share of odd characters at or above which a body is not text, in thousandths.
///
/// Measured on the text as the crawl decodes it, for the samples of the tests below: every real
/// page of the shared sets (24 HTML pages, 13 JSON files, two plain-text reports; UTF-8 and
/// mislabelled, a 360 WAF page in mojibake whose 29 C1 controls all continue UTF-8 read as
/// Latin-1) has 0‰, and so has such a page in UTF-16 (with and without a BOM, under a `utf-16`,
/// `gbk` or `utf-8` label), in GBK with five bad bytes, under a lying label (UTF-8 as gb2312 or
/// iso-8859-1, GBK as utf-8, iso-8859-1 or big5), with a part of 5% to 90% in the other of UTF-8
/// and GBK (up to 47‰ of U+FFFD, not counted), and double-encoded (UTF-8 read as Latin-1: 36‰ of
/// C1 controls, 295‰ for a plain-text report, were those that continue a sequence counted).
/// Binary bodies: 200 KB of random bytes 119‰ (as UTF-8) to 150‰ (as GBK), 123‰ undeclared
/// (windows-1252); a PNG 118‰, a JPEG 140‰, gzip, zstd, xz and 7z data 124‰ to 126‰, an
/// encrypted blob 125‰, random bytes after an HTML head 123‰; random bytes read as UTF-16 (after
/// a BOM or under a `utf-16` label) 31‰. 10‰ is a third of the lowest binary body, and no real
/// page has a single odd character.
pub const NOT_TEXT_PER_MILLE: u32 = 10;

/// At least this many odd characters: a short answer with one stray control byte (a C string's
/// NUL after `文件不存在`) is still text.
pub const MIN_ODD_CHARS: usize = 8;

/// A text up to this size is read whole; a longer one in [`WINDOWS`] windows of
/// [`WINDOW_BYTES`] spread over it, first to last, so that a page of text in front of a binary
/// rest (or behind a binary start) does not hide it.
const WHOLE_TEXT_MAX_BYTES: usize = 256 * 1024;
const WINDOWS: usize = 16;
const WINDOW_BYTES: usize = 16 * 1024;

/// `NotText` with its share when a decoded body is not text.
pub fn not_text(decoded: &Decoded) -> Option<PageKind> {
    let utf16 =
        decoded.encoding == encoding_rs::UTF_16LE || decoded.encoding == encoding_rs::UTF_16BE;
    let share = odd_share(&decoded.text, utf16);
    share.is_not_text().then(|| PageKind::NotText {
        odd_per_mille: share.per_mille(),
    })
}

/// The odd characters of `text` (see [`is_odd`]): all of it when it is small, else evenly spread
/// windows. `utf16` says the text was decoded from UTF-16, whose U+FFFD count too.
pub fn odd_share(text: &str, utf16: bool) -> OddShare {
    if text.len() <= WHOLE_TEXT_MAX_BYTES {
        return count(text, utf16);
    }
    let last_start = text.len() - WINDOW_BYTES;
    let mut share = OddShare { odd: 0, chars: 0 };
    for i in 0..WINDOWS {
        let start = ceil_char_boundary(text, last_start * i / (WINDOWS - 1));
        let end = ceil_char_boundary(text, start + WINDOW_BYTES);
        let window = count(&text[start..end], utf16);
        share.odd += window.odd;
        share.chars += window.chars;
    }
    share
}

fn count(text: &str, utf16: bool) -> OddShare {
    // Nearly every page holds none: a few byte scans say so without decoding each character.
    if !may_hold_odd(text.as_bytes(), utf16) {
        return OddShare {
            odd: 0,
            chars: text.chars().count(),
        };
    }
    count_each(text, utf16)
}

/// The odd characters of `text`, looked at one by one.
fn count_each(text: &str, utf16: bool) -> OddShare {
    let (mut odd, mut chars, mut previous) = (0, 0, '\0');
    for c in text.chars() {
        chars += 1;
        odd += usize::from(is_odd(c, previous, utf16));
        previous = c;
    }
    OddShare { odd, chars }
}

/// Whether the UTF-8 of a text may hold an odd character (see [`is_odd`]): a control byte but
/// tab, LF, FF and CR, or DEL; a C1 control (`C2 80` to `C2 9F`); under UTF-16, U+FFFD
/// (`EF BF BD`). Each test is a scan that needs no branch a byte, or a SIMD search.
fn may_hold_odd(bytes: &[u8], utf16: bool) -> bool {
    let whitespace = |b: u8| matches!(b, b'\t' | b'\n' | 0x0C | b'\r');
    let controls = bytes
        .iter()
        .fold(false, |any, &b| any | (b < 0x20 && !whitespace(b)));
    controls
        || memchr::memchr(0x7F, bytes).is_some()
        || memchr::memchr_iter(0xC2, bytes)
            .any(|at| bytes.get(at + 1).is_some_and(|b| (0x80..=0x9F).contains(b)))
        || (utf16 && memchr::memmem::find(bytes, "\u{FFFD}".as_bytes()).is_some())
}

/// A character real text never has: a C0 control other than tab, LF, FF and CR (NUL included),
/// DEL, or a C1 control (what windows-1252 makes of five byte values) that does not continue a
/// UTF-8 sequence read as Latin-1 (Tomcat's mojibake: 的 saved as "ç\u{9A}\u{84}" is text,
/// with a C1 control in every other CJK character it garbles). U+FFFD counts only in text
/// decoded from UTF-16, where it stands for a lone surrogate: random bytes read as UTF-16 have
/// almost no controls (one code unit in a thousand) but 31‰ of those. Elsewhere it stands for
/// bytes of another encoding, and a page that mixes encodings (a GBK block in a UTF-8 page) is
/// still text with up to 47‰ of it.
fn is_odd(c: char, previous: char, utf16: bool) -> bool {
    match c {
        '\t' | '\n' | '\u{0C}' | '\r' => false,
        '\0'..='\u{1F}' | '\u{7F}' => true,
        '\u{80}'..='\u{9F}' => {
            !latin1_byte(previous).is_some_and(|b| matches!(b, 0x80..=0xBF | 0xC2..=0xF4))
        }
        char::REPLACEMENT_CHARACTER => utf16,
        _ => false,
    }
}

/// The first char boundary at or after `at` (the end of `text` past it).
fn ceil_char_boundary(text: &str, at: usize) -> usize {
    (at..text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len())
}

#[cfg(test)]
mod tests;
