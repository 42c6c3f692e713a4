//! Webhooks as admins see them, with their delivery logs.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use entities::enums::{DeliveryStatus, NotificationKind};

use crate::graphql::context::{ContextExt, GqlResult};
use crate::graphql::types::connection::{connection, TotalCount};
use crate::services::{pagination, webhooks};

connection!(WebhookDeliveryConnection, WebhookDeliveryEdge, WebhookDelivery);

pub struct Webhook {
    pub model: webhooks::Webhook,
    /// The signing secret: only in the answer to `createWebhook`.
    pub secret: Option<String>,
}

#[Object]
impl Webhook {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.model.url
    }

    /// The notification kinds delivered to it.
    async fn kinds(&self) -> Vec<NotificationKind> {
        self.model.kinds()
    }

    /// Inactive: nothing new is delivered to it, and what was waiting fails until it is active again.
    async fn active(&self) -> bool {
        self.model.active
    }

    async fn description(&self) -> Option<&str> {
        self.model.description.as_deref()
    }

    /// The key of `X-Gongkai-Signature`: shown once, in the answer to `createWebhook`; null
    /// everywhere else.
    async fn secret(&self) -> Option<&str> {
        self.secret.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// Its deliveries, newest first.
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn deliveries(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> GqlResult<WebhookDeliveryConnection> {
        let (rows, more) = webhooks::deliveries(ctx.state()?, self.model.id, first, after.as_deref()).await?;
        let items = rows.into_iter().map(|d| (pagination::id_cursor(d.id), WebhookDelivery(d))).collect();
        let total = TotalCount::Query("SELECT COUNT(*) FROM deliveries WHERE webhook_id = $1".to_owned(), vec![self.model.id.into()]);
        Ok(WebhookDeliveryConnection::new(items, more, total))
    }
}

/// One notification sent (or being sent) to one webhook. Its id is the `X-Gongkai-Delivery` header
/// of every attempt.
pub struct WebhookDelivery(pub webhooks::WebhookDelivery);

#[Object]
impl WebhookDelivery {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn kind(&self) -> Option<NotificationKind> {
        self.0.kind.as_deref().and_then(NotificationKind::parse)
    }

    /// PENDING while it is being tried, DELIVERED once the endpoint answered 2xx, FAILED after the
    /// last try (redeliverable by hand).
    async fn status(&self) -> DeliveryStatus {
        DeliveryStatus::parse(&self.0.status).unwrap_or(DeliveryStatus::Pending)
    }

    /// Attempts made since it was written (or last redelivered).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }

    async fn last_attempt_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_attempt_at
    }

    /// When it is tried next, while PENDING.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == DeliveryStatus::Pending.as_str()).then_some(self.0.next_attempt_at)
    }

    /// The HTTP status of the endpoint's last answer; null when it did not answer.
    async fn response_status(&self) -> Option<i32> {
        self.0.response_status
    }

    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
