//! Consultations, their sections, departments and outcome.

use async_graphql::{Context, Object, SimpleObject, ID};
use sea_orm::EntityTrait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use entities::{consultation, department, section};

use crate::domain::{CommentOrder, CommentStatus, ConsultationStatus, ModerationMode, ObservationStatus};
use crate::graphql::context::{load_error, parse_id, ContextExt, GqlResult};
use crate::graphql::types::comment::{Comment, DuplicateGroup};
use crate::graphql::types::connection::{connection, TotalCount};
use crate::graphql::types::similar::{SimilarGroup, SimilarGroupConnection};
use crate::graphql::types::supervisor::ObservationConnection;
use crate::services::{authz, comments, consultations, counters::Counts, observations, pagination, search_index, similar};
use crate::t;

pub struct Department(pub department::Model);

/// A term of a consultation's comments, with how many PUBLISHED comments use it.
#[derive(SimpleObject)]
pub struct Keyword {
    /// A Chinese word or an English word (lowercased).
    pub term: String,
    /// How many published comments use it.
    pub count: i32,
    /// Of those, how many support.
    pub support: i32,
    /// Of those, how many oppose.
    pub oppose: i32,
    /// Of those, how many are neutral.
    pub neutral: i32,
}

connection!(ConsultationConnection, ConsultationEdge, Consultation);
connection!(ConsultationCommentConnection, ConsultationCommentEdge, Comment);
connection!(DuplicateGroupConnection, DuplicateGroupEdge, DuplicateGroup);

impl ConsultationConnection {
    pub fn from_list(result: consultations::ListResult) -> Self {
        let items = result.page.items.into_iter().map(|c| (pagination::id_cursor(c.id), Consultation(c))).collect();
        Self::new(items, result.page.has_next, result.total.into())
    }
}

#[Object]
impl Department {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn code(&self) -> &str {
        &self.0.code
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Every consultation it leads or cooperates on with work waiting, closing soonest first: PENDING
    /// comments, published ones that were reported, HIDDEN ones, published ones without a reply (its
    /// staff and admins).
    #[graphql(complexity = "crate::graphql::list_cost(100, child_complexity)")]
    async fn moderation_overview(&self, ctx: &Context<'_>) -> GqlResult<Vec<ModerationWaiting>> {
        let list = crate::services::overview::moderation(ctx.state()?, ctx.viewer()?, self.0.id).await?;
        Ok(list.into_iter().map(ModerationWaiting).collect())
    }

    /// Disclosure requests addressed to this department, oldest due first (its staff and admins;
    /// evaluators without the applicants' personal data). `status` is the status now (the clock
    /// included); `overdue: true` keeps those unanswered past `dueAt`, `false` leaves them out.
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn disclosure_requests(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<crate::domain::DisclosureStatus>,
        overdue: Option<bool>,
    ) -> GqlResult<crate::graphql::types::disclosure::DisclosureRequestConnection> {
        let viewer = ctx.viewer()?;
        let list = crate::services::disclosure::department_list(ctx.state()?, viewer, self.0.id, status, overdue, first, after.as_deref()).await?;
        Ok(crate::graphql::types::disclosure::DisclosureRequestConnection::from_list(list, |r| {
            crate::services::disclosure::access(viewer, r).unwrap_or(crate::services::disclosure::Access::Anonymised)
        }))
    }

    /// The department's reply templates, by title (its staff only).
    #[graphql(complexity = "crate::graphql::list_cost(200, child_complexity)")]
    async fn reply_templates(&self, ctx: &Context<'_>) -> GqlResult<Vec<crate::graphql::types::reply_template::ReplyTemplate>> {
        let list = crate::services::reply_templates::list(ctx.state()?, ctx.viewer()?, self.0.id).await?;
        Ok(list.into_iter().map(crate::graphql::types::reply_template::ReplyTemplate).collect())
    }

    /// Consultations this department leads, every status (its staff and admins only).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn consultations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<ConsultationStatus>,
    ) -> GqlResult<Option<ConsultationConnection>> {
        let result = consultations::department_list(ctx.state()?, ctx.viewer()?, self.0.id, status, first, after.as_deref()).await?;
        Ok(Some(ConsultationConnection::from_list(result)))
    }

    /// Observations addressed to this department, newest first (its staff, admins and evaluators).
    /// `overdue: true` keeps those OPEN and past `dueAt`; `false` leaves them out.
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn observations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<ObservationStatus>,
        overdue: Option<bool>,
    ) -> GqlResult<Option<ObservationConnection>> {
        let filter = observations::ListFilter { status, overdue };
        let (page, total) = observations::department_list(ctx.state()?, ctx.viewer()?, self.0.id, filter, first, after.as_deref()).await?;
        Ok(Some(ObservationConnection::from_page(page, total)))
    }
}

pub struct Consultation(pub consultation::Model);

#[derive(SimpleObject)]
pub struct StanceCounts {
    pub support: i32,
    pub oppose: i32,
    pub neutral: i32,
}

/// What `concludeConsultation` published, with the counts frozen at that moment.
#[derive(SimpleObject)]
pub struct Outcome {
    pub summary: String,
    pub published_at: DateTime<Utc>,
    pub total_comments: i32,
    pub replied_comments: i32,
    pub adopted_count: i32,
    pub partially_adopted_count: i32,
    pub not_adopted_count: i32,
    pub explained_count: i32,
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl Consultation {
    async fn counts(&self, ctx: &Context<'_>, id: Uuid) -> GqlResult<Counts> {
        Ok(ctx.loaders()?.counters.load_one(id).await.map_err(load_error)?.unwrap_or_default())
    }

    async fn is_moderator(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        let cooperating = self.cooperating_ids(ctx).await?;
        Ok(authz::moderates(ctx.viewer()?, &self.0, &cooperating))
    }

    /// The cooperating departments' ids, loaded for every consultation of the page at once.
    async fn cooperating_ids(&self, ctx: &Context<'_>) -> GqlResult<Vec<uuid::Uuid>> {
        let links = ctx.loaders()?.cooperating.load_one(self.0.id).await.map_err(load_error)?.unwrap_or_default();
        Ok(links.into_iter().map(|l| l.department_id).collect())
    }
}

#[Object]
impl Consultation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn summary(&self) -> &str {
        &self.0.summary
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn interpretation(&self) -> Option<&str> {
        self.0.interpretation.as_deref()
    }

    /// Follows the clock: UPCOMING before `opensAt`, OPEN until `closesAt`, CLOSED after.
    async fn status(&self, ctx: &Context<'_>) -> GqlResult<ConsultationStatus> {
        Ok(consultations::status(&self.0, ctx.state()?.clock.now()))
    }

    async fn category(&self) -> &str {
        &self.0.category
    }

    async fn moderation(&self) -> GqlResult<ModerationMode> {
        Ok(self.0.moderation)
    }

    async fn opens_at(&self) -> DateTime<Utc> {
        self.0.opens_at
    }

    async fn closes_at(&self) -> DateTime<Utc> {
        self.0.closes_at
    }

    /// Why it is open for comment for less than 30 days (the law's minimum), when it is.
    async fn short_period_reason(&self) -> Option<&str> {
        self.0.short_period_reason.as_deref()
    }

    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    async fn withdrawn_reason(&self) -> Option<&str> {
        self.0.withdrawn_reason.as_deref()
    }

    /// PUBLISHED comments: what the public sees.
    async fn comment_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        Ok(clamp(self.counts(ctx, self.0.id).await?.published))
    }

    async fn stance_counts(&self, ctx: &Context<'_>) -> GqlResult<StanceCounts> {
        let c = self.counts(ctx, self.0.id).await?;
        Ok(StanceCounts { support: clamp(c.support), oppose: clamp(c.oppose), neutral: clamp(c.neutral) })
    }

    /// Published comments without a reply (the consultation's staff and admins only).
    async fn unreplied_count(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
        if !self.is_moderator(ctx).await? {
            return Ok(None);
        }
        Ok(Some(clamp(self.counts(ctx, self.0.id).await?.unreplied)))
    }

    /// Comments waiting for pre-moderation (the consultation's staff and admins only).
    async fn pending_count(&self, ctx: &Context<'_>) -> GqlResult<Option<i32>> {
        if !self.is_moderator(ctx).await? {
            return Ok(None);
        }
        Ok(Some(clamp(self.counts(ctx, self.0.id).await?.pending)))
    }

    async fn lead_department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        let found = ctx.loaders()?.departments.load_one(self.0.lead_department_id).await.map_err(load_error)?;
        found.map(Department).ok_or_else(|| crate::error::AppError::NotFound(t!("not-found-lead-department")).into())
    }

    #[graphql(complexity = "crate::graphql::list_cost(10, child_complexity)")]
    async fn cooperating_departments(&self, ctx: &Context<'_>) -> GqlResult<Vec<Department>> {
        let ids = self.cooperating_ids(ctx).await?;
        let found = ctx.loaders()?.departments.load_many(ids).await.map_err(load_error)?;
        let mut list: Vec<_> = found.into_values().collect();
        list.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(list.into_iter().map(Department).collect())
    }

    #[graphql(complexity = "crate::graphql::list_cost(30, child_complexity)")]
    async fn sections(&self, ctx: &Context<'_>) -> GqlResult<Vec<Section>> {
        let list = ctx.loaders()?.consultation_sections.load_one(self.0.id).await.map_err(load_error)?.unwrap_or_default();
        Ok(list.into_iter().map(Section).collect())
    }

    async fn outcome(&self) -> Option<Outcome> {
        let c = &self.0;
        Some(Outcome {
            summary: c.outcome_summary.clone()?,
            published_at: c.outcome_published_at?,
            total_comments: c.outcome_total.unwrap_or(0),
            replied_comments: c.outcome_replied.unwrap_or(0),
            adopted_count: c.outcome_adopted.unwrap_or(0),
            partially_adopted_count: c.outcome_partially_adopted.unwrap_or(0),
            not_adopted_count: c.outcome_not_adopted.unwrap_or(0),
            explained_count: c.outcome_explained.unwrap_or(0),
        })
    }

    /// Comments, newest first by default. The public sees PUBLISHED ones; the consultation's staff and
    /// admins may filter by status, reports and replies.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        section_id: Option<ID>,
        order_by: Option<CommentOrder>,
        status: Option<CommentStatus>,
        reported: Option<bool>,
        replied: Option<bool>,
        #[graphql(desc = "Words the comments contain, every one of them (at most 100 characters; blank is no search). \
            A Chinese word of one or two characters finds the comments containing it; a longer one, those containing \
            each of its pairs of adjacent characters; an English word or number, those containing it as a whole word, \
            in any case. Text without a single Chinese character, letter or digit is BAD_USER_INPUT. The public \
            searches PUBLISHED comments; the consultation's staff and admins any status, as without search. With a \
            search, totalCount is exact up to 10,000 matches and PostgreSQL's estimate beyond that (also when its \
            statistics put a word above 20,000 matches; on SQLite it is always exact).")]
        search: Option<String>,
    ) -> GqlResult<ConsultationCommentConnection> {
        let filter = comments::CommentFilter {
            section_id: section_id.as_ref().map(|id| parse_id("sectionId", id)).transpose()?,
            order: order_by,
            status,
            reported,
            replied,
            search,
        };
        let list = comments::list(ctx.state()?, ctx.viewer()?, &self.0, &filter, first, after.as_deref()).await?;
        let moderator = list.moderator;
        let items = list.cursors.into_iter().zip(list.page.items).map(|(cursor, c)| (cursor, Comment::new(c, moderator))).collect();
        Ok(ConsultationCommentConnection::new(items, list.page.has_next, list.total.into()))
    }

    /// The terms PUBLISHED comments use most (of the whole consultation, or of one section): Chinese
    /// words of two or more characters as segmented, and English words, common words left out. `count`
    /// is how many comments use the term, split by their stance. Most used first, ties by term; at
    /// most 100 (default 20). Public.
    async fn keywords(&self, ctx: &Context<'_>, first: Option<i32>, section_id: Option<ID>) -> GqlResult<Vec<Keyword>> {
        let section_id = section_id.as_ref().map(|id| parse_id("sectionId", id)).transpose()?;
        let state = ctx.state()?;
        if let Some(section_id) = section_id {
            let found = section::Entity::find_by_id(section_id).one(&state.db.conn).await?;
            if found.is_none_or(|s| s.consultation_id != self.0.id) {
                return Err(crate::error::AppError::bad_input("sectionId", t!("field-not-a-section")).into());
            }
        }
        let rows = search_index::keywords(&state.db.conn, &self.0, section_id, first).await?;
        Ok(rows
            .into_iter()
            .map(|k| Keyword {
                term: k.term,
                count: clamp(k.count),
                support: clamp(k.support),
                oppose: clamp(k.oppose),
                neutral: clamp(k.neutral),
            })
            .collect())
    }

    /// Groups of two or more comments with the same normalised text (the consultation's staff and admins).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn duplicate_groups(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> GqlResult<Option<DuplicateGroupConnection>> {
        let (page, total) = comments::duplicate_groups(ctx.state()?, ctx.viewer()?, &self.0, first, after.as_deref()).await?;
        let items = page.items.into_iter().map(|g| (pagination::id_cursor(g.id), DuplicateGroup(g))).collect();
        Ok(Some(DuplicateGroupConnection::new(items, page.has_next, TotalCount::Known(total))))
    }

    /// Groups of two or more comments whose texts are nearly the same (a campaign letter with words
    /// added, cut or replaced: MinHash over character 3-shingles, Jaccard threshold SIMILAR_THRESHOLD),
    /// largest first, for the consultation's staff and admins (FORBIDDEN for others). Every duplicate
    /// group lies inside one similar group. A comment joins its group moments after it is submitted.
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn similar_groups(&self, ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> GqlResult<Option<SimilarGroupConnection>> {
        let (page, total) = similar::list(ctx.state()?, ctx.viewer()?, &self.0, first, after.as_deref()).await?;
        let items = page.items.into_iter().map(|g| (pagination::key_cursor(g.size, g.id), SimilarGroup(g))).collect();
        Ok(Some(SimilarGroupConnection::new(items, page.has_next, total.into())))
    }
}

pub struct Section(pub section::Model);

#[Object]
impl Section {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn ordinal(&self) -> i32 {
        self.0.ordinal
    }

    async fn heading(&self) -> &str {
        &self.0.heading
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    /// PUBLISHED comments on this section.
    async fn comment_count(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        let counts = ctx.loaders()?.counters.load_one(self.0.id).await.map_err(load_error)?.unwrap_or_default();
        Ok(clamp(counts.published))
    }
}

/// One consultation's work waiting, in a department's moderation overview.
pub struct ModerationWaiting(pub crate::services::overview::Waiting);

#[Object]
impl ModerationWaiting {
    async fn consultation(&self) -> Consultation {
        Consultation(self.0.consultation.clone())
    }

    /// PENDING comments to review.
    async fn pending(&self) -> i32 {
        i32::try_from(self.0.pending).unwrap_or(i32::MAX)
    }

    /// Published comments with at least one report.
    async fn reported(&self) -> i32 {
        i32::try_from(self.0.reported).unwrap_or(i32::MAX)
    }

    /// HIDDEN comments.
    async fn hidden(&self) -> i32 {
        i32::try_from(self.0.hidden).unwrap_or(i32::MAX)
    }

    /// Published comments without a reply.
    async fn unreplied(&self) -> i32 {
        i32::try_from(self.0.unreplied).unwrap_or(i32::MAX)
    }
}
