//! `nianbao publish`: publishes to the `[feed]` JetStream stream every archived version after
//! the publisher's cursor (see `jetstream`), e.g. after a run that ended with the server down.

use crate::config::Settings;
use crate::feed::jetstream::{PublishError, Publisher, chain};

use super::{Outcome, UsageError, open_store};

pub(super) async fn run(settings: &Settings, since: Option<u64>) -> anyhow::Result<Outcome> {
    let Some(feed) = settings.feed.clone() else {
        return Err(UsageError(format!(
            "nothing to publish to: {} has no [feed] table with `nats = \"nats://host:4222\"`",
            settings.config_path.display()
        ))
        .into());
    };
    let store = open_store(settings)?;
    let mut publisher = Publisher::new(feed.clone(), store.clone());
    if let Some(since) = since {
        let last = store.last_seq()?;
        if since > last {
            return Err(UsageError(format!(
                "cannot publish from seq {since}: the archive's last seq is {last}"
            ))
            .into());
        }
        store.set_published_position(&feed.stream, since)?;
        publisher = publisher.trusting_cursor();
    }
    let outcome = match publisher.connect().await {
        Ok(()) => publisher.publish_pending().await,
        Err(e) => Err(e),
    };
    let unpublished = publisher.unpublished()?;
    match outcome {
        Ok(done) => {
            errln!(
                "published {} versions to {} stream {} ({} already there); {unpublished} unpublished",
                done.versions,
                crate::config::nats_shown(&feed.nats),
                feed.stream,
                done.duplicates
            );
            Ok(Outcome::Completed)
        }
        Err(e @ (PublishError::StreamLost { .. } | PublishError::StreamReplaced { .. })) => {
            errln!("error: {}", chain(&e));
            Ok(Outcome::FeedStopped)
        }
        Err(e) => {
            errln!(
                "error: {}; {unpublished} versions unpublished: run `nianbao publish` again once the server is up and the stream takes them",
                chain(&e)
            );
            Ok(Outcome::FeedStopped)
        }
    }
}
