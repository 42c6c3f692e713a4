//! `me` and `departments`.

use async_graphql::{Context, Object};

use crate::graphql::context::{ContextExt, GqlResult};
use crate::graphql::types::{Department, User};
use crate::services::accounts;

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in account, or null.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<Option<User>> {
        let viewer = ctx.viewer()?;
        Ok(viewer.user.clone().map(|model| User { model, private: true }))
    }

    #[graphql(complexity = "crate::graphql::list_cost(50, child_complexity)")]
    async fn departments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Department>> {
        Ok(accounts::departments(ctx.state()?).await?.into_iter().map(Department).collect())
    }
}
