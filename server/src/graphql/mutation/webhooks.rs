//! Webhooks, for admins: register, change, delete, and redeliver by hand.

use async_graphql::{Context, InputObject, Object, ID};

use entities::enums::NotificationKind;

use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::{Webhook, WebhookDelivery};
use crate::services::webhooks::{self, WebhookInput};

#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// An absolute http(s) address; https is the one to use, since deliveries carry personal data.
    pub url: String,
    /// The notification kinds to deliver (at least one).
    pub kinds: Vec<NotificationKind>,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct UpdateWebhookInput {
    pub url: Option<String>,
    pub kinds: Option<Vec<NotificationKind>>,
    pub active: Option<bool>,
    /// An empty string removes it.
    pub description: Option<String>,
}

#[derive(Default)]
pub struct WebhooksMutation;

#[Object]
impl WebhooksMutation {
    /// Registers a webhook (admins only). The answer's `secret` signs every delivery and is shown
    /// only here.
    async fn create_webhook(&self, ctx: &Context<'_>, input: CreateWebhookInput) -> GqlResult<Webhook> {
        let input = WebhookInput { url: Some(input.url), kinds: Some(input.kinds), active: None, description: input.description };
        let (model, secret) = webhooks::create(ctx.state()?, ctx.viewer()?, input).await?;
        Ok(Webhook { model, secret: Some(secret) })
    }

    /// Changes a webhook (admins only); what is not given stays.
    async fn update_webhook(&self, ctx: &Context<'_>, id: ID, input: UpdateWebhookInput) -> GqlResult<Webhook> {
        let id = parse_id("id", &id)?;
        let input = WebhookInput { url: input.url, kinds: input.kinds, active: input.active, description: input.description };
        let model = webhooks::update(ctx.state()?, ctx.viewer()?, id, input).await?;
        Ok(Webhook { model, secret: None })
    }

    /// Deletes a webhook and its delivery log (admins only).
    async fn delete_webhook(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        let id = parse_id("id", &id)?;
        Ok(webhooks::delete(ctx.state()?, ctx.viewer()?, id).await?)
    }

    /// Sends a FAILED or DELIVERED delivery again, under the same id (admins only).
    async fn redeliver_webhook_delivery(&self, ctx: &Context<'_>, id: ID) -> GqlResult<WebhookDelivery> {
        let id = parse_id("id", &id)?;
        Ok(WebhookDelivery(webhooks::redeliver(ctx.state()?, ctx.viewer()?, id).await?))
    }
}
