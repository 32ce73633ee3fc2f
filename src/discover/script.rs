//! Lists that only a script fills: an empty page whose scripts fetch the entries (`$.ajax`,
//! `fetch`, `axios`) and page them (jqPaginator, laypage, pageSize …), or an empty single-page-app
//! root. Such a list cannot be read without running JavaScript; saying so (with what was seen) is
//! better than reporting an empty list.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::dates::parse_date;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex literal is valid")
}

/// A script that fetches data.
static FETCHES: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\$\.(?:ajax|get|post|getJSON)\s*\(|\bfetch\s*\(|\baxios\b|XMLHttpRequest")
});
/// A script that pages a list.
static PAGES: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)jqPaginator|laypage|\.pagination\s*\(|\bpage(?:Size|No|Num|Index)\b\s*[:=]|\bcurPage\b\s*[:=]|[?&](?:page|pageNo|pageNum|pageIndex|currentPage|curPage)=",
    )
});
/// The address a fetching script names (`url: "/api/list"`, `$.get('/list.json'`).
static FETCH_URL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"(?:\burl\s*:\s*|\$\.(?:ajax|get|post|getJSON)\s*\(\s*|\bfetch\s*\(\s*)["']([^"'\s]{1,200})["']"#,
    )
});
/// A script the page loads: `<script src="list.js">`.
static LIST_SCRIPT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)<script\b[^>]{0,200}?\bsrc\s*=\s*["']?([^"'\s>]{1,200})"#));

/// The file part of a script's or request's address, lower-cased, without its query.
fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase()
}

/// A data file a script fetches (`data.json`, `list.json`, `list.js`, `/api/list.xml`).
fn is_data_file(url: &str) -> bool {
    let name = file_name(url);
    name.ends_with(".json")
        || name.ends_with(".xml")
        || (name.ends_with(".js") && (name.contains("list") || name.contains("data")))
}

/// How `needs_javascript` names a list script the page loads (`LIST_SCRIPT`), the one reason it
/// gives from a script's name alone.
const LIST_SCRIPT_SEEN: &str = "a script the page loads fills the list: ";

/// Whether `needs_javascript` said `seen` of a page only for the name of a script it loads: no
/// more than a guess, which a page saying it lists nothing (暂无信息) outweighs.
pub(super) fn only_names_a_list_script(seen: &str) -> bool {
    seen.starts_with(LIST_SCRIPT_SEEN)
}

/// A script file that holds or builds a list by its name (`list.js`, `newsList.js`,
/// `data.js`), not a library (`jquery.min.js`).
fn is_list_script(src: &str) -> bool {
    let name = file_name(src);
    name.ends_with(".js") && (name.contains("list") || name.starts_with("data"))
}

/// An empty single-page-app root.
static APP_ROOT: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)<div\s+id\s*=\s*["']?(?:app|root)["']?\s*>\s*</div>"#));
static APP_BUNDLE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)chunk-vendors|\bvue(?:\.min)?\.js|\breact(?:-dom)?[.\w]*\.js|umi\.[\w]*\.?js|app\.[0-9a-f]{6,}\.js",
    )
});

/// Guangdong's 政府信息公开目录管理平台 (`/gkmlpt/index`): a script application configured with the
/// site's `SID`, filling each column from `/gkmlpt/api/all/{column}?page=N&sid=SID`.
static GKMLPT_SID: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?s)/gkmlpt/.{0,4000}?\bSID\s*[:=]\s*["']?(\d{1,12})"#));

/// An array of objects assigned in a script: `var listData = [{"title": …, "url": …}, …]`.
static DATA_ARRAY: LazyLock<Regex> = LazyLock::new(|| re(r"=\s*(\[)\s*\{"));
/// The same holding a link key, whatever its quoting: such a list is the page's, in data.
static DATA_LINKS: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"=\s*\[\s*\{[^}]{0,400}?["']?(?:url|href|link|linkUrl|docUrl)["']?\s*:"#)
});
/// Bytes of a page searched for data arrays, and arrays tried.
const MAX_DATA_BYTES: usize = 512 * 1024;
const MAX_DATA_ARRAYS: usize = 8;
/// Keys of an entry's link, title and date in script data, in order of preference.
const URL_KEYS: &[&str] = &["url", "href", "link", "linkUrl", "docUrl", "URL"];
const TITLE_KEYS: &[&str] = &["title", "docTitle", "name", "TITLE", "FILENAME"];
const DATE_KEYS: &[&str] = &[
    "pubDate",
    "pubdate",
    "publishTime",
    "publishDate",
    "releaseTime",
    "docRelTime",
    "date",
    "time",
    "createTime",
    "PUBDATE",
];

/// The entries a script holds as a JSON array of objects with a link, a title and a date
/// (`var listData = [{"title": "…", "url": "/…/t1.html", "pubDate": "2022-01-15"}]`), joined as
/// the page's links. Empty when the page holds no such array, or only JavaScript object
/// literals that are not JSON (those are reported as needing JavaScript).
pub(super) fn data_items(html: &str, base: &super::dom::LinkBase) -> Vec<super::ListItem> {
    if !html.contains("<script") {
        return Vec::new();
    }
    let html = super::dom::head(html, MAX_DATA_BYTES);
    for found in DATA_ARRAY.captures_iter(html).take(MAX_DATA_ARRAYS) {
        let Some(open) = found.get(1) else { continue };
        let mut values =
            serde_json::Deserializer::from_str(&html[open.start()..]).into_iter::<Value>();
        let Some(Ok(Value::Array(entries))) = values.next() else {
            continue;
        };
        let items: Vec<super::ListItem> = entries
            .iter()
            .filter_map(|entry| {
                let text = |keys: &[&str]| {
                    keys.iter()
                        .find_map(|k| entry.get(*k)?.as_str().map(str::trim))
                        .filter(|s| !s.is_empty())
                };
                // Dated, as a list's entries are: a menu held as data has none.
                let date = text(DATE_KEYS).and_then(parse_date)?;
                Some(super::ListItem {
                    url: super::dom::resolve(base, text(URL_KEYS)?)?,
                    title: Some(text(TITLE_KEYS)?.to_string()),
                    date: Some(date),
                    fields: Vec::new(),
                })
            })
            .collect();
        if !items.is_empty() {
            return items;
        }
    }
    Vec::new()
}

/// Code that only sends the reader elsewhere: a script `window.location.href = '/list_1.shtml'`,
/// `location.replace("…")`, or an `onclick`/`javascript:` href doing the same.
static LOCATION_CALL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"^(?:javascript:)?\s*(?:window\.|self\.|top\.|document\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['"]([^'"]{1,500})['"]\s*\)?\s*;?\s*(?:return\s+false\s*;?)?$"#,
    )
});

/// `window.open('../art/1.html', '_blank')`, the call opening a list entry on older sites.
static WINDOW_OPEN: LazyLock<Regex> =
    LazyLock::new(|| re(r#"^(?:javascript:)?\s*(?:window\.)?open\(\s*['"]([^'"]{1,500})['"]"#));

/// The page a link's script opens: `window.open('…')`, or code that only sets `location`.
pub(super) fn opened_page(code: &str) -> Option<&str> {
    let code = code.trim();
    WINDOW_OPEN
        .captures(code)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str())
        .or_else(|| location_target(code))
}

/// Where code that only sets `location` sends the reader (`window.location.href='index_1.html'`).
pub(super) fn location_target(code: &str) -> Option<&str> {
    Some(LOCATION_CALL.captures(code.trim())?.get(1)?.as_str())
}
static SHELL_ELEMENTS: LazyLock<scraper::Selector> = LazyLock::new(|| {
    scraper::Selector::parse("meta[http-equiv], frame[src], iframe[src], script")
        .expect("static selector is valid")
});
/// Frames taken from one shell: a frameset of a banner, a menu and the list has three.
const MAX_SHELL_TARGETS: usize = 4;

/// Where a page that shows nothing itself sends the reader: a `<meta http-equiv="refresh">`, a
/// script that only sets `location`, or the pages of its frames, in page order, without `about:`
/// and script URLs.
pub(super) fn shell_targets(
    doc: &scraper::Html,
    html: &str,
    base: &super::dom::LinkBase,
) -> Vec<url::Url> {
    // Any case: `<META HTTP-EQUIV="Refresh">`, `<FRAME>`.
    let hints = ["efresh", "rame", "RAME", "location"];
    if !hints.iter().any(|h| html.contains(h)) {
        return Vec::new();
    }
    let mut targets: Vec<url::Url> = Vec::new();
    for element in crate::page::select(doc, &SHELL_ELEMENTS) {
        let target = match element.value().name() {
            "meta" => crate::classify::refresh_target(element.value()),
            "script" => {
                let code: String = element.text().collect();
                location_target(&code).map(str::to_string)
            }
            _ => element.value().attr("src").map(str::to_string),
        };
        let Some(url) = target.and_then(|t| super::dom::resolve(base, &t)) else {
            continue;
        };
        // An inline frame on another host is a widget (weather, a visitor counter, a share
        // box), never the page a shell shows: a list's own frame is on its host. A `<frame>` of
        // a frameset is the page's layout and may be on another host of its site.
        if element.value().name() == "iframe" && url.host_str() != base.url.host_str() {
            continue;
        }
        if !targets.contains(&url) {
            targets.push(url);
        }
        if targets.len() == MAX_SHELL_TARGETS {
            break;
        }
    }
    targets
}

/// What shows that the page's list is filled by a script, when it is: `None` for a page that
/// shows nothing of the kind. Called only for pages on which no list was found.
pub(super) fn needs_javascript(html: &str) -> Option<String> {
    if let Some(sid) = GKMLPT_SID.captures(html).and_then(|c| c.get(1)) {
        return Some(format!(
            "a gkmlpt catalogue (政府信息公开目录管理平台) that a script fills from /gkmlpt/api/all/{{column}}?page=1&sid={}; configure that URL with list_api = \"gkmlpt\"",
            sid.as_str()
        ));
    }
    if DATA_LINKS.is_match(html) {
        return Some("a script holds entries as data that is not a dated JSON list".into());
    }
    if APP_ROOT.is_match(html) && APP_BUNDLE.is_match(html) {
        return Some("an empty <div id=\"app\"> that a script application fills".into());
    }
    if FETCHES.is_match(html) && PAGES.is_match(html) {
        let seen = match FETCH_URL.captures(html).and_then(|c| c.get(1)) {
            Some(url) => format!("a script fetches and pages the list from {}", url.as_str()),
            None => "a script fetches and pages the list".to_string(),
        };
        return Some(seen);
    }
    // Asked only of a page that shows no list: a script that fetches a data file
    // (`$.getJSON('data.json')`) or a list script it names (`<script src="list.js">`) fills it.
    let data_file = FETCH_URL
        .captures_iter(html)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .find(|u| is_data_file(u));
    if let (true, Some(url)) = (FETCHES.is_match(html), data_file) {
        return Some(format!("a script fetches the list from {url}"));
    }
    if let Some(src) = LIST_SCRIPT
        .captures_iter(html)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .find(|src| is_list_script(src))
    {
        return Some(format!("{LIST_SCRIPT_SEEN}{src}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gkmlpt_catalogue_names_its_api_and_sid() {
        let cases = [
            (
                "<link href=\"/gkmlpt/static/css/index.css\"><script>window.GKMLPT = { SID: '755031' };</script>",
                Some("755031"),
            ),
            (
                "<script>var cfg = {SID: \"2\"};</script><a href=\"/gkmlpt/index\">目录</a>",
                None,
            ),
            (
                "<script src=\"/gkmlpt/static/js/index.js\"></script><script>SID = 2;</script>",
                Some("2"),
            ),
            ("<div id=\"list\"></div><script>var SID = 5;</script>", None),
        ];
        for (html, sid) in cases {
            let seen = needs_javascript(html);
            match sid {
                Some(sid) => {
                    let seen = seen.unwrap_or_default();
                    assert!(
                        seen.contains(&format!("page=1&sid={sid};")),
                        "{html}: {seen}"
                    );
                    assert!(seen.contains("list_api = \"gkmlpt\""), "{seen}");
                }
                None => assert!(
                    seen.as_deref().is_none_or(|s| !s.contains("gkmlpt")),
                    "{html}: {seen:?}"
                ),
            }
        }
    }
}
