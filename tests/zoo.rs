//! The portal zoo (issue 8): portals generated from a seed across the CMS families (ASP, TRS
//! WCM, Hanweb jpage, TRS xxgk JSON, gkmlpt JSON, 开普云 UCAP shells and `/queryList`), each varying labels, pagers, 首页 aliases,
//! year sub-channels, list lengths, other columns' items, encodings and query values. The real
//! binary crawls (and, in a second data dir, backfills) all of them; on every portal the
//! annual reports it archives must be exactly the portal's reports, and the ledger of every list
//! must be complete: found = listed, every page walked, no stop reason.
//!
//! `NIANBAO_ZOO_SEED` and `NIANBAO_ZOO_SIZE` choose another zoo (`cargo test --test zoo`).
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{COMMAND_LIMIT, run_limited, stderr};
use nianbao_sim::zoo::{Zoo, ZooFamily, generate};
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(25);
const DEFAULT_SEED: u64 = 8;
const DEFAULT_SIZE: usize = 45;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn target_of(url: &str) -> String {
    let url = url::Url::parse(url).expect("export URLs parse");
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

fn run(config: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nianbao"));
    cmd.arg("--config").arg(config).args(args);
    run_limited(cmd, COMMAND_LIMIT)
}

fn run_report(data: &Path) -> Value {
    let path = std::fs::read_dir(data.join("runs"))
        .expect("runs folder")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a run report");
    serde_json::from_slice(&std::fs::read(path).expect("read report")).expect("report is JSON")
}

/// Runs `args` over the whole zoo in a fresh data dir and returns one line per difference from
/// the ground truth.
fn check(zoo: &Zoo, args: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("scratch dir");
    let data = dir.path().join("data");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, zoo.config_toml(&data, INTERVAL)).expect("write config");
    let before: Vec<usize> = zoo.sites.iter().map(|s| s.requests().len()).collect();
    let out = run(&config, args);
    let log = stderr(&out);
    let mut diffs = Vec::new();
    if out.status.code() != Some(0) {
        diffs.push(format!("{args:?} exit {:?}:\n{log}", out.status.code()));
    }
    let export = run(&config, &["export", "--format", "jsonl"]);
    assert!(export.status.success(), "export: {}", stderr(&export));
    let records: Vec<Value> = String::from_utf8(export.stdout)
        .expect("export is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let report = run_report(&data);
    for line in log
        .lines()
        .filter(|l| l.contains("[incomplete") || l.contains("[stopped"))
    {
        diffs.push(format!("{args:?}: ledger line {line}"));
    }

    for (site, before) in zoo.sites.iter().zip(before) {
        let spec = &site.spec;
        let truth = spec.truth();
        // Every request the run made was one the portal serves, and none twice: a page under
        // a second URL (a 首页 alias) is not walked again, the query is sent as a browser sends
        // it, and no page past the end is asked for.
        let requests = &site.requests()[before..];
        if std::env::var_os("NIANBAO_ZOO_VERBOSE").is_some() {
            eprintln!("{args:?} {}: {requests:?}", spec.describe());
        }
        let mut seen = BTreeSet::new();
        for (target, status) in requests {
            if *status != 200 || !seen.insert(target) {
                diffs.push(format!(
                    "{}: {target} answered {status}{}\n  {}",
                    spec.name,
                    if seen.contains(target) {
                        " (again)"
                    } else {
                        ""
                    },
                    spec.describe()
                ));
            }
        }
        let want: BTreeMap<String, (String, i32)> = truth
            .reports
            .iter()
            .map(|(t, title, y)| (t.clone(), (title.clone(), *y)))
            .collect();
        let got: BTreeMap<String, (Value, Value)> = records
            .iter()
            .filter(|r| r["portal"] == spec.portal_name.as_str() && r["is_annual_report"] == true)
            .map(|r| {
                (
                    target_of(r["url"].as_str().expect("url")),
                    (r["title"].clone(), r["report_year"].clone()),
                )
            })
            .collect();
        let want_keys: BTreeSet<&String> = want.keys().collect();
        let got_keys: BTreeSet<&String> = got.keys().collect();
        if want_keys != got_keys {
            diffs.push(format!(
                "{}: reports missing {:?}, extra {:?}\n  {}",
                spec.name,
                want_keys.difference(&got_keys).collect::<Vec<_>>(),
                got_keys.difference(&want_keys).collect::<Vec<_>>(),
                spec.describe()
            ));
        }
        for (target, (title, year)) in &want {
            if let Some((got_title, got_year)) = got.get(target)
                && (got_title != title.as_str() || got_year != year)
            {
                diffs.push(format!(
                    "{} {target}: expected {title:?} {year}, got {got_title} {got_year}",
                    spec.name
                ));
            }
        }
        let lists = &report["portals"][spec.portal_name.as_str()]["lists"];
        for (key, listed) in &truth.lists {
            let list = &lists[key.as_str()];
            let honest = list["found"] == *listed
                && list
                    .get("stops")
                    .is_none_or(|s| s.as_array().is_some_and(Vec::is_empty))
                && (list["stated"].is_null() || list["stated"] == *listed)
                && (list["stated_pages"].is_null() || list["pages"] == list["stated_pages"])
                && list["walked"].as_array().is_none_or(|w| {
                    let pages = list["pages"].as_u64().unwrap_or(0);
                    list["by_ranges"] == true
                        || *w == (1..=pages).map(Value::from).collect::<Vec<_>>()
                });
            if !honest {
                diffs.push(format!(
                    "{} list {key}: listed {listed}, ledger {list}\n  {}",
                    spec.name,
                    spec.describe()
                ));
            }
        }
    }
    diffs
}

#[test]
fn every_zoo_portal_yields_exactly_its_reports_with_an_honest_ledger() {
    let seed = env_or("NIANBAO_ZOO_SEED", DEFAULT_SEED);
    let size = env_or("NIANBAO_ZOO_SIZE", DEFAULT_SIZE);
    let specs = generate(seed, size);
    // The zoo is what it claims: every family, and at least 40 portals.
    let families: BTreeSet<String> = specs.iter().map(|s| format!("{:?}", s.family)).collect();
    assert_eq!(families.len(), 6, "{families:?}");
    assert!(specs.len() >= 40 || size < 40);
    // Every variant of every dimension is in it, whatever the seed (the generator cycles them).
    if size >= DEFAULT_SIZE {
        let seen = |f: &dyn Fn(&nianbao_sim::zoo::ZooSpec) -> String| -> BTreeSet<String> {
            specs.iter().map(f).collect()
        };
        let dimensions: [(&str, BTreeSet<String>, usize); 8] = [
            ("script", seen(&|s| format!("{:?}", s.script)), 2),
            ("charset", seen(&|s| format!("{:?}", s.charset)), 6),
            (
                "pager",
                seen(&|s| {
                    format!("{:?}", s.pager)
                        .split('(')
                        .next()
                        .unwrap_or("")
                        .to_string()
                }),
                4,
            ),
            ("next word", seen(&|s| s.next_word.to_string()), 8),
            ("stated", seen(&|s| format!("{:?}", s.stated)), 3),
            ("first link", seen(&|s| format!("{:?}", s.first_link)), 2),
            ("years", seen(&|s| format!("{:?}", s.years)), 5),
            (
                "chinese query",
                seen(&|s| format!("{}", s.family == ZooFamily::Asp && s.chinese_query)),
                2,
            ),
        ];
        for (name, values, at_least) in dimensions {
            assert!(values.len() >= at_least, "{name}: only {values:?}");
        }
        assert!(
            specs
                .iter()
                .any(|s| s.items.len() % s.page_size != 0 && s.items.len() > s.page_size)
                && specs.iter().any(|s| s.items.len() % s.page_size == 0),
            "list lengths both fill and do not fill their last page"
        );
        assert!(
            specs
                .iter()
                .any(|s| s.items.iter().any(|i| i.report_year.is_none()))
        );
        // UCAP shells name their channel every way, and their lists span several API pages
        // with and without a stated total (a shell that states no page size is asked 15 a page).
        let ucap: Vec<&nianbao_sim::zoo::ZooSpec> = specs
            .iter()
            .filter(|s| s.family == ZooFamily::Ucap)
            .collect();
        let channels: BTreeSet<String> = ucap
            .iter()
            .map(|s| format!("{:?}", s.ucap.channel))
            .collect();
        assert_eq!(channels.len(), 4, "{channels:?}");
        let paged: BTreeSet<bool> = ucap
            .iter()
            .filter(|s| s.ucap.states_size && s.items.len() > s.page_size)
            .map(|s| s.states_total)
            .collect();
        assert_eq!(
            paged.len(),
            2,
            "multi-page UCAP lists with and without a total"
        );
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let zoo = runtime.block_on(Zoo::start(specs)).expect("zoo starts");
    let started = Instant::now();
    let mut diffs = check(&zoo, &["crawl"]);
    diffs.extend(check(&zoo, &["backfill", "--years", "2000-2030"]));
    eprintln!(
        "zoo seed {seed}: {} portals, crawl and backfill in {:?}",
        zoo.sites.len(),
        started.elapsed()
    );
    assert!(
        diffs.is_empty(),
        "{} differences from the zoo's truth (seed {seed}):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// `find-section` from every zoo portal's home page: through 政务公开 to the 年报 column, in the
/// portal's encoding and script. An HTML family's column is the section the crawl is configured
/// with (a UCAP shell judged by its API's first page); a JSON family's is a page a script fills,
/// named with what was seen. Nothing but the way is asked: not the guide, not what robots.txt
/// refuses.
#[test]
fn every_zoo_portal_section_is_found_from_its_home_page() {
    let seed = env_or("NIANBAO_ZOO_SEED", DEFAULT_SEED);
    let size = env_or("NIANBAO_ZOO_SIZE", DEFAULT_SIZE);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let zoo = runtime
        .block_on(Zoo::start(generate(seed, size)))
        .expect("zoo starts");
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = dir.path().join("config.toml");
    let toml = zoo.config_toml(&dir.path().join("data"), INTERVAL);
    let politeness_only = &toml[..toml.find("[[portal]]").unwrap_or(toml.len())];
    std::fs::write(&config, politeness_only).expect("write config");
    let mut diffs = Vec::new();
    for site in &zoo.sites {
        let spec = &site.spec;
        let start = format!("{}/", site.base);
        let out = run(&config, &["find-section", &start, "--format", "json"]);
        let found: Value = match serde_json::from_slice(&out.stdout) {
            Ok(v) => v,
            Err(e) => {
                diffs.push(format!(
                    "{}: no JSON ({e}): {}",
                    spec.describe(),
                    stderr(&out)
                ));
                continue;
            }
        };
        let best = &found["candidates"][0];
        let (want_url, want_kind) = match spec.family {
            ZooFamily::TrsXxgk | ZooFamily::Gkmlpt => {
                (format!("{}/zwgk/nb.html", site.base), "needs_javascript")
            }
            _ => (site.section_url(), ""),
        };
        // `~` is sent as it is by nianbao and as `%7E` by the zoo's encoder: one URL.
        let want_url = want_url.replace("%7E", "~");
        if best["url"] != want_url.as_str() || out.status.code() != Some(0) {
            diffs.push(format!(
                "{}: best {} (exit {:?}), expected {want_url}: {found}",
                spec.describe(),
                best["url"],
                out.status.code()
            ));
            continue;
        }
        if !want_kind.is_empty() && best["kind"] != want_kind {
            diffs.push(format!(
                "{}: kind {}: {best}",
                spec.describe(),
                best["kind"]
            ));
        }
        let reports = spec
            .items
            .iter()
            .filter(|i| i.report_year.is_some())
            .count();
        if want_kind.is_empty() && best["reports"] == 0 && best["year_lists"] == 0 && reports > 0 {
            diffs.push(format!("{}: no reports seen: {best}", spec.describe()));
        }
        let asked: Vec<String> = site.requests().into_iter().map(|(t, _)| t).collect();
        if asked
            .iter()
            .any(|t| t.starts_with("/zwgk/zn/") || t.starts_with("/admin/"))
            || asked.len() > 8
        {
            diffs.push(format!("{}: asked {asked:?}", spec.describe()));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} of {} portals (seed {seed}):\n{}",
        diffs.len(),
        zoo.sites.len(),
        diffs.join("\n")
    );
}
