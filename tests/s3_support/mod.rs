//! A real S3 API server for the storage tests: moto's server (`moto_server`, PyPI `moto[server]`)
//! started on loopback by the test and killed when dropped. What the tests know of the bucket
//! they learn from the server itself: its request log (every PUT and its status) and, through
//! boto3 (which moto brings), each object's versions and bytes.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Credentials moto accepts (it checks none); nianbao reads them from the environment.
pub const AWS_ENV: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
];

pub struct Moto {
    child: Child,
    pub addr: SocketAddr,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One object as the server holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// How many versions the key has (the bucket is versioned: each successful PUT adds one).
    pub versions: usize,
    pub size: u64,
    /// sha256 of the latest version's bytes; for a `.zst` key, of the body they hold (the
    /// sha256 a record gives).
    pub sha256: String,
    pub version_id: String,
}

impl Moto {
    /// Starts moto's server on a free loopback port; `None` (and a printed reason) when moto
    /// is not installed.
    pub fn start(test: &str) -> Option<Moto> {
        let dir = tempfile::tempdir().expect("scratch dir for the moto log");
        let log = dir.path().join("moto.log");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free loopback port")
            .port();
        let spawned = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("moto log file"))
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) => {
                eprintln!(
                    "SKIPPED {test}: moto_server is not installed ({e}); `pip install 'moto[server]'` runs it"
                );
                return None;
            }
        };
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut moto = Moto {
            child,
            addr,
            log,
            _dir: dir,
        };
        let start = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server exited with {status}: {}", moto.log_text());
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "moto_server did not listen on {addr} within 60s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `[storage]` table for `s3://bucket/prefix` on this server.
    pub fn storage_toml(&self, bucket: &str, prefix: &str) -> String {
        format!(
            "\n[storage]\nurl = \"s3://{bucket}/{prefix}\"\nendpoint = \"{}\"\nallow_http = true\nregion = \"us-east-1\"\n",
            self.endpoint()
        )
    }

    fn log_text(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&self.log) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }

    /// Successful PUTs of objects under `bucket/key_prefix`, from the server's request log.
    pub fn successful_puts(&self, bucket: &str, key_prefix: &str) -> usize {
        let needle = format!("\"PUT /{bucket}/{key_prefix}");
        self.log_text()
            .lines()
            .filter(|l| l.contains(&needle) && l.contains("HTTP/1.1\" 200"))
            .count()
    }

    /// PUTs refused because the key existed (HTTP 412, `If-None-Match: *`).
    pub fn refused_puts(&self, bucket: &str, key_prefix: &str) -> usize {
        let needle = format!("\"PUT /{bucket}/{key_prefix}");
        self.log_text()
            .lines()
            .filter(|l| l.contains(&needle) && l.contains("HTTP/1.1\" 412"))
            .count()
    }

    fn python(&self, script: &str, args: &[&str]) -> String {
        let out = Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(self.endpoint())
            .args(args)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "boto3 script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    }

    /// Creates a versioned bucket.
    pub fn create_bucket(&self, bucket: &str) {
        self.python(
            &format!(
                "{BOTO}\ns3.create_bucket(Bucket=sys.argv[2])\n\
                 s3.put_bucket_versioning(Bucket=sys.argv[2], VersioningConfiguration={{'Status': 'Enabled'}})"
            ),
            &[bucket],
        );
    }

    /// Deletes every version of every object in `bucket` and then the bucket itself, as an
    /// operator (or a lifecycle rule and a cleanup) would between two runs.
    pub fn delete_bucket(&self, bucket: &str) {
        self.python(
            &format!(
                "{BOTO}
bucket = sys.argv[2]
for page in s3.get_paginator('list_object_versions').paginate(Bucket=bucket):
    for v in page.get('Versions', []) + page.get('DeleteMarkers', []):
        s3.delete_object(Bucket=bucket, Key=v['Key'], VersionId=v['VersionId'])
s3.delete_bucket(Bucket=bucket)"
            ),
            &[bucket],
        );
    }

    /// The ETag of the object at `bucket/key`, without quotes. S3 gives an object put in N
    /// parts an ETag ending in `-N`, and one put whole an ETag without a `-`.
    pub fn etag(&self, bucket: &str, key: &str) -> String {
        self.python(
            &format!("{BOTO}\nprint(s3.head_object(Bucket=sys.argv[2], Key=sys.argv[3])['ETag'].strip('\"'))"),
            &[bucket, key],
        )
        .trim()
        .to_string()
    }

    /// The keys of the objects `bucket` holds now (deleted ones left out, whatever versions
    /// they keep), relative to `prefix/`, sorted.
    pub fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let script = format!(
            "{BOTO}
import json
bucket, prefix = sys.argv[2], sys.argv[3]
out = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix=prefix + '/'):
    out += [o['Key'][len(prefix) + 1:] for o in page.get('Contents', [])]
print(json.dumps(sorted(out)))"
        );
        serde_json::from_str(&self.python(&script, &[bucket, prefix])).expect("JSON")
    }

    /// Every object in `bucket`, by key relative to `prefix/`.
    pub fn objects(&self, bucket: &str, prefix: &str) -> BTreeMap<String, Object> {
        let script = format!(
            "{BOTO}
import base64, hashlib, json
bucket, prefix = sys.argv[2], sys.argv[3]
out = {{}}
for page in s3.get_paginator('list_object_versions').paginate(Bucket=bucket, Prefix=prefix + '/'):
    for v in page.get('Versions', []):
        o = out.setdefault(v['Key'][len(prefix) + 1:], {{'versions': 0}})
        o['versions'] += 1
        if v['IsLatest']:
            body = s3.get_object(Bucket=bucket, Key=v['Key'])['Body'].read()
            o.update(size=v['Size'], sha256=hashlib.sha256(body).hexdigest(), version_id=v['VersionId'])
            if v['Key'].endswith('.zst'):
                o['zst'] = base64.b64encode(body).decode()
print(json.dumps(out))"
        );
        let json: Value =
            serde_json::from_str(&self.python(&script, &[bucket, prefix])).expect("JSON");
        json.as_object()
            .expect("object map")
            .iter()
            .map(|(k, v)| {
                let object = Object {
                    versions: v["versions"].as_u64().expect("versions") as usize,
                    size: v["size"].as_u64().expect("size"),
                    sha256: match v["zst"].as_str() {
                        Some(packed) => zst_body_sha256(k, packed),
                        None => v["sha256"].as_str().expect("sha256").to_string(),
                    },
                    version_id: v["version_id"].as_str().expect("version id").to_string(),
                };
                (k.clone(), object)
            })
            .collect()
    }
}

const BOTO: &str = "import sys, boto3
s3 = boto3.client('s3', endpoint_url=sys.argv[1], aws_access_key_id='testing',
                  aws_secret_access_key='testing', region_name='us-east-1')";

/// sha256 of the body a `.zst` object holds (base64 of its bytes), or a marker naming the damage.
fn zst_body_sha256(key: &str, packed: &str) -> String {
    let packed = data_encoding::BASE64
        .decode(packed.as_bytes())
        .unwrap_or_else(|e| panic!("{key}: base64 from the script: {e}"));
    match zstd::stream::decode_all(&packed[..]) {
        Ok(body) => nianbao::dedup::sha256_hex(&body),
        Err(e) => format!("not zstd: {e}"),
    }
}
