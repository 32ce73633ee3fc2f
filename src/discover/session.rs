//! Links' marks of a visit, not of the page: session ids (`;jsessionid=`, session parameters,
//! ASP.NET cookieless path segments), campaign tags and the cache-busters and time stamps a
//! page's script makes new at every request. Dropped before a link is followed or known, so that a
//! server writing them into every link cannot make every report new at every visit.

use url::Url;

/// Query parameters that carry a visitor's session, never the page asked for; `sid` is not one
/// of them (gkmlpt's `sid` names the site).
const SESSION_PARAMS: &[&str] = &["jsessionid", "phpsessid", "aspsessionid"];

/// Query parameters that carry a visitor's session when their value is a token
/// (`is_session_token`), and may name a page otherwise: a people's congress's
/// `sessionid=14` is its 14th 届.
const SESSION_PARAMS_BY_VALUE: &[&str] = &["sessionid", "session_id"];

/// A session token: 16 characters or more of letters, digits, `-` and `_`.
fn is_session_token(value: &str) -> bool {
    value.len() >= 16
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Drops a link's session id (`;jsessionid=…` in its path, a session query parameter), its
/// `utm_*` and `spm` tags and its cache-busters (`is_cache_buster`): a server that writes a new
/// session or stamp into every link would otherwise show every page, report and attachment under
/// a new URL at every visit, a list whose pages never repeat and reports that are never known.
pub(crate) fn drop_session_ids(url: &mut Url) {
    drop_cookieless_session(url);
    let path = url.path();
    // Most links have no `;`: no lower-cased copy of their path is made.
    if let Some(at) = path
        .contains(';')
        .then(|| path.to_ascii_lowercase().find(";jsessionid="))
        .flatten()
    {
        // Lower-casing ASCII keeps byte offsets, so `at` is a char boundary of `path` too.
        let end = path[at..].find('/').map_or(path.len(), |n| at + n);
        let path = format!("{}{}", &path[..at], &path[end..]);
        url.set_path(&path);
    }
    let Some(query) = url.query() else {
        return;
    };
    let is_session = |pair: &&str| {
        let name = pair
            .split('=')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let value = pair.split_once('=').map_or("", |(_, v)| v);
        SESSION_PARAMS.contains(&name.as_str())
            || (SESSION_PARAMS_BY_VALUE.contains(&name.as_str()) && is_session_token(value))
            || name.starts_with("utm_")
            || name == "spm"
            || is_cache_buster(&name, value)
    };
    if !query.split('&').any(|pair| is_session(&pair)) {
        return;
    }
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !is_session(pair))
        .collect();
    let kept = kept.join("&");
    url.set_query((!kept.is_empty()).then_some(kept.as_str()));
}

/// Drops an ASP.NET cookieless session segment (`/(S(lit3py55t21z5v55vlm25s55))/list.aspx`,
/// `/(X(1)S(…))/`) from the path: a server that keeps its visitors' sessions in the URL hands out
/// a new one at each visit, and redirects a path without one to a path with a new one, so the
/// segment names the visit, never the page.
fn drop_cookieless_session(url: &mut Url) {
    let path = url.path();
    // Most paths have no `(S(`: nothing is split.
    if !path.contains("S(") {
        return;
    }
    let kept: Vec<&str> = path
        .split('/')
        .filter(|segment| !is_cookieless_session(segment))
        .collect();
    let kept = kept.join("/");
    if kept.len() != path.len() {
        let kept = if kept.is_empty() {
            "/".to_string()
        } else {
            kept
        };
        url.set_path(&kept);
    }
}

/// `(S(token))`, `(X(1)S(token))`, `(A(…)S(token)F(…))`: groups of one capital letter and a
/// value in brackets, one of them the session (`S`), all in brackets.
fn is_cookieless_session(segment: &str) -> bool {
    let Some(mut rest) = segment.strip_prefix('(').and_then(|s| s.strip_suffix(')')) else {
        return false;
    };
    let mut session = false;
    while !rest.is_empty() {
        let mut chars = rest.chars();
        let (Some(letter), Some('(')) = (chars.next(), chars.next()) else {
            return false;
        };
        let inner = chars.as_str();
        let Some(end) = inner.find(')') else {
            return false;
        };
        let value = &inner[..end];
        if !letter.is_ascii_uppercase()
            || value.is_empty()
            || !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return false;
        }
        session |= letter == 'S';
        rest = &inner[end + 1..];
    }
    session
}

/// Names a page's script gives the time it stamps a request with (`t=1700000000`,
/// `timestamp=1700000000000`).
const TIME_STAMP_PARAMS: &[&str] = &["t", "_t", "ts", "_ts", "time", "_time", "timestamp", "tm"];

/// A Unix time between 2000 and 2100, in seconds (ten digits) or milliseconds (thirteen).
fn is_unix_time(value: &str) -> bool {
    const SECONDS: std::ops::Range<u64> = 946_684_800..4_102_444_800;
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    match (value.len(), value.parse::<u64>()) {
        (10, Ok(s)) => SECONDS.contains(&s),
        (13, Ok(ms)) => SECONDS.contains(&(ms / 1000)),
        _ => false,
    }
}

/// A value a page's script makes new at every request and the server ignores: jQuery's
/// `_=1700000000000` (a bare `_` and a number), and a `Math.random()` (`r=0.8120458127326551`,
/// `0.` and eight digits or more, whatever the name). A short fraction (`r=0.5`) or a `t` that
/// may name a tab or a type is kept: the rule must not drop a parameter that names the page.
/// A `t`, `ts` or `timestamp` (`TIME_STAMP_PARAMS`) whose value is a Unix time of this century,
/// in seconds or milliseconds, is a stamp too: no page is named by the second it was asked at.
fn is_cache_buster(name: &str, value: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (name == "_" && digits(value))
        || (TIME_STAMP_PARAMS.contains(&name) && is_unix_time(value))
        || value
            .strip_prefix("0.")
            .is_some_and(|f| f.len() >= 8 && digits(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_and_campaign_tags_are_dropped_and_nothing_else() {
        for (link, kept) in [
            (
                "http://x.gov.cn/art/1.jsp;jsessionid=A1B2",
                "http://x.gov.cn/art/1.jsp",
            ),
            (
                "http://x.gov.cn/s/list.jsp;JSESSIONID=A1?page=2",
                "http://x.gov.cn/s/list.jsp?page=2",
            ),
            (
                "http://x.gov.cn/l.php?PHPSESSID=9&lb=%C4%EA%B1%A8&utm_source=wx",
                "http://x.gov.cn/l.php?lb=%C4%EA%B1%A8",
            ),
            (
                "http://x.gov.cn/a.asp?utm_medium=x",
                "http://x.gov.cn/a.asp",
            ),
            (
                "http://x.gov.cn/l.jsp?sessionId=0A1B2C3D4E5F6A7B8C9D&page=2",
                "http://x.gov.cn/l.jsp?page=2",
            ),
            (
                "http://rd.x.gov.cn/l.jsp?sessionid=14&session_id=13",
                "http://rd.x.gov.cn/l.jsp?sessionid=14&session_id=13",
            ),
            (
                "http://x.gov.cn/gkmlpt/api/all/1?page=1&sid=755031",
                "http://x.gov.cn/gkmlpt/api/all/1?page=1&sid=755031",
            ),
            (
                "http://x.gov.cn/a.asp?b=2&a=1&&c",
                "http://x.gov.cn/a.asp?b=2&a=1&&c",
            ),
            (
                "http://x.gov.cn/col/col123/index.html?uid=4&pageNum=2&_=1700000000000",
                "http://x.gov.cn/col/col123/index.html?uid=4&pageNum=2",
            ),
            (
                "http://x.gov.cn/art/1.html?r=0.8120458127326551&spm=a2c4g.11186623",
                "http://x.gov.cn/art/1.html",
            ),
            (
                "http://x.gov.cn/(S(lit3py55t21z5v55vlm25s55))/list.aspx?page=2",
                "http://x.gov.cn/list.aspx?page=2",
            ),
            (
                "http://x.gov.cn/gk/(X(1)S(lit3py55t21z5v55vlm25s55))/art/1.aspx",
                "http://x.gov.cn/gk/art/1.aspx",
            ),
            (
                "http://x.gov.cn/(S(a))/(S)/(Q(1))/(S(a b))/list.aspx",
                "http://x.gov.cn/(S)/(Q(1))/(S(a%20b))/list.aspx",
            ),
            (
                "http://x.gov.cn/art/1.html?t=1700000000&id=7&timestamp=1700000000123",
                "http://x.gov.cn/art/1.html?id=7",
            ),
            (
                "http://x.gov.cn/l.jsp?t=2&time=20231231&ts=123&id=1700000000",
                "http://x.gov.cn/l.jsp?t=2&time=20231231&ts=123&id=1700000000",
            ),
            (
                "http://x.gov.cn/list.jsp?channelid=0.5&id=12345678&page=0&t=1&_=x",
                "http://x.gov.cn/list.jsp?channelid=0.5&id=12345678&page=0&t=1&_=x",
            ),
        ] {
            let mut url = Url::parse(link).expect("a test URL parses");
            drop_session_ids(&mut url);
            assert_eq!(url.as_str(), kept, "{link}");
        }
    }
}
