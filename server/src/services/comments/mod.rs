//! Comments: submitting them (`submission`, both ways of writing one), what authors (`authoring`) and
//! other readers (`reactions`) do to them, staff moderation (`moderation`) and replies (`replies`), and
//! their lists (`list`). What every part rests on is here: who may see a comment, how a comment row is
//! read for a change, how it joins its duplicate group and how its status changes.

mod authoring;
pub mod bulk;
mod list;
mod moderation;
mod reactions;
mod replies;
pub mod submission;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use entities::{comment, consultation, duplicate_group};

use crate::clock::Clock;
use crate::domain::{CommentStatus, Role};
use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::services::counters::{self, CommentFacts};
use crate::services::search_index;
use crate::sql;
use crate::state::AppState;
use crate::i18n::Text;
use crate::t;

pub use authoring::{edit, withdraw, EDIT_WINDOW_MINUTES};
pub use list::{duplicate_groups, duplicate_groups_query, list, list_own, list_query, search_list_query, CommentFilter, CommentList, Total};
pub use moderation::moderate;
pub use reactions::{endorse, report};
pub use replies::{reply, reply_to_group};
pub use submission::{submit, SubmitInput};

/// What the comment counts for, as the counters see it.
pub(super) fn facts(c: &comment::Model) -> CommentFacts {
    CommentFacts { status: c.status, stance: c.stance, replied: c.reply_count > 0 }
}

/// Reads a comment inside a write transaction and locks its row until the transaction ends (a no-op
/// update: portable where `SELECT … FOR UPDATE` is not). What the transaction then decides and counts
/// rests on the row as it stands, not on a copy that a concurrent moderator, reply or edit has changed.
pub(super) async fn lock_comment(db: &impl ConnectionTrait, id: Uuid) -> AppResult<comment::Model> {
    let statement = sql::statement(db, "UPDATE comments SET updated_at = updated_at WHERE id = $1 RETURNING *", vec![id.into()]);
    comment::Entity::find().from_raw_sql(statement).one(db).await?.ok_or(AppError::NotFound(t!("not-found-comment")))
}

/// The duplicate group of a fingerprint, created on first use. Campaign comments share one group row,
/// so the row is written only when it is created and once more when a second comment joins it.
pub(super) async fn join_group(db: &impl ConnectionTrait, clock: &Clock, consultation_id: Uuid, fingerprint: &str) -> AppResult<Uuid> {
    let new_id = clock.new_id();
    // Most texts are new: the insert answers with the new id and no second statement is needed.
    let created = sql::rows(
        db,
        "INSERT INTO duplicate_groups (id, consultation_id, fingerprint, multi) VALUES ($1, $2, $3, false)
         ON CONFLICT (consultation_id, fingerprint) DO NOTHING RETURNING id",
        vec![new_id.into(), consultation_id.into(), fingerprint.to_owned().into()],
    )
    .await?;
    if !created.is_empty() {
        return Ok(new_id);
    }
    let group = duplicate_group::Entity::find()
        .filter(duplicate_group::Column::ConsultationId.eq(consultation_id))
        .filter(duplicate_group::Column::Fingerprint.eq(fingerprint))
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("duplicate group vanished")))?;
    if group.id != new_id && !group.multi {
        sql::execute(db, "UPDATE duplicate_groups SET multi = true WHERE id = $1 AND multi = false", vec![group.id.into()]).await?;
    }
    Ok(group.id)
}

/// Whether the viewer may see the comment: PUBLISHED on a visible consultation, their own, or any on
/// a consultation they moderate. What they may not see is answered as if it did not exist.
pub(super) async fn may_see(db: &impl ConnectionTrait, viewer: &Viewer, comment: &comment::Model, consultation: &consultation::Model) -> AppResult<bool> {
    let own = viewer.user_id() == Some(comment.author_id);
    Ok((authz::can_see(viewer, consultation) && (comment.status == CommentStatus::Published || own))
        || authz::can_moderate(db, viewer, consultation).await?)
}

/// FORBIDDEN for someone who may see the comment but not do this to it; NOT_FOUND for someone who
/// may not even see it, exactly as for an id that names nothing.
pub(super) async fn refuse(db: &impl ConnectionTrait, viewer: &Viewer, comment: &comment::Model, consultation: &consultation::Model, message: Text) -> AppError {
    match may_see(db, viewer, comment, consultation).await {
        Ok(true) => AppError::forbidden(message),
        Ok(false) => AppError::NotFound(t!("not-found-comment")),
        Err(error) => error,
    }
}

/// A comment the viewer may see: PUBLISHED on a visible consultation, their own, or any on a
/// consultation they moderate.
pub async fn get_visible(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<(comment::Model, consultation::Model)> {
    let comment = comment::Entity::find_by_id(id).one(&state.db.conn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
    let consultation = consultation::Entity::find_by_id(comment.consultation_id)
        .one(&state.db.conn)
        .await?
        .ok_or(AppError::NotFound(t!("not-found-comment")))?;
    if may_see(&state.db.conn, viewer, &comment, &consultation).await? {
        Ok((comment, consultation))
    } else {
        Err(AppError::NotFound(t!("not-found-comment")))
    }
}

/// The viewer, when they moderate the comment's consultation; checked before any row is locked, so
/// that someone without the role can neither hold a row nor learn whether the id names a comment.
pub(super) async fn require_moderator_of<'a>(state: &AppState, viewer: &'a Viewer, id: Uuid, what: Text) -> AppResult<&'a entities::user::Model> {
    let user = authz::require_role(viewer, &[Role::Staff, Role::Admin], what)?;
    let comment = comment::Entity::find_by_id(id).one(&state.db.conn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
    let consultation = consultation::Entity::find_by_id(comment.consultation_id).one(&state.db.conn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
    if authz::can_moderate(&state.db.conn, viewer, &consultation).await? {
        return Ok(user);
    }
    Err(refuse(&state.db.conn, viewer, &comment, &consultation, t!("error-moderators-only")).await)
}

/// Moves a comment from one status to another, keeping the counters right. Fails with CONFLICT when a
/// concurrent change got there first.
pub(super) async fn set_status(
    db: &impl ConnectionTrait,
    clock: &Clock,
    current: &comment::Model,
    to: CommentStatus,
    reason: Option<String>,
) -> AppResult<comment::Model> {
    let changed = sql::execute(
        db,
        "UPDATE comments SET status = $1, moderation_reason = $2, updated_at = $3 WHERE id = $4 AND status = $5",
        vec![to.into(), reason.clone().into(), clock.now().into(), current.id.into(), current.status.into()],
    )
    .await?;
    if changed == 0 {
        return Err(AppError::conflict(t!("error-comment-changed")));
    }
    let before = facts(current);
    let after = CommentFacts { status: to, ..before };
    counters::comment_changed(db, counters::Place::of(current), Some(before), Some(after)).await?;
    let mut updated = current.clone();
    updated.status = to;
    updated.moderation_reason = reason;
    search_index::keywords_changed(db, current, &updated).await?;
    Ok(updated)
}
