//! Error pages a server or its application serves in place of the page asked for, often with
//! status 200: a Java stack trace, Spring's Whitelabel page, Tomcat's and ASP.NET's error
//! reports, an ODBC or database connection failure. They say nothing of the page, which may be
//! there tomorrow: not archived, and asked again on the failure schedule like a 5xx answer.

use super::PageFacts;

/// With an error phrase in its title, a page shows at most this much main text (ASP.NET's
/// error page explains itself in a paragraph).
const TITLE_ERROR_MAX_CHARS: usize = 600;
/// With the phrase only in its body, the page is shorter still.
const BODY_ERROR_MAX_CHARS: usize = 300;
/// Frames of a Java stack trace (`at com.x.Y.z(Y.java:12)`) that make a page a trace, whatever
/// its length.
const TRACE_MIN_FRAMES: usize = 3;

/// What servers' and frameworks' error pages say, lower-cased and in Simplified.
const ERROR_PHRASES: &[&str] = &[
    "whitelabel error page",
    "http status 500",
    "http status 502",
    "http status 503",
    "http状态 500",
    "internal server error",
    "502 bad gateway",
    "service unavailable",
    "http error 500",
    "http error 503",
    "fatal error",
    "504 gateway time-out",
    "504 gateway timeout",
    "error report",
    "exception report",
    "ole db provider",
    "odbc drivers",
    "服务器错误",
    "服务器内部错误",
    "运行时错误",
    "数据库连接失败",
    "数据库连接错误",
    "数据库连接出错",
    "连接数据库失败",
    "数据库错误",
    "系统错误",
    "系统出错",
    "系统异常",
    "程序出错",
];

/// Whether a page is a server's or an application's error page.
pub(super) fn is_error_page(facts: &PageFacts) -> bool {
    if !(java_frames(&facts.visible_text) >= TRACE_MIN_FRAMES || says_error(facts)) {
        return false;
    }
    // A dated document, or a page that links a report's file, is a page whatever it mentions
    // (asked last: most pages say no error at all).
    let links_a_file = facts
        .links
        .iter()
        .any(|href| super::document_type_for_name(href).is_some());
    !links_a_file && !super::states_its_date(facts)
}

/// Whether a short page's title or text says a server or an application failed.
fn says_error(facts: &PageFacts) -> bool {
    let chars = facts.main_chars();
    if chars > TITLE_ERROR_MAX_CHARS {
        return false;
    }
    let sayings = |text: &str| {
        let text = crate::traditional::to_simplified(&text.to_lowercase());
        ERROR_PHRASES
            .iter()
            .map(|p| text.matches(p).count())
            .sum::<usize>()
    };
    // The page itself must say it, not only a short list's entry (关于系统错误的整改情况).
    sayings(&facts.title) > 0
        || chars <= BODY_ERROR_MAX_CHARS
            && sayings(&facts.main_text) > sayings(&facts.main_link_text)
}

/// Frames of a Java stack trace: `at ` and a dotted name, then `(File.java:12)` or
/// `(Native Method)`.
fn java_frames(text: &str) -> usize {
    text.match_indices("at ")
        .filter(|(at, _)| {
            let word_start = text[..*at]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace);
            if !word_start {
                return false;
            }
            let rest = &text[at + 3..];
            let Some(open) = rest.find('(') else {
                return false;
            };
            let name = &rest[..open];
            let dotted = name.contains('.')
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$' | '<' | '>'));
            let place = &rest[open + 1..];
            let close = place.find(')').unwrap_or(place.len());
            let place = &place[..close];
            dotted && (place.contains(".java:") || place == "Native Method")
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_frames_are_counted_and_prose_is_not() {
        let trace = "java.lang.NullPointerException at com.trs.Doc.get(Doc.java:212) \
            at sun.reflect.NativeMethodAccessorImpl.invoke0(Native Method) \
            at org.apache.catalina.Chain.doFilter(Chain.java:303)";
        assert_eq!(java_frames(trace), 3);
        let prose = "look at this (again) at home.page (Foo.java) at 3 (x.java:1)";
        assert_eq!(java_frames(prose), 0);
    }
}
