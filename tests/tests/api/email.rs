//! Email, end to end: the server sends over SMTP to a real SMTP server in this process
//! (mailin-embedded), and the tests read what arrived — headers, both languages, both parts, the
//! unsubscribe link — and drive verification and password reset with what the mail said.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gongkai_tests::{spawn_with, TestApp, PASSWORD};
use mailin_embedded::{response, Handler, Response, Server, SslConfig};
use serde_json::{json, Value};

use crate::support::{op, reply};

/// One message as the SMTP server received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.raw).expect("a well-formed message")
    }

    pub fn header(&self, name: &str) -> String {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name).unwrap_or_default()
    }

    /// The body of the part of this MIME type, decoded.
    pub fn part(&self, mime: &str) -> String {
        let parsed = self.parsed();
        let found = parsed.subparts.iter().find(|p| p.ctype.mimetype == mime).unwrap_or_else(|| panic!("a {mime} part"));
        found.get_body().expect("a decodable body")
    }
}

#[derive(Default)]
struct Shared {
    received: Vec<Received>,
    /// Messages still to refuse with a temporary error (451), to exercise retries.
    refuse: usize,
    /// How long each message takes to accept, so that a sender can be caught mid-send.
    stall: Duration,
}

#[derive(Clone)]
struct Collector {
    shared: Arc<Mutex<Shared>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        let mut shared = self.shared.lock().expect("lock");
        if shared.refuse > 0 {
            shared.refuse -= 1;
            return response::INTERNAL_ERROR;
        }
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let stall = self.shared.lock().expect("lock").stall;
        std::thread::sleep(stall);
        let mut shared = self.shared.lock().expect("lock");
        shared.received.push(Received { to: std::mem::take(&mut self.to), raw: std::mem::take(&mut self.data) });
        response::OK
    }
}

/// A real SMTP server on a free port of 127.0.0.1, for as long as the test process runs.
pub struct Sink {
    pub url: String,
    shared: Arc<Mutex<Shared>>,
}

impl Sink {
    pub fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port for the SMTP sink");
        let addr = listener.local_addr().expect("its address");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let mut server = Server::new(Collector { shared: shared.clone(), to: Vec::new(), data: Vec::new() });
        // A thread per connection: senders keep pooled connections open between messages.
        server.with_name("sink.test").with_ssl(SslConfig::None).expect("no TLS").with_tcp_listener(listener).with_num_threads(64);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Sink { url: format!("smtp://{addr}"), shared }
    }

    pub fn stall(&self, each: Duration) {
        self.shared.lock().expect("lock").stall = each;
    }

    pub fn refuse_next(&self, n: usize) {
        self.shared.lock().expect("lock").refuse = n;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().expect("lock").received.clone()
    }

    /// Waits until `n` messages have arrived in all (panics after 20 s).
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..400 {
            let received = self.received();
            if received.len() >= n {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} emails, got {}", self.received().len());
    }

    /// The messages to one address.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.received().into_iter().filter(|m| m.to.iter().any(|t| t == address)).collect()
    }
}

pub async fn spawn_mailing(sink: &Sink) -> TestApp {
    let url = sink.url.clone();
    spawn_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_from = "公开平台 <no-reply@gongkai.test>".to_owned();
        c.public_url = "http://gongkai.test".to_owned();
        c.outbox_poll = Duration::from_millis(100);
    })
    .await
}

/// Registers a citizen with a known email; returns (token, id, email).
async fn citizen(app: &TestApp, name: &str) -> (String, String, String) {
    let email = format!("{}-{}@example.cn", name.to_lowercase(), uuid::Uuid::new_v4().simple());
    let data = app
        .ok(
            None,
            "mutation($input: RegisterInput!) { register(input: $input) { token user { id } } }",
            json!({ "input": { "email": email, "password": PASSWORD, "displayName": name } }),
        )
        .await;
    (data["register"]["token"].as_str().expect("token").to_owned(), data["register"]["user"]["id"].as_str().expect("id").to_owned(), email)
}

fn six_digits(text: &str) -> String {
    let digits: Vec<char> = text.chars().collect();
    for window in digits.windows(6) {
        if window.iter().all(char::is_ascii_digit) {
            return window.iter().collect();
        }
    }
    panic!("no code in {text}");
}

/// Asks for a code, reads it from the email and verifies the address with it.
async fn verify(app: &TestApp, sink: &Sink, token: &str, email: &str) {
    let before = sink.to(email).len();
    let sent = app.ok(Some(token), &op("notifications", "RequestEmailVerification"), json!({})).await;
    assert_eq!(sent["requestEmailVerification"], true);
    let mut mails = sink.to(email);
    for _ in 0..400 {
        if mails.len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        mails = sink.to(email);
    }
    let mail = mails.last().expect("the verification email");
    let code = six_digits(&mail.part("text/plain"));
    let data = app.ok(Some(token), &op("notifications", "VerifyEmail"), json!({ "code": code })).await;
    assert_eq!(data["verifyEmail"]["emailVerified"], true);
}

fn profile(data: &Value) -> &Value {
    &data["me"]
}

#[tokio::test]
async fn a_verification_code_arrives_by_email_and_proves_the_address_once() {
    let sink = Sink::start();
    let app = spawn_mailing(&sink).await;
    let (token, _, email) = citizen(&app, "Li").await;
    let me = app.ok(Some(&token), &op("notifications", "MyProfile"), json!({})).await;
    assert_eq!(profile(&me)["emailVerified"], false);

    app.ok(Some(&token), &op("notifications", "RequestEmailVerification"), json!({})).await;
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, vec![email.clone()]);
    assert_eq!(mail.header("Subject"), "您的邮箱验证码");
    let code = six_digits(&mail.part("text/plain"));
    assert!(mail.part("text/html").contains(&code));
    // A code email is not a notification: nothing to unsubscribe from.
    assert_eq!(mail.header("List-Unsubscribe"), "");

    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = app.gql(Some(&token), &op("notifications", "VerifyEmail"), json!({ "code": wrong })).await;
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    assert_eq!(refused.error()["extensions"]["fields"][0]["field"], "code");
    let data = app.ok(Some(&token), &op("notifications", "VerifyEmail"), json!({ "code": code })).await;
    assert_eq!(data["verifyEmail"]["emailVerified"], true);
    // Used once; and an address already verified is not sent another code.
    assert_eq!(app.code(Some(&token), &op("notifications", "VerifyEmail"), json!({ "code": code })).await, "BAD_USER_INPUT");
    assert_eq!(app.code(Some(&token), &op("notifications", "RequestEmailVerification"), json!({})).await, "CONFLICT");
    assert_eq!(app.code(None, &op("notifications", "RequestEmailVerification"), json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn codes_stop_after_five_wrong_tries_and_requests_are_rate_limited() {
    let sink = Sink::start();
    let app = spawn_mailing(&sink).await;
    let (token, _, _) = citizen(&app, "Zhao").await;
    app.ok(Some(&token), &op("notifications", "RequestEmailVerification"), json!({})).await;
    let code = six_digits(&sink.wait_for(1).await[0].part("text/plain"));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        assert_eq!(app.code(Some(&token), &op("notifications", "VerifyEmail"), json!({ "code": wrong })).await, "BAD_USER_INPUT");
    }
    // The right code no longer works once it has been guessed at five times.
    assert_eq!(app.code(Some(&token), &op("notifications", "VerifyEmail"), json!({ "code": code })).await, "BAD_USER_INPUT");
    for _ in 0..4 {
        app.ok(Some(&token), &op("notifications", "RequestEmailVerification"), json!({})).await;
    }
    assert_eq!(app.code(Some(&token), &op("notifications", "RequestEmailVerification"), json!({})).await, "RATE_LIMITED");
}

#[tokio::test]
async fn notifications_are_emailed_to_verified_addresses_in_the_readers_language_with_a_working_unsubscribe() {
    let sink = Sink::start();
    let app = spawn_mailing(&sink).await;
    let w = app.world().await;
    let (zh, _, zh_email) = citizen(&app, "Wang").await;
    let (en, _, en_email) = citizen(&app, "Smith").await;
    let (unverified, _, unverified_email) = citizen(&app, "Chen").await;
    verify(&app, &sink, &zh, &zh_email).await;
    verify(&app, &sink, &en, &en_email).await;
    app.ok(Some(&en), &op("notifications", "UpdateProfile"), json!({ "input": { "locale": "en" } })).await;
    let mails_before = sink.received().len();

    let zh_comment = app.comment(&zh, &w.consultation, "建议延长公示期。").await;
    let en_comment = app.comment(&en, &w.consultation, "Please publish the data behind the plan.").await;
    let unverified_comment = app.comment(&unverified, &w.consultation, "建议增加听证会。").await;
    for comment in [&zh_comment, &en_comment, &unverified_comment] {
        reply(&app, &w.staff, comment, "ADOPTED").await.data();
    }
    let mails = sink.wait_for(mails_before + 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(sink.received().len(), mails_before + 2, "one email per verified author, none to the unverified one");
    assert!(sink.to(&unverified_email).is_empty());
    // The unverified author still has the notification in the app.
    let inbox = app.ok(Some(&unverified), &op("notifications", "MyNotifications"), json!({})).await;
    assert_eq!(inbox["me"]["notifications"]["totalCount"], 1);

    let zh_mail = sink.to(&zh_email).into_iter().find(|m| m.header("Subject") == "您的意见收到了答复").expect("the Chinese reply email");
    assert!(zh_mail.part("text/plain").contains("您对"), "{}", zh_mail.part("text/plain"));
    assert!(zh_mail.part("text/html").contains("<html lang=\"zh-CN\">"));
    let en_mail = sink.to(&en_email).into_iter().find(|m| m.header("Subject") == "Your comment has a reply").expect("the English reply email");
    assert!(en_mail.part("text/plain").contains("The department replied to your comment on"), "{}", en_mail.part("text/plain"));
    assert!(en_mail.part("text/plain").contains("Stop emails like this"));
    assert!(en_mail.part("text/html").contains("<html lang=\"en\">"));
    assert!(mails.iter().all(|m| m.header("From").contains("no-reply@gongkai.test")));

    // Message-ID is the delivery's id; the unsubscribe link is in the text and in the headers.
    let message_id = zh_mail.header("Message-ID");
    assert!(message_id.ends_with("@gongkai.test>"), "{message_id}");
    assert_eq!(zh_mail.header("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click");
    let header_link = zh_mail.header("List-Unsubscribe");
    let link = header_link.trim_start_matches('<').trim_end_matches('>').to_owned();
    assert!(link.starts_with("http://gongkai.test/unsubscribe?"), "{link}");
    assert!(zh_mail.part("text/plain").contains(&link));
    let local = link.replace("http://gongkai.test", &app.url);

    // GET only shows the page; a tampered link is refused; POST unsubscribes.
    let page = app.http.get(&local).send().await.expect("GET");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("page");
    assert!(html.contains("<form method=\"post\"") && html.contains("确认退订"), "{html}");
    let settings = app.ok(Some(&zh), &op("notifications", "MyProfile"), json!({})).await;
    let replied = |s: &Value| s["me"]["notificationSettings"].as_array().expect("settings").iter().find(|k| k["kind"] == "COMMENT_REPLIED").expect("the kind")["email"].clone();
    assert_eq!(replied(&settings), true);
    let tampered = local.replace("k=COMMENT_REPLIED", "k=COMMENT_MODERATED");
    assert_eq!(app.http.post(&tampered).send().await.expect("POST").status(), 400);
    let done = app.http.post(&local).header("Accept-Language", "en").send().await.expect("POST");
    assert_eq!(done.status(), 200);
    assert!(done.text().await.expect("page").contains("Unsubscribed"));
    let settings = app.ok(Some(&zh), &op("notifications", "MyProfile"), json!({})).await;
    assert_eq!(replied(&settings), false);
    assert_eq!(settings["me"]["notificationSettings"].as_array().expect("settings").len(), gongkai::domain::NotificationKind::ALL.len(), "every kind is listed");

    // Off: the next reply reaches the inbox but not the mailbox; on again: it is mailed.
    let before = sink.to(&zh_email).len();
    let second = app.comment(&zh, &w.consultation, "再补充一点意见。").await;
    reply(&app, &w.staff, &second, "EXPLAINED").await.data();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sink.to(&zh_email).len(), before);
    let set = app
        .ok(Some(&zh), &op("notifications", "UpdateNotificationSettings"), json!({ "input": [{ "kind": "COMMENT_REPLIED", "email": true }] }))
        .await;
    assert_eq!(set["updateNotificationSettings"].as_array().expect("settings").len(), gongkai::domain::NotificationKind::ALL.len());
    let third = app.comment(&zh, &w.consultation, "第三条意见。").await;
    reply(&app, &w.staff, &third, "EXPLAINED").await.data();
    for _ in 0..200 {
        if sink.to(&zh_email).len() > before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sink.to(&zh_email).len(), before + 1);
    assert_eq!(app.code(None, &op("notifications", "UpdateNotificationSettings"), json!({ "input": [] })).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_refused_email_is_retried_with_the_same_message_id_and_a_crash_mid_send_loses_none() {
    let sink = Sink::start();
    let app = spawn_mailing(&sink).await;
    let (token, _, email) = citizen(&app, "Sun").await;
    sink.refuse_next(1);
    app.ok(Some(&token), &op("notifications", "RequestEmailVerification"), json!({})).await;
    // The first attempt is refused (451); the next one waits for its backoff.
    let mut last_error = None;
    for _ in 0..200 {
        let rows = gongkai::sql::rows(&app.state.db.conn, "SELECT last_error FROM deliveries", vec![]).await.expect("deliveries");
        last_error = rows.first().and_then(|r| r.try_get::<Option<String>>("", "last_error").ok()).flatten();
        if last_error.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if last_error.is_none() {
        let rows = gongkai::sql::rows(&app.state.db.conn, "SELECT status, attempts, last_error, locked_until, next_attempt_at FROM deliveries", vec![]).await.expect("deliveries");
        panic!("the first attempt did not fail as it should: {rows:?}, received {:?}", sink.received().len());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(sink.to(&email).is_empty());
    app.advance_clock(chrono::Duration::seconds(31));
    let mail = sink.wait_for(1).await.remove(0);
    let id = mail.header("Message-ID");
    // The sink has the message a moment before its sender hears the answer and marks it.
    for _ in 0..100 {
        let delivered = gongkai::sql::count(&app.state.db.conn, "SELECT COUNT(*) FROM deliveries WHERE status = 'DELIVERED'", vec![]).await.expect("count");
        if delivered == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let row = gongkai::sql::rows(&app.state.db.conn, "SELECT id, attempts, status FROM deliveries", vec![]).await.expect("deliveries");
    assert_eq!(row.len(), 1);
    let delivery: uuid::Uuid = row[0].try_get("", "id").expect("id");
    assert_eq!(id, format!("<{delivery}@gongkai.test>"));
    assert_eq!(row[0].try_get::<i32>("", "attempts").expect("attempts"), 2);
    assert_eq!(row[0].try_get::<String>("", "status").expect("status"), "DELIVERED");

    // A worker that claimed a delivery and died before sending: its lease runs out and the delivery
    // goes out, once, with its own id.
    let (id, _) = app.state.clock.new_id_and_time();
    let now = app.state.clock.now();
    gongkai::sql::execute(
        &app.state.db.conn,
        "INSERT INTO deliveries (id, channel, notification_id, recipient, template, locale, payload, status, attempts, next_attempt_at, locked_until, last_attempt_at, created_at)
         VALUES ($1, 'EMAIL', NULL, $2, 'VERIFY_EMAIL', 'en', '{\"code\":\"123456\"}', 'PENDING', 1, $3, $4, $3, $3)",
        vec![id.into(), email.clone().into(), now.into(), (now + chrono::Duration::seconds(120)).into()],
    )
    .await
    .expect("a claimed delivery");
    gongkai::services::outbox::drain(&app.state).await.expect("drain");
    assert_eq!(sink.to(&email).len(), 1, "leased to the dead worker: not sent yet");
    app.advance_clock(chrono::Duration::seconds(121));
    gongkai::services::outbox::drain(&app.state).await.expect("drain");
    let mails = sink.wait_for(2).await;
    assert_eq!(mails[1].header("Message-ID"), format!("<{id}@gongkai.test>"));
    assert_eq!(mails[1].header("Subject"), "Your email verification code");
    gongkai::services::outbox::drain(&app.state).await.expect("drain");
    assert_eq!(sink.received().len(), 2);
}

#[tokio::test]
async fn a_password_reset_link_works_once_for_30_minutes_and_ends_every_session() {
    let sink = Sink::start();
    let app = spawn_mailing(&sink).await;
    let (old_session, id, email) = citizen(&app, "Zhou").await;
    // The same answer for an address without an account, and no mail.
    let unknown = app.ok(None, &op("notifications", "RequestPasswordReset"), json!({ "email": format!("nobody-{}@example.cn", uuid::Uuid::new_v4().simple()) })).await;
    assert_eq!(unknown["requestPasswordReset"], true);
    let known = app.ok(None, &op("notifications", "RequestPasswordReset"), json!({ "email": email.to_uppercase() })).await;
    assert_eq!(known["requestPasswordReset"], true);
    let mail = sink.wait_for(1).await.remove(0);
    assert_eq!(mail.to, vec![email.clone()]);
    assert_eq!(mail.header("Subject"), "重置您的密码");
    let text = mail.part("text/plain");
    let link = text.split_whitespace().find(|w| w.starts_with("http://gongkai.test/reset-password?token=")).expect("the link").to_owned();
    let token = link.split("token=").nth(1).expect("token").to_owned();
    assert!(mail.part("text/html").contains(&token));

    let weak = app.gql(None, &op("notifications", "ResetPassword"), json!({ "input": { "token": token, "newPassword": "short" } })).await;
    assert_eq!(weak.code(), "BAD_USER_INPUT");
    let reset = app.ok(None, &op("notifications", "ResetPassword"), json!({ "input": { "token": token, "newPassword": "a new horse battery staple" } })).await;
    assert_eq!(reset["resetPassword"]["user"]["id"], id.as_str());
    let new_session = reset["resetPassword"]["token"].as_str().expect("a new session").to_owned();
    // Every earlier session ended; the new one works; the old password does not.
    let old = app.gql(Some(&old_session), &op("notifications", "MyProfile"), json!({})).await;
    assert!(old.data()["me"].is_null(), "the old session ended: {:?}", old.0);
    let me = app.ok(Some(&new_session), &op("notifications", "MyProfile"), json!({})).await;
    assert_eq!(me["me"]["emailVerified"], true, "the link proved the address");
    app.login(&email, "a new horse battery staple").await;
    // Single use.
    let again = app.gql(None, &op("notifications", "ResetPassword"), json!({ "input": { "token": token, "newPassword": "yet another horse battery" } })).await;
    assert_eq!(again.code(), "BAD_USER_INPUT");
    assert_eq!(again.error()["extensions"]["fields"][0]["field"], "token");

    // A link older than 30 minutes is dead.
    app.ok(None, &op("notifications", "RequestPasswordReset"), json!({ "email": email })).await;
    let mail = sink.wait_for(2).await.remove(1);
    let token = mail.part("text/plain").split("token=").nth(1).expect("token").split_whitespace().next().expect("token").to_owned();
    app.advance_clock(chrono::Duration::minutes(31));
    assert_eq!(app.code(None, &op("notifications", "ResetPassword"), json!({ "input": { "token": token, "newPassword": "yet another horse battery" } })).await, "BAD_USER_INPUT");

    // Three links an hour per email (asked for twice already), whether or not it has an account.
    app.ok(None, &op("notifications", "RequestPasswordReset"), json!({ "email": email })).await;
    assert_eq!(app.code(None, &op("notifications", "RequestPasswordReset"), json!({ "email": email })).await, "RATE_LIMITED");
    let ghost = format!("ghost-{}@example.cn", uuid::Uuid::new_v4().simple());
    for _ in 0..3 {
        app.ok(None, &op("notifications", "RequestPasswordReset"), json!({ "email": ghost })).await;
    }
    assert_eq!(app.code(None, &op("notifications", "RequestPasswordReset"), json!({ "email": ghost })).await, "RATE_LIMITED");
    sink.wait_for(3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 3, "no mail to an address without an account");
}

const INSTANCE: &str = env!("CARGO_BIN_EXE_gongkai-instance");

/// The `Message-ID`s that arrived, each with how many times.
fn message_ids(sink: &Sink) -> std::collections::BTreeMap<String, usize> {
    let mut ids = std::collections::BTreeMap::new();
    for mail in sink.received() {
        *ids.entry(mail.header("Message-ID")).or_insert(0) += 1;
    }
    ids
}

async fn wait_for_distinct(sink: &Sink, n: usize, within: Duration) {
    let started = std::time::Instant::now();
    while message_ids(sink).len() < n {
        assert!(started.elapsed() < within, "expected {n} distinct emails, got {}", message_ids(sink).len());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn instances_killed_mid_send_lose_no_email_and_live_instances_send_each_once() {
    if !gongkai_tests::using_postgres() {
        gongkai_tests::skipped("several server processes on one database need TEST_DATABASE_URL");
        return;
    }
    let sink = Sink::start();
    sink.stall(Duration::from_millis(300));
    let (mut config, _) = gongkai_tests::test_config().await;
    gongkai_tests::no_limits(&mut config);
    config.smtp_url = Some(sink.url.clone());
    config.mail_from = "Gongkai <no-reply@gongkai.test>".to_owned();
    config.public_url = "http://gongkai.test".to_owned();
    config.outbox_poll = Duration::from_millis(100);
    config.outbox_lease = Duration::from_secs(3);
    let first = gongkai_tests::spawn_process(INSTANCE, &config).await;
    const N: usize = 12;
    let mut emails = Vec::new();
    for i in 0..N {
        let email = format!("reset-{i}-{}@example.cn", uuid::Uuid::new_v4().simple());
        first
            .ok(
                None,
                "mutation($input: RegisterInput!) { register(input: $input) { token } }",
                json!({ "input": { "email": email, "password": PASSWORD, "displayName": format!("用户{i}") } }),
            )
            .await;
        emails.push(email);
    }
    let reset = op("notifications", "RequestPasswordReset");
    for email in &emails {
        first.ok(None, &reset, json!({ "email": email })).await;
    }
    // The only instance claimed them all and each takes the SMTP server 300 ms: kill it (SIGKILL)
    // mid-batch.
    sink.wait_for(3).await;
    drop(first);
    let sent_before_the_kill = sink.received().len();
    assert!(sent_before_the_kill < N, "the kill came too late to test anything");
    let second = gongkai_tests::spawn_process(INSTANCE, &config).await;
    wait_for_distinct(&sink, N, Duration::from_secs(60)).await;

    let db = sea_orm::Database::connect(&config.database_url).await.expect("the database");
    // The sink has the last message a moment before its sender hears the answer and marks it.
    let delivered = || async {
        gongkai::sql::count(&db, "SELECT COUNT(*) FROM deliveries WHERE status = 'DELIVERED'", vec![]).await.expect("count")
    };
    for _ in 0..100 {
        if delivered().await == N as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = gongkai::sql::rows(&db, "SELECT id, status FROM deliveries", vec![]).await.expect("deliveries");
    assert_eq!(rows.len(), N);
    let ids: std::collections::BTreeSet<String> = rows
        .iter()
        .map(|r| format!("<{}@gongkai.test>", r.try_get::<uuid::Uuid>("", "id").expect("id")))
        .collect();
    assert!(rows.iter().all(|r| r.try_get::<String>("", "status").expect("status") == "DELIVERED"));
    let arrived = message_ids(&sink);
    assert_eq!(arrived.keys().cloned().collect::<std::collections::BTreeSet<_>>(), ids, "every delivery arrived under its own id");
    // Only those on the wire at the kill (an instance sends 8 at once) may have arrived twice, and
    // then under the same id both times.
    assert!(arrived.values().filter(|n| **n > 1).count() <= 8, "{arrived:?}");
    assert!(arrived.values().all(|n| *n <= 2), "{arrived:?}");
    let recipients: std::collections::BTreeSet<String> = sink.received().iter().flat_map(|m| m.to.clone()).collect();
    assert_eq!(recipients.len(), N);

    // Two live instances: each delivery claimed by one of them, sent once.
    let third = gongkai_tests::spawn_process(INSTANCE, &config).await;
    let before = sink.received().len();
    for (i, email) in emails.iter().enumerate() {
        let instance = if i % 2 == 0 { &second } else { &third };
        instance.ok(None, &reset, json!({ "email": email })).await;
    }
    wait_for_distinct(&sink, 2 * N, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(sink.received().len() - before, N, "each delivery sent once by one of the two instances");
}
