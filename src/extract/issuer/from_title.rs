//! The body an annual report's title names (`…办公室政府信息公开年报(2014年)` -> `…办公室`),
//! read in Simplified and returned as printed: one of the issuing body's candidates.

use std::sync::LazyLock;

use regex::Regex;

use super::is_body_name;
use crate::extract::labels::simplified;
use crate::extract::report::is_annual_report_title;

/// Where the reporting body's name ends in a report title: at the year, or at the disclosure
/// words (`…办公室政府信息公开年报(2014年)`).
static TITLE_CUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:19|20|１９|２０)\d{2}\s*年|[〇零○一二三四五六七八九]{4}\s*年|(?:关于)?(?:政府信息公开|政府资讯公开|政务公开|信息公开|政府信息|政务)",
    )
    .expect("the title cut pattern is valid")
});

/// The body an annual report's title names: the text before the year or the disclosure words
/// (`阿勒泰市人民政府办公室政府信息公开年报(2014年)` -> `阿勒泰市人民政府办公室`,
/// `台上镇2009年…` -> `台上镇`), or after a leading year (`2020年度某某区政府信息公开…` ->
/// `某某区`). `None` for other titles and titles that name no body.
pub fn issuer_from_title(title: &str) -> Option<String> {
    if !is_annual_report_title(title) {
        return None;
    }
    name_in_title(title)
}

/// `issuer_from_title` for any title, report or not: the body's name before the year or the
/// disclosure words, or `None`.
pub(crate) fn name_in_title(title: &str) -> Option<String> {
    // `simplified` and this replacement keep UTF-8 lengths, so byte offsets found on the mapped
    // title hold in the original.
    let mapped: String = title
        .chars()
        .map(simplified)
        .collect::<String>()
        .replace("资讯", "信息");
    let trimmed = |s: &str| s.trim_start().len();
    let start = title.len() - trimmed(title);
    // `【2022年度】某某县商务局…`: a bracketed year before the body.
    let start = start + BRACKETED_YEAR.find(&mapped[start..]).map_or(0, |m| m.end());
    // A title that opens with its year names the body after it.
    let start = match TITLE_CUT.find(&mapped[start..]) {
        Some(m) if m.start() == 0 && YEAR.is_match(m.as_str()) => {
            let after = start + m.end();
            let rest = mapped.get(after..).unwrap_or_default();
            after + rest.strip_prefix('度').map_or(0, |_| '度'.len_utf8())
        }
        _ => start,
    };
    // The disclosure words also open some bodies' names (`…市政务服务管理局`, `…市政府信息中心`):
    // of the cuts up to the year, which always ends the name, the last that leaves a name wins.
    let mut named = None;
    for m in TITLE_CUT.find_iter(mapped.get(start..)?) {
        let cut = start + m.start();
        let name = body_name(title.get(start..cut)?).or_else(|| {
            // `某某市人民政府信息公开…`: the body's 政府 is also the start of the disclosure words.
            let cut = cut + "政府".len();
            mapped
                .get(..cut)
                .filter(|m| m.ends_with("政府"))
                .and_then(|_| body_name(title.get(start..cut)?))
        });
        if name.is_some() {
            named = name;
        }
        if YEAR.is_match(m.as_str()) {
            break;
        }
    }
    named
}

/// A year in brackets opening a title: `【2022年度】`, `[2022年]`, `（2022年度）`.
static BRACKETED_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[【\[［（(]\s*(?:19|20|１９|２０)\d{2}\s*年度?\s*[】\]］）)]\s*")
        .expect("the bracketed year pattern is valid")
});

/// A year as `TITLE_CUT` matches it (`2020年`, `二〇一七年`).
static YEAR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:(?:19|20|１９|２０)\d{2}|[〇零○一二三四五六七八九]{4})\s*年$")
        .expect("the year pattern is valid")
});

/// The body's name in the text before a title's cut, without quotes, `的` and `关于` (before it,
/// or after it with whatever follows: `某办公室关于某市` is 某办公室); of a double name (`某某县住房和城乡建设局（某某县人民防空办公室）`, one office under
/// two names) the first. Read in Simplified (`關於`, `鄉`), returned as printed.
fn body_name(text: &str) -> Option<String> {
    // Mapped characters keep their UTF-8 length, so a range found in one holds in the other.
    let mapped: String = text.chars().map(simplified).collect();
    let name = mapped
        .trim()
        .trim_start_matches(['《', '“', '"', '【', '['])
        .trim_end_matches(['的', '（', '(', ' ', '\u{3000}']);
    let name = name.strip_suffix("关于").unwrap_or(name).trim();
    let name = name.strip_prefix("关于").unwrap_or(name).trim_start();
    // `某某市人民政府办公室关于某某市…`: the body is the one writing about the other.
    let name = name
        .split_once("关于")
        .map_or(name, |(body, _)| body.trim_end());
    let printed = |part: &str| text.get(range_in(&mapped, part)).map(str::to_string);
    if is_body_name(name) {
        return printed(name);
    }
    let first = name
        .strip_suffix(['）', ')'])
        .and_then(|n| n.rsplit_once(['（', '(']))
        .map(|(first, _)| first.trim())?;
    if is_body_name(first) {
        printed(first)
    } else {
        None
    }
}

/// Where `part`, a slice of `whole`, lies in it.
fn range_in(whole: &str, part: &str) -> std::ops::Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(whole.as_ptr() as usize);
    start..start + part.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_the_reporting_body() {
        let cases = [
            (
                "阿勒泰市人民政府办公室政府信息公开年报(2014年)",
                Some("阿勒泰市人民政府办公室"),
            ),
            ("台上镇2009年政府信息公开工作年度报告", Some("台上镇")),
            (
                "平潭综合实验区地方税务局2013年信息公开年度报告",
                Some("平潭综合实验区地方税务局"),
            ),
            (
                "平潭综合实验区2024年度政府信息公开工作年度报告",
                Some("平潭综合实验区"),
            ),
            ("集安市2015年度政府資訊公開年度報告", Some("集安市")),
            ("市教育局2018年度信息公开工作年度报告", Some("市教育局")),
            (
                "某县人民政府关于2017年政府信息公开工作年度报告",
                Some("某县人民政府"),
            ),
            ("2020年度某某区政府信息公开工作报告", Some("某某区")),
            (
                "2020年某某区人民政府政府信息公开工作年度报告",
                Some("某某区人民政府"),
            ),
            ("二〇一七年某某市政府信息公开工作年度报告", Some("某某市")),
            ("2019年度某某縣政府資訊公開年度報告", Some("某某縣")),
            (
                "某某市人民政府信息公开工作2020年度报告",
                Some("某某市人民政府"),
            ),
            ("某某縣人民政府資訊公開2020年度報告", Some("某某縣人民政府")),
            ("和义县２０２１年政府信息公开工作年度报告", Some("和义县")),
            ("２０２１年度和义县政府信息公开工作年度报告", Some("和义县")),
            ("2016年政府信息公开工作报告", None),
            ("2016年度政府信息公开工作报告", None),
            ("政府信息公开年报(2009年)", None),
            ("二〇一七年度政府信息公开工作年度报告", None),
            ("台上镇政府信息公开指南", None),
            // Bodies whose names open with the disclosure words.
            (
                "阿勒泰市政务服务管理局2022年政府信息公开工作年度报告",
                Some("阿勒泰市政务服务管理局"),
            ),
            (
                "阿勒泰市政务服务和公共资源交易中心2022年政府信息公开工作年度报告",
                Some("阿勒泰市政务服务和公共资源交易中心"),
            ),
            (
                "阿勒泰市政府信息中心2022年政府信息公开工作年度报告",
                Some("阿勒泰市政府信息中心"),
            ),
            (
                "阿勒泰市信息公开办公室2022年政府信息公开工作年度报告",
                Some("阿勒泰市信息公开办公室"),
            ),
            (
                "阿勒泰市政务服务和大数据管理局政府信息公开工作年度报告（2022年）",
                Some("阿勒泰市政务服务和大数据管理局"),
            ),
            ("阿勒泰市2022年政务公开工作年度报告", Some("阿勒泰市")),
            // One body writing about another.
            (
                "阿勒泰市人民政府办公室关于阿勒泰市2022年政府信息公开工作年度报告",
                Some("阿勒泰市人民政府办公室"),
            ),
            ("万载县2022年国民经济和社会发展统计公报", None),
        ];
        for (title, want) in cases {
            assert_eq!(issuer_from_title(title).as_deref(), want, "{title}");
        }
    }

    /// The same titles as OpenCC's s2t prints them: the body is read in Simplified and given
    /// as printed.
    #[test]
    fn traditional_titles_name_the_reporting_body() {
        let cases = [
            ("臺上鎮2009年政府信息公開工作年度報告", "臺上鎮"),
            (
                "某縣人民政府關於2017年政府信息公開工作年度報告",
                "某縣人民政府",
            ),
            (
                "關於和義縣司法局2022年度政府信息公開工作情況的報告",
                "和義縣司法局",
            ),
            (
                "和義縣教育局關於2022年度政府信息公開工作情況的報告",
                "和義縣教育局",
            ),
            (
                "和義縣大河鄉人民政府2022年政府信息公開工作年度報告",
                "和義縣大河鄉人民政府",
            ),
            (
                "和義縣住房和城鄉建設局（和義縣人民防空辦公室）2022年政府信息公開工作年度報告",
                "和義縣住房和城鄉建設局",
            ),
            (
                "【2022年度】和義縣商務局政府信息公開工作年度報告",
                "和義縣商務局",
            ),
            ("和義縣檔案館2021年政府信息公開工作年度報告", "和義縣檔案館"),
            (
                "阿勒泰市政務服務管理局2022年政府資訊公開工作年度報告",
                "阿勒泰市政務服務管理局",
            ),
            (
                "阿勒泰市人民政府辦公室關於阿勒泰市2022年政府資訊公開工作年度報告",
                "阿勒泰市人民政府辦公室",
            ),
        ];
        for (title, want) in cases {
            assert_eq!(issuer_from_title(title).as_deref(), Some(want), "{title}");
        }
    }
}
