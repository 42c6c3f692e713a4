//! Comments, endorsements, reports, moderation, official replies and duplicate groups.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set, Value};
use serde_json::json;
use uuid::Uuid;

use entities::{comment, consultation, duplicate_group, reply, section};

use crate::domain::{self, Adoption, Checks, CommentOrder, CommentStatus, ConsultationStatus, ModerationDecision, ModerationMode, ReportReason, Role, Stance};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::services::authz::{self, Viewer};
use crate::services::counters::{self, CommentFacts};
use crate::services::pagination::{self, Page};
use crate::services::submissions::Submission;
use crate::services::{audit, consultations};
use crate::sql;
use crate::state::{AppState, LimitKind};
use crate::util;

/// How long after posting an author may edit a comment (also in `editComment`'s description).
const EDIT_WINDOW_MINUTES: i64 = 15;

fn facts(c: &comment::Model) -> AppResult<CommentFacts> {
    Ok(CommentFacts { status: c.status, stance: c.stance, replied: c.reply_count > 0 })
}

pub struct SubmitInput {
    pub consultation_id: Uuid,
    pub section_id: Option<Uuid>,
    pub stance: Stance,
    pub body: String,
    pub client_request_id: Option<String>,
}

pub async fn submit(state: &AppState, viewer: &Viewer, input: SubmitInput) -> AppResult<comment::Model> {
    let author = authz::require_citizen(viewer, "comment")?.clone();
    let mut checks = Checks::new();
    let body = checks.take(domain::comment_body("body", &input.body));
    let request_id = input.client_request_id.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    if request_id.as_ref().is_some_and(|r| r.chars().count() > 100 || r.chars().any(char::is_control)) {
        checks.fail("clientRequestId", "must be at most 100 printable characters");
    }
    checks.finish()?;
    if let Some(request_id) = &request_id {
        if let Some(existing) = find_by_request(&state.db.conn, author.id, request_id).await? {
            return Ok(existing);
        }
    }
    let new = NewComment { author: author.id, client_hash: viewer.client_key.clone(), body, request_id, input };
    let limits_counted = if let Some(submissions) = &state.submissions {
        count_submission(state, author.id).await?;
        match submissions.write(new.submission()).await {
            // The writer has announced it (cache generation, live event).
            Ok(Some(written)) => return Ok(new.model(written.id, written.at, written.status, written.group_id)),
            Ok(None) => {}
            Err(error) => return recover_duplicate_request(state, &new, error).await,
        }
        true
    } else {
        false
    };
    submit_checked(state, viewer, new, limits_counted).await
}

/// A validated submission.
struct NewComment {
    author: Uuid,
    client_hash: String,
    body: String,
    request_id: Option<String>,
    input: SubmitInput,
}

impl NewComment {
    /// Everything the PostgreSQL writers need. The ids and the time are the writer's to choose
    /// (`Submission::stamp`), as it writes the comment.
    fn submission(&self) -> Submission {
        Submission {
            id: Uuid::nil(),
            at: util::now(),
            consultation_id: self.input.consultation_id,
            section_id: self.input.section_id,
            author_id: self.author,
            stance: self.input.stance,
            body: self.body.clone(),
            fingerprint: domain::fingerprint(&self.body),
            request_id: self.request_id.clone(),
            client_hash: self.client_hash.clone(),
            new_group_id: Uuid::nil(),
            audit_id: Uuid::nil(),
            audit_detail: json!({ "consultationId": self.input.consultation_id }).to_string(),
        }
    }

    fn model(&self, id: Uuid, now: chrono::DateTime<chrono::Utc>, status: CommentStatus, group_id: Uuid) -> comment::Model {
        comment::Model {
            id,
            consultation_id: self.input.consultation_id,
            section_id: self.input.section_id,
            author_id: self.author,
            stance: self.input.stance,
            body: self.body.clone(),
            status: status,
            moderation_reason: None,
            duplicate_group_id: group_id,
            endorsement_count: 0,
            report_count: 0,
            reply_count: 0,
            latest_adoption: None,
            first_replied_at: None,
            client_request_id: self.request_id.clone(),
            client_hash: Some(self.client_hash.clone()),
            created_at: now,
            updated_at: now,
        }
    }
}

async fn count_submission(state: &AppState, author: Uuid) -> AppResult<()> {
    let subject = author.to_string();
    state.limiter.hit(state.limit(LimitKind::CommentsPerMinute), &subject).await?;
    state.limiter.hit(state.limit(LimitKind::CommentsPerDay), &subject).await
}

/// After a comment committed: the live feed learns of it, best effort (the author does not wait for
/// Redis to take the event).
fn submitted(state: &AppState, comment: comment::Model) -> comment::Model {
    state.events.publish_later(vec![Event::CommentAdded { consultation_id: comment.consultation_id, comment_id: comment.id }]);
    comment
}

/// The same clientRequestId sent twice at once: the other request created the comment, which is the
/// answer to both.
async fn recover_duplicate_request(state: &AppState, new: &NewComment, error: AppError) -> AppResult<comment::Model> {
    match (&error, &new.request_id) {
        (AppError::Conflict(_), Some(request_id)) => find_by_request(&state.db.conn, new.author, request_id).await?.ok_or(error),
        _ => Err(error),
    }
}

/// The submission step by step in one transaction, with every check answered by its own error.
async fn submit_checked(state: &AppState, viewer: &Viewer, new: NewComment, limits_counted: bool) -> AppResult<comment::Model> {
    let input = &new.input;
    let consultation = consultations::get(state, viewer, input.consultation_id).await?;
    if consultations::status(&consultation)? != ConsultationStatus::Open {
        return Err(AppError::ConsultationNotOpen);
    }
    if let Some(section_id) = input.section_id {
        let found = section::Entity::find_by_id(section_id).one(&state.db.conn).await?;
        if found.is_none_or(|s| s.consultation_id != consultation.id) {
            return Err(AppError::bad_input("sectionId", "is not a section of this consultation"));
        }
    }
    if !limits_counted {
        count_submission(state, new.author).await?;
    }
    let status = match consultation.moderation {
        ModerationMode::Post => CommentStatus::Published,
        ModerationMode::Pre => CommentStatus::Pending,
    };
    let fingerprint = domain::fingerprint(&new.body);
    let txn = state.db.begin().await?;
    let group_id = join_group(&*txn, consultation.id, &fingerprint).await?;
    let (id, now) = util::new_id_and_time();
    let comment = new.model(id, now, status, group_id);
    let inserted = comment::Entity::insert(comment::ActiveModel::from(comment.clone())).exec_without_returning(&*txn).await;
    if let Err(error) = inserted {
        drop(txn);
        return recover_duplicate_request(state, &new, AppError::from(error)).await;
    }
    counters::comment_changed(&*txn, consultation.id, comment.section_id, group_id, None, Some(facts(&comment)?)).await?;
    audit::record(&*txn, Some(new.author), "comment.submit", "Comment", Some(comment.id), json!({ "consultationId": consultation.id })).await?;
    txn.commit().await?;
    Ok(submitted(state, comment))
}

async fn find_by_request(db: &impl ConnectionTrait, author: Uuid, request_id: &str) -> AppResult<Option<comment::Model>> {
    Ok(comment::Entity::find()
        .filter(comment::Column::AuthorId.eq(author))
        .filter(comment::Column::ClientRequestId.eq(request_id))
        .one(db)
        .await?)
}

/// Reads a comment inside a write transaction and locks its row until the transaction ends (a no-op
/// update: portable where `SELECT … FOR UPDATE` is not). What the transaction then decides and counts
/// rests on the row as it stands, not on a copy that a concurrent moderator, reply or edit has changed.
async fn lock_comment(db: &impl ConnectionTrait, id: Uuid) -> AppResult<comment::Model> {
    let statement = sql::statement(db, "UPDATE comments SET updated_at = updated_at WHERE id = $1 RETURNING *", vec![id.into()]);
    comment::Entity::find().from_raw_sql(statement).one(db).await?.ok_or(AppError::NotFound("The comment"))
}

/// The duplicate group of a fingerprint, created on first use. Campaign comments share one group row,
/// so the row is written only when it is created and once more when a second comment joins it.
async fn join_group(db: &impl ConnectionTrait, consultation_id: Uuid, fingerprint: &str) -> AppResult<Uuid> {
    let new_id = util::new_id();
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
async fn may_see(db: &impl ConnectionTrait, viewer: &Viewer, comment: &comment::Model, consultation: &consultation::Model) -> AppResult<bool> {
    let own = viewer.user_id() == Some(comment.author_id);
    Ok((authz::can_see(viewer, consultation) && (comment.status == CommentStatus::Published || own))
        || authz::can_moderate(db, viewer, consultation).await?)
}

/// FORBIDDEN for someone who may see the comment but not do this to it; NOT_FOUND for someone who
/// may not even see it, exactly as for an id that names nothing.
async fn refuse(db: &impl ConnectionTrait, viewer: &Viewer, comment: &comment::Model, consultation: &consultation::Model, message: &str) -> AppError {
    match may_see(db, viewer, comment, consultation).await {
        Ok(true) => AppError::forbidden(message),
        Ok(false) => AppError::NotFound("The comment"),
        Err(error) => error,
    }
}

/// A comment the viewer may see: PUBLISHED on a visible consultation, their own, or any on a
/// consultation they moderate.
pub async fn get_visible(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<(comment::Model, consultation::Model)> {
    let comment = comment::Entity::find_by_id(id).one(&state.db.conn).await?.ok_or(AppError::NotFound("The comment"))?;
    let consultation = consultation::Entity::find_by_id(comment.consultation_id)
        .one(&state.db.conn)
        .await?
        .ok_or(AppError::NotFound("The comment"))?;
    if may_see(&state.db.conn, viewer, &comment, &consultation).await? {
        Ok((comment, consultation))
    } else {
        Err(AppError::NotFound("The comment"))
    }
}

pub async fn edit(state: &AppState, viewer: &Viewer, id: Uuid, body: Option<String>, stance: Option<Stance>) -> AppResult<comment::Model> {
    let user = viewer.user()?.clone();
    let body = match body {
        Some(b) => Some(domain::comment_body("body", &b).map_err(|e| AppError::BadInput(vec![e]))?),
        None => None,
    };
    let txn = state.db.begin().await?;
    let current = lock_comment(&*txn, id).await?;
    let consultation = consultation::Entity::find_by_id(current.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound("The comment"))?;
    if current.author_id != user.id {
        return Err(refuse(&*txn, viewer, &current, &consultation, "Only the author may edit a comment.").await);
    }
    if consultations::status(&consultation)? != ConsultationStatus::Open {
        return Err(AppError::ConsultationNotOpen);
    }
    if matches!(current.status, CommentStatus::Withdrawn | CommentStatus::Rejected) {
        return Err(AppError::conflict("A withdrawn or rejected comment cannot be edited."));
    }
    if current.reply_count > 0 {
        return Err(AppError::conflict("A comment that has a reply can no longer be edited."));
    }
    if util::now() - current.created_at > chrono::Duration::minutes(EDIT_WINDOW_MINUTES) {
        return Err(AppError::conflict(format!("Comments can only be edited within {EDIT_WINDOW_MINUTES} minutes of posting.")));
    }
    let before = facts(&current)?;
    let mut active: comment::ActiveModel = current.clone().into();
    let mut group_id = current.duplicate_group_id;
    if let Some(body) = body {
        group_id = join_group(&*txn, current.consultation_id, &domain::fingerprint(&body)).await?;
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
    active.updated_at = Set(util::now());
    let updated = active.update(&*txn).await?;
    let mut changes = counters::Changes::default();
    changes.comment(current.consultation_id, current.section_id, current.duplicate_group_id, Some(before), None);
    changes.comment(updated.consultation_id, updated.section_id, group_id, None, Some(facts(&updated)?));
    changes.apply(&*txn).await?;
    audit::record(&*txn, Some(user.id), "comment.edit", "Comment", Some(id), json!({})).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Moves a comment from one status to another, keeping the counters right. Fails with CONFLICT when a
/// concurrent change got there first.
async fn set_status(
    db: &impl ConnectionTrait,
    current: &comment::Model,
    to: CommentStatus,
    reason: Option<String>,
) -> AppResult<comment::Model> {
    let changed = sql::execute(
        db,
        "UPDATE comments SET status = $1, moderation_reason = $2, updated_at = $3 WHERE id = $4 AND status = $5",
        vec![to.as_str().into(), reason.clone().into(), util::now().into(), current.id.into(), current.status.clone().into()],
    )
    .await?;
    if changed == 0 {
        return Err(AppError::conflict("The comment was changed by someone else; reload and try again."));
    }
    let before = facts(current)?;
    let after = CommentFacts { status: to, ..before };
    counters::comment_changed(db, current.consultation_id, current.section_id, current.duplicate_group_id, Some(before), Some(after)).await?;
    let mut updated = current.clone();
    updated.status = to;
    updated.moderation_reason = reason;
    Ok(updated)
}

pub async fn withdraw(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<comment::Model> {
    let user = viewer.user()?.clone();
    let txn = state.db.begin().await?;
    let current = lock_comment(&*txn, id).await?;
    let consultation = consultation::Entity::find_by_id(current.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound("The comment"))?;
    if current.author_id != user.id {
        return Err(refuse(&*txn, viewer, &current, &consultation, "Only the author may withdraw a comment.").await);
    }
    if consultations::status(&consultation)? != ConsultationStatus::Open {
        return Err(AppError::ConsultationNotOpen);
    }
    if current.status == CommentStatus::Withdrawn {
        return Ok(current);
    }
    let updated = set_status(&*txn, &current, CommentStatus::Withdrawn, None).await?;
    audit::record(&*txn, Some(user.id), "comment.withdraw", "Comment", Some(id), json!({})).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Endorses a PUBLISHED comment once; endorsing again changes nothing.
pub async fn endorse(state: &AppState, viewer: &Viewer, id: Uuid, endorse: bool) -> AppResult<comment::Model> {
    let user = authz::require_citizen(viewer, "endorse comments")?.clone();
    let (comment, consultation) = get_visible(state, viewer, id).await?;
    if endorse {
        if comment.status != CommentStatus::Published || !authz::can_see(viewer, &consultation) {
            return Err(AppError::conflict("Only published comments can be endorsed."));
        }
        if comment.author_id == user.id {
            return Err(AppError::forbidden("You cannot endorse your own comment."));
        }
    }
    let txn = state.db.begin().await?;
    let changed = if endorse {
        sql::execute(
            &*txn,
            "INSERT INTO endorsements (comment_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (comment_id, user_id) DO NOTHING",
            vec![id.into(), user.id.into(), util::now().into()],
        )
        .await?
    } else {
        sql::execute(&*txn, "DELETE FROM endorsements WHERE comment_id = $1 AND user_id = $2", vec![id.into(), user.id.into()]).await?
    };
    if changed > 0 {
        let delta = if endorse { "+ 1" } else { "- 1" };
        sql::execute(&*txn, &format!("UPDATE comments SET endorsement_count = endorsement_count {delta} WHERE id = $1"), vec![id.into()]).await?;
        let action = if endorse { "comment.endorse" } else { "comment.remove_endorsement" };
        audit::record(&*txn, Some(user.id), action, "Comment", Some(id), json!({})).await?;
    }
    let updated = comment::Entity::find_by_id(id).one(&*txn).await?.ok_or(AppError::NotFound("The comment"))?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn report(state: &AppState, viewer: &Viewer, id: Uuid, reason: ReportReason, detail: Option<String>) -> AppResult<bool> {
    // Evaluators only read (the roles table, docs/design.md); everyone else signed in may report.
    let user = authz::require_role(viewer, &[Role::Citizen, Role::Staff, Role::Admin], "report comments")?.clone();
    let detail = domain::clean_optional("detail", detail.as_deref(), 1000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    let (comment, _) = get_visible(state, viewer, id).await?;
    if comment.author_id == user.id {
        return Err(AppError::bad_input("commentId", "you cannot report your own comment"));
    }
    state.limiter.hit(state.limit(LimitKind::Reports), &user.id.to_string()).await?;
    let txn = state.db.begin().await?;
    let inserted = sql::execute(
        &*txn,
        "INSERT INTO reports (comment_id, user_id, reason, detail, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (comment_id, user_id) DO NOTHING",
        vec![id.into(), user.id.into(), reason.as_str().into(), detail.into(), util::now().into()],
    )
    .await?;
    if inserted == 0 {
        return Err(AppError::conflict("You have already reported this comment."));
    }
    sql::execute(&*txn, "UPDATE comments SET report_count = report_count + 1 WHERE id = $1", vec![id.into()]).await?;
    let current = comment::Entity::find_by_id(id).one(&*txn).await?.ok_or(AppError::NotFound("The comment"))?;
    // Hidden when the count reaches the threshold; once staff have published it again, more reports
    // do not hide it a second time.
    let hide = current.status == CommentStatus::Published && current.report_count == state.config.report_hide_threshold;
    if hide {
        set_status(&*txn, &current, CommentStatus::Hidden, Some("Hidden automatically after reports.".to_owned())).await?;
    }
    audit::record(&*txn, Some(user.id), "comment.report", "Comment", Some(id), json!({ "reason": reason.as_str(), "hidden": hide })).await?;
    txn.commit().await?;
    Ok(true)
}

pub async fn moderate(state: &AppState, viewer: &Viewer, id: Uuid, decision: ModerationDecision, reason: Option<String>) -> AppResult<comment::Model> {
    let reason = domain::clean_optional("reason", reason.as_deref(), 1000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    if decision != ModerationDecision::Publish && reason.is_none() {
        return Err(AppError::bad_input("reason", "is required to reject or hide a comment"));
    }
    let user = require_moderator_of(state, viewer, id, "moderate comments").await?.clone();
    let txn = state.db.begin().await?;
    let current = lock_comment(&*txn, id).await?;
    let from = current.status;
    let to = match (decision, from) {
        (ModerationDecision::Publish, CommentStatus::Pending | CommentStatus::Hidden) => CommentStatus::Published,
        (ModerationDecision::Reject, CommentStatus::Pending) => CommentStatus::Rejected,
        (ModerationDecision::Hide, CommentStatus::Published) => CommentStatus::Hidden,
        _ => {
            return Err(AppError::conflict(format!(
                "A {} comment cannot be {}.",
                from.as_str().to_lowercase(),
                match decision {
                    ModerationDecision::Publish => "published",
                    ModerationDecision::Reject => "rejected",
                    ModerationDecision::Hide => "hidden",
                }
            )))
        }
    };
    let updated = set_status(&*txn, &current, to, reason.clone()).await?;
    audit::record(&*txn, Some(user.id), "comment.moderate", "Comment", Some(id), json!({ "decision": decision.as_str(), "reason": reason })).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The viewer, when they moderate the comment's consultation; checked before any row is locked, so
/// that someone without the role can neither hold a row nor learn whether the id names a comment.
async fn require_moderator_of<'a>(state: &AppState, viewer: &'a Viewer, id: Uuid, what: &str) -> AppResult<&'a entities::user::Model> {
    let user = authz::require_role(viewer, &[Role::Staff, Role::Admin], what)?;
    let comment = comment::Entity::find_by_id(id).one(&state.db.conn).await?.ok_or(AppError::NotFound("The comment"))?;
    let consultation = consultation::Entity::find_by_id(comment.consultation_id).one(&state.db.conn).await?.ok_or(AppError::NotFound("The comment"))?;
    if authz::can_moderate(&state.db.conn, viewer, &consultation).await? {
        return Ok(user);
    }
    Err(refuse(&state.db.conn, viewer, &comment, &consultation, "Only staff of the lead or a cooperating department, or an admin, may do this.").await)
}

/// The department a reply speaks for: the staff member's, or the lead department for an admin.
fn replying_department(viewer: &Viewer, consultation: &consultation::Model) -> Uuid {
    viewer.staff_department().unwrap_or(consultation.lead_department_id)
}

fn check_reply_allowed(consultation: &consultation::Model, comment: &comment::Model) -> AppResult<()> {
    if matches!(consultations::status(consultation)?, ConsultationStatus::Draft | ConsultationStatus::Withdrawn) {
        return Err(AppError::conflict("This consultation does not take replies."));
    }
    if matches!(comment.status, CommentStatus::Withdrawn | CommentStatus::Rejected) {
        return Err(AppError::conflict("A withdrawn or rejected comment cannot be replied to."));
    }
    Ok(())
}

/// Records one reply on a comment, keeping its reply count right and adding the counter change to
/// `changes` (worked out from the row as the update left it, not from `comment`, which may be older).
async fn insert_reply(
    db: &impl ConnectionTrait,
    changes: &mut counters::Changes,
    comment: &comment::Model,
    author: Uuid,
    department: Uuid,
    body: &str,
    adoption: Adoption,
) -> AppResult<reply::Model> {
    let (id, now) = util::new_id_and_time();
    let reply = reply::Model {
        id,
        comment_id: comment.id,
        consultation_id: comment.consultation_id,
        author_id: author,
        department_id: department,
        body: body.to_owned(),
        adoption: adoption,
        created_at: now,
    };
    reply::Entity::insert(reply::ActiveModel::from(reply.clone())).exec_without_returning(db).await?;
    #[derive(FromQueryResult)]
    struct After {
        reply_count: i32,
        status: CommentStatus,
        stance: Stance,
    }
    let after: After = sql::one(
        db,
        "UPDATE comments SET reply_count = reply_count + 1, latest_adoption = $1,
                first_replied_at = COALESCE(first_replied_at, $2), updated_at = $2
         WHERE id = $3 RETURNING reply_count, status, stance",
        vec![adoption.as_str().into(), now.into(), comment.id.into()],
    )
    .await?
    .ok_or(AppError::NotFound("The comment"))?;
    if after.reply_count == 1 {
        let before = CommentFacts { status: after.status, stance: after.stance, replied: false };
        let now_facts = CommentFacts { replied: true, ..before };
        changes.comment(comment.consultation_id, comment.section_id, comment.duplicate_group_id, Some(before), Some(now_facts));
    }
    Ok(reply)
}

fn clean_reply_body(body: &str) -> AppResult<String> {
    domain::clean_text("body", body, 1, 10_000, true).map_err(|e| AppError::BadInput(vec![e]))
}

pub async fn reply(state: &AppState, viewer: &Viewer, comment_id: Uuid, body: &str, adoption: Adoption) -> AppResult<reply::Model> {
    let body = clean_reply_body(body)?;
    let user = require_moderator_of(state, viewer, comment_id, "reply to comments").await?.clone();
    let txn = state.db.begin().await?;
    let comment = lock_comment(&*txn, comment_id).await?;
    let consultation = consultation::Entity::find_by_id(comment.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound("The comment"))?;
    check_reply_allowed(&consultation, &comment)?;
    let mut changes = counters::Changes::default();
    let reply = insert_reply(&*txn, &mut changes, &comment, user.id, replying_department(viewer, &consultation), &body, adoption).await?;
    changes.apply(&*txn).await?;
    audit::record(&*txn, Some(user.id), "comment.reply", "Comment", Some(comment.id), json!({ "replyId": reply.id, "adoption": adoption.as_str() })).await?;
    txn.commit().await?;
    state.events.publish_later(vec![Event::ReplyPosted { comment_author_id: comment.author_id, reply_id: reply.id }]);
    Ok(reply)
}

/// Replies once to every comment of a duplicate group that can take a reply; returns how many.
pub async fn reply_to_group(state: &AppState, viewer: &Viewer, group_id: Uuid, body: &str, adoption: Adoption) -> AppResult<i64> {
    let body = clean_reply_body(body)?;
    let user = authz::require_role(viewer, &[Role::Staff, Role::Admin], "reply to comments")?.clone();
    let txn = state.db.begin().await?;
    let group = duplicate_group::Entity::find_by_id(group_id).one(&*txn).await?.ok_or(AppError::NotFound("The duplicate group"))?;
    let consultation = consultation::Entity::find_by_id(group.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound("The duplicate group"))?;
    if !authz::can_moderate(&*txn, viewer, &consultation).await? {
        // Groups are listed to the consultation's staff only: to anyone else they do not exist.
        return Err(AppError::NotFound("The duplicate group"));
    }
    if matches!(consultations::status(&consultation)?, ConsultationStatus::Draft | ConsultationStatus::Withdrawn) {
        return Err(AppError::conflict("This consultation does not take replies."));
    }
    let members = comment::Entity::find()
        .filter(comment::Column::DuplicateGroupId.eq(group_id))
        .filter(comment::Column::Status.is_not_in([CommentStatus::Withdrawn.as_str(), CommentStatus::Rejected.as_str()]))
        .all(&*txn)
        .await?;
    let department = replying_department(viewer, &consultation);
    let mut notices = Vec::with_capacity(members.len());
    let mut changes = counters::Changes::default();
    for comment in &members {
        let reply = insert_reply(&*txn, &mut changes, comment, user.id, department, &body, adoption).await?;
        notices.push(Event::ReplyPosted { comment_author_id: comment.author_id, reply_id: reply.id });
    }
    changes.apply(&*txn).await?;
    audit::record(&*txn, Some(user.id), "duplicate_group.reply", "DuplicateGroup", Some(group_id), json!({ "repliedCount": members.len(), "adoption": adoption.as_str() })).await?;
    txn.commit().await?;
    state.events.publish_later(notices);
    Ok(members.len() as i64)
}

#[derive(Clone, Debug, Default)]
pub struct CommentFilter {
    pub section_id: Option<Uuid>,
    pub order: Option<CommentOrder>,
    pub status: Option<CommentStatus>,
    pub reported: Option<bool>,
    pub replied: Option<bool>,
}

pub struct CommentList {
    pub page: Page<comment::Model>,
    pub cursors: Vec<String>,
    /// The total when counters know it; otherwise the count query to run if the client asks.
    pub total: Total,
    pub moderator: bool,
}

pub enum Total {
    Known(i64),
    Query(String, Vec<Value>),
}

/// A page of a consultation's comments. The public sees PUBLISHED ones; the consultation's staff and
/// admins may filter by status (default: every status but WITHDRAWN) and by reports.
pub async fn list(
    state: &AppState,
    viewer: &Viewer,
    consultation: &consultation::Model,
    filter: &CommentFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<CommentList> {
    let first = pagination::page_size(first)?;
    let moderator = authz::can_moderate(&state.db.conn, viewer, consultation).await?;
    if !moderator {
        let staff_only = filter.status.is_some_and(|s| s != CommentStatus::Published) || filter.reported.is_some();
        if staff_only && viewer.user.is_none() {
            return Err(AppError::Unauthenticated);
        }
        if filter.status.is_some_and(|s| s != CommentStatus::Published) {
            return Err(AppError::forbidden("Only the consultation's staff may list comments that are not published."));
        }
        if filter.reported.is_some() {
            return Err(AppError::forbidden("Only the consultation's staff may list reported comments."));
        }
    }
    let status = if moderator { filter.status } else { Some(CommentStatus::Published) };
    let query = list_query(consultation.id, status, filter, after, first)?;
    // Totals that the sharded counters already hold are never counted row by row.
    let total = match (status, filter.section_id, filter.replied, filter.reported) {
        (Some(CommentStatus::Published), None, None, None) => Total::Known(counters::load_one(&state.db.conn, consultation.id).await?.published),
        (Some(CommentStatus::Published), None, Some(false), None) => Total::Known(counters::load_one(&state.db.conn, consultation.id).await?.unreplied),
        (Some(CommentStatus::Pending), None, None, None) => Total::Known(counters::load_one(&state.db.conn, consultation.id).await?.pending),
        (Some(CommentStatus::Published), Some(section), None, None) => Total::Known(counters::load_one(&state.db.conn, section).await?.published),
        _ => Total::Query(query.count_sql, query.count_values),
    };
    let order = query.order;
    let (sql_text, values) = (query.page_sql, query.page_values);
    let rows = comment::Entity::find().from_raw_sql(sql::statement(&state.db.conn, &sql_text, values)).all(&state.db.conn).await?;
    let page = Page::from_rows(rows, first);
    let cursors = page
        .items
        .iter()
        .map(|c| match order {
            CommentOrder::MostEndorsed => pagination::key_cursor(i64::from(c.endorsement_count), c.id),
            _ => pagination::id_cursor(c.id),
        })
        .collect();
    Ok(CommentList { page, cursors, total, moderator })
}

/// The SQL of one page of a consultation's comments (keyset on id, or on endorsements then id), and of
/// the count of the whole list. Separate from `list` so that a test can ask PostgreSQL for its plans.
pub struct ListQuery {
    pub page_sql: String,
    pub page_values: Vec<Value>,
    pub count_sql: String,
    pub count_values: Vec<Value>,
    pub order: CommentOrder,
}

/// `status: None` lists every status but WITHDRAWN (the staff's default).
pub fn list_query(
    consultation_id: Uuid,
    status: Option<CommentStatus>,
    filter: &CommentFilter,
    after: Option<&str>,
    first: u64,
) -> AppResult<ListQuery> {
    let order = filter.order.unwrap_or(CommentOrder::Newest);
    let mut values: Vec<Value> = vec![consultation_id.into()];
    let mut conditions = vec!["consultation_id = $1".to_owned()];
    match status {
        Some(s) => {
            values.push(s.as_str().into());
            conditions.push(format!("status = ${}", values.len()));
        }
        None => conditions.push("status IN ('PENDING', 'PUBLISHED', 'HIDDEN', 'REJECTED')".to_owned()),
    }
    if let Some(section) = filter.section_id {
        values.push(section.into());
        conditions.push(format!("section_id = ${}", values.len()));
    }
    match filter.replied {
        Some(true) => conditions.push("reply_count > 0".to_owned()),
        Some(false) => conditions.push("reply_count = 0".to_owned()),
        None => {}
    }
    match filter.reported {
        Some(true) => conditions.push("report_count > 0".to_owned()),
        Some(false) => conditions.push("report_count = 0".to_owned()),
        None => {}
    }
    let where_clause = conditions.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM comments WHERE {where_clause}");
    let count_values = values.clone();
    // With one status, the page is the range of comments_list_idx (consultation_id, status, id) between
    // two row comparisons, the cursor's and the far end's, with no separate equality on consultation_id
    // or status. With the equalities PostgreSQL either walks the primary key backwards, skipping every
    // newer comment of other consultations (711 ms for page 1 of the 1,000,000-comment consultation), or
    // starts the index scan at the end of the range and filters its way down to a deep cursor (65-110 ms
    // at page 48,246); bounded on both sides, the scan starts at the cursor and reads 21 entries (under
    // 0.1 ms for either page). The two comparisons select exactly that consultation and status.
    let by_list_index = status.is_some();
    let range = |values: &mut Vec<Value>, cursor: Uuid, far_end: Uuid, (near, far): (&str, &str)| {
        values.push(cursor.into());
        let cursor_at = values.len();
        values.push(far_end.into());
        format!("(consultation_id, status, id) {near} ($1, $2, ${cursor_at}) AND (consultation_id, status, id) {far} ($1, $2, ${})", values.len())
    };
    let (keyset, order_by) = match order {
        CommentOrder::Newest if by_list_index => {
            let after = pagination::parse_id_cursor(after)?.unwrap_or(Uuid::max());
            (range(&mut values, after, Uuid::nil(), ("<", ">")), "consultation_id DESC, status DESC, id DESC")
        }
        CommentOrder::Oldest if by_list_index => {
            let after = pagination::parse_id_cursor(after)?.unwrap_or(Uuid::nil());
            (range(&mut values, after, Uuid::max(), (">", "<")), "consultation_id ASC, status ASC, id ASC")
        }
        CommentOrder::Newest => {
            let after = pagination::parse_id_cursor(after)?;
            let cond = after.map(|id| {
                values.push(id.into());
                format!("id < ${}", values.len())
            });
            (cond.unwrap_or_default(), "id DESC")
        }
        CommentOrder::Oldest => {
            let after = pagination::parse_id_cursor(after)?;
            let cond = after.map(|id| {
                values.push(id.into());
                format!("id > ${}", values.len())
            });
            (cond.unwrap_or_default(), "id ASC")
        }
        CommentOrder::MostEndorsed => {
            let after = pagination::parse_key_cursor(after)?;
            let cond = after.map(|(count, id)| {
                values.push(Value::from(i32::try_from(count).unwrap_or(i32::MAX)));
                values.push(id.into());
                let (c, i) = (values.len() - 1, values.len());
                format!("(endorsement_count < ${c} OR (endorsement_count = ${c} AND id < ${i}))")
            });
            (cond.unwrap_or_default(), "endorsement_count DESC, id DESC")
        }
    };
    let mut page_conditions: Vec<&str> = if by_list_index && matches!(order, CommentOrder::Newest | CommentOrder::Oldest) {
        // The range stands for the equalities on consultation_id and status (the first two conditions).
        conditions.iter().skip(2).map(String::as_str).collect()
    } else {
        conditions.iter().map(String::as_str).collect()
    };
    if !keyset.is_empty() {
        page_conditions.push(&keyset);
    }
    let page_sql = format!("SELECT * FROM comments WHERE {} ORDER BY {order_by} LIMIT {}", page_conditions.join(" AND "), first + 1);
    Ok(ListQuery { page_sql, page_values: values, count_sql, count_values, order })
}

/// The signed-in user's own comments, newest first, every status.
pub async fn list_own(state: &AppState, viewer: &Viewer, first: Option<i32>, after: Option<&str>) -> AppResult<(Page<comment::Model>, i64)> {
    let user = viewer.user()?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let total = sql::count(&state.db.conn, "SELECT COUNT(*) FROM comments WHERE author_id = $1", vec![user.id.into()]).await?;
    let mut values: Vec<Value> = vec![user.id.into()];
    let keyset = match after {
        Some(id) => {
            values.push(id.into());
            " AND id < $2"
        }
        None => "",
    };
    let sql_text = format!("SELECT * FROM comments WHERE author_id = $1{keyset} ORDER BY id DESC LIMIT {}", first + 1);
    let rows = comment::Entity::find().from_raw_sql(sql::statement(&state.db.conn, &sql_text, values)).all(&state.db.conn).await?;
    Ok((Page::from_rows(rows, first), total))
}

/// Duplicate groups (two or more comments sharing a text) of a consultation, for its staff.
pub async fn duplicate_groups(
    state: &AppState,
    viewer: &Viewer,
    consultation: &consultation::Model,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Page<duplicate_group::Model>, i64)> {
    authz::require_moderate(&state.db.conn, viewer, consultation).await?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let total = sql::count(
        &state.db.conn,
        "SELECT COUNT(*) FROM duplicate_groups WHERE consultation_id = $1 AND multi = true",
        vec![consultation.id.into()],
    )
    .await?;
    let (sql_text, values) = duplicate_groups_query(consultation.id, after, first);
    let rows = duplicate_group::Entity::find().from_raw_sql(sql::statement(&state.db.conn, &sql_text, values)).all(&state.db.conn).await?;
    Ok((Page::from_rows(rows, first), total))
}

/// A page of a consultation's campaigns, oldest group first, after the group `after`: `first + 1` rows
/// along `duplicate_groups_campaign_idx`, which holds only groups of two or more.
pub fn duplicate_groups_query(consultation_id: Uuid, after: Option<Uuid>, first: u64) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = vec![consultation_id.into()];
    let keyset = match after {
        Some(id) => {
            values.push(id.into());
            " AND id > $2"
        }
        None => "",
    };
    let sql_text = format!("SELECT * FROM duplicate_groups WHERE consultation_id = $1 AND multi = true{keyset} ORDER BY id ASC LIMIT {}", first + 1);
    (sql_text, values)
}
