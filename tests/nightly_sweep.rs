//! The nightly crawl's sweep, through the real binary: a portal whose last whole walk is older
//! than `crawl.sweep_every` is walked whole on a night (every page, every year's subsection),
//! so that a report filed late where the nightly walk no longer looks is archived; known items
//! are not fetched again; a night sweeps its share of the due portals, oldest first; a sweep cut
//! short by a failure does not count; a stopped sweep resumes on the portals it chose. The
//! portals are the nightly tests' own (`common::nightly`), on loopback; a walk is made old
//! through the store, not by waiting.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{Duration, NaiveDate, Utc};
use common::nightly::{Portal, Section, Years, ids};
use common::route_server::{newest_run_report, portals_config, run_nianbao};
use common::stderr;

const COUNTY: &str = "某某县人民政府";

/// Records `portal`'s last whole walk `days` ago, as the store of a run that long ago holds it.
fn walked_whole_days_ago(data_dir: &Path, portal: &str, days: i64) {
    let store = nianbao::store::Store::open(data_dir).expect("store opens");
    store
        .put_whole_walk(portal, Utc::now() - Duration::days(days))
        .expect("whole walk recorded");
}

/// One nightly test portal for each name, all in one config: the portals, the scratch folder
/// and the config's path.
fn portals_named(names: &[&str]) -> (Vec<Portal>, tempfile::TempDir, std::path::PathBuf) {
    let portals: Vec<Portal> = names
        .iter()
        .map(|_| Portal::new(Section::newest_first(25)))
        .collect();
    let dir = tempfile::tempdir().expect("scratch dir");
    let sections: Vec<(&str, String)> = names
        .iter()
        .zip(&portals)
        .map(|(name, p)| (*name, format!("{}/xxgk/list.html", p.server.base)))
        .collect();
    let config = portals_config(dir.path(), &sections);
    (portals, dir, config)
}

/// The portal's share of the newest run report.
fn portal_report(dir: &Path, portal: &str) -> serde_json::Value {
    newest_run_report(dir)["portals"][portal].clone()
}

fn swept(dir: &Path, portal: &str) -> bool {
    portal_report(dir, portal)["swept"] == true
}

/// A list that states no count gets a report filed late in the middle of its page 2, under an
/// old date: the nightly walk, stopping at page 1 of known items, misses it; once the portal's
/// last whole walk is older than `sweep_every`, the night's sweep walks every page and archives
/// it, fetching none of the known reports again.
#[test]
fn a_late_report_in_the_middle_of_a_list_stating_no_count_is_archived_by_the_sweep() {
    let portal = Portal::new(Section {
        states_items: false,
        ..Section::newest_first(25)
    })
    .with_crawl("sweep_every = \"30d\"");
    let first = portal.night();
    assert_eq!(first.items, ids(1..=25), "{}", first.summary);
    // A first crawl walks everything: it counts as a whole walk.
    assert_eq!(
        portal_report(portal.dir.path(), COUNTY)["walked_whole"],
        true
    );
    portal.change(|s| {
        s.listed.insert(15, 26);
        s.dated
            .push((26, NaiveDate::from_ymd_opt(2015, 6, 1).expect("a date")));
    });
    let quiet = portal.night();
    assert!(quiet.items.is_empty(), "{}", quiet.summary);
    assert_eq!(quiet.list_pages, 1, "{}", quiet.summary);
    assert!(!swept(portal.dir.path(), COUNTY), "{}", quiet.summary);

    walked_whole_days_ago(&portal.dir.path().join("data"), COUNTY, 31);
    let status = run_nianbao(&portal.config, &["status"]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.contains("sweep due now"), "{status}");

    let sweep = portal.night();
    assert_eq!(sweep.items, ids([26]), "{}", sweep.summary);
    assert_eq!(sweep.list_pages, 3, "every page walked: {}", sweep.summary);
    let report = portal_report(portal.dir.path(), COUNTY);
    assert_eq!(report["swept"], true, "{report}");
    assert_eq!(report["walked_whole"], true, "{report}");
    assert!(
        sweep.summary.contains("swept whole (last whole walk "),
        "{}",
        sweep.summary
    );
    let status = run_nianbao(&portal.config, &["status", "--format", "json"]);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    let row = &status["portals"][0];
    let next = row["next_sweep_due"].as_str().unwrap_or_default();
    assert_ne!(next, "now", "{row}");
    // Due `sweep_every` after the whole walk it just made (not a year read off the clock,
    // which a run in early December crossed into January).
    let walked = row["last_whole_walk"].as_str().unwrap_or_default();
    let walked = chrono::DateTime::parse_from_rfc3339(walked)
        .unwrap_or_else(|e| panic!("last_whole_walk {walked:?}: {e}: {row}"));
    assert_eq!(
        next,
        (walked.with_timezone(&Utc) + Duration::days(30))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "{row}"
    );

    // Swept, the portal is not due again: the next night is a nightly one.
    let after = portal.night();
    assert_eq!(after.list_pages, 1, "{}", after.summary);
    assert!(!swept(portal.dir.path(), COUNTY), "{}", after.summary);
}

/// A report filed late into an older year's subsection, which the nightly walk leaves, is
/// archived by the sweep, which walks every year's list.
#[test]
fn a_late_report_in_an_old_years_subsection_is_archived_by_the_sweep() {
    let (server, state) = Years::serve();
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(dir.path(), &[(COUNTY, format!("{}/nb/", server.base))]);
    let night = |what: &str| {
        let before = server.requests().len();
        let out = run_nianbao(&config, &["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        let items: BTreeSet<String> = server
            .requests()
            .split_off(before)
            .into_iter()
            .filter(|t| t.starts_with("/art/"))
            .collect();
        (items, stderr(&out))
    };
    // The first night without sweeps, as after `sweep_every = "off"` or when the portal is not
    // among the night's share: it walks every year's list all the same, as they are new.
    let text = std::fs::read_to_string(&config).expect("config");
    let off = text.replace("[fetch]", "[crawl]\nsweep_every = \"off\"\n[fetch]");
    std::fs::write(&config, off).expect("config");
    let (first, summary) = night("first night");
    std::fs::write(&config, &text).expect("config");
    assert!(!swept(dir.path(), COUNTY), "{summary}");
    assert_eq!(first.len(), 12);
    // The first night walks every year's list (each year's page links the others, walked already
    // by then): a whole walk.
    let report = portal_report(dir.path(), COUNTY);
    assert_eq!(report["walked_whole"], true, "{summary}");
    // None of them is named as left by the night that walked it.
    assert!(
        !summary.contains("older year lists not walked"),
        "{summary}"
    );
    state.lock().expect("years lock").years[1].2 = 4;
    let (nightly, summary) = night("nightly");
    assert!(nightly.is_empty(), "{summary}");
    // The next night leaves the older years' lists, and says so.
    assert!(
        summary.contains("older year lists not walked (nightly): 2021, 2022"),
        "{summary}"
    );
    walked_whole_days_ago(&dir.path().join("data"), COUNTY, 40);
    let (swept_items, summary) = night("sweep");
    assert_eq!(
        swept_items,
        BTreeSet::from(["/art/2022_4.html".to_string()]),
        "{summary}"
    );
    assert!(swept(dir.path(), COUNTY), "{summary}");
    assert!(
        !summary.contains("older year lists not walked"),
        "{summary}"
    );
}

/// Three portals due with `sweep_every = "3d"`: a night sweeps one (3 portals / 3 days), the one
/// whose last whole walk is oldest, whatever the names' order; the next night the next oldest.
#[test]
fn a_night_sweeps_its_share_of_the_due_portals_oldest_first() {
    let names = ["甲县人民政府", "乙县人民政府", "丙县人民政府"];
    let (portals, dir, config) = portals_named(&names);
    let text = std::fs::read_to_string(&config).expect("config");
    std::fs::write(
        &config,
        text.replace("[fetch]", "[crawl]\nsweep_every = \"3d\"\n[fetch]"),
    )
    .expect("config");
    let night = || {
        let before: Vec<usize> = portals.iter().map(|p| p.server.requests().len()).collect();
        let out = run_nianbao(&config, &["crawl"]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let list_pages: Vec<usize> = portals
            .iter()
            .zip(before)
            .map(|(p, from)| {
                let asked = p.server.requests().split_off(from);
                asked
                    .iter()
                    .filter(|t| t.starts_with("/xxgk/list."))
                    .count()
            })
            .collect();
        let swept: Vec<bool> = names.iter().map(|n| swept(dir.path(), n)).collect();
        (list_pages, swept, stderr(&out))
    };
    let _first = night();
    let data_dir = dir.path().join("data");
    for (name, days) in names.iter().zip([9, 8, 10]) {
        walked_whole_days_ago(&data_dir, name, days);
    }
    // 丙, walked whole 10 days ago, first; only it is walked past page 1.
    let (pages, swept_now, summary) = night();
    assert_eq!(swept_now, [false, false, true], "{summary}");
    assert_eq!(pages, [1, 1, 3], "{summary}");
    // Then 甲 (9 days), then 乙 (8 days).
    let (pages, swept_now, summary) = night();
    assert_eq!(swept_now, [true, false, false], "{summary}");
    assert_eq!(pages, [3, 1, 1], "{summary}");
    let (_, swept_now, summary) = night();
    assert_eq!(swept_now, [false, true, false], "{summary}");
    let (_, swept_now, summary) = night();
    assert_eq!(swept_now, [false, false, false], "none due: {summary}");
}

/// A sweep whose list page fails does not count as a whole walk: the portal stays due, but not
/// before a tenth of `sweep_every` (3 days of the default 30), so a portal never walked whole
/// cannot take every night's sweep; once that has passed, the next night sweeps it again.
#[test]
fn a_sweep_cut_short_by_a_failing_page_leaves_the_portal_due() {
    let portal = Portal::new(Section::newest_first(25));
    let _first = portal.night();
    let data_dir = portal.dir.path().join("data");
    walked_whole_days_ago(&data_dir, COUNTY, 31);
    portal.change(|s| s.failing_page = Some(2));
    let cut = portal.night();
    let report = portal_report(portal.dir.path(), COUNTY);
    assert_eq!(report["swept"], true, "{report}");
    assert!(report.get("walked_whole").is_none(), "{report}");
    assert!(cut.summary.contains("swept, not whole"), "{}", cut.summary);
    let status = run_nianbao(&portal.config, &["status"]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.contains("next sweep due 20"), "{status}");
    assert!(!status.contains("sweep due now"), "{status}");

    portal.change(|s| s.failing_page = None);
    let waiting = portal.night();
    assert!(!swept(portal.dir.path(), COUNTY), "{}", waiting.summary);
    assert_eq!(waiting.list_pages, 1, "{}", waiting.summary);

    let store = nianbao::store::Store::open(&data_dir).expect("store opens");
    store
        .put_sweep_tried(COUNTY, Utc::now() - Duration::days(4))
        .expect("sweep recorded");
    drop(store);
    let status = run_nianbao(&portal.config, &["status"]);
    let status = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(status.contains("sweep due now"), "{status}");
    let again = portal.night();
    assert_eq!(again.list_pages, 3, "{}", again.summary);
    let report = portal_report(portal.dir.path(), COUNTY);
    assert_eq!(report["swept"], true, "{report}");
    assert_eq!(report["walked_whole"], true, "{report}");
}

/// `crawl.sweep_every` takes a duration, or "off", 0 or "0s" for no sweeps; anything else is
/// refused naming the file, the line and the key.
#[test]
fn sweep_every_takes_a_duration_or_off() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(dir.path(), &[(COUNTY, "http://127.0.0.1:9/xxgk/".into())]);
    // `status` reads an archive that exists (an empty one here).
    std::fs::create_dir_all(dir.path().join("data")).expect("data_dir");
    let text = std::fs::read_to_string(&config).expect("config");
    let with = |value: &str| {
        let edited = text.replace(
            "[fetch]",
            &format!("[crawl]\nsweep_every = {value}\n[fetch]"),
        );
        std::fs::write(&config, edited).expect("config");
        run_nianbao(&config, &["status"])
    };
    let line = 1 + text
        .lines()
        .position(|l| l == "[fetch]")
        .expect("a [fetch] table");
    for bad in ["\"monthly\"", "30", "-1", "true"] {
        let out = with(bad);
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", stderr(&out));
        let shown = stderr(&out);
        let at = format!("{}:{}:", config.display(), line + 1);
        assert!(shown.contains(&at), "{bad}: {at} in {shown}");
        assert!(shown.contains("crawl.sweep_every"), "{bad}: {shown}");
        assert!(
            shown.contains("a duration such as \"30d\", or \"off\""),
            "{bad}: {shown}"
        );
    }
    for (good, says) in [
        ("\"off\"", "sweeps off"),
        ("0", "sweeps off"),
        ("\"0s\"", "sweeps off"),
        ("\"7d\"", "sweep due now"),
    ] {
        let out = with(good);
        assert_eq!(out.status.code(), Some(0), "{good}: {}", stderr(&out));
        let shown = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(shown.contains(says), "{good}: {shown}");
    }
}

/// A crawl stopped (SIGTERM) during a sweep keeps the portals it chose: the run that resumes it
/// sweeps the same portal, although by then another one would be picked afresh.
#[test]
fn a_resumed_crawl_sweeps_the_portals_the_stopped_one_chose() {
    let names = ["甲县人民政府", "乙县人民政府"];
    let (portals, dir, config) = portals_named(&names);
    let first = run_nianbao(&config, &["crawl"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    // Slow enough to stop between the sweep's pages; two portals over 2 days: one a night.
    let text = std::fs::read_to_string(&config).expect("config");
    let text = text.replace("per_host_interval = \"20ms\"", "per_host_interval = \"1s\"");
    let text = text.replace("[fetch]", "[crawl]\nsweep_every = \"2d\"\n[fetch]");
    std::fs::write(&config, text).expect("config");
    let data_dir = dir.path().join("data");
    walked_whole_days_ago(&data_dir, names[0], 10);
    walked_whole_days_ago(&data_dir, names[1], 9);

    let asked_before = portals[0].server.requests().len();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nianbao"))
        .arg("--config")
        .arg(&config)
        .arg("crawl")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("nianbao starts");
    let swept_page_2 = || {
        portals[0].server.requests()[asked_before..]
            .iter()
            .any(|t| t == "/xxgk/list.html?page=2")
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !swept_page_2() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(swept_page_2(), "the sweep of 甲 reached page 2");
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(term.success());
    let status = child.wait().expect("the stopped run ends");
    assert_eq!(status.code(), Some(130), "stopped, resumable");
    let stopped = newest_run_report(dir.path());
    assert_eq!(stopped["interrupted"], true, "{stopped}");
    assert_eq!(stopped["portals"][names[0]]["swept"], true, "{stopped}");

    // Afresh, 乙 would be picked now; the resumed run sweeps 甲 on, and 乙 waits.
    walked_whole_days_ago(&data_dir, names[0], 0);
    let resumed = run_nianbao(&config, &["crawl"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    let report = newest_run_report(dir.path());
    assert_eq!(report["portals"][names[0]]["swept"], true, "{report}");
    assert_eq!(
        report["portals"][names[0]]["walked_whole"], true,
        "{report}"
    );
    assert!(
        report["portals"][names[1]].get("swept").is_none(),
        "{report}"
    );
    let pages_3 = portals[0]
        .server
        .requests()
        .iter()
        .filter(|t| *t == "/xxgk/list.html?page=3")
        .count();
    assert_eq!(
        pages_3, 2,
        "page 3 walked by the first crawl and by the resumed sweep"
    );
}
