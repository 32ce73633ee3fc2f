//! JSON list APIs: some portals serve the 信息公开 list as JSON (TRS xxgk `data` arrays). Turns a
//! response body into list items carrying the fields the API already knows, under the canonical
//! Chinese labels extract uses (索引号, 文号, 发布机构, 发布日期, 成文日期 ...).

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::{ListItem, ListPage, PageRequest, StatedCount, gkmlpt};
use crate::dates::parse_field_date;

/// The shape of a JSON list API, named in config (`format = "trs_xxgk"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonListFormat {
    /// TRS 信息公开 list: `{"data": [{"IdxID", "URL", "FILENAME", "FILENUM", "PUBLISHER",
    /// "PUBDATE", "DOCRELTIME", ...}]}`.
    TrsXxgk,
    /// Guangdong 政府信息公开目录管理平台 (gkmlpt): `/gkmlpt/api/all/{column}?page=N&sid=S`
    /// answering `{"articles": [{"id", "title", "url", "publisher", "identifier",
    /// "display_publish_time" (Unix seconds) ...}], "total": N}`. The page size is not stated:
    /// page 1's article count is it.
    Gkmlpt,
}

/// Why a JSON list body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("list API response from {url} is not JSON: {source}")]
    NotJson {
        url: Url,
        #[source]
        source: serde_json::Error,
    },
    #[error("list API response from {url} has no {expected}")]
    UnexpectedShape { url: Url, expected: &'static str },
}

/// TRS xxgk keys and the labels extract knows them by. `FILENAME` is also the item's title.
const TRS_XXGK_FIELDS: &[(&str, &str)] = &[
    ("IdxID", "索引号"),
    ("FILENAME", "文件名称"),
    ("FILENUM", "文号"),
    ("PUBLISHER", "发布机构"),
    ("PUBDATE", "发布日期"),
    ("DOCRELTIME", "成文日期"),
    ("FILETYPE", "分类"),
    ("SUBJECTCLASS", "主题分类"),
    ("EFFECTIVESTATE", "有效性"),
    ("EFECTDATE", "生效日期"),
    ("ABOLIDATE", "废止日期"),
    ("WORD", "附件"),
    ("PDF", "附件"),
];

/// Top-level keys that state the total of records or pages, when an API sends them.
const TOTAL_KEYS: &[&str] = &[
    "total",
    "totalCount",
    "totalRecord",
    "totalrecord",
    "count",
    "recordCount",
];
const PAGES_KEYS: &[&str] = &["totalPage", "totalpage", "pageCount", "pages", "totalPages"];
const PAGE_KEYS: &[&str] = &["page", "pageNo", "pageIndex", "pageNum", "currentPage"];

/// Parses a JSON list API body fetched from `url`.
pub fn parse_json_list(
    url: &Url,
    body: &[u8],
    format: JsonListFormat,
) -> Result<ListPage, DiscoverError> {
    // The first JSON value is the answer: bytes after it (a template's comment, a proxy's NULs)
    // are no part of it.
    let value: Value = serde_json::Deserializer::from_slice(unwrapped(body))
        .into_iter()
        .next()
        .unwrap_or_else(|| serde_json::from_slice(b""))
        .map_err(|source| DiscoverError::NotJson {
            url: url.clone(),
            source,
        })?;
    match format {
        JsonListFormat::TrsXxgk => trs_xxgk(url, &value),
        JsonListFormat::Gkmlpt => gkmlpt::parse(url, &value),
    }
}

/// The JSON of a list API body: after a byte order mark, and inside the JSONP callback
/// (`jQuery123_456({...});`) some portals' APIs wrap it in for the page's script. A body cut
/// before its closing parenthesis is left as it is, to fail as JSON.
fn unwrapped(body: &[u8]) -> &[u8] {
    let body = body
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(body)
        .trim_ascii();
    let name = body
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'$' | b'.'))
        .count();
    if name == 0 || body.first().is_some_and(u8::is_ascii_digit) {
        return body;
    }
    let Some(inner) = body
        .get(name..)
        .and_then(|rest| rest.trim_ascii_start().strip_prefix(b"("))
    else {
        return body;
    };
    let inner = inner.trim_ascii_end();
    let inner = inner.strip_suffix(b";").unwrap_or(inner).trim_ascii_end();
    inner.strip_suffix(b")").unwrap_or(body)
}

fn trs_xxgk(url: &Url, value: &Value) -> Result<ListPage, DiscoverError> {
    let records = value.get("data").and_then(Value::as_array).ok_or_else(|| {
        DiscoverError::UnexpectedShape {
            url: url.clone(),
            expected: "`data` array",
        }
    })?;
    let mut seen = std::collections::HashSet::new();
    let items: Vec<ListItem> = records
        .iter()
        .filter_map(|r| trs_xxgk_item(url, r))
        .filter(|i| seen.insert(i.url.clone()))
        .collect();

    let number = |keys: &[&str]| keys.iter().find_map(|k| as_number(value.get(*k)?));
    let total = number(TOTAL_KEYS);
    let pages = number(PAGES_KEYS);
    let stated = (total.is_some() || pages.is_some()).then_some(StatedCount {
        items: total,
        pages,
    });
    // A total without a page count: the pages it fills at the request's page size, or at the
    // first page's record count.
    let walk_to = pages.or_else(|| {
        let size = page_size(url).or_else(|| {
            let first = url
                .query_pairs()
                .find(|(k, _)| PAGE_KEYS.iter().any(|p| p.eq_ignore_ascii_case(k)))
                .is_none_or(|(_, v)| matches!(v.as_ref(), "0" | "1"));
            (first && !records.is_empty()).then_some(records.len() as u64)
        })?;
        total.map(|t| t.div_ceil(size))
    });
    let (next, current) = next_api_pages(url, walk_to, number(PAGE_KEYS));
    Ok(ListPage {
        items,
        next_numbers: next.iter().map(|(r, n)| (r.clone(), *n)).collect(),
        next_pages: next.into_iter().map(|(r, _)| r).collect(),
        number: current,
        stated,
        ..ListPage::default()
    })
}

/// Query parameters that carry a list API's page size.
const PAGE_SIZE_KEYS: &[&str] = &["size", "pageSize", "rows", "limit", "perPage", "per_page"];

/// The page size a list API request asks for, when it says.
fn page_size(url: &Url) -> Option<u64> {
    url.query_pairs().find_map(|(k, v)| {
        PAGE_SIZE_KEYS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&k))
            .then(|| v.parse::<u64>().ok().filter(|n| *n > 0))
            .flatten()
    })
}

/// TRS xxgk keys whose value is a date, which some APIs send as a Unix time.
const TRS_XXGK_DATES: &[&str] = &["PUBDATE", "DOCRELTIME", "EFECTDATE", "ABOLIDATE"];

fn trs_xxgk_item(base: &Url, record: &Value) -> Option<ListItem> {
    let text = |key: &str| text_field(record, key);
    let mut url = web_link(base, text("URL")?)?;
    url.set_fragment(None);
    let title = text("FILENAME").and_then(shown_text);
    let fields = TRS_XXGK_FIELDS
        .iter()
        .filter_map(|(key, label)| {
            let value = match *key {
                "FILENAME" => title.clone()?,
                k if TRS_XXGK_DATES.contains(&k) => match record.get(k)? {
                    Value::Number(_) => date_of(record.get(k)?)?.to_string(),
                    _ => text(k)?.to_string(),
                },
                k => text(k)?.to_string(),
            };
            Some(((*label).to_string(), value))
        })
        .collect();
    Some(ListItem {
        url,
        title,
        date: record.get("PUBDATE").and_then(date_of),
        fields,
    })
}

/// A Unix time at least this large is in milliseconds (in seconds it is the year 5138).
const MILLISECONDS_FROM: i64 = 100_000_000_000;

/// A date as list APIs send it: Unix seconds or milliseconds (read in China time), or a date
/// string as a page prints it (`2021-01-28 09:30:00`, `2021/1/28`, `20210128`).
pub(super) fn date_of(value: &Value) -> Option<NaiveDate> {
    if let Some(stamp) = unix_time(value).filter(|s| *s > 0) {
        // Seconds would put this past the year 5000: it is milliseconds.
        let secs = if stamp >= MILLISECONDS_FROM {
            stamp / 1000
        } else {
            stamp
        };
        let china = FixedOffset::east_opt(8 * 3600)?;
        return Some(
            DateTime::from_timestamp(secs, 0)?
                .with_timezone(&china)
                .date_naive(),
        );
    }
    parse_field_date(value.as_str()?)
}

/// A Unix time as APIs write it: an integer, a whole float (`1580866200000.0`, as a Java
/// `double` prints), or a string of 10 digits (seconds) or 13 (milliseconds). Other digit
/// strings (`20200205`) are dates, not times.
fn unix_time(value: &Value) -> Option<i64> {
    if let Some(stamp) = value.as_i64() {
        return Some(stamp);
    }
    if let Some(float) = value.as_f64() {
        // Whole and within i64 (2^63), it converts exactly as far as a date cares.
        return (float.is_finite() && float.fract() == 0.0 && float.abs() < 9.2e18)
            .then_some(float as i64);
    }
    let text = value.as_str()?.trim();
    (matches!(text.len(), 10 | 13) && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

/// The text a browser shows for a title an API sends as HTML (`<font color=red>2021</font>年`,
/// `&ldquo;`): its tags dropped, its entities read, its white space (also `&nbsp;`) collapsed.
pub(super) fn shown_text(title: &str) -> Option<String> {
    let text = if title.contains(['<', '&']) {
        let fragment = scraper::Html::parse_fragment(title);
        fragment.root_element().text().collect::<String>()
    } else {
        title.to_string()
    };
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

/// The trimmed, non-empty string member `key` of a JSON object.
pub(super) fn text_field<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A count as APIs send it: a number, also written as a float (`17.0`) or in a string (`"17"`);
/// a negative or fractional one is no count.
pub(super) fn as_number(v: &Value) -> Option<u64> {
    if let Some(n) = v.as_u64() {
        return Some(n);
    }
    let text = v.as_str().map(str::trim);
    if let Some(n) = text.and_then(|t| t.parse().ok()) {
        return Some(n);
    }
    let float = v.as_f64().or_else(|| text?.parse().ok())?;
    // A whole float from 0 below 2^64 is a u64 as it is.
    (float.is_finite() && float >= 0.0 && float.fract() == 0.0 && float < u64::MAX as f64)
        .then_some(float as u64)
}

/// An entry's link joined to the API's URL, when it leads to a web page: a `javascript:` or
/// `mailto:` link is no page, and no other site's either.
pub(super) fn web_link(base: &Url, link: &str) -> Option<Url> {
    base.join(link)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
}

/// When the API states its page count and the request URL carries the page number as a query
/// parameter, every other page of the API is requested the same way. Each is numbered from 1, and
/// so is the page requested (the second value).
pub(super) fn next_api_pages(
    url: &Url,
    pages: Option<u64>,
    body_page: Option<u64>,
) -> (Vec<(PageRequest, u64)>, Option<u64>) {
    let Some(pages) = pages else {
        return (Vec::new(), None);
    };
    let Some((param, current)) = url.query_pairs().find_map(|(k, v)| {
        PAGE_KEYS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&k))
            .then(|| (k.into_owned(), v.parse::<u64>().ok()))
    }) else {
        return (Vec::new(), None);
    };
    let current = current.or(body_page).unwrap_or(1);
    let first = u64::from(current != 0);
    let next = (first..first + pages.min(10_000))
        .filter(|p| *p != current)
        .map(|p| {
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k == param {
                        p.to_string()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            let mut next = url.clone();
            next.query_pairs_mut().clear().extend_pairs(pairs);
            (PageRequest::Get(next), p + 1 - first)
        })
        .collect();
    // The page a body states (`"page": 18446744073709551615`) is any number at all.
    (next, Some(current.saturating_add(1) - first))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(total: &str, records: usize) -> Vec<u8> {
        let data: Vec<String> = (0..records)
            .map(|i| format!(r#"{{"FILENAME":"某某县{i}年报","URL":"/art/{i}.html"}}"#))
            .collect();
        format!(r#"{{{total}"data":[{}]}}"#, data.join(",")).into_bytes()
    }

    fn numbers(url: &str, body: &[u8]) -> Vec<u64> {
        let url = Url::parse(url).expect("test URL");
        let list = parse_json_list(&url, body, JsonListFormat::TrsXxgk).expect("parses");
        let mut all: Vec<u64> = list.next_numbers.iter().map(|(_, n)| *n).collect();
        all.extend(list.number);
        all.sort_unstable();
        all
    }

    /// A total without a page count still gives every page: at the page size the request asks
    /// for, or at the first page's record count; a later, shorter page says nothing of the size.
    #[test]
    fn a_total_without_a_page_count_gives_the_pages_it_fills() {
        let all: Vec<u64> = (1..=4).collect();
        for (url, body) in [
            (
                "http://a.gov.cn/api/list?page=1&size=10",
                page(r#""total":37,"#, 10),
            ),
            (
                "http://a.gov.cn/api/list?pageNo=1&pageSize=10",
                page(r#""totalCount":"37","#, 10),
            ),
            (
                "http://a.gov.cn/api/list?page=1",
                page(r#""total":37,"#, 10),
            ),
            (
                "http://a.gov.cn/api/list?page=3&rows=10",
                page(r#""total":37,"#, 10),
            ),
            (
                "http://a.gov.cn/api/list?page=1&size=10",
                page(r#""total":37,"totalPage":4,"#, 10),
            ),
        ] {
            assert_eq!(numbers(url, &body), all, "{url}");
        }
        // Page 4 of 37 at an unknown size holds 7: no size follows from it, and no pages.
        assert_eq!(
            numbers(
                "http://a.gov.cn/api/list?page=4",
                &page(r#""total":37,"#, 7)
            ),
            Vec::<u64>::new()
        );
        // No total, no count: no pages.
        assert_eq!(
            numbers("http://a.gov.cn/api/list?page=1", &page("", 10)),
            Vec::<u64>::new()
        );
    }
}
