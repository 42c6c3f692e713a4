//! Events for subscriptions. Published after the transaction commits; fanned out to every instance
//! through Redis pub/sub when configured, through an in-process channel otherwise. Subscribers read
//! from a bounded broadcast channel: a slow one misses events instead of slowing writers down, and the
//! channel's memory is the same however many subscribers there are or however far behind they fall.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, Semaphore, SemaphorePermit};
use uuid::Uuid;

const CHANNEL: &str = "gk:events";
const CAPACITY: usize = 1024;
/// Database reads that live feeds may run at once on one instance: many subscribers on a busy
/// consultation queue here (and skip events if they fall too far behind) rather than taking the
/// connections that submissions need.
const FEED_READS: usize = 4;
/// How often the relay pings Redis on its subscription connection, so that a connection that died
/// silently is noticed and replaced.
const RELAY_PING: Duration = Duration::from_secs(30);
const RELAY_TIMEOUT: Duration = Duration::from_secs(5);
/// Events waiting for the publisher; past this many (Redis gone for a long while), new ones are
/// dropped with a warning, as the live feed is best effort.
const OUTBOX: usize = 10_000;
/// At most this many waiting events go to Redis in one message.
const BATCH: usize = 256;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type")]
pub enum Event {
    CommentAdded { consultation_id: Uuid, comment_id: Uuid },
    ReplyPosted { comment_author_id: Uuid, reply_id: Uuid },
    /// Some sessions of the account ended (sign-out, password change, suspension, role change): its
    /// open WebSocket connections check theirs at once and close if it was one of them.
    SessionsEnded { user_id: Uuid },
    /// A notification was written for the user.
    NotificationAdded { recipient_id: Uuid, notification_id: Uuid },
}

/// Accounts whose sessions ended, for the WebSocket connections (a channel of its own, so that
/// connections are not counted as subscribers and never lag behind comment traffic).
const SESSION_CAPACITY: usize = 256;

#[derive(Clone)]
pub struct Events {
    local: broadcast::Sender<Event>,
    sessions: broadcast::Sender<Uuid>,
    /// With Redis: the publisher task's queue. It sends whatever has queued up as one message, so a
    /// burst of submissions costs Redis (and every subscribed instance) one message per batch.
    outbox: Option<mpsc::Sender<Event>>,
    /// Whether the Redis relay is subscribed (always true in process): instances report it in `/readyz`.
    relay_live: Arc<AtomicBool>,
    feed_reads: Arc<Semaphore>,
}

impl Events {
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(CAPACITY);
        let (sessions, _) = broadcast::channel(SESSION_CAPACITY);
        Self { local, sessions, outbox: None, relay_live: Arc::new(AtomicBool::new(true)), feed_reads: Arc::new(Semaphore::new(FEED_READS)) }
    }

    /// Publishes through Redis and relays what arrives on the channel to local subscribers. The first
    /// subscription is made before this returns, so an instance that has started receives every event
    /// published after that; later the relay reconnects by itself.
    pub async fn redis(url: &str) -> anyhow::Result<Self> {
        Self::redis_with_keepalive(url, RELAY_PING).await
    }

    /// `redis` with the relay pinging Redis every `ping` (tests shorten it).
    pub async fn redis_with_keepalive(url: &str, ping: Duration) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        // Same short reconnection backoff as the sessions' connection: a mutation publishing while
        // Redis is down must not wait minutes.
        let publisher = crate::state::connect_redis(url).await?;
        let (local, _) = broadcast::channel(CAPACITY);
        let (sessions, _) = broadcast::channel(SESSION_CAPACITY);
        let relay_live = Arc::new(AtomicBool::new(false));
        let first = subscribe(&client).await?;
        relay_live.store(true, Ordering::Relaxed);
        // The relay holds a weak sender: once every `Events` of this instance is gone, it stops.
        let relay = Relays { events: local.downgrade(), sessions: sessions.downgrade() };
        let live = relay_live.clone();
        tokio::spawn(async move {
            let mut pubsub = Some(first);
            loop {
                let result = match pubsub.take() {
                    Some(p) => relay_messages(p, &relay, ping).await,
                    None => match subscribe(&client).await {
                        Ok(p) => {
                            live.store(true, Ordering::Relaxed);
                            tracing::info!("Redis event subscription restored");
                            relay_messages(p, &relay, ping).await
                        }
                        Err(error) => Err(error),
                    },
                };
                live.store(false, Ordering::Relaxed);
                match result {
                    Ok(Relay::Unused) => return,
                    Ok(Relay::Ended) => tracing::warn!("Redis event subscription ended; reconnecting"),
                    Err(error) => tracing::warn!(%error, "Redis event subscription failed; reconnecting"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let (outbox, queued) = mpsc::channel(OUTBOX);
        tokio::spawn(publish_batches(queued, publisher));
        Ok(Self { local, sessions, outbox: Some(outbox), relay_live, feed_reads: Arc::new(Semaphore::new(FEED_READS)) })
    }

    /// Publishes in the background: the request that caused the events does not wait for Redis, and
    /// events keep their order. Best effort: a lost event is logged, never an error for the mutation
    /// that caused it.
    pub fn publish_later(&self, events: Vec<Event>) {
        for event in events {
            match &self.outbox {
                None => deliver(&self.local, &self.sessions, event),
                Some(outbox) => {
                    if let Err(error) = outbox.try_send(event) {
                        tracing::warn!(%error, "event not published: the queue to Redis is full");
                    }
                }
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }

    /// The accounts whose sessions end from now on (see `Event::SessionsEnded`).
    pub fn session_ends(&self) -> broadcast::Receiver<Uuid> {
        self.sessions.subscribe()
    }

    /// Live subscriptions on this instance (each holds one receiver).
    pub fn subscriber_count(&self) -> usize {
        self.local.receiver_count()
    }

    /// A turn to read what an event refers to for a live feed (see `FEED_READS`).
    pub async fn feed_read(&self) -> Option<SemaphorePermit<'_>> {
        self.feed_reads.acquire().await.ok()
    }

    /// False while the Redis relay is reconnecting: events published meanwhile do not reach this
    /// instance's subscribers.
    pub fn is_live(&self) -> bool {
        self.relay_live.load(Ordering::Relaxed)
    }
}

/// Hands an event to this instance's subscribers.
fn deliver(local: &broadcast::Sender<Event>, sessions: &broadcast::Sender<Uuid>, event: Event) {
    match event {
        Event::SessionsEnded { user_id } => {
            let _ = sessions.send(user_id);
        }
        other => {
            let _ = local.send(other);
        }
    }
}

/// The relay's weak hold on the instance's channels: once every `Events` is gone, it stops.
struct Relays {
    events: broadcast::WeakSender<Event>,
    sessions: broadcast::WeakSender<Uuid>,
}

/// Sends the queued events to Redis, all that have queued up (up to `BATCH`) in one message: a JSON
/// array, or the event itself when it is alone. Ends when every `Events` of the instance is gone.
async fn publish_batches(mut queued: mpsc::Receiver<Event>, mut conn: ConnectionManager) {
    let mut batch = Vec::with_capacity(BATCH);
    while queued.recv_many(&mut batch, BATCH).await > 0 {
        let payload = match batch.as_slice() {
            [one] => serde_json::to_string(one),
            many => serde_json::to_string(many),
        };
        match payload {
            Ok(payload) => {
                let sent: redis::RedisResult<i64> = crate::metrics::redis("events", redis::cmd("PUBLISH").arg(CHANNEL).arg(payload).query_async(&mut conn)).await;
                if let Err(error) = sent {
                    tracing::warn!(%error, events = batch.len(), "cannot publish events");
                }
            }
            Err(error) => tracing::error!(%error, "cannot encode events"),
        }
        batch.clear();
    }
}

/// One message on the channel: an event, or several in the order they were published.
#[derive(Deserialize)]
#[serde(untagged)]
enum Message {
    One(Event),
    Many(Vec<Event>),
}

enum Relay {
    /// The instance is gone: nobody is left to relay to.
    Unused,
    /// Redis closed the subscription.
    Ended,
}

async fn subscribe(client: &redis::Client) -> anyhow::Result<redis::aio::PubSub> {
    let connect = async {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.subscribe(CHANNEL).await?;
        anyhow::Ok(pubsub)
    };
    tokio::time::timeout(Duration::from_secs(10), connect).await.map_err(|_| anyhow::anyhow!("timed out subscribing to Redis"))?
}

async fn relay_messages(pubsub: redis::aio::PubSub, relay: &Relays, every: Duration) -> anyhow::Result<Relay> {
    let (mut sink, mut messages) = pubsub.split();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        let message = tokio::select! {
            message = messages.next() => message,
            _ = ping.tick() => {
                if relay.events.upgrade().is_none() {
                    return Ok(Relay::Unused);
                }
                // Subscribed, Redis answers PING with an array, not a string.
                tokio::time::timeout(RELAY_TIMEOUT, sink.ping::<redis::Value>())
                    .await
                    .map_err(|_| anyhow::anyhow!("Redis did not answer a ping on the event subscription"))??;
                continue;
            }
        };
        let Some(message) = message else { return Ok(Relay::Ended) };
        let (Some(sender), Some(sessions)) = (relay.events.upgrade(), relay.sessions.upgrade()) else { return Ok(Relay::Unused) };
        let payload: String = match message.get_payload() {
            Ok(p) => p,
            Err(error) => {
                tracing::warn!(%error, "unreadable event payload");
                continue;
            }
        };
        match serde_json::from_str::<Message>(&payload) {
            Ok(Message::One(event)) => deliver(&sender, &sessions, event),
            Ok(Message::Many(events)) => {
                for event in events {
                    deliver(&sender, &sessions, event);
                }
            }
            Err(error) => tracing::warn!(%error, "unknown event on the channel"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn added(n: u128) -> Event {
        Event::CommentAdded { consultation_id: Uuid::nil(), comment_id: Uuid::from_u128(n) }
    }

    #[tokio::test]
    async fn a_subscriber_that_does_not_read_never_holds_up_publishers() {
        let events = Events::in_process();
        let mut idle = events.subscribe();
        let started = std::time::Instant::now();
        let total = 20 * CAPACITY as u128;
        for n in 0..total {
            events.publish_later(vec![added(n)]);
        }
        assert!(started.elapsed() < Duration::from_secs(5), "publishing waited on a subscriber");
        // The idle subscriber skips what it missed and goes on with the newest events the channel kept.
        match idle.recv().await {
            Err(broadcast::error::RecvError::Lagged(missed)) => assert_eq!(missed, (total - CAPACITY as u128) as u64),
            other => panic!("expected a lag, got {other:?}"),
        }
        assert_eq!(idle.recv().await.unwrap(), added(total - CAPACITY as u128));
    }

    #[test]
    fn a_message_holds_one_event_or_several_in_order() {
        let one = serde_json::to_string(&added(1)).unwrap();
        assert!(matches!(serde_json::from_str::<Message>(&one), Ok(Message::One(e)) if e == added(1)));
        let many = serde_json::to_string(&[added(1), added(2)]).unwrap();
        assert!(matches!(serde_json::from_str::<Message>(&many), Ok(Message::Many(e)) if e == [added(1), added(2)]));
    }

    /// A burst published through Redis (with TEST_REDIS_URL) arrives whole and in order, however the
    /// publisher batched it.
    #[tokio::test]
    async fn a_burst_through_redis_arrives_in_order() {
        let Some(url) = std::env::var("TEST_REDIS_URL").ok().filter(|u| !u.is_empty()) else {
            eprintln!("skipped: needs TEST_REDIS_URL");
            return;
        };
        let events = Events::redis(&url).await.unwrap();
        let mut receiver = events.subscribe();
        // Another test process may publish on the same channel: only this burst's events count.
        let consultation = Uuid::now_v7();
        let total = 500u128;
        for n in 0..total {
            events.publish_later(vec![Event::CommentAdded { consultation_id: consultation, comment_id: Uuid::from_u128(n) }]);
        }
        let mut next = 0u128;
        while next < total {
            let event = tokio::time::timeout(Duration::from_secs(10), receiver.recv()).await.expect("the burst arrives").unwrap();
            if let Event::CommentAdded { consultation_id, comment_id } = event {
                if consultation_id == consultation {
                    assert_eq!(comment_id, Uuid::from_u128(next));
                    next += 1;
                }
            }
        }
    }

    #[tokio::test]
    async fn a_dropped_subscriber_is_forgotten() {
        let events = Events::in_process();
        let receiver = events.subscribe();
        assert_eq!(events.subscriber_count(), 1);
        drop(receiver);
        assert_eq!(events.subscriber_count(), 0);
        events.publish_later(vec![added(1)]);
    }
}
