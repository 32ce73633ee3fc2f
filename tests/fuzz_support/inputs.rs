//! Inputs of each fuzz target in `tests/fuzz.rs`, built from the generators in `mod.rs`.

use std::time::Duration;

use chrono::NaiveDate;
use nianbao::extract::ListEvidence;
use proptest::prelude::*;

use super::*;

pub fn decode_input() -> impl Strategy<Value = (Vec<u8>, Option<String>)> {
    (
        prop_oneof![page_bytes(), prop::collection::vec(any::<u8>(), 0..512)],
        content_type(),
    )
}

pub fn prescan_input() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (
        prop_oneof![
            page_bytes(),
            (0usize..1200, "<meta charset=\"[a-z0-9-]{0,10}\">").prop_map(|(pad, meta)| {
                let mut b = b"<!DOCTYPE html><html><head>".to_vec();
                b.resize(b.len() + pad, b' ');
                b.extend_from_slice(meta.as_bytes());
                b
            }),
        ],
        prop_oneof![
            Just(b"<meta charset=\"gbk\">".to_vec()),
            Just(b"-->".to_vec()),
            Just(
                b"\"><meta http-equiv=\"Content-Type\" content=\"text/html; charset=big5\">"
                    .to_vec()
            ),
            prop::collection::vec(any::<u8>(), 0..64),
        ],
    )
}

pub fn classify_input() -> impl Strategy<Value = (u16, Option<String>, Vec<u8>)> {
    (
        prop_oneof![Just(200u16), Just(404), Just(412), Just(521), 100u16..600],
        content_type(),
        prop_oneof![
            page_bytes(),
            Just(b"%PDF-1.4\n%%EOF".to_vec()),
            Just(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec()),
            Just(b"PK\x03\x04".to_vec()),
            prop::collection::vec(any::<u8>(), 0..256),
        ],
    )
}

pub fn robots_input() -> impl Strategy<Value = (u16, Vec<u8>, String)> {
    (
        prop_oneof![Just(200u16), Just(404), Just(503), 100u16..600],
        robots_bytes(),
        "[a-zA-Z0-9/._?=*$%-]{0,30}",
    )
}

pub fn warc_input() -> impl Strategy<Value = (Vec<Vec<u8>>, prop::sample::Index)> {
    (
        prop::collection::vec(
            prop_oneof![
                4 => warc_member(),
                1 => prop::collection::vec(any::<u8>(), 0..64),
            ],
            0..5,
        ),
        any::<prop::sample::Index>(),
    )
}

pub fn extract_input() -> impl Strategy<Value = (String, ListEvidence)> {
    let text = prop_oneof![
        Just(String::new()),
        Just("某某县人民政府".to_string()),
        Just("——某某县人民政府".to_string()),
        Just(" \u{3000}\n".to_string()),
        "\\PC{0,20}"
    ];
    let fields = prop::collection::vec(
        (
            prop::sample::select(&["发布机构", "索引号", "文号", "发布日期", "", " "][..])
                .prop_map(str::to_string),
            prop_oneof![Just(String::new()), Just("无".to_string()), "\\PC{0,12}"],
        ),
        0..4,
    );
    (
        page(),
        proptest::option::of(text),
        proptest::option::of(valid_date()),
        fields,
    )
        .prop_map(|(html, title, date, fields)| {
            (
                html,
                ListEvidence {
                    title,
                    date,
                    fields,
                    list_name: None,
                },
            )
        })
}

pub fn valid_date() -> impl Strategy<Value = NaiveDate> {
    (1990i32..2100, 1u32..13, 1u32..29)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("day 1-28 exists"))
}

pub fn date_input() -> impl Strategy<Value = String> {
    prop_oneof![
        date_text(),
        (date_text(), "\\PC{0,8}", date_text()).prop_map(|(a, b, c)| format!("{a}{b}{c}")),
        "[0-9年月日〇零一二三四五六七八九十/.: -]{0,30}",
        "[０-９年月日〇○O/.: -]{0,30}",
        "\\PC{0,40}",
    ]
}

pub fn retry_after_input() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        "[0-9]{15,30}",
        (-1_000_000_000i64..10_000_000_000).prop_map(|s| {
            httpdate::fmt_http_date(std::time::UNIX_EPOCH + Duration::from_secs(s.unsigned_abs()))
        }),
        Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
        Just("-1".to_string()),
        Just("1e9".to_string()),
        "\\PC{0,40}",
    ]
}

/// Pieces a statistics table's cells are made of: the template's labels and headers, section
/// headings, numbers plain and odd (`1e308`, `NaN`, `-0`, 40 digits), blanks and stray text.
const TABLE_PIECES: &[&str] = &[
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "二、主动公开政府信息情况",
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
    "总计",
    "合计",
    "小计",
    "行政复议",
    "行政诉讼",
    "结果维持",
    "结果纠正",
    "尚未审结",
    "未经复议直接起诉",
    "复议后起诉",
    "信息内容",
    "第二十条第（一）项",
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "三、本年度办理结果",
    "（一）予以公开",
    "（六）其他处理",
    "1.申请人无正当理由逾期不补正",
    "（七）总计",
    "四、结转下年度继续办理",
    "本年收费金额（单位：万元）",
    "0",
    "1",
    "12",
    "3.5",
    "1e308",
    "NaN",
    "-0",
    "-3",
    "inf",
    "1234567890123456789012345678901234567890",
    "２５",
    "/",
    "—",
    "",
    " ",
];

fn table_cell() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(TABLE_PIECES).prop_map(str::to_string),
        1 => "\\PC{0,6}",
        1 => (0u64..100_000).prop_map(|n| n.to_string()),
    ]
}

/// A text as extracted from a report (`read_text`: `cell |` lines, tab-separated and
/// space-aligned rows, wrapped label parts) or a spreadsheet's text (`read_sheet_text`: a sheet
/// name, then rows with a tab after each cell).
pub fn table_text() -> impl Strategy<Value = String> {
    let line = (
        prop::collection::vec(table_cell(), 0..12),
        prop::sample::select(vec!["\t", "    ", "  ", " |\n", "\u{3000}\u{3000}", " "]),
        any::<bool>(),
    )
        .prop_map(|(cells, sep, trailing)| {
            let mut line = cells.join(sep);
            if trailing {
                line.push_str(sep);
            }
            line
        });
    (any::<bool>(), prop::collection::vec(line, 0..60)).prop_map(|(sheet, lines)| {
        let body = lines.join("\n");
        if sheet {
            format!("Sheet1\n{body}")
        } else {
            body
        }
    })
}
