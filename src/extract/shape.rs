//! The shape of each field's value for extract: an 索引号 is a code, a 文号 looks like
//! `X〔2020〕N号`, an issuing body is a name and not a sentence. A value that fails its shape is
//! running text that happens to follow a label (a 政府信息公开指南 explaining `索引号：…`), not
//! that field.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use regex::Regex;

use super::labels::simplified;

const INDEX_LABELS: &[&str] = &["索引号", "信息索引号", "索取号"];
const DOC_NUMBER_LABELS: &[&str] = &["文号", "发文字号", "发文文号"];
const NAME_LABELS: &[&str] = &[
    "发布机构",
    "发文机关",
    "发文单位",
    "发文机构",
    "发布单位",
    "信息来源",
    "资讯来源",
    "来源",
    "公开单位",
    "发布机关",
    "公开责任部门",
    "信息发布机构",
];

/// What pages print in a slot for "none" (`无`, `暂无`, `无文号`, `（无）`, `不适用`, `-`, `/`), in
/// either script: never a value. Each fits every shape, so that a metadata block printing one
/// keeps it in `fields` as printed, and every field reads it as not given (`extract`).
pub(crate) fn is_placeholder(value: &str) -> bool {
    let compact: String = value
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(simplified)
        .collect::<String>()
        .to_lowercase();
    let core = compact.trim_matches(['（', '）', '(', ')', '【', '】', '[', ']', '［', '］']);
    core.is_empty()
        || PLACEHOLDERS.contains(&core)
        || core.chars().all(|c| {
            matches!(
                c,
                '-' | '—'
                    | '－'
                    | '–'
                    | '〔'
                    | '〕'
                    | '﹝'
                    | '﹞'
                    | '〖'
                    | '〗'
                    | '号'
                    | '['
                    | ']'
            )
        })
}

/// `is_placeholder`'s words, lower-cased and in Simplified.
const PLACEHOLDERS: &[&str] = &[
    "无",
    "暂无",
    "无文号",
    "暂无文号",
    "无号",
    "不适用",
    "空",
    "略",
    "null",
    "none",
    "n/a",
    "/",
    "／",
    "\\",
];

/// Characters that end or join sentences: never inside a code, a number or a name.
fn has_sentence_punctuation(value: &str) -> bool {
    value.chars().any(|c| "。，；！？,;!?".contains(c))
}

/// Longest 文号 accepted without the `〔year〕N号` shape: a form name (`便函`).
const SHORT_DOC_FORM_CHARS: usize = 6;

/// `X〔2020〕N号`, `X﹝2020﹞N号`, `X〖2020〗N号`, `X[2020]N号`, `X（2020）N号`, `X2020年第N号`,
/// `X2020-N号`, and a range of numbers (`X〔2020〕1-2号`); digits read as ASCII (`〔２０２３〕`).
static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:[〔﹝〖\[［【(（]\s*(?:19|20)\d{2}\s*[〕﹞〗\]］】)）]\s*第?|(?:19|20)\d{2}\s*(?:年|[-－])?\s*第?)\s*[0-9〇零一二三四五六七八九十百]+(?:\s*[-－—]\s*[0-9]+)?\s*[号號]",
    )
    .expect("the document number shape is valid")
});

/// True when `value` has the shape of the field labelled `label` (labels outside the shaped
/// fields always fit).
pub(crate) fn fits(label: &str, value: &str) -> bool {
    if is_placeholder(value) {
        return true;
    }
    let chars = value.chars().count();
    if INDEX_LABELS.contains(&label) {
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let han = value.chars().filter(|c| !c.is_ascii()).count();
        chars <= 64 && digits >= 3 && han <= 8 && !has_sentence_punctuation(value)
    } else if DOC_NUMBER_LABELS.contains(&label) {
        // Short forms without a number (`便函`, `明电`) are what some pages print too.
        let ascii: String = value.chars().map(crate::dates::ascii_digit).collect();
        !has_sentence_punctuation(value)
            && (chars <= 48 && DOC_NUMBER.is_match(&ascii) || chars <= SHORT_DOC_FORM_CHARS)
    } else if NAME_LABELS.contains(&label) {
        chars <= 40
            && !has_sentence_punctuation(value)
            && !value.contains([':', '：', '∶', '﹕', '︰', '︓'])
            && !value.starts_with(['指', '是', '为', '即'])
    } else {
        true
    }
}

/// The labels among `fields` whose value fails the label's shape.
pub(crate) fn misshapen(fields: &BTreeMap<String, String>) -> BTreeSet<String> {
    fields
        .iter()
        .filter(|(label, value)| !fits(label, value))
        .map(|(label, _)| label.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fit_their_field() {
        let cases = [
            ("索引号", "000014348/2020-35428", true),
            ("索引号", "014742224A/2023-0043406", true),
            ("索引号", "ATS001-2018-000001", true),
            ("索引号", "11650000MB1234567X/2021-00012", true),
            (
                "索引号",
                "政府公开信息的唯一识别代码，由机构代码、年份和流水号组成",
                false,
            ),
            ("索引号", "无", true),
            ("文号", "国办发〔2018〕123号", true),
            ("文号", "集政辦發〔2021〕8號", true),
            ("文号", "阿市政办发[2020]12号", true),
            ("文号", "公告2020年第5号", true),
            ("文号", "某政办〔2022〕第3号", true),
            ("文号", "某政办【2022】第 12 號", true),
            ("文号", "无", true),
            ("文号", "〔〕号", true),
            (
                "文号",
                "文件的发文字号，由发文机关代字、年份和序号组成",
                false,
            ),
            ("文号", "便函", true),
            ("文号", "阿市政办发﹝2023﹞1号", true),
            ("文号", "阿市政办发〔２０２３〕１号", true),
            ("文号", "阿市政办发〖2023〗1号", true),
            ("文号", "阿市政办函〔2023〕1-2号", true),
            ("文号", "阿市政办发2023-1号", true),
            ("文号", "阿市政辦發﹝2023﹞12號", true),
            ("文号", "阿市政办发〔2023〕号", false),
            ("文号", "发文机关代字年份序号", false),
            ("发布机构", "邯郸市教育局", true),
            ("发布机构", "阿图什政府网", true),
            ("发布机构", "江西统计 公众号", true),
            (
                "发布机构",
                "指制作或者获取该信息的行政机关，即信息的责任主体。",
                false,
            ),
            ("来源", "本网", true),
            ("主题分类", "任何文字，都行。", true),
        ];
        for (label, value, want) in cases {
            assert_eq!(fits(label, value), want, "{label}: {value}");
        }
    }
}
