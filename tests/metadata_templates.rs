//! Detail-page templates written the way Chinese government CMSs print their metadata, none of
//! them taken from a portal the extractor was tuned on: header lines whose pairs sit in
//! side-by-side inline elements, 元月 dates, a report year given only as a whole calendar year in
//! the opening, and hostile shapes. Each page runs through `extract`, the item reader the page
//! pipeline calls.

use chrono::NaiveDate;
use nianbao::extract::{ListEvidence, Metadata, extract, normalise_label};
use url::Url;

/// A URL with no date in it: a publish date must come from the page.
const URL: &str = "http://www.heyi.gov.cn/zwgk/content/id_4471.html";
const TITLE: &str = "和义县2022年政府信息公开工作年度报告";
const BODY: &str = "和义县人民政府办公室";
const INDEX: &str = "113600MB1234567X/2023-00012";
const OPENING: &str = "<div class=\"content\"><p>根据《中华人民共和国政府信息公开条例》要求，现将\
    本单位政府信息公开工作情况报告如下。</p><p>一、总体情况</p><p>二、主动公开政府信息情况</p></div>";

fn read(html: &str) -> Metadata {
    let url = Url::parse(URL).expect("the test URL is absolute");
    extract(&url, html, &ListEvidence::default(), "和义县人民政府")
}

/// A detail page: `<title>`, heading, the metadata block as given, then `body`.
fn page(title: &str, block: &str, body: &str) -> String {
    format!(
        "<html><head><meta charset=\"utf-8\"><title>{title}_和义县人民政府</title></head>\
         <body><div class=\"main\"><h1>{title}</h1>{block}{body}</div></body></html>"
    )
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Header lines (`来源：… 发布时间：… 浏览次数：`) whose pairs sit in inline elements side by
/// side, so the text of one runs into the next with no gap: each pair ends with its element, and
/// the next element's label (known or not) is never part of the value.
#[test]
fn header_line_pairs_in_side_by_side_inline_elements() {
    let cases = [
        (
            "spans, source after the date, an empty author after it",
            format!(
                "<div class=\"info\"><span>发布时间：2023-01-05 10:20:00</span><span>来源：{BODY}</span>\
                 <span>作者：</span><span>阅读：123</span></div>"
            ),
            "label:来源",
        ),
        (
            "spans, an unknown label (责任编辑) after the source",
            format!(
                "<div class=\"info\"><span>发布时间：2023-01-05</span><span>信息来源：{BODY}</span>\
                 <span>责任编辑：张三</span></div>"
            ),
            "label:信息来源",
        ),
        (
            "labels as text, values in <em>",
            format!(
                "<div class=\"info\">发布时间：<em>2023-01-05 10:20</em>来源：<em>{BODY}</em>\
                 作者：<em>办公室</em></div>"
            ),
            "label:来源",
        ),
        (
            "labels as text, an unknown label after the value",
            format!(
                "<div class=\"info\">发布时间：<b>2023-01-05</b>来源：<b>{BODY}</b>编辑：<b>李四</b></div>"
            ),
            "label:来源",
        ),
        (
            "spans, source first",
            format!(
                "<div class=\"info\"><span>来源：{BODY}</span><span>发布时间：2023-01-05</span>\
                 <span>浏览次数：12</span></div>"
            ),
            "label:来源",
        ),
        (
            "a <font> header inside a table cell",
            format!(
                "<table><tr><td><font>发布日期：2023年1月5日</font><font>信息来源：{BODY}</font>\
                 <font>点击数：8</font></td></tr></table>"
            ),
            "label:信息来源",
        ),
        (
            "資訊來源, the Traditional-script usage for 信息来源",
            format!("<div class=\"info\">資訊來源：{BODY}　發佈時間：2023-01-05</div>"),
            "label:资讯来源",
        ),
        (
            "资讯来源 in spans",
            format!(
                "<div class=\"info\"><span>资讯来源：{BODY}</span><span>发布日期：2023-01-05</span></div>"
            ),
            "label:资讯来源",
        ),
    ];
    for (case, block, provenance) in cases {
        let m = read(&page(TITLE, &block, OPENING));
        assert_eq!(m.issuing_body.as_deref(), Some(BODY), "{case}: {m:#?}");
        assert_eq!(
            m.provenance.get("issuing_body").map(String::as_str),
            Some(provenance),
            "{case}"
        );
        assert_eq!(m.publish_date, date(2023, 1, 5), "{case}");
        assert!(
            m.fields
                .values()
                .all(|v| !v.contains("作者") && !v.contains("编辑")),
            "{case}: a value holds the next label: {:?}",
            m.fields
        );
    }
}

/// The metadata blocks the CMSs print, each read the same: th/td and td/td pairs (two or three a
/// row, a label with the value in one cell), dl/dt/dd, `<li><span>label：</span>value</li>`, `<p>`
/// lines and `<br>` lines, labels padded with spaces, `&nbsp;` and U+3000, in Traditional script.
#[test]
fn metadata_blocks_of_every_shape() {
    let blocks = [
        format!(
            "<table><tr><th>索引号：</th><td>{INDEX}</td><th>发布机构：</th><td>{BODY}</td></tr>\
             <tr><th>发布日期：</th><td>2023-01-05</td><th>文号：</th><td>无</td></tr></table>"
        ),
        format!(
            "<table><tr><td>索引号</td><td>{INDEX}</td><td>发布机构</td><td>{BODY}</td>\
             <td>发布日期</td><td>2023年1月5日</td></tr></table>"
        ),
        format!(
            "<table><tr><td>索&nbsp;引&nbsp;号：{INDEX}</td><td>发布机构：{BODY}</td></tr>\
             <tr><td>发布日期：2023年01月05日</td><td>文　　号：</td></tr></table>"
        ),
        format!(
            "<table><tr><td>索　引　号</td><td>{INDEX}</td></tr><tr><td>发文机关</td><td>{BODY}</td></tr>\
             <tr><td>成文日期</td><td>2022年12月30日</td></tr><tr><td>公开日期</td><td>2023/1/5</td></tr></table>"
        ),
        format!(
            "<dl><dt>索引号：</dt><dd>{INDEX}</dd><dt>发布单位：</dt><dd>{BODY}</dd>\
             <dt>发布日期：</dt><dd>2023.01.05</dd></dl>"
        ),
        format!(
            "<ul><li><span>索 引 号：</span>{INDEX}</li><li><span>发布机构：</span>{BODY}</li>\
             <li><span>发布时间：</span>2023-01-05 10:20:33</li></ul>"
        ),
        format!(
            "<div><p>索引号:{INDEX}</p><p>发布机构:{BODY}</p><p>发布日期:2023/01/05 09:00</p></div>"
        ),
        format!(
            "<div>索引号：{INDEX}<br>发布机构：{BODY}<br>发布日期：二〇二三年一月五日<br></div>"
        ),
        format!(
            "<table><tr><td>索引號：</td><td>{INDEX}</td><td>發佈機構：</td><td>{BODY}</td></tr>\
             <tr><td>發佈日期：</td><td>2023年1月5日</td></tr></table>"
        ),
    ];
    for block in blocks {
        let m = read(&page(TITLE, &block, OPENING));
        assert_eq!(m.index_number.as_deref(), Some(INDEX), "{block}");
        assert_eq!(m.issuing_body.as_deref(), Some(BODY), "{block}");
        assert_eq!(m.publish_date, date(2023, 1, 5), "{block}");
        assert_eq!(m.report_year, Some(2022), "{block}");
        assert_eq!(m.doc_number, None, "{block}");
    }
}

/// A label with no colon opening a line, a space before its value (`<p>索引号 113600…</p>`): read
/// when the rest of the line is the field's value by its shape alone (a code, a body's name, a
/// date); a line of running text that opens with the same words gives nothing.
#[test]
fn labels_with_no_colon_opening_a_line() {
    let blocks = [
        format!("<p>索引号 {INDEX}</p><p>发布机构 {BODY}</p><p>发布日期 2023-01-05</p>"),
        format!(
            "<div>索 引 号&nbsp;&nbsp;{INDEX}<br>发布单位　{BODY}<br>发布时间 2023年1月5日 10:20</div>"
        ),
        format!("<p>索引號 {INDEX}</p><p>發佈機構 {BODY}</p><p>公開日期 二〇二三年一月五日</p>"),
    ];
    for block in blocks {
        let m = read(&page(TITLE, &block, OPENING));
        assert_eq!(m.index_number.as_deref(), Some(INDEX), "{block}");
        assert_eq!(m.issuing_body.as_deref(), Some(BODY), "{block}");
        assert_eq!(m.publish_date, date(2023, 1, 5), "{block}");
    }
    let prose = "<div class=\"content\"><p>发布机构 负责本机关政府信息公开的日常工作</p>\
                 <p>索引号 由系统自动生成</p><p>发布日期 以本网站公布为准</p>\
                 <p>发布机构 调整后由县政府办公室</p><p>一、总体情况</p></div>";
    let m = read(&page("和义县政府信息公开工作年度报告", "", prose));
    assert_eq!(m.index_number, None, "{:?}", m.fields);
    assert_eq!(m.publish_date, None, "{:?}", m.fields);
    assert!(
        m.provenance
            .get("issuing_body")
            .is_none_or(|p| !p.starts_with("label:")),
        "{:?}",
        m.provenance
    );
}

/// 元月 is January: `2023年元月5日` and `二〇二三年元月五日` are the 5th of January.
#[test]
fn yuanyue_is_january() {
    for printed in [
        "2023年元月5日",
        "2023年元月05日 10:20",
        "二〇二三年元月五日",
    ] {
        let block =
            format!("<p>索引号：{INDEX}</p><p>发布机构：{BODY}</p><p>发布日期：{printed}</p>");
        let m = read(&page(TITLE, &block, OPENING));
        assert_eq!(m.publish_date, date(2023, 1, 5), "{printed}");
        assert_eq!(
            m.provenance.get("publish_date").map(String::as_str),
            Some("label:发布日期"),
            "{printed}"
        );
    }
}

/// A report whose title names no year, whose opening gives the period only as a whole calendar
/// year (no 统计期限 before it, or in Chinese numerals): that year is the report year. A period
/// over two years or part of one gives none.
#[test]
fn report_year_from_a_whole_calendar_year_in_the_opening() {
    let block = format!("<p>索引号：{INDEX}</p><p>发布机构：{BODY}</p><p>发布日期：2023-01-05</p>");
    let title = "和义县政府信息公开工作年度报告";
    let cases = [
        (
            "本报告根据《中华人民共和国政府信息公开条例》编制，所列数据为2022年1月1日至12月31日期间的情况。",
            Some(2022),
        ),
        (
            "本报告根据《中华人民共和国政府信息公开条例》编制，报告期为二〇二二年一月一日至十二月三十一日。",
            Some(2022),
        ),
        (
            "本报告根据《条例》编制，报告期为2022年01月01日起至2022年12月31日止。",
            Some(2022),
        ),
        (
            "本报告根据《条例》编制，所列数据为2021年1月1日至2022年12月31日的累计。",
            None,
        ),
        (
            "本报告根据《条例》编制。2022年1月1日至6月30日，共收到申请3件。",
            None,
        ),
    ];
    for (opening, want) in cases {
        let body = format!("<div class=\"content\"><p>{opening}</p><p>一、总体情况</p></div>");
        let m = read(&page(title, &block, &body));
        assert!(m.is_annual_report, "{opening}");
        assert_eq!(m.report_year, want, "{opening}");
        // The publish year is never taken for the report year.
        assert_ne!(m.report_year, Some(2023), "{opening}");
    }
}

/// Hostile shapes: labels with no value, two different issuers, labels inside the article text,
/// label cells holding only labels, a 5,000-cell table and deep nesting. Nothing panics and
/// nothing the page does not state is extracted.
#[test]
fn hostile_shapes_give_nothing_wrong() {
    let empty = "<table><tr><td>索引号：</td><td></td><td>发布机构：</td><td></td></tr>\
                 <tr><td>发布日期：</td><td></td><td>文号：</td><td></td></tr></table>";
    let m = read(&page(TITLE, empty, OPENING));
    assert_eq!(
        (m.index_number, m.publish_date),
        (None, None),
        "empty slots"
    );
    assert_ne!(m.issuing_body.as_deref(), Some("发布日期："), "empty slots");

    let labels_only = "<table><tr><td>发布机构：</td><td>发布日期：</td></tr>\
                       <tr><td>索引号：</td><td>文号：</td></tr></table>";
    let m = read(&page(TITLE, labels_only, OPENING));
    assert_eq!(
        (m.index_number, m.publish_date),
        (None, None),
        "labels only"
    );
    let labels = ["发布机构", "发布日期", "索引号", "文号"];
    assert!(
        m.fields
            .values()
            .all(|v| !labels.contains(&normalise_label(v).as_str())),
        "labels only: a label taken for a value: {:?}",
        m.fields
    );

    let in_text = "<div class=\"content\"><p>本机关发布日期以本网站公布为准。本机关发布机构调整情况\
                   详见附件。</p><p>发布日期：见附件</p></div>";
    let m = read(&page(TITLE, "", in_text));
    assert_eq!(m.publish_date, None, "labels in the article text");
    assert_eq!(m.index_number, None, "labels in the article text");

    // Two issuer labels that disagree: one of them, never a blend or a third name.
    let two = format!(
        "<table><tr><td>发布机构</td><td>{BODY}</td></tr><tr><td>发文机关</td><td>和义县财政局</td></tr>\
         </table><p>发布日期：2023-01-05</p>"
    );
    let m = read(&page(TITLE, &two, OPENING));
    assert!(
        matches!(m.issuing_body.as_deref(), Some(BODY | "和义县财政局")),
        "{:?}",
        m.issuing_body
    );

    let cells: String = (0..500)
        .map(|row| {
            let cells: String = (0..10)
                .map(|c| format!("<td>{}</td>", row * 10 + c))
                .collect();
            format!("<tr>{cells}</tr>")
        })
        .collect();
    let block = format!("<p>索引号：{INDEX}</p><p>发布机构：{BODY}</p><p>发布日期：2023-01-05</p>");
    let m = read(&page(
        TITLE,
        &block,
        &format!("{OPENING}<table>{cells}</table>"),
    ));
    assert_eq!(m.index_number.as_deref(), Some(INDEX), "5,000 cells");
    assert_eq!(m.publish_date, date(2023, 1, 5), "5,000 cells");

    let many_spans = "<span>来源：</span>".repeat(5_000);
    let m = read(&page(TITLE, &many_spans, OPENING));
    assert_ne!(
        m.issuing_body.as_deref(),
        Some("来源："),
        "5,000 empty source spans"
    );

    let deep = format!(
        "{}{block}{}",
        "<span>".repeat(3_000),
        "</span>".repeat(3_000)
    );
    let _ = read(&page(TITLE, &deep, OPENING));
}
