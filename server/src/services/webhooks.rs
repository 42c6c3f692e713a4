//! Webhooks: endpoints an admin registers for some notification kinds (an SMS gateway is one). Each
//! notification of such a kind becomes one delivery per active webhook, written by the outbox's
//! dispatch step and sent by its worker like email: claimed by one instance, retried with backoff,
//! at least once, always under the same delivery id.
//!
//! A delivery is a POST of JSON with the headers `X-Gongkai-Delivery` (its id, the same on every
//! attempt), `X-Gongkai-Timestamp` (Unix seconds of this attempt) and `X-Gongkai-Signature`
//! (`sha256=` and the hex HMAC-SHA256 of `"<timestamp>.<body>"` under the webhook's secret). A 2xx
//! answer within `WEBHOOK_TIMEOUT_SECONDS` delivers it; anything else is a failed attempt. Redirects
//! are not followed: an endpoint that moved is changed by an admin, not by the endpoint.
//!
//! The body snapshots the notification for its recipient (title and body in the recipient's
//! language, and the recipient's contact details, which an SMS gateway needs), so a webhook carries
//! personal data: only admins register one, and an `https` endpoint is the one to register.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use entities::{notification, user};

use crate::config::Config;
use crate::domain::{DeliveryChannel, DeliveryStatus, NotificationKind};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Locale;
use crate::services::authz::{self, Viewer};
use crate::services::notifications::{self, Part};
use crate::services::{audit, outbox, pagination};
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::t;
use crate::util;

/// The longest endpoint address and description accepted.
const MAX_URL: usize = 2000;
const MAX_DESCRIPTION: usize = 500;
/// Webhooks one deployment may register: each notification is copied to every one of its kinds.
const MAX_WEBHOOKS: i64 = 50;

/// The HTTP client deliveries go out on: no redirects, the configured timeout, its own user agent.
pub fn client(config: &Config) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(config.webhook_timeout)
        .connect_timeout(config.webhook_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Gongkai-Webhook/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| anyhow::anyhow!("the webhook HTTP client could not be built: {e}"))
}

/// A registered webhook as stored.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Webhook {
    pub id: Uuid,
    pub url: String,
    kinds: String,
    pub active: bool,
    pub description: Option<String>,
    secret_salt: String,
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    /// The kinds it receives, in the schema's order.
    pub fn kinds(&self) -> Vec<NotificationKind> {
        NotificationKind::ALL.iter().copied().filter(|k| self.kinds.contains(&format!(",{},", k.as_str()))).collect()
    }

    /// The secret deliveries are signed with: derived from the stored salt under `SECRET_KEY`, never
    /// stored itself.
    pub fn secret(&self, key: &[u8]) -> String {
        util::keyed_hash(key, format!("webhook-secret|{}|{}", self.id, self.secret_salt).as_bytes())
    }
}

const COLUMNS: &str = "id, url, kinds, active, description, secret_salt, created_at";

/// The stored form of a set of kinds: each name between commas, in the schema's order.
fn stored_kinds(kinds: &[NotificationKind]) -> String {
    let names: Vec<&str> = NotificationKind::ALL.iter().filter(|k| kinds.contains(k)).map(|k| k.as_str()).collect();
    format!(",{},", names.join(","))
}

/// `X-Gongkai-Signature` of a body sent at `timestamp` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    format!("sha256={}", util::keyed_hash(secret.as_bytes(), format!("{timestamp}.{body}").as_bytes()))
}

/// What an admin gives to register or change a webhook.
#[derive(Clone, Debug, Default)]
pub struct WebhookInput {
    pub url: Option<String>,
    pub kinds: Option<Vec<NotificationKind>>,
    pub active: Option<bool>,
    pub description: Option<String>,
}

/// Checks an endpoint address: absolute http(s) with a host, without credentials in it.
fn check_url(url: &str, fields: &mut Vec<FieldError>) -> Option<String> {
    let url = url.trim();
    if url.is_empty() || url.len() > MAX_URL {
        fields.push(FieldError::new("input.url", t!("field-webhook-url-length", max = MAX_URL)));
        return None;
    }
    match reqwest::Url::parse(url) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some_and(|h| !h.is_empty()) => {
            if !parsed.username().is_empty() || parsed.password().is_some() {
                fields.push(FieldError::new("input.url", t!("field-webhook-url-credentials")));
                return None;
            }
            Some(parsed.to_string())
        }
        _ => {
            fields.push(FieldError::new("input.url", t!("field-webhook-url")));
            None
        }
    }
}

fn check_description(description: Option<String>, fields: &mut Vec<FieldError>) -> Option<Option<String>> {
    let description = description?;
    let trimmed = description.trim();
    if trimmed.chars().count() > MAX_DESCRIPTION {
        fields.push(FieldError::new("input.description", t!("field-at-most-chars", max = MAX_DESCRIPTION)));
        return None;
    }
    Some((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

fn check_kinds(kinds: Option<Vec<NotificationKind>>, fields: &mut Vec<FieldError>) -> Option<String> {
    let kinds = kinds?;
    if kinds.is_empty() {
        fields.push(FieldError::new("input.kinds", t!("field-webhook-kinds")));
        return None;
    }
    Some(stored_kinds(&kinds))
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Webhook> {
    sql::all::<Webhook>(db, &format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1"), vec![id.into()])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound(t!("not-found-webhook")))
}

/// Every registered webhook, oldest first (admins only).
pub async fn list(state: &AppState, viewer: &Viewer) -> AppResult<Vec<Webhook>> {
    authz::require_admin(viewer, t!("action-see-webhooks"))?;
    sql::all(&state.db.conn, &format!("SELECT {COLUMNS} FROM webhooks ORDER BY created_at, id"), vec![]).await
}

/// Registers a webhook (admins only); returns it with its secret, which is shown this once.
pub async fn create(state: &AppState, viewer: &Viewer, input: WebhookInput) -> AppResult<(Webhook, String)> {
    let admin = authz::require_admin(viewer, t!("action-register-webhooks"))?.id;
    let mut fields = Vec::new();
    let url = match &input.url {
        Some(url) => check_url(url, &mut fields),
        None => None,
    };
    let kinds = check_kinds(Some(input.kinds.clone().unwrap_or_default()), &mut fields);
    let description = check_description(input.description.clone(), &mut fields).flatten();
    if !fields.is_empty() {
        return Err(AppError::BadInput(fields));
    }
    let (Some(url), Some(kinds)) = (url, kinds) else { return Err(AppError::bad_input("input.url", t!("field-required"))) };
    let salt = util::random_token(32).map_err(AppError::internal)?;
    let (id, now) = state.clock.new_id_and_time();
    let txn = state.db.begin().await?;
    let registered = sql::count(&*txn, "SELECT COUNT(*) FROM webhooks", vec![]).await?;
    if registered >= MAX_WEBHOOKS {
        return Err(AppError::conflict(t!("error-too-many-webhooks", max = MAX_WEBHOOKS)));
    }
    sql::execute(
        &*txn,
        "INSERT INTO webhooks (id, url, kinds, active, description, secret_salt, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        vec![id.into(), url.clone().into(), kinds.clone().into(), true.into(), description.clone().into(), salt.into(), admin.into(), now.into()],
    )
    .await?;
    let webhook = find(&*txn, id).await?;
    audit::record(&*txn, &state.clock, Some(admin), "webhook.create", "Webhook", Some(id), json!({ "url": url, "kinds": webhook.kinds().iter().map(|k| k.as_str()).collect::<Vec<_>>() })).await?;
    txn.commit_private().await?;
    let secret = webhook.secret(&state.config.secret_key);
    Ok((webhook, secret))
}

/// Changes a webhook's address, kinds, description or whether it is active (admins only). Deliveries
/// already written keep going to the webhook, at its address when they are sent.
pub async fn update(state: &AppState, viewer: &Viewer, id: Uuid, input: WebhookInput) -> AppResult<Webhook> {
    let admin = authz::require_admin(viewer, t!("action-change-webhooks"))?.id;
    let mut fields = Vec::new();
    let url = input.url.as_deref().and_then(|url| check_url(url, &mut fields));
    let kinds = check_kinds(input.kinds.clone(), &mut fields);
    let description = check_description(input.description.clone(), &mut fields);
    if !fields.is_empty() {
        return Err(AppError::BadInput(fields));
    }
    let txn = state.db.begin().await?;
    let current = find(&*txn, id).await?;
    let now = state.clock.now();
    sql::execute(
        &*txn,
        "UPDATE webhooks SET url = $1, kinds = $2, active = $3, description = $4, updated_at = $5 WHERE id = $6",
        vec![
            url.clone().unwrap_or(current.url.clone()).into(),
            kinds.clone().unwrap_or(current.kinds.clone()).into(),
            input.active.unwrap_or(current.active).into(),
            description.clone().unwrap_or(current.description.clone()).into(),
            now.into(),
            id.into(),
        ],
    )
    .await?;
    let changed = find(&*txn, id).await?;
    audit::record(
        &*txn,
        &state.clock,
        Some(admin),
        "webhook.update",
        "Webhook",
        Some(id),
        json!({ "url": url, "kinds": input.kinds.map(|k| k.iter().map(|k| k.as_str()).collect::<Vec<_>>()), "active": input.active }),
    )
    .await?;
    txn.commit_private().await?;
    Ok(changed)
}

/// Removes a webhook and its delivery log (admins only); deliveries not yet sent are not sent.
pub async fn delete(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<bool> {
    let admin = authz::require_admin(viewer, t!("action-delete-webhooks"))?.id;
    let txn = state.db.begin().await?;
    let webhook = find(&*txn, id).await?;
    sql::execute(&*txn, "DELETE FROM deliveries WHERE webhook_id = $1", vec![id.into()]).await?;
    sql::execute(&*txn, "DELETE FROM webhooks WHERE id = $1", vec![id.into()]).await?;
    audit::record(&*txn, &state.clock, Some(admin), "webhook.delete", "Webhook", Some(id), json!({ "url": webhook.url })).await?;
    txn.commit_private().await?;
    Ok(true)
}

/// One entry of a webhook's delivery log.
#[derive(Clone, Debug, FromQueryResult)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub kind: Option<String>,
    pub status: String,
    pub attempts: i32,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub response_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

const DELIVERY_COLUMNS: &str = "id, kind, status, attempts, last_attempt_at, next_attempt_at, response_status, last_error, created_at";

/// A page of a webhook's deliveries, newest first, and whether more follow. The caller has already
/// shown the viewer may see the webhook.
pub async fn deliveries(state: &AppState, webhook: Uuid, first: Option<i32>, after: Option<&str>) -> AppResult<(Vec<WebhookDelivery>, bool)> {
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut params = Params::new();
    let mut statement = format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE webhook_id = {}", params.bind(webhook));
    if let Some(after) = after {
        statement.push_str(&format!(" AND id < {}", params.bind(after)));
    }
    statement.push_str(&format!(" ORDER BY id DESC LIMIT {}", first + 1));
    let mut rows: Vec<WebhookDelivery> = sql::all(&state.db.conn, &statement, params.into_values()).await?;
    let more = rows.len() as u64 > first;
    rows.truncate(usize::try_from(first).unwrap_or(usize::MAX));
    Ok((rows, more))
}

/// Sends a delivery again (admins only): a FAILED one after the endpoint was fixed, or a DELIVERED
/// one the endpoint lost. It keeps its id, so the endpoint can tell it is the same; its attempts
/// start again. One still PENDING is retried by itself: CONFLICT.
pub async fn redeliver(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<WebhookDelivery> {
    let admin = authz::require_admin(viewer, t!("action-redeliver-webhook-deliveries"))?.id;
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let found: Option<WebhookDelivery> = sql::all(
        &*txn,
        &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1 AND channel = $2"),
        vec![id.into(), DeliveryChannel::Webhook.as_str().into()],
    )
    .await?
    .into_iter()
    .next();
    let Some(found) = found else { return Err(AppError::NotFound(t!("not-found-webhook-delivery"))) };
    if found.status == DeliveryStatus::Pending.as_str() {
        return Err(AppError::conflict(t!("error-delivery-still-pending")));
    }
    // Conditional on the status read above, so two admins redelivering at once send it once more, not twice.
    let changed = sql::execute(
        &*txn,
        "UPDATE deliveries SET status = $1, attempts = 0, next_attempt_at = $2, locked_until = NULL, lease_token = NULL WHERE id = $3 AND status = $4",
        vec![DeliveryStatus::Pending.as_str().into(), now.into(), id.into(), found.status.clone().into()],
    )
    .await?;
    if changed != 1 {
        return Err(AppError::conflict(t!("error-delivery-changed")));
    }
    audit::record(&*txn, &state.clock, Some(admin), "webhook.redeliver", "WebhookDelivery", Some(id), json!({ "was": found.status })).await?;
    let after: WebhookDelivery = sql::all(&*txn, &format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1"), vec![id.into()])
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound(t!("not-found-webhook-delivery")))?;
    txn.commit_private().await?;
    state.outbox_wake.notify_one();
    Ok(after)
}

/// Writes the webhook deliveries of the notifications the dispatch step claimed, in its
/// transaction: one per notification and active webhook of its kind. Returns how many.
pub async fn enqueue(state: &AppState, db: &impl ConnectionTrait, claimed: &[Uuid]) -> AppResult<usize> {
    let hooks: Vec<Webhook> = sql::all(db, &format!("SELECT {COLUMNS} FROM webhooks WHERE active = $1"), vec![true.into()]).await?;
    if hooks.is_empty() || claimed.is_empty() {
        return Ok(0);
    }
    use sea_orm::ColumnTrait;
    // Each webhook's kinds, worked out once for the batch.
    let hooks: Vec<(Vec<NotificationKind>, Webhook)> = hooks.into_iter().map(|h| (h.kinds(), h)).collect();
    let found = notification::Entity::find().filter(notification::Column::Id.is_in(claimed.iter().copied())).all(db).await?;
    let wanted: Vec<&notification::Model> = found.iter().filter(|n| hooks.iter().any(|(kinds, _)| kinds.contains(&n.kind))).collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let mut recipient_ids: Vec<Uuid> = wanted.iter().map(|n| n.recipient_id).collect();
    recipient_ids.sort_unstable();
    recipient_ids.dedup();
    let recipients = user::Entity::find().filter(user::Column::Id.is_in(recipient_ids)).all(db).await?;
    let mut written = 0;
    for n in wanted {
        let Some(recipient) = recipients.iter().find(|u| u.id == n.recipient_id) else { continue };
        let locale = recipient.locale.as_deref().and_then(Locale::parse).unwrap_or(state.config.default_locale);
        for (_, hook) in hooks.iter().filter(|(kinds, _)| kinds.contains(&n.kind)) {
            let (id, now) = state.clock.new_id_and_time();
            let body = json!({
                "id": id,
                "kind": n.kind.as_str(),
                "createdAt": n.created_at,
                "notification": {
                    "id": n.id,
                    "title": notifications::render(n, Part::Title, locale),
                    "body": notifications::render(n, Part::Body, locale),
                    "subjectType": n.subject_type.as_str(),
                    "subjectId": n.subject_id,
                },
                "recipient": {
                    "id": recipient.id,
                    "displayName": recipient.display_name,
                    "email": recipient.email,
                    "emailVerified": recipient.email_verified_at.is_some(),
                    "phone": recipient.phone,
                    "locale": locale.as_str(),
                },
            });
            sql::execute(
                db,
                "INSERT INTO deliveries (id, channel, notification_id, webhook_id, kind, recipient, template, locale, payload, status, attempts, next_attempt_at, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11)",
                vec![
                    id.into(),
                    DeliveryChannel::Webhook.as_str().into(),
                    n.id.into(),
                    hook.id.into(),
                    n.kind.as_str().into(),
                    recipient.id.to_string().into(),
                    outbox::TEMPLATE_NOTIFICATION.into(),
                    locale.as_str().into(),
                    body.to_string().into(),
                    DeliveryStatus::Pending.as_str().into(),
                    now.into(),
                ],
            )
            .await?;
            written += 1;
        }
    }
    Ok(written)
}

/// What one attempt came to: the endpoint's status (if it answered) and, when it failed, why.
pub struct Attempt {
    pub status: Option<u16>,
    pub error: Option<String>,
}

/// Sends one claimed webhook delivery, signed with this attempt's timestamp.
pub async fn send(state: &AppState, webhook: Option<Uuid>, delivery: &outbox::Delivery) -> AppResult<Attempt> {
    let Some(webhook) = webhook else {
        return Ok(Attempt { status: None, error: Some("the delivery names no webhook".to_owned()) });
    };
    let hook = match find(&state.db.conn, webhook).await {
        Ok(hook) => hook,
        Err(AppError::NotFound(_)) => return Ok(Attempt { status: None, error: Some("the webhook was deleted".to_owned()) }),
        Err(other) => return Err(other),
    };
    if !hook.active {
        return Ok(Attempt { status: None, error: Some("the webhook is not active".to_owned()) });
    }
    let timestamp = state.clock.now().timestamp();
    let body = delivery.payload.clone();
    let signed = signature(&hook.secret(&state.config.secret_key), timestamp, &body);
    let sent = state
        .webhooks
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Gongkai-Delivery", delivery.id.to_string())
        .header("X-Gongkai-Timestamp", timestamp.to_string())
        .header("X-Gongkai-Signature", signed)
        .header("X-Gongkai-Kind", delivery.kind.clone().unwrap_or_default())
        .body(body)
        .send()
        .await;
    Ok(match sent {
        Ok(response) if response.status().is_success() => Attempt { status: Some(response.status().as_u16()), error: None },
        Ok(response) => {
            let status = response.status();
            Attempt { status: Some(status.as_u16()), error: Some(format!("the endpoint answered {status}")) }
        }
        Err(error) if error.is_timeout() => Attempt { status: None, error: Some(format!("no answer within {} s", state.config.webhook_timeout.as_secs())) },
        Err(error) => Attempt { status: None, error: Some(format!("the endpoint could not be reached: {error}")) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_stored_between_commas_in_the_schemas_order() {
        let stored = stored_kinds(&[NotificationKind::ObservationFiled, NotificationKind::CommentReplied, NotificationKind::CommentReplied]);
        assert_eq!(stored, ",COMMENT_REPLIED,OBSERVATION_FILED,");
    }

    #[test]
    fn the_signature_is_an_hmac_of_the_timestamp_and_the_body() {
        // Known answer: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        assert_eq!(signature("secret", 1_700_000_000, r#"{"a":1}"#), "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686");
        assert_ne!(signature("secret", 1_700_000_001, r#"{"a":1}"#), signature("secret", 1_700_000_000, r#"{"a":1}"#));
    }

    #[test]
    fn addresses_must_be_absolute_http_without_credentials() {
        let mut fields = Vec::new();
        assert!(check_url("https://sms.example.cn/hook", &mut fields).is_some());
        assert!(check_url("ftp://example.cn/", &mut fields).is_none());
        assert!(check_url("not a url", &mut fields).is_none());
        assert!(check_url("https://user:pass@example.cn/", &mut fields).is_none());
        assert_eq!(fields.len(), 3);
        assert!(fields.iter().all(|f| f.field == "input.url"));
    }
}
