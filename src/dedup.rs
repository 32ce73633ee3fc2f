//! Dedup: the two digests of a page. `sha256` of the raw body identifies bytes; `content_hash`
//! identifies the normalised main content and ignores volatile parts (scripts, view counters,
//! page-generation times, session ids), so a re-fetch whose only changes are volatile matches.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

use crate::classify::{PageFacts, document_type_for_name};

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Content hash of an HTML page's normalised main content (lower-case hex sha256).
///
/// What is hashed: the visible body text (no script, style, noscript, template, comments or
/// head), whitespace collapsed, with view counters and generation times cut out; then the hrefs
/// of links to documents with session ids stripped, so replacing an attachment changes the hash.
pub fn content_hash(html: &str) -> String {
    sha256_hex(normalised_content(html).as_bytes())
}

/// The text `content_hash` digests; public so a changed hash can be explained by a diff.
pub fn normalised_content(html: &str) -> String {
    normalised_content_of(&PageFacts::of(html))
}

/// `content_hash` from the facts of a page already parsed.
pub fn content_hash_of(facts: &PageFacts) -> String {
    sha256_hex(normalised_content_of(facts).as_bytes())
}

fn normalised_content_of(facts: &PageFacts) -> String {
    let mut content = without_volatile_text(&facts.visible_text);
    for href in &facts.links {
        let href = strip_session_ids(href);
        if document_type_for_name(&href).is_some() {
            content.push('\n');
            content.push_str(&href);
        }
    }
    content
}

/// View counters with their numbers: 点击数：123, 浏览次数: [45] 次, 阅读量 6 ...; and the short
/// words (阅读：123, 浏览：45次, 点击：6, 人气：7) only with a colon and a number, since alone they
/// are words a report's text uses.
static COUNTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:点击数|点击率|点击量|点击次数|浏览次数|浏览数|浏览量|访问量|访问次数|阅读次数|阅读数|阅读量|查看次数)\s*[:：]?\s*[\[【(（]?\s*[0-9０-９,，]*\s*[\]】)）]?\s*次?|(?:阅读|浏览|点击|访问|查看|人气)\s*[:：]\s*[\[【(（]?\s*[0-9０-９][0-9０-９,，]*\s*[\]】)）]?\s*次?",
    )
    .expect("invariant: the counter pattern is a valid regex")
});

/// Page-generation stamps: 页面生成时间：2024-01-02 03:04:05, 生成时间 2024年1月2日 ...
static GENERATED_AT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:页面)?生成时间\s*[:：]?\s*[0-9０-９:：\-/.年月日时分秒 ]*")
        .expect("invariant: the generation-time pattern is a valid regex")
});

/// Today's date (and time) printed in a page's header: 今天是2026年12月7日 星期一, 当前时间：
/// 2026-12-07 21:15, 今日：2026-12-07. Only after such a word (a bare 今天 or 今日 only with a
/// colon): a date in a report's text is the report's (`截至今日2021年12月31日`).
static TODAY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:(?:今天是|今日是|当前日期|当前时间|现在时间)\s*[:：]?|(?:今天|今日)\s*[:：])\s*(?:(?:星期|礼拜|周)[一二三四五六日天]\s*)?[0-9０-９]{4}\s*(?:年\s*[0-9０-９]{1,2}\s*月\s*[0-9０-９]{1,2}\s*日|[-/.][0-9]{1,2}[-/.][0-9]{1,2})(?:\s*[0-9]{1,2}[:：][0-9]{2}(?:[:：][0-9]{2})?)?(?:\s*(?:星期|礼拜|周)[一二三四五六日天])?",
    )
    .expect("invariant: the today pattern is a valid regex")
});

/// `text` (collapsed, as `PageFacts` writes it) with the volatile parts cut out and the
/// whitespace their removal leaves collapsed again.
fn without_volatile_text(text: &str) -> String {
    let counters = COUNTER.replace_all(text, " ");
    let stamps = GENERATED_AT.replace_all(&counters, " ");
    let text = TODAY.replace_all(&stamps, " ");
    if let (Cow::Borrowed(_), Cow::Borrowed(_), Cow::Borrowed(_)) = (&counters, &stamps, &text) {
        // Nothing cut: words joined by single spaces are already what the loop below makes.
        debug_assert!(
            text.is_empty()
                || text
                    .split(' ')
                    .all(|w| !w.is_empty() && !w.contains(char::is_whitespace))
        );
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    for word in crate::page::words::words(&text) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Query parameters that carry a session, not a resource.
const SESSION_PARAMS: &[&str] = &[
    "jsessionid",
    "sid",
    "sessionid",
    "session_id",
    "phpsessid",
    "aspsessionid",
];

/// `href` without `;jsessionid=...` path parameters or session query parameters.
pub fn strip_session_ids(href: &str) -> String {
    let (before_fragment, fragment) = match href.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (href, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (before_fragment, None),
    };
    let path = match path.to_ascii_lowercase().find(";jsessionid=") {
        // Lower-casing ASCII keeps byte offsets, so `at` is a char boundary of `path` too.
        Some(at) => &path[..at],
        None => path,
    };
    let mut out = path.to_owned();
    let kept: Vec<&str> = query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| {
            let name = pair
                .split('=')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            !pair.is_empty() && !SESSION_PARAMS.contains(&name.as_str())
        })
        .collect();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cut, collapsed again word by word: what `without_volatile_text` did for every text
    /// before it learnt to skip the collapse when nothing was cut.
    fn cut_and_collapse(text: &str) -> String {
        let text = COUNTER.replace_all(text, " ");
        let text = GENERATED_AT.replace_all(&text, " ");
        let text = TODAY.replace_all(&text, " ");
        crate::page::words::words(&text)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Pairs of a report's body on two visits: whether the two are one content.
    #[test]
    fn volatile_header_parts_are_cut_and_the_reports_own_text_is_not() {
        let page = |body: &str| format!("<html><body>{body}<p>一、总体情况</p></body></html>");
        let cases = [
            ("阅读：12", "阅读：13", true),
            ("浏览：[12]次", "浏览：[4512]次", true),
            ("点击：12 人气：3", "点击：14 人气：9", true),
            (
                "今天是2026年12月7日 星期一",
                "今天是2026年12月8日 星期二",
                true,
            ),
            (
                "今天是：星期一 2026年12月7日",
                "今天是：星期二 2026年12月8日",
                true,
            ),
            (
                "当前时间：2026-12-07 21:15:03",
                "当前时间：2026-12-08 02:00:00",
                true,
            ),
            // The report's own words and dates.
            ("阅读 12", "阅读 13", false),
            (
                "本报告于2023年1月5日印发",
                "本报告于2023年1月6日印发",
                false,
            ),
            (
                "今天是2026年12月7日 收到申请3件",
                "今天是2026年12月8日 收到申请4件",
                false,
            ),
            ("共受理申请12件", "共受理申请13件", false),
            (
                "截至今日2021年12月31日，共受理申请",
                "截至今日2021年12月30日，共受理申请",
                false,
            ),
            ("今日：2026-12-07", "今日：2026-12-08", true),
        ];
        for (a, b, same) in cases {
            assert_eq!(
                content_hash(&page(a)) == content_hash(&page(b)),
                same,
                "{a} / {b}: {} / {}",
                normalised_content(&page(a)),
                normalised_content(&page(b))
            );
        }
    }

    proptest::proptest! {
        /// On visible text as `PageFacts` collapses it, with and without counters and stamps,
        /// the result is the cut collapsed again.
        #[test]
        fn nothing_cut_leaves_the_text_as_collapsed(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "点击数：12", "浏览次数 [3] 次", "页面生成时间：2024-01-02 03:04:05", "生成时间",
                "年报", "2023", " ", "\u{3000}", "\u{a0}", "\n", "：", "阅读", "a b",
                "阅读：7", "今天是2026年12月7日 星期一", "当前时间：2026-12-07 10:00",
            ]), 0..12)
        ) {
            let raw: String = parts.concat();
            let mut visible = String::new();
            crate::classify::page::push_collapsed(&mut visible, &raw);
            let visible = visible.trim_end();
            proptest::prop_assert_eq!(without_volatile_text(visible), cut_and_collapse(visible));
        }
    }
}
