//! Submissions on PostgreSQL, written together when they arrive together (the rules every submission
//! keeps are in the parent module).
//!
//! Written alone, each submission paid for what is the same for all: a round trip, the executor's
//! start-up over four tables and fifteen indexes, and a commit waiting for its WAL flush. During a
//! campaign dozens arrive within the same millisecond. Here the submissions that are waiting when a
//! writer becomes free go into one statement of up to `MAX_BATCH` rows: one round trip, one start-up
//! and one flush for all of them. Nothing waits to fill a batch. A writer takes whatever is queued and
//! goes, so a lone submission is written at once, and batches form only while every writer is busy, as
//! group commit does in the database itself.
//!
//! A submission that the statement passes over (the consultation is not open or not there, the section
//! is not its own, a concurrent statement was creating its duplicate group) gets `None`, and the caller
//! writes it step by step, which answers with the specific error. If the database refuses the batch's
//! statement (say one submission's clientRequestId is taken), each submission of the batch is written
//! again on its own, so one submission's error is never another's; if the database cannot be reached,
//! they all get UNAVAILABLE at once.
//!
//! A batch's parameters stay within `MAX_BATCH_BYTES`, so that the statement goes out in one write:
//! see there.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::sqlx::Row as _;
use sea_orm::{DbBackend, Value};
use tokio::sync::{mpsc, oneshot, Mutex};
use uuid::Uuid;

use crate::clock::Clock;
use crate::db::{Db, Statements};
use crate::domain::{CommentStatus, ConsultationStatus, ModerationMode, Stance};
use crate::error::{AppError, AppResult};
use crate::events::{Event, Events};
use crate::services::{consultations, counters};
use crate::sql::Params;

use super::{status_on_submission, AUDIT_ACTION};

/// The most submissions one statement writes (about 80 parameters each).
pub const MAX_BATCH: usize = 32;
/// The most a batch's parameters may weigh, in bytes (as the statement's Bind message carries them).
/// A larger message goes out in more than one write, and with Nagle's algorithm on (sqlx does not set
/// TCP_NODELAY) the last part waits for the database's delayed acknowledgement: 40 ms and more per
/// statement, measured with TLS, where each write is one TLS record of at most 16 KiB.
const MAX_BATCH_BYTES: usize = 14 * 1024;
/// Submissions waiting for a writer, at most; beyond that a request waits to be queued.
const QUEUE: usize = 4096;
const STATUSES: [CommentStatus; 2] = [CommentStatus::Published, CommentStatus::Pending];

/// A validated submission, ready to write: every id and time is chosen before it is queued.
#[derive(Clone, Debug)]
pub struct Submission {
    pub id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub consultation_id: Uuid,
    pub section_id: Option<Uuid>,
    pub author_id: Uuid,
    pub stance: Stance,
    pub body: String,
    pub fingerprint: String,
    pub request_id: Option<String>,
    pub client_hash: String,
    /// The duplicate group's id if this submission creates it.
    pub new_group_id: Uuid,
    pub audit_id: Uuid,
    pub audit_detail: String,
    /// The body's search tokens (`search::index_tokens`).
    pub tokens: String,
    /// The body's keyword terms (`search::keyword_terms`), space-separated.
    pub terms: String,
}

impl Submission {
    /// Chooses the comment's id and time (and the ids of its group, if new, and of its audit entry) as
    /// it is about to be written: the consultation must be open at that moment, not when the request
    /// was queued, and ids are in the order the comments are written.
    pub fn stamp(&mut self, clock: &Clock) {
        let (id, at) = clock.new_id_and_time();
        self.id = id;
        self.at = at;
        self.new_group_id = clock.new_id();
        self.audit_id = clock.new_id();
    }

    /// About what the submission's parameters weigh in the statement's Bind message: its texts, and
    /// some 1,100 bytes of ids, times, counter deltas and their length and format fields.
    fn wire_bytes(&self) -> usize {
        1_100
            + self.body.len()
            + self.fingerprint.len()
            + self.client_hash.len()
            + self.audit_detail.len()
            + self.tokens.len()
            + self.terms.len()
            + self.request_id.as_ref().map_or(0, String::len)
    }
}

/// What the statement wrote for a submission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    pub id: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
    pub status: CommentStatus,
    pub group_id: Uuid,
}

struct Pending {
    submission: Submission,
    reply: oneshot::Sender<AppResult<Option<Written>>>,
}

/// The queue in front of the writers.
#[derive(Clone)]
pub struct Submissions {
    queue: mpsc::Sender<Pending>,
}

/// What every writer works with.
#[derive(Clone)]
struct Writer {
    statements: Statements,
    db: Db,
    events: Events,
    clock: Clock,
    receiver: Arc<Mutex<mpsc::Receiver<Pending>>>,
}

impl Submissions {
    /// Starts `writers` writer tasks on `statements` (one connection each at a time). Once comments
    /// are written, a writer tells `db` that public data changed and sends their events, whether or
    /// not the requests are still there to hear the answer.
    pub fn start(statements: Statements, db: Db, events: Events, clock: Clock, writers: usize) -> Self {
        let (queue, receiver) = mpsc::channel(QUEUE);
        let writer = Writer { statements, db, events, clock, receiver: Arc::new(Mutex::new(receiver)) };
        for _ in 0..writers.max(1) {
            tokio::spawn(writer.clone().run());
        }
        Self { queue }
    }

    /// Submissions waiting for a writer.
    pub fn queued(&self) -> usize {
        QUEUE.saturating_sub(self.queue.capacity())
    }

    /// Writes one submission, in a batch with whatever else is waiting. Its id and time are chosen
    /// when it is written (`Written`).
    pub async fn write(&self, submission: Submission) -> AppResult<Option<Written>> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending { submission, reply })
            .await
            .map_err(|_| AppError::Unavailable(anyhow::anyhow!("the submission writers have stopped")))?;
        answer.await.map_err(|_| AppError::internal(anyhow::anyhow!("a submission writer stopped before answering")))?
    }
}

impl Writer {
    async fn run(self) {
        // A submission taken from the queue that did not fit into the last batch starts the next one.
        let mut carried: Option<Pending> = None;
        loop {
            let mut batch = Vec::new();
            match carried.take() {
                Some(first) => {
                    let bytes = first.submission.wire_bytes();
                    batch.push(first);
                    // Never wait for the queue here: an idle writer holds it while it waits for the
                    // next submission, and the carried one would wait with it.
                    if let Ok(mut receiver) = self.receiver.try_lock() {
                        carried = fill(&mut receiver, &mut batch, bytes);
                    }
                }
                None => {
                    let mut receiver = self.receiver.lock().await;
                    let Some(first) = receiver.recv().await else { return };
                    let bytes = first.submission.wire_bytes();
                    batch.push(first);
                    carried = fill(&mut receiver, &mut batch, bytes);
                }
            }
            self.write_batch(batch).await;
        }
    }

    async fn write_batch(&self, mut batch: Vec<Pending>) {
        crate::metrics::METRICS.submission_batch.observe(batch.len() as f64);
        for pending in &mut batch {
            pending.submission.stamp(&self.clock);
        }
        let submissions: Vec<&Submission> = batch.iter().map(|p| &p.submission).collect();
        let mut result = write(&self.statements, &submissions).await;
        // A deadlock with the similar-group worker or a reply rolled the whole statement back: the same
        // batch, with the same ids, is tried again (a few times, briefly apart).
        for attempt in 1..=3u64 {
            match &result {
                Err(error) if error.is_retryable() => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                    result = write(&self.statements, &submissions).await;
                }
                _ => break,
            }
        }
        match result {
            Ok(written) => {
                self.announce(&batch, &written);
                for pending in batch {
                    let answer = written.get(&pending.submission.id).copied();
                    // The request may have gone (its client disconnected); the comment stands all the same.
                    let _ = pending.reply.send(Ok(answer));
                }
            }
            Err(error) if batch.len() == 1 => {
                if let Some(pending) = batch.into_iter().next() {
                    let _ = pending.reply.send(Err(error));
                }
            }
            Err(AppError::Unavailable(error)) => {
                // The database cannot be reached: one by one would only wait for it once per submission.
                let reason = format!("{error:#}");
                for pending in batch {
                    let _ = pending.reply.send(Err(AppError::Unavailable(anyhow::anyhow!("{reason}"))));
                }
            }
            Err(_) => {
                for mut pending in batch {
                    pending.submission.stamp(&self.clock);
                    let answer = write(&self.statements, &[&pending.submission]).await;
                    if let Ok(written) = &answer {
                        self.announce(std::slice::from_ref(&pending), written);
                    }
                    let _ = pending.reply.send(answer.map(|written| written.get(&pending.submission.id).copied()));
                }
            }
        }
    }

    /// The written comments are public now: cached public answers are stale, and the live feed hears
    /// of them.
    fn announce(&self, batch: &[Pending], written: &HashMap<Uuid, Written>) {
        if written.is_empty() {
            return;
        }
        self.db.committed_public_write();
        let events = batch
            .iter()
            .filter(|p| written.contains_key(&p.submission.id))
            .map(|p| Event::CommentAdded { consultation_id: p.submission.consultation_id, comment_id: p.submission.id })
            .collect();
        self.events.publish_later(events);
    }
}

/// Adds to `batch` what is queued, within `MAX_BATCH` and `MAX_BATCH_BYTES` (`bytes` so far); returns
/// the submission taken that did not fit.
fn fill(receiver: &mut mpsc::Receiver<Pending>, batch: &mut Vec<Pending>, mut bytes: usize) -> Option<Pending> {
    while batch.len() < MAX_BATCH {
        let Ok(next) = receiver.try_recv() else { break };
        bytes += next.submission.wire_bytes();
        if bytes > MAX_BATCH_BYTES {
            return Some(next);
        }
        batch.push(next);
    }
    None
}

/// Writes the submissions in one statement; returns what it wrote, by comment id.
pub async fn write(statements: &Statements, submissions: &[&Submission]) -> AppResult<HashMap<Uuid, Written>> {
    let (sql, values) = statement(submissions);
    let rows = statements.rows(&sql, values).await?;
    let mut written = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: Uuid = row.try_get("id").map_err(AppError::internal)?;
        let status: String = row.try_get("status").map_err(AppError::internal)?;
        let status = CommentStatus::parse(&status).ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown comment status `{status}` written")))?;
        let group_id: Uuid = row.try_get("duplicate_group_id").map_err(AppError::internal)?;
        let Some(at) = submissions.iter().find(|s| s.id == id).map(|s| s.at) else {
            return Err(AppError::internal(anyhow::anyhow!("the statement wrote a comment it was not given")));
        };
        written.insert(id, Written { id, at, status, group_id });
    }
    Ok(written)
}

/// The statement for `submissions` and its parameters. Its text depends only on how many there are,
/// so each batch size is prepared once per connection.
///
/// - `input` holds one row per submission, `deltas` six per submission: its counter deltas for each
///   status it may get (published or pending, as the consultation's moderation decides) and each
///   subject (`c` the consultation, `s` the section, `g` the duplicate group, known only once the
///   group is found or created).
/// - `open` keeps the submissions whose consultation is open at their time and whose section, if
///   any, is one of its own.
/// - `new_group` creates the group of each new text, once per text; two submissions of one new text
///   in one batch make it a campaign at once. `old_group` finds the groups that already exist, and
///   `joined` marks those that now have a second comment, locking them in id order (`joining`) so that
///   two batches marking the same groups cannot deadlock. A text whose group a concurrent statement
///   is creating has neither (that statement's row is not in this one's snapshot): its comment is not
///   written here.
/// - The counter deltas are summed per row of `counters` before the upsert, which may touch each row
///   only once, in key order so that concurrent batches lock rows in the same order.
pub fn statement(submissions: &[&Submission]) -> (String, Vec<Value>) {
    let mut params = Params::new();
    // The status a new comment gets, from its consultation's moderation (`status_on_submission`).
    let new_status = format!(
        "CASE o.moderation {} END",
        ModerationMode::ALL
            .iter()
            .map(|m| format!("WHEN {} THEN {}", params.bind(*m), params.bind(status_on_submission(*m))))
            .collect::<Vec<_>>()
            .join(" ")
    );
    // Open at the submission's time (`consultations::status`).
    let open = consultations::status_condition(ConsultationStatus::Open, "c", "i.at", &mut params);
    let action = params.bind(AUDIT_ACTION);
    let published = params.bind(CommentStatus::Published);
    let [support, oppose, neutral] = [Stance::Support, Stance::Oppose, Stance::Neutral].map(|s| params.bind(s.as_str()));
    let mut inputs = Vec::with_capacity(submissions.len());
    let mut deltas = Vec::with_capacity(submissions.len() * 6);
    for (n, s) in submissions.iter().enumerate() {
        let n = i32::try_from(n).unwrap_or(i32::MAX);
        let row: Vec<String> = [
            Value::from(n),
            s.consultation_id.into(),
            s.at.into(),
            s.section_id.into(),
            s.new_group_id.into(),
            s.fingerprint.clone().into(),
            s.id.into(),
            s.author_id.into(),
            s.stance.as_str().into(),
            s.body.clone().into(),
            s.request_id.clone().into(),
            s.client_hash.clone().into(),
            s.audit_id.into(),
            s.audit_detail.clone().into(),
            s.tokens.clone().into(),
            s.terms.clone().into(),
        ]
        .into_iter()
        .map(|v| params.bind(v))
        .collect();
        inputs.push(format!("({})", row.join(", ")));
        for status in STATUSES {
            let by_subject = counters::new_comment_deltas(s.consultation_id, s.section_id, s.stance, status);
            let find = |subject: Option<Uuid>| by_subject.iter().find(|(k, _)| *k == subject).map(|(_, d)| *d).unwrap_or_default();
            let rows = [
                ("c", Some(s.consultation_id), find(Some(s.consultation_id))),
                ("s", s.section_id, s.section_id.map(|id| find(Some(id))).unwrap_or_default()),
                ("g", None, find(None)),
            ];
            for (kind, subject, delta) in rows {
                let leading = vec![Value::from(n), status.as_str().into(), kind.into(), subject.into()];
                deltas.push(counters::row(DbBackend::Postgres, &mut params, leading, delta));
            }
        }
    }
    let sql = format!(
        "WITH input (n, consultation_id, at, section_id, new_group_id, fingerprint, id, author_id, stance, body,
                     request_id, client_hash, audit_id, audit_detail, tokens, terms) AS (VALUES {inputs}),
         open AS (
           SELECT i.*, c.moderation FROM input i JOIN consultations c ON c.id = i.consultation_id
           WHERE {open}
             AND (i.section_id IS NULL
                  OR EXISTS (SELECT 1 FROM sections s WHERE s.id = i.section_id AND s.consultation_id = i.consultation_id))
         ),
         new_group AS (
           INSERT INTO duplicate_groups (id, consultation_id, fingerprint, multi)
           SELECT DISTINCT ON (consultation_id, fingerprint) new_group_id, consultation_id, fingerprint,
                  COUNT(*) OVER (PARTITION BY consultation_id, fingerprint) > 1
           FROM open ORDER BY consultation_id, fingerprint, n
           ON CONFLICT (consultation_id, fingerprint) DO NOTHING
           RETURNING id, consultation_id, fingerprint
         ),
         old_group AS (
           SELECT g.id, g.consultation_id, g.fingerprint, g.multi FROM duplicate_groups g
           WHERE (g.consultation_id, g.fingerprint) IN (SELECT consultation_id, fingerprint FROM open)
         ),
         joining AS (
           SELECT id FROM duplicate_groups WHERE id IN (SELECT id FROM old_group WHERE NOT multi)
           ORDER BY id FOR NO KEY UPDATE
         ),
         joined AS (UPDATE duplicate_groups SET multi = true WHERE id IN (SELECT id FROM joining)),
         grp AS (
           SELECT id, consultation_id, fingerprint FROM new_group
           UNION ALL SELECT id, consultation_id, fingerprint FROM old_group
         ),
         comment AS (
           INSERT INTO comments (id, consultation_id, section_id, author_id, stance, body, status, duplicate_group_id,
                                 client_request_id, client_hash, created_at, updated_at)
           SELECT o.id, o.consultation_id, o.section_id, o.author_id, o.stance, o.body,
                  {new_status}, g.id, o.request_id, o.client_hash, o.at, o.at
           FROM open o JOIN grp g ON g.consultation_id = o.consultation_id AND g.fingerprint = o.fingerprint
           RETURNING id, status, duplicate_group_id
         ),
         deltas (n, status, kind, subject_id, shard, published, support, oppose, neutral, unreplied, pending, total) AS (
           VALUES {deltas}
         ),
         counted AS (
           INSERT INTO counters ({columns})
           SELECT CASE WHEN d.kind = 'g' THEN c.duplicate_group_id ELSE d.subject_id END, d.shard,
                  SUM(d.published), SUM(d.support), SUM(d.oppose), SUM(d.neutral), SUM(d.unreplied), SUM(d.pending), SUM(d.total)
           FROM comment c JOIN open o ON o.id = c.id JOIN deltas d ON d.n = o.n AND d.status = c.status
           WHERE (d.kind = 'g' OR d.subject_id IS NOT NULL)
             AND (d.published <> 0 OR d.support <> 0 OR d.oppose <> 0 OR d.neutral <> 0 OR d.unreplied <> 0
                  OR d.pending <> 0 OR d.total <> 0)
           GROUP BY 1, 2
           ORDER BY 1, 2
           {upsert}
         ),
         searched AS (
           INSERT INTO comment_search (comment_id, tokens)
           SELECT o.id, o.tokens FROM open o JOIN comment c ON c.id = o.id
         ),
         keyworded AS (
           INSERT INTO comment_keywords (consultation_id, scope_id, term, count, support, oppose, neutral)
           SELECT o.consultation_id, scope.id, term.term, COUNT(*),
                  COUNT(*) FILTER (WHERE o.stance = {support}), COUNT(*) FILTER (WHERE o.stance = {oppose}),
                  COUNT(*) FILTER (WHERE o.stance = {neutral})
           FROM comment c JOIN open o ON o.id = c.id
           CROSS JOIN LATERAL unnest(string_to_array(o.terms, ' ')) AS term (term)
           CROSS JOIN LATERAL (VALUES (o.consultation_id), (o.section_id)) AS scope (id)
           WHERE c.status = {published} AND scope.id IS NOT NULL
           GROUP BY 1, 2, 3
           ORDER BY 1, 2, 3
           ON CONFLICT (consultation_id, scope_id, term) DO UPDATE SET
             count = comment_keywords.count + excluded.count,
             support = comment_keywords.support + excluded.support,
             oppose = comment_keywords.oppose + excluded.oppose,
             neutral = comment_keywords.neutral + excluded.neutral
         ),
         audited AS (
           INSERT INTO audit_log (id, at, actor_id, action, subject_type, subject_id, detail)
           SELECT o.audit_id, o.at, o.author_id, {action}, 'Comment', o.id, o.audit_detail
           FROM open o JOIN comment c ON c.id = o.id
         )
         SELECT id, status, duplicate_group_id FROM comment",
        inputs = inputs.join(", "),
        deltas = deltas.join(", "),
        columns = counters::COLUMNS,
        upsert = counters::UPSERT,
    );
    (sql, params.into_values())
}
