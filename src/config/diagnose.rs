//! The one place config errors are worded: turns toml/serde errors and failed checks into
//! `ConfigError::Invalid` values naming the file, the dotted key, the expected form and the
//! line:column. Keys are found from byte spans by walking the spanned `DeTable` of the same text.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use super::{ConfigError, Location};

/// One step of a dotted key: `portal[2].url` is `Key("portal"), Index(2), Key("url")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    Key(String),
    Index(usize),
}

/// A dotted key into one file, as shown in messages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct KeyPath(Vec<Segment>);

impl KeyPath {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn key(&self, key: &str) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Key(key.to_owned()));
        path
    }

    pub fn index(&self, index: usize) -> Self {
        let mut path = self.clone();
        path.0.push(Segment::Index(index));
        path
    }

    fn parent(&self) -> Self {
        let mut path = self.clone();
        path.0.pop();
        path
    }

    fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// One file's text, kept so errors can point into it.
pub(super) struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    /// An error about the value at `key`, pointing at that value in the file when it is there.
    pub fn at_key(&self, key: &KeyPath, message: impl Into<String>) -> ConfigError {
        let span = self
            .spanned_root()
            .and_then(|root| span_of(root.get_ref(), key));
        self.invalid(span, Some(key.clone()), message.into())
    }

    /// Rewords a toml/serde error in the form every config error takes.
    pub fn toml_error(&self, error: &toml::de::Error) -> ConfigError {
        let span = error.span();
        let located = span.as_ref().and_then(|span| {
            self.spanned_root()
                .map(|root| locate(root.get_ref(), span.start))
        });
        let message = error.message().trim();

        if let Some((unknown, expected)) = parse_unknown_field(message) {
            // serde reports the unknown key itself; the table it sits in is what a reader edits.
            let table = located.map(|path| path.parent()).unwrap_or_default();
            let message = if table.is_root() {
                format!("unknown key `{unknown}` at top level; {expected}")
            } else {
                format!("unknown key `{unknown}`; {expected}")
            };
            let key = (!table.is_root()).then_some(table);
            return self.invalid(span, key, message);
        }
        if let Some(missing) = between(message, "missing field `", "`") {
            let table = located.unwrap_or_default();
            let key = (!table.is_root()).then_some(table);
            return self.invalid(
                span,
                key,
                format!("missing key `{missing}`, which is required"),
            );
        }
        let mut reworded = reword_invalid(message).unwrap_or_else(|| {
            if message.starts_with("expected ") {
                message.to_owned()
            } else {
                format!("invalid TOML: {message}")
            }
        });
        // The parser names neither the key written twice nor the form a portal table takes.
        if message == "duplicate key"
            && let Some(written) = span.as_ref().and_then(|s| self.text.get(s.clone()))
        {
            reworded = format!(
                "invalid TOML: duplicate key `{}`; expected each key once in a table",
                written.trim()
            );
        }
        let key = located.filter(|path| !path.is_root());
        if key.as_ref().is_some_and(|k| k.to_string() == "portal")
            && reworded.starts_with(EXPECTED_LIST)
        {
            reworded.push_str("; write each portal as a [[portal]] table (two brackets)");
        }
        self.invalid(span, key, reworded)
    }

    /// serde reads a struct from an array too, one element per field in order: `fetch = ["3s"]`
    /// was taken as `fetch.timeout`, and a portal written `portal = [["name", "url"]]` loaded.
    /// Refuses a value of `tables` that is not a table, and an element of `lists` that is not one.
    pub fn tables_are_tables(&self, tables: &[&str], lists: &[&str]) -> Result<(), ConfigError> {
        // Not TOML at all: the full parse that follows says where.
        let Some(root) = self.spanned_root() else {
            return Ok(());
        };
        let root = root.get_ref();
        let not_table = |value: &toml::Spanned<DeValue<'_>>, key: KeyPath, form: String| {
            let found = kind_of(value.get_ref());
            self.invalid(
                Some(value.span()),
                Some(key),
                format!("expected a table, written {form}, found {found}"),
            )
        };
        for name in tables {
            if let Some(value) = root.get(*name)
                && !matches!(value.get_ref(), DeValue::Table(_))
            {
                return Err(not_table(
                    value,
                    KeyPath::root().key(name),
                    format!("[{name}]"),
                ));
            }
        }
        for name in lists {
            if let Some(DeValue::Array(items)) = root.get(*name).map(|v| v.get_ref()) {
                for (index, item) in items.iter().enumerate() {
                    if !matches!(item.get_ref(), DeValue::Table(_)) {
                        let key = KeyPath::root().key(name).index(index);
                        return Err(not_table(item, key, format!("[[{name}]]")));
                    }
                }
            }
        }
        Ok(())
    }

    fn invalid(
        &self,
        span: Option<Range<usize>>,
        key: Option<KeyPath>,
        message: String,
    ) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            location: span.map(|span| location(self.text, span.start)),
            key: key.map(|key| key.to_string()),
            message,
        }
    }

    /// Parsed again only on the error path: reading a config is rare, errors rarer still.
    fn spanned_root(&self) -> Option<toml::Spanned<DeTable<'_>>> {
        DeTable::parse(self.text).ok()
    }
}

/// A file that is not UTF-8 (TOML is UTF-8 only): saved as GBK by a Chinese Windows editor, or
/// as UTF-16 by Notepad's "Unicode". Points at the first byte that is not UTF-8 and says which
/// encoding the file reads in, so the fix is one `iconv` away.
pub(super) fn not_utf8(path: &Path, bytes: &[u8], error: std::str::Utf8Error) -> ConfigError {
    let valid = error.valid_up_to();
    let before = std::str::from_utf8(bytes.get(..valid).unwrap_or_default()).unwrap_or_default();
    let found = bytes.get(valid).copied().unwrap_or_default();
    let reads_as = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        Some("UTF-16")
    } else if !encoding_rs::GB18030.decode_without_bom_handling(bytes).1 {
        Some("GB18030")
    } else {
        None
    };
    let mut message = format!(
        "expected a UTF-8 file (TOML is UTF-8), found the byte 0x{found:02X}, which is not UTF-8"
    );
    match reads_as {
        Some(encoding) => message.push_str(&format!(
            "; the file reads as {encoding}{}: save it as UTF-8 (`iconv -f {encoding} -t UTF-8`)",
            if encoding == "GB18030" { " (GBK)" } else { "" }
        )),
        None => message.push_str("; save it as UTF-8"),
    }
    ConfigError::Invalid {
        path: path.to_path_buf(),
        location: Some(location(before, before.len())),
        key: None,
        message,
    }
}

/// What a TOML value is, in a message.
fn kind_of(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// How `ConfigError::Invalid` is shown: `file:line:column: key: message`.
pub(super) fn render(
    f: &mut fmt::Formatter<'_>,
    path: &Path,
    location: Option<&Location>,
    key: Option<&str>,
    message: &str,
) -> fmt::Result {
    write!(f, "{}", path.display())?;
    if let Some(Location { line, column }) = location {
        write!(f, ":{line}:{column}")?;
    }
    if let Some(key) = key {
        write!(f, ": {key}")?;
    }
    write!(f, ": {message}")
}

/// 1-based line and column (in characters, so Chinese text counts one per character).
fn location(text: &str, offset: usize) -> Location {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Location {
        line: before.matches('\n').count() + 1,
        column: before.get(line_start..).map_or(0, |s| s.chars().count()) + 1,
    }
}

/// serde words it "unknown field `x`, expected one of `a`, `b`" (or "expected `a` or `b`", or
/// "there are no fields"); returns the key and our wording of what was expected.
fn parse_unknown_field(message: &str) -> Option<(String, String)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, rest) = rest.split_once('`')?;
    let expected: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
    let expected = if expected.is_empty() {
        "this table takes no keys".to_owned()
    } else {
        format!("expected one of {}", expected.join(", "))
    };
    Some((unknown.to_owned(), expected))
}

/// How a list is asked for: serde's own word, "a sequence", is not TOML's, and a newcomer who
/// wrote `seeds = "seeds/*.toml"` needs to see the brackets.
const EXPECTED_LIST: &str = "expected a list in brackets, such as [\"a\", \"b\"]";

/// serde's "invalid type: string \"x\", expected u32" becomes "expected a whole number, found
/// string \"x\"", so every message leads with the expected form.
fn reword_invalid(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("invalid type: ")
        .or_else(|| message.strip_prefix("invalid value: "))?;
    let (found, expected) = rest.rsplit_once(", expected ")?;
    let expected = match expected {
        "usize" | "u32" | "u64" => "a whole number of 0 or more",
        "a boolean" => "true or false",
        "a sequence" => return Some(format!("{EXPECTED_LIST}, found {found}")),
        other => other,
    };
    Some(format!("expected {expected}, found {found}"))
}

fn between<'m>(message: &'m str, prefix: &str, suffix: &str) -> Option<&'m str> {
    message.strip_prefix(prefix)?.split(suffix).next()
}

/// The deepest key whose name or value covers `offset`.
fn locate(root: &DeTable<'_>, offset: usize) -> KeyPath {
    let mut best = KeyPath::root();
    search_table(root, offset, &KeyPath::root(), &mut best);
    best
}

fn search_table(table: &DeTable<'_>, offset: usize, path: &KeyPath, best: &mut KeyPath) {
    for (key, value) in table.iter() {
        let here = path.key(key.get_ref());
        if covers(&key.span(), offset) || covers(&value.span(), offset) {
            keep_deeper(best, &here);
        }
        search_value(value.get_ref(), offset, &here, best);
    }
}

fn search_value(value: &DeValue<'_>, offset: usize, path: &KeyPath, best: &mut KeyPath) {
    match value {
        DeValue::Table(table) => search_table(table, offset, path, best),
        DeValue::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let here = path.index(index);
                if covers(&item.span(), offset) {
                    keep_deeper(best, &here);
                }
                search_value(item.get_ref(), offset, &here, best);
            }
        }
        _ => {}
    }
}

fn keep_deeper(best: &mut KeyPath, candidate: &KeyPath) {
    if candidate.0.len() > best.0.len() {
        *best = candidate.clone();
    }
}

fn covers(span: &Range<usize>, offset: usize) -> bool {
    span.start <= offset && offset < span.end.max(span.start + 1)
}

/// The span of the value at `path`, if the file has it.
fn span_of(root: &DeTable<'_>, path: &KeyPath) -> Option<Range<usize>> {
    let mut span = None;
    let mut value: Option<&DeValue<'_>> = None;
    for segment in &path.0 {
        let next = match (segment, value) {
            (Segment::Key(key), None) => root.get(key.as_str()),
            (Segment::Key(key), Some(DeValue::Table(table))) => table.get(key.as_str()),
            (Segment::Index(index), Some(DeValue::Array(items))) => items.get(*index),
            _ => None,
        }?;
        span = Some(next.span());
        value = Some(next.get_ref());
    }
    span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_counts_lines_and_characters() {
        let text = "a = 1\nname = \"阿图什市\"\nx = 2\n";
        let cases = [
            (0, (1, 1)),
            (6, (2, 1)),
            (13, (2, 8)),
            (text.find("x =").unwrap_or(0), (3, 1)),
        ];
        for (offset, (line, column)) in cases {
            assert_eq!(
                location(text, offset),
                Location { line, column },
                "offset {offset}"
            );
        }
    }

    #[test]
    fn locate_finds_the_deepest_key_at_an_offset() {
        let text = "data_dir = \"d\"\n[politeness]\nper_host_interval = \"fast\"\n\
                    [[portal]]\nname = \"a\"\n[[portal]]\nname = \"b\"\nurl = \"ftp://x\"\n";
        let root = DeTable::parse(text).expect("the test text is valid TOML");
        let cases = [
            ("\"d\"", "data_dir"),
            ("\"fast\"", "politeness.per_host_interval"),
            ("\"b\"", "portal[1].name"),
            ("\"ftp://x\"", "portal[1].url"),
        ];
        for (needle, expected) in cases {
            let offset = text.find(needle).unwrap_or(0);
            assert_eq!(
                locate(root.get_ref(), offset).to_string(),
                expected,
                "{needle}"
            );
        }
        let span = span_of(
            root.get_ref(),
            &KeyPath::root().key("portal").index(1).key("url"),
        );
        assert_eq!(span.and_then(|s| text.get(s)), Some("\"ftp://x\""));
    }

    #[test]
    fn serde_messages_are_reworded_to_lead_with_the_expected_form() {
        let cases = [
            (
                "unknown field `politness`, expected one of `data_dir`, `seeds`",
                Some(("politness", "expected one of data_dir, seeds")),
            ),
            (
                "unknown field `x`, expected `portal`",
                Some(("x", "expected one of portal")),
            ),
            (
                "unknown field `x`, there are no fields",
                Some(("x", "this table takes no keys")),
            ),
            ("missing field `url`", None),
        ];
        for (message, expected) in cases {
            let got = parse_unknown_field(message);
            let got = got.as_ref().map(|(k, e)| (k.as_str(), e.as_str()));
            assert_eq!(got, expected, "{message}");
        }
        assert_eq!(
            reword_invalid("invalid type: string \"many\", expected usize").as_deref(),
            Some("expected a whole number of 0 or more, found string \"many\"")
        );
    }
}
