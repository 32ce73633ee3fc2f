//! JSON list APIs: some portals serve the 信息公开 list as JSON (TRS xxgk `data` arrays). Turns a
//! response body into list items carrying the fields the API already knows, under the canonical
//! Chinese labels extract uses (索引号, 文号, 发布机构, 发布日期, 成文日期 ...).

use serde::Deserialize;
use serde_json::Value;
use url::Url;

use super::{ListItem, ListPage, PageRequest, StatedCount, gkmlpt};
use crate::dates::parse_date;

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
    let value: Value = serde_json::from_slice(body).map_err(|source| DiscoverError::NotJson {
        url: url.clone(),
        source,
    })?;
    match format {
        JsonListFormat::TrsXxgk => trs_xxgk(url, &value),
        JsonListFormat::Gkmlpt => gkmlpt::parse(url, &value),
    }
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
    let (next, current) = next_api_pages(url, pages, number(PAGE_KEYS));
    Ok(ListPage {
        items,
        next_numbers: next.iter().map(|(r, n)| (r.clone(), *n)).collect(),
        next_pages: next.into_iter().map(|(r, _)| r).collect(),
        number: current,
        stated,
        ..ListPage::default()
    })
}

fn trs_xxgk_item(base: &Url, record: &Value) -> Option<ListItem> {
    let text = |key: &str| text_field(record, key);
    let mut url = base.join(text("URL")?).ok()?;
    url.set_fragment(None);
    let fields = TRS_XXGK_FIELDS
        .iter()
        .filter_map(|(key, label)| Some(((*label).to_string(), text(key)?.to_string())))
        .collect();
    Some(ListItem {
        url,
        title: text("FILENAME").map(str::to_string),
        date: text("PUBDATE").and_then(parse_date),
        fields,
    })
}

/// The trimmed, non-empty string member `key` of a JSON object.
pub(super) fn text_field<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

pub(super) fn as_number(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.trim().parse().ok())
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
    (next, Some(current + 1 - first))
}
