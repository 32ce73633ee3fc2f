//! The storage API (`nianbao::storage`) against moto's S3 server started on loopback: create-only
//! puts never replace an object, overwrites do, get / head / list see what was put, and a
//! delete removes an object (one already gone is no error). What
//! the bucket holds is read back from the server with boto3, not through the code under test.
//! Skipped, with a message, where moto_server is absent.

mod s3_support;

use nianbao::storage::{Put, S3Location, Storage, StorageConfig, StorageLocation};
use s3_support::{AWS_ENV, Moto};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_only_puts_never_replace_an_object() {
    let Some(moto) = Moto::start("create_only_puts_never_replace_an_object") else {
        return;
    };
    for (name, value) in AWS_ENV {
        // SAFETY: the only test in this binary, run before any thread reads the environment.
        unsafe { std::env::set_var(name, value) };
    }
    moto.create_bucket("nianbao-api");
    let dir = tempfile::tempdir().expect("scratch");
    let config = StorageConfig {
        location: StorageLocation::S3(S3Location {
            bucket: "nianbao-api".into(),
            prefix: "a/b".into(),
            endpoint: Some(moto.endpoint()),
            region: Some("us-east-1".into()),
            allow_http: true,
            timeout: nianbao::storage::DEFAULT_STORAGE_TIMEOUT,
        }),
        run_label: "host-a".into(),
        read_limit: nianbao::config::DEFAULT_MAX_BODY_BYTES,
    };
    let storage = Storage::open(&config, dir.path()).expect("storage opens");
    assert!(storage.is_remote());

    let key = "raw/ab/abcdef";
    assert_eq!(
        storage
            .put_create(key, b"first".to_vec())
            .await
            .expect("put"),
        Put::Written
    );
    assert_eq!(
        storage
            .put_create(key, b"second".to_vec())
            .await
            .expect("put again"),
        Put::AlreadyThere
    );
    assert_eq!(
        storage.get(key).await.expect("get").as_deref(),
        Some(&b"first"[..])
    );
    assert_eq!(
        storage.head(key).await.expect("head").map(|o| o.size),
        Some(5)
    );
    assert_eq!(storage.get("raw/ab/missing").await.expect("get"), None);
    assert_eq!(storage.head("raw/ab/missing").await.expect("head"), None);
    let objects = moto.objects("nianbao-api", "a/b");
    assert_eq!(objects[key].versions, 1, "the refused put wrote nothing");

    storage
        .put_overwrite("text/ab/abcdef.txt", b"old".to_vec())
        .await
        .expect("put");
    storage
        .put_overwrite("text/ab/abcdef.txt", b"new".to_vec())
        .await
        .expect("overwrite");
    let objects = moto.objects("nianbao-api", "a/b");
    assert_eq!(objects["text/ab/abcdef.txt"].versions, 2);
    assert_eq!(
        storage
            .get("text/ab/abcdef.txt")
            .await
            .expect("get")
            .as_deref(),
        Some(&b"new"[..])
    );

    let report = storage.run_report_key("20260101T000000.000Z");
    assert_eq!(report, "runs/host-a/20260101T000000.000Z.json");
    storage
        .put_run_report("20260101T000000.000Z", b"{}".to_vec())
        .await
        .expect("report");
    let listed: Vec<String> = storage
        .list("runs/")
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(listed, vec![report.clone()]);
    let all: Vec<String> = storage
        .list("")
        .await
        .expect("list")
        .into_iter()
        .map(|o| o.key)
        .collect();
    assert_eq!(
        all,
        vec![
            "raw/ab/abcdef".to_string(),
            report,
            "text/ab/abcdef.txt".into()
        ]
    );
    assert_eq!(
        storage.url("raw/ab/abcdef"),
        "s3://nianbao-api/a/b/raw/ab/abcdef"
    );

    let reports = {
        let s = storage.clone();
        tokio::task::spawn_blocking(move || {
            s.keys("runs/", ".json")?
                .into_iter()
                .map(|key| Ok((key.clone(), s.read_one(&key)?)))
                .collect::<Result<Vec<_>, nianbao::storage::StorageError>>()
        })
        .await
        .expect("join")
    }
    .expect("run reports");
    assert_eq!(reports, vec![(listed[0].clone(), b"{}".to_vec())]);

    // Derived text: the same bytes again write nothing; other bytes replace the object.
    let text = "text/cd/cdef.txt";
    assert_eq!(
        storage.put_derived(text, b"a".to_vec()).await.expect("put"),
        Put::Written
    );
    assert_eq!(
        storage.put_derived(text, b"a".to_vec()).await.expect("put"),
        Put::AlreadyThere
    );
    assert_eq!(moto.objects("nianbao-api", "a/b")[text].versions, 1);
    assert_eq!(
        storage.put_derived(text, b"b".to_vec()).await.expect("put"),
        Put::Written
    );
    assert_eq!(moto.objects("nianbao-api", "a/b")[text].versions, 2);
    assert_eq!(
        storage.get(text).await.expect("get").as_deref(),
        Some(&b"b"[..])
    );

    // A reader's cache: a missing local file is fetched and checked against its sha256.
    let body = b"<html>report</html>".to_vec();
    let sha = nianbao::dedup::sha256_hex(&body);
    let raw_key = format!("raw/{}/{sha}", &sha[..2]);
    storage
        .put_create(&raw_key, body.clone())
        .await
        .expect("put");
    let cached = {
        let (s, k, h) = (storage.clone(), raw_key.clone(), sha.clone());
        tokio::task::spawn_blocking(move || s.cached_raw(&k, &h))
            .await
            .expect("join")
    }
    .expect("fetched into the cache");
    assert_eq!(std::fs::read(&cached).expect("cached file"), body);
    let wrong = {
        let (s, k) = (storage.clone(), "raw/ab/abcdef".to_string());
        tokio::task::spawn_blocking(move || s.cached_raw(&k, &"0".repeat(64)))
            .await
            .expect("join")
    };
    let message = format!("{}", wrong.expect_err("damage is found"));
    assert!(
        message.contains("s3://nianbao-api/a/b/raw/ab/abcdef"),
        "{message}"
    );

    // A delete (what `prune-runs` does to its run report copies) removes the object alone.
    let run = "20260101T000000.000Z";
    storage
        .put_run_report(run, b"{}".to_vec())
        .await
        .expect("put a run report");
    let copy = storage.run_report_key(run);
    assert!(moto.keys("nianbao-api", "a/b").contains(&copy));
    storage.delete(&copy).await.expect("delete");
    let left = moto.keys("nianbao-api", "a/b");
    assert!(!left.contains(&copy), "{left:?}");
    assert!(left.contains(&raw_key), "{left:?}");
    storage
        .delete(&copy)
        .await
        .expect("delete again: gone is done");
}
