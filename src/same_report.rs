//! Same report: whether a new document is a report already archived, re-published at a new URL
//! by a site revamp whose template also changed the page's text (so the content hash differs).
//! Pure functions from a page to its fingerprint and from two fingerprints to the evidence; the
//! store keeps the fingerprints under a lookup key (portal, year, title) and links at commit.
//!
//! The rule: same portal, same report year, same title once normalised, same issuing body as
//! the coverage report normalises it (or both absent), and an article text that is nearly the
//! same: character 5-shingle Jaccard of the normalised text at least [`MIN_JACCARD`], and
//! every number of the archived text still there in the new one, with at most
//! [`MAX_ADDED_NUMBERS`] numbers more (a new header's date and time). A report whose figures
//! changed loses a number and is a report of its own.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How many of a text's smallest shingle hashes a fingerprint keeps (a bottom-k sketch): the
/// Jaccard estimate from 256 is within a few hundredths, and a report's is some 4 KB.
const SKETCH_SIZE: usize = 256;
/// Characters per shingle: short enough that one changed number changes a few, long enough that
/// two texts of one template differ wherever their facts do.
const SHINGLE_CHARS: usize = 5;
/// The least Jaccard of two texts that are one report. A revamp's added line (扫一扫在手机打开当前页)
/// or header keeps a report's text above 0.9; two reports of one template by different bodies,
/// or of one body in different years, share less than half of it (see the tests).
pub const MIN_JACCARD: f64 = 0.8;
/// The most numbers the new text may hold that the archived one did not: a header's date and
/// time (`2023-01-20 10:30:00` is six).
pub const MAX_ADDED_NUMBERS: usize = 8;

/// What the store keeps of an archived report's text to compare a new document with. Stored
/// compactly (one index entry per annual report): the sketch as one hex string (8 digits a
/// hash), the numbers as one comma-separated string; 2.6 KB for the 4 KB sample report with
/// 254 numbers, where JSON arrays of 64-bit hashes and quoted numbers took about 6.3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The smallest [`SKETCH_SIZE`] hashes of the normalised text's shingles, ascending.
    #[serde(with = "compact::sketch")]
    pub sketch: Vec<u32>,
    /// Every run of digits in the text, sorted (a multiset).
    #[serde(with = "compact::numbers")]
    pub numbers: Vec<String>,
}

/// Why a new document was found to be an archived one: exported as `same_report_as.evidence`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// Character 5-shingle Jaccard of the two article texts (estimated from the sketches),
    /// rounded to three decimals.
    pub text_jaccard: f64,
    /// Numbers in the archived text, every one of them in the new text too.
    pub numbers: usize,
    /// Numbers in the new text only.
    pub numbers_added: usize,
}

/// A link from a new document to the archived document that is the same report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SameReport {
    pub id: String,
    pub evidence: Evidence,
}

/// The key a title is compared by: without spaces and punctuation, full-width forms as
/// half-width, Traditional characters as Simplified, Latin letters lower-cased.
pub fn title_key(title: &str) -> String {
    normalised(title)
}

/// The key an issuing body is compared by: as the coverage report puts a body in its row, its
/// Traditional characters read as Simplified in full (平潭綜合實驗區管委會辦公室 is 平潭综合实验区…).
pub fn body_key(body: Option<&str>) -> Option<String> {
    body.map(|b| crate::coverage::body_key(&crate::traditional::to_simplified_in_full(b)))
        .filter(|key| !key.is_empty())
}

/// Whether a page with this metadata is fingerprinted: an annual report with a year and a
/// title (the index's key needs both).
pub fn wanted(metadata: &crate::extract::Metadata) -> bool {
    metadata.is_annual_report
        && metadata.report_year.is_some()
        && metadata
            .title
            .as_deref()
            .is_some_and(|t| !title_key(t).is_empty())
}

/// The fingerprint of a parsed page's article text, or None for a page without text.
pub fn fingerprint_of_doc(doc: &scraper::Html) -> Option<Fingerprint> {
    fingerprint_of_lines(&crate::extract::article_lines(doc))
}

/// `fingerprint_of_doc` from the article lines extraction already read (the same text).
pub fn fingerprint_of_lines(lines: &[String]) -> Option<Fingerprint> {
    Some(fingerprint_of_text(&lines.join("\n"))).filter(|f| !f.sketch.is_empty())
}

/// The fingerprint of a text.
pub fn fingerprint_of_text(text: &str) -> Fingerprint {
    let chars: Vec<char> = normalised(text).chars().collect();
    let mut hashes: Vec<u32> = if chars.len() < SHINGLE_CHARS {
        // A text shorter than one shingle is its own.
        (!chars.is_empty())
            .then(|| hash(&chars))
            .into_iter()
            .collect()
    } else {
        chars.windows(SHINGLE_CHARS).map(hash).collect()
    };
    bottom_k(&mut hashes);
    let mut numbers: Vec<String> = Vec::new();
    let mut run = String::new();
    for c in text.chars().map(half_width).chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
        } else if !run.is_empty() {
            numbers.push(std::mem::take(&mut run));
        }
    }
    numbers.sort_unstable();
    Fingerprint {
        sketch: hashes,
        numbers,
    }
}

/// Leaves the [`SKETCH_SIZE`] smallest distinct values of `hashes`, ascending. A report's
/// text has thousands of shingles: the smallest few are picked out first (linear), and only
/// they are sorted; when they hold too few distinct values, the whole is.
fn bottom_k(hashes: &mut Vec<u32>) {
    let picked = 4 * SKETCH_SIZE;
    if hashes.len() > picked {
        hashes.select_nth_unstable(picked - 1);
        let mut smallest = hashes[..picked].to_vec();
        smallest.sort_unstable();
        smallest.dedup();
        if smallest.len() >= SKETCH_SIZE {
            smallest.truncate(SKETCH_SIZE);
            *hashes = smallest;
            return;
        }
    }
    hashes.sort_unstable();
    hashes.dedup();
    hashes.truncate(SKETCH_SIZE);
}

/// The evidence that `new` is the report `archived` is, or None when it is not.
pub fn same_report(archived: &Fingerprint, new: &Fingerprint) -> Option<Evidence> {
    let jaccard = jaccard(&archived.sketch, &new.sketch);
    if jaccard < MIN_JACCARD {
        return None;
    }
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for n in &new.numbers {
        *counts.entry(n).or_default() += 1;
    }
    for n in &archived.numbers {
        *counts.entry(n).or_default() -= 1;
    }
    if counts.values().any(|c| *c < 0) {
        // A number of the archived text is gone: the figures changed.
        return None;
    }
    let added = new.numbers.len() - archived.numbers.len();
    (added <= MAX_ADDED_NUMBERS).then(|| Evidence {
        text_jaccard: (jaccard * 1000.0).round() / 1000.0,
        numbers: archived.numbers.len(),
        numbers_added: added,
    })
}

/// Jaccard estimated from two bottom-k sketches: of the k smallest hashes of the union, the
/// share both hold (exact when both texts have fewer than k shingles).
fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let k = SKETCH_SIZE.min(a.len().max(b.len()));
    let (mut i, mut j, mut union, mut both) = (0, 0, 0usize, 0usize);
    while union < k && (i < a.len() || j < b.len()) {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x == y => {
                both += 1;
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x < y => i += 1,
            (Some(_), Some(_)) => j += 1,
            (Some(_), None) => i += 1,
            (None, _) => j += 1,
        }
        union += 1;
    }
    if union == 0 {
        return 0.0;
    }
    both as f64 / union as f64
}

/// The text without whitespace and punctuation, full-width forms half-width, Traditional as
/// Simplified in full (a page a Big5 gateway converted reads as the page it converted),
/// lower-cased.
fn normalised(text: &str) -> String {
    let half: String = text.chars().map(half_width).collect();
    crate::traditional::to_simplified_in_full(&half)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A full-width ASCII form (U+FF01..U+FF5E) as its ASCII character; U+3000 as a space.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// FNV-1a of a shingle's characters, its two halves folded into 32 bits: stable across builds
/// and machines, as a stored fingerprint must be. Two of a report's few thousand shingles share
/// a hash about once in 500 reports, which moves its estimate by a 256th at most.
fn hash(chars: &[char]) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut buf = [0u8; 4];
    for c in chars {
        for b in c.encode_utf8(&mut buf).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    // Both halves: the truncation keeps the high bits' mixing.
    ((h >> 32) ^ h) as u32
}

/// The stored forms of a fingerprint's fields.
mod compact {
    /// The sketch as one string of 8 hex digits a hash.
    pub mod sketch {
        use serde::{Deserialize, Deserializer, Serializer, de::Error};

        pub fn serialize<S: Serializer>(sketch: &[u32], out: S) -> Result<S::Ok, S::Error> {
            let bytes: Vec<u8> = sketch.iter().flat_map(|h| h.to_be_bytes()).collect();
            out.serialize_str(&hex::encode(bytes))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Vec<u32>, D::Error> {
            let text = String::deserialize(input)?;
            let bytes = hex::decode(&text).map_err(D::Error::custom)?;
            if bytes.len() % 4 != 0 {
                return Err(D::Error::custom(format!(
                    "a sketch of {} hex digits: not 8 a hash",
                    text.len()
                )));
            }
            Ok(bytes
                .chunks_exact(4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                .collect())
        }
    }

    /// The numbers as one comma-separated string (each is a run of ASCII digits).
    pub mod numbers {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(numbers: &[String], out: S) -> Result<S::Ok, S::Error> {
            out.serialize_str(&numbers.join(","))
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Vec<String>, D::Error> {
            let text = String::deserialize(input)?;
            Ok(text
                .split(',')
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect())
        }
    }
}

#[cfg(test)]
mod tests;
