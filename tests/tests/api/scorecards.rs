//! Department scorecards against a hand-computed fixture: timestamps are set directly in the database
//! so that every figure is known in advance.

use chrono::{DateTime, Duration, TimeZone, Utc};
use gongkai_tests::{no_limits, spawn_with, ts, TestApp};
use sea_orm::Value as SqlValue;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, fields, op};
use crate::supervisors::{appoint, file, id};

/// The period the fixture reports on: four weeks from Monday 2 March 2026.
fn period_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 0, 0, 0).single().expect("a time")
}

fn period() -> Value {
    json!({ "from": ts(period_start()), "to": ts(period_start() + Duration::days(28)) })
}

async fn sql(app: &TestApp, statement: &str, values: Vec<SqlValue>) {
    gongkai::sql::execute(&app.state.db.conn, statement, values).await.expect("a direct SQL update");
}

fn uuid(text: &str) -> Uuid {
    text.parse().expect("a UUID")
}

/// Sets when a comment was created and first replied to.
async fn comment_times(app: &TestApp, comment: &str, created: DateTime<Utc>, first_reply_after_hours: Option<i64>) {
    let replied = first_reply_after_hours.map(|h| created + Duration::hours(h));
    sql(app, "UPDATE comments SET created_at = $1, first_replied_at = $2 WHERE id = $3", vec![created.into(), replied.into(), uuid(comment).into()]).await;
}

/// Sets when an observation was filed and first answered.
async fn observation_times(app: &TestApp, observation: &str, created: DateTime<Utc>, first_answer_after_hours: Option<i64>) {
    let answered = first_answer_after_hours.map(|h| created + Duration::hours(h));
    sql(
        app,
        "UPDATE observations SET created_at = $1, first_answered_at = $2 WHERE id = $3",
        vec![created.into(), answered.into(), uuid(observation).into()],
    )
    .await;
}

async fn reply(app: &TestApp, staff: &str, comment: &str, adoption: &str) {
    app.ok(
        Some(staff),
        "mutation($input: ReplyToCommentInput!) { replyToComment(input: $input) { id } }",
        json!({ "input": { "commentId": comment, "body": "感谢您的意见。", "adoption": adoption } }),
    )
    .await;
}

async fn answer(app: &TestApp, staff: &str, observation: &str) {
    app.ok(Some(staff), &op("staff", "ReplyToObservation"), json!({ "input": { "observationId": observation, "body": "已答复。" } })).await;
}

async fn set_opens_at(app: &TestApp, consultation: &str, opens_at: DateTime<Utc>) {
    sql(app, "UPDATE consultations SET opens_at = $1 WHERE id = $2", vec![opens_at.into(), uuid(consultation).into()]).await;
}

struct Fixture {
    admin: String,
}

/// Departments A (busy), B (odd counts) and C (idle), with comments, replies and observations whose
/// times are set so that, over `period()`:
/// - A: 2 consultations opened; 5 comments received, 4 replied (1, 2, 4 and 10 hours: median 3),
///   3 adopted by latest verdict; 4 observations, 2 answered (2 and 6 hours: median 4), 1 overdue.
/// - B: 0 consultations opened; 4 comments, 3 replied (1, 5, 6 hours: median 5), 1 adopted;
///   1 observation answered after 3 hours.
/// - C: nothing.
async fn fixture(app: &TestApp) -> Fixture {
    let admin = support::account(app, "ADMIN", None).await.token;
    let a = app.department(&admin, "A-DEPT").await;
    let b = app.department(&admin, "B-DEPT").await;
    let c = app.department(&admin, "C-DEPT").await;
    let staff_a = support::account(app, "STAFF", Some(&a)).await.token;
    let staff_b = support::account(app, "STAFF", Some(&b)).await.token;
    let (a1, _) = app.draft(&staff_a, &a, json!({})).await;
    app.publish(&staff_a, &a1).await;
    let (a2_draft, _) = app.draft(&staff_a, &a, json!({})).await;
    let (a3, _) = app.draft(&staff_a, &a, json!({})).await;
    app.publish(&staff_a, &a3).await;
    let (b1, _) = app.draft(&staff_b, &b, json!({})).await;
    app.publish(&staff_b, &b1).await;
    let citizen = support::citizen(app).await.token;

    let start = period_start();
    let base = start + Duration::days(2);

    // Department A's comments.
    let mut a_comments = Vec::new();
    for i in 0..5 {
        a_comments.push(app.comment(&citizen, &a1, &format!("对第{i}条的意见")).await);
    }
    reply(app, &staff_a, &a_comments[0], "ADOPTED").await;
    reply(app, &staff_a, &a_comments[1], "PARTIALLY_ADOPTED").await;
    reply(app, &staff_a, &a_comments[2], "NOT_ADOPTED").await;
    reply(app, &staff_a, &a_comments[3], "NOT_ADOPTED").await;
    reply(app, &staff_a, &a_comments[3], "ADOPTED").await;
    for (i, hours) in [Some(1), Some(2), Some(4), Some(10), None].into_iter().enumerate() {
        comment_times(app, &a_comments[i], base + Duration::hours(i as i64), hours).await;
    }
    // Before the period: not counted.
    let early = app.comment(&citizen, &a1, "期前的意见").await;
    reply(app, &staff_a, &early, "ADOPTED").await;
    comment_times(app, &early, start - Duration::days(1), Some(100)).await;
    // Withdrawn: not counted.
    let withdrawn = app.comment(&citizen, &a1, "撤回的意见").await;
    app.ok(Some(&citizen), "mutation($id: ID!) { withdrawComment(id: $id) { id } }", json!({ "id": withdrawn })).await;
    comment_times(app, &withdrawn, base, None).await;

    // Department B's comments.
    let mut b_comments = Vec::new();
    for i in 0..4 {
        b_comments.push(app.comment(&citizen, &b1, &format!("对乙部门第{i}条的意见")).await);
    }
    reply(app, &staff_b, &b_comments[0], "ADOPTED").await;
    reply(app, &staff_b, &b_comments[1], "NOT_ADOPTED").await;
    reply(app, &staff_b, &b_comments[2], "EXPLAINED").await;
    for (i, hours) in [Some(6), Some(1), Some(5), None].into_iter().enumerate() {
        comment_times(app, &b_comments[i], base + Duration::days(1) + Duration::hours(i as i64), hours).await;
    }

    // Consultations opened in the period: A1 and A3, not the draft A2, not B1 (before the period).
    set_opens_at(app, &a1, start + Duration::days(1)).await;
    set_opens_at(app, &a2_draft, start + Duration::days(2)).await;
    set_opens_at(app, &a3, start + Duration::days(3)).await;
    set_opens_at(app, &b1, start - Duration::days(5)).await;

    // Observations.
    let supervisor = appoint(app, &admin, "监督员").await;
    let mut a_observations = Vec::new();
    for _ in 0..4 {
        a_observations.push(id(&file(app, &supervisor.token, &a, json!({})).await["id"]));
    }
    answer(app, &staff_a, &a_observations[0]).await;
    answer(app, &staff_a, &a_observations[1]).await;
    // Re-opened by a follow-up: still answered once, and not overdue (due again in 15 working days).
    app.ok(Some(&supervisor.token), &op("supervisor", "FollowUpObservation"), json!({ "id": a_observations[1], "input": { "body": "请补充。" } })).await;
    for (i, hours) in [Some(2), Some(6), None, None].into_iter().enumerate() {
        observation_times(app, &a_observations[i], base + Duration::hours(i as i64), hours).await;
    }
    let past = Utc::now() - Duration::hours(1);
    sql(app, "UPDATE observations SET due_at = $1 WHERE id = $2", vec![past.into(), uuid(&a_observations[2]).into()]).await;
    let b_observation = id(&file(app, &supervisor.token, &b, json!({})).await["id"]);
    answer(app, &staff_b, &b_observation).await;
    observation_times(app, &b_observation, base, Some(3)).await;
    // Filed before the period, and overdue: not counted.
    let b_early = id(&file(app, &supervisor.token, &b, json!({})).await["id"]);
    observation_times(app, &b_early, start - Duration::days(2), None).await;
    sql(app, "UPDATE observations SET due_at = $1 WHERE id = $2", vec![past.into(), uuid(&b_early).into()]).await;
    let _ = c;
    Fixture { admin }
}

fn number(card: &Value, field: &str) -> Option<f64> {
    card[field].as_f64()
}

#[tokio::test]
async fn scorecard_figures_match_the_hand_computed_fixture() {
    let app = spawn_with(no_limits).await;
    let f = fixture(&app).await;
    let evaluator = support::account(&app, "EVALUATOR", None).await.token;
    let by_admin = app.ok(Some(&f.admin), &op("admin", "DepartmentScorecards"), period()).await;
    let by_evaluator = app.ok(Some(&evaluator), &op("admin", "DepartmentScorecards"), period()).await;
    assert_eq!(by_admin, by_evaluator);
    let cards = by_admin["departmentScorecards"].as_array().expect("cards");
    let codes: Vec<&str> = cards.iter().map(|c| c["department"]["code"].as_str().expect("code")).collect();
    assert_eq!(codes, ["A-DEPT", "B-DEPT", "C-DEPT"]);

    let a = &cards[0];
    assert_eq!(a["consultationsOpened"], 2);
    assert_eq!(a["commentsReceived"], 5);
    assert_eq!(a["commentsReplied"], 4);
    assert_eq!(number(a, "replyRate"), Some(0.8));
    // Even count (1, 2, 4, 10): the mean of 2 and 4.
    assert_eq!(number(a, "medianFirstReplyHours"), Some(3.0));
    // ADOPTED, PARTIALLY_ADOPTED, and NOT_ADOPTED then ADOPTED (the latest verdict counts) of 4 replied.
    assert_eq!(number(a, "adoptionRate"), Some(0.75));
    assert_eq!(a["observationsReceived"], 4);
    assert_eq!(a["observationsAnswered"], 2);
    assert_eq!(a["observationsOverdue"], 1);
    assert_eq!(number(a, "medianObservationAnswerHours"), Some(4.0));

    let b = &cards[1];
    assert_eq!(b["consultationsOpened"], 0);
    assert_eq!(b["commentsReceived"], 4);
    assert_eq!(b["commentsReplied"], 3);
    assert_eq!(number(b, "replyRate"), Some(0.75));
    // Odd count (1, 5, 6): the middle one.
    assert_eq!(number(b, "medianFirstReplyHours"), Some(5.0));
    assert_eq!(number(b, "adoptionRate"), Some(1.0 / 3.0));
    assert_eq!(b["observationsReceived"], 1);
    assert_eq!(b["observationsAnswered"], 1);
    assert_eq!(b["observationsOverdue"], 0);
    assert_eq!(number(b, "medianObservationAnswerHours"), Some(3.0));

    let c = &cards[2];
    for field in ["consultationsOpened", "commentsReceived", "commentsReplied", "observationsReceived", "observationsAnswered", "observationsOverdue"] {
        assert_eq!(c[field], 0, "{field}");
    }
    for field in ["replyRate", "medianFirstReplyHours", "adoptionRate", "medianObservationAnswerHours"] {
        assert_eq!(c[field], Value::Null, "{field}");
    }
}

#[tokio::test]
async fn an_empty_period_gives_zero_counts_and_null_rates() {
    let app = spawn_with(no_limits).await;
    let f = fixture(&app).await;
    let empty = json!({ "from": ts(period_start() - Duration::days(60)), "to": ts(period_start() - Duration::days(30)) });
    let data = app.ok(Some(&f.admin), &op("admin", "DepartmentScorecards"), empty).await;
    let cards = data["departmentScorecards"].as_array().expect("cards");
    assert_eq!(cards.len(), 3);
    for card in cards {
        for field in ["consultationsOpened", "commentsReceived", "commentsReplied", "observationsReceived", "observationsAnswered", "observationsOverdue"] {
            assert_eq!(card[field], 0, "{field}");
        }
        for field in ["replyRate", "medianFirstReplyHours", "adoptionRate", "medianObservationAnswerHours"] {
            assert_eq!(card[field], Value::Null, "{field}");
        }
    }
    // The day before the period holds only the early comment, replied after 100 hours.
    let only_early = json!({ "from": ts(period_start() - Duration::days(1)), "to": ts(period_start()) });
    let data = app.ok(Some(&f.admin), &op("admin", "DepartmentScorecards"), only_early).await;
    let a = &data["departmentScorecards"][0];
    assert_eq!(a["commentsReceived"], 1);
    assert_eq!(number(a, "replyRate"), Some(1.0));
    assert_eq!(number(a, "medianFirstReplyHours"), Some(100.0));
}

#[tokio::test]
async fn only_admins_and_evaluators_read_scorecards() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let citizen = support::citizen(&app).await.token;
    let supervisor = appoint(&app, &w.admin, "监督员").await;
    let query = op("admin", "DepartmentScorecards");
    assert_eq!(app.code(None, &query, period()).await, "UNAUTHENTICATED");
    for token in [&citizen, &w.staff, &supervisor.token] {
        assert_eq!(app.code(Some(token), &query, period()).await, "FORBIDDEN");
    }
    let backwards = json!({ "from": ts(period_start()), "to": ts(period_start()) });
    assert_eq!(fields(&app.gql(Some(&w.admin), &query, backwards).await), ["to"]);
    let data = app.ok(Some(&w.admin), &query, period()).await;
    assert_eq!(data["departmentScorecards"].as_array().map(Vec::len), Some(1));
}
