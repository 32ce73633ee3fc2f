//! 开普云 UCAP column lists. A UCAP column page (`/{site}/{channel}/list.shtml`,
//! `xxgk.shtml?code={channel}&temp=…`) is a shell: its script names the site (`websiteCode =
//! "wzxrmzf"`) and fills the list from `POST /queryList` with the form `current=N&pageSize=M&
//! webSiteCode[]=SITE&channelCode[]=CHANNEL` (or `channelId[]=ID`). The answer is JSON:
//! `{"data": {"results": [{"source": {"title", "pubDate", "urls": "{\"pc\":\"/…\"}"}}], "total": N}}`.
//!
//! The request and answer shapes come from public crawlers of Jiangxi's UCAP portals (gxt, sthjt,
//! 宜春 rfb) and 广安; the site variable from saved UCAP detail pages (万载, 宜春). A shell that names
//! a site but no channel is reported as needing JavaScript, with what was seen.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;
use url::Url;

use super::json::{as_number, text_field};
use super::{ListItem, ListPage, PageRequest, StatedCount};
use crate::dates::parse_date;

/// The page size the crawlers of these portals ask for; the API takes any.
const DEFAULT_PAGE_SIZE: u64 = 15;
const MAX_PAGE_SIZE: u64 = 100;
/// Bound on the page requests generated from a stated total (the crawl bounds the walk by
/// `max_list_pages` as well).
const MAX_REQUESTS: u64 = 5_000;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex literal is valid")
}

/// The site code a UCAP page's script sets: `websiteCode = "wzxrmzf"`, `webSiteCode: 'x'`,
/// `"webSiteCode[]": "x"`.
static SITE_CODE: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)\bweb_?site_?code(?:\[\])?["']?\s*[:=]\s*["']([A-Za-z0-9_\-]{2,64})["']"#)
});
/// The channel a shell's script names: `channelCode = "tjsja"`, `"channelId[]": "1996…"`.
static CHANNEL: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?i)\bchannel_?(code|id)(?:\[\])?["']?\s*[:=]\s*["']([A-Za-z0-9_\-]{1,64})["']"#)
});
static PAGE_SIZE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)\bpage_?size["']?\s*[:=]\s*["']?(\d{1,3})\b"#));
/// The list API a shell's script names, when it names one.
static API_PATH: LazyLock<Regex> =
    LazyLock::new(|| re(r#"["']((?:https?://[^"'\s<>]+)?/[^"'\s<>?]*queryList)["']"#));
/// What an article page carries and a column shell does not.
static ARTICLE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)<ucapcontent\b|\bmanuscriptId\s*[:=]"));

/// What a UCAP shell page leads to.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Shell {
    /// The first page of the column's list from the API.
    First(PageRequest),
    /// A UCAP page whose column cannot be told: what was seen.
    Unreadable(String),
}

/// Reads a page on which no list was found as a UCAP column shell, when it is one.
pub(super) fn shell(html: &str, url: &Url) -> Option<Shell> {
    let site = SITE_CODE.captures(html)?.get(1)?.as_str().to_string();
    if ARTICLE.is_match(html) {
        return None;
    }
    let Some((key, channel)) = channel_of(html, url, &site) else {
        return Some(Shell::Unreadable(format!(
            "a 开普云 UCAP page (websiteCode {site}) that a script fills from /queryList, naming no channel code"
        )));
    };
    let api = API_PATH
        .captures(html)
        .and_then(|c| url.join(c.get(1)?.as_str()).ok())
        .filter(|api| api.host() == url.host())
        .or_else(|| url.join("/queryList").ok())?;
    let size = PAGE_SIZE
        .captures(html)
        .and_then(|c| c.get(1)?.as_str().parse::<u64>().ok())
        .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
        .unwrap_or(DEFAULT_PAGE_SIZE);
    Some(Shell::First(PageRequest::Post {
        url: api,
        form: vec![
            ("current".into(), "1".into()),
            ("pageSize".into(), size.to_string()),
            ("webSiteCode[]".into(), site),
            (key.into(), channel),
        ],
        charset: None,
    }))
}

/// The channel: named by the script, by the `code` query parameter of a template page
/// (`xxgk.shtml?code=tjsja&temp=…`), or by the folder after the site's in the path
/// (`/scjg/c110136/xxgk_list.shtml`, `/jxssthjt/col/col42150/index.html`).
fn channel_of(html: &str, url: &Url, site: &str) -> Option<(&'static str, String)> {
    if let Some(c) = CHANNEL.captures(html) {
        let key = if c[1].eq_ignore_ascii_case("id") {
            "channelId[]"
        } else {
            "channelCode[]"
        };
        return Some((key, c[2].to_string()));
    }
    if let Some((_, code)) = url
        .query_pairs()
        .find(|(k, v)| (k == "code" || k == "channelCode") && !v.trim().is_empty())
    {
        return Some(("channelCode[]", code.trim().to_string()));
    }
    let segments: Vec<&str> = url.path_segments()?.filter(|s| !s.is_empty()).collect();
    // The last segment is the template file; the folder before it is the channel, below the site.
    match segments.as_slice() {
        [first, .., channel, _file] if first.eq_ignore_ascii_case(site) => {
            Some(("channelCode[]", (*channel).to_string()))
        }
        _ => None,
    }
}

/// Whether a body fetched from `url` is a UCAP list API answer.
pub(super) fn is_answer(url: &Url, text: &str) -> bool {
    url.path().to_ascii_lowercase().ends_with("/querylist") && text.trim_start().starts_with('{')
}

/// Why a UCAP answer could not be read.
pub(super) fn parse_answer(url: &Url, text: &str) -> Result<ListPage, String> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| format!("UCAP list answer from {url} is not JSON: {e}"))?;
    let data = value.get("data").unwrap_or(&value);
    let results = data
        .get("results")
        .or_else(|| value.get("results"))
        .and_then(Value::as_array)
        .ok_or_else(|| format!("UCAP list answer from {url} has no `data.results` array"))?;
    let mut seen = std::collections::HashSet::new();
    let items: Vec<ListItem> = results
        .iter()
        .filter_map(|r| item(url, r.get("source").unwrap_or(r)))
        .filter(|i| seen.insert(i.url.clone()))
        .collect();
    let number = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| as_number(data.get(*k).or_else(|| value.get(*k))?))
    };
    let total = number(&["total", "totalCount", "totalElements", "totalRecord"]);
    let pages = number(&["totalPage", "totalPages", "pages", "pageCount"]);
    Ok(ListPage {
        items,
        stated: (total.is_some() || pages.is_some()).then_some(StatedCount {
            items: total,
            pages,
        }),
        answered: Some(results.len() as u64),
        ..ListPage::default()
    })
}

fn item(base: &Url, source: &Value) -> Option<ListItem> {
    let text = |key: &str| text_field(source, key);
    let link = link_of(source.get("urls")).or_else(|| text("url").map(str::to_string))?;
    let mut url = base.join(&link).ok()?;
    url.set_fragment(None);
    let title = text("title")
        .or_else(|| text("showTitle"))
        .map(strip_tags)
        .filter(|t| !t.is_empty());
    let date = ["pubDate", "publishedTime", "publishTime", "createTime"]
        .iter()
        .find_map(|k| date_of(source.get(*k)?));
    Some(ListItem {
        url,
        title,
        date,
        fields: Vec::new(),
    })
}

/// `urls` is a JSON object, or a string holding one, whose `pc` member is the page's address.
fn link_of(urls: Option<&Value>) -> Option<String> {
    let urls = urls?;
    let parsed;
    let object = match urls {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).ok()?;
            &parsed
        }
        other => other,
    };
    object
        .get("pc")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A date string, or milliseconds (or seconds) since the epoch, read in China time.
fn date_of(value: &Value) -> Option<chrono::NaiveDate> {
    if let Some(n) = value.as_i64().filter(|n| *n > 0) {
        let secs = if n > 100_000_000_000 { n / 1000 } else { n };
        let china = chrono::FixedOffset::east_opt(8 * 3600)?;
        return Some(
            chrono::DateTime::from_timestamp(secs, 0)?
                .with_timezone(&china)
                .date_naive(),
        );
    }
    parse_date(value.as_str()?)
}

/// Titles may carry highlight tags (`<em>年报</em>`).
fn strip_tags(title: &str) -> String {
    static TAG: LazyLock<Regex> = LazyLock::new(|| re(r"<[^<>]{0,200}>"));
    TAG.replace_all(title, "").trim().to_string()
}

/// A `/queryList` request: its address and form, the page it asks for and the page size.
struct Paging<'a> {
    url: &'a Url,
    form: &'a [(String, String)],
    current: u64,
    size: u64,
}

fn paging(request: &PageRequest) -> Option<Paging<'_>> {
    let PageRequest::Post { url, form, .. } = request else {
        return None;
    };
    if !url.path().to_ascii_lowercase().ends_with("/querylist") {
        return None;
    }
    let field = |key: &str| {
        form.iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.trim().parse::<u64>().ok())
    };
    let current = field("current")?.max(1);
    let size = field("pageSize").unwrap_or(DEFAULT_PAGE_SIZE).max(1);
    Some(Paging {
        url,
        form,
        current,
        size,
    })
}

/// Numbers a `/queryList` `answer` by the page `request` asked for and adds the pages after
/// it: every page the stated total implies at the request's page size, or, when no total is
/// stated, the next page while answers come back full. Adds nothing for any other request.
pub fn extend_pages(request: &PageRequest, answer: &mut ListPage) {
    let Some(Paging {
        url,
        form,
        current,
        size,
    }) = paging(request)
    else {
        return;
    };
    answer.number = Some(current);
    let stated_pages = answer
        .stated
        .and_then(|s| s.items.map(|total| total.div_ceil(size).max(1)).or(s.pages));
    if let (Some(stated), Some(pages)) = (answer.stated.as_mut(), stated_pages) {
        stated.pages = Some(pages);
    }
    let wanted: Vec<u64> = match stated_pages {
        Some(pages) => (1..=pages.min(MAX_REQUESTS))
            .filter(|p| *p != current)
            .collect(),
        None if answer.answered.unwrap_or(0) >= size => vec![current + 1],
        None => Vec::new(),
    };
    for page in wanted {
        let form: Vec<(String, String)> = form
            .iter()
            .map(|(k, v)| {
                let v = if k == "current" {
                    page.to_string()
                } else {
                    v.clone()
                };
                (k.clone(), v)
            })
            .collect();
        let request = PageRequest::Post {
            url: url.clone(),
            form,
            charset: None,
        };
        answer.next_numbers.push((request.clone(), page));
        answer.next_pages.push(request);
    }
}

#[cfg(test)]
#[path = "ucap_tests.rs"]
mod tests;
