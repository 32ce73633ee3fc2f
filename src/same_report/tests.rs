//! The same-report rule on the two sample report texts: the evidence behind its threshold.

use super::*;

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
