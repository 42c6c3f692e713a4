//! `setCalendarYear`, for admins.

use async_graphql::{Context, InputObject, Object};

use crate::calendar::{Holiday, YearEntry};
use crate::graphql::context::{ContextExt, GqlResult};
use crate::graphql::types::calendar::{CalendarYear, Date};
use crate::services::calendar;

#[derive(InputObject)]
pub struct HolidayInput {
    pub name: String,
    /// The first day off.
    pub from: Date,
    /// The last day off.
    pub to: Date,
}

#[derive(InputObject)]
pub struct CalendarYearInput {
    pub year: i32,
    /// The notice it is taken from (e.g. 国务院办公厅关于2027年部分节假日安排的通知).
    pub source: String,
    /// The public holidays of the year (days off); a holiday across New Year is listed under each year.
    pub holidays: Vec<HolidayInput>,
    /// The weekend days declared working days.
    pub workdays: Vec<Date>,
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object]
impl CalendarMutation {
    /// Enters or replaces one year of the holiday calendar (admins; audited), for every instance at
    /// once. Deadlines already set do not move.
    async fn set_calendar_year(&self, ctx: &Context<'_>, input: CalendarYearInput) -> GqlResult<CalendarYear> {
        let entry = YearEntry {
            year: input.year,
            source: input.source,
            holidays: input.holidays.into_iter().map(|h| Holiday { name: h.name, from: h.from.0, to: h.to.0 }).collect(),
            workdays: input.workdays.into_iter().map(|d| d.0).collect(),
        };
        Ok(CalendarYear(calendar::set_year(ctx.state()?, ctx.viewer()?, entry).await?))
    }
}
