//! The WHATWG `<meta>` prescan ("prescan a byte stream to determine its encoding", HTML
//! §13.2.3.2): finds a charset declared in the first 1024 bytes of a page the way a browser does,
//! before any decoding. Used by `decode` after the BOM and HTTP header have had their say.

use encoding_rs::Encoding;

/// How many leading bytes a browser looks at for a `<meta>` charset.
pub const PRESCAN_LIMIT: usize = 1024;

/// A charset found by the prescan: the label as written (lower-cased) and what it resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaCharset {
    pub label: String,
    pub encoding: &'static Encoding,
}

/// Runs the prescan over the first [`PRESCAN_LIMIT`] bytes of `body`.
///
/// A UTF-16 label resolves to UTF-8 (a page that can be prescanned as ASCII is not UTF-16) and
/// `x-user-defined` to windows-1252, as the spec says.
pub fn prescan(body: &[u8]) -> Option<MetaCharset> {
    let input = &body[..body.len().min(PRESCAN_LIMIT)];
    let mut pos = 0;
    while pos < input.len() {
        let rest = &input[pos..];
        if rest.starts_with(b"<!--") {
            // The closing `-->` may share its dashes with the opening (`<!-->`).
            pos = find(input, pos + 2, b"-->")? + 3;
        } else if starts_with_ci(rest, b"<meta")
            && rest.get(5).is_some_and(|&b| is_space_or_slash(b))
        {
            pos += 5;
            match meta_tag(input, &mut pos)? {
                Some(found) => return Some(found),
                None => continue,
            }
        } else if rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
        {
            // Another tag: skip its name and attributes, so a `<meta` inside a quoted attribute
            // value is not mistaken for a tag.
            while pos < input.len() && !is_space(input[pos]) && input[pos] != b'>' {
                pos += 1;
            }
            while attribute(input, &mut pos)?.is_some() {}
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            pos = find(input, pos + 2, b">")? + 1;
        } else {
            pos += 1;
        }
    }
    None
}

/// Processes the attributes of one `<meta` tag: `Some(None)` means "not a charset declaration,
/// keep scanning"; `None` means the input ran out inside the tag.
fn meta_tag(input: &[u8], pos: &mut usize) -> Option<Option<MetaCharset>> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    // None: no charset yet; Some(None): a label that names no encoding (failure).
    let mut charset: Option<Option<MetaCharset>> = None;
    let mut need_pragma: Option<bool> = None;
    while let Some((name, value)) = attribute(input, pos)? {
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" => got_pragma |= value == b"content-type",
            b"content" if charset.is_none() => {
                if let Some(label) = charset_from_content(&value) {
                    charset = Some(resolve(label));
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Some(resolve(&value));
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }
    let found = match (need_pragma, charset) {
        (None, _) | (_, None) => None,
        (Some(true), _) if !got_pragma => None,
        (_, Some(found)) => found,
    };
    Some(found)
}

fn resolve(label: &[u8]) -> Option<MetaCharset> {
    let encoding = Encoding::for_label_no_replacement(label)?;
    let encoding = if encoding == encoding_rs::UTF_16BE || encoding == encoding_rs::UTF_16LE {
        encoding_rs::UTF_8
    } else if encoding == encoding_rs::X_USER_DEFINED {
        encoding_rs::WINDOWS_1252
    } else {
        encoding
    };
    let label = String::from_utf8_lossy(label).trim().to_ascii_lowercase();
    Some(MetaCharset { label, encoding })
}

/// "Extracting a character encoding from a meta element": the label after `charset=` in a
/// `content` attribute value (already lower-cased by the attribute parser).
pub fn charset_from_content(content: &[u8]) -> Option<&[u8]> {
    let mut pos = 0;
    loop {
        let at = find_ci(content, pos, b"charset")?;
        pos = at + b"charset".len();
        while content.get(pos).is_some_and(|&b| is_space(b)) {
            pos += 1;
        }
        if content.get(pos) != Some(&b'=') {
            continue;
        }
        pos += 1;
        while content.get(pos).is_some_and(|&b| is_space(b)) {
            pos += 1;
        }
        return match *content.get(pos)? {
            quote @ (b'"' | b'\'') => {
                let end = find(content, pos + 1, &[quote])?;
                Some(&content[pos + 1..end])
            }
            _ => {
                let end = content[pos..]
                    .iter()
                    .position(|&b| is_space(b) || b == b';')
                    .map_or(content.len(), |n| pos + n);
                Some(&content[pos..end])
            }
        };
    }
}

/// "Get an attribute": `Some(Some((name, value)))` for an attribute, `Some(None)` at the end of
/// the tag, `None` when the input ran out first. Names and values come back ASCII-lower-cased.
#[allow(clippy::type_complexity)]
fn attribute(input: &[u8], pos: &mut usize) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    while is_space_or_slash(*input.get(*pos)?) {
        *pos += 1;
    }
    if input[*pos] == b'>' {
        return Some(None);
    }
    let mut name = Vec::new();
    // The attribute name.
    loop {
        let b = *input.get(*pos)?;
        match b {
            b'=' if !name.is_empty() => {
                *pos += 1;
                return attribute_value(input, pos, name);
            }
            b if is_space(b) => break,
            b'/' | b'>' => return Some(Some((name, Vec::new()))),
            b => name.push(b.to_ascii_lowercase()),
        }
        *pos += 1;
    }
    while is_space(*input.get(*pos)?) {
        *pos += 1;
    }
    if input[*pos] != b'=' {
        return Some(Some((name, Vec::new())));
    }
    *pos += 1;
    attribute_value(input, pos, name)
}

#[allow(clippy::type_complexity)]
fn attribute_value(
    input: &[u8],
    pos: &mut usize,
    name: Vec<u8>,
) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    let mut value = Vec::new();
    while is_space(*input.get(*pos)?) {
        *pos += 1;
    }
    match input[*pos] {
        quote @ (b'"' | b'\'') => loop {
            *pos += 1;
            let b = *input.get(*pos)?;
            if b == quote {
                *pos += 1;
                return Some(Some((name, value)));
            }
            value.push(b.to_ascii_lowercase());
        },
        b'>' => return Some(Some((name, value))),
        b => {
            value.push(b.to_ascii_lowercase());
            *pos += 1;
        }
    }
    loop {
        let b = *input.get(*pos)?;
        if is_space(b) || b == b'>' {
            return Some(Some((name, value)));
        }
        value.push(b.to_ascii_lowercase());
        *pos += 1;
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' ')
}

fn is_space_or_slash(b: u8) -> bool {
    is_space(b) || b == b'/'
}

fn starts_with_ci(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack[..needle.len()].eq_ignore_ascii_case(needle)
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|n| from + n)
}

fn find_ci(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
        .map(|n| from + n)
}
