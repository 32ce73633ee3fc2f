//! How text a server chose (titles, list names, issuing bodies, URLs, reasons) is shown in
//! human output: controls (C0, DEL, C1) and bidi overrides escaped as `\u{1b}`, so that a page
//! cannot colour, move, retitle or clear the user's terminal, overwrite a line or reorder it.
//! Line breaks and tabs that the output itself puts between fields pass unchanged. JSON output
//! escapes through serde instead, and the archive keeps the bytes as they came.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` as it may be shown on a terminal (see the module comment).
pub fn shown(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if escaped(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A character that acts on a terminal rather than being shown by it.
fn escaped(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::shown;

    #[test]
    fn controls_and_bidi_overrides_are_escaped_and_the_rest_kept() {
        let cases = [
            ("2023年度报告", "2023年度报告"),
            ("a\u{1b}]0;owned\u{7}b", "a\\u{1b}]0;owned\\u{7}b"),
            ("x\ry", "x\\u{d}y"),
            ("\u{202e}反", "\\u{202e}反"),
            ("\u{85}\u{0}\u{7f}", "\\u{85}\\u{0}\\u{7f}"),
            ("line\n\tnext", "line\n\tnext"),
        ];
        for (given, want) in cases {
            assert_eq!(shown(given), want, "{given:?}");
        }
    }
}
