//! The same-report rule on the two sample report texts and the Pingtan real page, read by path,
//! and on their Traditional copies made at test time: the evidence behind its thresholds.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

use super::*;

/// The converter the Traditional copies below are made with, at test time: fast2s inverted (see
/// its module for what that can and cannot prove).
#[path = "../../tests/hant_support/mod.rs"]
mod hant_support;

use hant_support::{assert_traditional, to_traditional};

fn sample(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/sample-reports")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What a revamp does to a report's text: a share line and a header with a date in the body.
fn revamped(text: &str) -> String {
    format!(
        "发布时间：2025-01-20 10:30:00 来源：本站\n{text}\n扫一扫在手机打开当前页\n【打印本页】【关闭窗口】"
    )
}

#[test]
fn a_revamped_report_is_the_same_report() {
    let text = sample("alashankou-2024-report.txt");
    let evidence = same_report(
        &fingerprint_of_text(&text),
        &fingerprint_of_text(&revamped(&text)),
    )
    .expect("the same report");
    assert!(evidence.text_jaccard >= 0.9, "{evidence:?}");
    assert_eq!(evidence.numbers_added, 6, "{evidence:?}");
}

#[test]
fn a_report_whose_figures_changed_is_not() {
    let text = sample("alashankou-2024-report.txt");
    // One figure of the report, corrected: the text is still over 0.9 alike.
    let corrected = revamped(&text.replacen("5975", "5976", 1));
    let (old, new) = (fingerprint_of_text(&text), fingerprint_of_text(&corrected));
    assert!(jaccard(&old.sketch, &new.sketch) >= 0.9);
    assert_eq!(same_report(&old, &new), None);
}

/// Two bodies' reports of one template: their texts differ in facts and figures, and share far
/// less than the threshold. A township copy of the same text with only its name changed would
/// pass the text rule: the title and issuing body keys are what tell such reports apart.
#[test]
fn two_reports_of_one_template_are_not() {
    let (a, b) = (
        sample("alashankou-2024-report.txt"),
        sample("artux-2017-report.txt"),
    );
    let (a, b) = (fingerprint_of_text(&a), fingerprint_of_text(&b));
    assert!(
        jaccard(&a.sketch, &b.sketch) < 0.5,
        "{}",
        jaccard(&a.sketch, &b.sketch)
    );
    assert_eq!(same_report(&a, &b), None);
    assert_ne!(
        body_key(Some("阿拉山口市人民政府办公室")),
        body_key(Some("博乐市人民政府"))
    );
}

/// Other words around the same figures (a template's zeros, a report rewritten): not the report.
#[test]
fn other_text_with_the_same_figures_is_not() {
    let text = sample("alashankou-2024-report.txt");
    let other: String = sample("artux-2017-report.txt")
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect();
    let old = fingerprint_of_text(&text);
    let new = fingerprint_of_text(&format!("{other}\n{}", old.numbers.join(" ")));
    assert_eq!(new.numbers, old.numbers);
    assert_eq!(same_report(&old, &new), None);
}

#[test]
fn titles_compare_without_spaces_punctuation_width_or_script() {
    let cases = [
        (
            "2022年度 政府信息公開工作年度報告（全文）",
            "2022年度政府信息公开工作年度报告(全文)",
        ),
        (
            "ＡＢＣ县２０２２年政府信息公开年度报告",
            "abc县2022年政府信息公开年度报告",
        ),
        ("【2022】政府信息公开年报", "2022政府信息公开年报"),
    ];
    for (a, b) in cases {
        assert_eq!(title_key(a), title_key(b), "{a} / {b}");
    }
    assert_ne!(
        title_key("2022年度政府信息公开年报"),
        title_key("2021年度政府信息公开年报")
    );
    assert_eq!(
        body_key(Some("和义县政府办")),
        body_key(Some("和义县人民政府"))
    );
    assert_eq!(body_key(None), None);
}

#[test]
fn the_estimate_is_exact_for_short_texts_and_bounded_for_long_ones() {
    let a = fingerprint_of_text("一二三四五六七八九十");
    assert!((jaccard(&a.sketch, &a.sketch) - 1.0).abs() < f64::EPSILON);
    assert_eq!(jaccard(&a.sketch, &fingerprint_of_text("").sketch), 0.0);
    let long = sample("artux-2017-report.txt");
    let f = fingerprint_of_text(&long);
    assert_eq!(f.sketch.len(), SKETCH_SIZE);
}

/// The linear pick of the smallest shingles keeps exactly what sorting them all keeps, also
/// when the smallest values repeat so often that the first pick holds too few distinct ones.
#[test]
fn the_sketch_is_the_smallest_distinct_hashes_whatever_their_repeats() {
    let plain = |mut v: Vec<u32>| {
        v.sort_unstable();
        v.dedup();
        v.truncate(SKETCH_SIZE);
        v
    };
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let spread: Vec<u32> = (0..20_000).map(|_| next() as u32).collect();
    let repeats: Vec<u32> = (0..20_000)
        .map(|i| if i % 3 == 0 { next() as u32 } else { 7 })
        .collect();
    let few: Vec<u32> = (0..5_000).map(|i| i % 300).collect();
    let short: Vec<u32> = (0..100).map(|_| next() as u32).collect();
    for hashes in [spread, repeats, few, short] {
        let mut picked = hashes.clone();
        bottom_k(&mut picked);
        assert_eq!(picked, plain(hashes));
    }
}

/// The crawl fingerprints a page from the lines extraction read; a report read back from its raw
/// file is fingerprinted from the parsed page: both must give the same fingerprint, or a revamp
/// of a report archived by an earlier version would never match.
#[test]
fn a_page_gives_one_fingerprint_from_its_lines_and_from_its_document() {
    let text = sample("alashankou-2024-report.txt");
    let paragraphs: String = text
        .lines()
        .map(|l| format!("<p>{}</p>", l.replace('<', "&lt;")))
        .collect();
    let html = format!(
        "<html><head><title>报告</title></head><body><div class=\"nav\">首页</div>\
         <div class=\"TRS_Editor\">{paragraphs}</div></body></html>"
    );
    let parsed = crate::page::parse(&html).expect("parses");
    let url = url::Url::parse("http://127.0.0.1/art/1.html").expect("a URL");
    let (_, lines) = crate::extract::extract_document_and_text(
        &url,
        &parsed.doc,
        encoding_rs::UTF_8,
        &crate::extract::ListEvidence::default(),
        "",
    );
    let from_lines = fingerprint_of_lines(&lines).expect("a fingerprint");
    assert_eq!(Some(from_lines.clone()), fingerprint_of_doc(&parsed.doc));
    assert!(
        from_lines.numbers.iter().any(|n| n == "5975"),
        "the article's text"
    );
}

/// The stored form reads back as it was written, and stays small: the index keeps one per annual
/// report.
#[test]
fn a_fingerprint_is_stored_compactly_and_reads_back_the_same() {
    let f = fingerprint_of_text(&sample("alashankou-2024-report.txt"));
    let stored = serde_json::to_string(&f).expect("serialises");
    assert_eq!(
        serde_json::from_str::<Fingerprint>(&stored).ok(),
        Some(f.clone())
    );
    // 256 hashes of 8 hex digits and 254 numbers with their commas, and the two keys.
    assert!(stored.len() < 3_200, "{} bytes", stored.len());
    let empty = fingerprint_of_text("");
    let stored = serde_json::to_string(&empty).expect("serialises");
    assert_eq!(
        serde_json::from_str::<Fingerprint>(&stored).ok(),
        Some(empty)
    );
    // A damaged entry is an error, not a panic.
    for bad in [
        r#"{"sketch":"abc","numbers":""}"#,
        r#"{"sketch":"zz","numbers":""}"#,
    ] {
        assert!(serde_json::from_str::<Fingerprint>(bad).is_err(), "{bad}");
    }
}

/// The test converter is one table whatever the build, and writes Traditional: the forms Big5
/// lists first, the characters Big5 has as they are.
#[test]
fn the_test_conversion_is_one_table_and_writes_traditional() {
    let table = hant_support::table();
    assert_eq!(*table, hant_support::build_table());
    for (s, t) in [
        ('发', '發'),
        ('验', '驗'),
        ('关', '關'),
        ('报', '報'),
        ('复', '復'),
    ] {
        assert_eq!(table.get(&s), Some(&t), "{s}");
    }
    for kept in ['合', '管', '面', '于'] {
        assert_eq!(table.get(&kept), None, "{kept}");
    }
    assert_eq!(to_traditional("“报告”"), "「報告」");
}

/// A page's metadata and fingerprint, as the crawl reads them.
fn read_page(html: &str, url: &str) -> (crate::extract::Metadata, Fingerprint) {
    let parsed = crate::page::parse(html).expect("parses");
    let url = url::Url::parse(url).expect("a URL");
    let (metadata, lines) = crate::extract::extract_document_and_text(
        &url,
        &parsed.doc,
        encoding_rs::UTF_8,
        &crate::extract::ListEvidence::default(),
        "",
    );
    let fingerprint = fingerprint_of_lines(&lines).expect("a fingerprint");
    (metadata, fingerprint)
}

/// The Pingtan 2024 report (real-pages-2) and its copy converted to Traditional in full: its
/// place name 平潭綜合實驗區 and every other character read as Simplified, the two have one title
/// key, one body key and nearly one text (an OpenCC copy, measured outside the tests, shared 0.72
/// with the vocabulary table alone).
#[test]
fn a_report_converted_to_traditional_in_full_is_the_same_report() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/real-pages-2/12-pingtan-2024-annual-report-item.html");
    let simplified =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let (s_meta, s_print) = read_page(
        &simplified,
        "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm",
    );
    let traditional = to_traditional(&simplified);
    assert_traditional(
        &simplified,
        &traditional,
        &[("报告", "報告"), ("综合实验区", "綜合實驗區")],
    );
    let (t_meta, t_print) = read_page(
        &traditional,
        "https://www.pingtan.gov.cn/gate/big5/www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202503/t20250310_97791.htm",
    );
    assert_eq!(
        t_meta.title.as_deref(),
        Some("平潭綜合實驗區2024年度政府信息公開工作年度報告")
    );
    assert!(wanted(&s_meta) && wanted(&t_meta), "{t_meta:?}");
    assert_eq!(s_meta.report_year, t_meta.report_year);
    assert_eq!(
        s_meta.title.as_deref().map(title_key),
        t_meta.title.as_deref().map(title_key)
    );
    assert_eq!(
        body_key(s_meta.issuing_body.as_deref()),
        body_key(t_meta.issuing_body.as_deref()),
        "{:?} / {:?}",
        s_meta.issuing_body,
        t_meta.issuing_body
    );
    let evidence = same_report(&s_print, &t_print).expect("the same report");
    println!("Pingtan Simplified / Traditional in full: {evidence:?}");
    assert!(evidence.text_jaccard >= 0.95, "{evidence:?}");
    assert_eq!(evidence.numbers_added, 0, "{evidence:?}");
    // Either way round.
    assert!(same_report(&t_print, &s_print).is_some());
}

/// The rule's negative cases with one side converted to Traditional in full: still not linked.
#[test]
fn in_traditional_too_other_reports_are_not_the_same_report() {
    let text = sample("alashankou-2024-report.txt");
    let text_hant = to_traditional(&text);
    assert_traditional(&text, &text_hant, &[("报告", "報告")]);
    let old = fingerprint_of_text(&text);
    // The copy itself is the report.
    let copy = same_report(&old, &fingerprint_of_text(&revamped(&text_hant)))
        .expect("the same report in Traditional");
    assert!(copy.text_jaccard >= 0.9, "{copy:?}");

    // One figure corrected in the Traditional copy: the text is as alike, the figures are not.
    let corrected = fingerprint_of_text(&revamped(&text_hant.replacen("5975", "5976", 1)));
    assert!(jaccard(&old.sketch, &corrected.sketch) >= 0.9);
    assert_eq!(same_report(&old, &corrected), None);

    // Two bodies' reports of one template, one of them in Traditional.
    let artux = sample("artux-2017-report.txt");
    let artux_hant = to_traditional(&artux);
    assert_traditional(&artux, &artux_hant, &[("报告", "報告")]);
    let other = fingerprint_of_text(&artux_hant);
    let shared = jaccard(&old.sketch, &other.sketch);
    assert!(shared < 0.5, "{shared}");
    assert_eq!(same_report(&old, &other), None);

    // Other words around the same figures.
    let words: String = artux_hant.chars().filter(|c| !c.is_ascii_digit()).collect();
    let same_figures = fingerprint_of_text(&format!("{words}\n{}", old.numbers.join(" ")));
    assert_eq!(same_figures.numbers, old.numbers);
    assert_eq!(same_report(&old, &same_figures), None);

    // One body's reports of two years: the title keys differ in either script.
    assert_ne!(
        title_key("平潭綜合實驗區2023年度政府信息公開工作年度報告"),
        title_key("平潭综合实验区2024年度政府信息公开工作年度报告")
    );
    assert_eq!(
        title_key("平潭綜合實驗區2024年度政府信息公開工作年度報告"),
        title_key("平潭综合实验区2024年度政府信息公开工作年度报告")
    );
    // Two bodies of one place stay two.
    assert_ne!(
        body_key(Some("平潭綜合實驗區財政金融局")),
        body_key(Some("平潭综合实验区管委会办公室"))
    );
}
