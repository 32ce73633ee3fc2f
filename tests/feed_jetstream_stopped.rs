//! The feed on NATS JetStream with a server that accepts connections and never answers (stopped
//! with SIGSTOP): `publish` must end in bounded time, naming the server, with every version left
//! for the next run; once the server runs again, `publish` sends each version once, in seq order.

mod common;
mod jetstream_support;

use std::time::Duration;

use common::{run_limited, stderr};
use jetstream_support::{feed_table, server_and_crawl};

/// The bound of one `publish`: the test's, not a speed claim (connecting gives up after 3s, an
/// unanswered request after 5s).
const PUBLISH_LIMIT: Duration = Duration::from_secs(60);

#[test]
fn a_stopped_server_leaves_every_version_for_the_next_publish() {
    let Some((server, h, export)) =
        server_and_crawl("a_stopped_server_leaves_every_version_for_the_next_publish")
    else {
        return;
    };
    h.edit_config(|c| c + &feed_table(server.port));

    server.signal("STOP");
    let out = run_limited(h.command(&["publish"]), PUBLISH_LIMIT);
    server.signal("CONT");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(
        err.contains(&server.url()),
        "the error names the server: {err}"
    );
    assert!(
        err.contains(&format!("{} versions unpublished", export.len())),
        "every version is left for the next publish: {err}"
    );

    let out = run_limited(h.command(&["publish"]), PUBLISH_LIMIT);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    jetstream_support::assert_each_version_once(&h, &server.url(), &export);
}
