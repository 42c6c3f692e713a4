//! Account administration for admins: the filtered, keyset-paged list of accounts, reinstating a
//! suspended account, and changing role, department or display name, where a change of role or
//! department ends the account's sessions at once, over HTTP and on open sockets.

use gongkai_tests::{no_limits, spawn_with, TestApp, PASSWORD};
use serde_json::{json, Value};

use crate::support::{self, op};
use crate::ws::{Answer, Ws};

async fn list(app: &TestApp, admin: &str, variables: Value) -> Value {
    app.ok(Some(admin), &op("dashboard", "Accounts"), variables).await["accounts"].clone()
}

fn emails(page: &Value) -> Vec<String> {
    page["edges"].as_array().expect("edges").iter().map(|e| e["node"]["email"].as_str().expect("email").to_owned()).collect()
}

#[tokio::test]
async fn admins_list_accounts_by_role_department_text_and_suspension_page_by_page() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let other = app.department(&w.admin, &support::code()).await;
    let other_staff = app.staff(&w.admin, &other).await;
    let staff_id = app.ok(Some(&other_staff), "{ me { id email } }", json!({})).await["me"].clone();
    let citizen = support::citizen(&app).await;

    let staff_of_other = list(&app, &w.admin, json!({ "filter": { "role": "STAFF", "departmentId": other } })).await;
    assert_eq!(staff_of_other["totalCount"], 1);
    assert_eq!(staff_of_other["edges"][0]["node"]["id"], staff_id["id"]);
    assert_eq!(staff_of_other["edges"][0]["node"]["department"]["id"], other.as_str());
    assert!(staff_of_other["edges"][0]["node"]["lastSignInAt"].is_string(), "the staff member signed in");
    // By part of the email, any case; by the display name.
    let email = staff_id["email"].as_str().expect("email").to_owned();
    let part = email[..email.find('@').expect("an @")].to_uppercase();
    assert_eq!(emails(&list(&app, &w.admin, json!({ "filter": { "search": part } })).await), [email.clone()]);
    let by_name = list(&app, &w.admin, json!({ "filter": { "search": "admin", "role": "ADMIN" } })).await;
    assert!(by_name["totalCount"].as_i64().is_some_and(|n| n >= 1));
    let none = list(&app, &w.admin, json!({ "filter": { "search": "100%_无此人" } })).await;
    assert_eq!(none["totalCount"], 0);
    // Suspended ones.
    app.ok(Some(&w.admin), &op("admin", "SuspendAccount"), json!({ "id": citizen.id, "reason": "发布违法信息" })).await;
    let suspended = list(&app, &w.admin, json!({ "filter": { "suspended": true } })).await;
    assert_eq!(suspended["totalCount"], 1);
    assert_eq!(suspended["edges"][0]["node"]["id"], citizen.id.as_str());
    assert_eq!(suspended["edges"][0]["node"]["suspended"], true);

    // Newest first, by keyset: two pages of two cover the first four, without repeats.
    let all = list(&app, &w.admin, json!({ "first": 100 })).await;
    let total = all["totalCount"].as_i64().expect("count");
    assert!(total >= 4, "{total}");
    let first = list(&app, &w.admin, json!({ "first": 2 })).await;
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let second = list(&app, &w.admin, json!({ "first": 2, "after": first["pageInfo"]["endCursor"] })).await;
    let mut seen = emails(&first);
    seen.extend(emails(&second));
    assert_eq!(seen, emails(&all)[..4].to_vec());

    // Admins only.
    for token in [&w.staff, &citizen.token] {
        let code = app.code(Some(token), &op("dashboard", "Accounts"), json!({})).await;
        assert!(code == "FORBIDDEN" || code == "UNAUTHENTICATED", "{code}");
    }
    assert_eq!(app.code(None, &op("dashboard", "Accounts"), json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_reinstated_account_signs_in_again() {
    let app = spawn_with(no_limits).await;
    let admin = app.admin().await;
    let citizen = support::citizen(&app).await;
    let reinstate = op("dashboard", "ReinstateAccount");
    assert_eq!(app.code(Some(&admin), &reinstate, json!({ "id": citizen.id })).await, "CONFLICT", "not suspended");
    app.ok(Some(&admin), &op("admin", "SuspendAccount"), json!({ "id": citizen.id, "reason": "多次违规" })).await;
    let login = op("citizen", "Login");
    let credentials = json!({ "input": { "email": citizen.email, "password": PASSWORD } });
    assert_eq!(app.code(None, &login, credentials.clone()).await, "FORBIDDEN");
    let back = app.ok(Some(&admin), &reinstate, json!({ "id": citizen.id })).await;
    assert_eq!(back["reinstateAccount"]["suspended"], false);
    let token = app.ok(None, &login, credentials).await["login"]["token"].as_str().expect("token").to_owned();
    assert_eq!(app.ok(Some(&token), "{ me { id } }", json!({})).await["me"]["id"], citizen.id.as_str());
    // The session the suspension ended stays ended.
    assert!(app.ok(Some(&citizen.token), "{ me { id } }", json!({})).await["me"].is_null());
    assert_eq!(app.code(Some(&admin), &reinstate, json!({ "id": uuid::Uuid::new_v4().to_string() })).await, "NOT_FOUND");
    assert_eq!(crate::supervisors::audit_actions(&app, &admin, "User").await.iter().filter(|a| *a == "account.reinstate").count(), 1);
}

#[tokio::test]
async fn a_change_of_role_or_department_ends_the_accounts_sessions_a_new_name_does_not() {
    let app = spawn_with(no_limits).await;
    let w = app.world().await;
    let staff = app.ok(Some(&w.staff), "{ me { id email } }", json!({})).await["me"].clone();
    let me = staff["id"].as_str().expect("id").to_owned();
    let email = staff["email"].as_str().expect("email").to_owned();
    let update = op("dashboard", "UpdateAccount");
    let mut socket = Ws::connect(&app.url, Some(&w.staff)).await;
    assert!(matches!(socket.run("before", "{ me { id } }", json!({})).await, Answer::Response(_)));

    // A new display name: the sessions go on.
    let renamed = app.ok(Some(&w.admin), &update, json!({ "id": me, "input": { "displayName": "王科长" } })).await;
    assert_eq!(renamed["updateAccount"]["displayName"], "王科长");
    assert_eq!(app.ok(Some(&w.staff), "{ me { displayName } }", json!({})).await["me"]["displayName"], "王科长");

    // Moved to another department: every session ends, the open socket too.
    let other = app.department(&w.admin, &support::code()).await;
    let moved = app.ok(Some(&w.admin), &update, json!({ "id": me, "input": { "departmentId": other } })).await;
    assert_eq!(moved["updateAccount"]["department"]["id"], other.as_str());
    assert!(app.ok(Some(&w.staff), "{ me { id } }", json!({})).await["me"].is_null(), "the HTTP session ended");
    let mut ended = false;
    for _ in 0..50 {
        match socket.run("after", "{ me { id } }", json!({})).await {
            Answer::Closed(Some(4401)) => {
                ended = true;
                break;
            }
            Answer::Response(r) if r["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" || r["data"]["me"].is_null() => {
                ended = true;
                break;
            }
            Answer::Closed(code) => panic!("closed with {code:?}"),
            Answer::Response(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
    assert!(ended, "the socket's session ended");

    // Made an evaluator: the department goes with the staff role; checks on the combination.
    let token = app.login(&email, PASSWORD).await;
    let evaluator = app.ok(Some(&w.admin), &update, json!({ "id": me, "input": { "role": "EVALUATOR" } })).await;
    assert_eq!(evaluator["updateAccount"]["role"], "EVALUATOR");
    assert!(evaluator["updateAccount"]["department"].is_null());
    assert!(app.ok(Some(&token), "{ me { id } }", json!({})).await["me"].is_null(), "a new role ends the session too");
    let bad = app.gql(Some(&w.admin), &update, json!({ "id": me, "input": { "role": "STAFF" } })).await;
    assert_eq!(bad.error()["extensions"]["fields"][0]["field"], "input.departmentId");
    let bad = app.gql(Some(&w.admin), &update, json!({ "id": me, "input": { "departmentId": other } })).await;
    assert_eq!(bad.error()["extensions"]["fields"][0]["field"], "input.departmentId", "an evaluator has no department");
    // An admin may not change their own role; nobody but an admin changes accounts.
    let admin_id = app.ok(Some(&w.admin), "{ me { id } }", json!({})).await["me"]["id"].as_str().expect("id").to_owned();
    let own = app.gql(Some(&w.admin), &update, json!({ "id": admin_id, "input": { "role": "EVALUATOR" } })).await;
    assert_eq!(own.error()["extensions"]["fields"][0]["field"], "input.role");
    assert_eq!(app.code(None, &update, json!({ "id": me, "input": { "displayName": "x" } })).await, "UNAUTHENTICATED");
}
