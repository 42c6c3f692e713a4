//! Bearer-token sessions: logout, logout everywhere, password changes, suspension and expiry.

use std::time::Duration;

use gongkai::auth::sessions::hash_token;
use gongkai_tests::{no_limits, spawn_with, TestApp, PASSWORD};
use serde_json::json;

use crate::support::{self, fields, op};

async fn signed_in(app: &TestApp, token: &str) -> bool {
    let data = app.ok(Some(token), "{ me { id } }", json!({})).await;
    !data["me"].is_null()
}

#[tokio::test]
async fn logout_ends_that_session_only() {
    let app = spawn_with(no_limits).await;
    let me = support::citizen(&app).await;
    let other = app.login(&me.email, PASSWORD).await;
    assert_eq!(app.ok(Some(&me.token), &op("citizen", "Logout"), json!({})).await["logout"], true);
    assert!(!signed_in(&app, &me.token).await);
    assert_eq!(app.code(Some(&me.token), &op("citizen", "Logout"), json!({})).await, "UNAUTHENTICATED");
    assert!(signed_in(&app, &other).await, "the other session lives on");
}

#[tokio::test]
async fn logout_everywhere_ends_every_session() {
    let app = spawn_with(no_limits).await;
    let me = support::citizen(&app).await;
    let phone = app.login(&me.email, PASSWORD).await;
    let bystander = support::citizen(&app).await;
    assert_eq!(app.ok(Some(&phone), &op("citizen", "LogoutEverywhere"), json!({})).await["logoutEverywhere"], true);
    assert!(!signed_in(&app, &me.token).await);
    assert!(!signed_in(&app, &phone).await);
    assert!(signed_in(&app, &bystander.token).await, "other accounts keep their sessions");
    let again = app.login(&me.email, PASSWORD).await;
    assert!(signed_in(&app, &again).await, "signing in again works");
}

#[tokio::test]
async fn change_password_keeps_this_session_and_ends_the_others() {
    let app = spawn_with(no_limits).await;
    let me = support::citizen(&app).await;
    let other = app.login(&me.email, PASSWORD).await;
    let change = op("citizen", "ChangePassword");
    let wrong = app.gql(Some(&me.token), &change, json!({ "input": { "currentPassword": "not my password", "newPassword": "a new password" } })).await;
    assert_eq!(fields(&wrong), ["currentPassword"]);
    assert!(signed_in(&app, &other).await, "a refused change ends nothing");
    let short = app.gql(Some(&me.token), &change, json!({ "input": { "currentPassword": PASSWORD, "newPassword": "short" } })).await;
    assert_eq!(fields(&short), ["newPassword"]);
    let data = app.ok(Some(&me.token), &change, json!({ "input": { "currentPassword": PASSWORD, "newPassword": "a new password" } })).await;
    assert_eq!(data["changePassword"], true);
    assert!(signed_in(&app, &me.token).await, "the session that changed it goes on");
    assert!(!signed_in(&app, &other).await, "every other session ends at once");
    let login = op("citizen", "Login");
    assert_eq!(app.code(None, &login, json!({ "input": { "email": me.email, "password": PASSWORD } })).await, "UNAUTHENTICATED");
    app.login(&me.email, "a new password").await;
}

#[tokio::test]
async fn a_second_password_change_checks_the_password_set_by_the_first() {
    // The server keeps the accounts of live sessions in memory for a few seconds; the check of the
    // current password must not use that copy.
    let app = spawn_with(no_limits).await;
    let me = support::citizen(&app).await;
    assert!(signed_in(&app, &me.token).await);
    let change = op("citizen", "ChangePassword");
    let first = json!({ "input": { "currentPassword": PASSWORD, "newPassword": "the second password" } });
    assert_eq!(app.ok(Some(&me.token), &change, first).await["changePassword"], true);
    let stale = json!({ "input": { "currentPassword": PASSWORD, "newPassword": "the third password" } });
    assert_eq!(fields(&app.gql(Some(&me.token), &change, stale).await), ["currentPassword"], "the old password no longer counts");
    let second = json!({ "input": { "currentPassword": "the second password", "newPassword": "the third password" } });
    assert_eq!(app.ok(Some(&me.token), &change, second).await["changePassword"], true);
    app.login(&me.email, "the third password").await;
}

#[tokio::test]
async fn suspending_an_account_ends_its_sessions_and_refuses_sign_in() {
    let app = spawn_with(no_limits).await;
    let admin = support::account(&app, "ADMIN", None).await;
    let w = support::world(&app, json!({})).await;
    let me = support::citizen(&app).await;
    let second = app.login(&me.email, PASSWORD).await;
    app.ok(Some(&admin.token), &op("admin", "SuspendAccount"), json!({ "id": me.id, "reason": "发布广告" })).await;
    assert!(!signed_in(&app, &me.token).await);
    assert!(!signed_in(&app, &second).await);
    let submit = support::submit(&app, &me.token, &w.consultation, "SUPPORT", "还能发言吗", None).await;
    assert_eq!(submit.code(), "UNAUTHENTICATED");
    let gql = app.gql(None, &op("citizen", "Login"), json!({ "input": { "email": me.email, "password": PASSWORD } })).await;
    assert!(!gql.is_ok(), "a suspended account cannot sign in");
    assert!(["FORBIDDEN", "UNAUTHENTICATED"].contains(&gql.code().as_str()));
    // Suspended staff lose their powers at once too.
    let staff = support::account(&app, "STAFF", Some(&w.department)).await;
    app.ok(Some(&admin.token), &op("admin", "SuspendAccount"), json!({ "id": staff.id, "reason": "离职" })).await;
    let close = app.gql(Some(&staff.token), &op("staff", "CloseConsultation"), json!({ "id": w.consultation })).await;
    assert_eq!(close.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn tokens_are_random_and_only_their_hash_is_kept() {
    let app = spawn_with(no_limits).await;
    let me = support::citizen(&app).await;
    let a = app.login(&me.email, PASSWORD).await;
    let b = app.login(&me.email, PASSWORD).await;
    assert_ne!(a, b);
    for token in [&a, &b] {
        assert!(token.len() >= 43, "a token carries at least 256 bits: {token}");
        assert!(!token.contains(&me.id) && !token.contains(&me.email));
        // The store knows the token by its hash, not by the token itself.
        let by_hash = app.state.sessions.get(&hash_token(token)).await.expect("session store");
        assert_eq!(by_hash.map(|s| s.user_id.to_string()), Some(me.id.clone()));
        let by_token = app.state.sessions.get(token).await.expect("session store");
        assert!(by_token.is_none(), "the raw token is not a key of the store");
    }
}

#[tokio::test]
async fn sessions_end_after_the_idle_time_unless_used() {
    let app = spawn_with(|config| {
        no_limits(config);
        config.session_idle = Duration::from_secs(2);
    })
    .await;
    let me = support::citizen(&app).await;
    let idle = app.login(&me.email, PASSWORD).await;
    let busy = app.login(&me.email, PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(signed_in(&app, &busy).await, "used within the idle time");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(signed_in(&app, &busy).await, "each use extends the idle time");
    assert!(!signed_in(&app, &idle).await, "left alone longer than the idle time");
    assert_eq!(app.code(Some(&idle), &op("citizen", "Logout"), json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn sessions_end_at_the_absolute_limit_even_when_used() {
    let app = spawn_with(|config| {
        no_limits(config);
        config.session_absolute = Duration::from_secs(3);
    })
    .await;
    let me = support::citizen(&app).await;
    let token = app.login(&me.email, PASSWORD).await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(signed_in(&app, &token).await);
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(!signed_in(&app, &token).await, "the absolute limit ends even a busy session");
}
