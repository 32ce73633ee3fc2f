//! List pages written the way portals nobody wrote a test for print them, read as the crawl reads
//! a section's page: dates printed beside the element that holds an entry's link (a `<dd>`
//! after its `<dt>`, a bare date between `<br>`s, a date inside the link's own text, a month and
//! day whose year only the entry's URL gives), year menus set in brackets, and a 下一页 that
//! links the page itself as `index.html?`. Each of these once gave a year's short list no items
//! at all (its entries read as undated, and three undated titles are no list) or a page walked
//! twice. Also: a short list whose rows print more than a title and a date (a table's 索引号 and
//! 发布机构 cells, a card's summary), which `inspect` once read as an item page. A crawl of such a
//! portal is in `discover_unseen_crawl.rs`.

mod common;
mod discover_unseen_support;

use common::pages::{read_list, traditional};
use discover_unseen_support::*;
use encoding_rs::{BIG5, GBK, UTF_8};
use nianbao::classify::PageKind;

#[test]
fn a_date_printed_beside_the_links_element_dates_its_entry() {
    let month_day = |d: &str| d[5..].to_string();
    let variants: Vec<(&str, String)> = vec![
        (
            "<dt> link, <dd> date",
            format!(
                r#"<dl class="list">{}</dl>"#,
                rows(|h, t, d| format!(r#"<dt><a href="{h}">{t}</a></dt><dd>{d}</dd>"#))
            ),
        ),
        (
            "<dt> date, <dd> link",
            format!(
                r#"<dl class="list">{}</dl>"#,
                rows(|h, t, d| format!(r#"<dt>{d}</dt><dd><a href="{h}">{t}</a></dd>"#))
            ),
        ),
        (
            "title and date divs side by side",
            format!(
                r#"<div class="list">{}</div>"#,
                rows(|h, t, d| format!(
                    r#"<div class="t"><a href="{h}">{t}</a></div><div class="d">[{d}]</div>"#
                ))
            ),
        ),
        (
            "bare dates between <br>s in one cell",
            format!(
                r#"<table><tr><td class="lb">{}</td></tr></table>"#,
                rows(|h, t, d| format!(r#"·<a href="{h}">{t}</a> {d}<br>"#))
            ),
        ),
        (
            "the date at the end of the link's text",
            format!(
                r#"<ul class="list">{}</ul>"#,
                rows(|h, t, d| format!(r#"<li><a href="{h}">{t} {d}</a></li>"#))
            ),
        ),
        (
            "the date at the start of the link's text",
            format!(
                r#"<ul class="list">{}</ul>"#,
                rows(|h, t, d| format!(r#"<li><a href="{h}">[{d}] {t}</a></li>"#))
            ),
        ),
        (
            "a month and day, the year in the URL",
            format!(
                r#"<ul class="list">{}</ul>"#,
                rows(|h, t, d| format!(
                    r#"<li><a href="{h}">{t}</a><span>{}</span></li>"#,
                    month_day(d)
                ))
            ),
        ),
        (
            "a month and day in a <dd>",
            format!(
                r#"<dl>{}</dl>"#,
                rows(|h, t, d| format!(
                    r#"<dt><a href="{h}">{t}</a></dt><dd>{}</dd>"#,
                    month_day(d)
                ))
            ),
        ),
    ];
    for (name, body) in variants {
        for (charset, encoding) in [("utf-8", UTF_8), ("gbk", GBK)] {
            let (kind, page) = read_list(PAGE_URL, &portal_page(charset, &body), encoding);
            assert_eq!(kind, PageKind::Content, "{name} ({charset})");
            assert_eq!(dated(&page), want_reports(), "{name} ({charset})");
        }
    }
}

#[test]
fn each_date_beside_a_row_goes_to_its_own_entry() {
    // Dates after their links: the first link takes the date after it, not the one before the
    // second link.
    let after = format!(
        r#"<div class="list">{}</div>"#,
        rows(|h, t, d| format!(r#"<a href="{h}">{t}</a><span>{d}</span>"#))
    );
    // Dates before their links, the list opening with a date.
    let before = format!(
        r#"<div class="list">{}</div>"#,
        rows(|h, t, d| format!(r#"<span>{d}</span><a href="{h}">{t}</a>"#))
    );
    for (name, body) in [("after", after), ("before", before)] {
        let page = read(PAGE_URL, &portal_page("utf-8", &body));
        assert_eq!(dated(&page), want_reports(), "{name}");
    }
    // A `<dt>` heading a year's `<dd>` entries is no entry's date: each keeps its own.
    let headed = format!(
        r#"<dl class="list"><dt>2024-01-01</dt>{}</dl>"#,
        rows(|h, t, d| format!(r#"<dd><a href="{h}">{t}</a><span>{d}</span></dd>"#))
    );
    let page = read(PAGE_URL, &portal_page("utf-8", &headed));
    assert_eq!(dated(&page), want_reports());
}

#[test]
fn a_month_and_day_take_no_year_the_url_does_not_give() {
    // Five reports whose URLs carry no date: the list is read (five long titles), undated, and
    // no year is guessed for `01-20`.
    let body = format!(
        r#"<ul class="list">{}</ul>"#,
        (1..=5)
            .map(|i| format!(
                r#"<li><a href="/zwgk/content_{i}.html">某某县第{i}个部门2023年政府信息公开工作年度报告</a><span>01-2{i}</span></li>"#
            ))
            .collect::<String>()
    );
    let page = read(PAGE_URL, &portal_page("utf-8", &body));
    assert_eq!(page.items.len(), 5);
    assert!(page.items.iter().all(|i| i.date.is_none()), "{page:?}");
    // A URL whose date disagrees with the printed month and day gives none either.
    let body = format!(
        r#"<ul class="list">{}</ul>"#,
        rows(|h, t, _| format!(r#"<li><a href="{h}">{t}</a><span>12-31</span></li>"#))
    );
    let page = read(PAGE_URL, &portal_page("utf-8", &body));
    assert!(page.items.iter().all(|i| i.date.is_none()), "{page:?}");
}

/// A row of a list printed from (link, title, date).
type Row = fn(&str, &str, &str) -> String;

/// A year's short list that prints only month and day (`01-20`) beside entries whose URLs carry
/// no year: the rows count as dated when the list is looked for, so two to four of them are a
/// list (they once were none: three undated titles are no list), and still no year is guessed,
/// not even from a `2023年` heading over the list (in a report column it names the reports' year,
/// and their `01-20` falls in the next).
#[test]
fn a_short_list_of_month_and_day_rows_is_a_list_with_no_dates_guessed() {
    let printed = ["01-20", "[01-20]", "1月20日", "（1/20）", "01.20"];
    let layouts: [(&str, Row); 4] = [
        ("li span", |h, t, d| {
            format!(r#"<li><a href="{h}">{t}</a><span class="date">{d}</span></li>"#)
        }),
        ("table row", |h, t, d| {
            format!(r#"<tr><td><a href="{h}">{t}</a></td><td>{d}</td></tr>"#)
        }),
        ("dt link, dd date", |h, t, d| {
            format!(r#"<dt><a href="{h}">{t}</a></dt><dd>{d}</dd>"#)
        }),
        ("p", |h, t, d| {
            format!(r#"<p><a href="{h}">{t}</a> <span>{d}</span></p>"#)
        }),
    ];
    let wrap = |layout: &str, rows: String| match layout {
        "table row" => format!(r#"<table class="list"><tbody>{rows}</tbody></table>"#),
        "dt link, dd date" => format!(r#"<dl class="list">{rows}</dl>"#),
        "p" => format!(r#"<div class="list">{rows}</div>"#),
        _ => format!(r#"<h3>2023年</h3><ul class="list">{rows}</ul>"#),
    };
    for count in 2..=4 {
        for d in printed {
            for (layout, row) in layouts {
                for (home, folder) in [("under the section", "./"), ("elsewhere", "/art/")] {
                    let rows: String = (1..=count)
                        .map(|i| {
                            row(
                                &format!("{folder}content_{i}.html"),
                                &format!("某某县第{i}批2023年政府信息公开工作年度报告"),
                                d,
                            )
                        })
                        .collect();
                    let html = portal_page("utf-8", &wrap(layout, rows));
                    let case = format!("{count} rows, {d}, {layout}, {home}");
                    for (script, html) in [
                        ("Simplified", html.clone()),
                        ("Traditional", traditional(&html)),
                    ] {
                        let encodings = if script == "Simplified" {
                            [("utf-8", UTF_8), ("gbk", GBK)]
                        } else {
                            [("utf-8", UTF_8), ("big5", BIG5)]
                        };
                        for (charset, encoding) in encodings {
                            let html = html
                                .replace("charset=\"utf-8\"", &format!("charset=\"{charset}\""));
                            let (kind, page) = read_list(PAGE_URL, &html, encoding);
                            let case = format!("{case}, {script}, {charset}");
                            assert_eq!(kind, PageKind::Content, "{case}");
                            assert_eq!(page.items.len(), count, "{case}: {page:?}");
                            assert!(
                                page.items.iter().all(|i| i.date.is_none()),
                                "{case}: {page:?}"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A sidebar of hot news dated `01-20` is not the list of a page whose own list prints no dates:
/// its five long titles stay the list.
#[test]
fn month_and_day_rows_of_a_sidebar_do_not_displace_an_undated_list() {
    let list: String = (1..=5)
        .map(|i| {
            format!(
                r#"<li><a href="/zwgk/xxgknb/2023/t{i}.html">某某县第{i}个部门2023年政府信息公开工作年度报告</a></li>"#
            )
        })
        .collect();
    let hot: String = (1..=6)
        .map(|i| {
            format!(r#"<li><a href="/news/{i}.html">召开第{i}次会议</a><span>01-2{i}</span></li>"#)
        })
        .collect();
    let body = format!(r#"<ul class="list">{list}</ul><div class="side"><ul>{hot}</ul></div>"#);
    let page = read(PAGE_URL, &portal_page("utf-8", &body));
    let urls: Vec<String> = page
        .items
        .iter()
        .map(|i| i.url.path().to_string())
        .collect();
    let want: Vec<String> = (1..=5)
        .map(|i| format!("/zwgk/xxgknb/2023/t{i}.html"))
        .collect();
    assert_eq!(urls, want);
}

#[test]
fn year_labels_set_in_brackets_are_year_sections() {
    let list = format!(
        r#"<ul class="list">{}</ul>"#,
        rows(|h, t, d| format!(r#"<li><a href="{h}">{t}</a><span>{d}</span></li>"#))
    );
    let want = vec![
        (2023, "http://www.xian.gov.cn/zwgk/xxgknb/2023/"),
        (2022, "http://www.xian.gov.cn/zwgk/xxgknb/2022/"),
        (2021, "http://www.xian.gov.cn/zwgk/xxgknb/2021/"),
    ];
    let menus = [
        ("[2023年]", "[2022年]", "[2021年]"),
        ("【2023年度】", "【2022年度】", "【二〇二一年度】"),
        ("（2023年报）", "（2022年报）", "（2021年报）"),
    ];
    for (a, b, c) in menus {
        let menu = format!(
            r#"<div class="left"><a href="./2023/">{a}</a> <a href="./2022/">{b}</a> <a href="./2021/">{c}</a></div>"#
        );
        for (charset, encoding) in [("utf-8", UTF_8), ("big5", BIG5)] {
            let mut html = portal_page(charset, &format!("{menu}{list}"));
            if encoding == BIG5 {
                html = traditional(&html);
            }
            let (_, page) = read_list(
                "http://www.xian.gov.cn/zwgk/xxgknb/index.html",
                &html,
                encoding,
            );
            let got: Vec<(i32, &str)> = page
                .year_sections
                .iter()
                .map(|s| (s.year, s.url.as_str()))
                .collect();
            assert_eq!(got, want, "{a} ({charset})");
        }
    }
}

#[test]
fn a_next_link_to_the_page_itself_under_an_empty_query_is_no_next_page() {
    let list = format!(
        r#"<ul class="list">{}</ul>"#,
        rows(|h, t, d| format!(r#"<li><a href="{h}">{t}</a><span>{d}</span></li>"#))
    );
    // The last page of a 下一页 pager whose 下一页 links the page itself, spelt with an empty
    // query.
    for next in ["index_2.html?", "?", "index_2.html?#top"] {
        let pager = format!(
            r#"<div class="page"><a href="index.html">首页</a> <a href="index_1.html">上一页</a> <a href="{next}">下一页</a></div>"#
        );
        let page = read(
            "http://www.xian.gov.cn/zwgk/xxgknb/index_2.html",
            &portal_page("utf-8", &format!("{list}{pager}")),
        );
        let next_urls: Vec<&str> = page.next_pages.iter().map(|r| r.url().as_str()).collect();
        assert!(
            !next_urls
                .iter()
                .any(|u| u.starts_with("http://www.xian.gov.cn/zwgk/xxgknb/index_2.html")),
            "{next}: {next_urls:?}"
        );
    }
}

#[test]
fn a_pager_of_links_labelled_di_n_ye_leads_to_the_next_page() {
    let list = format!(
        r#"<ul class="list">{}</ul>"#,
        rows(|h, t, d| format!(r#"<li><a href="{h}">{t}</a><span>{d}</span></li>"#))
    );
    for (one, two, three) in [
        ("第1页", "第2页", "第3页"),
        ("[第1頁]", "[第2頁]", "[第3頁]"),
    ] {
        let pager = format!(
            r#"<div class="page"><a href="index.html">{one}</a> <a href="index_1.html">{two}</a> <a href="index_2.html">{three}</a></div>"#
        );
        let page = read(
            "http://www.xian.gov.cn/zwgk/xxgknb/index.html",
            &portal_page("utf-8", &format!("{list}{pager}")),
        );
        let next: Vec<(&str, Option<u64>)> = page
            .next_pages
            .iter()
            .map(|r| (r.url().as_str(), page.number_of(r)))
            .collect();
        assert_eq!(
            next,
            vec![("http://www.xian.gov.cn/zwgk/xxgknb/index_1.html", Some(2))],
            "{two}"
        );
        assert_eq!(page.items.len(), 3, "{two}");
    }
}

#[test]
fn a_short_list_with_more_cells_than_title_and_date_reads_as_a_list() {
    use nianbao::discover::page_kind_hint;
    let url = url::Url::parse(PAGE_URL).expect("valid");
    // A 信息公开目录 table of a year's reports: 序号, 索引号, 名称, 发布机构, 发布日期.
    let table = format!(
        r#"<table class="xxgk"><tr><th>序号</th><th>索引号</th><th>名称</th><th>发布机构</th><th>发布日期</th></tr>{}</table>"#,
        REPORTS
            .iter()
            .enumerate()
            .map(|(i, (h, t, d))| format!(
                r#"<tr><td>{}</td><td>11130000MB0Q9{i}/2024-0000{i}</td><td><a href="{h}">{t}</a></td><td>某某县人民政府办公室</td><td>{d}</td></tr>"#,
                i + 1
            ))
            .collect::<String>()
    );
    // Cards whose summary is longer than their title.
    let cards = format!(
        r#"<div class="cards">{}</div>"#,
        rows(|h, t, d| format!(
            r#"<div class="card"><h3><a href="{h}">{t}</a></h3><p>根据《中华人民共和国政府信息公开条例》要求，特向社会公布本年度报告。</p><div class="meta">发布时间：{d}</div></div>"#
        ))
    );
    for (name, body) in [("table", table), ("cards", cards)] {
        assert!(page_kind_hint(&url, &portal_page("utf-8", &body)), "{name}");
    }
    // A report with a box of three related reports is still an item.
    let report = format!(
        r#"<div class="article"><h1>某某县人民政府2023年政府信息公开工作年度报告</h1>{}</div><div class="related"><ul>{}</ul></div>"#,
        "<p>本年度报告根据《中华人民共和国政府信息公开条例》要求编制，全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。</p>".repeat(4),
        rows(|h, t, d| format!(r#"<li><a href="{h}">{t}</a><span>{d}</span></li>"#))
    );
    assert!(!page_kind_hint(&url, &portal_page("utf-8", &report)));
}
