//! Extract: item page -> the government metadata of the export record (title, 发布机构, 索引号,
//! 发布日期, 文号, report year, whether it is an annual report, attachments), each value with its
//! provenance. Pure: a URL, decoded text and the list entry's evidence in, values out.

mod attachments;
mod labels;
mod report;
mod text;

use std::collections::BTreeMap;
use std::sync::LazyLock;

use chrono::NaiveDate;
use scraper::{Html, Selector};
use serde::Serialize;
use url::Url;

use crate::dates::{parse_date, parse_url_date};

pub use labels::normalise_label;
pub use report::{is_annual_report_title, report_year_from_body, report_year_from_title};

/// What the list page showed beside the link to this item: evidence for the metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ListEvidence {
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    /// Fields a JSON list API carried, label -> value.
    pub fields: Vec<(String, String)>,
}

/// A link from an item page to a document file (PDF, DOC, DOCX, WPS, XLS, XLSX, OFD, ZIP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttachmentLink {
    pub url: Url,
    /// The link text, or the file name when the text is empty.
    pub name: Option<String>,
}

/// The metadata of one item page. A value that is not known is `None`, never an empty string.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Metadata {
    pub title: Option<String>,
    /// 发布机构
    pub issuing_body: Option<String>,
    /// 索引号
    pub index_number: Option<String>,
    /// 文号
    pub doc_number: Option<String>,
    /// 发布日期
    pub publish_date: Option<NaiveDate>,
    /// The year the report covers (not the year it was published).
    pub report_year: Option<i32>,
    pub is_annual_report: bool,
    /// Every labelled field as printed on the page, label normalised.
    pub fields: BTreeMap<String, String>,
    /// Field name -> where its value came from (e.g. "label:发布机构", "meta:PubDate", "list", "url").
    pub provenance: BTreeMap<String, String>,
    pub attachments: Vec<AttachmentLink>,
}

/// Labels whose value is the 索引号, in order of preference.
const INDEX_LABELS: &[&str] = &["索引号", "信息索引号", "索取号"];
/// Labels whose value is the 文号.
const DOC_NUMBER_LABELS: &[&str] = &["文号", "发文字号", "发文文号"];
/// Labels whose value is the issuing body, in order of preference.
const ISSUER_LABELS: &[&str] = &["发布机构", "发文机关", "发文单位", "发文机构", "发布单位"];
/// Labels naming where the text came from (信息来源, 来源): the issuing body on pages that have no
/// 发布机构 slot, but on pages that print one empty, usually just the website's own name.
const SOURCE_LABELS: &[&str] = &["信息来源", "来源"];
/// Labels whose value is the publish date, in order of preference. 成文日期 and 发文日期 are the
/// dates a document was written or issued, not published: they stay in `fields`.
const PUBLISH_DATE_LABELS: &[&str] = &[
    "发布日期",
    "公开日期",
    "发布时间",
    "生成日期",
    "时间",
    "日期",
];
/// `<meta name>`s carrying the publish date (lower-case), in order of preference.
const PUBLISH_DATE_METAS: &[&str] = &[
    "pubdate",
    "firstpublishedtime",
    "publishdate",
    "publishtime",
];

static META: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("meta[name][content]").expect("`meta[name][content]` is a valid selector")
});
static TITLE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("title").expect("`title` is a valid selector"));

/// Extracts the metadata of the item page at `url`. `portal_name` helps strip the site name from
/// titles; it is never used as a value.
///
/// Each value is taken from the first source that has it and the source is recorded in
/// `provenance`: visible labels beat `<meta>` tags, which beat the list entry and the URL.
/// Nothing is guessed: a value no source gives is `None`.
pub fn extract(url: &Url, html: &str, evidence: &ListEvidence, portal_name: &str) -> Metadata {
    match crate::page::parse(html) {
        Ok(parsed) => extract_document(url, &parsed.doc, evidence, portal_name),
        Err(_) => Metadata::default(),
    }
}

/// `extract` on a page already parsed (the crawl parses each page once).
pub fn extract_document(
    url: &Url,
    doc: &Html,
    evidence: &ListEvidence,
    portal_name: &str,
) -> Metadata {
    let metas = Metas::of(doc);
    let labelled = labels::labelled_fields(doc);
    let mut meta = Metadata {
        fields: labelled.fields,
        ..Metadata::default()
    };
    // A JSON list API's fields, under canonical labels (`IdxID` -> 索引号, `PUBLISHER` -> 发布机构).
    let list_fields: Vec<(String, String)> = evidence
        .fields
        .iter()
        .map(|(label, value)| (list_label(label), text::collapse(value)))
        .filter(|(_, value)| !value.is_empty())
        .collect();
    let list_field = |labels: &[&str]| {
        labels.iter().find_map(|l| {
            list_fields
                .iter()
                .find(|(label, _)| label == l)
                .map(|(_, v)| (v.clone(), format!("list:{l}")))
        })
    };

    // Title.
    let site_name = metas.get("sitename").map(str::to_string);
    let title_tag = doc
        .select(&TITLE)
        .next()
        .map(text::visible_text)
        .filter(|t| !t.is_empty());
    let site_names: Vec<&str> = [
        site_name.as_deref(),
        Some(portal_name),
        metas.get("columnname"),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    let hints: Vec<&str> = [title_tag.as_deref(), evidence.title.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    let title = metas
        .get("articletitle")
        .map(|t| (t.to_string(), "meta:ArticleTitle".to_string()))
        .or_else(|| text::heading(doc, &hints, &site_names).map(|t| (t, "heading".into())))
        .or_else(|| {
            evidence
                .title
                .as_deref()
                .map(text::collapse)
                .filter(|t| !t.is_empty())
                .map(|t| (t, "list".into()))
        })
        .or_else(|| {
            title_tag
                .as_deref()
                .and_then(|t| trim_site_name(t, &site_names))
                .map(|t| (t, "title_tag".into()))
        });
    set(&mut meta.title, &mut meta.provenance, "title", title);

    // 索引号 and 文号.
    let index = from_labels(&meta.fields, INDEX_LABELS).or_else(|| list_field(INDEX_LABELS));
    set(
        &mut meta.index_number,
        &mut meta.provenance,
        "index_number",
        index,
    );
    let doc_number = from_labels(&meta.fields, DOC_NUMBER_LABELS)
        .or_else(|| list_field(DOC_NUMBER_LABELS))
        .filter(|(v, _)| !is_empty_doc_number(v));
    set(
        &mut meta.doc_number,
        &mut meta.provenance,
        "doc_number",
        doc_number,
    );

    // 发布机构. A page that prints the 发布机构 slot and leaves it empty has said it names no
    // issuer: its 来源 and ContentSource then only name the website, so they are not read; a
    // signature under the text still is. The portal's own name is never put in: the record
    // already carries the portal, and a department's report on a city portal is not the city's.
    let content_lines = text::content_lines(doc);
    let slot_left_blank = ISSUER_LABELS.iter().any(|l| labelled.blank.contains(*l));
    let issuer = from_labels(&meta.fields, ISSUER_LABELS).or_else(|| {
        let source = if slot_left_blank {
            None
        } else {
            from_labels(&meta.fields, SOURCE_LABELS).or_else(|| {
                metas
                    .get("contentsource")
                    .map(|v| (v.to_string(), "meta:ContentSource".to_string()))
            })
        };
        source
            .or_else(|| list_field(ISSUER_LABELS))
            .or_else(|| {
                (!slot_left_blank)
                    .then(|| list_field(SOURCE_LABELS))
                    .flatten()
            })
            .or_else(|| text::signature(&content_lines).map(|v| (v, "signature".to_string())))
    });
    set(
        &mut meta.issuing_body,
        &mut meta.provenance,
        "issuing_body",
        issuer,
    );

    // 发布日期.
    let labelled = PUBLISH_DATE_LABELS.iter().find_map(|l| {
        let date = parse_date(meta.fields.get(*l)?)?;
        Some((date, format!("label:{l}")))
    });
    let meta_date = PUBLISH_DATE_METAS.iter().find_map(|name| {
        let raw = metas.get(name)?;
        Some((parse_date(raw)?, metas.original_name(name), raw.to_string()))
    });
    if let (Some((visible, _)), Some((date, name, raw))) = (&labelled, &meta_date) {
        // The page shows one date and its meta tag says another: the visible one is what the
        // publisher printed, and the meta value is kept for whoever needs to know.
        if visible != date {
            meta.fields.insert(format!("meta:{name}"), raw.clone());
        }
    }
    let publish_date = labelled
        .or_else(|| meta_date.map(|(d, name, _)| (d, format!("meta:{name}"))))
        .or_else(|| {
            let (raw, source) = list_field(PUBLISH_DATE_LABELS)?;
            Some((parse_date(&raw)?, source))
        })
        .or_else(|| evidence.date.map(|d| (d, "list".to_string())))
        .or_else(|| parse_url_date(url.as_str()).map(|d| (d, "url".to_string())));
    if let Some((date, source)) = publish_date {
        meta.publish_date = Some(date);
        meta.provenance.insert("publish_date".into(), source);
    }

    // Annual report and the year it covers.
    meta.is_annual_report = meta.title.as_deref().is_some_and(is_annual_report_title);
    let title_year = meta
        .title
        .as_deref()
        .filter(|_| meta.is_annual_report)
        .and_then(report_year_from_title)
        .map(|y| (y, "title"));
    let report_year = title_year
        .or_else(|| report_year_from_body(&content_lines.join("\n")).map(|y| (y, "body")));
    if let Some((year, source)) = report_year {
        meta.report_year = Some(year);
        meta.provenance.insert("report_year".into(), source.into());
    }

    meta.attachments = attachments::attachments(url, doc);
    meta
}

/// `<meta name=… content=…>` values, first non-empty per lower-cased name.
struct Metas {
    values: Vec<(String, String, String)>,
}

impl Metas {
    fn of(doc: &Html) -> Self {
        let mut values: Vec<(String, String, String)> = Vec::new();
        for m in doc.select(&META) {
            let (Some(name), Some(content)) = (m.value().attr("name"), m.value().attr("content"))
            else {
                continue;
            };
            let content = text::collapse(content);
            let lower = name.trim().to_ascii_lowercase();
            if content.is_empty() || values.iter().any(|(l, _, _)| *l == lower) {
                continue;
            }
            values.push((lower, name.trim().to_string(), content));
        }
        Metas { values }
    }

    fn get(&self, lower: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(l, _, _)| l == lower)
            .map(|(_, _, v)| v.as_str())
    }

    /// The name as the page spelled it (`PubDate`), for provenance.
    fn original_name(&self, lower: &str) -> String {
        self.values
            .iter()
            .find(|(l, _, _)| l == lower)
            .map_or_else(|| lower.to_string(), |(_, n, _)| n.clone())
    }
}

fn from_labels(fields: &BTreeMap<String, String>, labels: &[&str]) -> Option<(String, String)> {
    labels
        .iter()
        .find_map(|l| fields.get(*l).map(|v| (v.clone(), format!("label:{l}"))))
}

fn set(
    slot: &mut Option<String>,
    provenance: &mut BTreeMap<String, String>,
    key: &str,
    found: Option<(String, String)>,
) {
    if let Some((value, source)) = found {
        *slot = Some(value);
        provenance.insert(key.to_string(), source);
    }
}

/// The canonical label of a list API field: Chinese labels normalised, and the field names of the
/// TRS xxgk list API (`IdxID`, `FILENUM`, `PUBLISHER`, `PUBDATE`) mapped to theirs.
fn list_label(raw: &str) -> String {
    match raw.trim().to_ascii_lowercase().as_str() {
        "idxid" | "indexnumber" | "index_number" => "索引号".into(),
        "filenum" | "docnumber" | "doc_number" => "文号".into(),
        "publisher" | "issuing_body" => "发布机构".into(),
        "pubdate" | "publish_date" => "发布日期".into(),
        _ => normalise_label(raw),
    }
}

/// Placeholders printed where a document has no 文号: `无`, `〔〕号`, `-`.
fn is_empty_doc_number(value: &str) -> bool {
    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    matches!(
        compact.as_str(),
        "无" | "暂无"
            | "〔〕号"
            | "[]号"
            | "［］号"
            | "【】号"
            | "()号"
            | "（）号"
            | "〔〕"
            | "号"
            | "/"
            | "／"
            | "null"
    ) || compact.chars().all(|c| matches!(c, '-' | '—' | '－' | '–'))
}

/// The article part of a `<title>`: split on `_`, `|` and spaced dashes and keep the longest part
/// that is not the site; then drop a site name glued on with a bare `-` (`…通知-湖北省…局`).
fn trim_site_name(title: &str, site_names: &[&str]) -> Option<String> {
    let is_site = |part: &str| {
        let part = part.trim();
        site_names.iter().any(|s| s.trim() == part)
            || ((part.ends_with('网') || part.ends_with("网站")) && part.chars().count() <= 20)
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
    let mut parts: Vec<&str> = best.split(['-', '－']).collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| is_site(p)) {
        parts.pop();
    }
    while parts.len() > 1 && parts.first().is_some_and(|p| is_site(p)) {
        parts.remove(0);
    }
    let kept = parts.join("-");
    let kept = kept.trim();
    (!kept.is_empty()).then(|| kept.to_string())
}

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
        ];
        for (title, want) in cases {
            assert_eq!(trim_site_name(title, &sites).as_deref(), want, "{title}");
        }
    }

    #[test]
    fn doc_number_placeholders() {
        let cases = [
            ("无", true),
            ("〔〕号", true),
            ("〔 〕号", true),
            ("-", true),
            ("——", true),
            ("阿政办发〔2018〕12号", false),
            ("便函", false),
        ];
        for (value, want) in cases {
            assert_eq!(is_empty_doc_number(value), want, "{value}");
        }
    }
}
