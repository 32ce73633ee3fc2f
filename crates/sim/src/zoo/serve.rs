//! Zoo accept loop: one task per portal listener, one per connection, every request logged with
//! the status it was answered with.

use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::ZooSpec;
use super::render::route;
use crate::http::{self, ReadOutcome};

pub(super) async fn serve(
    listener: TcpListener,
    spec: Arc<ZooSpec>,
    log: Arc<Mutex<Vec<(String, u16)>>>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _)) = accepted {
                    connections.spawn(connection(stream, spec.clone(), log.clone()));
                } else {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(
    mut stream: TcpStream,
    spec: Arc<ZooSpec>,
    log: Arc<Mutex<Vec<(String, u16)>>>,
) {
    let mut buf = Vec::new();
    loop {
        match http::read_request(&mut stream, &mut buf).await {
            ReadOutcome::Closed | ReadOutcome::Garbage { .. } => return,
            ReadOutcome::Request(req) => {
                let resp = route(&spec, &req);
                // A POST is logged with its form: pages of one API differ only there.
                let logged = if req.method == "POST" && !req.body.is_empty() {
                    format!("{} POST {}", req.target, String::from_utf8_lossy(&req.body))
                } else {
                    req.target.clone()
                };
                log.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push((logged, resp.status));
                let keep = http::keep_alive(Some(&req), &resp);
                if http::write_response(&mut stream, Some(&req), &resp)
                    .await
                    .is_err()
                    || !keep
                {
                    return;
                }
            }
        }
    }
}
