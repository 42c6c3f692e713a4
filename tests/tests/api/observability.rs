//! What an operator sees: one JSON log line per request with the request id the response carried and
//! no secret in it, slow requests at `warn`, and `/metrics` moving as traffic does, with label sets a
//! client cannot grow. The server runs as a process of its own, so its logs and metrics are its own.

use std::time::Duration;

use gongkai_tests::{no_limits, spawn_process_with, spawn_with, Process, PASSWORD};
use serde_json::{json, Value};

use crate::support::op;

const INSTANCE: &str = env!("CARGO_BIN_EXE_gongkai-instance");

async fn post(p: &Process, token: Option<&str>, name: Option<&str>, query: &str, variables: Value) -> (String, Value) {
    let mut request = p.http.post(format!("{}/graphql", p.url)).json(&json!({ "query": query, "variables": variables, "operationName": name }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("a response");
    let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok()).expect("x-request-id").to_owned();
    (id, response.json().await.expect("JSON"))
}

/// The request log lines (JSON) written so far.
fn request_lines(p: &Process) -> Vec<Value> {
    let logs = p.logs.lock().expect("the logs").clone();
    logs.iter().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|v| v["target"] == "gongkai::request").collect()
}

async fn line_for(p: &Process, request_id: &str) -> Value {
    for _ in 0..100 {
        if let Some(line) = request_lines(p).into_iter().find(|l| l["fields"]["request_id"] == request_id) {
            return line;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no log line for request {request_id}");
}

/// The value of one series in `/metrics` (0 when absent).
fn series(text: &str, name_and_labels: &str) -> f64 {
    text.lines().find_map(|l| l.strip_prefix(name_and_labels).and_then(|rest| rest.trim().parse::<f64>().ok())).unwrap_or(0.0)
}

#[tokio::test]
async fn each_request_leaves_one_log_line_with_its_id_and_no_secret_and_the_metrics_count_it() {
    let app = spawn_with(no_limits).await;
    let (config, _) = (app.state.config.as_ref().clone(), ());
    let p = spawn_process_with(INSTANCE, &config, &[("LOG_FORMAT", "json"), ("RUST_LOG", "warn,gongkai::request=info"), ("SLOW_REQUEST_MS", "100000")]).await;
    let email = format!("observer-{}@example.cn", uuid::Uuid::new_v4().simple());
    let (_, registered) = post(
        &p,
        None,
        Some("Register"),
        &op("citizen", "Register"),
        json!({ "input": { "email": email, "password": PASSWORD, "displayName": "观察者", "phone": "13900139000" } }),
    )
    .await;
    let token = registered["data"]["register"]["token"].as_str().expect("a token").to_owned();
    let (login_id, _) = post(&p, None, Some("Login"), &op("citizen", "Login"), json!({ "input": { "email": email, "password": PASSWORD } })).await;
    let (me_id, _) = post(&p, Some(&token), None, "{ me { id email } }", json!({})).await;
    let (bad_id, bad) = post(&p, None, Some("x9f3a_random"), "query x9f3a_random { consultation(id: \"nope\") { id } }", json!({})).await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    let ready = p.http.get(format!("{}/readyz", p.url)).send().await.expect("readyz");
    let ready_id = ready.headers()["x-request-id"].to_str().expect("id").to_owned();

    let login = line_for(&p, &login_id).await;
    assert_eq!(login["level"], "INFO");
    let f = &login["fields"];
    assert_eq!((f["method"].as_str(), f["path"].as_str(), f["status"].as_u64()), (Some("POST"), Some("/graphql"), Some(200)));
    assert_eq!((f["operation"].as_str(), f["operation_type"].as_str()), (Some("Login"), Some("mutation")));
    assert!(f["duration_ms"].as_f64().is_some_and(|d| d > 0.0), "{login}");
    assert!(f["bytes"].as_u64().is_some_and(|b| b > 0), "{login}");
    let me = line_for(&p, &me_id).await;
    assert_eq!(me["fields"]["account"].as_str().map(str::len), Some(16), "a keyed hash of the account: {me}");
    let bad_line = line_for(&p, &bad_id).await;
    assert_eq!(bad_line["fields"]["error_codes"], "BAD_USER_INPUT");
    assert_eq!(line_for(&p, &ready_id).await["fields"]["path"], "/readyz");
    // No password, token, email or phone in any line.
    let all = p.logs.lock().expect("logs").join("\n");
    for secret in [PASSWORD, token.as_str(), email.as_str(), "13900139000"] {
        assert!(!all.contains(secret), "{secret} is in the logs");
    }

    // The metrics moved: the login's histogram by its name, the random name folded into `other`.
    let text = p.http.get(format!("{}/metrics", p.url)).send().await.expect("metrics").text().await.expect("text");
    assert_eq!(series(&text, "gongkai_graphql_request_duration_seconds_count{operation=\"Login\",outcome=\"ok\",type=\"mutation\"}"), 1.0, "{text}");
    assert_eq!(series(&text, "gongkai_graphql_request_duration_seconds_count{operation=\"other\",outcome=\"BAD_USER_INPUT\",type=\"query\"}"), 1.0);
    assert!(!text.contains("x9f3a_random"));
    assert!(series(&text, "gongkai_http_request_duration_seconds_count{route=\"health\",status=\"2xx\"}") >= 1.0);
    assert!(series(&text, "gongkai_db_pool_connections{state=\"max\"}") >= 1.0);
    assert!(series(&text, "gongkai_process{measure=\"resident_memory_bytes\"}") > 1e6);
    assert!(text.contains("gongkai_outbox_pending{channel=\"EMAIL\"}"));
    // A hundred random operation names make no new series.
    let before = text.lines().filter(|l| l.starts_with("gongkai_graphql_request_duration_seconds_count")).count();
    for i in 0..100 {
        post(&p, None, Some(&format!("Random{i}")), &format!("query Random{i} {{ departments {{ id }} }}"), json!({})).await;
    }
    let text = p.http.get(format!("{}/metrics", p.url)).send().await.expect("metrics").text().await.expect("text");
    let after = text.lines().filter(|l| l.starts_with("gongkai_graphql_request_duration_seconds_count")).count();
    assert!(after <= before + 1, "{before} series became {after}");
    assert!(series(&text, "gongkai_graphql_request_duration_seconds_count{operation=\"other\",outcome=\"ok\",type=\"query\"}") >= 100.0);
}

#[tokio::test]
async fn a_slow_request_is_logged_at_warn_and_a_refusal_by_a_limit_is_counted() {
    let app = spawn_with(|c| {
        no_limits(c);
        c.rate_limits.login_failures = 1;
        c.rate_limits.login_failures_per_address = 1;
    })
    .await;
    let config = app.state.config.as_ref().clone();
    let p = spawn_process_with(INSTANCE, &config, &[("LOG_FORMAT", "json"), ("RUST_LOG", "warn"), ("SLOW_REQUEST_MS", "1")]).await;
    let wrong = json!({ "input": { "email": "nobody@example.cn", "password": "wrong password 123" } });
    // The first is slow (a password is hashed to compare); the refused ones that follow may not be.
    let first = post(&p, None, Some("Login"), &op("citizen", "Login"), wrong.clone()).await.0;
    for _ in 0..2 {
        post(&p, None, Some("Login"), &op("citizen", "Login"), wrong.clone()).await;
    }
    let line = line_for(&p, &first).await;
    assert_eq!(line["level"], "WARN", "{line}");
    assert_eq!(line["fields"]["message"], "slow request");
    assert_eq!(line["fields"]["operation"], "Login");
    let text = p.http.get(format!("{}/metrics", p.url)).send().await.expect("metrics").text().await.expect("text");
    let refused = series(&text, "gongkai_rate_limit_refusals_total{limit=\"login-fail\"}") + series(&text, "gongkai_rate_limit_refusals_total{limit=\"login-fail-addr\"}");
    assert!(refused >= 1.0, "{text}");
}
