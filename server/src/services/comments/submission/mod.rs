//! Submitting a comment. There are two ways to write one, and they keep the same rules:
//!
//! - **in a batch** (`batch`, PostgreSQL): the submissions waiting when a writer is free are written in
//!   one statement, each whole or not at all;
//! - **step by step** (`write_step_by_step`, SQLite, and on PostgreSQL for a submission the batch passed
//!   over): one transaction, each check answered by its own error.
//!
//! Whichever way it is written, a submission
//! 1. is written only if its consultation is OPEN at the moment it is written (`consultations::status`,
//!    whose SQL the batch statement is built from), and its section, if any, is one of that
//!    consultation's;
//! 2. gets the status its consultation's moderation gives a new comment (`status_on_submission`);
//! 3. joins the duplicate group of its text's fingerprint in the consultation, creating the group, and
//!    makes the group a campaign (`multi`) when it is the group's second comment;
//! 4. adds its counter deltas to its consultation, section and group (`counters::new_comment_deltas`,
//!    the same `counters::Changes` arithmetic the other writes use);
//! 5. records one audit entry (`AUDIT_ACTION`, `audit_detail`);
//! 6. takes its id and time from the server's clock as it is written: the id encodes the time, so
//!    ordering by id and by time agree;
//! 7. is answered with the comment already written when its author's `clientRequestId` was seen before;
//! 8. counts once against the author's rate limits, and is announced (cache generation, live event)
//!    only once it is committed.
//!
//! `tests/tests/api/submissions.rs` runs the same cases through both ways and compares what they wrote.

mod batch;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use entities::{comment, section};

use crate::domain::{self, Checks, CommentStatus, ConsultationStatus, ModerationMode, Stance};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::services::authz::{self, Viewer};
use crate::services::counters::{self};
use crate::services::{audit, consultations, search_index};
use crate::state::{AppState, LimitKind};
use crate::t;
use super::{facts, join_group};

pub use batch::{statement, write, Submission, Submissions, Written, MAX_BATCH};

/// The audit action of a submission.
pub const AUDIT_ACTION: &str = "comment.submit";

/// The audit entry's detail of a submission.
pub fn audit_detail(consultation_id: Uuid) -> serde_json::Value {
    json!({ "consultationId": consultation_id })
}

/// The status a new comment gets on a consultation moderated so: published at once after the fact
/// (POST), or held for staff (PRE).
pub fn status_on_submission(moderation: ModerationMode) -> CommentStatus {
    match moderation {
        ModerationMode::Post => CommentStatus::Published,
        ModerationMode::Pre => CommentStatus::Pending,
    }
}

pub struct SubmitInput {
    pub consultation_id: Uuid,
    pub section_id: Option<Uuid>,
    pub stance: Stance,
    pub body: String,
    pub client_request_id: Option<String>,
}

pub async fn submit(state: &AppState, viewer: &Viewer, input: SubmitInput) -> AppResult<comment::Model> {
    let author = authz::require_citizen(viewer, t!("action-comment"))?.clone();
    let mut checks = Checks::new();
    let body = checks.take(domain::comment_body("body", &input.body));
    let request_id = input.client_request_id.as_deref().map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned);
    if request_id.as_ref().is_some_and(|r| r.chars().count() > 100 || r.chars().any(char::is_control)) {
        checks.fail("clientRequestId", t!("field-client-request-id", max = 100));
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
            Ok(Some(written)) => {
                state.similar_wake.notify_one();
                return Ok(new.model(written.id, written.at, written.status, written.group_id));
            }
            Ok(None) => {}
            Err(error) => return recover_duplicate_request(state, &new, error).await,
        }
        true
    } else {
        false
    };
    match write_step_by_step(state, viewer, &new, limits_counted).await {
        // Rolled back to break a deadlock: the request's first try may stand (with a client request
        // id), else the whole transaction is run once more.
        Err(error) if error.is_retryable() => match recover_duplicate_request(state, &new, error).await {
            Ok(found) => Ok(found),
            Err(_) => write_step_by_step(state, viewer, &new, true).await,
        },
        other => other,
    }
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
    /// (`Submission::stamp`), as it writes the comment: until then they are nil.
    fn submission(&self) -> Submission {
        Submission {
            id: Uuid::nil(),
            at: chrono::DateTime::UNIX_EPOCH,
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
            audit_detail: audit_detail(self.input.consultation_id).to_string(),
            tokens: crate::search::index_tokens(&self.body),
            terms: crate::search::keyword_terms(&self.body).join(" "),
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
            status,
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

/// After a comment committed: the similar-group worker places it, and the live feed learns of it, best
/// effort (the author waits for neither).
fn submitted(state: &AppState, comment: comment::Model) -> comment::Model {
    state.similar_wake.notify_one();
    state.events.publish_later(vec![Event::CommentAdded { consultation_id: comment.consultation_id, comment_id: comment.id }]);
    comment
}

/// The same clientRequestId sent twice at once: the other request created the comment, which is the
/// answer to both.
async fn recover_duplicate_request(state: &AppState, new: &NewComment, error: AppError) -> AppResult<comment::Model> {
    match (&error, &new.request_id) {
        (AppError::Conflict(_), Some(request_id)) => find_by_request(&state.db.conn, new.author, request_id).await?.ok_or(error),
        // The same request's first try was being written while another transaction (the similar-group
        // worker placing it) held its row, and PostgreSQL broke the wait as a deadlock: that first try
        // stands once the other commits.
        (e, Some(request_id)) if e.is_retryable() => {
            for _ in 0..20 {
                if let Some(existing) = find_by_request(&state.db.conn, new.author, request_id).await? {
                    return Ok(existing);
                }
                tokio::time::sleep(std::time::Duration::from_millis(25)).await;
            }
            Err(error)
        }
        _ => Err(error),
    }
}

/// Writes the submission step by step in one transaction, with every check answered by its own error.
async fn write_step_by_step(state: &AppState, viewer: &Viewer, new: &NewComment, limits_counted: bool) -> AppResult<comment::Model> {
    let input = &new.input;
    let consultation = consultations::get(state, viewer, input.consultation_id).await?;
    // The comment's id and time, chosen before the checks: it is open at the time the comment carries.
    let (id, at) = state.clock.new_id_and_time();
    if consultations::status(&consultation, at) != ConsultationStatus::Open {
        return Err(AppError::ConsultationNotOpen);
    }
    if let Some(section_id) = input.section_id {
        let found = section::Entity::find_by_id(section_id).one(&state.db.conn).await?;
        if found.is_none_or(|s| s.consultation_id != consultation.id) {
            return Err(AppError::bad_input("sectionId", t!("field-not-a-section")));
        }
    }
    if !limits_counted {
        count_submission(state, new.author).await?;
    }
    let status = status_on_submission(consultation.moderation);
    let fingerprint = domain::fingerprint(&new.body);
    let txn = state.db.begin().await?;
    let group_id = join_group(&*txn, &state.clock, consultation.id, &fingerprint).await?;
    let comment = new.model(id, at, status, group_id);
    let inserted = comment::Entity::insert(comment::ActiveModel::from(comment.clone())).exec_without_returning(&*txn).await;
    if let Err(error) = inserted {
        drop(txn);
        return recover_duplicate_request(state, new, AppError::from(error)).await;
    }
    counters::comment_changed(&*txn, counters::Place::of(&comment), None, Some(facts(&comment))).await?;
    search_index::index_comment(&*txn, comment.id, &comment.body).await?;
    let mut keywords = search_index::KeywordDeltas::default();
    keywords.comment(&comment, 1);
    keywords.apply(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(new.author), AUDIT_ACTION, "Comment", Some(comment.id), audit_detail(consultation.id)).await?;
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
