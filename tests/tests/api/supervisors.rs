//! Supervisor applications, their review, appointments and revocation; and the helpers the observation
//! and scorecard tests share.

use chrono::{DateTime, Months, Utc};
use gongkai_tests::{no_limits, spawn_with, TestApp};
use serde_json::{json, Value};

use crate::support::{self, fields, op};

pub fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap_or_else(|| panic!("not a time: {value}"))).expect("an RFC 3339 time").with_timezone(&Utc)
}

pub fn id(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("not an id: {value}")).to_owned()
}

pub fn application_input(category: &str) -> Value {
    json!({
        "realName": "王小明",
        "category": category,
        "organization": "市人大代表联络站",
        "phone": "138 0013 8000",
        "statement": "希望监督各部门政务公开工作。"
    })
}

/// Applies as `token`; returns the application's id.
pub async fn apply(app: &TestApp, token: &str) -> String {
    let data = app.ok(Some(token), &op("citizen", "ApplyForSupervisor"), json!({ "input": application_input("NPC_DEPUTY") })).await;
    id(&data["applyForSupervisor"]["id"])
}

pub async fn approve(app: &TestApp, admin: &str, application: &str, term_months: Option<i32>) -> Value {
    let data = app
        .ok(
            Some(admin),
            &op("admin", "ReviewSupervisorApplication"),
            json!({ "id": application, "input": { "decision": "APPROVE", "termMonths": term_months } }),
        )
        .await;
    data["reviewSupervisorApplication"].clone()
}

/// A citizen appointed supervisor.
pub struct Appointed {
    pub token: String,
    pub user_id: String,
    pub supervisor_id: String,
}

/// A citizen (made directly, with display name `name`) who applies and whose application `admin`
/// approves.
pub async fn appoint(app: &TestApp, admin: &str, name: &str) -> Appointed {
    let support::Account { token, id: user_id, .. } = support::citizen(app).await;
    let user: uuid::Uuid = user_id.parse().expect("a user id");
    gongkai::sql::execute(&app.state.db.conn, "UPDATE users SET display_name = $1 WHERE id = $2", vec![name.into(), user.into()])
        .await
        .expect("name the citizen");
    let application = apply(app, &token).await;
    let reviewed = approve(app, admin, &application, None).await;
    Appointed { token, user_id, supervisor_id: id(&reviewed["supervisor"]["id"]) }
}

/// Files an observation on `department` with `extra` input fields; returns the observation.
pub async fn file(app: &TestApp, token: &str, department: &str, extra: Value) -> Value {
    let mut input = json!({ "departmentId": department, "kind": "DISCLOSURE", "title": "预算信息未按时公开", "body": "本部门2026年预算至今未在网站公开。" });
    if let (Some(base), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    app.ok(Some(token), &op("supervisor", "FileObservation"), json!({ "input": input })).await["fileObservation"].clone()
}

/// Audit actions recorded on one subject, oldest first.
pub async fn audit_actions(app: &TestApp, admin: &str, subject_type: &str) -> Vec<String> {
    let data = app
        .ok(Some(admin), &op("admin", "AuditLog"), json!({ "first": 100, "filter": { "subjectType": subject_type } }))
        .await;
    let mut actions: Vec<String> =
        data["auditLog"]["edges"].as_array().expect("edges").iter().map(|e| e["node"]["action"].as_str().expect("action").to_owned()).collect();
    actions.reverse();
    actions
}

#[tokio::test]
async fn an_application_is_reviewed_into_an_appointment() {
    let app = spawn_with(no_limits).await;
    let admin = support::account(&app, "ADMIN", None).await.token;
    let (citizen, citizen_id) = app.citizen("王小明").await;
    let applied = app.ok(Some(&citizen), &op("citizen", "ApplyForSupervisor"), json!({ "input": application_input("EXPERT") })).await;
    let application = id(&applied["applyForSupervisor"]["id"]);
    assert_eq!(applied["applyForSupervisor"]["status"], "PENDING");
    assert_eq!(applied["applyForSupervisor"]["category"], "EXPERT");

    let mine = app.ok(Some(&citizen), &op("citizen", "MySupervisorApplications"), json!({})).await;
    assert_eq!(mine["me"]["supervisorApplications"][0]["id"], application);
    assert_eq!(mine["me"]["supervisorApplications"][0]["organization"], "市人大代表联络站");
    assert_eq!(mine["me"]["supervisor"], Value::Null);

    let pending = app.ok(Some(&admin), &op("admin", "SupervisorApplications"), json!({ "status": "PENDING" })).await;
    let list = &pending["supervisorApplications"];
    assert_eq!(list["totalCount"], 1);
    let node = &list["edges"][0]["node"];
    assert_eq!(node["realName"], "王小明");
    assert_eq!(node["phone"], "138 0013 8000");
    assert_eq!(node["applicant"]["id"], citizen_id);
    assert!(node["applicant"]["email"].as_str().is_some_and(|e| e.contains('@')));
    let approved = app.ok(Some(&admin), &op("admin", "SupervisorApplications"), json!({ "status": "APPROVED" })).await;
    assert_eq!(approved["supervisorApplications"]["totalCount"], 0);

    let reviewed = approve(&app, &admin, &application, Some(12)).await;
    assert_eq!(reviewed["status"], "APPROVED");
    assert!(reviewed["reviewedAt"].is_string());
    let supervisor = &reviewed["supervisor"];
    assert_eq!(supervisor["active"], true);
    let start = time(&supervisor["termStart"]);
    assert_eq!(time(&supervisor["termEnd"]), start.checked_add_months(Months::new(12)).expect("a date"));

    let me = app.ok(Some(&citizen), &op("citizen", "Me"), json!({})).await;
    assert_eq!(me["me"]["supervisor"]["id"], supervisor["id"]);
    assert_eq!(me["me"]["supervisor"]["category"], "EXPERT");
    assert_eq!(me["me"]["supervisor"]["active"], true);
    let mine = app.ok(Some(&citizen), &op("citizen", "MySupervisorApplications"), json!({})).await;
    assert_eq!(mine["me"]["supervisorApplications"][0]["status"], "APPROVED");
    assert!(mine["me"]["supervisorApplications"][0]["reviewedAt"].is_string());

    let evaluator = support::account(&app, "EVALUATOR", None).await.token;
    for token in [&admin, &evaluator] {
        let listed = app.ok(Some(token), &op("admin", "Supervisors"), json!({ "active": true })).await;
        assert_eq!(listed["supervisors"]["totalCount"], 1);
        let node = &listed["supervisors"]["edges"][0]["node"];
        assert_eq!(node["displayName"], "王小明");
        assert_eq!(node["observationCount"], 0);
        assert_eq!(node["active"], true);
    }
    assert_eq!(audit_actions(&app, &admin, "SupervisorApplication").await, ["supervisor_application.apply", "supervisor_application.review"]);
}

#[tokio::test]
async fn the_default_term_is_24_months() {
    let app = spawn_with(no_limits).await;
    let admin = support::account(&app, "ADMIN", None).await.token;
    let citizen = support::citizen(&app).await.token;
    let application = apply(&app, &citizen).await;
    let supervisor = approve(&app, &admin, &application, None).await["supervisor"].clone();
    let start = time(&supervisor["termStart"]);
    assert_eq!(time(&supervisor["termEnd"]), start.checked_add_months(Months::new(24)).expect("a date"));
}

#[tokio::test]
async fn only_citizens_apply_and_one_application_may_be_pending() {
    let app = spawn_with(no_limits).await;
    let admin = support::account(&app, "ADMIN", None).await.token;
    let department = app.department(&admin, "SUPV").await;
    let staff = support::account(&app, "STAFF", Some(&department)).await.token;
    let apply_op = op("citizen", "ApplyForSupervisor");
    let input = json!({ "input": application_input("CITIZEN") });
    assert_eq!(app.code(None, &apply_op, input.clone()).await, "UNAUTHENTICATED");
    assert_eq!(app.code(Some(&staff), &apply_op, input.clone()).await, "FORBIDDEN");
    assert_eq!(app.code(Some(&admin), &apply_op, input.clone()).await, "FORBIDDEN");

    let citizen = support::citizen(&app).await.token;
    let first = apply(&app, &citizen).await;
    assert_eq!(app.code(Some(&citizen), &apply_op, input.clone()).await, "CONFLICT");

    let other = support::citizen(&app).await.token;
    let withdraw = op("citizen", "WithdrawSupervisorApplication");
    assert_eq!(app.code(Some(&other), &withdraw, json!({ "id": first })).await, "NOT_FOUND");
    let withdrawn = app.ok(Some(&citizen), &withdraw, json!({ "id": first })).await;
    assert_eq!(withdrawn["withdrawSupervisorApplication"]["status"], "WITHDRAWN");
    assert_eq!(app.code(Some(&citizen), &withdraw, json!({ "id": first })).await, "CONFLICT");

    // Withdrawn, the user may apply again; once appointed, not while the appointment runs.
    let second = apply(&app, &citizen).await;
    approve(&app, &admin, &second, None).await;
    assert_eq!(app.code(Some(&citizen), &apply_op, input).await, "CONFLICT");
    assert_eq!(app.code(Some(&citizen), &withdraw, json!({ "id": second })).await, "CONFLICT");
    assert_eq!(audit_actions(&app, &admin, "SupervisorApplication").await.len(), 4);
}

#[tokio::test]
async fn application_input_is_validated_field_by_field() {
    let app = spawn_with(no_limits).await;
    let citizen = support::citizen(&app).await.token;
    let response = app
        .gql(
            Some(&citizen),
            &op("citizen", "ApplyForSupervisor"),
            json!({ "input": { "realName": "  ", "category": "MEDIA", "organization": "x".repeat(101), "phone": "call me", "statement": "" } }),
        )
        .await;
    assert_eq!(fields(&response), ["organization", "phone", "realName", "statement"]);
    let response = app.gql(Some(&citizen), &op("citizen", "ApplyForSupervisor"), json!({ "input": { "realName": "孙八", "category": "NOBODY", "phone": "12345", "statement": "s" } })).await;
    assert_eq!(response.code(), "BAD_USER_INPUT");
    let mine = app.ok(Some(&citizen), &op("citizen", "MySupervisorApplications"), json!({})).await;
    assert_eq!(mine["me"]["supervisorApplications"], json!([]));
}

#[tokio::test]
async fn only_admins_review_and_a_rejection_needs_a_note() {
    let app = spawn_with(no_limits).await;
    let admin = support::account(&app, "ADMIN", None).await.token;
    let department = app.department(&admin, "REVW").await;
    let staff = support::account(&app, "STAFF", Some(&department)).await.token;
    let evaluator = support::account(&app, "EVALUATOR", None).await.token;
    let citizen = support::citizen(&app).await.token;
    let application = apply(&app, &citizen).await;
    let review = op("admin", "ReviewSupervisorApplication");
    let approve_input = json!({ "id": application, "input": { "decision": "APPROVE" } });
    for token in [&staff, &evaluator, &citizen] {
        assert_eq!(app.code(Some(token), &review, approve_input.clone()).await, "FORBIDDEN");
        assert_eq!(app.code(Some(token), &op("admin", "SupervisorApplications"), json!({})).await, "FORBIDDEN");
    }
    assert_eq!(app.code(None, &review, approve_input).await, "UNAUTHENTICATED");

    let no_note = app.gql(Some(&admin), &review, json!({ "id": application, "input": { "decision": "REJECT", "note": "   " } })).await;
    assert_eq!(fields(&no_note), ["note"]);
    for months in [0, 121, -5] {
        let bad_term = app.gql(Some(&admin), &review, json!({ "id": application, "input": { "decision": "APPROVE", "termMonths": months } })).await;
        assert_eq!(fields(&bad_term), ["termMonths"]);
    }
    let bad_id = app.gql(Some(&admin), &review, json!({ "id": "not-an-id", "input": { "decision": "APPROVE" } })).await;
    assert_eq!(fields(&bad_id), ["id"]);
    let missing = app.gql(Some(&admin), &review, json!({ "id": uuid::Uuid::now_v7().to_string(), "input": { "decision": "APPROVE" } })).await;
    assert_eq!(missing.code(), "NOT_FOUND");

    let rejected = app
        .ok(Some(&admin), &review, json!({ "id": application, "input": { "decision": "REJECT", "note": "请补充履职经历。" } }))
        .await;
    let rejected = &rejected["reviewSupervisorApplication"];
    assert_eq!(rejected["status"], "REJECTED");
    assert_eq!(rejected["reviewNote"], "请补充履职经历。");
    assert_eq!(rejected["supervisor"], Value::Null);
    assert_eq!(app.code(Some(&admin), &review, json!({ "id": application, "input": { "decision": "APPROVE" } })).await, "CONFLICT");
    let mine = app.ok(Some(&citizen), &op("citizen", "MySupervisorApplications"), json!({})).await;
    assert_eq!(mine["me"]["supervisorApplications"][0]["reviewNote"], "请补充履职经历。");
    // Rejected, the citizen may apply again.
    apply(&app, &citizen).await;
}

#[tokio::test]
async fn revoking_ends_an_appointment() {
    let app = spawn_with(no_limits).await;
    let admin = support::account(&app, "ADMIN", None).await.token;
    let department = app.department(&admin, "RVKE").await;
    let staff = support::account(&app, "STAFF", Some(&department)).await.token;
    let evaluator = support::account(&app, "EVALUATOR", None).await.token;
    let supervisor = appoint(&app, &admin, "吴十").await;
    let other = appoint(&app, &admin, "郑一").await;
    let revoke = op("admin", "RevokeSupervisor");
    let args = json!({ "id": supervisor.supervisor_id, "reason": "多次无故缺席监督活动。" });
    for token in [&staff, &evaluator, &supervisor.token] {
        assert_eq!(app.code(Some(token), &revoke, args.clone()).await, "FORBIDDEN");
    }
    let no_reason = app.gql(Some(&admin), &revoke, json!({ "id": supervisor.supervisor_id, "reason": " " })).await;
    assert_eq!(fields(&no_reason), ["reason"]);
    let revoked = app.ok(Some(&admin), &revoke, args.clone()).await;
    assert_eq!(revoked["revokeSupervisor"]["active"], false);
    assert_eq!(app.code(Some(&admin), &revoke, args).await, "CONFLICT");

    let me = app.ok(Some(&supervisor.token), "{ me { supervisor { active revokedAt revokedReason } } }", json!({})).await;
    assert_eq!(me["me"]["supervisor"]["active"], false);
    assert!(me["me"]["supervisor"]["revokedAt"].is_string());
    assert_eq!(me["me"]["supervisor"]["revokedReason"], "多次无故缺席监督活动。");
    let active = app.ok(Some(&evaluator), &op("admin", "Supervisors"), json!({ "active": true })).await;
    assert_eq!(active["supervisors"]["totalCount"], 1);
    assert_eq!(active["supervisors"]["edges"][0]["node"]["id"], other.supervisor_id);
    let ended = app.ok(Some(&admin), &op("admin", "Supervisors"), json!({ "active": false })).await;
    assert_eq!(ended["supervisors"]["edges"][0]["node"]["id"], supervisor.supervisor_id);
    let all = app.ok(Some(&admin), &op("admin", "Supervisors"), json!({ "first": 1 })).await;
    assert_eq!(all["supervisors"]["totalCount"], 2);
    assert_eq!(all["supervisors"]["edges"].as_array().map(Vec::len), Some(1));
    for token in [&staff, &supervisor.token] {
        assert_eq!(app.code(Some(token), &op("admin", "Supervisors"), json!({})).await, "FORBIDDEN");
    }
    assert_eq!(audit_actions(&app, &admin, "Supervisor").await, ["supervisor.revoke"]);
}

#[tokio::test]
async fn personal_data_of_applicants_stays_with_them_and_admins() {
    let app = spawn_with(no_limits).await;
    let admin = support::account(&app, "ADMIN", None).await.token;
    let supervisor = appoint(&app, &admin, "冯二").await;
    let evaluator = support::account(&app, "EVALUATOR", None).await.token;
    // An evaluator sees the appointment but not the account behind it.
    let listed = app.ok(Some(&evaluator), "{ supervisors { edges { node { displayName user { id } } } } }", json!({})).await;
    assert_eq!(listed["supervisors"]["edges"][0]["node"]["displayName"], "冯二");
    assert_eq!(listed["supervisors"]["edges"][0]["node"]["user"], Value::Null);
    let own = app.ok(Some(&supervisor.token), "{ me { supervisorApplications { realName phone } supervisor { user { id } } } }", json!({})).await;
    assert_eq!(own["me"]["supervisorApplications"][0]["realName"], "王小明");
    assert_eq!(own["me"]["supervisorApplications"][0]["phone"], "138 0013 8000");
    assert_eq!(own["me"]["supervisor"]["user"]["id"], supervisor.user_id);
}

#[tokio::test]
async fn applications_are_rate_limited_per_user() {
    let app = spawn_with(|config| config.rate_limits.applications_per_day = 2).await;
    let citizen = support::citizen(&app).await.token;
    let withdraw = op("citizen", "WithdrawSupervisorApplication");
    for _ in 0..2 {
        let application = apply(&app, &citizen).await;
        app.ok(Some(&citizen), &withdraw, json!({ "id": application })).await;
    }
    let limited = app.gql(Some(&citizen), &op("citizen", "ApplyForSupervisor"), json!({ "input": application_input("MEDIA") })).await;
    assert_eq!(limited.code(), "RATE_LIMITED");
    assert!(limited.error()["extensions"]["retryAfter"].as_u64().is_some_and(|s| s > 0));
    // Another citizen is not affected.
    let other = support::citizen(&app).await.token;
    apply(&app, &other).await;
}
