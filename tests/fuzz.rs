//! Property-based fuzz tests (issue 9): every pure step that reads outside input is fed generated
//! HTML-ish pages, headers, robots files, dates and WARC streams, and must not panic and must keep
//! its invariants. Failures found are saved to (and replayed from) `tests/fuzz-corpus/*.txt`; the
//! hand-made hostile seeds in `tests/fuzz-corpus/pages/` run through every page target too.
//!
//! Default: a few dozen cases per target. The long run is `#[ignore]`d; see README "Development".

mod attachment_support;
mod fuzz_support;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use fuzz_support::inputs::*;
use fuzz_support::*;
use nianbao::decode::{CharsetSource, PRESCAN_LIMIT, decode, prescan};
use nianbao::extract::{ListEvidence, extract};
use nianbao::fetch::parse_retry_after;
use nianbao::gate::RobotsRules;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use url::Url;

/// Years a parsed date may carry: anything else is page furniture read as a date.
const SANE_YEARS: std::ops::RangeInclusive<i32> = 1949..=2100;

fn base() -> Url {
    Url::parse("http://www.example.gov.cn/zwgk/xxgknb/index.html").expect("a valid literal URL")
}

fn web_url(url: &Url) -> Result<(), TestCaseError> {
    prop_assert!(
        matches!(url.scheme(), "http" | "https"),
        "not http(s): {url}"
    );
    prop_assert!(url.fragment().is_none(), "fragment left on {url}");
    Ok(())
}

fn non_empty(name: &str, value: &Option<String>) -> Result<(), TestCaseError> {
    if let Some(v) = value {
        prop_assert!(
            !v.trim().is_empty(),
            "{name} is Some({v:?}) instead of None"
        );
    }
    Ok(())
}

// ---- the checks, shared by the default suite, the long run and the seed corpus ----

fn check_decode((body, content_type): (Vec<u8>, Option<String>)) -> Result<(), TestCaseError> {
    let decoded = decode(&body, content_type.as_deref());
    prop_assert!(!decoded.encoding.name().is_empty());
    // A BOM decides, but for a UTF-8 BOM in front of bytes that are not UTF-8 (an editor's "save
    // with BOM" over a GBK page), which the decoder may read as the Chinese encoding they fit.
    match encoding_rs::Encoding::for_bom(&body) {
        None => prop_assert!(decoded.source != CharsetSource::Bom),
        Some(_) if decoded.source == CharsetSource::Bom => {}
        Some((encoding, bom_len)) => {
            prop_assert_eq!(encoding, encoding_rs::UTF_8);
            prop_assert!(std::str::from_utf8(&body[bom_len..]).is_err());
            let bom_read_as_text = decoded.text.starts_with('\u{feff}');
            prop_assert!(!bom_read_as_text);
        }
    }
    if !decoded.had_errors && decoded.encoding == encoding_rs::UTF_8 && body.is_ascii() {
        prop_assert_eq!(decoded.text.as_bytes(), &body[..]);
    }
    Ok(())
}

fn check_prescan((body, tail): (Vec<u8>, Vec<u8>)) -> Result<(), TestCaseError> {
    // The prescan never reads past its window: what follows byte 1024 changes nothing.
    let window = &body[..body.len().min(PRESCAN_LIMIT)];
    let mut longer = window.to_vec();
    if longer.len() == PRESCAN_LIMIT {
        longer.extend_from_slice(&tail);
    }
    prop_assert_eq!(prescan(&body), prescan(window));
    prop_assert_eq!(prescan(&longer), prescan(window));
    Ok(())
}

fn check_classify(
    (status, content_type, body): (u16, Option<String>, Vec<u8>),
) -> Result<(), TestCaseError> {
    let lossy = String::from_utf8_lossy(&body).into_owned();
    let ct = content_type.as_deref();
    let without_text = nianbao::classify::classify(status, ct, &body, None, Some("/a/b.html"));
    let with_text = nianbao::classify::classify(status, ct, &body, Some(&lossy), Some("/a/b.html"));
    // Without decoded text, classify reads the body lossily: the same answer.
    prop_assert_eq!(without_text, with_text);
    Ok(())
}

fn check_discover(html: String) -> Result<(), TestCaseError> {
    let page = nianbao::discover::discover(&base(), &html);
    let mut seen = std::collections::HashSet::new();
    for item in &page.items {
        web_url(&item.url)?;
        prop_assert!(seen.insert(item.url.clone()), "item {} twice", item.url);
        non_empty("item title", &item.title)?;
        if let Some(date) = item.date {
            prop_assert!(SANE_YEARS.contains(&date.year()), "item date {date}");
        }
    }
    for next in &page.next_pages {
        web_url(next.url())?;
    }
    for year in &page.year_sections {
        web_url(&year.url)?;
    }
    // find-section's reading of the same page: web links, each once, labelled as their role says.
    let signs = nianbao::discover::section::read_signs(&base(), &html, encoding_rs::UTF_8);
    let mut seen = std::collections::HashSet::new();
    for link in &signs.links {
        web_url(&link.url)?;
        prop_assert!(seen.insert(link.url.clone()), "link {} twice", link.url);
        prop_assert_eq!(
            nianbao::discover::section::link_role(&link.label),
            Some(link.role)
        );
    }
    Ok(())
}

fn check_extract((html, evidence): (String, ListEvidence)) -> Result<(), TestCaseError> {
    let url = Url::parse("http://www.example.gov.cn/zwgk/202401/t20240115_1.html")
        .expect("a valid literal URL");
    let m = extract(&url, &html, &evidence, "某某县人民政府");
    // The other pages of an article: web pages of its folder, never the page itself, bounded.
    let doc = scraper::Html::parse_document(&html);
    let pages = nianbao::discover::article_pages(&url, &doc, &html, encoding_rs::UTF_8);
    prop_assert!(pages.len() <= 50, "{} article pages", pages.len());
    for (page, number) in &pages {
        web_url(page)?;
        prop_assert!(page != &url, "the page itself as its own page");
        prop_assert!(*number >= 1, "page number {number}");
    }
    non_empty("title", &m.title)?;
    non_empty("issuing_body", &m.issuing_body)?;
    non_empty("index_number", &m.index_number)?;
    non_empty("doc_number", &m.doc_number)?;
    if let Some(date) = m.publish_date {
        prop_assert!(SANE_YEARS.contains(&date.year()), "publish_date {date}");
    }
    if let Some(year) = m.report_year {
        prop_assert!(SANE_YEARS.contains(&year), "report_year {year}");
    }
    for a in &m.attachments {
        web_url(&a.url)?;
        non_empty("attachment name", &a.name)?;
    }
    Ok(())
}

fn check_dates(text: String) -> Result<(), TestCaseError> {
    for date in [
        nianbao::dates::parse_date(&text),
        nianbao::dates::parse_url_date(&text),
    ]
    .into_iter()
    .flatten()
    {
        prop_assert!(SANE_YEARS.contains(&date.year()), "{text:?} gave {date}");
    }
    Ok(())
}

fn check_date_round_trip(date: NaiveDate) -> Result<(), TestCaseError> {
    for text in [
        date.format("%Y-%m-%d").to_string(),
        date.format("%Y年%m月%d日").to_string(),
        date.format("发布日期：%Y/%-m/%-d 08:00").to_string(),
    ] {
        prop_assert_eq!(nianbao::dates::parse_date(&text), Some(date), "{}", text);
    }
    Ok(())
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .expect("a valid literal time")
}

fn check_retry_after(value: String) -> Result<(), TestCaseError> {
    let got = parse_retry_after(&value, now());
    let trimmed = value.trim();
    let digits = !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit());
    if let Ok(secs) = trimmed.parse::<u64>() {
        prop_assert_eq!(got, Some(Duration::from_secs(secs)));
    } else if digits {
        // Too many seconds for a number: as long as can be, so the host is paused.
        prop_assert_eq!(got, Some(Duration::MAX));
    } else if let Some((whole, fraction)) = trimmed.split_once('.')
        && !whole.is_empty()
        && whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        // Fractional seconds, rounded up.
        let secs: f64 = trimmed.parse().unwrap_or(f64::MAX);
        prop_assert!(
            got.is_some_and(|d| d.as_secs_f64() >= secs.min(1e18)),
            "{value:?}: {got:?}"
        );
    } else if let Some(wait) = got {
        // An HTTP date: at most the distance to the end of year 9999.
        prop_assert!(
            wait < Duration::from_secs(8_000 * 366 * 86_400),
            "{value:?}: {wait:?}"
        );
    }
    Ok(())
}

fn check_robots((status, body, path): (u16, Vec<u8>, String)) -> Result<(), TestCaseError> {
    let rules = RobotsRules::from_response("nianbao", status, &body);
    let url = format!("http://www.example.gov.cn/{path}");
    let allowed = rules.allowed(&url);
    match status {
        400..=499 => prop_assert!(allowed),
        200..=299 => {}
        _ => prop_assert!(!allowed),
    }
    if let Some(delay) = rules.crawl_delay() {
        prop_assert!(delay <= Duration::from_secs(86_400), "{delay:?}");
    }
    Ok(())
}

fn check_warc_reader(
    dir: &std::path::Path,
    (members, cut): (Vec<Vec<u8>>, prop::sample::Index),
) -> Result<(), TestCaseError> {
    let mut file = members.concat();
    file.truncate(cut.index(file.len() + 1));
    let path = dir.join("fuzz.warc.gz");
    std::fs::write(&path, &file).expect("write a scratch file");
    let reader = nianbao::warc::WarcReader::open(&path).expect("the scratch file opens");
    let mut last_offset = None;
    let mut errors = 0;
    // Every record consumes at least a gzip header: more items than that would mean a loop.
    for (n, record) in reader.enumerate() {
        prop_assert!(n <= file.len() / 10 + 1, "reader does not stop");
        match record {
            Ok(r) => {
                prop_assert!(errors == 0, "a record after an error");
                prop_assert!(last_offset.is_none_or(|o| r.offset > o));
                prop_assert!(r.offset + r.length <= file.len() as u64);
                last_offset = Some(r.offset);
            }
            Err(_) => errors += 1,
        }
    }
    prop_assert!(errors <= 1, "reading stops after the first error");
    Ok(())
}

/// A seed file (by index), byte changes (offset, byte) and where to cut it short.
type DamagedDocument = (usize, Vec<(u32, u8)>, Option<u32>);

fn damaged_document() -> impl Strategy<Value = DamagedDocument> {
    (
        0..10usize,
        prop::collection::vec((any::<u32>(), any::<u8>()), 0..24),
        prop::option::of(any::<u32>()),
    )
}

/// An attachment cut short or changed: its text is derived or its error recorded, and the
/// process lives (a panic is caught by the extractor's guard; an abort, a stack overflow or an
/// allocation the size a damaged header declares would end the test binary).
fn check_document_text(
    seeds: &[Vec<u8>],
    archive: &nianbao::archive::Archive,
    (seed, changes, cut): DamagedDocument,
) -> Result<(), TestCaseError> {
    let mut body = seeds[seed % seeds.len()].clone();
    for (at, byte) in changes {
        let n = body.len();
        if n > 0 {
            body[at as usize % n] = byte;
        }
    }
    if let Some(cut) = cut {
        let n = body.len().max(1);
        body.truncate(cut as usize % n);
    }
    let tools = nianbao::text::Tools::default();
    let scratch = |bytes: &[u8]| archive.temporary_copy("entry.pdf", bytes);
    if let Some(derived) = nianbao::text::derive(&body, Path::new("unused.pdf"), &tools, &scratch)
        && let Ok(text) = &derived.result
    {
        prop_assert!(
            text.text.len() <= nianbao::text::MAX_TEXT_BYTES,
            "{} bytes of text",
            text.text.len()
        );
    }
    Ok(())
}

/// A table read from extracted text or a sheet's text: every cell in table 二, 三 or 四 under
/// keys, its number finite and its state agreeing with it; a text is never `attachment_only`.
fn check_table_text(text: String) -> Result<(), TestCaseError> {
    for tables in [
        nianbao::tables::read_text(&text),
        nianbao::tables::read_sheet_text(&text),
    ] {
        prop_assert!(tables.template != nianbao::tables::Template::AttachmentOnly);
        for cell in &tables.cells {
            prop_assert!((2..=4).contains(&cell.table), "table {}", cell.table);
            prop_assert!(
                !cell.row_key.is_empty() && !cell.col_key.is_empty(),
                "{cell:?}"
            );
            if let Some(v) = cell.value {
                prop_assert!(v.is_finite(), "{cell:?}");
            }
        }
    }
    Ok(())
}

// ---- the default suite ----

#[test]
fn fuzz_decode() {
    run(
        "decode",
        "tests/fuzz-corpus/decode.txt",
        DEFAULT_CASES,
        decode_input(),
        check_decode,
    );
}

#[test]
fn fuzz_meta_prescan() {
    run(
        "prescan",
        "tests/fuzz-corpus/prescan.txt",
        DEFAULT_CASES,
        prescan_input(),
        check_prescan,
    );
}

#[test]
fn fuzz_attachment_text() {
    let seeds = attachment_support::in_process_formats();
    let dir = tempfile::tempdir().expect("scratch dir");
    let archive = nianbao::archive::Archive::open(dir.path()).expect("archive opens");
    // Whole, every seed reads: the damage below starts from files that give text.
    let tools = nianbao::text::Tools::default();
    let scratch = |bytes: &[u8]| archive.temporary_copy("entry.pdf", bytes);
    for (n, seed) in seeds.iter().enumerate() {
        let derived = nianbao::text::derive(seed, Path::new("unused.pdf"), &tools, &scratch);
        let text = derived.map(|d| d.result.map(|t| t.text));
        assert!(
            matches!(&text, Some(Ok(t)) if !t.trim().is_empty()),
            "seed {n}: {text:?}"
        );
    }
    run(
        "attachment_text",
        "tests/fuzz-corpus/attachment-text.txt",
        DEFAULT_CASES * 4,
        damaged_document(),
        |input| check_document_text(&seeds, &archive, input),
    );
}

#[test]
fn fuzz_classify() {
    run(
        "classify",
        "tests/fuzz-corpus/classify.txt",
        DEFAULT_CASES,
        classify_input(),
        check_classify,
    );
}

#[test]
fn fuzz_discover_and_url_joining() {
    run(
        "discover",
        "tests/fuzz-corpus/discover.txt",
        DEFAULT_CASES,
        page(),
        check_discover,
    );
}

#[test]
fn fuzz_extract() {
    run(
        "extract",
        "tests/fuzz-corpus/extract.txt",
        DEFAULT_CASES,
        extract_input(),
        check_extract,
    );
}

#[test]
fn fuzz_dates() {
    run(
        "dates",
        "tests/fuzz-corpus/dates.txt",
        DEFAULT_CASES * 4,
        date_input(),
        check_dates,
    );
    run(
        "date round trip",
        "tests/fuzz-corpus/date-round-trip.txt",
        DEFAULT_CASES * 4,
        valid_date(),
        check_date_round_trip,
    );
}

#[test]
fn fuzz_table_text() {
    run(
        "table_text",
        "tests/fuzz-corpus/table-text.txt",
        DEFAULT_CASES * 4,
        table_text(),
        check_table_text,
    );
}

/// A Content-Disposition file name is a name: not empty, no folder in it.
fn check_disposition(raw: Vec<u8>) -> Result<(), TestCaseError> {
    if let Some(name) = nianbao::fetch::disposition_filename(&raw) {
        prop_assert!(!name.trim().is_empty(), "empty name from {raw:?}");
        prop_assert!(!name.contains(['/', '\\']), "{name:?} holds a folder");
    }
    Ok(())
}

#[test]
fn fuzz_content_disposition() {
    let prefixes = prop::sample::select(vec![
        "attachment; filename*=UTF-8''".as_bytes().to_vec(),
        b"attachment; filename=\"".to_vec(),
        b"attachment; filename=\"=?UTF-8?B?".to_vec(),
        b"attachment; filename=\"=?GBK?Q?".to_vec(),
        Vec::new(),
    ]);
    let input = (prefixes, prop::collection::vec(any::<u8>(), 0..120)).prop_map(|(mut p, tail)| {
        p.extend(tail);
        p
    });
    run(
        "content_disposition",
        "tests/fuzz-corpus/content-disposition.txt",
        DEFAULT_CASES * 4,
        input,
        check_disposition,
    );
}

#[test]
fn fuzz_retry_after() {
    run(
        "retry_after",
        "tests/fuzz-corpus/retry-after.txt",
        DEFAULT_CASES * 4,
        retry_after_input(),
        check_retry_after,
    );
}

#[test]
fn fuzz_robots() {
    run(
        "robots",
        "tests/fuzz-corpus/robots-rules.txt",
        DEFAULT_CASES,
        robots_input(),
        check_robots,
    );
}

#[test]
fn fuzz_warc_reader() {
    let dir = tempfile::tempdir().expect("scratch dir");
    run(
        "warc_reader",
        "tests/fuzz-corpus/warc-reader.txt",
        DEFAULT_CASES,
        warc_input(),
        |input| check_warc_reader(dir.path(), input),
    );
}

/// The hand-made hostile pages in `tests/fuzz-corpus/pages/` through every page target.
///
/// Runs on a thread with the 2 MiB stack of a tokio worker, as the crawl reads pages: the
/// 3,000-deep seed must not overflow it (tree walks are iterative, parsing flattens nesting).
#[test]
fn seed_corpus_pages() {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(seed_corpus_pages_on_this_thread)
        .expect("spawn the worker-sized thread")
        .join()
        .expect("the seed corpus passes every page target");
}

fn seed_corpus_pages_on_this_thread() {
    let dir = std::path::Path::new("tests/fuzz-corpus/pages");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).expect("the seed corpus folder exists") {
        let path = entry.expect("a directory entry").path();
        let bytes = std::fs::read(&path).expect("a seed file reads");
        let text = decode(&bytes, None).text;
        let named = |r: Result<(), TestCaseError>| {
            if let Err(e) = r {
                panic!("{}: {e}", path.display());
            }
        };
        named(check_decode((
            bytes.clone(),
            Some("text/html; charset=gbk".into()),
        )));
        named(check_prescan((bytes.clone(), Vec::new())));
        named(check_classify((200, None, bytes.clone())));
        named(check_discover(text.clone()));
        named(check_extract((text.clone(), ListEvidence::default())));
        named(check_dates(text.chars().take(2_000).collect()));
        seen += 1;
    }
    assert!(seen > 0, "the seed corpus holds pages");
}

/// The long run: `PROPTEST_CASES` cases per target (default 5,000). See README "Fuzzing".
#[test]
#[ignore = "long fuzz run; see README"]
fn fuzz_long_run() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let seeds = attachment_support::in_process_formats();
    let archive = nianbao::archive::Archive::open(dir.path()).expect("archive opens");
    run(
        "attachment_text",
        "tests/fuzz-corpus/attachment-text.txt",
        LONG_CASES,
        damaged_document(),
        |input| check_document_text(&seeds, &archive, input),
    );
    run(
        "decode",
        "tests/fuzz-corpus/decode.txt",
        LONG_CASES,
        decode_input(),
        check_decode,
    );
    run(
        "prescan",
        "tests/fuzz-corpus/prescan.txt",
        LONG_CASES,
        prescan_input(),
        check_prescan,
    );
    run(
        "classify",
        "tests/fuzz-corpus/classify.txt",
        LONG_CASES,
        classify_input(),
        check_classify,
    );
    run(
        "discover",
        "tests/fuzz-corpus/discover.txt",
        LONG_CASES,
        page(),
        check_discover,
    );
    run(
        "extract",
        "tests/fuzz-corpus/extract.txt",
        LONG_CASES,
        extract_input(),
        check_extract,
    );
    run(
        "dates",
        "tests/fuzz-corpus/dates.txt",
        LONG_CASES,
        date_input(),
        check_dates,
    );
    run(
        "date round trip",
        "tests/fuzz-corpus/date-round-trip.txt",
        LONG_CASES,
        valid_date(),
        check_date_round_trip,
    );
    run(
        "retry_after",
        "tests/fuzz-corpus/retry-after.txt",
        LONG_CASES,
        retry_after_input(),
        check_retry_after,
    );
    run(
        "robots",
        "tests/fuzz-corpus/robots-rules.txt",
        LONG_CASES,
        robots_input(),
        check_robots,
    );
    run(
        "table_text",
        "tests/fuzz-corpus/table-text.txt",
        LONG_CASES,
        table_text(),
        check_table_text,
    );
    run(
        "warc_reader",
        "tests/fuzz-corpus/warc-reader.txt",
        LONG_CASES,
        warc_input(),
        |input| check_warc_reader(dir.path(), input),
    );
}
