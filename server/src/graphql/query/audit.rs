//! `auditLog`, for admins and evaluators.

use async_graphql::{Context, InputObject, Object, ID};
use chrono::{DateTime, Utc};

use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::connection::connection;
use crate::graphql::types::AuditEntry;
use crate::services::{audit, pagination};

#[derive(InputObject, Default)]
pub struct AuditFilter {
    pub actor_id: Option<ID>,
    pub action: Option<String>,
    pub subject_type: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

connection!(AuditEntryConnection, AuditEntryEdge, AuditEntry);

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<AuditFilter>,
    ) -> GqlResult<Option<AuditEntryConnection>> {
        let filter = filter.unwrap_or_default();
        let filter = audit::AuditFilter {
            actor_id: filter.actor_id.as_ref().map(|id| parse_id("filter.actorId", id)).transpose()?,
            action: filter.action,
            subject_type: filter.subject_type,
            from: filter.from,
            to: filter.to,
        };
        let (page, total) = audit::list(ctx.state()?, ctx.viewer()?, &filter, first, after.as_deref()).await?;
        let items = page.items.into_iter().map(|e| (pagination::id_cursor(e.id), AuditEntry(e))).collect();
        Ok(Some(AuditEntryConnection::new(items, page.has_next, total.into())))
    }
}
