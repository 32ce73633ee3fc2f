//! Guangdong's 政府信息公开目录管理平台 (gkmlpt) list API: `/gkmlpt/api/all/{column}?page=N&sid=S`
//! answers `{"articles": [...], "total": N}` for one column of the catalogue. The page itself
//! (`/gkmlpt/index`) is a script application; only this API can be read without JavaScript.

use serde_json::Value;
use url::Url;

use super::json::{
    DiscoverError, as_number, date_of, next_api_pages, shown_text, text_field, web_link,
};
use super::{ListItem, ListPage, StatedCount};

/// gkmlpt keys and the labels extract knows them by.
const FIELDS: &[(&str, &str)] = &[
    ("identifier", "索引号"),
    ("document_number", "文号"),
    ("publisher", "发布机构"),
];

/// Keys that carry the publication time: Unix seconds, or a date string.
const TIME_KEYS: &[&str] = &[
    "display_publish_time",
    "publish_time",
    "create_time",
    "date",
];

pub(super) fn parse(url: &Url, value: &Value) -> Result<ListPage, DiscoverError> {
    let articles = value
        .get("articles")
        .and_then(Value::as_array)
        .ok_or_else(|| DiscoverError::UnexpectedShape {
            url: url.clone(),
            expected: "`articles` array",
        })?;
    let mut seen = std::collections::HashSet::new();
    let items: Vec<ListItem> = articles
        .iter()
        .filter_map(|a| item(url, a))
        .filter(|i| seen.insert(i.url.clone()))
        .collect();
    let total = value.get("total").and_then(as_number);
    let requested = url
        .query_pairs()
        .find(|(k, _)| k == "page")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    // The API does not state its page size; page 1 (or 0, where a site counts from 0) holds a
    // full page whenever there is more than one, so its count is the size and it states the
    // page count. A later page reads as full: it names the pages after it while its own items
    // and those before it fall short of the total, but states no count (a short last page
    // would overstate it; the walk stops at the count page 1 stated).
    let size = articles.len() as u64;
    let first = matches!(requested, Some(0 | 1));
    let stated_pages = match total {
        Some(0) if first => Some(1),
        Some(total) if first && size > 0 => Some(total.div_ceil(size)),
        _ => None,
    };
    let walk_to = match (total, requested) {
        (Some(total), Some(p)) if !first && size > 0 && p.saturating_mul(size) < total => {
            Some(total.div_ceil(size))
        }
        _ => stated_pages,
    };
    let (next, current) = next_api_pages(url, walk_to, None);
    let current = current.or_else(|| requested.map(|p| p.max(1)));
    Ok(ListPage {
        items,
        next_numbers: next.iter().map(|(r, n)| (r.clone(), *n)).collect(),
        next_pages: next.into_iter().map(|(r, _)| r).collect(),
        number: current,
        stated: (total.is_some() || stated_pages.is_some()).then_some(StatedCount {
            items: total,
            pages: stated_pages,
        }),
        ..ListPage::default()
    })
}

fn item(base: &Url, article: &Value) -> Option<ListItem> {
    let text = |key: &str| text_field(article, key);
    let link = text("url").or_else(|| text("post_url"))?;
    let mut url = web_link(base, link)?;
    url.set_fragment(None);
    let fields = FIELDS
        .iter()
        .filter_map(|(key, label)| Some(((*label).to_string(), text(key)?.to_string())))
        .collect();
    Some(ListItem {
        url,
        title: text("title").and_then(shown_text),
        date: TIME_KEYS.iter().find_map(|k| date_of(article.get(*k)?)),
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{JsonListFormat, parse_json_list};

    fn page(url: &str, body: &str) -> ListPage {
        let url = Url::parse(url).expect("test URL");
        parse_json_list(&url, body.as_bytes(), JsonListFormat::Gkmlpt).expect("parses")
    }

    fn article(id: u32, time: &str) -> String {
        format!(
            r#"{{"id":{id},"title":"某区2019年政府信息公开工作年度报告","url":"http://h.example/gkmlpt/content/0/{id}/post_{id}.html","publisher":"某区人民政府办公室","identifier":"11440-{id}","display_publish_time":{time}}}"#
        )
    }

    #[test]
    fn page_one_states_every_page_from_the_total_and_its_own_size() {
        let cases: &[(&str, u64, usize, Option<u64>, usize)] = &[
            // (page param, total, articles on page, pages stated, further pages requested)
            ("page=1", 7, 3, Some(3), 2),
            ("page=1", 6, 3, Some(2), 1),
            ("page=1", 2, 2, Some(1), 0),
            ("page=0", 5, 2, Some(3), 2),
            // A later page states no count but names the pages after it (and before it, which
            // the walk has claimed); a short last page reads as full and overstates, which the
            // walk caps at page 1's count.
            ("page=2", 7, 3, None, 2),
            ("page=2", 6, 3, None, 0),
            ("page=3", 7, 1, None, 6),
        ];
        for (query, total, n, pages, next) in cases {
            let articles: Vec<String> = (0..*n)
                .map(|i| article(100 + i as u32, "1580866200"))
                .collect();
            let body = format!(r#"{{"articles":[{}],"total":{total}}}"#, articles.join(","));
            let p = page(
                &format!("http://h.example/gkmlpt/api/all/5?{query}&sid=2"),
                &body,
            );
            assert_eq!(p.items.len(), *n, "{query} {total}");
            assert_eq!(p.stated.and_then(|s| s.pages), *pages, "{query} {total}");
            assert_eq!(
                p.stated.and_then(|s| s.items),
                Some(*total),
                "{query} {total}"
            );
            assert_eq!(
                p.next_pages.len(),
                *next,
                "{query} {total}: {:?}",
                p.next_pages
            );
        }
    }

    #[test]
    fn next_pages_keep_the_sid_and_are_numbered_from_one() {
        let articles: Vec<String> = (0..2).map(|i| article(100 + i, "1580866200")).collect();
        let body = format!(r#"{{"articles":[{}],"total":5}}"#, articles.join(","));
        let p = page("http://h.example/gkmlpt/api/all/5?page=1&sid=2", &body);
        let urls: Vec<&str> = p.next_pages.iter().map(|r| r.url().as_str()).collect();
        assert_eq!(
            urls,
            [
                "http://h.example/gkmlpt/api/all/5?page=2&sid=2",
                "http://h.example/gkmlpt/api/all/5?page=3&sid=2"
            ]
        );
        assert_eq!(p.number, Some(1));
        assert_eq!(
            p.next_numbers.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            [2, 3]
        );
    }

    #[test]
    fn dates_and_fields_come_from_the_article() {
        // 1580866200 is 2020-02-05 09:30 in China time (01:30 UTC); a late-evening UTC time is
        // the next day in China.
        let cases = [
            ("1580866200", "2020-02-05"),
            ("1580770800", "2020-02-04"),
            ("\"2020-02-05 09:30:00\"", "2020-02-05"),
            ("1580866200000", "2020-02-05"),
            ("\"1580866200\"", "2020-02-05"),
            ("\"1580866200000\"", "2020-02-05"),
            ("1580866200000.0", "2020-02-05"),
            ("1580866200.0", "2020-02-05"),
            // Eight digits are a compact date, never 1970's seconds.
            ("\"20200205\"", "2020-02-05"),
        ];
        for (time, want) in cases {
            let body = format!(r#"{{"articles":[{}],"total":1}}"#, article(7, time));
            let p = page("http://h.example/gkmlpt/api/all/5?page=1&sid=2", &body);
            let item = &p.items[0];
            assert_eq!(
                item.date.map(|d| d.to_string()).as_deref(),
                Some(want).filter(|w| !w.is_empty()),
                "{time}"
            );
            assert!(item.fields.contains(&("索引号".into(), "11440-7".into())));
            assert!(
                item.fields
                    .contains(&("发布机构".into(), "某区人民政府办公室".into()))
            );
        }
    }

    #[test]
    fn a_body_without_articles_is_an_error_naming_the_url() {
        let url = Url::parse("http://h.example/gkmlpt/api/all/5?page=1").expect("URL");
        let err = parse_json_list(&url, br#"{"data":[]}"#, JsonListFormat::Gkmlpt)
            .expect_err("no articles");
        let text = err.to_string();
        assert!(
            text.contains("articles") && text.contains("h.example"),
            "{text}"
        );
    }
}
