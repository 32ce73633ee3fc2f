//! Simulator accept loop: one task per site listener, one task per connection, keep-alive and
//! pipelining, garbage answered 400. Connection tasks live in a `JoinSet` owned by the accept
//! task, so aborting the accept task (Simulator drop or shutdown) ends every connection too.

use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::http::{self, ReadOutcome, Response};
use super::site::SiteState;

/// Accepts connections until the task is aborted. A failed accept or connection never ends it.
pub(crate) async fn serve(listener: TcpListener, state: Arc<Mutex<SiteState>>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                if let Ok((stream, _peer)) = accepted {
                    connections.spawn(connection(stream, state.clone()));
                } else {
                    // Out of file descriptors or similar: back off briefly instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn connection(mut stream: TcpStream, state: Arc<Mutex<SiteState>>) {
    let mut buf = Vec::new();
    loop {
        match http::read_request(&mut stream, &mut buf).await {
            ReadOutcome::Closed => return,
            ReadOutcome::Garbage { raw, error } => {
                let resp = Response::text(400, &format!("400 Bad Request: {error}\n"));
                lock(&state).record_garbage(&raw);
                let _ = http::write_response(&mut stream, None, &resp).await;
                return;
            }
            ReadOutcome::Request(req) => {
                let resp = lock(&state).respond(&req);
                if let Some(delay) = resp.delay {
                    tokio::time::sleep(delay).await;
                }
                let keep = http::keep_alive(Some(&req), &resp);
                let written = http::write_response(&mut stream, Some(&req), &resp).await;
                if written.is_ok() && resp.status == 403 {
                    lock(&state).refusal_written();
                }
                if written.is_err() || !keep {
                    return;
                }
            }
        }
    }
}

fn lock(state: &Mutex<SiteState>) -> std::sync::MutexGuard<'_, SiteState> {
    // See SiteHandle::lock: a poisoned model is still the best answer we have.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
