//! The audit log: one entry per state-changing mutation, none for a refused one; filters, paging and
//! who may read it.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use gongkai_tests::{from_now, no_limits, spawn_with, Gql, TestApp, PASSWORD};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, cast, op};

const LATEST: &str = "query($filter: AuditFilter) { auditLog(first: 1, filter: $filter) { totalCount edges { node { action subjectType subjectId actor { id } detail at } } } }";

async fn total(app: &TestApp, admin: &str) -> i64 {
    app.ok(Some(admin), LATEST, json!({})).await["auditLog"]["totalCount"].as_i64().expect("totalCount")
}

/// Checks that exactly one entry was added since `before`, and returns it.
async fn one_more(app: &TestApp, admin: &str, before: &mut i64, action: &str, subject_type: &str) -> Value {
    let data = app.ok(Some(admin), LATEST, json!({})).await;
    let now = data["auditLog"]["totalCount"].as_i64().expect("totalCount");
    assert_eq!(now, *before + 1, "`{action}` writes exactly one entry");
    *before = now;
    let entry = data["auditLog"]["edges"][0]["node"].clone();
    assert_eq!(entry["action"], action);
    assert_eq!(entry["subjectType"], subject_type, "{action}");
    entry
}

fn ok(gql: Gql) -> Value {
    gql.data().clone()
}

#[tokio::test]
async fn every_state_changing_mutation_writes_exactly_one_entry() {
    let app = spawn_with(no_limits).await;
    let admin_account = support::account(&app, "ADMIN", None).await;
    let admin = admin_account.token.as_str();
    let mut n = total(&app, admin).await;
    assert_eq!(n, 0, "accounts made straight in the database leave no trace");

    let email = format!("audit-{}@example.cn", Uuid::new_v4().simple());
    let registered = app
        .ok(None, &op("citizen", "Register"), json!({ "input": { "email": email, "password": PASSWORD, "displayName": "审计" } }))
        .await;
    let citizen_id = registered["register"]["user"]["id"].as_str().expect("id").to_owned();
    let entry = one_more(&app, admin, &mut n, "account.register", "User").await;
    assert_eq!(entry["subjectId"], citizen_id.as_str());
    assert_eq!(entry["actor"]["id"], citizen_id.as_str());
    let citizen = app.login(&email, PASSWORD).await;
    one_more(&app, admin, &mut n, "account.login", "User").await;

    let department = app.department(admin, &support::code()).await;
    let entry = one_more(&app, admin, &mut n, "department.create", "Department").await;
    assert_eq!(entry["subjectId"], department.as_str());
    assert_eq!(entry["actor"]["id"], admin_account.id.as_str());
    let staff_email = format!("staff-{}@example.cn", Uuid::new_v4().simple());
    app.ok(
        Some(admin),
        &op("admin", "CreateAccount"),
        json!({ "input": { "email": staff_email, "displayName": "职员", "password": PASSWORD, "role": "STAFF", "departmentId": department } }),
    )
    .await;
    one_more(&app, admin, &mut n, "account.create", "User").await;
    let staff = support::account(&app, "STAFF", Some(&department)).await.token;

    let (consultation, _) = app.draft(&staff, &department, json!({})).await;
    let entry = one_more(&app, admin, &mut n, "consultation.create", "Consultation").await;
    assert_eq!(entry["subjectId"], consultation.as_str());
    app.ok(Some(&staff), &op("staff", "UpdateConsultation"), json!({ "id": consultation, "input": { "title": "改后的标题" } })).await;
    one_more(&app, admin, &mut n, "consultation.update", "Consultation").await;
    app.publish(&staff, &consultation).await;
    one_more(&app, admin, &mut n, "consultation.publish", "Consultation").await;

    let comment = support::submit_ok(&app, &citizen, &consultation, "SUPPORT", "同意", None).await;
    let entry = one_more(&app, admin, &mut n, "comment.submit", "Comment").await;
    assert_eq!(entry["subjectId"], comment.as_str());
    ok(app.gql(Some(&citizen), &op("citizen", "EditComment"), json!({ "id": comment, "input": { "body": "非常同意" } })).await);
    one_more(&app, admin, &mut n, "comment.edit", "Comment").await;
    let others = support::citizens(&app, 3).await;
    let twin = support::submit_ok(&app, &others[2].token, &consultation, "SUPPORT", "非常同意！", None).await;
    one_more(&app, admin, &mut n, "comment.submit", "Comment").await;
    ok(app.gql(Some(&others[0].token), &op("citizen", "EndorseComment"), json!({ "id": comment })).await);
    one_more(&app, admin, &mut n, "comment.endorse", "Comment").await;
    ok(app.gql(Some(&others[0].token), &op("citizen", "RemoveEndorsement"), json!({ "id": comment })).await);
    one_more(&app, admin, &mut n, "comment.remove_endorsement", "Comment").await;
    ok(support::report(&app, &others[1].token, &comment, "OFF_TOPIC").await);
    one_more(&app, admin, &mut n, "comment.report", "Comment").await;
    ok(support::moderate(&app, &staff, &comment, "HIDE", Some("核实中")).await);
    one_more(&app, admin, &mut n, "comment.moderate", "Comment").await;
    ok(support::moderate(&app, &staff, &comment, "PUBLISH", None).await);
    let entry = one_more(&app, admin, &mut n, "comment.moderate", "Comment").await;
    assert_eq!(entry["detail"]["decision"], "PUBLISH");
    ok(support::reply(&app, &staff, &comment, "ADOPTED").await);
    one_more(&app, admin, &mut n, "comment.reply", "Comment").await;
    let groups = app.ok(Some(&staff), &op("staff", "DuplicateGroups"), json!({ "id": consultation })).await;
    let group = groups["consultation"]["duplicateGroups"]["edges"][0]["node"]["id"].as_str().expect("a group").to_owned();
    let replied = app
        .ok(Some(&staff), &op("staff", "ReplyToDuplicateGroup"), json!({ "input": { "groupId": group, "body": "统一答复", "adoption": "ADOPTED" } }))
        .await;
    assert_eq!(replied["replyToDuplicateGroup"]["repliedCount"], 2);
    let entry = one_more(&app, admin, &mut n, "duplicate_group.reply", "DuplicateGroup").await;
    assert_eq!(entry["detail"]["repliedCount"], 2, "one entry for the whole group");
    ok(app.gql(Some(&others[2].token), &op("citizen", "WithdrawComment"), json!({ "id": twin })).await);
    one_more(&app, admin, &mut n, "comment.withdraw", "Comment").await;

    ok(app.gql(Some(&staff), &op("staff", "CloseConsultation"), json!({ "id": consultation })).await);
    one_more(&app, admin, &mut n, "consultation.close", "Consultation").await;
    ok(app.gql(Some(&staff), &op("staff", "ConcludeConsultation"), json!({ "id": consultation, "input": { "summary": "结论" } })).await);
    one_more(&app, admin, &mut n, "consultation.conclude", "Consultation").await;
    let (upcoming, _) = app.draft(&staff, &department, json!({ "opensAt": from_now(3600), "closesAt": from_now(7200) })).await;
    one_more(&app, admin, &mut n, "consultation.create", "Consultation").await;
    ok(app.gql(Some(&staff), &op("staff", "WithdrawConsultation"), json!({ "id": upcoming, "reason": "撤回" })).await);
    one_more(&app, admin, &mut n, "consultation.withdraw", "Consultation").await;

    ok(app.gql(Some(&citizen), &op("citizen", "ChangePassword"), json!({ "input": { "currentPassword": PASSWORD, "newPassword": "another password" } })).await);
    one_more(&app, admin, &mut n, "account.change_password", "User").await;
    ok(app.gql(Some(&citizen), &op("citizen", "Logout"), json!({})).await);
    one_more(&app, admin, &mut n, "account.logout", "User").await;
    ok(app.gql(Some(&others[0].token), &op("citizen", "LogoutEverywhere"), json!({})).await);
    one_more(&app, admin, &mut n, "account.logout_everywhere", "User").await;
    ok(app.gql(Some(admin), &op("admin", "SuspendAccount"), json!({ "id": citizen_id, "reason": "测试" })).await);
    let entry = one_more(&app, admin, &mut n, "account.suspend", "User").await;
    assert_eq!(entry["subjectId"], citizen_id.as_str());
}

#[tokio::test]
async fn refused_mutations_write_nothing() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({})).await;
    let comment = support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "原文", None).await;
    let reporter = support::citizen(&app).await;
    support::report(&app, &reporter.token, &comment, "SPAM").await.data();
    support::reply(&app, &c.lead_staff.token, &comment, "EXPLAINED").await.data();
    let admin = c.admin.token.as_str();
    let before = total(&app, admin).await;
    let refused = [
        support::report(&app, &reporter.token, &comment, "ABUSE").await,
        support::moderate(&app, &c.lead_staff.token, &comment, "PUBLISH", None).await,
        support::moderate(&app, &c.other_staff.token, &comment, "HIDE", Some("r")).await,
        support::reply(&app, &c.evaluator.token, &comment, "ADOPTED").await,
        app.gql(Some(&c.citizen.token), &op("citizen", "EditComment"), json!({ "id": comment, "input": { "body": "改" } })).await,
        support::submit(&app, &c.citizen.token, &id, "SUPPORT", "", None).await,
        app.gql(Some(&c.lead_staff.token), &op("staff", "WithdrawConsultation"), json!({ "id": id, "reason": "r" })).await,
        app.gql(Some(&c.lead_staff.token), &op("staff", "ConcludeConsultation"), json!({ "id": id, "input": { "summary": "s" } })).await,
        app.gql(Some(&c.citizen.token), &op("admin", "CreateDepartment"), json!({ "input": { "code": "NOPE", "name": "n" } })).await,
        app.gql(None, &op("citizen", "Login"), json!({ "input": { "email": c.citizen.email, "password": "wrong password" } })).await,
    ];
    for gql in &refused {
        assert!(!gql.is_ok(), "{:#}", gql.0);
    }
    assert_eq!(total(&app, admin).await, before, "a refused mutation leaves no entry");
    // Endorsing twice changes state once.
    let fan = support::citizen(&app).await;
    for _ in 0..2 {
        app.ok(Some(&fan.token), &op("citizen", "EndorseComment"), json!({ "id": comment })).await;
    }
    assert_eq!(total(&app, admin).await, before + 1);
}

#[tokio::test]
async fn the_audit_log_filters_and_pages() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let admin = c.admin.token.as_str();
    // What follows happens an hour later on the server's clock.
    app.advance_clock(chrono::Duration::hours(1));
    let started: DateTime<Utc> = app.state.clock.now() - chrono::Duration::minutes(30);
    let id = c.consultation(&app, json!({})).await;
    let citizens = support::citizens(&app, 4).await;
    for (i, who) in citizens.iter().enumerate() {
        for j in 0..5 {
            support::submit_ok(&app, &who.token, &id, "NEUTRAL", &format!("{i}-{j}"), None).await;
        }
    }
    let query = op("admin", "AuditLog");
    let count = |filter: Value| {
        let query = &query;
        let app = &app;
        async move { app.ok(Some(admin), query, json!({ "first": 1, "filter": filter })).await["auditLog"]["totalCount"].as_i64().expect("total") }
    };
    assert_eq!(count(json!({ "action": "comment.submit" })).await, 20);
    assert_eq!(count(json!({ "action": "comment.submit", "actorId": citizens[0].id })).await, 5);
    assert_eq!(count(json!({ "subjectType": "Comment" })).await, 20);
    assert_eq!(count(json!({ "subjectType": "Consultation" })).await, 2, "created and published");
    assert_eq!(count(json!({ "actorId": c.lead_staff.id })).await, 2);
    assert_eq!(count(json!({ "action": "no.such.action" })).await, 0);
    let everything = count(json!({})).await;
    assert_eq!(count(json!({ "from": gongkai_tests::ts(started) })).await, 22);
    assert_eq!(count(json!({ "to": gongkai_tests::ts(started) })).await, everything - 22, "the cast's departments");
    assert_eq!(count(json!({ "from": gongkai_tests::ts(app.state.clock.now() + chrono::Duration::seconds(60)) })).await, 0);

    let (ids, total) = support::walk(6, |after| {
        let query = &query;
        let app = &app;
        async move { app.ok(Some(admin), query, json!({ "first": 6, "after": after, "filter": { "action": "comment.submit" } })).await["auditLog"].clone() }
    })
    .await;
    assert_eq!(total, 20);
    assert_eq!(ids.len(), 20);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 20, "no repeats");
    let data = app.ok(Some(admin), &query, json!({ "first": 100, "filter": { "action": "comment.submit" } })).await;
    let times: Vec<DateTime<Utc>> = data["auditLog"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["at"].as_str().expect("at").parse().expect("time"))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let listed: Vec<&str> = data["auditLog"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["id"].as_str().expect("id")).collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>(), "pages join up into the whole list");
    let node = &data["auditLog"]["edges"][0]["node"];
    assert_eq!(node["actor"]["role"], "CITIZEN");
    assert_eq!(node["detail"]["consultationId"], id.as_str());
}

#[tokio::test]
async fn only_admins_and_evaluators_read_the_audit_log() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let query = op("admin", "AuditLog");
    assert_eq!(app.code(None, &query, json!({})).await, "UNAUTHENTICATED");
    for who in [&c.citizen, &c.lead_staff, &c.other_staff] {
        assert_eq!(app.code(Some(&who.token), &query, json!({})).await, "FORBIDDEN", "{}", who.email);
    }
    for who in [&c.admin, &c.evaluator] {
        let data = app.ok(Some(&who.token), &query, json!({})).await;
        assert_eq!(data["auditLog"]["totalCount"], 3, "the three departments");
    }
    // Evaluators read; they change nothing.
    let id = c.consultation(&app, json!({})).await;
    let e = &c.evaluator.token;
    let refused = [
        app.gql(Some(e), &op("staff", "CloseConsultation"), json!({ "id": id })).await,
        app.gql(Some(e), &op("staff", "UpdateConsultation"), json!({ "id": id, "input": { "title": "x" } })).await,
        app.gql(Some(e), &op("admin", "CreateDepartment"), json!({ "input": { "code": support::code(), "name": "n" } })).await,
        app.gql(Some(e), &op("admin", "CreateAccount"), json!({ "input": { "email": "e@example.cn", "displayName": "n", "password": PASSWORD, "role": "EVALUATOR" } })).await,
        app.gql(Some(e), &op("admin", "SuspendAccount"), json!({ "id": c.citizen.id, "reason": "r" })).await,
        support::submit(&app, e, &id, "SUPPORT", "评估意见", None).await,
    ];
    for gql in &refused {
        assert_eq!(gql.code(), "FORBIDDEN", "{:#}", gql.0);
    }
}
