//! Pagers whose pages follow a numbering the page's links show: numbered files (`index_N.html`),
//! files named by their number (`list/2.html`) and query parameters (`?page=N`), and the pager
//! built from such a numbering.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::{Anchor, MAX_PAGES, NextPage, Pager, last_segment, next_link, re};
use crate::discover::StatedCount;
use crate::discover::dom::{
    folder, is_first_label, is_last_label, is_next_label, is_pager_label, same_site,
};

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
static NUMBERED_FILE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([A-Za-z]+)_(\d{1,5})\.(s?html?|jsp|aspx?|php)$"));

fn same_directory(a: &Url, b: &Url) -> bool {
    same_site(a, b) && folder(a) == folder(b)
}

/// A link to `name_N.ext` in the page's directory.
struct NumberedLink<'a> {
    n: u64,
    anchor: &'a Anchor,
}

/// Pagers linking `index_N.html`, `home_N.htm`, `list_N.shtml` … in the page's own directory.
/// TRS numbers `index_1` as page 2 (`index` or `index_0` is page 1); other sites number `index_2`
/// as page 2: the link labels, the 尾页 link and the 下一页 link tell which.
pub(super) fn numbered_files(
    anchors: &[Anchor],
    page_url: &Url,
    stated_pages: Option<u64>,
    printed_current: Option<u64>,
) -> Option<Pager> {
    let mut kinds: HashMap<(String, String), usize> = HashMap::new();
    let mut numbered: Vec<(String, String, NumberedLink<'_>)> = Vec::new();
    for anchor in anchors {
        if !same_directory(&anchor.url, page_url) || anchor.url.query().is_some() {
            continue;
        }
        let Some(c) = NUMBERED_FILE.captures(last_segment(&anchor.url)) else {
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
        numbered.push((key.0, key.1, NumberedLink { n, anchor }));
    }
    let ((name, ext), _) = kinds.into_iter().max_by_key(|(k, n)| (*n, k.clone()))?;
    let ours: Vec<&NumberedLink<'_>> = numbered
        .iter()
        .filter(|(n, e, _)| *n == name && *e == ext)
        .map(|(.., l)| l)
        .collect();
    let file_of_page = NUMBERED_FILE
        .captures(last_segment(page_url))
        .filter(|c| c.get(1).map(|m| m.as_str()) == Some(name.as_str()))
        .and_then(|c| c.get(2)?.as_str().parse::<u64>().ok());

    // `offset`: the file number of page 1 (0 for TRS, 1 where `index_2` is page 2).
    let by_label = ours.iter().find_map(|l| {
        let d = l.anchor.label_number()?;
        (l.n + 1).checked_sub(d).filter(|o| *o <= 1)
    });
    // `list_2.html` printing 当前第2页 numbers its files from 1.
    let by_printed = file_of_page
        .zip(printed_current)
        .and_then(|(n, p)| (n + 1).checked_sub(p).filter(|o| *o <= 1));
    let by_zero = ours.iter().any(|l| l.n == 0).then_some(0);
    let by_last = stated_pages.and_then(|p| {
        ours.iter()
            .filter(|l| is_last_label(&l.anchor.label))
            .find_map(|l| (l.n + 1).checked_sub(p).filter(|o| *o <= 1))
    });
    let by_next = match file_of_page {
        None => ours
            .iter()
            .find(|l| is_next_label(&l.anchor.label))
            .and_then(|l| l.n.checked_sub(1).filter(|o| *o <= 1)),
        Some(_) => None,
    };
    let offset = by_label
        .or(by_printed)
        .or(by_zero)
        .or(by_last)
        .or(by_next)
        .unwrap_or(0);
    let page_of = |n: u64| (n + 1).saturating_sub(offset).max(1);
    let current = file_of_page.map_or(1, page_of);

    // Without a stated count, the 尾页 link or a jump box listing every page gives it.
    let count = stated_pages.or_else(|| {
        ours.iter()
            .filter(|l| {
                is_last_label(&l.anchor.label)
                    || (l.anchor.in_select && l.anchor.label_number().is_some())
            })
            .map(|l| page_of(l.n))
            .max()
    });
    // Links like `content_123.htm` may be items: without a count, the kind is a pager only when
    // one of its links is labelled as one (a number, 下一页, 尾页 …).
    if count.is_none() && !ours.iter().any(|l| is_pager_label(&l.anchor.label)) {
        return None;
    }
    // Where the pager's links say its pages are: the page's folder, on the host they name.
    let dir = ours.first()?.anchor.url.join("./").ok()?;
    let page_at = |k: u64| {
        let file = if k == 1 {
            format!("{name}.{ext}")
        } else {
            format!("{name}_{}.{ext}", k - 1 + offset)
        };
        dir.join(&file).ok()
    };
    let linked = ours.iter().map(|l| (l.anchor.url.clone(), page_of(l.n)));
    Some(pager_of(count, current, page_at, linked, anchors, page_url))
}

/// Pagers whose pages are files named by their number alone (`list/2.html`, `list/3.html`),
/// in the page's own directory. Item pages are often named by a number too, so only links that
/// print their own number (`<a href="3.html">3</a>`) are the pager's.
pub(super) fn numbered_paths(
    anchors: &[Anchor],
    page_url: &Url,
    stated_pages: Option<u64>,
) -> Option<Pager> {
    let number_of = |url: &Url| -> Option<(u64, String)> {
        let c = NUMBERED_PATH.captures(last_segment(url))?;
        Some((
            c.get(1)?.as_str().parse().ok()?,
            c.get(2)?.as_str().to_string(),
        ))
    };
    let ours: Vec<(&Anchor, u64)> = anchors
        .iter()
        .filter(|a| same_directory(&a.url, page_url) && a.url.query().is_none())
        .filter_map(|a| {
            let (n, _) = number_of(&a.url)?;
            (a.label_number() == Some(n)).then_some((a, n))
        })
        .collect();
    let ext = number_of(&ours.first()?.0.url)?.1;
    let current = number_of(page_url).map_or(1, |(n, _)| n);
    let count = stated_pages.or_else(|| {
        ours.iter()
            .filter(|(a, _)| is_last_label(&a.label) || a.in_select)
            .map(|(_, n)| *n)
            .max()
    });
    let dir = ours.first()?.0.url.join("./").ok()?;
    let page_at = |k: u64| dir.join(&format!("{k}.{ext}")).ok();
    let linked = ours.iter().map(|(a, n)| (a.url.clone(), *n));
    Some(pager_of(count, current, page_at, linked, anchors, page_url))
}

static NUMBERED_PATH: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(\d{1,5})\.(s?html?|jsp|aspx?|php)$"));

/// The page-number parameter of a query-paginated list, if `url` has one.
pub(in crate::discover) fn page_param(url: &Url) -> Option<(String, u64)> {
    url.query_pairs().find_map(|(k, v)| {
        let lower = k.to_ascii_lowercase();
        let n = v.parse().ok()?;
        PAGE_PARAMS
            .contains(&lower.as_str())
            .then(|| (k.into_owned(), n))
    })
}

/// Pagers linking the same path with `?page=N`, `&pageIndex=N` …. The page without the parameter
/// is the first page, which its 首页 link may also name as `page=1` (or `page=0`).
pub(super) fn query_pages(
    anchors: &[Anchor],
    page_url: &Url,
    stated_pages: Option<u64>,
) -> Option<Pager> {
    let paged: Vec<(&Anchor, String, u64)> = anchors
        .iter()
        .filter(|a| same_site(&a.url, page_url) && a.url.path() == page_url.path())
        .filter_map(|a| {
            let (k, n) = page_param(&a.url)?;
            Some((a, k, n))
        })
        .collect();
    let (template, param, _) = paged.first()?;
    let ours = || paged.iter().filter(|(_, k, _)| k == param);
    let current_param = page_param(page_url)
        .filter(|(k, _)| k == param)
        .map(|(_, n)| n);
    // A page's number is whatever the link says, up to `u64::MAX`: added to with care.
    let by_label = ours().find_map(|(a, _, n)| {
        let d = a.label_number()?;
        n.saturating_add(1).checked_sub(d).filter(|o| *o <= 1)
    });
    let by_first = ours()
        .find(|(a, ..)| is_first_label(&a.label))
        .map(|(_, _, n)| *n)
        .filter(|n| *n <= 1);
    let first = if ours().any(|(_, _, n)| *n == 0) || current_param == Some(0) {
        0
    } else {
        by_label.or(by_first).unwrap_or(1)
    };
    let page_of = |n: u64| n.saturating_add(1).saturating_sub(first).max(1);
    let current = current_param.map_or(1, page_of);
    let count = stated_pages.or_else(|| {
        ours()
            .filter(|(a, ..)| {
                is_last_label(&a.label) || (a.in_select && a.label_number().is_some())
            })
            .map(|(_, _, n)| page_of(*n))
            .max()
    });
    let page_at = |k: u64| Some(with_param(&template.url, param, k - 1 + first));
    let linked = ours().map(|(a, _, n)| (a.url.clone(), page_of(*n)));
    Some(pager_of(count, current, page_at, linked, anchors, page_url))
}

/// The pager of a page numbered `current` whose page `k` is at `page_at(k)`, with the links
/// `linked` (URL, page number) its pager shows. With a count, every other page up to it, and the
/// pages linked beyond it: a count printed by a stale template (共5页 on a list of 7) must not
/// hide pages 6 and 7 that page 5 links. Without one, the page after this one: the 下一页 link,
/// else the link numbered `current + 1` (the last page links none; its number still stands).
fn pager_of(
    count: Option<u64>,
    current: u64,
    page_at: impl Fn(u64) -> Option<Url>,
    linked: impl Iterator<Item = (Url, u64)>,
    anchors: &[Anchor],
    page_url: &Url,
) -> Pager {
    let next = next_link(anchors, page_url);
    let next_pages = match count {
        Some(count) => {
            let mut beyond: Vec<(Url, u64)> = linked
                .filter(|(_, k)| *k > count && *k != current)
                .chain(
                    next.filter(|_| current >= count)
                        .map(|n| (n, current.saturating_add(1))),
                )
                .collect();
            beyond.sort_by_key(|(_, k)| *k);
            beyond.dedup_by_key(|(_, k)| *k);
            (1..=count.min(MAX_PAGES))
                .filter(|k| *k != current)
                .filter_map(|k| Some((page_at(k)?, k)))
                .chain(beyond)
                .map(|(url, k)| NextPage::get(url, Some(k)))
                .collect()
        }
        None => {
            let mut linked = linked;
            let after = current.saturating_add(1);
            next.or_else(|| linked.find(|(_, k)| *k == after).map(|(url, _)| url))
                .map(|url| NextPage::get(url, Some(after)))
                .into_iter()
                .collect()
        }
    };
    Pager {
        next_pages,
        current: Some(current),
        stated: StatedCount::default(),
    }
}

fn with_param(template: &Url, param: &str, value: u64) -> Url {
    // The query is rewritten as it stands: decoding and re-encoding it would turn a GBK-encoded
    // value (`lb=%C4%EA%B1%A8`) into UTF-8, which the server reads as another list.
    let query = template.query().unwrap_or("");
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if k == param => format!("{k}={value}"),
            _ => pair.to_string(),
        })
        .collect();
    let mut url = template.clone();
    url.set_query(Some(&pairs.join("&")));
    url
}
