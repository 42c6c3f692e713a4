//! The audit log: every state-changing mutation records one entry inside its own transaction.

use sea_orm::{ConnectionTrait, EntityTrait, Set};
use serde_json::Value as Json;
use uuid::Uuid;

use entities::audit_entry;

use crate::error::AppResult;
use crate::util;

pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<Uuid>,
    action: &str,
    subject_type: &str,
    subject_id: Option<Uuid>,
    detail: Json,
) -> AppResult<()> {
    let entry = audit_entry::ActiveModel {
        id: Set(util::new_id()),
        at: Set(util::now()),
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
) -> AppResult<(crate::services::pagination::Page<audit_entry::Model>, i64)> {
    use crate::domain::Role;
    use crate::services::{authz, pagination};
    use sea_orm::Value;
    authz::require_role(viewer, &[Role::Admin, Role::Evaluator], "read the audit log")?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut values: Vec<Value> = Vec::new();
    let mut conditions: Vec<String> = vec!["1 = 1".to_owned()];
    let mut push = |values: &mut Vec<Value>, cond: &str, v: Value| {
        values.push(v);
        conditions.push(cond.replace('?', &format!("${}", values.len())));
    };
    if let Some(actor) = filter.actor_id {
        push(&mut values, "actor_id = ?", actor.into());
    }
    // A NUL is in no action or subject type, and PostgreSQL refuses it in a parameter: such a filter
    // matches nothing, on either database.
    if [&filter.action, &filter.subject_type].iter().any(|f| f.as_deref().is_some_and(|v| v.contains('\0'))) {
        return Ok((crate::services::pagination::Page::from_rows(Vec::new(), first), 0));
    }
    if let Some(action) = &filter.action {
        push(&mut values, "action = ?", action.clone().into());
    }
    if let Some(subject_type) = &filter.subject_type {
        push(&mut values, "subject_type = ?", subject_type.clone().into());
    }
    if let Some(from) = filter.from {
        push(&mut values, "at >= ?", from.into());
    }
    if let Some(to) = filter.to {
        push(&mut values, "at < ?", to.into());
    }
    let where_clause = conditions.join(" AND ");
    let total = crate::sql::count(&state.db.conn, &format!("SELECT COUNT(*) FROM audit_log WHERE {where_clause}"), values.clone()).await?;
    let mut page_where = where_clause;
    if let Some(after) = after {
        values.push(after.into());
        page_where = format!("{page_where} AND id < ${}", values.len());
    }
    let sql_text = format!("SELECT * FROM audit_log WHERE {page_where} ORDER BY id DESC LIMIT {}", first + 1);
    let rows = audit_entry::Entity::find().from_raw_sql(crate::sql::statement(&state.db.conn, &sql_text, values)).all(&state.db.conn).await?;
    Ok((crate::services::pagination::Page::from_rows(rows, first), total))
}
