//! The feed on NATS JetStream when the stream behind nianbao's cursor is gone: deleted between
//! two runs (or a server restarted without its store), then created anew by the next publish.
//! Publishing after the cursor would leave the new stream silently without the versions before
//! it, so `publish` refuses (exit 4, naming the stream and `publish --since 0`) and leaves the
//! new stream empty; `publish --since 0` then fills it with every version once, in seq order.
//! And a full stream that discards new messages: the cursor holds at the version it refused; a
//! server killed mid-publish and restarted with its store gets every version once, in order.
#![allow(clippy::disallowed_macros)] // tests and benches print figures and progress

mod common;
mod jetstream_support;

use common::stderr;
use jetstream_support::{
    Received, assert_each_version_once, feed_table, read_stream, server_and_crawl,
};

#[test]
fn a_stream_deleted_behind_the_cursor_is_refused_until_publish_since_0() {
    let Some((server, h, export)) =
        server_and_crawl("a_stream_deleted_behind_the_cursor_is_refused_until_publish_since_0")
    else {
        return;
    };
    h.edit_config(|c| c + &feed_table(server.port));
    let out = h.run(&["publish"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        h.runtime.block_on(read_stream(&server.url(), "NIANBAO")).1,
        export.len() as u64
    );

    // Deleted between two runs: the next publish makes the stream anew and must not treat it
    // as holding what the cursor says was acknowledged.
    h.runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.expect("connect");
        async_nats::jetstream::new(client)
            .delete_stream("NIANBAO")
            .await
            .expect("delete the stream");
    });
    for _ in 0..2 {
        let out = h.run(&["publish"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{err}");
        assert!(err.contains("stream NIANBAO on nats://127.0.0.1:"), "{err}");
        assert!(err.contains("has never held a message"), "{err}");
        assert!(err.contains("`nianbao publish --since 0`"), "{err}");
    }
    assert_eq!(
        h.runtime.block_on(read_stream(&server.url(), "NIANBAO")).1,
        0,
        "nothing is published into the new stream after the cursor"
    );

    let out = h.run(&["publish", "--since", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_each_version_once(&h, &server.url(), &export);
}

/// A stream made beforehand with `max_msgs = 1` and discard=new: the server refuses the second
/// version; `publish` exits 4 naming the stream, the seq and the server's reason, and the next
/// publish offers that same version again (the cursor did not move past it).
#[test]
fn a_full_stream_that_discards_new_holds_the_cursor_at_the_refused_version() {
    let Some((server, h, export)) =
        server_and_crawl("a_full_stream_that_discards_new_holds_the_cursor_at_the_refused_version")
    else {
        return;
    };
    assert!(export.len() > 1, "the crawl archived two versions or more");
    h.runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.expect("connect");
        async_nats::jetstream::new(client)
            .create_stream(async_nats::jetstream::stream::Config {
                name: "NIANBAO".into(),
                subjects: vec!["nianbao.records.>".into()],
                max_messages: 1,
                discard: async_nats::jetstream::stream::DiscardPolicy::New,
                ..Default::default()
            })
            .await
            .expect("create the stream");
    });
    h.edit_config(|c| c + &feed_table(server.port));
    for _ in 0..2 {
        let out = h.run(&["publish"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{err}");
        assert!(err.contains("did not acknowledge seq 2 "), "{err}");
        assert!(err.contains("for stream NIANBAO"), "{err}");
        assert!(err.contains("maximum messages exceeded"), "{err}");
    }
    assert_eq!(
        h.runtime.block_on(read_stream(&server.url(), "NIANBAO")).1,
        1
    );
}

/// Deleted and created again, then partly refilled by another publisher before nianbao's next
/// run: the new stream holds messages (its last sequence is not 0) but fewer than the stream
/// sequence that acknowledged nianbao's cursor. `publish` refuses it as it refuses an empty one,
/// publishes nothing into it, and `publish --since 0` then adds every version after the others.
#[test]
fn a_stream_made_anew_and_partly_refilled_by_another_publisher_is_refused() {
    let Some((server, h, export)) =
        server_and_crawl("a_stream_made_anew_and_partly_refilled_by_another_publisher_is_refused")
    else {
        return;
    };
    assert!(export.len() > 1, "the crawl archived two versions or more");
    h.edit_config(|c| c + &feed_table(server.port));
    let out = h.run(&["publish"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // One message fewer than nianbao's versions: the stream's last sequence is short of the one
    // that acknowledged the cursor.
    let others = export.len() as u64 - 1;
    h.runtime.block_on(async {
        let client = async_nats::connect(server.url()).await.expect("connect");
        let js = async_nats::jetstream::new(client);
        js.delete_stream("NIANBAO")
            .await
            .expect("delete the stream");
        js.create_stream(async_nats::jetstream::stream::Config {
            name: "NIANBAO".into(),
            subjects: vec!["nianbao.records.>".into()],
            ..Default::default()
        })
        .await
        .expect("create the stream again");
        for n in 0..others {
            let message = async_nats::jetstream::message::PublishMessage::build()
                .payload(format!("{{\"n\":{n}}}").into())
                .message_id(format!("other:{n}"));
            js.send_publish("nianbao.records.other", message)
                .await
                .expect("publish")
                .await
                .expect("acknowledged");
        }
    });
    for _ in 0..2 {
        let out = h.run(&["publish"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(4), "{err}");
        assert!(err.contains("stream NIANBAO on nats://127.0.0.1:"), "{err}");
        assert!(
            err.contains(&format!("ends at stream sequence {others}")),
            "{err}"
        );
        assert!(err.contains("`nianbao publish --since 0`"), "{err}");
    }
    let out = h.run(&["publish", "--since", "0"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (received, count) = h.runtime.block_on(read_stream(&server.url(), "NIANBAO"));
    assert_eq!(count, others + export.len() as u64);
    let ours: Vec<&Received> = received
        .iter()
        .filter(|r| r.subject != "nianbao.records.other")
        .collect();
    assert_eq!(
        ours.len(),
        export.len(),
        "each version once after the others"
    );
    assert!(ours.iter().all(|r| r.stream_seq > others), "{ours:?}");
}

/// The server is killed (SIGKILL) as soon as its stream holds a first version while `publish`
/// sends them, then started again with its store: the next `publish` leaves the stream with
/// every version once, in seq order, whatever the kill cut (the cursor moved only past what the
/// stream acknowledged; what it held already is dropped by message id).
#[test]
fn a_server_killed_during_publish_and_restarted_with_its_store_gets_each_version_once() {
    let Some((mut server, h, export)) = server_and_crawl(
        "a_server_killed_during_publish_and_restarted_with_its_store_gets_each_version_once",
    ) else {
        return;
    };
    let bin = jetstream_support::nats_server_binary().expect("found for server_and_crawl");
    h.edit_config(|c| c + &feed_table(server.port));
    let mut publish = h
        .command(&["publish"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("publish starts");
    let url = server.url();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::time::Instant::now() < deadline
        && publish.try_wait().ok().flatten().is_none()
        && h.runtime.block_on(messages(&url)) == 0
    {}
    server.kill_9_and_restart(&bin);
    let first = publish.wait().expect("publish ends");
    let kept = h.runtime.block_on(messages(&url));
    eprintln!(
        "killed with {kept} of {} versions on the stream; publish: {first}",
        export.len()
    );

    let out = h.run(&["publish"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_each_version_once(&h, &url, &export);
}

/// The message count of stream NIANBAO on `url`; 0 while it or the server is not there.
async fn messages(url: &str) -> u64 {
    let Ok(client) = async_nats::connect(url).await else {
        return 0;
    };
    let js = async_nats::jetstream::new(client);
    match js.get_stream("NIANBAO").await {
        Ok(mut stream) => stream.info().await.map_or(0, |i| i.state.messages),
        Err(_) => 0,
    }
}
