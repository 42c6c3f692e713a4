//! Parsed GraphQL documents, kept by query text, and the checks a text passes before any parser
//! sees it.
//!
//! async-graphql's parser (pest) recurses on every nested value, list type and selection set, so a
//! 10 KB query of 5,000 nested `[` overflowed the stack and aborted the whole process. `check_shape`
//! scans the raw text once, without recursion, and refuses brackets nested deeper than
//! `MAX_NESTING` before the parser runs; the selection depth is then measured on the parsed document
//! (`selection_shape`), leaving introspection out so that the standard introspection query of
//! GraphiQL, Apollo and graphql-codegen is answered.
//!
//! The front ends send a small, fixed set of operations, and parsing one costs far more than copying
//! its parsed form (the benchmark's comment-page query: 66 µs against 2 µs in a release build). So
//! each distinct query text is parsed once and its document handed to async-graphql ready-made
//! (`Request::set_parsed_query`); validation still runs on every request. The cache holds at most
//! `MAX_ENTRIES` texts of at most `MAX_TEXT` bytes and `MAX_BYTES` in all; when full it starts over,
//! so a client sending endless distinct queries costs itself a parse each, never the server unbounded
//! memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, Selection, SelectionSet};

use crate::error::AppError;
use crate::t;

const MAX_ENTRIES: usize = 512;
const MAX_TEXT: usize = 16 * 1024;
const MAX_BYTES: usize = 1024 * 1024;

/// Deepest nesting of `{`, `[` and `(` a query text may have. The deepest client operation nests
/// about 10; graphql-js's introspection query about 20.
pub const MAX_NESTING: usize = 64;
/// Deepest selection a query may make, introspection aside (see `selection_shape`).
pub const MAX_DEPTH: usize = 12;

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
    /// The document a request would run: parsed and checked (`parse`), at most one password check in
    /// the operation chosen (`check_password_fields`). HTTP and WebSocket both take this one way in.
    pub fn for_request(&self, query: &str, operation_name: Option<&str>) -> Result<Arc<ExecutableDocument>, AppError> {
        let document = self.parse(query)?;
        check_password_fields(&document, operation_name)?;
        Ok(document)
    }

    /// The parsed document of `query`, checked for nesting and depth; BAD_USER_INPUT with a plain
    /// message (never the parser's own output, which quotes the text back) when it is not a document
    /// the server will run.
    pub fn parse(&self, query: &str) -> Result<Arc<ExecutableDocument>, AppError> {
        if let Some(found) = self.inner.lock().ok().and_then(|inner| inner.by_text.get(query).cloned()) {
            return Ok(found);
        }
        check_shape(query)?;
        let document = async_graphql::parser::parse_query(query).map_err(|error| {
            let at = error.positions().next();
            let message = match at {
                Some(pos) => t!("query-invalid-at", line = pos.line, column = pos.column),
                None => t!("query-invalid"),
            };
            AppError::bad_input("query", message)
        })?;
        let shape = selection_shape(&document);
        if shape.depth > MAX_DEPTH {
            return Err(AppError::bad_input("query", t!("query-too-deep")));
        }
        if shape.schemas > 1 {
            return Err(AppError::bad_input("query", t!("query-schema-once")));
        }
        let document = Arc::new(document);
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
        Ok(document)
    }
}

/// Refuses a text whose brackets nest deeper than `MAX_NESTING`, without recursing: strings, block
/// strings and comments are skipped, so a `{` inside a string counts for nothing.
pub fn check_shape(query: &str) -> Result<(), AppError> {
    let bytes = query.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    // `\"""` is an escaped triple quote inside a block string.
                    i += if bytes[i..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(AppError::bad_input("query", t!("query-nesting", max = MAX_NESTING)));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Fields of the mutation root that check a password (argon2, tens of milliseconds each).
const PASSWORD_FIELDS: [&str; 2] = ["login", "changePassword"];

/// Refuses a request that would check more than one password: aliases would otherwise multiply the
/// guesses one request makes, past the sign-in limits' intent and the hashing threads' capacity.
pub fn check_password_fields(document: &ExecutableDocument, operation_name: Option<&str>) -> Result<(), AppError> {
    use async_graphql::parser::types::OperationType;
    fn count<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet, path: &mut Vec<&'a str>) -> usize {
        set.items
            .iter()
            .map(|selection| match &selection.node {
                Selection::Field(field) => usize::from(PASSWORD_FIELDS.contains(&field.node.name.node.as_str())),
                Selection::InlineFragment(fragment) => count(document, &fragment.node.selection_set.node, path),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match document.fragments.get(name) {
                        Some(fragment) if !path.contains(&name) => {
                            path.push(name);
                            let n = count(document, &fragment.node.selection_set.node, path);
                            path.pop();
                            n
                        }
                        _ => 0,
                    }
                }
            })
            .sum()
    }
    let operations: Vec<_> = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => vec![op],
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).into_iter().collect(),
        (DocumentOperations::Multiple(ops), None) => ops.values().collect(),
    };
    let checks: usize = operations
        .into_iter()
        .filter(|op| op.node.ty == OperationType::Mutation)
        .map(|op| count(document, &op.node.selection_set.node, &mut Vec::new()))
        .sum();
    if checks > 1 {
        return Err(AppError::bad_input("query", t!("query-sign-in-once")));
    }
    Ok(())
}

/// What `selection_shape` measures of a document.
pub struct Shape {
    /// The deepest selection of any operation, counting fields as async-graphql's depth limit does
    /// but not the fields under `__schema` and `__type`: introspection's depth is the schema's, not
    /// the client's choice.
    pub depth: usize,
    /// How many times `__schema` is selected: its cost is bounded by the schema, not by the
    /// complexity limit's list sizes, so it is allowed once per request.
    pub schemas: usize,
}

/// Measures the document's selections (see `Shape`). A fragment spread already on the path (a
/// cycle, which validation refuses later) counts for nothing here.
pub fn selection_shape(document: &ExecutableDocument) -> Shape {
    fn walk<'a>(document: &'a ExecutableDocument, set: &'a SelectionSet, path: &mut Vec<&'a str>, schemas: &mut usize) -> usize {
        let mut deepest = 0;
        for selection in &set.items {
            let depth = match &selection.node {
                Selection::Field(field) => match field.node.name.node.as_str() {
                    "__schema" => {
                        *schemas += 1;
                        1
                    }
                    "__type" => 1,
                    _ => 1 + walk(document, &field.node.selection_set.node, path, schemas),
                },
                Selection::InlineFragment(fragment) => walk(document, &fragment.node.selection_set.node, path, schemas),
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match document.fragments.get(name) {
                        Some(fragment) if !path.contains(&name) && path.len() <= MAX_NESTING => {
                            path.push(name);
                            let depth = walk(document, &fragment.node.selection_set.node, path, schemas);
                            path.pop();
                            depth
                        }
                        _ => 0,
                    }
                }
            };
            deepest = deepest.max(depth);
        }
        deepest
    }
    let mut path = Vec::new();
    let mut schemas = 0;
    let depth = match &document.operations {
        DocumentOperations::Single(op) => walk(document, &op.node.selection_set.node, &mut path, &mut schemas),
        DocumentOperations::Multiple(ops) => ops.values().map(|op| walk(document, &op.node.selection_set.node, &mut path, &mut schemas)).max().unwrap_or(0),
    };
    Shape { depth, schemas }
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
        assert!(documents.parse("query {").is_err());
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

    fn nested(open: &str, close: &str, n: usize) -> String {
        format!("{{ consultations(filter: {{ search: {}\"x\"{} }}) {{ totalCount }} }}", open.repeat(n), close.repeat(n))
    }

    #[test]
    fn deep_nesting_is_refused_before_the_parser_runs() {
        assert!(check_shape(&nested("[", "]", 5_000)).is_err());
        assert!(check_shape(&"{".repeat(100_000)).is_err());
        assert!(check_shape(&nested("[", "]", 10)).is_ok());
        // Brackets in strings, block strings and comments do not count.
        let quoted = format!("{{ a(x: \"{}\", y: \"\"\"{}\\\"\"\"\"\"\") }} # {}", "[".repeat(500), "{".repeat(500), "(".repeat(500));
        assert!(check_shape(&quoted).is_ok());
    }

    #[test]
    fn parse_errors_do_not_quote_the_text() {
        let error = Documents::default().parse("query { a(x: ) }").err().map(|e| e.message(crate::i18n::Locale::En)).unwrap_or_default();
        assert_eq!(error, "query: The query is not valid GraphQL (line 1, column 14).");
    }

    #[test]
    fn introspection_does_not_count_toward_the_depth() {
        let deep_introspection = format!("{{ __schema {{ types {{ {}name{} }} }} }}", "ofType { ".repeat(20), " }".repeat(20));
        assert!(Documents::default().parse(&deep_introspection).is_ok());
        let deep = format!("{{ {}id{} }}", "a { ".repeat(MAX_DEPTH), " }".repeat(MAX_DEPTH));
        assert!(Documents::default().parse(&deep).is_err());
        let cyclic = "query { ...A } fragment A on Query { a { ...A } }";
        assert!(Documents::default().parse(cyclic).is_ok(), "cycles are left to validation");
    }
}
