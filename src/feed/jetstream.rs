//! The feed on NATS JetStream: publishes each committed document version's export record (the
//! same JSON as `export` and `feed`) to a JetStream stream, after the version is durable in the
//! store, in seq order, one acknowledged message at a time. Downstream of the store, beside
//! the local feed (`commands::feed`).
//!
//! Delivery: the message id (`Nats-Msg-Id`) is `<id>:<version>`, so the stream's duplicate
//! window drops a version published twice. A cursor in the store ("published up to seq") moves
//! only after the stream acknowledged every version up to it; whatever lies after it (a crash, a
//! server that was down) is published at the next start. A version is sent only after the one
//! before it was acknowledged, so a failure never leaves a gap that a retry would fill out of
//! order: the stream holds the versions in seq order, hence in seq order per portal.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, message::PublishMessage};
use tokio::sync::watch;

use crate::config::{FeedSettings, nats_shown};
use crate::export::ExportRecord;
use crate::store::{Store, StoreError};

/// Durable versions read from the store and published between two cursor writes. A crash
/// re-publishes at most this many, which the duplicate window drops.
const BATCH: usize = 64;
/// Connecting gives up after this long (an address that drops packets would hang otherwise).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// A publish not acknowledged within this long fails; the version is published again later.
const ACK_TIMEOUT: Duration = Duration::from_secs(5);
/// The duplicate window of a stream nianbao creates: a re-publish after a crash is dropped if
/// the restart comes within it. (JetStream's default is two minutes.)
const DUPLICATE_WINDOW: Duration = Duration::from_secs(24 * 3600);
/// While crawling, how often the publisher looks for newly committed versions.
const FOLLOW_EVERY: Duration = Duration::from_millis(200);
/// While crawling, how long the publisher waits after a failure before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot connect to the NATS server {url}")]
    Connect {
        url: String,
        source: async_nats::ConnectError,
    },
    #[error("cannot find or create the JetStream stream {stream} on {url}")]
    Stream {
        url: String,
        stream: String,
        source: jetstream::context::CreateStreamError,
    },
    #[error("{url} did not acknowledge seq {seq} ({msg_id}) on {subject} for stream {stream}")]
    Publish {
        url: String,
        stream: String,
        subject: String,
        seq: u64,
        msg_id: String,
        source: jetstream::context::PublishError,
    },
    #[error(
        "stream {stream} on {url} has never held a message, yet versions up to seq {cursor} were acknowledged to a stream of that name: it was deleted or its server lost its store, so a consumer would silently miss them; run `nianbao publish --since 0` to publish every version again"
    )]
    StreamLost {
        url: String,
        stream: String,
        cursor: u64,
    },
    #[error(
        "stream {stream} on {url} ends at stream sequence {last}, yet it acknowledged versions up to seq {cursor} at its stream sequence {acknowledged}: it was deleted and created again (or its server lost its store) and holds other messages, so a consumer would silently miss those versions; run `nianbao publish --since 0` to publish every version again"
    )]
    StreamReplaced {
        url: String,
        stream: String,
        cursor: u64,
        last: u64,
        acknowledged: u64,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the store's reader task failed")]
    Task(#[from] tokio::task::JoinError),
}

/// The message id of a version: JetStream's duplicate window drops a second message with it.
pub fn message_id(record: &ExportRecord) -> String {
    format!("{}:{}", record.id, record.version)
}

/// The subject a version is published on: `<subject>.<portal>`, where the portal's name has
/// every character a subject token cannot hold (`.`, `*`, `>`, whitespace, control) as `_`.
pub fn subject_for(prefix: &str, portal: &str) -> String {
    let token: String = portal
        .chars()
        .map(|c| {
            if c == '.' || c == '*' || c == '>' || c.is_whitespace() || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let token = if token.is_empty() { "_".into() } else { token };
    format!("{prefix}.{token}")
}

/// What one round of publishing did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Published {
    /// Versions acknowledged by the stream.
    pub versions: u64,
    /// Of those, versions the stream already held (dropped as duplicates by their message id).
    pub duplicates: u64,
}

impl Published {
    fn add(&mut self, other: Published) {
        self.versions += other.versions;
        self.duplicates += other.duplicates;
    }
}

/// Publishes the versions after the cursor. Connects on first use, and again after a failure.
pub struct Publisher {
    settings: FeedSettings,
    store: Arc<Store>,
    context: Option<jetstream::Context>,
    /// False after `publish --since`: the user said where the stream starts.
    check_stream: bool,
}

impl Publisher {
    pub fn new(settings: FeedSettings, store: Arc<Store>) -> Publisher {
        Publisher {
            settings,
            store,
            context: None,
            check_stream: true,
        }
    }

    /// A publisher that does not compare the stream with the cursor: for `publish --since SEQ`,
    /// where the user set the cursor for a stream that may hold nothing yet.
    pub fn trusting_cursor(mut self) -> Publisher {
        self.check_stream = false;
        self
    }

    pub fn settings(&self) -> &FeedSettings {
        &self.settings
    }

    /// Versions committed but not acknowledged by the stream yet.
    pub fn unpublished(&self) -> Result<u64, StoreError> {
        let cursor = self.store.published_position(&self.settings.stream)?;
        Ok(self.store.last_seq()?.saturating_sub(cursor))
    }

    /// Connects, and creates the stream with the subjects `<subject>.>` if it does not exist (an
    /// existing stream is left as it is). A stream that has never held a message while the cursor
    /// says versions were acknowledged (deleted and created again, or a server that lost its
    /// store) is refused: publishing after the cursor would leave it silently without them.
    async fn context(&mut self) -> Result<jetstream::Context, PublishError> {
        if let Some(context) = &self.context {
            return Ok(context.clone());
        }
        let url = self.settings.nats.clone();
        let client = async_nats::ConnectOptions::new()
            .connection_timeout(CONNECT_TIMEOUT)
            .name("nianbao")
            .connect(url.as_str())
            .await
            .map_err(|source| PublishError::Connect {
                url: nats_shown(&url),
                source,
            })?;
        let mut context = jetstream::new(client);
        context.set_timeout(ACK_TIMEOUT);
        let stream = context
            .get_or_create_stream(jetstream::stream::Config {
                name: self.settings.stream.clone(),
                subjects: vec![format!("{}.>", self.settings.subject)],
                duplicate_window: DUPLICATE_WINDOW,
                description: Some(
                    "nianbao: one export record per archived document version".into(),
                ),
                ..Default::default()
            })
            .await
            .map_err(|source| PublishError::Stream {
                url: nats_shown(&url),
                stream: self.settings.stream.clone(),
                source,
            })?;
        if self.check_stream {
            // The stream's last sequence survives a purge and limits that drop old messages,
            // and never goes back: only a stream made anew (or a store lost) has it at 0, or
            // short of the sequence that acknowledged the cursor (refilled by others since).
            let cursor = self.store.published_position(&self.settings.stream)?;
            let acknowledged = self.store.published_stream_seq(&self.settings.stream)?;
            let last = stream.cached_info().state.last_sequence;
            let (url, stream) = (nats_shown(&url), self.settings.stream.clone());
            if cursor > 0 && last == 0 {
                return Err(PublishError::StreamLost {
                    url,
                    stream,
                    cursor,
                });
            }
            if cursor > 0 && last < acknowledged {
                return Err(PublishError::StreamReplaced {
                    url,
                    stream,
                    cursor,
                    last,
                    acknowledged,
                });
            }
        }
        self.context = Some(context.clone());
        Ok(context)
    }

    /// Connects and checks the stream against the cursor now, even with nothing to publish:
    /// `publish` says so when the stream lost what the cursor says it holds.
    pub async fn connect(&mut self) -> Result<(), PublishError> {
        self.context().await.map(|_| ())
    }

    /// Publishes every durable version after the cursor, in seq order, moving the cursor as the
    /// stream acknowledges them. Stops at the first failure; what is left waits for the next call.
    pub async fn publish_pending(&mut self) -> Result<Published, PublishError> {
        let mut done = Published::default();
        loop {
            let batch = self.durable_batch().await?;
            if batch.is_empty() {
                return Ok(done);
            }
            let context = self.context().await?;
            let mut acknowledged = None;
            let mut failure = None;
            for record in &batch {
                match self.publish_one(&context, record).await {
                    Ok((duplicate, stream_seq)) => {
                        acknowledged = Some((record.seq, stream_seq));
                        done.add(Published {
                            versions: 1,
                            duplicates: u64::from(duplicate),
                        });
                    }
                    Err(e) => {
                        failure = Some(e);
                        break;
                    }
                }
            }
            if let Some((seq, stream_seq)) = acknowledged {
                self.set_cursor(seq, stream_seq).await?;
            }
            if let Some(e) = failure {
                // The connection may be gone for good: the next call connects afresh.
                self.context = None;
                return Err(e);
            }
        }
    }

    /// Up to `BATCH` versions after the cursor that are durable in the store: a version on the
    /// stream is never one that a crash could take back from the store.
    async fn durable_batch(&self) -> Result<Vec<ExportRecord>, PublishError> {
        let (store, stream) = (self.store.clone(), self.settings.stream.clone());
        let batch = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
            let cursor = store.published_position(&stream)?;
            // A version is visible as soon as its transaction ends, durable once its commit's
            // flush returns: publish only up to the durable seq.
            let durable = store.durable_seq();
            store
                .export_since(cursor)
                .take(BATCH)
                .take_while(|r| r.as_ref().map_or(true, |r| r.seq <= durable))
                .collect::<Result<Vec<_>, _>>()
        })
        .await??;
        Ok(batch)
    }

    /// Moves the cursor to `seq`, acknowledged as the stream's own sequence `stream_seq`.
    async fn set_cursor(&self, seq: u64, stream_seq: u64) -> Result<(), PublishError> {
        let (store, stream) = (self.store.clone(), self.settings.stream.clone());
        tokio::task::spawn_blocking(move || store.set_published_ack(&stream, seq, stream_seq))
            .await??;
        Ok(())
    }

    /// Publishes one version and waits for the stream's acknowledgement: whether the stream
    /// already held it, and its sequence in the stream (the earlier copy's for a duplicate).
    async fn publish_one(
        &self,
        context: &jetstream::Context,
        record: &ExportRecord,
    ) -> Result<(bool, u64), PublishError> {
        let subject = subject_for(&self.settings.subject, &record.portal);
        let msg_id = message_id(record);
        let json = serde_json::to_vec(record).expect("export records serialise: plain data");
        let fail = |source| PublishError::Publish {
            url: nats_shown(&self.settings.nats),
            stream: self.settings.stream.clone(),
            subject: subject.clone(),
            seq: record.seq,
            msg_id: msg_id.clone(),
            source,
        };
        let message = PublishMessage::build()
            .payload(json.into())
            .message_id(&msg_id)
            .header("Nianbao-Seq", record.seq.to_string().as_str());
        let ack = context
            .send_publish(subject.clone(), message)
            .await
            .map_err(fail)?
            .await
            .map_err(fail)?;
        Ok((ack.duplicate, ack.sequence))
    }
}

/// How the publishing went over a crawl, for its summary.
#[derive(Debug)]
pub struct FollowReport {
    pub nats: String,
    pub stream: String,
    pub published: Published,
    /// Versions committed but not on the stream at the end (published at the next start).
    pub unpublished: u64,
    /// The last failure, when the run ended with versions unpublished.
    pub error: Option<String>,
}

impl FollowReport {
    /// One line for the run summary.
    pub fn summary(&self) -> String {
        let dropped = if self.published.duplicates > 0 {
            format!(
                " ({} already there, dropped by message id)",
                self.published.duplicates
            )
        } else {
            String::new()
        };
        let mut line = format!(
            "feed: {} versions published to {} stream {}{dropped}",
            self.published.versions, self.nats, self.stream
        );
        if self.unpublished > 0 {
            line.push_str(&format!(
                "; {} versions NOT published yet: the next crawl, backfill or `nianbao publish` publishes them",
                self.unpublished
            ));
            if let Some(e) = &self.error {
                line.push_str(&format!(" (last error: {e})"));
            }
        }
        line
    }
}

/// Publishes, during a crawl, what was left over from earlier runs and then each version as it
/// is committed. A server that is down is reported once (naming its URL) and tried again every
/// few seconds; it never stops the crawl.
pub struct Follower {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<FollowReport>,
}

impl Follower {
    pub fn start(settings: FeedSettings, store: Arc<Store>) -> Follower {
        let (stop, mut stopped) = watch::channel(false);
        let task = tokio::spawn(async move {
            let mut publisher = Publisher::new(settings, store);
            let mut published = Published::default();
            let mut failing = false;
            loop {
                let wait = match publisher.publish_pending().await {
                    Ok(p) => {
                        published.add(p);
                        if std::mem::take(&mut failing) {
                            tracing::info!(nats = %nats_shown(&publisher.settings.nats), "publishing again");
                        }
                        FOLLOW_EVERY
                    }
                    Err(e) => {
                        if !std::mem::replace(&mut failing, true) {
                            tracing::warn!(
                                "{}; the crawl goes on and unpublished versions are published later",
                                chain(&e)
                            );
                        }
                        RETRY_AFTER
                    }
                };
                tokio::select! {
                    _ = stopped.changed() => break,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            // The end of the run: one last round for what was committed since.
            let error = match publisher.publish_pending().await {
                Ok(p) => {
                    published.add(p);
                    None
                }
                Err(e) => {
                    let text = chain(&e);
                    tracing::warn!("{text}");
                    Some(text)
                }
            };
            let unpublished = publisher.unpublished().unwrap_or_else(|e| {
                tracing::warn!("cannot count unpublished versions: {}", chain(&e));
                0
            });
            FollowReport {
                nats: nats_shown(&publisher.settings.nats),
                stream: publisher.settings.stream.clone(),
                published,
                unpublished,
                error,
            }
        });
        Follower { stop, task }
    }

    /// Publishes what is left and reports.
    pub async fn finish(self) -> anyhow::Result<FollowReport> {
        let _ = self.stop.send(true);
        Ok(self.task.await?)
    }
}

/// An error with its causes, on one line.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        // Some errors repeat their source's text in their own: say it once.
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A NATS URL's password is sent to the server, never shown: not in the error of a server
    /// that cannot be reached.
    #[tokio::test]
    async fn a_servers_password_is_not_in_the_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Arc::new(Store::open(dir.path()).expect("open store"));
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = closed.local_addr().expect("its address").port();
        drop(closed);
        let settings = FeedSettings {
            nats: format!("nats://ops:s3cret@127.0.0.1:{port}"),
            stream: "NIANBAO".into(),
            subject: "nianbao.records".into(),
        };
        let mut publisher = Publisher::new(settings, store);
        let error = chain(
            &publisher
                .connect()
                .await
                .expect_err("nothing listens there"),
        );
        assert!(!error.contains("s3cret"), "{error}");
        assert!(error.contains("ops:***@127.0.0.1"), "{error}");
    }

    #[test]
    fn subjects_keep_portal_names_readable_and_single_token() {
        let cases = [
            ("阿图什市人民政府", "nianbao.records.阿图什市人民政府"),
            ("www.qz.gov.cn", "nianbao.records.www_qz_gov_cn"),
            ("a b*c>d\te", "nianbao.records.a_b_c_d_e"),
            ("", "nianbao.records._"),
        ];
        for (portal, want) in cases {
            assert_eq!(subject_for("nianbao.records", portal), want, "{portal:?}");
        }
    }
}
