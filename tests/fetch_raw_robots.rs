//! robots.txt at the byte level, from a raw TCP server of the test's own that writes exact
//! bytes: a robots.txt that announces a gigabyte and never ends is read up to its first 500 KiB
//! (RFC 9309 2.5), whose rules then apply; it is neither read to the body cap nor taken as
//! unavailable, which would leave the whole host uncrawled.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{ExcludeReason, FetchOutcome, Fetcher};
use nianbao::gate::HostGate;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

/// What the raw server saw: request targets, and the robots.txt body bytes it got written.
#[derive(Default)]
struct Seen {
    targets: Mutex<Vec<String>>,
    robots_bytes: AtomicU64,
}

/// Serves robots.txt as `Content-Length: 1073741824`, its rules first and then comment lines
/// without end (until the client goes away or 64 MiB are written); every other path a short
/// page, each connection closed after its answer.
async fn serve(listener: TcpListener, seen: Arc<Seen>) {
    while let Ok((mut socket, _)) = listener.accept().await {
        let seen = seen.clone();
        tokio::spawn(async move {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 64 * 1024 {
                match socket.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let text = String::from_utf8_lossy(&head).into_owned();
            let target = text.split_whitespace().nth(1).unwrap_or("").to_string();
            seen.targets
                .lock()
                .expect("record lock")
                .push(target.clone());
            if target != "/robots.txt" {
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .await;
                return;
            }
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\
                         Content-Length: 1073741824\r\n\r\n\
                         User-agent: *\nDisallow: /private/\n";
            if socket.write_all(head).await.is_err() {
                return;
            }
            let line = [b"# padding".as_slice(), &[b'.'; 1014], b"\n"].concat();
            while seen.robots_bytes.load(Ordering::SeqCst) < 64 << 20 {
                if socket.write_all(&line).await.is_err() {
                    return;
                }
                seen.robots_bytes
                    .fetch_add(line.len() as u64, Ordering::SeqCst);
            }
        });
    }
}

#[test]
fn a_robots_txt_of_a_gigabyte_is_read_to_its_first_500_kib_and_its_rules_apply() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let listener = runtime
        .block_on(TcpListener::bind(("127.0.0.61", 0)))
        .expect("bind a loopback address");
    let addr = listener.local_addr().expect("bound address");
    let seen = Arc::new(Seen::default());
    runtime.spawn(serve(listener, seen.clone()));
    let politeness = Politeness {
        per_host_interval: Duration::from_millis(10),
        ..Politeness::default()
    };
    let settings = FetchSettings {
        timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(2),
        max_retries: 0,
        ..FetchSettings::default()
    };
    let fetcher = Fetcher::new(
        Arc::new(HostGate::new(politeness, HashMap::new())),
        settings,
    )
    .expect("client builds");
    let options = common::open_fetch_options();
    let fetch = |path: &str| {
        let url = Url::parse(&format!("http://{addr}{path}")).expect("URL");
        runtime.block_on(fetcher.fetch(&PageRequest::Get(url), &options))
    };
    let page = fetch("/zwgk/2023.html");
    assert!(
        matches!(page, FetchOutcome::Fetched(_)),
        "a page robots.txt allows is fetched: {page:?}"
    );
    let private = fetch("/private/x.html");
    assert!(
        matches!(
            private,
            FetchOutcome::Excluded {
                reason: ExcludeReason::Robots,
                ..
            }
        ),
        "a page robots.txt disallows is excluded by its rule: {private:?}"
    );
    let targets = seen.targets.lock().expect("record lock").clone();
    assert_eq!(targets, ["/robots.txt", "/zwgk/2023.html"]);
    // The client stops reading at 500 KiB; what the socket buffers on both sides take before
    // the server's writes fail is far below the 50 MiB body cap.
    let written = seen.robots_bytes.load(Ordering::SeqCst);
    assert!(
        written < 16 << 20,
        "robots.txt is not read to the body cap: {written} bytes written"
    );
}
