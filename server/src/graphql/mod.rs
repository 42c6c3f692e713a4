//! The GraphQL schema: roots, types, loaders and limits.

pub mod context;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod subscription;
pub mod types;

use async_graphql::Schema;

pub type AppSchema = Schema<query::Query, mutation::Mutation, subscription::Subscription>;

/// Deep enough for every client operation, shallow enough to stop abusive nesting.
pub const MAX_DEPTH: usize = 12;
pub const MAX_COMPLEXITY: usize = 2_000;

pub fn build_schema(state: Option<crate::state::AppState>) -> AppSchema {
    let mut builder = Schema::build(query::Query::default(), mutation::Mutation::default(), subscription::Subscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY);
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder.finish()
}

/// The schema in SDL, as `export-schema` prints it and `schema.graphql` holds it.
pub fn sdl() -> String {
    build_schema(None).sdl()
}
