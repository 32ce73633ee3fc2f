//! Pagination of HTML list pages: stated counts (共N页/頁, 共N条/條, 页次：1/5, 第1/3页), TRS WCM
//! `createPageHTML` / `countPage` scripts (`trs`), numbered files (`index_N.html`, `home_N.htm`),
//! query pagination (`?page=N`), `<select>` jump boxes, ASP.NET postbacks (`postback`) and plain
//! 下一页/下一頁 links. When the count of pages is known every other page is returned, so a backfill
//! can queue them all without reading each in turn. Every page is numbered as the pager numbers it (page 1 is the list's first page),
//! so that one page reached under two URLs (`list.asp?id=4` and `list.asp?id=4&page=1`) is one page.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;
use scraper::{Html, Selector};
use url::Url;

use super::dom::{
    LINKS, LinkBase, compact, folder, head, is_first_label, is_last_label, is_next_label,
    is_pager_label, pager_core, resolve, same_site, visible_text,
};
use super::postback::postback_pages;
use super::script::location_target;
use super::trs::{trs_pager, trs_record_count};
use super::{PageRequest, StatedCount};

/// Bound on the pages generated from a stated count: a broken counter must not flood the frontier.
pub(super) const MAX_PAGES: u64 = 10_000;

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
        re(r"共\s*(?:计|計|有)?\s*(\d{1,6})\s*[页頁]"),
        re(r"[页頁]次\s*[：:]?\s*\d{1,6}\s*/\s*(\d{1,6})"),
        re(r"第?\s*\d{1,6}\s*/\s*(\d{1,6})\s*[页頁]"),
        re(r"(?:总|總)[页頁]数?\s*[：:]?\s*(\d{1,6})"),
    ]
});
static ITEMS_STATED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"(?:共|总共|總共|共有|共计|共計)\s*(\d{1,9})\s*(?:条|條|篇|项|項|个|個)"),
        re(
            r"(?:总记录数|總記錄數|记录总数|記錄總數|总条数|總條數|总记录|總記錄)\s*[：:]?\s*(\d{1,9})",
        ),
    ]
});
/// The page's own number as its pager prints it: 当前第2页, 第2頁, 页次：2/5, 第2/5页.
static CURRENT_STATED: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    vec![
        re(r"(?:当前|當前)\s*第?\s*(\d{1,6})\s*[页頁]"),
        re(r"第\s*(\d{1,6})\s*[页頁]"),
        re(r"[页頁]次\s*[：:]?\s*(\d{1,6})\s*/"),
        re(r"第\s*(\d{1,6})\s*/\s*\d{1,6}\s*[页頁]"),
    ]
});
static NUMBERED_FILE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([A-Za-z]+)_(\d{1,5})\.(s?html?|jsp|aspx?|php)$"));
static OPTIONS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("select option[value]").expect("static selector is valid"));

/// Another page of the list and its number, when the pager numbers it.
#[derive(Debug, Clone)]
pub(super) struct NextPage {
    pub request: PageRequest,
    pub number: Option<u64>,
}

impl NextPage {
    fn get(url: Url, number: Option<u64>) -> NextPage {
        NextPage {
            request: PageRequest::Get(url),
            number,
        }
    }
}

/// What the pager of one page says.
#[derive(Debug, Default)]
pub(super) struct Pager {
    pub next_pages: Vec<NextPage>,
    /// This page's own number in its list.
    pub current: Option<u64>,
    pub stated: StatedCount,
}

/// A link of the pager: an anchor, or an option of a `<select>` jump box.
struct Anchor {
    url: Url,
    label: String,
    /// An option of a `<select>` jump box, which lists every page.
    in_select: bool,
}

impl Anchor {
    fn label_number(&self) -> Option<u64> {
        printed_number(&self.label)
    }
}

/// The page number a pager label prints: "2", "[2]", "第2页", "第2頁".
pub(super) fn printed_number(label: &str) -> Option<u64> {
    let core = pager_core(label);
    let core = core
        .strip_prefix('第')
        .and_then(|c| c.strip_suffix('页'))
        .unwrap_or(&core);
    (!core.is_empty() && core.len() < 6 && core.chars().all(|c| c.is_ascii_digit()))
        .then(|| core.parse().ok())
        .flatten()
        .filter(|n| *n > 0)
}

/// Reads the pager of an HTML list page.
pub(super) fn pagination(doc: &Html, html: &str, page_url: &Url, base: &LinkBase) -> Pager {
    let text = visible_text(doc);
    let mut stated = StatedCount {
        items: first_number(&ITEMS_STATED, &text),
        pages: first_number(&PAGES_STATED, &text),
    };

    if let Some(trs) = trs_pager(html, page_url) {
        stated.pages = stated.pages.or(Some(trs.count));
        stated.items = stated
            .items
            .or(trs.records)
            .or_else(|| trs_record_count(html));
        return Pager {
            next_pages: trs.pages(base),
            current: Some(trs.current + 1),
            stated,
        };
    }

    let links = crate::page::select(doc, &LINKS).filter_map(|a| {
        Some(Anchor {
            url: resolve(base, a.value().attr("href")?)?,
            label: link_label(a),
            in_select: false,
        })
    });
    let options = crate::page::select(doc, &OPTIONS).filter_map(|o| {
        let value = o.value().attr("value")?.trim();
        // Only options whose value is a link: a bare number belongs to a script.
        if value.is_empty() || value.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(Anchor {
            url: resolve(base, value)?,
            label: compact(&o.text().collect::<String>()),
            in_select: true,
        })
    });
    let scripted = script_page_links(doc, html, base);
    let anchors: Vec<Anchor> = links.chain(options).chain(scripted).collect();
    let printed_current = printed_current(&text, &anchors);

    if let Some(pager) = numbered_files(&anchors, page_url, stated.pages, printed_current)
        .or_else(|| query_pages(&anchors, page_url, stated.pages))
        .or_else(|| numbered_paths(&anchors, page_url, stated.pages))
    {
        return Pager { stated, ..pager };
    }
    let (current, postbacks) = postback_pages(doc, page_url, base, printed_current);
    if !postbacks.is_empty() {
        return Pager {
            next_pages: postbacks,
            current,
            stated,
        };
    }
    let current = printed_current;
    Pager {
        next_pages: next_link(&anchors, page_url)
            .map(|url| NextPage::get(url, current.map(|c| c + 1)))
            .into_iter()
            .collect(),
        current,
        stated,
    }
}

/// A pager that a script runs: links labelled with a page number past the first whose `href`
/// leads nowhere (`#page2`, `javascript:;`, none) and that no rule above could follow. Asked only
/// of a page with items and no next page, so that its ledger can say the list goes on.
pub(super) fn scripted_pager(doc: &Html) -> Option<String> {
    crate::page::select(doc, &ANY_LINK).find_map(|a| {
        let number = printed_number(&link_label(a)).filter(|n| *n >= 2)?;
        let href = a.value().attr("href").map(str::trim).unwrap_or("");
        let nowhere = href.is_empty()
            || href.starts_with('#')
            || href
                .get(..11)
                .is_some_and(|h| h.eq_ignore_ascii_case("javascript:"));
        if !nowhere {
            return None;
        }
        let code = a
            .value()
            .attr("onclick")
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let shown = code.unwrap_or(href);
        let shown: String = shown.chars().take(60).collect();
        Some(format!(
            "a pager that a script runs (page {number}: {shown:?})"
        ))
    })
}

static ANY_LINK: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a").expect("static selector is valid"));

/// A pager link's label: its text, else its `title`, else its image's `alt` (`<a title="下一页">
/// <img alt="下一页"></a>`).
pub(super) fn link_label(a: scraper::ElementRef<'_>) -> String {
    let text = compact(&a.text().collect::<String>());
    if !text.is_empty() {
        return text;
    }
    let img_alt = || {
        a.descendants()
            .filter_map(scraper::ElementRef::wrap)
            .find(|e| e.value().name() == "img")
            .and_then(|img| img.value().attr("alt"))
    };
    a.value()
        .attr("title")
        .or_else(img_alt)
        .map(compact)
        .unwrap_or_default()
}

/// `function goPage(p) { location.href = '/list.jsp?pageNum=' + p; }`: a page function of the
/// page's own scripts that only builds a URL from its one argument (a prefix, the argument, an
/// optional suffix).
static PAGE_FUNCTION: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r#"function\s+([A-Za-z_$][\w$]*)\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{\s*"#,
        r#"(?:window\.|document\.|self\.|top\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*"#,
        r#"['"]([^'"]*)['"]\s*\+\s*([A-Za-z_$][\w$]*)\s*(?:\+\s*['"]([^'"]*)['"])?"#,
    ))
});
/// A call of a page function with a number: `goPage(2)`, `javascript:goPage('3')`.
static PAGE_CALL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"^(?:javascript:)?\s*([A-Za-z_$][\w$]*)\s*\(\s*['"]?(\d{1,6})['"]?\s*\)\s*;?\s*(?:return\s+false\s*;?)?$"#,
    )
});
/// Bytes of the page's scripts searched for page functions.
const MAX_SCRIPT_BYTES: usize = 256 * 1024;

/// The pager links that open a page by script (`onclick="location.href='index_1.html'"`) or
/// call a page function of the page's scripts (`onclick="goPage(2)"`), as the URLs they open.
fn script_page_links(doc: &Html, html: &str, base: &LinkBase) -> Vec<Anchor> {
    let mut functions: HashMap<String, (String, String)> = HashMap::new();
    if html.contains("function") && html.contains("location") {
        for c in PAGE_FUNCTION.captures_iter(head(html, MAX_SCRIPT_BYTES)) {
            let (Some(name), Some(param), Some(prefix), Some(used)) =
                (c.get(1), c.get(2), c.get(3), c.get(4))
            else {
                continue;
            };
            // The argument itself goes into the URL, not some other variable.
            if param.as_str() != used.as_str() {
                continue;
            }
            let suffix = c.get(5).map_or("", |m| m.as_str());
            functions.insert(
                name.as_str().to_string(),
                (prefix.as_str().to_string(), suffix.to_string()),
            );
        }
    }
    crate::page::select(doc, &SCRIPT_LINKS)
        .filter_map(|a| {
            let code = [a.value().attr("onclick"), a.value().attr("href")];
            // `onclick="window.location.href='index_1.html'"`: the page it opens.
            let opened = code.into_iter().flatten().find_map(location_target);
            let url = match opened {
                Some(target) => resolve(base, target)?,
                None => {
                    let call = code
                        .into_iter()
                        .flatten()
                        .find_map(|c| PAGE_CALL.captures(c.trim()))?;
                    let (prefix, suffix) = functions.get(call.get(1)?.as_str())?;
                    let number = call.get(2)?.as_str();
                    resolve(base, &format!("{prefix}{number}{suffix}"))?
                }
            };
            Some(Anchor {
                url,
                label: link_label(a),
                in_select: false,
            })
        })
        .collect()
}

static SCRIPT_LINKS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("a[onclick], a[href^='javascript:'], a[href^='JavaScript:']")
        .expect("static selector is valid")
});

/// The page's own number as its pager prints it, not as a link's label: a 首页 link labelled
/// `第1页` on every page says nothing of the page it is on.
fn printed_current(text: &str, anchors: &[Anchor]) -> Option<u64> {
    CURRENT_STATED.iter().find_map(|p| {
        p.captures_iter(text).find_map(|c| {
            let printed = c.get(0)?.as_str();
            let linked = anchors.iter().any(|a| a.label.contains(printed));
            if linked {
                return None;
            }
            c.get(1)?.as_str().parse().ok().filter(|n| *n > 0)
        })
    })
}

fn first_number(patterns: &[Regex], text: &str) -> Option<u64> {
    patterns
        .iter()
        .find_map(|p| p.captures(text)?.get(1)?.as_str().parse().ok())
}

pub(super) fn last_segment(url: &Url) -> &str {
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("")
}

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
fn numbered_files(
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
fn numbered_paths(anchors: &[Anchor], page_url: &Url, stated_pages: Option<u64>) -> Option<Pager> {
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
pub(super) fn page_param(url: &Url) -> Option<(String, u64)> {
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
fn query_pages(anchors: &[Anchor], page_url: &Url, stated_pages: Option<u64>) -> Option<Pager> {
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
    let by_label = ours().find_map(|(a, _, n)| {
        let d = a.label_number()?;
        (n + 1).checked_sub(d).filter(|o| *o <= 1)
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
    let page_of = |n: u64| (n + 1).saturating_sub(first).max(1);
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
                .chain(next.filter(|_| current >= count).map(|n| (n, current + 1)))
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
            next.or_else(|| linked.find(|(_, k)| *k == current + 1).map(|(url, _)| url))
                .map(|url| NextPage::get(url, Some(current + 1)))
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

/// The target of the page's 下一页 link, when it leads somewhere else.
fn next_link(anchors: &[Anchor], page_url: &Url) -> Option<Url> {
    anchors
        .iter()
        .find(|a| is_next_label(&a.label) && &a.url != page_url)
        .map(|a| a.url.clone())
}
