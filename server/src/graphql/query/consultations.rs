//! `consultations` and `consultation(id)`.

use async_graphql::{Context, InputObject, Object, ID};

use crate::domain::ConsultationStatus;
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::consultation::ConsultationConnection;
use crate::graphql::types::Consultation;
use crate::services::consultations;

#[derive(InputObject, Default)]
pub struct ConsultationFilter {
    pub status: Option<ConsultationStatus>,
    pub department_id: Option<ID>,
    pub category: Option<String>,
    /// Words in the title, summary or body, every one of them (at most 100 characters; blank is no
    /// search). A Chinese word of one or two characters finds the texts containing it; a longer one,
    /// the texts containing each of its pairs of adjacent characters; an English word or number, the
    /// texts containing it as a whole word, in any case. Text without a single Chinese character,
    /// letter or digit is BAD_USER_INPUT.
    pub search: Option<String>,
}

#[derive(Default)]
pub struct ConsultationsQuery;

#[Object]
impl ConsultationsQuery {
    /// Published consultations, newest first; DRAFT and WITHDRAWN ones only for their department's staff
    /// and admins, when the filter asks for them.
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn consultations(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ConsultationFilter>,
    ) -> GqlResult<ConsultationConnection> {
        let filter = filter.unwrap_or_default();
        let filter = consultations::ListFilter {
            status: filter.status,
            department_id: filter.department_id.as_ref().map(|id| parse_id("filter.departmentId", id)).transpose()?,
            category: filter.category,
            search: filter.search,
        };
        let result = consultations::list(ctx.state()?, ctx.viewer()?, &filter, first, after.as_deref()).await?;
        Ok(ConsultationConnection::from_list(result))
    }

    async fn consultation(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<Consultation>> {
        let id = parse_id("id", &id)?;
        Ok(Some(Consultation(consultations::get(ctx.state()?, ctx.viewer()?, id).await?)))
    }
}
