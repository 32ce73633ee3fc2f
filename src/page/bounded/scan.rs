//! The one pass over the markup that `parse` makes: counts start tags, nesting and open formatting
//! elements, and with an output writes the markup flattened to the bounds (`scan` and the tag
//! helpers it reads with).

use std::collections::HashMap;

use super::{MAX_DEPTH, MAX_TAG_BYTES};

/// Formatting elements whose open copies the parser re-creates in every new block. `<a>` and
/// `<nobr>` are not among them: a new one closes the one open before it.
const FORMATTING: &[&str] = &[
    "b", "big", "code", "em", "font", "i", "s", "small", "strike", "strong", "tt", "u",
];

fn is_formatting(name: &str) -> bool {
    is_one_of(FORMATTING, name)
}

/// Whether `name`, in any case, is one of `names` (written in lower case): compared in place, so
/// the scan copies no tag name.
fn is_one_of(names: &[&str], name: &str) -> bool {
    names.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// How far down the stack of open tags an end tag is matched; an end tag with no opener that
/// near is left for the parser to ignore (a page of many stray end tags stays linear).
const END_TAG_SEARCH: usize = 64;

/// What one pass over the markup found.
pub(super) struct Scan {
    pub(super) tags: usize,
    pub(super) max_depth: usize,
    /// Start tags longer than `MAX_TAG_BYTES`.
    pub(super) long_tags: usize,
    /// Formatting start tags left out past the cap.
    pub(super) formatting_left_out: usize,
    /// Formatting elements open at each start tag, summed: about the copies the parser would
    /// make of them in new blocks.
    pub(super) formatting_copies: usize,
}

/// Elements that never have content.
const VOID: &[&str] = &[
    "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img",
    "input", "keygen", "link", "meta", "param", "source", "track", "wbr",
];
/// Elements a parser closes by itself when a sibling starts (or that wrap the page): they add
/// no depth however often they are left open, so they are not counted.
const SELF_CLOSING_BY_SIBLING: &[&str] = &[
    "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "rb", "rt", "rp", "rtc",
    "thead", "tbody", "tfoot", "colgroup", "caption", "html", "head", "body",
];
/// Elements whose content is text up to their own end tag.
const RAW_TEXT: &[&str] = &[
    "script",
    "style",
    "textarea",
    "title",
    "xmp",
    "iframe",
    "noembed",
    "noframes",
    "plaintext",
];

/// One pass over the markup: counts start tags and the deepest nesting. With `out`, it writes
/// the markup flattened as browsers do it: a start tag that would nest deeper than `MAX_DEPTH`
/// first closes the deepest open element, so it becomes that element's sibling, and the end tag
/// the closed element later meets is left out. A tokenizer of the HTML syntax's main states, no
/// more: comments, doctype, raw-text elements, quoted attributes.
pub(super) fn scan(html: &str, mut out: Option<&mut String>, formatting_cap: usize) -> Scan {
    let bytes = html.as_bytes();
    // Open counted elements, by name as written.
    let mut stack: Vec<&str> = Vec::new();
    // Formatting elements among them, and those left out by name (their end tags go too).
    let mut open_formatting = 0usize;
    let mut left_out: HashMap<String, usize> = HashMap::new();
    // End tags still to come for elements closed early, by lower-case name.
    let mut closed_early: HashMap<String, usize> = HashMap::new();
    let mut result = Scan {
        tags: 0,
        max_depth: 0,
        long_tags: 0,
        formatting_left_out: 0,
        formatting_copies: 0,
    };
    // Copied up to here.
    let mut copied = 0usize;
    let mut i = 0usize;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let start = i + offset;
        let rest = &html[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            i = comment
                .find("-->")
                .map_or(bytes.len(), |end| start + 4 + end + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") {
            i = tag_end(bytes, start + 2);
            continue;
        }
        let closing = rest.as_bytes().get(1) == Some(&b'/');
        let name_start = start + 1 + usize::from(closing);
        let name_len = bytes[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-' || **b == b'_' || **b == b':')
            .count();
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            i = start + 1;
            continue;
        }
        let name = &html[name_start..name_start + name_len];
        let end = tag_end(bytes, name_start + name_len);
        i = end;
        if closing {
            let from = stack.len().saturating_sub(END_TAG_SEARCH);
            // Takes one end tag owed under this name, if any. The maps are empty on all but
            // hostile pages, and then no name is lower-cased or hashed.
            let pending_in = |map: &mut HashMap<String, usize>| {
                if map.is_empty() {
                    return false;
                }
                match map.get_mut(&name.to_ascii_lowercase()) {
                    Some(owed) if *owed > 0 => {
                        *owed -= 1;
                        true
                    }
                    _ => false,
                }
            };
            if pending_in(&mut left_out) {
                // The end tag of a formatting element left out: the innermost of its name.
                if let Some(out) = out.as_deref_mut() {
                    out.push_str(&html[copied..start]);
                    copied = end;
                }
            } else if let Some(at) = stack[from..]
                .iter()
                .rposition(|open| open.eq_ignore_ascii_case(name))
            {
                open_formatting -= stack[from + at..]
                    .iter()
                    .filter(|n| is_formatting(n))
                    .count();
                stack.truncate(from + at);
            } else if pending_in(&mut closed_early) {
                // This element was already closed to keep the nesting within the limit.
                if let Some(out) = out.as_deref_mut() {
                    out.push_str(&html[copied..start]);
                    copied = end;
                }
            }
            continue;
        }
        result.tags += 1;
        result.formatting_copies += open_formatting;
        let long = end - start > MAX_TAG_BYTES;
        result.long_tags += usize::from(long);
        let cut_if_long = |out: &mut Option<&mut String>, copied: &mut usize| {
            if long && let Some(out) = out.as_deref_mut() {
                out.push_str(&html[*copied..start]);
                out.push_str(cut_tag(html, start, name_start + name_len));
                out.push('>');
                *copied = end;
            }
        };
        if is_one_of(RAW_TEXT, name) {
            cut_if_long(&mut out, &mut copied);
            // Its text runs to its own end tag; it nests nothing.
            i = raw_text_end(html, end, name);
            continue;
        }
        let counted = !is_one_of(VOID, name)
            && !is_one_of(SELF_CLOSING_BY_SIBLING, name)
            && !html[..end].ends_with("/>");
        if !counted {
            cut_if_long(&mut out, &mut copied);
            continue;
        }
        let formatting = is_formatting(name);
        if formatting && open_formatting >= formatting_cap {
            // The parser re-opens every open formatting element in each new block: left open,
            // thousands of distinct <b class=N> would be copied into every paragraph after them.
            result.formatting_left_out += 1;
            *left_out.entry(name.to_ascii_lowercase()).or_default() += 1;
            if let Some(out) = out.as_deref_mut() {
                out.push_str(&html[copied..start]);
                copied = end;
            }
            continue;
        }
        if let Some(out) = out.as_deref_mut()
            && stack.len() >= MAX_DEPTH
        {
            let deepest = stack
                .pop()
                .expect("the stack is at the limit, so not empty");
            open_formatting -= usize::from(is_formatting(deepest));
            out.push_str(&html[copied..start]);
            out.push_str("</");
            out.push_str(deepest);
            out.push('>');
            copied = start;
            *closed_early
                .entry(deepest.to_ascii_lowercase())
                .or_default() += 1;
        }
        stack.push(name);
        open_formatting += usize::from(formatting);
        result.max_depth = result.max_depth.max(stack.len());
        cut_if_long(&mut out, &mut copied);
    }
    if let Some(out) = out {
        out.push_str(&html[copied..]);
    }
    result
}

/// The start of an overlong tag cut to at most `MAX_TAG_BYTES`, at a space outside quotes: its
/// name and the attributes that fit (html5ever checks each attribute against all before it, so
/// a tag of 100,000 attributes costs billions of steps). Without its closing `>`.
fn cut_tag(html: &str, start: usize, name_end: usize) -> &str {
    let bytes = html.as_bytes();
    let limit = (start + MAX_TAG_BYTES).min(bytes.len());
    let mut quote: Option<u8> = None;
    let mut cut = name_end;
    for (i, &b) in bytes.iter().enumerate().take(limit).skip(name_end) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b.is_ascii_whitespace() => cut = i,
            None => {}
        }
    }
    &html[start..cut]
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    memchr::memchr(b'<', bytes)
}

/// The offset just past the `>` that ends a tag whose attributes start at `from`; quoted
/// attribute values may hold `>`.
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i + 1,
            None => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The offset just past `</name ...>` after `from`, or the end of the text.
fn raw_text_end(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut i = from;
    while let Some(offset) = memchr_lt(&bytes[i..]) {
        let at = i + offset;
        let candidate = &bytes[at..];
        if candidate.len() >= 2 + name.len()
            && candidate[1] == b'/'
            && candidate[2..2 + name.len()].eq_ignore_ascii_case(name.as_bytes())
        {
            return tag_end(bytes, at + 2 + name.len());
        }
        i = at + 1;
    }
    bytes.len()
}
