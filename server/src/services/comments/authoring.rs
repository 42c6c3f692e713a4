//! What authors do to their own comments: edit them within the window, withdraw them.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use uuid::Uuid;

use entities::{comment, consultation};

use crate::domain::{self, CommentStatus, ConsultationStatus, ModerationMode, Stance};
use crate::error::{AppError, AppResult};
use crate::services::authz::Viewer;
use crate::services::counters::{self};
use crate::services::{audit, consultations, search_index};
use crate::state::AppState;
use crate::t;
use super::{facts, join_group, lock_comment, refuse, set_status};

/// How long after posting an author may edit a comment (also in `editComment`'s description).
pub const EDIT_WINDOW_MINUTES: i64 = 15;

pub async fn edit(state: &AppState, viewer: &Viewer, id: Uuid, body: Option<String>, stance: Option<Stance>) -> AppResult<comment::Model> {
    let user = viewer.user()?.clone();
    let body = match body {
        Some(b) => Some(domain::comment_body("body", &b).map_err(|e| AppError::BadInput(vec![e]))?),
        None => None,
    };
    let txn = state.db.begin().await?;
    let current = lock_comment(&*txn, id).await?;
    let consultation = consultation::Entity::find_by_id(current.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
    if current.author_id != user.id {
        return Err(refuse(&*txn, viewer, &current, &consultation, t!("error-edit-author-only")).await);
    }
    if consultations::status(&consultation, state.clock.now()) != ConsultationStatus::Open {
        return Err(AppError::ConsultationNotOpen);
    }
    if matches!(current.status, CommentStatus::Withdrawn | CommentStatus::Rejected) {
        return Err(AppError::conflict(t!("error-edit-withdrawn-or-rejected")));
    }
    if current.reply_count > 0 {
        return Err(AppError::conflict(t!("error-edit-replied")));
    }
    if state.clock.now() - current.created_at > chrono::Duration::minutes(EDIT_WINDOW_MINUTES) {
        return Err(AppError::conflict(t!("error-edit-window", minutes = EDIT_WINDOW_MINUTES)));
    }
    let before = facts(&current);
    let mut active: comment::ActiveModel = current.clone().into();
    if let Some(body) = body {
        let group_id = join_group(&*txn, &state.clock, current.consultation_id, &domain::fingerprint(&body)).await?;
        active.body = Set(body);
        active.duplicate_group_id = Set(group_id);
    }
    if let Some(stance) = stance {
        active.stance = Set(stance);
    }
    // On a pre-moderated consultation what the public reads has been reviewed: an edited comment goes
    // back to PENDING (and out of the public counts) until staff publish it again.
    let reviewed = matches!(current.status, CommentStatus::Published | CommentStatus::Hidden);
    if reviewed && consultation.moderation == ModerationMode::Pre {
        active.status = Set(CommentStatus::Pending);
        active.moderation_reason = Set(None);
    }
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&*txn).await?;
    // The keywords count the comment as it was only if it was indexed; from now on it is.
    let was_indexed = search_index::is_indexed(&*txn, id).await?;
    if updated.body != current.body || !was_indexed {
        search_index::index_comment(&*txn, id, &updated.body).await?;
    }
    let mut keywords = search_index::KeywordDeltas::default();
    if was_indexed {
        keywords.comment(&current, -1);
    }
    keywords.comment(&updated, 1);
    keywords.apply(&*txn).await?;
    let mut changes = counters::Changes::default();
    changes.comment(counters::Place::of(&current), Some(before), None);
    changes.comment(counters::Place::of(&updated), None, Some(facts(&updated)));
    changes.apply(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "comment.edit", "Comment", Some(id), json!({})).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn withdraw(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<comment::Model> {
    let user = viewer.user()?.clone();
    let txn = state.db.begin().await?;
    let current = lock_comment(&*txn, id).await?;
    let consultation = consultation::Entity::find_by_id(current.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
    if current.author_id != user.id {
        return Err(refuse(&*txn, viewer, &current, &consultation, t!("error-withdraw-author-only")).await);
    }
    if consultations::status(&consultation, state.clock.now()) != ConsultationStatus::Open {
        return Err(AppError::ConsultationNotOpen);
    }
    if current.status == CommentStatus::Withdrawn {
        return Ok(current);
    }
    let updated = set_status(&*txn, &state.clock, &current, CommentStatus::Withdrawn, None).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "comment.withdraw", "Comment", Some(id), json!({})).await?;
    txn.commit().await?;
    Ok(updated)
}
