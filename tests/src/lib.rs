//! The test harness: starts the real server on port 0 against a fresh database (SQLite by default;
//! PostgreSQL and Redis when `TEST_DATABASE_URL` and `TEST_REDIS_URL` are set) and talks GraphQL to it
//! over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;

use chrono::{DateTime, Duration, SubsecRound, Utc};
use gongkai::config::{Config, RateLimits};
use gongkai::domain::Role;
use gongkai::services::accounts;
use gongkai::state::AppState;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{json, Value};
use tokio::sync::{oneshot, OnceCell};
use uuid::Uuid;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub addr: SocketAddr,
    pub url: String,
    pub http: reqwest::Client,
    pub state: AppState,
    stop: Option<oneshot::Sender<()>>,
    sqlite_dir: Option<PathBuf>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(dir) = self.sqlite_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Notes that a test does not apply to this run (a PostgreSQL- or Redis-only test on the embedded
/// default). Where the run promises the services (`TEST_REQUIRE_SERVICES=1`, as `.ci/run`'s PostgreSQL
/// pass sets it), a skip is a failure: a misconfigured run must not pass by testing less.
pub fn skipped(why: &str) {
    if std::env::var("TEST_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
        panic!("skipped although TEST_REQUIRE_SERVICES=1: {why}");
    }
    eprintln!("skipped: {why}");
}

/// Whether the tests run against PostgreSQL and Redis.
pub fn using_postgres() -> bool {
    std::env::var("TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty())
}

/// The database of this test run. Creating and dropping a PostgreSQL database each forces a checkpoint
/// (seconds on a slow disk), so a run makes one database and gives each test a schema of its own.
static RUN_DATABASE: OnceCell<String> = OnceCell::const_new();

/// Run databases are named `gk_run_<unix seconds>_<random>`; those older than this are dropped when a
/// run starts, unless someone is still connected (a run going on elsewhere keeps its own).
const STALE_RUN_SECONDS: u64 = 600;

/// `postgres://…/name` → the same server with another database name.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let server = match base.rfind('/') {
        Some(i) if i > base.find("://").map_or(0, |s| s + 2) => &base[..i],
        _ => base,
    };
    format!("{server}/{name}{query}")
}

fn with_query(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Creates a PostgreSQL database of its own (named like a run database, so that a leftover is cleaned
/// up like one) and returns its URL; for tests that must break or drop their database.
pub async fn own_postgres_database(admin_url: &str) -> (String, String) {
    let admin = Database::connect(with_database(admin_url, "postgres")).await.expect("connect to TEST_DATABASE_URL");
    let name = format!("gk_run_{}_{}", unix_seconds(), Uuid::new_v4().simple());
    admin.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.expect("create a test database");
    admin.close().await.ok();
    (with_database(admin_url, &name), name)
}

async fn run_database(admin_url: &str) -> String {
    RUN_DATABASE
        .get_or_init(|| async {
            let admin = Database::connect(with_database(admin_url, "postgres")).await.expect("connect to TEST_DATABASE_URL");
            let rows = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    admin.get_database_backend(),
                    "SELECT datname FROM pg_database WHERE datname LIKE 'gk\\_run\\_%'".to_owned(),
                ))
                .await
                .expect("list test databases");
            let now = unix_seconds();
            for row in rows {
                let name: String = row.try_get("", "datname").expect("datname");
                let born = name.split('_').nth(2).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
                if now.saturating_sub(born) > STALE_RUN_SECONDS {
                    // Without FORCE: a database still in use is left alone.
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\"")).await;
                }
            }
            admin.close().await.ok();
            own_postgres_database(admin_url).await.1
        })
        .await
        .clone()
}

/// A fresh schema for one test in this run's database. The test's connections see only that schema,
/// and their commits do not wait for the disk (nothing in a test needs to survive a crash).
async fn fresh_postgres(admin_url: &str) -> String {
    let run_url = with_database(admin_url, &run_database(admin_url).await);
    let schema = format!("t_{}", Uuid::new_v4().simple());
    let conn = Database::connect(run_url.as_str()).await.expect("connect to the run database");
    conn.execute_unprepared(&format!("CREATE SCHEMA \"{schema}\"")).await.expect("create a test schema");
    conn.close().await.ok();
    with_query(&run_url, &format!("options[search_path]={schema}&options[synchronous_commit]=off"))
}

/// Configuration for a test server; `tweak` changes it before the server starts.
pub async fn test_config() -> (Config, Option<PathBuf>) {
    let mut config = Config::local_default();
    config.listen_addr = "127.0.0.1:0".parse().expect("address");
    config.secret_key = format!("test-secret-{}-0123456789abcdef0123456789", Uuid::new_v4()).into_bytes();
    config.data_key = Uuid::new_v4().as_bytes().iter().chain(Uuid::new_v4().as_bytes()).copied().collect();
    config.max_connections = 10;
    let mut dir = None;
    if using_postgres() {
        let url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
        config.database_url = fresh_postgres(&url).await;
        config.redis_url = std::env::var("TEST_REDIS_URL").ok().filter(|v| !v.is_empty());
    } else {
        let path = std::env::temp_dir().join(format!("gongkai-test-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&path).expect("temp dir");
        config.database_url = format!("sqlite://{}/test.db?mode=rwc", path.display());
        dir = Some(path);
    }
    (config, dir)
}

pub async fn spawn() -> TestApp {
    spawn_with(|_| {}).await
}

pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let (mut config, dir) = test_config().await;
    tweak(&mut config);
    spawn_config(config, dir).await
}

/// Starts a server with exactly this configuration (used to start a second instance on the same
/// database).
pub async fn spawn_config(config: Config, sqlite_dir: Option<PathBuf>) -> TestApp {
    // TEST_TRACE=1: the in-process servers' warnings and errors (RUST_LOG for more) on standard error.
    if std::env::var("TEST_TRACE").is_ok() {
        let _ = gongkai::startup::init_tracing(gongkai::config::LogFormat::Text, "warn");
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let running = gongkai::startup::start(config, async {
        let _ = stopped.await;
    })
    .await
    .expect("start the server");
    let url = format!("http://{}", running.addr);
    TestApp { addr: running.addr, url, http: reqwest::Client::new(), state: running.state, stop: Some(stop), sqlite_dir }
}

/// A server running as a process of its own (the `gongkai-instance` binary of this crate), killed when
/// dropped.
pub struct Process {
    pub url: String,
    pub http: reqwest::Client,
    /// Every line the process wrote to standard error so far (also passed through to the test's).
    pub logs: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    child: std::process::Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The environment that gives `gongkai serve` exactly `config`, on a port of its own.
fn environment(config: &Config) -> Vec<(&'static str, String)> {
    let l = &config.rate_limits;
    let mut env = vec![
        ("DATABASE_URL", config.database_url.clone()),
        ("LISTEN_ADDR", "127.0.0.1:0".to_owned()),
        ("SECRET_KEY", String::from_utf8(config.secret_key.clone()).expect("a text SECRET_KEY")),
        ("DATA_KEY", config.data_key.iter().map(|b| format!("{b:02x}")).collect()),
        ("LOG_FORMAT", "text".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
        ("RATE_LIMIT_LOGIN_FAILURES", l.login_failures.to_string()),
        ("RATE_LIMIT_LOGIN_FAILURES_PER_ADDRESS", l.login_failures_per_address.to_string()),
        ("RATE_LIMIT_REGISTRATIONS_PER_HOUR", l.registrations_per_hour.to_string()),
        ("RATE_LIMIT_COMMENTS_PER_MINUTE", l.comments_per_minute.to_string()),
        ("RATE_LIMIT_COMMENTS_PER_DAY", l.comments_per_day.to_string()),
        ("RATE_LIMIT_REPORTS_PER_HOUR", l.reports_per_hour.to_string()),
        ("RATE_LIMIT_VERIFICATION_EMAILS_PER_HOUR", l.verification_emails_per_hour.to_string()),
        ("RATE_LIMIT_PASSWORD_RESETS_PER_HOUR", l.password_resets_per_hour.to_string()),
        ("RATE_LIMIT_PASSWORD_RESETS_PER_ADDRESS", l.password_resets_per_address.to_string()),
        ("REPORT_HIDE_THRESHOLD", config.report_hide_threshold.to_string()),
        ("DATABASE_MAX_CONNECTIONS", config.max_connections.to_string()),
        ("EXPORT_LINK_SECONDS", config.export_link_ttl.as_secs().to_string()),
        ("EXPORT_BATCH_SIZE", config.export_batch_size.to_string()),
    ];
    if let Some(redis) = &config.redis_url {
        env.push(("REDIS_URL", redis.clone()));
    }
    if let Some(smtp) = &config.smtp_url {
        env.push(("SMTP_URL", smtp.clone()));
        env.push(("MAIL_FROM", config.mail_from.clone()));
        env.push(("PUBLIC_URL", config.public_url.clone()));
    }
    env.push(("OUTBOX_POLL_MS", config.outbox_poll.as_millis().to_string()));
    env.push(("OUTBOX_LEASE_SECONDS", config.outbox_lease.as_secs().to_string()));
    env.push(("WEBHOOK_TIMEOUT_SECONDS", config.webhook_timeout.as_secs().to_string()));
    env.push(("SIMILAR_THRESHOLD", config.similar_threshold.to_string()));
    env.push(("SIMILAR_POLL_MS", config.similar_poll.as_millis().to_string()));
    env.push(("BULK_REPLY_CHUNK", config.bulk_reply_chunk.to_string()));
    env.push(("BULK_REPLY_LEASE_SECONDS", config.bulk_reply_lease.as_secs().to_string()));
    env.push(("BULK_REPLY_PAUSE_MS", config.bulk_reply_pause.as_millis().to_string()));
    let (hour, minute) = config.digest_local_time;
    env.push(("DIGEST_LOCAL_TIME", format!("{hour:02}:{minute:02}")));
    env
}

/// Starts `program` (pass `env!("CARGO_BIN_EXE_gongkai-instance")`) on the same database, Redis and
/// SECRET_KEY as `config`, and waits until it is ready.
pub async fn spawn_process(program: &str, config: &Config) -> Process {
    spawn_process_with(program, config, &[]).await
}

/// `spawn_process` with more environment (`RUST_LOG`, `LOG_FORMAT`, …) over `config`'s.
pub async fn spawn_process_with(program: &str, config: &Config, extra: &[(&str, &str)]) -> Process {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let mut command = Command::new(program);
    command.env_remove("REDIS_URL").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (key, value) in environment(config) {
        command.env(key, value);
    }
    for (key, value) in extra {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("start the server process");
    let logs = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    if let Some(stderr) = child.stderr.take() {
        let logs = logs.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("{line}");
                if let Ok(mut kept) = logs.lock() {
                    kept.push(line);
                }
            }
        });
    }
    let stdout = child.stdout.take().expect("the process's output");
    let (found, address) = oneshot::channel::<String>();
    // The thread keeps reading after the address line so that the process never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let addr = line.split("listening on http://").nth(1).and_then(|rest| rest.split_whitespace().next());
            if let Some(addr) = addr {
                if let Some(tx) = found.take() {
                    let _ = tx.send(addr.to_owned());
                }
            }
        }
    });
    let process = |url: String| Process { url, http: reqwest::Client::new(), logs, child };
    let addr = match tokio::time::timeout(std::time::Duration::from_secs(60), address).await {
        Ok(Ok(addr)) => addr,
        _ => {
            drop(process(String::new()));
            panic!("the server process did not start");
        }
    };
    let process = process(format!("http://{addr}"));
    for _ in 0..200 {
        let ready = process.http.get(format!("{}/readyz", process.url)).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return process;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server process never became ready");
}

impl Process {
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        gql_at(&self.http, &self.url, token, query, variables).await
    }

    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.gql(token, query, variables).await.data().clone()
    }

    pub async fn wait_for_subscriptions(&self, count: usize) {
        wait_for_subscriptions(&self.http, &self.url, count).await;
    }
}

/// Rate limits off, for tests that are about something else.
pub fn no_limits(config: &mut Config) {
    config.rate_limits = RateLimits::disabled();
}

/// A GraphQL response, with helpers to read data and errors.
#[derive(Debug, Clone)]
pub struct Gql(pub Value);

impl Gql {
    /// The data, panicking with the errors if there are any.
    pub fn data(&self) -> &Value {
        if let Some(errors) = self.0.get("errors") {
            panic!("unexpected GraphQL errors: {errors:#}");
        }
        &self.0["data"]
    }

    /// The `extensions.code` of the first error, panicking if there is none.
    pub fn code(&self) -> String {
        let code = self.0["errors"][0]["extensions"]["code"].as_str();
        match code {
            Some(c) => c.to_owned(),
            None => panic!("expected an error with a code, got {:#}", self.0),
        }
    }

    pub fn error(&self) -> &Value {
        &self.0["errors"][0]
    }

    pub fn is_ok(&self) -> bool {
        self.0.get("errors").is_none()
    }
}

pub fn ts(t: DateTime<Utc>) -> String {
    t.trunc_subsecs(3).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

pub fn from_now(seconds: i64) -> String {
    ts(Utc::now() + Duration::seconds(seconds))
}

/// Everything a typical test needs: an admin, a department with its staff, and an open consultation.
pub struct World {
    pub admin: String,
    pub department: String,
    pub staff: String,
    pub consultation: String,
    pub sections: Vec<String>,
}

/// Sends one GraphQL operation over HTTP to the server at `url`.
pub async fn gql_at(http: &reqwest::Client, url: &str, token: Option<&str>, query: &str, variables: Value) -> Gql {
    let mut req = http.post(format!("{url}/graphql")).json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.expect("send the request");
    Gql(res.json().await.expect("a JSON response"))
}

/// Waits until the server at `url` holds exactly `count` live subscriptions (its
/// `gongkai_subscriptions_active` metric): a subscription starts shortly after the client asks for it,
/// and events published before that are not for it.
pub async fn wait_for_subscriptions(http: &reqwest::Client, url: &str, count: usize) {
    let wanted = format!("gongkai_subscriptions_active {count}\n");
    for _ in 0..200 {
        let text = http.get(format!("{url}/metrics")).send().await.expect("metrics").text().await.expect("metrics text");
        if text.contains(&wanted) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the server at {url} never had {count} live subscriptions");
}

impl TestApp {
    /// Moves this server's clock forward by `by` (every rule and every new id follow it), and drops the
    /// cached anonymous answers, which were true of the earlier time.
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
        self.state.db.committed_public_write();
    }

    /// Moves this server's clock to just after `t`.
    pub fn advance_clock_to(&self, t: DateTime<Utc>) {
        self.advance_clock(t - self.state.clock.now() + Duration::milliseconds(1));
    }

    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Gql {
        gql_at(&self.http, &self.url, token, query, variables).await
    }

    pub async fn wait_for_subscriptions(&self, count: usize) {
        wait_for_subscriptions(&self.http, &self.url, count).await;
    }

    /// Runs the operation and returns its data, panicking on errors.
    pub async fn ok(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        self.gql(token, query, variables).await.data().clone()
    }

    /// Runs the operation and returns the code of its first error.
    pub async fn code(&self, token: Option<&str>, query: &str, variables: Value) -> String {
        self.gql(token, query, variables).await.code()
    }

    /// Registers a citizen; returns (token, id).
    pub async fn citizen(&self, name: &str) -> (String, String) {
        let email = format!("citizen-{}@example.cn", Uuid::new_v4().simple());
        let data = self
            .ok(
                None,
                "mutation($input: RegisterInput!) { register(input: $input) { token user { id } } }",
                json!({ "input": { "email": email, "password": PASSWORD, "displayName": name } }),
            )
            .await;
        (data["register"]["token"].as_str().expect("token").to_owned(), data["register"]["user"]["id"].as_str().expect("id").to_owned())
    }

    /// Signs in and returns the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let data = self
            .ok(
                None,
                "mutation($input: LoginInput!) { login(input: $input) { token } }",
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        data["login"]["token"].as_str().expect("token").to_owned()
    }

    /// Creates an admin directly (as `gongkai create-admin` does) and signs in.
    pub async fn admin(&self) -> String {
        let email = format!("admin-{}@example.cn", Uuid::new_v4().simple());
        let input = accounts::CreateAccountInput {
            email: email.clone(),
            display_name: "Admin".to_owned(),
            password: PASSWORD.to_owned(),
            role: Role::Admin,
            department_id: None,
        };
        if accounts::create_account(&self.state, None, input).await.is_err() {
            panic!("could not create an admin");
        }
        self.login(&email, PASSWORD).await
    }

    pub async fn department(&self, admin: &str, code: &str) -> String {
        let data = self
            .ok(
                Some(admin),
                "mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id } }",
                json!({ "input": { "code": code, "name": format!("{code} 部门") } }),
            )
            .await;
        data["createDepartment"]["id"].as_str().expect("id").to_owned()
    }

    /// Creates an account with a role (STAFF needs a department) and signs in; returns (token, id).
    pub async fn account(&self, admin: &str, role: &str, department: Option<&str>) -> (String, String) {
        let email = format!("{}-{}@example.cn", role.to_lowercase(), Uuid::new_v4().simple());
        let data = self
            .ok(
                Some(admin),
                "mutation($input: CreateAccountInput!) { createAccount(input: $input) { id } }",
                json!({ "input": { "email": email, "displayName": format!("{role} user"), "password": PASSWORD, "role": role, "departmentId": department } }),
            )
            .await;
        let id = data["createAccount"]["id"].as_str().expect("id").to_owned();
        (self.login(&email, PASSWORD).await, id)
    }

    pub async fn staff(&self, admin: &str, department: &str) -> String {
        self.account(admin, "STAFF", Some(department)).await.0
    }

    /// Creates a consultation as `staff` with the given extra input fields (merged over defaults that
    /// make an open consultation with two sections); returns (id, section ids). Not published.
    pub async fn draft(&self, staff: &str, department: &str, extra: Value) -> (String, Vec<String>) {
        let mut input = json!({
            "title": "关于全面推进政务公开工作的实施意见",
            "summary": "征求意见稿摘要",
            "body": "正文内容",
            "category": "政务公开",
            "leadDepartmentId": department,
            "opensAt": from_now(-3600),
            "closesAt": from_now(30 * 24 * 3600),
            "sections": [ { "heading": "第一条", "body": "内容一" }, { "heading": "第二条", "body": "内容二" } ]
        });
        if let (Some(base), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                base.insert(k.clone(), v.clone());
            }
        }
        // A period under 30 days needs its reason (DESIGN "Consultation period").
        let time = |key: &str| input[key].as_str().and_then(|t| DateTime::parse_from_rfc3339(t).ok()).map(|t| t.with_timezone(&Utc));
        if let (Some(opens), Some(closes)) = (time("opensAt"), time("closesAt")) {
            if closes - opens < Duration::days(30) && input.get("shortPeriodReason").is_none() {
                input["shortPeriodReason"] = json!("测试所需的短征求意见期");
            }
        }
        let data = self
            .ok(
                Some(staff),
                "mutation($input: CreateConsultationInput!) { createConsultation(input: $input) { id sections { id } } }",
                json!({ "input": input }),
            )
            .await;
        let c = &data["createConsultation"];
        let sections = c["sections"].as_array().expect("sections").iter().map(|s| s["id"].as_str().expect("id").to_owned()).collect();
        (c["id"].as_str().expect("id").to_owned(), sections)
    }

    pub async fn publish(&self, token: &str, id: &str) {
        self.ok(Some(token), "mutation($id: ID!) { publishConsultation(id: $id) { id } }", json!({ "id": id })).await;
    }

    /// An admin, a department, a staff member and a published, open consultation.
    pub async fn world(&self) -> World {
        self.world_with(json!({})).await
    }

    pub async fn world_with(&self, extra: Value) -> World {
        let admin = self.admin().await;
        let code = format!("D{}", &Uuid::new_v4().simple().to_string()[..8]);
        let department = self.department(&admin, &code).await;
        let staff = self.staff(&admin, &department).await;
        let (consultation, sections) = self.draft(&staff, &department, extra).await;
        self.publish(&staff, &consultation).await;
        World { admin, department, staff, consultation, sections }
    }

    /// Submits a comment; returns its id.
    pub async fn comment(&self, token: &str, consultation: &str, body: &str) -> String {
        let data = self
            .ok(
                Some(token),
                "mutation($input: SubmitCommentInput!) { submitComment(input: $input) { comment { id } } }",
                json!({ "input": { "consultationId": consultation, "stance": "SUPPORT", "body": body } }),
            )
            .await;
        data["submitComment"]["comment"]["id"].as_str().expect("id").to_owned()
    }
}
