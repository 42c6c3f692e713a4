//! Rate limits: each one refuses with RATE_LIMITED and `retryAfter` once reached, and 0 turns it off.

use gongkai::config::{Config, RateLimits};
use gongkai_tests::{spawn_with, Gql, TestApp, PASSWORD};
use serde_json::json;
use uuid::Uuid;

use crate::support::{self, op};

/// Every limit off but the ones `set` turns on.
fn only(set: impl FnOnce(&mut RateLimits)) -> impl FnOnce(&mut Config) {
    move |config: &mut Config| {
        config.rate_limits = RateLimits::disabled();
        set(&mut config.rate_limits);
    }
}

/// Asserts RATE_LIMITED with a `retryAfter` in (0, `max`] seconds.
fn assert_limited(gql: &Gql, max: u64) {
    assert_eq!(gql.code(), "RATE_LIMITED", "{:#}", gql.0);
    let retry = gql.error()["extensions"]["retryAfter"].as_u64().expect("retryAfter in seconds");
    assert!(retry > 0 && retry <= max, "retryAfter {retry} not in (0, {max}]");
    support::assert_no_leak(gql);
}

async fn login(app: &TestApp, email: &str, password: &str) -> Gql {
    app.gql(None, &op("citizen", "Login"), json!({ "input": { "email": email, "password": password } })).await
}

fn email() -> String {
    format!("nobody-{}@example.cn", Uuid::new_v4().simple())
}

#[tokio::test]
async fn failed_sign_ins_per_account_are_limited_even_for_the_right_password() {
    let app = spawn_with(only(|l| l.login_failures = 3)).await;
    let me = support::citizen(&app).await;
    let other = support::citizen(&app).await;
    for _ in 0..3 {
        assert_eq!(login(&app, &me.email, "wrong password").await.code(), "UNAUTHENTICATED");
    }
    assert_limited(&login(&app, &me.email, PASSWORD).await, 15 * 60);
    assert_limited(&login(&app, &me.email.to_uppercase(), PASSWORD).await, 15 * 60);
    assert!(login(&app, &other.email, PASSWORD).await.is_ok(), "other accounts sign in as usual");
    assert!(app.ok(Some(&me.token), "{ me { id } }", json!({})).await["me"].is_object(), "existing sessions go on");
}

#[tokio::test]
async fn a_successful_sign_in_clears_the_failures_of_the_account() {
    let app = spawn_with(only(|l| l.login_failures = 3)).await;
    let me = support::citizen(&app).await;
    for _ in 0..2 {
        login(&app, &me.email, "wrong password").await;
    }
    assert!(login(&app, &me.email, PASSWORD).await.is_ok());
    for _ in 0..2 {
        assert_eq!(login(&app, &me.email, "wrong password").await.code(), "UNAUTHENTICATED");
    }
    assert!(login(&app, &me.email, PASSWORD).await.is_ok(), "the count started again");
}

#[tokio::test]
async fn failed_sign_ins_per_address_are_limited() {
    let app = spawn_with(only(|l| l.login_failures_per_address = 3)).await;
    let me = support::citizen(&app).await;
    for _ in 0..3 {
        assert_eq!(login(&app, &email(), "guessing").await.code(), "UNAUTHENTICATED");
    }
    assert_limited(&login(&app, &email(), "guessing").await, 15 * 60);
    assert_limited(&login(&app, &me.email, PASSWORD).await, 15 * 60);
}

#[tokio::test]
async fn registrations_per_address_are_limited() {
    let app = spawn_with(only(|l| l.registrations_per_hour = 2)).await;
    let register = op("citizen", "Register");
    let input = || json!({ "input": { "email": email(), "password": PASSWORD, "displayName": "新用户" } });
    for _ in 0..2 {
        app.ok(None, &register, input()).await;
    }
    let refused = app.gql(None, &register, input()).await;
    assert_limited(&refused, 3600);
}

#[tokio::test]
async fn comments_per_minute_are_limited_per_user() {
    let app = spawn_with(only(|l| l.comments_per_minute = 2)).await;
    let w = support::open_world(&app).await;
    let citizens = support::citizens(&app, 2).await;
    let submit = op("citizen", "SubmitComment");
    let input = |body: &str, request: &str| json!({ "input": { "consultationId": w.consultation, "stance": "SUPPORT", "body": body, "clientRequestId": request } });
    let first = app.ok(Some(&citizens[0].token), &submit, input("第一条", "a")).await;
    app.ok(Some(&citizens[0].token), &submit, input("第二条", "b")).await;
    assert_limited(&app.gql(Some(&citizens[0].token), &submit, input("第三条", "c")).await, 60);
    // Resending an accepted comment is not a new comment, so the limit does not refuse it.
    let again = app.ok(Some(&citizens[0].token), &submit, input("第一条", "a")).await;
    assert_eq!(again["submitComment"]["comment"]["id"], first["submitComment"]["comment"]["id"]);
    app.ok(Some(&citizens[1].token), &submit, input("别人的", "a")).await;
    assert_eq!(support::detail(&app, None, &w.consultation).await["commentCount"], 3, "the refused comment was not made");
}

#[tokio::test]
async fn comments_per_day_are_limited_per_user() {
    let app = spawn_with(only(|l| l.comments_per_day = 3)).await;
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    for i in 0..3 {
        support::submit_ok(&app, &me.token, &w.consultation, "NEUTRAL", &format!("今天第{i}条"), None).await;
    }
    let refused = support::submit(&app, &me.token, &w.consultation, "NEUTRAL", "第四条", None).await;
    assert_limited(&refused, 24 * 3600);
    let retry = refused.error()["extensions"]["retryAfter"].as_u64().unwrap_or(0);
    assert!(retry > 3600, "a daily window waits for hours, not {retry} s");
}

#[tokio::test]
async fn reports_per_hour_are_limited_per_user() {
    let app = spawn_with(only(|l| l.reports_per_hour = 2)).await;
    let w = support::open_world(&app).await;
    let authors = support::citizens(&app, 3).await;
    let mut comments = Vec::new();
    for (i, who) in authors.iter().enumerate() {
        comments.push(support::submit_ok(&app, &who.token, &w.consultation, "SUPPORT", &format!("评论{i}"), None).await);
    }
    let reporter = support::citizen(&app).await;
    for comment in &comments[..2] {
        support::report(&app, &reporter.token, comment, "SPAM").await.data();
    }
    assert_limited(&support::report(&app, &reporter.token, &comments[2], "SPAM").await, 3600);
    let other = support::citizen(&app).await;
    support::report(&app, &other.token, &comments[2], "SPAM").await.data();
}

#[tokio::test]
async fn zero_turns_a_limit_off() {
    // The defaults apply except for the limits set to 0.
    let app = spawn_with(|config| {
        config.rate_limits = RateLimits::default();
        config.rate_limits.login_failures = 0;
        config.rate_limits.comments_per_minute = 0;
        config.rate_limits.reports_per_hour = 0;
    })
    .await;
    let defaults = RateLimits::default();
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    for _ in 0..=defaults.login_failures {
        assert_eq!(login(&app, &me.email, "wrong password").await.code(), "UNAUTHENTICATED");
    }
    assert!(login(&app, &me.email, PASSWORD).await.is_ok(), "no per-account limit");
    let authors = support::citizens(&app, 2).await;
    let mut comments = Vec::new();
    for i in 0..=defaults.reports_per_hour {
        comments.push(support::submit_ok(&app, &authors[0].token, &w.consultation, "SUPPORT", &format!("第{i}条"), None).await);
    }
    assert!(comments.len() > defaults.comments_per_minute as usize, "no per-minute limit");
    for comment in &comments {
        support::report(&app, &authors[1].token, comment, "OFF_TOPIC").await.data();
    }
    // The per-address sign-in limit is still on at its default.
    let failures = defaults.login_failures_per_address - defaults.login_failures - 1;
    for _ in 0..failures {
        login(&app, &email(), "guessing").await;
    }
    assert_limited(&login(&app, &me.email, PASSWORD).await, 15 * 60);
}

#[test]
fn each_limit_and_the_report_threshold_come_from_their_environment_variables() {
    let env = [
        ("RATE_LIMIT_LOGIN_FAILURES", "1"),
        ("RATE_LIMIT_LOGIN_FAILURES_PER_ADDRESS", "2"),
        ("RATE_LIMIT_REGISTRATIONS_PER_HOUR", "3"),
        ("RATE_LIMIT_COMMENTS_PER_MINUTE", "4"),
        ("RATE_LIMIT_COMMENTS_PER_DAY", "0"),
        ("RATE_LIMIT_REPORTS_PER_HOUR", "6"),
        ("REPORT_HIDE_THRESHOLD", "7"),
    ];
    let config = Config::from_lookup(|key| env.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned())).expect("a valid environment");
    let l = &config.rate_limits;
    assert_eq!(
        (l.login_failures, l.login_failures_per_address, l.registrations_per_hour, l.comments_per_minute, l.comments_per_day, l.reports_per_hour),
        (1, 2, 3, 4, 0, 6)
    );
    assert_eq!(config.report_hide_threshold, 7);
    let defaults = Config::from_lookup(|_| None).expect("defaults");
    let d = &defaults.rate_limits;
    assert_eq!(
        (d.login_failures, d.login_failures_per_address, d.registrations_per_hour, d.comments_per_minute, d.comments_per_day, d.reports_per_hour),
        (5, 20, 10, 5, 100, 20),
        "the defaults DESIGN names"
    );
    assert_eq!(defaults.report_hide_threshold, 3);
    assert!(Config::from_lookup(|key| (key == "RATE_LIMIT_REPORTS_PER_HOUR").then(|| "-1".to_owned())).is_err());
}
