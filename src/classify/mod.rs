//! Classify: decides what a fetched response is (a page of content, an attachment, an anti-bot
//! challenge, a soft 404, a login wall, an empty template) before anything is extracted or archived.
//! Pure: status, headers and decoded text in, a verdict out.
//!
//! Markers alone never decide: portals keep a 瑞数 `r='m'` script on real pages after the
//! challenge was passed, and an article may mention "404". Each verdict also asks how much text a
//! reader would see.

mod answer;
mod challenge;
mod error_page;
pub mod not_text;
pub(crate) mod page;
pub mod sniff;

use serde::Serialize;

pub use answer::{is_home_page, is_site_page, non_document_answer};
pub use not_text::not_text;
pub use page::{PageFacts, refresh_target};
pub use sniff::{document_type_for_name, sniff_document_type};

/// The anti-bot systems seen in front of government portals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengeKind {
    /// 瑞数 (Ruishu / botgate): HTTP 412 with a `$_ts` / `$_ss` script.
    Ruishu,
    /// 加速乐 / 知道创宇云防御: HTTP 521 with `__jsl_clearance`.
    Jiasule,
    /// 360 磐云 WAF "请稍后" page with a `waf_answer` form.
    Waf360,
    /// Some other interstitial that demands JavaScript or a cookie before content.
    Other,
    /// A short page, whatever its status, saying the visits come too often (访问过于频繁).
    Throttled,
    /// A short page saying a web application firewall stopped the request (已被拦截, 疑似攻击).
    Blocked,
    /// A short page saying the site is down for maintenance (网站维护中).
    Maintenance,
}

/// What a response turned out to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PageKind {
    /// An HTML page with content (a list page or an item page; the crawl role decides which).
    Content,
    /// A binary or office document (PDF, DOC, ...), with the type sniffed from the bytes.
    Attachment {
        content_type: String,
    },
    Challenge {
        challenge: ChallengeKind,
    },
    /// Status 200 but the page says it does not exist (页面不存在 ...).
    SoftNotFound,
    /// A server's or an application's error page in place of the page (a Java stack trace,
    /// `Whitelabel Error Page`, `HTTP Status 500`, 数据库连接失败), whatever its status.
    ServerError,
    LoginWall,
    /// A page template whose content area is empty.
    EmptyTemplate,
    /// A page beyond what is parsed (`page::Bound`: text size, tag count); its bytes are kept.
    TooComplex {
        bound: String,
    },
    /// A body whose decoded text has control characters no text has (random bytes, an image, a
    /// compressed or encrypted blob served as a page), with their share (`not_text`).
    NotText {
        odd_per_mille: u32,
    },
}

impl PageKind {
    /// True when the page must never be archived as a document or as a new version.
    pub fn is_bad(&self) -> bool {
        !matches!(self, PageKind::Content | PageKind::Attachment { .. })
    }
}

/// Phrases of "this page does not exist" pages (title or body).
const NOT_FOUND_PHRASES: &[&str] = &[
    "页面不存在",
    "您访问的页面不存在",
    "页面已删除",
    "页面未找到",
    "找不到",
    "无法找到",
    "不存在或已被删除",
    "不存在或已删除",
    "信息不存在",
    "文章不存在",
    "内容不存在",
    "文件不存在",
    "页面已失效",
    "删除或不存在",
    "没有找到",
    "找不到网页",
    "not found",
];

/// What a page asking its reader to log in says (besides showing a password field).
const LOGIN_PHRASES: &[&str] = &["请登录后查看", "登录后查看", "请先登录", "仅对注册用户开放"];
/// A page without a password field asks to log in only in a line or two.
const NOTICE_LOGIN_MAX_CHARS: usize = 150;
/// Titles of login pages.
const LOGIN_TITLES: &[&str] = &["请登录", "用户登录", "登录", "统一身份认证"];
/// Whether a short page's title or text asks its reader to log in, in either script.
fn says_log_in(facts: &PageFacts) -> bool {
    let title = crate::traditional::to_simplified(facts.title.trim());
    let main = crate::traditional::to_simplified(&facts.main_text);
    LOGIN_TITLES.contains(&title.as_str())
        || LOGIN_PHRASES
            .iter()
            .any(|p| title.contains(p) || main.contains(p))
}

/// A page that only sends its reader to the site's home page shows at most this much text.
const SENDS_HOME_MAX_CHARS: usize = 100;

/// A short page that only sends its reader to the site's home page (a `<meta http-equiv=
/// "refresh">` or a script's `location` to `/`): the page asked for is not there.
fn sends_home(text: &str, facts: &PageFacts) -> bool {
    if facts.main_chars() > SENDS_HOME_MAX_CHARS {
        return false;
    }
    let home = |target: &str| {
        let target = target.trim().trim_matches(|c| c == '\'' || c == '"');
        matches!(
            target,
            "/" | "/index.html" | "/index.htm" | "/index.shtml" | "/index.jsp" | "/default.htm"
        )
    };
    if facts.redirect.as_deref().is_some_and(home) {
        return true;
    }
    ["location.href", "location.replace(", "location="]
        .iter()
        .any(|call| {
            text.match_indices(call).any(|(at, _)| {
                let rest = text[at + call.len()..].trim_start_matches([' ', '=', '(']);
                let quoted = rest
                    .strip_prefix(['\'', '"'])
                    .and_then(|r| r.split(['\'', '"']).next());
                quoted.is_some_and(&home)
            })
        })
}

/// A page with at most this much main text and a not-found phrase in its title is a soft 404.
const SOFT_404_TITLE_MAX_CHARS: usize = 600;
/// With the phrase only in the body, the page must be smaller still.
const SOFT_404_BODY_MAX_CHARS: usize = 300;
/// A password form with at most this much main text is a login wall.
const LOGIN_MAX_CHARS: usize = 300;
/// A template whose main text is shorter than this is empty.
const EMPTY_MAX_CHARS: usize = 20;

/// Classifies a response. `content_type` is the Content-Type header; `body` the decompressed
/// bytes; `text` the decoded text when the body is text; `name_hint` the URL path or file name
/// (it tells apart OLE2 documents and `application/octet-stream` downloads). A body that is not
/// text is told by `not_text`, on the text as `decode` reads it, which `page::analyse` asks first.
pub fn classify(
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
    text: Option<&str>,
    name_hint: Option<&str>,
) -> PageKind {
    if let Some(kind) = attachment_kind(content_type, body, name_hint) {
        return kind;
    }
    let lossy;
    let text = match text {
        Some(text) => text,
        None => {
            lossy = String::from_utf8_lossy(body);
            &lossy
        }
    };
    if !is_html(content_type, text) {
        // JSON list APIs, XML feeds, plain text: content for discover to read.
        return PageKind::Content;
    }
    classify_html(status, text, &PageFacts::of(text))
}

/// The attachment verdict alone: a document file sniffed from its bytes, or named by a document
/// Content-Type or file name on a body that is not markup. Reads no markup.
pub fn attachment_kind(
    content_type: Option<&str>,
    body: &[u8],
    name_hint: Option<&str>,
) -> Option<PageKind> {
    attachment_type(content_type, body, name_hint).map(|kind| PageKind::Attachment {
        content_type: kind.to_owned(),
    })
}

/// The verdict on an HTML page (not an attachment) from its text and the facts of its one parse.
pub fn classify_html(status: u16, text: &str, facts: &PageFacts) -> PageKind {
    if let Some(challenge) = challenge::detect(status, text, facts) {
        return PageKind::Challenge { challenge };
    }
    let chars = facts.main_chars();
    let asks_to_log_in = facts.has_password_input && chars <= LOGIN_MAX_CHARS
        || chars <= NOTICE_LOGIN_MAX_CHARS && says_log_in(facts) && !states_its_date(facts);
    if asks_to_log_in || status == 401 {
        return PageKind::LoginWall;
    }
    if is_soft_not_found(facts) {
        return PageKind::SoftNotFound;
    }
    if error_page::is_error_page(facts) {
        return PageKind::ServerError;
    }
    if sends_home(text, facts) {
        return PageKind::SoftNotFound;
    }
    if facts.main_chars() < EMPTY_MAX_CHARS
        && !facts.has_embedded_frame
        && !facts.has_xml_data_island
        && facts.redirect.is_none()
        && !facts
            .links
            .iter()
            .any(|href| document_type_for_name(href).is_some())
    {
        return PageKind::EmptyTemplate;
    }
    PageKind::Content
}

/// Whether a response might be an anti-bot challenge, from its status and raw bytes: every
/// challenge page classify knows carries one of these, so the fetch layer parses only those.
pub fn may_be_challenge(status: u16, body: &[u8]) -> bool {
    const MARKERS: &[&[u8]] = &[
        b"$_ts",
        b"$_ss",
        b"__jsl_clearance",
        b"/cdn-cgi/",
        "知道创宇".as_bytes(),
        "加速乐".as_bytes(),
        b"waf_answer",
        b"document.cookie",
        b"_cf_chl_opt",
        b"jschl_vc",
        b"SessionVerify",
        b"security_verify_data",
        b"yunsuo_session_verify",
    ];
    // One SIMD substring search per marker (a byte-window scan per marker cost 2.5% of a
    // whole crawl's CPU in a profile).
    matches!(status, 412 | 521)
        || MARKERS
            .iter()
            .any(|m| memchr::memmem::find(body, m).is_some())
}

/// The document type of a response that is an attachment: sniffed bytes first, then a
/// document Content-Type or file name on a body that is not markup.
fn attachment_type(
    content_type: Option<&str>,
    body: &[u8],
    name_hint: Option<&str>,
) -> Option<&'static str> {
    if let Some(sniffed) = sniff_document_type(body, name_hint) {
        return Some(sniffed);
    }
    if starts_like_markup(body) {
        // An error page served with the attachment's Content-Type.
        return None;
    }
    let media_type = content_type.map(media_type).unwrap_or_default();
    let by_header = match media_type.as_str() {
        "application/pdf" => Some(sniff::PDF),
        "application/msword" => Some(sniff::DOC),
        "application/vnd.ms-excel" => Some(sniff::XLS),
        "application/vnd.ms-powerpoint" => Some(sniff::PPT),
        "application/vnd.ms-works" | "application/kswps" | "application/wps-office.wps" => {
            Some(sniff::WPS)
        }
        "application/ofd" => Some(sniff::OFD),
        "application/vnd.oasis.opendocument.spreadsheet" => Some(sniff::ODS),
        "application/zip" | "application/x-zip-compressed" => Some(sniff::ZIP),
        t if t.starts_with("application/vnd.openxmlformats-officedocument.wordprocessingml") => {
            Some(sniff::DOCX)
        }
        t if t.starts_with("application/vnd.openxmlformats-officedocument.spreadsheetml") => {
            Some(sniff::XLSX)
        }
        t if t.starts_with("application/vnd.openxmlformats-officedocument.presentationml") => {
            Some(sniff::PPTX)
        }
        _ => None,
    };
    by_header.or_else(|| {
        let generic = media_type.is_empty() || media_type == "application/octet-stream";
        if generic {
            name_hint.and_then(document_type_for_name)
        } else {
            None
        }
    })
}

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn starts_like_markup(body: &[u8]) -> bool {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    body.get(start) == Some(&b'<')
}

/// HTML by header, or by its first bytes when the header names no text type (an error page
/// served with an attachment's Content-Type is still an error page).
pub fn is_html(content_type: Option<&str>, text: &str) -> bool {
    let media_type = content_type.map(media_type).unwrap_or_default();
    if matches!(media_type.as_str(), "text/html" | "application/xhtml+xml") {
        return true;
    }
    let data_type = media_type.contains("json")
        || media_type.contains("xml")
        || media_type.contains("javascript")
        || media_type == "text/css";
    if data_type {
        return false;
    }
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    let head = start.get(..256).unwrap_or(start).to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.contains("<html")
        || head.starts_with("<head")
        || head.starts_with("<body")
}

fn is_soft_not_found(facts: &PageFacts) -> bool {
    let chars = facts.main_chars();
    if chars > SOFT_404_TITLE_MAX_CHARS.max(SOFT_404_BODY_MAX_CHARS) {
        // Too much text for a "not found" page either way: skip lowercasing a whole report.
        return false;
    }
    let title = crate::traditional::to_simplified(&facts.title.to_lowercase());
    let title_says = has_not_found_phrase(&title) || has_bare_404(&title);
    let says = title_says && chars <= SOFT_404_TITLE_MAX_CHARS || {
        // The page itself must say it, not only a link's text (a list entry titled
        // 关于转发国办发〔2019〕404号文件的通知 on a short list page).
        let main = crate::traditional::to_simplified(&facts.main_text.to_lowercase());
        let in_links = crate::traditional::to_simplified(&facts.main_link_text.to_lowercase());
        let body_says = not_found_sayings(&main) > not_found_sayings(&in_links);
        body_says && chars <= SOFT_404_BODY_MAX_CHARS
    };
    // A document published on a day (a short 批复, an answer that the information asked for
    // does not exist) is a page, whatever it says.
    says && !states_its_date(facts)
}

fn has_not_found_phrase(text: &str) -> bool {
    NOT_FOUND_PHRASES.iter().any(|phrase| text.contains(phrase))
}

/// How many times `text` says "not found": phrases and bare 404s.
fn not_found_sayings(text: &str) -> usize {
    NOT_FOUND_PHRASES
        .iter()
        .map(|phrase| text.matches(phrase).count())
        .sum::<usize>()
        + bare_404s(text)
}

fn has_bare_404(text: &str) -> bool {
    bare_404s(text) > 0
}

/// "404" standing alone as a status: not part of a longer number (1404), not a document's or a
/// list's number (〔2019〕404号, 第404号) and not a count (404件, 404人). A status is followed by
/// nothing, a space, a letter (`404 Not Found`) or an error word (404页面, 404错误).
fn bare_404s(text: &str) -> usize {
    text.match_indices("404")
        .filter(|(at, _)| {
            let before = text[..*at].chars().next_back();
            let after = text[at + 3..].chars().next();
            let numbered = before.is_some_and(|c| c.is_ascii_digit() || c == '第');
            let counted = after.is_some_and(|c| {
                c.is_ascii_digit() || is_ideograph(c) && !"页错网找未不".contains(c)
            });
            !numbered && !counted
        })
        .count()
}

fn is_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Labels a document prints its own date under (发布时间：2023-04-28), in Simplified.
const DATE_LABELS: &[&str] = &[
    "发布日期",
    "发布时间",
    "公开日期",
    "发文日期",
    "成文日期",
    "印发日期",
    "生成日期",
];
/// Characters a label's date may start after (a colon, spaces, a bracket: `【发布日期】 2023-04-28`).
const LABEL_GAP_MAX_CHARS: usize = 3;

/// Whether a page prints a date under a publication label: a document published on a day is a
/// page, whatever its few lines say (a notice that the site will pause for an upgrade, a short
/// answer that the information asked for does not exist). Server notices and error templates
/// print no such date (a template's label is empty); a firewall's `拦截时间` is no such label.
pub(crate) fn states_its_date(facts: &PageFacts) -> bool {
    let text = crate::traditional::to_simplified(&facts.visible_text);
    DATE_LABELS.iter().any(|label| {
        text.match_indices(label).any(|(at, _)| {
            let rest = &text[at + label.len()..];
            let gap = rest
                .chars()
                .take(LABEL_GAP_MAX_CHARS + 1)
                .take_while(|c| !c.is_numeric())
                .count();
            if gap > LABEL_GAP_MAX_CHARS {
                return false;
            }
            // The date itself: `2023-04-28`, `2023年4月28日`, `2023.04.28` (at most 11 chars).
            let date: String = rest.chars().skip(gap).take(11).collect();
            date.starts_with(|c: char| c.is_numeric()) && crate::dates::parse_date(&date).is_some()
        })
    })
}
