//! The inbox's read marks and the account's own profile.

use async_graphql::{Context, InputObject, Object, ID};

use entities::enums::NotificationKind;

use crate::graphql::context::{parse_ids, ContextExt, GqlResult, RequestLocale};
use crate::graphql::types::{AuthPayload, NotificationSetting, User};
use crate::services::{accounts, notifications, outbox, recovery};

#[derive(InputObject)]
pub struct UpdateProfileInput {
    pub display_name: Option<String>,
    /// An empty string removes the phone number.
    pub phone: Option<String>,
    /// `zh-CN` or `en`: the language of what the account reads.
    pub locale: Option<String>,
}

#[derive(InputObject)]
pub struct NotificationSettingInput {
    pub kind: NotificationKind,
    /// False: no email of this kind (the in-app notification still comes).
    pub email: bool,
}

#[derive(InputObject)]
pub struct ResetPasswordInput {
    /// The token of the emailed link.
    pub token: String,
    pub new_password: String,
}

fn request_locale(ctx: &Context<'_>) -> Option<crate::i18n::Locale> {
    ctx.data_opt::<RequestLocale>().and_then(|r| r.0)
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

    /// Turns email of some kinds on or off for the signed-in account; returns every kind's setting.
    async fn update_notification_settings(&self, ctx: &Context<'_>, input: Vec<NotificationSettingInput>) -> GqlResult<Vec<NotificationSetting>> {
        let changes: Vec<(NotificationKind, bool)> = input.iter().map(|i| (i.kind, i.email)).collect();
        let settings = outbox::update_settings(ctx.state()?, ctx.viewer()?, &changes).await?;
        Ok(settings.into_iter().map(|(kind, email)| NotificationSetting { kind, email }).collect())
    }

    /// Sends a six-digit code to the signed-in account's email (rate-limited). True when sent.
    async fn request_email_verification(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(recovery::request_email_verification(ctx.state()?, ctx.viewer()?, request_locale(ctx)).await?)
    }

    /// Proves the account's email with the code it was sent.
    async fn verify_email(&self, ctx: &Context<'_>, code: String) -> GqlResult<User> {
        let user = recovery::verify_email(ctx.state()?, ctx.viewer()?, &code).await?;
        Ok(User { model: user, private: true })
    }

    /// Always true, whether or not the email has an account; when it has one, a single-use link valid
    /// for 30 minutes is emailed. Rate-limited per client address and per email.
    async fn request_password_reset(&self, ctx: &Context<'_>, email: String) -> GqlResult<bool> {
        Ok(recovery::request_password_reset(ctx.state()?, ctx.viewer()?, &email, request_locale(ctx)).await?)
    }

    /// Sets a new password with the emailed link's token: every session of the account ends, and the
    /// answer signs in anew.
    async fn reset_password(&self, ctx: &Context<'_>, input: ResetPasswordInput) -> GqlResult<AuthPayload> {
        let s = recovery::reset_password(ctx.state()?, &input.token, &input.new_password).await?;
        Ok(AuthPayload { token: s.token, expires_at: s.expires_at, user: User { model: s.user, private: true } })
    }
}
