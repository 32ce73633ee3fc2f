//! Shared helpers of the WARC round-trip tests: writer settings, a sample written to a scratch
//! folder, and its files and records read back.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

use crate::warc_common::*;
use nianbao::warc::{
    RevisitOf, WarcCapture, WarcReader, WarcRecord, WarcSettings, WarcWriter, WrittenResponse,
};
use serde_json::json;

pub fn settings(max: u64) -> WarcSettings {
    WarcSettings {
        max_file_bytes: max,
        operator: Some("Archive team <ops@example.org>".into()),
        info: vec![
            ("nianbao-config".into(), "portals=3 interval=2s".into()),
            ("user-agent".into(), "nianbao/0.1".into()),
        ],
        ..WarcSettings::default()
    }
}

pub fn read_all(path: &Path) -> Vec<WarcRecord> {
    WarcReader::open(path)
        .expect("the file opens")
        .collect::<Result<Vec<_>, _>>()
        .expect("every record reads back")
}

pub fn warc_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .expect("dir lists")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".warc.gz"))
        .collect();
    files.sort();
    files
}

/// Writes the four kinds of capture plus a revisit of the first; returns what the writer said.
pub fn write_sample(dir: &Path, max: u64) -> Vec<(WarcCapture, WrittenResponse)> {
    let (mut writer, recovery) = WarcWriter::open(dir, settings(max)).expect("writer opens");
    assert_eq!(
        recovery,
        Default::default(),
        "nothing to recover in a new dir"
    );
    let mut out = Vec::new();
    for (i, c) in [plain_page(), gzip_page(), chunked_post(), attachment()]
        .into_iter()
        .enumerate()
    {
        let doc = json!({"seq": i, "url": c.target_uri});
        let w = writer
            .write_capture(&c, None, Some(&doc))
            .expect("capture written");
        out.push((c, w));
    }
    let original = RevisitOf::from(&out[0].1);
    let again = plain_page_refetch();
    let w = writer
        .write_capture(&again, Some(&original), None)
        .expect("revisit written");
    out.push((again, w));
    writer.sync().expect("sync");
    out
}
