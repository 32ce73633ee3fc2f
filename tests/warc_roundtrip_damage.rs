//! WARC files damaged by a killed run or otherwise, read back: a half-written last record is cut,
//! a file damaged inside is left as it is, and a gzip member that holds no record is not the next
//! record.

mod warc_common;
mod warc_roundtrip_support;

use std::fs;
use std::path::Path;

use nianbao::warc::{WarcReader, WarcRecord, WarcWriter, WrittenResponse, next_whole_record};
use warc_common::*;
use warc_roundtrip_support::*;

/// Bytes to append to a good file, given its folder and a response written in it.
type Damage = dyn Fn(&Path, &WrittenResponse) -> Vec<u8>;

#[test]
fn open_cuts_a_half_written_last_record() {
    // Each kind of damage a killed run (or a crashed disk) can leave at the end of the newest file.
    let half_member = |dir: &Path, w: &WrittenResponse| {
        let bytes = fs::read(dir.join(&w.file)).expect("read");
        let start = w.offset as usize;
        bytes[start..start + w.length as usize / 2].to_vec()
    };
    let cases: [(&str, &Damage); 4] = [
        ("half a gzip member", &half_member),
        ("a gzip header only", &|_, _| {
            gzip(b"WARC/1.1\r\n")[..10].to_vec()
        }),
        ("a complete member that is not a record", &|_, _| {
            gzip(b"WARC/1.1\r\nContent-Length: 100\r\n\r\nshort")
        }),
        ("zeros left by the file system", &|_, _| vec![0u8; 4096]),
    ];
    for (what, damage) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        let written = write_sample(dir.path(), 1 << 30);
        let file = dir.path().join(&written[0].1.file);
        let good_len = fs::metadata(&file).expect("metadata").len();
        let junk = damage(dir.path(), &written[1].1);
        let mut bytes = fs::read(&file).expect("read");
        bytes.extend_from_slice(&junk);
        fs::write(&file, &bytes).expect("write");

        let (mut writer, recovery) =
            WarcWriter::open(dir.path(), settings(1 << 30)).expect("reopens");
        assert_eq!(recovery.cut_bytes, junk.len() as u64, "{what}");
        assert_eq!(recovery.records_kept, 15, "{what}");
        assert_eq!(recovery.file.as_deref(), Some(written[0].1.file.as_str()));
        assert!(recovery.damage.is_some(), "{what}");
        assert_eq!(
            fs::metadata(&file).expect("metadata").len(),
            good_len,
            "{what}"
        );
        assert_eq!(read_all(&file).len(), 15, "{what}");

        // The next run writes to a new file numbered after the repaired one.
        let w = writer
            .write_capture(&attachment(), None, None)
            .expect("written");
        assert!(w.file.ends_with("-00002.warc.gz"), "{what}: {}", w.file);
        assert_eq!(warc_files(dir.path()).len(), 2);
    }

    // An intact file is left alone.
    let dir = tempfile::tempdir().expect("temp dir");
    write_sample(dir.path(), 1 << 30);
    let (_, recovery) = WarcWriter::open(dir.path(), settings(1 << 30)).expect("reopens");
    assert_eq!((recovery.cut_bytes, recovery.records_kept), (0, 15));
    assert_eq!(recovery.damage, None);
}

#[test]
fn open_leaves_a_file_damaged_inside_as_it_is() {
    // A damaged byte inside the newest file (a bad sector, not a stop while writing): the records
    // after it are whole, and cutting the file there would throw them away.
    let dir = tempfile::tempdir().expect("temp dir");
    let written = write_sample(dir.path(), 1 << 30);
    let file = dir.path().join(&written[0].1.file);
    let hit = &written[1].1;
    let mut bytes = fs::read(&file).expect("read");
    bytes[(hit.offset + hit.length / 2) as usize] ^= 0xff;
    fs::write(&file, &bytes).expect("write");
    let whole_before = WarcReader::open(&file)
        .expect("opens")
        .take_while(Result::is_ok)
        .count();

    let (_, recovery) = WarcWriter::open(dir.path(), settings(1 << 30)).expect("reopens");
    assert_eq!(recovery.cut_bytes, 0);
    assert!(recovery.damage.is_some());
    assert_eq!(
        fs::read(&file).expect("read"),
        bytes,
        "the file is as it was"
    );

    // Reading on from the next whole record finds all the rest.
    let next = next_whole_record(&file, hit.offset)
        .expect("scan")
        .expect("a whole record follows");
    assert_eq!(next, hit.offset + hit.length);
    let rest: Vec<WarcRecord> = WarcReader::open_at(&file, next)
        .expect("opens")
        .collect::<Result<_, _>>()
        .expect("every record after the damage is whole");
    assert_eq!(whole_before + 1 + rest.len(), 15);
}

#[test]
fn a_gzip_member_that_holds_no_record_is_not_the_next_record() {
    // After damage at offset 0: a gzip stream (a gzip body a record stores verbatim) and then a
    // real record. Only the record counts.
    let dir = tempfile::tempdir().expect("temp dir");
    let written = write_sample(dir.path(), 1 << 30);
    let good = fs::read(dir.path().join(&written[0].1.file)).expect("read");
    let w = &written[0].1;
    let first = &good[w.offset as usize..(w.offset + w.length) as usize];
    let stray = gzip(b"<html>not a WARC record</html>");
    let mut bytes = vec![b'x'];
    bytes.extend_from_slice(&stray);
    bytes.extend_from_slice(first);
    let path = dir.path().join("damaged.warc.gz");
    fs::write(&path, &bytes).expect("write");
    assert_eq!(
        next_whole_record(&path, 0).expect("scan"),
        Some(1 + stray.len() as u64)
    );
    // Nothing whole after the last record's start.
    assert_eq!(
        next_whole_record(&path, 1 + stray.len() as u64).expect("scan"),
        None
    );
}
