//! Parsed GraphQL documents, kept by query text.
//!
//! The front ends send a small, fixed set of operations, and parsing one (async-graphql's pest parser)
//! costs far more than copying its parsed form (the benchmark's comment-page query: 66 µs against 2 µs
//! in a release build). So each distinct query text is parsed once and its
//! document handed to async-graphql ready-made (`Request::set_parsed_query`); validation still runs on
//! every request. The cache holds at most `MAX_ENTRIES` texts of at most `MAX_TEXT` bytes and
//! `MAX_BYTES` in all; when full it starts over, so a client sending endless distinct queries costs
//! itself a parse each, never the server unbounded memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;

const MAX_ENTRIES: usize = 512;
const MAX_TEXT: usize = 16 * 1024;
const MAX_BYTES: usize = 1024 * 1024;

#[derive(Clone, Default)]
pub struct Documents {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    by_text: HashMap<String, Arc<ExecutableDocument>>,
    bytes: usize,
}

impl Documents {
    /// The parsed document of `query`, or None when it does not parse (async-graphql then parses it
    /// again and reports the error in its usual form).
    pub fn parse(&self, query: &str) -> Option<Arc<ExecutableDocument>> {
        if let Some(found) = self.inner.lock().ok().and_then(|inner| inner.by_text.get(query).cloned()) {
            return Some(found);
        }
        let document = Arc::new(async_graphql::parser::parse_query(query).ok()?);
        if query.len() <= MAX_TEXT {
            if let Ok(mut inner) = self.inner.lock() {
                if inner.by_text.len() >= MAX_ENTRIES || inner.bytes + query.len() > MAX_BYTES {
                    inner.by_text.clear();
                    inner.bytes = 0;
                }
                if inner.by_text.insert(query.to_owned(), document.clone()).is_none() {
                    inner.bytes += query.len();
                }
            }
        }
        Some(document)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_is_parsed_once_and_bad_ones_are_not_kept() {
        let documents = Documents::default();
        let first = documents.parse("query { a }").unwrap();
        let second = documents.parse("query { a }").unwrap();
        assert!(Arc::ptr_eq(&first, &second), "the second request reuses the parsed document");
        assert!(documents.parse("query {").is_none());
        assert_eq!(documents.inner.lock().unwrap().by_text.len(), 1);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let documents = Documents::default();
        for i in 0..(MAX_ENTRIES * 2) {
            documents.parse(&format!("query {{ field{i} }}")).unwrap();
        }
        let inner = documents.inner.lock().unwrap();
        assert!(inner.by_text.len() <= MAX_ENTRIES && inner.bytes <= MAX_BYTES);
    }
}
