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
