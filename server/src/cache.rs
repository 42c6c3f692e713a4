//! A short-lived cache of anonymous GraphQL query responses.
//!
//! Public pages (the consultation list, a comment page) are read far more often than they change. An
//! anonymous query's response depends only on its text, its variables and the reader's language (the
//! messages of its errors are in it), so the serialised response is kept for a moment and served
//! again while no public write has committed on this instance since it was computed
//! (`Db::generation`). Writes on other instances and the clock (a consultation closing) are seen once
//! the entry ages out after `ttl` (RESPONSE_CACHE_MS, default 1 s; 0 turns the cache off).
//!
//! Misses are single-flight: when many readers ask for the same page at once (the moment an entry ages
//! out, or right after a write), one of them computes it and the others wait for its answer instead of
//! running the same queries side by side. A waiter only joins a computation that started at the current
//! write generation, so it never gets an answer older than a write it could have seen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::i18n::Locale;

const MAX_ENTRIES: usize = 4096;
const MAX_BYTES: usize = 16 * 1024 * 1024;
const MAX_ENTRY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct ResponseCache {
    ttl: Duration,
    inner: Arc<Mutex<Inner>>,
}

/// A serialised response; clones share the bytes.
pub type Body = bytes::Bytes;

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, Entry>,
    bytes: usize,
    flights: HashMap<Key, InFlight>,
    next_flight: u64,
}

struct Entry {
    generation: u64,
    stored: Instant,
    body: Body,
}

struct InFlight {
    id: u64,
    generation: u64,
    answer: watch::Receiver<Option<Body>>,
}

pub type Key = [u8; 32];

/// What a lookup found: the body to send, or the duty to compute it.
pub enum Lookup {
    Hit(Body),
    /// Compute the response and hand it to `Flight::finish`; concurrent readers of the same key wait
    /// for it. Dropping the flight unfinished lets them compute their own.
    Compute(Flight),
}

pub struct Flight {
    cache: ResponseCache,
    key: Key,
    id: Option<u64>,
    generation: u64,
    answer: watch::Sender<Option<Body>>,
}

impl ResponseCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, inner: Arc::default() }
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    pub fn key(request: &async_graphql::Request, locale: Locale) -> Key {
        Self::scoped_key(request, locale, "")
    }

    /// The key of a response shared by the readers of one scope (`graphql::shared`); the anonymous
    /// responses are the empty scope's.
    pub fn scoped_key(request: &async_graphql::Request, locale: Locale, scope: &str) -> Key {
        let mut hasher = Sha256::new();
        hasher.update(scope.as_bytes());
        hasher.update([0]);
        hasher.update(locale.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(request.query.as_bytes());
        hasher.update([0]);
        hasher.update(request.operation_name.as_deref().unwrap_or_default().as_bytes());
        hasher.update([0]);
        hasher.update(request.variables.to_string().as_bytes());
        hasher.finalize().into()
    }

    /// The cached body, if it was computed at `generation` less than `ttl` ago.
    pub fn get(&self, key: &Key, generation: u64) -> Option<Body> {
        let inner = self.inner.lock().ok()?;
        inner.fresh(key, generation, self.ttl)
    }

    /// The cached body; or the answer of a computation of the same key already running at this
    /// generation, once it is done; or, when neither, a flight for the caller to complete.
    pub async fn lookup(&self, key: Key, generation: u64) -> Lookup {
        let mut waiting = {
            let Ok(mut inner) = self.inner.lock() else { return Lookup::Compute(self.unshared_flight(key, generation)) };
            if let Some(body) = inner.fresh(&key, generation, self.ttl) {
                return Lookup::Hit(body);
            }
            match inner.flights.get(&key) {
                Some(flight) if flight.generation == generation => flight.answer.clone(),
                _ => {
                    inner.next_flight += 1;
                    let id = inner.next_flight;
                    let (answer, receiver) = watch::channel(None);
                    inner.flights.insert(key, InFlight { id, generation, answer: receiver });
                    return Lookup::Compute(Flight { cache: self.clone(), key, id: Some(id), generation, answer });
                }
            }
        };
        let answer = match waiting.wait_for(Option::is_some).await {
            Ok(body) => body.clone(),
            // The computing request ended without an answer (its client went away): compute alone.
            Err(_) => None,
        };
        match answer {
            Some(body) => Lookup::Hit(body),
            None => Lookup::Compute(self.unshared_flight(key, generation)),
        }
    }

    fn unshared_flight(&self, key: Key, generation: u64) -> Flight {
        Flight { cache: self.clone(), key, id: None, generation, answer: watch::channel(None).0 }
    }

    pub fn put(&self, key: Key, generation: u64, body: Body) {
        if body.len() > MAX_ENTRY_BYTES {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else { return };
        inner.put(key, generation, body, self.ttl);
    }
}

impl Flight {
    /// Hands the response to the readers waiting for it, and keeps it in the cache when `cacheable`
    /// (a response carrying errors is shared with the readers that asked at the same moment, not kept).
    pub fn finish(mut self, body: Body, cacheable: bool) {
        if cacheable && body.len() <= MAX_ENTRY_BYTES {
            self.cache.put(self.key, self.generation, body.clone());
        }
        self.answer.send_replace(Some(body));
        self.end();
    }

    fn end(&mut self) {
        let Some(id) = self.id.take() else { return };
        if let Ok(mut inner) = self.cache.inner.lock() {
            if inner.flights.get(&self.key).is_some_and(|f| f.id == id) {
                inner.flights.remove(&self.key);
            }
        }
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.end();
    }
}

impl Inner {
    fn fresh(&self, key: &Key, generation: u64, ttl: Duration) -> Option<Body> {
        let entry = self.entries.get(key)?;
        (entry.generation == generation && entry.stored.elapsed() < ttl).then(|| entry.body.clone())
    }

    fn put(&mut self, key: Key, generation: u64, body: Body, ttl: Duration) {
        if self.entries.len() >= MAX_ENTRIES || self.bytes + body.len() > MAX_BYTES {
            self.entries.retain(|_, e| e.generation == generation && e.stored.elapsed() < ttl);
            self.bytes = self.entries.values().map(|e| e.body.len()).sum();
            if self.entries.len() >= MAX_ENTRIES || self.bytes + body.len() > MAX_BYTES {
                return;
            }
        }
        let size = body.len();
        if let Some(old) = self.entries.insert(key, Entry { generation, stored: Instant::now(), body }) {
            self.bytes -= old.body.len();
        }
        self.bytes += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_with_time_and_with_writes() {
        let cache = ResponseCache::new(Duration::from_millis(50));
        let key = [1u8; 32];
        cache.put(key, 7, Body::from_static(b"{}"));
        assert!(cache.get(&key, 7).is_some());
        assert!(cache.get(&key, 8).is_none(), "a newer write generation invalidates");
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get(&key, 7).is_none(), "entries age out");
    }

    #[test]
    fn different_variables_and_languages_are_different_entries() {
        let a = async_graphql::Request::new("query($id: ID!) { consultation(id: $id) { id } }")
            .variables(async_graphql::Variables::from_json(serde_json::json!({ "id": "a" })));
        let b = async_graphql::Request::new("query($id: ID!) { consultation(id: $id) { id } }")
            .variables(async_graphql::Variables::from_json(serde_json::json!({ "id": "b" })));
        assert_ne!(ResponseCache::key(&a, Locale::ZhCn), ResponseCache::key(&b, Locale::ZhCn));
        assert_ne!(ResponseCache::key(&a, Locale::ZhCn), ResponseCache::key(&a, Locale::En), "a NOT_FOUND reads differently");
    }

    #[tokio::test]
    async fn concurrent_misses_compute_once() {
        let cache = ResponseCache::new(Duration::from_secs(5));
        let key = [2u8; 32];
        let Lookup::Compute(flight) = cache.lookup(key, 1).await else { panic!("an empty cache has nothing to serve") };
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let cache = cache.clone();
                tokio::spawn(async move {
                    match cache.lookup(key, 1).await {
                        Lookup::Hit(body) => Some(body),
                        Lookup::Compute(_) => None,
                    }
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        flight.finish(Body::from_static(b"answer"), true);
        for waiter in waiters {
            assert_eq!(waiter.await.unwrap().as_deref(), Some(&b"answer"[..]), "a waiter got the leader's answer");
        }
        assert!(cache.get(&key, 1).is_some(), "the answer was kept");
    }

    #[tokio::test]
    async fn a_flight_at_an_older_generation_is_not_joined_and_an_abandoned_one_releases_its_waiters() {
        let cache = ResponseCache::new(Duration::from_secs(5));
        let key = [3u8; 32];
        let Lookup::Compute(old) = cache.lookup(key, 1).await else { panic!("miss expected") };
        // A write committed (generation 2) while generation 1 was being computed: not joined.
        let Lookup::Compute(new) = cache.lookup(key, 2).await else { panic!("a newer generation computes anew") };
        let waiter = {
            let cache = cache.clone();
            tokio::spawn(async move { matches!(cache.lookup(key, 2).await, Lookup::Compute(_)) })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(new);
        assert!(waiter.await.unwrap(), "the waiter computes itself once the leader gave up");
        old.finish(Body::from_static(b"stale"), true);
        assert!(cache.get(&key, 2).is_none(), "an answer of generation 1 does not serve generation 2");
    }

    #[tokio::test]
    async fn errors_are_shared_but_not_kept() {
        let cache = ResponseCache::new(Duration::from_secs(5));
        let key = [4u8; 32];
        let Lookup::Compute(flight) = cache.lookup(key, 1).await else { panic!("miss expected") };
        flight.finish(Body::from_static(b"{\"errors\":[]}"), false);
        assert!(cache.get(&key, 1).is_none());
        assert!(matches!(cache.lookup(key, 1).await, Lookup::Compute(_)));
    }
}
