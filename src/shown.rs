//! How text a server chose (titles, list names, issuing bodies, URLs, reasons) is shown in
//! human output: controls (C0, DEL, C1) and bidi overrides escaped as `\u{1b}`, so that a page
//! cannot colour, move, retitle or clear the user's terminal, overwrite a line or reorder it.
//! Line breaks and tabs that the output itself puts between fields pass unchanged. JSON output
//! escapes through serde instead, and the archive keeps the bytes as they came.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` as it may be shown on a terminal (see the module comment).
pub fn shown(text: &str) -> Cow<'_, str> {
    escape(text, escaped)
}

/// `text` as a field of a log line: as [`shown`], and a line break escaped too, so that a value
/// cannot end its line and forge another (a journal keeps one entry a line).
pub fn shown_in_log(text: &str) -> Cow<'_, str> {
    escape(text, |c| c == '\n' || escaped(c))
}

/// The text formatter of log lines' fields: the message, then `name=value` for each other
/// field, every one through [`shown_in_log`]. tracing-subscriber's own escapes a message's ESC,
/// BEL and C1 characters but neither a CR, a line break nor a bidi override, nor any of them
/// in a field's value (a URL, a reason, a title). The `log.*` fields a record from the `log`
/// crate carries (its target, file and line) are left out, as tracing-subscriber's own does.
pub struct LogFields;

impl<'w> tracing_subscriber::fmt::FormatFields<'w> for LogFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        writer: tracing_subscriber::fmt::format::Writer<'w>,
        fields: R,
    ) -> std::fmt::Result {
        let mut visitor = LogVisitor {
            writer,
            first: true,
            result: Ok(()),
        };
        fields.record(&mut visitor);
        visitor.result
    }
}

struct LogVisitor<'w> {
    writer: tracing_subscriber::fmt::format::Writer<'w>,
    first: bool,
    result: std::fmt::Result,
}

impl tracing::field::Visit for LogVisitor<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let name = field.name();
        if self.result.is_err() || name.starts_with("log.") {
            return;
        }
        let gap = if self.first { "" } else { " " };
        self.first = false;
        let text = shown_in_log(&format!("{value:?}")).into_owned();
        self.result = match name {
            "message" => write!(self.writer, "{gap}{text}"),
            name => write!(
                self.writer,
                "{gap}{}={text}",
                name.strip_prefix("r#").unwrap_or(name)
            ),
        };
    }
}

fn escape(text: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&escaped) {
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

    /// A log line whose message and fields carry what a server chose (a reason with ESC and
    /// CR, a URL with a line break and a bidi override) shows them escaped, on one line.
    #[test]
    fn log_lines_show_a_servers_controls_escaped_on_one_line() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0
                    .lock()
                    .expect("one test thread")
                    .extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .fmt_fields(super::LogFields)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let reason = "refused\u{1b}]0;owned\u{7}\r\nOK";
            tracing::warn!(url = %"http://a.gov.cn/x\nERROR forged\u{202e}", %reason, "unreachable: {reason}");
            // As the `log` crate's records arrive through tracing-log: their own fields are left out.
            tracing::warn!(log.target = "h2::codec", log.line = 7, "from a library");
        });
        let logged =
            String::from_utf8_lossy(&lines.0.lock().expect("one test thread")).into_owned();
        assert_eq!(logged.lines().count(), 2, "{logged}");
        assert!(
            logged
                .lines()
                .nth(1)
                .is_some_and(|l| l.ends_with(" from a library")),
            "{logged}"
        );
        assert!(
            !logged.contains("log.") && !logged.contains("h2::codec"),
            "{logged}"
        );
        for raw in ['\u{1b}', '\u{7}', '\r', '\u{202e}'] {
            assert!(!logged.contains(raw), "{raw:?} raw in {logged:?}");
        }
        assert!(
            logged.contains("unreachable: refused\\u{1b}]0;owned\\u{7}\\u{d}\\u{a}OK"),
            "{logged}"
        );
        assert!(
            logged.contains("url=http://a.gov.cn/x\\u{a}ERROR forged\\u{202e}"),
            "{logged}"
        );
        assert!(logged.contains(" reason=refused\\u{1b}"), "{logged}");
    }
}
