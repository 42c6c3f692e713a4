//! What an operator sees: one JSON log line per request with the request id the response carried and
//! no secret in it, slow requests at `warn`, `/metrics` moving as traffic does, with label sets a
//! client cannot grow, and traces reaching an OTLP collector. The server runs as a process of its own,
//! so its logs, metrics and traces are its own.

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
    // The pool probe has taken a connection at least once (it starts with the server).
    assert!(series(&text, "gongkai_db_pool_acquire_seconds_count") >= 1.0, "{text}");
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

/// Every `gongkai_…` metric a deploy file names, without the histogram suffixes.
fn names_in(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("gongkai_") {
        let tail = &rest[at..];
        let end = tail.find(|c: char| !(c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())).unwrap_or(tail.len());
        let name = &tail[..end];
        let base = ["_bucket", "_count", "_sum"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
        names.push(base.to_owned());
        rest = &tail[end..];
    }
    names
}

#[test]
fn the_dashboard_and_the_alerts_name_only_metrics_the_server_exports() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let exported = gongkai::metrics::exported_names();
    let dashboard = std::fs::read_to_string(format!("{root}/deploy/grafana/gongkai-dashboard.json")).expect("the dashboard");
    let parsed: Value = serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    let exprs: Vec<String> = parsed["panels"].as_array().expect("panels").iter().flat_map(|p| p["targets"].as_array().cloned().unwrap_or_default()).map(|t| t["expr"].as_str().expect("an expr").to_owned()).collect();
    assert!(exprs.len() >= 14, "{}", exprs.len());
    let alerts = std::fs::read_to_string(format!("{root}/deploy/prometheus/alerts.yml")).expect("the alert rules");
    // Only the rules' expressions name metrics (the comments above them may too, and must be true).
    for (file, text) in [("dashboard", exprs.join("\n")), ("alerts", alerts)] {
        let names = names_in(&text);
        assert!(!names.is_empty(), "{file} names no metric");
        for name in names {
            assert!(exported.contains(&name), "{file} names {name}, which the server does not export");
        }
    }
}

/// An OpenTelemetry collector's OTLP/HTTP receiver (protobuf), in this process: keeps every span sent.
struct Collector {
    url: String,
    spans: std::sync::Arc<std::sync::Mutex<Vec<(String, opentelemetry_proto::tonic::trace::v1::Span)>>>,
}

impl Collector {
    async fn start() -> Collector {
        use prost::Message as _;
        let spans = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let port = listener.local_addr().expect("address").port();
        let acceptor = poem::listener::TcpAcceptor::from_std(listener).expect("acceptor");
        let kept = spans.clone();
        let endpoint = poem::endpoint::make(move |req: poem::Request| {
            let kept = kept.clone();
            async move {
                let path = req.uri().path().to_owned();
                let kind = req.content_type().unwrap_or_default().to_owned();
                let body = req.into_body().into_bytes().await.unwrap_or_default();
                if path != "/v1/traces" || kind != "application/x-protobuf" {
                    return poem::Response::builder().status(poem::http::StatusCode::NOT_FOUND).body("");
                }
                let Ok(export) = opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest::decode(body) else {
                    return poem::Response::builder().status(poem::http::StatusCode::BAD_REQUEST).body("");
                };
                let mut kept = kept.lock().expect("lock");
                for resource in export.resource_spans {
                    let service = resource
                        .resource
                        .iter()
                        .flat_map(|r| r.attributes.iter())
                        .find(|a| a.key == "service.name")
                        .map(|a| attribute_text(a.value.as_ref()))
                        .unwrap_or_default();
                    for scope in resource.scope_spans {
                        kept.extend(scope.spans.into_iter().map(|s| (service.clone(), s)));
                    }
                }
                poem::Response::builder().status(poem::http::StatusCode::OK).body("")
            }
        });
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(endpoint));
        Collector { url: format!("http://127.0.0.1:{port}"), spans }
    }

    /// The spans of one trace, once `done` says they are all there (within 20 s).
    async fn trace(&self, trace_id: &[u8], done: impl Fn(&[Span]) -> bool) -> Vec<Span> {
        for _ in 0..400 {
            let spans: Vec<Span> = self.spans.lock().expect("lock").iter().filter(|(_, s)| s.trace_id == trace_id).cloned().collect();
            if done(&spans) {
                return spans;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let all = self.spans.lock().expect("lock").iter().map(|(_, s)| s.name.clone()).collect::<Vec<_>>();
        panic!("the collector did not get the trace; spans it got: {all:?}");
    }
}

type Span = (String, opentelemetry_proto::tonic::trace::v1::Span);

fn attribute_text(value: Option<&opentelemetry_proto::tonic::common::v1::AnyValue>) -> String {
    use opentelemetry_proto::tonic::common::v1::any_value::Value as V;
    match value.and_then(|v| v.value.as_ref()) {
        Some(V::StringValue(s)) => s.clone(),
        Some(V::IntValue(i)) => i.to_string(),
        Some(V::BoolValue(b)) => b.to_string(),
        Some(V::DoubleValue(d)) => d.to_string(),
        _ => String::new(),
    }
}

fn attribute(span: &opentelemetry_proto::tonic::trace::v1::Span, key: &str) -> Option<String> {
    span.attributes.iter().find(|a| a.key == key).map(|a| attribute_text(a.value.as_ref()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `span` is `ancestor` or lies below it, following parent ids within `spans`.
fn descends_from(spans: &[Span], span: &opentelemetry_proto::tonic::trace::v1::Span, ancestor: &[u8]) -> bool {
    let mut current = span;
    for _ in 0..64 {
        if current.span_id == ancestor {
            return true;
        }
        match spans.iter().find(|(_, s)| s.span_id == current.parent_span_id) {
            Some((_, parent)) => current = parent,
            None => return false,
        }
    }
    false
}

#[tokio::test]
async fn traces_reach_the_otlp_collector_with_the_request_its_resolvers_and_its_statements_in_the_callers_trace() {
    let collector = Collector::start().await;
    let app = spawn_with(no_limits).await;
    let config = app.state.config.as_ref().clone();
    let p = spawn_process_with(
        INSTANCE,
        &config,
        &[("OTEL_EXPORTER_OTLP_ENDPOINT", collector.url.as_str()), ("OTEL_BSP_SCHEDULE_DELAY", "50"), ("OTEL_SERVICE_NAME", "gongkai-under-test")],
    )
    .await;
    // The caller's trace (W3C traceparent): the server's span continues it.
    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let caller_span = "00f067aa0ba902b7";
    let secret_word = "保密检索词";
    let query = "query Listing($s: String) { consultations(first: 5, filter: { search: $s }) { totalCount edges { node { id title } } } departments { id } }";
    let response = p
        .http
        .post(format!("{}/graphql", p.url))
        .header("traceparent", format!("00-{trace_id}-{caller_span}-01"))
        .json(&json!({ "query": query, "variables": { "s": secret_word }, "operationName": "Listing" }))
        .send()
        .await
        .expect("a response");
    let request_id = response.headers()["x-request-id"].to_str().expect("id").to_owned();
    let body: Value = response.json().await.expect("JSON");
    assert!(body["errors"].is_null(), "{body}");

    let wanted: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&trace_id[2 * i..2 * i + 2], 16).expect("hex")).collect();
    let is = |name: &'static str| move |s: &Span| s.1.name == name;
    let spans = collector
        .trace(&wanted, |spans| {
            spans.iter().any(is("POST /graphql"))
                && spans.iter().any(is("Query.consultations"))
                && spans.iter().any(is("Query.departments"))
                && spans.iter().filter(|s| s.1.kind == 3).count() >= 2
        })
        .await;
    let names: Vec<&str> = spans.iter().map(|s| s.1.name.as_str()).collect();
    let (service, request) = spans.iter().find(|s| s.1.name == "POST /graphql").expect("the request span");
    assert_eq!(service, "gongkai-under-test");
    // SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3.
    assert_eq!(request.kind, 2);
    assert_eq!(hex(&request.parent_span_id), caller_span, "the request continues the caller's span");
    assert_eq!(attribute(request, "http.response.status_code").as_deref(), Some("200"));
    assert_eq!(attribute(request, "graphql.operation.name").as_deref(), Some("Listing"));
    assert_eq!(attribute(request, "graphql.operation.type").as_deref(), Some("query"));
    assert_eq!(attribute(request, "gongkai.request_id").as_deref(), Some(request_id.as_str()));
    let execute = spans.iter().find(|s| s.1.name == "GraphQL Listing").expect("the operation's span");
    assert_eq!(execute.1.parent_span_id, request.span_id);
    for field in ["Query.consultations", "Query.departments"] {
        let (_, resolver) = spans.iter().find(|s| s.1.name == field).expect("a root field's span");
        assert!(descends_from(&spans, resolver, &execute.1.span_id), "{field} lies under the operation: {names:?}");
    }
    // The statements: client spans under the request, with their text and never a bound value.
    let statements: Vec<&Span> = spans.iter().filter(|s| s.1.kind == 3).collect();
    for (_, statement) in &statements {
        assert!(descends_from(&spans, statement, &request.span_id), "a statement outside the request: {names:?}");
        let text = attribute(statement, "db.query.text").expect("the statement's text");
        assert!(!text.is_empty());
        assert!(matches!(attribute(statement, "db.system.name").as_deref(), Some("sqlite" | "postgresql")), "{statement:?}");
    }
    assert!(
        statements.iter().any(|(_, s)| attribute(s, "db.query.text").is_some_and(|t| t.contains("departments"))),
        "the departments are read in a statement of the trace: {names:?}"
    );
    let everything = format!("{spans:?}");
    assert!(!everything.contains(secret_word), "a bound value reached the collector");
}
