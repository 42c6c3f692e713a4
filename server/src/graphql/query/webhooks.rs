//! `webhooks`, for admins.

use async_graphql::{Context, Object};

use crate::graphql::context::{ContextExt, GqlResult};
use crate::graphql::types::Webhook;
use crate::services::webhooks;

#[derive(Default)]
pub struct WebhooksQuery;

#[Object]
impl WebhooksQuery {
    /// Every registered webhook, oldest first (admins only; at most 50 exist).
    #[graphql(complexity = "50 * child_complexity")]
    async fn webhooks(&self, ctx: &Context<'_>) -> GqlResult<Vec<Webhook>> {
        let list = webhooks::list(ctx.state()?, ctx.viewer()?).await?;
        Ok(list.into_iter().map(|model| Webhook { model, secret: None }).collect())
    }
}
