//! TRS WCM pagers: `createPageHTML(count, current, "index", "html")` scripts and bare
//! `countPage` / `currentPage` variables. Page 0 is `index.html`, page i is `index_i.html`.

use std::sync::LazyLock;

use regex::Regex;
use url::Url;

use super::PageRequest;
use super::dom::LinkBase;
use super::pager::{MAX_PAGES, NextPage, last_segment};

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("static regex literal is valid")
}

static CREATE_PAGE_HTML: LazyLock<Regex> =
    LazyLock::new(|| re(r"(function\s+)?createPageHTML\s*\(([^()]*)\)"));
static COUNT_PAGE_VAR: LazyLock<Regex> = LazyLock::new(|| re(r"\bcountPage\s*=\s*(\d{1,6})"));
static CURRENT_PAGE_VAR: LazyLock<Regex> = LazyLock::new(|| re(r"\bcurrentPage\s*=\s*(\d{1,6})"));
static COUNT_NUM_VAR: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:countnum|countNum|recordCount)\s*=\s*(\d{1,9})"));
static INDEX_EXT: LazyLock<Regex> = LazyLock::new(|| re(r"index_\d+\.(s?html?)\b"));

/// A TRS WCM pager: page 0 is `name.ext`, page i is `name_i.ext`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct TrsPager {
    pub count: u64,
    pub current: u64,
    pub name: String,
    pub ext: String,
    /// The records the call states (the sixth argument of the newer form).
    pub records: Option<u64>,
}

impl TrsPager {
    /// Every other page of the list, numbered from 1 (`index.html` is page 1).
    pub(super) fn pages(&self, base: &LinkBase) -> Vec<NextPage> {
        (0..self.count.min(MAX_PAGES))
            .filter(|i| *i != self.current)
            .filter_map(|i| {
                let file = if i == 0 {
                    format!("{}.{}", self.name, self.ext)
                } else {
                    format!("{}_{}.{}", self.name, i, self.ext)
                };
                let url = base.url.join(&file).ok()?;
                Some(NextPage {
                    request: PageRequest::Get(url),
                    number: Some(i + 1),
                })
            })
            .collect()
    }
}

/// The records a TRS pager script states (`var countnum = 6348;`), beside its page count.
pub(super) fn trs_record_count(html: &str) -> Option<u64> {
    COUNT_NUM_VAR.captures(html)?.get(1)?.as_str().parse().ok()
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
                let records = match args.get(start + 4) {
                    Some(Arg::Num(n)) if start == 1 => Some(*n),
                    _ => None,
                };
                return Some(TrsPager {
                    count: *count,
                    current: *current,
                    name: name.clone(),
                    ext: ext.clone(),
                    records,
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
        records: None,
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
