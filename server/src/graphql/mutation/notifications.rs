//! The inbox's read marks and the account's own profile.

use async_graphql::{Context, InputObject, Object, ID};

use crate::graphql::context::{parse_ids, ContextExt, GqlResult};
use crate::graphql::types::User;
use crate::services::{accounts, notifications};

#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub display_name: Option<String>,
    /// An empty string removes the phone number.
    pub phone: Option<String>,
    /// `zh-CN` or `en`: the language of what the account reads.
    pub locale: Option<String>,
}

#[derive(Default)]
pub struct NotificationsMutation;

#[Object]
impl NotificationsMutation {
    /// Marks the signed-in user's notifications read: those of `ids` (at most 100; another's id is
    /// NOT_FOUND and then nothing is marked), or every one with `all: true`. Returns the unread count
    /// left.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, ids: Option<Vec<ID>>, all: Option<bool>) -> GqlResult<i32> {
        let ids = ids.map(|ids| parse_ids("ids", &ids)).transpose()?;
        let left = notifications::mark_read(ctx.state()?, ctx.viewer()?, ids, all.unwrap_or(false)).await?;
        Ok(i32::try_from(left).unwrap_or(i32::MAX))
    }

    /// Changes the signed-in account's display name, phone number or language; what is not given stays.
    async fn update_profile(&self, ctx: &Context<'_>, input: UpdateProfileInput) -> GqlResult<User> {
        let input = accounts::ProfileInput { display_name: input.display_name, phone: input.phone, locale: input.locale };
        let user = accounts::update_profile(ctx.state()?, ctx.viewer()?, input).await?;
        Ok(User { model: user, private: true })
    }
}
