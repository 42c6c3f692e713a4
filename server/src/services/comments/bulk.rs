//! Bulk replies: one official reply to many comments (a list of ids, or a filter), as a background job.
//!
//! - `start` checks everything a reply needs (the caller moderates the consultation, which takes
//!   replies; the body; the selection) and, in one transaction, writes the job (QUEUED), freezes its
//!   selection into `bulk_reply_items` with one `INSERT … SELECT`, and audits the start.
//! - Every instance runs the worker (`run`). A job is claimed under a lease (as the outbox claims a
//!   delivery: a token and `locked_until`, with `FOR UPDATE SKIP LOCKED` on PostgreSQL) and walked in
//!   comment-id order, `BULK_REPLY_CHUNK` comments per transaction. Each chunk's transaction first
//!   renews the lease on condition that its token still holds (which also locks the job row, so two
//!   instances never write a chunk of one job at once), then writes the replies as `replyToComment`
//!   and `replyToDuplicateGroup` write them (reply rows, the comments' counts and counters, one audit
//!   entry per reply, one COMMENT_REPLIED notification per author for the whole job, however many
//!   chunks hold their comments) and moves the job's progress and its position in the same
//!   transaction.
//! - Restart-safe: a chunk is all or nothing, and the position moves with it, so an instance killed
//!   mid-chunk loses nothing and repeats nothing: once the lease runs out another instance goes on
//!   from the last committed position. A comment that already has a reply with the same body is
//!   skipped (counted in `skipped`), and one that can no longer take a reply (withdrawn, rejected) is
//!   counted in `failed`.

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use serde_json::json;
use uuid::Uuid;

use entities::{consultation, duplicate_group, section};
use sea_orm::EntityTrait;

use crate::domain::{Adoption, BulkReplyStatus, CommentStatus, Role, Stance};
use crate::error::{AppError, AppResult};
use crate::events::Event;
use crate::services::authz::{self, Viewer};
use crate::services::counters::{self, CommentFacts};
use crate::services::notifications::{self, Notice};
use crate::services::{audit, consultations, similar};
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::t;
use super::replies::{clean_reply_body, replied_kind, replying_department};

/// The most ids one job may list.
pub const MAX_IDS: usize = 1_000;
/// Replies (and audit entries) per multi-row insert.
const REPLIES_PER_STATEMENT: usize = 1_000;

/// What a bulk reply answers: these comments, or those the filter selects.
pub struct BulkReplyInput {
    pub consultation_id: Uuid,
    pub body: String,
    pub adoption: Adoption,
    pub comment_ids: Option<Vec<Uuid>>,
    pub filter: Option<BulkReplyFilter>,
}

#[derive(Clone, Debug, Default)]
pub struct BulkReplyFilter {
    pub section_id: Option<Uuid>,
    pub stance: Option<Stance>,
    pub search: Option<String>,
    pub similar_group_id: Option<Uuid>,
    pub duplicate_group_id: Option<Uuid>,
    pub unreplied_only: Option<bool>,
}

/// A job as stored.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Job {
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub created_by: Uuid,
    pub department_id: Uuid,
    pub body: String,
    pub adoption: Adoption,
    pub status: BulkReplyStatus,
    pub total: i64,
    pub done: i64,
    pub skipped: i64,
    pub failed: i64,
    pub after_comment_id: Option<Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
}

const JOB_COLUMNS: &str =
    "id, consultation_id, created_by, department_id, body, adoption, status, total, done, skipped, failed, after_comment_id, created_at, finished_at";

pub async fn start(state: &AppState, viewer: &Viewer, input: BulkReplyInput) -> AppResult<Job> {
    let user = authz::require_role(viewer, &[Role::Staff, Role::Admin], t!("action-reply-to-comments"))?.clone();
    let consultation = authz::moderated_consultation(&state.db.conn, viewer, input.consultation_id, t!("action-reply-to-comments")).await?;
    let body = clean_reply_body(&input.body)?;
    let mut params = Params::new();
    let mut conditions = Vec::new();
    let filter_json = match (&input.comment_ids, &input.filter) {
        (Some(ids), None) => {
            if ids.is_empty() || ids.len() > MAX_IDS {
                return Err(AppError::bad_input("commentIds", t!("field-ids-between", min = 1, max = MAX_IDS)));
            }
            let mut ids = ids.clone();
            ids.sort_unstable();
            ids.dedup();
            let found = sql::count(
                &state.db.conn,
                &format!("SELECT COUNT(*) FROM comments WHERE consultation_id = $1 AND id IN ({})", (2..ids.len() + 2).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")),
                std::iter::once(consultation.id.into()).chain(ids.iter().map(|id| (*id).into())).collect(),
            )
            .await?;
            if found != ids.len() as i64 {
                return Err(AppError::bad_input("commentIds", t!("field-not-comments-of-consultation")));
            }
            conditions.push(format!("c.id IN ({})", params.bind_all(ids.iter().copied())));
            json!({ "commentIds": ids })
        }
        (None, Some(filter)) => {
            // The same words, matched the same way, as `comments(search:)` finds.
            if let Some(search) = crate::services::search_index::text_search(state.db.backend(), "filter.search", filter.search.as_deref())? {
                conditions.push(search.comment_condition("c.id", &mut params));
            }
            // Comments that can take no reply are not selected by a filter.
            conditions.push(format!(
                "c.status NOT IN ({}, {})",
                params.bind(CommentStatus::Withdrawn.as_str()),
                params.bind(CommentStatus::Rejected.as_str())
            ));
            if let Some(section_id) = filter.section_id {
                let found = section::Entity::find_by_id(section_id).one(&state.db.conn).await?;
                if found.is_none_or(|s| s.consultation_id != consultation.id) {
                    return Err(AppError::bad_input("filter.sectionId", t!("field-not-a-section")));
                }
                conditions.push(format!("c.section_id = {}", params.bind(section_id)));
            }
            if let Some(stance) = filter.stance {
                conditions.push(format!("c.stance = {}", params.bind(stance.as_str())));
            }
            if let Some(group) = filter.similar_group_id {
                let found = similar::get_moderated(&state.db.conn, viewer, group).await?;
                if found.is_none_or(|(g, _)| g.consultation_id != consultation.id) {
                    return Err(AppError::bad_input("filter.similarGroupId", t!("field-not-a-similar-group")));
                }
                let members = similar::members(&state.db.conn, group).await?;
                conditions.push(format!("c.similar_group_id IN ({})", params.bind_all(members)));
            }
            if let Some(group) = filter.duplicate_group_id {
                let found = duplicate_group::Entity::find_by_id(group).one(&state.db.conn).await?;
                if found.is_none_or(|g| g.consultation_id != consultation.id) {
                    return Err(AppError::bad_input("filter.duplicateGroupId", t!("field-not-a-duplicate-group")));
                }
                conditions.push(format!("c.duplicate_group_id = {}", params.bind(group)));
            }
            if filter.unreplied_only == Some(true) {
                conditions.push("c.reply_count = 0".to_owned());
            }
            json!({
                "sectionId": filter.section_id,
                "stance": filter.stance.map(Stance::as_str),
                "similarGroupId": filter.similar_group_id,
                "duplicateGroupId": filter.duplicate_group_id,
                "unrepliedOnly": filter.unreplied_only,
                "search": filter.search,
            })
        }
        _ => return Err(AppError::bad_input("commentIds", t!("field-ids-or-filter"))),
    };
    if !consultations::takes_replies(&consultation) {
        return Err(AppError::conflict(t!("error-no-replies")));
    }
    let (id, now) = state.clock.new_id_and_time();
    let department = replying_department(viewer, &consultation);
    let txn = state.db.begin().await?;
    sql::execute(
        &*txn,
        "INSERT INTO bulk_reply_jobs (id, consultation_id, created_by, department_id, body, adoption, filter, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        vec![
            id.into(),
            consultation.id.into(),
            user.id.into(),
            department.into(),
            body.clone().into(),
            input.adoption.as_str().into(),
            filter_json.to_string().into(),
            BulkReplyStatus::Queued.as_str().into(),
            now.into(),
        ],
    )
    .await?;
    let job = params.bind(id);
    let c = params.bind(consultation.id);
    let total = sql::execute(
        &*txn,
        &format!(
            "INSERT INTO bulk_reply_items (job_id, comment_id) SELECT {job}, c.id FROM comments c WHERE c.consultation_id = {c} AND {}",
            conditions.join(" AND ")
        ),
        params.into_values(),
    )
    .await?;
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let finished = (total == 0).then_some(now);
    let status = if total == 0 { BulkReplyStatus::Done } else { BulkReplyStatus::Queued };
    sql::execute(
        &*txn,
        "UPDATE bulk_reply_jobs SET total = $1, status = $2, finished_at = $3 WHERE id = $4",
        vec![total.into(), status.as_str().into(), finished.into(), id.into()],
    )
    .await?;
    audit::record(
        &*txn,
        &state.clock,
        Some(user.id),
        "bulk_reply.start",
        "BulkReplyJob",
        Some(id),
        json!({ "consultationId": consultation.id, "total": total, "adoption": input.adoption.as_str(), "selection": filter_json }),
    )
    .await?;
    txn.commit_private().await?;
    state.bulk_reply_wake.notify_one();
    load(&state.db.conn, id).await?.ok_or_else(|| AppError::internal(anyhow::anyhow!("the bulk reply job vanished")))
}

async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Job>> {
    sql::one(db, &format!("SELECT {JOB_COLUMNS} FROM bulk_reply_jobs WHERE id = $1"), vec![id.into()]).await
}

/// A job, for the consultation's staff and admins; NOT_FOUND for everyone else.
pub async fn get(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Job> {
    let not_found = || AppError::NotFound(t!("not-found-bulk-reply"));
    let job = load(&state.db.conn, id).await?.ok_or_else(not_found)?;
    let consultation = consultation::Entity::find_by_id(job.consultation_id).one(&state.db.conn).await?.ok_or_else(not_found)?;
    if viewer.user_id().is_none() || !authz::can_moderate(&state.db.conn, viewer, &consultation).await? {
        return Err(not_found());
    }
    Ok(job)
}

fn lease_end(state: &AppState) -> chrono::DateTime<chrono::Utc> {
    state.clock.now() + chrono::Duration::from_std(state.config.bulk_reply_lease).unwrap_or(chrono::Duration::seconds(60))
}

/// Runs the worker until the process ends: whenever a job is started on this instance, and every
/// `OUTBOX_POLL_MS` for jobs started elsewhere or left by an instance that died.
pub fn start_worker(state: AppState) {
    tokio::spawn(async move {
        loop {
            if let Err(error) = run(&state).await {
                tracing::warn!(error = ?error, "the bulk reply worker failed; trying again shortly");
            }
            tokio::select! {
                () = state.bulk_reply_wake.notified() => {}
                () = tokio::time::sleep(state.config.outbox_poll) => {}
            }
        }
    });
}

/// Claims and runs jobs until none is left to claim; returns how many it finished.
pub async fn run(state: &AppState) -> AppResult<usize> {
    let mut finished = 0;
    while let Some(job) = claim(state).await? {
        let token = job.0;
        let id = job.1;
        loop {
            let step = match chunk(state, id, token).await {
                Ok(step) => step,
                Err(error) => {
                    // Give the job back at once (a deadlock victim, say), rather than after the lease.
                    let released = sql::execute(
                        &state.db.conn,
                        "UPDATE bulk_reply_jobs SET lease_token = NULL, locked_until = NULL WHERE id = $1 AND lease_token = $2",
                        vec![id.into(), token.into()],
                    )
                    .await;
                    if let Err(release) = released {
                        tracing::warn!(error = ?release, "a bulk reply job could not be released");
                    }
                    return Err(error);
                }
            };
            match step {
                Step::More => {
                    if !state.config.bulk_reply_pause.is_zero() {
                        tokio::time::sleep(state.config.bulk_reply_pause).await;
                    }
                }
                Step::Finished => {
                    finished += 1;
                    break;
                }
                Step::Lost => break,
            }
        }
    }
    Ok(finished)
}

/// Claims the oldest job that is queued, or running under a lease that ran out.
async fn claim(state: &AppState) -> AppResult<Option<(Uuid, Uuid)>> {
    let token = Uuid::new_v4();
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let lock = match txn.get_database_backend() {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    #[derive(FromQueryResult)]
    struct Claimed {
        id: Uuid,
    }
    let claimed: Option<Claimed> = sql::one(
        &*txn,
        &format!(
            "UPDATE bulk_reply_jobs SET status = $1, lease_token = $2, locked_until = $3 WHERE id IN (
                 SELECT id FROM bulk_reply_jobs WHERE status IN ($4, $1) AND (locked_until IS NULL OR locked_until <= $5)
                 ORDER BY created_at LIMIT 1{lock}
             ) RETURNING id"
        ),
        vec![
            BulkReplyStatus::Running.as_str().into(),
            token.into(),
            lease_end(state).into(),
            BulkReplyStatus::Queued.as_str().into(),
            now.into(),
        ],
    )
    .await?;
    txn.commit_private().await?;
    Ok(claimed.map(|c| (token, c.id)))
}

enum Step {
    More,
    Finished,
    /// Another instance holds the job now.
    Lost,
}

#[derive(FromQueryResult)]
struct Replied {
    id: Uuid,
    author_id: Uuid,
    section_id: Option<Uuid>,
    duplicate_group_id: Uuid,
    similar_group_id: Option<Uuid>,
    reply_count: i32,
    status: CommentStatus,
    stance: Stance,
}

#[derive(FromQueryResult)]
struct Item {
    comment_id: Uuid,
}

/// One chunk of a job, in one transaction.
async fn chunk(state: &AppState, id: Uuid, token: Uuid) -> AppResult<Step> {
    let txn = state.db.begin().await?;
    let job: Option<Job> = sql::one(
        &*txn,
        &format!("UPDATE bulk_reply_jobs SET locked_until = $1 WHERE id = $2 AND lease_token = $3 AND status = $4 RETURNING {JOB_COLUMNS}"),
        vec![lease_end(state).into(), id.into(), token.into(), BulkReplyStatus::Running.as_str().into()],
    )
    .await?;
    let Some(job) = job else { return Ok(Step::Lost) };
    let (_, now) = state.clock.new_id_and_time();
    let consultation = consultation::Entity::find_by_id(job.consultation_id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-consultation")))?;
    let items: Vec<Item> = sql::all(
        &*txn,
        &format!(
            "SELECT comment_id FROM bulk_reply_items WHERE job_id = $1 AND ($2 IS NULL OR comment_id > $2) ORDER BY comment_id LIMIT {}",
            state.config.bulk_reply_chunk.max(1)
        ),
        vec![job.id.into(), job.after_comment_id.into()],
    )
    .await?;
    if items.is_empty() || !consultations::takes_replies(&consultation) {
        // Done, or the consultation no longer takes replies (withdrawn): what is left fails.
        let status = if items.is_empty() { BulkReplyStatus::Done } else { BulkReplyStatus::Failed };
        let left = job.total - job.done - job.skipped - job.failed;
        sql::execute(
            &*txn,
            "UPDATE bulk_reply_jobs SET status = $1, failed = failed + $2, finished_at = $3, lease_token = NULL, locked_until = NULL WHERE id = $4",
            vec![status.as_str().into(), if items.is_empty() { 0 } else { left.max(0) }.into(), now.into(), job.id.into()],
        )
        .await?;
        txn.commit_private().await?;
        return Ok(Step::Finished);
    }
    let ids: Vec<Uuid> = items.iter().map(|i| i.comment_id).collect();
    let last = ids.last().copied();
    // Already answered with this very body (a job run twice, or a reply written by hand): skipped.
    let mut params = Params::new();
    let body = params.bind(job.body.clone());
    let list = params.bind_all(ids.iter().copied());
    let answered: Vec<Item> = sql::all(
        &*txn,
        &format!("SELECT DISTINCT comment_id FROM replies WHERE body = {body} AND comment_id IN ({list})"),
        params.into_values(),
    )
    .await?;
    let answered: std::collections::HashSet<Uuid> = answered.into_iter().map(|i| i.comment_id).collect();
    let to_reply: Vec<Uuid> = ids.iter().copied().filter(|id| !answered.contains(id)).collect();
    let mut replied: Vec<Replied> = Vec::new();
    if !to_reply.is_empty() {
        let mut params = Params::new();
        let adoption = params.bind(job.adoption.as_str());
        let at = params.bind(now);
        let withdrawn = params.bind(CommentStatus::Withdrawn.as_str());
        let rejected = params.bind(CommentStatus::Rejected.as_str());
        let list = params.bind_all(to_reply.iter().copied());
        replied = sql::all(
            &*txn,
            &format!(
                "UPDATE comments SET reply_count = reply_count + 1, latest_adoption = {adoption},
                        first_replied_at = COALESCE(first_replied_at, {at}), updated_at = {at}
                 WHERE id IN ({list}) AND status NOT IN ({withdrawn}, {rejected})
                 RETURNING id, author_id, section_id, duplicate_group_id, similar_group_id, reply_count, status, stance"
            ),
            params.into_values(),
        )
        .await?;
        replied.sort_unstable_by_key(|c| c.id);
    }
    let mut changes = counters::Changes::default();
    let mut events = Vec::with_capacity(replied.len());
    let mut first_replied = Vec::new();
    for chunk in replied.chunks(REPLIES_PER_STATEMENT) {
        let mut params = Params::new();
        let shared = format!(
            "{}, {}, {}, {}, {}, {}",
            params.bind(job.consultation_id),
            params.bind(job.created_by),
            params.bind(job.department_id),
            params.bind(job.body.clone()),
            params.bind(job.adoption.as_str()),
            params.bind(now)
        );
        let mut audit_params = Params::new();
        let actor = audit_params.bind(job.created_by);
        let at = audit_params.bind(now);
        let mut rows = Vec::with_capacity(chunk.len());
        let mut audits = Vec::with_capacity(chunk.len());
        for comment in chunk {
            let reply_id = state.clock.new_id();
            let audit_id = state.clock.new_id();
            rows.push(format!("({}, {}, {shared})", params.bind(reply_id), params.bind(comment.id)));
            let detail = json!({ "replyId": reply_id, "adoption": job.adoption.as_str(), "bulkReplyJobId": job.id }).to_string();
            audits.push(format!(
                "({}, {at}, {actor}, 'comment.reply', 'Comment', {}, {})",
                audit_params.bind(audit_id),
                audit_params.bind(comment.id),
                audit_params.bind(detail)
            ));
            events.push(Event::ReplyPosted { comment_author_id: comment.author_id, reply_id });
            if comment.reply_count == 1 {
                let before = CommentFacts { status: comment.status, stance: comment.stance, replied: false };
                let place = counters::Place { consultation: job.consultation_id, section: comment.section_id, group: comment.duplicate_group_id };
                changes.comment(place, Some(before), Some(CommentFacts { replied: true, ..before }));
                first_replied.extend(comment.similar_group_id);
            }
        }
        sql::execute(
            &*txn,
            &format!(
                "INSERT INTO replies (id, comment_id, consultation_id, author_id, department_id, body, adoption, created_at) VALUES {}",
                rows.join(", ")
            ),
            params.into_values(),
        )
        .await?;
        sql::execute(
            &*txn,
            &format!("INSERT INTO audit_log (id, at, actor_id, action, subject_type, subject_id, detail) VALUES {}", audits.join(", ")),
            audit_params.into_values(),
        )
        .await?;
    }
    changes.apply(&*txn).await?;
    similar::count_replied(&*txn, &first_replied).await?;
    // One COMMENT_REPLIED per author for the whole job (about their first comment it replied to):
    // the authors not yet notified by an earlier chunk, recorded in this chunk's transaction.
    let mut seen = std::collections::HashSet::with_capacity(replied.len());
    let firsts: Vec<&Replied> = replied.iter().filter(|c| seen.insert(c.author_id)).collect();
    let mut fresh = std::collections::HashSet::with_capacity(firsts.len());
    for part in firsts.chunks(REPLIES_PER_STATEMENT) {
        let mut params = Params::new();
        let job_id = params.bind(job.id);
        let rows: Vec<String> = part.iter().map(|c| format!("({job_id}, {})", params.bind(c.author_id))).collect();
        #[derive(FromQueryResult)]
        struct Author {
            author_id: Uuid,
        }
        let new: Vec<Author> = sql::all(
            &*txn,
            &format!("INSERT INTO bulk_reply_notified (job_id, author_id) VALUES {} ON CONFLICT DO NOTHING RETURNING author_id", rows.join(", ")),
            params.into_values(),
        )
        .await?;
        fresh.extend(new.into_iter().map(|a| a.author_id));
    }
    let notices: Vec<Notice> =
        firsts.iter().filter(|c| fresh.contains(&c.author_id)).map(|c| Notice { recipient: c.author_id, subject: c.id }).collect();
    let notified = notifications::write(&*txn, &state.clock, &replied_kind(&consultation, job.adoption), &notices).await?;
    let done = replied.len() as i64;
    let skipped = answered.len() as i64;
    let failed = (to_reply.len() - replied.len()) as i64;
    sql::execute(
        &*txn,
        "UPDATE bulk_reply_jobs SET done = done + $1, skipped = skipped + $2, failed = failed + $3, after_comment_id = $4 WHERE id = $5",
        vec![done.into(), skipped.into(), failed.into(), last.into(), job.id.into()],
    )
    .await?;
    txn.commit().await?;
    state.events.publish_later(events);
    notified.announce(state);
    Ok(Step::More)
}
