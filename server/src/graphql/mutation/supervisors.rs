//! Applying to be a supervisor, reviewing applications, revoking appointments, and the observation
//! loop: file, answer, follow up.

use async_graphql::{Context, InputObject, Object, ID};

use crate::domain::{ObservationKind, ReviewDecision, SupervisorCategory};
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::{Observation, ObservationReply, Supervisor, SupervisorApplication};
use crate::services::{observations, supervisors};

#[derive(InputObject)]
pub struct SupervisorApplicationInput {
    /// 1–50 characters; seen only by the applicant and admins.
    pub real_name: String,
    pub category: SupervisorCategory,
    /// Employer, party or association; up to 100 characters.
    pub organization: Option<String>,
    /// Seen only by the applicant and admins.
    pub phone: String,
    /// Why the applicant wants to serve: 1–2,000 characters.
    pub statement: String,
}

#[derive(InputObject)]
pub struct ReviewApplicationInput {
    pub decision: ReviewDecision,
    /// Required to REJECT.
    pub note: Option<String>,
    /// Length of the appointment on APPROVE: 1–120 months, default 24.
    pub term_months: Option<i32>,
}

#[derive(InputObject)]
pub struct FileObservationInput {
    pub department_id: ID,
    /// A consultation the department leads or cooperates on.
    pub consultation_id: Option<ID>,
    pub kind: ObservationKind,
    /// 1–200 characters.
    pub title: String,
    /// 1–10,000 characters.
    pub body: String,
}

#[derive(InputObject)]
pub struct FollowUpInput {
    /// 1–10,000 characters.
    pub body: String,
}

#[derive(InputObject)]
pub struct ReplyToObservationInput {
    pub observation_id: ID,
    /// 1–10,000 characters.
    pub body: String,
}

#[derive(Default)]
pub struct SupervisorsMutation;

#[Object]
impl SupervisorsMutation {
    /// A citizen applies to be appointed openness supervisor (one PENDING application at a time).
    async fn apply_for_supervisor(&self, ctx: &Context<'_>, input: SupervisorApplicationInput) -> GqlResult<SupervisorApplication> {
        let input = supervisors::ApplicationInput {
            real_name: input.real_name,
            category: input.category,
            organization: input.organization,
            phone: input.phone,
            statement: input.statement,
        };
        Ok(SupervisorApplication(supervisors::apply(ctx.state()?, ctx.viewer()?, input).await?))
    }

    /// The applicant withdraws a PENDING application.
    async fn withdraw_supervisor_application(&self, ctx: &Context<'_>, id: ID) -> GqlResult<SupervisorApplication> {
        let id = parse_id("id", &id)?;
        Ok(SupervisorApplication(supervisors::withdraw(ctx.state()?, ctx.viewer()?, id).await?))
    }

    /// An admin approves (appointing the applicant from now for `termMonths`) or rejects (with a note)
    /// a PENDING application.
    async fn review_supervisor_application(&self, ctx: &Context<'_>, id: ID, input: ReviewApplicationInput) -> GqlResult<SupervisorApplication> {
        let id = parse_id("id", &id)?;
        let input = supervisors::ReviewInput { decision: input.decision, note: input.note, term_months: input.term_months };
        Ok(SupervisorApplication(supervisors::review(ctx.state()?, ctx.viewer()?, id, input).await?))
    }

    /// An admin ends an appointment before its term, with a reason.
    async fn revoke_supervisor(&self, ctx: &Context<'_>, id: ID, reason: String) -> GqlResult<Supervisor> {
        let id = parse_id("id", &id)?;
        Ok(Supervisor(supervisors::revoke(ctx.state()?, ctx.viewer()?, id, &reason).await?))
    }

    /// An active supervisor files an observation on a department; it is due in working days.
    async fn file_observation(&self, ctx: &Context<'_>, input: FileObservationInput) -> GqlResult<Observation> {
        let input = observations::FileInput {
            department_id: parse_id("departmentId", &input.department_id)?,
            consultation_id: input.consultation_id.as_ref().map(|id| parse_id("consultationId", id)).transpose()?,
            kind: input.kind,
            title: input.title,
            body: input.body,
        };
        Ok(Observation(observations::file(ctx.state()?, ctx.viewer()?, input).await?))
    }

    /// The supervisor who filed an ANSWERED observation re-opens it with a follow-up and a new due time.
    async fn follow_up_observation(&self, ctx: &Context<'_>, id: ID, input: FollowUpInput) -> GqlResult<Observation> {
        let id = parse_id("id", &id)?;
        Ok(Observation(observations::follow_up(ctx.state()?, ctx.viewer()?, id, &input.body).await?))
    }

    /// The department's staff or an admin answers an observation, which becomes ANSWERED.
    async fn reply_to_observation(&self, ctx: &Context<'_>, input: ReplyToObservationInput) -> GqlResult<ObservationReply> {
        let id = parse_id("observationId", &input.observation_id)?;
        Ok(ObservationReply(observations::reply(ctx.state()?, ctx.viewer()?, id, &input.body).await?))
    }
}
