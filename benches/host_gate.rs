//! Benchmark of the host gate and fetcher at scale: N loopback hosts (127.0.x.y), each a trivial
//! keep-alive HTTP server, each crawled at one request per second through `HostGate` + `Fetcher`
//! for a few seconds. Prints requests per second achieved against the ideal N per second.
//! A plain `main` (harness = false): figures are printed, never asserted.
//!
//! `cargo bench --bench host_gate` (env BENCH_HOSTS and BENCH_SECS change the size).
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use nianbao::config::{FetchSettings, Politeness};
use nianbao::discover::PageRequest;
use nianbao::fetch::{FetchOptions, FetchOutcome, Fetcher};
use nianbao::gate::HostGate;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Answers every request on every connection with a tiny page; counts requests.
async fn serve(listener: TcpListener, served: Arc<AtomicU64>) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            continue;
        };
        let served = served.clone();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or(&[])),
                    }
                }
                let end = buf
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map_or(buf.len(), |p| p + 4);
                buf.drain(..end);
                served.fetch_add(1, Ordering::Relaxed);
                let body = "<html><body>ok</body></html>";
                let resp = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(resp.as_bytes()).await.is_err() {
                    return;
                }
            }
        });
    }
}

fn main() -> anyhow::Result<()> {
    let hosts = env_or("BENCH_HOSTS", 300);
    let secs = env_or("BENCH_SECS", 5);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let served = Arc::new(AtomicU64::new(0));
        let mut urls = Vec::new();
        for i in 0..hosts {
            // 127.0.1.1, 127.0.1.2, ...: every host its own address, so its own gate.
            let ip = Ipv4Addr::new(127, 0, 1 + (i / 250) as u8, 1 + (i % 250) as u8);
            let listener = TcpListener::bind((ip, 0)).await?;
            let addr = listener.local_addr()?;
            tokio::spawn(serve(listener, served.clone()));
            urls.push(url::Url::parse(&format!("http://{addr}/page.html"))?);
        }
        let politeness = Politeness {
            per_host_interval: Duration::from_secs(1),
            respect_robots: false,
            ..Politeness::default()
        };
        let gate = Arc::new(HostGate::new(politeness, HashMap::new()));
        let fetcher = Arc::new(Fetcher::new(gate, FetchSettings::default())?);
        let window = Duration::from_secs(secs);
        let started = Instant::now();
        let fetched = Arc::new(AtomicU64::new(0));
        let mut tasks = Vec::new();
        for url in urls {
            let fetcher = fetcher.clone();
            let fetched = fetched.clone();
            tasks.push(tokio::spawn(async move {
                let scope = |_: &url::Url| Ok(());
                let options = FetchOptions {
                    validators: None,
                    scope: &scope,
                    allow_private: true,
                    hold: None,
                    stop: None,
                };
                let request = PageRequest::Get(url);
                loop {
                    let outcome = fetcher.fetch(&request, &options).await;
                    if started.elapsed() >= window {
                        break;
                    }
                    if matches!(outcome, FetchOutcome::Fetched(_)) {
                        fetched.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
        for task in tasks {
            task.await?;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let got = fetched.load(Ordering::Relaxed) as f64;
        // Burst 1 at one per second: requests start at 0, 1, ... secs-1 within the window.
        let ideal = (hosts * secs) as f64;
        println!(
            "host_gate: {hosts} hosts x 1 req/s for {secs} s: {got} fetched in the window \
             (server saw {}), {:.1} req/s achieved vs {:.1} ideal, ratio {:.3} (wall {elapsed:.2} s)",
            served.load(Ordering::Relaxed),
            got / secs as f64,
            ideal / secs as f64,
            got / ideal
        );
        anyhow::Ok(())
    })
}
