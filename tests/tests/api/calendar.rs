//! The holiday calendar kept by admins through the API: a year entered the day its notice is
//! published counts for every deadline set from then on, on every instance; bad entries are refused
//! field by field; only admins change it, and only admins, staff and evaluators read it.

use chrono::{Datelike, Duration, NaiveDate};
use gongkai::calendar::{Calendar, Holiday, YearEntry};
use gongkai_tests::{no_limits, spawn_with};
use serde_json::{json, Value};

use crate::supervisors::{appoint, file};
use crate::support::{self, op};

fn years(data: &Value) -> Vec<Value> {
    data["holidayCalendar"]["years"].as_array().expect("years").clone()
}

#[tokio::test]
async fn an_admin_enters_next_years_schedule_and_it_is_no_longer_missing() {
    let app = spawn_with(no_limits).await;
    let admin = app.admin().await;
    let read = app.ok(Some(&admin), &op("disclosure", "HolidayCalendar"), json!({})).await;
    // The file in the repository seeded its years, with their source.
    let seeded = years(&read);
    let y2026 = seeded.iter().find(|y| y["year"] == 2026).expect("2026 from the file");
    assert!(y2026["source"].as_str().is_some_and(|s| s.contains("2026年部分节假日安排")));
    assert!(y2026["holidays"].as_array().expect("holidays").iter().any(|h| h["name"] == "国庆节" && h["from"] == "2026-10-01" && h["to"] == "2026-10-07"));
    assert!(y2026["workdays"].as_array().expect("workdays").contains(&json!("2026-10-10")));
    let this_year = (app.state.clock.now() + Duration::hours(8)).year();
    let missing: Vec<i64> = read["holidayCalendar"]["missingYears"].as_array().expect("missing").iter().filter_map(Value::as_i64).collect();
    assert!(missing.contains(&i64::from(this_year + 1)), "next year is not in the file: {missing:?}");

    let next = this_year + 1;
    let input = json!({ "input": {
        "year": next,
        "source": format!("国务院办公厅关于{next}年部分节假日安排的通知（测试数据）"),
        "holidays": [
            { "name": " 国庆节 ", "from": format!("{next}-10-01"), "to": format!("{next}-10-07") },
            { "name": "元旦", "from": format!("{next}-01-01"), "to": format!("{next}-01-01") }
        ],
        "workdays": []
    } });
    let set = app.ok(Some(&admin), &op("disclosure", "SetCalendarYear"), input).await;
    let entry = &set["setCalendarYear"];
    assert_eq!(entry["year"], next);
    // Names trimmed, holidays in date order.
    assert_eq!(entry["holidays"][0]["name"], "元旦");
    assert_eq!(entry["holidays"][1]["name"], "国庆节");
    let read = app.ok(Some(&admin), &op("disclosure", "HolidayCalendar"), json!({})).await;
    assert!(years(&read).iter().any(|y| y["year"] == next));
    let missing: Vec<i64> = read["holidayCalendar"]["missingYears"].as_array().expect("missing").iter().filter_map(Value::as_i64).collect();
    assert!(!missing.contains(&i64::from(next)), "{missing:?}");
    assert_eq!(crate::supervisors::audit_actions(&app, &admin, "CalendarYear").await, ["calendar.set_year"]);
    // Staff and evaluators read it; citizens may not.
    let w = app.world().await;
    assert!(app.gql(Some(&w.staff), &op("disclosure", "HolidayCalendar"), json!({})).await.is_ok());
    let citizen = support::citizen(&app).await;
    assert_eq!(app.code(Some(&citizen.token), &op("disclosure", "HolidayCalendar"), json!({})).await, "FORBIDDEN");
    assert_eq!(app.code(None, &op("disclosure", "HolidayCalendar"), json!({})).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_bad_year_is_refused_field_by_field_and_changes_nothing() {
    let app = spawn_with(no_limits).await;
    let admin = app.admin().await;
    let set = op("disclosure", "SetCalendarYear");
    let bad = app
        .gql(
            Some(&admin),
            &set,
            json!({ "input": {
                "year": 2031,
                "source": "  ",
                "holidays": [
                    { "name": "春节", "from": "2031-01-22", "to": "2031-01-28" },
                    { "name": "", "from": "2031-01-28", "to": "2031-01-29" },
                    { "name": "国庆节", "from": "2031-10-07", "to": "2031-10-01" },
                    { "name": "元旦", "from": "2030-12-31", "to": "2031-01-01" }
                ],
                "workdays": ["2031-01-24", "2031-01-25", "2031-02-08", "2031-02-08", "2032-01-03"]
            } }),
        )
        .await;
    assert_eq!(bad.code(), "BAD_USER_INPUT");
    let fields: Vec<&str> = bad.error()["extensions"]["fields"].as_array().expect("fields").iter().filter_map(|f| f["field"].as_str()).collect();
    // Sorted by first day: 元旦 (2030-12-31), 春节, the unnamed one, 国庆节.
    for expected in [
        "input.source",
        "input.holidays[0].from",
        "input.holidays[2].name",
        "input.holidays[2]",
        "input.holidays[3].to",
        "input.workdays[0]",
        "input.workdays[1]",
        "input.workdays[3]",
        "input.workdays[4]",
    ] {
        assert!(fields.contains(&expected), "{expected} in {fields:?}");
    }
    // 2031-01-24 is a Friday: a working day anyway; the 25th is inside the Spring Festival.
    assert_eq!(app.code(Some(&admin), &set, json!({ "input": { "year": 1969, "source": "x", "holidays": [], "workdays": [] } })).await, "BAD_USER_INPUT");
    let wrong_date = app.gql(Some(&admin), &set, json!({ "input": { "year": 2031, "source": "x", "holidays": [], "workdays": ["2031-02-30"] } })).await;
    assert_eq!(wrong_date.code(), "BAD_USER_INPUT");
    let read = app.ok(Some(&admin), &op("disclosure", "HolidayCalendar"), json!({})).await;
    assert!(years(&read).iter().all(|y| y["year"] != 2031), "nothing was written");
    // Only admins change it.
    let w = app.world().await;
    let fine = json!({ "input": { "year": 2031, "source": "通知", "holidays": [], "workdays": [] } });
    assert_eq!(app.code(Some(&w.staff), &set, fine.clone()).await, "FORBIDDEN");
    assert_eq!(app.code(None, &set, fine).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_year_entered_on_one_instance_counts_for_the_next_deadline_on_another() {
    let a = spawn_with(no_limits).await;
    // B: a second instance on the same database, started (and its calendar read) before the change.
    let b = gongkai_tests::spawn_config((*a.state.config).clone(), None).await;
    let b_admin = b.admin().await;
    let w = a.world().await;
    let supervisor = appoint(&b, &b_admin, "监督员戊").await;

    // Ten days off from tomorrow (China Standard Time), within this year.
    let today: NaiveDate = (a.state.clock.now() + Duration::hours(8)).date_naive();
    let from = today + Duration::days(1);
    let year = from.year();
    let to = std::cmp::min(from + Duration::days(9), NaiveDate::from_ymd_opt(year, 12, 31).expect("a date"));
    let admin = a.admin().await;
    a.ok(
        Some(&admin),
        &op("disclosure", "SetCalendarYear"),
        json!({ "input": { "year": year, "source": "临时停工通知（测试）", "holidays": [{ "name": "停工", "from": from.to_string(), "to": to.to_string() }], "workdays": [] } }),
    )
    .await;

    let filed = file(&b, &supervisor.token, &w.department, json!({ "title": "节假日顺延" })).await;
    let due: chrono::DateTime<chrono::Utc> = filed["dueAt"].as_str().expect("dueAt").parse().expect("a time");
    let created: chrono::DateTime<chrono::Utc> = filed["createdAt"].as_str().expect("createdAt").parse().expect("a time");
    let entered = YearEntry { year, source: String::new(), holidays: vec![Holiday { name: "停工".to_owned(), from, to }], workdays: Vec::new() };
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("an offset");
    let expected = Calendar::from_entries(offset, vec![entered]).expect("a calendar").due_at(created, 15);
    assert_eq!(due, expected, "B counted on the year A entered");
    assert!(due > Calendar::built_in().expect("the file").due_at(created, 15), "the days off moved the deadline");
}
