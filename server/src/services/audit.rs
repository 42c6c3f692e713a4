//! The audit log: every state-changing mutation records one entry inside its own transaction.

use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::Value as Json;
use uuid::Uuid;

use entities::audit_entry;

use crate::error::AppResult;
use crate::clock::Clock;
use crate::t;

pub async fn record(
    db: &impl ConnectionTrait,
    clock: &Clock,
    actor: Option<Uuid>,
    action: &str,
    subject_type: &str,
    subject_id: Option<Uuid>,
    detail: Json,
) -> AppResult<()> {
    let (id, at) = clock.new_id_and_time();
    let entry = audit_entry::ActiveModel {
        id: Set(id),
        at: Set(at),
        actor_id: Set(actor),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        detail: Set(detail.to_string()),
    };
    audit_entry::Entity::insert(entry).exec_without_returning(db).await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub action: Option<String>,
    pub subject_type: Option<String>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// The audit log, newest first, for admins and evaluators.
pub async fn list(
    state: &crate::state::AppState,
    viewer: &crate::services::authz::Viewer,
    filter: &AuditFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(crate::services::pagination::Page<audit_entry::Model>, crate::services::pagination::Total)> {
    use crate::domain::Role;
    use crate::services::{authz, pagination};
    authz::require_role(viewer, &[Role::Admin, Role::Evaluator], t!("action-read-audit-log"))?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut list = crate::sql::List::new("audit_log");
    if let Some(actor) = filter.actor_id {
        let actor = list.bind(actor);
        list.filter(format!("actor_id = {actor}"));
    }
    // A NUL is in no action or subject type, and PostgreSQL refuses it in a parameter: such a filter
    // matches nothing, on either database.
    if [&filter.action, &filter.subject_type].iter().any(|f| f.as_deref().is_some_and(|v| v.contains('\0'))) {
        return Ok((crate::services::pagination::Page::from_rows(Vec::new(), first), crate::services::pagination::Total::Known(0)));
    }
    if let Some(action) = &filter.action {
        let action = list.bind(action.clone());
        list.filter(format!("action = {action}"));
    }
    if let Some(subject_type) = &filter.subject_type {
        let subject_type = list.bind(subject_type.clone());
        list.filter(format!("subject_type = {subject_type}"));
    }
    if let Some(from) = filter.from {
        let from = list.bind(from);
        list.filter(format!("at >= {from}"));
    }
    if let Some(to) = filter.to {
        let to = list.bind(to);
        list.filter(format!("at < {to}"));
    }
    pagination::fetch::<audit_entry::Entity>(&state.db.conn, list.newest_first("id", after, first), first).await
}
