//! Submissions written together on PostgreSQL (server/src/services/comments/submission/batch.rs): one statement for
//! several submissions writes each one whole or passes it over, exactly as it would alone, and a batch
//! whose statement fails is written again one by one, so one submission's error is never another's.
//! PostgreSQL only: SQLite writes each submission in its own transaction.

use std::time::Duration;

use gongkai::domain::{CommentStatus, Stance};
use gongkai::services::counters::{self, Counts};
use gongkai::clock::Clock;
use gongkai::services::comments::submission::{self, Submission, Submissions};
use gongkai_tests::{no_limits, spawn_with, using_postgres, TestApp};
use sea_orm::{ConnectionTrait, TransactionTrait, Value};
use serde_json::json;
use uuid::Uuid;

fn submission(consultation: Uuid, section: Option<Uuid>, author: Uuid, stance: Stance, body: &str) -> Submission {
    let clock = Clock::default();
    let (id, at) = clock.new_id_and_time();
    Submission {
        id,
        at,
        consultation_id: consultation,
        section_id: section,
        author_id: author,
        stance,
        body: body.to_owned(),
        fingerprint: gongkai::domain::fingerprint(body),
        request_id: None,
        client_hash: "batch-test".to_owned(),
        new_group_id: clock.new_id(),
        audit_id: clock.new_id(),
        audit_detail: json!({ "consultationId": consultation }).to_string(),
        tokens: gongkai::search::index_tokens(body),
        terms: gongkai::search::keyword_terms(body).join(" "),
    }
}

async fn count(app: &TestApp, sql: &str, values: Vec<Value>) -> i64 {
    gongkai::sql::count(&app.state.db.conn, sql, values).await.expect(sql)
}

fn uuid(text: &str) -> Uuid {
    text.parse().expect("a UUID")
}

/// On PostgreSQL, a server and a single submission writer of the test's own (so that what is queued
/// while it writes goes out as its next batch); None, with a note, on SQLite.
async fn one_writer() -> Option<(TestApp, Submissions)> {
    if !using_postgres() {
        gongkai_tests::skipped("batches are PostgreSQL's (set TEST_DATABASE_URL)");
        return None;
    }
    let app = spawn_with(no_limits).await;
    let statements = app.state.db.statements.clone().expect("statement connections on PostgreSQL");
    let writers = Submissions::start(statements, app.state.db.clone(), app.state.events.clone(), app.state.clock.clone(), 1);
    Some((app, writers))
}

/// Queues `submission` on `writers` in a task of its own.
fn queue(writers: &Submissions, submission: Submission) -> tokio::task::JoinHandle<gongkai::error::AppResult<Option<submission::Written>>> {
    let writers = writers.clone();
    tokio::spawn(async move { writers.write(submission).await })
}

#[tokio::test]
async fn one_statement_writes_each_submission_of_a_batch_whole_or_not_at_all() {
    if !using_postgres() {
        gongkai_tests::skipped("batches are PostgreSQL's (set TEST_DATABASE_URL)");
        return;
    }
    let app = spawn_with(no_limits).await;
    let statements = app.state.db.statements.clone().expect("statement connections on PostgreSQL");
    let open = app.world().await;
    let consultation = uuid(&open.consultation);
    let section = uuid(&open.sections[0]);
    let premoderated = app.world_with(json!({ "moderation": "PRE" })).await;
    let (staff_draft, _) = app.draft(&open.staff, &open.department, json!({})).await;
    let mut authors = Vec::new();
    for i in 0..8 {
        authors.push(uuid(&app.citizen(&format!("批量{i}")).await.1));
    }
    // A text that already has one comment (its group is not yet a campaign).
    let (early, _) = app.citizen("先到").await;
    let early_comment = app.comment(&early, &open.consultation, "已有一条的意见").await;
    let before = counters::load_one(&app.state.db.conn, consultation).await.expect("counts");

    let campaign = "同一段联署文字，请予采纳";
    let batch = [
        submission(consultation, None, authors[0], Stance::Support, campaign),
        submission(consultation, Some(section), authors[1], Stance::Support, campaign),
        submission(consultation, None, authors[2], Stance::Oppose, "已有一条的意见"),
        submission(consultation, Some(section), authors[3], Stance::Neutral, "针对第一条的独立意见"),
        submission(uuid(&staff_draft), None, authors[4], Stance::Support, "草稿不收意见"),
        submission(consultation, Some(uuid(&premoderated.sections[0])), authors[5], Stance::Support, "别处的条款"),
        submission(uuid(&premoderated.consultation), None, authors[6], Stance::Oppose, "先审后发的意见"),
    ];
    let refs: Vec<&Submission> = batch.iter().collect();
    let written = submission::write(&statements, &refs).await.expect("the batch statement");

    // The draft's and the foreign section's submissions were passed over; the others were written.
    assert_eq!(written.len(), 5, "{written:?}");
    assert!(!written.contains_key(&batch[4].id) && !written.contains_key(&batch[5].id));
    let group = |i: usize| written[&batch[i].id].group_id;
    assert_eq!(group(0), group(1), "one new text in one batch: one group");
    assert_eq!((written[&batch[6].id].status, written[&batch[6].id].id), (CommentStatus::Pending, batch[6].id));
    assert_eq!(written[&batch[0].id].status, CommentStatus::Published);
    let early_group: Uuid = gongkai::sql::rows(&app.state.db.conn, "SELECT duplicate_group_id FROM comments WHERE id = $1", vec![uuid(&early_comment).into()])
        .await
        .expect("row")[0]
        .try_get("", "duplicate_group_id")
        .expect("group");
    assert_eq!(group(2), early_group, "the second comment of a text joins its group");
    for (g, members) in [(group(0), 2), (early_group, 2), (group(3), 1)] {
        assert_eq!(count(&app, "SELECT COUNT(*) FROM comments WHERE duplicate_group_id = $1", vec![g.into()]).await, members);
        let multi = count(&app, "SELECT COUNT(*) FROM duplicate_groups WHERE id = $1 AND multi = true", vec![g.into()]).await;
        assert_eq!(multi, i64::from(members > 1), "a group is a campaign from its second comment on");
    }
    // Nothing of the passed-over submissions, an audit entry for each written one.
    for skipped in [&batch[4], &batch[5]] {
        assert_eq!(count(&app, "SELECT COUNT(*) FROM comments WHERE id = $1", vec![skipped.id.into()]).await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE subject_id = $1", vec![skipped.id.into()]).await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) FROM duplicate_groups WHERE fingerprint = $1", vec![skipped.fingerprint.clone().into()]).await, 0);
    }
    for id in written.keys() {
        assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE subject_id = $1 AND action = 'comment.submit'", vec![(*id).into()]).await, 1);
    }

    // The counters moved by exactly the four published comments of the open consultation, the section's
    // by its two, each group's by its members, and the pre-moderated consultation's by one pending.
    let after = counters::load_one(&app.state.db.conn, consultation).await.expect("counts");
    let delta = |f: fn(&Counts) -> i64| f(&after) - f(&before);
    assert_eq!(delta(|c| c.published), 4);
    assert_eq!((delta(|c| c.support), delta(|c| c.oppose), delta(|c| c.neutral)), (2, 1, 1));
    assert_eq!(delta(|c| c.unreplied), 4);
    assert_eq!(counters::load_one(&app.state.db.conn, section).await.expect("section").published, 2);
    assert_eq!(counters::load_one(&app.state.db.conn, group(0)).await.expect("group").total, 2);
    assert_eq!(counters::load_one(&app.state.db.conn, early_group).await.expect("group").total, 2);
    let pre = counters::load_one(&app.state.db.conn, uuid(&premoderated.consultation)).await.expect("counts");
    assert_eq!((pre.pending, pre.published), (1, 0));
}

/// Holds the writer on its first batch (a lock on `audit_log`) until the next submissions are queued,
/// so that they go out together: one of them reuses a clientRequestId, which fails the batch's
/// statement; the batch is written again one by one and only that one gets the error.
#[tokio::test]
async fn a_failing_submission_fails_alone() {
    let Some((app, writers)) = one_writer().await else { return };
    let w = app.world().await;
    let consultation = uuid(&w.consultation);
    let mut authors = Vec::new();
    for i in 0..4 {
        authors.push(uuid(&app.citizen(&format!("重试{i}")).await.1));
    }
    let mut taken = submission(consultation, None, authors[0], Stance::Support, "第一次提交");
    taken.request_id = Some("req-1".to_owned());
    assert!(writers.write(taken.clone()).await.expect("written").is_some());

    let holder = app.state.db.conn.begin().await.expect("begin");
    holder.execute_unprepared("LOCK TABLE audit_log IN EXCLUSIVE MODE").await.expect("lock");
    let first = queue(&writers, submission(consultation, None, authors[1], Stance::Support, "排在最前"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut again = submission(consultation, None, authors[0], Stance::Support, "第二次提交，同一个请求号");
    again.request_id = Some("req-1".to_owned());
    let others = [submission(consultation, None, authors[2], Stance::Oppose, "同批之一"), again, submission(consultation, None, authors[3], Stance::Neutral, "同批之二")];
    let queued: Vec<_> = others.into_iter().map(|s| queue(&writers, s)).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    holder.rollback().await.expect("release");

    assert!(first.await.expect("task").expect("first").is_some());
    let mut answers = Vec::new();
    for task in queued {
        answers.push(task.await.expect("task"));
    }
    assert!(answers[0].as_ref().expect("ok").is_some(), "{:?}", answers[0]);
    assert!(answers[1].is_err(), "the reused clientRequestId is refused: {:?}", answers[1]);
    assert!(answers[2].as_ref().expect("ok").is_some(), "{:?}", answers[2]);
    // Nothing of it was written: its author still has the one comment and the one audit entry.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM comments WHERE author_id = $1", vec![authors[0].into()]).await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE actor_id = $1 AND action = 'comment.submit'", vec![authors[0].into()]).await, 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM comments WHERE consultation_id = $1", vec![consultation.into()]).await,
        4,
        "the first, the one before the lock and the two beside the failing one"
    );
    let counts = counters::load_one(&app.state.db.conn, consultation).await.expect("counts");
    assert_eq!((counts.published, counts.unreplied), (4, 4));
}

/// A submission is checked against the consultation as it is written, not as it was queued: one that
/// waits behind a batch while a manager closes the consultation is not written. And a comment the
/// writer wrote is announced (cache generation, live event) by the writer, whether or not its request
/// is still waiting for the answer.
#[tokio::test]
async fn a_queued_submission_meets_the_consultation_as_it_is_when_written() {
    let Some((app, writers)) = one_writer().await else { return };
    let w = app.world().await;
    let consultation = uuid(&w.consultation);
    let first_author = uuid(&app.citizen("早到").await.1);
    let late_author = uuid(&app.citizen("晚到").await.1);

    // The writer is held on its first batch (a lock on counters, which closing does not touch).
    let holder = app.state.db.conn.begin().await.expect("begin");
    holder.execute_unprepared("LOCK TABLE counters IN EXCLUSIVE MODE").await.expect("lock");
    let first = queue(&writers, submission(consultation, None, first_author, Stance::Support, "关闭之前的意见"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let late = queue(&writers, submission(consultation, None, late_author, Stance::Support, "关闭之后才轮到的意见"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.ok(Some(&w.staff), "mutation($id: ID!) { closeConsultation(id: $id) { id } }", json!({ "id": w.consultation })).await;
    // The first request gives up before its answer; its comment is written and announced all the same.
    first.abort();
    let generation = app.state.db.generation();
    holder.rollback().await.expect("release");

    let late = late.await.expect("task").expect("answer");
    assert!(late.is_none(), "written after the consultation closed: {late:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM comments WHERE author_id = $1", vec![late_author.into()]).await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM comments WHERE author_id = $1", vec![first_author.into()]).await, 1);
    // One writer: the late submission's batch came after the first one's announcement.
    assert!(app.state.db.generation() > generation, "the written comment made cached public answers stale");
}
