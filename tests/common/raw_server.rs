//! A raw TCP server of the test's own that writes exact bytes, for answers no HTTP server
//! library would send (a status of 999, headers that trickle, a body without end, silence): each
//! request's target is read from its head and logged with the moment it came, and a handler
//! writes whatever it likes to the socket.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

/// Writes the answer to a request for a target on its socket (dropping the socket closes it).
pub type Handler =
    Arc<dyn Fn(String, TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// A bound raw server and the runtime it runs on.
pub struct RawServer {
    pub runtime: tokio::runtime::Runtime,
    listener: Mutex<Option<TcpListener>>,
    /// `http://ip:port`, without a trailing slash.
    pub base: String,
    /// Every request's target with the moment its head was read, in order.
    pub log: Arc<Mutex<Vec<(String, Instant)>>>,
}

impl RawServer {
    /// Binds a loopback address (`127.0.0.x`) on a free port.
    pub fn bind(ip: &str) -> RawServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(TcpListener::bind((ip, 0)))
            .expect("bind a loopback address");
        let addr = listener.local_addr().expect("bound address");
        RawServer {
            runtime,
            listener: Mutex::new(Some(listener)),
            base: format!("http://{addr}"),
            log: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Serves every connection with `handler`, one request a connection.
    pub fn serve(&self, handler: Handler) {
        let listener = self
            .listener
            .lock()
            .expect("listener lock")
            .take()
            .expect("a raw server serves once");
        let log = self.log.clone();
        self.runtime.spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (log, handler) = (log.clone(), handler.clone());
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
                    log.lock()
                        .expect("log lock")
                        .push((target.clone(), Instant::now()));
                    handler(target, socket).await;
                });
            }
        });
    }

    /// The targets asked so far, in order.
    pub fn targets(&self) -> Vec<String> {
        self.log
            .lock()
            .expect("log lock")
            .iter()
            .map(|(t, _)| t.clone())
            .collect()
    }

    /// The moments `target` was asked, in order.
    pub fn times_of(&self, target: &str) -> Vec<Instant> {
        self.log
            .lock()
            .expect("log lock")
            .iter()
            .filter(|(t, _)| t == target)
            .map(|(_, at)| *at)
            .collect()
    }
}

/// A whole answer: `status` with its reason, `Content-Type`, `Content-Length` and
/// `Connection: close`, then `body`.
pub fn answer(status: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}
