//! Text from RTF (`{\rtf1`), which Word and WPS save under `.doc`: many older 年报 files are
//! RTF. The document's text without its destinations (font and colour tables, style sheet,
//! info, pictures, fields' instructions, page headers and footers, `{\*\…}` groups). `\'hh`
//! bytes are read in the code page of the current font's `\fcharset` (134 GB2312 as GBK, 136
//! Big5), else the document's `\ansicpg` (936 GBK, 950 Big5 …), else Windows-1252; `\uN` is a
//! Unicode character, whose `\ucN` fallback characters are skipped. `\par`, `\line`, `\row`,
//! `\page` and `\sect` end a line; `\tab` and `\cell` are tabs; `\binN`'s N bytes of binary data
//! are skipped whole. Groups are kept on a bounded
//! stack of their own, so nesting from the network costs no call stack.

use std::collections::HashMap;

use encoding_rs::Encoding;

use super::{Extracted, TextError, push_capped};

/// Groups nested deeper than this are read as their parent's (no state of their own).
const MAX_DEPTH: usize = 256;

/// Destinations whose text is not the document's.
const SKIPPED: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "object",
    "fldinst",
    "listtable",
    "listoverridetable",
    "revtbl",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "themedata",
    "colorschememapping",
    "datastore",
    "latentstyles",
    "filetbl",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "footnote",
    "bkmkstart",
    "bkmkend",
];

#[derive(Debug, Clone, Copy)]
struct Group {
    skip: bool,
    /// Fallback characters after `\uN`.
    uc: usize,
    /// The current font (`\fN`).
    font: Option<i32>,
    /// Inside the font table: `\fN` there defines a font.
    font_table: bool,
}

struct Reader {
    encoding: &'static Encoding,
    fonts: HashMap<i32, &'static Encoding>,
    /// Bytes of text waiting to be decoded (a GBK character comes as two `\'hh`).
    pending: Vec<u8>,
    pending_encoding: &'static Encoding,
    out: String,
    full: bool,
    group: Group,
}

/// The text of an RTF file (sniffed as one by `classify::sniff`). A damaged file reads what is
/// there: RTF has no structure whose loss stops a reader.
pub(crate) fn rtf(body: &[u8]) -> Result<Extracted, TextError> {
    let mut r = Reader {
        encoding: encoding_rs::WINDOWS_1252,
        fonts: HashMap::new(),
        pending: Vec::new(),
        pending_encoding: encoding_rs::WINDOWS_1252,
        out: String::new(),
        full: false,
        group: Group {
            skip: false,
            uc: 1,
            font: None,
            font_table: false,
        },
    };
    let mut stack: Vec<Group> = Vec::new();
    let mut overflow = 0usize;
    // Fallback characters still to skip after a `\uN`.
    let mut skip_chars = 0usize;
    let mut i = 0;
    while i < body.len() && !r.full {
        match body[i] {
            b'{' => {
                if stack.len() < MAX_DEPTH {
                    stack.push(r.group);
                } else {
                    overflow += 1;
                }
                skip_chars = 0;
                i += 1;
            }
            b'}' => {
                if overflow > 0 {
                    overflow -= 1;
                } else if let Some(group) = stack.pop() {
                    r.group = group;
                }
                skip_chars = 0;
                i += 1;
            }
            b'\\' => {
                let (word, param, next) = control(body, i + 1);
                i = next;
                match word {
                    Control::Hex(byte) => {
                        if skip_chars > 0 {
                            skip_chars -= 1;
                        } else {
                            r.byte(byte);
                        }
                    }
                    Control::Symbol(c) => {
                        if c == '*' {
                            r.group.skip = true;
                        } else if skip_chars > 0 {
                            skip_chars -= 1;
                        } else {
                            r.char(c);
                        }
                    }
                    Control::Word(name) => {
                        if name == "u" {
                            if let Some(n) = param {
                                let code = if n < 0 { n + 65536 } else { n };
                                let c = u32::try_from(code)
                                    .ok()
                                    .and_then(char::from_u32)
                                    .unwrap_or('\u{FFFD}');
                                r.char(c);
                                skip_chars = r.group.uc;
                            }
                        } else if name == "bin" {
                            // N bytes of binary data (a picture's), whatever they hold: never
                            // text, never a brace.
                            let len = param.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
                            i = i.saturating_add(len).min(body.len());
                        } else {
                            r.word(name, param);
                        }
                    }
                    Control::None => {}
                }
            }
            b'\r' | b'\n' => i += 1,
            byte => {
                if skip_chars > 0 {
                    skip_chars -= 1;
                } else {
                    r.byte(byte);
                }
                i += 1;
            }
        }
    }
    r.flush();
    Ok(Extracted {
        text: r.out,
        truncated: r.full,
    })
}

enum Control<'a> {
    Word(&'a str),
    Hex(u8),
    Symbol(char),
    None,
}

/// The control word or symbol after a backslash at `at`: its name, parameter and where the
/// text after it (and its delimiting space) starts.
fn control(body: &[u8], at: usize) -> (Control<'_>, Option<i32>, usize) {
    let Some(&first) = body.get(at) else {
        return (Control::None, None, at);
    };
    if first.is_ascii_alphabetic() {
        let end = body[at..]
            .iter()
            .position(|b| !b.is_ascii_alphabetic())
            .map_or(body.len(), |n| at + n);
        // An ASCII run is UTF-8.
        let name = std::str::from_utf8(&body[at..end]).unwrap_or("");
        let mut i = end;
        let negative = body.get(i) == Some(&b'-');
        if negative {
            i += 1;
        }
        let digits_end = body[i..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(body.len(), |n| i + n);
        let param = if digits_end > i {
            std::str::from_utf8(&body[i..digits_end])
                .ok()
                .and_then(|d| d.get(..d.len().min(9)))
                .and_then(|d| d.parse::<i32>().ok())
                .map(|n| if negative { -n } else { n })
        } else {
            None
        };
        let mut next = if param.is_some() || digits_end > i {
            digits_end
        } else {
            end
        };
        if body.get(next) == Some(&b' ') {
            next += 1;
        }
        return (Control::Word(name), param, next);
    }
    match first {
        b'\'' => {
            let hex = body
                .get(at + 1..at + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => (Control::Hex(byte), None, at + 3),
                None => (Control::None, None, at + 1),
            }
        }
        b'\\' | b'{' | b'}' => (Control::Symbol(first as char), None, at + 1),
        b'~' => (Control::Symbol('\u{A0}'), None, at + 1),
        b'_' => (Control::Symbol('-'), None, at + 1),
        b'*' => (Control::Symbol('*'), None, at + 1),
        b'\r' | b'\n' => (Control::Symbol('\n'), None, at + 1),
        _ => (Control::None, None, at + 1),
    }
}

impl Reader {
    fn byte(&mut self, byte: u8) {
        if self.group.skip {
            return;
        }
        let encoding = self.current_encoding();
        if encoding != self.pending_encoding {
            self.flush();
            self.pending_encoding = encoding;
        }
        self.pending.push(byte);
    }

    fn char(&mut self, c: char) {
        if self.group.skip {
            return;
        }
        self.flush();
        let mut buf = [0u8; 4];
        self.full |= !push_capped(&mut self.out, c.encode_utf8(&mut buf));
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let (text, _) = self
            .pending_encoding
            .decode_without_bom_handling(&self.pending);
        self.full |= !push_capped(&mut self.out, &text);
        self.pending.clear();
    }

    fn current_encoding(&self) -> &'static Encoding {
        self.group
            .font
            .and_then(|f| self.fonts.get(&f).copied())
            .unwrap_or(self.encoding)
    }

    fn word(&mut self, name: &str, param: Option<i32>) {
        match name {
            "ansicpg" => {
                if let Some(page) = param.and_then(code_page) {
                    self.encoding = page;
                }
            }
            "uc" => self.group.uc = param.and_then(|n| usize::try_from(n).ok()).unwrap_or(1),
            "f" if self.group.font_table => self.group.font = param,
            "deff" => self.group.font = param,
            "f" => {
                self.flush();
                self.group.font = param;
            }
            "fcharset" if self.group.font_table => {
                let charset = param.and_then(font_charset);
                if let (Some(font), Some(encoding)) = (self.group.font, charset) {
                    self.fonts.insert(font, encoding);
                }
            }
            "fonttbl" => {
                self.group.font_table = true;
                self.group.skip = true;
            }
            "par" | "line" | "row" | "page" | "sect" => self.char('\n'),
            "tab" | "cell" => self.char('\t'),
            "emdash" => self.char('—'),
            "endash" => self.char('–'),
            "lquote" => self.char('‘'),
            "rquote" => self.char('’'),
            "ldblquote" => self.char('“'),
            "rdblquote" => self.char('”'),
            "bullet" => self.char('•'),
            _ if SKIPPED.contains(&name) => self.group.skip = true,
            _ => {}
        }
    }
}

/// The encoding of a Windows code page (`\ansicpg`).
fn code_page(page: i32) -> Option<&'static Encoding> {
    match page {
        936 | 54936 => Some(encoding_rs::GBK),
        950 => Some(encoding_rs::BIG5),
        65001 => Some(encoding_rs::UTF_8),
        932 => Some(encoding_rs::SHIFT_JIS),
        949 => Some(encoding_rs::EUC_KR),
        _ => Encoding::for_label(format!("windows-{page}").as_bytes()),
    }
}

/// The encoding of a font's `\fcharset`: the CJK ones, which decide how `\'hh` pairs read.
fn font_charset(charset: i32) -> Option<&'static Encoding> {
    match charset {
        134 => Some(encoding_rs::GBK),
        136 => Some(encoding_rs::BIG5),
        128 => Some(encoding_rs::SHIFT_JIS),
        129 => Some(encoding_rs::EUC_KR),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk_escaped(text: &str) -> String {
        encoding_rs::GBK
            .encode(text)
            .0
            .iter()
            .map(|b| {
                if b.is_ascii() {
                    (*b as char).to_string()
                } else {
                    format!("\\'{b:02x}")
                }
            })
            .collect()
    }

    fn text_of(rtf_text: &str) -> String {
        rtf(rtf_text.as_bytes()).expect("RTF reads").text
    }

    /// How Word, WPS and older tools write Chinese in RTF: code-page bytes under `\ansicpg936`
    /// or a GB2312 font under `\ansicpg1252`, `\uN` with fallback bytes, Big5 fonts.
    #[test]
    fn chinese_rtf_in_every_way_it_is_written() {
        let title = "某某县2022年政府信息公开工作年度报告";
        let cases = [
            (
                "code page 936",
                format!(
                    "{{\\rtf1\\ansi\\ansicpg936\\deff0{{\\fonttbl{{\\f0\\fnil\\fcharset134 \\'cb\\'ce\\'cc\\'e5;}}}}\
                     {{\\*\\generator Msftedit;}}\\f0\\fs24 {}\\par\n{}\\par}}",
                    gbk_escaped(title),
                    gbk_escaped("一、总体情况")
                ),
                format!("{title}\n一、总体情况\n"),
            ),
            (
                "a GB2312 font under code page 1252",
                format!(
                    "{{\\rtf1\\ansi\\ansicpg1252{{\\fonttbl{{\\f0\\froman Times;}}{{\\f1\\fnil\\fcharset134 SimSun;}}}}\
                     {{\\colortbl;\\red0\\green0\\blue0;}}\\f0 Report \\f1 {}\\par}}",
                    gbk_escaped(title)
                ),
                format!("Report {title}\n"),
            ),
            (
                "unicode with fallback bytes",
                "{\\rtf1\\ansi\\uc2\\u26576\\'c4\\'b3\\u21439\\'cf\\'d8\\u-28647?? x\\par}".to_string(),
                "某县這 x\n".to_string(),
            ),
            (
                "a Big5 font",
                "{\\rtf1\\ansi{\\fonttbl{\\f0\\fcharset136 MingLiU;}}\\f0 \\'a6\\'7e\\'b3\\'f8\\tab 1\\cell\\row}"
                    .to_string(),
                "年報\t1\t\n".to_string(),
            ),
            (
                "destinations, fields and escapes",
                "{\\rtf1{\\info{\\title T}}{\\*\\bkmkstart a}{\\field{\\*\\fldinst HYPERLINK \"x\"}{\\fldrslt link}}\
                 {\\header head}a\\{b\\}c\\\\d\\~e\\par}"
                    .to_string(),
                "linka{b}c\\d\u{a0}e\n".to_string(),
            ),
        ];
        for (case, rtf_text, want) in cases {
            assert_eq!(text_of(&rtf_text), want, "{case}");
        }
    }

    /// Truncated, unbalanced or deeply nested RTF reads what is there without a panic.
    #[test]
    fn damaged_rtf_reads_what_is_there() {
        let deep = format!("{{\\rtf1 {}x{}", "{".repeat(100_000), "}".repeat(10));
        for body in [
            "{\\rtf1 abc\\",
            "{\\rtf1 abc\\'",
            "{\\rtf1 abc\\'4",
            "{\\rtf1 \\u",
            "{\\rtf1 \\u-99999999999 x}}}}",
            "{\\rtf1 }}}}}abc",
            deep.as_str(),
        ] {
            let got = rtf(body.as_bytes());
            assert!(got.is_ok(), "{body:.40}");
        }
        assert_eq!(text_of(&deep), "x");
    }

    /// `\binN` is followed by N bytes of binary data (a picture's), never text: braces and
    /// letters in it neither close its group nor reach the text, and an N past the file's end
    /// ends the reading there.
    #[test]
    fn bin_data_is_skipped_whole() {
        let body = b"{\\rtf1\\ansi {\\pict\\bin8 }ab}{cd}x}Body\\par\\bin7 }}{junk}";
        assert_eq!(rtf(body).expect("RTF reads").text, "Body\n");
        let huge = b"{\\rtf1 Head\\par{\\pict\\bin99999999999 }abc}}";
        assert_eq!(rtf(huge).expect("RTF reads").text, "Head\n");
    }
}
