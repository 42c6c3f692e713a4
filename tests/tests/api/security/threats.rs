//! The threat list: each test is one way in that a security review found open, shut and kept shut.
//! The numbers are the review's (issue "Trust: close the holes a security review found").

use std::time::Duration;

use futures_util::future::join_all;
use gongkai_tests::{no_limits, spawn, spawn_with, Gql, TestApp, PASSWORD};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, account, cast, citizen, fields, op};
use crate::ws::{Answer, Ws, WAIT};

/// The server still answers a plain query (it did not abort on what came before).
async fn still_answers(app: &TestApp) {
    assert_eq!(app.ok(None, "{ __typename }", json!({})).await["__typename"], "Query");
}

/// An error a person may read: no parser output quoted back, no internals.
fn assert_plain(gql: &Gql) {
    support::assert_no_leak(gql);
    let message = gql.error()["message"].as_str().expect("a message");
    assert!(!message.contains("-->") && !message.contains('\n') && message.len() < 200, "not a plain message: {message}");
}

fn nested_list(depth: usize) -> String {
    format!("{{ consultations(filter: {{ search: {}\"x\"{} }}) {{ totalCount }} }}", "[".repeat(depth), "]".repeat(depth))
}

fn nested_object(depth: usize) -> String {
    format!("{{ consultations(filter: {{ category: {}1{} }}) {{ totalCount }} }}", "{a:".repeat(depth), "}".repeat(depth))
}

// 0. One anonymous request of nested literals overflowed the parser's stack and aborted the process.
#[tokio::test]
async fn deeply_nested_documents_are_refused_and_the_server_lives_on_over_http() {
    let app = spawn().await;
    for query in [nested_list(5_000), nested_object(5_000), "{".repeat(100_000)] {
        let answer = app.gql(None, &query, json!({})).await;
        assert_eq!(answer.code(), "BAD_USER_INPUT", "{:#}", answer.0);
        assert_plain(&answer);
        still_answers(&app).await;
    }
    // A syntax error is told by its place, without the parser's own rendering of the text.
    let answer = app.gql(None, "{ consultations(first: ) { totalCount } }", json!({})).await;
    assert_eq!(answer.code(), "BAD_USER_INPUT");
    assert_plain(&answer);
}

#[tokio::test]
async fn deeply_nested_documents_are_refused_and_the_server_lives_on_over_websocket() {
    let app = spawn().await;
    let mut ws = Ws::connect(&app.url, None).await;
    for (i, query) in [nested_list(5_000), nested_object(5_000), "{".repeat(100_000)].into_iter().enumerate() {
        match ws.run(&format!("deep{i}"), &query, json!({})).await {
            Answer::Response(payload) => assert_eq!(payload["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{payload}"),
            Answer::Closed(code) => panic!("the socket closed ({code:?}) instead of refusing the operation"),
        }
    }
    match ws.run("after", "{ __typename }", json!({})).await {
        Answer::Response(payload) => assert_eq!(payload["data"]["__typename"], "Query"),
        Answer::Closed(code) => panic!("the socket closed: {code:?}"),
    }
    still_answers(&app).await;
}

/// Waits for the socket to be closed by the server without sending anything on it.
async fn closed_by_server(ws: &mut Ws) -> Option<u16> {
    match ws.answer("none", WAIT).await {
        Some(Answer::Closed(code)) => code,
        other => panic!("the socket stayed open: {other:?}"),
    }
}

const SUBMIT: &str = "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id } } }";

// 1. A WebSocket kept its sign-in after logout, a password change or a suspension.
#[tokio::test]
async fn a_socket_closes_at_once_when_its_session_is_signed_out() {
    let app = spawn_with(no_limits).await;
    let world = app.world().await;
    let (token, _) = app.citizen("张三").await;
    let mut ws = Ws::connect(&app.url, Some(&token)).await;
    // A live feed on the socket ends with it.
    ws.subscribe("replies", crate::ws::MY_REPLIES, json!({})).await;
    app.wait_for_subscriptions(1).await;
    app.ok(Some(&token), "mutation { logout }", json!({})).await;
    assert_eq!(closed_by_server(&mut ws).await, Some(4401));
    app.wait_for_subscriptions(0).await;
    // Nothing the old token sends gets through, on a new socket either.
    let mut again = Ws::connect(&app.url, Some(&token)).await;
    let input = json!({ "input": { "consultationId": world.consultation, "stance": "SUPPORT", "body": "登出后的评论" } });
    match again.run("submit", SUBMIT, input).await {
        Answer::Response(payload) => assert_eq!(payload["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{payload}"),
        Answer::Closed(code) => panic!("an anonymous socket is not closed: {code:?}"),
    }
}

#[tokio::test]
async fn a_password_change_closes_the_other_sessions_sockets() {
    let app = spawn_with(no_limits).await;
    let world = app.world().await;
    let person = citizen(&app).await;
    let second = app.login(&person.email, PASSWORD).await;
    let mut other = Ws::connect(&app.url, Some(&second)).await;
    let mut own = Ws::connect(&app.url, Some(&person.token)).await;
    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) }";
    app.ok(Some(&person.token), change, json!({ "input": { "currentPassword": PASSWORD, "newPassword": "another long password" } })).await;
    assert_eq!(closed_by_server(&mut other).await, Some(4401));
    // The session that changed the password keeps its socket.
    let input = json!({ "input": { "consultationId": world.consultation, "stance": "SUPPORT", "body": "改密码后的评论" } });
    match own.run("submit", SUBMIT, input).await {
        Answer::Response(payload) => assert!(payload.get("errors").is_none(), "{payload}"),
        Answer::Closed(code) => panic!("the changing session's socket closed: {code:?}"),
    }
}

#[tokio::test]
async fn a_suspended_admins_socket_can_no_longer_create_accounts() {
    let app = spawn_with(no_limits).await;
    let admin = account(&app, "ADMIN", None).await;
    let rogue = account(&app, "ADMIN", None).await;
    let mut ws = Ws::connect(&app.url, Some(&rogue.token)).await;
    app.ok(Some(&admin.token), "mutation($id: ID!) { suspendAccount(id: $id, reason: \"账号被盗\") { id } }", json!({ "id": rogue.id })).await;
    let create = "mutation($input: CreateAccountInput!) { createAccount(input: $input) { id } }";
    let input = json!({ "input": { "email": "backdoor@example.cn", "displayName": "后门", "password": PASSWORD, "role": "ADMIN" } });
    match ws.run("create", create, input).await {
        Answer::Response(payload) => assert_eq!(payload["errors"][0]["extensions"]["code"], "UNAUTHENTICATED", "{payload}"),
        Answer::Closed(code) => assert_eq!(code, Some(4401)),
    }
    let login = app.gql(None, "mutation { login(input: { email: \"backdoor@example.cn\", password: \"correct horse battery\" }) { token } }", json!({})).await;
    assert_eq!(login.code(), "UNAUTHENTICATED", "no account was made");
}

// 2. Lists nested in lists and multiplied by aliases answered 20 MB to one anonymous request.
#[tokio::test]
async fn nested_lists_and_aliases_cost_what_they_would_return() {
    let app = spawn_with(no_limits).await;
    let world = app.world().await;
    let (token, _) = app.citizen("张三").await;
    for i in 0..3 {
        app.comment(&token, &world.consultation, &format!("第{i}条意见")).await;
    }
    let one = "consultation(id: $id) { comments(first: 100) { edges { node { id consultation { comments(first: 100) { edges { node { id body } } } } } } } }";
    let aliases: String = (0..199).map(|i| format!("a{i}: {one}\n")).collect();
    let answer = app.gql(None, &format!("query($id: ID!) {{ {aliases} }}"), json!({ "id": world.consultation })).await;
    assert_eq!(answer.code(), "BAD_USER_INPUT", "{:#}", answer.0);
    assert!(answer.0["data"].is_null(), "nothing is run");
    // One of them alone is still too much: a page of pages.
    let answer = app.gql(None, &format!("query($id: ID!) {{ {one} }}"), json!({ "id": world.consultation })).await;
    assert_eq!(answer.code(), "BAD_USER_INPUT");
    // A page as the app reads it is served.
    app.ok(None, &op("citizen", "ConsultationComments"), json!({ "id": world.consultation, "first": 100 })).await;
}

/// Every rate limit off but the sign-in failures per account and per address (0: off too).
fn sign_in_limits(per_account: u32, per_address: u32) -> impl FnOnce(&mut gongkai::config::Config) {
    move |c| {
        c.rate_limits = gongkai::config::RateLimits::disabled();
        c.rate_limits.login_failures = per_account;
        c.rate_limits.login_failures_per_address = per_address;
    }
}

// 3. Concurrent wrong passwords were all tried: the limits were checked before and counted after.
#[tokio::test]
async fn concurrent_wrong_passwords_are_tried_no_more_often_than_the_limit() {
    let app = spawn_with(sign_in_limits(5, 20)).await;
    let person = citizen(&app).await;
    let login = "mutation($input: LoginInput!) { login(input: $input) { token } }";
    let attempts = (0..30).map(|_| app.gql(None, login, json!({ "input": { "email": person.email, "password": "wrong password 123" } })));
    let codes: Vec<String> = join_all(attempts).await.iter().map(Gql::code).collect();
    let tried = codes.iter().filter(|c| *c == "UNAUTHENTICATED").count();
    let refused = codes.iter().filter(|c| *c == "RATE_LIMITED").count();
    assert_eq!((tried, refused), (5, 25), "{codes:?}");
    // The right password is refused too until the window ends.
    let right = app.gql(None, login, json!({ "input": { "email": person.email, "password": PASSWORD } })).await;
    assert_eq!(right.code(), "RATE_LIMITED");
}

#[tokio::test]
async fn a_successful_sign_in_gives_the_address_its_attempt_back() {
    let app = spawn_with(sign_in_limits(0, 3)).await;
    let people = support::citizens(&app, 5).await;
    // Five good sign-ins from one address (an office behind one gateway) are not failures.
    for person in &people {
        app.login(&person.email, PASSWORD).await;
    }
}

// 4. On a pre-moderated consultation an approved comment could be rewritten and go public unreviewed.
#[tokio::test]
async fn an_edit_on_a_pre_moderated_consultation_waits_for_review_again() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let comment = support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "原始意见", None).await;
    support::moderate(&app, &c.lead_staff.token, &comment, "PUBLISH", None).await.data();
    assert_eq!(support::detail(&app, None, &id).await["commentCount"], 1);
    let edit = "mutation($id: ID!, $input: EditCommentInput!) { editComment(id: $id, input: $input) { status body } }";
    let edited = app.ok(Some(&c.citizen.token), edit, json!({ "id": comment, "input": { "body": "改过的意见：广告链接" } })).await;
    assert_eq!(edited["editComment"]["status"], "PENDING");
    assert_eq!(support::detail(&app, None, &id).await["commentCount"], 0, "out of the public counts until reviewed");
    let public = app.ok(None, &op("citizen", "ConsultationComments"), json!({ "id": id })).await;
    assert_eq!(public["consultation"]["comments"]["totalCount"], 0);
    let queue = app.ok(Some(&c.lead_staff.token), &op("staff", "ModerationQueue"), json!({ "id": id })).await;
    assert_eq!(queue["consultation"]["comments"]["edges"][0]["node"]["id"], comment);
}

// 5. The public duplicate count told whether someone's unpublished comment held a guessed text.
#[tokio::test]
async fn public_duplicate_counts_count_published_comments_only() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let published = support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "同样的文字", None).await;
    support::moderate(&app, &c.lead_staff.token, &published, "PUBLISH", None).await.data();
    let other = citizen(&app).await;
    support::submit_ok(&app, &other.token, &id, "SUPPORT", "同样的文字！", None).await;
    let query = "query($id: ID!) { consultation(id: $id) { comments(first: 100) { edges { node { id duplicateCount } } } } }";
    let public = app.ok(None, query, json!({ "id": id })).await;
    assert_eq!(public["consultation"]["comments"]["edges"][0]["node"]["duplicateCount"], 0, "the pending twin is not counted");
    let staff = app.ok(Some(&c.lead_staff.token), query, json!({ "id": id })).await;
    let edges = staff["consultation"]["comments"]["edges"].as_array().expect("edges").clone();
    assert!(edges.iter().all(|e| e["node"]["duplicateCount"] == 1), "staff see the whole group: {edges:?}");
    // The open-data file counts the same way as the public page.
    let open = app.http.get(format!("{}/open-data/consultations/{id}/comments.json", app.url)).send().await.expect("open data");
    assert!(open.status().is_success(), "open data: {}", open.status());
    let text = open.text().await.expect("JSON").replace(' ', "");
    assert!(text.contains("\"duplicateCount\":0") && !text.contains("\"duplicateCount\":1"), "{text}");
}

// 6. changePassword had no limit, and aliases multiplied every password check.
#[tokio::test]
async fn wrong_current_passwords_count_as_failed_sign_ins() {
    let app = spawn_with(sign_in_limits(5, 0)).await;
    let person = citizen(&app).await;
    let change = "mutation($input: ChangePasswordInput!) { changePassword(input: $input) }";
    let wrong = json!({ "input": { "currentPassword": "not my password", "newPassword": "another long password" } });
    for _ in 0..5 {
        assert_eq!(fields(&app.gql(Some(&person.token), change, wrong.clone()).await), ["currentPassword"]);
    }
    assert_eq!(app.gql(Some(&person.token), change, wrong).await.code(), "RATE_LIMITED");
    let login = "mutation($input: LoginInput!) { login(input: $input) { token } }";
    assert_eq!(app.gql(None, login, json!({ "input": { "email": person.email, "password": PASSWORD } })).await.code(), "RATE_LIMITED");
}

#[tokio::test]
async fn a_request_checks_at_most_one_password() {
    let app = spawn_with(no_limits).await;
    let person = citizen(&app).await;
    let logins = format!(
        "mutation {{ a: login(input: {{ email: \"{0}\", password: \"guess one 12\" }}) {{ token }} b: login(input: {{ email: \"{0}\", password: \"guess two 12\" }}) {{ token }} }}",
        person.email
    );
    let answer = app.gql(None, &logins, json!({})).await;
    assert_eq!(answer.code(), "BAD_USER_INPUT");
    assert!(answer.0["data"].is_null());
    let through_fragments = "mutation { ...A ...B } fragment A on Mutation { a: changePassword(input: { currentPassword: \"guess one 12\", newPassword: \"another long password\" }) } fragment B on Mutation { b: changePassword(input: { currentPassword: \"guess two 12\", newPassword: \"another long password\" }) }";
    assert_eq!(app.gql(Some(&person.token), through_fragments, json!({})).await.code(), "BAD_USER_INPUT");
    let mut ws = Ws::connect(&app.url, None).await;
    match ws.run("logins", &logins, json!({})).await {
        Answer::Response(payload) => assert_eq!(payload["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{payload}"),
        Answer::Closed(code) => panic!("closed: {code:?}"),
    }
}

// 7. Evaluators read draft titles in the audit log.
#[tokio::test]
async fn evaluators_do_not_read_drafts_in_the_audit_log() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let draft = c.consultation(&app, json!({ "publish": false, "title": "尚未公开的草案标题" })).await;
    let published = c.consultation(&app, json!({ "title": "已发布的征求意见" })).await;
    let query = "{ auditLog(first: 100, filter: { action: \"consultation.create\" }) { edges { node { subjectId detail } } } }";
    let detail_of = |data: &Value, id: &str| {
        data["auditLog"]["edges"].as_array().expect("edges").iter().find(|e| e["node"]["subjectId"] == id).expect("an entry")["node"]["detail"].clone()
    };
    let evaluator = app.ok(Some(&c.evaluator.token), query, json!({})).await;
    assert_eq!(detail_of(&evaluator, &draft), Value::Null);
    assert_eq!(detail_of(&evaluator, &published)["title"], "已发布的征求意见");
    let admin = app.ok(Some(&c.admin.token), query, json!({})).await;
    assert_eq!(detail_of(&admin, &draft)["title"], "尚未公开的草案标题");
}

// 8. A hidden or pending comment answered FORBIDDEN where an unknown id answered NOT_FOUND.
#[tokio::test]
async fn what_a_viewer_may_not_see_answers_as_what_does_not_exist() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let id = c.consultation(&app, json!({ "moderation": "PRE" })).await;
    let pending = support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "待审核的意见", None).await;
    let published = support::submit_ok(&app, &c.citizen.token, &id, "SUPPORT", "已公开的意见", None).await;
    support::moderate(&app, &c.lead_staff.token, &published, "PUBLISH", None).await.data();
    let unknown = Uuid::now_v7().to_string();
    let stranger = citizen(&app).await;
    let edit = "mutation($id: ID!) { editComment(id: $id, input: { body: \"改\" }) { id } }";
    let withdraw = "mutation($id: ID!) { withdrawComment(id: $id) { id } }";
    for mutation in [edit, withdraw] {
        let hidden = app.gql(Some(&stranger.token), mutation, json!({ "id": pending })).await;
        let missing = app.gql(Some(&stranger.token), mutation, json!({ "id": unknown })).await;
        assert_eq!(hidden.code(), "NOT_FOUND");
        assert_eq!(hidden.error()["message"], missing.error()["message"], "the same answer as for nothing");
        assert_eq!(app.gql(Some(&stranger.token), mutation, json!({ "id": published })).await.code(), "FORBIDDEN");
    }
    // Without the role, the id is not even looked at: the same answer whatever it names.
    let moderate = "mutation($id: ID!) { moderateComment(id: $id, input: { decision: PUBLISH }) { id } }";
    let reply = "mutation($id: ID!) { replyToComment(input: { commentId: $id, body: \"答复\", adoption: EXPLAINED }) { id } }";
    for mutation in [moderate, reply] {
        let real = app.gql(Some(&stranger.token), mutation, json!({ "id": pending })).await;
        let missing = app.gql(Some(&stranger.token), mutation, json!({ "id": unknown })).await;
        assert_eq!((real.code(), missing.code()), ("FORBIDDEN".to_owned(), "FORBIDDEN".to_owned()));
        assert_eq!(real.error()["message"], missing.error()["message"]);
        // Staff of an unrelated department see the published comment but not the pending one.
        assert_eq!(app.gql(Some(&c.other_staff.token), mutation, json!({ "id": pending })).await.code(), "NOT_FOUND");
        assert_eq!(app.gql(Some(&c.other_staff.token), mutation, json!({ "id": unknown })).await.code(), "NOT_FOUND");
        assert_eq!(app.gql(Some(&c.other_staff.token), mutation, json!({ "id": published })).await.code(), "FORBIDDEN");
    }
}

// 9. Direction overrides and zero-width characters were accepted in names and titles.
#[tokio::test]
async fn invisible_formatting_characters_are_refused_in_names_titles_and_bodies() {
    let app = spawn_with(no_limits).await;
    let register = "mutation($input: RegisterInput!) { register(input: $input) { token } }";
    for name in ["\u{202e}NIMDA", "管理\u{200b}员", "\u{feff}张三", "张三\u{2066}"] {
        let input = json!({ "input": { "email": format!("{}@example.cn", Uuid::new_v4().simple()), "password": PASSWORD, "displayName": name } });
        assert_eq!(fields(&app.gql(None, register, input).await), ["displayName"], "{name:?}");
    }
    let c = cast(&app).await;
    let create = "mutation($input: CreateConsultationInput!) { createConsultation(input: $input) { id } }";
    let input = json!({ "input": {
        "title": "关于\u{200b}政务公开", "summary": "摘要", "body": "正文", "category": "政务公开", "leadDepartmentId": c.lead,
        "opensAt": gongkai_tests::from_now(-60), "closesAt": gongkai_tests::from_now(40 * 24 * 3600)
    } });
    assert_eq!(fields(&app.gql(Some(&c.lead_staff.token), create, input).await), ["title"]);
    let id = c.consultation(&app, json!({})).await;
    let answer = support::submit(&app, &c.citizen.token, &id, "SUPPORT", "支持\u{202e}反对", None).await;
    assert_eq!(fields(&answer), ["body"]);
}

// 10. Sockets were not capped per client address or per instance.
#[tokio::test]
async fn sockets_are_capped_per_address_and_per_instance() {
    let app = spawn_with(|c| {
        c.ws_per_address = 2;
        c.ws_per_instance = 0;
    })
    .await;
    let first = Ws::connect(&app.url, None).await;
    let _second = Ws::connect(&app.url, None).await;
    assert_eq!(Ws::try_connect(&app.url, None).await.err(), Some(429));
    first.close().await;
    let mut reopened = None;
    for _ in 0..100 {
        if let Ok(ws) = Ws::try_connect(&app.url, None).await {
            reopened = Some(ws);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(reopened.is_some(), "a closed socket gives its place back");

    let app = spawn_with(|c| {
        c.ws_per_address = 0;
        c.ws_per_instance = 1;
    })
    .await;
    let _only = Ws::connect(&app.url, None).await;
    assert_eq!(Ws::try_connect(&app.url, None).await.err(), Some(429));
}

// 11. A NUL in a filter or the sign-in email was an internal error on PostgreSQL.
#[tokio::test]
async fn a_nul_in_a_string_is_handled_alike_on_both_databases() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    c.consultation(&app, json!({})).await;
    for filter in [json!({ "search": "a\u{0}b" }), json!({ "category": "政务\u{0}公开" })] {
        let answer = app.gql(None, "query($f: ConsultationFilter) { consultations(filter: $f) { totalCount } }", json!({ "f": filter })).await;
        assert_eq!(answer.data()["consultations"]["totalCount"], 0, "no match");
    }
    for filter in [json!({ "action": "consultation.\u{0}create" }), json!({ "subjectType": "Con\u{0}sultation" })] {
        let answer = app.gql(Some(&c.admin.token), "query($f: AuditFilter) { auditLog(filter: $f) { totalCount } }", json!({ "f": filter })).await;
        assert_eq!(answer.data()["auditLog"]["totalCount"], 0, "no match");
    }
    let login = "mutation($input: LoginInput!) { login(input: $input) { token } }";
    let answer = app.gql(None, login, json!({ "input": { "email": "a\u{0}b@example.cn", "password": PASSWORD } })).await;
    assert_eq!(answer.code(), "UNAUTHENTICATED");
    let register = "mutation($input: RegisterInput!) { register(input: $input) { token } }";
    let input = json!({ "input": { "email": "nul@example.cn", "password": PASSWORD, "displayName": "张\u{0}三" } });
    assert_eq!(fields(&app.gql(None, register, input).await), ["displayName"]);
    let answer = support::submit(&app, &c.citizen.token, &c.consultation(&app, json!({})).await, "SUPPORT", "意见\u{0}", None).await;
    assert_eq!(fields(&answer), ["body"]);
}

// 12. A field refused to the viewer vanished from the answer instead of becoming null.
#[tokio::test]
async fn a_refused_field_is_null_and_the_rest_of_the_answer_survives() {
    let app = spawn_with(no_limits).await;
    let c = cast(&app).await;
    let answer = app.gql(None, "{ departments { code consultations { totalCount } } }", json!({})).await;
    let departments = answer.0["data"]["departments"].as_array().expect("the departments are answered").clone();
    assert_eq!(departments.len(), 3);
    for department in &departments {
        assert!(department.as_object().is_some_and(|d| d.contains_key("consultations")), "{department}");
        assert_eq!(department["consultations"], Value::Null);
    }
    assert_eq!(answer.code(), "FORBIDDEN");
    assert_eq!(answer.error()["path"], json!(["departments", 0, "consultations"]));
    // A non-null field refused: the error makes its nearest nullable parent null, as the spec says
    // (`consultation` may be refused too, a draft say, so it is nullable and `data` survives).
    let id = c.consultation(&app, json!({})).await;
    let answer = app.gql(None, "query($id: ID!) { consultation(id: $id) { title comments(status: PENDING) { totalCount } } }", json!({ "id": id })).await;
    assert_eq!(answer.code(), "UNAUTHENTICATED");
    assert!(answer.0["data"].as_object().is_some_and(|d| d.contains_key("consultation")), "{:#}", answer.0);
    assert_eq!(answer.0["data"]["consultation"], Value::Null);
}

/// graphql-js's `getIntrospectionQuery()`, as GraphiQL, Apollo and graphql-codegen send it.
const INTROSPECTION: &str = r"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}
";

// 13. The standard introspection query was refused as nested too deep.
#[tokio::test]
async fn the_standard_introspection_query_is_answered() {
    let app = spawn().await;
    let data = app.ok(None, INTROSPECTION, json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    let types = data["__schema"]["types"].as_array().expect("types");
    assert!(types.iter().any(|t| t["name"] == "Consultation"));
    // Still one per request: a schema answered a hundred times over is not introspection.
    let twice = "{ a: __schema { types { name } } b: __schema { types { name } } }";
    assert_eq!(app.gql(None, twice, json!({})).await.code(), "BAD_USER_INPUT");
}
