//! Bounded parsing: html5ever with limits on what a hostile page can make it do. The HTML tree
//! builder checks "has an element in scope" by walking the stack of open elements, so a page of
//! 50,000 nested `<div>`s costs it billions of steps, and every tree walk after it goes as deep.
//! Like browsers (Blink stops nesting at 512), markup deeper than `MAX_DEPTH` is flattened before
//! the parser sees it: an element past the limit becomes the sibling of the deepest element
//! instead of its child. Every element and all text are kept; only nesting goes.

mod scan;

use scraper::Html;

use scan::scan;

/// Deepest nesting of elements the parser is given; deeper elements become siblings.
pub const MAX_DEPTH: usize = 512;
/// Largest decoded text parsed as HTML (bytes). Real report and list pages are far below it.
pub const MAX_PARSE_BYTES: usize = 16 * 1024 * 1024;
/// Most start tags a parsed page may hold (a list of 200,000 links has about 600,000).
pub const MAX_TAGS: usize = 2_000_000;
/// Longest start tag (name and attributes) given to the parser; a longer one keeps the
/// attributes that fit.
pub const MAX_TAG_BYTES: usize = 32 * 1024;
/// Formatting elements (`<b>`, `<font>` ...) open at once before further ones are left out.
pub const MAX_OPEN_FORMATTING: usize = 12;
/// Most copies of open formatting elements the parser may be led to make. Each formatting
/// element left open is copied into every paragraph after it: twelve `<font size=N>` before
/// 1.4 million `<p>x` (a 5.6 MB page) made 18 million nodes and 5 GB, and aborted the crawl.
/// A page that would pass this is parsed without its formatting elements (their text stays).
pub const MAX_FORMATTING_COPIES: usize = 1_000_000;
/// A limit that stopped a page from being parsed at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The decoded text is larger than `MAX_PARSE_BYTES`.
    TextSize { bytes: usize },
    /// The page holds more than `MAX_TAGS` tags.
    Tags { tags: usize },
}

impl Bound {
    /// A short stable name for run reports and URL states.
    pub fn name(&self) -> &'static str {
        match self {
            Bound::TextSize { .. } => "text_size",
            Bound::Tags { .. } => "tag_count",
        }
    }
}

impl std::fmt::Display for Bound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Bound::TextSize { bytes } => write!(
                f,
                "{bytes} bytes of text, more than the {MAX_PARSE_BYTES} parsed as HTML"
            ),
            Bound::Tags { tags } => write!(f, "{tags} start tags, more than the {MAX_TAGS} parsed"),
        }
    }
}

/// A parsed page and whether its markup was rewritten to fit the bounds (nesting flattened to
/// `MAX_DEPTH`, start tags cut to `MAX_TAG_BYTES`).
pub struct Parsed {
    pub doc: Html,
    pub flattened: bool,
}

/// Parses `html` within the bounds.
pub fn parse(html: &str) -> Result<Parsed, Bound> {
    if html.len() > MAX_PARSE_BYTES {
        return Err(Bound::TextSize { bytes: html.len() });
    }
    let counts = scan(html, None, MAX_OPEN_FORMATTING);
    if counts.tags > MAX_TAGS {
        return Err(Bound::Tags { tags: counts.tags });
    }
    let copies_bounded = counts.formatting_copies <= MAX_FORMATTING_COPIES;
    if counts.max_depth <= MAX_DEPTH
        && counts.long_tags == 0
        && counts.formatting_left_out == 0
        && copies_bounded
    {
        return Ok(Parsed {
            doc: Html::parse_document(html),
            flattened: false,
        });
    }
    let formatting_cap = if copies_bounded {
        MAX_OPEN_FORMATTING
    } else {
        0
    };
    let mut flat = String::with_capacity(html.len());
    scan(html, Some(&mut flat), formatting_cap);
    Ok(Parsed {
        doc: Html::parse_document(&flat),
        flattened: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize, inner: &str) -> String {
        format!(
            "<html><body>{}{inner}{}</body></html>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        )
    }

    fn depth_of(doc: &Html) -> usize {
        let mut deepest = 0;
        let mut stack = vec![(doc.tree.root(), 0usize)];
        while let Some((node, depth)) = stack.pop() {
            deepest = deepest.max(depth);
            stack.extend(node.children().map(|c| (c, depth + 1)));
        }
        deepest
    }

    #[test]
    fn shallow_pages_are_parsed_as_they_are() {
        let html = nested(40, "<p>正文</p>");
        let parsed = parse(&html).expect("within bounds");
        assert!(!parsed.flattened);
        assert!(depth_of(&parsed.doc) > 40);
    }

    #[test]
    fn deep_nesting_is_flattened_and_keeps_the_text() {
        let html = nested(50_000, "<p>阿图什市2017年度政府信息公开年度报告</p>");
        let parsed = parse(&html).expect("within bounds");
        assert!(parsed.flattened);
        let depth = depth_of(&parsed.doc);
        assert!(depth <= MAX_DEPTH + 8, "depth {depth}");
        let text: String = parsed.doc.root_element().text().collect();
        assert!(text.contains("阿图什市2017年度政府信息公开年度报告"));
    }

    #[test]
    fn unclosed_list_items_and_paragraphs_add_no_depth() {
        let html = format!("<ul>{}</ul>", "<li><a href=a>x</a>".repeat(5_000));
        let scan = scan(&html, None, MAX_OPEN_FORMATTING);
        assert!(scan.max_depth < 4, "depth {}", scan.max_depth);
    }

    #[test]
    fn tags_inside_comments_scripts_and_attributes_do_not_count() {
        let html = format!(
            "<!-- {} --><script>{}</script><div title=\"{}\">x</div>",
            "<div>".repeat(1000),
            "<div>".repeat(1000),
            "<div>".repeat(1000)
        );
        let scan = scan(&html, None, MAX_OPEN_FORMATTING);
        assert_eq!(scan.max_depth, 1);
    }

    #[test]
    fn stray_end_tags_do_not_unwind_the_stack() {
        let html = format!("{}{}", "<div>".repeat(600), "</span>".repeat(10_000));
        assert_eq!(scan(&html, None, MAX_OPEN_FORMATTING).max_depth, 600);
    }

    #[test]
    fn overlong_tags_keep_the_attributes_that_fit() {
        let attributes: String = (0..100_000)
            .map(|i| format!(" data-a{i}=\"v>{i}\""))
            .collect();
        let html = format!(
            "<html><head><title>报告</title></head><body><div id=main{attributes}><p>正文</p></div><img{attributes}></body></html>"
        );
        let parsed = parse(&html).expect("within bounds");
        assert!(parsed.flattened, "the markup was rewritten");
        let selector = scraper::Selector::parse("#main").expect("valid selector");
        let main = crate::page::select(&parsed.doc, &selector)
            .next()
            .expect("the tag keeps its first attributes");
        assert!(main.value().attrs().count() < 3_000);
        assert_eq!(main.value().attr("data-a1"), Some("v>1"));
        let text: String = parsed.doc.root_element().text().collect();
        assert!(text.contains("正文") && !text.contains("v>99999"), "{text}");
    }

    #[test]
    fn thousands_of_open_formatting_elements_are_not_copied_into_every_paragraph() {
        let html = format!(
            "<html><body><p>{}开始{}</body></html>",
            (0..10_000)
                .map(|i| format!("<b class=c{i}>"))
                .collect::<String>(),
            (0..2_000)
                .map(|i| format!("</p><p>段落{i}"))
                .collect::<String>()
        );
        let parsed = parse(&html).expect("within bounds");
        assert!(parsed.flattened, "the markup was rewritten");
        let nodes = parsed.doc.tree.nodes().count();
        // Without the bound the parser builds hundreds of thousands of <b> copies.
        assert!(nodes < 100_000, "{nodes} nodes");
        let text: String = parsed.doc.root_element().text().collect();
        assert!(text.contains("开始") && text.contains("段落1999"));
        // Ordinary nesting of a few formatting elements is left alone.
        let plain = "<p><font><b><i><u><strong>重要</strong></u></i></b></font></p>";
        assert!(!parse(plain).expect("parses").flattened);
    }

    /// A few formatting elements left open before very many paragraphs (the parser copies each
    /// into every one) are left out, text kept, once the copies would pass the bound.
    #[test]
    fn a_few_open_formatting_elements_before_very_many_paragraphs_are_left_out() {
        let fonts: String = (1..=12).map(|n| format!("<font size={n}>")).collect();
        let paragraphs = MAX_FORMATTING_COPIES / 12 + 1_000;
        let html = format!(
            "<html><body><p>{fonts}开始{}</body></html>",
            "<p>x".repeat(paragraphs)
        );
        let parsed = parse(&html).expect("within bounds");
        assert!(parsed.flattened, "the markup was rewritten");
        let nodes = parsed.doc.tree.nodes().count();
        // Without the bound: a dozen <font> copies in each of the paragraphs.
        assert!(
            nodes < 3 * paragraphs,
            "{nodes} nodes for {paragraphs} paragraphs"
        );
        let text: String = parsed.doc.root_element().text().collect();
        assert!(text.contains("开始") && text.ends_with('x'));
        // The same few before a page's worth of paragraphs are left as they are.
        let html = format!(
            "<html><body><p>{fonts}开始{}</body></html>",
            "<p>x".repeat(2_000)
        );
        assert!(!parse(&html).expect("parses").flattened);
    }

    /// The end tags of elements left out or closed early are dropped from the flattened markup,
    /// whatever their case, and no others: the open and end tags it keeps still pair up.
    #[test]
    fn flattened_markup_drops_exactly_the_end_tags_of_what_it_left_out() {
        let over = MAX_OPEN_FORMATTING + 3;
        let html = format!(
            "<p>{}正文{}</p>",
            "<b>".repeat(over),
            (0..over)
                .map(|i| if i % 2 == 0 { "</b>" } else { "</B>" })
                .collect::<String>()
        );
        let mut out = String::new();
        let found = scan(&html, Some(&mut out), MAX_OPEN_FORMATTING);
        assert_eq!(found.formatting_left_out, 3);
        let opened = out.matches("<b>").count();
        assert_eq!(opened, MAX_OPEN_FORMATTING, "{out}");
        assert_eq!(
            out.to_ascii_lowercase().matches("</b>").count(),
            opened,
            "{out}"
        );

        let deep = MAX_DEPTH + 40;
        let html = format!("{}x{}", "<DIV>".repeat(deep), "</div>".repeat(deep));
        let mut out = String::new();
        scan(&html, Some(&mut out), MAX_OPEN_FORMATTING);
        let opened = out.to_ascii_lowercase().matches("<div>").count();
        assert_eq!(opened, deep);
        assert_eq!(out.to_ascii_lowercase().matches("</div>").count(), opened);
        assert!(scan(&out, None, MAX_OPEN_FORMATTING).max_depth <= MAX_DEPTH);
    }

    #[test]
    fn oversize_text_and_tag_floods_are_bounds() {
        let big = "x".repeat(MAX_PARSE_BYTES + 1);
        assert!(matches!(parse(&big), Err(Bound::TextSize { .. })));
        let flood = "<br>".repeat(MAX_TAGS + 1);
        assert!(matches!(parse(&flood), Err(Bound::Tags { .. })));
    }
}
