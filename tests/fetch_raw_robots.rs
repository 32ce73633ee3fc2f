//! robots.txt at the byte level, from a raw TCP server of the test's own that writes exact
//! bytes: a robots.txt that announces a gigabyte and never ends is read up to its first 500 KiB
//! (RFC 9309 2.5), whose rules then apply; it is neither read to the body cap nor taken as
//! unavailable, which would leave the whole host uncrawled.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::raw_server::{RawServer, answer};
use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{ExcludeReason, FetchOutcome, Fetcher};
use nianbao::gate::HostGate;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use url::Url;

/// Serves robots.txt as `Content-Length: 1073741824`, its rules first and then comment lines
/// without end (until the client goes away or 64 MiB are written, counted in `written`); every
/// other path a short page.
async fn serve(target: String, mut socket: TcpStream, written: Arc<AtomicU64>) {
    if target != "/robots.txt" {
        let _ = socket
            .write_all(&answer("200 OK", "text/plain", b"ok"))
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
    while written.load(Ordering::SeqCst) < 64 << 20 {
        if socket.write_all(&line).await.is_err() {
            return;
        }
        written.fetch_add(line.len() as u64, Ordering::SeqCst);
    }
}

#[test]
fn a_robots_txt_of_a_gigabyte_is_read_to_its_first_500_kib_and_its_rules_apply() {
    let server = RawServer::bind("127.0.0.61");
    let written = Arc::new(AtomicU64::new(0));
    let counted = written.clone();
    server.serve(Arc::new(move |target, socket| {
        Box::pin(serve(target, socket, counted.clone()))
    }));
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
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
        let url = Url::parse(&format!("{}{path}", server.base)).expect("URL");
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
    assert_eq!(server.targets(), ["/robots.txt", "/zwgk/2023.html"]);
    // The client stops reading at 500 KiB; what the socket buffers on both sides take before
    // the server's writes fail is far below the 50 MiB body cap.
    let written = written.load(Ordering::SeqCst);
    assert!(
        written < 16 << 20,
        "robots.txt is not read to the body cap: {written} bytes written"
    );
}
