//! Supervisor applications, appointments, observations (with replies and follow-ups) and department
//! scorecards. Observations are never public: every path to one goes through a service that checks the
//! viewer.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use entities::{observation, observation_follow_up, observation_reply, supervisor, supervisor_application};

use crate::domain::{ApplicationStatus, ObservationKind, ObservationStatus, SupervisorCategory};
use crate::error::AppError;
use crate::graphql::context::{load_error, ContextExt, GqlResult};
use crate::graphql::types::connection::connection;
use crate::graphql::types::{Consultation, Department, User};
use crate::services::{authz, observations, pagination, scorecards, supervisors};
use crate::t;

connection!(SupervisorApplicationConnection, SupervisorApplicationEdge, SupervisorApplication);
connection!(SupervisorConnection, SupervisorEdge, Supervisor);
connection!(ObservationConnection, ObservationEdge, Observation);

impl ObservationConnection {
    pub fn from_page(page: pagination::Page<observation::Model>, total: pagination::Total) -> Self {
        let items = page.items.into_iter().map(|o| (pagination::id_cursor(o.id), Observation(o))).collect();
        Self::new(items, page.has_next, total.into())
    }
}

/// A citizen's application to be appointed openness supervisor. Seen by the applicant and admins.
pub struct SupervisorApplication(pub supervisor_application::Model);

impl SupervisorApplication {
    fn private(&self, ctx: &Context<'_>) -> bool {
        ctx.viewer().is_ok_and(|v| v.is_admin() || v.user_id() == Some(self.0.applicant_id))
    }
}

#[Object]
impl SupervisorApplication {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// The applicant's real name (the applicant and admins only).
    async fn real_name(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx).then_some(self.0.real_name.as_str())
    }

    async fn category(&self) -> GqlResult<SupervisorCategory> {
        Ok(self.0.category)
    }

    async fn organization(&self) -> Option<&str> {
        self.0.organization.as_deref()
    }

    /// The applicant's phone number (the applicant and admins only).
    async fn phone(&self, ctx: &Context<'_>) -> Option<&str> {
        self.private(ctx).then_some(self.0.phone.as_str())
    }

    /// Why the applicant wants to serve.
    async fn statement(&self) -> &str {
        &self.0.statement
    }

    async fn status(&self) -> GqlResult<ApplicationStatus> {
        Ok(self.0.status)
    }

    /// The admin's note: required on rejection, optional on approval.
    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }

    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn applicant(&self, ctx: &Context<'_>) -> GqlResult<User> {
        let found = ctx.loaders()?.users.load_one(self.0.applicant_id).await.map_err(load_error)?;
        let model = found.ok_or(AppError::NotFound(t!("not-found-applicant")))?;
        Ok(User::seen_by(model, ctx.viewer()?))
    }

    /// The appointment made when the application was approved.
    async fn supervisor(&self, ctx: &Context<'_>) -> GqlResult<Option<Supervisor>> {
        let found = ctx.loaders()?.appointments_by_application.load_one(self.0.id).await.map_err(load_error)?;
        Ok(found.map(Supervisor))
    }
}

/// An appointment as openness supervisor.
pub struct Supervisor(pub supervisor::Model);

#[Object]
impl Supervisor {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn category(&self) -> GqlResult<SupervisorCategory> {
        Ok(self.0.category)
    }

    /// The supervisor's display name (not the real name, which only admins see, on the application).
    async fn display_name(&self, ctx: &Context<'_>) -> GqlResult<String> {
        let found = ctx.loaders()?.users.load_one(self.0.user_id).await.map_err(load_error)?;
        Ok(found.map(|u| u.display_name).unwrap_or_default())
    }

    async fn term_start(&self) -> DateTime<Utc> {
        self.0.term_start
    }

    async fn term_end(&self) -> DateTime<Utc> {
        self.0.term_end
    }

    /// True while `termStart <= now < termEnd` and the appointment is not revoked: only then may the
    /// supervisor file observations.
    async fn active(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(supervisors::is_active_at(&self.0, ctx.state()?.clock.now()))
    }

    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }

    /// Why the appointment was revoked (the supervisor and admins only).
    async fn revoked_reason(&self, ctx: &Context<'_>) -> GqlResult<Option<&str>> {
        Ok(if supervisors::can_see_private(ctx.viewer()?, &self.0) { self.0.revoked_reason.as_deref() } else { None })
    }

    /// How many observations were filed under this appointment.
    async fn observation_count(&self) -> i32 {
        self.0.observation_count
    }

    /// The supervisor's account (the supervisor and admins only).
    async fn user(&self, ctx: &Context<'_>) -> GqlResult<Option<User>> {
        let viewer = ctx.viewer()?;
        if !supervisors::can_see_private(viewer, &self.0) {
            return Ok(None);
        }
        let found = ctx.loaders()?.users.load_one(self.0.user_id).await.map_err(load_error)?;
        Ok(found.map(|model| User::seen_by(model, viewer)))
    }

    /// Observations filed under this appointment, newest first (the supervisor, admins and evaluators).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn observations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<ObservationStatus>,
    ) -> GqlResult<Option<ObservationConnection>> {
        let filter = observations::ListFilter { status, overdue: None };
        let (page, total) = observations::supervisor_list(ctx.state()?, ctx.viewer()?, &self.0, filter, first, after.as_deref()).await?;
        Ok(Some(ObservationConnection::from_page(page, total)))
    }
}

/// A supervisor's observation on a department. Visible to that supervisor, the department's staff,
/// admins and evaluators; never public.
pub struct Observation(pub observation::Model);

#[Object]
impl Observation {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn kind(&self) -> GqlResult<ObservationKind> {
        Ok(self.0.kind)
    }

    async fn status(&self) -> GqlResult<ObservationStatus> {
        Ok(self.0.status)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }

    /// When the department's answer is due: the end (23:59:59 China Standard Time) of the Nth working
    /// day after the day of filing, or of the latest follow-up (N = 15 unless configured otherwise),
    /// counted on the holiday calendar.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }

    /// When the department last answered.
    async fn answered_at(&self) -> Option<DateTime<Utc>> {
        self.0.answered_at
    }

    /// OPEN and past `dueAt`.
    async fn overdue(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(observations::is_overdue_at(&self.0, ctx.state()?.clock.now()))
    }

    async fn supervisor(&self, ctx: &Context<'_>) -> GqlResult<Supervisor> {
        let found = ctx.loaders()?.supervisors.load_one(self.0.supervisor_id).await.map_err(load_error)?;
        found.map(Supervisor).ok_or_else(|| AppError::NotFound(t!("not-found-supervisor")).into())
    }

    /// The department the observation is addressed to.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        let found = ctx.loaders()?.departments.load_one(self.0.department_id).await.map_err(load_error)?;
        found.map(Department).ok_or_else(|| AppError::NotFound(t!("not-found-department")).into())
    }

    /// The consultation the observation is about, if any (and if the viewer may see it).
    async fn consultation(&self, ctx: &Context<'_>) -> GqlResult<Option<Consultation>> {
        let Some(id) = self.0.consultation_id else { return Ok(None) };
        let found = ctx.loaders()?.consultations.load_one(id).await.map_err(load_error)?;
        let viewer = ctx.viewer()?;
        Ok(found.filter(|c| authz::can_see(viewer, c)).map(Consultation))
    }

    /// The department's answers, oldest first.
    #[graphql(complexity = "crate::graphql::list_cost(10, child_complexity)")]
    async fn replies(&self, ctx: &Context<'_>) -> GqlResult<Vec<ObservationReply>> {
        let found = ctx.loaders()?.observation_replies.load_one(self.0.id).await.map_err(load_error)?;
        Ok(found.unwrap_or_default().into_iter().map(ObservationReply).collect())
    }

    /// The supervisor's follow-ups, oldest first.
    #[graphql(complexity = "crate::graphql::list_cost(10, child_complexity)")]
    async fn follow_ups(&self, ctx: &Context<'_>) -> GqlResult<Vec<ObservationFollowUp>> {
        let found = ctx.loaders()?.follow_ups.load_one(self.0.id).await.map_err(load_error)?;
        Ok(found.unwrap_or_default().into_iter().map(ObservationFollowUp).collect())
    }
}

/// A department's answer to an observation.
pub struct ObservationReply(pub observation_reply::Model);

#[Object]
impl ObservationReply {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The staff member or admin who answered.
    async fn author(&self, ctx: &Context<'_>) -> GqlResult<User> {
        let found = ctx.loaders()?.users.load_one(self.0.author_id).await.map_err(load_error)?;
        let model = found.ok_or(AppError::NotFound(t!("not-found-author")))?;
        Ok(User::seen_by(model, ctx.viewer()?))
    }

    /// The department the answer speaks for: the one the observation is addressed to.
    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        let found = ctx.loaders()?.departments.load_one(self.0.department_id).await.map_err(load_error)?;
        found.map(Department).ok_or_else(|| AppError::NotFound(t!("not-found-department")).into())
    }

    async fn observation(&self, ctx: &Context<'_>) -> GqlResult<Observation> {
        let found = ctx.loaders()?.observations.load_one(self.0.observation_id).await.map_err(load_error)?;
        found.map(Observation).ok_or_else(|| AppError::NotFound(t!("not-found-observation")).into())
    }
}

/// A supervisor's follow-up, which re-opened an answered observation with a new due time.
pub struct ObservationFollowUp(pub observation_follow_up::Model);

#[Object]
impl ObservationFollowUp {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn body(&self) -> &str {
        &self.0.body
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The due time the follow-up set.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
}

/// How one department handled openness over a period `[from, to)`. Comment figures concern the
/// consultations the department leads; observation figures the observations addressed to it.
#[derive(SimpleObject)]
pub struct DepartmentScorecard {
    pub department: Department,
    /// Published consultations the department leads whose `opensAt` falls in the period (withdrawn
    /// and draft ones do not count).
    pub consultations_opened: i32,
    /// Comments created in the period on consultations the department leads that are PUBLISHED now
    /// (what the public sees, as `commentCount` and outcomes count it; PENDING, HIDDEN, REJECTED and
    /// WITHDRAWN comments are left out).
    pub comments_received: i32,
    /// Of `commentsReceived`, those with at least one official reply (given at any time up to now).
    pub comments_replied: i32,
    /// `commentsReplied / commentsReceived`; null when no comment was received.
    pub reply_rate: Option<f64>,
    /// Median, over `commentsReplied`, of the hours from a comment's creation to its first reply; the
    /// mean of the two middle values when their number is even; null when none was replied.
    pub median_first_reply_hours: Option<f64>,
    /// Of `commentsReplied`, the share whose verdict (the latest reply's) is ADOPTED or
    /// PARTIALLY_ADOPTED; null when none was replied.
    pub adoption_rate: Option<f64>,
    /// Observations addressed to the department filed in the period.
    pub observations_received: i32,
    /// Of `observationsReceived`, those the department has answered at least once (even if a follow-up
    /// has re-opened them since).
    pub observations_answered: i32,
    /// Of `observationsReceived`, those OPEN and past `dueAt` now, at the time of the query.
    pub observations_overdue: i32,
    /// Median, over `observationsAnswered`, of the hours from filing to the first answer (mean of the
    /// two middle values for an even number); null when none was answered.
    pub median_observation_answer_hours: Option<f64>,
    /// Disclosure requests addressed to the department first received in the period.
    pub disclosure_requests_received: i32,
    /// Of `disclosureRequestsReceived`, those the department answered (withdrawn and abandoned ones
    /// are not answers).
    pub disclosure_requests_answered: i32,
    /// Of `disclosureRequestsAnswered`, those answered by their deadline (`dueAt`, extensions and
    /// stopped clocks included).
    pub disclosure_requests_answered_on_time: i32,
    /// Of `disclosureRequestsReceived`, those unanswered past `dueAt` now, with the clock running.
    pub disclosure_requests_overdue: i32,
    /// Median, over `disclosureRequestsAnswered`, of the working days the clock ran before the answer
    /// (mean of the two middle values for an even number); null when none was answered.
    pub median_disclosure_working_days: Option<f64>,
}

fn clamp(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<scorecards::Scorecard> for DepartmentScorecard {
    fn from(s: scorecards::Scorecard) -> Self {
        Self {
            reply_rate: s.reply_rate(),
            adoption_rate: s.adoption_rate(),
            department: Department(s.department),
            consultations_opened: clamp(s.consultations_opened),
            comments_received: clamp(s.comments_received),
            comments_replied: clamp(s.comments_replied),
            median_first_reply_hours: s.median_first_reply_hours,
            observations_received: clamp(s.observations_received),
            observations_answered: clamp(s.observations_answered),
            observations_overdue: clamp(s.observations_overdue),
            median_observation_answer_hours: s.median_observation_answer_hours,
            disclosure_requests_received: clamp(s.disclosure_received),
            disclosure_requests_answered: clamp(s.disclosure_answered),
            disclosure_requests_answered_on_time: clamp(s.disclosure_answered_on_time),
            disclosure_requests_overdue: clamp(s.disclosure_overdue),
            median_disclosure_working_days: s.median_disclosure_working_days,
        }
    }
}
