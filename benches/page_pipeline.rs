//! Benchmark of the pure page path: decode -> discover (list pages) and decode -> extract (item
//! pages), over the simulator's pages and the real pages kept beside the repository. Prints MB/s
//! per step, then the whole reading of a page as the crawl does it (`page::analyse`, one parse)
//! against the same work done the way it was before the one pipeline (a parse per step: challenge
//! check, two classifications, extraction, content hash), with their ratio, and the share of
//! the same-report fingerprint in reading annual report pages. A plain `main`
//! (harness = false): figures are printed, never asserted.
//!
//! `cargo bench --bench page_pipeline` (env BENCH_ROUNDS changes the repetitions).
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

use std::time::{Duration, Instant};

use nianbao::classify;
use nianbao::decode;
use nianbao::dedup;
use nianbao::discover;
use nianbao::extract::{self, ListEvidence};
use nianbao::page::{self, PageInput, PageRole};
use nianbao_sim::Simulator;
use url::Url;

struct Page {
    url: Url,
    content_type: Option<String>,
    body: Vec<u8>,
    list: bool,
}

impl Page {
    /// The page as the crawl hands a 200 answer to `page::analyse`.
    fn input(&self) -> PageInput<'_> {
        PageInput {
            url: &self.url,
            status: 200,
            content_type: self.content_type.as_deref(),
            body: &self.body,
        }
    }
}

/// Every list and item page of the standard simulated portals, fetched once over loopback.
async fn simulator_pages() -> anyhow::Result<Vec<Page>> {
    let sim = Simulator::start_standard().await?;
    let client = reqwest::Client::new();
    let mut pages = Vec::new();
    for site in sim.sites() {
        if site.name() == "blocked" {
            continue;
        }
        let mut targets: Vec<(Url, bool)> = Vec::new();
        for (_, urls) in site.list_urls() {
            // Hanweb's later pages are POSTs to its dataproxy: the first page stands for them.
            targets.extend(urls.into_iter().take(1).map(|u| (u, true)));
        }
        targets.extend(site.truth().iter().map(|d| (site.url(&d.path), false)));
        for (url, list) in targets {
            let resp = client.get(url.clone()).send().await?;
            let content_type = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = resp.bytes().await?.to_vec();
            pages.push(Page {
                url,
                content_type,
                body,
                list,
            });
        }
    }
    sim.shutdown().await;
    Ok(pages)
}

fn real_pages() -> Vec<Page> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/real-pages");
    let Ok(entries) = std::fs::read_dir(dir) else {
        eprintln!("no real pages beside the repository; simulator pages only");
        return Vec::new();
    };
    let mut pages = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".html") || name.contains("challenge") {
            continue;
        }
        let Ok(body) = std::fs::read(entry.path()) else {
            continue;
        };
        let Ok(url) = Url::parse(&format!("http://example.gov.cn/{name}")) else {
            continue;
        };
        pages.push(Page {
            url,
            content_type: None,
            list: name.contains("-list"),
            body,
        });
    }
    pages
}

fn mb_per_s(bytes: usize, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64().max(1e-9)
}

fn main() -> anyhow::Result<()> {
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let runtime = tokio::runtime::Runtime::new()?;
    let mut pages = runtime.block_on(simulator_pages())?;
    pages.extend(real_pages());
    let bytes: usize = pages.iter().map(|p| p.body.len()).sum();
    let list_bytes: usize = pages.iter().filter(|p| p.list).map(|p| p.body.len()).sum();
    let item_bytes = bytes - list_bytes;

    let (mut t_decode, mut t_discover, mut t_extract) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut found = 0usize;
    for _ in 0..rounds {
        for page in &pages {
            let start = Instant::now();
            let decoded = decode::decode(&page.body, page.content_type.as_deref());
            t_decode += start.elapsed();
            let start = Instant::now();
            if page.list {
                found += discover::discover(&page.url, &decoded.text).items.len();
                t_discover += start.elapsed();
            } else {
                let meta = extract::extract(
                    &page.url,
                    &decoded.text,
                    &ListEvidence::default(),
                    "测试市人民政府",
                );
                found += usize::from(meta.title.is_some());
                t_extract += start.elapsed();
            }
        }
    }
    let lists = pages.iter().filter(|p| p.list).count();
    println!(
        "page_pipeline: {} pages ({lists} lists, {} items), {:.2} MB, {rounds} rounds ({found} results)",
        pages.len(),
        pages.len() - lists,
        bytes as f64 / 1e6
    );
    println!("  decode   {:8.1} MB/s", mb_per_s(bytes * rounds, t_decode));
    println!(
        "  discover {:8.1} MB/s (list pages)",
        mb_per_s(list_bytes * rounds, t_discover)
    );
    println!(
        "  extract  {:8.1} MB/s (item pages)",
        mb_per_s(item_bytes * rounds, t_extract)
    );
    println!(
        "  per page {:8.2} ms decode+discover/extract",
        (t_decode + t_discover + t_extract).as_secs_f64() * 1e3 / (pages.len() * rounds) as f64
    );

    let (t_once, t_steps) = whole_pipeline(&pages, rounds);
    let per_page = |t: Duration| t.as_secs_f64() * 1e3 / (pages.len() * rounds) as f64;
    println!(
        "  whole page, parsed once (page::analyse)  {:6.2} ms/page  {:7.1} MB/s",
        per_page(t_once),
        mb_per_s(bytes * rounds, t_once)
    );
    println!(
        "  whole page, a parse per step (before)    {:6.2} ms/page  {:7.1} MB/s",
        per_page(t_steps),
        mb_per_s(bytes * rounds, t_steps)
    );
    println!(
        "  ratio before/after                       {:6.2}x",
        t_steps.as_secs_f64() / t_once.as_secs_f64().max(1e-9)
    );
    fingerprint_share(&pages, rounds);
    deep_markup_scaling();
    Ok(())
}

/// What the same-report fingerprint (`same_report::fingerprint_of_lines`, computed for every
/// annual report page the crawl reads) costs against the whole reading of those pages.
fn fingerprint_share(pages: &[Page], rounds: usize) {
    let role = PageRole::Item {
        evidence: ListEvidence::default(),
        portal_name: "测试市人民政府".into(),
    };
    let (mut t_analyse, mut t_fingerprint, mut reports) = (Duration::ZERO, Duration::ZERO, 0usize);
    for p in pages.iter().filter(|p| !p.list) {
        let decoded = decode::decode(&p.body, p.content_type.as_deref());
        let Ok(parsed) = page::parse(&decoded.text) else {
            continue;
        };
        let (meta, lines) = extract::extract_document_and_text(
            &p.url,
            &parsed.doc,
            decoded.encoding,
            &ListEvidence::default(),
            "测试市人民政府",
        );
        if !nianbao::same_report::wanted(&meta) {
            continue;
        }
        reports += 1;
        for _ in 0..rounds {
            let start = Instant::now();
            std::hint::black_box(nianbao::same_report::fingerprint_of_lines(&lines));
            t_fingerprint += start.elapsed();
            let start = Instant::now();
            std::hint::black_box(page::analyse(p.input(), &role));
            t_analyse += start.elapsed();
        }
    }
    let per_page = |t: Duration| t.as_secs_f64() * 1e3 / (reports * rounds).max(1) as f64;
    println!(
        "  same-report fingerprint, {reports} annual report pages  {:6.3} ms/page  {:5.1}% of their page::analyse ({:.2} ms)",
        per_page(t_fingerprint),
        100.0 * t_fingerprint.as_secs_f64() / t_analyse.as_secs_f64().max(1e-9),
        per_page(t_analyse)
    );
}

/// A list of `levels` entries each nested inside the one before (`<table><tr><td>` around a
/// dated report link): past the nesting bound the levels become siblings, and the containers
/// left nested above them hold the whole rest of the page.
fn nested_tables(levels: usize) -> String {
    let mut html = String::from("<html><head><title>年报</title></head><body>");
    for i in 0..levels {
        html.push_str(&format!(
            "<table><tr><td><a href=\"/xxgk/ndbg/t{i}.html\">某县{i}号政府信息公开工作年度报告</a><span>2024-01-20</span>"
        ));
    }
    html.push_str(&"</td></tr></table>".repeat(levels));
    html.push_str("</body></html>");
    html
}

/// `levels` menus each opened inside the one before and never closed (a template that lost its
/// end tags), a dated report link in each, the footer inside the innermost: every menu is left
/// open, so none is skipped whole.
fn nested_open_menus(levels: usize) -> String {
    let mut html = String::from("<html><head><title>年报</title></head><body>");
    for i in 0..levels {
        html.push_str(&format!(
            "<ul class=\"menu\"><li><a href=\"/xxgk/ndbg/t{i}.html\">某县{i}号政府信息公开工作年度报告</a><span>2024-01-20</span>"
        ));
    }
    html.push_str("<div class=\"footer\">版权所有</div></body></html>");
    html
}

/// A hostile page's name and its maker, given the levels.
type Shape = (&'static str, fn(usize) -> String);

/// Time to read hostile deep markup as a list and as an item, at growing sizes, and how the time
/// grows: a reading linear in the page grows by the size's ratio (4x from 5,000 to 20,000 levels),
/// one that walks the rest of the page from every container by its square (16x).
fn deep_markup_scaling() {
    let url = Url::parse("http://127.0.0.1/xxgk/ndbg/index.html").expect("valid URL");
    let roles = [
        ("list", PageRole::List { list_api: None }),
        (
            "item",
            PageRole::Item {
                evidence: ListEvidence::default(),
                portal_name: "测试市人民政府".into(),
            },
        ),
    ];
    let shapes: [Shape; 2] = [
        ("nested tables", nested_tables),
        ("nested open menus", nested_open_menus),
    ];
    for ((shape, make), (name, role)) in shapes
        .iter()
        .flat_map(|shape| roles.iter().map(move |role| (shape, role)))
    {
        let mut times = Vec::new();
        for levels in [5_000, 20_000] {
            let html = make(levels);
            let start = Instant::now();
            let input = PageInput {
                url: &url,
                status: 200,
                content_type: Some("text/html; charset=utf-8"),
                body: html.as_bytes(),
            };
            std::hint::black_box(page::analyse(input, role));
            let took = start.elapsed();
            println!(
                "  {shape}, {levels:6} levels, read as {name}: {:8.1} ms ({:.1} MB)",
                took.as_secs_f64() * 1e3,
                html.len() as f64 / 1e6
            );
            times.push(took);
        }
        println!(
            "  {shape} as {name}: 4x the levels took {:.1}x the time (linear 4, quadratic 16)",
            times[1].as_secs_f64() / times[0].as_secs_f64().max(1e-9)
        );
    }
}

/// Times reading every page the crawl's way (one parse) and the earlier way (a parse per step).
fn whole_pipeline(pages: &[Page], rounds: usize) -> (Duration, Duration) {
    let (mut once, mut steps) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..rounds {
        for p in pages {
            let role = if p.list {
                PageRole::List { list_api: None }
            } else {
                PageRole::Item {
                    evidence: ListEvidence::default(),
                    portal_name: "测试市人民政府".into(),
                }
            };
            let start = Instant::now();
            std::hint::black_box(page::analyse(p.input(), &role));
            once += start.elapsed();

            let start = Instant::now();
            let ct = p.content_type.as_deref();
            let hint = Some(p.url.path());
            // The fetch layer's challenge check, then classify before and after decoding.
            std::hint::black_box(classify::classify(200, ct, &p.body, None, hint));
            std::hint::black_box(classify::classify(200, ct, &p.body, None, hint));
            let decoded = decode::decode(&p.body, ct);
            std::hint::black_box(classify::classify(
                200,
                ct,
                &p.body,
                Some(&decoded.text),
                hint,
            ));
            if p.list {
                std::hint::black_box(discover::discover(&p.url, &decoded.text));
            } else {
                std::hint::black_box(extract::extract(
                    &p.url,
                    &decoded.text,
                    &ListEvidence::default(),
                    "测试市人民政府",
                ));
                std::hint::black_box(dedup::content_hash(&decoded.text));
            }
            steps += start.elapsed();
        }
    }
    (once, steps)
}
