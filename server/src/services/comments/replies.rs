//! Official replies, to one comment or to every comment of a duplicate group.

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult};
use serde_json::json;
use uuid::Uuid;

use entities::{comment, consultation, duplicate_group, reply};

use crate::clock::Clock;
use crate::domain::{NotificationKind, NotificationSubjectType};
use crate::domain::{self, Adoption, CommentStatus, Role, Stance};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::services::authz::{self, Viewer};
use crate::services::counters::{self, CommentFacts};
use crate::services::notifications::{self, Notice};
use crate::services::{audit, consultations, similar};
use crate::sql;
use crate::state::AppState;
use crate::t;
use super::{lock_comment, require_moderator_of};

/// The department a reply speaks for: the staff member's, or the lead department for an admin.
pub(super) fn replying_department(viewer: &Viewer, consultation: &consultation::Model) -> Uuid {
    viewer.staff_department().unwrap_or(consultation.lead_department_id)
}

fn check_reply_allowed(consultation: &consultation::Model, comment: &comment::Model) -> AppResult<()> {
    if !consultations::takes_replies(consultation) {
        return Err(AppError::conflict(t!("error-no-replies")));
    }
    if matches!(comment.status, CommentStatus::Withdrawn | CommentStatus::Rejected) {
        return Err(AppError::conflict(t!("error-reply-withdrawn-or-rejected")));
    }
    Ok(())
}

/// What a reply says and who says it: the same for every comment of a group reply.
struct Answer<'a> {
    author: Uuid,
    department: Uuid,
    body: &'a str,
    adoption: Adoption,
}

/// Records one reply on a comment, keeping its reply count right and adding the counter change to
/// `changes` (worked out from the row as the update left it, not from `comment`, which may be older).
async fn insert_reply(
    db: &impl ConnectionTrait,
    clock: &Clock,
    changes: &mut counters::Changes,
    comment: &comment::Model,
    answer: &Answer<'_>,
) -> AppResult<reply::Model> {
    let Answer { author, department, body, adoption } = *answer;
    let (id, now) = clock.new_id_and_time();
    let reply = reply::Model {
        id,
        comment_id: comment.id,
        consultation_id: comment.consultation_id,
        author_id: author,
        department_id: department,
        body: body.to_owned(),
        adoption,
        created_at: now,
    };
    reply::Entity::insert(reply::ActiveModel::from(reply.clone())).exec_without_returning(db).await?;
    #[derive(FromQueryResult)]
    struct After {
        reply_count: i32,
        status: CommentStatus,
        stance: Stance,
        similar_group_id: Option<Uuid>,
    }
    let after: After = sql::one(
        db,
        "UPDATE comments SET reply_count = reply_count + 1, latest_adoption = $1,
                first_replied_at = COALESCE(first_replied_at, $2), updated_at = $2
         WHERE id = $3 RETURNING reply_count, status, stance, similar_group_id",
        vec![adoption.as_str().into(), now.into(), comment.id.into()],
    )
    .await?
    .ok_or(AppError::NotFound(t!("not-found-comment")))?;
    if after.reply_count == 1 {
        let before = CommentFacts { status: after.status, stance: after.stance, replied: false };
        let now_facts = CommentFacts { replied: true, ..before };
        changes.comment(counters::Place::of(comment), Some(before), Some(now_facts));
        if let Some(group) = after.similar_group_id {
            similar::count_replied(db, &[group]).await?;
        }
    }
    Ok(reply)
}

/// COMMENT_REPLIED for the authors of the replied comments: one notification per author (about their
/// first comment among them), however many of their comments the reply answered.
async fn notify_authors(
    db: &impl ConnectionTrait,
    clock: &Clock,
    consultation: &consultation::Model,
    adoption: Adoption,
    replied: &[comment::Model],
) -> AppResult<notifications::Written> {
    let mut seen = std::collections::HashSet::with_capacity(replied.len());
    let notices: Vec<Notice> = replied
        .iter()
        .filter(|c| seen.insert(c.author_id))
        .map(|c| Notice { recipient: c.author_id, subject: c.id })
        .collect();
    notifications::write(db, clock, &replied_kind(consultation, adoption), &notices).await
}

/// What a COMMENT_REPLIED notification says.
pub(super) fn replied_kind(consultation: &consultation::Model, adoption: Adoption) -> notifications::Kind {
    notifications::Kind {
        kind: NotificationKind::CommentReplied,
        subject_type: NotificationSubjectType::Comment,
        params: notifications::params(&[("consultation", &consultation.title), ("adoption", adoption.as_str())]),
    }
}

pub(super) fn clean_reply_body(body: &str) -> AppResult<String> {
    domain::clean_text("body", body, 1, 10_000, true).map_err(|e| AppError::BadInput(vec![e]))
}

pub async fn reply(state: &AppState, viewer: &Viewer, comment_id: Uuid, body: &str, adoption: Adoption) -> AppResult<reply::Model> {
    let body = clean_reply_body(body)?;
    let user = require_moderator_of(state, viewer, comment_id, t!("action-reply-to-comments")).await?.clone();
    let txn = state.db.begin().await?;
    let comment = lock_comment(&*txn, comment_id).await?;
    let consultation = consultation::Entity::find_by_id(comment.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-comment")))?;
    check_reply_allowed(&consultation, &comment)?;
    let mut changes = counters::Changes::default();
    let answer = Answer { author: user.id, department: replying_department(viewer, &consultation), body: &body, adoption };
    let reply = insert_reply(&*txn, &state.clock, &mut changes, &comment, &answer).await?;
    changes.apply(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "comment.reply", "Comment", Some(comment.id), json!({ "replyId": reply.id, "adoption": adoption.as_str() })).await?;
    let notified = notify_authors(&*txn, &state.clock, &consultation, adoption, std::slice::from_ref(&comment)).await?;
    txn.commit().await?;
    state.events.publish_later(vec![Event::ReplyPosted { comment_author_id: comment.author_id, reply_id: reply.id }]);
    notified.announce(state);
    Ok(reply)
}

/// Replies in one statement: the shared values are bound once, each row adds two (its id and comment).
const REPLIES_PER_STATEMENT: usize = 2_000;

/// Replies once to every comment of a duplicate group that can take a reply; returns how many.
///
/// Set-based, so that a campaign of 100,000 comments is answered in seconds: one `UPDATE … RETURNING`
/// counts the reply on every member (and locks them, so the set cannot change under the reply), the
/// replies go in `REPLIES_PER_STATEMENT` to a statement, and each author's one notification in
/// multi-row inserts too — all in the one transaction of the mutation.
pub async fn reply_to_group(state: &AppState, viewer: &Viewer, group_id: Uuid, body: &str, adoption: Adoption) -> AppResult<i64> {
    let body = clean_reply_body(body)?;
    let user = authz::require_role(viewer, &[Role::Staff, Role::Admin], t!("action-reply-to-comments"))?.clone();
    let txn = state.db.begin().await?;
    let group = duplicate_group::Entity::find_by_id(group_id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-duplicate-group")))?;
    let consultation = consultation::Entity::find_by_id(group.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-duplicate-group")))?;
    if !authz::can_moderate(&*txn, viewer, &consultation).await? {
        // Groups are listed to the consultation's staff only: to anyone else they do not exist.
        return Err(AppError::NotFound(t!("not-found-duplicate-group")));
    }
    if !consultations::takes_replies(&consultation) {
        return Err(AppError::conflict(t!("error-no-replies")));
    }
    #[derive(FromQueryResult)]
    struct Replied {
        id: Uuid,
        author_id: Uuid,
        section_id: Option<Uuid>,
        reply_count: i32,
        status: CommentStatus,
        stance: Stance,
        similar_group_id: Option<Uuid>,
    }
    // The time of an id made now: every reply id below is of it or later.
    let (_, now) = state.clock.new_id_and_time();
    let mut replied: Vec<Replied> = sql::all(
        &*txn,
        "UPDATE comments SET reply_count = reply_count + 1, latest_adoption = $1,
                first_replied_at = COALESCE(first_replied_at, $2), updated_at = $2
         WHERE duplicate_group_id = $3 AND status NOT IN ($4, $5)
         RETURNING id, author_id, section_id, reply_count, status, stance, similar_group_id",
        vec![
            adoption.as_str().into(),
            now.into(),
            group_id.into(),
            CommentStatus::Withdrawn.as_str().into(),
            CommentStatus::Rejected.as_str().into(),
        ],
    )
    .await?;
    // Creation order, so that each author is notified about their first comment among them.
    replied.sort_unstable_by_key(|c| c.id);
    let department = replying_department(viewer, &consultation);
    let mut changes = counters::Changes::default();
    let mut events = Vec::with_capacity(replied.len());
    let mut first_replied = Vec::new();
    for chunk in replied.chunks(REPLIES_PER_STATEMENT) {
        let mut params = sql::Params::new();
        let shared = format!(
            "{}, {}, {}, {}, {}, {}",
            params.bind(consultation.id),
            params.bind(user.id),
            params.bind(department),
            params.bind(body.clone()),
            params.bind(adoption.as_str()),
            params.bind(now)
        );
        let mut rows = Vec::with_capacity(chunk.len());
        for comment in chunk {
            let id = state.clock.new_id();
            rows.push(format!("({}, {}, {shared})", params.bind(id), params.bind(comment.id)));
            events.push(Event::ReplyPosted { comment_author_id: comment.author_id, reply_id: id });
            if comment.reply_count == 1 {
                let before = CommentFacts { status: comment.status, stance: comment.stance, replied: false };
                let place = counters::Place { consultation: consultation.id, section: comment.section_id, group: group_id };
                changes.comment(place, Some(before), Some(CommentFacts { replied: true, ..before }));
                first_replied.extend(comment.similar_group_id);
            }
        }
        let statement = format!(
            "INSERT INTO replies (id, comment_id, consultation_id, author_id, department_id, body, adoption, created_at) VALUES {}",
            rows.join(", ")
        );
        sql::execute(&*txn, &statement, params.into_values()).await?;
    }
    changes.apply(&*txn).await?;
    similar::count_replied(&*txn, &first_replied).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "duplicate_group.reply", "DuplicateGroup", Some(group_id), json!({ "repliedCount": replied.len(), "adoption": adoption.as_str() })).await?;
    let mut seen = std::collections::HashSet::with_capacity(replied.len());
    let notices: Vec<Notice> = replied.iter().filter(|c| seen.insert(c.author_id)).map(|c| Notice { recipient: c.author_id, subject: c.id }).collect();
    let notified = notifications::write(&*txn, &state.clock, &replied_kind(&consultation, adoption), &notices).await?;
    txn.commit().await?;
    state.events.publish_later(events);
    notified.announce(state);
    Ok(replied.len() as i64)
}
