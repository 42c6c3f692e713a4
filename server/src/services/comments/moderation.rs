//! Staff decisions on a comment's visibility: publish, reject, hide.

use sea_orm::EntityTrait;
use serde_json::json;
use uuid::Uuid;

use entities::{comment, consultation};

use crate::domain::{NotificationKind, NotificationSubjectType};
use crate::domain::{self, CommentStatus, ModerationDecision};
use crate::error::{AppError, AppResult};
use crate::services::authz::Viewer;
use crate::services::audit;
use crate::services::notifications::{self, Notice};
use crate::state::AppState;
use crate::t;
use super::{lock_comment, require_moderator_of, set_status};

pub async fn moderate(state: &AppState, viewer: &Viewer, id: Uuid, decision: ModerationDecision, reason: Option<String>) -> AppResult<comment::Model> {
    let reason = domain::clean_optional("reason", reason.as_deref(), 1000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    if decision != ModerationDecision::Publish && reason.is_none() {
        return Err(AppError::bad_input("reason", t!("field-reason-required")));
    }
    let user = require_moderator_of(state, viewer, id, t!("action-moderate-comments")).await?.clone();
    let txn = state.db.begin().await?;
    let current = lock_comment(&*txn, id).await?;
    let from = current.status;
    let to = match (decision, from) {
        (ModerationDecision::Publish, CommentStatus::Pending | CommentStatus::Hidden) => CommentStatus::Published,
        (ModerationDecision::Reject, CommentStatus::Pending) => CommentStatus::Rejected,
        (ModerationDecision::Hide, CommentStatus::Published) => CommentStatus::Hidden,
        _ => {
            let decision = match decision {
                ModerationDecision::Publish => "PUBLISH",
                ModerationDecision::Reject => "REJECT",
                ModerationDecision::Hide => "HIDE",
            };
            return Err(AppError::conflict(t!("error-moderation-transition", status = from.as_str(), decision = decision)))
        }
    };
    let updated = set_status(&*txn, &state.clock, &current, to, reason.clone()).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "comment.moderate", "Comment", Some(id), json!({ "decision": decision.as_str(), "reason": reason })).await?;
    // The author hears of a decision on what the public reads: published after review, rejected, hidden.
    let tell = !(from == CommentStatus::Hidden && to == CommentStatus::Published);
    let notified = if tell {
        let consultation = consultation::Entity::find_by_id(current.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
        let kind = notifications::Kind {
            kind: NotificationKind::CommentModerated,
            subject_type: NotificationSubjectType::Comment,
            params: notifications::params(&[
                ("consultation", &consultation.title),
                ("decision", to.as_str()),
                ("reason", reason.as_deref().unwrap_or("")),
            ]),
        };
        notifications::write(&*txn, &state.clock, &kind, &[Notice { recipient: current.author_id, subject: current.id }]).await?
    } else {
        notifications::Written::default()
    };
    txn.commit().await?;
    notified.announce(state);
    Ok(updated)
}
