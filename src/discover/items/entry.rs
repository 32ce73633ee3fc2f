//! One row of a list as an entry: `Entry`, `entry_of` with the link, title and date it reads,
//! and the date printed beside a row (`date_only`, `printed`) that `entries_of` looks for.

use scraper::ElementRef;
use url::Url;

use crate::dates::parse_date;
use crate::discover::ListItem;
use crate::discover::dom::{LINKS, LinkBase, is_pager_label, link_url, normalise, text_without};

/// One entry of a list as found in the DOM.
#[derive(Debug, Clone)]
pub(in crate::discover) struct Entry {
    pub url: Url,
    pub title: Option<String>,
    pub date: Option<chrono::NaiveDate>,
    /// The row prints a month and day whose year neither it nor the entry's URL gives (`01-20`
    /// beside `/art/123.html`): a dated row when the list is looked for, with no date to give.
    /// The year is never guessed: a list's `2023年` heading names the reports' year as often as
    /// the year they were published in.
    pub month_day: bool,
    /// Characters (not whitespace) the row prints: its title, date and any other cells.
    pub row_chars: usize,
}

impl Entry {
    /// Whether the row prints a date, with its year or without.
    pub(super) fn shows_date(&self) -> bool {
        self.date.is_some() || self.month_day
    }

    pub(in crate::discover) fn into_item(self) -> ListItem {
        ListItem {
            url: self.url,
            title: self.title,
            date: self.date,
            fields: Vec::new(),
        }
    }
}

/// A node that shows nothing: whitespace, a `<br>`, a comment.
pub(super) fn is_blank(node: ego_tree::NodeRef<'_, scraper::Node>) -> bool {
    match node.value() {
        scraper::Node::Text(t) => t.trim().is_empty(),
        scraper::Node::Element(e) => e.name() == "br",
        _ => true,
    }
}

/// The text of a sibling of a row that holds a date and nothing else: a text node, or an
/// element without links whose short text reads as a date (or a month and day).
pub(super) fn date_only(node: ego_tree::NodeRef<'_, scraper::Node>) -> Option<String> {
    let text = match node.value() {
        scraper::Node::Text(t) => normalise(t),
        scraper::Node::Element(_) => {
            let el = ElementRef::wrap(node)?;
            if el.descendants().nth(MAX_DATE_ELEMENTS).is_some()
                || el.select(&LINKS).next().is_some()
            {
                return None;
            }
            normalise(&el.text().take(8).collect::<String>())
        }
        _ => return None,
    };
    is_date_text(&text).then_some(text)
}

/// Whether a short text is a date and nothing else (`2024-01-20`, `[2024-01-20]`,
/// `2024年01月20日 10:30`, `01-20`), in the characters dates print with.
fn is_date_text(text: &str) -> bool {
    !text.is_empty()
        && text.chars().count() <= 24
        && text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "年月日-/.: []()【】（）".contains(c))
}

/// The date a text that is nothing but a date gives: a full date, or a month and day whose year
/// the entry's URL carries (`01-20` beside `/202401/t20240120_1.html`).
fn printed_date(text: &str, url: &Url) -> Option<chrono::NaiveDate> {
    match printed(text, url)? {
        Printed::Date(date) => Some(date),
        Printed::MonthDay => None,
    }
}

/// What a row prints as its date.
#[derive(Debug, Clone, Copy)]
pub(super) enum Printed {
    Date(chrono::NaiveDate),
    /// A month and day whose year nothing gives.
    MonthDay,
}

/// What a text that is nothing but a date prints: a date (`printed_date`), or a month and day
/// that no year goes with.
pub(super) fn printed(text: &str, url: &Url) -> Option<Printed> {
    if !is_date_text(text) {
        return None;
    }
    match parse_date(text).or_else(|| crate::dates::month_day_in_url(text, url.as_str())) {
        Some(date) => Some(Printed::Date(date)),
        None => crate::dates::month_day(text).map(|_| Printed::MonthDay),
    }
}

/// One row as an entry: its main link (the one with the longest title), that title, and the date
/// printed beside it (or, failing that, a date-only part inside the link, or a date at an end of
/// the link's text).
pub(in crate::discover) fn entry_of(
    row: ElementRef<'_>,
    base: &LinkBase,
    max_links: usize,
) -> Option<Entry> {
    let mut distinct: Vec<Url> = Vec::new();
    let links: Vec<(ElementRef<'_>, Url, String)> = std::iter::once(row)
        .filter(|r| r.value().name() == "a" && r.value().attr("href").is_some())
        .chain(row.select(&LINKS))
        .filter_map(|a| {
            let url = link_url(base, a)?;
            let text = link_title(a, None);
            if text.is_empty() || is_pager_label(&text) {
                return None;
            }
            Some((a, url, text))
        })
        // A row that links its document twice (the title and a 查看 or source link, or the
        // same link with a fragment) holds one link, not two: rows count distinct URLs. One
        // past the limit is enough to reject a row; big rows are not read to the end.
        .take_while(|(_, url, _)| {
            if !distinct.contains(url) {
                distinct.push(url.clone());
            }
            distinct.len() <= max_links
        })
        .collect();
    if links.is_empty() || distinct.len() > max_links {
        return None;
    }
    // The longest title; of equal ones the first (a "similar articles" box follows the entry).
    let (link, url, _) = links
        .iter()
        .rev()
        .max_by_key(|(_, _, t)| t.chars().count())
        .cloned()
        .expect("links is non-empty: checked above");

    // A date standing alone in its own element (`<span class="date">2022-05-06</span>`) is the
    // entry's, before any date in a snippet of the text (search results quote the document).
    let outside = text_without(row, Some(link));
    let link_text = text_without(link, None);
    let row_chars = printed_chars(&outside) + printed_chars(&link_text);
    let element = date_element(row, link, &url);
    let element_date = match element {
        Some(Printed::Date(date)) => Some(date),
        _ => None,
    };
    if let Some(date) = element_date.or_else(|| parse_date(&outside)) {
        return Some(Entry {
            url,
            title: non_empty(link_title(link, None)),
            date: Some(date),
            month_day: false,
            row_chars,
        });
    }
    // Some lists print the date inside the link: `<a><span>title</span><span>2018-02-10</span></a>`.
    let date_part = link.descendent_elements().skip(1).find(|d| {
        let t = normalise(&d.text().collect::<String>());
        t.chars().count() <= 24 && parse_date(&t).is_some()
    });
    let date = date_part
        .and_then(|d| parse_date(&d.text().collect::<String>()))
        .or_else(|| date_at_an_end(&link_text, &url));
    Some(Entry {
        url,
        title: non_empty(link_title(link, date_part)),
        date,
        month_day: date.is_none() && matches!(element, Some(Printed::MonthDay)),
        row_chars,
    })
}

/// Characters of a text that are not whitespace.
pub(super) fn printed_chars(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// The date a link's own text prints at its end or start, set off by a space
/// (`<a>某县2023年政府信息公开工作年度报告 2024-01-20</a>`). The title keeps it: a title that
/// carries its publication date is read as the list prints it.
fn date_at_an_end(text: &str, url: &Url) -> Option<chrono::NaiveDate> {
    let (_, last) = text.rsplit_once(' ')?;
    let (first, _) = text.split_once(' ')?;
    printed_date(last, url).or_else(|| printed_date(first, url))
}

/// Elements of a row looked at for a date of their own (search snippets wrap every matched
/// character in its own element, so a row may hold hundreds).
const MAX_DATE_ELEMENTS: usize = 2_000;

/// The date of the first element outside `link` whose whole text is a date (no child elements,
/// at most 24 characters), or a month and day whose year the entry's `url` carries; failing
/// that, whether one prints a month and day with no year. Walks on an explicit stack and never
/// enters `link`.
fn date_element(row: ElementRef<'_>, link: ElementRef<'_>, url: &Url) -> Option<Printed> {
    let mut month_day = None;
    let mut stack: Vec<ElementRef<'_>> = row.child_elements().collect();
    stack.reverse();
    let mut visited = 0usize;
    while let Some(el) = stack.pop() {
        visited += 1;
        if visited > MAX_DATE_ELEMENTS {
            return month_day;
        }
        if el.id() == link.id() || matches!(el.value().name(), "script" | "style") {
            continue;
        }
        let children: Vec<ElementRef<'_>> = el.child_elements().take(MAX_DATE_ELEMENTS).collect();
        if !children.is_empty() {
            stack.extend(children.into_iter().rev());
            continue;
        }
        let t = normalise(&el.text().take(8).collect::<String>());
        match printed(&t, url) {
            Some(Printed::Date(date)) => return Some(Printed::Date(date)),
            Some(Printed::MonthDay) => month_day = Some(Printed::MonthDay),
            None => {}
        }
    }
    month_day
}

/// A link's title: its text, or its `title` attribute when the text is empty or a truncation of
/// it ("鄂尔多斯市2019年政府信息公开..." beside the full title).
fn link_title(a: ElementRef<'_>, skip: Option<ElementRef<'_>>) -> String {
    let text = text_without(a, skip);
    let attr = a
        .value()
        .attr("title")
        .map(|t| normalise(tooltip_title(t)))
        .unwrap_or_default();
    if attr.is_empty() {
        return text;
    }
    let stem = crate::discover::dom::cut_stem(&text);
    // Search results wrap the query's characters in <span>s, which the text shows as
    // "国产 保 健 食 品": the attribute is the same title, unbroken.
    let same = crate::discover::dom::compact(&attr) == crate::discover::dom::compact(&text);
    if stem.is_empty()
        || same
        || (attr.starts_with(stem) && attr.chars().count() > stem.chars().count())
    {
        attr
    } else {
        text
    }
}

/// The title line of a tooltip that lists an article's fields, one a line (动易 PowerEasy:
/// `文章标题：…&#13;&#10;作    者：…&#13;&#10;更新时间：…`); any other `title` as it is.
fn tooltip_title(attr: &str) -> &str {
    let trimmed = attr.trim_start();
    let value = ["文章标题", "文章標題", "标题", "標題"]
        .iter()
        .find_map(|label| {
            let rest = trimmed.strip_prefix(label)?.trim_start();
            rest.strip_prefix('：').or_else(|| rest.strip_prefix(':'))
        });
    match value {
        Some(value) if attr.contains(['\r', '\n']) => {
            value.split(['\r', '\n']).next().unwrap_or(value)
        }
        _ => attr,
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}
