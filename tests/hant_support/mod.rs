//! Test support: Simplified text converted to Traditional at test time, so the same-report tests
//! read the shared real pages and sample reports by path and keep no converted copy of them. Used
//! by tests/same_report_traditional.rs and, through `#[path]`, by src/same_report/tests.rs.
//!
//! The table is fast2s (the library nianbao reads Traditional with) inverted, so a copy made
//! here and read back by nianbao tests the wiring: that title, body and text are all read in
//! full, that the thresholds hold and that the negative cases stay apart in Traditional. It does
//! not test OpenCC's own choices of characters, as a portal's Big5 gateway prints them; a copy
//! made with OpenCC outside the repository measured the same (see the commit that added this).
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::OnceLock;

/// The first code point after Big5's frequent characters (level one, 0xA440–0xC67E).
const BIG5_LEVEL_TWO: [u8; 2] = [0xC9, 0x40];

/// `text` with each Simplified character the table knows written in Traditional, one character
/// for one, and `“”` as `「」` (as the gateways print quotes).
pub fn to_traditional(text: &str) -> String {
    let table = table();
    text.chars()
        .map(|c| match c {
            '“' => '「',
            '”' => '」',
            c => table.get(&c).copied().unwrap_or(c),
        })
        .collect()
}

/// The table, built once.
pub fn table() -> &'static HashMap<char, char> {
    static TABLE: OnceLock<HashMap<char, char>> = OnceLock::new();
    TABLE.get_or_init(build_table)
}

/// fast2s inverted over CJK Unified Ideographs and Extension A: for each code point `t` that
/// fast2s reads as one other character `s`, `s` is written `t`. Two rules make it one table,
/// the same on every build:
/// - an `s` Big5 lists among its frequent characters (level one) is kept as it is: it is a
///   Traditional character too (fast2s reads 閤 as 合, 琯 as 管, 麵 as 面, which a Big5 page
///   prints as 合, 管, 面);
/// - of several `t` for one `s`, the one Big5 lists first (its frequent characters before its
///   rare ones: 發 before 髮 for 发, 驗 before 騐 for 验, 關 before 関 for 关), then those Big5
///   lacks by lowest code point. The lowest code point alone would pick 騐 and 関.
pub fn build_table() -> HashMap<char, char> {
    let mut table: HashMap<char, char> = HashMap::new();
    let blocks = ['\u{3400}'..='\u{4DBF}', '\u{4E00}'..='\u{9FFF}'];
    for t in blocks.into_iter().flatten() {
        let read = fast2s::convert(t.encode_utf8(&mut [0; 4]));
        let mut chars = read.chars();
        let (Some(s), None) = (chars.next(), chars.next()) else {
            continue;
        };
        if s == t || big5(s).is_some_and(|code| code.as_slice() < BIG5_LEVEL_TWO.as_slice()) {
            continue;
        }
        table
            .entry(s)
            .and_modify(|kept| {
                if order(t) < order(*kept) {
                    *kept = t;
                }
            })
            .or_insert(t);
    }
    table
}

/// Where Big5 lists `c`, if it does.
fn big5(c: char) -> Option<Vec<u8>> {
    let mut utf8 = [0; 4];
    let (bytes, _, unmappable) = encoding_rs::BIG5.encode(c.encode_utf8(&mut utf8));
    (!unmappable).then(|| bytes.into_owned())
}

/// Big5's order first, then the code point.
fn order(c: char) -> (bool, Vec<u8>, u32) {
    match big5(c) {
        Some(code) => (false, code, u32::from(c)),
        None => (true, Vec::new(), u32::from(c)),
    }
}

/// `traditional` is `simplified` really converted: at least a quarter of its CJK characters
/// changed (a third in the shared pages and samples; OpenCC changed 35%), and each pair's
/// Simplified words, all present in `simplified`, are written as the pair's Traditional ones and
/// are gone.
pub fn assert_traditional(simplified: &str, traditional: &str, pairs: &[(&str, &str)]) {
    assert_eq!(
        simplified.chars().count(),
        traditional.chars().count(),
        "one character for one"
    );
    let cjk = |c: &char| matches!(u32::from(*c), 0x3400..=0x4DBF | 0x4E00..=0x9FFF);
    let (mut all, mut changed) = (0usize, 0usize);
    for (s, t) in simplified.chars().zip(traditional.chars()) {
        if cjk(&s) {
            all += 1;
            changed += usize::from(s != t);
        }
    }
    assert!(
        all > 0 && changed * 4 >= all,
        "{changed} of {all} CJK characters converted: not Traditional"
    );
    for (s, t) in pairs {
        assert!(simplified.contains(s), "{s} is not in the Simplified text");
        assert!(traditional.contains(t), "{t} is not in the converted text");
        assert!(
            !traditional.contains(s),
            "{s} is left in the converted text"
        );
    }
}
