//! `prune-runs` over a data_dir whose `runs/` holds, under old run reports' names, things no run
//! wrote: a folder and a link to itself. Each is left in place with a warning naming it, and the
//! prune goes on to remove the old file beside them (before, either stopped it with exit 3).

mod common;

use common::{route_server::run_nianbao, stderr};

#[test]
fn a_folder_or_a_link_named_like_a_run_report_is_left_and_the_prune_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let runs = dir.path().join("data/runs");
    std::fs::create_dir_all(&runs).expect("runs folder");
    let config = dir.path().join("config.toml");
    let text = format!(
        "data_dir = {:?}\n",
        dir.path().join("data").to_string_lossy()
    );
    std::fs::write(&config, text).expect("config");
    let folder = runs.join("20200101T000000.000Z.json");
    std::fs::create_dir(&folder).expect("a folder named like a report");
    let looped = runs.join("20200102T000000.000Z.json");
    std::os::unix::fs::symlink(&looped, &looped).expect("a link to itself");
    let old = runs.join("20200103T000000.000Z.json");
    std::fs::write(&old, b"{}").expect("an old report whose index entry is gone");

    let out = run_nianbao(&config, &["prune-runs", "--older-than", "400d"]);
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    for path in [&folder, &looped] {
        let named = err
            .lines()
            .any(|l| l.starts_with("warning: left ") && l.contains(&*path.to_string_lossy()));
        assert!(named, "names {path:?}: {err}");
        assert!(path.symlink_metadata().is_ok(), "{path:?} is left");
    }
    assert!(!old.exists(), "the old file goes: {err}");
}
