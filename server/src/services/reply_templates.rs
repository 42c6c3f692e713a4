//! Reply templates: each department's standard answers (a title, the reply's text, and the verdict it
//! usually carries). Its staff list, write and delete them; nobody else sees them. Another
//! department's template answers as what does not exist.

use chrono::{DateTime, Utc};
use sea_orm::FromQueryResult;
use serde_json::json;
use uuid::Uuid;

use crate::domain::{self, Adoption, Checks};
use crate::error::{AppError, AppResult};
use crate::services::audit;
use crate::services::authz::Viewer;
use crate::sql;
use crate::state::AppState;
use crate::t;

/// Templates one department may keep.
const MAX_PER_DEPARTMENT: i64 = 200;

#[derive(Clone, Debug, FromQueryResult)]
pub struct ReplyTemplate {
    pub id: Uuid,
    pub department_id: Uuid,
    pub title: String,
    pub body: String,
    adoption: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl ReplyTemplate {
    pub fn adoption(&self) -> Option<Adoption> {
        self.adoption.as_deref().and_then(Adoption::parse)
    }
}

const COLUMNS: &str = "id, department_id, title, body, adoption, updated_at";

/// The viewer's department, when the viewer is its staff: templates are the department's own.
fn own_department(viewer: &Viewer) -> AppResult<Uuid> {
    viewer.user()?;
    viewer.staff_department().ok_or_else(|| AppError::forbidden(t!("error-templates-staff-only")))
}

/// A department's templates, by title (its staff only).
pub async fn list(state: &AppState, viewer: &Viewer, department: Uuid) -> AppResult<Vec<ReplyTemplate>> {
    if own_department(viewer)? != department {
        return Err(AppError::forbidden(t!("error-templates-staff-only")));
    }
    sql::all(&state.db.conn, &format!("SELECT {COLUMNS} FROM reply_templates WHERE department_id = $1 ORDER BY title, id"), vec![department.into()]).await
}

/// What a template says.
pub struct TemplateInput {
    /// Given: that template of the viewer's department is changed; none: a new one.
    pub id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub adoption: Option<Adoption>,
}

/// Writes a template of the viewer's department (audited).
pub async fn save(state: &AppState, viewer: &Viewer, input: TemplateInput) -> AppResult<ReplyTemplate> {
    let department = own_department(viewer)?;
    let author = viewer.user()?.id;
    let mut checks = Checks::new();
    let title = checks.take(domain::clean_text("input.title", &input.title, 1, 100, false));
    let body = checks.take(domain::clean_text("input.body", &input.body, 1, 10_000, true));
    checks.finish()?;
    let adoption = input.adoption.map(Adoption::as_str);
    let (new_id, now) = state.clock.new_id_and_time();
    let txn = state.db.begin().await?;
    let id = match input.id {
        Some(id) => {
            let changed = sql::execute(
                &*txn,
                "UPDATE reply_templates SET title = $1, body = $2, adoption = $3, updated_at = $4 WHERE id = $5 AND department_id = $6",
                vec![title.clone().into(), body.into(), adoption.into(), now.into(), id.into(), department.into()],
            )
            .await?;
            if changed != 1 {
                return Err(AppError::NotFound(t!("not-found-reply-template")));
            }
            id
        }
        None => {
            let kept = sql::count(&*txn, "SELECT COUNT(*) FROM reply_templates WHERE department_id = $1", vec![department.into()]).await?;
            if kept >= MAX_PER_DEPARTMENT {
                return Err(AppError::conflict(t!("error-too-many-templates", max = MAX_PER_DEPARTMENT)));
            }
            sql::execute(
                &*txn,
                "INSERT INTO reply_templates (id, department_id, title, body, adoption, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                vec![new_id.into(), department.into(), title.clone().into(), body.into(), adoption.into(), author.into(), now.into()],
            )
            .await?;
            new_id
        }
    };
    let action = if input.id.is_some() { "reply_template.update" } else { "reply_template.create" };
    audit::record(&*txn, &state.clock, Some(author), action, "ReplyTemplate", Some(id), json!({ "title": title })).await?;
    let saved = sql::one::<ReplyTemplate>(&*txn, &format!("SELECT {COLUMNS} FROM reply_templates WHERE id = $1"), vec![id.into()])
        .await?
        .ok_or(AppError::NotFound(t!("not-found-reply-template")))?;
    txn.commit_private().await?;
    Ok(saved)
}

/// Deletes a template of the viewer's department (audited).
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<bool> {
    let department = own_department(viewer)?;
    let author = viewer.user()?.id;
    let txn = state.db.begin().await?;
    let deleted = sql::execute(&*txn, "DELETE FROM reply_templates WHERE id = $1 AND department_id = $2", vec![id.into(), department.into()]).await?;
    if deleted != 1 {
        return Err(AppError::NotFound(t!("not-found-reply-template")));
    }
    audit::record(&*txn, &state.clock, Some(author), "reply_template.delete", "ReplyTemplate", Some(id), json!({})).await?;
    txn.commit_private().await?;
    Ok(true)
}
