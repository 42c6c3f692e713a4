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

const RELEASE_SCRIPT: &str = r"
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
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
            crate::metrics::METRICS.rate_limit_refusals.with_label_values(&[limit.name]).inc();
            return Err(AppError::RateLimited { retry_after: remaining.as_secs().max(1) });
        }
        Ok(())
    }

    /// Gives back one counted event (an attempt reserved with `hit` that turned out not to count).
    pub async fn release(&self, limit: Limit, subject: &str) -> AppResult<()> {
        if limit.limit == 0 {
            return Ok(());
        }
        let key = key(limit, subject);
        match self {
            Self::Memory(map) => {
                if let Some(window) = lock(map)?.get_mut(&key) {
                    window.count = window.count.saturating_sub(1);
                }
            }
            Self::Redis(conn) => {
                let mut conn = conn.clone();
                let _: i64 = redis::Script::new(RELEASE_SCRIPT).key(&key).invoke_async(&mut conn).await?;
            }
        }
        Ok(())
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
                let script = redis::Script::new(HIT_SCRIPT);
                let mut invocation = script.key(&key);
                invocation.arg(limit.window.as_millis() as u64);
                let (count, ttl): (u64, i64) = crate::metrics::redis("rate_limits", invocation.invoke_async(&mut conn)).await?;
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
