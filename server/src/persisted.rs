//! Automatic persisted queries (Apollo's protocol): a client sends `extensions.persistedQuery
//! { version: 1, sha256Hash }` instead of the query text; the server answers `PersistedQueryNotFound`
//! when it does not know the hash, and the client sends the text once more with the hash, which the
//! server checks and keeps. Over GET the hash alone makes a short URL that a cache in front can key on.
//!
//! The texts are kept in memory, at most `MAX_ENTRIES` of at most `MAX_TEXT` bytes (when full the
//! store starts over, so endless distinct texts cost their sender a round trip, never the server
//! memory). An instance that does not know a hash another one learnt asks for the text, as the
//! protocol has it; nothing needs sharing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::error::AppError;
use crate::t;
use crate::util;

const MAX_ENTRIES: usize = 4096;
const MAX_TEXT: usize = 16 * 1024;

/// The error code and message the protocol's clients look for when the hash is unknown; a protocol
/// token, not a sentence for people.
pub const NOT_FOUND_CODE: &str = "PERSISTED_QUERY_NOT_FOUND";
pub const NOT_FOUND_MESSAGE: &str = "PersistedQueryNotFound";

#[derive(Clone, Default)]
pub struct PersistedQueries {
    inner: Arc<Mutex<HashMap<String, String>>>,
}

/// What a request's `persistedQuery` extension came to.
pub enum Resolved {
    /// No extension: the request's own text runs.
    NotPersisted,
    /// The text to run.
    Query(String),
    /// The hash is not known here: the client should send the text with it.
    NotFound,
}

impl PersistedQueries {
    /// Reads `extensions.persistedQuery` of a request with the text `query` (empty when only the hash
    /// came). A hash sent with its text must be the text's SHA-256.
    pub fn resolve(&self, query: &str, extensions: &HashMap<String, async_graphql::Value>) -> Result<Resolved, AppError> {
        let Some(persisted) = extensions.get("persistedQuery") else { return Ok(Resolved::NotPersisted) };
        let value = persisted.clone().into_json().unwrap_or_default();
        if value.get("version").and_then(serde_json::Value::as_i64) != Some(1) {
            return Err(AppError::bad_input("extensions.persistedQuery.version", t!("field-persisted-version")));
        }
        let Some(hash) = value.get("sha256Hash").and_then(serde_json::Value::as_str).map(str::to_ascii_lowercase) else {
            return Err(AppError::bad_input("extensions.persistedQuery.sha256Hash", t!("field-required")));
        };
        if query.is_empty() {
            let found = self.inner.lock().ok().and_then(|map| map.get(&hash).cloned());
            return Ok(found.map_or(Resolved::NotFound, Resolved::Query));
        }
        if util::sha256_hex(query.as_bytes()) != hash {
            return Err(AppError::bad_input("extensions.persistedQuery.sha256Hash", t!("field-persisted-hash-mismatch")));
        }
        if query.len() <= MAX_TEXT {
            if let Ok(mut map) = self.inner.lock() {
                if map.len() >= MAX_ENTRIES {
                    map.clear();
                }
                map.insert(hash, query.to_owned());
            }
        }
        Ok(Resolved::Query(query.to_owned()))
    }
}
