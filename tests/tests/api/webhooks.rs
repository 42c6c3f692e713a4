//! Webhooks, end to end: the server POSTs to a real HTTP server in this process (poem), which checks
//! every signature against the secret `createWebhook` showed, fails or stalls some deliveries on
//! purpose, and records what arrived; the tests read the delivery log through the admins' operations.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gongkai_tests::{spawn_with, TestApp};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::support::{op, reply};

/// One POST as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Hit {
    pub path: String,
    pub delivery: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Hit {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether `X-Gongkai-Signature` is `sha256=` + HMAC-SHA256("<timestamp>.<body>") under `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(format!("{}.{}", self.timestamp, self.body).as_bytes());
        let Some(hex) = self.signature.strip_prefix("sha256=") else { return false };
        let Some(bytes) = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect::<Option<Vec<u8>>>() else {
            return false;
        };
        mac.verify_slice(&bytes).is_ok()
    }
}

#[derive(Default)]
struct Shared {
    hits: Vec<Hit>,
    /// Requests still to answer 500.
    fail: usize,
    /// Requests still to hold this long before answering.
    stall: Option<(usize, Duration)>,
}

/// A real HTTP server on a port of its own.
pub struct Receiver {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("address").port();
        let acceptor = poem::listener::TcpAcceptor::from_std(listener).expect("acceptor");
        let state = shared.clone();
        let endpoint = poem::endpoint::make(move |req: poem::Request| {
            let state = state.clone();
            async move {
                let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                let (delivery, timestamp, signature) = (header("X-Gongkai-Delivery"), header("X-Gongkai-Timestamp"), header("X-Gongkai-Signature"));
                let path = req.uri().path().to_owned();
                let body = req.into_body().into_string().await.unwrap_or_default();
                let stall = {
                    let mut s = state.lock().expect("lock");
                    match s.stall {
                        Some((n, wait)) if n > 0 => {
                            s.stall = Some((n - 1, wait));
                            Some(wait)
                        }
                        _ => None,
                    }
                };
                if let Some(wait) = stall {
                    tokio::time::sleep(wait).await;
                }
                let mut s = state.lock().expect("lock");
                let answered = if s.fail > 0 {
                    s.fail -= 1;
                    500
                } else {
                    200
                };
                s.hits.push(Hit { path, delivery, timestamp, signature, body, answered });
                poem::Response::builder().status(poem::http::StatusCode::from_u16(answered).expect("a status")).body("")
            }
        });
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(endpoint));
        Receiver { url: format!("http://127.0.0.1:{port}"), shared }
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.shared.lock().expect("lock").hits.clone()
    }

    pub fn fail_next(&self, n: usize) {
        self.shared.lock().expect("lock").fail = n;
    }

    pub fn stall_next(&self, n: usize, wait: Duration) {
        self.shared.lock().expect("lock").stall = Some((n, wait));
    }

    /// Waits (up to 20 s) until `n` requests have arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<Hit> {
        for _ in 0..400 {
            let hits = self.hits();
            if hits.len() >= n {
                return hits;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} webhook requests, got {:?}", self.hits());
    }
}

async fn spawn_hooked() -> TestApp {
    spawn_with(|c| {
        c.outbox_poll = Duration::from_millis(100);
        c.webhook_timeout = Duration::from_secs(1);
    })
    .await
}

/// Registers a webhook; returns (id, secret).
async fn register(app: &TestApp, admin: &str, url: &str, kinds: &[&str]) -> (String, String) {
    let data = app.ok(Some(admin), &op("notifications", "CreateWebhook"), json!({ "input": { "url": url, "kinds": kinds, "description": "短信网关" } })).await;
    let hook = &data["createWebhook"];
    assert_eq!(hook["active"], true);
    (hook["id"].as_str().expect("id").to_owned(), hook["secret"].as_str().expect("the secret, shown once").to_owned())
}

/// The webhook's deliveries as the admins' log shows them, newest first.
async fn log(app: &TestApp, admin: &str, hook: &str) -> Vec<Value> {
    let data = app.ok(Some(admin), &op("notifications", "Webhooks"), json!({})).await;
    let found = data["webhooks"].as_array().expect("webhooks").iter().find(|w| w["id"] == hook).unwrap_or_else(|| panic!("webhook {hook} in {data}")).clone();
    found["deliveries"]["edges"].as_array().expect("edges").iter().map(|e| e["node"].clone()).collect()
}

/// Waits until the newest delivery of the webhook satisfies `done`.
async fn wait_log(app: &TestApp, admin: &str, hook: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..400 {
        if let Some(newest) = log(app, admin, hook).await.first() {
            if done(newest) {
                return newest.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the delivery log never came to the expected state: {:?}", log(app, admin, hook).await);
}

#[tokio::test]
async fn a_webhook_receives_signed_deliveries_of_its_kinds_only() {
    let receiver = Receiver::start().await;
    let app = spawn_hooked().await;
    let w = app.world().await;
    let (hook, secret) = register(&app, &w.admin, &format!("{}/replies", receiver.url), &["COMMENT_REPLIED"]).await;
    assert_eq!(secret.len(), 64, "a 256-bit secret, hex");
    let (other, _) = register(&app, &w.admin, &format!("{}/observations", receiver.url), &["OBSERVATION_FILED"]).await;
    // The secret is shown once: the list never has it.
    let listed = app.ok(Some(&w.admin), "{ webhooks { id secret kinds description } }", json!({})).await;
    assert!(listed["webhooks"].as_array().expect("list").iter().all(|h| h["secret"].is_null()), "{listed}");
    assert_eq!(listed["webhooks"][0]["kinds"], json!(["COMMENT_REPLIED"]));

    let (citizen, citizen_id) = app.citizen("Wang").await;
    let comment = app.comment(&citizen, &w.consultation, "建议公开项目预算明细。").await;
    reply(&app, &w.staff, &comment, "ADOPTED").await.data();
    let hit = receiver.wait_for(1).await.remove(0);
    assert_eq!(hit.path, "/replies");
    assert!(hit.signed_with(&secret), "the signature checks out: {hit:?}");
    assert!(!hit.signed_with("another secret"));
    assert!(hit.timestamp.parse::<i64>().is_ok(), "{hit:?}");
    let body = hit.json();
    assert_eq!(body["id"], hit.delivery.as_str(), "the body names its delivery");
    assert_eq!(body["kind"], "COMMENT_REPLIED");
    assert_eq!(body["recipient"]["id"], citizen_id.as_str());
    assert_eq!(body["recipient"]["locale"], "zh-CN");
    assert_eq!(body["notification"]["title"], "您的意见收到了答复");
    assert_eq!(body["notification"]["subjectId"], comment.as_str());

    let delivered = wait_log(&app, &w.admin, &hook, |d| d["status"] == "DELIVERED").await;
    assert_eq!(delivered["id"], hit.delivery.as_str());
    assert_eq!(delivered["kind"], "COMMENT_REPLIED");
    assert_eq!(delivered["attempts"], 1);
    assert_eq!(delivered["responseStatus"], 200);
    assert!(log(&app, &w.admin, &other).await.is_empty(), "the other kind's webhook got nothing");

    // Inactive: nothing new goes to it. Active again with another address: it does.
    let update = op("notifications", "UpdateWebhook");
    let off = app.ok(Some(&w.admin), &update, json!({ "id": hook, "input": { "active": false } })).await;
    assert_eq!(off["updateWebhook"]["active"], false);
    let second = app.comment(&citizen, &w.consultation, "再补充一条意见。").await;
    reply(&app, &w.staff, &second, "EXPLAINED").await.data();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.hits().len(), 1);
    let moved = app
        .ok(Some(&w.admin), &update, json!({ "id": hook, "input": { "active": true, "url": format!("{}/moved", receiver.url), "kinds": ["COMMENT_REPLIED", "COMMENT_MODERATED"] } }))
        .await;
    assert_eq!(moved["updateWebhook"]["kinds"], json!(["COMMENT_REPLIED", "COMMENT_MODERATED"]));
    let third = app.comment(&citizen, &w.consultation, "第三条意见。").await;
    reply(&app, &w.staff, &third, "EXPLAINED").await.data();
    let hits = receiver.wait_for(2).await;
    assert_eq!(hits[1].path, "/moved");
    assert!(hits[1].signed_with(&secret), "the secret stays when the address changes");

    // Deleted: gone from the list with its log; its id is then NOT_FOUND.
    let delete = op("notifications", "DeleteWebhook");
    assert_eq!(app.ok(Some(&w.admin), &delete, json!({ "id": other })).await["deleteWebhook"], true);
    let left = app.ok(Some(&w.admin), &op("notifications", "Webhooks"), json!({})).await;
    assert_eq!(left["webhooks"].as_array().expect("list").len(), 1);
    assert_eq!(app.code(Some(&w.admin), &delete, json!({ "id": other })).await, "NOT_FOUND");
    assert_eq!(app.code(Some(&w.admin), &update, json!({ "id": other, "input": { "active": true } })).await, "NOT_FOUND");
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_under_the_same_delivery_id_then_failed_and_redelivered_by_hand() {
    let receiver = Receiver::start().await;
    let app = spawn_hooked().await;
    let w = app.world().await;
    let (hook, secret) = register(&app, &w.admin, &format!("{}/hook", receiver.url), &["COMMENT_REPLIED"]).await;
    let (citizen, _) = app.citizen("Li").await;

    // Two failures, then success: three attempts, 30 s and then 60 s apart, one delivery id.
    receiver.fail_next(2);
    let comment = app.comment(&citizen, &w.consultation, "请延长征求意见期。").await;
    reply(&app, &w.staff, &comment, "EXPLAINED").await.data();
    receiver.wait_for(1).await;
    let first = wait_log(&app, &w.admin, &hook, |d| d["attempts"] == 1 && d["responseStatus"] == 500).await;
    assert_eq!(first["status"], "PENDING");
    // Not before its backoff.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.hits().len(), 1);
    app.advance_clock(chrono::Duration::seconds(31));
    receiver.wait_for(2).await;
    wait_log(&app, &w.admin, &hook, |d| d["attempts"] == 2 && d["status"] == "PENDING" && d["responseStatus"] == 500).await;
    app.advance_clock(chrono::Duration::seconds(61));
    let hits = receiver.wait_for(3).await;
    let done = wait_log(&app, &w.admin, &hook, |d| d["status"] == "DELIVERED").await;
    assert_eq!(done["attempts"], 3);
    assert_eq!(done["responseStatus"], 200);
    assert_eq!(hits.iter().map(|h| h.answered).collect::<Vec<_>>(), [500, 500, 200]);
    assert!(hits.iter().all(|h| h.delivery == hits[0].delivery && h.signed_with(&secret)), "{hits:?}");
    assert!(hits.iter().all(|h| h.body == hits[0].body), "every attempt carries the same body");
    assert_ne!(hits[0].timestamp, hits[2].timestamp, "each attempt is signed at its own time");

    // An endpoint that never recovers: eight attempts, then FAILED.
    receiver.fail_next(usize::MAX);
    let failing = app.comment(&citizen, &w.consultation, "这条会一直失败。").await;
    reply(&app, &w.staff, &failing, "EXPLAINED").await.data();
    for attempt in 1..=8 {
        receiver.wait_for(3 + attempt).await;
        wait_log(&app, &w.admin, &hook, |d| d["attempts"] == attempt as i64 && d["responseStatus"] == 500).await;
        app.advance_clock(chrono::Duration::seconds(3601));
    }
    let failed = wait_log(&app, &w.admin, &hook, |d| d["status"] == "FAILED").await;
    assert_eq!(failed["attempts"], 8);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.hits().len(), 11, "no attempt after the last");

    // By hand, once the endpoint works again: the same id, attempts counted anew.
    receiver.fail_next(0);
    let redeliver = op("notifications", "RedeliverWebhookDelivery");
    let again = app.ok(Some(&w.admin), &redeliver, json!({ "id": failed["id"] })).await;
    assert_eq!(again["redeliverWebhookDelivery"]["attempts"], 0);
    let hits = receiver.wait_for(12).await;
    assert_eq!(hits[11].delivery, failed["id"].as_str().expect("id"));
    assert_eq!(hits[11].answered, 200);
    let redelivered = wait_log(&app, &w.admin, &hook, |d| d["status"] == "DELIVERED").await;
    assert_eq!(redelivered["id"], failed["id"]);
    assert_eq!(redelivered["attempts"], 1);
    assert_eq!(app.code(Some(&w.admin), &redeliver, json!({ "id": uuid::Uuid::new_v4().to_string() })).await, "NOT_FOUND");
}

#[tokio::test]
async fn an_endpoint_that_does_not_answer_in_time_is_tried_again() {
    let receiver = Receiver::start().await;
    let app = spawn_hooked().await;
    let w = app.world().await;
    let (hook, _) = register(&app, &w.admin, &format!("{}/slow", receiver.url), &["COMMENT_REPLIED"]).await;
    let (citizen, _) = app.citizen("Zhou").await;
    // The first answer comes after 3 s; the server waits 1 s (WEBHOOK_TIMEOUT_SECONDS).
    receiver.stall_next(1, Duration::from_secs(3));
    let comment = app.comment(&citizen, &w.consultation, "慢一点的网关。").await;
    reply(&app, &w.staff, &comment, "EXPLAINED").await.data();
    const DETAIL: &str = "{ webhooks { deliveries(first: 1) { edges { node { id status attempts lastError responseStatus nextAttemptAt } } } } }";
    let mut timed_out = Value::Null;
    for _ in 0..200 {
        let data = app.ok(Some(&w.admin), DETAIL, json!({})).await;
        timed_out = data["webhooks"][0]["deliveries"]["edges"][0]["node"].clone();
        if timed_out["lastError"].is_string() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(timed_out["lastError"].as_str().is_some_and(|e| e.contains("no answer within 1 s")), "{timed_out}");
    assert_eq!(timed_out["status"], "PENDING");
    assert_eq!(timed_out["attempts"], 1);
    assert!(timed_out["responseStatus"].is_null(), "no answer, no status");
    assert!(timed_out["nextAttemptAt"].is_string());
    app.advance_clock(chrono::Duration::seconds(31));
    let done = wait_log(&app, &w.admin, &hook, |d| d["status"] == "DELIVERED").await;
    assert_eq!(done["id"], timed_out["id"]);
    assert_eq!(done["attempts"], 2);
}

#[tokio::test]
async fn webhook_input_is_checked_field_by_field() {
    let app = spawn_hooked().await;
    let admin = app.admin().await;
    let create = op("notifications", "CreateWebhook");
    let bad = app.gql(Some(&admin), &create, json!({ "input": { "url": "ftp://example.cn/hook", "kinds": [] } })).await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
    let fields: Vec<&str> = bad.error()["extensions"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    assert_eq!(fields, ["input.url", "input.kinds"]);
    let credentials = app.gql(Some(&admin), &create, json!({ "input": { "url": "https://user:secret@example.cn/hook", "kinds": ["COMMENT_REPLIED"] } })).await;
    assert_eq!(credentials.code(), "BAD_USER_INPUT");
    let (hook, _) = register(&app, &admin, "https://sms.example.cn/hook", &["OBSERVATION_FILED"]).await;
    let update = op("notifications", "UpdateWebhook");
    let empty = app.gql(Some(&admin), &update, json!({ "id": hook, "input": { "kinds": [] } })).await;
    assert_eq!(empty.code(), "BAD_USER_INPUT");
    assert_eq!(empty.error()["extensions"]["fields"][0]["field"], "input.kinds");
    assert_eq!(app.code(Some(&admin), &update, json!({ "id": "not-an-id", "input": {} })).await, "BAD_USER_INPUT");
    // Nothing was changed by the refused calls.
    let data = app.ok(Some(&admin), &op("notifications", "Webhooks"), json!({})).await;
    assert_eq!(data["webhooks"].as_array().expect("list").len(), 1);
    assert_eq!(data["webhooks"][0]["kinds"], json!(["OBSERVATION_FILED"]));
}

#[tokio::test]
async fn two_server_processes_and_this_one_send_each_webhook_delivery_once() {
    if !gongkai_tests::using_postgres() {
        gongkai_tests::skipped("several server processes on one database need TEST_DATABASE_URL");
        return;
    }
    const INSTANCE: &str = env!("CARGO_BIN_EXE_gongkai-instance");
    let receiver = Receiver::start().await;
    // Each answer takes a moment, so that the instances' batches overlap.
    receiver.stall_next(usize::MAX, Duration::from_millis(30));
    let (mut config, _) = gongkai_tests::test_config().await;
    gongkai_tests::no_limits(&mut config);
    config.outbox_poll = Duration::from_millis(50);
    let app = gongkai_tests::spawn_config(config.clone(), None).await;
    let (first, second) = tokio::join!(gongkai_tests::spawn_process(INSTANCE, &config), gongkai_tests::spawn_process(INSTANCE, &config));
    let w = app.world().await;
    let (_, secret) = register(&app, &w.admin, &format!("{}/hook", receiver.url), &["COMMENT_REPLIED"]).await;
    let (citizen, _) = app.citizen("多条意见").await;
    const N: usize = 40;
    let mut comments = Vec::new();
    for i in 0..N {
        comments.push(app.comment(&citizen, &w.consultation, &format!("第{i}条意见：请公开数据。")).await);
    }
    for comment in &comments {
        reply(&app, &w.staff, comment, "EXPLAINED").await.data();
    }
    let hits = receiver.wait_for(N).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let hits_now = receiver.hits();
    let distinct: std::collections::BTreeSet<&str> = hits_now.iter().map(|h| h.delivery.as_str()).collect();
    assert_eq!(distinct.len(), N, "every delivery arrived");
    assert_eq!(hits_now.len(), N, "none twice, though three instances were sending: {} requests", hits_now.len());
    assert!(hits.iter().all(|h| h.signed_with(&secret)));
    drop((first, second));
}
