//! The working-day calendar observation deadlines are counted on: weekends off, public holidays off,
//! and the weekend days officially declared working days on.
//!
//! The file (`calendar/cn-holidays.json`, built in; `HOLIDAY_CALENDAR` names a replacement) is read and
//! checked once at start, and a malformed one stops the server with a message naming the problem. It
//! seeds the database's calendar (`services/calendar.rs`), where admins enter each new year from the
//! State Council's notice the day it is published (`setCalendarYear`); a year in the database wins
//! over the file's.
//!
//! A deadline of N working days is the end of the Nth working day after the day of filing, in the
//! calendar's time zone (China Standard Time): the day of filing itself never counts, whatever the
//! hour, as Chinese administrative time limits are reckoned. "End of the day" is 23:59:59 local time,
//! so an observation becomes overdue at the first second of the following day.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, Utc, Weekday};
use serde::Deserialize;

/// The built-in calendar: the official Chinese schedule.
pub const BUILT_IN: &str = include_str!("../calendar/cn-holidays.json");

#[derive(Clone, Debug)]
pub struct Calendar {
    offset: FixedOffset,
    holidays: HashSet<NaiveDate>,
    workdays: HashSet<NaiveDate>,
    years: BTreeSet<i32>,
    entries: BTreeMap<i32, YearEntry>,
}

/// A public holiday: its name and its first and last day off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holiday {
    pub name: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One year of the calendar as the State Council's notice gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearEntry {
    pub year: i32,
    /// The notice it was taken from.
    pub source: String,
    pub holidays: Vec<Holiday>,
    /// The weekend days declared working days.
    pub workdays: Vec<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CalendarFile {
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    utc_offset: String,
    years: Vec<YearFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    year: i32,
    #[serde(default)]
    #[allow(dead_code)]
    source: Option<String>,
    holidays: Vec<HolidayFile>,
    workdays: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    name: String,
    from: String,
    to: String,
}

fn parse_date(text: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| format!("{what} `{text}` is not a date in the form YYYY-MM-DD"))
}

fn parse_offset(text: &str) -> Result<FixedOffset, String> {
    let bad = || format!("utcOffset `{text}` is not an offset in the form +HH:MM or -HH:MM");
    let (sign, rest) = match text.split_at_checked(1) {
        Some(("+", rest)) => (1, rest),
        Some(("-", rest)) => (-1, rest),
        _ => return Err(bad()),
    };
    let (h, m) = rest.split_once(':').ok_or_else(bad)?;
    let valid = |s: &str| s.len() == 2 && s.chars().all(|c| c.is_ascii_digit());
    if !valid(h) || !valid(m) {
        return Err(bad());
    }
    let hours: i32 = h.parse().map_err(|_| bad())?;
    let minutes: i32 = m.parse().map_err(|_| bad())?;
    if hours > 14 || minutes > 59 {
        return Err(bad());
    }
    FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60)).ok_or_else(bad)
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// The built-in calendar.
    pub fn built_in() -> anyhow::Result<Self> {
        Self::parse(BUILT_IN, "built into the server")
    }

    /// The calendar at `path`, or the built-in one when there is none.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        match path {
            None => Self::built_in(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("HOLIDAY_CALENDAR: cannot read the holiday calendar at {}", path.display()))?;
                Self::parse(&text, &format!("at {}", path.display()))
            }
        }
    }

    /// Reads and checks a calendar file; `origin` says where it came from, for the error message.
    pub fn parse(text: &str, origin: &str) -> anyhow::Result<Self> {
        Self::parse_checked(text).map_err(|problem| anyhow::anyhow!("the holiday calendar {origin} is not valid: {problem}"))
    }

    fn parse_checked(text: &str) -> Result<Self, String> {
        let file: CalendarFile = serde_json::from_str(text).map_err(|e| format!("{e}"))?;
        let offset = parse_offset(&file.utc_offset)?;
        if file.years.is_empty() {
            return Err("`years` lists no year".to_owned());
        }
        let mut entries = Vec::with_capacity(file.years.len());
        for (i, y) in file.years.iter().enumerate() {
            let at = format!("years[{i}] ({})", y.year);
            let mut holidays = Vec::with_capacity(y.holidays.len());
            for (j, h) in y.holidays.iter().enumerate() {
                let at = format!("{at} holidays[{j}] \"{}\"", h.name.trim());
                let from = parse_date(&h.from, "`from`").map_err(|e| format!("{at}: {e}"))?;
                let to = parse_date(&h.to, "`to`").map_err(|e| format!("{at}: {e}"))?;
                holidays.push(Holiday { name: h.name.trim().to_owned(), from, to });
            }
            let mut workdays = Vec::with_capacity(y.workdays.len());
            for (j, text) in y.workdays.iter().enumerate() {
                workdays.push(parse_date(text, "the date").map_err(|e| format!("{at} workdays[{j}]: {e}"))?);
            }
            entries.push(YearEntry { year: y.year, source: y.source.clone().unwrap_or_default(), holidays, workdays });
        }
        Self::from_entries(offset, entries)
    }

    /// A calendar of these years in this time zone, each checked: a year between 1970 and 9999 and
    /// listed once, holidays named, in their year, not reversed and not overlapping, and declared
    /// working days that are weekend days of the year and not holidays.
    pub fn from_entries(offset: FixedOffset, entries: Vec<YearEntry>) -> Result<Self, String> {
        let mut calendar = Self { offset, holidays: HashSet::new(), workdays: HashSet::new(), years: BTreeSet::new(), entries: BTreeMap::new() };
        for (i, y) in entries.into_iter().enumerate() {
            let year = y.year;
            let at = format!("years[{i}] ({year})");
            if !(1970..=9999).contains(&year) {
                return Err(format!("{at}: `year` must be between 1970 and 9999"));
            }
            if !calendar.years.insert(year) {
                return Err(format!("{at}: the year {year} is listed twice"));
            }
            for (j, h) in y.holidays.iter().enumerate() {
                let at = format!("{at} holidays[{j}]");
                if h.name.trim().is_empty() {
                    return Err(format!("{at}: `name` must not be empty"));
                }
                let at = format!("{at} \"{}\"", h.name.trim());
                let (from, to) = (h.from, h.to);
                if from.year() != year || to.year() != year {
                    return Err(format!("{at}: the dates must fall in {year}; list a holiday that spans two years under each year"));
                }
                if to < from {
                    return Err(format!("{at}: `to` ({to}) is before `from` ({from})"));
                }
                for day in from.iter_days().take_while(|d| *d <= to) {
                    if !calendar.holidays.insert(day) {
                        return Err(format!("{at}: {day} is already a holiday in the calendar"));
                    }
                }
            }
            for (j, &day) in y.workdays.iter().enumerate() {
                let at = format!("{at} workdays[{j}]");
                if day.year() != year {
                    return Err(format!("{at}: {day} does not fall in {year}"));
                }
                if !is_weekend(day) {
                    return Err(format!("{at}: {day} is a {:?}, a working day anyway; only weekend days are declared working days", day.weekday()));
                }
                if calendar.holidays.contains(&day) {
                    return Err(format!("{at}: {day} is also listed as a holiday"));
                }
                if !calendar.workdays.insert(day) {
                    return Err(format!("{at}: {day} is listed twice"));
                }
            }
            calendar.entries.insert(year, y);
        }
        Ok(calendar)
    }

    /// The time zone its days are reckoned in.
    pub fn offset(&self) -> FixedOffset {
        self.offset
    }

    /// Each year it knows, in order.
    pub fn entries(&self) -> impl Iterator<Item = &YearEntry> + '_ {
        self.entries.values()
    }

    /// This calendar with `entry` in place of its year (or added).
    pub fn with_year(&self, entry: YearEntry) -> Result<Self, String> {
        let mut entries: Vec<YearEntry> = self.entries.values().filter(|e| e.year != entry.year).cloned().collect();
        entries.push(entry);
        entries.sort_by_key(|e| e.year);
        Self::from_entries(self.offset, entries)
    }

    /// The years the calendar knows; other years count weekdays only.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.holidays.contains(&date) {
            false
        } else {
            self.workdays.contains(&date) || !is_weekend(date)
        }
    }

    /// The calendar day of an instant in the calendar's time zone.
    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset).date_naive()
    }

    /// The `n`th working day after `date` (`date` itself not counted; `n = 0` gives `date`).
    pub fn nth_working_day_after(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut counted = 0;
        while counted < n {
            day += Duration::days(1);
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        day
    }

    /// The working days after `from` up to and including `to` (0 when `to` is not after `from`).
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut day = from;
        let mut counted = 0;
        while day < to {
            day += Duration::days(1);
            if self.is_working_day(day) {
                counted += 1;
            }
        }
        counted
    }

    /// The deadline of something filed at `filed` with `working_days` to answer: 23:59:59 local time on
    /// the `working_days`th working day after the day of filing.
    pub fn due_at(&self, filed: DateTime<Utc>, working_days: u32) -> DateTime<Utc> {
        let last_day = self.nth_working_day_after(self.local_date(filed), working_days);
        let local_end = last_day.and_time(NaiveTime::MIN) + Duration::days(1) - Duration::seconds(1);
        let utc = local_end - Duration::seconds(i64::from(self.offset.local_minus_utc()));
        DateTime::from_naive_utc_and_offset(utc, Utc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn cn() -> Calendar {
        Calendar::built_in().unwrap()
    }

    #[test]
    fn the_built_in_calendar_holds_the_2026_schedule() {
        let c = cn();
        assert!(c.covers(2026));
        // Spring Festival: 15–23 February off, Saturdays 14 and 28 February worked.
        assert!(!c.is_working_day(date("2026-02-16")));
        assert!(!c.is_working_day(date("2026-02-23")));
        assert!(c.is_working_day(date("2026-02-14")));
        assert!(c.is_working_day(date("2026-02-28")));
        // National Day: 1–7 October off; Sunday 20 September and Saturday 10 October worked.
        assert!(!c.is_working_day(date("2026-10-07")));
        assert!(c.is_working_day(date("2026-09-20")));
        assert!(c.is_working_day(date("2026-10-10")));
        // An ordinary week.
        assert!(c.is_working_day(date("2026-11-27")));
        assert!(!c.is_working_day(date("2026-11-28")));
        assert!(!c.is_working_day(date("2026-11-29")));
    }

    #[test]
    fn a_deadline_skips_the_weekend() {
        // Filed on Friday 27 November 2026 (10:00 CST): one working day later is Monday the 30th.
        let due = cn().due_at(at("2026-11-27T10:00:00+08:00"), 1);
        assert_eq!(due, at("2026-11-30T23:59:59+08:00"));
        // Fifteen working days from Friday 27 November: 30 Nov – 18 Dec, three full weeks.
        assert_eq!(cn().due_at(at("2026-11-27T10:00:00+08:00"), 15), at("2026-12-18T23:59:59+08:00"));
    }

    #[test]
    fn a_deadline_skips_a_public_holiday() {
        // Filed on Wednesday 30 September 2026: 1–7 October are off, Thursday the 8th is the first
        // working day after it.
        let c = cn();
        assert_eq!(c.due_at(at("2026-09-30T15:00:00+08:00"), 1), at("2026-10-08T23:59:59+08:00"));
        // Qingming (4–6 April, Saturday to Monday): filed Friday 3 April, due Tuesday the 7th.
        assert_eq!(c.due_at(at("2026-04-03T09:00:00+08:00"), 1), at("2026-04-07T23:59:59+08:00"));
        // Labour Day (1–5 May) with 15 working days from Thursday 30 April: 6–8 May (3), Saturday the
        // 9th worked (4), then 11 May onwards: 11–15 (9), 18–22 (14), 25 May (15).
        assert_eq!(c.due_at(at("2026-04-30T09:00:00+08:00"), 15), at("2026-05-25T23:59:59+08:00"));
    }

    #[test]
    fn working_days_between_counts_what_nth_working_day_after_steps_over() {
        let c = cn();
        for n in [0, 1, 7, 15, 20, 40] {
            let start = date("2026-09-25");
            assert_eq!(c.working_days_between(start, c.nth_working_day_after(start, n)), n);
        }
        assert_eq!(c.working_days_between(date("2026-10-01"), date("2026-10-07")), 0);
        assert_eq!(c.working_days_between(date("2026-10-09"), date("2026-10-01")), 0);
    }

    #[test]
    fn a_deadline_can_fall_on_a_declared_working_weekend_day() {
        let c = cn();
        // Filed Friday 9 October 2026: Saturday the 10th is a declared working day.
        assert_eq!(c.due_at(at("2026-10-09T11:00:00+08:00"), 1), at("2026-10-10T23:59:59+08:00"));
        // Filed Thursday 12 February: Friday the 13th, then Saturday the 14th (worked before the
        // Spring Festival).
        assert_eq!(c.due_at(at("2026-02-12T11:00:00+08:00"), 2), at("2026-02-14T23:59:59+08:00"));
    }

    #[test]
    fn the_day_of_filing_is_the_local_day_in_china_standard_time() {
        // 17:00 UTC on Friday is 01:00 on Saturday in Beijing: the filing day is Saturday, so one
        // working day later is Monday, not Monday-from-Friday's-count.
        let c = cn();
        assert_eq!(c.due_at(at("2026-11-27T17:00:00Z"), 1), at("2026-11-30T23:59:59+08:00"));
        assert_eq!(c.due_at(at("2026-11-26T15:59:59Z"), 1), at("2026-11-27T23:59:59+08:00"));
    }

    #[test]
    fn years_outside_the_calendar_count_weekdays_only() {
        let c = cn();
        assert!(!c.covers(2031));
        assert_eq!(c.due_at(at("2031-01-03T10:00:00+08:00"), 1), at("2031-01-06T23:59:59+08:00"));
    }

    fn problem(text: &str) -> String {
        format!("{:#}", Calendar::parse(text, "under test").unwrap_err())
    }

    fn one_year(holidays: &str, workdays: &str) -> String {
        format!(r#"{{ "utcOffset": "+08:00", "years": [ {{ "year": 2026, "holidays": [{holidays}], "workdays": [{workdays}] }} ] }}"#)
    }

    #[test]
    fn a_malformed_calendar_is_refused_with_the_problem_named() {
        assert!(problem("{ not json").contains("under test is not valid"));
        assert!(problem(r#"{ "utcOffset": "+08:00", "years": [], "extra": 1 }"#).contains("unknown field `extra`"));
        assert!(problem(r#"{ "utcOffset": "+08:00", "years": [] }"#).contains("lists no year"));
        assert!(problem(r#"{ "utcOffset": "8", "years": [] }"#).contains("utcOffset `8`"));
        let bad_date = problem(&one_year(r#"{ "name": "春节", "from": "2026-02-30", "to": "2026-02-23" }"#, ""));
        assert!(bad_date.contains("holidays[0] \"春节\": `from` `2026-02-30` is not a date"), "{bad_date}");
        let reversed = problem(&one_year(r#"{ "name": "春节", "from": "2026-02-23", "to": "2026-02-15" }"#, ""));
        assert!(reversed.contains("is before `from`"), "{reversed}");
        let other_year = problem(&one_year(r#"{ "name": "元旦", "from": "2027-01-01", "to": "2027-01-01" }"#, ""));
        assert!(other_year.contains("must fall in 2026"), "{other_year}");
        let weekday = problem(&one_year("", r#""2026-02-13""#));
        assert!(weekday.contains("workdays[0]: 2026-02-13 is a Fri"), "{weekday}");
        let both = problem(&one_year(r#"{ "name": "春节", "from": "2026-02-14", "to": "2026-02-15" }"#, r#""2026-02-14""#));
        assert!(both.contains("also listed as a holiday"), "{both}");
        let overlap = problem(&one_year(
            r#"{ "name": "中秋节", "from": "2026-10-01", "to": "2026-10-02" }, { "name": "国庆节", "from": "2026-10-02", "to": "2026-10-07" }"#,
            "",
        ));
        assert!(overlap.contains("2026-10-02 is already a holiday"), "{overlap}");
        let twice = problem(r#"{ "utcOffset": "+08:00", "years": [ { "year": 2026, "holidays": [], "workdays": [] }, { "year": 2026, "holidays": [], "workdays": [] } ] }"#);
        assert!(twice.contains("listed twice"), "{twice}");
        let missing = problem(r#"{ "utcOffset": "+08:00", "years": [ { "year": 2026, "holidays": [] } ] }"#);
        assert!(missing.contains("missing field `workdays`"), "{missing}");
    }

    #[test]
    fn a_missing_calendar_file_is_refused() {
        let error = format!("{:#}", Calendar::load(Some(Path::new("/nonexistent/holidays.json"))).unwrap_err());
        assert!(error.contains("HOLIDAY_CALENDAR: cannot read the holiday calendar at /nonexistent/holidays.json"), "{error}");
    }
}
