//! Hanweb 大汉 JCMS "jpage" lists: the first records sit as CDATA in a
//! `<script type="text/xml"><datastore>` block, the rest come from `dataproxy.jsp` in ranges of
//! records. Reads the embedded datastore (or a dataproxy response) and builds the range requests
//! that cover the stated `totalrecord`.

use std::sync::LazyLock;

use regex::Regex;
use scraper::Html;
use url::Url;

use super::dom::LinkBase;
use super::items::entry_of;
use super::{ListItem, ListPage, PageRequest, StatedCount};

/// The dataproxy path of the JCMS versions seen on government portals.
const DEFAULT_PROXY: &str = "/module/web/jpage/dataproxy.jsp";
/// jpage shows `perpage` records a page and fetches `groupsize` pages per proxy call.
const DEFAULT_PER_PAGE: u64 = 15;
const DEFAULT_GROUP_SIZE: u64 = 3;
/// Bound on the range requests generated from a stated total.
const MAX_REQUESTS: usize = 5_000;

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex literal is valid")
}

static DATASTORE: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?is)<datastore\b[^>]*>(.*?)</datastore>"));
static RECORD: LazyLock<Regex> = LazyLock::new(|| re(r"(?is)<record\b[^>]*>(.*?)</record>"));
static CDATA: LazyLock<Regex> = LazyLock::new(|| re(r"(?s)<!\[CDATA\[(.*?)\]\]>"));
static TOTAL_RECORD_TAG: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)<totalrecord>\s*(\d{1,9})\s*</totalrecord>"));
static TOTAL_PAGE_TAG: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)<totalpage>\s*(\d{1,9})\s*</totalpage>"));
static PROXY_PATH: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?i)((?:https?://[^"'\s<>]+)?/[^"'\s<>?]*jpage/dataproxy\.jsp)"#));
static COLUMN_IN_PATH: LazyLock<Regex> = LazyLock::new(|| re(r"/col/col(\d+)/"));
static UNIT_DIV: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?is)<div[^>]*\bid\s*=\s*["']?(\d+)["']?[^>]*>\s*<script[^>]*text/xml"#)
});

/// The `<datastore>` block of a page or a dataproxy response, records and totals.
#[derive(Debug, Default)]
pub(super) struct Datastore {
    pub items: Vec<ListItem>,
    /// Records present, including any that yielded no link.
    pub records: usize,
    pub total_records: Option<u64>,
    pub total_pages: Option<u64>,
}

impl Datastore {
    pub(super) fn stated(&self) -> Option<StatedCount> {
        (self.total_records.is_some() || self.total_pages.is_some()).then_some(StatedCount {
            items: self.total_records,
            pages: self.total_pages,
        })
    }
}

/// Finds and reads the datastore embedded in `text`, if there is one.
pub(super) fn find_datastore(text: &str, base: &LinkBase) -> Option<Datastore> {
    let body = DATASTORE.captures(text)?.get(1)?.as_str();
    Some(read_datastore(body, text, base))
}

/// Reads records from `body`; totals are looked for in `body` first, then in `page` (scripts
/// often carry `totalRecord` outside the datastore).
fn read_datastore(body: &str, page: &str, base: &LinkBase) -> Datastore {
    let fragments: Vec<String> = RECORD
        .captures_iter(body)
        .filter_map(|c| c.get(1))
        .map(|m| record_html(m.as_str()))
        .collect();
    let mut seen = std::collections::HashSet::new();
    let items = fragments
        .iter()
        .filter_map(|f| record_item(f, base))
        .filter(|i| seen.insert(i.url.clone()))
        .collect();
    let tag_number =
        |re: &Regex, s: &str| -> Option<u64> { re.captures(s)?.get(1)?.as_str().parse().ok() };
    Datastore {
        items,
        records: fragments.len(),
        total_records: tag_number(&TOTAL_RECORD_TAG, body)
            .or_else(|| number_param(page, &["totalrecord", "totalRecord"])),
        total_pages: tag_number(&TOTAL_PAGE_TAG, body),
    }
}

/// A record's HTML: its CDATA section, or its text with the basic entities unescaped.
fn record_html(raw: &str) -> String {
    match CDATA.captures(raw).and_then(|c| c.get(1)) {
        Some(m) => m.as_str().to_string(),
        None => raw
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&"),
    }
}

fn record_item(fragment: &str, base: &LinkBase) -> Option<ListItem> {
    let start = fragment
        .trim_start()
        .get(..3)
        .unwrap_or("")
        .to_ascii_lowercase();
    // Outside a table the HTML parser drops row and cell tags; keep them so cells stay apart.
    let wrapped = match start.as_str() {
        "<tr" => format!("<table>{fragment}</table>"),
        "<td" => format!("<table><tr>{fragment}</tr></table>"),
        _ => fragment.to_string(),
    };
    let doc = Html::parse_fragment(&wrapped);
    entry_of(doc.root_element(), base, usize::MAX).map(|e| e.into_item())
}

/// Parses a `dataproxy.jsp` response (the `<datastore>` XML) fetched from `url`. Its further
/// ranges were already requested from the list page's stated total, so `next_pages` is empty.
pub fn parse_datastore(url: &Url, xml: &str) -> ListPage {
    let body = DATASTORE
        .captures(xml)
        .and_then(|c| c.get(1))
        .map_or(xml, |m| m.as_str());
    let ds = read_datastore(body, body, &LinkBase::utf8(url));
    ListPage {
        stated: ds.stated(),
        items: ds.items,
        number: query_number(url, "startrecord"),
        records: Some(ds.records as u64),
        ..ListPage::default()
    }
}

fn query_number(url: &Url, key: &str) -> Option<u64> {
    url.query_pairs()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .and_then(|(_, v)| v.trim().parse().ok())
}

/// Each range request numbered by its first record, the identity of a range within its list.
pub(super) fn range_numbers(requests: &[PageRequest]) -> Vec<(PageRequest, u64)> {
    requests
        .iter()
        .filter_map(|r| Some((r.clone(), query_number(r.url(), "startrecord")?)))
        .collect()
}

/// Adds to a dataproxy `answer` the ranges after the one `request` fetched, numbered by their
/// first record: every range up to the total the answer states (`totalrecord`, or `totalpage` x
/// `perpage`), or, when it states none, one more range while answers come back full. The crawl
/// bounds the walk by `max_list_pages`. Adds nothing for anything but a dataproxy range request.
pub fn extend_ranges(request: &PageRequest, answer: &mut ListPage) {
    let next = following_ranges(request, answer);
    answer.next_numbers.extend(range_numbers(&next));
    answer.next_pages.extend(next);
}

fn following_ranges(request: &PageRequest, answer: &ListPage) -> Vec<PageRequest> {
    let PageRequest::Post { url, form, .. } = request else {
        return Vec::new();
    };
    let (Some(start), Some(end)) = (
        query_number(url, "startrecord"),
        query_number(url, "endrecord"),
    ) else {
        return Vec::new();
    };
    let Some(step) = (end + 1).checked_sub(start).filter(|s| *s > 0) else {
        return Vec::new();
    };
    let per_page = query_number(url, "perpage").filter(|p| *p > 0);
    let stated = answer.stated.unwrap_or_default();
    let total = stated
        .items
        .or_else(|| Some(stated.pages?.saturating_mul(per_page?)));
    let ranges: Vec<(u64, u64)> = match total {
        Some(total) => (1..)
            .map(|k: u64| {
                end.saturating_add(1)
                    .saturating_add((k - 1).saturating_mul(step))
            })
            .take_while(|s| *s <= total)
            .take(MAX_REQUESTS)
            .map(|s| (s, s.saturating_add(step - 1).min(total)))
            .collect(),
        None if answer.records.unwrap_or(0) >= step => {
            vec![(end + 1, end.saturating_add(step))]
        }
        None => Vec::new(),
    };
    ranges
        .into_iter()
        .map(|(s, e)| PageRequest::Post {
            url: with_range(url, s, e),
            form: form.clone(),
            charset: None,
        })
        .collect()
}

fn with_range(url: &Url, start: u64, end: u64) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = match k.to_ascii_lowercase().as_str() {
                "startrecord" => start.to_string(),
                "endrecord" => end.to_string(),
                _ => v.into_owned(),
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut next = url.clone();
    next.query_pairs_mut().clear().extend_pairs(pairs);
    next
}

/// The value of a jpage parameter written as `key=v` (URL), `key:'v'` (script object),
/// `key="v"` (attribute) or `var key = v`.
fn param(text: &str, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        let pattern = format!(
            r#"(?i)(?:^|[^A-Za-z0-9_]){}\s*["']?\s*[=:]\s*["']?([^"'&\s,;}}<>)]+)"#,
            regex::escape(key)
        );
        let value = Regex::new(&pattern)
            .ok()?
            .captures(text)?
            .get(1)?
            .as_str()
            .to_string();
        Some(value)
    })
}

fn number_param(text: &str, keys: &[&str]) -> Option<u64> {
    param(text, keys)?.parse().ok()
}

/// The dataproxy requests that fetch the records after the `embedded` ones, up to the stated
/// total (or one further range when the total is unknown and the embedded group is full).
pub(super) fn dataproxy_requests(
    html: &str,
    page_url: &Url,
    base: &LinkBase,
    embedded: usize,
    total: Option<u64>,
) -> Vec<PageRequest> {
    let column = param(html, &["columnid"]).or_else(|| {
        COLUMN_IN_PATH
            .captures(page_url.path())
            .and_then(|c| Some(c.get(1)?.as_str().to_string()))
    });
    let unit = param(html, &["unitid"]).or_else(|| {
        UNIT_DIV
            .captures(html)
            .and_then(|c| Some(c.get(1)?.as_str().to_string()))
    });
    let (Some(column), Some(unit)) = (column, unit) else {
        return Vec::new();
    };
    let per_page = number_param(html, &["perpage", "pagesize"])
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_PER_PAGE);
    let group = number_param(html, &["groupsize"])
        .filter(|n| *n > 0)
        .unwrap_or(DEFAULT_GROUP_SIZE);
    let step = per_page.saturating_mul(group).max(1);
    let proxy = PROXY_PATH
        .captures(html)
        .and_then(|c| base.url.join(c.get(1)?.as_str()).ok())
        .or_else(|| base.url.join(DEFAULT_PROXY).ok());
    let Some(proxy) = proxy else {
        return Vec::new();
    };

    let mut form: Vec<(String, String)> = vec![
        ("col".into(), "1".into()),
        (
            "appid".into(),
            param(html, &["appid"]).unwrap_or_else(|| "1".into()),
        ),
    ];
    if let Some(web) = param(html, &["webid"]) {
        form.push(("webid".into(), web));
    }
    form.push((
        "path".into(),
        param(html, &["path"])
            .filter(|p| p.starts_with('/'))
            .unwrap_or_else(|| "/".into()),
    ));
    form.push(("columnid".into(), column));
    if let Some(kind) = param(html, &["sourceContentType"]) {
        form.push(("sourceContentType".into(), kind));
    }
    form.push(("unitid".into(), unit));
    if let Some(name) = param(html, &["webname"]).map(|n| percent_decoded(&n)) {
        form.push(("webname".into(), name));
    }
    form.push((
        "permissiontype".into(),
        param(html, &["permissiontype"]).unwrap_or_else(|| "0".into()),
    ));

    let first = embedded as u64 + 1;
    let ranges: Vec<(u64, u64)> = match total {
        Some(total) => (0..)
            .map(|k: u64| first.saturating_add(k.saturating_mul(step)))
            .take_while(|start| *start <= total)
            .take(MAX_REQUESTS)
            .map(|start| (start, start.saturating_add(step - 1).min(total)))
            .collect(),
        None if embedded as u64 >= step => vec![(first, first + step - 1)],
        None => Vec::new(),
    };
    ranges
        .into_iter()
        .map(|(start, end)| {
            let mut url = proxy.clone();
            url.query_pairs_mut()
                .clear()
                .append_pair("startrecord", &start.to_string())
                .append_pair("endrecord", &end.to_string())
                .append_pair("perpage", &per_page.to_string());
            PageRequest::Post {
                url,
                form: form.clone(),
                charset: None,
            }
        })
        .collect()
}

fn percent_decoded(value: &str) -> String {
    url::form_urlencoded::parse(format!("v={value}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| value.to_string())
}
