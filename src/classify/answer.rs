//! Answers to an attachment's URL that are no document, whatever their Content-Type says: an
//! empty body, a short text or JSON error (`文件不存在！`, `{"code":500,"msg":"文件不存在"}`), or
//! the JSP "file missing" script (`<script>alert("文件不存在");history.go(-1);</script>`).
//! Download scripts send these with `application/pdf` or `application/octet-stream` and status
//! 200, so only the bytes tell. Pure: bytes in, a kind out; asked only of bytes that sniff as no
//! document (a real PDF, DOC, OFD or ZIP is never judged here). A page with text of its own is
//! a file saved as a page (Word's `.doc` pages) only when no site is around it: `is_site_page`
//! tells a home page, a column or a login portal that a download script answers instead.

use url::Url;

use super::PageFacts;

/// A body longer than this is judged by the page classifier alone: an error answer is a line or
/// two, and a Word page saved as `.doc` is larger than this from its styles alone.
const SHORT_ANSWER_MAX_BYTES: usize = 4096;

/// At most this much text a reader would see, for a failure phrase to make a short answer an
/// error: a page of real text that mentions 错误 is a page.
const ERROR_TEXT_MAX_CHARS: usize = 200;

/// Phrases of download scripts' error answers (Simplified and Traditional), lower-cased.
const FAILURE_PHRASES: &[&str] = &[
    "不存在",
    "已删除",
    "已刪除",
    "已被删除",
    "找不到",
    "未找到",
    "错误",
    "錯誤",
    "出错",
    "出錯",
    "失败",
    "失敗",
    "异常",
    "異常",
    "无权",
    "無權",
    "没有权限",
    "沒有權限",
    "权限不足",
    "權限不足",
    "无法下载",
    "無法下載",
    "不能下载",
    "不能下載",
    "已过期",
    "已過期",
    "请登录",
    "請登錄",
    "請登入",
    "not found",
    "not exist",
    "error",
    "exception",
    "denied",
    "forbidden",
];

/// Script calls that make a page of nothing but script an answer to a person, not a file:
/// an alert, a step back, a jump elsewhere.
const SCRIPT_ANSWERS: &[&str] = &["alert(", "history.", "location", "window.close"];

/// What an answer that sniffs as no document is instead of one, as a run-report kind: `empty`
/// (nothing but whitespace or NULs), `soft_not_found` (a short text, JSON or script saying the
/// file is missing or refused), `script_only` (a script with no text, that alerts or goes
/// back), `json` (a JSON value: never a report's file). `None` when the bytes may be a file.
pub fn non_document_answer(body: &[u8]) -> Option<&'static str> {
    if body
        .iter()
        .all(|b| b.is_ascii_whitespace() || *b == 0 || *b == 0x0B)
    {
        return Some("empty");
    }
    if body.len() > SHORT_ANSWER_MAX_BYTES {
        return None;
    }
    let texts = decodings(body);
    // What a reader would see: scripts, styles and tags left out; a plain text or JSON answer
    // is all visible.
    let visible: Vec<String> = texts
        .iter()
        .map(|text| super::PageFacts::of(text).visible_text)
        .collect();
    let says_failure = texts.iter().zip(&visible).any(|(text, visible)| {
        // CJK phrases are searched in scripts too (an alert says them); ASCII words only where
        // a reader sees them, as `onerror=` or `error.jsp` in markup say nothing.
        visible.chars().count() <= ERROR_TEXT_MAX_CHARS
            && FAILURE_PHRASES.iter().any(|phrase| {
                let haystack = if phrase.is_ascii() { visible } else { text };
                haystack.contains(phrase)
            })
    });
    if says_failure {
        return Some("soft_not_found");
    }
    let text = texts.first()?;
    let trimmed = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    if trimmed.starts_with(['{', '[']) && serde_json::from_str::<serde_json::Value>(trimmed).is_ok()
    {
        return Some("json");
    }
    let script_only = visible.first().is_some_and(|v| v.is_empty())
        && text.contains("<script")
        && SCRIPT_ANSWERS.iter().any(|call| text.contains(call));
    script_only.then_some("script_only")
}

/// Links to other pages from which a page is one of a site (its home page, a column, an article
/// in the site's template): a page Word or WPS saved links only what the document's text does,
/// a web address or two.
const SITE_PAGE_MIN_LINKS: usize = 10;

/// Whether `url` is a site's home page: `/`, `/index.html`, `/default.aspx`, `/home.htm` …,
/// with no query.
pub fn is_home_page(url: &Url) -> bool {
    url.query().is_none()
        && url.path().rsplit_once('/').is_some_and(|(folder, file)| {
            folder.is_empty()
                && (file.is_empty()
                    || file.split_once('.').is_some_and(|(stem, _)| {
                        ["index", "default", "home"]
                            .iter()
                            .any(|name| stem.eq_ignore_ascii_case(name))
                    }))
        })
}

/// Whether a web page that answered a request for a file is a page of the site, not the file
/// saved as a page: the request was redirected to the site's home page (`/`, `/index.html`,
/// `/default.aspx` …), or the page links to `SITE_PAGE_MIN_LINKS` other pages or more (a
/// fragment, a script or a mail address is no page). `url` is the answer's own URL, after
/// any redirects.
pub fn is_site_page(url: &Url, redirected: bool, facts: &PageFacts) -> bool {
    if redirected && is_home_page(url) {
        return true;
    }
    let mut pages: Vec<&str> = facts
        .links
        .iter()
        .map(|href| href.trim())
        .filter(|href| {
            let lower = href.get(..11).unwrap_or(href).to_ascii_lowercase();
            !(href.is_empty()
                || href.starts_with('#')
                || lower.starts_with("javascript:")
                || lower.starts_with("mailto:"))
        })
        .collect();
    pages.sort_unstable();
    pages.dedup();
    pages.len() >= SITE_PAGE_MIN_LINKS
}

/// The body as text, lower-cased: UTF-8 when it is valid, else as GBK and as Big5 (a short
/// answer names no charset that can be trusted, and a phrase found in either is enough).
fn decodings(body: &[u8]) -> Vec<String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if let Ok(text) = std::str::from_utf8(body) {
        return vec![text.to_lowercase()];
    }
    [encoding_rs::GBK, encoding_rs::BIG5]
        .iter()
        .map(|e| e.decode_without_bom_handling(body).0.to_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gbk(text: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(text).0.into_owned()
    }

    fn big5(text: &str) -> Vec<u8> {
        encoding_rs::BIG5.encode(text).0.into_owned()
    }

    #[test]
    fn empty_answers_are_empty() {
        for body in [&b""[..], b" ", b"\r\n\r\n", b"\0\0\0\0", b"\t \n\0"] {
            assert_eq!(non_document_answer(body), Some("empty"), "{body:?}");
        }
    }

    #[test]
    fn short_error_texts_in_any_charset_are_soft_not_found() {
        let texts = [
            "文件不存在！",
            "文件不存在",
            "檔案不存在！",
            "附件已删除",
            "下载失败，请稍后再试",
            "下載失敗",
            "系统错误",
            "系統錯誤",
            "您无权下载此文件",
            "您沒有權限下載此檔案",
            "File not found",
            "ERROR: file does not exist",
            "java.io.FileNotFoundException: /data/upload/47.pdf",
            "{\"code\":500,\"msg\":\"文件不存在\"}",
            "{\"success\":false,\"message\":\"下載失敗\"}",
            "<script>alert(\"文件不存在\");history.go(-1);</script>",
            "<script type=\"text/javascript\">alert('附件不存在或已被删除！');window.history.back();</script>",
            "<script>alert(\"檔案不存在\");history.back();</script>",
            "<html><body><h3>错误：文件不存在</h3></body></html>",
        ];
        for text in texts {
            let mut bodies = vec![text.as_bytes().to_vec(), gbk(text)];
            if let (encoded, _, false) = encoding_rs::BIG5.encode(text) {
                bodies.push(encoded.into_owned());
            }
            bodies.push(format!("\u{FEFF}{text}\r\n").into_bytes());
            for body in bodies {
                assert_eq!(
                    non_document_answer(&body),
                    Some("soft_not_found"),
                    "{text} as {body:?}"
                );
            }
        }
        assert_eq!(
            non_document_answer(&big5("檔案不存在")),
            Some("soft_not_found")
        );
    }

    #[test]
    fn scripts_and_json_without_text_are_no_document() {
        let cases = [
            ("<script>history.go(-1);</script>", Some("script_only")),
            (
                "<script>alert('File missing');location.href='/';</script>",
                Some("script_only"),
            ),
            ("{\"code\":0,\"data\":null}", Some("json")),
            ("[]", Some("json")),
        ];
        for (text, want) in cases {
            assert_eq!(non_document_answer(text.as_bytes()), want, "{text}");
        }
    }

    /// A page of the site is told by where a redirect ended (its home page) or by its links to
    /// other pages; a page Word saved, its table of contents and a web address in its text,
    /// is none.
    #[test]
    fn a_page_of_the_site_is_told_from_a_saved_document() {
        let links = |n: usize, extra: &str| {
            let items: String = (0..n)
                .map(|i| format!("<li><a href=\"/news/{i}.html\">新闻{i}</a></li>"))
                .collect();
            format!("<html><body><ul>{items}</ul>{extra}<p>正文</p></body></html>")
        };
        let word = "<a href=\"#_Toc1\">一、总体情况</a><a href=\"#_Toc2\">二</a>\
                    <a href=\"http://www.x.gov.cn\">http://www.x.gov.cn</a>\
                    <a href=\"mailto:a@x.gov.cn\">信箱</a><a href=\"javascript:void(0)\">打印</a>";
        let cases = [
            ("http://h/", true, links(0, ""), true),
            ("http://h/index.html", true, links(0, ""), true),
            ("http://h/Default.aspx", true, links(0, ""), true),
            ("http://h/", false, links(0, ""), false),
            ("http://h/index.jsp?id=3", true, links(0, ""), false),
            ("http://h/upload/index.html", true, links(0, ""), false),
            ("http://h/download.do?id=1", false, links(10, ""), true),
            ("http://h/download.do?id=1", false, links(9, ""), false),
            // The same link twice is one page.
            (
                "http://h/download.do?id=1",
                false,
                links(9, "<a href=\"/news/0.html\">again</a>"),
                false,
            ),
            ("http://h/nb.doc", false, links(0, word), false),
            ("http://h/nb.doc", false, links(6, word), false),
        ];
        for (url, redirected, html, want) in cases {
            let url = Url::parse(url).expect("valid URL");
            let facts = PageFacts::of(&html);
            assert_eq!(is_site_page(&url, redirected, &facts), want, "{url} {html}");
        }
    }

    /// Bytes that sniff as no document but may be one are left to the page classifier: an RTF
    /// saved as `.doc`, a Word page with text, a plain text report, a long page that mentions
    /// an error in passing.
    #[test]
    fn files_that_may_be_documents_are_not_judged() {
        let report = "某某县人民政府2022年政府信息公开工作年度报告。一、总体情况。".repeat(8);
        let cases = [
            "{\\rtf1\\ansi 某某县2022年年报}".to_string(),
            format!(
                "<html xmlns:w=\"urn:schemas-microsoft-com:office:word\"><body><p>{report}</p></body></html>"
            ),
            report.clone(),
            format!("{report}依申请公开答复中，因申请内容不存在，答复信息不存在3件。"),
            "<html><body><img src=x onerror=\"f()\"><p>某某县2022年年报正文</p></body></html>"
                .to_string(),
            "x".repeat(SHORT_ANSWER_MAX_BYTES + 1),
        ];
        for text in cases {
            assert_eq!(non_document_answer(text.as_bytes()), None, "{text}");
        }
    }
}
