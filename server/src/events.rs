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
use tokio::sync::{broadcast, Semaphore, SemaphorePermit};
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

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "type")]
pub enum Event {
    CommentAdded { consultation_id: Uuid, comment_id: Uuid },
    ReplyPosted { comment_author_id: Uuid, reply_id: Uuid },
}

#[derive(Clone)]
pub struct Events {
    local: broadcast::Sender<Event>,
    redis: Option<ConnectionManager>,
    /// Whether the Redis relay is subscribed (always true in process): instances report it in `/readyz`.
    relay_live: Arc<AtomicBool>,
    feed_reads: Arc<Semaphore>,
}

impl Events {
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(CAPACITY);
        Self { local, redis: None, relay_live: Arc::new(AtomicBool::new(true)), feed_reads: Arc::new(Semaphore::new(FEED_READS)) }
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
        let relay_live = Arc::new(AtomicBool::new(false));
        let first = subscribe(&client).await?;
        relay_live.store(true, Ordering::Relaxed);
        // The relay holds a weak sender: once every `Events` of this instance is gone, it stops.
        let relay = local.downgrade();
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
        Ok(Self { local, redis: Some(publisher), relay_live, feed_reads: Arc::new(Semaphore::new(FEED_READS)) })
    }

    /// Publishes in the background: the request that caused the events does not wait for Redis, and
    /// events keep their order.
    pub fn publish_later(&self, events: Vec<Event>) {
        let this = self.clone();
        tokio::spawn(async move {
            for event in events {
                this.publish(event).await;
            }
        });
    }

    /// Best effort: a lost event is logged, never an error for the mutation that caused it.
    pub async fn publish(&self, event: Event) {
        match &self.redis {
            None => {
                let _ = self.local.send(event);
            }
            Some(conn) => {
                let payload = match serde_json::to_string(&event) {
                    Ok(p) => p,
                    Err(error) => return tracing::error!(%error, "cannot encode event"),
                };
                let mut conn = conn.clone();
                let sent: redis::RedisResult<i64> = redis::cmd("PUBLISH").arg(CHANNEL).arg(payload).query_async(&mut conn).await;
                if let Err(error) = sent {
                    tracing::warn!(%error, "cannot publish event");
                }
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
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

async fn relay_messages(pubsub: redis::aio::PubSub, relay: &broadcast::WeakSender<Event>, every: Duration) -> anyhow::Result<Relay> {
    let (mut sink, mut messages) = pubsub.split();
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        let message = tokio::select! {
            message = messages.next() => message,
            _ = ping.tick() => {
                if relay.upgrade().is_none() {
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
        let Some(sender) = relay.upgrade() else { return Ok(Relay::Unused) };
        let payload: String = match message.get_payload() {
            Ok(p) => p,
            Err(error) => {
                tracing::warn!(%error, "unreadable event payload");
                continue;
            }
        };
        match serde_json::from_str::<Event>(&payload) {
            Ok(event) => {
                let _ = sender.send(event);
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
            events.publish(added(n)).await;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "publishing waited on a subscriber");
        // The idle subscriber skips what it missed and goes on with the newest events the channel kept.
        match idle.recv().await {
            Err(broadcast::error::RecvError::Lagged(missed)) => assert_eq!(missed, (total - CAPACITY as u128) as u64),
            other => panic!("expected a lag, got {other:?}"),
        }
        assert_eq!(idle.recv().await.unwrap(), added(total - CAPACITY as u128));
    }

    #[tokio::test]
    async fn a_dropped_subscriber_is_forgotten() {
        let events = Events::in_process();
        let receiver = events.subscribe();
        assert_eq!(events.subscriber_count(), 1);
        drop(receiver);
        assert_eq!(events.subscriber_count(), 0);
        events.publish(added(1)).await;
    }
}
