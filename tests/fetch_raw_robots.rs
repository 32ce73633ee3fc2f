//! robots.txt at the byte level, from a raw TCP server of the test's own that writes exact
//! bytes: a robots.txt that announces a gigabyte and never ends is read up to its first 500 KiB
//! (RFC 9309 2.5), whose rules then apply; it is neither read to the body cap nor taken as
//! unavailable, which would leave the whole host uncrawled. A gzipped one cut on the wire the
//! same way is read as the start of the file, not as a damaged stream.

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

/// Fetches `paths` in order from `server`, as a crawl would (robots.txt first), with a fetcher
/// that retries nothing.
fn fetch_in_order<const N: usize>(server: &RawServer, paths: [&str; N]) -> [FetchOutcome; N] {
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
    paths.map(fetch)
}

#[test]
fn a_robots_txt_of_a_gigabyte_is_read_to_its_first_500_kib_and_its_rules_apply() {
    let server = RawServer::bind("127.0.0.61");
    let written = Arc::new(AtomicU64::new(0));
    let counted = written.clone();
    server.serve(Arc::new(move |target, socket| {
        Box::pin(serve(target, socket, counted.clone()))
    }));
    let [page, private] = fetch_in_order(&server, ["/zwgk/2023.html", "/private/x.html"]);
    assert!(
        matches!(page, FetchOutcome::Fetched(_)),
        "a page robots.txt allows is fetched: {page:?}"
    );
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

/// A gzipped robots.txt longer than 500 KiB on the wire: its rules, then comment lines of
/// pseudo-random hex (which gzip cannot shrink much) to about 3 MiB.
fn big_gzipped_robots() -> Vec<u8> {
    use std::io::Write as _;
    let mut text = b"User-agent: *\nDisallow: /private/\n".to_vec();
    let mut state: u64 = 0x2023_0101;
    while text.len() < 3 << 20 {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        text.extend_from_slice(format!("# {state:016x}\n").as_bytes());
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&text).expect("in-memory gzip");
    gz.finish().expect("in-memory gzip")
}

/// A robots.txt sent gzipped whose compressed bytes pass 500 KiB is cut on the wire, and the
/// cut stream is read as the file's start: its rules apply. Read as a damaged gzip stream it
/// would be unavailable, and the whole host disallowed.
#[test]
fn a_gzipped_robots_txt_cut_at_500_kib_keeps_its_rules() {
    let gzipped = Arc::new(big_gzipped_robots());
    assert!(gzipped.len() > 600 << 10, "{} bytes", gzipped.len());
    let server = RawServer::bind("127.0.0.61");
    server.serve(Arc::new(move |target, mut socket| {
        let gzipped = gzipped.clone();
        Box::pin(async move {
            if target != "/robots.txt" {
                let _ = socket
                    .write_all(&answer("200 OK", "text/plain", b"ok"))
                    .await;
                return;
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                gzipped.len()
            );
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&gzipped).await;
        })
    }));
    let [page, private] = fetch_in_order(&server, ["/zwgk/2023.html", "/private/x.html"]);
    assert!(
        matches!(page, FetchOutcome::Fetched(_)),
        "a page the gzipped robots.txt allows is fetched: {page:?}"
    );
    assert!(
        matches!(
            private,
            FetchOutcome::Excluded {
                reason: ExcludeReason::Robots,
                ..
            }
        ),
        "a page it disallows is excluded by its rule: {private:?}"
    );
    assert_eq!(server.targets(), ["/robots.txt", "/zwgk/2023.html"]);
}
