//! The outbox: email leaves through here, never from the request that caused it.
//!
//! Two steps, each run by a worker on every instance:
//! - `dispatch` turns notifications not yet dispatched into the deliveries they call for: an email
//!   when the recipient has a verified address and has not turned the kind off, and one webhook
//!   delivery per active webhook of the kind (`services/webhooks.rs`). A notification is its own
//!   outbox entry, so an action that writes 100,000 notifications writes nothing more for them.
//! - `send_due` claims deliveries that are due and sends them.
//!
//! Each claim is one `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING` on PostgreSQL,
//! so two instances never take the same row; SQLite has one writer at a time and needs no lock clause.
//! A claimed delivery is leased for `OUTBOX_LEASE_SECONDS` under the claim's token: if the instance
//! dies mid-send (`kill -9`), the lease runs out and another instance sends it again, with the same
//! id, which is the email's `Message-ID`. So delivery is at least once, and a receiver can drop a
//! repeat. Just before each send the claimer renews the lease, on condition that its token still
//! holds; a delivery whose lease ran out while it waited its turn in a slow batch, and which another
//! instance has claimed since, is left to that instance: a live instance never sends what another
//! sends.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use serde_json::{json, Value as Json};
use uuid::Uuid;

use crate::clock::Clock;
use crate::domain::{DeliveryChannel, DeliveryStatus, NotificationKind};
use crate::error::AppResult;
use crate::i18n::Locale;
use crate::services::mail;
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::t;

/// Notifications one dispatch step takes, and deliveries one send step takes.
const BATCH: usize = 200;
/// Attempts before a delivery is FAILED.
pub const MAX_ATTEMPTS: i32 = 8;

/// The template of a delivery that is not a notification (an account's code or link).
pub const TEMPLATE_NOTIFICATION: &str = "NOTIFICATION";
pub const TEMPLATE_VERIFY_EMAIL: &str = "VERIFY_EMAIL";
pub const TEMPLATE_RESET_PASSWORD: &str = "RESET_PASSWORD";

/// The wait before attempt `attempts + 1`: 30 s, doubling, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exponent = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    chrono::Duration::seconds((30_i64 << exponent).min(3600))
}

/// `FOR UPDATE SKIP LOCKED` where the database has it.
fn skip_locked(db: &impl ConnectionTrait) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Postgres => " FOR UPDATE SKIP LOCKED",
        _ => "",
    }
}

/// An email to an address that is not a notification's (a verification code, a reset link), queued
/// in the caller's transaction.
pub async fn enqueue_email(db: &impl ConnectionTrait, clock: &Clock, to: &str, locale: Locale, template: &str, payload: Json) -> AppResult<Uuid> {
    let (id, now) = clock.new_id_and_time();
    insert_delivery(db, id, now, None, to, locale, template, &payload.to_string()).await?;
    Ok(id)
}

#[allow(clippy::too_many_arguments)]
async fn insert_delivery(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
    notification: Option<Uuid>,
    to: &str,
    locale: Locale,
    template: &str,
    payload: &str,
) -> AppResult<()> {
    sql::execute(
        db,
        "INSERT INTO deliveries (id, channel, notification_id, recipient, template, locale, payload, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)",
        vec![
            id.into(),
            DeliveryChannel::Email.as_str().into(),
            notification.into(),
            to.into(),
            template.into(),
            locale.as_str().into(),
            payload.into(),
            DeliveryStatus::Pending.as_str().into(),
            now.into(),
        ],
    )
    .await?;
    Ok(())
}

#[derive(Debug, FromQueryResult)]
struct Recipient {
    id: Uuid,
    email: String,
    locale: Option<String>,
}

/// Turns up to `BATCH` undispatched notifications into their email and webhook deliveries, in one
/// transaction; returns how many notifications it took. Without SMTP there is no email.
pub async fn dispatch(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let claim = format!(
        "UPDATE notifications SET dispatched_at = $1 WHERE id IN (
             SELECT id FROM notifications WHERE dispatched_at IS NULL ORDER BY id LIMIT {BATCH}{}
         ) RETURNING id",
        skip_locked(&*txn)
    );
    let claimed: Vec<Uuid> = sql::rows(&*txn, &claim, vec![now.into()])
        .await?
        .iter()
        .filter_map(|row| row.try_get::<Uuid>("", "id").ok())
        .collect();
    if claimed.is_empty() {
        txn.commit().await?;
        return Ok(0);
    }
    if state.mailer.is_some() {
        let mut params = Params::new();
        let ids = params.bind_all(claimed.iter().copied());
        // Those to mail: verified, not suspended, and not turned off for this kind.
        let statement = format!(
            "SELECT n.id, u.email, u.locale FROM notifications n
             JOIN users u ON u.id = n.recipient_id
             LEFT JOIN notification_settings s ON s.user_id = n.recipient_id AND s.kind = n.kind
             WHERE n.id IN ({ids}) AND u.email_verified_at IS NOT NULL AND u.suspended = {} AND (s.email IS NULL OR s.email = {})
             ORDER BY n.id",
            params.bind(false),
            params.bind(true),
        );
        let recipients: Vec<Recipient> = sql::all(&*txn, &statement, params.into_values()).await?;
        for r in recipients {
            let locale = r.locale.as_deref().and_then(Locale::parse).unwrap_or(state.config.default_locale);
            let (id, at) = state.clock.new_id_and_time();
            insert_delivery(&*txn, id, at, Some(r.id), &r.email, locale, TEMPLATE_NOTIFICATION, "{}").await?;
        }
    }
    crate::services::webhooks::enqueue(state, &*txn, &claimed).await?;
    txn.commit().await?;
    Ok(claimed.len())
}

/// A delivery as the sender needs it.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Delivery {
    pub id: Uuid,
    pub channel: String,
    pub notification_id: Option<Uuid>,
    pub webhook_id: Option<Uuid>,
    pub kind: Option<String>,
    pub recipient: String,
    pub template: String,
    pub locale: String,
    pub payload: String,
    pub attempts: i32,
}

fn lease_end(state: &AppState) -> DateTime<Utc> {
    state.clock.now() + chrono::Duration::from_std(state.config.outbox_lease).unwrap_or(chrono::Duration::minutes(2))
}

/// Claims up to `BATCH` deliveries that are due (PENDING, their time come, no live lease) on the
/// channels this instance can send, under a new token, and counts the attempt; the claim commits
/// before anything is sent.
async fn claim_due(state: &AppState, token: Uuid) -> AppResult<Vec<Delivery>> {
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let mut params = Params::new();
    let lease = params.bind(lease_end(state));
    let token = params.bind(token);
    let at = params.bind(now);
    let pending = params.bind(DeliveryStatus::Pending);
    let channels = match state.mailer {
        Some(_) => params.bind_all([DeliveryChannel::Email.as_str(), DeliveryChannel::Webhook.as_str()]),
        None => params.bind_all([DeliveryChannel::Webhook.as_str()]),
    };
    let statement = format!(
        "UPDATE deliveries SET locked_until = {lease}, lease_token = {token}, attempts = attempts + 1, last_attempt_at = {at} WHERE id IN (
             SELECT id FROM deliveries WHERE status = {pending} AND next_attempt_at <= {at} AND (locked_until IS NULL OR locked_until <= {at})
             AND channel IN ({channels})
             ORDER BY next_attempt_at LIMIT {BATCH}{}
         ) RETURNING id, channel, notification_id, webhook_id, kind, recipient, template, locale, payload, attempts",
        skip_locked(&*txn)
    );
    let claimed: Vec<Delivery> = sql::all(&*txn, &statement, params.into_values()).await?;
    txn.commit().await?;
    Ok(claimed)
}

/// What became of one send step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub delivered: usize,
    pub retrying: usize,
    pub failed: usize,
}

/// Sends the deliveries that are due; each outcome is written as soon as it is known.
pub async fn send_due(state: &AppState) -> AppResult<Sent> {
    use futures_util::stream::{self, StreamExt};
    let mut sent = Sent::default();
    let token = Uuid::now_v7();
    let claimed = claim_due(state, token).await?;
    let mut outcomes = stream::iter(claimed).map(|delivery| send_one(state, token, delivery)).buffer_unordered(SENDING_AT_ONCE);
    while let Some(outcome) = outcomes.next().await {
        match outcome? {
            Some(Outcome::Delivered) => sent.delivered += 1,
            Some(Outcome::Retrying) => sent.retrying += 1,
            Some(Outcome::Failed) => sent.failed += 1,
            None => {}
        }
    }
    Ok(sent)
}

/// Messages one instance has on the wire at once (each on a pooled SMTP or HTTP connection).
const SENDING_AT_ONCE: usize = 8;

enum Outcome {
    Delivered,
    Retrying,
    Failed,
}

/// Sends one claimed delivery and writes what became of it; None when its lease ran out while it
/// waited and another instance has it now.
async fn send_one(state: &AppState, token: Uuid, delivery: Delivery) -> AppResult<Option<Outcome>> {
    let renewed = write(
        state,
        "UPDATE deliveries SET locked_until = $1 WHERE id = $2 AND lease_token = $3 AND status = $4",
        vec![lease_end(state).into(), delivery.id.into(), token.into(), DeliveryStatus::Pending.as_str().into()],
    )
    .await?;
    if renewed != 1 {
        return Ok(None);
    }
    let webhook = delivery.channel == DeliveryChannel::Webhook.as_str();
    let (outcome, response_status) = if webhook {
        let attempt = crate::services::webhooks::send(state, delivery.webhook_id, &delivery).await?;
        (attempt.error.map_or(Ok(()), Err), attempt.status.map(i32::from))
    } else {
        let outcome = match (state.mailer.as_ref(), mail::compose(state, &delivery).await) {
            (Some(mailer), Ok(Some(message))) => mailer.send(message).await,
            // Its notification is gone: nothing to say any more.
            (_, Ok(None)) => Ok(()),
            (None, Ok(Some(_))) => Err("email is not set up on this instance".to_owned()),
            (_, Err(error)) => Err(format!("{error:?}")),
        };
        (outcome, None)
    };
    let what = if webhook { "webhook delivery" } else { "email" };
    let count = |result: &str| crate::metrics::METRICS.deliveries.with_label_values(&[if webhook { "WEBHOOK" } else { "EMAIL" }, result]).inc();
    let now = state.clock.now();
    Ok(Some(match outcome {
        Ok(()) => {
            // A code or a link is not kept once it has gone out; a webhook's body is, for redelivery.
            let payload = if webhook { delivery.payload.clone() } else { "{}".to_owned() };
            write(
                state,
                "UPDATE deliveries SET status = $1, locked_until = NULL, lease_token = NULL, payload = $2, last_error = NULL, response_status = $3 WHERE id = $4",
                vec![DeliveryStatus::Delivered.as_str().into(), payload.into(), response_status.into(), delivery.id.into()],
            )
            .await?;
            count("delivered");
            Outcome::Delivered
        }
        Err(error) if delivery.attempts < MAX_ATTEMPTS => {
            tracing::warn!(delivery = %delivery.id, attempt = delivery.attempts, error = %error, "{what} not sent; will try again");
            write(
                state,
                "UPDATE deliveries SET locked_until = NULL, lease_token = NULL, next_attempt_at = $1, last_error = $2, response_status = $3 WHERE id = $4",
                vec![(now + backoff(delivery.attempts)).into(), error.into(), response_status.into(), delivery.id.into()],
            )
            .await?;
            count("retrying");
            Outcome::Retrying
        }
        Err(error) => {
            tracing::warn!(delivery = %delivery.id, error = %error, "{what} not sent after the last attempt");
            write(
                state,
                "UPDATE deliveries SET status = $1, locked_until = NULL, lease_token = NULL, last_error = $2, response_status = $3 WHERE id = $4",
                vec![DeliveryStatus::Failed.as_str().into(), error.into(), response_status.into(), delivery.id.into()],
            )
            .await?;
            count("failed");
            Outcome::Failed
        }
    }))
}

/// One statement in a transaction of its own, behind the database's write gate: on SQLite an
/// ungated write between another writer's read and its write would fail that writer's transaction
/// (SQLITE_BUSY_SNAPSHOT) instead of making it wait.
async fn write(state: &AppState, statement: &str, values: Vec<sea_orm::Value>) -> AppResult<u64> {
    let txn = state.db.begin().await?;
    let changed = sql::execute(&*txn, statement, values).await?;
    txn.commit_private().await?;
    Ok(changed)
}

/// One round of both steps until neither finds work; returns the deliveries delivered.
pub async fn drain(state: &AppState) -> AppResult<usize> {
    let mut delivered = 0;
    loop {
        let dispatched = dispatch(state).await?;
        let sent = send_due(state).await?;
        delivered += sent.delivered;
        if dispatched == 0 && sent.delivered + sent.retrying + sent.failed == 0 {
            return Ok(delivered);
        }
    }
}

/// Runs the worker until the process ends: both steps whenever a notification or an email is
/// written on this instance, and every `OUTBOX_POLL_MS` for work written elsewhere and for retries.
pub fn start(state: AppState) {
    tokio::spawn(async move {
        loop {
            if let Err(error) = drain(&state).await {
                tracing::warn!(error = ?error, "the outbox worker failed; trying again shortly");
            }
            let poll = state.config.outbox_poll;
            tokio::select! {
                () = state.outbox_wake.notified() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    });
}

/// The kinds an account may mail or not, each with its choice.
pub async fn email_settings(db: &impl ConnectionTrait, user: Uuid) -> AppResult<Vec<(NotificationKind, bool)>> {
    #[derive(FromQueryResult)]
    struct Row {
        kind: String,
        email: bool,
    }
    let rows: Vec<Row> = sql::all(db, "SELECT kind, email FROM notification_settings WHERE user_id = $1", vec![user.into()]).await?;
    Ok(NotificationKind::ALL
        .iter()
        .map(|kind| (*kind, rows.iter().find(|r| r.kind == kind.as_str()).is_none_or(|r| r.email)))
        .collect())
}

/// Sets the email choice of each given kind.
pub async fn set_email_settings(db: &impl ConnectionTrait, user: Uuid, changes: &[(NotificationKind, bool)]) -> AppResult<()> {
    for (kind, email) in changes {
        sql::execute(
            db,
            "INSERT INTO notification_settings (user_id, kind, email) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email",
            vec![user.into(), kind.as_str().into(), (*email).into()],
        )
        .await?;
    }
    Ok(())
}

/// The signed-in account changes its email choices; returns every kind's setting after the change.
pub async fn update_settings(state: &AppState, viewer: &crate::services::authz::Viewer, changes: &[(NotificationKind, bool)]) -> AppResult<Vec<(NotificationKind, bool)>> {
    let user = viewer.user()?.id;
    if changes.len() > NotificationKind::ALL.len() {
        return Err(crate::error::AppError::bad_input("input", t!("field-kind-repeated")));
    }
    let txn = state.db.begin().await?;
    set_email_settings(&*txn, user, changes).await?;
    let detail: serde_json::Map<String, Json> = changes.iter().map(|(k, e)| (k.as_str().to_owned(), Json::Bool(*e))).collect();
    crate::services::audit::record(&*txn, &state.clock, Some(user), "notification_settings.update", "User", Some(user), Json::Object(detail)).await?;
    let settings = email_settings(&*txn, user).await?;
    txn.commit_private().await?;
    Ok(settings)
}

/// The payload of a code email.
pub fn code_payload(code: &str) -> Json {
    json!({ "code": code })
}

/// The payload of a link email.
pub fn link_payload(link: &str) -> Json {
    json!({ "link": link })
}
