//! A short-lived cache of anonymous GraphQL query responses.
//!
//! Public pages (the consultation list, a comment page) are read far more often than they change. An
//! anonymous query's response depends only on its text and variables, so the serialised response is
//! kept for a moment and served again while no public write has committed on this instance since it
//! was computed (`Db::generation`). Writes on other instances and the clock (a consultation closing) are
//! seen once the entry ages out after `ttl` (RESPONSE_CACHE_MS, default 1 s; 0 turns the cache off).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

const MAX_ENTRIES: usize = 4096;
const MAX_BYTES: usize = 16 * 1024 * 1024;
const MAX_ENTRY_BYTES: usize = 256 * 1024;

#[derive(Clone)]
pub struct ResponseCache {
    ttl: Duration,
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<[u8; 32], Entry>,
    bytes: usize,
}

struct Entry {
    generation: u64,
    stored: Instant,
    body: Arc<Vec<u8>>,
}

pub type Key = [u8; 32];

impl ResponseCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, inner: Arc::default() }
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    pub fn key(request: &async_graphql::Request) -> Key {
        let mut hasher = Sha256::new();
        hasher.update(request.query.as_bytes());
        hasher.update([0]);
        hasher.update(request.operation_name.as_deref().unwrap_or_default().as_bytes());
        hasher.update([0]);
        hasher.update(request.variables.to_string().as_bytes());
        hasher.finalize().into()
    }

    /// The cached body, if it was computed at `generation` less than `ttl` ago.
    pub fn get(&self, key: &Key, generation: u64) -> Option<Arc<Vec<u8>>> {
        let inner = self.inner.lock().ok()?;
        let entry = inner.entries.get(key)?;
        (entry.generation == generation && entry.stored.elapsed() < self.ttl).then(|| entry.body.clone())
    }

    pub fn put(&self, key: Key, generation: u64, body: Arc<Vec<u8>>) {
        if body.len() > MAX_ENTRY_BYTES {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else { return };
        if inner.entries.len() >= MAX_ENTRIES || inner.bytes + body.len() > MAX_BYTES {
            let ttl = self.ttl;
            inner.entries.retain(|_, e| e.generation == generation && e.stored.elapsed() < ttl);
            inner.bytes = inner.entries.values().map(|e| e.body.len()).sum();
            if inner.entries.len() >= MAX_ENTRIES || inner.bytes + body.len() > MAX_BYTES {
                return;
            }
        }
        let size = body.len();
        if let Some(old) = inner.entries.insert(key, Entry { generation, stored: Instant::now(), body }) {
            inner.bytes -= old.body.len();
        }
        inner.bytes += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_with_time_and_with_writes() {
        let cache = ResponseCache::new(Duration::from_millis(50));
        let key = [1u8; 32];
        cache.put(key, 7, Arc::new(b"{}".to_vec()));
        assert!(cache.get(&key, 7).is_some());
        assert!(cache.get(&key, 8).is_none(), "a newer write generation invalidates");
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get(&key, 7).is_none(), "entries age out");
    }

    #[test]
    fn different_variables_are_different_entries() {
        let a = async_graphql::Request::new("query($id: ID!) { consultation(id: $id) { id } }")
            .variables(async_graphql::Variables::from_json(serde_json::json!({ "id": "a" })));
        let b = async_graphql::Request::new("query($id: ID!) { consultation(id: $id) { id } }")
            .variables(async_graphql::Variables::from_json(serde_json::json!({ "id": "b" })));
        assert_ne!(ResponseCache::key(&a), ResponseCache::key(&b));
    }
}
