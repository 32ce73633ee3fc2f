//! The archive writer and reader: content addressing, compression where it pays, damage found
//! and repaired, plain copies removed.

use super::*;

#[test]
fn stores_once_and_addresses_by_content() {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Archive::open(dir.path()).expect("open archive");
    let first = archive.store(b"<html>report</html>").expect("store");
    assert!(first.newly_written);
    assert_eq!(
        first.raw_path,
        format!("raw/{}/{}", &first.sha256[..2], first.sha256)
    );
    assert_eq!(
        fs::read(archive.absolute(&first.raw_path)).expect("read back"),
        b"<html>report</html>"
    );
    let second = archive.store(b"<html>report</html>").expect("store again");
    assert!(!second.newly_written);
    assert_eq!(first.raw_path, second.raw_path);
    assert_eq!(
        fs::read_dir(dir.path().join(TMP_DIR))
            .expect("tmp dir")
            .count(),
        0
    );
}

#[test]
fn a_truncated_file_is_detected_and_written_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Archive::open(dir.path()).expect("open archive");
    let body = b"<html>a report of some length</html>";
    let blob = archive.store(body).expect("store");
    let path = archive.absolute(&blob.raw_path);
    fs::write(&path, &body[..10]).expect("truncate");
    let err = archive
        .read_verified(&blob.raw_path, &blob.sha256)
        .expect_err("damage is found");
    assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
    assert!(archive.store(body).expect("store again").newly_written);
    assert_eq!(
        archive
            .read_verified(&blob.raw_path, &blob.sha256)
            .expect("repaired"),
        body
    );
}

#[test]
fn a_damaged_byte_that_keeps_the_size_is_found_and_written_again() {
    // Bit rot, or a stray write: the plain file keeps its length but not its bytes.
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Archive::open(dir.path()).expect("open archive");
    let body = b"<html>a report of some length</html>";
    let blob = archive.store(body).expect("store");
    let path = archive.absolute(&blob.raw_path);
    let mut damaged = body.to_vec();
    damaged[12] ^= 0x20;
    fs::write(&path, &damaged).expect("damage");
    assert!(matches!(
        archive.read_verified(&blob.raw_path, &blob.sha256),
        Err(ArchiveError::Damaged { .. })
    ));
    let again = archive.store(body).expect("store again");
    assert!(again.newly_written);
    assert_eq!(again.raw_path, blob.raw_path);
    assert_eq!(fs::read(&path).expect("read back"), body);
}

fn page() -> Vec<u8> {
    (0..200)
        .map(|i| format!("<tr><td>第{i}项</td><td>政府信息公开</td></tr>"))
        .collect::<String>()
        .into_bytes()
}

#[test]
fn a_page_is_stored_compressed_once_and_read_back_plain() {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Archive::open(dir.path()).expect("open archive");
    let body = page();
    let blob = archive.store(&body).expect("store");
    assert_eq!(blob.raw_path, Archive::compressed_path(&blob.sha256));
    assert_eq!(blob.sha256, sha256_hex(&body), "the sha256 names the body");
    let on_disk = fs::read(archive.absolute(&blob.raw_path)).expect("on disk");
    assert!(
        on_disk.len() * 10 <= body.len() * 9,
        "{} of {}",
        on_disk.len(),
        body.len()
    );
    assert!(
        !archive
            .absolute(&Archive::relative_path(&blob.sha256))
            .exists()
    );
    assert_eq!(
        archive
            .read_verified(&blob.raw_path, &blob.sha256)
            .expect("read"),
        body
    );
    assert_eq!(
        archive
            .read_stored(&blob.raw_path, &blob.sha256)
            .expect("stored"),
        on_disk
    );
    let again = archive.store(&body).expect("store again");
    assert!(!again.newly_written);
    assert_eq!(again.raw_path, blob.raw_path);
}

#[test]
fn a_body_stored_plain_is_not_written_again_compressed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let old = Archive::open(dir.path())
        .expect("open archive")
        .with_compression(Compression::None);
    let body = page();
    let plain = old.store(&body).expect("store plain");
    assert_eq!(plain.raw_path, Archive::relative_path(&plain.sha256));
    let archive = Archive::open(dir.path()).expect("open archive");
    let again = archive.store(&body).expect("store with zstd");
    assert!(!again.newly_written);
    assert_eq!(again.raw_path, plain.raw_path);
    assert!(
        !archive
            .absolute(&Archive::compressed_path(&plain.sha256))
            .exists()
    );
}

#[test]
fn a_damaged_compressed_file_is_an_error_and_written_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Archive::open(dir.path()).expect("open archive");
    let body = page();
    let blob = archive.store(&body).expect("store");
    let path = archive.absolute(&blob.raw_path);
    let packed = fs::read(&path).expect("read");
    fs::write(&path, &packed[..packed.len() - 7]).expect("truncate");
    for err in [
        archive
            .read_verified(&blob.raw_path, &blob.sha256)
            .expect_err("damage is found"),
        archive
            .read_stored(&blob.raw_path, &blob.sha256)
            .expect_err("damage is found"),
        archive
            .plain_copy(&blob.raw_path, &blob.sha256)
            .expect_err("damage is found"),
    ] {
        assert!(err.to_string().contains(&*path.to_string_lossy()), "{err}");
        assert!(err.to_string().contains("damaged"), "{err}");
    }
    assert!(archive.store(&body).expect("store again").newly_written);
    assert_eq!(
        archive
            .read_verified(&blob.raw_path, &blob.sha256)
            .expect("repaired"),
        body
    );
}

#[test]
fn a_plain_copy_of_a_compressed_file_goes_when_dropped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = Archive::open(dir.path()).expect("open archive");
    let body = page();
    let blob = archive.store(&body).expect("store");
    let copy = archive
        .plain_copy(&blob.raw_path, &blob.sha256)
        .expect("copy");
    assert!(copy.is_temporary());
    assert_eq!(fs::read(copy.path()).expect("plain copy"), body);
    let path = copy.path().to_path_buf();
    drop(copy);
    assert!(!path.exists(), "{} left behind", path.display());
    let small = archive.store(b"<p>short</p>").expect("store small");
    let same = archive
        .plain_copy(&small.raw_path, &small.sha256)
        .expect("plain");
    assert!(!same.is_temporary());
    assert_eq!(same.path(), archive.absolute(&small.raw_path));
    drop(same);
    assert!(
        archive.absolute(&small.raw_path).exists(),
        "the raw file itself stays"
    );
}

#[test]
fn open_removes_debris_of_interrupted_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    fs::create_dir_all(dir.path().join(TMP_DIR)).expect("tmp dir");
    fs::write(dir.path().join(TMP_DIR).join("abc.1.2"), b"partial").expect("write debris");
    Archive::open(dir.path()).expect("open archive");
    assert_eq!(
        fs::read_dir(dir.path().join(TMP_DIR))
            .expect("tmp dir")
            .count(),
        0
    );
}
