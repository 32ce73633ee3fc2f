//! Titles for extract: the page's heading, not the site's banner above it, and the article part
//! of a `<title>` element, without the site's name that portals glue to it
//! (`…通知-湖北省市场监督管理局`, `…_阿图什市人民政府`, `… - 中国宜春`).

mod column;

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

pub(crate) use column::last_crumbs;
use column::{Others, past_column};

static TITLE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("title").expect("`title` is a valid selector"));

/// The page's sources of its title other than its headings and `<title>`.
pub(crate) struct Sources<'a> {
    /// The ArticleTitle meta.
    pub article_title: Option<&'a str>,
    /// Other title metas (`title`, `dc.title`), each with its provenance.
    pub metas: Vec<(String, String)>,
    /// The labelled 标题/文件名称/名称 cell, with its provenance.
    pub labelled: Option<(String, String)>,
    /// The list entry's text.
    pub listed: Option<&'a str>,
    /// The name of the list page the item was found on.
    pub list_name: Option<&'a str>,
}

/// The document's title and where it came from: ArticleTitle, the heading, a labelled 标题 cell,
/// the list entry, then `<title>` without the site's name; then, when that is only the column's
/// name, the report's own title (`column::past_column`).
pub(crate) fn choose(
    doc: &Html,
    sources: Sources<'_>,
    site_names: &[&str],
) -> Option<(String, String)> {
    let title_tag = crate::page::select(doc, &TITLE)
        .next()
        .map(text::visible_text)
        .filter(|t| !t.is_empty());
    let hints: Vec<&str> = [title_tag.as_deref(), sources.listed]
        .into_iter()
        .flatten()
        .collect();
    let title = sources
        .article_title
        .map(|t| (t.to_string(), "meta:ArticleTitle".to_string()))
        .or_else(|| heading(doc, &hints, site_names).map(|t| (t, "heading".into())))
        .or_else(|| {
            sources
                .labelled
                .clone()
                .filter(|(t, _)| (4..=200).contains(&t.chars().count()))
        })
        .or_else(|| {
            let listed = sources.listed.map(collapse).filter(|t| !t.is_empty())?;
            // A list cuts long titles ("清河县2011年政府信息公开工作..."): the `<title>` that goes
            // on where the cut title stops is the whole one.
            let stem = crate::discover::cut_stem(&listed);
            let whole = (stem.len() < listed.len())
                .then(|| {
                    title_tag
                        .as_deref()
                        .and_then(|t| trim_site_name(t, site_names))
                })
                .flatten()
                .filter(|t| t.starts_with(stem) && t.len() > stem.len());
            Some(match whole {
                Some(whole) => (whole, "title_tag".into()),
                None => (listed, "list".into()),
            })
        })
        .or_else(|| {
            title_tag
                .as_deref()
                .and_then(|t| trim_site_name(t, site_names))
                .map(|t| (t, "title_tag".into()))
        });
    // A heading (or ArticleTitle) that is only the column's name gives way to the report's own.
    let others = Others {
        labelled: sources.labelled,
        metas: sources.metas,
        listed: sources.listed,
        title_tag: title_tag.as_deref(),
        list_name: sources.list_name,
    };
    past_column(doc, title, others, site_names)
}

use super::issuer;
use super::text::{self, collapse, visible_text};

/// The page heading: the longest heading that agrees with the `<title>` or the list entry (a
/// sidebar's `<h3>政府信息公开</h3>` agrees with a `<title>` naming the column too, and comes
/// first); then a heading in the site's banner (`in_banner`) that the article part of a hint
/// holds; failing that, the first `h1`/`h2`. Headings made of a link (a site logo), the site name
/// and other banner headings are skipped.
pub(crate) fn heading(doc: &Html, hints: &[&str], site_names: &[&str]) -> Option<String> {
    let hints: Vec<String> = hints
        .iter()
        .map(|h| collapse(h))
        .filter(|h| !h.is_empty())
        .collect();
    let candidates: Vec<(String, bool, bool)> = crate::page::elements(doc)
        .filter(|e| text::is_heading(e.value()))
        .filter(|e| {
            !e.ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "a")
        })
        .filter(|e| {
            !e.descendants()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "a")
        })
        .map(|e| {
            let major = matches!(e.value().name(), "h1" | "h2");
            (visible_text(e), major, in_banner(e))
        })
        .filter(|(t, _, _)| {
            let n = t.chars().count();
            (4..=200).contains(&n) && !site_names.iter().any(|s| s == t)
        })
        .collect();
    let (banners, candidates): (Vec<_>, Vec<_>) =
        candidates.into_iter().partition(|(_, _, banner)| *banner);
    let (names, candidates): (Vec<_>, Vec<_>) = candidates
        .into_iter()
        .partition(|(t, _, _)| is_bare_name(t));
    let agrees = |text: &str| {
        hints
            .iter()
            .any(|hint| hint.contains(text) || text.contains(hint.trim_end_matches('…')))
    };
    // A heading in a banner-like block (`<div class="top"><h1>…`) is the page's title only when
    // the article part of a hint holds it: the banner agrees with the site part of a `<title>`.
    let articles: Vec<String> = hints
        .iter()
        .map(|h| trim_site_name(h, site_names).unwrap_or_else(|| h.clone()))
        .collect();
    let names_article = |text: &str| articles.iter().any(|a| a.contains(text));
    candidates
        .iter()
        .filter(|(t, _, _)| agrees(t))
        .rev()
        .max_by_key(|(t, _, _)| t.chars().count())
        .or_else(|| {
            banners
                .iter()
                .filter(|(t, _, _)| !is_bare_name(t) && names_article(t))
                .max_by_key(|(t, _, _)| t.chars().count())
        })
        .or_else(|| candidates.iter().find(|(_, major, _)| *major))
        .or_else(|| names.iter().find(|(t, _, _)| hints.contains(t)))
        .map(|(t, _, _)| t.clone())
}

/// A heading that is only a body's name (`<h1>和义县人民政府</h1>`): the site's banner, which a
/// `<title>` carrying the site's name agrees with, not a document's title. Taken only when no
/// other heading is there and it is the whole `<title>` or list entry (a page about the body).
fn is_bare_name(text: &str) -> bool {
    issuer::is_body_name(text) && text.chars().count() <= 16
}

/// Whether a heading sits in the site's banner, above every page of the site (`<div
/// class="header"><h1>和义县政府信息公开年报</h1></div>`): the banner names the site or its column,
/// and taken for the title it would name the column's body as the issuer of every page in it.
fn in_banner(heading: ElementRef<'_>) -> bool {
    let mut outward =
        std::iter::once(heading).chain(heading.ancestors().filter_map(ElementRef::wrap));
    outward.any(|a| {
        let element = a.value();
        let words = element
            .id()
            .into_iter()
            .chain(element.classes())
            .flat_map(|name| name.split(['-', '_']))
            .map(str::to_ascii_lowercase)
            .collect::<Vec<String>>();
        let banner = matches!(element.name(), "header" | "nav")
            || words.iter().any(|w| {
                BANNER_WORDS.contains(&w.as_str())
                    || ["logo", "banner", "header"]
                        .iter()
                        .any(|p| w.starts_with(p))
            });
        // `<article><header><h1>…`, `<div class="article-header">`: the article's own head.
        banner
            && !words.iter().any(|w| ARTICLE_WORDS.contains(&w.as_str()))
            && !a
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|o| matches!(o.value().name(), "article" | "main"))
    })
}

/// Class and id words of the site's banner.
const BANNER_WORDS: &[&str] = &["head", "top", "nav", "topbar", "masthead"];
/// Class and id words of an article's own head, whatever banner word they come with.
const ARTICLE_WORDS: &[&str] = &[
    "article", "art", "detail", "content", "con", "title", "news", "doc", "text", "main", "info",
    "zw", "wz", "xl",
];

/// The article part of a `<title>`: split on `_`, `|` and spaced dashes and keep the longest part
/// that is not the site; then drop a site name glued on with a bare dash (`…通知-湖北省…局`,
/// `阿勒泰市人民政府—…`).
pub(crate) fn trim_site_name(title: &str, site_names: &[&str]) -> Option<String> {
    let is_site = |part: &str| {
        let part = part.trim();
        let n = part.chars().count();
        site_names.iter().any(|s| s.trim() == part)
            || ((part.ends_with('网') || part.ends_with("网站")) && n <= 20)
            // A site named after its body (`-沭阳县发改局`, `_阿图什市人民政府`, ` - 中国宜春`).
            || (issuer::is_body_name(part) && n <= 16)
            || (part.starts_with("中国") && n <= 6)
    };
    let strong = title
        .replace(" - ", "_")
        .replace(" — ", "_")
        .replace(" – ", "_")
        .replace(" －", "_")
        .replace('|', "_");
    let best = strong
        .split('_')
        .map(str::trim)
        .filter(|p| !p.is_empty() && !is_site(p))
        .max_by_key(|p| p.chars().count())?;
    let mut kept = best;
    while let Some((head, tail)) = kept.rsplit_once(WEAK_DASHES) {
        let head = head.trim_end_matches(WEAK_DASHES);
        if head.trim().is_empty() || !is_site(tail) {
            break;
        }
        kept = head;
    }
    while let Some((head, tail)) = kept.split_once(WEAK_DASHES) {
        let tail = tail.trim_start_matches(WEAK_DASHES);
        if tail.trim().is_empty() || !is_site(head) {
            break;
        }
        kept = tail;
    }
    let kept = kept.trim();
    (!kept.is_empty()).then(|| kept.to_string())
}

/// Dashes that join a site name to a title with no gap: `-`, `－`, and the em dash, alone or
/// doubled (`阿勒泰市人民政府—…`, `…——某某网`).
const WEAK_DASHES: [char; 3] = ['-', '－', '—'];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_tags_lose_the_site_name() {
        let sites = ["湖北省市场监督管理局", "山西省人民政府门户网站"];
        let cases = [
            (
                "关于开展专项行动的通知-湖北省市场监督管理局",
                Some("关于开展专项行动的通知"),
            ),
            (
                "山西品牌丝路行（南美站）正式启动 - 山西省人民政府门户网站 ",
                Some("山西品牌丝路行（南美站）正式启动"),
            ),
            (
                "关于批准财政部发行特别国债购买外汇的决议__2007年第23号国务院公报_中国政府网",
                Some("关于批准财政部发行特别国债购买外汇的决议"),
            ),
            (
                "业务公告_市场监管业务_甘肃省市场监督管理局国产保健食品备案信息查询",
                Some("甘肃省市场监督管理局国产保健食品备案信息查询"),
            ),
            (
                "1-10月德清县固定资产投资结构趋稳趋优",
                Some("1-10月德清县固定资产投资结构趋稳趋优"),
            ),
            (
                "湖北省市场监督管理局 | 2017年度政府信息公开年度报告",
                Some("2017年度政府信息公开年度报告"),
            ),
            ("中国政府网", None),
            (
                "阿勒泰市人民政府—阿勒泰市2022年政府信息公开工作年度报告",
                Some("阿勒泰市2022年政府信息公开工作年度报告"),
            ),
            (
                "阿勒泰市人民政府——阿勒泰市2022年政府信息公开工作年度报告",
                Some("阿勒泰市2022年政府信息公开工作年度报告"),
            ),
            (
                "阿勒泰市2022年政府信息公开工作年度报告——阿勒泰市人民政府",
                Some("阿勒泰市2022年政府信息公开工作年度报告"),
            ),
            (
                "阿勒泰市人民政府—阿勒泰市2022年政府資訊公開工作年度報告",
                Some("阿勒泰市2022年政府資訊公開工作年度報告"),
            ),
            (
                "关于印发2023年工作要点的通知-沭阳县发改局",
                Some("关于印发2023年工作要点的通知"),
            ),
            (
                "阿图什市2017年度政府信息公开年度报告_阿图什市人民政府",
                Some("阿图什市2017年度政府信息公开年度报告"),
            ),
            (
                "宜春市2022年国民经济和社会发展统计公报 - 中国宜春",
                Some("宜春市2022年国民经济和社会发展统计公报"),
            ),
        ];
        for (title, want) in cases {
            assert_eq!(trim_site_name(title, &sites).as_deref(), want, "{title}");
        }
    }
}
