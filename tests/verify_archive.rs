//! `nianbao verify`, end to end: an archive crawled from simulated portals is whole; then files
//! are taken away or damaged the ways disks and people do it (a raw file deleted, a byte changed
//! in a compressed and in a plain file, derived text cut inside a character, a byte of a WARC
//! file changed), and verify names each file, what is wrong and every version that names it,
//! reads the WARC records after the damage, and exits 1. With folder storage, a file data_dir
//! lacks is checked where it is stored, and `--storage` checks the stored copies too.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{Harness, read_raw, stderr, warc_files};
use nianbao_sim::SiteSpec;
use serde_json::Value;

const INTERVAL: Duration = Duration::from_millis(40);

fn crawled() -> Harness {
    let sites = ["gbk", "big5"]
        .iter()
        .map(|n| SiteSpec::standard_named(n).expect("standard site"))
        .collect();
    let h = Harness::with_sites(sites, INTERVAL);
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    h
}

fn verify(h: &Harness, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["verify", "--format", "json"];
    all.extend_from_slice(args);
    let out = h.run(&all);
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("verify prints JSON ({e}): {}", stderr(&out)));
    (out.status.code(), json)
}

fn problems(summary: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = summary["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["path"].as_str().expect("path").to_string(),
                p["kind"].as_str().expect("kind").to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

/// The seqs of the versions a problem names.
fn seqs_of(summary: &Value, path: &str) -> Vec<u64> {
    let problem = summary["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .find(|p| p["path"] == path)
        .unwrap_or_else(|| panic!("no problem named {path}: {summary}"));
    let mut seqs: Vec<u64> = problem["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(|v| v["seq"].as_u64().expect("seq"))
        .collect();
    seqs.sort();
    seqs.dedup();
    seqs
}

/// The seqs of the versions whose page or attachments name `path`.
fn naming(records: &[Value], path: &str) -> Vec<u64> {
    records
        .iter()
        .filter(|r| {
            r["raw_path"] == path
                || r["text_path"] == path
                || r["attachments"]
                    .as_array()
                    .expect("attachments")
                    .iter()
                    .any(|a| a["raw_path"] == path || a["text_path"] == path)
        })
        .map(|r| r["seq"].as_u64().expect("seq"))
        .collect()
}

fn flip(path: &Path, at: usize) {
    let mut bytes = std::fs::read(path).expect("read");
    bytes[at] ^= 0x55;
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn verify_names_every_missing_or_damaged_file_and_the_versions_that_name_it() {
    let h = crawled();
    let data = h.data_dir();
    let records = h.export();
    let (code, whole) = verify(&h, &["--warc"]);
    assert_eq!(code, Some(0), "{whole}");
    assert_eq!(problems(&whole), []);
    assert_eq!(whole["versions"], records.len());
    assert!(
        whole["files"].as_u64() > Some(records.len() as u64),
        "{whole}"
    );
    let records_in_warc = whole["warc_records"].as_u64().expect("warc_records");
    assert!(records_in_warc >= 3 * records.len() as u64, "{whole}");

    // A compressed page changed and another deleted; derived text cut inside a character.
    let page = |skip: usize| -> String {
        records
            .iter()
            .map(|r| r["raw_path"].as_str().expect("raw_path").to_string())
            .filter(|p| p.ends_with(".zst"))
            .nth(skip)
            .expect("such a page")
    };
    let (packed, deleted) = (page(0), page(1));
    let text = records
        .iter()
        .flat_map(|r| r["attachments"].as_array().expect("attachments"))
        .filter_map(|a| a["text_path"].as_str())
        .next()
        .expect("derived text of an attachment")
        .to_string();
    let originals: Vec<Vec<u8>> = [&packed, &deleted]
        .iter()
        .map(|p| read_raw(&data.join(p)))
        .collect();
    let original_text = std::fs::read(data.join(&text)).expect("read text");
    flip(&data.join(&packed), 30);
    std::fs::remove_file(data.join(&deleted)).expect("delete");
    let mut cut = original_text.clone();
    cut.extend_from_slice("年".as_bytes().split_last().expect("bytes").1);
    std::fs::write(data.join(&text), cut).expect("cut the text");

    let (code, found) = verify(&h, &[]);
    assert_eq!(code, Some(1), "{found}");
    let mut expected = vec![
        (packed.clone(), "damaged".to_string()),
        (deleted.clone(), "missing".to_string()),
        (text.clone(), "damaged".to_string()),
    ];
    expected.sort();
    assert_eq!(problems(&found), expected, "{found}");
    for path in [&packed, &deleted, &text] {
        assert_eq!(seqs_of(&found, path), naming(&records, path), "{path}");
    }
    // Nothing was changed: the same answer again.
    let (_, again) = verify(&h, &[]);
    assert_eq!(problems(&again), expected);

    // The text form names the file, the kind and the version.
    let out = h.run(&["verify"]);
    let text_out = String::from_utf8_lossy(&out.stdout);
    let seq = naming(&records, &deleted)[0];
    assert!(
        text_out.contains(&format!("missing {deleted}"))
            && text_out.contains(&format!("raw body of seq {seq} ")),
        "{text_out}"
    );

    // --repair: the pages from their WARC records, the text derived again from its PDF.
    let (code, repaired) = verify(&h, &["--repair"]);
    assert_eq!(code, Some(0), "{repaired}");
    assert_eq!(repaired["repaired"], 3, "{repaired}");
    let from = |path: &str| -> String {
        repaired["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .find(|p| p["path"] == path)
            .and_then(|p| p["repaired"].as_str())
            .unwrap_or_else(|| panic!("{path} not repaired: {repaired}"))
            .to_string()
    };
    assert!(from(&packed).starts_with("from warc/"), "{}", from(&packed));
    assert!(
        from(&deleted).starts_with("from warc/"),
        "{}",
        from(&deleted)
    );
    assert!(
        from(&text).starts_with("derived again from raw/"),
        "{}",
        from(&text)
    );
    for (path, body) in [&packed, &deleted].iter().zip(&originals) {
        assert_eq!(&read_raw(&data.join(path)), body, "{path}");
    }
    assert_eq!(
        std::fs::read(data.join(&text)).expect("text"),
        original_text
    );
    let (code, after) = verify(&h, &["--warc"]);
    assert_eq!((code, problems(&after)), (Some(0), vec![]), "{after}");

    // A byte of a WARC file changed: that record is named, every other one read.
    let warc = warc_files(&data).remove(0);
    let warc_len = std::fs::metadata(&warc).expect("metadata").len() as usize;
    flip(&warc, warc_len / 2);
    let warc_key = format!("warc/{}", warc.file_name().expect("name").to_string_lossy());
    let (code, found) = verify(&h, &["--warc"]);
    assert_eq!(code, Some(1), "{found}");
    assert_eq!(
        problems(&found),
        [(warc_key.clone(), "damaged".to_string())]
    );
    assert!(found["problems"][0]["offset"].as_u64().is_some(), "{found}");
    assert_eq!(found["warc_records"], records_in_warc - 1, "{found}");

    // Without --warc the WARC file is not read; --since leaves out the versions up to it.
    let (code, no_warc) = verify(&h, &[]);
    assert_eq!((code, problems(&no_warc)), (Some(0), vec![]));
    let last = records.len() as u64;
    std::fs::remove_file(data.join(&deleted)).expect("delete");
    let (code, none) = verify(&h, &["--since", &last.to_string()]);
    assert_eq!((code, none["versions"].as_u64()), (Some(0), Some(0)));
}

#[test]
fn verify_checks_in_folder_storage_what_data_dir_lacks() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("gbk").expect("standard site")],
        INTERVAL,
    );
    let store = h.dir.path().join("store");
    // Plain files: a changed byte keeps a plain file's size, unlike a compressed one's frame.
    h.edit_config(|c| {
        format!(
            "{c}\n[archive]\ncompress = \"none\"\n\n[storage]\nurl = \"file://{}\"\n",
            store.display()
        )
    });
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    let data = h.data_dir();
    let records = h.export();
    let paths: Vec<String> = records
        .iter()
        .map(|r| r["raw_path"].as_str().expect("raw_path").to_string())
        .collect();
    let (gone_locally, damaged_stored, gone_everywhere, damaged_here) =
        (&paths[0], &paths[1], &paths[2], &paths[3]);
    assert!(paths.iter().all(|p| !p.ends_with(".zst")), "{paths:?}");

    std::fs::remove_file(data.join(gone_locally)).expect("delete");
    let (code, summary) = verify(&h, &[]);
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(summary["from_storage"], 1);
    assert!(
        !data.join(gone_locally).exists(),
        "verify writes nothing into data_dir"
    );

    // A stored copy damaged: only --storage reads it while data_dir has its own.
    flip(&store.join(damaged_stored), 20);
    let (code, _) = verify(&h, &[]);
    assert_eq!(code, Some(0));
    let (code, summary) = verify(&h, &["--storage"]);
    assert_eq!(code, Some(1), "{summary}");
    assert_eq!(
        problems(&summary),
        [(damaged_stored.clone(), "damaged".to_string())]
    );
    let detail = summary["problems"][0]["detail"].as_str().expect("detail");
    assert!(detail.contains(&*store.to_string_lossy()), "{detail}");
    assert_eq!(
        summary["stored_copies"],
        summary["files"].as_u64().expect("files") - 1
    );

    // Gone from both; a byte of a plain file in data_dir changed, its size kept.
    std::fs::remove_file(data.join(gone_everywhere)).expect("delete");
    std::fs::remove_file(store.join(gone_everywhere)).expect("delete");
    flip(&data.join(damaged_here), 100);
    let (code, summary) = verify(&h, &[]);
    assert_eq!(code, Some(1));
    let mut expected = vec![
        (gone_everywhere.clone(), "missing".to_string()),
        (damaged_here.clone(), "damaged".to_string()),
    ];
    expected.sort();
    assert_eq!(problems(&summary), expected, "{summary}");

    // --repair --storage: the plain file from its stored copy, the one gone everywhere from
    // its WARC record (and put back into storage), the damaged stored copy from data_dir's.
    let (code, summary) = verify(&h, &["--repair", "--storage"]);
    assert_eq!(code, Some(0), "{summary}");
    let repaired: Vec<(&str, &str)> = summary["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| {
            (
                p["path"].as_str().expect("path"),
                p["repaired"].as_str().expect("repaired"),
            )
        })
        .collect();
    assert_eq!(repaired.len(), 3, "{summary}");
    for (path, from) in repaired {
        let want = match path {
            p if p == damaged_here => "from storage, ",
            p if p == damaged_stored => "from data_dir's copy; put into storage at ",
            _ => "from warc/",
        };
        assert!(from.starts_with(want), "{path}: {from}");
    }
    assert!(
        store.join(gone_everywhere).exists(),
        "put back into storage"
    );
    let (code, summary) = verify(&h, &["--storage"]);
    assert_eq!((code, problems(&summary)), (Some(0), vec![]), "{summary}");
}

/// `fetch.max_body_bytes` lowered after a crawl (to keep large files out from now on): the
/// bodies archived under the default are still read back whole and verified, not called damaged
/// by their size, and `export` still hands them on.
#[test]
fn a_limit_lowered_after_a_crawl_leaves_the_archived_bodies_readable() {
    let h = Harness::with_sites(
        vec![SiteSpec::standard_named("gbk").expect("standard site")],
        INTERVAL,
    );
    h.edit_config(|c| format!("{c}\n[archive]\ncompress = \"none\"\n"));
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "crawl: {}", stderr(&out));
    let data = h.data_dir();
    let larger = h
        .export()
        .iter()
        .filter_map(|r| r["raw_path"].as_str())
        .filter(|p| std::fs::metadata(data.join(p)).is_ok_and(|m| m.len() > 1024))
        .count();
    assert!(larger > 0, "some raw file is over the new limit of 1 KiB");
    h.edit_config(|c| c.replacen("[fetch]\n", "[fetch]\nmax_body_bytes = \"1KiB\"\n", 1));
    let (code, summary) = verify(&h, &[]);
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(problems(&summary), Vec::<(String, String)>::new());
}
