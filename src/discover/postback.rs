//! ASP.NET WebForms pagers: AspNetPager, GridView and LinkButton links
//! (`javascript:__doPostBack('AspNetPager1','2')`, `WebForm_DoPostBackWithOptions(…)`) do not
//! name a page; they post the page's form back with `__EVENTTARGET` and `__EVENTARGUMENT` set, as
//! a browser does when the link is clicked. Each page is a POST of the form of the page whose
//! pager showed the link (its `__VIEWSTATE` is that page's), so the walk follows the links each
//! page shows rather than generating pages from a stated count.

use std::sync::LazyLock;

use regex::Regex;
use scraper::{ElementRef, Html, Selector};

use super::PageRequest;
use super::dom::{LinkBase, is_first_label, is_next_label, is_pager_label, is_prev_label, resolve};
use super::pager::{NextPage, link_label, printed_number};

/// `__doPostBack('target','argument')`, or the target and argument of
/// `WebForm_DoPostBackWithOptions(new WebForm_PostBackOptions("target", "argument", …))`.
static POSTBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:__doPostBack|WebForm_PostBackOptions)\(\s*['"]([^'"]{1,200})['"]\s*,\s*['"]([^'"]{0,200})['"]"#,
    )
    .expect("static regex literal is valid")
});
/// The page an argument names: `2` (AspNetPager), `Page$2` (GridView, DataPager).
static ARGUMENT_PAGE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:Page\$)?(\d{1,6})$").expect("static regex literal is valid"));
static CODE_LINKS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("a[href], a[onclick]").expect("static selector is valid"));
static FORMS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("form").expect("static selector is valid"));
static FIELDS: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("input[name], select[name], textarea[name]").expect("static selector is valid")
});
static OPTIONS: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("option").expect("static selector is valid"));

/// The form field a postback sets to its target, and the one it sets to its argument.
const EVENT_TARGET: &str = "__EVENTTARGET";
const EVENT_ARGUMENT: &str = "__EVENTARGUMENT";
const VIEW_STATE: &str = "__VIEWSTATE";
/// Bound on a form posted back (its view state included): a page that carries more is not
/// followed rather than sent to a government server again and again.
const MAX_FORM_BYTES: usize = 512 * 1024;

/// One pager link that posts back.
struct Postback<'a> {
    link: ElementRef<'a>,
    target: String,
    argument: String,
    label: String,
}

/// This page's number and the pages an ASP.NET pager's postback links lead to, as POSTs of the
/// page's form, each with the number its label or argument gives (`下一页` posting `''` is the
/// page after the current one).
/// Links that post back for anything else (a search button, a tree menu) are not pager links:
/// a link counts when its label is a pager label or a number.
pub(super) fn postback_pages(
    doc: &Html,
    page_url: &url::Url,
    base: &LinkBase,
    current: Option<u64>,
) -> (Option<u64>, Vec<NextPage>) {
    let links: Vec<Postback<'_>> = crate::page::select(doc, &CODE_LINKS)
        .filter_map(|link| {
            let code = [link.value().attr("href"), link.value().attr("onclick")];
            let call = code
                .into_iter()
                .flatten()
                .find_map(|c| POSTBACK.captures(c))?;
            let label = link_label(link);
            if !is_pager_label(&label) && printed_number(&label).is_none() {
                return None;
            }
            Some(Postback {
                link,
                target: call.get(1)?.as_str().to_string(),
                argument: call.get(2)?.as_str().to_string(),
                label,
            })
        })
        .collect();
    let Some(first) = links.first() else {
        return (current, Vec::new());
    };
    let Some((action, fields)) = form_of(doc, first.link, page_url, base) else {
        return (current, Vec::new());
    };
    let number_of = |link: &Postback<'_>| {
        let by_argument = ARGUMENT_PAGE
            .captures(&link.argument)
            .and_then(|c| c.get(1)?.as_str().parse::<u64>().ok());
        printed_number(&link.label).or(by_argument)
    };
    // A pager that offers no way back and no page 1 is on page 1 (AspNetPager leaves 首页 and
    // 上一页 without a link there).
    let current = current.or_else(|| {
        let backwards = links.iter().any(|l| {
            is_first_label(&l.label) || is_prev_label(&l.label) || number_of(l) == Some(1)
        });
        (!backwards).then_some(1)
    });
    let mut pages: Vec<NextPage> = Vec::new();
    for link in &links {
        let number = number_of(link)
            .or_else(|| is_next_label(&link.label).then(|| current.map(|c| c + 1))?);
        if number.is_some() && number == current {
            continue;
        }
        let mut form = fields.clone();
        set_field(&mut form, EVENT_ARGUMENT, &link.argument);
        set_field(&mut form, EVENT_TARGET, &link.target);
        let request = PageRequest::Post {
            url: action.clone(),
            form,
            charset: (base.encoding != encoding_rs::UTF_8).then_some(base.encoding),
        };
        if pages.iter().any(|p| p.request == request) {
            continue;
        }
        pages.push(NextPage { request, number });
    }
    (current, pages)
}

/// Sets `name` to `value`, or puts it first where the form lacks it (ASP.NET renders both event
/// fields first, as hidden inputs, when a page has postback links).
fn set_field(form: &mut Vec<(String, String)>, name: &str, value: &str) {
    match form.iter_mut().find(|(k, _)| k == name) {
        Some(field) => field.1 = value.to_string(),
        None => form.insert(0, (name.to_string(), value.to_string())),
    }
}

/// The URL a form posts to and the fields a browser would send with it. The form is the one
/// around the link, else the one holding the view state. Where the parser closed the form early
/// (a `<form>` between table rows stays empty in the tree), its fields are every field of the
/// page outside other forms.
fn form_of(
    doc: &Html,
    link: ElementRef<'_>,
    page_url: &url::Url,
    base: &LinkBase,
) -> Option<(url::Url, Vec<(String, String)>)> {
    let around = link
        .ancestors()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "form");
    let forms: Vec<ElementRef<'_>> = crate::page::select(doc, &FORMS).collect();
    let holds_view_state = |form: &ElementRef<'_>| {
        form.select(&FIELDS)
            .any(|f| f.value().attr("name") == Some(VIEW_STATE))
    };
    let form = around
        .filter(holds_view_state)
        .or_else(|| forms.iter().copied().find(holds_view_state))
        .or(around)
        .or_else(|| {
            forms.iter().copied().find(|f| {
                f.value()
                    .attr("method")
                    .is_some_and(|m| m.eq_ignore_ascii_case("post"))
            })
        })?;
    let fields: Vec<(String, String)> = if holds_view_state(&form) {
        form.select(&FIELDS).filter_map(field).collect()
    } else {
        // The form's fields are its siblings in the tree: take those of no other form.
        crate::page::select(doc, &FIELDS)
            .filter(|f| {
                f.ancestors()
                    .filter_map(ElementRef::wrap)
                    .find(|e| e.value().name() == "form")
                    .is_none_or(|owner| owner == form)
            })
            .filter_map(field)
            .collect()
    };
    let size: usize = fields.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    if size > MAX_FORM_BYTES || !fields.iter().any(|(k, _)| k == VIEW_STATE) {
        return None;
    }
    let action = form
        .value()
        .attr("action")
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map_or_else(|| Some(page_url.clone()), |a| resolve(base, a))?;
    Some((action, fields))
}

/// The name and value a browser sends for one field: text and hidden inputs, checked boxes, a
/// select's chosen option, a text area; never buttons or files.
fn field(element: ElementRef<'_>) -> Option<(String, String)> {
    let e = element.value();
    let name = e.attr("name")?.to_string();
    let value = match e.name() {
        "input" => {
            let kind = e.attr("type").unwrap_or("text").to_ascii_lowercase();
            match kind.as_str() {
                "submit" | "button" | "image" | "reset" | "file" => return None,
                "checkbox" | "radio" if e.attr("checked").is_none() => return None,
                "checkbox" | "radio" => e.attr("value").unwrap_or("on").to_string(),
                _ => e.attr("value").unwrap_or("").to_string(),
            }
        }
        "select" => {
            let options: Vec<ElementRef<'_>> = element.select(&OPTIONS).collect();
            let chosen = options
                .iter()
                .find(|o| o.value().attr("selected").is_some())
                .or(options.first())?;
            chosen
                .value()
                .attr("value")
                .map(str::to_string)
                .unwrap_or_else(|| chosen.text().collect::<String>().trim().to_string())
        }
        _ => element.text().collect(),
    };
    Some((name, value))
}
