//! Comments, official replies, reports and duplicate groups.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use entities::{comment, duplicate_group, reply};

use crate::domain::{Adoption, CommentStatus, ReportReason, Stance};
use crate::error::AppError;
use crate::graphql::context::{load_error, ContextExt, GqlResult};
use crate::graphql::shared::Recording;
use crate::graphql::types::consultation::{Consultation, Department, Section};
use crate::graphql::types::user::User;
use crate::t;

pub struct Comment {
    pub model: comment::Model,
    /// Whether the viewer moderates the comment's consultation (and may see its author's personal
    /// data, its reports and moderation details).
    pub moderator: bool,
}

impl Comment {
    pub fn new(model: comment::Model, moderator: bool) -> Self {
        Self { model, moderator }
    }

    fn is_author(&self, ctx: &Context<'_>) -> bool {
        ctx.viewer().ok().and_then(|v| v.user_id()) == Some(self.model.author_id)
    }
}

#[derive(SimpleObject)]
pub struct Report {
    pub reason: ReportReason,
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[Object]
impl Comment {
    async fn id(&self) -> ID {
        ID(self.model.id.to_string())
    }

    async fn body(&self) -> &str {
        &self.model.body
    }

    async fn stance(&self) -> GqlResult<Stance> {
        Ok(self.model.stance)
    }

    async fn status(&self) -> GqlResult<CommentStatus> {
        Ok(self.model.status)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.model.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.model.updated_at
    }

    async fn endorsement_count(&self) -> i32 {
        self.model.endorsement_count
    }

    async fn viewer_has_endorsed(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        // A shared page leaves a slot here, filled in for each reader (graphql::shared).
        if let Some(recording) = Recording::of(ctx) {
            recording.slot(ctx, self.model.id);
            return Ok(false);
        }
        Ok(ctx.loaders()?.endorsed.load_one(self.model.id).await.map_err(load_error)?.unwrap_or(false))
    }

    /// The verdict of the latest reply, if any.
    async fn adoption(&self) -> GqlResult<Option<Adoption>> {
        Ok(self.model.latest_adoption)
    }

    async fn author(&self, ctx: &Context<'_>) -> GqlResult<User> {
        let found = ctx.loaders()?.users.load_one(self.model.author_id).await.map_err(load_error)?;
        let model = found.ok_or(AppError::NotFound(t!("not-found-author")))?;
        let viewer = ctx.viewer()?;
        let by_role = self.moderator || viewer.is_admin();
        if !by_role && (ctx.look_ahead().field("email").exists() || ctx.look_ahead().field("phone").exists()) {
            // A shared page is read by the author too, who would see their own personal data.
            if let Some(recording) = Recording::of(ctx) {
                recording.author(model.id);
            }
        }
        let private = by_role || viewer.user_id() == Some(model.id);
        Ok(User { model, private })
    }

    async fn section(&self, ctx: &Context<'_>) -> GqlResult<Option<Section>> {
        let Some(id) = self.model.section_id else { return Ok(None) };
        Ok(ctx.loaders()?.sections.load_one(id).await.map_err(load_error)?.map(Section))
    }

    async fn consultation(&self, ctx: &Context<'_>) -> GqlResult<Consultation> {
        let found = ctx.loaders()?.consultations.load_one(self.model.consultation_id).await.map_err(load_error)?;
        found.map(Consultation).ok_or_else(|| AppError::NotFound(t!("not-found-consultation")).into())
    }

    #[graphql(complexity = "crate::graphql::list_cost(10, child_complexity)")]
    async fn replies(&self, ctx: &Context<'_>) -> GqlResult<Vec<Reply>> {
        let found = ctx.loaders()?.replies.load_one(self.model.id).await.map_err(load_error)?;
        Ok(found.unwrap_or_default().into_iter().map(Reply).collect())
    }

    /// How many reports the comment has had (the consultation's staff and admins only).
    async fn report_count(&self) -> Option<i32> {
        self.moderator.then_some(self.model.report_count)
    }

    /// The reports themselves (the consultation's staff and admins only).
    #[graphql(complexity = "crate::graphql::list_cost(10, child_complexity)")]
    async fn reports(&self, ctx: &Context<'_>) -> GqlResult<Option<Vec<Report>>> {
        if !self.moderator {
            return Ok(None);
        }
        let rows = ctx.loaders()?.reports.load_one(self.model.id).await.map_err(load_error)?.unwrap_or_default();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(Report { reason: r.reason, detail: r.detail, created_at: r.created_at });
        }
        Ok(Some(out))
    }

    /// Why staff rejected or hid the comment (its author and the consultation's staff).
    async fn moderation_reason(&self, ctx: &Context<'_>) -> Option<&str> {
        if !self.moderator {
            // The author reads it too: a shared page is not theirs.
            if let Some(recording) = Recording::of(ctx) {
                recording.author(self.model.author_id);
            }
        }
        if self.moderator || self.is_author(ctx) {
            self.model.moderation_reason.as_deref()
        } else {
            None
        }
    }

    /// How many other comments on the consultation have the same normalised text: PUBLISHED ones for
    /// the public (a guessed text must not reveal an unpublished comment), every status but WITHDRAWN
    /// for the consultation's staff and admins.
    async fn duplicate_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        let counts = ctx.loaders()?.counters.load_one(self.model.duplicate_group_id).await.map_err(load_error)?.unwrap_or_default();
        let others = if self.moderator {
            counts.total - 1
        } else {
            counts.published - i64::from(self.model.status == CommentStatus::Published)
        };
        Ok(i32::try_from(others.max(0)).unwrap_or(i32::MAX))
    }

    /// The duplicate group's id (the consultation's staff and admins only).
    async fn duplicate_group_id(&self) -> Option<ID> {
        self.moderator.then(|| ID(self.model.duplicate_group_id.to_string()))
    }
}

pub struct Reply(pub reply::Model);

#[Object]
impl Reply {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn adoption(&self) -> GqlResult<Adoption> {
        Ok(self.0.adoption)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The department the reply speaks for.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        let found = ctx.loaders()?.departments.load_one(self.0.department_id).await.map_err(load_error)?;
        found.map(Department).ok_or_else(|| AppError::NotFound(t!("not-found-department")).into())
    }

    async fn comment(&self, ctx: &Context<'_>) -> GqlResult<Comment> {
        let found = ctx.loaders()?.comments.load_one(self.0.comment_id).await.map_err(load_error)?;
        found.map(|c| Comment::new(c, false)).ok_or_else(|| AppError::NotFound(t!("not-found-comment")).into())
    }
}

pub struct DuplicateGroup(pub duplicate_group::Model);

#[Object]
impl DuplicateGroup {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// How many comments are in the group.
    async fn size(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        let counts = ctx.loaders()?.counters.load_one(self.0.id).await.map_err(load_error)?.unwrap_or_default();
        Ok(i32::try_from(counts.total).unwrap_or(i32::MAX))
    }

    /// The group's first comment.
    async fn sample(&self, ctx: &Context<'_>) -> GqlResult<Option<Comment>> {
        let found = ctx.loaders()?.group_samples.load_one(self.0.id).await.map_err(load_error)?;
        Ok(found.map(|c| Comment::new(c, true)))
    }
}
