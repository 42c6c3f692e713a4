//! Drafting, publishing, closing, withdrawing and concluding consultations.

use async_graphql::{Context, InputObject, Object, ID};
use chrono::{DateTime, Utc};

use crate::domain::ModerationMode;
use crate::graphql::context::{parse_id, parse_ids, ContextExt, GqlResult};
use crate::graphql::types::Consultation;
use crate::services::consultations;

#[derive(InputObject, Clone)]
pub struct SectionInput {
    pub heading: String,
    pub body: String,
}

#[derive(InputObject)]
pub struct CreateConsultationInput {
    pub title: String,
    pub summary: String,
    pub body: String,
    pub interpretation: Option<String>,
    pub category: String,
    pub lead_department_id: ID,
    pub cooperating_department_ids: Option<Vec<ID>>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub moderation: Option<ModerationMode>,
    pub sections: Option<Vec<SectionInput>>,
    /// Required when `closesAt - opensAt` is under 30 days: why the period is shorter (published with
    /// the consultation).
    pub short_period_reason: Option<String>,
}

/// Every field optional. Body, sections and moderation change only while DRAFT; closesAt can be
/// extended while OPEN.
#[derive(InputObject)]
pub struct UpdateConsultationInput {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub interpretation: Option<String>,
    pub category: Option<String>,
    pub lead_department_id: Option<ID>,
    pub cooperating_department_ids: Option<Vec<ID>>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub moderation: Option<ModerationMode>,
    pub sections: Option<Vec<SectionInput>>,
    /// Why the period is under 30 days; an empty string removes it (refused while the period is short).
    pub short_period_reason: Option<String>,
}

#[derive(InputObject)]
pub struct ConcludeConsultationInput {
    pub summary: String,
}

fn sections(list: Option<Vec<SectionInput>>) -> Option<Vec<consultations::SectionInput>> {
    list.map(|l| l.into_iter().map(|s| consultations::SectionInput { heading: s.heading, body: s.body }).collect())
}

#[derive(Default)]
pub struct ConsultationsMutation;

#[Object]
impl ConsultationsMutation {
    /// Creates a DRAFT led by the caller's department (any department for an admin).
    async fn create_consultation(&self, ctx: &Context<'_>, input: CreateConsultationInput) -> GqlResult<Consultation> {
        let input = consultations::ConsultationInput {
            title: Some(input.title),
            summary: Some(input.summary),
            body: Some(input.body),
            interpretation: input.interpretation,
            category: Some(input.category),
            lead_department_id: Some(parse_id("leadDepartmentId", &input.lead_department_id)?),
            cooperating_department_ids: input.cooperating_department_ids.map(|ids| parse_ids("cooperatingDepartmentIds", &ids)).transpose()?,
            opens_at: Some(input.opens_at),
            closes_at: Some(input.closes_at),
            moderation: input.moderation,
            sections: sections(input.sections),
            short_period_reason: input.short_period_reason,
        };
        Ok(Consultation(consultations::create(ctx.state()?, ctx.viewer()?, input).await?))
    }

    async fn update_consultation(&self, ctx: &Context<'_>, id: ID, input: UpdateConsultationInput) -> GqlResult<Consultation> {
        let id = parse_id("id", &id)?;
        let input = consultations::ConsultationInput {
            title: input.title,
            summary: input.summary,
            body: input.body,
            interpretation: input.interpretation,
            category: input.category,
            lead_department_id: input.lead_department_id.as_ref().map(|id| parse_id("leadDepartmentId", id)).transpose()?,
            cooperating_department_ids: input.cooperating_department_ids.map(|ids| parse_ids("cooperatingDepartmentIds", &ids)).transpose()?,
            opens_at: input.opens_at,
            closes_at: input.closes_at,
            moderation: input.moderation,
            sections: sections(input.sections),
            short_period_reason: input.short_period_reason,
        };
        Ok(Consultation(consultations::update(ctx.state()?, ctx.viewer()?, id, input).await?))
    }

    async fn publish_consultation(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Consultation> {
        let id = parse_id("id", &id)?;
        Ok(Consultation(consultations::publish(ctx.state()?, ctx.viewer()?, id).await?))
    }

    /// Ends an OPEN consultation now.
    async fn close_consultation(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Consultation> {
        let id = parse_id("id", &id)?;
        Ok(Consultation(consultations::close(ctx.state()?, ctx.viewer()?, id).await?))
    }

    /// Withdraws a DRAFT or UPCOMING consultation.
    async fn withdraw_consultation(&self, ctx: &Context<'_>, id: ID, reason: String) -> GqlResult<Consultation> {
        let id = parse_id("id", &id)?;
        Ok(Consultation(consultations::withdraw(ctx.state()?, ctx.viewer()?, id, &reason).await?))
    }

    /// Publishes the outcome of a CLOSED consultation and freezes its counts.
    async fn conclude_consultation(&self, ctx: &Context<'_>, id: ID, input: ConcludeConsultationInput) -> GqlResult<Consultation> {
        let id = parse_id("id", &id)?;
        Ok(Consultation(consultations::conclude(ctx.state()?, ctx.viewer()?, id, &input.summary).await?))
    }
}
