//! Disclosure requests and the annual report.

use async_graphql::{Context, Object, ID};

use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::disclosure::{DisclosureAnnualReport, DisclosureRequest};
use crate::services::disclosure::{self, report};

#[derive(Default)]
pub struct DisclosureQuery;

#[Object]
impl DisclosureQuery {
    /// A disclosure request: for its applicant, the department's staff and admins; evaluators see it
    /// without the applicant's personal data. NOT_FOUND for anyone else.
    async fn disclosure_request(&self, ctx: &Context<'_>, id: ID) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        let (r, access) = disclosure::get(ctx.state()?, ctx.viewer()?, id).await?;
        Ok(DisclosureRequest::new(r, access))
    }

    /// The annual report's tables on disclosure requests for `year` (China Standard Time), for one
    /// department or, without `departmentId`, the whole government (admins and evaluators; a
    /// department's staff, their own department's).
    async fn disclosure_annual_report(&self, ctx: &Context<'_>, year: i32, department_id: Option<ID>) -> GqlResult<DisclosureAnnualReport> {
        let department = department_id.as_ref().map(|id| parse_id("departmentId", id)).transpose()?;
        let (state, viewer) = (ctx.state()?, ctx.viewer()?);
        let report = report::read(state, viewer, year, department).await?;
        let csv_url = report::link(state, viewer, year, department)?;
        Ok(DisclosureAnnualReport { report, csv_url })
    }
}
