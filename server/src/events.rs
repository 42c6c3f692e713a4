//! Events for subscriptions. Published after the transaction commits; fanned out to every instance
//! through Redis pub/sub when configured, through an in-process channel otherwise. Subscribers read
//! from a bounded broadcast channel: a slow one misses events instead of slowing writers down.

use std::time::Duration;

use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

const CHANNEL: &str = "gk:events";
const CAPACITY: usize = 1024;

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
}

impl Events {
    pub fn in_process() -> Self {
        let (local, _) = broadcast::channel(CAPACITY);
        Self { local, redis: None }
    }

    /// Publishes through Redis and relays what arrives on the channel to local subscribers.
    pub async fn redis(url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let publisher = ConnectionManager::new(client.clone()).await?;
        let (local, _) = broadcast::channel(CAPACITY);
        let relay = local.clone();
        tokio::spawn(async move {
            loop {
                match relay_once(&client, &relay).await {
                    Ok(()) => tracing::warn!("Redis event subscription ended; reconnecting"),
                    Err(error) => tracing::warn!(%error, "Redis event subscription failed; reconnecting"),
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        Ok(Self { local, redis: Some(publisher) })
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
}

async fn relay_once(client: &redis::Client, relay: &broadcast::Sender<Event>) -> anyhow::Result<()> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(CHANNEL).await?;
    let mut messages = pubsub.into_on_message();
    while let Some(message) = messages.next().await {
        let payload: String = match message.get_payload() {
            Ok(p) => p,
            Err(error) => {
                tracing::warn!(%error, "unreadable event payload");
                continue;
            }
        };
        match serde_json::from_str::<Event>(&payload) {
            Ok(event) => {
                let _ = relay.send(event);
            }
            Err(error) => tracing::warn!(%error, "unknown event on the channel"),
        }
    }
    Ok(())
}
