//! Department scorecards: how each department handled consultations, comments and observations in a
//! period, aggregated in the database in one statement (the same SQL on PostgreSQL and SQLite, but for
//! the difference of two timestamps in hours).
//!
//! Medians use window functions: rank the values of each department (`ROW_NUMBER`), count them
//! (`COUNT(*) OVER`), and average the middle one (odd count) or two (even count).

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, FromQueryResult, Value};
use uuid::Uuid;

use entities::department;

use crate::domain::{Adoption, CommentStatus, Role};
use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::services::{consultations, observations};
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::t;

/// The verdicts a scorecard counts as adopting a suggestion (in whole or in part).
pub const ADOPTED: [Adoption; 2] = [Adoption::Adopted, Adoption::PartiallyAdopted];

/// The figures of one department over `[from, to)`; see `graphql::types::DepartmentScorecard` for
/// their exact definitions.
#[derive(Clone, Debug)]
pub struct Scorecard {
    pub department: department::Model,
    pub consultations_opened: i64,
    pub comments_received: i64,
    pub comments_replied: i64,
    pub comments_adopted: i64,
    pub median_first_reply_hours: Option<f64>,
    pub observations_received: i64,
    pub observations_answered: i64,
    pub observations_overdue: i64,
    pub median_observation_answer_hours: Option<f64>,
    /// Disclosure requests received in the period (by their first receipt).
    pub disclosure_received: i64,
    /// Of those, answered by the department (not withdrawn or abandoned).
    pub disclosure_answered: i64,
    /// Of those answered, by their deadline.
    pub disclosure_answered_on_time: i64,
    /// Of those received, unanswered past their deadline now, with the clock running.
    pub disclosure_overdue: i64,
    /// The median of the working days the answered ones took (the clock's days, pauses left out).
    pub median_disclosure_working_days: Option<f64>,
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Scorecard {
    pub fn reply_rate(&self) -> Option<f64> {
        ratio(self.comments_replied, self.comments_received)
    }

    pub fn adoption_rate(&self) -> Option<f64> {
        ratio(self.comments_adopted, self.comments_replied)
    }
}

#[derive(FromQueryResult)]
struct Row {
    id: Uuid,
    code: String,
    name: String,
    created_at: DateTime<Utc>,
    consultations_opened: i64,
    comments_received: i64,
    comments_replied: i64,
    comments_adopted: i64,
    median_first_reply_hours: Option<f64>,
    observations_received: i64,
    observations_answered: i64,
    observations_overdue: i64,
    median_observation_answer_hours: Option<f64>,
    disclosure_received: i64,
    disclosure_answered: i64,
    disclosure_answered_on_time: i64,
    disclosure_overdue: i64,
}

/// `later - earlier` in hours, as a floating-point SQL expression. SQLite keeps timestamps as RFC 3339
/// text, which `julianday` reads (fractional seconds and offset included).
fn hours_between(backend: DbBackend, later: &str, earlier: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) / 3600.0 AS double precision)"),
        _ => format!("((julianday({later}) - julianday({earlier})) * 24.0)"),
    }
}

/// Hours rounded to the nearest 0.0001 (a third of a second): julianday arithmetic carries noise in
/// the last digits, and no reader needs more.
fn round_hours(hours: Option<f64>) -> Option<f64> {
    hours.map(|h| (h * 10_000.0).round() / 10_000.0)
}

/// The statement and its parameters, for the period `[from, to)` and overdue at `now`.
fn scorecard_sql(backend: DbBackend, from: DateTime<Utc>, to: DateTime<Utc>, now: DateTime<Utc>) -> (String, Vec<Value>) {
    let mut params = Params::new();
    let (from, to) = (params.bind(from), params.bind(to));
    let public = consultations::public_condition("c", &mut params);
    let published = params.bind(CommentStatus::Published);
    let adopted = params.bind_all(ADOPTED);
    let overdue = observations::overdue_condition(&mut params, now);
    let disclosure_overdue = crate::services::disclosure::overdue_condition(&mut params, now);
    let disclosure_answered = params.bind(crate::domain::DisclosureStatus::Answered);
    let reply_hours = hours_between(backend, "m.first_replied_at", "m.created_at");
    let answer_hours = hours_between(backend, "o.first_answered_at", "o.created_at");
    let sql = format!(
        "WITH
        opened AS (
            SELECT lead_department_id AS department_id, COUNT(*) AS n
            FROM consultations c
            WHERE {public} AND c.opens_at >= {from} AND c.opens_at < {to}
            GROUP BY lead_department_id
        ),
        period_comments AS (
            SELECT c.lead_department_id AS department_id, m.reply_count, m.latest_adoption,
                   CASE WHEN m.first_replied_at IS NOT NULL THEN {reply_hours} END AS hours
            FROM comments m JOIN consultations c ON c.id = m.consultation_id
            WHERE m.status = {published} AND m.created_at >= {from} AND m.created_at < {to}
        ),
        comment_counts AS (
            SELECT department_id,
                   COUNT(*) AS received,
                   COUNT(CASE WHEN reply_count > 0 THEN 1 END) AS replied,
                   COUNT(CASE WHEN reply_count > 0 AND latest_adoption IN ({adopted}) THEN 1 END) AS adopted
            FROM period_comments
            GROUP BY department_id
        ),
        reply_ranked AS (
            SELECT department_id, hours,
                   ROW_NUMBER() OVER (PARTITION BY department_id ORDER BY hours) AS rn,
                   COUNT(*) OVER (PARTITION BY department_id) AS n
            FROM period_comments
            WHERE hours IS NOT NULL
        ),
        reply_median AS (
            SELECT department_id, AVG(hours) AS hours
            FROM reply_ranked
            WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
            GROUP BY department_id
        ),
        period_observations AS (
            SELECT o.department_id, o.status, o.due_at,
                   CASE WHEN o.first_answered_at IS NOT NULL THEN {answer_hours} END AS hours
            FROM observations o
            WHERE o.created_at >= {from} AND o.created_at < {to}
        ),
        observation_counts AS (
            SELECT department_id,
                   COUNT(*) AS received,
                   COUNT(hours) AS answered,
                   COUNT(CASE WHEN {overdue} THEN 1 END) AS overdue
            FROM period_observations
            GROUP BY department_id
        ),
        answer_ranked AS (
            SELECT department_id, hours,
                   ROW_NUMBER() OVER (PARTITION BY department_id ORDER BY hours) AS rn,
                   COUNT(*) OVER (PARTITION BY department_id) AS n
            FROM period_observations
            WHERE hours IS NOT NULL
        ),
        answer_median AS (
            SELECT department_id, AVG(hours) AS hours
            FROM answer_ranked
            WHERE rn IN ((n + 1) / 2, (n + 2) / 2)
            GROUP BY department_id
        ),
        disclosure_counts AS (
            SELECT department_id,
                   COUNT(*) AS received,
                   COUNT(CASE WHEN status = {disclosure_answered} THEN 1 END) AS answered,
                   COUNT(CASE WHEN status = {disclosure_answered} AND answered_at <= due_at THEN 1 END) AS answered_on_time,
                   COUNT(CASE WHEN {disclosure_overdue} THEN 1 END) AS overdue
            FROM disclosure_requests
            WHERE received_at >= {from} AND received_at < {to}
            GROUP BY department_id
        )
        SELECT d.id, d.code, d.name, d.created_at,
               COALESCE(op.n, 0) AS consultations_opened,
               COALESCE(cc.received, 0) AS comments_received,
               COALESCE(cc.replied, 0) AS comments_replied,
               COALESCE(cc.adopted, 0) AS comments_adopted,
               rm.hours AS median_first_reply_hours,
               COALESCE(oc.received, 0) AS observations_received,
               COALESCE(oc.answered, 0) AS observations_answered,
               COALESCE(oc.overdue, 0) AS observations_overdue,
               am.hours AS median_observation_answer_hours,
               COALESCE(dc.received, 0) AS disclosure_received,
               COALESCE(dc.answered, 0) AS disclosure_answered,
               COALESCE(dc.answered_on_time, 0) AS disclosure_answered_on_time,
               COALESCE(dc.overdue, 0) AS disclosure_overdue
        FROM departments d
        LEFT JOIN opened op ON op.department_id = d.id
        LEFT JOIN comment_counts cc ON cc.department_id = d.id
        LEFT JOIN reply_median rm ON rm.department_id = d.id
        LEFT JOIN observation_counts oc ON oc.department_id = d.id
        LEFT JOIN answer_median am ON am.department_id = d.id
        LEFT JOIN disclosure_counts dc ON dc.department_id = d.id
        ORDER BY d.code"
    );
    (sql, params.into_values())
}

/// The median working days each department took to answer the requests it received in `[from, to)`.
/// Working days come from the holiday calendar, so this is counted here rather than in SQL: one row per
/// answered request, a department's requests in a year being hundreds, not millions.
async fn disclosure_medians(state: &AppState, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<std::collections::HashMap<Uuid, f64>> {
    #[derive(FromQueryResult)]
    struct Answered {
        department_id: Uuid,
        clock_from: DateTime<Utc>,
        answered_at: DateTime<Utc>,
        paused_working_days: i32,
    }
    let rows: Vec<Answered> = sql::all(
        &state.db.conn,
        "SELECT department_id, clock_from, answered_at, paused_working_days FROM disclosure_requests
         WHERE received_at >= $1 AND received_at < $2 AND status = $3 AND answered_at IS NOT NULL",
        vec![from.into(), to.into(), crate::domain::DisclosureStatus::Answered.into()],
    )
    .await?;
    let calendar = crate::services::calendar::current(state).await?;
    let mut days: std::collections::HashMap<Uuid, Vec<u32>> = std::collections::HashMap::new();
    for r in rows {
        let used = calendar.working_days_between(calendar.local_date(r.clock_from), calendar.local_date(r.answered_at));
        days.entry(r.department_id).or_default().push(used.saturating_sub(u32::try_from(r.paused_working_days).unwrap_or(0)));
    }
    Ok(days
        .into_iter()
        .map(|(department, mut d)| {
            d.sort_unstable();
            let mid = d.len() / 2;
            let median = if d.len() % 2 == 1 { f64::from(d[mid]) } else { (f64::from(d[mid - 1]) + f64::from(d[mid])) / 2.0 };
            (department, median)
        })
        .collect())
}

/// Every department's scorecard over `[from, to)`, for admins and evaluators; departments without
/// activity are included with zero counts and null rates.
pub async fn department_scorecards(state: &AppState, viewer: &Viewer, from: DateTime<Utc>, to: DateTime<Utc>) -> AppResult<Vec<Scorecard>> {
    authz::require_role(viewer, &[Role::Admin, Role::Evaluator], t!("action-read-scorecards"))?;
    if to <= from {
        return Err(AppError::bad_input("to", t!("field-to-after-from")));
    }
    let (sql_text, values) = scorecard_sql(state.db.backend(), from, to, state.clock.now());
    let rows: Vec<Row> = sql::all(&state.db.conn, &sql_text, values).await?;
    let medians = disclosure_medians(state, from, to).await?;
    Ok(rows
        .into_iter()
        .map(|r| Scorecard {
            median_disclosure_working_days: medians.get(&r.id).copied(),
            disclosure_received: r.disclosure_received,
            disclosure_answered: r.disclosure_answered,
            disclosure_answered_on_time: r.disclosure_answered_on_time,
            disclosure_overdue: r.disclosure_overdue,
            department: department::Model { id: r.id, code: r.code, name: r.name, created_at: r.created_at },
            consultations_opened: r.consultations_opened,
            comments_received: r.comments_received,
            comments_replied: r.comments_replied,
            comments_adopted: r.comments_adopted,
            median_first_reply_hours: round_hours(r.median_first_reply_hours),
            observations_received: r.observations_received,
            observations_answered: r.observations_answered,
            observations_overdue: r.observations_overdue,
            median_observation_answer_hours: round_hours(r.median_observation_answer_hours),
        })
        .collect())
}
