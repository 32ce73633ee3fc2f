//! The signature block closing a report's body: the issuing body's name above (or before) the
//! date it signed, and whether a line is an organisation's name.

use crate::dates::parse_date;

/// Endings of an issuing body's name as signed under a document.
const ORG_ENDINGS: &[&str] = &[
    "政府",
    "办公室",
    "办公厅",
    "局",
    "委员会",
    "管委会",
    "厅",
    "委",
    "办",
    "中心",
    "院",
    "署",
    "处",
    "所",
    "站",
    "队",
    "部",
    "馆",
    "会",
];

/// The signature block closing the body: an organisation line directly above a date-only line
/// (`阿拉山口市人民政府办公室` / `2025年1月17日`), or both on one line.
pub(crate) fn signature(lines: &[String]) -> Option<String> {
    let (index, date_line) = lines
        .iter()
        .enumerate()
        .rev()
        .find(|(_, line)| is_date_only(line))?;
    if let Some(org) = org_before_date(date_line) {
        return Some(org);
    }
    let above = lines.get(index.checked_sub(1)?)?;
    is_org_name(above).then(|| above.clone())
}

/// The longest line a signature date can be on: an organisation of 40 characters, a space and
/// a date in words (`二〇二五年十二月三十一日`). Body paragraphs are longer and are skipped before
/// any date is looked for in them: this runs on every line from the end of the page.
const SIGNATURE_LINE_MAX_CHARS: usize = 64;

fn is_date_only(line: &str) -> bool {
    // Bytes first: a line of more than 64 characters has more than 64 bytes.
    if line.len() > SIGNATURE_LINE_MAX_CHARS && line.chars().count() > SIGNATURE_LINE_MAX_CHARS {
        return false;
    }
    let only_date = line
        .chars()
        .all(|c| c.is_ascii_digit() || "年月日〇零○一二三四五六七八九十-/. ".contains(c));
    (only_date && parse_date(line).is_some()) || org_before_date(line).is_some()
}

/// `阿拉山口市人民政府办公室 2025年1月17日` on one line.
fn org_before_date(line: &str) -> Option<String> {
    let (org, date) = line.rsplit_once(' ')?;
    let date_only = parse_date(date).is_some()
        && date
            .chars()
            .all(|c| c.is_ascii_digit() || "年月日〇零○一二三四五六七八九十-/.".contains(c));
    (date_only && is_org_name(org)).then(|| org.to_string())
}

/// Whether a line is an organisation's name: 4 to 40 characters, no sentence punctuation, a
/// name's ending (`政府`, `办公室`, `局` …).
pub(crate) fn is_org_name(line: &str) -> bool {
    let n = line.chars().count();
    (4..=40).contains(&n)
        && !line
            .chars()
            .any(|c| "。，,：:；;！？、（）()《》".contains(c))
        && line.chars().next().is_some_and(|c| !c.is_ascii())
        && ORG_ENDINGS.iter().any(|end| line.ends_with(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(lines: &[&str]) -> Vec<String> {
        lines.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn signature_blocks() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (
                &["正文。", "阿拉山口市人民政府办公室", "2025年1月17日"],
                Some("阿拉山口市人民政府办公室"),
            ),
            (
                &[
                    "正文。",
                    "某县人民政府",
                    "二〇二五年一月十七日",
                    "打印本页 关闭窗口",
                ],
                Some("某县人民政府"),
            ),
            (
                &["正文。", "阿拉山口市人民政府办公室 2025年1月17日"],
                Some("阿拉山口市人民政府办公室"),
            ),
            (
                &["以上报告。热诚欢迎社会各界提出意见。", "2018年2月7日"],
                None,
            ),
            (&["正文。", "2018年2月7日"], None),
            // A body paragraph that ends in a date is not a signature line.
            (
                &[
                    "某县人民政府",
                    "本报告所列数据的统计期限自2024年1月1日起至2024年12月31日止，\
                     如对本报告有疑问，请与某县人民政府办公室联系，联系时间为2025年1月17日",
                ],
                None,
            ),
            // The longest organisation and date in words still make a signature.
            (
                &[
                    "正文。",
                    "某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某人民政府办公室 二〇二五年十二月三十一日",
                ],
                Some(
                    "某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某某人民政府办公室",
                ),
            ),
            (&["没有日期的正文。"], None),
        ];
        for (lines, want) in cases {
            assert_eq!(signature(&owned(lines)).as_deref(), *want, "{lines:?}");
        }
    }
}
