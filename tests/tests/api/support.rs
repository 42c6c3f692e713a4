//! Helpers shared by the API tests: accounts created without the slow password hash on every call, the
//! client operations as the front ends send them, and readers for error fields.

use std::sync::OnceLock;

use chrono::Utc;
use gongkai_tests::{TestApp, World, PASSWORD};
use serde_json::{json, Value};
use tokio::sync::OnceCell;
use uuid::Uuid;

use gongkai_tests::Gql;

/// One argon2 hash of `PASSWORD`, computed once per run: the tests create many accounts and argon2 is
/// deliberately slow. Accounts made with it sign in with `PASSWORD` like any other.
static PASSWORD_HASH: OnceCell<String> = OnceCell::const_new();

async fn password_hash(app: &TestApp) -> String {
    PASSWORD_HASH
        .get_or_init(|| async { app.state.hasher.hash(PASSWORD).await.expect("hash the test password") })
        .await
        .clone()
}

/// An account created directly in the database, with a live session.
#[derive(Clone, Debug)]
pub struct Account {
    pub token: String,
    pub id: String,
    pub email: String,
}

/// Creates `n` accounts of `role` (STAFF needs a department) straight in the database and signs each
/// in through the session store, so a test can have fifty citizens without fifty argon2 hashes.
pub async fn accounts(app: &TestApp, n: usize, role: &str, department: Option<&str>) -> Vec<Account> {
    let hash = password_hash(app).await;
    let department: Option<Uuid> = department.map(|d| d.parse().expect("department id"));
    let mut out = Vec::with_capacity(n);
    let mut params = gongkai::sql::Params::new();
    let mut rows = Vec::new();
    let now = app.state.clock.now();
    for i in 0..n {
        let id = app.state.clock.new_id();
        let email = format!("{}-{}@example.cn", role.to_lowercase(), Uuid::new_v4().simple());
        let row: [sea_orm::Value; 9] = [
            id.into(),
            email.clone().into(),
            hash.clone().into(),
            format!("{role} {i}").into(),
            Some("+86 138 0000 0000".to_owned()).into(),
            role.to_owned().into(),
            department.into(),
            now.into(),
            now.into(),
        ];
        rows.push(format!("({})", params.bind_all(row)));
        out.push((id, email));
    }
    let sql = format!(
        "INSERT INTO users (id, email, password_hash, display_name, phone, role, department_id, created_at, updated_at) VALUES {}",
        rows.join(", ")
    );
    gongkai::sql::execute(&app.state.db.conn, &sql, params.into_values()).await.expect("insert accounts");
    let mut accounts = Vec::with_capacity(n);
    for (id, email) in out {
        let issued = app.state.sessions.issue(id).await.expect("issue a session");
        accounts.push(Account { token: issued.token, id: id.to_string(), email });
    }
    accounts
}

pub async fn account(app: &TestApp, role: &str, department: Option<&str>) -> Account {
    accounts(app, 1, role, department).await.remove(0)
}

pub async fn citizens(app: &TestApp, n: usize) -> Vec<Account> {
    accounts(app, n, "CITIZEN", None).await
}

pub async fn citizen(app: &TestApp) -> Account {
    account(app, "CITIZEN", None).await
}

/// A unique department code.
pub fn code() -> String {
    format!("D{}", &Uuid::new_v4().simple().to_string()[..10]).to_uppercase()
}

/// Like `TestApp::world_with`, with the admin and staff accounts made directly.
pub async fn world(app: &TestApp, extra: Value) -> World {
    let admin = account(app, "ADMIN", None).await.token;
    let department = app.department(&admin, &code()).await;
    let staff = account(app, "STAFF", Some(&department)).await.token;
    let (consultation, sections) = app.draft(&staff, &department, extra).await;
    app.publish(&staff, &consultation).await;
    World { admin, department, staff, consultation, sections }
}

pub async fn open_world(app: &TestApp) -> World {
    world(app, json!({})).await
}

/// An operation from `tests/clients/<file>.graphql`, exactly as the front end sends it.
pub fn op(file: &str, name: &str) -> String {
    static FILES: OnceLock<Vec<(String, String, String)>> = OnceLock::new();
    let all = FILES.get_or_init(|| {
        let mut out = Vec::new();
        for file in ["admin", "citizen", "dashboard", "disclosure", "live", "notifications", "staff", "supervisor"] {
            let path = format!("{}/clients/{file}.graphql", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(&path).expect("read a client file");
            let mut current: Option<(String, String)> = None;
            for line in text.lines() {
                if ["query ", "mutation ", "subscription "].iter().any(|k| line.starts_with(k)) {
                    if let Some((n, t)) = current.take() {
                        out.push((file.to_owned(), n, t));
                    }
                    let n = line.split([' ', '(', '{']).nth(1).unwrap_or("").to_owned();
                    current = Some((n, String::new()));
                }
                if let Some((_, t)) = current.as_mut() {
                    if !line.trim_start().starts_with('#') {
                        t.push_str(line);
                        t.push('\n');
                    }
                }
            }
            if let Some((n, t)) = current.take() {
                out.push((file.to_owned(), n, t));
            }
        }
        out
    });
    all.iter()
        .find(|(f, n, _)| f == file && n == name)
        .map(|(_, _, t)| t.clone())
        .unwrap_or_else(|| panic!("no operation {name} in clients/{file}.graphql"))
}

/// Sends an operation with an `Accept-Language` header.
pub async fn gql_in(app: &TestApp, token: Option<&str>, language: &str, query: &str, variables: Value) -> Gql {
    let mut request = app.http.post(format!("{}/graphql", app.url)).header("Accept-Language", language).json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("send");
    Gql(response.json().await.expect("JSON"))
}

/// The `field` names of a BAD_USER_INPUT error, sorted.
pub fn fields(gql: &Gql) -> Vec<String> {
    assert_eq!(gql.code(), "BAD_USER_INPUT", "expected BAD_USER_INPUT: {:#}", gql.0);
    assert_no_leak(gql);
    let mut out: Vec<String> = gql.error()["extensions"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("no extensions.fields in {:#}", gql.0))
        .iter()
        .map(|f| {
            assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "field without a message: {f}");
            f["field"].as_str().expect("field name").to_owned()
        })
        .collect();
    out.sort();
    out
}

/// Words that would betray internals in a message a client sees.
pub const LEAKS: &[&str] = &["sql", "sqlx", "panicked", "postgres", "sqlite", "constraint", "database error", "stack", "src/", ".rs:", "redis"];

/// Fails if any error message of the response gives internals away.
pub fn assert_no_leak(gql: &Gql) {
    let text = gql.0["errors"].to_string().to_lowercase();
    for word in LEAKS {
        assert!(!text.contains(word), "an error leaks `{word}`: {:#}", gql.0);
    }
}

/// Submits a comment with the given stance and optional section; returns the raw response.
pub async fn submit(app: &TestApp, token: &str, consultation: &str, stance: &str, body: &str, section: Option<&str>) -> Gql {
    app.gql(
        Some(token),
        &op("citizen", "SubmitComment"),
        json!({ "input": { "consultationId": consultation, "stance": stance, "body": body, "sectionId": section } }),
    )
    .await
}

pub async fn submit_ok(app: &TestApp, token: &str, consultation: &str, stance: &str, body: &str, section: Option<&str>) -> String {
    let gql = submit(app, token, consultation, stance, body, section).await;
    gql.data()["submitComment"]["comment"]["id"].as_str().expect("comment id").to_owned()
}

/// The consultation's public figures, as ConsultationDetail reads them, seen by `token`.
pub async fn detail(app: &TestApp, token: Option<&str>, id: &str) -> Value {
    app.ok(token, &op("citizen", "ConsultationDetail"), json!({ "id": id })).await["consultation"].clone()
}

/// Staff-only figures of a consultation.
pub async fn staff_counts(app: &TestApp, token: &str, id: &str) -> Value {
    app.ok(Some(token), "query($id: ID!) { consultation(id: $id) { commentCount unrepliedCount pendingCount } }", json!({ "id": id }))
        .await["consultation"]
        .clone()
}

pub async fn reply(app: &TestApp, token: &str, comment: &str, adoption: &str) -> Gql {
    app.gql(
        Some(token),
        &op("staff", "ReplyToComment"),
        json!({ "input": { "commentId": comment, "body": "感谢您的意见。", "adoption": adoption } }),
    )
    .await
}

pub async fn moderate(app: &TestApp, token: &str, comment: &str, decision: &str, reason: Option<&str>) -> Gql {
    app.gql(
        Some(token),
        &op("staff", "ModerateComment"),
        json!({ "id": comment, "input": { "decision": decision, "reason": reason } }),
    )
    .await
}

pub async fn report(app: &TestApp, token: &str, comment: &str, reason: &str) -> Gql {
    app.gql(Some(token), &op("citizen", "ReportComment"), json!({ "input": { "commentId": comment, "reason": reason, "detail": "请处理" } }))
        .await
}

/// Walks a connection page by page with `first`; `fetch(after)` returns the connection object.
pub async fn walk<F, Fut>(first: usize, mut fetch: F) -> (Vec<String>, i64)
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..1000 {
        let conn = fetch(after.clone()).await;
        let total = conn["totalCount"].as_i64().unwrap_or(-1);
        let edges = conn["edges"].as_array().expect("edges");
        assert!(edges.len() <= first, "a page longer than first");
        for edge in edges {
            ids.push(edge["node"]["id"].as_str().expect("node id").to_owned());
        }
        let info = &conn["pageInfo"];
        if !info["hasNextPage"].as_bool().expect("hasNextPage") {
            return (ids, total);
        }
        assert_eq!(edges.len(), first, "a page before the last one is short");
        let end = info["endCursor"].as_str().expect("endCursor").to_owned();
        if let Some(cursor) = edges.last().and_then(|e| e["cursor"].as_str()) {
            assert_eq!(cursor, end, "endCursor is the last edge's cursor");
        }
        after = Some(end);
    }
    panic!("pagination never ended");
}

/// The server's today in China Standard Time, `YYYY-MM-DD`.
pub fn today_cst(app: &gongkai_tests::TestApp) -> String {
    (app.state.clock.now() + chrono::Duration::hours(8)).format("%Y-%m-%d").to_string()
}

pub fn now_ts() -> String {
    gongkai_tests::ts(Utc::now())
}

/// Everyone a role test needs: an admin, an evaluator, a citizen, and staff of three departments (the
/// lead of the consultations the test makes, one that cooperates on them, and an unrelated one).
pub struct Cast {
    pub admin: Account,
    pub evaluator: Account,
    pub citizen: Account,
    pub lead: String,
    pub lead_staff: Account,
    pub coop: String,
    pub coop_staff: Account,
    pub other: String,
    pub other_staff: Account,
}

pub async fn cast(app: &TestApp) -> Cast {
    let admin = account(app, "ADMIN", None).await;
    let lead = app.department(&admin.token, &code()).await;
    let coop = app.department(&admin.token, &code()).await;
    let other = app.department(&admin.token, &code()).await;
    Cast {
        evaluator: account(app, "EVALUATOR", None).await,
        citizen: citizen(app).await,
        lead_staff: account(app, "STAFF", Some(&lead)).await,
        coop_staff: account(app, "STAFF", Some(&coop)).await,
        other_staff: account(app, "STAFF", Some(&other)).await,
        admin,
        lead,
        coop,
        other,
    }
}

impl Cast {
    /// A consultation led by `lead` with `coop` cooperating, published unless `extra` says
    /// `"publish": false`; returns its id.
    pub async fn consultation(&self, app: &TestApp, extra: Value) -> String {
        let mut extra = extra;
        let publish = extra.as_object_mut().and_then(|o| o.remove("publish")).and_then(|v| v.as_bool()).unwrap_or(true);
        if let Some(o) = extra.as_object_mut() {
            o.entry("cooperatingDepartmentIds").or_insert(json!([self.coop]));
        }
        let (id, _) = app.draft(&self.lead_staff.token, &self.lead, extra).await;
        if publish {
            app.publish(&self.lead_staff.token, &id).await;
        }
        id
    }
}
