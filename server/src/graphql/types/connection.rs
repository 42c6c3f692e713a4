//! Relay connections: `edges { cursor node }`, `pageInfo`, and a `totalCount` computed only when asked.

use async_graphql::SimpleObject;
use sea_orm::Value;

#[derive(SimpleObject, Clone, Debug)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

/// A list's total: known already (from counters), or a count query run when `totalCount` is selected.
pub enum TotalCount {
    Known(i64),
    Query(String, Vec<Value>),
    /// `FROM … WHERE …` of a search's matches: exact up to a bound, estimated beyond it.
    Bounded(String, Vec<Value>),
}

impl From<crate::services::comments::Total> for TotalCount {
    fn from(total: crate::services::comments::Total) -> Self {
        match total {
            crate::services::comments::Total::Known(n) => TotalCount::Known(n),
            crate::services::comments::Total::Query(sql, values) => TotalCount::Query(sql, values),
            crate::services::comments::Total::Bounded(from_where, values) => TotalCount::Bounded(from_where, values),
        }
    }
}

impl TotalCount {
    pub async fn resolve(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<i32> {
        use crate::graphql::context::ContextExt;
        let n = match self {
            TotalCount::Known(n) => *n,
            TotalCount::Query(sql, values) => crate::sql::count(&ctx.state()?.db.conn, sql, values.clone()).await?,
            TotalCount::Bounded(from_where, values) => crate::services::search_index::bounded_total(&ctx.state()?.db.conn, from_where, values.clone()).await?,
        };
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
}

/// Declares `$conn` and `$edge` for nodes of type `$node`.
macro_rules! connection {
    ($conn:ident, $edge:ident, $node:ty) => {
        #[derive(async_graphql::SimpleObject)]
        pub struct $edge {
            pub cursor: String,
            pub node: $node,
        }

        pub struct $conn {
            pub edges: Vec<$edge>,
            pub page_info: $crate::graphql::types::connection::PageInfo,
            pub total: $crate::graphql::types::connection::TotalCount,
        }

        #[async_graphql::Object]
        impl $conn {
            async fn edges(&self) -> &[$edge] {
                &self.edges
            }

            async fn page_info(&self) -> &$crate::graphql::types::connection::PageInfo {
                &self.page_info
            }

            async fn total_count(&self, ctx: &async_graphql::Context<'_>) -> async_graphql::Result<i32> {
                self.total.resolve(ctx).await
            }
        }

        impl $conn {
            pub fn new(
                items: Vec<(String, $node)>,
                has_next_page: bool,
                total: $crate::graphql::types::connection::TotalCount,
            ) -> Self {
                let end_cursor = items.last().map(|(c, _)| c.clone());
                let edges = items.into_iter().map(|(cursor, node)| $edge { cursor, node }).collect();
                Self { edges, page_info: $crate::graphql::types::connection::PageInfo { has_next_page, end_cursor }, total }
            }
        }
    };
}

pub(crate) use connection;
