//! Mojibake evidence in decoded text: runs of U+FFFD, and UTF-8 that was read as Latin-1 and
//! saved again ("请稍候" -> "è¯·ç¨å\u{80}\u{99}"). Decode flags it; classify reads through it.

/// At least this many U+FFFD, or this many Latin-1-looking UTF-8 sequences, make text mojibake.
const MIN_EVIDENCE: usize = 3;

/// True when `text` carries enough replacement characters or UTF-8-as-Latin-1 sequences to be
/// called mojibake. A single stray bad byte is not enough.
pub fn looks_like_mojibake(text: &str) -> bool {
    mojibake_with(text, replacement_chars(text))
}

/// The U+FFFD REPLACEMENT CHARACTERs in `text`: bytes its decoding could not read.
pub(super) fn replacement_chars(text: &str) -> usize {
    text.matches('\u{FFFD}').count()
}

/// `looks_like_mojibake` for a text whose replacement characters are counted already.
pub(super) fn mojibake_with(text: &str, replacements: usize) -> bool {
    replacements >= MIN_EVIDENCE || latin1_utf8_sequences(text) >= MIN_EVIDENCE
}

/// Counts places where a UTF-8 lead byte of a three-byte sequence (0xE0..=0xEF, where CJK
/// lives) was read as Latin-1 ("à".."ï") and is followed by a character that is a continuation
/// byte (0x80..=0xBF) read the same way.
fn latin1_utf8_sequences(text: &str) -> usize {
    // "à".."ï" are C3 A0..C3 AF in UTF-8: a text without the byte C3 has none (a fast scan
    // spares most pages the walk through every character).
    if !text.as_bytes().contains(&0xC3) {
        return 0;
    }
    let mut count = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if ('\u{E0}'..='\u{EF}').contains(&c)
            && chars
                .peek()
                .and_then(|&next| latin1_byte(next))
                .is_some_and(|b| (0x80..=0xBF).contains(&b))
        {
            count += 1;
        }
    }
    count
}

/// The byte a character came from if the bytes were read as Latin-1 or windows-1252.
pub fn latin1_byte(c: char) -> Option<u8> {
    if let Ok(b) = u8::try_from(u32::from(c)) {
        return Some(b);
    }
    let mut buf = [0u8; 4];
    let (bytes, _, had_errors) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buf));
    match (had_errors, bytes.as_ref()) {
        (false, [b]) => Some(*b),
        _ => None,
    }
}

/// Undoes one round of "UTF-8 read as Latin-1/windows-1252": maps each character back to the
/// byte it came from and reads the bytes as UTF-8. `None` when some character cannot have come
/// from a single byte or the bytes are not UTF-8, i.e. the text was not double-encoded.
pub fn repair_latin1_mojibake(text: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = text.chars().map(latin1_byte).collect();
    String::from_utf8(bytes?).ok()
}

/// Repairs the double-encoded stretches of `text` that can be repaired and keeps the rest, so a
/// page mixing ASCII markup with mojibake text can be searched for the original words.
pub fn repair_mojibake_runs(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    for c in text.chars() {
        if !c.is_ascii() && latin1_byte(c).is_some() {
            run.push(c);
            continue;
        }
        flush_run(&mut out, &mut run);
        out.push(c);
    }
    flush_run(&mut out, &mut run);
    out
}

fn flush_run(out: &mut String, run: &mut String) {
    match repair_latin1_mojibake(run) {
        Some(repaired) => out.push_str(&repaired),
        None => out.push_str(run),
    }
    run.clear();
}
