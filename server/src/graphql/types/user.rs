//! Accounts as the API shows them. Email and phone are visible to the account itself, admins, and —
//! for comment authors — staff moderating that consultation.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use entities::user;

use crate::domain::Role;
use crate::graphql::context::{load_error, ContextExt, GqlResult};
use crate::graphql::types::connection::connection;
use crate::graphql::types::{Comment, Department, Notification, Supervisor, SupervisorApplication};
use crate::services::{comments, notifications, pagination, supervisors};
use crate::t;

pub struct User {
    pub model: user::Model,
    /// Whether the viewer may see the personal data of this account.
    pub private: bool,
}

impl User {
    /// The account as seen by `viewer`: private fields only for the account itself and admins.
    pub fn seen_by(model: user::Model, viewer: &crate::services::authz::Viewer) -> Self {
        let private = viewer.is_admin() || viewer.user_id() == Some(model.id);
        Self { model, private }
    }

    fn is_self(&self, ctx: &Context<'_>) -> bool {
        ctx.viewer().ok().and_then(|v| v.user_id()) == Some(self.model.id)
    }
}

connection!(CommentConnection, CommentEdge, Comment);
connection!(NotificationConnection, NotificationEdge, Notification);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn email(&self) -> Option<&str> {
        self.private.then_some(self.model.email.as_str())
    }

    async fn phone(&self) -> Option<&str> {
        if self.private {
            self.model.phone.as_deref()
        } else {
            None
        }
    }

    async fn display_name(&self) -> &str {
        &self.model.display_name
    }

    async fn role(&self) -> GqlResult<Role> {
        Ok(self.model.role)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    /// When the account last signed in (the account itself and admins).
    async fn last_sign_in_at(&self, ctx: &Context<'_>) -> Option<DateTime<Utc>> {
        let admin = ctx.viewer().ok().is_some_and(|v| v.is_admin());
        (admin || self.is_self(ctx)).then_some(self.model.last_sign_in_at).flatten()
    }

    /// Whether the account is suspended (visible to the account itself and admins).
    async fn suspended(&self) -> Option<bool> {
        self.private.then_some(self.model.suspended)
    }

    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Option<Department>> {
        let Some(id) = self.model.department_id else { return Ok(None) };
        let found = ctx.loaders()?.departments.load_one(id).await.map_err(load_error)?;
        Ok(found.map(Department))
    }

    /// The account's own comments, newest first (only on `me`).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn comments(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> GqlResult<Option<CommentConnection>> {
        if !self.is_self(ctx) {
            return Err(crate::error::AppError::forbidden(t!("error-own-comments-only")).into());
        }
        let (page, total) = comments::list_own(ctx.state()?, ctx.viewer()?, first, after.as_deref()).await?;
        let items = page.items.into_iter().map(|c| (pagination::id_cursor(c.id), Comment::new(c, false))).collect();
        Ok(Some(CommentConnection::new(items, page.has_next, total.into())))
    }

    /// The language the account reads in (`zh-CN` or `en`): its own choice, else the request's, else
    /// the server's default (the account itself and admins; null for others).
    async fn locale(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        if !self.private {
            return Ok(None);
        }
        let requested = ctx.data_opt::<crate::graphql::context::RequestLocale>().and_then(|r| r.0);
        let locale = crate::i18n::Locale::choose(self.model.locale.as_deref(), requested, ctx.state()?.config.default_locale);
        Ok(Some(locale.as_str().to_owned()))
    }

    /// The account's notifications, newest first; `unreadOnly` keeps those not yet read (only on `me`).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        unread_only: Option<bool>,
    ) -> GqlResult<Option<NotificationConnection>> {
        if !self.is_self(ctx) {
            return Err(crate::error::AppError::forbidden(t!("error-own-notifications-only")).into());
        }
        let (page, total) = notifications::inbox(ctx.state()?, ctx.viewer()?, unread_only.unwrap_or(false), first, after.as_deref()).await?;
        let items = page.items.into_iter().map(|n| (pagination::id_cursor(n.id), Notification(n))).collect();
        Ok(Some(NotificationConnection::new(items, page.has_next, total.into())))
    }

    /// Whether the account proved it reads its email (the account itself and admins; null for
    /// others). Email notifications go only to a verified address.
    async fn email_verified(&self) -> Option<bool> {
        self.private.then_some(self.model.email_verified_at.is_some())
    }

    /// The account's email choice for every notification kind (only on `me`).
    async fn notification_settings(&self, ctx: &Context<'_>) -> GqlResult<Option<Vec<NotificationSetting>>> {
        if !self.is_self(ctx) {
            return Err(crate::error::AppError::forbidden(t!("error-own-notification-settings-only")).into());
        }
        let settings = crate::services::outbox::email_settings(&ctx.state()?.db.conn, self.model.id).await?;
        Ok(Some(settings.into_iter().map(|(kind, email)| NotificationSetting { kind, email }).collect()))
    }

    /// How many of the account's notifications are unread (only on `me`).
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
        if !self.is_self(ctx) {
            return Err(crate::error::AppError::forbidden(t!("error-own-notification-count-only")).into());
        }
        let n = notifications::unread_count(&ctx.state()?.db.conn, self.model.id).await?;
        Ok(Some(i32::try_from(n).unwrap_or(i32::MAX)))
    }

    /// The account's latest supervisor appointment, active or not (the account itself and admins;
    /// null for others).
    async fn supervisor(&self, ctx: &Context<'_>) -> GqlResult<Option<Supervisor>> {
        let viewer = ctx.viewer()?;
        if !(viewer.is_admin() || self.is_self(ctx)) {
            return Ok(None);
        }
        let found = ctx.loaders()?.latest_appointments.load_one(self.model.id).await.map_err(load_error)?;
        Ok(found.map(Supervisor))
    }

    /// The account's own disclosure requests, newest first (only on `me`).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn disclosure_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> GqlResult<Option<crate::graphql::types::disclosure::DisclosureRequestConnection>> {
        if !self.is_self(ctx) {
            return Err(crate::error::AppError::forbidden(t!("error-own-disclosure-requests-only")).into());
        }
        let list = crate::services::disclosure::own(ctx.state()?, ctx.viewer()?, first, after.as_deref()).await?;
        Ok(Some(crate::graphql::types::disclosure::DisclosureRequestConnection::from_list(list, |_| crate::services::disclosure::Access::Personal)))
    }

    /// The account's own supervisor applications, newest first, at most 100 (only on `me`).
    #[graphql(complexity = "crate::graphql::list_cost(10, child_complexity)")]
    async fn supervisor_applications(&self, ctx: &Context<'_>) -> GqlResult<Vec<SupervisorApplication>> {
        if !self.is_self(ctx) {
            return Err(crate::error::AppError::forbidden(t!("error-own-applications-only")).into());
        }
        let rows = supervisors::own_applications(ctx.state()?, ctx.viewer()?).await?;
        Ok(rows.into_iter().map(SupervisorApplication).collect())
    }
}

/// Whether notifications of one kind also come by email (in the app they always come).
#[derive(SimpleObject, Clone, Copy)]
pub struct NotificationSetting {
    pub kind: entities::enums::NotificationKind,
    pub email: bool,
}

#[derive(SimpleObject)]
pub struct AuthPayload {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}
