//! More variants of the real pages for `tests/page_variants.rs`: the links an item page offers
//! written as portals write them (`<base href>`, `javascript:`/`data:`/`mailto:`, padded, past
//! the root, on an IDN or files host, in `onclick`, twice), and the metadata table rewritten as
//! `<dl>`, `<ul><li>` and `<p>` lines; a list's entry links given a fragment, padded or given
//! twice. Each is checked against what a careful reader finds.

use nianbao::page::{PageInput, PageRole, View, analyse};
use url::Url;

use super::{pages, summary};

/// The attachment URLs a page is read to offer, in page order.
fn attachments(url: &Url, body: &[u8]) -> Vec<String> {
    let input = PageInput {
        url,
        status: 200,
        content_type: Some("text/html"),
        body,
    };
    let role = PageRole::Guess {
        portal_name: String::new(),
    };
    match analyse(input, &role).view {
        View::Item { metadata, .. } => metadata
            .attachments
            .iter()
            .map(|a| a.url.to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// The page with `snippet` just before its `</body>` and `head` at the start of its `<head>`
/// (of the page, for a fragment without one).
fn with_links(text: &str, head: &str, snippet: &str) -> String {
    let text = match text.find("<head>") {
        Some(at) => format!("{}{head}{}", &text[..at + 6], &text[at + 6..]),
        None => format!("{head}{text}"),
    };
    match text.rfind("</body>") {
        Some(at) => format!("{}{snippet}{}", &text[..at], &text[at..]),
        None => format!("{text}{snippet}"),
    }
}

/// A link case: what goes in the head and the body, and the attachments a careful reader finds,
/// as URLs relative to the page (none: the link leads to no file).
struct LinkCase {
    name: &'static str,
    head: &'static str,
    body: &'static str,
    found: &'static [&'static str],
}

const PDF: &str = "/upload/2024/nb.pdf";

fn link_cases() -> Vec<LinkCase> {
    let case = |name, head, body, found| LinkCase {
        name,
        head,
        body,
        found,
    };
    vec![
        case(
            "plain",
            "",
            r#"<p><a href="/upload/2024/nb.pdf">年报.pdf</a></p>"#,
            &[PDF],
        ),
        case(
            "space-padded href",
            "",
            "<p><a href=\"  /upload/2024/nb.pdf \n\">年报.pdf</a></p>",
            &[PDF],
        ),
        case(
            "twice, with a fragment",
            "",
            r#"<p><a href="/upload/2024/nb.pdf">年报.pdf</a> <a href="/upload/2024/nb.pdf#page=2">年报.pdf</a></p>"#,
            &[PDF],
        ),
        case(
            "dot-dot past the root",
            "",
            r#"<p><a href="../../../../../../upload/2024/nb.pdf">年报.pdf</a></p>"#,
            &[PDF],
        ),
        case(
            "relative base",
            r#"<base href="/upload/2024/">"#,
            r#"<p><a href="nb.pdf">年报.pdf</a></p>"#,
            &[PDF],
        ),
        case(
            "absolute base, relative link",
            r#"<base href="http://files.example.gov.cn/upload/2024/">"#,
            r#"<p><a href="nb.pdf">年报.pdf</a></p>"#,
            &["http://files.example.gov.cn/upload/2024/nb.pdf"],
        ),
        case(
            "files host",
            "",
            r#"<p><a href="https://files.example.gov.cn/upload/2024/nb.pdf">年报.pdf</a></p>"#,
            &["https://files.example.gov.cn/upload/2024/nb.pdf"],
        ),
        case(
            "IDN files host",
            "",
            r#"<p><a href="http://文件.政府.中国/nb.pdf">年报.pdf</a></p>"#,
            &["http://文件.政府.中国/nb.pdf"],
        ),
        case(
            "onclick opens the file",
            "",
            r#"<p><a href="javascript:void(0)" onclick="window.open('/upload/2024/nb.pdf')">年报</a></p>"#,
            &[PDF],
        ),
        case(
            "javascript, data and mailto links",
            "",
            r#"<p><a href="javascript:void(0)">年报.pdf</a> <a href="data:application/pdf;base64,JVBERi0=">年报.pdf</a> <a href="mailto:gk@example.gov.cn">年报.pdf</a></p>"#,
            &[],
        ),
        case(
            "percent garbage",
            "",
            r#"<p><a href="/upload/2024/nb%zz%E5.pdf">年报.pdf</a></p>"#,
            &["/upload/2024/nb%zz%E5.pdf"],
        ),
    ]
}

/// Every real item page with a file link written each way portals write one reads as the page
/// with that attachment (or none, for links that lead to no file), and nothing else changes.
#[test]
fn links_written_every_way_read_as_a_careful_reader_reads_them() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for (path, want) in pages() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let url = Url::parse(want["url"].as_str().expect("expected files state the url"))
            .unwrap_or_else(|e| panic!("{name}: url: {e}"));
        let base = summary(&url, Some("text/html"), &body);
        if !base.contains(" item ") || !attachments(&url, &body).is_empty() {
            continue;
        }
        let text = String::from_utf8_lossy(&body).into_owned();
        for case in link_cases() {
            let variant = with_links(&text, case.head, case.body);
            let found: Vec<String> = case
                .found
                .iter()
                .map(|f| {
                    url.join(f)
                        .map_or_else(|e| format!("{f}: {e}"), String::from)
                })
                .collect();
            let got = attachments(&url, variant.as_bytes());
            let reading = summary(&url, Some("text/html"), variant.as_bytes());
            let expected = base.replace(" att=0", &format!(" att={}", found.len()));
            checked += 1;
            if got != found || reading != expected {
                wrong.push(format!(
                    "{name}: {}\n  want {found:?}\n  got  {got:?}\n  page    {expected}\n  variant {reading}",
                    case.name
                ));
            }
        }
    }
    assert!(checked >= 8 * 11, "the item pages must be there: {checked}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A way to print a metadata table's label and value pairs.
#[derive(Clone, Copy)]
enum Form {
    Dl,
    Ul,
    Lines,
}

fn print_pairs(pairs: &[(String, String)], form: Form) -> String {
    let each = |f: &dyn Fn(&str, &str) -> String| -> String {
        pairs.iter().map(|(l, v)| f(l, v)).collect::<String>()
    };
    match form {
        Form::Dl => format!(
            "<dl>{}</dl>",
            each(&|l, v| format!("<dt>{l}：</dt><dd>{v}</dd>"))
        ),
        Form::Ul => format!("<ul>{}</ul>", each(&|l, v| format!("<li>{l}：{v}</li>"))),
        Form::Lines => each(&|l, v| format!("<p>{l}：{v}</p>\n")),
    }
}

/// The label and value pairs `pair` finds in `block`, the label's colon dropped.
fn pairs_in(block: &str, pair: &regex::Regex) -> Vec<(String, String)> {
    pair.captures_iter(block)
        .map(|c| {
            let label = c[1].trim().trim_end_matches([':', '：']).trim().to_string();
            (label, c[2].trim().to_string())
        })
        .collect()
}

/// The page with its metadata table (the gov.cn `<table class="bd1">` of `<td><b>label：</b>`
/// cells, the UCAP `<dl>` of `<label>` and `display-block` values, or `<p><strong>label</strong>：`
/// lines) printed in `form`; `None` for a page with none of these.
fn rewrite_metadata(text: &str, form: Form) -> Option<String> {
    let re = |p: &str| regex::Regex::new(p).expect("a valid pattern");
    let tables = [
        (
            re(r#"(?s)<table[^>]*class="bd1"[^>]*>.*?</table>"#),
            re(r"(?s)<td[^>]*>\s*<b>([^<]+?)</b>\s*</td>\s*<td[^>]*>(.*?)</td>"),
        ),
        (
            re(r#"(?s)<dl class="clearfix">.*?</dl>"#),
            re(
                r#"(?s)<label><font>([^<]+?)</font></label>\s*<div class="display-block">(.*?)</div>"#,
            ),
        ),
    ];
    for (block, pair) in &tables {
        if let Some(m) = block.find(text) {
            let pairs = pairs_in(m.as_str(), pair);
            if !pairs.is_empty() {
                let printed = print_pairs(&pairs, form);
                return Some(format!(
                    "{}{printed}{}",
                    &text[..m.start()],
                    &text[m.end()..]
                ));
            }
        }
    }
    let line = re(r"<p><strong>([^<]+)</strong>：(.*?)</p>");
    line.is_match(text).then(|| {
        line.replace_all(text, |c: &regex::Captures<'_>| {
            print_pairs(&[(c[1].to_string(), c[2].to_string())], form)
        })
        .into_owned()
    })
}

/// Every real page whose metadata is a table of labelled cells, a `<dl>` of labels or labelled
/// lines, with that metadata printed as a `<dl>`, a `<ul>` of `<li>` and `<p>` lines (full-width
/// colons), reads as the page: title, issuer, 索引号, 文号, date and year.
#[test]
fn a_metadata_table_printed_as_dl_ul_or_lines_reads_as_the_page() {
    let forms = [
        ("metadata as dl", Form::Dl),
        ("metadata as ul li", Form::Ul),
        ("metadata as p lines", Form::Lines),
    ];
    let rows = super::read_variants(|text| {
        forms
            .iter()
            .filter_map(|(name, form)| {
                let body = rewrite_metadata(text, *form)?;
                Some(super::v(name, None, body.into_bytes()))
            })
            .collect()
    });
    // 01, 03, 04 (UCAP), 05 (lines), 09 and 10 (gov.cn table).
    super::read_alike(&rows, 6 * 3, "the metadata was rewritten");
}

/// The URLs of the entries a page is read to list.
fn entries(url: &Url, body: &[u8]) -> Vec<Url> {
    let input = PageInput {
        url,
        status: 200,
        content_type: Some("text/html"),
        body,
    };
    let role = PageRole::Guess {
        portal_name: String::new(),
    };
    match analyse(input, &role).view {
        View::List(list) => list.items.iter().map(|i| i.url.clone()).collect(),
        _ => Vec::new(),
    }
}

/// Every real list page with each entry's link given a fragment, padded with spaces, or given
/// twice (the second time with a fragment) lists the same entries.
#[test]
fn entry_links_with_fragments_padding_or_twice_list_the_same_entries() {
    let anchor =
        regex::Regex::new(r#"(?s)<a\s[^>]*?href="([^"]+)"[^>]*>.*?</a>"#).expect("a valid pattern");
    let rows = super::read_variants(|text| {
        let Some(url) = super::pages()
            .into_iter()
            .find(|(p, _)| std::fs::read(p).is_ok_and(|b| String::from_utf8_lossy(&b) == text))
            .and_then(|(_, want)| want["url"].as_str().and_then(|u| Url::parse(u).ok()))
        else {
            return Vec::new();
        };
        let listed = entries(&url, text.as_bytes());
        let is_entry = |href: &str| url.join(href.trim()).is_ok_and(|u| listed.contains(&u));
        let rewrite = |f: &dyn Fn(&regex::Captures<'_>) -> String| {
            anchor
                .replace_all(text, |c: &regex::Captures<'_>| {
                    if is_entry(&c[1]) {
                        f(c)
                    } else {
                        c[0].to_string()
                    }
                })
                .into_owned()
        };
        let fragment = rewrite(&|c| c[0].replacen(&c[1], &format!("{}#content", &c[1]), 1));
        let padded = rewrite(&|c| c[0].replacen(&c[1], &format!("  {}\n", &c[1]), 1));
        let twice = rewrite(&|c| {
            let again = c[0].replacen(&c[1], &format!("{}#top", &c[1]), 1);
            format!("{} {again}", &c[0])
        });
        if fragment == text {
            return Vec::new();
        }
        vec![
            super::v("entry links with a fragment", None, fragment.into_bytes()),
            super::v("entry links padded", None, padded.into_bytes()),
            super::v("entry links twice", None, twice.into_bytes()),
        ]
    });
    // 06 and 08 list entries.
    super::read_alike(&rows, 2 * 3, "entry links were rewritten");
}
