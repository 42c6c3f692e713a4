//! Notifications as their recipient reads them: the message rendered in the reader's language, and
//! the thing it is about.

use async_graphql::{Context, Object, Union, ID};
use chrono::{DateTime, Utc};

use entities::enums::{NotificationKind, NotificationSubjectType};
use entities::notification;

use crate::graphql::context::{load_error, ContextExt, GqlResult};
use crate::graphql::types::{Comment, Consultation, Department, Observation, Supervisor, SupervisorApplication};
use crate::services::notifications::{self, Part};
use crate::services::observations;

pub struct Notification(pub notification::Model);

/// What a notification is about, as it stands now (null if it is gone or no longer the reader's to
/// see).
#[derive(Union)]
pub enum NotificationSubject {
    Comment(Comment),
    Consultation(Consultation),
    Observation(Observation),
    SupervisorApplication(SupervisorApplication),
    Supervisor(Supervisor),
    Department(Department),
    DisclosureRequest(crate::graphql::types::disclosure::DisclosureRequest),
}

impl Notification {
    fn rendered(&self, ctx: &Context<'_>, part: Part) -> GqlResult<String> {
        Ok(notifications::render(&self.0, part, ctx.locale()?))
    }
}

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn kind(&self) -> NotificationKind {
        self.0.kind
    }

    /// In the reader's language: the account's `locale`, else the request's `Accept-Language`, else
    /// the server's default.
    async fn title(&self, ctx: &Context<'_>) -> GqlResult<String> {
        self.rendered(ctx, Part::Title)
    }

    /// In the reader's language, as `title`.
    async fn body(&self, ctx: &Context<'_>) -> GqlResult<String> {
        self.rendered(ctx, Part::Body)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the recipient marked it read; null while unread.
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }

    async fn subject(&self, ctx: &Context<'_>) -> GqlResult<Option<NotificationSubject>> {
        let loaders = ctx.loaders()?;
        let id = self.0.subject_id;
        Ok(match self.0.subject_type {
            NotificationSubjectType::Comment => {
                let found = loaders.comments.load_one(id).await.map_err(load_error)?;
                // Comment notifications go to the comment's author.
                found.filter(|c| c.author_id == self.0.recipient_id).map(|c| NotificationSubject::Comment(Comment::new(c, false)))
            }
            NotificationSubjectType::Consultation => {
                let found = loaders.consultations.load_one(id).await.map_err(load_error)?;
                let viewer = ctx.viewer()?;
                found.filter(|c| crate::services::authz::can_see(viewer, c)).map(|c| NotificationSubject::Consultation(Consultation(c)))
            }
            NotificationSubjectType::Observation => match loaders.observations.load_one(id).await.map_err(load_error)? {
                Some(o) if observations::can_see(&ctx.state()?.db.conn, ctx.viewer()?, &o).await? => Some(NotificationSubject::Observation(Observation(o))),
                _ => None,
            },
            NotificationSubjectType::SupervisorApplication => {
                let found = loaders.applications.load_one(id).await.map_err(load_error)?;
                found.filter(|a| a.applicant_id == self.0.recipient_id).map(|a| NotificationSubject::SupervisorApplication(SupervisorApplication(a)))
            }
            NotificationSubjectType::Supervisor => {
                let found = loaders.supervisors.load_one(id).await.map_err(load_error)?;
                found.filter(|s| s.user_id == self.0.recipient_id).map(|s| NotificationSubject::Supervisor(Supervisor(s)))
            }
            // Departments are public.
            NotificationSubjectType::Department => loaders.departments.load_one(id).await.map_err(load_error)?.map(|d| NotificationSubject::Department(Department(d))),
            NotificationSubjectType::DisclosureRequest => match crate::services::disclosure::get(ctx.state()?, ctx.viewer()?, id).await {
                Ok((r, access)) => Some(NotificationSubject::DisclosureRequest(crate::graphql::types::disclosure::DisclosureRequest::new(r, access))),
                Err(crate::error::AppError::NotFound(_)) => None,
                Err(e) => return Err(e.into()),
            },
        })
    }
}
