//! The holiday calendar as admins keep it: one row a year in `calendar_years`, entered from the State
//! Council's notice the day it is published (`setCalendarYear`), used by every instance at once.
//!
//! Each instance keeps the calendar it last read. Before a deadline is counted it asks the database
//! for the calendar's stamp (how many years, and when one last changed: one small query) and reads the
//! years again when the stamp moved, so a year entered on one instance counts on every other from its
//! next deadline. The file in the repository (`HOLIDAY_CALENDAR`, or the built-in one) seeds the
//! years the database lacks at start; a year in the database wins over the file's.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::calendar::{Calendar, Holiday, YearEntry};
use crate::domain::Role;
use crate::error::{AppError, AppResult, FieldError};
use crate::services::audit;
use crate::services::authz::{self, Viewer};
use crate::sql;
use crate::state::AppState;
use crate::t;

/// The most holidays and declared working days one year may list (a real year has about 7 and 6).
const MAX_PER_YEAR: usize = 50;
const MAX_SOURCE: usize = 500;
const MAX_NAME: usize = 50;

/// The calendar an instance last read, and the stamp it was read at.
pub struct CalendarCell {
    current: RwLock<(Option<String>, Arc<Calendar>)>,
    /// The file's calendar: its time zone, and the years it seeds.
    file: Arc<Calendar>,
}

impl CalendarCell {
    pub fn new(file: Calendar) -> Self {
        let file = Arc::new(file);
        Self { current: RwLock::new((None, file.clone())), file }
    }

    /// The calendar as last read (without asking the database whether it changed).
    pub fn get(&self) -> Arc<Calendar> {
        match self.current.read() {
            Ok(guard) => guard.1.clone(),
            Err(poisoned) => poisoned.into_inner().1.clone(),
        }
    }

    fn stamp(&self) -> Option<String> {
        match self.current.read() {
            Ok(guard) => guard.0.clone(),
            Err(poisoned) => poisoned.into_inner().0.clone(),
        }
    }

    fn set(&self, stamp: String, calendar: Arc<Calendar>) {
        match self.current.write() {
            Ok(mut guard) => *guard = (Some(stamp), calendar),
            Err(poisoned) => *poisoned.into_inner() = (Some(stamp), calendar),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct StoredHoliday {
    name: String,
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(FromQueryResult)]
struct Row {
    year: i32,
    source: String,
    holidays: String,
    workdays: String,
}

async fn stamp(db: &impl ConnectionTrait) -> AppResult<String> {
    #[derive(FromQueryResult)]
    struct Stamp {
        n: i64,
        at: Option<DateTime<Utc>>,
    }
    let found: Option<Stamp> = sql::one(db, "SELECT COUNT(*) AS n, MAX(updated_at) AS at FROM calendar_years", vec![]).await?;
    Ok(found.map_or_else(String::new, |s| format!("{}|{}", s.n, s.at.map(|t| t.to_rfc3339()).unwrap_or_default())))
}

async fn read(state: &AppState, db: &impl ConnectionTrait) -> AppResult<Calendar> {
    let rows: Vec<Row> = sql::all(db, "SELECT year, source, holidays, workdays FROM calendar_years ORDER BY year", vec![]).await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let holidays: Vec<StoredHoliday> = serde_json::from_str(&row.holidays).map_err(|e| AppError::internal(anyhow::anyhow!("calendar year {}: holidays: {e}", row.year)))?;
        let workdays: Vec<NaiveDate> = serde_json::from_str(&row.workdays).map_err(|e| AppError::internal(anyhow::anyhow!("calendar year {}: workdays: {e}", row.year)))?;
        entries.push(YearEntry {
            year: row.year,
            source: row.source,
            holidays: holidays.into_iter().map(|h| Holiday { name: h.name, from: h.from, to: h.to }).collect(),
            workdays,
        });
    }
    Calendar::from_entries(state.calendar.file.offset(), entries).map_err(|problem| AppError::internal(anyhow::anyhow!("the stored holiday calendar is not valid: {problem}")))
}

/// The calendar as the database has it now: read again only when its stamp moved.
pub async fn current(state: &AppState) -> AppResult<Arc<Calendar>> {
    let now = stamp(&state.db.conn).await?;
    if state.calendar.stamp().as_deref() == Some(now.as_str()) {
        return Ok(state.calendar.get());
    }
    let calendar = Arc::new(read(state, &state.db.conn).await?);
    state.calendar.set(now, calendar.clone());
    Ok(calendar)
}

/// At start: writes the file's years the database lacks, then reads the calendar.
pub async fn seed(state: &AppState) -> AppResult<()> {
    let txn = state.db.begin().await?;
    let now = state.clock.now();
    for entry in state.calendar.file.entries() {
        let (holidays, workdays) = stored(entry);
        sql::execute(
            &*txn,
            "INSERT INTO calendar_years (year, source, holidays, workdays, updated_by, updated_at) VALUES ($1, $2, $3, $4, NULL, $5)
             ON CONFLICT (year) DO NOTHING",
            vec![entry.year.into(), entry.source.clone().into(), holidays.into(), workdays.into(), now.into()],
        )
        .await?;
    }
    txn.commit_private().await?;
    let calendar = current(state).await?;
    crate::state::warn_about_missing_years(&calendar);
    Ok(())
}

fn stored(entry: &YearEntry) -> (String, String) {
    let holidays: Vec<StoredHoliday> = entry.holidays.iter().map(|h| StoredHoliday { name: h.name.clone(), from: h.from, to: h.to }).collect();
    (json!(holidays).to_string(), json!(entry.workdays).to_string())
}

/// This year and the next (in the calendar's time zone), where the calendar lacks them.
pub fn missing_years(calendar: &Calendar, now: DateTime<Utc>) -> Vec<i32> {
    let this_year = calendar.local_date(now).year();
    [this_year, this_year + 1].into_iter().filter(|y| !calendar.covers(*y)).collect()
}

/// The calendar for its readers: admins, staff and evaluators.
pub async fn read_for(state: &AppState, viewer: &Viewer) -> AppResult<Arc<Calendar>> {
    authz::require_role(viewer, &[Role::Admin, Role::Staff, Role::Evaluator], t!("action-read-calendar"))?;
    current(state).await
}

/// Checks a year as an admin entered it, field by field.
fn check(entry: &YearEntry) -> Vec<FieldError> {
    let mut fields = Vec::new();
    let year = entry.year;
    if !(1970..=9999).contains(&year) {
        fields.push(FieldError::new("input.year", t!("field-year-range")));
        return fields;
    }
    let source = entry.source.trim();
    if source.is_empty() {
        fields.push(FieldError::new("input.source", t!("field-required")));
    } else if source.chars().count() > MAX_SOURCE {
        fields.push(FieldError::new("input.source", t!("field-at-most-chars", max = MAX_SOURCE)));
    }
    if entry.holidays.len() > MAX_PER_YEAR {
        fields.push(FieldError::new("input.holidays", t!("field-at-most-entries", max = MAX_PER_YEAR)));
    }
    if entry.workdays.len() > MAX_PER_YEAR {
        fields.push(FieldError::new("input.workdays", t!("field-at-most-entries", max = MAX_PER_YEAR)));
    }
    let mut off: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for (i, h) in entry.holidays.iter().enumerate() {
        let name = h.name.trim();
        if name.is_empty() {
            fields.push(FieldError::new(format!("input.holidays[{i}].name"), t!("field-required")));
        } else if name.chars().count() > MAX_NAME {
            fields.push(FieldError::new(format!("input.holidays[{i}].name"), t!("field-at-most-chars", max = MAX_NAME)));
        }
        if h.from.year() != year {
            fields.push(FieldError::new(format!("input.holidays[{i}].from"), t!("field-date-in-year", year = i64::from(year))));
        } else if h.to.year() != year {
            fields.push(FieldError::new(format!("input.holidays[{i}].to"), t!("field-date-in-year", year = i64::from(year))));
        } else if h.to < h.from {
            fields.push(FieldError::new(format!("input.holidays[{i}].to"), t!("field-holiday-reversed")));
        } else if off.iter().any(|(from, to)| h.from <= *to && *from <= h.to) {
            fields.push(FieldError::new(format!("input.holidays[{i}]"), t!("field-holiday-overlap")));
        } else {
            off.push((h.from, h.to));
        }
    }
    for (i, day) in entry.workdays.iter().enumerate() {
        let field = format!("input.workdays[{i}]");
        if day.year() != year {
            fields.push(FieldError::new(field, t!("field-date-in-year", year = i64::from(year))));
        } else if !matches!(day.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            fields.push(FieldError::new(field, t!("field-workday-weekend")));
        } else if off.iter().any(|(from, to)| from <= day && day <= to) {
            fields.push(FieldError::new(field, t!("field-workday-holiday")));
        } else if entry.workdays[..i].contains(day) {
            fields.push(FieldError::new(field, t!("field-listed-twice")));
        }
    }
    fields
}

/// Enters or replaces one year of the calendar (admins only; audited). It counts for every deadline
/// set from now on, on every instance; deadlines already set do not move.
pub async fn set_year(state: &AppState, viewer: &Viewer, mut entry: YearEntry) -> AppResult<YearEntry> {
    let admin = authz::require_admin(viewer, t!("action-set-calendar"))?.id;
    entry.source = entry.source.trim().to_owned();
    for h in &mut entry.holidays {
        h.name = h.name.trim().to_owned();
    }
    entry.holidays.sort_by_key(|h| h.from);
    let fields = check(&entry);
    if !fields.is_empty() {
        return Err(AppError::BadInput(fields));
    }
    entry.workdays.sort_unstable();
    let txn = state.db.begin().await?;
    // The whole calendar with this year in place must hold together (it does when `check` passed).
    read(state, &*txn).await?.with_year(entry.clone()).map_err(|problem| AppError::internal(anyhow::anyhow!("{problem}")))?;
    let (holidays, workdays) = stored(&entry);
    let now = state.clock.now();
    sql::execute(
        &*txn,
        "INSERT INTO calendar_years (year, source, holidays, workdays, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (year) DO UPDATE SET source = excluded.source, holidays = excluded.holidays, workdays = excluded.workdays,
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        vec![entry.year.into(), entry.source.clone().into(), holidays.clone().into(), workdays.clone().into(), admin.into(), now.into()],
    )
    .await?;
    audit::record(&*txn, &state.clock, Some(admin), "calendar.set_year", "CalendarYear", None, json!({ "year": entry.year, "source": entry.source, "holidays": entry.holidays.len(), "workdays": entry.workdays.len() })).await?;
    txn.commit_private().await?;
    current(state).await?;
    Ok(entry)
}
