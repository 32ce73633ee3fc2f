//! The coverage page as a person sees it (issue 13): the bundled simulated portals (the demo's)
//! crawled twice, with one report edited between the runs, `nianbao report --html` written, and
//! the page opened in headless Chromium. The DOM after the page's script ran must show the
//! matrix, a late cell, a changed cell with both versions linked, the blocked portal, and the
//! filter (read from the URL fragment `#filter=…`) hiding the other portals.
//!
//! Skipped with a message where /usr/bin/chromium is absent; CI installs Debian's chromium.
//! A second test opens the page of tests/withdrawn_support's portal with one report withdrawn and
//! one delisted: each cell carries its own mark (withdrawn wins), and so does the CSV.
//!
//! `NIANBAO_UPDATE_SCREENSHOT=1` also saves the page's screenshot as docs/coverage.png.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod withdrawn_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Harness, run_limited, stderr};

const CHROMIUM: &str = "/usr/bin/chromium";

fn chromium(profile: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(CHROMIUM);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        // The page inflates its data asynchronously: let its script finish before the dump.
        "--virtual-time-budget=15000",
    ]);
    cmd.arg(format!("--user-data-dir={}", profile.display()));
    cmd.args(args);
    run_limited(cmd, Duration::from_secs(120))
}

/// The page's DOM after its script ran, opened at `fragment`.
fn dom(profile: &Path, page: &Path, fragment: &str) -> String {
    let url = format!("file://{}{fragment}", page.display());
    let out = chromium(profile, &["--dump-dom", &url]);
    assert!(out.status.success(), "chromium: {}", stderr(&out));
    let dom = String::from_utf8(out.stdout).expect("the DOM is UTF-8");
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page's script did not finish: {}",
        &dom[..dom.len().min(2000)]
    );
    dom
}

/// The `<tbody>` of one portal in the dumped DOM.
fn portal_block<'a>(dom: &'a str, portal: &str) -> &'a str {
    dom.split("<tbody")
        .find(|b| b.contains(&format!("\">{portal}<span class=\"badge")))
        .unwrap_or_else(|| panic!("no portal {portal} on the page"))
}

/// The `<tr>` of one issuing body in the dumped DOM.
fn body_row<'a>(dom: &'a str, body: &str) -> &'a str {
    dom.split("<tr class=\"body\">")
        .find(|r| r.starts_with(&format!("<th title=\"{body} ")))
        .map(|r| r.split("</tr>").next().unwrap_or(r))
        .unwrap_or_else(|| panic!("no row for {body} on the page"))
}

fn hidden(block: &str) -> bool {
    block
        .split('>')
        .next()
        .is_some_and(|tag| tag.contains(" hidden"))
}

/// `nianbao demo --data-dir DIR`, the README's first command with a folder of the newcomer's
/// choosing: the config and the archive land there, the commands it prints work on them, and a
/// second demo into the same folder is refused rather than mixed into the first. (Here beside the
/// coverage page, which crawls the same portals, so that the two long runs share the time.)
#[test]
fn the_demo_crawls_the_bundled_portals_into_the_folder_it_is_given() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let folder = dir.path().join("first-run");
    let demo = |folder: &Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
        cmd.current_dir(dir.path())
            .args(["demo", "--interval", "20ms", "--data-dir"])
            .arg(folder);
        run_limited(cmd, Duration::from_secs(240))
    };
    let out = demo(&folder);
    assert!(out.status.success(), "demo: {}", stderr(&out));
    let config = folder.join("config.toml");
    assert!(
        stderr(&out).contains(&format!("--config {} status", config.display())),
        "{}",
        stderr(&out)
    );
    let mut export = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    export
        .arg("--config")
        .arg(&config)
        .args(["export", "--format", "jsonl"]);
    let export = run_limited(export, Duration::from_secs(60));
    assert!(export.status.success(), "export: {}", stderr(&export));
    let records = String::from_utf8_lossy(&export.stdout).lines().count();
    // Every simulated report but the blocked portal's, and their attachments' records.
    assert!(records >= 80, "{records} records");
    let raw: Vec<_> = std::fs::read_dir(folder.join("data/raw"))
        .expect("raw files under the folder's data/")
        .collect();
    assert!(!raw.is_empty());

    let again = demo(&folder);
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));
}

#[test]
fn the_coverage_page_shows_the_matrix_late_changed_blocked_and_filters() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!(
            "SKIPPED the_coverage_page_shows_…: {CHROMIUM} is absent (apt-get install chromium); CI installs it"
        );
        return;
    }
    let h = Harness::standard(Duration::from_millis(50));
    h.edit_config(|text| format!("{text}\n[crawl]\nrevisit_after = \"0s\"\n"));
    let first = h.run(&["crawl"]);
    assert!(
        matches!(first.status.code(), Some(0 | 1)),
        "crawl: {}",
        stderr(&first)
    );
    // A report corrected after publication: the second run archives its second version.
    let trs = h.sim.site("trs");
    let report = trs
        .truth()
        .into_iter()
        .find(|d| d.title.contains("阿图什市2024年度"))
        .expect("the trs site has its 2024 report");
    trs.edit_document(
        &report.path,
        "（2025年5月更正：第四部分数据有误，已更正。）",
    );
    let second = h.run(&["crawl"]);
    assert!(
        matches!(second.status.code(), Some(0 | 1)),
        "second crawl: {}",
        stderr(&second)
    );

    let page = h.dir.path().join("coverage.html");
    let out = h.run(&["report", "--html", page.to_str().expect("UTF-8 temp path")]);
    assert!(out.status.success(), "report: {}", stderr(&out));
    let html = std::fs::read_to_string(&page).expect("the page was written");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "the page loads nothing from the network"
    );

    let profile = tempfile::tempdir().expect("a fresh browser profile");
    let dom = dom(profile.path(), &page, "");
    // The matrix: a column per report year, a row per issuing body.
    for year in 2009..=2024 {
        assert!(
            dom.contains(&format!("<th>{year}</th>")),
            "no column {year}"
        );
    }
    let cells = dom.matches("class=\"c s-").count();
    assert!(cells > 17 * 6, "{cells} cells");

    // Late: a department's 2023 report published in April 2024 (deadline 31 January).
    let late = body_row(&dom, "阿勒泰市民政局");
    assert!(late.contains("s-captured_late"), "{late}");
    assert!(late.contains("department: 31 January"), "{late}");
    assert!(
        late.contains("href=\"file://"),
        "a captured cell links the raw file"
    );
    assert!(
        late.contains("href=\"http://localhost:8080/nianbao/"),
        "and its pywb replay: {late}"
    );
    // On time: the same deadline met by the other departments.
    assert!(!body_row(&dom, "阿勒泰市教育局").contains("s-captured_late"));

    // Changed: both versions of the corrected report, each linked.
    let changed = body_row(&dom, "阿图什市人民政府办公室");
    assert!(changed.contains("s-changed"), "{changed}");
    assert!(
        changed.contains(">v1</a>") && changed.contains(">v2</a>"),
        "{changed}"
    );

    // Blocked: the 瑞数 portal is marked, and its years are "not walked", not "not found".
    let blocked = portal_block(&dom, "通渭县人民政府");
    assert!(blocked.contains("BLOCKED"), "{blocked}");
    assert!(blocked.contains("s-not_walked"), "{blocked}");
    assert!(!blocked.contains("s-not_found"), "{blocked}");

    // The filter, from the URL fragment as a person would type it.
    let filtered = dom_filtered(profile.path(), &page, "阿勒泰");
    assert!(!hidden(portal_block(&filtered, "阿勒泰市人民政府")));
    assert!(hidden(portal_block(&filtered, "通渭县人民政府")));
    assert!(filtered.contains("1 of 6 portals shown"), "filter count");
    let only_blocked = dom_filtered(profile.path(), &page, "is:blocked");
    assert!(!hidden(portal_block(&only_blocked, "通渭县人民政府")));
    assert!(hidden(portal_block(&only_blocked, "阿勒泰市人民政府")));

    let shot = h.dir.path().join("coverage.png");
    let out = chromium(
        profile.path(),
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,900",
            &format!("file://{}", page.display()),
        ],
    );
    assert!(out.status.success(), "screenshot: {}", stderr(&out));
    let png = std::fs::read(&shot).expect("the screenshot was written");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    if std::env::var_os("NIANBAO_UPDATE_SCREENSHOT").is_some() {
        let docs = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs");
        std::fs::create_dir_all(&docs).expect("docs/");
        std::fs::write(docs.join("coverage.png"), &png).expect("docs/coverage.png");
    }
}

fn dom_filtered(profile: &Path, page: &Path, filter: &str) -> String {
    let encoded: String = filter
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    dom(profile, page, &format!("#filter={encoded}"))
}

/// Five reports on a list that states its count; the next night the list drops two: report 1
/// (2021) now answers 404 and is withdrawn, report 2 (2022) is still served and is delisted. The
/// page marks the 2022 cell delisted, with its since date in the tooltip, and the 2021 cell
/// withdrawn only; the CSV's `delisted_since` says the same.
#[test]
fn the_coverage_page_marks_a_delisted_report() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("SKIPPED the_coverage_page_marks_a_delisted_report: {CHROMIUM} is absent");
        return;
    }
    use withdrawn_support::{Listing, Portal, Serve};
    let listing = Listing {
        stated: true,
        ..Listing::default()
    };
    let portal = Portal::listing(&[1, 2, 4, 5, 7], false, listing);
    portal.night();
    portal.serve(1, Serve::Unlisted(404));
    portal.serve(2, Serve::Hidden);
    let (summary, night) = portal.night();
    assert_eq!(night["delisted"], 1, "{summary}");
    assert_eq!(night["withdrawn"], 1, "{summary}");
    let since = portal
        .url_state(2)
        .delisted
        .expect("report 2 is delisted")
        .since;

    let page = portal.dir.path().join("coverage.html");
    let page_arg = page.to_str().expect("utf-8 path");
    let run = |args: &[&str]| {
        let out = common::route_server::run_nianbao(&portal.config, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&["report", "--html", page_arg]);
    let profile = tempfile::tempdir().expect("chromium profile");
    let dom = dom(profile.path(), &page, "");
    let cells: Vec<&str> = dom
        .split("<td>")
        .skip(1)
        .map(|c| c.split("</td>").next().unwrap_or(c))
        .collect();
    let marked = |class: &str| -> Vec<&str> {
        cells
            .iter()
            .copied()
            .filter(|c| c.starts_with(&format!("<span class=\"c s-captured {class}\"")))
            .collect()
    };
    let delisted = marked("delisted");
    assert_eq!(delisted.len(), 1, "{cells:#?}");
    assert!(
        delisted[0].contains(&format!("delisted since {since}: no longer on its list")),
        "{}",
        delisted[0]
    );
    assert!(
        delisted[0].contains("<span class=\"dl\""),
        "{}",
        delisted[0]
    );
    let withdrawn = marked("withdrawn");
    assert_eq!(withdrawn.len(), 1, "{cells:#?}");
    assert!(!withdrawn[0].contains("delisted"), "{}", withdrawn[0]);
    // In year order: the withdrawn 2021 cell, then the delisted 2022 one.
    let at = |cell: &str| cells.iter().position(|c| *c == cell);
    assert_eq!(at(withdrawn[0]).map(|i| i + 1), at(delisted[0]));
    assert!(
        dom.contains("<span class=\"dl\">↧</span></span> delisted:"),
        "legend"
    );

    let csv = run(&["report", "--format", "csv"]);
    let header: Vec<&str> = csv.lines().next().unwrap_or("").split(',').collect();
    let column = header.iter().position(|h| *h == "delisted_since");
    let withdrawn_column = header.iter().position(|h| *h == "withdrawn_since");
    let row = |year: &str| -> Vec<String> {
        let line = csv
            .lines()
            .find(|l| l.contains(&format!(",{year},captured,")))
            .unwrap_or_else(|| panic!("a captured line of {year}: {csv}"));
        // The note, the only field with commas, is quoted: the marks are the three fields
        // before the last (`earlier_urls`).
        let mut fields: Vec<String> = line.rsplitn(5, ',').map(str::to_string).collect();
        fields.truncate(4);
        fields.reverse();
        fields.truncate(3);
        fields
    };
    assert_eq!((withdrawn_column, column), (Some(15), Some(17)), "{csv}");
    assert_eq!(row("2022"), ["", "", since.as_str()], "{csv}");
    let gone = row("2021");
    assert!(!gone[0].is_empty(), "{csv}");
    assert_eq!(gone[1..], ["http_404", ""], "{csv}");
}

/// Portal names as hostile as server text can be (a config's names are shown the same way):
/// each closes the data's `<script>`, opens a comment, a tag, a template literal or a style
/// block, holds quotes, entities and the two characters that end a line in old JavaScript.
const HOSTILE_NAMES: [&str; 2] = [
    "</script><script>document.title='pwned'</script><!--\"'`${1}</style><img src=x onerror=alert(1)>&amp;\u{2028}\u{2029}镇",
    "<a href=\"javascript:alert(2)\">x</a>&lt;b&gt; onmouseover=alert(3) '\"`${2}-->\u{2028}县",
];

/// The elements and attributes the page's script writes into `#matrix`: any other is markup a
/// name smuggled in.
const MATRIX_TAGS: &[&str] = &[
    "main", "table", "thead", "tbody", "tr", "th", "td", "span", "a", "details", "summary", "div",
    "ul", "li",
];
const MATRIX_ATTRIBUTES: &[&str] = &[
    "id",
    "class",
    "title",
    "href",
    "data-state",
    "data-f",
    "data-s",
    "colspan",
    "hidden",
];

/// A crawled portal, and two configured afterwards under hostile names (never walked: each
/// row is the portal's own name, in a header cell and its tooltip; the simulator cannot serve
/// pages under such a name, as it prints the name raw into them). The page's DOM after its
/// script ran holds only the elements and attributes the script writes, every link goes to a
/// raw file in data_dir or its replay, and each name reads as it was given. A filter in the address
/// with a `%` that starts no escape, as a person types it, still lets the page draw.
#[test]
fn hostile_portal_names_stay_text_on_the_coverage_page() {
    if !Path::new(CHROMIUM).exists() {
        eprintln!("SKIPPED hostile_portal_names_stay_text_…: {CHROMIUM} is absent");
        return;
    }
    let site = nianbao_sim::SiteSpec::standard_named("gbk").expect("standard site");
    let crawled = site.portal_name.clone();
    let h = Harness::with_sites(vec![site], Duration::from_millis(20));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    for (i, name) in HOSTILE_NAMES.iter().enumerate() {
        let name = serde_json::to_string(name).expect("a JSON string is TOML too");
        h.edit_config(|text| {
            format!("{text}\n[[portal]]\nname = {name}\nurl = \"http://127.0.0.1:9/gk{i}/\"\n")
        });
    }
    let page = h.dir.path().join("coverage.html");
    let out = h.run(&["report", "--html", page.to_str().expect("UTF-8 temp path")]);
    assert!(out.status.success(), "report: {}", stderr(&out));

    let profile = tempfile::tempdir().expect("a fresh browser profile");
    let dom = dom(profile.path(), &page, "");
    let doc = scraper::Html::parse_document(&dom);
    let elements: Vec<_> = nianbao::page::elements(&doc).collect();
    let count = |tag: &str| elements.iter().filter(|e| e.value().name() == tag).count();
    assert_eq!(
        (count("script"), count("style"), count("img")),
        (2, 1, 0),
        "{dom}"
    );
    let title: Vec<String> = elements
        .iter()
        .filter(|e| e.value().name() == "title")
        .map(|e| e.text().collect())
        .collect();
    assert_eq!(title, ["nianbao coverage"], "no name ran a script");
    let matrix = elements
        .iter()
        .find(|e| e.value().id() == Some("matrix"))
        .expect("the matrix");
    let data_dir =
        url::Url::from_directory_path(std::fs::canonicalize(h.data_dir()).expect("data_dir"))
            .expect("an absolute data_dir");
    let mut links = 0;
    for element in
        std::iter::once(*matrix).chain(matrix.descendants().filter_map(scraper::ElementRef::wrap))
    {
        let tag = element.value().name();
        assert!(
            MATRIX_TAGS.contains(&tag),
            "<{tag}> on the page: {}",
            element.html()
        );
        for (attribute, value) in element.value().attrs() {
            assert!(
                MATRIX_ATTRIBUTES.contains(&attribute),
                "{attribute}={value:?} on <{tag}>: {}",
                element.html()
            );
            if attribute == "href" {
                // The raw file in data_dir, or its replay in pywb (WARC output is on).
                assert!(
                    value.starts_with(data_dir.as_str())
                        || value.starts_with("http://localhost:8080/nianbao/"),
                    "a link to {value}"
                );
                links += 1;
            }
        }
    }
    assert!(links > 0, "the crawled portal's reports are linked");

    // Each name reads as given, in its portal's header, and in its row's header cell and at
    // the start of that cell's tooltip.
    let text = |e: &scraper::ElementRef| -> String {
        e.children()
            .filter_map(|c| c.value().as_text())
            .map(|t| t.to_string())
            .collect()
    };
    let headers: Vec<String> = elements
        .iter()
        .filter(|e| e.value().name() == "th" && e.value().attr("colspan").is_some())
        .map(text)
        .collect();
    assert_eq!(
        headers,
        [crawled.as_str(), HOSTILE_NAMES[0], HOSTILE_NAMES[1]],
        "{dom}"
    );
    for name in HOSTILE_NAMES {
        let row = elements
            .iter()
            .find(|e| {
                e.value().name() == "th" && e.value().attr("colspan").is_none() && text(e) == name
            })
            .unwrap_or_else(|| panic!("no row under {name:?}: {dom}"));
        let tooltip = row.value().attr("title").unwrap_or_default();
        assert!(tooltip.starts_with(&format!("{name} · ")), "{tooltip:?}");
    }

    // A `%` that starts no escape: the page draws and the filter is the text as typed.
    let dom = self::dom(profile.path(), &page, "#filter=100%");
    assert!(dom.contains("0 of 3 portals shown"), "{dom}");
}
