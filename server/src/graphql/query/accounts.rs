//! `me`, `departments`, and `accounts` for admins.

use async_graphql::{Context, InputObject, Object, ID};

use crate::domain::Role;
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::connection::connection;
use crate::graphql::types::{Department, User};
use crate::services::{account_admin, accounts, pagination};

connection!(AccountConnection, AccountEdge, User);

#[derive(InputObject, Default)]
pub struct AccountFilter {
    pub role: Option<Role>,
    pub department_id: Option<ID>,
    /// Part of the email or the display name, any case.
    pub search: Option<String>,
    pub suspended: Option<bool>,
}

#[derive(Default)]
pub struct AccountsQuery;

#[Object]
impl AccountsQuery {
    /// The signed-in account, or null.
    async fn me(&self, ctx: &Context<'_>) -> GqlResult<Option<User>> {
        let viewer = ctx.viewer()?;
        Ok(viewer.user.clone().map(|model| User { model, private: true }))
    }

    /// Every account, newest first, narrowed by `filter` (admins only).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn accounts(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>, filter: Option<AccountFilter>) -> GqlResult<AccountConnection> {
        let filter = filter.unwrap_or_default();
        let filter = account_admin::AccountFilter {
            role: filter.role,
            department_id: filter.department_id.as_ref().map(|id| parse_id("filter.departmentId", id)).transpose()?,
            search: filter.search,
            suspended: filter.suspended,
        };
        let (page, total) = account_admin::list(ctx.state()?, ctx.viewer()?, &filter, first, after.as_deref()).await?;
        let items = page.items.into_iter().map(|model| (pagination::id_cursor(model.id), User { model, private: true })).collect();
        Ok(AccountConnection::new(items, page.has_next, total.into()))
    }

    #[graphql(complexity = "crate::graphql::list_cost(50, child_complexity)")]
    async fn departments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Department>> {
        Ok(accounts::departments(ctx.state()?).await?.into_iter().map(Department).collect())
    }
}
