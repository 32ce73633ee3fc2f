//! List entries: finds the repeated, dated rows of a list page (li / tr / div children of one
//! container) and turns each into a `ListItem` with its main link, title and date. Navigation,
//! breadcrumbs, pagers and footers fall out because their rows carry no dates or many links.

mod entry;

use std::collections::HashSet;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Node};

use super::ListItem;
use super::dom::{LinkBase, class_and_id};
pub(super) use entry::entry_of;
use entry::{Entry, Printed, date_only, is_blank, printed, printed_chars};

/// Elements whose direct children may be the entries of a list.
const CONTAINERS: &[&str] = &[
    "ul", "ol", "dl", "tbody", "table", "div", "section", "td", "article", "form",
];

/// An entry holds one main link, perhaps with an attachment or category link beside it; a row
/// with more links is a menu or a whole nested list.
const MAX_LINKS_PER_ENTRY: usize = 4;
/// A list of one dated entry is accepted when the entry's title is at least this long.
const SINGLE_MIN_TITLE_CHARS: usize = 6;
/// An undated list is accepted only with this many entries whose titles are this long: menus
/// have short labels, documents long titles.
const UNDATED_MIN_ENTRIES: usize = 5;
const UNDATED_MIN_TITLE_CHARS: usize = 10;

/// Class or id fragments of blocks that are never the list itself.
const SKIPPED_BLOCKS: &[&str] = &[
    "nav",
    "menu",
    "footer",
    "breadcrumb",
    "crumb",
    "yqlj",
    "friend",
];

/// The page's main list as discover found it.
pub(super) struct MainList {
    /// Its items, in page order, deduplicated by URL.
    pub items: Vec<ListItem>,
    /// Characters (not whitespace) the rows of its dated items print (titles, dates, and cells
    /// such as 索引号 and 发布机构): how much of the page the list is.
    pub dated_row_chars: usize,
}

/// The page's main list: its repeated block of dated entries.
pub(super) fn list_items(doc: &Html, base: &LinkBase) -> MainList {
    let scored: Vec<(ElementRef<'_>, Vec<Entry>)> = containers(doc)
        .into_iter()
        .map(|el| (el, entries_of(el, base)))
        .collect();

    let dated = |entries: &[Entry]| entries.iter().filter(|e| e.date.is_some()).count();
    let shown = |entries: &[Entry]| entries.iter().filter(|e| e.shows_date()).count();
    // The section's own entries usually live under its folder (`/zwgk/xxgknb/202201/t….html`),
    // a sidebar's hot news elsewhere: a short list, or a list's short last page, is not lost to a
    // longer box beside it.
    let folder = section_folder(&base.url);
    let at_home = |entries: &[Entry]| {
        entries
            .iter()
            .filter(|e| {
                e.shows_date()
                    && folder
                        .as_deref()
                        .is_some_and(|f| e.url.path().starts_with(f))
            })
            .count()
    };
    // Each container's score is counted once: a page of thousands of containers may hold one
    // of thousands of entries.
    let best = scored
        .iter()
        .enumerate()
        .max_by_key(|(i, (_, entries))| {
            (
                at_home(entries) >= 2,
                dated(entries),
                shown(entries),
                std::cmp::Reverse(*i),
            )
        })
        .map(|(i, _)| i);

    // Rows dated by month and day alone make a list where they are the section's own (under its
    // folder) or where no list of long undated titles is there to be the list instead: a
    // sidebar's hot news prints `01-20` too.
    let is_list = |entries: &[Entry]| {
        dated(entries) >= 2
            || (shown(entries) >= 2 && (at_home(entries) >= 2 || undated_list(&scored).is_none()))
    };
    let chosen: Vec<&Vec<Entry>> = match best {
        Some(i) if scored.get(i).is_some_and(|(_, e)| is_list(e)) => {
            let (best_el, _) = scored[i];
            // A list split into several containers of the same kind under one parent
            // (`<ul class="list">` groups of five) is still one list.
            scored
                .iter()
                .filter(|(el, entries)| {
                    *el == best_el || (same_kind(*el, best_el) && shown(entries) >= 1)
                })
                .map(|(_, e)| e)
                .collect()
        }
        // A list with a single entry (a year channel holding one report) has no repetition to
        // score; its one dated entry with a real title is still the list.
        Some(i) => match undated_list(&scored) {
            Some(list) => vec![list],
            None => scored
                .get(i)
                .map(|(_, entries)| entries)
                .filter(|entries| {
                    entries.iter().any(|e| {
                        e.shows_date()
                            && e.title
                                .as_deref()
                                .is_some_and(|t| t.chars().count() >= SINGLE_MIN_TITLE_CHARS)
                    })
                })
                .into_iter()
                .collect(),
        },
        None => Vec::new(),
    };

    // A list of one dated entry is that entry: the undated rows beside it are the page's own
    // blocks where a wrapper left open holds the page (its header's links, its menu).
    let single = best.is_some_and(|i| !scored.get(i).is_some_and(|(_, e)| is_list(e)))
        && undated_list(&scored).is_none();
    let mut seen = std::collections::HashSet::new();
    let entries: Vec<&Entry> = chosen
        .into_iter()
        .flatten()
        .filter(|e| !single || e.shows_date())
        .filter(|e| seen.insert(e.url.clone()))
        .collect();
    MainList {
        dated_row_chars: entries
            .iter()
            .filter(|e| e.shows_date())
            .map(|e| e.row_chars)
            .sum(),
        items: entries.into_iter().map(|e| e.clone().into_item()).collect(),
    }
}

/// The folder of a list page below the site's root (`/zwgk/xxgknb/` of
/// `/zwgk/xxgknb/index_2.html`), or `None` for a page at the root, whose folder holds everything.
fn section_folder(page: &url::Url) -> Option<String> {
    let path = page.path();
    let folder = &path[..path.rfind('/')? + 1];
    (folder.len() > 1).then(|| folder.to_string())
}

/// The longest container of long-titled, undated entries, when a page has no dated list. A
/// container whose links are folders (`./2019/` labelled `2019年政府信息公开工作年度报告`) is a
/// channel index of year sub-channels, not a list of documents.
fn undated_list<'a>(scored: &'a [(ElementRef<'_>, Vec<Entry>)]) -> Option<&'a Vec<Entry>> {
    scored
        .iter()
        .map(|(_, entries)| entries)
        .filter(|entries| !entries.iter().any(|e| e.url.path().ends_with('/')))
        .filter(|entries| {
            let long = entries
                .iter()
                .filter(|e| {
                    e.title
                        .as_deref()
                        .is_some_and(|t| t.chars().count() >= UNDATED_MIN_TITLE_CHARS)
                })
                .count();
            long >= UNDATED_MIN_ENTRIES && long * 5 >= entries.len() * 4
        })
        .max_by_key(|entries| entries.len())
}

/// Containers of one list: the same tag and class under one parent, or under parents that are
/// themselves alike siblings (a year block's `<ul>` beside the next year block's).
fn same_kind(a: ElementRef<'_>, b: ElementRef<'_>) -> bool {
    let alike = |a: ElementRef<'_>, b: ElementRef<'_>| {
        a.value().name() == b.value().name() && a.value().attr("class") == b.value().attr("class")
    };
    let parents = (
        a.parent().and_then(ElementRef::wrap),
        b.parent().and_then(ElementRef::wrap),
    );
    alike(a, b)
        && match parents {
            (Some(pa), Some(pb)) => pa == pb || (alike(pa, pb) && pa.parent() == pb.parent()),
            _ => a.parent() == b.parent(),
        }
}

fn is_skipped_block(e: ElementRef<'_>) -> bool {
    matches!(e.value().name(), "nav" | "footer" | "header") || {
        let ci = class_and_id(e);
        SKIPPED_BLOCKS.iter().any(|b| ci.contains(b))
    }
}

/// A menu whose end tag the template lost holds the rest of the page: its footer, or, where a
/// stray end tag of the page's own closes it before the footer, the page's heading (`<h1>`), which
/// no menu holds. The list inside is the page's. Read from the page's marks (`HoldsThePage`).
fn left_open(block: ElementRef<'_>, marks: &HoldsThePage) -> bool {
    crate::classify::page::holds_the_page(block, &marks.footer)
        || marks.heading.contains(&block.id())
}

/// The elements that hold a footer (below them) or an `<h1>` (below them or themselves), marked
/// once for the page: walking each skipped block's subtree, and again for every skipped block
/// nested in it, was quadratic in a page of nested menus.
struct HoldsThePage {
    footer: HashSet<NodeId>,
    heading: HashSet<NodeId>,
}

impl HoldsThePage {
    /// The marks of `doc`, adding the nodes walked to `visits`.
    fn of(doc: &Html, visits: &mut usize) -> HoldsThePage {
        let footer = crate::classify::page::holding_a_footer(doc);
        let mut heading = HashSet::new();
        for node in doc.tree.root().descendants() {
            *visits += 2; // this walk and holding_a_footer's
            if !matches!(node.value(), Node::Element(e) if e.name() == "h1") {
                continue;
            }
            for holder in std::iter::once(node).chain(node.ancestors()) {
                *visits += 1;
                if !heading.insert(holder.id()) {
                    break;
                }
            }
        }
        HoldsThePage { footer, heading }
    }
}

/// The page's containers outside skipped blocks, in document order: one walk down the tree
/// that leaves a skipped block whole, so deep markup costs no walk up from every element.
fn containers(doc: &Html) -> Vec<ElementRef<'_>> {
    containers_counted(doc, &mut 0)
}

/// `containers`, adding the nodes its walks visit to `visits` (for the test that they stay
/// linear in the page).
fn containers_counted<'a>(doc: &'a Html, visits: &mut usize) -> Vec<ElementRef<'a>> {
    let mut found = Vec::new();
    // Made at the first skipped block: most pages' furniture is closed, many have none.
    let mut marks: Option<HoldsThePage> = None;
    let mut stack = vec![doc.root_element()];
    while let Some(el) = stack.pop() {
        *visits += 1;
        if is_skipped_block(el) {
            let marks = marks.get_or_insert_with(|| HoldsThePage::of(doc, visits));
            if !left_open(el, marks) {
                continue;
            }
        }
        if CONTAINERS.contains(&el.value().name()) {
            found.push(el);
        }
        let start = stack.len();
        stack.extend(el.child_elements());
        stack[start..].reverse();
    }
    found
}

/// Most nodes (elements and texts) one entry may hold. A row holds a link or four, a date and
/// some words (search snippets wrap each character in an element: hundreds); a larger one is a
/// whole nested list or page, and reading it as an entry would walk it once for every container
/// above it (20,000 nested tables took minutes).
const MAX_ENTRY_ELEMENTS: usize = 2_000;

/// The entries among the direct children of a container. A row whose link has no date of its
/// own takes the date printed beside the row, as the container's next child (`<dt><a>…</a></dt>
/// <dd>2024-01-20</dd>`, `<a>…</a> 2024-01-20<br>`), or as the one before it where the list
/// opens with a date (`<dt>2024-01-20</dt><dd><a>…</a></dd>`): some templates print a list's
/// links and dates as children of their own.
fn entries_of(container: ElementRef<'_>, base: &LinkBase) -> Vec<Entry> {
    let dates_first = container
        .children()
        .find(|n| !is_blank(*n))
        .is_some_and(|n| date_only(n).is_some());
    container
        .child_elements()
        .filter(|c| !matches!(c.value().name(), "script" | "style"))
        .filter(|c| c.descendants().nth(MAX_ENTRY_ELEMENTS).is_none())
        .filter_map(|c| {
            let mut entry = entry_of(c, base, MAX_LINKS_PER_ENTRY)?;
            if entry.date.is_none() {
                let beside = if dates_first {
                    c.prev_siblings().find(|n| !is_blank(*n))
                } else {
                    c.next_siblings().find(|n| !is_blank(*n))
                };
                let text = beside.and_then(date_only);
                match text.as_deref().and_then(|t| printed(t, &entry.url)) {
                    Some(Printed::Date(date)) => entry.date = Some(date),
                    Some(Printed::MonthDay) => entry.month_day = true,
                    None => {}
                }
                if entry.shows_date() {
                    entry.row_chars += text.as_deref().map_or(0, printed_chars);
                }
            }
            Some(entry)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use url::Url;

    fn base() -> LinkBase {
        LinkBase::utf8(&Url::parse("http://127.0.0.1/xxgk/ndbg/index.html").expect("valid"))
    }

    const ROW: &str = "<a href=\"/xxgk/ndbg/t1.html\">某县2023年政府信息公开工作年度报告</a><span>2024-01-20</span>";

    #[test]
    fn a_row_as_large_as_a_page_is_no_entry() {
        let row = |filler: usize| {
            format!(
                "<html><body><ul id=\"list\"><li>{ROW}{}</li></ul></body></html>",
                "<i>x</i>".repeat(filler)
            )
        };
        let entries = |html: &str| {
            let doc = Html::parse_document(html);
            let selector = scraper::Selector::parse("#list").expect("valid selector");
            let list = crate::page::select(&doc, &selector)
                .next()
                .expect("the list is there");
            entries_of(list, &base()).len()
        };
        // Each <i>x</i> is two nodes.
        assert_eq!(entries(&row(MAX_ENTRY_ELEMENTS.saturating_sub(20) / 2)), 1);
        assert_eq!(entries(&row(MAX_ENTRY_ELEMENTS / 2 + 10)), 0);
    }

    #[test]
    fn containers_are_in_page_order_and_skipped_blocks_are_left_whole() {
        let html = "<html><body><div id=\"a\"><ul id=\"b\"></ul></div>\
            <nav><ul id=\"in-nav\"><li><table id=\"deep-in-nav\"></table></li></ul></nav>\
            <div class=\"Footer-Menu\"><ol id=\"in-menu\"></ol></div>\
            <table id=\"c\"><tbody id=\"d\"><tr><td id=\"e\"></td></tr></tbody></table></body></html>";
        let doc = Html::parse_document(html);
        let ids: Vec<&str> = containers(&doc)
            .into_iter()
            .filter_map(|el| el.value().attr("id"))
            .collect();
        assert_eq!(ids, ["a", "b", "c", "d", "e"]);
    }

    /// Menus nested as deep as the parser keeps them, each left open (the footer is inside the
    /// innermost): every one is read through, and the walks stay linear in the page.
    #[test]
    fn nested_menus_left_open_are_walked_once() {
        let depth = crate::page::MAX_DEPTH - 20;
        let mut html = String::from("<html><body>");
        for i in 0..depth {
            html.push_str(&format!(
                "<div class=\"menu\"><a href=\"/m{i}.html\">栏目</a>"
            ));
        }
        html.push_str(&format!(
            "<ul id=\"list\"><li>{ROW}</li></ul><div class=\"footer\">版权</div>"
        ));
        let parsed = crate::page::parse(&html).expect("within the bounds");
        assert!(!parsed.flattened, "the nesting is kept");
        let nodes = parsed.doc.tree.root().descendants().count();
        let mut visits = 0;
        let found = containers_counted(&parsed.doc, &mut visits);
        assert!(
            found.iter().any(|el| el.value().attr("id") == Some("list")),
            "the list inside the open menus is found"
        );
        assert!(
            visits <= 4 * nodes,
            "{visits} visits for {nodes} nodes at depth {depth}"
        );
    }

    #[test]
    fn a_page_of_thousands_of_nested_lists_still_gives_its_entries() {
        // Every level a dated report link and the next level: past the nesting bound the levels
        // are siblings, so one container holds thousands of entries beside thousands of small
        // containers.
        let levels = 3_000;
        let mut html = String::from("<html><body>");
        for i in 0..levels {
            html.push_str(&format!(
                "<table><tr><td><a href=\"/xxgk/ndbg/t{i}.html\">某县{i}号政府信息公开工作年度报告</a><span>2024-01-20</span>"
            ));
        }
        html.push_str(&"</td></tr></table>".repeat(levels));
        let parsed = crate::page::parse(&html).expect("within the bounds");
        assert!(parsed.flattened);
        let items = list_items(&parsed.doc, &base()).items;
        assert!(
            items.len() > levels * 3 / 4,
            "{} of {levels} entries",
            items.len()
        );
    }
}
