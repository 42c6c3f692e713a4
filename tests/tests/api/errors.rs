//! Errors and limits at the edge: body size, malformed requests, depth and complexity, bad ids and
//! cursors, a lost database or Redis, the operational endpoints, and errors in the reader's language.

use std::time::Duration;

use gongkai_tests::{no_limits, spawn_config, spawn_with, test_config, using_postgres, Gql, PASSWORD};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

use crate::support::{self, assert_no_leak, fields, op};
use crate::ws::{Answer, Ws, COMMENT_ADDED};

const MIB: usize = 1024 * 1024;

/// A GraphQL request whose JSON body is about `size` bytes.
fn padded_request(size: usize) -> String {
    let padding = "a".repeat(size.saturating_sub(40));
    json!({ "query": format!("{{ departments {{ id }} }}\n# {padding}") }).to_string()
}

#[tokio::test]
async fn bodies_over_one_mebibyte_get_413_when_they_declare_their_length() {
    let app = spawn_with(no_limits).await;
    let url = format!("{}/graphql", app.url);
    let fits = app.http.post(&url).header("content-type", "application/json").body(padded_request(MIB - 100)).send().await.expect("send");
    assert_eq!(fits.status(), 200, "just under 1 MiB is served");
    assert!(fits.json::<Value>().await.expect("json")["data"]["departments"].is_array());
    let too_big = app.http.post(&url).header("content-type", "application/json").body(padded_request(MIB + 1024)).send().await.expect("send");
    assert_eq!(too_big.status(), 413);
    let body: Value = too_big.json().await.expect("a JSON error");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

/// Sends `body` with `Transfer-Encoding: chunked` over a raw connection and returns the status line and
/// the rest of the response.
async fn send_chunked(addr: std::net::SocketAddr, body: &[u8]) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("write the head");
    // The server may answer and stop reading before the whole body is sent: that is the point.
    for chunk in body.chunks(64 * 1024) {
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response)).await;
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn chunked_bodies_over_one_mebibyte_get_413_too() {
    let app = spawn_with(no_limits).await;
    let small = send_chunked(app.addr, padded_request(64 * 1024).as_bytes()).await;
    assert!(small.starts_with("HTTP/1.1 200"), "a small chunked body is served: {}", &small[..small.len().min(200)]);
    let big = send_chunked(app.addr, padded_request(2 * MIB).as_bytes()).await;
    assert!(big.starts_with("HTTP/1.1 413"), "a large chunked body is refused: {}", &big[..big.len().min(200)]);
}

#[tokio::test]
async fn malformed_requests_get_bad_user_input() {
    let app = spawn_with(no_limits).await;
    let url = format!("{}/graphql", app.url);
    for body in ["{not json", "\"just a string\"", "", "{\"query\": 42}"] {
        let res = app.http.post(&url).header("content-type", "application/json").body(body).send().await.expect("send");
        assert_eq!(res.status(), 400, "body {body:?}");
        let json: Value = res.json().await.expect("a JSON error");
        assert_eq!(json["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    let syntax = app.gql(None, "{ consultations { ", json!({})).await;
    assert_eq!(syntax.code(), "BAD_USER_INPUT", "a GraphQL syntax error");
    let unknown = app.gql(None, "{ nosuchfield }", json!({})).await;
    assert_eq!(unknown.code(), "BAD_USER_INPUT", "an unknown field");
    let missing = app.gql(None, &op("citizen", "ConsultationDetail"), json!({})).await;
    assert_eq!(missing.code(), "BAD_USER_INPUT", "a missing variable");
    let wrong_type = app.gql(None, &op("citizen", "Consultations"), json!({ "first": "ten" })).await;
    assert_eq!(wrong_type.code(), "BAD_USER_INPUT", "a variable of the wrong type");
    for gql in [&syntax, &unknown, &missing, &wrong_type] {
        assert_no_leak(gql);
    }
}

#[tokio::test]
async fn deep_and_complex_queries_are_refused_with_a_code() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let mut deep = "id".to_owned();
    for _ in 0..8 {
        deep = format!("comments {{ edges {{ node {{ consultation {{ {deep} }} }} }} }}");
    }
    let gql = app.gql(None, &format!("query($id: ID!) {{ consultation(id: $id) {{ {deep} }} }}"), json!({ "id": w.consultation })).await;
    assert!(gql.0["data"].is_null(), "nothing runs: {:#}", gql.0);
    assert_eq!(gql.code(), "BAD_USER_INPUT");
    assert_eq!(gql.error()["message"], "query：查询嵌套层级过深。");
    let wide: String = (0..1500).map(|i| format!("a{i}: departments {{ id }} ")).collect();
    let gql = app.gql(None, &format!("{{ {wide} }}"), json!({})).await;
    assert!(gql.0["data"].is_null());
    assert_eq!(gql.code(), "BAD_USER_INPUT");
    assert!(gql.error()["message"].as_str().is_some_and(|m| m.to_lowercase().contains("complex")));
    // Every client operation stays within both limits.
    let data = app.ok(None, &op("citizen", "ConsultationComments"), json!({ "id": w.consultation, "first": 100 })).await;
    assert!(data["consultation"]["comments"]["edges"].is_array());
}

#[tokio::test]
async fn bad_ids_cursors_and_page_sizes_are_bad_user_input() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    let detail = op("citizen", "ConsultationDetail");
    assert_eq!(fields(&app.gql(None, &detail, json!({ "id": "not-a-uuid" })).await), ["id"]);
    assert_eq!(fields(&app.gql(None, &detail, json!({ "id": "" })).await), ["id"]);
    assert_eq!(app.code(None, &detail, json!({ "id": Uuid::now_v7().to_string() })).await, "NOT_FOUND");
    let list = op("citizen", "Consultations");
    for after in ["zz", "abc", "not a cursor", &"0".repeat(600), "6e6f7065"] {
        assert_eq!(fields(&app.gql(None, &list, json!({ "after": after })).await), ["after"], "cursor {after:?}");
    }
    for first in [101, -1, 1_000_000] {
        assert_eq!(fields(&app.gql(None, &list, json!({ "first": first })).await), ["first"], "first: {first}");
    }
    assert!(app.gql(None, &list, json!({ "first": 100 })).await.is_ok(), "100 is the largest page");
    let comments = op("citizen", "ConsultationComments");
    assert_eq!(fields(&app.gql(None, &comments, json!({ "id": w.consultation, "first": 101 })).await), ["first"]);
    assert_eq!(fields(&app.gql(None, &comments, json!({ "id": w.consultation, "after": "zz" })).await), ["after"]);
    assert_eq!(fields(&app.gql(None, &comments, json!({ "id": w.consultation, "sectionId": "x" })).await), ["sectionId"]);
    assert_eq!(fields(&app.gql(Some(&me.token), &op("citizen", "MyComments"), json!({ "first": 101 })).await), ["first"]);
    assert_eq!(fields(&app.gql(Some(&me.token), &op("citizen", "MyComments"), json!({ "after": "x" })).await), ["after"]);
    assert_eq!(fields(&app.gql(Some(&w.admin), &op("admin", "AuditLog"), json!({ "first": 101 })).await), ["first"]);
    assert_eq!(fields(&app.gql(Some(&w.admin), &op("admin", "AuditLog"), json!({ "after": "x" })).await), ["after"]);
    assert_eq!(fields(&app.gql(Some(&w.admin), &op("admin", "AuditLog"), json!({ "filter": { "actorId": "x" } })).await), ["filter.actorId"]);
    assert_eq!(fields(&app.gql(Some(&w.staff), &op("staff", "DuplicateGroups"), json!({ "id": w.consultation, "after": "x" })).await), ["after"]);
    assert_eq!(fields(&app.gql(Some(&w.staff), &op("staff", "MyDepartmentConsultations"), json!({ "first": 101 })).await), ["first"]);
}

/// Everything a client sees when the database is gone is SERVICE_UNAVAILABLE with a plain message.
async fn assert_unavailable(gql: &Gql, what: &str) {
    assert_eq!(gql.code(), "SERVICE_UNAVAILABLE", "{what}: {:#}", gql.0);
    assert_no_leak(gql);
}

#[tokio::test]
async fn a_lost_database_gives_service_unavailable_and_readyz_503() {
    let (mut config, dir) = test_config().await;
    no_limits(&mut config);
    let database = if using_postgres() {
        let admin_url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
        let (url, name) = gongkai_tests::own_postgres_database(&admin_url).await;
        config.database_url = url;
        Some((admin_url, name))
    } else {
        None
    };
    let app = spawn_config(config, dir).await;
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    let ready = app.http.get(format!("{}/readyz", app.url)).send().await.expect("readyz");
    assert_eq!(ready.status(), 200);

    match database {
        Some((admin_url, name)) => {
            // Every connection to the database is ended and the database itself dropped.
            let admin = sea_orm::Database::connect(gongkai_tests::with_database(&admin_url, "postgres")).await.expect("admin connection");
            use sea_orm::ConnectionTrait;
            admin
                .execute_unprepared(&format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
                .await
                .expect("terminate connections");
            admin.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)")).await.expect("drop the database");
            admin.close().await.ok();
        }
        None => {
            // An SQLite file cannot be taken away from a process that has it open, so the pool that
            // serves it is closed instead: every query then fails as if the database were gone.
            println!("SQLite: closing the connection pool stands in for a lost database");
            app.state.db.conn.close_by_ref().await.expect("close the pool");
        }
    }

    assert_unavailable(&app.gql(None, &op("citizen", "Consultations"), json!({})).await, "a public query").await;
    assert_unavailable(&app.gql(None, &op("citizen", "ConsultationDetail"), json!({ "id": w.consultation })).await, "a detail").await;
    assert_unavailable(&app.gql(Some(&me.token), "{ me { id } }", json!({})).await, "a signed-in request").await;
    assert_unavailable(&support::submit(&app, &me.token, &w.consultation, "SUPPORT", "还在吗", None).await, "a mutation").await;
    assert_unavailable(&app.gql(None, &op("citizen", "Login"), json!({ "input": { "email": me.email, "password": PASSWORD } })).await, "a sign-in").await;
    let ready = app.http.get(format!("{}/readyz", app.url)).send().await.expect("readyz");
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.expect("readyz body");
    assert_eq!(body["database"], false);
    let health = app.http.get(format!("{}/healthz", app.url)).send().await.expect("healthz");
    assert_eq!(health.status(), 200, "the process itself is still up");
}

/// A TCP relay to Redis that the test can cut, standing in for Redis going away.
struct Relay {
    addr: std::net::SocketAddr,
    tasks: tokio::task::JoinSet<()>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the relay");
        let addr = listener.local_addr().expect("relay address");
        let mut tasks = tokio::task::JoinSet::new();
        tasks.spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        Relay { addr, tasks }
    }

    /// Closes the listener and every relayed connection.
    fn cut(&mut self) {
        self.tasks.abort_all();
    }
}

#[tokio::test]
async fn a_lost_redis_gives_service_unavailable_and_readyz_503() {
    let Some(redis_url) = std::env::var("TEST_REDIS_URL").ok().filter(|v| !v.is_empty()) else {
        gongkai_tests::skipped("without TEST_REDIS_URL sessions and limits live in the process");
        return;
    };
    let target = redis_url.trim_start_matches("redis://").split('/').next().unwrap_or("127.0.0.1:6379").to_owned();
    let mut relay = Relay::start(target).await;
    let relay_url = format!("redis://{}", relay.addr);
    let app = spawn_with(move |config| {
        no_limits(config);
        config.redis_url = Some(relay_url);
    })
    .await;
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    assert!(app.ok(Some(&me.token), "{ me { id } }", json!({})).await["me"].is_object());
    relay.cut();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    let gql = app.gql(Some(&me.token), "{ me { id } }", json!({})).await;
    assert_unavailable(&gql, "a signed-in request needs the session store").await;
    let gql = app.gql(None, &op("citizen", "Login"), json!({ "input": { "email": me.email, "password": PASSWORD } })).await;
    assert_unavailable(&gql, "a sign-in").await;
    let data = app.ok(None, &op("citizen", "ConsultationDetail"), json!({ "id": w.consultation })).await;
    assert_eq!(data["consultation"]["status"], "OPEN", "what needs only the database still works");
    let ready = app.http.get(format!("{}/readyz", app.url)).send().await.expect("readyz");
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.expect("readyz body");
    // The instance's event subscription went with Redis too.
    assert_eq!(body, json!({ "database": true, "redis": false, "events": false }));
    assert!(started.elapsed() < Duration::from_secs(20), "refused promptly, not after minutes of retries: {:?}", started.elapsed());
}

#[tokio::test]
async fn operational_endpoints_answer() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let get = |path: &str| app.http.get(format!("{}{path}", app.url)).send();
    let health = get("/healthz").await.expect("healthz");
    assert_eq!(health.status(), 200);
    let ready = get("/readyz").await.expect("readyz");
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.expect("readyz body");
    assert_eq!(ready["database"], true);
    let page = get("/").await.expect("graphiql");
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().is_ok_and(|t| t.starts_with("text/html")));
    assert!(page.text().await.expect("html").to_lowercase().contains("graphiql"));
    // Queries also work over GET; mutations do not.
    let query = "query($id: ID!) { consultation(id: $id) { id status } }";
    let variables = json!({ "id": w.consultation }).to_string();
    let res = app.http.get(format!("{}/graphql", app.url)).query(&[("query", query), ("variables", variables.as_str())]).send().await.expect("GET");
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["data"]["consultation"]["status"], "OPEN");
    // Whatever the document looks like, a mutation is not run over GET (a link must not change state).
    let me = support::citizen(&app).await;
    for (query, operation) in [
        ("mutation { logout }", None),
        ("# a comment first\nmutation { logout }", None),
        ("  \n\tmutation Out { logout }", Some("Out")),
        ("query Me { me { id } }\nmutation Out { logout }", Some("Out")),
        ("mutation{logout}", None),
    ] {
        let mut params = vec![("query", query)];
        if let Some(name) = operation {
            params.push(("operationName", name));
        }
        let res = app.http.get(format!("{}/graphql", app.url)).bearer_auth(&me.token).query(&params).send().await.expect("GET");
        assert_eq!(res.status(), 405, "a mutation over GET: {query:?}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    assert!(app.ok(Some(&me.token), "{ me { id } }", json!({})).await["me"].is_object(), "the session was not ended over GET");
    let both = [("query", "query Me { me { id } }\nmutation Out { logout }"), ("operationName", "Me")];
    let res = app.http.get(format!("{}/graphql", app.url)).bearer_auth(&me.token).query(&both).send().await.expect("GET");
    assert_eq!(res.status(), 200, "the query of a document that also holds a mutation runs");
    let metrics = get("/metrics").await.expect("metrics");
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("metrics text");
    let requests = text
        .lines()
        .find(|l| l.starts_with("gongkai_graphql_requests_total "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse::<u64>().ok())
        .expect("a request counter");
    assert!(requests >= 2, "{text}");
    assert!(text.contains("# TYPE gongkai_graphql_requests_total counter"));
}

/// The message of the first error and the `field: message` pairs of its `extensions.fields`.
fn said(gql: &Gql) -> (String, Vec<(String, String)>) {
    let error = gql.error();
    let fields = error["extensions"]["fields"]
        .as_array()
        .map(|list| list.iter().map(|f| (f["field"].as_str().expect("field").to_owned(), f["message"].as_str().expect("message").to_owned())).collect())
        .unwrap_or_default();
    (error["message"].as_str().expect("a message").to_owned(), fields)
}

/// A refused registration: three fields wrong at once.
fn bad_registration() -> Value {
    json!({ "input": { "email": "not-an-email", "password": "short", "displayName": " " } })
}

#[tokio::test]
async fn errors_are_in_the_readers_language_and_codes_and_fields_are_not() {
    let app = spawn_with(no_limits).await;
    let w = support::open_world(&app).await;
    let me = support::citizen(&app).await;
    let missing = json!({ "id": Uuid::now_v7().to_string() });
    let detail = op("citizen", "ConsultationDetail");
    let register = op("citizen", "Register");
    let create_department = op("admin", "CreateDepartment");
    let department = json!({ "input": { "code": "X1", "name": "某部门" } });

    // Chinese by default.
    let not_found = app.gql(None, &detail, missing.clone()).await;
    assert_eq!(not_found.code(), "NOT_FOUND");
    assert_eq!(said(&not_found).0, "未找到该征求意见稿。");
    let bad = app.gql(None, &register, bad_registration()).await;
    assert_eq!(fields(&bad), ["displayName", "email", "password"]);
    let (message, zh_fields) = said(&bad);
    assert_eq!(message, "部分填写内容不符合要求，请检查后重新提交。");
    assert!(zh_fields.contains(&("email".to_owned(), "须为有效的邮箱地址".to_owned())), "{zh_fields:?}");
    assert!(zh_fields.contains(&("password".to_owned(), "不能少于 10 个字符".to_owned())), "{zh_fields:?}");
    assert!(zh_fields.contains(&("displayName".to_owned(), "不能为空".to_owned())), "{zh_fields:?}");
    let forbidden = app.gql(Some(&me.token), &create_department, department.clone()).await;
    assert_eq!(forbidden.code(), "FORBIDDEN");
    assert_eq!(said(&forbidden).0, "您的账户无权创建部门。");

    // English when the request asks for it; the same codes and field names.
    let en_not_found = support::gql_in(&app, None, "en-US,en;q=0.9", &detail, missing.clone()).await;
    assert_eq!(en_not_found.code(), "NOT_FOUND");
    assert_eq!(said(&en_not_found).0, "The consultation was not found.");
    let en_bad = support::gql_in(&app, None, "en", &register, bad_registration()).await;
    assert_eq!(fields(&en_bad), ["displayName", "email", "password"]);
    let (message, en_fields) = said(&en_bad);
    assert_eq!(message, "Some fields are not valid.");
    assert!(en_fields.contains(&("password".to_owned(), "must be at least 10 characters".to_owned())), "{en_fields:?}");
    let field_names = |list: &[(String, String)]| list.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>();
    assert_eq!(field_names(&zh_fields), field_names(&en_fields), "fields in the same order");
    let en_forbidden = support::gql_in(&app, Some(&me.token), "en", &create_department, department.clone()).await;
    assert_eq!(en_forbidden.code(), "FORBIDDEN");
    assert_eq!(said(&en_forbidden).0, "Your account may not create departments.");
    // A single field's error names it in the message.
    let one = support::gql_in(&app, None, "en", &detail, json!({ "id": "not-a-uuid" })).await;
    assert_eq!(said(&one), ("id: is not a valid id".to_owned(), vec![("id".to_owned(), "is not a valid id".to_owned())]));
    let one = app.gql(None, &detail, json!({ "id": "not-a-uuid" })).await;
    assert_eq!(said(&one), ("id：不是有效的 ID".to_owned(), vec![("id".to_owned(), "不是有效的 ID".to_owned())]));

    // The account's own language wins over the request's, for errors refused before anything runs too.
    let profile = app.ok(Some(&me.token), &op("notifications", "UpdateProfile"), json!({ "input": { "locale": "en" } })).await;
    assert_eq!(profile["updateProfile"]["locale"], "en");
    let mine = support::gql_in(&app, Some(&me.token), "zh-CN", &create_department, department.clone()).await;
    assert_eq!(said(&mine).0, "Your account may not create departments.");
    let mine = app.gql(Some(&me.token), &detail, missing.clone()).await;
    assert_eq!(said(&mine).0, "The consultation was not found.");
    let unparsable = app.gql(Some(&me.token), "query { a(x: ) }", json!({})).await;
    assert_eq!(said(&unparsable).0, "query: The query is not valid GraphQL (line 1, column 14).");
    let unparsable = app.gql(None, "query { a(x: ) }", json!({})).await;
    assert_eq!(said(&unparsable).0, "query：查询不是有效的 GraphQL（第 1 行第 14 列）。");
    // Someone else is still answered in Chinese.
    assert_eq!(said(&app.gql(Some(&w.staff), &create_department, department.clone()).await).0, "您的账户无权创建部门。");

    // The endpoints that are not GraphQL, by the request's language.
    let url = format!("{}/graphql", app.url);
    for (language, expected) in [(None, "请求内容不是 JSON 格式的 GraphQL 请求。"), (Some("en"), "The request body is not a GraphQL request in JSON.")] {
        let mut request = app.http.post(&url).header("content-type", "application/json").body("{not json");
        if let Some(language) = language {
            request = request.header("Accept-Language", language);
        }
        let body: Value = request.send().await.expect("send").json().await.expect("a JSON error");
        assert_eq!(body["errors"][0]["message"], expected);
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
}

/// The first error's message of a WebSocket answer.
fn ws_said(answer: Answer) -> (String, String) {
    match answer {
        Answer::Response(payload) => {
            let error = &payload["errors"][0];
            (error["extensions"]["code"].as_str().expect("a code").to_owned(), error["message"].as_str().expect("a message").to_owned())
        }
        Answer::Closed(code) => panic!("the socket closed ({code:?}) instead of answering"),
    }
}

#[tokio::test]
async fn websocket_errors_are_in_the_readers_language_too() {
    let app = spawn_with(no_limits).await;
    let me = support::citizen(&app).await;
    let missing = json!({ "id": Uuid::now_v7().to_string() });
    let detail = op("citizen", "ConsultationDetail");
    let feed = json!({ "consultationId": Uuid::now_v7().to_string() });

    let mut zh = Ws::connect(&app.url, None).await;
    assert_eq!(ws_said(zh.run("q", &detail, missing.clone()).await), ("NOT_FOUND".to_owned(), "未找到该征求意见稿。".to_owned()));
    assert_eq!(ws_said(zh.run("s", COMMENT_ADDED, feed.clone()).await), ("UNAUTHENTICATED".to_owned(), "请先登录。".to_owned()));
    zh.close().await;

    let mut en = Ws::connect_in(&app.url, None, Some("en")).await;
    assert_eq!(ws_said(en.run("q", &detail, missing.clone()).await), ("NOT_FOUND".to_owned(), "The consultation was not found.".to_owned()));
    assert_eq!(ws_said(en.run("s", COMMENT_ADDED, feed.clone()).await), ("UNAUTHENTICATED".to_owned(), "You need to sign in to do this.".to_owned()));
    en.close().await;

    // Signed in with English chosen: English whatever the upgrade request asked for, a subscription's
    // refusal and an operation refused before it runs included.
    app.ok(Some(&me.token), &op("notifications", "UpdateProfile"), json!({ "input": { "locale": "en" } })).await;
    let mut mine = Ws::connect_in(&app.url, Some(&me.token), Some("zh-CN")).await;
    assert_eq!(ws_said(mine.run("q", &detail, missing).await), ("NOT_FOUND".to_owned(), "The consultation was not found.".to_owned()));
    assert_eq!(ws_said(mine.run("s", COMMENT_ADDED, feed).await), ("NOT_FOUND".to_owned(), "The consultation was not found.".to_owned()));
    let (code, message) = ws_said(mine.run("p", "query { a(x: ) }", json!({})).await);
    assert_eq!((code.as_str(), message.as_str()), ("BAD_USER_INPUT", "query: The query is not valid GraphQL (line 1, column 14)."));
    mine.close().await;
}
