//! Labels and cell values as reports print them, made comparable: full-width forms folded to
//! ASCII, every kind of space removed (`商业 企业`, `总 计`), circled and full-width ordinals to
//! `(一)`, the Traditional characters of the tables' labels to Simplified. And one cell's text
//! read as a number, a zero, a blank, "not applicable" or text, its raw text kept.

use serde::Serialize;

use crate::traditional::simplified;

/// `㈠`…`㈩` (parenthesised ideographs) as `(一)`…`(十)`.
const CIRCLED: &[char] = &['一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/// A label in comparable form. "（三） 不予 公开" and "(三)不予公开" normalise alike.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let code = c as u32;
        match c {
            // Full-width ASCII (NFKC would do the same for these).
            '\u{FF01}'..='\u{FF5E}' => {
                if let Some(ascii) = char::from_u32(code - 0xFEE0) {
                    out.push(ascii);
                }
            }
            '\u{3220}'..='\u{3229}' => {
                out.push('(');
                out.push(CIRCLED[(code - 0x3220) as usize]);
                out.push(')');
            }
            '〔' | '【' => out.push('['),
            '〕' | '】' => out.push(']'),
            '“' | '”' | '「' | '」' | '"' => {}
            '、' => out.push('、'),
            c if c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}' => {}
            c => out.push(simplified(c)),
        }
    }
    out
}

/// What a cell holds. A blank cell is not a zero; a dash is not a zero either.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CellState {
    Number,
    Zero,
    Blank,
    /// Not applicable: `-`, `—`, `/`, `不适用`.
    Na,
    Text,
}

/// A cell's value as read: its state and, for a number or zero, the number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub state: CellState,
    pub number: Option<f64>,
}

/// Units written after a number in a cell (`251000元`, `5件`, `12.5%`: a percentage reads as
/// the figure printed).
const UNITS: &[&str] = &["万元", "元", "件", "条", "个", "项", "次", "人", "%"];

/// Digits apart by a space, other than thousands (`4 529`, `12 345 678`): `2 17` or `2 1` may be
/// one number or two, as narrow columns stand one space apart in `pdftotext -layout` text.
fn digits_apart_ambiguously(raw: &str) -> bool {
    let chars: Vec<char> = raw
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect();
    let mut groups: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while chars.get(i).is_some_and(char::is_ascii_digit) {
            i += 1;
        }
        groups.push(i - start);
        let mut next = i;
        while chars.get(next).is_some_and(|c| c.is_whitespace()) {
            next += 1;
        }
        if next > i && chars.get(next).is_some_and(char::is_ascii_digit) {
            i = next;
            continue;
        }
        if groups.len() > 1 && (groups[0] > 3 || groups[1..].iter().any(|&g| g != 3)) {
            return true;
        }
        groups.clear();
    }
    false
}

/// Reads one cell's text.
pub fn read_value(raw: &str) -> Value {
    if digits_apart_ambiguously(raw) {
        return Value {
            state: CellState::Text,
            number: None,
        };
    }
    let text = normalise(raw);
    let text = text.trim_matches(|c: char| c == '\u{3000}');
    if text.is_empty() {
        return Value {
            state: CellState::Blank,
            number: None,
        };
    }
    let dashes = text
        .chars()
        .all(|c| matches!(c, '-' | '—' | '–' | '－' | '─' | '/' | '\\' | '_'));
    if dashes || matches!(text, "不适用" | "不涉及" | "N/A" | "n/a" | "NA") {
        return Value {
            state: CellState::Na,
            number: None,
        };
    }
    let mut body = text;
    for unit in UNITS {
        if let Some(stripped) = body.strip_suffix(unit) {
            body = stripped;
            break;
        }
    }
    let digits: String = body.chars().filter(|c| *c != ',').collect();
    let numeric = !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
        && digits.chars().any(|c| c.is_ascii_digit());
    match digits.parse::<f64>() {
        Ok(n) if numeric && n.is_finite() => Value {
            state: if n == 0.0 {
                CellState::Zero
            } else {
                CellState::Number
            },
            number: Some(n),
        },
        _ => Value {
            state: CellState::Text,
            number: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drifted_labels_normalise_alike() {
        for (a, b) in [
            ("商业 企业", "商业企业"),
            ("总 计", "总计"),
            ("（三） 不予 公开", "(三)不予公开"),
            ("㈠予以公开", "(一)予以公开"),
            ("總計", "总计"),
            ("社会公益\u{a0}\u{a0} 组织", "社会公益组织"),
            ("法律服务\u{2002}机构\u{3000}", "法律服务机构"),
            ("本年收费金额（单位：万元）", "本年收费金额(单位:万元)"),
            ("1.屬於國家祕密", "1.属于国家秘密"),
        ] {
            assert_eq!(normalise(a), normalise(b), "{a} vs {b}");
        }
    }

    #[test]
    fn cell_states() {
        let cases = [
            ("", CellState::Blank, None),
            ("\u{a0} ", CellState::Blank, None),
            ("0", CellState::Zero, Some(0.0)),
            ("０", CellState::Zero, Some(0.0)),
            ("217", CellState::Number, Some(217.0)),
            ("18651.06", CellState::Number, Some(18651.06)),
            ("251000元", CellState::Number, Some(251000.0)),
            ("1,234", CellState::Number, Some(1234.0)),
            ("4 529", CellState::Number, Some(4529.0)),
            ("12\u{3000}345 678", CellState::Number, Some(12345678.0)),
            ("１ ２３４.5", CellState::Number, Some(1234.5)),
            ("12 件", CellState::Number, Some(12.0)),
            ("2 17", CellState::Text, None),
            ("2 1", CellState::Text, None),
            ("1234 567", CellState::Text, None),
            ("12.5%", CellState::Number, Some(12.5)),
            ("%", CellState::Text, None),
            ("-", CellState::Na, None),
            ("—", CellState::Na, None),
            ("——", CellState::Na, None),
            ("/", CellState::Na, None),
            ("不适用", CellState::Na, None),
            ("-3", CellState::Number, Some(-3.0)),
            ("见附件", CellState::Text, None),
            ("1-2", CellState::Text, None),
        ];
        for (raw, state, number) in cases {
            let v = read_value(raw);
            assert_eq!((v.state, v.number), (state, number), "{raw:?}");
        }
    }
}
