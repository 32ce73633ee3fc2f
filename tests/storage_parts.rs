//! WARC files into S3 a part at a time (issue 10, "memory flat"): a file larger than
//! `PART_BYTES` goes up as a multipart upload read one part at a time, so a 1 GB WARC file never
//! sits in memory. Against moto's S3 server on loopback; what the bucket holds (bytes, versions,
//! the ETag's part count) is read back with boto3, not through the code under test. Skipped,
//! with a message, where moto_server is absent.

mod s3_support;

use std::path::Path;

use nianbao::dedup::sha256_hex;
use nianbao::storage::{PART_BYTES, S3Location, Storage, StorageConfig, StorageLocation};
use nianbao::storage::{Put, WarcUploads};
use s3_support::{AWS_ENV, Moto};

const BUCKET: &str = "nianbao-parts";
const PREFIX: &str = "archive";
const LABEL: &str = "host-a";

/// `len` bytes that no two parts share (a part sent twice or out of order changes the hash).
fn noise(len: u64, seed: u64) -> Vec<u8> {
    use rand::{RngCore, SeedableRng};
    let mut bytes = vec![0; len as usize];
    rand::rngs::StdRng::seed_from_u64(seed).fill_bytes(&mut bytes);
    bytes
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

#[test]
fn a_large_warc_file_goes_up_in_parts_once() {
    let Some(moto) = Moto::start("a_large_warc_file_goes_up_in_parts_once") else {
        return;
    };
    for (name, value) in AWS_ENV {
        // SAFETY: the only test in this binary, run before any thread reads the environment.
        unsafe { std::env::set_var(name, value) };
    }
    moto.create_bucket(BUCKET);
    let dir = tempfile::tempdir().expect("scratch");
    let data_dir = dir.path().join("data");
    let warc_dir = data_dir.join("warc");
    std::fs::create_dir_all(&warc_dir).expect("warc folder");
    let config = StorageConfig {
        location: StorageLocation::S3(S3Location {
            bucket: BUCKET.into(),
            prefix: PREFIX.into(),
            endpoint: Some(moto.endpoint()),
            region: Some("us-east-1".into()),
            allow_http: true,
            timeout: nianbao::storage::DEFAULT_STORAGE_TIMEOUT,
        }),
        run_label: LABEL.into(),
        read_limit: nianbao::config::DEFAULT_MAX_BODY_BYTES,
    };
    let storage = Storage::open(&config, &data_dir).expect("storage opens");
    let uploads = WarcUploads::new(&storage, &warc_dir).expect("remote storage uploads WARCs");

    let large = noise(2 * PART_BYTES + 12_345, 7);
    let small = noise(70_000, 11);
    write(&warc_dir.join("a.warc.gz"), &large);
    write(&warc_dir.join("b.warc.gz"), &small);
    assert_eq!(uploads.upload_closed(None).expect("upload"), 2);

    let (large_key, small_key) = (uploads.key("a.warc.gz"), uploads.key("b.warc.gz"));
    let objects = moto.objects(BUCKET, PREFIX);
    let object = |key: &str| {
        objects
            .get(key)
            .unwrap_or_else(|| panic!("{key} is not in the bucket: {objects:?}"))
            .clone()
    };
    let (a, b) = (object(&large_key), object(&small_key));
    assert_eq!(
        (a.size, a.sha256.as_str()),
        (large.len() as u64, &*sha256_hex(&large))
    );
    assert_eq!(
        (b.size, b.sha256.as_str()),
        (small.len() as u64, &*sha256_hex(&small))
    );
    assert_eq!((a.versions, b.versions), (1, 1));
    let etag = |key: &str| moto.etag(BUCKET, &format!("{PREFIX}/{key}"));
    assert!(
        etag(&large_key).ends_with("-3"),
        "the large file went up in three parts: ETag {}",
        etag(&large_key)
    );
    assert!(
        !etag(&small_key).contains('-'),
        "the small file went up whole: ETag {}",
        etag(&small_key)
    );

    // A crash after the puts and before the markers: the next start finds both objects there,
    // with the files' sizes, and writes nothing.
    std::fs::remove_dir_all(data_dir.join("storage-uploaded")).expect("remove markers");
    assert_eq!(uploads.upload_closed(None).expect("upload again"), 2);
    let again = moto.objects(BUCKET, PREFIX);
    assert_eq!(
        again[&large_key].versions, 1,
        "no second put of {large_key}"
    );
    assert_eq!(
        again[&small_key].versions, 1,
        "no second put of {small_key}"
    );

    // Another writer's object under the name, of another size: refused, never taken as ours.
    std::fs::remove_dir_all(data_dir.join("storage-uploaded")).expect("remove markers");
    write(&warc_dir.join("a.warc.gz"), &noise(2 * PART_BYTES + 1, 13));
    let err = uploads
        .upload_closed(None)
        .expect_err("another object of another size is already there");
    let message = format!("{err:#}");
    assert!(
        message.contains(&format!("s3://{BUCKET}/{PREFIX}/{large_key}")),
        "the error names the object: {message}"
    );

    // The storage API itself: an overwrite in parts replaces the object.
    let replacement = noise(PART_BYTES + 1, 17);
    let path = dir.path().join("replacement");
    write(&path, &replacement);
    assert_eq!(
        storage
            .put_file(&large_key, &path, false)
            .expect("overwrite"),
        Put::Written
    );
    let replaced = &moto.objects(BUCKET, PREFIX)[&large_key];
    assert_eq!(replaced.sha256, sha256_hex(&replacement));
    assert_eq!(replaced.versions, 2);
    assert!(
        etag(&large_key).ends_with("-2"),
        "ETag {}",
        etag(&large_key)
    );
}
