//! The GraphQL schema: roots, types, loaders and limits.

pub mod context;
pub mod loaders;
pub mod mutation;
pub mod nulls;
pub mod query;
pub mod shared;
pub mod subscription;
pub mod types;

use async_graphql::Schema;

pub type AppSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// The most a request may cost: each field costs 1, and a list multiplies what it selects by the
/// rows it may return (`page_cost`, `list_cost`), so nested lists and aliases add up to what the
/// server would really do. The costliest client operation is well under it (a test computes each).
/// The selection depth is limited where the document is parsed (`documents::MAX_DEPTH`), so that
/// introspection, whose depth the schema sets, is answered.
pub const MAX_COMPLEXITY: usize = 25_000;

/// Rows a page returns when `first` is not given (see `pagination`).
const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 100;

/// The cost of a connection field: its selection once per row `first` asks for.
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    let rows = first.map_or(DEFAULT_PAGE, |n| usize::try_from(n).unwrap_or(0).min(MAX_PAGE));
    rows.max(1).saturating_mul(child_complexity).saturating_add(1)
}

/// The cost of a list without paging (sections, replies, reports, departments…): its selection once
/// per row of a typical upper size.
pub fn list_cost(rows: usize, child_complexity: usize) -> usize {
    rows.saturating_mul(child_complexity).saturating_add(1)
}

/// The schema with its limits, before the state is added (the client-operation test adds an analyzer
/// to read each operation's cost).
///
/// It has no extension unless traces are on: with any extension, async-graphql runs every field of an
/// answer through the extension chain (two boxed futures, the parent type's name built and looked up
/// in the registry), which was a third of the CPU of a 150-comment read (BENCHMARKS.md, issue 16).
/// Errors are put in the reader's language where answers are finished instead (`http::graphql`, the
/// WebSocket executor), with `error::localize_response`.
pub fn schema_builder() -> async_graphql::SchemaBuilder<query::Query, mutation::Mutation, subscription::Subscription> {
    Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription).limit_complexity(MAX_COMPLEXITY)
}

pub fn build_schema(state: Option<crate::state::AppState>) -> AppSchema {
    let mut builder = schema_builder();
    if let Some(state) = state {
        builder = builder.data(state);
    }
    if crate::telemetry::enabled() {
        builder = builder.extension(crate::telemetry::GraphqlSpans);
    }
    builder.finish()
}

/// The schema in SDL, as `export-schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
