//! Extract: item page -> the government metadata of the export record (title, 发布机构, 索引号,
//! 发布日期, 文号, report year, whether it is an annual report, attachments), each value with its
//! provenance. Pure: a URL, decoded text and the list entry's evidence in, values out.

mod attachments;
mod issuer;
mod labels;
mod metas;
mod report;
pub(crate) use attachments::{framed_page, names_no_file};
pub(crate) use report::{TEMPLATE_SECTIONS, shows_report_sections};
mod shape;
mod text;
mod title;
pub(crate) use text::collapse;
pub(crate) use title::{last_crumbs, trim_site_name};

use std::collections::BTreeMap;

use chrono::NaiveDate;
use scraper::Html;
use serde::Serialize;
use url::Url;

use crate::dates::{parse_field_date, parse_url_date};

pub use issuer::issuer_from_title;
pub use labels::normalise_label;
pub use report::{
    is_annual_report_title, report_year_from_body, report_year_from_title,
    report_year_of_report_title,
};

use issuer::Candidate;
use metas::Metas;

/// What the list page showed beside the link to this item: evidence for the metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ListEvidence {
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    /// Fields a JSON list API carried, label -> value.
    pub fields: Vec<(String, String)>,
    /// The name of the list page the item was found on (`本级年报`): a heading that is only this
    /// name is the column's, not the report's title. None when the crawl did not walk a list to
    /// the item (a re-queued item, `nianbao inspect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list_name: Option<String>,
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
const ISSUER_LABELS: &[&str] = &[
    "发布机构",
    "发文机关",
    "发文单位",
    "发文机构",
    "发布单位",
    "发布机关",
    "信息发布机构",
    "公开单位",
    "公开责任部门",
];
/// Labels naming where the text came from (信息来源, 来源; 资讯来源 in Traditional-script usage,
/// 資訊來源): the issuing body on pages that have no 发布机构 slot, but on pages that print one
/// empty, usually just the website's own name.
const SOURCE_LABELS: &[&str] = &["信息来源", "资讯来源", "来源"];
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
/// The date a numbered document was issued; on pages whose metadata has no 文号 slot it is the
/// page's own date, the same slot as 生成日期 on the same platform (开普云 UCAP's `scrq`).
const ISSUE_DATE_LABEL: &str = "发文日期";
/// Labelled cells holding the document's title (pages and fragments without a usable `<title>`).
const TITLE_LABELS: &[&str] = &["标题", "文件名称", "名称"];
/// `<meta name>`s carrying the document's title besides ArticleTitle (lower-case).
const TITLE_METAS: &[&str] = &["title", "dc.title", "contenttitle"];
/// `<meta name>`s carrying the publish date (lower-case), in order of preference.
const PUBLISH_DATE_METAS: &[&str] = &[
    "pubdate",
    "firstpublishedtime",
    "publishdate",
    "publishtime",
];

/// The article text of a parsed page, a line a block: the visible content container with the
/// most text, else the whole body (what `same_report` fingerprints).
pub fn article_lines(doc: &Html) -> Vec<String> {
    text::BodyText::of(doc).content_lines()
}

/// Extracts the metadata of the item page at `url`. `portal_name` helps strip the site name from
/// titles; it is never used as a value.
///
/// Each value is taken from the first source that has it and the source is recorded in
/// `provenance`: visible labels beat `<meta>` tags, which beat the list entry and the URL. The
/// issuing body is chosen among all its candidates (`issuer::choose`), the losers kept in
/// `fields` as `candidate:<provenance>`. A labelled value must have its field's shape (`shape`).
/// Nothing is guessed: a value no source gives is `None`.
pub fn extract(url: &Url, html: &str, evidence: &ListEvidence, portal_name: &str) -> Metadata {
    match crate::page::parse(html) {
        Ok(parsed) => extract_document(url, &parsed.doc, encoding_rs::UTF_8, evidence, portal_name),
        Err(_) => Metadata::default(),
    }
}

/// `extract` on a page already parsed (the crawl parses each page once), which was decoded from
/// `encoding`: attachment links' queries are sent in it, as a browser sends them.
pub fn extract_document(
    url: &Url,
    doc: &Html,
    encoding: &'static encoding_rs::Encoding,
    evidence: &ListEvidence,
    portal_name: &str,
) -> Metadata {
    extract_document_and_text(url, doc, encoding, evidence, portal_name).0
}

/// `extract_document`, with the article text it read the metadata from: the lines of
/// [`article_lines`], from the same walk of the body.
pub fn extract_document_and_text(
    url: &Url,
    doc: &Html,
    encoding: &'static encoding_rs::Encoding,
    evidence: &ListEvidence,
    portal_name: &str,
) -> (Metadata, Vec<String>) {
    let metas = Metas::of(doc);
    let body_text = text::BodyText::of(doc);
    let mut labelled = labels::labelled_fields(&body_text);
    // A value that fails its field's shape (running text of a guide explaining the labels) is
    // not that field; printed in a metadata block it stays in `fields` as printed.
    let misshapen = shape::misshapen(&labelled.fields);
    // The source line's name before the date printed after it is kept for the issuer rule
    // (`来源：和义县财政局　2022-01-20 10:30` fails a name's shape as printed).
    let sources: Vec<(&str, String)> = SOURCE_LABELS
        .iter()
        .filter_map(|l| Some((*l, issuer::source_body(labelled.fields.get(*l)?)?)))
        .collect();
    for label in &misshapen {
        if labelled.inline.contains(label) {
            labelled.fields.remove(label);
        }
    }
    // A placeholder (`发布机构：无`, `文号：无文号`) gives no value: the next label, or the next
    // source, does.
    let field = |fields: &BTreeMap<String, String>, labels: &[&str]| {
        labels.iter().find_map(|l| {
            (!misshapen.contains(*l))
                .then(|| fields.get(*l))
                .flatten()
                .filter(|v| !shape::is_placeholder(v))
                .map(|v| (v.clone(), format!("label:{l}")))
        })
    };
    let mut meta = Metadata {
        fields: labelled.fields.clone(),
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
                .find(|(label, v)| label == l && !shape::is_placeholder(v) && shape::fits(l, v))
                .map(|(_, v)| (v.clone(), format!("list:{l}")))
        })
    };

    // Title: see `title::choose`.
    let site_names: Vec<&str> = [
        metas.get("sitename"),
        Some(portal_name),
        metas.get("columnname"),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect();
    let title = title::choose(
        doc,
        title::Sources {
            article_title: metas.get("articletitle"),
            metas: TITLE_METAS
                .iter()
                .filter_map(|n| {
                    Some((
                        metas.get(n)?.to_string(),
                        format!("meta:{}", metas.original_name(n)),
                    ))
                })
                .collect(),
            labelled: field(&meta.fields, TITLE_LABELS),
            listed: evidence.title.as_deref(),
            list_name: evidence.list_name.as_deref(),
        },
        &site_names,
    );
    set(&mut meta.title, &mut meta.provenance, "title", title);

    // 索引号 and 文号.
    let index = field(&meta.fields, INDEX_LABELS).or_else(|| list_field(INDEX_LABELS));
    set(
        &mut meta.index_number,
        &mut meta.provenance,
        "index_number",
        index,
    );
    let doc_number = field(&meta.fields, DOC_NUMBER_LABELS)
        .or_else(|| list_field(DOC_NUMBER_LABELS))
        .filter(|(v, _)| !is_empty_doc_number(v));
    set(
        &mut meta.doc_number,
        &mut meta.provenance,
        "doc_number",
        doc_number,
    );

    // 发布机构: every candidate with its provenance, then `issuer::choose`. A page that prints
    // the 发布机构 slot and leaves it empty has said it names no issuer in its metadata: its 来源
    // and ContentSource then only name the website, so they are not read; the title, opening
    // and signature of the text still are. The portal's own name is never put in: the record
    // already carries the portal, and a department's report on a city portal is not the city's.
    let content_lines = body_text.content_lines();
    let slot_left_blank = ISSUER_LABELS.iter().any(|l| labelled.blank.contains(*l));
    // A 发布机构 that names the website (`阿图什政府网`) names no body.
    let labelled_issuers: Vec<Candidate> = ISSUER_LABELS
        .iter()
        .filter_map(|l| field(&meta.fields, &[l]))
        .filter(|(v, _)| !issuer::names_the_website(v))
        .map(|(v, p)| Candidate::new(v, p))
        .collect();
    let mut others: Vec<Candidate> = Vec::new();
    if !slot_left_blank {
        // A source line names a body only when it holds one: `来源：和义县财政局　2022-01-20`
        // is 和义县财政局; `来源：本站原创` and `来源：和义县人民政府网` name none.
        others.extend(
            sources
                .iter()
                .map(|(l, body)| Candidate::new(body.clone(), format!("label:{l}"))),
        );
        if let Some(v) = metas.get("contentsource").and_then(issuer::source_body) {
            others.push(Candidate::new(v, "meta:ContentSource"));
        }
    }
    others.extend(list_field(ISSUER_LABELS).map(|(v, p)| Candidate::new(v, p)));
    if !slot_left_blank {
        others.extend(list_field(SOURCE_LABELS).map(|(v, p)| Candidate::new(v, p)));
    }
    others.extend(issuer::opening(&content_lines).map(|v| Candidate::new(v, "opening")));
    others.extend(
        text::signature(&content_lines)
            .or_else(|| issuer::signature_in_parentheses(&content_lines))
            .map(|v| Candidate::new(v, "signature")),
    );
    let title_body = meta
        .title
        .as_deref()
        .and_then(issuer_from_title)
        .map(|v| Candidate::new(v, "title"));
    let choice = issuer::choose(labelled_issuers, title_body, others);
    for loser in &choice.losers {
        meta.fields
            .entry(format!("candidate:{}", loser.provenance))
            .or_insert_with(|| loser.value.clone());
    }
    set(
        &mut meta.issuing_body,
        &mut meta.provenance,
        "issuing_body",
        choice.chosen.map(|c| (c.value, c.provenance)),
    );

    // 发布日期.
    let has_doc_number_slot = DOC_NUMBER_LABELS
        .iter()
        .any(|l| meta.fields.contains_key(*l) || labelled.blank.contains(*l));
    let issue_date_counts = (!has_doc_number_slot).then_some(ISSUE_DATE_LABEL);
    let labelled = PUBLISH_DATE_LABELS
        .iter()
        .copied()
        .chain(issue_date_counts)
        .find_map(|l| {
            let date = parse_field_date(meta.fields.get(l)?)?;
            Some((date, format!("label:{l}")))
        });
    let meta_date = PUBLISH_DATE_METAS.iter().find_map(|name| {
        let raw = metas.get(name)?;
        Some((
            parse_field_date(raw)?,
            metas.original_name(name),
            raw.to_string(),
        ))
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
            Some((parse_field_date(&raw)?, source))
        })
        .or_else(|| evidence.date.map(|d| (d, "list".to_string())))
        .or_else(|| parse_url_date(url.as_str()).map(|d| (d, "url".to_string())));
    if let Some((date, source)) = publish_date {
        meta.publish_date = Some(date);
        meta.provenance.insert("publish_date".into(), source);
    }

    // Annual report (from all the evidence) and the year it covers.
    let body_year = report_year_from_body(&content_lines.join("\n"));
    let decided = report::decide(&report::Evidence {
        title: meta.title.as_deref(),
        column: metas.get("columnname"),
        category: meta.fields.get("分类").map(String::as_str),
        url,
        lines: &content_lines,
        period: body_year.is_some(),
    });
    meta.is_annual_report = decided.is_some();
    if let Some(by) = decided {
        meta.provenance.insert("is_annual_report".into(), by);
    }
    // A title that is the list entry's text gives the list's year (`list`), as a page with a
    // title of its own that names no year does.
    let title_source = match meta.provenance.get("title").map(String::as_str) {
        Some("list") => "list",
        _ => "title",
    };
    let title_year = meta
        .title
        .as_deref()
        .filter(|_| meta.is_annual_report)
        .and_then(report_year_from_title)
        .map(|y| (y, title_source));
    // The list entry's title, when the page prints none with a year (`政府信息公开工作年度报告`
    // under an entry `和义县民政局2009年政府信息公开工作年度报告`).
    let list_year = || {
        evidence
            .title
            .as_deref()
            .filter(|_| meta.is_annual_report)
            .and_then(report_year_of_report_title)
            .map(|y| (y, "list"))
    };
    // The opening sentence (`现将本单位2022年度…报告如下`), of a page known to be a report.
    let opening_year = || {
        report::report_year_from_opening(&content_lines)
            .filter(|_| meta.is_annual_report)
            .map(|y| (y, "opening"))
    };
    // A page that is no report (a template, a half year's report) covers no report year, though
    // its body states a statistics period.
    let report_year = title_year
        .or_else(|| {
            body_year
                .filter(|_| meta.is_annual_report)
                .map(|y| (y, "body"))
        })
        .or_else(opening_year)
        .or_else(list_year);
    if let Some((year, source)) = report_year {
        meta.report_year = Some(year);
        meta.provenance.insert("report_year".into(), source.into());
    }
    // The title names one year and the statistics period another (one of them copied from last
    // year's report): the title's stands, as the name the report is listed and cited by, and the
    // period's is kept for whoever checks, as a meta date that disagrees with the visible one is.
    if let (Some((title, _)), Some(body)) = (title_year, body_year)
        && title != body
    {
        meta.fields
            .insert("body:report_year".into(), body.to_string());
    }

    meta.attachments = attachments::attachments(url, doc, encoding);
    (meta, content_lines)
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

/// Placeholders printed where a document has no 文号: `无`, `无文号`, `〔〕号`, `-`.
fn is_empty_doc_number(value: &str) -> bool {
    shape::is_placeholder(value)
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ("无文号", true),
            ("暂无文号", true),
            ("（无）", true),
            ("不适用", true),
            ("空", true),
            ("无号", true),
            ("無文號", true),
            ("﹝﹞号", true),
            ("（）号", true),
        ];
        for (value, want) in cases {
            assert_eq!(is_empty_doc_number(value), want, "{value}");
        }
    }
}
