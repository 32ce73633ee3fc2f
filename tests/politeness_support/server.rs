//! A scripted HTTP/1.1 server of the tests' own on a loopback address: every response follows
//! one `Script` (hold, trickle, stall), and the server records what it saw: each request's Host
//! header and target, and the most requests it had in flight at once.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How every response is sent.
#[derive(Debug, Clone)]
pub enum Script {
    /// Wait `delay`, then answer 200 with a short body.
    Hold { delay: Duration },
    /// Announce `length` bytes, then send them `chunk` bytes at a time, one chunk every `every`;
    /// after `stop_after` bytes (when given) send nothing more and keep the connection open.
    Trickle {
        length: usize,
        chunk: usize,
        every: Duration,
        stop_after: Option<usize>,
    },
    /// Read the request and never answer (the connection stays open up to 30 s).
    Silent,
}

#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<(String, String)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

pub struct ScriptedServer {
    pub addr: SocketAddr,
    seen: Arc<Seen>,
}

impl ScriptedServer {
    /// Starts serving on `ip` (a free port) in `runtime`.
    pub fn start(runtime: &tokio::runtime::Runtime, ip: &str, script: Script) -> ScriptedServer {
        let listener = runtime
            .block_on(TcpListener::bind((ip, 0)))
            .expect("bind a loopback address");
        let addr = listener.local_addr().expect("bound address");
        let seen = Arc::new(Seen::default());
        let shared = seen.clone();
        runtime.spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(serve(socket, script.clone(), shared.clone()));
            }
        });
        ScriptedServer { addr, seen }
    }

    /// (Host header, target) of every request, in arrival order.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.seen.requests.lock().expect("record lock").clone()
    }

    pub fn max_in_flight(&self) -> usize {
        self.seen.max_in_flight.load(Ordering::SeqCst)
    }
}

async fn serve(mut socket: TcpStream, script: Script, seen: Arc<Seen>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 64 * 1024 {
            return;
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let target = text.split_whitespace().nth(1).unwrap_or("").to_string();
    let host = text
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("host")
                .then(|| value.trim().to_string())
        })
        .unwrap_or_default();
    seen.requests
        .lock()
        .expect("record lock")
        .push((host, target));
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.max_in_flight.fetch_max(now, Ordering::SeqCst);
    respond(&mut socket, script, &seen).await;
}

/// Answers by `script`. A request stops counting as in flight just before its answer is written,
/// so that the client's next request (sent once this answer is read) is never counted with it.
async fn respond(socket: &mut TcpStream, script: Script, seen: &Seen) {
    let answered = || seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    match script {
        Script::Hold { delay } => {
            tokio::time::sleep(delay).await;
            answered();
            let _ = socket
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                .await;
        }
        Script::Trickle {
            length,
            chunk,
            every,
            stop_after,
        } => {
            answered();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: {length}\r\n\
                 Connection: close\r\n\r\n"
            );
            if socket.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut sent = 0;
            while sent < length {
                if stop_after.is_some_and(|stop| sent >= stop) {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                tokio::time::sleep(every).await;
                let n = chunk.min(length - sent);
                if socket.write_all(&vec![b'x'; n]).await.is_err() {
                    return;
                }
                sent += n;
            }
        }
        Script::Silent => {
            tokio::time::sleep(Duration::from_secs(30)).await;
            answered();
        }
    }
}
