//! `holidayCalendar`, for admins, staff and evaluators.

use async_graphql::{Context, Object};

use crate::graphql::context::{ContextExt, GqlResult};
use crate::graphql::types::calendar::{CalendarYear, HolidayCalendar};
use crate::services::calendar;

#[derive(Default)]
pub struct CalendarQuery;

#[Object]
impl CalendarQuery {
    /// The working-day calendar deadlines are counted on (admins, staff and evaluators).
    async fn holiday_calendar(&self, ctx: &Context<'_>) -> GqlResult<HolidayCalendar> {
        let state = ctx.state()?;
        let current = calendar::read_for(state, ctx.viewer()?).await?;
        Ok(HolidayCalendar {
            missing_years: calendar::missing_years(&current, state.clock.now()),
            years: current.entries().cloned().map(CalendarYear).collect(),
        })
    }
}
