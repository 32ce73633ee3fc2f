//! Extract over real item pages (by path, never copied) and over item pages built from the two
//! sample reports. Every expected value below was read off the page by hand.

use chrono::NaiveDate;
use nianbao::extract::{ListEvidence, Metadata, extract};
use url::Url;

fn real_page(name: &str) -> String {
    let path = format!("{}/../shared/real-pages/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("real page {path} must exist: {e}"))
}

fn sample_report(name: &str) -> String {
    let path = format!(
        "{}/../shared/sample-reports/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("sample report {path} must exist: {e}"))
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URLs are absolute")
}

fn date(s: &str) -> Option<NaiveDate> {
    Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test dates are ISO"))
}

/// What a page must yield: value and provenance for each field (`None` = must be unknown).
struct Expected {
    title: Option<(&'static str, &'static str)>,
    index_number: Option<(&'static str, &'static str)>,
    issuing_body: Option<(&'static str, &'static str)>,
    doc_number: Option<(&'static str, &'static str)>,
    publish_date: Option<(&'static str, &'static str)>,
    report_year: Option<(i32, &'static str)>,
    is_annual_report: bool,
    fields: &'static [(&'static str, &'static str)],
    attachments: usize,
}

fn check(case: &str, got: &Metadata, want: &Expected) {
    let prov = |key: &str| got.provenance.get(key).map(String::as_str);
    let pair = |value: Option<&str>, key: &str| value.map(|v| (v.to_string(), prov(key)));
    let owned = |w: Option<(&str, &'static str)>| w.map(|(v, p)| (v.to_string(), Some(p)));
    assert_eq!(
        pair(got.title.as_deref(), "title"),
        owned(want.title),
        "{case}: title"
    );
    assert_eq!(
        pair(got.index_number.as_deref(), "index_number"),
        owned(want.index_number),
        "{case}: index_number"
    );
    assert_eq!(
        pair(got.issuing_body.as_deref(), "issuing_body"),
        owned(want.issuing_body),
        "{case}: issuing_body"
    );
    assert_eq!(
        pair(got.doc_number.as_deref(), "doc_number"),
        owned(want.doc_number),
        "{case}: doc_number"
    );
    assert_eq!(
        got.publish_date.map(|d| (d, prov("publish_date"))),
        want.publish_date
            .map(|(d, p)| (date(d).expect("date"), Some(p))),
        "{case}: publish_date"
    );
    assert_eq!(
        got.report_year.map(|y| (y, prov("report_year"))),
        want.report_year.map(|(y, p)| (y, Some(p))),
        "{case}: report_year"
    );
    assert_eq!(
        got.is_annual_report, want.is_annual_report,
        "{case}: is_annual_report"
    );
    for (label, value) in want.fields {
        assert_eq!(
            got.fields.get(*label).map(String::as_str),
            Some(*value),
            "{case}: field {label} in {:?}",
            got.fields
        );
    }
    assert_eq!(
        got.attachments.len(),
        want.attachments,
        "{case}: attachments {:?}",
        got.attachments
    );
}

#[test]
fn real_item_pages() {
    let cases: &[(&str, &str, &str, Expected)] = &[
        (
            "trs-hubei-samr-xxgk-detail-ensp-labels-utf8.html",
            "https://scjg.hubei.gov.cn/fbjd/xxgkml/zc/qtzdgkwj/detail.shtml",
            "湖北省市场监督管理局",
            Expected {
                title: Some((
                    "湖北省市场监督管理局办公室关于转发国家知识产权局等五部门关于开展杭州亚运会和亚残运会知识产权保护专项行动的通知",
                    "meta:ArticleTitle",
                )),
                // `索&ensp;引&ensp;号` and `文&ensp;&ensp;&ensp;&ensp;号` th labels.
                index_number: Some(("MB1686999/2023-21597", "label:索引号")),
                issuing_body: Some(("湖北省市场监督管理局", "label:发布机构")),
                doc_number: Some(("便函", "label:文号")),
                // No labelled publish date: 发文日期 2023-08-25 is not it, the PubDate meta is.
                publish_date: Some(("2023-08-28", "meta:PubDate")),
                report_year: None,
                is_annual_report: false,
                fields: &[
                    ("发文日期", "2023-08-25"),
                    ("有效性", "有效"),
                    ("分类", "市场监管、安全生产监管;其他"),
                ],
                attachments: 0,
            },
        ),
        (
            "kaipu-ucap-gansu-samr-detail-meta-pubdate-mismatch-utf8.html",
            "https://scjg.gansu.gov.cn/scjg/c110137/202205/2032457.shtml",
            "甘肃省市场监督管理局",
            Expected {
                title: Some((
                    "甘肃省市场监督管理局国产保健食品备案信息查询",
                    "meta:ArticleTitle",
                )),
                index_number: None,
                // ContentSource is empty and nothing is labelled or signed: no source names one
                // (the portal is the record's `portal`, not a guess at its issuer).
                issuing_body: None,
                doc_number: None,
                // Visible 发布时间 2022-05-06 beats meta PubDate 2023-04-18, which is kept.
                publish_date: Some(("2022-05-06", "label:发布时间")),
                report_year: None,
                is_annual_report: false,
                fields: &[
                    ("发布时间", "2022-05-06 15:16"),
                    ("meta:PubDate", "2023-04-18 15:24:29"),
                ],
                attachments: 8,
            },
        ),
        (
            "hanweb-zj-fgw-detail-meta-utf8.html",
            "http://fgw.zj.gov.cn/art/2016/11/22/art_1621004_30332664.html",
            "浙江省发展和改革委员会",
            Expected {
                title: Some(("1-10月德清县固定资产投资结构趋稳趋优", "meta:ArticleTitle")),
                index_number: None,
                issuing_body: Some(("省发改委", "label:信息来源")),
                doc_number: None,
                publish_date: Some(("2016-11-22", "label:发布日期")),
                report_year: None,
                is_annual_report: false,
                fields: &[("发布日期", "2016-11-22"), ("信息来源", "省发改委")],
                attachments: 0,
            },
        ),
        (
            "trs-govcn-gongbao-detail-utf8.html",
            "https://www.gov.cn/gongbao/content/2007/content_711039.htm",
            "中国政府网",
            Expected {
                // No ArticleTitle meta and no heading: the <title> minus `__2007年第23号…_中国政府网`.
                title: Some((
                    "全国人民代表大会常务委员会关于批准财政部发行特别国债购买外汇及调整2007 年末国债余额限额的决议",
                    "title_tag",
                )),
                index_number: None,
                issuing_body: None,
                doc_number: None,
                publish_date: Some(("2007-08-20", "meta:firstpublishedtime")),
                report_year: None,
                is_annual_report: false,
                fields: &[],
                attachments: 0,
            },
        ),
        (
            "trs-shanxi-gov-detail-createPageHTML-utf8.html",
            "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml",
            "山西省人民政府",
            Expected {
                title: Some(("山西品牌丝路行（南美站）正式启动", "meta:ArticleTitle")),
                index_number: None,
                issuing_body: Some(("山西日报", "label:来源")),
                doc_number: None,
                // The visible `<i>时间：</i>2019-09-18 06:23`, not the stale alt="时间：2017-11-08".
                publish_date: Some(("2019-09-18", "label:时间")),
                report_year: None,
                is_annual_report: false,
                fields: &[("时间", "2019-09-18 06:23"), ("来源", "山西日报")],
                attachments: 0,
            },
        ),
        (
            "ruishu-412-challenge-scjg-gansu-home-utf8.html",
            "https://scjg.gansu.gov.cn/",
            "甘肃省市场监督管理局",
            Expected {
                title: None,
                index_number: None,
                issuing_body: None,
                doc_number: None,
                publish_date: None,
                report_year: None,
                is_annual_report: false,
                fields: &[],
                attachments: 0,
            },
        ),
    ];
    for (name, page_url, portal, want) in cases {
        let got = extract(
            &url(page_url),
            &real_page(name),
            &ListEvidence::default(),
            portal,
        );
        check(name, &got, want);
    }
}

#[test]
fn gansu_attachments_resolve_against_the_page() {
    let page = url("https://scjg.gansu.gov.cn/scjg/c110137/202205/2032457.shtml");
    let html = real_page("kaipu-ucap-gansu-samr-detail-meta-pubdate-mismatch-utf8.html");
    let got = extract(
        &page,
        &html,
        &ListEvidence::default(),
        "甘肃省市场监督管理局",
    );
    let first = got.attachments.first().expect("the page links eight PDFs");
    assert_eq!(
        first.url.as_str(),
        "https://scjg.gansu.gov.cn/scjg/c110137/202205/2032457/files/0417e94b71e1413a9b0858c212c8dcd9.pdf"
    );
    assert_eq!(
        first.name.as_deref(),
        Some("祁尔康破壁灵芝孢子粉食健备202162101861")
    );
}

#[test]
fn heading_then_list_then_title_tag() {
    // The Hubei page without its ArticleTitle meta: the h2 heading (the h1 is the site logo).
    let html = real_page("trs-hubei-samr-xxgk-detail-ensp-labels-utf8.html")
        .replace("name=\"ArticleTitle\"", "name=\"Removed\"");
    let page = url("https://scjg.hubei.gov.cn/fbjd/xxgkml/zc/qtzdgkwj/detail.shtml");
    let got = extract(
        &page,
        &html,
        &ListEvidence::default(),
        "湖北省市场监督管理局",
    );
    assert_eq!(
        got.title.as_deref(),
        Some(
            "湖北省市场监督管理局办公室关于转发国家知识产权局等五部门关于开展杭州亚运会和亚残运会知识产权保护专项行动的通知"
        )
    );
    assert_eq!(
        got.provenance.get("title").map(String::as_str),
        Some("heading")
    );

    // No meta, no heading: the list entry's text comes before the <title>.
    let bare = "<html><head><title>站点标题_某某市人民政府网</title></head><body><p>正文</p></body></html>";
    let evidence = ListEvidence {
        title: Some("某某市2019年政府信息公开工作年度报告".into()),
        date: date("2020-01-15"),
        fields: vec![],
        list_name: None,
    };
    let got = extract(
        &url("https://www.example.gov.cn/a/b.html"),
        bare,
        &evidence,
        "某某市人民政府",
    );
    assert_eq!(
        got.title.as_deref(),
        Some("某某市2019年政府信息公开工作年度报告")
    );
    assert_eq!(
        got.provenance.get("title").map(String::as_str),
        Some("list")
    );
    assert_eq!(got.publish_date, date("2020-01-15"));
    assert_eq!(
        got.provenance.get("publish_date").map(String::as_str),
        Some("list")
    );
    assert!(got.is_annual_report);
    assert_eq!(got.report_year, Some(2019));
}

/// The artux 2017 report as a TRS page: breadcrumb, heading, a four-cell metadata table, body.
fn artux_page() -> String {
    let text = sample_report("artux-2017-report.txt");
    let body: String = text
        .lines()
        .skip_while(|line| !line.starts_with("来        源"))
        .skip(1)
        .map(|line| format!("<p>{line}</p>\n"))
        .collect();
    format!(
        r#"<html><head><meta charset="utf-8"><title>阿图什市2017年度政府信息公开年度报告_阿图什市人民政府</title></head>
<body><div class="position">当前位置: 首页 &gt; 政务公开 &gt; 政府信息公开年报 &gt; 2017年 &gt; 正文</div>
<h1><a href="/">阿图什市人民政府</a></h1>
<div class="title">阿图什市2017年度政府信息公开年度报告</div>
<table class="xxgk">
<tr><td>索&nbsp;&nbsp;引&nbsp;&nbsp;号</td><td>ATS001-2018-000001</td><td>主题分类</td><td>其他</td></tr>
<tr><td>发布机构</td><td>阿图什政府网</td><td>发布日期</td><td>2018-02-10 12:20</td></tr>
<tr><td>名&emsp;&emsp;称</td><td colspan="3">阿图什市2017年度政府信息公开年度报告</td></tr>
<tr><td>文&emsp;&emsp;号</td><td>〔〕号</td><td>主&nbsp;&nbsp;题&nbsp;&nbsp;词</td><td>阿图什市 2017 政府信息公开 年度报告</td></tr>
<tr><td>来&emsp;&emsp;源</td><td colspan="3">阿图什市人民政府</td></tr>
</table>
<div class="TRS_Editor">{body}</div>
<div class="footer">主办单位：阿图什市人民政府</div></body></html>"#
    )
}

/// The alashankou 2024 report with no metadata table: paragraphs and the signature block.
fn alashankou_page(title: &str) -> String {
    let body: String = sample_report("alashankou-2024-report.txt")
        .lines()
        .map(|line| format!("<p>{line}</p>\n"))
        .collect();
    format!(
        r#"<html><head><title>{title}-阿拉山口市人民政府</title></head>
<body><h2>{title}</h2><div id="zoom">{body}</div>
<p><a href="/module/download/downfile.jsp?classid=0&amp;filename=2501171234.pdf">{title}.pdf</a></p>
</body></html>"#
    )
}

#[test]
fn sample_reports_as_item_pages() {
    let artux = extract(
        &url("http://www.xjats.gov.cn/zwgk/xxgknb/201802/t20180210_1.html"),
        &artux_page(),
        &ListEvidence::default(),
        "阿图什市人民政府",
    );
    check(
        "artux",
        &artux,
        &Expected {
            title: Some(("阿图什市2017年度政府信息公开年度报告", "heading")),
            index_number: Some(("ATS001-2018-000001", "label:索引号")),
            // Its 发布机构 is the website (阿图什政府网); its 来源 names the body.
            issuing_body: Some(("阿图什市人民政府", "label:来源")),
            // 〔〕号 is a placeholder, not a number.
            doc_number: None,
            publish_date: Some(("2018-02-10", "label:发布日期")),
            report_year: Some((2017, "title")),
            is_annual_report: true,
            fields: &[
                ("主题分类", "其他"),
                ("名称", "阿图什市2017年度政府信息公开年度报告"),
                ("文号", "〔〕号"),
                ("来源", "阿图什市人民政府"),
            ],
            attachments: 0,
        },
    );

    let title = "阿拉山口市2024年政府信息公开工作年度报告";
    let alashankou = extract(
        &url("http://www.alsk.gov.cn/zwgk/xxgknb/info.html"),
        &alashankou_page(title),
        &ListEvidence::default(),
        "阿拉山口市人民政府",
    );
    check(
        "alashankou",
        &alashankou,
        &Expected {
            title: Some((title, "heading")),
            index_number: None,
            issuing_body: Some(("阿拉山口市人民政府办公室", "signature")),
            doc_number: None,
            // Nothing states a publish date; the signature date is not one.
            publish_date: None,
            report_year: Some((2024, "title")),
            is_annual_report: true,
            fields: &[],
            attachments: 1,
        },
    );
    let link = &alashankou.attachments[0];
    assert_eq!(
        link.url.as_str(),
        "http://www.alsk.gov.cn/module/download/downfile.jsp?classid=0&filename=2501171234.pdf"
    );
    assert_eq!(
        link.name.as_deref(),
        Some("阿拉山口市2024年政府信息公开工作年度报告.pdf")
    );

    // A title without its year: the statistics period in the body gives it.
    let untitled = extract(
        &url("http://www.alsk.gov.cn/zwgk/xxgknb/info.html"),
        &alashankou_page("政府信息公开工作年度报告"),
        &ListEvidence::default(),
        "阿拉山口市人民政府",
    );
    assert_eq!(untitled.report_year, Some(2024));
    assert_eq!(
        untitled.provenance.get("report_year").map(String::as_str),
        Some("body")
    );
}

#[test]
fn list_api_fields_fill_what_the_page_lacks() {
    // A bare page whose list entry came from the TRS xxgk list API (field names as that API uses).
    let page = "<html><head><title>某文件</title></head><body><h2>关于做好某项工作的通知</h2><p>正文。</p></body></html>";
    let evidence = ListEvidence {
        title: None,
        date: None,
        fields: vec![
            ("IdxID".into(), "MB1686999/2023-21597".into()),
            ("FILENUM".into(), "鄂市监办函〔2023〕12号".into()),
            ("PUBLISHER".into(), "湖北省市场监督管理局".into()),
            ("PUBDATE".into(), "2023-08-28 08:15:00".into()),
        ],
        list_name: None,
    };
    let got = extract(
        &url("https://scjg.hubei.gov.cn/x/y.shtml"),
        page,
        &evidence,
        "门户",
    );
    let prov = |k: &str| got.provenance.get(k).map(String::as_str);
    assert_eq!(got.index_number.as_deref(), Some("MB1686999/2023-21597"));
    assert_eq!(prov("index_number"), Some("list:索引号"));
    assert_eq!(got.doc_number.as_deref(), Some("鄂市监办函〔2023〕12号"));
    assert_eq!(got.issuing_body.as_deref(), Some("湖北省市场监督管理局"));
    assert_eq!(prov("issuing_body"), Some("list:发布机构"));
    assert_eq!(got.publish_date, date("2023-08-28"));
    assert_eq!(prov("publish_date"), Some("list:发布日期"));
    assert_eq!(got.title.as_deref(), Some("关于做好某项工作的通知"));
    assert!(!got.is_annual_report);
}

/// Label layouts the portals use, each with Traditional or padded labels where they occur.
#[test]
fn label_layouts() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "<li><span>發布機構</span>某某市人民政府辦公室</li>",
            "发布机构",
            "某某市人民政府辦公室",
        ),
        (
            "<p>索&ensp;引&ensp;號：A01-2020-0001</p>",
            "索引号",
            "A01-2020-0001",
        ),
        (
            "<div class=\"item\"><label>发文字号:</label><span>某政发〔2020〕1号</span></div>",
            "发文字号",
            "某政发〔2020〕1号",
        ),
        (
            "<dl><dt>成文日期</dt><dd>2020年3月1日</dd></dl>",
            "成文日期",
            "2020年3月1日",
        ),
        (
            "<table><tr><td>主題分類：</td><td>综合政务</td><td>公開日期：</td><td>2020-03-02</td></tr></table>",
            "公开日期",
            "2020-03-02",
        ),
        (
            "<p>来\u{3000}\u{3000}源：市政府办公室</p>",
            "来源",
            "市政府办公室",
        ),
    ];
    for (snippet, label, value) in cases {
        let html = format!(
            "<html><body><div class=\"meta\">{snippet}</div><div class=\"TRS_Editor\"><p>正文。</p></div></body></html>"
        );
        let got = extract(
            &url("https://www.example.gov.cn/a.html"),
            &html,
            &ListEvidence::default(),
            "门户",
        );
        assert_eq!(
            got.fields.get(*label).map(String::as_str),
            Some(*value),
            "{snippet}: {:?}",
            got.fields
        );
    }
    // A body sentence with a colon is not a field, and a whole page is never a value.
    let html = "<html><body><div class=\"TRS_Editor\"><p>会议决定：批准发行特别国债。</p><p>来源</p></div></body></html>";
    let got = extract(
        &url("https://www.example.gov.cn/a.html"),
        html,
        &ListEvidence::default(),
        "门户",
    );
    assert!(got.fields.is_empty(), "{:?}", got.fields);
    // Nothing names an issuer, and the portal's name is not a guess at one.
    assert_eq!(got.issuing_body, None);
}

/// Who issued a page, by what the page prints: an empty 发布机构 slot silences 来源 and the
/// ContentSource meta (they name the website there) but not a signature; with no slot, 来源 is
/// the issuer. View counters are never fields.
#[test]
fn issuing_body_slots_sources_and_view_counters() {
    let table = |issuer: &str| {
        format!(
            "<table><tr><td>发布机构：</td><td>{issuer}</td><td>发布日期：</td><td>2012-02-24</td></tr>\
<tr><td>来&nbsp;&nbsp;源：</td><td>阿图什市人民政府</td></tr></table>"
        )
    };
    let signed = "<p>正文。</p><p>某某县人民政府办公室</p><p>2012年2月20日</p>";
    type Case<'a> = (&'a str, String, &'a str, Option<(&'a str, &'a str)>);
    let cases: &[Case<'_>] = &[
        ("empty slot, no signature", table(""), "<p>正文。</p>", None),
        (
            "empty slot, signed",
            table(""),
            signed,
            Some(("某某县人民政府办公室", "signature")),
        ),
        (
            "filled slot",
            table("某某县教育局"),
            signed,
            Some(("某某县教育局", "label:发布机构")),
        ),
        (
            "no slot, 来源",
            "<p>来源：某某县发展和改革委员会　浏览次数：12　点击数：3</p>".to_string(),
            "<p>正文。</p>",
            Some(("某某县发展和改革委员会", "label:来源")),
        ),
        (
            "no slot, inline view counters",
            "<div>发布时间：2012-02-24 阅读次数：7 访问量：19</div>".to_string(),
            "<p>正文。</p>",
            None,
        ),
    ];
    for (name, meta, body, want) in cases {
        let html = format!(
            "<html><head><meta name=\"ContentSource\" content=\"阿图什市人民政府\"></head><body>\
<div class=\"meta\">{meta}</div><div class=\"TRS_Editor\">{body}</div></body></html>"
        );
        let got = extract(
            &url("https://www.example.gov.cn/a.html"),
            &html,
            &ListEvidence::default(),
            "阿图什市人民政府",
        );
        let issuer = got.issuing_body.as_deref().map(|v| {
            (
                v,
                got.provenance
                    .get("issuing_body")
                    .map_or("", String::as_str),
            )
        });
        // The ContentSource meta names the website only where the slot is empty.
        let want = match (name.starts_with("no slot"), want) {
            (true, None) => Some(("阿图什市人民政府", "meta:ContentSource")),
            (_, w) => *w,
        };
        assert_eq!(issuer, want, "{name}");
        for counter in ["浏览次数", "点击数", "阅读次数", "访问量"] {
            assert!(
                !got.fields.contains_key(counter),
                "{name}: {counter} kept in {:?}",
                got.fields
            );
        }
    }
}

#[test]
fn attachment_links() {
    let html = r#"<html><head><base href="https://www.example.gov.cn/files/"></head><body>
<div class="TRS_Editor">
<a href="./P020180210.PDF">2017年度报告</a>
<a href="./P020180210.PDF#page=2">同一文件</a>
<a href="/module/download/downfile.jsp?classid=0&amp;filename=abc.docx"></a>
<a href="javascript:void(0)" onclick="downloadFile('/upload/表格.xlsx')">统计表</a>
<a href="/get?id=7" download="报告.ofd">下载</a>
<iframe src="/pdfjs/web/report.wps"></iframe>
<a href="/news/1.html">新闻</a>
<a href="mailto:a@b.cn">邮件</a>
</div>
<div class="footer"><a href="/guide.pdf">政府信息公开指南</a></div>
</body></html>"#;
    let got = extract(
        &url("https://www.example.gov.cn/a/b.html"),
        html,
        &ListEvidence::default(),
        "门户",
    );
    let links: Vec<(&str, Option<&str>)> = got
        .attachments
        .iter()
        .map(|a| (a.url.as_str(), a.name.as_deref()))
        .collect();
    assert_eq!(
        links,
        vec![
            (
                "https://www.example.gov.cn/files/P020180210.PDF",
                Some("2017年度报告")
            ),
            (
                "https://www.example.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.docx",
                Some("abc.docx")
            ),
            (
                "https://www.example.gov.cn/upload/%E8%A1%A8%E6%A0%BC.xlsx",
                Some("统计表")
            ),
            ("https://www.example.gov.cn/get?id=7", Some("下载")),
            (
                "https://www.example.gov.cn/pdfjs/web/report.wps",
                Some("report.wps")
            ),
        ]
    );
}
