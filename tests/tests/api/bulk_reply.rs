//! Bulk replies: by ids and by each filter field, each reply a normal reply (audit entry, one
//! notification per author), skipped when the same body was already replied, refused to whoever may
//! not reply; and restart-safe: a server process killed mid-job leaves no reply lost or doubled once
//! another instance resumes the job after its lease.

use std::time::Duration;

use gongkai_tests::{no_limits, spawn_with, TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::similar::{edited_letters, placed, LETTER, UNRELATED};
use crate::support::{self, op};

const INSTANCE: &str = env!("CARGO_BIN_EXE_gongkai-instance");
const BODY: &str = "感谢您的来信，相关建议已转交业务处室研究办理。";

async fn start(app: &TestApp, token: &str, input: Value) -> gongkai_tests::Gql {
    app.gql(Some(token), &op("dashboard", "StartBulkReply"), json!({ "input": input })).await
}

async fn job(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), &op("dashboard", "BulkReply"), json!({ "id": id })).await["bulkReply"].clone()
}

/// Starts a job and waits until it ends; returns the job as `bulkReply` last read it.
async fn run(app: &TestApp, token: &str, input: Value) -> Value {
    let started = start(app, token, input).await;
    let id = started.data()["startBulkReply"]["id"].as_str().expect("job id").to_owned();
    finished(app, token, &id).await
}

async fn finished(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..600 {
        let j = job(app, token, id).await;
        if j["status"] == "DONE" || j["status"] == "FAILED" {
            return j;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the bulk reply job {id} never finished");
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let db = &app.state.db.conn;
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("query").expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

fn input(consultation: &str, selection: Value) -> Value {
    let mut input = json!({ "consultationId": consultation, "body": BODY, "adoption": "EXPLAINED" });
    if let (Some(base), Some(extra)) = (input.as_object_mut(), selection.as_object()) {
        base.extend(extra.clone());
    }
    input
}

#[tokio::test]
async fn a_bulk_reply_by_ids_replies_audits_and_notifies_each_author_once() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizens = support::citizens(&app, 2).await;
    let mut ids = Vec::new();
    for (i, text) in UNRELATED.iter().enumerate() {
        ids.push(support::submit_ok(&app, &citizens[i % 2].token, &w.consultation, "SUPPORT", text, None).await);
    }
    let started = start(&app, &w.staff, input(&w.consultation, json!({ "commentIds": ids[..4] }))).await;
    let s = &started.data()["startBulkReply"];
    assert_eq!(s["total"], 4);
    assert!(s["status"] == "QUEUED" || s["status"] == "RUNNING" || s["status"] == "DONE");
    let done = finished(&app, &w.staff, s["id"].as_str().expect("id")).await;
    assert_eq!((done["status"].as_str(), done["done"].as_i64(), done["skipped"].as_i64(), done["failed"].as_i64()), (Some("DONE"), Some(4), Some(0), Some(0)));
    assert!(done["finishedAt"].is_string());
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM replies WHERE body = '{BODY}'")).await, 4);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'comment.reply'").await, 4);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'bulk_reply.start'").await, 1);
    // One COMMENT_REPLIED per author, each about their first comment among those replied.
    for (n, citizen) in citizens.iter().enumerate() {
        let inbox = app.ok(Some(&citizen.token), "{ me { notifications(first: 10) { edges { node { kind subject { ... on Comment { id } } } } } } }", json!({})).await;
        let edges = inbox["me"]["notifications"]["edges"].as_array().expect("edges").clone();
        assert_eq!(edges.len(), 1, "{inbox}");
        assert_eq!(edges[0]["node"]["kind"], "COMMENT_REPLIED");
        assert_eq!(edges[0]["node"]["subject"]["id"], ids[n].as_str());
    }
    // The public counters saw the replies.
    assert_eq!(support::staff_counts(&app, &w.staff, &w.consultation).await["unrepliedCount"], 1);
}

#[tokio::test]
async fn a_comment_already_replied_with_the_same_body_is_skipped() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizen = support::citizen(&app).await;
    let a = support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", UNRELATED[0], None).await;
    let b = support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", UNRELATED[1], None).await;
    app.ok(Some(&w.staff), &op("staff", "ReplyToComment"), json!({ "input": { "commentId": a, "body": BODY, "adoption": "EXPLAINED" } })).await;
    let first = run(&app, &w.staff, input(&w.consultation, json!({ "commentIds": [a, b] }))).await;
    assert_eq!((first["done"].as_i64(), first["skipped"].as_i64()), (Some(1), Some(1)));
    // The same job again replies to nothing.
    let again = run(&app, &w.staff, input(&w.consultation, json!({ "commentIds": [a, b] }))).await;
    assert_eq!((again["done"].as_i64(), again["skipped"].as_i64()), (Some(0), Some(2)));
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM replies WHERE body = '{BODY}'")).await, 2);
}

#[tokio::test]
async fn a_bulk_reply_by_filter_selects_by_each_field() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizen = support::citizen(&app).await;
    let s0 = w.sections[0].as_str();
    // Three copies of the letter (one exact group) and an edited one (the same similar group), in
    // section 0, supporting; two unrelated ones in section 1, opposing.
    let mut letter = Vec::new();
    for _ in 0..3 {
        letter.push(support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", LETTER, Some(s0)).await);
    }
    letter.push(support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", &edited_letters()[0], Some(s0)).await);
    for text in &UNRELATED[..2] {
        support::submit_ok(&app, &citizen.token, &w.consultation, "OPPOSE", text, Some(w.sections[1].as_str())).await;
    }
    support::submit_ok(&app, &citizen.token, &w.consultation, "NEUTRAL", UNRELATED[2], None).await;
    placed(&app).await;
    let similar = app.ok(Some(&w.staff), &op("dashboard", "SimilarGroups"), json!({ "id": w.consultation })).await;
    let similar = similar["consultation"]["similarGroups"]["edges"][0]["node"]["id"].clone();
    let duplicate = app.ok(Some(&w.staff), "query($id: ID!) { consultation(id: $id) { duplicateGroups { edges { node { id } } } } }", json!({ "id": w.consultation })).await;
    let duplicate = duplicate["consultation"]["duplicateGroups"]["edges"][0]["node"]["id"].clone();
    let total = |filter: Value| {
        let app = &app;
        let w = &w;
        async move {
            let j = start(app, &w.staff, input(&w.consultation, json!({ "filter": filter }))).await;
            j.data()["startBulkReply"]["total"].as_i64().expect("total")
        }
    };
    assert_eq!(total(json!({ "sectionId": w.sections[1] })).await, 2);
    assert_eq!(total(json!({ "stance": "NEUTRAL" })).await, 1);
    assert_eq!(total(json!({ "stance": "SUPPORT", "sectionId": s0 })).await, 4);
    assert_eq!(total(json!({ "similarGroupId": similar })).await, 4);
    assert_eq!(total(json!({ "duplicateGroupId": duplicate })).await, 3);
    // Words as `comments(search:)` finds them: the letter and its edit, then one unrelated text.
    assert_eq!(total(json!({ "search": "公交" })).await, 4);
    assert_eq!(total(json!({ "search": "电梯", "stance": "OPPOSE" })).await, 1);
    // Wait for those jobs, then reply once more to the unreplied only: none is left.
    for _ in 0..400 {
        if count(&app, "SELECT COUNT(*) FROM bulk_reply_jobs WHERE status <> 'DONE'").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(total(json!({ "unrepliedOnly": true })).await, 0);
    assert_eq!(total(json!({ "unrepliedOnly": false })).await, 7);
    // Every comment was replied exactly once with the body, however many jobs chose it.
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM (SELECT comment_id FROM replies WHERE body = '{BODY}' GROUP BY comment_id HAVING COUNT(*) > 1) x")).await, 0);
    let groups = app.ok(Some(&w.staff), &op("dashboard", "SimilarGroups"), json!({ "id": w.consultation })).await;
    assert_eq!(groups["consultation"]["similarGroups"]["edges"][0]["node"]["repliedCount"], 4);
}

#[tokio::test]
async fn bad_selections_and_callers_who_may_not_reply_are_refused() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let citizen = support::citizen(&app).await;
    let id = support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", UNRELATED[0], None).await;
    let field = |gql: &gongkai_tests::Gql| support::fields(gql);
    let both = start(&app, &w.staff, input(&w.consultation, json!({ "commentIds": [id], "filter": {} }))).await;
    assert_eq!((both.code(), field(&both)), ("BAD_USER_INPUT".to_owned(), vec!["commentIds".to_owned()]));
    let neither = start(&app, &w.staff, input(&w.consultation, json!({}))).await;
    assert_eq!(neither.code(), "BAD_USER_INPUT");
    let many: Vec<String> = (0..1001).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let too_many = start(&app, &w.staff, input(&w.consultation, json!({ "commentIds": many }))).await;
    assert_eq!((too_many.code(), field(&too_many)), ("BAD_USER_INPUT".to_owned(), vec!["commentIds".to_owned()]));
    let foreign = start(&app, &w.staff, input(&w.consultation, json!({ "commentIds": [uuid::Uuid::new_v4().to_string()] }))).await;
    assert_eq!(foreign.code(), "BAD_USER_INPUT");
    let search = start(&app, &w.staff, input(&w.consultation, json!({ "filter": { "search": "！？……" } }))).await;
    assert_eq!((search.code(), field(&search)), ("BAD_USER_INPUT".to_owned(), vec!["filter.search".to_owned()]));
    let section = start(&app, &w.staff, input(&w.consultation, json!({ "filter": { "sectionId": uuid::Uuid::new_v4().to_string() } }))).await;
    assert_eq!(field(&section), ["filter.sectionId"]);
    let empty = start(&app, &w.staff, json!({ "consultationId": w.consultation, "body": "  ", "adoption": "EXPLAINED", "commentIds": [id] })).await;
    assert_eq!((empty.code(), field(&empty)), ("BAD_USER_INPUT".to_owned(), vec!["body".to_owned()]));
    // Who may not reply.
    let other_department = app.department(&w.admin, &support::code()).await;
    let outsider = app.staff(&w.admin, &other_department).await;
    let selection = input(&w.consultation, json!({ "commentIds": [id] }));
    assert_eq!(start(&app, &citizen.token, selection.clone()).await.code(), "FORBIDDEN");
    assert_eq!(start(&app, &outsider, selection.clone()).await.code(), "FORBIDDEN");
    assert_eq!(app.code(None, &op("dashboard", "StartBulkReply"), json!({ "input": selection.clone() })).await, "UNAUTHENTICATED");
    // The job is read by the consultation's staff and admins; for anyone else it does not exist.
    let done = run(&app, &w.admin, selection).await;
    let job_id = done["id"].as_str().expect("id");
    assert_eq!(job(&app, &w.staff, job_id).await["done"], 1);
    for token in [Some(citizen.token.as_str()), Some(outsider.as_str()), None] {
        assert_eq!(app.code(token, &op("dashboard", "BulkReply"), json!({ "id": job_id })).await, "NOT_FOUND");
    }
    assert_eq!(app.code(Some(&w.staff), &op("dashboard", "BulkReply"), json!({ "id": uuid::Uuid::new_v4().to_string() })).await, "NOT_FOUND");
}

/// Starts a slow job on a server process of its own, kills the process mid-job (`kill -9`), and lets
/// this instance resume it once the lease has run out, by real time or by `advance` on its clock.
async fn killed_mid_job_and_resumed(lease_seconds: u64, advance: bool) {
    let app = spawn_with(|c| {
        no_limits(c);
        c.bulk_reply_chunk = 5;
        c.bulk_reply_pause = Duration::from_millis(250);
        c.bulk_reply_lease = Duration::from_secs(lease_seconds);
        // This instance looks for jobs only when the test wakes it.
        c.outbox_poll = Duration::from_secs(3600);
    })
    .await;
    let w = app.world().await;
    let citizens = support::citizens(&app, 4).await;
    let mut ids = Vec::new();
    for i in 0..40 {
        ids.push(support::submit_ok(&app, &citizens[i % 4].token, &w.consultation, "SUPPORT", &format!("第{i}条意见：{}", UNRELATED[i % 5]), None).await);
    }
    let other = gongkai_tests::spawn_process(INSTANCE, &app.state.config).await;
    // Signed in on the other process (on SQLite without Redis each process keeps its own sessions),
    // which starts the job and so takes it at once.
    let staff = support::account(&app, "STAFF", Some(&w.department)).await;
    let login = other
        .ok(None, "mutation($input: LoginInput!) { login(input: $input) { token } }", json!({ "input": { "email": staff.email, "password": gongkai_tests::PASSWORD } }))
        .await;
    let token = login["login"]["token"].as_str().expect("a token").to_owned();
    let started = other.gql(Some(&token), &op("dashboard", "StartBulkReply"), json!({ "input": input(&w.consultation, json!({ "commentIds": ids })) })).await;
    let id = started.data()["startBulkReply"]["id"].as_str().expect("id").to_owned();
    // Wait until the other process is mid-job, then kill it.
    let mut seen = 0;
    for _ in 0..400 {
        seen = job(&app, &w.staff, &id).await["done"].as_i64().unwrap_or(0);
        if seen >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(other);
    let at_kill = job(&app, &w.staff, &id).await;
    assert!(seen >= 5 && at_kill["done"].as_i64().is_some_and(|d| d < 40), "killed mid-job: {at_kill}");
    assert_eq!(at_kill["status"], "RUNNING");
    // Before the lease runs out this instance leaves the job alone.
    app.state.bulk_reply_wake.notify_one();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(job(&app, &w.staff, &id).await["done"], at_kill["done"]);
    if advance {
        app.advance_clock(chrono::Duration::seconds(lease_seconds as i64 + 1));
    } else {
        tokio::time::sleep(Duration::from_secs(lease_seconds) + Duration::from_millis(200)).await;
    }
    app.state.bulk_reply_wake.notify_one();
    let done = finished(&app, &w.staff, &id).await;
    assert_eq!((done["status"].as_str(), done["done"].as_i64(), done["skipped"].as_i64(), done["failed"].as_i64()), (Some("DONE"), Some(40), Some(0), Some(0)));
    // Each comment replied exactly once; each reply audited once.
    assert_eq!(count(&app, &format!("SELECT COUNT(DISTINCT comment_id) FROM replies WHERE body = '{BODY}'")).await, 40);
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM replies WHERE body = '{BODY}'")).await, 40);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM audit_log WHERE action = 'comment.reply'").await, 40);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'COMMENT_REPLIED'").await, 4, "one per author, across the chunks and the restart");
}

#[tokio::test]
async fn a_job_whose_server_was_killed_is_resumed_after_its_lease_without_a_lost_or_doubled_reply() {
    killed_mid_job_and_resumed(2, false).await;
}

#[tokio::test]
async fn a_job_whose_lease_ran_out_on_the_test_clock_is_taken_over() {
    killed_mid_job_and_resumed(60, true).await;
}

#[tokio::test]
async fn two_instances_taking_a_job_from_each_other_as_its_lease_runs_out_reply_to_each_comment_once() {
    // The lease (1 s) runs out in every pause between chunks (1.2 s): the other instance takes the
    // job, and the one that held it finds its token gone at its next chunk and leaves the job alone.
    let app = spawn_with(|c| {
        no_limits(c);
        c.bulk_reply_chunk = 2;
        c.bulk_reply_pause = Duration::from_millis(1200);
        c.bulk_reply_lease = Duration::from_secs(1);
        c.outbox_poll = Duration::from_millis(200);
    })
    .await;
    let w = app.world().await;
    let citizen = support::citizen(&app).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(support::submit_ok(&app, &citizen.token, &w.consultation, "SUPPORT", &format!("第{i}条：{}", UNRELATED[i % 5]), None).await);
    }
    let _other = gongkai_tests::spawn_process(INSTANCE, &app.state.config).await;
    let done = run(&app, &w.staff, input(&w.consultation, json!({ "commentIds": ids }))).await;
    assert_eq!((done["status"].as_str(), done["done"].as_i64(), done["skipped"].as_i64(), done["failed"].as_i64()), (Some("DONE"), Some(10), Some(0), Some(0)));
    assert_eq!(count(&app, &format!("SELECT COUNT(*) FROM replies WHERE body = '{BODY}'")).await, 10);
    assert_eq!(count(&app, &format!("SELECT COUNT(DISTINCT comment_id) FROM replies WHERE body = '{BODY}'")).await, 10);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM notifications WHERE kind = 'COMMENT_REPLIED'").await, 1, "one for the author of all ten, across five chunks");
}
