//! Headline figures stated in a report's text (主动公开政府信息N条, 收到申请N件, 行政复议N件,
//! 行政诉讼N件), each with the sentence it came from. Arabic, full-width and Chinese numerals.

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use super::label::normalise;

/// One number the text states, and where.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    /// `published`, `applications`, `reviews` or `lawsuits`.
    pub kind: &'static str,
    pub value: u64,
    /// The number as written.
    pub raw: String,
    /// The sentence it came from, as written.
    pub sentence: String,
}

/// A number as reports print it: digits (with thousands commas, or a decimal before 万:
/// `1.2万`), or Chinese numerals that hold at least one digit or 十 (a lone 万 is no number).
const NUM: &str = "([0-9]+(?:\\.[0-9]+)?万|[0-9][0-9,]*|[零〇一二三四五六七八九十百千万两]*[零〇一二三四五六七八九十两][零〇一二三四五六七八九十百千万两]*)";

fn patterns() -> &'static [(&'static str, Regex)] {
    static PATTERNS: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let p = |kind, re: String| (kind, Regex::new(&re).expect("figure patterns are valid"));
        vec![
            p("published", format!("主动公开[^。;,]{{0,30}}?{NUM}条")),
            p(
                "applications",
                format!("收到[^。;,]{{0,24}}?申请(?:共计|共|合计)?{NUM}件"),
            ),
            p(
                "reviews",
                format!("行政复议(?:案件|申请)?(?:共计|共|合计)?{NUM}件"),
            ),
            p(
                "lawsuits",
                format!("行政诉讼(?:案件)?(?:共计|共|合计)?{NUM}件"),
            ),
        ]
    })
}

/// The headline figures in `text`, in text order within each kind.
pub fn figures(text: &str) -> Vec<Figure> {
    let mut out = Vec::new();
    for sentence in text.split(['。', '；', ';', '\n', '！', '？']) {
        let plain = normalise(sentence);
        if plain.is_empty() {
            continue;
        }
        for (kind, re) in patterns() {
            for caps in re.captures_iter(&plain) {
                let Some(raw) = caps.get(1).map(|m| m.as_str()) else {
                    continue;
                };
                // 收到…行政复议申请1件 counts reviews, not disclosure applications.
                let span = caps.get(0).map_or("", |m| m.as_str());
                if *kind == "applications" && (span.contains("复议") || span.contains("诉讼")) {
                    continue;
                }
                if let Some(value) = parse_number(raw) {
                    out.push(Figure {
                        kind,
                        value,
                        raw: raw.to_string(),
                        sentence: sentence.trim().to_string(),
                    });
                }
            }
        }
    }
    out
}

/// Arabic digits (with thousands commas, or `1.2万`) or a Chinese numeral up to the 万s.
pub fn parse_number(raw: &str) -> Option<u64> {
    if let Some(tens_of_thousands) = raw.strip_suffix('万')
        && let Ok(n) = tens_of_thousands.parse::<f64>()
    {
        let value = (n * 10_000.0).round();
        // `as` would saturate a number past u64 to u64::MAX: a wrong figure, not none.
        return (value.is_finite() && value >= 0.0 && value < u64::MAX as f64)
            .then_some(value as u64);
    }
    let digits: String = raw.chars().filter(|c| *c != ',').collect();
    if let Ok(n) = digits.parse::<u64>() {
        return Some(n);
    }
    chinese(raw)
}

fn chinese(raw: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut section: u64 = 0;
    let mut digit: Option<u64> = None;
    for c in raw.chars() {
        let d = match c {
            '零' | '〇' => Some(0),
            '一' => Some(1),
            '二' | '两' => Some(2),
            '三' => Some(3),
            '四' => Some(4),
            '五' => Some(5),
            '六' => Some(6),
            '七' => Some(7),
            '八' => Some(8),
            '九' => Some(9),
            _ => None,
        };
        if let Some(d) = d {
            // 二〇二四 style: digits in a row.
            if let Some(prev) = digit
                && prev != 0
            {
                digit = Some(prev.checked_mul(10)?.checked_add(d)?);
            } else {
                digit = Some(d);
            }
            continue;
        }
        let unit = match c {
            '十' => 10,
            '百' => 100,
            '千' => 1000,
            '万' => 10_000,
            _ => return None,
        };
        if unit == 10_000 {
            section = section.checked_add(digit.take().unwrap_or(0))?;
            total = total.checked_add(section.checked_mul(unit)?)?;
            section = 0;
        } else {
            section = section.checked_add(digit.take().unwrap_or(1).checked_mul(unit)?)?;
        }
    }
    total.checked_add(section)?.checked_add(digit.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals() {
        for (raw, n) in [
            ("五", 5),
            ("十", 10),
            ("十二", 12),
            ("二十", 20),
            ("一百零五", 105),
            ("三千二百一十", 3210),
            ("两万零三", 20003),
            ("1,234", 1234),
        ] {
            assert_eq!(parse_number(raw), Some(n), "{raw}");
        }
    }

    #[test]
    fn figures_with_their_sentences() {
        let text = "全年主动公开各类政府信息１０４０７条，发布解读96篇。全年收到政府信息公开申请十二件，办结12件；\
                    因政府信息公开申请引发行政复议0件，行政诉讼共2件。";
        let found: Vec<_> = figures(text)
            .into_iter()
            .map(|f| (f.kind, f.value))
            .collect();
        assert_eq!(
            found,
            [
                ("published", 10407),
                ("applications", 12),
                ("reviews", 0),
                ("lawsuits", 2)
            ]
        );
        let f = &figures(text)[1];
        assert_eq!(f.sentence, "全年收到政府信息公开申请十二件，办结12件");
    }

    /// A review application is no disclosure application; `1.2万` is 12000, a lone 万 nothing.
    #[test]
    fn review_applications_and_tens_of_thousands() {
        let text = "全年共受理政府信息公开申请25件。全年收到涉及政府信息公开的行政复议申请1件。\
                    全年主动公开政府信息1.2万条。主动公开各类信息数万条。";
        let found: Vec<_> = figures(text)
            .into_iter()
            .map(|f| (f.kind, f.value))
            .collect();
        assert_eq!(found, [("reviews", 1), ("published", 12000)]);
        let text = "全年收到政府信息公开申请3.5万件";
        assert_eq!(figures(text)[0].value, 35000);
    }

    #[test]
    fn traditional_figures_read_as_simplified() {
        // As OpenCC's s2t and Taiwan usage print them: 動, 條, 兩萬, 復, 訴.
        let text = "全年主動公開各類政府信息1580條。全年收到政府信息公開申請兩萬零三件；\
                    因政府信息公開申請引發行政復議0件，行政訴訟共2件。";
        let found: Vec<_> = figures(text)
            .into_iter()
            .map(|f| (f.kind, f.value))
            .collect();
        assert_eq!(
            found,
            [
                ("published", 1580),
                ("applications", 20003),
                ("reviews", 0),
                ("lawsuits", 2)
            ]
        );
    }

    /// A number past what a count can hold is no figure: neither a wrapped sum nor a
    /// saturated 18446744073709551615 (nor, in a debug build, a panic).
    #[test]
    fn numbers_past_u64_are_no_figures() {
        for raw in [
            "99999999999999999999万",
            "一八四四六七四四〇七三七〇九五五万九九九九九",
        ] {
            assert_eq!(parse_number(raw), None, "{raw}");
        }
        assert_eq!(
            parse_number("一八四四六七四四〇七三七〇九五五万"),
            Some(18_446_744_073_709_550_000)
        );
        let text = "全年主动公开政府信息99999999999999999999万条。";
        assert_eq!(figures(text), []);
    }
}
