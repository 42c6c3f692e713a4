//! Registration, sign-in, departments and accounts, and who sees personal data.

use std::time::Instant;

use gongkai_tests::{no_limits, spawn_with, PASSWORD};
use serde_json::json;
use uuid::Uuid;

use crate::support::{self, cast, fields, op};

fn email() -> String {
    format!("user-{}@example.cn", Uuid::new_v4().simple())
}

#[tokio::test]
async fn registering_signs_in_and_me_shows_own_email_and_phone() {
    let app = spawn_with(no_limits).await;
    let address = email();
    let data = app
        .ok(
            None,
            &op("citizen", "Register"),
            json!({ "input": { "email": address.to_uppercase(), "password": PASSWORD, "displayName": "  李四 ", "phone": "+86 138 0013 8000" } }),
        )
        .await;
    let payload = &data["register"];
    assert_eq!(payload["user"]["role"], "CITIZEN");
    assert_eq!(payload["user"]["email"], address, "emails are stored lower-cased");
    assert_eq!(payload["user"]["displayName"], "李四", "names are trimmed");
    assert!(payload["expiresAt"].as_str().is_some());
    let token = payload["token"].as_str().expect("token");
    let me = app.ok(Some(token), "{ me { id email phone displayName role suspended department { id } } }", json!({})).await;
    assert_eq!(me["me"]["email"], address);
    assert_eq!(me["me"]["phone"], "+86 138 0013 8000");
    assert_eq!(me["me"]["suspended"], false);
    assert!(me["me"]["department"].is_null());
    let anonymous = app.ok(None, "{ me { id } }", json!({})).await;
    assert!(anonymous["me"].is_null());
    // The account signs in with the same password, whatever the email's case.
    app.login(&address.to_uppercase(), PASSWORD).await;
}

#[tokio::test]
async fn register_lists_every_bad_field_at_once() {
    let app = spawn_with(no_limits).await;
    let gql = app
        .gql(
            None,
            &op("citizen", "Register"),
            json!({ "input": { "email": "not-an-email", "password": "short", "displayName": "   ", "phone": "call me" } }),
        )
        .await;
    assert_eq!(fields(&gql), ["displayName", "email", "password", "phone"]);
    for password in ["123456789", &"x".repeat(129)] {
        let gql = app
            .gql(None, &op("citizen", "Register"), json!({ "input": { "email": email(), "password": password, "displayName": "王五" } }))
            .await;
        assert_eq!(fields(&gql), ["password"], "password of {} characters", password.len());
    }
    let gql = app
        .gql(None, &op("citizen", "Register"), json!({ "input": { "email": email(), "password": PASSWORD, "displayName": "a\u{7}b" } }))
        .await;
    assert_eq!(fields(&gql), ["displayName"], "control characters are refused");
}

#[tokio::test]
async fn registering_an_email_twice_is_a_conflict() {
    let app = spawn_with(no_limits).await;
    let address = email();
    let input = |e: &str| json!({ "input": { "email": e, "password": PASSWORD, "displayName": "赵六" } });
    app.ok(None, &op("citizen", "Register"), input(&address)).await;
    let gql = app.gql(None, &op("citizen", "Register"), input(&format!("  {}  ", address.to_uppercase()))).await;
    assert_eq!(gql.code(), "CONFLICT");
    support::assert_no_leak(&gql);
}

#[tokio::test]
async fn login_refuses_an_unknown_email_and_a_wrong_password_alike() {
    let app = spawn_with(no_limits).await;
    let known = support::citizen(&app).await;
    let mut wrong_times = Vec::new();
    let mut unknown_times = Vec::new();
    let mut answers = Vec::new();
    for _ in 0..5 {
        for (address, times) in [(known.email.clone(), &mut wrong_times), (email(), &mut unknown_times)] {
            let started = Instant::now();
            let gql = app.gql(None, &op("citizen", "Login"), json!({ "input": { "email": address, "password": "wrong password!" } })).await;
            times.push(started.elapsed());
            assert_eq!(gql.code(), "UNAUTHENTICATED");
            answers.push(gql.error()["message"].clone());
        }
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "the same message for both: {answers:?}");
    let gql = app.gql(None, &op("citizen", "Login"), json!({ "input": { "email": "not an email", "password": "x" } })).await;
    assert_eq!(gql.code(), "UNAUTHENTICATED", "a malformed email is just a failed sign-in");
    assert_eq!(gql.error()["message"], answers[0]);
    // Both cases run argon2 (the unknown email against a dummy hash), so neither is much faster. The
    // medians of interleaved attempts keep a busy machine's noise out; skipping argon2 would make the
    // unknown email some fifty times faster.
    wrong_times.sort();
    unknown_times.sort();
    let (wrong, unknown) = (wrong_times[2], unknown_times[2]);
    assert!(unknown * 5 >= wrong && wrong * 5 >= unknown, "wrong password {wrong:?}, unknown email {unknown:?}");
    let data = app.ok(None, &op("citizen", "Login"), json!({ "input": { "email": known.email, "password": PASSWORD } })).await;
    assert_eq!(data["login"]["user"]["id"], known.id.as_str());
}

#[tokio::test]
async fn create_department_is_for_admins_only() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let input = json!({ "input": { "code": support::code(), "name": "市数据局" } });
    let create = op("admin", "CreateDepartment");
    assert_eq!(app.code(None, &create, input.clone()).await, "UNAUTHENTICATED");
    for who in [&c.citizen, &c.lead_staff, &c.evaluator] {
        assert_eq!(app.code(Some(&who.token), &create, input.clone()).await, "FORBIDDEN");
    }
    let data = app.ok(Some(&c.admin.token), &create, input.clone()).await;
    assert_eq!(data["createDepartment"]["name"], "市数据局");
    let listed = app.ok(None, &op("citizen", "Departments"), json!({})).await;
    assert_eq!(listed["departments"].as_array().expect("departments").len(), 4);
}

#[tokio::test]
async fn department_codes_are_unique_and_checked() {
    let app = spawn_with(no_limits).await;
    let admin = support::account(&app, "ADMIN", None).await.token;
    let code = support::code();
    let create = op("admin", "CreateDepartment");
    let data = app.ok(Some(&admin), &create, json!({ "input": { "code": code.to_lowercase(), "name": "民政局" } })).await;
    assert_eq!(data["createDepartment"]["code"], code, "codes are upper-cased");
    let again = app.gql(Some(&admin), &create, json!({ "input": { "code": code, "name": "另一个" } })).await;
    assert_eq!(again.code(), "CONFLICT");
    let bad = app.gql(Some(&admin), &create, json!({ "input": { "code": "x", "name": " " } })).await;
    assert_eq!(fields(&bad), ["code", "name"]);
    let bad = app.gql(Some(&admin), &create, json!({ "input": { "code": "has space", "name": "名" } })).await;
    assert_eq!(fields(&bad), ["code"]);
}

#[tokio::test]
async fn create_account_is_for_admins_and_checks_role_and_department() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let create = op("admin", "CreateAccount");
    let input = |role: &str, department: Option<&str>| {
        json!({ "input": { "email": email(), "displayName": "工作人员", "password": PASSWORD, "role": role, "departmentId": department } })
    };
    assert_eq!(app.code(None, &create, input("STAFF", Some(&c.lead))).await, "UNAUTHENTICATED");
    for who in [&c.citizen, &c.lead_staff, &c.evaluator] {
        assert_eq!(app.code(Some(&who.token), &create, input("STAFF", Some(&c.lead))).await, "FORBIDDEN");
    }
    let admin = Some(c.admin.token.as_str());
    assert_eq!(fields(&app.gql(admin, &create, input("STAFF", None)).await), ["departmentId"]);
    assert_eq!(fields(&app.gql(admin, &create, input("CITIZEN", None)).await), ["role"]);
    assert_eq!(fields(&app.gql(admin, &create, input("EVALUATOR", Some(&c.lead))).await), ["departmentId"]);
    assert_eq!(fields(&app.gql(admin, &create, input("ADMIN", Some(&c.lead))).await), ["departmentId"]);
    let unknown = Uuid::now_v7().to_string();
    assert_eq!(fields(&app.gql(admin, &create, input("STAFF", Some(&unknown))).await), ["departmentId"]);
    assert_eq!(fields(&app.gql(admin, &create, input("STAFF", Some("not-an-id"))).await), ["departmentId"]);
    let bad = app
        .gql(admin, &create, json!({ "input": { "email": "x", "displayName": "", "password": "short", "role": "STAFF", "departmentId": null } }))
        .await;
    assert_eq!(fields(&bad), ["departmentId", "displayName", "email", "password"]);
    assert_eq!(app.code(admin, &create, json!({ "input": { "email": c.citizen.email, "displayName": "重复", "password": PASSWORD, "role": "EVALUATOR" } })).await, "CONFLICT");

    let made = app.ok(admin, &create, input("STAFF", Some(&c.lead))).await;
    let made = &made["createAccount"];
    assert_eq!(made["role"], "STAFF");
    assert_eq!(made["department"]["id"], c.lead.as_str());
    let token = app.login(made["email"].as_str().expect("the admin sees the email"), PASSWORD).await;
    let me = app.ok(Some(&token), "{ me { role department { id } } }", json!({})).await;
    assert_eq!(me["me"]["department"]["id"], c.lead.as_str());
    for role in ["ADMIN", "EVALUATOR"] {
        let made = app.ok(admin, &create, input(role, None)).await;
        assert_eq!(made["createAccount"]["role"], role);
        assert!(made["createAccount"]["department"].is_null());
    }
}

#[tokio::test]
async fn suspend_account_is_for_admins_only_and_checks_its_input() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let suspend = op("admin", "SuspendAccount");
    let target = json!({ "id": c.citizen.id, "reason": "违规" });
    assert_eq!(app.code(None, &suspend, target.clone()).await, "UNAUTHENTICATED");
    for who in [&c.lead_staff, &c.evaluator, &c.other_staff] {
        assert_eq!(app.code(Some(&who.token), &suspend, target.clone()).await, "FORBIDDEN");
    }
    let other_citizen = support::citizen(&app).await;
    assert_eq!(app.code(Some(&other_citizen.token), &suspend, target.clone()).await, "FORBIDDEN");
    let admin = Some(c.admin.token.as_str());
    assert_eq!(app.code(admin, &suspend, json!({ "id": Uuid::now_v7().to_string(), "reason": "x" })).await, "NOT_FOUND");
    assert_eq!(fields(&app.gql(admin, &suspend, json!({ "id": "nope", "reason": "x" })).await), ["id"]);
    assert_eq!(fields(&app.gql(admin, &suspend, json!({ "id": c.citizen.id, "reason": "  " })).await), ["reason"]);
    assert_eq!(fields(&app.gql(admin, &suspend, json!({ "id": c.admin.id, "reason": "自己" })).await), ["id"]);
    let data = app.ok(admin, &suspend, target).await;
    assert_eq!(data["suspendAccount"]["suspended"], true);
}

#[tokio::test]
async fn personal_data_is_shown_only_to_its_owner_admins_and_moderating_staff() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let consultation = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let comment = support::submit_ok(&app, &c.citizen.token, &consultation, "SUPPORT", "请公开预算明细。", None).await;
    // Pending: the author, the consultation's staff and admins see it; they see the author's email.
    let query = "query($id: ID!) { consultation(id: $id) { comments(status: PENDING) { edges { node { id author { id email phone displayName } } } } } }";
    for who in [&c.lead_staff, &c.coop_staff, &c.admin] {
        let data = app.ok(Some(&who.token), &op("staff", "ModerationQueue"), json!({ "id": consultation })).await;
        let author = &data["consultation"]["comments"]["edges"][0]["node"]["author"];
        assert_eq!(author["email"], c.citizen.email.as_str(), "moderating staff see the author's email");
        let data = app.ok(Some(&who.token), query, json!({ "id": consultation })).await;
        assert_eq!(data["consultation"]["comments"]["edges"][0]["node"]["author"]["phone"], "+86 138 0000 0000");
    }
    support::moderate(&app, &c.lead_staff.token, &comment, "PUBLISH", None).await.data();
    let public = "query($id: ID!) { consultation(id: $id) { comments { edges { node { id author { id email phone displayName } } } } } }";
    let stranger = support::citizen(&app).await;
    for who in [None, Some(stranger.token.as_str()), Some(c.other_staff.token.as_str()), Some(c.evaluator.token.as_str())] {
        let data = app.ok(who, public, json!({ "id": consultation })).await;
        let author = &data["consultation"]["comments"]["edges"][0]["node"]["author"];
        assert_eq!(author["displayName"], "CITIZEN 0");
        assert!(author["email"].is_null() && author["phone"].is_null(), "personal data leaked to {who:?}: {author}");
    }
    for who in [&c.citizen, &c.admin, &c.lead_staff] {
        let data = app.ok(Some(&who.token), public, json!({ "id": consultation })).await;
        assert_eq!(data["consultation"]["comments"]["edges"][0]["node"]["author"]["email"], c.citizen.email.as_str());
    }
    // The audit log shows actors without their personal data, even to an evaluator.
    let data = app.ok(Some(&c.evaluator.token), "{ auditLog(first: 5) { edges { node { actor { email } } } } }", json!({})).await;
    for edge in data["auditLog"]["edges"].as_array().expect("edges") {
        assert!(edge["node"]["actor"]["email"].is_null());
    }
}

#[tokio::test]
async fn mutations_without_a_token_or_with_a_dead_one_are_unauthenticated() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let some_id = Uuid::now_v7().to_string();
    let cases = [
        (op("citizen", "Logout"), json!({})),
        (op("citizen", "LogoutEverywhere"), json!({})),
        (op("citizen", "ChangePassword"), json!({ "input": { "currentPassword": PASSWORD, "newPassword": "another password" } })),
        (op("citizen", "SubmitComment"), json!({ "input": { "consultationId": w.consultation, "stance": "SUPPORT", "body": "你好" } })),
        (op("citizen", "EditComment"), json!({ "id": some_id, "input": { "body": "x" } })),
        (op("citizen", "WithdrawComment"), json!({ "id": some_id })),
        (op("citizen", "EndorseComment"), json!({ "id": some_id })),
        (op("citizen", "RemoveEndorsement"), json!({ "id": some_id })),
        (op("citizen", "ReportComment"), json!({ "input": { "commentId": some_id, "reason": "SPAM" } })),
        (op("staff", "CreateConsultation"), json!({ "input": { "title": "t", "summary": "s", "body": "b", "category": "c", "leadDepartmentId": w.department, "opensAt": support::now_ts(), "closesAt": gongkai_tests::from_now(60) } })),
        (op("staff", "UpdateConsultation"), json!({ "id": w.consultation, "input": { "title": "x" } })),
        (op("staff", "PublishConsultation"), json!({ "id": w.consultation })),
        (op("staff", "CloseConsultation"), json!({ "id": w.consultation })),
        (op("staff", "WithdrawConsultation"), json!({ "id": w.consultation, "reason": "x" })),
        (op("staff", "ConcludeConsultation"), json!({ "id": w.consultation, "input": { "summary": "x" } })),
        (op("staff", "ModerateComment"), json!({ "id": some_id, "input": { "decision": "PUBLISH" } })),
        (op("staff", "ReplyToComment"), json!({ "input": { "commentId": some_id, "body": "x", "adoption": "ADOPTED" } })),
        (op("staff", "ReplyToDuplicateGroup"), json!({ "input": { "groupId": some_id, "body": "x", "adoption": "ADOPTED" } })),
        (op("admin", "CreateDepartment"), json!({ "input": { "code": "ABC", "name": "x" } })),
        (op("admin", "CreateAccount"), json!({ "input": { "email": email(), "displayName": "x", "password": PASSWORD, "role": "EVALUATOR" } })),
        (op("admin", "SuspendAccount"), json!({ "id": some_id, "reason": "x" })),
    ];
    let dead = "0".repeat(64);
    for (query, variables) in &cases {
        for token in [None, Some(dead.as_str()), Some("garbage token")] {
            let gql = app.gql(token, query, variables.clone()).await;
            assert_eq!(gql.code(), "UNAUTHENTICATED", "{query} with {token:?}: {:#}", gql.0);
        }
    }
    let data = app.ok(Some(&dead), "{ me { id } }", json!({})).await;
    assert!(data["me"].is_null(), "an unknown token reads as signed out");
}
