//! A storage that refuses every write: a `file:` storage whose folder is a plain file. No
//! version is committed without its files in storage, the crawl says so in its run report and
//! its exit code (it must not look healthy when nothing was kept), and a later run, once the
//! storage takes writes again, archives and puts what was refused.

mod common;

use std::time::Duration;

use common::Harness;
use common::route_server::newest_run_report;
use nianbao_sim::SiteSpec;

#[test]
fn a_storage_that_refuses_every_put_fails_the_run_and_a_later_run_puts_it() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(30),
    );
    let folder = h.dir.path().join("bucket");
    std::fs::write(&folder, b"not a folder").expect("write the file in the folder's place");
    let url = format!("file://{}", folder.display());
    h.edit_config(|c| c + &format!("\n[storage]\nurl = \"{url}\"\n"));

    let out = h.run(&["crawl"]);
    let log = common::stderr(&out);
    assert!(
        h.export().is_empty(),
        "no record without its files in storage: {log}"
    );
    let report = newest_run_report(h.dir.path());
    let refused = report["storage_refused"].as_u64().unwrap_or(0);
    assert!(
        refused > 0,
        "the run report counts the refused versions: {report}"
    );
    assert!(
        log.contains("STORAGE refused the files of"),
        "the summary says what storage refused: {log}"
    );
    assert_eq!(out.status.code(), Some(1), "{log}");

    // The storage takes writes again: the next run archives what was refused, and puts it.
    std::fs::remove_file(&folder).expect("remove the file");
    std::fs::create_dir(&folder).expect("make the folder");
    let out = h.run(&["crawl"]);
    let log = common::stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{log}");
    let records = h.export();
    assert!(
        !records.is_empty(),
        "the refused items are archived now: {log}"
    );
    for record in &records {
        let raw = record["raw_path"].as_str().expect("raw_path");
        assert!(folder.join(raw).is_file(), "{raw} is in storage: {log}");
    }
    assert_eq!(
        newest_run_report(h.dir.path())["storage_refused"]
            .as_u64()
            .unwrap_or(0),
        0
    );
}

#[test]
fn the_demo_with_a_storage_that_refuses_every_put_does_not_end_as_a_success() {
    let dir = tempfile::tempdir().expect("scratch dir");
    let folder = dir.path().join("bucket");
    std::fs::write(&folder, b"not a folder").expect("write the file in the folder's place");
    let extra = dir.path().join("storage.toml");
    let table = format!("[storage]\nurl = \"file://{}\"\n", folder.display());
    std::fs::write(&extra, table).expect("write the file");
    let out = common::run_demo_with(&extra, &dir.path().join("demo"));
    let log = common::stderr(&out);
    assert!(
        log.contains("STORAGE refused the files of"),
        "the summary says what storage refused: {log}"
    );
    assert_eq!(out.status.code(), Some(1), "{log}");
}
