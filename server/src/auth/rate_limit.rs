//! Fixed-window rate limits. Counters live in Redis when configured, so every instance shares them,
//! and in the process otherwise.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::aio::ConnectionManager;

use crate::error::{AppError, AppResult};

#[derive(Clone)]
pub enum RateLimiter {
    Memory(Arc<Mutex<HashMap<String, Window>>>),
    Redis(ConnectionManager),
}

pub struct Window {
    count: u64,
    ends: Instant,
}

/// One kind of limit: `limit` events per `window`, 0 meaning no limit.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub name: &'static str,
    pub limit: u32,
    pub window: Duration,
}

const HIT_SCRIPT: &str = r"
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) ttl = tonumber(ARGV[1]) end
return {count, ttl}
";

impl RateLimiter {
    pub fn in_memory() -> Self {
        Self::Memory(Arc::default())
    }

    /// Counts one event; RATE_LIMITED when it goes over the limit.
    pub async fn hit(&self, limit: Limit, subject: &str) -> AppResult<()> {
        if limit.limit == 0 {
            return Ok(());
        }
        let (count, remaining) = self.incr(limit, subject).await?;
        if count > u64::from(limit.limit) {
            return Err(AppError::RateLimited { retry_after: remaining.as_secs().max(1) });
        }
        Ok(())
    }

    /// RATE_LIMITED if the limit has already been reached, without counting.
    pub async fn check(&self, limit: Limit, subject: &str) -> AppResult<()> {
        if limit.limit == 0 {
            return Ok(());
        }
        let key = key(limit, subject);
        let (count, remaining) = match self {
            Self::Memory(map) => {
                let map = lock(map)?;
                match map.get(&key) {
                    Some(w) if w.ends > Instant::now() => (w.count, w.ends - Instant::now()),
                    _ => (0, Duration::ZERO),
                }
            }
            Self::Redis(conn) => {
                let mut conn = conn.clone();
                let (count, ttl): (Option<u64>, i64) =
                    redis::pipe().get(&key).pttl(&key).query_async(&mut conn).await?;
                (count.unwrap_or(0), Duration::from_millis(ttl.max(0) as u64))
            }
        };
        if count >= u64::from(limit.limit) {
            return Err(AppError::RateLimited { retry_after: remaining.as_secs().max(1) });
        }
        Ok(())
    }

    /// Counts one event without refusing it (a failed sign-in, say).
    pub async fn record(&self, limit: Limit, subject: &str) -> AppResult<()> {
        if limit.limit == 0 {
            return Ok(());
        }
        self.incr(limit, subject).await.map(|_| ())
    }

    pub async fn reset(&self, limit: Limit, subject: &str) -> AppResult<()> {
        let key = key(limit, subject);
        match self {
            Self::Memory(map) => {
                lock(map)?.remove(&key);
            }
            Self::Redis(conn) => {
                let mut conn = conn.clone();
                let _: () = redis::cmd("DEL").arg(&key).query_async(&mut conn).await?;
            }
        }
        Ok(())
    }

    async fn incr(&self, limit: Limit, subject: &str) -> AppResult<(u64, Duration)> {
        let key = key(limit, subject);
        match self {
            Self::Memory(map) => {
                let mut map = lock(map)?;
                let now = Instant::now();
                if map.len() > 100_000 {
                    map.retain(|_, w| w.ends > now);
                }
                let window = map.entry(key).or_insert(Window { count: 0, ends: now + limit.window });
                if window.ends <= now {
                    *window = Window { count: 0, ends: now + limit.window };
                }
                window.count += 1;
                Ok((window.count, window.ends - now))
            }
            Self::Redis(conn) => {
                let mut conn = conn.clone();
                let (count, ttl): (u64, i64) = redis::Script::new(HIT_SCRIPT)
                    .key(&key)
                    .arg(limit.window.as_millis() as u64)
                    .invoke_async(&mut conn)
                    .await?;
                Ok((count, Duration::from_millis(ttl.max(0) as u64)))
            }
        }
    }
}

fn key(limit: Limit, subject: &str) -> String {
    format!("gk:rl:{}:{subject}", limit.name)
}

fn lock<T>(mutex: &Mutex<T>) -> AppResult<std::sync::MutexGuard<'_, T>> {
    mutex.lock().map_err(|_| AppError::internal(anyhow::anyhow!("rate-limit lock poisoned")))
}
