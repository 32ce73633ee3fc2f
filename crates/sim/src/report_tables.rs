//! Simulator statistics tables for report bodies: sections 二, 三 and 四 shaped as the printed
//! templates (2021: 国办公开办函〔2021〕30号; 2019: 〔2019〕60号, reports for 2019 and 2020), with
//! rowspan/colspan headers and numbers that balance. Applications carried into the next year and
//! the 现行有效 count of 规范性文件 follow one issuer (the report's subject) from year to year, so
//! that the cross-year checks pass, except in 阿拉山口市's 2021 report, whose 上年结转 is off by
//! two on purpose (`BROKEN_CARRY`).

use super::Numbers;

/// The layout of the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    F2021,
    F2019,
}

/// The one issuer and year whose 二、上年结转 does not equal the 四、结转下年度 of the year before.
pub(crate) const BROKEN_CARRY: (&str, i32) = ("阿拉山口市", 2021);

/// A stable number stream per issuer and year, independent of the document's seed.
fn issuer_numbers(subject: &str, year: i32) -> Numbers {
    let seed = subject.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    Numbers::new(year, seed)
}

/// Applications (自然人) carried into the next year at the end of `year`.
pub(crate) fn carried_forward(subject: &str, year: i32) -> u64 {
    issuer_numbers(subject, year).next(4)
}

/// Applications (自然人) carried over from the year before, as this year's report states them.
fn carried_over(subject: &str, year: i32) -> u64 {
    let last = carried_forward(subject, year - 1);
    if (subject, year) == BROKEN_CARRY {
        last + 2
    } else {
        last
    }
}

/// 行政规范性文件 issued and repealed in `year` (2021 format years).
fn documents(subject: &str, year: i32) -> (u64, u64) {
    let mut n = issuer_numbers(subject, year);
    let _ = n.next(4);
    (n.next(12), n.next(4))
}

/// 现行有效 行政规范性文件 at the end of `year`: a base at the end of 2020, then the year's
/// issued minus repealed.
fn in_force(subject: &str, year: i32) -> u64 {
    let base = 30 + issuer_numbers(subject, 2020).next(60);
    (2021..=year.min(2100)).fold(base, |count, y| {
        let (issued, repealed) = documents(subject, y);
        (count + issued).saturating_sub(repealed)
    })
}

/// A cell: text, rowspan, colspan.
type Td = (String, u32, u32);

fn td(text: impl Into<String>) -> Td {
    (text.into(), 1, 1)
}

fn span(text: impl Into<String>, rows: u32, cols: u32) -> Td {
    (text.into(), rows, cols)
}

fn html(rows: &[Vec<Td>]) -> String {
    let mut out = String::from(
        "<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\" style=\"border-collapse:collapse;width:100%\">\n<tbody>\n",
    );
    for row in rows {
        out.push_str("<tr>");
        for (text, r, c) in row {
            let mut attrs = String::new();
            if *r > 1 {
                attrs.push_str(&format!(" rowspan=\"{r}\""));
            }
            if *c > 1 {
                attrs.push_str(&format!(" colspan=\"{c}\""));
            }
            out.push_str(&format!(
                "<td{attrs} style=\"text-align:center\">{text}</td>"
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

/// Section 二.
#[allow(clippy::too_many_arguments)]
pub(crate) fn proactive(
    subject: &str,
    year: i32,
    n: &mut Numbers,
    format: Format,
    permits: u64,
    penalties: u64,
    force: u64,
    fees: u64,
) -> String {
    let s = |v: u64| v.to_string();
    let caption = |item: &str, cols: u32| vec![span(format!("第二十条第（{item}）项"), 1, cols)];
    match format {
        Format::F2021 => {
            let (issued, repealed) = documents(subject, year);
            html(&[
                caption("一", 4),
                vec![
                    td("信息内容"),
                    td("本年制发件数"),
                    td("本年废止件数"),
                    td("现行有效件数"),
                ],
                vec![td("规章"), td("0"), td("0"), td("0")],
                vec![
                    td("行政规范性文件"),
                    td(s(issued)),
                    td(s(repealed)),
                    td(s(in_force(subject, year))),
                ],
                caption("五", 4),
                vec![td("信息内容"), span("本年处理决定数量", 1, 3)],
                vec![td("行政许可"), span(s(permits), 1, 3)],
                caption("六", 4),
                vec![td("信息内容"), span("本年处理决定数量", 1, 3)],
                vec![td("行政处罚"), span(s(penalties), 1, 3)],
                vec![td("行政强制"), span(s(force), 1, 3)],
                caption("八", 4),
                vec![td("信息内容"), span("本年收费金额（单位：万元）", 1, 3)],
                vec![td("行政事业性收费"), span(s(fees), 1, 3)],
            ])
        }
        Format::F2019 => {
            let made = n.next(10);
            let items = 20 + n.next(80);
            html(&[
                caption("一", 4),
                vec![
                    td("信息内容"),
                    td("本年新制作数量"),
                    td("本年新公开数量"),
                    td("对外公开总数量"),
                ],
                vec![td("规章"), td("0"), td("0"), td("0")],
                vec![
                    td("规范性文件"),
                    td(s(made)),
                    td(s(made)),
                    td(s(made + 20 + n.next(40))),
                ],
                caption("五", 4),
                vec![
                    td("信息内容"),
                    td("上一年项目数量"),
                    td("本年增/减"),
                    td("处理决定数量"),
                ],
                vec![
                    td("行政许可"),
                    td(s(items)),
                    td(s(n.next(5))),
                    td(s(permits)),
                ],
                vec![
                    td("其他对外管理服务事项"),
                    td(s(n.next(20))),
                    td("0"),
                    td(s(n.next(50))),
                ],
                caption("六", 4),
                vec![
                    td("信息内容"),
                    td("上一年项目数量"),
                    td("本年增/减"),
                    td("处理决定数量"),
                ],
                vec![td("行政处罚"), td(s(items + 40)), td("0"), td(s(penalties))],
                vec![td("行政强制"), td(s(n.next(10))), td("0"), td(s(force))],
                caption("八", 4),
                vec![
                    td("信息内容"),
                    td("上一年项目数量"),
                    span("本年增/减", 1, 2),
                ],
                vec![td("行政事业性收费"), td(s(n.next(10))), span("0", 1, 2)],
                caption("九", 4),
                vec![td("信息内容"), td("采购项目数量"), span("采购总金额", 1, 2)],
                vec![
                    td("政府集中采购"),
                    td(s(n.next(30))),
                    span(s(fees * 3), 1, 2),
                ],
            ])
        }
    }
}

const WITHHELD: [&str; 8] = [
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
];
const UNAVAILABLE: [&str; 3] = [
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
];
const NOT_PROCESSED: [&str; 5] = [
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
];
const OTHER_2021: [&str; 3] = [
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
];

/// The numbered sub-items of table 三's （三）to（六） in the 2021 format, in printed order.
pub(crate) fn sub_items_2021() -> impl Iterator<Item = &'static str> {
    WITHHELD
        .into_iter()
        .chain(UNAVAILABLE)
        .chain(NOT_PROCESSED)
        .chain(OTHER_2021)
}

/// Section 三: `people` (自然人) and `firms` (商业企业) new applications; every column balances.
pub(crate) fn applications(
    subject: &str,
    year: i32,
    people: u64,
    firms: u64,
    n: &mut Numbers,
    format: Format,
) -> String {
    let over = carried_over(subject, year);
    let forward = carried_forward(subject, year);
    // What was answered this year, split over the disposition rows, per column.
    let answered_people = (people + over).saturating_sub(forward);
    let partial = n.next(answered_people / 3 + 1).min(answered_people);
    let unavailable = n
        .next((answered_people - partial) / 2 + 1)
        .min(answered_people - partial);
    let public = answered_people - partial - unavailable;
    let row = |people: u64, firms: u64| -> Vec<Td> {
        let v = [people, firms, 0, 0, 0, 0, people + firms];
        v.iter().map(|x| td(x.to_string())).collect()
    };
    let zeros = || row(0, 0);
    let other_rows = match format {
        Format::F2021 => 3,
        Format::F2019 => 1,
    };
    let result_rows = 2 + 8 + 3 + 5 + other_rows + 1;
    let mut rows = vec![
        vec![
            span(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                3,
                3,
            ),
            span("申请人情况", 1, 7),
        ],
        vec![
            span("自然人", 2, 1),
            span("法人或其他组织", 1, 5),
            span("总计", 2, 1),
        ],
        [
            "商业企业",
            "科研机构",
            "社会公益组织",
            "法律服务机构",
            "其他",
        ]
        .iter()
        .map(|h| td(*h))
        .collect(),
    ];
    let with = |mut head: Vec<Td>, values: Vec<Td>| {
        head.extend(values);
        head
    };
    rows.push(with(
        vec![span("一、本年新收政府信息公开申请数量", 1, 3)],
        row(people, firms),
    ));
    rows.push(with(
        vec![span("二、上年结转政府信息公开申请数量", 1, 3)],
        row(over, 0),
    ));
    rows.push(with(
        vec![
            span("三、本年度办理结果", result_rows, 1),
            span("（一）予以公开", 1, 2),
        ],
        row(public, firms),
    ));
    rows.push(with(
        vec![span(
            "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
            1,
            2,
        )],
        row(partial, 0),
    ));
    for (i, label) in WITHHELD.iter().enumerate() {
        let mut head = Vec::new();
        if i == 0 {
            head.push(span("（三）不予公开", 8, 1));
        }
        head.push(td(*label));
        rows.push(with(head, zeros()));
    }
    for (i, label) in UNAVAILABLE.iter().enumerate() {
        let mut head = Vec::new();
        if i == 0 {
            head.push(span("（四）无法提供", 3, 1));
        }
        head.push(td(*label));
        rows.push(with(
            head,
            if i == 0 { row(unavailable, 0) } else { zeros() },
        ));
    }
    for (i, label) in NOT_PROCESSED.iter().enumerate() {
        let mut head = Vec::new();
        if i == 0 {
            head.push(span("（五）不予处理", 5, 1));
        }
        head.push(td(*label));
        rows.push(with(head, zeros()));
    }
    match format {
        Format::F2021 => {
            for (i, label) in OTHER_2021.iter().enumerate() {
                let mut head = Vec::new();
                if i == 0 {
                    head.push(span("（六）其他处理", 3, 1));
                }
                head.push(td(*label));
                rows.push(with(head, zeros()));
            }
        }
        Format::F2019 => rows.push(with(vec![span("（六）其他处理", 1, 2)], zeros())),
    }
    rows.push(with(
        vec![span("（七）总计", 1, 2)],
        row(answered_people, firms),
    ));
    rows.push(with(
        vec![span("四、结转下年度继续办理", 1, 3)],
        row(forward, 0),
    ));
    html(&rows)
}

/// Section 四: 行政复议 and the two kinds of 行政诉讼, each total the sum of its four results.
pub(crate) fn reviews(n: &mut Numbers) -> String {
    let group = |n: &mut Numbers, most: u64| -> Vec<u64> {
        let v: Vec<u64> = (0..4).map(|_| n.next(most)).collect();
        let total = v.iter().sum();
        v.into_iter().chain([total]).collect()
    };
    let review = group(n, 3);
    let direct = group(n, 2);
    let after = group(n, 2);
    let heads = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    let mut rows = vec![
        vec![span("行政复议", 1, 5), span("行政诉讼", 1, 10)],
        heads.iter().map(|h| span(*h, 2, 1)).collect::<Vec<_>>(),
        heads.iter().chain(heads.iter()).map(|h| td(*h)).collect(),
    ];
    rows[1].extend([span("未经复议直接起诉", 1, 5), span("复议后起诉", 1, 5)]);
    rows.push(
        review
            .iter()
            .chain(&direct)
            .chain(&after)
            .map(|v| td(v.to_string()))
            .collect(),
    );
    html(&rows)
}

/// Simplified characters of the tables' labels and their Traditional forms (as the Big5 portal
/// writes them); 信息 stays, as some Traditional reports print it.
const TRADITIONAL: &[(char, char)] = &[
    ('总', '總'),
    ('计', '計'),
    ('业', '業'),
    ('构', '構'),
    ('织', '織'),
    ('务', '務'),
    ('机', '機'),
    ('处', '處'),
    ('开', '開'),
    ('请', '請'),
    ('结', '結'),
    ('转', '轉'),
    ('数', '數'),
    ('维', '維'),
    ('诉', '訴'),
    ('讼', '訟'),
    ('复', '複'),
    ('议', '議'),
    ('审', '審'),
    ('纠', '糾'),
    ('许', '許'),
    ('罚', '罰'),
    ('强', '強'),
    ('费', '費'),
    ('规', '規'),
    ('范', '範'),
    ('废', '廢'),
    ('现', '現'),
    ('发', '發'),
    ('决', '決'),
    ('内', '內'),
    ('属', '屬'),
    ('国', '國'),
    ('护', '護'),
    ('权', '權'),
    ('类', '類'),
    ('执', '執'),
    ('询', '詢'),
    ('项', '項'),
    ('无', '無'),
    ('关', '關'),
    ('补', '補'),
    ('确', '確'),
    ('认', '認'),
    ('获', '獲'),
    ('访', '訪'),
    ('举', '舉'),
    ('况', '況'),
    ('条', '條'),
    ('额', '額'),
    ('单', '單'),
    ('万', '萬'),
    ('购', '購'),
    ('减', '減'),
    ('稳', '穩'),
    ('级', '級'),
    ('办', '辦'),
    ('会', '會'),
    ('师', '師'),
    ('缴', '繳'),
    ('纳', '納'),
    ('当', '當'),
    ('没', '沒'),
    ('读', '讀'),
    ('为', '為'),
    ('区', '區'),
    ('号', '號'),
    ('对', '對'),
    ('报', '報'),
    ('组', '組'),
    ('经', '經'),
    ('继', '繼'),
    ('续', '續'),
    ('过', '過'),
    ('这', '這'),
];

/// A table's HTML with its labels in Traditional characters.
pub(crate) fn traditional(html: &str) -> String {
    html.chars()
        .map(|c| {
            TRADITIONAL
                .iter()
                .find(|(s, _)| *s == c)
                .map_or(c, |(_, t)| *t)
        })
        .collect()
}
