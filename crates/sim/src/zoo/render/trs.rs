//! Zoo TRS list pages: a flat `/xxgk/nb/` column or a channel index of year sub-channels
//! (links, a select or blocks of each year's newest items), each list paged `index_N.html`.

use super::{html_page, item_target, page_items, pager, pages_of, rows, word};
use crate::http::{Request, Response};
use crate::zoo::{FirstLink, YearLabel, YearLayout, YearNav, ZooItem, ZooSpec};

fn year_label(spec: &ZooSpec, label: YearLabel, year: i32) -> String {
    match label {
        YearLabel::Digits => format!("{year}年"),
        YearLabel::DigitsNiandu => format!("{year}年度"),
        YearLabel::Hanzi => {
            let digits = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
            let text: String = year
                .to_string()
                .chars()
                .filter_map(|c| c.to_digit(10).map(|d| digits[d as usize]))
                .collect();
            format!("{text}年")
        }
        YearLabel::ReportFolder => format!(
            "{year}{}",
            word(
                spec,
                "年政府信息公开工作年度报告",
                "年政府信息公開工作年度報告"
            )
        ),
        YearLabel::Nianbao => format!("{year}{}", word(spec, "年报", "年報")),
        YearLabel::NianduBaogao => format!("{year}{}", word(spec, "年度报告", "年度報告")),
    }
}

/// Items a year block of a channel index shows: the first of the year's list.
const BLOCK_ITEMS: usize = 2;

pub(super) fn trs(spec: &ZooSpec, req: &Request) -> Option<Response> {
    let path = req.path();
    let rest = path.strip_prefix("/xxgk/nb/")?;
    let (list, file) = match (spec.years, rest.split_once('/')) {
        (YearLayout::SubChannels(label), None) if rest.is_empty() || rest == "index.html" => {
            // The channel index: only its year sub-channels.
            let years = spec.lists().into_iter().flatten();
            let links: String = match spec.year_nav {
                YearNav::Links => years
                    .map(|y| format!("<li><a href=\"./{y}/\">{}</a></li>", year_label(spec, label, y)))
                    .collect(),
                YearNav::Select => format!(
                    "<select onchange=\"window.location.href=this.value\"><option value=\"\">{}</option>{}</select>",
                    word(spec, "选择年度", "選擇年度"),
                    years
                        .map(|y| format!(
                            "<option value=\"./{y}/\">{}</option>",
                            year_label(spec, label, y)
                        ))
                        .collect::<String>()
                ),
                YearNav::Blocks => years
                    .map(|y| {
                        let newest: Vec<&ZooItem> = page_items(spec, Some(y), 1)
                            .into_iter()
                            .take(BLOCK_ITEMS)
                            .collect();
                        format!(
                            "<div class=\"panel\"><h3>{}</h3>{}<a class=\"more\" href=\"./{y}/\">{}</a></div>",
                            year_label(spec, label, y),
                            rows(spec, &newest, |i| item_target(spec, i)),
                            word(spec, "更多&gt;&gt;", "更多&gt;&gt;")
                        )
                    })
                    .collect(),
            };
            let body = format!(
                "<h2>{}</h2><ul class=\"channels\">{links}</ul>",
                word(spec, "政府信息公开年报", "政府信息公開年報")
            );
            return Some(html_page(spec, word(spec, "年报", "年報"), &body));
        }
        (YearLayout::SubChannels(_), Some((year, file))) => (Some(year.parse::<i32>().ok()?), file),
        (YearLayout::Flat, None) => (None, rest),
        _ => return None,
    };
    if !spec.lists().contains(&list) {
        return None;
    }
    let page = match file {
        "" | "index.html" => 1,
        f => {
            f.strip_prefix("index_")?
                .strip_suffix(".html")?
                .parse::<usize>()
                .ok()?
                + 1
        }
    };
    let pages = pages_of(spec, list);
    if page > pages {
        return None;
    }
    let first = match spec.first_link {
        FirstLink::Alias => "index_0.html".to_string(),
        FirstLink::Section => "index.html".to_string(),
    };
    let items = page_items(spec, list, page);
    let prefix = list.map_or_else(String::new, |y| format!("{y}/"));
    let body = format!(
        "<h2>{}</h2>{}{}",
        list.map_or_else(
            || word(spec, "政府信息公开年报", "政府信息公開年報").to_string(),
            |y| format!("{y}年")
        ),
        rows(spec, &items, |i| {
            item_target(spec, i)
                .trim_start_matches(&format!("/xxgk/nb/{prefix}"))
                .to_string()
        }),
        pager(
            spec,
            page,
            pages,
            spec.listed(list).len(),
            |p| format!("index_{}.html", p - 1),
            first
        )
    );
    Some(html_page(spec, word(spec, "年报", "年報"), &body))
}
