//! The roles table (docs/design.md) as a matrix: every mutation of the schema, called by every role, over
//! HTTP and over WebSocket, must answer as the table says — ALLOWED, or denied with the exact code:
//! UNAUTHENTICATED without a usable session, FORBIDDEN when the viewer sees the object but may not
//! act on it, NOT_FOUND when the viewer may not even see it (answered exactly as what does not exist).
//!
//! Threats covered: a role doing what the table does not give it; a denial that reveals that a hidden
//! object exists; a session that outlives its account's suspension (over WebSocket the socket is opened
//! before the suspension, which is the attack: it must then answer UNAUTHENTICATED or be closed with
//! 4401, never carry on); personal data, the audit log and observations leaking to the wrong reader.
//!
//! The suspended account is an ADMIN: the account whose leftover sign-in would do the most harm.
//! Every case is run and every mismatch collected before the test fails, so that one run lists them all.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use gongkai_tests::{from_now, no_limits, spawn_with, TestApp, PASSWORD};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::supervisors;
use crate::support::{self, op, Account};
use crate::ws::{Answer, Ws, COMMENT_ADDED, MY_REPLIES};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Role {
    Anonymous,
    Citizen,
    /// A citizen with an active appointment.
    Supervisor,
    /// Staff of a department that neither leads nor cooperates on the consultations of the fixtures.
    OtherStaff,
    /// Staff of the department that leads them.
    LeadStaff,
    /// Staff of a department in their `cooperatingDepartmentIds`.
    CoopStaff,
    Admin,
    Evaluator,
    /// An account whose token was valid and which an admin then suspended.
    Suspended,
}

use Role::*;

/// The columns of every table below, in this order.
const ROLES: [Role; 9] = [
    Anonymous, Citizen, Supervisor, OtherStaff, LeadStaff, CoopStaff, Admin, Evaluator, Suspended,
];

impl Role {
    fn name(self) -> &'static str {
        match self {
            Anonymous => "anonymous",
            Citizen => "citizen",
            Supervisor => "supervisor",
            OtherStaff => "staff of another department",
            LeadStaff => "staff of the lead department",
            CoopStaff => "staff of a cooperating department",
            Admin => "admin",
            Evaluator => "evaluator",
            Suspended => "suspended",
        }
    }

    /// Whether the role has a session of its own that a fixture may replace with a fresh one.
    fn signed_in(self) -> bool {
        !matches!(self, Anonymous | Suspended)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Http,
    Ws,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Http => "HTTP",
            Transport::Ws => "WebSocket",
        }
    }
}

/// What the roles table says a call must come to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// The call succeeds.
    Allowed,
    /// The call gets past authorization and then meets this domain error, which the fixture makes
    /// inevitable (an appointed supervisor applying again).
    Past(&'static str),
    /// Denied with this `extensions.code`.
    Denied(&'static str),
    /// A socket whose session ended: UNAUTHENTICATED in the operation's error, or the socket closed
    /// with 4401 — never an answer given on the ended sign-in.
    Ended,
}

const A: Expect = Expect::Allowed;
const U: Expect = Expect::Denied("UNAUTHENTICATED");
const F: Expect = Expect::Denied("FORBIDDEN");
const N: Expect = Expect::Denied("NOT_FOUND");
/// An appointed supervisor applying again: past authorization, into CONFLICT.
const C: Expect = Expect::Past("CONFLICT");
/// A code or token that is not one the server sent: past authorization, into BAD_USER_INPUT.
const B: Expect = Expect::Past("BAD_USER_INPUT");

/// What a call came to.
#[derive(Debug, Clone)]
enum Got {
    Data(Value),
    Error(String),
    Closed(Option<u16>),
}

impl Got {
    fn of_response(response: &Value) -> Got {
        match response
            .get("errors")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            Some(error) => Got::Error(error["extensions"]["code"].as_str().map_or_else(
                || format!("an error without a code ({error})"),
                str::to_owned,
            )),
            None => Got::Data(response["data"].clone()),
        }
    }

    fn of(answer: Answer) -> Got {
        match answer {
            Answer::Response(response) => Got::of_response(&response),
            Answer::Closed(code) => Got::Closed(code),
        }
    }

    fn code(&self) -> Option<&str> {
        match self {
            Got::Error(code) => Some(code),
            _ => None,
        }
    }

    fn closed_for_ended_session(&self) -> bool {
        matches!(self, Got::Closed(Some(4401)))
    }

    fn describe(&self) -> String {
        match self {
            Got::Data(_) => "ALLOWED".to_owned(),
            Got::Error(code) => code.clone(),
            Got::Closed(Some(code)) => format!("socket closed with {code}"),
            Got::Closed(None) => "socket dropped without a close code".to_owned(),
        }
    }
}

impl Expect {
    fn accepts(self, got: &Got) -> bool {
        match self {
            Expect::Allowed => matches!(got, Got::Data(_)),
            Expect::Past(code) => matches!(got, Got::Data(_)) || got.code() == Some(code),
            Expect::Denied(code) => got.code() == Some(code),
            Expect::Ended => {
                got.code() == Some("UNAUTHENTICATED") || got.closed_for_ended_session()
            }
        }
    }

    fn describe(self) -> String {
        match self {
            Expect::Allowed => "ALLOWED".to_owned(),
            Expect::Past(code) => format!("ALLOWED (or past authorization to {code})"),
            Expect::Denied(code) => code.to_owned(),
            Expect::Ended => "UNAUTHENTICATED or socket closed with 4401".to_owned(),
        }
    }
}

/// One call of a row: its variables, and — when the call uses up the caller's session or account
/// (`logout`, `changePassword`, a citizen's one pending application) — a fresh account of the same
/// role to make it as.
struct Call {
    variables: Value,
    actor: Option<Account>,
}

impl Call {
    fn new(variables: Value) -> Call {
        Call {
            variables,
            actor: None,
        }
    }

    fn by(actor: Account, variables: Value) -> Call {
        Call {
            variables,
            actor: Some(actor),
        }
    }
}

type Fx = Arc<World>;
type Fixture = fn(Fx, Role) -> BoxFuture<'static, Call>;

/// A fixture: `fixture!(|world, role| { …; Call::new(…) })`, run before each call of its row.
macro_rules! fixture {
    (|$w:ident, $r:tt| $body:block) => {{
        #[allow(unused_variables)]
        fn make($w: Fx, role: Role) -> BoxFuture<'static, Call> {
            let $r = role;
            Box::pin(async move { $body })
        }
        make as Fixture
    }};
}

/// One line of the matrix: a mutation (as the front end sends it), the case it is called in, the
/// expected outcome per role in the order of `ROLES`, and the fixture that makes each call's objects.
struct Row {
    mutation: &'static str,
    case: &'static str,
    operation: String,
    expect: [Expect; 9],
    fixture: Fixture,
}

fn row(mutation: &'static str, case: &'static str, expect: [Expect; 9], fixture: Fixture) -> Row {
    Row {
        mutation,
        case,
        operation: client_operation(mutation),
        expect,
        fixture,
    }
}

/// The front end's operation for `mutation` (`publishConsultation` → `PublishConsultation`), from
/// whichever file of `tests/clients/` holds it.
fn client_operation(mutation: &str) -> String {
    let name = format!("{}{}", mutation[..1].to_uppercase(), &mutation[1..]);
    let file = ["citizen", "staff", "admin", "supervisor", "notifications", "disclosure", "dashboard"]
        .into_iter()
        .find(|file| {
            let path = format!("{}/clients/{file}.graphql", env!("CARGO_MANIFEST_DIR"));
            let text = std::fs::read_to_string(path).expect("read a client file");
            text.lines().any(|line| {
                line.strip_prefix("mutation ").is_some_and(|rest| {
                    rest.starts_with(&name)
                        && !rest[name.len()..].starts_with(char::is_alphanumeric)
                })
            })
        })
        .unwrap_or_else(|| panic!("no client operation {name} in tests/clients/"));
    op(file, &name)
}

impl Row {
    fn label(&self) -> String {
        if self.case.is_empty() {
            self.mutation.to_owned()
        } else {
            format!("{} ({})", self.mutation, self.case)
        }
    }
}

fn unique(text: &str) -> String {
    format!("{text} {}", &Uuid::new_v4().simple().to_string()[..8])
}

fn no_such_id() -> String {
    Uuid::new_v4().to_string()
}

/// The matrix. Columns: an(onymous), ci(tizen), su(pervisor), ot(her department's staff), le(ad
/// department's staff), co(operating department's staff), ad(min), ev(aluator), s(us)p(ended).
/// A = ALLOWED, U = UNAUTHENTICATED, F = FORBIDDEN, N = NOT_FOUND, C = past authorization to CONFLICT. The consultations of the
/// fixtures are led by the lead department with the cooperating one; observations are addressed to
/// the lead department; "someone else's" comments are a bystander citizen's. Each call is the front
/// end's own operation for the mutation (`tests/clients/`).
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    vec![
        // Sessions: anyone may register or sign in; a suspended account may not sign in.
        //                                                                      an ci su ot le co ad ev sp
        row("register", "",                                                    [A, A, A, A, A, A, A, A, A], fixture!(|w, _| {
            Call::new(json!({ "input": { "email": format!("new-{}@example.cn", Uuid::new_v4().simple()), "password": PASSWORD, "displayName": "新用户" } }))
        })),
        row("login", "into one's own account",                                 [A, A, A, A, A, A, A, A, F], fixture!(|w, role| {
            let email = match w.account(role) {
                Some(account) => account.email.clone(),
                None => support::citizen(&w.app).await.email,
            };
            Call::new(json!({ "input": { "email": email, "password": PASSWORD } }))
        })),
        row("logout", "",                                                      [U, A, A, A, A, A, A, A, U], fixture!(|w, role| {
            match w.account(role).filter(|_| role.signed_in()) {
                Some(account) => Call::by(w.another_session(account).await, json!({})),
                None => Call::new(json!({})),
            }
        })),
        row("logoutEverywhere", "",                                            [U, A, A, A, A, A, A, A, U], fixture!(|w, role| {
            w.as_fresh(role, json!({})).await
        })),
        row("changePassword", "",                                              [U, A, A, A, A, A, A, A, U], fixture!(|w, role| {
            w.as_fresh(role, json!({ "input": { "currentPassword": PASSWORD, "newPassword": "another horse battery staple" } })).await
        })),
        // One's own profile and inbox: every signed-in account, its own only.
        //                                                                      an ci su ot le co ad ev sp
        row("updateProfile", "one's own language",                             [U, A, A, A, A, A, A, A, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "locale": "zh-CN" } }))
        })),
        row("markNotificationsRead", "all of one's own",                       [U, A, A, A, A, A, A, A, U], fixture!(|w, _| {
            Call::new(json!({ "all": true }))
        })),
        row("markNotificationsRead", "someone else's",                         [U, N, N, N, N, N, N, N, U], fixture!(|w, _| {
            Call::new(json!({ "ids": [w.bystanders_notification().await] }))
        })),
        row("updateNotificationSettings", "one's own",                          [U, A, A, A, A, A, A, A, U], fixture!(|w, _| {
            Call::new(json!({ "input": [{ "kind": "COMMENT_MODERATED", "email": false }] }))
        })),
        row("requestEmailVerification", "one's own address",                   [U, A, A, A, A, A, A, A, U], fixture!(|w, _| {
            Call::new(json!({}))
        })),
        row("verifyEmail", "a code that was not sent",                         [U, B, B, B, B, B, B, B, U], fixture!(|w, _| {
            Call::new(json!({ "code": "000000" }))
        })),
        // Recovering an account is for anyone: the emailed token is the authority.
        row("requestPasswordReset", "any address",                             [A, A, A, A, A, A, A, A, A], fixture!(|w, _| {
            Call::new(json!({ "email": format!("someone-{}@example.cn", Uuid::new_v4().simple()) }))
        })),
        row("resetPassword", "a token that was not sent",                      [B, B, B, B, B, B, B, B, B], fixture!(|w, _| {
            Call::new(json!({ "input": { "token": "not-a-token-we-sent", "newPassword": "a long enough password" } }))
        })),
        // Administration: admins only.
        //                                                                      an ci su ot le co ad ev sp
        row("createDepartment", "",                                            [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "code": support::code(), "name": "新设部门" } }))
        })),
        row("createAccount", "",                                               [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            let email = format!("evaluator-{}@example.cn", Uuid::new_v4().simple());
            Call::new(json!({ "input": { "email": email, "displayName": "第三方评估", "password": PASSWORD, "role": "EVALUATOR" } }))
        })),
        row("suspendAccount", "a citizen",                                     [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": support::citizen(&w.app).await.id, "reason": "多次发布违规内容" }))
        })),
        row("setCalendarYear", "a year far ahead",                             [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "year": 2099, "source": "国务院办公厅关于2099年部分节假日安排的通知", "holidays": [{ "name": "元旦", "from": "2099-01-01", "to": "2099-01-01" }], "workdays": [] } }))
        })),
        row("reinstateAccount", "a suspended citizen",                          [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.suspended_citizen().await }))
        })),
        row("updateAccount", "a new name for an evaluator",                    [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            let account = support::account(&w.app, "EVALUATOR", None).await;
            Call::new(json!({ "id": account.id, "input": { "displayName": unique("评估员") } }))
        })),
        // Reply templates: each department's staff keep their own; another's does not exist for them.
        //                                                                      an ci su ot le co ad ev sp
        row("saveReplyTemplate", "a new one of one's department",              [U, F, F, A, A, A, F, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "title": unique("感谢来信"), "body": "感谢您的意见，我们已认真研究。", "adoption": "EXPLAINED" } }))
        })),
        row("deleteReplyTemplate", "one of the lead department's",             [U, F, F, N, A, N, F, F, U], fixture!(|w, _| {
            let data = w.app.ok(Some(&w.lead_staff.token), &support::op("dashboard", "SaveReplyTemplate"), json!({ "input": { "title": unique("模板"), "body": "正文" } })).await;
            Call::new(json!({ "id": data["saveReplyTemplate"]["id"] }))
        })),
        row("createWebhook", "",                                               [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "url": "https://sms.example.cn/hook", "kinds": ["COMMENT_REPLIED"] } }))
        })),
        row("updateWebhook", "",                                               [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.new_webhook().await, "input": { "active": false } }))
        })),
        row("deleteWebhook", "",                                               [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.new_webhook().await }))
        })),
        row("redeliverWebhookDelivery", "a FAILED delivery",                   [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.failed_delivery().await }))
        })),
        // Consultations: managed by the lead department's staff and admins; a DRAFT is seen only by them.
        //                                                                      an ci su ot le co ad ev sp
        row("createConsultation", "led by the lead department",                [U, F, F, F, A, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": w.consultation_input(json!({})) }))
        })),
        row("updateConsultation", "a DRAFT",                                   [U, F, F, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.draft, "input": { "title": unique("修订后的标题") } }))
        })),
        row("updateConsultation", "an OPEN one",                               [U, F, F, F, A, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.open, "input": { "summary": unique("修订后的摘要") } }))
        })),
        row("publishConsultation", "a DRAFT",                                  [U, F, F, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.new_draft().await }))
        })),
        row("closeConsultation", "an OPEN one",                                [U, F, F, F, A, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.new_open().await }))
        })),
        row("withdrawConsultation", "an UPCOMING one",                         [U, F, F, F, A, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.new_upcoming().await, "reason": "政策调整，暂缓征求意见" }))
        })),
        row("concludeConsultation", "a CLOSED one",                            [U, F, F, F, A, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.new_closed().await, "input": { "summary": "共收到意见若干条，采纳情况如下。" } }))
        })),
        // Comments: citizens comment, endorse, edit and withdraw their own; signed-in users report
        // (evaluators only read). Someone else's PENDING or HIDDEN comment does not exist for those
        // who may not see it.
        //                                                                      an ci su ot le co ad ev sp
        row("submitComment", "",                                               [U, A, A, F, F, F, F, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "consultationId": w.open, "stance": "SUPPORT", "body": unique("建议明确办理时限") } }))
        })),
        row("editComment", "one's own, else someone else's PUBLISHED one",     [U, A, A, F, F, F, F, F, U], fixture!(|w, role| {
            Call::new(json!({ "id": w.own_or_published(role).await, "input": { "body": unique("修改后的意见") } }))
        })),
        row("editComment", "someone else's PENDING one",                       [U, N, N, N, F, F, F, N, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.pending().await, "input": { "body": unique("修改后的意见") } }))
        })),
        row("editComment", "someone else's HIDDEN one",                        [U, N, N, N, F, F, F, N, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.hidden().await, "input": { "body": unique("修改后的意见") } }))
        })),
        row("editComment", "no such comment",                                  [U, N, N, N, N, N, N, N, U], fixture!(|w, _| {
            Call::new(json!({ "id": no_such_id(), "input": { "body": unique("修改后的意见") } }))
        })),
        row("withdrawComment", "one's own, else someone else's PUBLISHED one", [U, A, A, F, F, F, F, F, U], fixture!(|w, role| {
            Call::new(json!({ "id": w.own_or_published(role).await }))
        })),
        row("withdrawComment", "someone else's PENDING one",                   [U, N, N, N, F, F, F, N, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.pending().await }))
        })),
        row("withdrawComment", "someone else's HIDDEN one",                    [U, N, N, N, F, F, F, N, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.hidden().await }))
        })),
        row("endorseComment", "someone else's PUBLISHED one",                  [U, A, A, F, F, F, F, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.published().await }))
        })),
        row("endorseComment", "someone else's PENDING one",                    [U, N, N, F, F, F, F, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.pending().await }))
        })),
        row("removeEndorsement", "one the caller endorsed",                    [U, A, A, F, F, F, F, F, U], fixture!(|w, role| {
            let comment = w.published().await;
            if matches!(role, Citizen | Supervisor) {
                let token = w.token(role);
                w.app.ok(token.as_deref(), &op("citizen", "EndorseComment"), json!({ "id": comment })).await;
            }
            Call::new(json!({ "id": comment }))
        })),
        row("reportComment", "someone else's PUBLISHED one",                   [U, A, A, A, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "commentId": w.published().await, "reason": "SPAM", "detail": "广告内容" } }))
        })),
        row("reportComment", "someone else's PENDING one",                     [U, N, N, N, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "commentId": w.pending().await, "reason": "SPAM", "detail": "广告内容" } }))
        })),
        // Moderation and replies: staff of the lead or a cooperating department, and admins. A role
        // that may never moderate is FORBIDDEN whatever the id; staff who may not see a comment are
        // told it does not exist.
        //                                                                      an ci su ot le co ad ev sp
        row("moderateComment", "HIDE a PUBLISHED one",                         [U, F, F, F, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.published().await, "input": { "decision": "HIDE", "reason": "含有他人个人信息" } }))
        })),
        row("moderateComment", "PUBLISH a PENDING one",                        [U, F, F, N, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.pending().await, "input": { "decision": "PUBLISH" } }))
        })),
        row("moderateComment", "no such comment",                              [U, F, F, N, N, N, N, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": no_such_id(), "input": { "decision": "PUBLISH" } }))
        })),
        row("replyToComment", "a PUBLISHED one",                               [U, F, F, F, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "commentId": w.shared_comment, "body": "感谢您的意见，已研究采纳。", "adoption": "ADOPTED" } }))
        })),
        row("replyToComment", "a PENDING one",                                 [U, F, F, N, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "commentId": w.pending().await, "body": "感谢您的意见。", "adoption": "EXPLAINED" } }))
        })),
        row("replyToComment", "no such comment",                               [U, F, F, N, N, N, N, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "commentId": no_such_id(), "body": "感谢您的意见。", "adoption": "EXPLAINED" } }))
        })),
        // A bulk reply: whoever may reply on the consultation.
        row("startBulkReply", "by ids, on an OPEN consultation",               [U, F, F, F, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "consultationId": w.open, "body": "感谢您的意见，统一答复如下。", "adoption": "EXPLAINED", "commentIds": [w.shared_comment] } }))
        })),
        row("startBulkReply", "by filter, on a DRAFT",                         [U, F, F, N, C, N, C, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "consultationId": w.draft, "body": "统一答复。", "adoption": "EXPLAINED", "filter": { "unrepliedOnly": true } } }))
        })),
        // Groups are listed to the consultation's staff only: to other departments they do not exist.
        row("replyToDuplicateGroup", "",                                       [U, F, F, N, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "groupId": w.group, "body": "对相同意见统一答复如下。", "adoption": "EXPLAINED" } }))
        })),
        row("exportComments", "a published consultation",                      [U, F, F, F, A, A, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.open, "format": "CSV" }))
        })),
        row("exportComments", "a DRAFT",                                       [U, N, N, N, A, N, A, N, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.draft, "format": "JSON" }))
        })),
        // Supervisors: citizens apply and withdraw their own PENDING application; admins review and
        // revoke; an application is seen by its applicant and admins only.
        //                                                                      an ci su ot le co ad ev sp
        row("applyForSupervisor", "",                                          [U, A, C, F, F, F, F, F, U], fixture!(|w, role| {
            let input = json!({ "input": supervisors::application_input("EXPERT") });
            match role {
                // The world's citizen stays without an application: each call is a first one.
                Citizen => Call::by(support::citizen(&w.app).await, input),
                _ => Call::new(input),
            }
        })),
        row("withdrawSupervisorApplication", "one's own, else someone else's", [U, A, N, N, N, N, F, N, U], fixture!(|w, role| {
            let (applicant, application) = w.application().await;
            match role {
                Citizen => Call::by(applicant, json!({ "id": application })),
                _ => Call::new(json!({ "id": application })),
            }
        })),
        row("reviewSupervisorApplication", "APPROVE",                          [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.application().await.1, "input": { "decision": "APPROVE" } }))
        })),
        row("revokeSupervisor", "",                                            [U, F, F, F, F, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.appointed().await.1, "reason": "任期内违反监督员守则" }))
        })),
        // Observations: filed and followed up by their supervisor, answered by the department's staff
        // and admins, seen by those, the supervisor and evaluators only.
        //                                                                      an ci su ot le co ad ev sp
        row("fileObservation", "on the lead department",                       [U, F, A, F, F, F, F, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "departmentId": w.lead, "kind": "DISCLOSURE", "title": unique("预算信息未按时公开"), "body": "本部门2026年预算至今未在网站公开。" } }))
        })),
        row("followUpObservation", "an ANSWERED one",                          [U, N, A, N, F, N, F, F, U], fixture!(|w, role| {
            let id = match role {
                Supervisor => w.new_answered_observation().await,
                _ => w.answered_observation.clone(),
            };
            Call::new(json!({ "id": id, "input": { "body": "答复未说明公开时间，请补充。" } }))
        })),
        row("replyToObservation", "",                                          [U, N, F, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": { "observationId": w.observation, "body": "已于本周在门户网站公开。" } }))
        })),
        // Disclosure requests: citizens ask; the addressed department's staff and admins handle; the
        // applicant alone corrects or withdraws; evaluators read without personal data, so for them a
        // request exists (FORBIDDEN); for everyone else it does not (NOT_FOUND).
        //                                                                      an ci su ot le co ad ev sp
        row("submitDisclosureRequest", "to the lead department",               [U, A, A, F, F, F, F, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": w.disclosure_input(json!({ "clientRequestId": unique("r") })) }))
        })),
        row("recordDisclosureRequest", "a letter to the lead department",      [U, F, F, F, A, F, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "input": w.disclosure_input(json!({ "channel": "LETTER", "receivedOn": support::today_cst(&w.app) })) }))
        })),
        row("respondToCorrection", "the citizen's request",                    [U, A, N, N, F, N, F, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("correction").await, "input": { "response": "补充了文件名称和文号。" } }))
        })),
        row("withdrawDisclosureRequest", "the citizen's request",              [U, A, N, N, F, N, F, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("new").await }))
        })),
        row("requestCorrection", "the citizen's request",                      [U, F, N, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("new").await, "input": { "items": "请写明所需信息的名称。", "workingDays": 10 } }))
        })),
        row("extendDisclosureDeadline", "the citizen's request",               [U, F, N, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("new").await, "input": { "workingDays": 20, "reason": "需调阅档案。", "approvedBy": "办公室主任" } }))
        })),
        row("startThirdPartyConsultation", "the citizen's request",            [U, F, N, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("new").await, "input": { "thirdParty": "某建设有限公司" } }))
        })),
        row("endThirdPartyConsultation", "one consulting a third party",       [U, F, N, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("third_party").await, "input": { "opinion": "不同意公开。" } }))
        })),
        row("issueFeeNotice", "the citizen's request",                         [U, F, N, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("new").await, "input": { "basis": "BY_PAGE", "quantity": 120 } }))
        })),
        row("recordFeePayment", "one awaiting payment",                        [U, F, N, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("fee").await }))
        })),
        row("answerDisclosureRequest", "the citizen's request",                [U, F, N, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("new").await, "input": { "outcome": "DISCLOSED", "body": "所申请信息见附件。" } }))
        })),
        row("recordDisclosureAppeal", "an answered request",                   [U, F, N, N, A, N, A, F, U], fixture!(|w, _| {
            Call::new(json!({ "id": w.disclosure_at("answered").await, "input": { "kind": "RECONSIDERATION", "result": "PENDING", "filedOn": support::today_cst(&w.app) } }))
        })),
    ]
}

/// Everyone and everything the tables act on, made once per test.
struct World {
    app: TestApp,
    admin: Account,
    evaluator: Account,
    citizen: Account,
    supervisor: Account,
    lead: String,
    coop: String,
    other: String,
    lead_staff: Account,
    coop_staff: Account,
    other_staff: Account,
    /// The citizen whose comments are "someone else's".
    bystander: Account,
    /// Suspended after signing in (its session over HTTP; sockets make their own).
    suspended: Account,
    /// Consultations led by `lead` with `coop` cooperating: OPEN with POST and with PRE moderation,
    /// and a DRAFT.
    open: String,
    pre: String,
    draft: String,
    /// The bystander's published comment on `open`.
    shared_comment: String,
    /// A duplicate group of two comments, on `campaign` (another consultation led by `lead`).
    group: String,
    campaign: String,
    /// A bulk reply job of the lead department's staff, on `campaign`.
    bulk_job: String,
    /// Filed by `supervisor` on `lead`: one OPEN, one ANSWERED.
    observation: String,
    answered_observation: String,
    /// The citizen's disclosure request to `lead`, PROCESSING.
    disclosure: String,
}

impl World {
    async fn new() -> World {
        // Email goes to a real SMTP server, so the email mutations get past their configuration.
        let sink = crate::email::Sink::start();
        let app = spawn_with(|c| {
            no_limits(c);
            c.smtp_url = Some(sink.url.clone());
        })
        .await;
        let cast = support::cast(&app).await;
        let bystander = support::citizen(&app).await;
        let (supervisor, _) = appointed(&app, &cast.admin.token).await;
        let suspended = support::account(&app, "ADMIN", None).await;
        suspend(&app, &cast.admin.token, &suspended.id).await;
        let open = cast.consultation(&app, json!({})).await;
        let pre = cast
            .consultation(&app, json!({ "moderation": "PRE" }))
            .await;
        let draft = cast.consultation(&app, json!({ "publish": false })).await;
        let campaign = cast.consultation(&app, json!({})).await;
        let shared_comment = support::submit_ok(
            &app,
            &bystander.token,
            &open,
            "SUPPORT",
            "建议公开办理结果。",
            None,
        )
        .await;
        let group = duplicate_group(
            &app,
            &cast.lead_staff.token,
            &campaign,
            &[&bystander, &cast.citizen],
        )
        .await;
        // The similar-group worker places the group's comments (one similar group), and a bulk reply
        // job answers them.
        crate::similar::placed(&app).await;
        let job = app
            .ok(
                Some(&cast.lead_staff.token),
                &support::op("dashboard", "StartBulkReply"),
                json!({ "input": { "consultationId": campaign, "body": "统一答复。", "adoption": "EXPLAINED", "filter": { "duplicateGroupId": group } } }),
            )
            .await;
        let bulk_job = job["startBulkReply"]["id"].as_str().expect("a job id").to_owned();
        let observation = file(&app, &supervisor.token, &cast.lead).await;
        let answered_observation = file(&app, &supervisor.token, &cast.lead).await;
        answer(&app, &cast.lead_staff.token, &answered_observation).await;
        let disclosure = crate::disclosure::submit(&app, &cast.citizen.token, &cast.lead, json!({})).await;
        World {
            app,
            admin: cast.admin,
            evaluator: cast.evaluator,
            citizen: cast.citizen,
            supervisor,
            lead: cast.lead,
            coop: cast.coop,
            other: cast.other,
            lead_staff: cast.lead_staff,
            coop_staff: cast.coop_staff,
            other_staff: cast.other_staff,
            bystander,
            suspended,
            open,
            pre,
            draft,
            shared_comment,
            group,
            campaign,
            bulk_job,
            observation,
            answered_observation,
            disclosure,
        }
    }

    /// The role's account in this world (none for anonymous).
    fn account(&self, role: Role) -> Option<&Account> {
        Some(match role {
            Anonymous => return None,
            Citizen => &self.citizen,
            Supervisor => &self.supervisor,
            OtherStaff => &self.other_staff,
            LeadStaff => &self.lead_staff,
            CoopStaff => &self.coop_staff,
            Admin => &self.admin,
            Evaluator => &self.evaluator,
            Suspended => &self.suspended,
        })
    }

    fn token(&self, role: Role) -> Option<String> {
        self.account(role).map(|a| a.token.clone())
    }

    /// A second session of the same account, for a call that ends its session.
    async fn another_session(&self, account: &Account) -> Account {
        let issued = self
            .app
            .state
            .sessions
            .issue(account.id.parse().expect("a user id"))
            .await
            .expect("issue a session");
        Account {
            token: issued.token,
            ..account.clone()
        }
    }

    /// A new account of `role`, for a call that ends every session of its account or changes it.
    async fn fresh(&self, role: Role) -> Account {
        match role {
            Citizen => support::citizen(&self.app).await,
            Supervisor => appointed(&self.app, &self.admin.token).await.0,
            OtherStaff => support::account(&self.app, "STAFF", Some(&self.other)).await,
            LeadStaff => support::account(&self.app, "STAFF", Some(&self.lead)).await,
            CoopStaff => support::account(&self.app, "STAFF", Some(&self.coop)).await,
            Admin => support::account(&self.app, "ADMIN", None).await,
            Evaluator => support::account(&self.app, "EVALUATOR", None).await,
            Anonymous | Suspended => unreachable!("{role:?} has no account to renew"),
        }
    }

    /// The call as a fresh account of the role (as is, for anonymous and suspended).
    async fn as_fresh(&self, role: Role, variables: Value) -> Call {
        if role.signed_in() {
            Call::by(self.fresh(role).await, variables)
        } else {
            Call::new(variables)
        }
    }

    fn consultation_input(&self, extra: Value) -> Value {
        let mut input = json!({
            "title": unique("关于推进政务公开的实施意见"),
            "summary": "征求意见稿摘要",
            "body": "正文内容",
            "category": "政务公开",
            "leadDepartmentId": self.lead,
            "cooperatingDepartmentIds": [self.coop],
            "opensAt": from_now(-3600),
            "closesAt": from_now(40 * 24 * 3600),
        });
        if let (Some(base), Some(extra)) = (input.as_object_mut(), extra.as_object()) {
            base.extend(extra.clone());
        }
        input
    }

    async fn create(&self, extra: Value, publish: bool) -> String {
        let data = self
            .app
            .ok(
                Some(&self.lead_staff.token),
                &op("staff", "CreateConsultation"),
                json!({ "input": self.consultation_input(extra) }),
            )
            .await;
        let id = data["createConsultation"]["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        if publish {
            self.app.publish(&self.lead_staff.token, &id).await;
        }
        id
    }

    /// A citizen the admin suspended; returns its id.
    async fn suspended_citizen(&self) -> String {
        let citizen = support::citizen(&self.app).await;
        self.app.ok(Some(&self.admin.token), &support::op("admin", "SuspendAccount"), json!({ "id": citizen.id, "reason": "违规" })).await;
        citizen.id
    }

    /// A disclosure request's input to the lead department, with `extra` fields.
    fn disclosure_input(&self, extra: Value) -> Value {
        crate::disclosure::input(&self.lead, extra)
    }

    /// A new request of the citizen's to the lead department, taken by the lead staff to `step`: "new"
    /// (PROCESSING), "correction", "third_party", "fee" (awaiting each) or "answered".
    async fn disclosure_at(&self, step: &str) -> String {
        let id = crate::disclosure::submit(&self.app, &self.citizen.token, &self.lead, json!({})).await;
        crate::disclosure::take_to(&self.app, &self.lead_staff.token, &id, step).await;
        id
    }

    /// A webhook registered by the admin (to an address nothing listens on); returns its id.
    async fn new_webhook(&self) -> String {
        let data = self
            .app
            .ok(Some(&self.admin.token), &support::op("notifications", "CreateWebhook"), json!({ "input": { "url": "https://sms.example.cn/hook", "kinds": ["OBSERVATION_FILED"] } }))
            .await;
        data["createWebhook"]["id"].as_str().expect("a webhook id").to_owned()
    }

    /// A delivery of a new webhook given up on (FAILED); returns its id.
    async fn failed_delivery(&self) -> String {
        let webhook: Uuid = self.new_webhook().await.parse().expect("a uuid");
        let (id, now) = self.app.state.clock.new_id_and_time();
        // Through the server's write gate, like every write of its own.
        let txn = self.app.state.db.begin().await.expect("a transaction");
        gongkai::sql::execute(
            &*txn,
            "INSERT INTO deliveries (id, channel, webhook_id, kind, recipient, template, locale, payload, status, attempts, next_attempt_at, created_at)
             VALUES ($1, 'WEBHOOK', $2, 'OBSERVATION_FILED', 'someone', 'NOTIFICATION', 'zh-CN', '{}', 'FAILED', 8, $3, $3)",
            vec![id.into(), webhook.into(), now.into()],
        )
        .await
        .expect("a failed delivery");
        txn.commit_private().await.expect("commit");
        id.to_string()
    }

    async fn new_draft(&self) -> String {
        self.create(json!({}), false).await
    }

    async fn new_open(&self) -> String {
        self.create(json!({}), true).await
    }

    async fn new_upcoming(&self) -> String {
        self.create(
            json!({ "opensAt": from_now(24 * 3600), "closesAt": from_now(41 * 24 * 3600) }),
            true,
        )
        .await
    }

    async fn new_closed(&self) -> String {
        let id = self.new_open().await;
        self.app
            .ok(
                Some(&self.lead_staff.token),
                &op("staff", "CloseConsultation"),
                json!({ "id": id }),
            )
            .await;
        id
    }

    async fn comment(&self, token: &str, consultation: &str) -> String {
        support::submit_ok(
            &self.app,
            token,
            consultation,
            "NEUTRAL",
            &unique("请进一步明确公开范围"),
            None,
        )
        .await
    }

    /// A new notification of the bystander's (the lead department replied to their comment).
    async fn bystanders_notification(&self) -> String {
        let comment = self.published().await;
        support::reply(&self.app, &self.lead_staff.token, &comment, "EXPLAINED").await.data();
        let rows = gongkai::sql::rows(
            &self.app.state.db.conn,
            "SELECT id FROM notifications WHERE subject_id = $1",
            vec![comment.parse::<Uuid>().expect("id").into()],
        )
        .await
        .expect("the notification");
        let id: Uuid = rows[0].try_get("", "id").expect("id");
        id.to_string()
    }

    /// The bystander's new PUBLISHED comment.
    async fn published(&self) -> String {
        self.comment(&self.bystander.token, &self.open).await
    }

    /// The bystander's new PENDING comment (on the PRE-moderated consultation).
    async fn pending(&self) -> String {
        self.comment(&self.bystander.token, &self.pre).await
    }

    /// The bystander's new comment, hidden by the lead department's staff.
    async fn hidden(&self) -> String {
        let id = self.published().await;
        support::moderate(
            &self.app,
            &self.lead_staff.token,
            &id,
            "HIDE",
            Some("待核实"),
        )
        .await
        .data();
        id
    }

    /// A new comment of the caller's own if the role can comment, else the bystander's.
    async fn own_or_published(&self, role: Role) -> String {
        match role {
            Citizen | Supervisor => {
                self.comment(&self.account(role).expect("an account").token, &self.open)
                    .await
            }
            _ => self.published().await,
        }
    }

    /// A new citizen's PENDING application: (the applicant, its id).
    async fn application(&self) -> (Account, String) {
        let applicant = support::citizen(&self.app).await;
        let id = supervisors::apply(&self.app, &applicant.token).await;
        (applicant, id)
    }

    async fn appointed(&self) -> (Account, String) {
        appointed(&self.app, &self.admin.token).await
    }

    /// A new observation of the world's supervisor on the lead department, answered.
    async fn new_answered_observation(&self) -> String {
        let id = file(&self.app, &self.supervisor.token, &self.lead).await;
        answer(&self.app, &self.lead_staff.token, &id).await;
        id
    }
}

/// A new citizen appointed supervisor: (the account, the appointment's id).
async fn appointed(app: &TestApp, admin: &str) -> (Account, String) {
    let account = support::citizen(app).await;
    let application = supervisors::apply(app, &account.token).await;
    let reviewed = supervisors::approve(app, admin, &application, None).await;
    (account, supervisors::id(&reviewed["supervisor"]["id"]))
}

async fn suspend(app: &TestApp, admin: &str, id: &str) {
    app.ok(
        Some(admin),
        &op("admin", "SuspendAccount"),
        json!({ "id": id, "reason": "账号被盗用" }),
    )
    .await;
}

async fn file(app: &TestApp, supervisor: &str, department: &str) -> String {
    let observation = supervisors::file(app, supervisor, department, json!({})).await;
    supervisors::id(&observation["id"])
}

async fn answer(app: &TestApp, staff: &str, observation: &str) {
    app.ok(
        Some(staff),
        &op("staff", "ReplyToObservation"),
        json!({ "input": { "observationId": observation, "body": "已公开。" } }),
    )
    .await;
}

/// Two authors send the same text to `consultation`; returns the duplicate group it forms.
async fn duplicate_group(
    app: &TestApp,
    staff: &str,
    consultation: &str,
    authors: &[&Account],
) -> String {
    for author in authors {
        support::submit_ok(
            app,
            &author.token,
            consultation,
            "OPPOSE",
            "反对本条规定，建议删除。",
            None,
        )
        .await;
    }
    let data = app
        .ok(
            Some(staff),
            &op("staff", "DuplicateGroups"),
            json!({ "id": consultation, "first": 10 }),
        )
        .await;
    data["consultation"]["duplicateGroups"]["edges"][0]["node"]["id"]
        .as_str()
        .expect("a duplicate group")
        .to_owned()
}

/// Calls as each role over one transport. Over WebSocket each role has a socket opened with its token
/// at `connection_init`; the suspended role's socket is opened before its account is suspended.
struct Caller {
    world: Fx,
    transport: Transport,
    sockets: HashMap<Role, Ws>,
    operations: usize,
}

impl Caller {
    async fn new(world: Fx, transport: Transport) -> Caller {
        let mut caller = Caller {
            world,
            transport,
            sockets: HashMap::new(),
            operations: 0,
        };
        if transport == Transport::Ws {
            for role in ROLES {
                let socket = caller.open(role).await;
                caller.sockets.insert(role, socket);
            }
        }
        caller
    }

    /// A socket signed in as `role`; for the suspended role, a new admin's, suspended once it is open.
    async fn open(&self, role: Role) -> Ws {
        let w = &self.world;
        if role == Suspended {
            let account = support::account(&w.app, "ADMIN", None).await;
            let socket = Ws::connect(&w.app.url, Some(&account.token)).await;
            suspend(&w.app, &w.admin.token, &account.id).await;
            return socket;
        }
        Ws::connect(&w.app.url, w.token(role).as_deref()).await
    }

    async fn call(&mut self, role: Role, operation: &str, call: Call) -> Got {
        let w = self.world.clone();
        let actor = call.actor.filter(|_| role.signed_in());
        match self.transport {
            Transport::Http => {
                let token = actor.map(|a| a.token).or_else(|| w.token(role));
                Got::of_response(
                    &w.app
                        .gql(token.as_deref(), operation, call.variables)
                        .await
                        .0,
                )
            }
            Transport::Ws => {
                self.operations += 1;
                let id = format!("op-{}", self.operations);
                if let Some(actor) = actor {
                    let mut socket = Ws::connect(&w.app.url, Some(&actor.token)).await;
                    let answer = socket.run(&id, operation, call.variables).await;
                    socket.close().await;
                    return Got::of(answer);
                }
                let socket = self.sockets.get_mut(&role).expect("a socket per role");
                let answer = socket.run(&id, operation, call.variables).await;
                if matches!(answer, Answer::Closed(_)) {
                    // The rest of the matrix needs a socket for the role again.
                    let socket = self.open(role).await;
                    self.sockets.insert(role, socket);
                }
                Got::of(answer)
            }
        }
    }
}

/// The first field an operation selects: the mutation it calls.
fn first_field(operation: &str) -> &str {
    let body = &operation[operation.find('{').expect("a selection set") + 1..];
    body.trim_start()
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("")
}

/// Fails unless every mutation of the schema has at least one row, and every row calls the mutation
/// it names: a new mutation cannot be added without deciding who may call it.
async fn assert_every_mutation_has_a_row(app: &TestApp, rows: &[Row]) {
    let data = app
        .ok(
            None,
            "{ __type(name: \"Mutation\") { fields { name } } }",
            json!({}),
        )
        .await;
    let mutations: Vec<String> = data["__type"]["fields"]
        .as_array()
        .expect("Mutation fields")
        .iter()
        .map(|f| f["name"].as_str().expect("a name").to_owned())
        .collect();
    let missing: Vec<&String> = mutations
        .iter()
        .filter(|m| !rows.iter().any(|r| r.mutation == m.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "mutations without a row in the roles matrix: {missing:?}"
    );
    for row in rows {
        assert!(
            mutations.iter().any(|m| m == row.mutation),
            "the row {} names no mutation of the schema",
            row.label()
        );
        assert_eq!(
            first_field(&row.operation),
            row.mutation,
            "the row {} sends another mutation",
            row.label()
        );
    }
}

async fn every_mutation_answers_each_role_as_the_roles_table_says(transport: Transport) {
    let started = std::time::Instant::now();
    let world = Arc::new(World::new().await);
    let rows = rows();
    assert_every_mutation_has_a_row(&world.app, &rows).await;
    let mut caller = Caller::new(world.clone(), transport).await;
    let mut failures = Vec::new();
    let mut cases = 0;
    for row in &rows {
        for (role, expect) in ROLES.into_iter().zip(row.expect) {
            // Over WebSocket the suspended account's socket was signed in before the suspension.
            let expect = if transport == Transport::Ws && role == Suspended {
                Expect::Ended
            } else {
                expect
            };
            let call = (row.fixture)(world.clone(), role).await;
            let got = caller.call(role, &row.operation, call).await;
            cases += 1;
            if !expect.accepts(&got) {
                failures.push(format!(
                    "{} · {} · {}: got {}, expected {}",
                    row.label(),
                    role.name(),
                    transport.name(),
                    got.describe(),
                    expect.describe()
                ));
            }
        }
    }
    eprintln!(
        "roles matrix over {}: {} rows, {} cases, {:.1} s",
        transport.name(),
        rows.len(),
        cases,
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} cases answer otherwise than the roles table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn every_mutation_answers_each_role_as_the_roles_table_says_over_http() {
    every_mutation_answers_each_role_as_the_roles_table_says(Transport::Http).await;
}

#[tokio::test]
async fn every_mutation_answers_each_role_as_the_roles_table_says_over_websocket() {
    every_mutation_answers_each_role_as_the_roles_table_says(Transport::Ws).await;
}

/// The server's count of live subscriptions.
async fn live_subscriptions(app: &TestApp) -> usize {
    let text = app
        .http
        .get(format!("{}/metrics", app.url))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|l| l.strip_prefix("gongkai_subscriptions_active "))
        .and_then(|n| n.trim().parse().ok())
        .expect("the gongkai_subscriptions_active gauge")
}

/// Subscribes as operation `id` and says what came of it: an error or the socket's end, or — when
/// nothing is answered and the server's live subscriptions grow by one — a live feed (`Got::Data`).
async fn follow(
    app: &TestApp,
    socket: &mut Ws,
    live: &mut usize,
    id: &str,
    query: &str,
    variables: Value,
) -> Got {
    if let Err(closed) = socket.start(id, query, variables).await {
        return Got::of(closed);
    }
    for _ in 0..40 {
        if let Some(answer) = socket.answer(id, Duration::from_millis(50)).await {
            return Got::of(answer);
        }
        if live_subscriptions(app).await > *live {
            *live += 1;
            return Got::Data(Value::Null);
        }
    }
    panic!("subscription {id} neither answered nor became live");
}

#[tokio::test]
async fn each_role_may_follow_only_the_feeds_the_roles_table_gives_it() {
    let w = World::new().await;
    // Columns: commentAdded on an open consultation, commentAdded on a DRAFT (seen only by the lead
    // department's staff and admins), replyPosted (any signed-in account's own replies),
    // notificationAdded (any signed-in account's own notifications).
    let table: [(Role, [Expect; 4]); 9] = [
        (Anonymous, [U, U, U, U]),
        (Citizen, [F, N, A, A]),
        (Supervisor, [F, N, A, A]),
        (OtherStaff, [F, N, A, A]),
        (LeadStaff, [A, A, A, A]),
        (CoopStaff, [A, N, A, A]),
        (Admin, [A, A, A, A]),
        (Evaluator, [F, N, A, A]),
        (Suspended, [Expect::Ended, Expect::Ended, Expect::Ended, Expect::Ended]),
    ];
    let notifications = op("notifications", "NotificationAdded");
    let feeds = [
        ("open", COMMENT_ADDED, json!({ "consultationId": w.open })),
        ("draft", COMMENT_ADDED, json!({ "consultationId": w.draft })),
        ("replies", MY_REPLIES, json!({})),
        ("notifications", notifications.as_str(), json!({})),
    ];
    let mut live = live_subscriptions(&w.app).await;
    let mut failures = Vec::new();
    let mut following_open = Vec::new();
    for (role, expects) in table {
        let mut socket = if role == Suspended {
            let account = support::account(&w.app, "ADMIN", None).await;
            let socket = Ws::connect(&w.app.url, Some(&account.token)).await;
            suspend(&w.app, &w.admin.token, &account.id).await;
            socket
        } else {
            Ws::connect(&w.app.url, w.token(role).as_deref()).await
        };
        for ((id, query, variables), expect) in feeds.iter().zip(expects) {
            let got = follow(&w.app, &mut socket, &mut live, id, query, variables.clone()).await;
            if !expect.accepts(&got) {
                failures.push(format!(
                    "{id} feed · {}: got {}, expected {}",
                    role.name(),
                    got.describe(),
                    expect.describe()
                ));
            }
            if matches!(got, Got::Closed(_)) {
                break;
            }
        }
        following_open.push((role, socket));
    }
    // A live feed of an allowed viewer carries the comment submitted next; it is the others' feeds
    // that must not exist.
    let comment = w.comment(&w.citizen.token, &w.open).await;
    for (role, socket) in &mut following_open {
        if matches!(role, LeadStaff | CoopStaff | Admin) {
            match socket.answer("open", crate::ws::WAIT).await {
                Some(Answer::Response(r))
                    if r["data"]["commentAdded"]["id"] == comment.as_str() => {}
                other => failures.push(format!(
                    "open feed · {}: the new comment did not arrive ({other:?})",
                    role.name()
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} feeds answer otherwise than the roles table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What a read of private data must show a role.
#[derive(Clone, Copy, Debug, PartialEq)]
enum See {
    /// The private values are there.
    Shown,
    /// The object is readable, the private values null.
    Hidden,
    /// The read is denied with this code.
    Denied(&'static str),
}

const SHOWN: See = See::Shown;
const HIDDEN: See = See::Hidden;
const DU: See = See::Denied("UNAUTHENTICATED");
const DF: See = See::Denied("FORBIDDEN");
const DN: See = See::Denied("NOT_FOUND");

/// One private read: the query, its variables, whether its data shows the private values (None: it
/// shows some and hides others), and what each role must see.
struct Probe {
    what: &'static str,
    query: &'static str,
    variables: fn(&World, &str) -> Value,
    shows: fn(&Value, &str) -> Option<bool>,
    expect: [See; 9],
}

const AUTHOR_EMAIL_STATE: &str = "query($id: ID!) { consultation(id: $id) { comments(first: 100) { edges { node { id author { id emailVerified } } } } } }";
const AUTHOR_SETTINGS: &str = "query($id: ID!) { consultation(id: $id) { comments(first: 100) { edges { node { id author { id notificationSettings { kind email } } } } } } }";
const AUTHOR_CONTACT: &str = "query($id: ID!) { consultation(id: $id) { comments(first: 100) { edges { node { id author { id email phone } } } } } }";
const AUDIT_LOG: &str = "{ auditLog(first: 5) { totalCount edges { node { id action } } } }";
const OBSERVATION: &str = "query($id: ID!) { observation(id: $id) { id title body } }";
const WEBHOOKS: &str = "{ webhooks { id url deliveries(first: 5) { totalCount } } }";
const CALENDAR: &str = "{ holidayCalendar { missingYears years { year source } } }";
const ACCOUNTS: &str = "{ accounts(first: 5) { totalCount edges { node { id email lastSignInAt } } } }";
const SIMILAR_GROUPS: &str = "query($id: ID!) { consultation(id: $id) { similarGroups(first: 5) { totalCount edges { node { id size sample { id body } } } } } }";
const BULK_REPLY: &str = "query($id: ID!) { bulkReply(id: $id) { id total done } }";
const DISCLOSURE: &str = "query($id: ID!) { disclosureRequest(id: $id) { id applicantName phone idDocumentNumber } }";
const SEARCH_PENDING: &str = "query($id: ID!) { consultation(id: $id) { comments(first: 20, search: \"公开范围\") { edges { node { id status } } } } }";
const INBOX: &str = "{ me { unreadNotificationCount notifications(first: 50) { edges { node { id title subject { ... on Comment { id } } } } } } }";

fn probes() -> Vec<Probe> {
    vec![
        //                                                                  anon    cit     sup     oth     lead    coop    adm     eval    susp
        Probe {
            what: "the email and phone of a comment's author (the citizen)",
            query: AUTHOR_CONTACT,
            variables: |w, _| json!({ "id": w.open }),
            shows: |data, comment| {
                let edges = data["consultation"]["comments"]["edges"].as_array()?;
                let author = &edges.iter().find(|e| e["node"]["id"] == comment)?["node"]["author"];
                match (author["email"].is_string(), author["phone"].is_string()) {
                    (true, true) => Some(true),
                    (false, false) => Some(false),
                    _ => None,
                }
            },
            expect: [
                HIDDEN, SHOWN, HIDDEN, HIDDEN, SHOWN, SHOWN, SHOWN, HIDDEN, HIDDEN,
            ],
        },
        Probe {
            what: "whether the comment's author verified their email",
            query: AUTHOR_EMAIL_STATE,
            variables: |w, _| json!({ "id": w.open }),
            shows: |data, comment| {
                let edges = data["consultation"]["comments"]["edges"].as_array()?;
                Some(edges.iter().find(|e| e["node"]["id"] == comment)?["node"]["author"]["emailVerified"].is_boolean())
            },
            // Like the address itself: the account, admins and the consultation's moderators.
            expect: [
                HIDDEN, SHOWN, HIDDEN, HIDDEN, SHOWN, SHOWN, SHOWN, HIDDEN, HIDDEN,
            ],
        },
        Probe {
            what: "the email settings of the comment's author",
            query: AUTHOR_SETTINGS,
            variables: |w, _| json!({ "id": w.open }),
            shows: |data, comment| {
                let edges = data["consultation"]["comments"]["edges"].as_array()?;
                Some(edges.iter().find(|e| e["node"]["id"] == comment)?["node"]["author"]["notificationSettings"].is_array())
            },
            // The account's own only (through `me`): the list holds other authors' comments too, so the
            // citizen is refused here as well.
            expect: [DF, DF, DF, DF, DF, DF, DF, DF, DF],
        },
        Probe {
            what: "the audit log",
            query: AUDIT_LOG,
            variables: |_, _| json!({}),
            shows: |data, _| {
                Some(
                    data["auditLog"]["totalCount"]
                        .as_i64()
                        .is_some_and(|n| n > 0),
                )
            },
            expect: [DU, DF, DF, DF, DF, DF, SHOWN, SHOWN, DU],
        },
        Probe {
            what: "the list of accounts",
            query: ACCOUNTS,
            variables: |_, _| json!({}),
            shows: |data, _| Some(data["accounts"]["edges"].as_array().is_some_and(|e| !e.is_empty() && e[0]["node"]["email"].is_string())),
            expect: [DU, DF, DF, DF, DF, DF, SHOWN, DF, DU],
        },
        Probe {
            what: "the holiday calendar",
            query: CALENDAR,
            variables: |_, _| json!({}),
            shows: |data, _| Some(data["holidayCalendar"]["years"].as_array().is_some_and(|years| !years.is_empty())),
            // Staff count deadlines on it, evaluators check them; citizens (and supervisors) do not.
            expect: [DU, DF, DF, SHOWN, SHOWN, SHOWN, SHOWN, SHOWN, DU],
        },
        Probe {
            what: "the webhooks and their delivery logs",
            query: WEBHOOKS,
            variables: |_, _| json!({}),
            shows: |data, _| Some(data["webhooks"].as_array().is_some_and(|list| !list.is_empty())),
            expect: [DU, DF, DF, DF, DF, DF, SHOWN, DF, DU],
        },
        Probe {
            what: "an observation filed on the lead department",
            query: OBSERVATION,
            variables: |w, _| json!({ "id": w.observation }),
            shows: |data, _| Some(data["observation"]["body"].is_string()),
            // `observation(id)` answers NOT_FOUND to everyone it is hidden from, signed in or not (its
            // schema description): an observation's existence is not public.
            expect: [DN, DN, SHOWN, DN, SHOWN, DN, SHOWN, SHOWN, DN],
        },
        Probe {
            what: "the similar groups of a consultation (texts of every status)",
            query: SIMILAR_GROUPS,
            variables: |w, _| json!({ "id": w.campaign }),
            shows: |data, _| Some(data["consultation"]["similarGroups"]["edges"].as_array().is_some_and(|e| !e.is_empty())),
            // As duplicateGroups: the consultation's staff and admins.
            expect: [DU, DF, DF, DF, SHOWN, SHOWN, SHOWN, DF, DU],
        },
        Probe {
            what: "a bulk reply job",
            query: BULK_REPLY,
            variables: |w, _| json!({ "id": w.bulk_job }),
            shows: |data, _| Some(data["bulkReply"]["total"].as_i64().is_some_and(|n| n > 0)),
            // For anyone but the consultation's staff and admins it does not exist.
            expect: [DN, DN, DN, DN, SHOWN, SHOWN, SHOWN, DN, DN],
        },
        Probe {
            what: "the applicant's name and phone on a disclosure request",
            query: DISCLOSURE,
            variables: |w, _| json!({ "id": w.disclosure }),
            shows: |data, _| {
                let r = &data["disclosureRequest"];
                match (r["applicantName"].is_string(), r["phone"].is_string()) {
                    (true, true) => Some(true),
                    (false, false) => Some(false),
                    _ => None,
                }
            },
            // The applicant, the addressed department's staff and admins; evaluators see the request
            // without them; for anyone else it does not exist.
            expect: [DN, SHOWN, DN, DN, SHOWN, DN, SHOWN, HIDDEN, DN],
        },
        Probe {
            what: "the applicant's identity document number in full",
            query: DISCLOSURE,
            variables: |w, _| json!({ "id": w.disclosure }),
            shows: |data, _| Some(data["disclosureRequest"]["idDocumentNumber"] == crate::disclosure::ID_NUMBER),
            // Masked for the applicant and admins, absent for evaluators.
            expect: [DN, HIDDEN, DN, DN, SHOWN, DN, HIDDEN, HIDDEN, DN],
        },
        Probe {
            what: "a comment waiting for review, found by searching its words",
            query: SEARCH_PENDING,
            variables: |w, _| json!({ "id": w.pre }),
            shows: |data, _| Some(!data["consultation"]["comments"]["edges"].as_array()?.is_empty()),
            // Search keeps the list's visibility: the consultation's moderators and admins only.
            expect: [
                HIDDEN, HIDDEN, HIDDEN, HIDDEN, SHOWN, SHOWN, SHOWN, HIDDEN, HIDDEN,
            ],
        },
        Probe {
            what: "the notification of a reply to the citizen's comment",
            query: INBOX,
            variables: |_, _| json!({}),
            shows: |data, comment| {
                if data["me"].is_null() {
                    return Some(false);
                }
                let edges = data["me"]["notifications"]["edges"].as_array()?;
                Some(edges.iter().any(|e| e["node"]["subject"]["id"] == comment))
            },
            expect: [HIDDEN, SHOWN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN],
        },
    ]
}

impl See {
    fn accepts(self, got: &Got, shows: Option<Option<bool>>, ended: bool) -> bool {
        // A socket whose session ended may also refuse or be closed; it may never show.
        if ended && (got.code() == Some("UNAUTHENTICATED") || got.closed_for_ended_session()) {
            return self != See::Shown;
        }
        match self {
            See::Shown => shows == Some(Some(true)),
            See::Hidden => shows == Some(Some(false)),
            See::Denied(code) => got.code() == Some(code),
        }
    }
}

fn describe_read(got: &Got, shows: Option<Option<bool>>) -> String {
    match shows {
        Some(Some(true)) => "shown".to_owned(),
        Some(Some(false)) => "hidden".to_owned(),
        Some(None) => "partly shown".to_owned(),
        None => got.describe(),
    }
}

#[tokio::test]
async fn private_fields_the_audit_log_and_observations_are_read_only_by_whom_the_design_names() {
    let world = Arc::new(World::new().await);
    let comment = world.comment(&world.citizen.token, &world.open).await;
    // A comment of the bystander's waits for review on the pre-moderated consultation.
    world.pending().await;
    // The citizen's inbox now holds a notification about it.
    support::reply(&world.app, &world.lead_staff.token, &comment, "EXPLAINED").await.data();
    // And a webhook is registered, so that its list is not empty for whoever may read it.
    world.new_webhook().await;
    let mut failures = Vec::new();
    for transport in [Transport::Http, Transport::Ws] {
        let mut caller = Caller::new(world.clone(), transport).await;
        for probe in probes() {
            for (role, expect) in ROLES.into_iter().zip(probe.expect) {
                let variables = (probe.variables)(&world, &comment);
                let got = caller.call(role, probe.query, Call::new(variables)).await;
                let shows = match &got {
                    Got::Data(data) => Some((probe.shows)(data, &comment)),
                    _ => None,
                };
                let ended = transport == Transport::Ws && role == Suspended;
                if !expect.accepts(&got, shows, ended) {
                    failures.push(format!(
                        "{} · {} · {}: got {}, expected {:?}",
                        probe.what,
                        role.name(),
                        transport.name(),
                        describe_read(&got, shows),
                        expect
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} reads answer otherwise than the roles table says:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
