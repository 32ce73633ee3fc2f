//! Pagination of HTML list pages: stated counts (共N页, 共N条, 页次：1/5), TRS WCM
//! `createPageHTML` / `countPage` scripts, numbered files (`index_N.html`, `home_N.htm`), query
//! pagination (`?page=N`) and plain 下一页 links. When the count of pages is known every other page
//! is returned, so a backfill can queue them all without reading each in turn.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use scraper::Html;
use url::Url;

use super::dom::{LINKS, compact, is_last_label, is_next_label, resolve, visible_text};
use super::{PageRequest, StatedCount};

/// Bound on the pages generated from a stated count: a broken counter must not flood the frontier.
const MAX_PAGES: u64 = 10_000;

/// Query parameters that carry a page number, lower-cased.
const PAGE_PARAMS: &[&str] = &[
    "page",
    "pageindex",
    "pageno",
    "pagenum",
    "pagenumber",
    "currentpage",
    "curpage",
    "cpage",
    "pn",
    "p",
];

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex literal is valid")
}

static PAGES_STATED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"共\s*(?:计|有)?\s*(\d{1,6})\s*页"),
        re(r"页次\s*[：:]?\s*\d{1,6}\s*/\s*(\d{1,6})"),
        re(r"第?\s*\d{1,6}\s*/\s*(\d{1,6})\s*页"),
        re(r"总页数\s*[：:]?\s*(\d{1,6})"),
    ]
});
static ITEMS_STATED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"(?:共|总共|共有|共计)\s*(\d{1,9})\s*(?:条|篇|项|个)"),
        re(r"(?:总记录数|记录总数|总条数|总记录)\s*[：:]?\s*(\d{1,9})"),
    ]
});
static CREATE_PAGE_HTML: LazyLock<Regex> =
    LazyLock::new(|| re(r"(function\s+)?createPageHTML\s*\(([^()]*)\)"));
static COUNT_PAGE_VAR: LazyLock<Regex> = LazyLock::new(|| re(r"\bcountPage\s*=\s*(\d{1,6})"));
static CURRENT_PAGE_VAR: LazyLock<Regex> = LazyLock::new(|| re(r"\bcurrentPage\s*=\s*(\d{1,6})"));
static INDEX_EXT: LazyLock<Regex> = LazyLock::new(|| re(r"index_\d+\.(s?html?)\b"));
static NUMBERED_FILE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([A-Za-z]+)_(\d{1,5})\.(s?html?|jsp|aspx?|php)$"));

/// What the pager of one page says.
#[derive(Debug, Default)]
pub(super) struct Pager {
    pub next_pages: Vec<PageRequest>,
    pub stated: StatedCount,
}

/// Reads the pager of an HTML list page.
pub(super) fn pagination(doc: &Html, html: &str, page_url: &Url, base: &Url) -> Pager {
    let text = visible_text(doc);
    let mut stated = StatedCount {
        items: first_number(&ITEMS_STATED, &text),
        pages: first_number(&PAGES_STATED, &text),
    };

    if let Some(trs) = trs_pager(html, page_url) {
        stated.pages = stated.pages.or(Some(trs.count));
        return Pager {
            next_pages: trs.pages(base),
            stated,
        };
    }

    let anchors: Vec<(Url, String)> = doc
        .select(&LINKS)
        .filter_map(|a| {
            let url = resolve(base, a.value().attr("href")?)?;
            Some((url, compact(&a.text().collect::<String>())))
        })
        .collect();

    let next_pages = numbered_files(&anchors, page_url, stated.pages)
        .or_else(|| query_pages(&anchors, page_url, stated.pages))
        .unwrap_or_else(|| next_link(&anchors, page_url).into_iter().collect());
    Pager { next_pages, stated }
}

fn first_number(patterns: &[Regex], text: &str) -> Option<u64> {
    patterns
        .iter()
        .find_map(|p| p.captures(text)?.get(1)?.as_str().parse().ok())
}

/// A TRS WCM pager: page 0 is `name.ext`, page i is `name_i.ext`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TrsPager {
    pub count: u64,
    pub current: u64,
    pub name: String,
    pub ext: String,
}

impl TrsPager {
    fn pages(&self, base: &Url) -> Vec<PageRequest> {
        (0..self.count.min(MAX_PAGES))
            .filter(|i| *i != self.current)
            .filter_map(|i| {
                let file = if i == 0 {
                    format!("{}.{}", self.name, self.ext)
                } else {
                    format!("{}_{}.{}", self.name, i, self.ext)
                };
                base.join(&file).ok().map(PageRequest::Get)
            })
            .collect()
    }
}

/// Finds `createPageHTML(count, current, "index", "html")` (also the newer
/// `createPageHTML('div', count, current, 'index', 'html', total)` and arguments held in script
/// variables), or bare `countPage` / `currentPage` variables beside rendered `index_N` links.
pub(super) fn trs_pager(html: &str, page_url: &Url) -> Option<TrsPager> {
    for caps in CREATE_PAGE_HTML.captures_iter(html) {
        if caps.get(1).is_some() {
            continue; // the function's definition, not a call
        }
        let Some(args) = caps.get(2) else { continue };
        let args: Vec<Arg> = args
            .as_str()
            .split(',')
            .map(|a| Arg::parse(a, html))
            .collect();
        for start in 0..=1 {
            if let (
                Some(Arg::Num(count)),
                Some(Arg::Num(current)),
                Some(Arg::Str(name)),
                Some(Arg::Str(ext)),
            ) = (
                args.get(start),
                args.get(start + 1),
                args.get(start + 2),
                args.get(start + 3),
            ) {
                return Some(TrsPager {
                    count: *count,
                    current: *current,
                    name: name.clone(),
                    ext: ext.clone(),
                });
            }
        }
    }
    let count = COUNT_PAGE_VAR
        .captures(html)?
        .get(1)?
        .as_str()
        .parse()
        .ok()?;
    let current = CURRENT_PAGE_VAR
        .captures(html)
        .and_then(|c| c.get(1)?.as_str().parse().ok())
        .unwrap_or(0);
    let ext = INDEX_EXT
        .captures(html)
        .and_then(|c| c.get(1))
        .map(|m| m.as_str().to_string())
        .or_else(|| {
            let file = last_segment(page_url);
            let (_, ext) = file.rsplit_once('.')?;
            (file.starts_with("index") && !ext.is_empty()).then(|| ext.to_string())
        })
        .unwrap_or_else(|| "html".to_string());
    Some(TrsPager {
        count,
        current,
        name: "index".to_string(),
        ext,
    })
}

enum Arg {
    Num(u64),
    Str(String),
    Other,
}

impl Arg {
    fn parse(raw: &str, html: &str) -> Arg {
        let t = raw.trim();
        if let Ok(n) = t.parse() {
            return Arg::Num(n);
        }
        let unquoted = t
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .or_else(|| t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')));
        if let Some(s) = unquoted {
            return Arg::Str(s.to_string());
        }
        if !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        {
            // A variable: look for its numeric assignment elsewhere in the page's scripts.
            let assign = Regex::new(&format!(r"\b{}\s*=\s*(\d{{1,6}})\b", regex::escape(t)));
            if let Some(n) = assign
                .ok()
                .and_then(|r| r.captures(html)?.get(1)?.as_str().parse().ok())
            {
                return Arg::Num(n);
            }
        }
        Arg::Other
    }
}

fn last_segment(url: &Url) -> &str {
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("")
}

fn same_directory(a: &Url, b: &Url) -> bool {
    a.host_str() == b.host_str()
        && a.join("./").ok().map(|u| u.path().to_string())
            == b.join("./").ok().map(|u| u.path().to_string())
}

/// Pagers linking `index_N.html`, `home_N.htm`, `list_N.shtml` … in the page's own directory.
fn numbered_files(
    anchors: &[(Url, String)],
    page_url: &Url,
    stated_pages: Option<u64>,
) -> Option<Vec<PageRequest>> {
    let mut kinds: HashMap<(String, String), usize> = HashMap::new();
    let mut numbered: Vec<(String, String, u64, &Url, &str)> = Vec::new();
    for (url, label) in anchors {
        if !same_directory(url, page_url) {
            continue;
        }
        let Some(c) = NUMBERED_FILE.captures(last_segment(url)) else {
            continue;
        };
        let (Some(name), Some(n), Some(ext)) = (c.get(1), c.get(2), c.get(3)) else {
            continue;
        };
        let Ok(n) = n.as_str().parse::<u64>() else {
            continue;
        };
        let key = (name.as_str().to_string(), ext.as_str().to_string());
        *kinds.entry(key.clone()).or_default() += 1;
        numbered.push((key.0, key.1, n, url, label.as_str()));
    }
    let ((name, ext), _) = kinds.into_iter().max_by_key(|(k, n)| (*n, k.clone()))?;
    let current = NUMBERED_FILE
        .captures(last_segment(page_url))
        .filter(|c| c.get(1).map(|m| m.as_str()) == Some(name.as_str()))
        .and_then(|c| c.get(2)?.as_str().parse().ok())
        .unwrap_or(0u64);
    let ours = || numbered.iter().filter(|(n, e, ..)| *n == name && *e == ext);
    let count = stated_pages.or_else(|| {
        ours()
            .filter(|(.., label)| is_last_label(label))
            .map(|(_, _, i, ..)| i + 1)
            .max()
    });
    let dir = page_url.join("./").ok()?;
    match count {
        Some(count) => Some(
            (0..count.min(MAX_PAGES))
                .filter(|i| *i != current)
                .filter_map(|i| {
                    let file = if i == 0 {
                        format!("{name}.{ext}")
                    } else {
                        format!("{name}_{i}.{ext}")
                    };
                    dir.join(&file).ok().map(PageRequest::Get)
                })
                .collect(),
        ),
        None => {
            let next = next_link(anchors, page_url).or_else(|| {
                ours()
                    .find(|(_, _, i, ..)| *i == current + 1)
                    .map(|(_, _, _, url, _)| PageRequest::Get((*url).clone()))
            })?;
            Some(vec![next])
        }
    }
}

/// The page-number parameter of a query-paginated list, if `url` has one.
fn page_param(url: &Url) -> Option<(String, u64)> {
    url.query_pairs().find_map(|(k, v)| {
        let lower = k.to_ascii_lowercase();
        let n = v.parse().ok()?;
        PAGE_PARAMS
            .contains(&lower.as_str())
            .then(|| (k.into_owned(), n))
    })
}

/// Pagers linking the same path with `?page=N`, `&pageIndex=N` ….
fn query_pages(
    anchors: &[(Url, String)],
    page_url: &Url,
    stated_pages: Option<u64>,
) -> Option<Vec<PageRequest>> {
    let paged: Vec<(&Url, String, u64, &str)> = anchors
        .iter()
        .filter(|(u, _)| u.host_str() == page_url.host_str() && u.path() == page_url.path())
        .filter_map(|(u, label)| {
            let (k, n) = page_param(u)?;
            Some((u, k, n, label.as_str()))
        })
        .collect();
    let (template, param, ..) = paged.first()?;
    let ours = || paged.iter().filter(|(_, k, ..)| k == param);
    let current = page_param(page_url)
        .filter(|(k, _)| k == param)
        .map(|(_, n)| n);
    let first = if ours().any(|(_, _, n, _)| *n == 0) || current == Some(0) {
        0
    } else {
        1
    };
    let current = current.unwrap_or(first);
    let count = stated_pages.or_else(|| {
        ours()
            .filter(|(.., label)| is_last_label(label))
            .map(|(_, _, n, _)| n + 1 - first)
            .max()
    });
    match count {
        Some(count) => Some(
            (first..first + count.min(MAX_PAGES))
                .filter(|n| *n != current)
                .map(|n| PageRequest::Get(with_param(template, param, n)))
                .collect(),
        ),
        None => {
            let next = next_link(anchors, page_url).or_else(|| {
                ours()
                    .find(|(_, _, n, _)| *n == current + 1)
                    .map(|(u, ..)| PageRequest::Get((*u).clone()))
            })?;
            Some(vec![next])
        }
    }
}

fn with_param(template: &Url, param: &str, value: u64) -> Url {
    let pairs: Vec<(String, String)> = template
        .query_pairs()
        .map(|(k, v)| {
            if k == param {
                (k.into_owned(), value.to_string())
            } else {
                (k.into_owned(), v.into_owned())
            }
        })
        .collect();
    let mut url = template.clone();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url
}

/// The target of the page's 下一页 link, when it leads somewhere else.
fn next_link(anchors: &[(Url, String)], page_url: &Url) -> Option<PageRequest> {
    anchors
        .iter()
        .find(|(u, label)| is_next_label(label) && u != page_url)
        .map(|(u, _)| PageRequest::Get(u.clone()))
}
