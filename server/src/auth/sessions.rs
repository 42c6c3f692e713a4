//! Bearer-token sessions. A token is 32 random bytes shown once to the client; only its SHA-256 is
//! kept, in Redis when configured (shared by every instance) or in the process otherwise. Sessions
//! end after `idle` without use or `absolute` after sign-in, whichever comes first.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use redis::aio::ConnectionManager;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::util;

#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: Uuid,
    pub expires_at: DateTime<Utc>,
}

/// A freshly issued token and when it stops working at the latest.
pub struct Issued {
    pub token: String,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct Sessions {
    backend: Backend,
    idle: Duration,
    absolute: Duration,
}

#[derive(Clone)]
enum Backend {
    Memory(Arc<Mutex<MemorySessions>>),
    Redis(ConnectionManager),
}

#[derive(Default)]
struct MemorySessions {
    by_hash: HashMap<String, MemoryEntry>,
    by_user: HashMap<Uuid, HashSet<String>>,
}

struct MemoryEntry {
    session: Session,
    idle_until: DateTime<Utc>,
}

pub fn hash_token(token: &str) -> String {
    util::sha256_hex(token.as_bytes())
}

fn session_key(hash: &str) -> String {
    format!("gk:session:{hash}")
}

fn user_key(user: Uuid) -> String {
    format!("gk:user-sessions:{user}")
}

impl Sessions {
    pub fn in_memory(idle: Duration, absolute: Duration) -> Self {
        Self { backend: Backend::Memory(Arc::default()), idle, absolute }
    }

    pub fn redis(manager: ConnectionManager, idle: Duration, absolute: Duration) -> Self {
        Self { backend: Backend::Redis(manager), idle, absolute }
    }

    pub async fn issue(&self, user_id: Uuid) -> AppResult<Issued> {
        let token = util::random_token(32).map_err(AppError::Internal)?;
        let token_hash = hash_token(&token);
        let now = Utc::now();
        let expires_at = now + chrono::Duration::from_std(self.absolute).map_err(AppError::internal)?;
        let session = Session { user_id, expires_at };
        match &self.backend {
            Backend::Memory(store) => {
                let mut store = lock(store)?;
                store.prune(now);
                let idle_until = now + chrono::Duration::from_std(self.idle).map_err(AppError::internal)?;
                store.by_user.entry(user_id).or_default().insert(token_hash.clone());
                store.by_hash.insert(token_hash.clone(), MemoryEntry { session, idle_until });
            }
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                let ttl = self.idle.min(self.absolute).as_secs().max(1);
                let value = format!("{user_id}|{}", expires_at.timestamp());
                let mut pipe = redis::pipe();
                pipe.atomic()
                    .set_ex(session_key(&token_hash), value, ttl)
                    .sadd(user_key(user_id), &token_hash)
                    .expire(user_key(user_id), self.absolute.as_secs() as i64);
                let _: () = crate::metrics::redis("sessions", pipe.query_async(&mut conn)).await?;
            }
        }
        Ok(Issued { token, token_hash, expires_at })
    }

    /// The live session of a token hash, extending its idle expiry.
    pub async fn get(&self, token_hash: &str) -> AppResult<Option<Session>> {
        let now = Utc::now();
        match &self.backend {
            Backend::Memory(store) => {
                let mut store = lock(store)?;
                let idle = chrono::Duration::from_std(self.idle).map_err(AppError::internal)?;
                let Some(entry) = store.by_hash.get_mut(token_hash) else { return Ok(None) };
                if entry.idle_until <= now || entry.session.expires_at <= now {
                    store.remove(token_hash);
                    return Ok(None);
                }
                entry.idle_until = now + idle;
                Ok(Some(entry.session.clone()))
            }
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                // GETEX reads and renews the idle expiry in one round trip.
                let value: Option<String> = crate::metrics::redis(
                    "sessions",
                    redis::cmd("GETEX").arg(session_key(token_hash)).arg("EX").arg(self.idle.as_secs().max(1)).query_async(&mut conn),
                )
                .await?;
                let Some(value) = value else { return Ok(None) };
                let parsed = value.split_once('|').and_then(|(user, exp)| {
                    Some((user.parse::<Uuid>().ok()?, DateTime::<Utc>::from_timestamp(exp.parse().ok()?, 0)?))
                });
                match parsed {
                    Some((user_id, expires_at)) if expires_at > now => Ok(Some(Session { user_id, expires_at })),
                    _ => {
                        let _: () = redis::cmd("DEL").arg(session_key(token_hash)).query_async(&mut conn).await?;
                        Ok(None)
                    }
                }
            }
        }
    }

    pub async fn revoke(&self, user_id: Uuid, token_hash: &str) -> AppResult<()> {
        match &self.backend {
            Backend::Memory(store) => {
                lock(store)?.remove(token_hash);
            }
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                let _: () = redis::pipe()
                    .del(session_key(token_hash))
                    .srem(user_key(user_id), token_hash)
                    .query_async(&mut conn)
                    .await?;
            }
        }
        Ok(())
    }

    /// Ends every session of the user except `keep`; returns how many ended.
    pub async fn revoke_all(&self, user_id: Uuid, keep: Option<&str>) -> AppResult<usize> {
        match &self.backend {
            Backend::Memory(store) => {
                let mut store = lock(store)?;
                let hashes: Vec<String> = store.by_user.get(&user_id).map(|s| s.iter().cloned().collect()).unwrap_or_default();
                let mut ended = 0;
                for hash in hashes.iter().filter(|h| Some(h.as_str()) != keep) {
                    store.remove(hash);
                    ended += 1;
                }
                Ok(ended)
            }
            Backend::Redis(conn) => {
                let mut conn = conn.clone();
                let hashes: Vec<String> = redis::cmd("SMEMBERS").arg(user_key(user_id)).query_async(&mut conn).await?;
                let doomed: Vec<&String> = hashes.iter().filter(|h| Some(h.as_str()) != keep).collect();
                if doomed.is_empty() {
                    return Ok(0);
                }
                let mut pipe = redis::pipe();
                pipe.atomic();
                for hash in &doomed {
                    pipe.del(session_key(hash)).srem(user_key(user_id), *hash);
                }
                let _: () = pipe.query_async(&mut conn).await?;
                Ok(doomed.len())
            }
        }
    }
}

impl MemorySessions {
    fn remove(&mut self, hash: &str) {
        if let Some(entry) = self.by_hash.remove(hash) {
            if let Some(set) = self.by_user.get_mut(&entry.session.user_id) {
                set.remove(hash);
                if set.is_empty() {
                    self.by_user.remove(&entry.session.user_id);
                }
            }
        }
    }

    /// Drops expired sessions once the map has grown, so memory stays bounded without a timer.
    fn prune(&mut self, now: DateTime<Utc>) {
        if self.by_hash.len() < 1024 || !self.by_hash.len().is_multiple_of(256) {
            return;
        }
        let expired: Vec<String> = self
            .by_hash
            .iter()
            .filter(|(_, e)| e.idle_until <= now || e.session.expires_at <= now)
            .map(|(h, _)| h.clone())
            .collect();
        for hash in expired {
            self.remove(&hash);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> AppResult<std::sync::MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| AppError::internal(anyhow::anyhow!("session store lock poisoned")))
}
