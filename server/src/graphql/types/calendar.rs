//! The holiday calendar as admins, staff and evaluators read it, and the `Date` scalar.

use async_graphql::{InputValueError, InputValueResult, Object, Scalar, ScalarType, SimpleObject, Value};
use chrono::NaiveDate;

use crate::calendar::YearEntry;

/// A calendar day, `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d").map(Date).map_err(|_| InputValueError::custom("a date is written YYYY-MM-DD")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}

/// A public holiday: its first and last day off.
#[derive(SimpleObject)]
pub struct Holiday {
    pub name: String,
    pub from: Date,
    pub to: Date,
}

/// One year of the calendar, as the State Council's notice gives it.
pub struct CalendarYear(pub YearEntry);

#[Object]
impl CalendarYear {
    async fn year(&self) -> i32 {
        self.0.year
    }

    /// The notice it was taken from.
    async fn source(&self) -> &str {
        &self.0.source
    }

    async fn holidays(&self) -> Vec<Holiday> {
        self.0.holidays.iter().map(|h| Holiday { name: h.name.clone(), from: Date(h.from), to: Date(h.to) }).collect()
    }

    /// The weekend days declared working days (调休上班).
    async fn workdays(&self) -> Vec<Date> {
        self.0.workdays.iter().copied().map(Date).collect()
    }
}

/// The working-day calendar every deadline is counted on.
#[derive(SimpleObject)]
pub struct HolidayCalendar {
    /// This year and the next (China Standard Time), where the calendar has no entry yet: deadlines in
    /// such a year count weekdays only until an admin enters it.
    pub missing_years: Vec<i32>,
    /// The years it knows, in order.
    pub years: Vec<CalendarYear>,
}
