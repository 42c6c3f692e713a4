//! Audit-log entries, for admins and evaluators.

use async_graphql::{Context, Json, Object, ID};
use chrono::{DateTime, Utc};

use entities::audit_entry;

use crate::graphql::context::{load_error, ContextExt, GqlResult};
use crate::graphql::types::User;
use crate::services::authz;

pub struct AuditEntry(pub audit_entry::Model);

#[Object]
impl AuditEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }

    /// What happened, as `area.verb` (for example `comment.submit`).
    async fn action(&self) -> &str {
        &self.0.action
    }

    async fn actor(&self, ctx: &Context<'_>) -> GqlResult<Option<User>> {
        let Some(id) = self.0.actor_id else { return Ok(None) };
        let found = ctx.loaders()?.users.load_one(id).await.map_err(load_error)?;
        Ok(found.map(|model| User { model, private: false }))
    }

    async fn subject_type(&self) -> &str {
        &self.0.subject_type
    }

    async fn subject_id(&self) -> Option<ID> {
        self.0.subject_id.map(|id| ID(id.to_string()))
    }

    /// The action's particulars. Null for an evaluator when the subject is a consultation the roles
    /// table hides from them (a DRAFT, or one withdrawn before publication): its title, say.
    async fn detail(&self, ctx: &Context<'_>) -> GqlResult<Json<serde_json::Value>> {
        let viewer = ctx.viewer()?;
        if !viewer.is_admin() && self.0.subject_type == "Consultation" {
            if let Some(id) = self.0.subject_id {
                let consultation = ctx.loaders()?.consultations.load_one(id).await.map_err(load_error)?;
                if !consultation.is_some_and(|c| authz::can_see(viewer, &c)) {
                    return Ok(Json(serde_json::Value::Null));
                }
            }
        }
        Ok(Json(serde_json::from_str(&self.0.detail).unwrap_or(serde_json::Value::Null)))
    }
}
