//! Variants of the real pages (`../shared/real-pages*` with an `.expected.json`), made at test
//! time: each page re-encoded, relabelled, converted to Traditional or with its markup changed as
//! a careful reader would still read the same way, then read by `page::analyse` and compared with
//! what the page itself reads as; and the challenge pages changed the same way, each still a
//! challenge. README "Development" lists the variants.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod hant_support;
mod page_variants_support;

use std::path::{Path, PathBuf};

use encoding_rs::{BIG5, Encoding, GB18030, GBK};
use nianbao::page::{PageInput, PageRole, View, analyse};
use serde_json::Value;
use url::Url;

fn pages() -> Vec<(PathBuf, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let mut out = Vec::new();
    for dir in ["real-pages", "real-pages-2"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.path().to_string_lossy().to_string();
            if let Some(stem) = name.strip_suffix(".expected.json") {
                let want: Value = serde_json::from_str(
                    &std::fs::read_to_string(&name).unwrap_or_else(|e| panic!("{name}: {e}")),
                )
                .unwrap_or_else(|e| panic!("{name}: {e}"));
                out.push((PathBuf::from(format!("{stem}.html")), want));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// What a reader says of a page: its kind and, for an item, its fields; for a list, its items.
fn summary(url: &Url, content_type: Option<&str>, body: &[u8]) -> String {
    let input = PageInput {
        url,
        status: 200,
        content_type,
        body,
    };
    let role = PageRole::Guess {
        portal_name: String::new(),
    };
    let a = analyse(input, &role);
    let view = match &a.view {
        View::Item { metadata: m, .. } => format!(
            "item title={:?} issuer={:?} index={:?} doc={:?} date={:?} year={:?} annual={} att={}",
            m.title,
            m.issuing_body,
            m.index_number,
            m.doc_number,
            m.publish_date,
            m.report_year,
            m.is_annual_report,
            m.attachments.len()
        ),
        View::List(l) => {
            let mut urls: Vec<String> = l.items.iter().map(|i| i.url.to_string()).collect();
            urls.sort();
            let titles: Vec<String> = l
                .items
                .iter()
                .map(|i| i.title.clone().unwrap_or_default())
                .collect();
            format!(
                "list items={} next={} urls={urls:?} titles={titles:?}",
                l.items.len(),
                l.next_pages.len()
            )
        }
        View::Nothing => "nothing".into(),
        View::Unusable(s) => format!("unusable {s}"),
    };
    format!("{:?} {view}", a.kind)
}

fn encode(text: &str, enc: &'static Encoding) -> Vec<u8> {
    enc.encode(text).0.into_owned()
}

/// The page with every `charset=` label in its markup said as `label` (or removed when empty).
fn relabel(text: &str, label: &str) -> String {
    let re = regex::Regex::new(r#"(?i)<meta[^>]*charset\s*=\s*["']?[\w-]+["']?[^>]*>"#)
        .expect("a valid pattern");
    let replacement = if label.is_empty() {
        String::new()
    } else {
        format!(r#"<meta charset="{label}">"#)
    };
    let out = re.replace_all(text, replacement.as_str()).into_owned();
    if label.is_empty() || out != text {
        out
    } else {
        out.replacen("<head>", &format!("<head>{replacement}"), 1)
    }
}

struct Variant {
    name: String,
    content_type: Option<String>,
    body: Vec<u8>,
    /// The variant is in Traditional: compare with the page's answer converted.
    traditional: bool,
}

fn v(name: &str, ct: Option<&str>, body: Vec<u8>) -> Variant {
    Variant {
        name: name.into(),
        content_type: ct.map(str::to_string),
        body,
        traditional: false,
    }
}

/// A change to a page's markup.
type Rewrite = fn(&str) -> String;

fn variants(text: &str) -> Vec<Variant> {
    let mut out = Vec::new();
    let gbk = |t: &str| encode(t, GBK);
    out.push(v("gbk label right", None, gbk(&relabel(text, "gbk"))));
    out.push(v("gbk label missing", None, gbk(&relabel(text, ""))));
    out.push(v("gbk says utf-8", None, gbk(&relabel(text, "utf-8"))));
    out.push(v("utf-8 says gbk", None, relabel(text, "gbk").into_bytes()));
    out.push(v(
        "gbk header gbk meta utf-8",
        Some("text/html; charset=gbk"),
        gbk(&relabel(text, "utf-8")),
    ));
    out.push(v(
        "gbk header only",
        Some("text/html; charset=GBK"),
        gbk(&relabel(text, "")),
    ));
    out.push(v(
        "gb18030 label right",
        None,
        encode(&relabel(text, "gb18030"), GB18030),
    ));
    out.push(v(
        "gb2312 label, gb18030 bytes",
        None,
        encode(&relabel(text, "gb2312"), GB18030),
    ));
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend(relabel(text, "gbk").into_bytes());
    out.push(v("utf-8 bom says gbk", None, bom));
    // The test table writes 构 as 搆 (fast2s reads 搆 as 构); portals and OpenCC write 構.
    let hant = hant_support::to_traditional(text).replace('搆', "構");
    let mut t = |name: &str, ct: Option<&str>, body: Vec<u8>| {
        let mut x = v(name, ct, body);
        x.traditional = true;
        out.push(x);
    };
    t(
        "traditional utf-8",
        None,
        relabel(&hant, "utf-8").into_bytes(),
    );
    t(
        "traditional big5 label right",
        None,
        encode(&relabel(&hant, "big5"), BIG5),
    );
    t(
        "traditional big5 label missing",
        None,
        encode(&relabel(&hant, ""), BIG5),
    );
    t(
        "traditional big5 header only",
        Some("text/html; charset=big5"),
        encode(&relabel(&hant, ""), BIG5),
    );
    let markup: &[(&str, Rewrite)] = &[
        ("label split by span", |t| {
            t.replace("发布机构", "发布<span>机构</span>")
                .replace("索引号", "索<span>引</span>号")
                .replace("发文字号", "发文<span>字号</span>")
                .replace("成文日期", "成文<b>日期</b>")
        }),
        ("nbsp after colon", |t| t.replace("：", "：&nbsp;")),
        ("ideographic space after colon", |t| {
            t.replace("：", "：&#12288;")
        }),
        ("zero-width space after colon", |t| {
            t.replace("：", "：\u{200B}")
        }),
        ("zero-width space in label", |t| {
            t.replace("索引号", "索\u{200B}引号")
                .replace("发布机构", "发布\u{200B}机构")
        }),
        ("stray </html> after body", |t| {
            t.replacen("<body", "</html><body", 1)
        }),
        ("comment holding markup", |t| {
            t.replacen(
                "<body>",
                "<body><!-- <div>索引号：BAD-0000</div><h1>BAD 2001年政府信息公开工作年度报告</h1> -->",
                1,
            )
        }),
        ("noscript holding text", |t| {
            t.replacen(
                "</body>",
                "<noscript><p>请开启JavaScript</p></noscript></body>",
                1,
            )
        }),
        ("CDATA in body", |t| {
            t.replacen("</body>", "<![CDATA[ <p>x</p> ]]></body>", 1)
        }),
        ("unclosed p and td", |t| {
            t.replace("</p>", "").replace("</td>", "")
        }),
        ("crlf line ends", |t| t.replace('\n', "\r\n")),
        ("one line", |t| t.replace(['\n', '\r'], " ")),
    ];
    for (name, f) in markup {
        out.push(v(name, None, f(text).into_bytes()));
    }
    out
}

/// Each real page and what it reads as, with its variants and what each reads as.
fn read_variants(make: impl Fn(&str) -> Vec<Variant>) -> Vec<(String, String, String, bool)> {
    let mut out = Vec::new();
    let found = pages();
    assert!(
        found.len() >= 12,
        "the real pages must be there, found {}",
        found.len()
    );
    for (path, want) in found {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let url = Url::parse(want["url"].as_str().expect("expected files state the url"))
            .unwrap_or_else(|e| panic!("{name}: url: {e}"));
        let text = String::from_utf8_lossy(&body).into_owned();
        let base = summary(&url, Some("text/html"), &body);
        let hant_base = hant_support::to_traditional(&base).replace('搆', "構");
        for var in make(&text) {
            let ct = var.content_type.as_deref().or(Some("text/html"));
            let got = summary(&url, ct, &var.body);
            let same = got == base || (var.traditional && got == hant_base);
            out.push((format!("{name}: {}", var.name), base.clone(), got, same));
        }
    }
    out
}

/// Asserts that every one of `rows` (from `read_variants`) read as its page, and that there are at
/// least `at_least` (`what` made them), printing each that did not and the counts.
fn read_alike(rows: &[(String, String, String, bool)], at_least: usize, what: &str) {
    let wrong: Vec<_> = rows.iter().filter(|r| !r.3).collect();
    for (name, base, got, _) in &wrong {
        println!("WRONG {name}\n  page    {base}\n  variant {got}");
    }
    println!(
        "{} variants read as their page, {} not",
        rows.len() - wrong.len(),
        wrong.len()
    );
    assert!(rows.len() >= at_least, "{what}: {} variants", rows.len());
    assert!(
        wrong.is_empty(),
        "variants read otherwise than their page (above)"
    );
}

/// Every page re-encoded (GBK, GB18030, Big5 in Traditional) with its label right, missing or
/// lying in the meta tag, the header or both, behind a BOM that the label contradicts; in
/// Traditional; with its labels split by tags or spaced by `&nbsp;`, U+3000 or U+200B; with
/// markup a browser mends (a stray `</html>`, a comment holding a fake 索引号 and title,
/// `<noscript>`, CDATA, unclosed `<p>` and `<td>`, CRLF, one line): read as the page itself.
#[test]
fn every_variant_of_every_real_page_reads_as_the_page() {
    read_alike(
        &read_variants(variants),
        12 * 20,
        "every page has its variants",
    );
}

/// A header, menu or layout table whose end tag a template lost holds the rest of the page, its
/// footer too: its text is the page's own. Each page with the first `<div>` whose class or id
/// says header (nav, menu, footer) left open, and with its first `<table>` left open (a layout
/// header): read as the page itself. Before the fix a report page with a weather widget's
/// `<iframe>` in its header read as a shell list of that widget (03, 12), an item took a frame as
/// its article (01, 04), and a list took its header's links as entries (06).
#[test]
fn a_header_div_left_open_reads_as_the_page() {
    let rows = read_variants(|text| {
        let mut out = Vec::new();
        for (name, marks) in [
            ("header div left open", "header|head|top"),
            ("nav div left open", "nav"),
            ("menu div left open", "menu"),
            ("footer div left open", "footer|foot"),
        ] {
            out.push(v(name, None, left_open(text, "div", marks).into_bytes()));
        }
        out.push(v(
            "layout header table left open",
            None,
            open_header_table(text).into_bytes(),
        ));
        out
    });
    read_alike(&rows, 12 * 5, "every page has its variants");
}

/// The page with its first `<tag>` whose class or id holds one of `marks` (`a|b`) left open:
/// its end tag dropped.
fn left_open(text: &str, tag: &str, marks: &str) -> String {
    let re = regex::Regex::new(&format!(
        r#"<{tag}[^>]*(?:class|id)="[^"]*(?:{marks})[^"]*""#
    ))
    .expect("valid");
    let Some(m) = re.find(text) else {
        return text.to_string();
    };
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut depth = 0usize;
    let mut i = m.start();
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with(&open) {
            depth += 1;
        } else if rest.starts_with(&close) {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return format!("{}{}", &text[..i], &text[i + close.len()..]);
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    text.to_string()
}

/// The page under a layout table's header cell that is never closed (`<table class="header">
/// <tr><td>` and no `</td></tr></table>`): the rest of the page is in that cell.
fn open_header_table(text: &str) -> String {
    let re = regex::Regex::new(r"(?i)<body[^>]*>").expect("valid");
    let Some(m) = re.find(text) else {
        return text.to_string();
    };
    format!(
        "{}<table class=\"header\" width=\"100%\"><tr><td><a href=\"/\">网站首页</a>{}",
        &text[..m.end()],
        &text[m.end()..]
    )
}

fn kind_of(status: u16, body: &[u8]) -> String {
    let url = Url::parse("http://127.0.0.1/xxgk/ndbg/t20240120_1.html").expect("valid URL");
    let a = analyse(
        PageInput {
            url: &url,
            status,
            content_type: Some("text/html"),
            body,
        },
        &PageRole::Item {
            evidence: Default::default(),
            portal_name: String::new(),
        },
    );
    format!("{:?}", a.kind)
}

/// The challenge pages among the real pages, their whitespace changed, scripts reordered, in
/// Traditional (UTF-8 and Big5), under a report's title and heading, at their status and at 200:
/// each is a challenge, never content to archive.
#[test]
fn challenge_variants_stay_challenges() {
    let mut seen = 0;
    let mut missed = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/real-pages");
    let title = regex::Regex::new(r"(?is)<title>.*?</title>").expect("valid");
    let script = regex::Regex::new(r"(?is)<script.*?</script>").expect("valid");
    for entry in std::fs::read_dir(root).expect("real pages").flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        if !(name.contains("challenge") || name.starts_with("waf")) {
            continue;
        }
        let text =
            String::from_utf8_lossy(&std::fs::read(entry.path()).expect("read")).into_owned();
        let status = if name.contains("412") { 412 } else { 200 };
        let scripts: Vec<&str> = script.find_iter(&text).map(|m| m.as_str()).collect();
        let mut reordered = script.replace_all(&text, "\u{1}").into_owned();
        for s in scripts.iter().rev() {
            reordered = reordered.replacen('\u{1}', s, 1);
        }
        let report_title = "<title>某县人民政府2023年政府信息公开工作年度报告</title>";
        let variants: Vec<(&str, String)> = vec![
            ("as saved", text.clone()),
            (
                "whitespace collapsed",
                text.split_whitespace().collect::<Vec<_>>().join(" "),
            ),
            (
                "whitespace doubled",
                text.replace('\n', "\n\n   ").replace("><", ">\n\t<"),
            ),
            ("scripts reordered", reordered),
            ("traditional", hant_support::to_traditional(&text)),
            (
                "report title",
                title.replace_all(&text, report_title).into_owned(),
            ),
            (
                "report title, added h1",
                title.replace_all(&text, report_title).replacen(
                    "<body>",
                    "<body><h1>某县人民政府2023年政府信息公开工作年度报告</h1>",
                    1,
                ),
            ),
        ];
        let big5 = encode(&hant_support::to_traditional(&text), BIG5);
        let variants = variants
            .into_iter()
            .map(|(n, t)| (n, t.into_bytes()))
            .chain([("big5 traditional", big5)]);
        for (vname, body) in variants {
            for st in [status, 200] {
                let k = kind_of(st, &body);
                seen += 1;
                if !k.starts_with("Challenge") {
                    missed.push(format!("{name} {vname} at {st}: {k}"));
                }
            }
        }
    }
    assert!(
        seen >= 5 * 16,
        "the challenge pages must be there: {seen} variants"
    );
    assert!(
        missed.is_empty(),
        "challenge variants read as something else: {missed:#?}"
    );
}
