//! What other readers do to a comment: endorse it, report it.

use sea_orm::EntityTrait;
use serde_json::json;
use uuid::Uuid;

use entities::comment;

use crate::domain::{self, CommentStatus, ReportReason, Role};
use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::services::audit;
use crate::sql;
use crate::state::{AppState, LimitKind};
use crate::t;
use super::{get_visible, set_status};

/// Endorses a PUBLISHED comment once; endorsing again changes nothing.
pub async fn endorse(state: &AppState, viewer: &Viewer, id: Uuid, endorse: bool) -> AppResult<comment::Model> {
    let user = authz::require_citizen(viewer, t!("action-endorse-comments"))?.clone();
    let (comment, consultation) = get_visible(state, viewer, id).await?;
    if endorse {
        if comment.status != CommentStatus::Published || !authz::can_see(viewer, &consultation) {
            return Err(AppError::conflict(t!("error-endorse-published-only")));
        }
        if comment.author_id == user.id {
            return Err(AppError::forbidden(t!("error-endorse-own")));
        }
    }
    let txn = state.db.begin().await?;
    let changed = if endorse {
        sql::execute(
            &*txn,
            "INSERT INTO endorsements (comment_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (comment_id, user_id) DO NOTHING",
            vec![id.into(), user.id.into(), state.clock.now().into()],
        )
        .await?
    } else {
        sql::execute(&*txn, "DELETE FROM endorsements WHERE comment_id = $1 AND user_id = $2", vec![id.into(), user.id.into()]).await?
    };
    if changed > 0 {
        let delta = if endorse { "+ 1" } else { "- 1" };
        sql::execute(&*txn, &format!("UPDATE comments SET endorsement_count = endorsement_count {delta} WHERE id = $1"), vec![id.into()]).await?;
        let action = if endorse { "comment.endorse" } else { "comment.remove_endorsement" };
        audit::record(&*txn, &state.clock, Some(user.id), action, "Comment", Some(id), json!({})).await?;
    }
    let updated = comment::Entity::find_by_id(id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn report(state: &AppState, viewer: &Viewer, id: Uuid, reason: ReportReason, detail: Option<String>) -> AppResult<bool> {
    // Evaluators only read (the roles table, docs/design.md); everyone else signed in may report.
    let user = authz::require_role(viewer, &[Role::Citizen, Role::Staff, Role::Admin], t!("action-report-comments"))?.clone();
    let detail = domain::clean_optional("detail", detail.as_deref(), 1000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    let (comment, _) = get_visible(state, viewer, id).await?;
    if comment.author_id == user.id {
        return Err(AppError::bad_input("commentId", t!("field-cannot-report-own-comment")));
    }
    state.limiter.hit(state.limit(LimitKind::Reports), &user.id.to_string()).await?;
    let txn = state.db.begin().await?;
    let inserted = sql::execute(
        &*txn,
        "INSERT INTO reports (comment_id, user_id, reason, detail, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (comment_id, user_id) DO NOTHING",
        vec![id.into(), user.id.into(), reason.as_str().into(), detail.into(), state.clock.now().into()],
    )
    .await?;
    if inserted == 0 {
        return Err(AppError::conflict(t!("error-already-reported")));
    }
    sql::execute(&*txn, "UPDATE comments SET report_count = report_count + 1 WHERE id = $1", vec![id.into()]).await?;
    let current = comment::Entity::find_by_id(id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
    // Hidden when the count reaches the threshold; once staff have published it again, more reports
    // do not hide it a second time.
    let hide = current.status == CommentStatus::Published && current.report_count == state.config.report_hide_threshold;
    if hide {
        // A stored reason, like the ones staff write: in the platform's language (DEFAULT_LOCALE).
        let reason = t!("moderation-hidden-after-reports").render(state.config.default_locale);
        set_status(&*txn, &state.clock, &current, CommentStatus::Hidden, Some(reason)).await?;
    }
    audit::record(&*txn, &state.clock, Some(user.id), "comment.report", "Comment", Some(id), json!({ "reason": reason.as_str(), "hidden": hide })).await?;
    txn.commit().await?;
    Ok(true)
}
