//! Byte-level hostile answers inside a whole crawl: the real binary crawls a county portal of
//! the test's own, served by a raw TCP server (`common::raw_server`) that answers one role (the
//! section page, a list page, a report page, a redirect target, an attachment) with bytes no
//! HTTP library would write: a status of 999, silence after the connection is accepted, a body
//! of a gigabyte without a length, headers that trickle a byte a second. Each ends as a recorded
//! failure that names its URL and kind, within bounded requests that keep the host's gaps; only
//! a section page that fails, or its host paused, makes the portal unreachable.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use common::raw_server::{Handler, RawServer, answer};
use common::route_server::{newest_run_report, portals_config, report_page, run_nianbao};
use common::stderr;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

const HTML: &str = "text/html; charset=utf-8";
const NAME: &str = "某某县人民政府";

/// The gap `portals_config` sets between two requests to one host.
const GAP: Duration = Duration::from_millis(20);

/// A section page listing `items` reports, `/art/1.html` (2022) onwards, with a link to its
/// second page `/nb/2.html` when `paged`.
fn list(items: usize, paged: bool) -> Vec<u8> {
    let mut page =
        String::from("<html><head><meta charset=\"utf-8\"><title>年报</title></head><body><ul>");
    for n in 1..=items {
        let year = 2023 - n;
        page.push_str(&format!(
            "<li><a href=\"/art/{n}.html\">某某县人民政府{year}年政府信息公开工作年度报告</a>\
             <span>{}-01-20</span></li>",
            year + 1
        ));
    }
    page.push_str("</ul>");
    if paged {
        page.push_str("<div class=\"page\"><a href=\"/nb/2.html\">下一页</a></div>");
    }
    page.push_str("</body></html>");
    page.into_bytes()
}

/// How the hostile role answers.
#[derive(Clone, Copy)]
enum Hostile {
    /// `HTTP/1.1 999 Unknown`, a short body.
    Status999,
    /// Accepts, reads the request and writes nothing until the client goes away.
    Silent,
    /// `200 OK` without Content-Length, then zeros until a gigabyte or the client goes away;
    /// the bytes written are counted.
    Gigabyte,
    /// The status line and headers one byte a second.
    Trickle,
    /// `200 OK` without Content-Length, then a body one byte every 100 ms (never silent for
    /// long) until `DRIBBLE_BYTES` are written or the client goes away; the bytes written are
    /// counted.
    Dribble,
}

/// How many body bytes a `Dribble` answer writes before it ends its body by closing.
const DRIBBLE_BYTES: u64 = 150;

async fn hostile(how: Hostile, mut socket: TcpStream, written: Arc<AtomicU64>) {
    match how {
        Hostile::Status999 => {
            let _ = socket
                .write_all(&answer("999 Unknown", HTML, b"<html>no</html>"))
                .await;
        }
        Hostile::Silent => {
            // Held open, never written to; the client's timeout ends it.
            let mut buf = [0u8; 64];
            let _ = tokio::time::timeout(
                Duration::from_secs(60),
                tokio::io::AsyncReadExt::read(&mut socket, &mut buf),
            )
            .await;
        }
        Hostile::Gigabyte => {
            let head = b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nConnection: close\r\n\r\n%PDF-1.4\n";
            if socket.write_all(head).await.is_err() {
                return;
            }
            let block = vec![0u8; 64 * 1024];
            while written.load(Ordering::SeqCst) < 1 << 30 {
                if socket.write_all(&block).await.is_err() {
                    return;
                }
                written.fetch_add(block.len() as u64, Ordering::SeqCst);
            }
        }
        Hostile::Trickle => {
            let head = answer("200 OK", HTML, &report_page(2021, "/upload/2.pdf"));
            for byte in head {
                if socket.write_all(&[byte]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
        Hostile::Dribble => {
            let head =
                b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nConnection: close\r\n\r\n";
            if socket.write_all(head).await.is_err() {
                return;
            }
            while written.load(Ordering::SeqCst) < DRIBBLE_BYTES {
                if socket.write_all(b"%").await.is_err() {
                    return;
                }
                written.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// A portal of `items` reports whose role at `bad` (a path) answers as `how`; every report page
/// `/art/N.html` links `/upload/N.pdf`, `/art/2.html` redirects to `/moved/2.html`, and the
/// section page links a second list page `/nb/2.html` only when that is a bad one. Returns
/// the server and the count of body bytes a `Gigabyte` answer wrote.
fn serve_portal(
    ip: &str,
    items: usize,
    bad: &'static [&'static str],
    how: Hostile,
) -> (RawServer, Arc<AtomicU64>) {
    let server = RawServer::bind(ip);
    let written = Arc::new(AtomicU64::new(0));
    let counted = written.clone();
    let handler: Handler = Arc::new(move |target: String, mut socket: TcpStream| {
        let counted = counted.clone();
        Box::pin(async move {
            if bad.contains(&target.as_str()) {
                return hostile(how, socket, counted).await;
            }
            let page = |n: usize| report_page(2023 - n as u32, &format!("/upload/{n}.pdf"));
            let number = |prefix: &str, suffix: &str| {
                target
                    .strip_prefix(prefix)
                    .and_then(|t| t.strip_suffix(suffix))
                    .and_then(|n| n.parse::<usize>().ok())
            };
            let bytes = if target == "/nb/" {
                answer("200 OK", HTML, &list(items, bad.contains(&"/nb/2.html")))
            } else if target == "/art/2.html" {
                b"HTTP/1.1 302 Found\r\nLocation: /moved/2.html\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec()
            } else if target == "/moved/2.html" {
                answer("200 OK", HTML, &page(2))
            } else if let Some(n) = number("/art/", ".html") {
                answer("200 OK", HTML, &page(n))
            } else if number("/upload/", ".pdf").is_some() {
                answer("200 OK", "application/pdf", b"%PDF-1.4\n%%EOF\n")
            } else {
                answer("404 Not Found", HTML, b"<html>404</html>")
            };
            let _ = socket.write_all(&bytes).await;
        })
    });
    server.serve(handler);
    (server, written)
}

/// Crawls the portal at `base` with `portals_config`'s config, `fetch` keys added to its
/// `[fetch]` table (in place of its own, for a key it has); returns the exit code, the log and
/// the portal's run report.
fn crawl(base: &str, fetch: &str) -> (Option<i32>, String, Value) {
    let dir = tempfile::tempdir().expect("scratch dir");
    let config = portals_config(dir.path(), &[(NAME, format!("{base}/nb/"))]);
    let keys: Vec<String> = fetch
        .lines()
        .filter_map(|l| Some(format!("{} =", l.split_once(" =")?.0)))
        .collect();
    let text: String = std::fs::read_to_string(&config)
        .expect("config")
        .lines()
        .filter(|l| !keys.iter().any(|k| l.starts_with(k.as_str())))
        .map(|l| format!("{l}\n"))
        .collect();
    let text = text.replace("[fetch]\n", &format!("[fetch]\n{fetch}"));
    std::fs::write(&config, text).expect("write config");
    let out = run_nianbao(&config, &["crawl"]);
    let report = newest_run_report(dir.path());
    (
        out.status.code(),
        stderr(&out),
        report["portals"][NAME].clone(),
    )
}

/// Every gap between two requests the server saw (any target) is at least the host's gap.
fn assert_gaps_kept(server: &RawServer) {
    let log = server.log.lock().expect("log lock").clone();
    for pair in log.windows(2) {
        let gap = pair[1].1.duration_since(pair[0].1);
        assert!(
            gap >= GAP - Duration::from_millis(2),
            "{} then {} only {gap:?} apart: {log:?}",
            pair[0].0,
            pair[1].0
        );
    }
}

/// An attachment whose server accepts and never writes, and one that sends a gigabyte without a
/// length: the first fails as a timeout after its retry, the second is oversize at the body cap
/// and not asked again; the reports are archived, the portal is reachable, the run exits 0.
#[test]
fn a_silent_or_endless_attachment_is_recorded_and_the_portal_stays_reachable() {
    let (server, _) = serve_portal("127.0.0.71", 3, &["/upload/1.pdf"], Hostile::Silent);
    let (code, log, portal) = crawl(&server.base, "timeout = \"2s\"\nread_timeout = \"1s\"\n");
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(portal["unreachable"], false, "{portal}");
    // An attachment's failure counts as the portal's `attachment` failure, and as its file
    // host's, by kind.
    assert_eq!(portal["failures"]["attachment"], 1, "{portal}");
    let host = server.base.trim_start_matches("http://");
    assert_eq!(
        portal["file_hosts"][host]["kinds"]["timeout"], 1,
        "{portal}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("/upload/1.pdf") && l.contains("timeout")),
        "{log}"
    );
    // One request and one retry, nothing more.
    assert_eq!(
        server.times_of("/upload/1.pdf").len(),
        2,
        "{:?}",
        server.targets()
    );
    assert_gaps_kept(&server);

    let (server, written) = serve_portal("127.0.0.72", 3, &["/upload/1.pdf"], Hostile::Gigabyte);
    let (code, log, portal) = crawl(&server.base, "max_body_bytes = \"1MiB\"\n");
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(portal["unreachable"], false, "{portal}");
    assert_eq!(portal["oversize"], 1, "{portal}");
    assert!(
        log.lines()
            .any(|l| l.contains("/upload/1.pdf") && l.contains("1048576")),
        "{log}"
    );
    assert_eq!(
        server.times_of("/upload/1.pdf").len(),
        1,
        "{:?}",
        server.targets()
    );
    // Read to the cap and no further: what socket buffers take is far below a gigabyte.
    let written = written.load(Ordering::SeqCst);
    assert!(written < 32 << 20, "{written} bytes written");
    assert_gaps_kept(&server);
}

/// A section page that answers 999 every time is retried with a growing backoff, then the
/// portal is unreachable (exit 1) and its failure is `http_999`, naming the URL.
#[test]
fn a_section_page_answering_999_is_retried_with_growing_backoff_then_unreachable() {
    let (server, _) = serve_portal("127.0.0.73", 1, &["/nb/"], Hostile::Status999);
    let (code, log, portal) = crawl(&server.base, "max_retries = 3\nretry_base = \"100ms\"\n");
    assert_eq!(code, Some(1), "{log}");
    assert_eq!(portal["unreachable"], true, "{portal}");
    assert_eq!(portal["failures"]["http_999"], 1, "{portal}");
    assert!(
        log.lines().any(|l| l.contains("/nb/") && l.contains("999")),
        "{log}"
    );
    let times = server.times_of("/nb/");
    assert_eq!(times.len(), 4, "one request and three retries");
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    // 100 ms, 200 ms, 400 ms, each within a jitter of a quarter: only their floors, which a
    // loaded machine can lengthen but never shorten (a late first retry must not look like a
    // backoff that shrinks).
    for (gap, floor) in gaps.iter().zip([75, 150, 300]) {
        assert!(
            *gap >= Duration::from_millis(floor),
            "backoff grows: {gaps:?}"
        );
    }
}

/// Report pages that all answer 999 (one of them behind a redirect): each is retried once, and
/// after `host_failure_limit` (5) of them the host is paused; the rest are never asked, and are
/// recorded as `host_paused`. The host is the section's, so the portal is unreachable.
#[test]
fn a_storm_of_999_pauses_the_host_after_its_failure_limit() {
    let bad: &'static [&'static str] = &[
        "/art/1.html",
        "/moved/2.html",
        "/art/3.html",
        "/art/4.html",
        "/art/5.html",
        "/art/6.html",
        "/art/7.html",
        "/art/8.html",
    ];
    let (server, _) = serve_portal("127.0.0.74", 8, bad, Hostile::Status999);
    let (code, log, portal) = crawl(&server.base, "");
    assert_eq!(portal["failures"]["http_999"], 5, "{portal}");
    assert_eq!(portal["failures"]["host_paused"], 3, "{portal}");
    // The paused host is the section's: the portal is unreachable (README "Politeness").
    assert_eq!(code, Some(1), "{log}");
    assert_eq!(portal["unreachable"], true, "{portal}");
    assert!(
        portal["host_paused"]
            .as_str()
            .is_some_and(|p| p.contains("paused after 5 consecutive failures")),
        "{portal}"
    );
    let asked = server
        .targets()
        .iter()
        .filter(|t| bad.contains(&t.as_str()))
        .count();
    assert_eq!(
        asked,
        10,
        "five pages, each asked twice: {:?}",
        server.targets()
    );
    assert_gaps_kept(&server);
}

/// A redirect target whose headers trickle a byte a second is cut by the header timeout and
/// recorded as a timeout naming the target; its retry is bounded the same way.
#[test]
fn a_redirect_target_trickling_its_headers_is_cut_by_the_timeout() {
    let (server, _) = serve_portal("127.0.0.75", 2, &["/moved/2.html"], Hostile::Trickle);
    let (code, log, portal) = crawl(&server.base, "timeout = \"2s\"\nread_timeout = \"1s\"\n");
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(portal["unreachable"], false, "{portal}");
    assert_eq!(portal["failures"]["timeout"], 1, "{portal}");
    assert!(
        log.lines()
            .any(|l| l.contains("/moved/2.html") && l.contains("no response headers within 2s")),
        "{log}"
    );
    assert_eq!(
        server.times_of("/moved/2.html").len(),
        2,
        "{:?}",
        server.targets()
    );
    assert_gaps_kept(&server);
}

/// A status past 599 is no HTTP status; RFC 9110 (15) has a client read it as a 5xx, as the
/// fetch does (retried with backoff, counted towards the host's pause). The run report's file
/// host tally reads it so too: an attachment answered 999 is a failure of its server, not an
/// answer, so a file server that answers only that raises `files_unreachable`.
#[test]
fn an_attachment_answered_999_is_a_failure_of_its_file_server() {
    let (server, _) = serve_portal("127.0.0.76", 2, &["/upload/1.pdf"], Hostile::Status999);
    let (code, log, portal) = crawl(&server.base, "");
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(portal["unreachable"], false, "{portal}");
    let host = &portal["file_hosts"][server.base.trim_start_matches("http://")];
    assert_eq!(host["failed"], 1, "{portal}");
    assert_eq!(host["kinds"]["http_999"], 1, "{portal}");
    assert_eq!(host["answered"], 1, "{portal}");
    assert_eq!(
        server.times_of("/upload/1.pdf").len(),
        2,
        "{:?}",
        server.targets()
    );
}

/// A second list page whose server accepts and never writes: a timeout after its retry, naming
/// the page; the first page's reports are archived and the portal stays reachable (exit 0).
#[test]
fn a_silent_list_page_is_a_timeout_and_the_portal_stays_reachable() {
    let (server, _) = serve_portal("127.0.0.77", 2, &["/nb/2.html"], Hostile::Silent);
    let (code, log, portal) = crawl(&server.base, "timeout = \"2s\"\nread_timeout = \"1s\"\n");
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(portal["unreachable"], false, "{portal}");
    assert_eq!(portal["failures"]["timeout"], 1, "{portal}");
    assert_eq!(portal["new_documents"], 2, "{portal}");
    assert!(
        log.lines()
            .any(|l| l.contains("/nb/2.html") && l.contains("no response headers within 2s")),
        "{log}"
    );
    assert_eq!(
        server.times_of("/nb/2.html").len(),
        2,
        "{:?}",
        server.targets()
    );
    assert_gaps_kept(&server);
}

/// An attachment whose body comes a byte every 100 ms, without a length: never silent for
/// `read_timeout`, and given `timeout` plus the body cap at `min_rate` (an hour at the defaults)
/// by the overall limit alone. It falls below `min_rate` at once, so it is cut (a timeout naming
/// the URL) long before the server would end it, each attempt; the reports are archived and the
/// portal stays reachable.
#[test]
fn an_attachment_dribbling_below_the_minimum_rate_is_cut() {
    let (server, written) = serve_portal("127.0.0.78", 2, &["/upload/1.pdf"], Hostile::Dribble);
    let (code, log, portal) = crawl(&server.base, "timeout = \"1s\"\nread_timeout = \"1s\"\n");
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(portal["unreachable"], false, "{portal}");
    assert_eq!(portal["new_documents"], 2, "{portal}");
    let host = server.base.trim_start_matches("http://");
    assert_eq!(
        portal["file_hosts"][host]["kinds"]["timeout"], 1,
        "{portal}"
    );
    assert!(
        log.lines()
            .any(|l| l.contains("/upload/1.pdf") && l.contains("min_rate")),
        "{log}"
    );
    assert_eq!(
        server.times_of("/upload/1.pdf").len(),
        2,
        "{:?}",
        server.targets()
    );
    // Both attempts together took less than one whole body: the client hung up each time.
    let written = written.load(Ordering::SeqCst);
    assert!(written < DRIBBLE_BYTES, "{written} bytes written");
    assert_gaps_kept(&server);
}
