//! Issue 11: the metadata patterns that failed on pages nobody tuned for, one table per numbered
//! pattern, with the exact markup and variants. Each page runs through `extract` (the
//! item reader the page pipeline calls) or `page::analyse` (for list-vs-item).

use nianbao::extract::{ListEvidence, Metadata, extract};
use nianbao::page::{PageInput, PageRole, View, analyse};
use url::Url;

const URL: &str = "http://www.example.gov.cn/xxgk/202401/t20240120_1.html";

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URLs are absolute")
}

fn page(head: &str, body: &str) -> String {
    format!("<html><head><meta charset=\"utf-8\">{head}</head><body>{body}</body></html>")
}

fn read(html: &str, portal: &str) -> Metadata {
    extract(&url(URL), html, &ListEvidence::default(), portal)
}

fn read_at(at: &str, html: &str) -> Metadata {
    extract(&url(at), html, &ListEvidence::default(), "")
}

fn prov(m: &Metadata, key: &str) -> Option<String> {
    m.provenance.get(key).cloned()
}

/// (case, page, want issuer, want provenance)
type IssuerCase = (
    &'static str,
    String,
    Option<&'static str>,
    Option<&'static str>,
);

fn check_issuers(cases: Vec<IssuerCase>, portal: &str) {
    for (case, html, want, want_prov) in cases {
        let m = read(&html, portal);
        assert_eq!(m.issuing_body.as_deref(), want, "{case}: issuer");
        assert_eq!(
            prov(&m, "issuing_body").as_deref(),
            want_prov,
            "{case}: provenance"
        );
    }
}

fn titled(title: &str, body: &str) -> String {
    page(
        &format!("<title>{title}</title>"),
        &format!("<h1>{title}</h1><div class=\"content\">{body}</div>"),
    )
}

#[test]
fn pattern_1_the_title_names_the_issuer() {
    let text = "<p>一、总体情况</p><p>本年度共主动公开信息若干条。</p>";
    check_issuers(
        vec![
            (
                "title, body before the disclosure words",
                titled("阿勒泰市人民政府办公室政府信息公开年报(2014年)", text),
                Some("阿勒泰市人民政府办公室"),
                Some("title"),
            ),
            (
                "title, body before the year (a town)",
                titled("台上镇2009年政府信息公开工作年度报告", text),
                Some("台上镇"),
                Some("title"),
            ),
            (
                "title, a department",
                titled("平潭综合实验区地方税务局2013年信息公开年度报告", text),
                Some("平潭综合实验区地方税务局"),
                Some("title"),
            ),
            (
                "opening: …XX编制本报告",
                titled(
                    "2016年政府信息公开工作年度报告",
                    "<p>根据《中华人民共和国政府信息公开条例》规定，万载县统计局编制本报告。</p>",
                ),
                Some("万载县统计局"),
                Some("opening"),
            ),
            (
                "opening: 本报告由XX编制",
                titled(
                    "2016年政府信息公开工作年度报告",
                    "<p>本报告由阿勒泰市人民政府办公室根据《条例》要求编制。</p>",
                ),
                Some("阿勒泰市人民政府办公室"),
                Some("opening"),
            ),
            (
                "signature in parentheses at the end",
                titled(
                    "万载县2015年国民经济和社会发展统计公报",
                    "<p>正文。</p><p>　　（万载县统计局）</p>",
                ),
                Some("万载县统计局"),
                Some("signature"),
            ),
            (
                "signature agrees with the title and names it more fully",
                titled(
                    "台上镇2024年政府信息公开工作年度报告",
                    "<p>正文。</p><p>台上镇人民政府</p><p>2025年1月17日</p>",
                ),
                Some("台上镇人民政府"),
                Some("signature"),
            ),
            (
                "Traditional title",
                titled("集安市2019年度政府資訊公開年度報告", text),
                Some("集安市"),
                Some("title"),
            ),
            (
                "nothing names a body: null, never the portal",
                titled("2016年政府信息公开工作年度报告", text),
                None,
                None,
            ),
            (
                "a notice's title names no reporting body",
                titled(
                    "关于报送2017年政府信息公开年度报告的通知",
                    "<p>各单位：</p>",
                ),
                None,
                None,
            ),
        ],
        "阿勒泰市人民政府",
    );
}

#[test]
fn pattern_2_evidence_that_disagrees() {
    check_issuers(
        vec![
            (
                "a legacy 来源 disagreeing with the title loses to the title",
                titled(
                    "平潭综合实验区地方税务局2013年信息公开年度报告",
                    "<p>来源：平潭县人民政府</p><p>正文。</p>",
                ),
                Some("平潭综合实验区地方税务局"),
                Some("title"),
            ),
            (
                "a 来源 agreeing with the title and more specific wins",
                titled(
                    "平潭综合实验区2024年度政府信息公开工作年度报告",
                    "<p>来源：平潭综合实验区管委会办公室</p><p>正文。</p>",
                ),
                Some("平潭综合实验区管委会办公室"),
                Some("label:来源"),
            ),
            (
                "ContentSource agreeing with the title",
                page(
                    "<meta name=\"ContentSource\" content=\"平潭综合实验区管委会办公室\">\
                     <title>平潭综合实验区2024年度政府信息公开工作年度报告</title>",
                    "<h1>平潭综合实验区2024年度政府信息公开工作年度报告</h1><p>正文。</p>",
                ),
                Some("平潭综合实验区管委会办公室"),
                Some("meta:ContentSource"),
            ),
            (
                "a labelled 发布机构 wins over the title",
                titled(
                    "平潭综合实验区2024年度政府信息公开工作年度报告",
                    "<table><tr><th>发布机构</th><td>平潭综合实验区财政金融局</td></tr></table>",
                ),
                Some("平潭综合实验区财政金融局"),
                Some("label:发布机构"),
            ),
            (
                "a labelled 发文机关 (Traditional 發文機關) wins over 来源",
                titled(
                    "关于开展专项行动的通知",
                    "<p>發文機關：国务院办公厅</p><p>来源：中国政府网</p>",
                ),
                Some("国务院办公厅"),
                Some("label:发文机关"),
            ),
            (
                "a 发布机构 that names the website names no body: 来源 does",
                titled(
                    "2021年政府信息公开工作年度报告",
                    "<table><tr><th>发布机构</th><td>阿图什政府网</td><th>来源</th><td>阿图什市人民政府</td></tr></table>",
                ),
                Some("阿图什市人民政府"),
                Some("label:来源"),
            ),
            (
                "the same in Traditional, the website as 門戶網站",
                titled(
                    "2021年政府資訊公開工作年度報告",
                    "<p>發布機構：和義縣人民政府門戶網站</p><p>來源：和義縣審計局</p>",
                ),
                Some("和義縣審計局"),
                Some("label:来源"),
            ),
        ],
        "",
    );
    // Nothing is hidden: the losers are in `fields`.
    let m = read(
        &titled(
            "平潭综合实验区地方税务局2013年信息公开年度报告",
            "<p>来源：平潭县人民政府</p>",
        ),
        "",
    );
    assert_eq!(
        m.fields.get("candidate:label:来源").map(String::as_str),
        Some("平潭县人民政府")
    );
    let m = read(
        &titled(
            "平潭综合实验区2024年度政府信息公开工作年度报告",
            "<p>来源：平潭综合实验区管委会办公室</p>",
        ),
        "",
    );
    assert_eq!(
        m.fields.get("candidate:title").map(String::as_str),
        Some("平潭综合实验区")
    );
}

#[test]
fn pattern_3_a_colon_outside_the_label() {
    let cases = [
        ("：", "the issue's markup"),
        (":", "ASCII colon"),
        ("&nbsp;：&nbsp;", "nbsp around"),
        ("&ensp;:&ensp;", "ensp around"),
        (" ： ", "spaces"),
    ];
    for (sep, case) in cases {
        let html = page(
            "<title>x</title>",
            &format!(
                "<div class=\"top-l\"><p><strong>索引号</strong>{sep}000014348/2020-35428</p>\
                 <p><strong>发布机构</strong>{sep}邯郸市教育局</p>\
                 <p><strong>文号</strong>{sep}无</p>\
                 <p><strong>发布日期</strong>{sep}2020年08月05日</p></div>"
            ),
        );
        let m = read(&html, "");
        assert_eq!(
            m.index_number.as_deref(),
            Some("000014348/2020-35428"),
            "{case}"
        );
        assert_eq!(m.issuing_body.as_deref(), Some("邯郸市教育局"), "{case}");
        assert_eq!(m.doc_number, None, "{case}: 无 is no 文号");
        assert_eq!(
            m.publish_date.map(|d| d.to_string()).as_deref(),
            Some("2020-08-05"),
            "{case}"
        );
    }
}

#[test]
fn pattern_4_running_text_is_not_a_field() {
    let guide = page(
        "<title>邯郸市教育局政府信息公开指南</title>",
        "<h1>邯郸市教育局政府信息公开指南</h1><div class=\"content\">\
         <p>二、主动公开的政府信息</p>\
         <p>1.索引号：政府公开信息的唯一识别代码，由机构代码、年份和流水号组成。</p>\
         <p>3.发布机构：指制作或者获取该政府信息的行政机关。</p>\
         <p>5.文号：文件的发文字号，由发文机关代字、年份和序号组成。</p></div>",
    );
    let m = read(&guide, "");
    assert_eq!(m.index_number, None, "guide: 索引号");
    assert_eq!(m.issuing_body, None, "guide: 发布机构");
    assert_eq!(m.doc_number, None, "guide: 文号");
    for label in ["索引号", "发布机构", "文号"] {
        assert!(
            !m.fields.contains_key(label),
            "running text is not kept as {label}: {:?}",
            m.fields
        );
    }
    // Unnumbered running text fails its shape too.
    let prose = page(
        "<title>x</title>",
        "<p>索引号：政府公开信息的唯一识别代码，由机构代码和流水号组成。</p>",
    );
    assert_eq!(read(&prose, "").index_number, None, "prose 索引号");
    // In a metadata block the misshapen value stays in `fields` but is not the field.
    let block = page(
        "<title>x</title>",
        "<table><tr><th>索引号</th><td>见正文说明，按年度编号。</td></tr>\
         <tr><th>文号</th><td>国办发〔2018〕123号</td></tr></table>",
    );
    let m = read(&block, "");
    assert_eq!(m.index_number, None);
    assert_eq!(
        m.fields.get("索引号").map(String::as_str),
        Some("见正文说明，按年度编号。")
    );
    assert_eq!(m.doc_number.as_deref(), Some("国办发〔2018〕123号"));
}

#[test]
fn pattern_5_the_title_from_a_labelled_cell() {
    let fragment = |label: &str| {
        format!(
            "<div class=\"wrap\"><table><tbody>\
             <tr><td><b>索 引 号：</b></td><td>000014349/2018-00221</td></tr>\
             <tr><td><b>{label}：</b></td><td>国务院办公厅关于推进政务新媒体健康有序发展的意见</td></tr>\
             </tbody></table><p>正文。</p></div>"
        )
    };
    for label in ["标　　题", "标 题", "名称", "文件名称", "標題"] {
        let m = read(&fragment(label), "");
        assert_eq!(
            m.title.as_deref(),
            Some("国务院办公厅关于推进政务新媒体健康有序发展的意见"),
            "{label}"
        );
        assert_eq!(
            prov(&m, "title").as_deref(),
            Some(&*format!("label:{}", {
                match label {
                    "名称" => "名称",
                    "文件名称" => "文件名称",
                    _ => "标题",
                }
            })),
            "{label}"
        );
    }
    // `<title>` suffixes naming the site are stripped.
    let cases = [
        (
            "关于印发2023年工作要点的通知-沭阳县发改局",
            "关于印发2023年工作要点的通知",
        ),
        (
            "阿图什市2017年度政府信息公开年度报告_阿图什市人民政府",
            "阿图什市2017年度政府信息公开年度报告",
        ),
        (
            "宜春市2022年国民经济和社会发展统计公报 - 中国宜春",
            "宜春市2022年国民经济和社会发展统计公报",
        ),
    ];
    for (tag, want) in cases {
        let m = read(&page(&format!("<title>{tag}</title>"), "<p>正文。</p>"), "");
        assert_eq!(m.title.as_deref(), Some(want), "{tag}");
        assert_eq!(prov(&m, "title").as_deref(), Some("title_tag"), "{tag}");
    }
    // A labelled cell beats `<title>`.
    let m = read(
        &page(
            "<title>沭阳县发改局</title>",
            "<table><tr><th>标　　题</th><td>关于印发2023年工作要点的通知</td></tr></table>",
        ),
        "",
    );
    assert_eq!(m.title.as_deref(), Some("关于印发2023年工作要点的通知"));
}

#[test]
fn pattern_6_one_field_two_labels() {
    let dl = |label: &str| {
        page(
            "<title>x</title><meta name=\"PubDate\" content=\"2023-08-16 10:33:59\">",
            &format!(
                "<dl class=\"meta-data\"><dt>索 引 号：</dt><dd>014742224A/2023-0043406</dd>\
                 <dt>{label}：</dt><dd class=\"scrq\">2023-05-11</dd></dl>"
            ),
        )
    };
    for label in ["生成日期", "发文日期", "發文日期", "发布日期", "發佈日期"] {
        let m = read(&dl(label), "");
        assert_eq!(
            m.publish_date.map(|d| d.to_string()).as_deref(),
            Some("2023-05-11"),
            "{label}: the visible labelled date beats the meta"
        );
        assert_eq!(
            m.fields.get("meta:PubDate").map(String::as_str),
            Some("2023-08-16 10:33:59"),
            "{label}: the meta's other date is kept"
        );
    }
    // Where the page has a 文号 slot, 发文日期 is the numbered document's issue date.
    let m = read(
        &page(
            "<title>x</title><meta name=\"PubDate\" content=\"2023-08-28 08:15\">",
            "<table><tr><th>文号</th><td>便函</td><th>发文日期</th><td>2023-08-25</td></tr></table>",
        ),
        "",
    );
    assert_eq!(
        m.publish_date.map(|d| d.to_string()).as_deref(),
        Some("2023-08-28")
    );
}

fn kind_of(at: &str, html: &str) -> &'static str {
    let u = url(at);
    let input = PageInput {
        url: &u,
        status: 200,
        content_type: Some("text/html; charset=utf-8"),
        body: html.as_bytes(),
    };
    let role = PageRole::Guess {
        portal_name: String::new(),
    };
    match analyse(input, &role).view {
        View::List(_) => "list",
        View::Item { .. } => "item",
        _ => "nothing",
    }
}

#[test]
fn pattern_7_short_lists_are_lists() {
    let result = |i: usize, title: &str, date: &str| {
        format!(
            "<div class=\"list\"><div class=\"bigTit\"><a href=\"/scjg/c1/2022{i:02}/{i}.shtml\" \
             title=\"{title}\">{title}</a></div><p class=\"summaryFont\">摘要 2018年03月08日 施行</p>\
             <p class=\"time\"><a href=\"/scjg/c1/2022{i:02}/{i}.shtml\">甘肃省市场监督管理局</a>\
             <span class=\"sourceDateFont\">{date}</span></p></div>"
        )
    };
    let titles = [
        "甘肃省市场监督管理局国产保健食品备案信息查询",
        "甘肃省市场监督管理局关于保健食品备案的通告",
        "保健食品注册与备案管理办法解读全文",
        "保健食品注册与备案管理办法全文发布",
    ];
    let rows: String = titles
        .iter()
        .enumerate()
        .map(|(i, t)| result(i + 1, t, &format!("2022-0{}-06", i + 1)))
        .collect();
    let search = page(
        "<title>搜索结果</title>",
        &format!("<p class=\"fl\">相关结果<span>4</span>个</p><div class=\"results\">{rows}</div>"),
    );
    assert_eq!(
        kind_of("http://scjg.gansu.gov.cn/guestweb4/s?searchWord=x", &search),
        "list",
        "4 dated results numbered by 相关结果4个"
    );
    let trimmed = page(
        "<title>近期信息公开</title>",
        "<table class=\"list\"><tr><th>名称</th><th>发布日期</th></tr>\
         <tr><td><a href=\"http://hdzfxxgk.hd.gov.cn/gszbm/auto23716/202008/t20200805_1353179.html\">\
         邯郸市教育局关于印发《邯郸市学校安全工作目标管理考核办法》的通知</a></td>\
         <td>2020-08-05</td></tr></table>\
         <script>var countPage=56; var currentPage=0; createPageHTML(56, 0, \"index\", \"html\");</script>\
         <div class=\"page\"><a href=\"index_1.html\">下一页</a> <a href=\"index_55.html\">尾页</a></div>",
    );
    assert_eq!(
        kind_of(
            "http://hdzfxxgk.hd.gov.cn/zfwj/jinqixxgk/index.html",
            &trimmed
        ),
        "list",
        "one row under a pager that states 56 pages"
    );
    // An item page with a short box of related links stays an item.
    let item = page(
        "<title>关于开展专项行动的通知</title>",
        "<h1>关于开展专项行动的通知</h1><div class=\"content\"><p>正文，共3条要求。</p></div>\
         <ul class=\"related\"><li><a href=\"/a/t20200101_1.html\">相关文件一的标题在这里</a><span>2020-01-01</span></li>\
         <li><a href=\"/a/t20200102_2.html\">相关文件二的标题在这里</a><span>2020-01-02</span></li></ul>",
    );
    assert_eq!(kind_of(URL, &item), "item");
}

#[test]
fn pattern_7_a_repeated_structure_that_is_most_of_the_page_is_a_list() {
    let entries = |titles: &[&str], tag: &str| -> String {
        titles
            .iter()
            .enumerate()
            .map(|(i, t)| {
                format!(
                    "<{tag}><a href=\"/ndbg/2019/t2020010{i}_{i}.html\">{t}</a><span>2020-01-0{}</span></{tag}>",
                    i + 1
                )
            })
            .collect()
    };
    let simplified = [
        "阿图什市2019年政府信息公开工作年度报告",
        "阿图什市教育局2019年政府信息公开工作年度报告",
        "阿图什市财政局2019年政府信息公开工作年度报告",
    ];
    let traditional = [
        "阿圖什市2019年政府信息公開工作年度報告",
        "阿圖什市教育局2019年政府信息公開工作年度報告",
        "阿圖什市財政局2019年政府信息公開工作年度報告",
        "阿圖什市衛生局2019年政府信息公開工作年度報告",
    ];
    let nav = "<div class=\"nav\"><a href=\"/\">首页</a><a href=\"/zwgk/\">政务公开</a><a href=\"/hdjl/\">互动交流</a></div>";
    for (titles, heading, tag) in [
        (&simplified[..], "2019年度", "li"),
        (&traditional[..], "2019年度報告", "li"),
        (&simplified[..], "信息公开年报", "p"),
    ] {
        let list = entries(titles, tag);
        let body = match tag {
            "li" => format!("{nav}<h2>{heading}</h2><ul class=\"list\">{list}</ul>"),
            _ => format!("{nav}<h2>{heading}</h2><div class=\"list\">{list}</div>"),
        };
        let html = page("<title>政府信息公开年报</title>", &body);
        assert_eq!(
            kind_of("http://www.example.gov.cn/ndbg/2019/", &html),
            "list",
            "{heading} <{tag}>"
        );
    }
    // An item page whose article is followed by a box of three related, dated links stays an
    // item: its own text is the larger part of the page.
    let article = "根据《中华人民共和国政府信息公开条例》规定，现将本机关2019年度政府信息公开工作情况报告如下。\
        本报告由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、\
        存在的主要问题及改进情况、其他需要报告的事项组成。";
    let item = page(
        "<title>阿图什市2019年政府信息公开工作年度报告</title>",
        &format!(
            "<h1>阿图什市2019年政府信息公开工作年度报告</h1><div class=\"content\"><p>{article}</p></div>\
             <ul class=\"related\">{}</ul>",
            entries(&simplified, "li")
        ),
    );
    assert_eq!(kind_of(URL, &item), "item");
}

/// A full report followed by a box of five or more related, dated reports is an item (`inspect`
/// guesses); five dated entries under a short heading are a list.
#[test]
fn a_long_report_with_a_box_of_related_reports_is_an_item() {
    let related = |n: usize| -> String {
        (0..n)
            .map(|i| {
                format!(
                    "<li><a href=\"/zwgk/201{i}01/t201{i}0120_{i}.html\">某某县人民政府201{i}年政府信息公开工作年度报告</a>\
                     <span>201{i}-01-20</span></li>"
                )
            })
            .collect()
    };
    let sample = std::fs::read_to_string(format!(
        "{}/../shared/sample-reports/artux-2017-report.txt",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the sample report is there");
    let paragraphs: String = sample
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(30)
        .map(|l| format!("<p>{l}</p>"))
        .collect();
    for n in [5, 6, 8] {
        let item = page(
            "<title>某某县人民政府2021年政府信息公开工作年度报告</title>",
            &format!(
                "<h1>某某县人民政府2021年政府信息公开工作年度报告</h1><div class=\"content\">{paragraphs}</div>\
                 <div class=\"xgxx\"><h3>相关信息</h3><ul>{}</ul></div>",
                related(n)
            ),
        );
        assert_eq!(kind_of(URL, &item), "item", "{n} related reports");
        let list = page(
            "<title>政府信息公开年报</title>",
            &format!(
                "<h2>政府信息公开年报</h2><p>本栏目发布本县各部门年度报告。</p><ul>{}</ul>",
                related(n)
            ),
        );
        assert_eq!(kind_of(URL, &list), "list", "{n} entries");
    }
}

#[test]
fn pattern_8_an_annual_report_with_a_wrong_title() {
    let sections = "<p>一、总体情况</p><p>本机关认真贯彻落实条例。</p>\
                    <p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p>\
                    <p>四、政府信息公开行政复议、行政诉讼情况</p><p>五、存在的主要问题及改进情况</p>\
                    <p>六、其他需要报告的事项</p>";
    let period = "<p>本报告所列数据的统计期限自2023年1月1日起至2023年12月31日止。</p>";
    let short = |head: &str, body: &str| {
        page(
            &format!("<title>市教育局</title>{head}"),
            &format!("<div class=\"content\">{body}</div>"),
        )
    };
    let cases = [
        (
            "URL column + sections + period",
            "http://www.a.gov.cn/zfxxgk/gknb/202401/t20240120_1.html",
            short("", &format!("{sections}{period}")),
            true,
            Some("url+sections+period"),
        ),
        (
            "ColumnName + period",
            URL,
            short(
                "<meta name=\"ColumnName\" content=\"信息公开年报\">",
                period,
            ),
            true,
            Some("column+period"),
        ),
        (
            "分类 + sections",
            URL,
            short("", &format!("<p>分类：信息公开年报</p>{sections}")),
            true,
            Some("column+sections"),
        ),
        (
            "ndbg column + sections",
            "http://www.a.gov.cn/ndbg/2024/t20240120_1.html",
            short("", sections),
            true,
            Some("url+sections"),
        ),
        (
            "one piece of evidence is not enough",
            "http://www.a.gov.cn/xxgknb/t20240120_1.html",
            short("", "<p>正文。</p>"),
            false,
            None,
        ),
        (
            "a 解读 in the 年报 column is not a report",
            "http://www.a.gov.cn/xxgknb/t20240120_1.html",
            page(
                "<title>《2023年政府信息公开工作年度报告》解读</title>",
                &format!("<div class=\"content\">{sections}{period}</div>"),
            ),
            false,
            None,
        ),
    ];
    for (case, at, html, want, want_prov) in cases {
        let m = read_at(at, &html);
        assert_eq!(m.is_annual_report, want, "{case}");
        assert_eq!(
            prov(&m, "is_annual_report").as_deref(),
            want_prov,
            "{case}: deciding evidence"
        );
    }
    let m = read_at(
        "http://www.a.gov.cn/zfxxgk/gknb/202401/t20240120_1.html",
        &short("", &format!("{sections}{period}")),
    );
    assert_eq!(m.report_year, Some(2023));
}

#[test]
fn traditional_labels_and_full_width_padding() {
    let html = page(
        "<title>x</title>",
        "<table><tr><th>索引號</th><td>JA2021-0008</td></tr>\
         <tr><th>發布機構</th><td>集安市人民政府辦公室</td></tr>\
         <tr><th>文號</th><td>集政辦發〔2021〕8號</td></tr>\
         <tr><th>發佈日期</th><td>2021-12-20</td></tr>\
         <tr><th>标　　题</th><td>關於做好政府資訊公開年度報告工作的通知</td></tr></table>",
    );
    let m = read(&html, "");
    assert_eq!(m.index_number.as_deref(), Some("JA2021-0008"));
    assert_eq!(m.issuing_body.as_deref(), Some("集安市人民政府辦公室"));
    assert_eq!(m.doc_number.as_deref(), Some("集政辦發〔2021〕8號"));
    assert_eq!(
        m.publish_date.map(|d| d.to_string()).as_deref(),
        Some("2021-12-20")
    );
    assert_eq!(
        m.title.as_deref(),
        Some("關於做好政府資訊公開年度報告工作的通知")
    );
}

/// A metadata block that prints a label with no value (文号 on most annual reports): the value is
/// blank, never the next pair's label and value. Every layout, each blank form, Simplified and
/// Traditional labels.
#[test]
fn an_empty_value_is_blank_not_the_next_pair() {
    type Layout = fn(&[(&str, &str)]) -> String;
    let rows: Layout = |pairs| {
        let rows: String = pairs
            .iter()
            .map(|(l, v)| format!("<tr><th>{l}</th><td>{v}</td></tr>"))
            .collect();
        format!("<table class=\"meta\">{rows}</table>")
    };
    let four_cells: Layout = |pairs| {
        let rows: String = pairs
            .chunks(2)
            .map(|row| {
                let cells: String = row
                    .iter()
                    .map(|(l, v)| format!("<td class=\"l\">{l}</td><td>{v}</td>"))
                    .collect();
                format!("<tr>{cells}</tr>")
            })
            .collect();
        format!("<table>{rows}</table>")
    };
    let colon_cells: Layout = |pairs| {
        let rows: String = pairs
            .chunks(2)
            .map(|row| {
                let cells: String = row
                    .iter()
                    .map(|(l, v)| format!("<td>{l}：{v}</td>"))
                    .collect();
                format!("<tr>{cells}</tr>")
            })
            .collect();
        format!("<table class=\"xxgk\">{rows}</table>")
    };
    let div_grid: Layout = |pairs| {
        let rows: String = pairs
            .chunks(2)
            .map(|row| {
                let cols: String = row
                    .iter()
                    .map(|(l, v)| {
                        format!(
                            "<div class=\"col\"><span class=\"lab\">{l}</span>\
                             <span class=\"val\">{v}</span></div>"
                        )
                    })
                    .collect();
                format!("<div class=\"row\">{cols}</div>")
            })
            .collect();
        format!("<div class=\"xxgk-meta\">{rows}</div>")
    };
    let dl: Layout = |pairs| {
        let items: String = pairs
            .iter()
            .map(|(l, v)| format!("<dt>{l}</dt><dd>{v}</dd>"))
            .collect();
        format!("<dl>{items}</dl>")
    };
    let list: Layout = |pairs| {
        let items: String = pairs
            .iter()
            .map(|(l, v)| format!("<li><span>{l}：</span><span>{v}</span></li>"))
            .collect();
        format!("<ul class=\"info\">{items}</ul>")
    };
    let layouts: [(&str, Layout); 6] = [
        ("th/td rows", rows),
        ("four cells a row", four_cells),
        ("label and colon in the value's cell", colon_cells),
        ("div grid", div_grid),
        ("dl", dl),
        ("li spans", list),
    ];
    // (索引号, 发布机构, 文号, 有效性, 发布日期) as printed.
    let scripts = [
        (
            "Simplified",
            ["索引号", "发布机构", "文号", "有效性", "发布日期"],
        ),
        (
            "Traditional",
            ["索引號", "發佈機構", "文號", "有效性", "發佈日期"],
        ),
    ];
    for (layout, build) in layouts {
        for (script, [index, issuer, number, validity, date]) in scripts {
            for blank in ["", "&nbsp;", "\u{3000}", " "] {
                let case = format!("{layout}, {script}, blank {blank:?}");
                // The blank 文号 first, then the blank 发布机构, before the pair that follows.
                let html = page(
                    "<title>x</title>",
                    &build(&[
                        (index, "MB1234567/2022-00034"),
                        (number, blank),
                        (validity, "有效"),
                        (issuer, blank),
                        (date, "2022-01-20"),
                    ]),
                );
                let m = read(&html, "");
                assert_eq!(m.doc_number, None, "{case}: 文号");
                assert_eq!(m.fields.get("文号"), None, "{case}: {:?}", m.fields);
                assert_eq!(m.issuing_body, None, "{case}: 发布机构");
                assert_eq!(m.fields.get("发布机构"), None, "{case}: {:?}", m.fields);
                // The pairs around the blanks are still read, each with its own value.
                assert_eq!(
                    m.index_number.as_deref(),
                    Some("MB1234567/2022-00034"),
                    "{case}"
                );
                assert_eq!(
                    m.fields.get("有效性").map(String::as_str),
                    Some("有效"),
                    "{case}"
                );
                assert_eq!(
                    m.publish_date.map(|d| d.to_string()).as_deref(),
                    Some("2022-01-20"),
                    "{case}"
                );
            }
        }
    }
}

/// Labels in brackets (`【发布机构】某某县人民政府办公室 【发布日期】2022-01-20`), with or without
/// a gap or a colon between the pairs, in full-width or ASCII brackets, Simplified or Traditional.
#[test]
fn labels_in_brackets() {
    let pairs = |open: &str, close: &str, colon: &str, gap: &str, labels: [&str; 4]| {
        let [issuer, date, index, number] = labels;
        format!(
            "{open}{issuer}{close}{colon}某某县人民政府办公室{gap}{open}{date}{close}{colon}2022-01-20\
             {gap}{open}{index}{close}{colon}002649186/2022-01241{gap}{open}{number}{close}{colon}\
             某政办〔2022〕第3号"
        )
    };
    let scripts = [
        ["发布机构", "发布日期", "索引号", "文号"],
        ["發佈機構", "發佈日期", "索引號", "文號"],
    ];
    for labels in scripts {
        for (open, close) in [("【", "】"), ("[", "]"), ("［", "］")] {
            for colon in ["", "：", ":"] {
                for gap in [" ", "&nbsp;&nbsp;", "", "</span><span>"] {
                    let line = pairs(open, close, colon, gap, labels);
                    let html = page(
                        "<title>x</title>",
                        &format!(
                            "<div class=\"xl-info\"><span>{line}</span></div>\
                             <h1>某某县人民政府2021年政府信息公开工作年度报告</h1>\
                             <div class=\"tools\">【<a href=\"javascript:print()\">打印</a>】</div>"
                        ),
                    );
                    let m = read(&html, "");
                    let case = &line;
                    assert_eq!(
                        m.issuing_body.as_deref(),
                        Some("某某县人民政府办公室"),
                        "{case}"
                    );
                    assert_eq!(
                        m.publish_date.map(|d| d.to_string()).as_deref(),
                        Some("2022-01-20"),
                        "{case}"
                    );
                    assert_eq!(
                        m.index_number.as_deref(),
                        Some("002649186/2022-01241"),
                        "{case}"
                    );
                    assert_eq!(
                        m.doc_number.as_deref(),
                        Some("某政办〔2022〕第3号"),
                        "{case}"
                    );
                }
            }
        }
    }
}

/// A source line names the body before any date printed after it; the site itself (本站, 本网,
/// 原创, the portal's own name) is no body.
#[test]
fn source_lines_with_dates_and_the_site_itself() {
    let cases = [
        ("来源：和义县财政局　2022-01-20 10:30", Some("和义县财政局")),
        ("来源：和义县财政局（2022-01-20）", Some("和义县财政局")),
        (
            "信息来源：和义县财政局　[ 2022-01-20 ]",
            Some("和义县财政局"),
        ),
        ("來源：和義縣財政局 2022年1月20日", Some("和義縣財政局")),
        ("来源：本站原创", None),
        ("来源：本网", None),
        ("来源：和义县人民政府网", None),
        ("来源：和义县人民政府门户网站", None),
        ("来源：admin", None),
    ];
    for (line, want) in cases {
        let html = page(
            "<title>2021年政府信息公开工作年度报告</title>",
            &format!(
                "<h2>2021年政府信息公开工作年度报告</h2><div class=\"art-info\">{line}</div>\
                 <div class=\"content\"><p>一、总体情况</p><p>本年度主动公开政府信息若干条。</p></div>"
            ),
        );
        let m = read(&html, "");
        assert_eq!(m.issuing_body.as_deref(), want, "{line}");
        if want.is_some() {
            let provenance = prov(&m, "issuing_body").unwrap_or_default();
            assert!(provenance.starts_with("label:"), "{line}: {provenance}");
        }
    }
}

/// The article's heading beats a sidebar heading that the `<title>` also names (a column's
/// `<h3>政府信息公开</h3>` comes first on the page and agrees with `…_政府信息公开_…` too), in
/// Simplified and Traditional, whichever heading tag the sidebar uses.
#[test]
fn the_articles_heading_beats_a_sidebar_heading_the_title_also_names() {
    let cases = [
        (
            "政府信息公开",
            "泽林区教育局2023年政府信息公开工作年度报告",
            "h3",
        ),
        (
            "年度报告",
            "泽林区教育局2023年政府信息公开工作年度报告",
            "h2",
        ),
        (
            "政府資訊公開",
            "澤林區教育局2023年政府資訊公開工作年度報告",
            "h3",
        ),
        (
            "信息公开年报",
            "泽林区2023年政府信息公开工作年度报告",
            "div class=\"title\"",
        ),
    ];
    for (column, report, tag) in cases {
        let close = tag.split(' ').next().unwrap_or(tag);
        let html = page(
            &format!("<title>{report}_{column}_泽林区人民政府</title>"),
            &format!(
                "<aside class=\"side\"><{tag}>{column}</{close}><ul><li><a href=\"/a/\">机构职能</a></li>\
                 <li><a href=\"/b/\">{column}</a></li></ul></aside>\
                 <main><h1 class=\"article-title\">{report}</h1>\
                 <div class=\"content\"><p>一、总体情况</p><p>本年度共主动公开政府信息若干条。</p></div></main>"
            ),
        );
        let m = read(&html, "泽林区人民政府");
        assert_eq!(m.title.as_deref(), Some(report), "{column} in <{tag}>");
        assert_eq!(prov(&m, "title").as_deref(), Some("heading"), "{column}");
    }
}

/// A list that cuts long titles ("清河县2011年政府信息公开工作...") gives way to the page's
/// `<title>` that goes on where the cut stops; an uncut list title, or a `<title>` that is
/// something else, does not.
#[test]
fn a_cut_list_title_gives_way_to_the_whole_title() {
    let whole = "清河县财政局2010年政府信息公开工作年度报告";
    let body = "<table><tr><td>详见附件：<a href=\"/UploadFiles/201103/201103281263.doc\">201103281263.doc</a></td></tr></table>";
    for (listed, title_tag, want, want_prov) in [
        (
            "清河县财政局2010年政府信息公...",
            format!("{whole} - 清河县人民政府"),
            whole,
            "title_tag",
        ),
        (
            "清河县财政局2010年政府信息公…",
            format!("{whole}_清河县人民政府"),
            whole,
            "title_tag",
        ),
        (
            "清河县财政局2010年政府信息公开工作年度报告",
            "公开年报 - 清河县人民政府".to_string(),
            whole,
            "list",
        ),
        (
            "清河县财政局2010年政府信息公...",
            "公开年报 - 清河县人民政府".to_string(),
            "清河县财政局2010年政府信息公...",
            "list",
        ),
    ] {
        let html = page(&format!("<title>{title_tag}</title>"), body);
        let evidence = ListEvidence {
            title: Some(listed.to_string()),
            ..ListEvidence::default()
        };
        let m = extract(&url(URL), &html, &evidence, "清河县人民政府");
        assert_eq!(m.title.as_deref(), Some(want), "{listed} / {title_tag}");
        assert_eq!(
            prov(&m, "title").as_deref(),
            Some(want_prov),
            "{listed} / {title_tag}"
        );
    }
}

/// A page filed in the 年报 column (its ColumnName meta and a `/xxgknb/` path) whose title names
/// a document of another kind is no annual report unless its body shows the report's headings or
/// statistics period; a title that says 年度报告 without saying whose still is one.
#[test]
fn a_page_in_the_report_column_whose_title_names_another_document() {
    let at = "http://www.mmx.gov.cn/zwgk/xxgknb/202301/t20230110_6001.html";
    let column = "<meta name=\"ColumnName\" content=\"政府信息公开年报\">";
    let sections = "<p>一、总体情况</p><p>二、主动公开政府信息情况</p><p>三、收到和处理政府信息公开申请情况</p>";
    let cases = [
        (
            "2023年某某县人民政府工作报告",
            "<p>各位代表：现在，我代表县人民政府向大会报告工作。</p>",
            false,
        ),
        (
            "某某县2022年法治政府建设情况的报告",
            "<p>2022年，我县深入学习贯彻习近平法治思想。</p>",
            false,
        ),
        (
            "某某县2022年国民经济和社会发展统计公报",
            "<p>2022年，全县实现地区生产总值。</p>",
            false,
        ),
        (
            "某某县召开2023年政务公开工作推进会",
            "<p>3月10日，我县召开政务公开工作推进会。</p>",
            false,
        ),
        (
            "某某县2022年度部门决算公开",
            "<p>一、部门基本情况</p>",
            false,
        ),
        (
            "某縣召開2023年政務公開工作推進會",
            "<p>3月10日，我縣召開推進會。</p>",
            false,
        ),
        ("某某镇2022年度报告", "<p>详见附件。</p>", true),
        ("2023年某某县人民政府工作报告", sections, true),
    ];
    for (title, body, want) in cases {
        let html = page(
            &format!("<title>{title}</title>{column}"),
            &format!("<h1>{title}</h1><div class=\"content\">{body}</div>"),
        );
        let m = read_at(at, &html);
        assert_eq!(m.is_annual_report, want, "{title} / {body}");
    }
}

/// Title shapes that name the issuer in other ways: a double name in brackets (one office under
/// two names), a bracketed year before the body, `关于…情况的报告`; and the opening sentence that
/// puts its basis before `由XX编制`.
#[test]
fn issuers_of_double_names_bracketed_years_and_basis_first_openings() {
    let text = "<p>一、总体情况</p><p>本年度共主动公开信息若干条。</p>";
    check_issuers(
        vec![
            (
                "double name",
                titled(
                    "某某县住房和城乡建设局（某某县人民防空办公室）2022年政府信息公开工作年度报告",
                    text,
                ),
                Some("某某县住房和城乡建设局"),
                Some("title"),
            ),
            (
                "double name, ASCII brackets, Traditional",
                titled(
                    "某某縣住房和城鄉建設局(某某縣人民防空辦公室)2022年政府信息公開工作年度報告",
                    text,
                ),
                Some("某某縣住房和城鄉建設局"),
                Some("title"),
            ),
            (
                "bracketed year first",
                titled("【2022年度】某某县商务局政府信息公开工作年度报告", text),
                Some("某某县商务局"),
                Some("title"),
            ),
            (
                "关于…情况的报告",
                titled("关于某某县司法局2022年度政府信息公开工作情况的报告", text),
                Some("某某县司法局"),
                Some("title"),
            ),
        ],
        "",
    );
    for opening in [
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》要求，由某某县商务局编制。",
        "本报告是根据《条例》要求，由某某县商务局编制的2022年度政府信息公开工作年度报告。",
        "本報告依據《條例》要求，由某某縣商務局編製。",
    ] {
        let html = page(
            "<title>政府信息公开工作年度报告</title>",
            &format!(
                "<h1>政府信息公开工作年度报告</h1><div class=\"content\"><p>{opening}</p>{text}</div>"
            ),
        );
        let m = read(&html, "");
        let want = if opening.contains('縣') {
            "某某縣商務局"
        } else {
            "某某县商务局"
        };
        assert_eq!(m.issuing_body.as_deref(), Some(want), "{opening}");
        assert_eq!(
            prov(&m, "issuing_body").as_deref(),
            Some("opening"),
            "{opening}"
        );
    }
}

/// A list that links a report straight to its PDF or DOC: the issuing body is the one the list
/// title names (the title rule, as for a page), in Simplified and Traditional.
#[test]
fn a_document_listed_straight_names_its_issuer_by_its_title() {
    for (title, want) in [
        (
            "丰源县桂花乡人民政府2008年政府信息公开工作年度报告",
            Some("丰源县桂花乡人民政府"),
        ),
        (
            "豐源縣桂花鄉人民政府2008年政府信息公開工作年度報告",
            Some("豐源縣桂花鄉人民政府"),
        ),
        ("2008年政府信息公开工作年度报告", None),
    ] {
        let at = url("http://www.example.gov.cn/ndbg/200903/P0200903210103.pdf");
        let analysis = analyse(
            PageInput {
                url: &at,
                status: 200,
                content_type: Some("application/pdf"),
                body: b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n",
            },
            &PageRole::Item {
                evidence: ListEvidence {
                    title: Some(title.to_string()),
                    ..ListEvidence::default()
                },
                portal_name: String::new(),
            },
        );
        let View::Item { metadata, .. } = analysis.view else {
            panic!("{title}: not read as an item");
        };
        assert_eq!(metadata.issuing_body.as_deref(), want, "{title}");
        assert!(metadata.is_annual_report, "{title}");
    }
}

/// An info bar of spans printed side by side (`<span>信息来源：区教育局</span><span>浏览次数：
/// <i></i></span><span>字号：大 中 小</span>`): the text has no gap between them, and the view
/// counter, the font-size switch or the next publishing label still ends the value, in
/// Simplified and Traditional.
#[test]
fn spans_side_by_side_end_each_others_values() {
    let bars = [
        (
            "<span>发布时间：2024-01-25 10:25</span><span>信息来源：区教育局</span><span>浏览次数：<i id=\"hits\"></i></span>",
            "区教育局",
        ),
        (
            "<span>信息来源：区教育局</span><span>浏览次数：<i id=\"hits\"></i></span><span>字号：大 中 小</span>",
            "区教育局",
        ),
        (
            "<span>信息来源：区教育局</span><span>字号：<a href=\"#\">大</a> <a href=\"#\">中</a></span>",
            "区教育局",
        ),
        (
            "<span>信息来源：区教育局</span><span>发布时间：2024-01-25</span>",
            "区教育局",
        ),
        (
            "<span>信息來源：區教育局</span><span>瀏覽次數：<i id=\"hits\"></i></span><span>字號：大 中 小</span>",
            "區教育局",
        ),
    ];
    for (bar, want) in bars {
        let html = page(
            "<title>政府信息公开工作年度报告</title>",
            &format!(
                "<h1>政府信息公开工作年度报告</h1><div class=\"info\">{bar}</div>\
                 <div class=\"content\"><p>一、总体情况</p><p>本年度共主动公开信息若干条。</p></div>"
            ),
        );
        let m = read(&html, "");
        let source = m.fields.get("信息来源").map(String::as_str);
        assert_eq!(source, Some(want), "{bar}: {:?}", m.fields);
        assert!(
            !m.fields.contains_key("字号"),
            "{bar}: furniture is no field"
        );
    }
}

/// A page whose heading says only 政府信息公开工作年度报告, and whose text states no statistics
/// period, takes its year from the list entry's title; a year the page gives wins over it, and a
/// list title of another kind gives none.
#[test]
fn the_year_only_the_list_entry_prints() {
    let body = "<h1>政府信息公开工作年度报告</h1><div class=\"content\"><p>一、总体情况</p>\
                <p>本机关认真贯彻落实《中华人民共和国政府信息公开条例》。</p></div>";
    let cases = [
        (
            "和义县民政局2009年政府信息公开工作年度报告",
            body.to_string(),
            Some(2009),
            Some("list"),
        ),
        (
            "和義縣民政局2009年政府資訊公開工作年度報告",
            body.to_string(),
            Some(2009),
            Some("list"),
        ),
        (
            "和义县民政局2009年政府信息公开工作年度报告",
            body.replace("政府信息公开工作年度报告", "2010年政府信息公开工作年度报告"),
            Some(2010),
            Some("title"),
        ),
        ("和义县民政局2009年工作总结", body.to_string(), None, None),
    ];
    for (listed, body, year, source) in cases {
        let html = page("<title>政府信息公开工作年度报告</title>", &body);
        let evidence = ListEvidence {
            title: Some(listed.to_string()),
            ..ListEvidence::default()
        };
        let m = extract(&url(URL), &html, &evidence, "和义县人民政府");
        assert!(m.is_annual_report, "{listed}");
        assert_eq!(m.report_year, year, "{listed}");
        assert_eq!(prov(&m, "report_year").as_deref(), source, "{listed}");
    }
}

// Templates a probe found read wrongly: placeholders, issuers cut inside their own names, values
// running into page tools, unknown issuer labels, 文号 forms, colon look-alikes, bodies named
// with excluded words, header-row tables and years only the opening gives. Each pattern is
// generated over layouts, scripts and, where bytes differ, encodings.

/// A metadata block built from (label, value) pairs, the colon printed after each label.
type MetaLayout = fn(&[(&str, &str)], char) -> String;

/// The metadata layouts templates print: th/td rows, label and value cells, one inline line,
/// `<dl>`, `<li>` spans.
fn meta_layouts() -> [(&'static str, MetaLayout); 5] {
    [
        ("th/td rows", |pairs, colon| {
            let rows: String = pairs
                .iter()
                .map(|(l, v)| format!("<tr><th>{l}{colon}</th><td>{v}</td></tr>"))
                .collect();
            format!("<table class=\"meta\">{rows}</table>")
        }),
        ("four cells a row", |pairs, colon| {
            let rows: String = pairs
                .chunks(2)
                .map(|row| {
                    let cells: String = row
                        .iter()
                        .map(|(l, v)| format!("<td>{l}{colon}</td><td>{v}</td>"))
                        .collect();
                    format!("<tr>{cells}</tr>")
                })
                .collect();
            format!("<table>{rows}</table>")
        }),
        ("one inline line", |pairs, colon| {
            let line: Vec<String> = pairs
                .iter()
                .map(|(l, v)| format!("{l}{colon}{v}"))
                .collect();
            format!("<p class=\"info\">{}</p>", line.join("\u{3000}"))
        }),
        ("dl", |pairs, colon| {
            let items: String = pairs
                .iter()
                .map(|(l, v)| format!("<dt>{l}{colon}</dt><dd>{v}</dd>"))
                .collect();
            format!("<dl>{items}</dl>")
        }),
        ("li spans", |pairs, colon| {
            let items: String = pairs
                .iter()
                .map(|(l, v)| format!("<li><span>{l}{colon}</span><span>{v}</span></li>"))
                .collect();
            format!("<ul class=\"info\">{items}</ul>")
        }),
    ]
}

/// A report page: `title` in `<title>` and the heading, `meta` above the text (in characters
/// that GBK and Big5 both hold).
fn report_page(title: &str, meta: &str) -> String {
    page(
        &format!("<title>{title}</title>"),
        &format!(
            "<div class=\"xxgk-meta\">{meta}</div><h1>{title}</h1><div class=\"content\">\
             <p>本年度正文。</p></div>"
        ),
    )
}

/// Labels as printed in Simplified and in Traditional: 索引号, 发布机构, 文号, 发布日期, 来源.
const LABEL_SCRIPTS: [(&str, [&str; 5]); 2] = [
    (
        "Simplified",
        ["索引号", "发布机构", "文号", "发布日期", "来源"],
    ),
    (
        "Traditional",
        ["索引號", "發佈機構", "文號", "發佈日期", "來源"],
    ),
];

/// A page read as the crawl reads it: `html` encoded in `encoding`, the charset in the header.
/// `None` when the encoding cannot hold the page.
fn read_encoded(html: &str, encoding: &'static encoding_rs::Encoding) -> Option<Metadata> {
    let (body, _, unmappable) = encoding.encode(html);
    if unmappable {
        return None;
    }
    let at = url(URL);
    let content_type = format!("text/html; charset={}", encoding.name());
    let analysis = analyse(
        PageInput {
            url: &at,
            status: 200,
            content_type: Some(&content_type),
            body: &body,
        },
        &PageRole::Item {
            evidence: ListEvidence::default(),
            portal_name: String::new(),
        },
    );
    match analysis.view {
        View::Item { metadata, .. } => Some(*metadata),
        _ => panic!("{}: not read as an item", encoding.name()),
    }
}

/// A slot printed with a placeholder (`发布机构：无`, `文号：无文号`, `索引号：/`) has no value: every
/// field reads it as not given, and a real body named by 来源 or the title is the issuer.
#[test]
fn placeholders_are_no_values() {
    let placeholders = [
        "无",
        "無",
        "暂无",
        "暫無",
        "/",
        "-",
        "—",
        "无文号",
        "無文號",
        "暂无文号",
        "（无）",
        "(无)",
        "不适用",
        "不適用",
        "空",
        "无号",
    ];
    let title = "阿勒泰市2022年政府信息公开工作年度报告";
    for (layout, build) in meta_layouts() {
        for (script, [index, issuer, number, date, source]) in LABEL_SCRIPTS {
            for none in placeholders {
                let case = format!("{layout}, {script}, {none:?}");
                let block = build(
                    &[
                        (index, none),
                        (issuer, none),
                        (number, none),
                        (date, "2023-01-15"),
                    ],
                    '：',
                );
                let with_source = format!("{block}<p>{source}：阿勒泰市人民政府办公室</p>");
                let m = read(&report_page(title, &with_source), "");
                assert_eq!(m.index_number, None, "{case}: 索引号");
                assert_eq!(m.doc_number, None, "{case}: 文号");
                assert_eq!(
                    m.issuing_body.as_deref(),
                    Some("阿勒泰市人民政府办公室"),
                    "{case}: {:?}",
                    m.fields
                );
                assert_eq!(
                    prov(&m, "issuing_body").as_deref(),
                    Some("label:来源"),
                    "{case}"
                );
                assert_eq!(
                    m.publish_date.map(|d| d.to_string()).as_deref(),
                    Some("2023-01-15"),
                    "{case}"
                );
                // Without a 来源 the title names the body; a 来源 printing a placeholder is none.
                for source_line in ["", &format!("<p>{source}：{none}</p>")] {
                    let m = read(&report_page(title, &format!("{block}{source_line}")), "");
                    assert_eq!(m.issuing_body.as_deref(), Some("阿勒泰市"), "{case}");
                    assert_eq!(prov(&m, "issuing_body").as_deref(), Some("title"), "{case}");
                }
            }
        }
    }
}

/// A body whose name opens with the disclosure words (`…市政务服务管理局`, `…市政府信息中心`) is not
/// cut to the city, and a body writing about another (`…办公室关于…市2022年…`) is the writer.
#[test]
fn titles_name_bodies_whose_names_hold_the_disclosure_words() {
    let cases = [
        (
            "阿勒泰市政务服务管理局2022年政府信息公开工作年度报告",
            "阿勒泰市政务服务管理局",
        ),
        (
            "阿勒泰市政務服務管理局2022年政府資訊公開工作年度報告",
            "阿勒泰市政務服務管理局",
        ),
        (
            "阿勒泰市政务服务和公共资源交易中心2022年政府信息公开工作年度报告",
            "阿勒泰市政务服务和公共资源交易中心",
        ),
        (
            "阿勒泰市政府信息中心2022年政府信息公开工作年度报告",
            "阿勒泰市政府信息中心",
        ),
        (
            "阿勒泰市信息公开办公室2022年政府信息公开工作年度报告",
            "阿勒泰市信息公开办公室",
        ),
        (
            "阿勒泰市政務服務和大數據管理局2022年度政府資訊公開工作年度報告",
            "阿勒泰市政務服務和大數據管理局",
        ),
        (
            "阿勒泰市人民政府办公室关于阿勒泰市2022年政府信息公开工作年度报告",
            "阿勒泰市人民政府办公室",
        ),
        (
            "阿勒泰市人民政府辦公室關於阿勒泰市2022年政府資訊公開工作年度報告",
            "阿勒泰市人民政府辦公室",
        ),
        // Unchanged: the city's own reports.
        ("阿勒泰市2022年政务公开工作年度报告", "阿勒泰市"),
        (
            "阿勒泰市人民政府信息公开工作2022年度报告",
            "阿勒泰市人民政府",
        ),
    ];
    for (title, want) in cases {
        for (shape, html) in [
            ("heading", report_page(title, "")),
            (
                "title tag only",
                page(&format!("<title>{title}</title>"), "<p>正文。</p>"),
            ),
        ] {
            let m = read(&html, "");
            assert_eq!(m.issuing_body.as_deref(), Some(want), "{title} ({shape})");
            assert_eq!(
                prov(&m, "issuing_body").as_deref(),
                Some("title"),
                "{title}"
            );
            assert!(m.is_annual_report, "{title}");
        }
    }
}

/// A `<title>` that joins the site's name with an em dash, single or doubled, before or after
/// the report's title: the title is the report's, and so is the body it names.
#[test]
fn em_dashes_join_the_site_name_to_the_title() {
    for (site, report, body) in [
        (
            "阿勒泰市人民政府",
            "阿勒泰市2022年政府信息公开工作年度报告",
            "阿勒泰市",
        ),
        (
            "阿勒泰市人民政府",
            "阿勒泰市2022年政府資訊公開工作年度報告",
            "阿勒泰市",
        ),
    ] {
        for joined in [
            format!("{site}—{report}"),
            format!("{site}——{report}"),
            format!("{report}—{site}"),
            format!("{report}——{site}"),
            format!("{site} — {report}"),
        ] {
            let html = page(
                &format!("<title>{joined}</title>"),
                "<h1></h1><p>一、总体情况</p>",
            );
            let m = read(&html, "");
            assert_eq!(m.title.as_deref(), Some(report), "{joined}");
            assert_eq!(m.issuing_body.as_deref(), Some(body), "{joined}");
        }
    }
}

/// A value ends where the page's furniture starts: a bracketed block (`【字体：大 中 小】`,
/// `【打印本页】`), another label with its colon, known or not (`编辑：`, `有效期：`), or a page
/// tool's word. Inline, in spans, and each part in its own span; Simplified and Traditional.
#[test]
fn values_end_where_the_page_furniture_starts() {
    let org = "阿勒泰市人民政府办公室";
    let tails = [
        " 【字体：大 中 小】",
        "【字体：<a href=\"#\">大</a> <a href=\"#\">中</a> <a href=\"#\">小</a>】",
        " 【打印本页】 【关闭窗口】",
        "【打印】【关闭】",
        " 编辑：张三",
        "\u{3000}有效期：长期",
        " 打印本页 关闭窗口",
        " 分享到：",
        " 【字體：大 中 小】",
        " 【列印本頁】 【關閉窗口】",
        " 編輯：張三",
    ];
    let title = "2022年政府信息公开工作年度报告";
    for label in ["发布机构", "來源", "来源", "信息来源", "發佈機構"] {
        let canonical = nianbao::extract::normalise_label(label);
        for tail in tails {
            for (shape, bar) in [
                ("inline", format!("<p>{label}：{org}{tail}</p>")),
                (
                    "label span",
                    format!("<div><span>{label}：</span><span>{org}</span>{tail}</div>"),
                ),
                (
                    "label span, text value",
                    format!("<div><span>{label}：</span>{org}<span>{tail}</span></div>"),
                ),
                (
                    "a span each",
                    format!(
                        "<div><span>发布时间：2023-01-15 10:20</span><span>{label}：{org}</span>\
                         <span>{tail}</span></div>"
                    ),
                ),
            ] {
                let case = format!("{label}, {shape}: {tail:?}");
                let m = read(&report_page(title, &bar), "");
                assert_eq!(
                    m.fields.get(&canonical).map(String::as_str),
                    Some(org),
                    "{case}: {:?}",
                    m.fields
                );
                assert_eq!(m.issuing_body.as_deref(), Some(org), "{case}");
            }
        }
    }
    // Each label of a span bar ends the one before (`<span>来源：</span><span>…</span>
    // <span>编辑：</span>…`).
    let bar = format!(
        "<div><span>来源：</span><span>{org}</span><span>编辑：</span><span>张三</span>\
         <span>发布时间：</span><span>2023-01-15</span></div>"
    );
    let m = read(&report_page(title, &bar), "");
    assert_eq!(m.fields.get("来源").map(String::as_str), Some(org));
    assert_eq!(
        m.publish_date.map(|d| d.to_string()).as_deref(),
        Some("2023-01-15")
    );
    // A 文号's bracketed year is part of it; the furniture after it is not.
    for (printed, want) in [
        ("阿政发【2023】1号 【打印】", "阿政发【2023】1号"),
        ("阿政发[2023]1号 【关闭窗口】", "阿政发[2023]1号"),
        ("阿政發【2023】1號 【列印】", "阿政發【2023】1號"),
    ] {
        let m = read(&report_page(title, &format!("<p>文号：{printed}</p>")), "");
        assert_eq!(m.doc_number.as_deref(), Some(want), "{printed}");
    }
}

/// Issuer labels of other templates: 公开单位, 发布机关, 公开责任部门, 信息发布机构, in every layout
/// and either script.
#[test]
fn issuer_labels_of_other_templates() {
    let org = "阿勒泰市人民政府办公室";
    let labels = [
        ("公开单位", "公开单位"),
        ("公開單位", "公开单位"),
        ("发布机关", "发布机关"),
        ("發佈機關", "发布机关"),
        ("公开责任部门", "公开责任部门"),
        ("公開責任部門", "公开责任部门"),
        ("信息发布机构", "信息发布机构"),
        ("信息發佈機構", "信息发布机构"),
    ];
    for (layout, build) in meta_layouts() {
        for (printed, canonical) in labels {
            for (title, want_prov) in [
                (
                    "2022年政府信息公开工作年度报告",
                    format!("label:{canonical}"),
                ),
                (
                    "阿勒泰市2022年政府信息公开工作年度报告",
                    format!("label:{canonical}"),
                ),
            ] {
                let block = build(&[(printed, org), ("发布日期", "2023-01-15")], '：');
                let m = read(&report_page(title, &block), "");
                let case = format!("{layout}, {printed}, {title}");
                assert_eq!(
                    m.issuing_body.as_deref(),
                    Some(org),
                    "{case}: {:?}",
                    m.fields
                );
                assert_eq!(
                    prov(&m, "issuing_body").as_deref(),
                    Some(want_prov.as_str()),
                    "{case}"
                );
            }
        }
    }
}

/// 文号 forms: small brackets ﹝﹞, 〖〗, full-width digits, a range of numbers, a year joined with
/// a dash; in every layout, in UTF-8, GBK and Big5 where the encoding holds the form.
#[test]
fn doc_numbers_in_every_bracket_and_digit() {
    let numbers = [
        "阿市政办发﹝2023﹞1号",
        "阿市政办发〔２０２３〕１号",
        "阿市政办发〖2023〗1号",
        "阿市政办函〔2023〕1-2号",
        "阿市政办发2023-1号",
        "阿市政辦發﹝2023﹞1號",
        "阿市政辦發〔２０２３〕１號",
    ];
    let mut read_in = [0usize; 3];
    for (layout, build) in meta_layouts() {
        for number in numbers {
            let traditional = number.contains('辦');
            let ([index, issuer, label, date, _], org, title) = if traditional {
                (
                    LABEL_SCRIPTS[1].1,
                    "阿勒泰市人民政府辦公室",
                    "阿勒泰市2022年政府資訊公開工作年度報告",
                )
            } else {
                (
                    LABEL_SCRIPTS[0].1,
                    "阿勒泰市人民政府办公室",
                    "阿勒泰市2022年政府信息公开工作年度报告",
                )
            };
            let block = build(
                &[
                    (index, "11654300MB0123456X/2023-00012"),
                    (issuer, org),
                    (label, number),
                    (date, "2023-01-15"),
                ],
                '：',
            );
            let html = report_page(title, &block);
            for (i, encoding) in [encoding_rs::UTF_8, encoding_rs::GBK, encoding_rs::BIG5]
                .into_iter()
                .enumerate()
            {
                let Some(m) = read_encoded(&html, encoding) else {
                    continue;
                };
                read_in[i] += 1;
                let case = format!("{layout}, {number}, {}", encoding.name());
                assert_eq!(m.doc_number.as_deref(), Some(number), "{case}");
            }
        }
    }
    assert!(read_in.iter().all(|n| *n > 0), "{read_in:?}");
}

/// Colons other than `：` and `:` after labels: `∶` (U+2236, from Word), `﹕`, `︰`, `︓`. In every
/// layout and script, in UTF-8, GBK and Big5 where the encoding holds the colon.
#[test]
fn labels_with_colon_look_alikes() {
    let mut read_in = [0usize; 3];
    for colon in ['∶', '﹕', '︰', '︓', '：', ':'] {
        for (layout, build) in meta_layouts() {
            for (script, [index, issuer, number, date, _]) in LABEL_SCRIPTS {
                let (org, doc, title) = if script == "Simplified" {
                    (
                        "阿勒泰市人民政府办公室",
                        "阿市政办发〔2023〕5号",
                        "2022年政府信息公开工作年度报告",
                    )
                } else {
                    (
                        "阿勒泰市人民政府辦公室",
                        "阿市政辦發〔2023〕5號",
                        "2022年政府資訊公開工作年度報告",
                    )
                };
                let block = build(
                    &[
                        (index, "11654300MB0123456X/2023-00012"),
                        (issuer, org),
                        (number, doc),
                        (date, "2023-01-15"),
                    ],
                    colon,
                );
                let html = report_page(title, &block);
                for (i, encoding) in [encoding_rs::UTF_8, encoding_rs::GBK, encoding_rs::BIG5]
                    .into_iter()
                    .enumerate()
                {
                    let Some(m) = read_encoded(&html, encoding) else {
                        continue;
                    };
                    read_in[i] += 1;
                    let case = format!("{colon}, {layout}, {script}, {}", encoding.name());
                    assert_eq!(
                        m.index_number.as_deref(),
                        Some("11654300MB0123456X/2023-00012"),
                        "{case}: {:?}",
                        m.fields
                    );
                    assert_eq!(m.issuing_body.as_deref(), Some(org), "{case}");
                    assert_eq!(m.doc_number.as_deref(), Some(doc), "{case}");
                    assert_eq!(
                        m.publish_date.map(|d| d.to_string()).as_deref(),
                        Some("2023-01-15"),
                        "{case}"
                    );
                }
            }
        }
    }
    assert!(read_in.iter().all(|n| *n > 0), "{read_in:?}");
}

/// A body whose own name holds a word that keeps other titles out (评估, 培训, 检查) still
/// publishes reports; the same words outside its name still keep a title out.
#[test]
fn reports_of_bodies_named_with_excluded_words() {
    let reports = [
        (
            "上海市教育评估院2022年政府信息公开工作年度报告",
            "上海市教育评估院",
        ),
        (
            "上海市教育評估院2022年政府資訊公開工作年度報告",
            "上海市教育評估院",
        ),
        (
            "新疆维吾尔自治区环境工程评估中心2022年政府信息公开工作年度报告",
            "新疆维吾尔自治区环境工程评估中心",
        ),
        (
            "阿勒泰市职业技能培训中心2022年政府信息公开工作年度报告",
            "阿勒泰市职业技能培训中心",
        ),
        (
            "阿勒泰市食品药品检查所2022年政府信息公开工作年度报告",
            "阿勒泰市食品药品检查所",
        ),
        (
            "阿勒泰市食品藥品檢查所2022年政府資訊公開工作年度報告",
            "阿勒泰市食品藥品檢查所",
        ),
    ];
    for (title, body) in reports {
        let m = read(&report_page(title, ""), "");
        assert!(m.is_annual_report, "{title}");
        assert_eq!(prov(&m, "is_annual_report").as_deref(), Some("title"));
        assert_eq!(m.issuing_body.as_deref(), Some(body), "{title}");
        assert_eq!(m.report_year, Some(2022), "{title}");
    }
    for title in [
        "上海市教育评估院2022年政府信息公开工作年度报告解读",
        "一图读懂阿勒泰市2022年政府信息公开工作年度报告",
        "图解阿勒泰市2022年政府信息公开年报",
        "阿勒泰市2022年政府信息公开年报编制培训会召开",
        "阿勒泰市职业技能培训中心关于报送2022年政府信息公开工作年度报告的通知",
    ] {
        let m = read(&report_page(title, ""), "");
        assert!(!m.is_annual_report, "{title}");
    }
}

/// A metadata table whose labels make a header row and whose values are the row below, in th
/// or td cells and either script; a row of blank label cells above a row of pairs is not one.
#[test]
fn labels_in_a_header_row_values_in_the_next() {
    for (script, [index, issuer, number, date, _]) in LABEL_SCRIPTS {
        for cell in ["th", "td"] {
            let head: String = [index, issuer, number, date]
                .iter()
                .map(|l| format!("<{cell}>{l}</{cell}>"))
                .collect();
            let values: String = [
                "11654300MB0123456X/2023-00012",
                "阿勒泰市人民政府办公室",
                "阿市政办发〔2023〕5号",
                "2023-01-15",
            ]
            .iter()
            .map(|v| format!("<td>{v}</td>"))
            .collect();
            let table = format!("<table><tr>{head}</tr><tr>{values}</tr></table>");
            let m = read(
                &report_page("阿勒泰市2022年政府信息公开工作年度报告", &table),
                "",
            );
            let case = format!("{script}, {cell}");
            assert_eq!(
                m.index_number.as_deref(),
                Some("11654300MB0123456X/2023-00012"),
                "{case}: {:?}",
                m.fields
            );
            assert_eq!(
                m.issuing_body.as_deref(),
                Some("阿勒泰市人民政府办公室"),
                "{case}"
            );
            assert_eq!(
                prov(&m, "issuing_body").as_deref(),
                Some("label:发布机构"),
                "{case}"
            );
            assert_eq!(
                m.doc_number.as_deref(),
                Some("阿市政办发〔2023〕5号"),
                "{case}"
            );
            assert_eq!(
                m.publish_date.map(|d| d.to_string()).as_deref(),
                Some("2023-01-15"),
                "{case}"
            );
        }
    }
    let pairs = "<table><tr><td>文号：</td><td>发布机构：</td></tr>\
                 <tr><td>发布日期：</td><td>2022-01-20</td></tr></table>";
    let m = read(
        &report_page("阿勒泰市2022年政府信息公开工作年度报告", pairs),
        "",
    );
    assert_eq!(m.fields.get("发布机构"), None, "{:?}", m.fields);
    assert_eq!(m.fields.get("文号"), None, "{:?}", m.fields);
}

/// The year a report covers when only its opening says it (`现将本单位2022年度…报告如下`,
/// `统计期限为2022年度`), and not the year a title gives for a revision or publication.
#[test]
fn years_the_opening_gives_and_revision_years() {
    let title = "阿勒泰市政府信息公开工作年度报告";
    for opening in [
        "根据《条例》规定，现将本单位2022年度政府信息公开工作情况报告如下。",
        "现将阿勒泰市2022年政府信息公开工作年度报告公布如下。",
        "本报告中所列数据的统计期限为2022年度。",
        "根據《條例》規定，現將本單位2022年度政府資訊公開工作情況報告如下。",
        "本報告中所列數據的統計期限為2022年度。",
    ] {
        let html = page(
            &format!("<title>{title}</title>"),
            &format!(
                "<h1>{title}</h1><div class=\"content\"><p>{opening}</p><p>一、总体情况</p>\
                 <p>2023年，我市认真贯彻落实。</p></div>"
            ),
        );
        let m = read(&html, "");
        assert_eq!(m.report_year, Some(2022), "{opening}");
        assert_eq!(prov(&m, "report_year").as_deref(), Some("opening"));
        // Not a report: the opening gives no year.
        let notice = html.replace(title, "关于做好政务公开工作的通知");
        assert_eq!(read(&notice, "").report_year, None, "{opening}");
    }
    for title in [
        "阿勒泰市2022年政府信息公开工作年度报告（2023年度修订）",
        "阿勒泰市2022年政府資訊公開工作年度報告（2023年度修訂）",
        "2023年度发布：阿勒泰市2022年政府信息公开工作年度报告",
    ] {
        let m = read(&report_page(title, ""), "");
        assert_eq!(m.report_year, Some(2022), "{title}");
    }
}
