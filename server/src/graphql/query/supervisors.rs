//! Supervisor applications and appointments, observations, and department scorecards.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use crate::domain::ApplicationStatus;
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::supervisor::{SupervisorApplicationConnection, SupervisorConnection};
use crate::graphql::types::{DepartmentScorecard, Observation, Supervisor, SupervisorApplication};
use crate::services::{observations, pagination, scorecards, supervisors};

#[derive(Default)]
pub struct SupervisorsQuery;

#[Object]
impl SupervisorsQuery {
    /// Supervisor applications, newest first (admins).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn supervisor_applications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        status: Option<ApplicationStatus>,
    ) -> GqlResult<Option<SupervisorApplicationConnection>> {
        let (page, total) = supervisors::list_applications(ctx.state()?, ctx.viewer()?, status, first, after.as_deref()).await?;
        let items = page.items.into_iter().map(|a| (pagination::id_cursor(a.id), SupervisorApplication(a))).collect();
        Ok(Some(SupervisorApplicationConnection::new(items, page.has_next, total.into())))
    }

    /// Supervisor appointments, newest first (admins and evaluators). `active: true` keeps those in
    /// their term and not revoked; `false` the others.
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn supervisors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        active: Option<bool>,
    ) -> GqlResult<Option<SupervisorConnection>> {
        let (page, total) = supervisors::list_supervisors(ctx.state()?, ctx.viewer()?, active, first, after.as_deref()).await?;
        let items = page.items.into_iter().map(|s| (pagination::id_cursor(s.id), Supervisor(s))).collect();
        Ok(Some(SupervisorConnection::new(items, page.has_next, total.into())))
    }

    /// An observation, for its supervisor, the department's staff, admins and evaluators; NOT_FOUND for
    /// anyone else.
    async fn observation(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Observation>> {
        let id = parse_id("id", &id)?;
        Ok(Some(Observation(observations::get(ctx.state()?, ctx.viewer()?, id).await?)))
    }

    /// Every department's figures over `[from, to)`, ordered by department code (admins and
    /// evaluators). Departments without activity are listed with zero counts and null rates.
    #[graphql(complexity = "crate::graphql::list_cost(50, child_complexity)")]
    async fn department_scorecards(&self, ctx: &Context<'_>, from: DateTime<Utc>, to: DateTime<Utc>) -> GqlResult<Option<Vec<DepartmentScorecard>>> {
        let cards = scorecards::department_scorecards(ctx.state()?, ctx.viewer()?, from, to).await?;
        Ok(Some(cards.into_iter().map(DepartmentScorecard::from).collect()))
    }
}
