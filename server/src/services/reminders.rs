//! Reminders that come from the clock rather than from an action: an observation due within 3 working
//! days (OBSERVATION_DUE_SOON, to the department's staff), past its deadline without an answer
//! (OBSERVATION_OVERDUE, to the staff and the supervisor), a supervisor's term ending within 30 days
//! (APPOINTMENT_ENDING), and the daily digest (DAILY_DIGEST, at `DIGEST_LOCAL_TIME` China Standard
//! Time, to each staff member whose department has work waiting). Every instance runs `tick` every
//! `INTERVAL`; each reminder is claimed by the one statement that marks it sent (an `UPDATE …
//! RETURNING` whose condition a concurrent claimer no longer meets once the first has committed; for
//! the digest, the insert of the day's row), so it is sent once however many instances run, and
//! written in the same transaction as its mark.

use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{NotificationKind, NotificationSubjectType, ObservationStatus};
use crate::error::AppResult;
use crate::services::notifications::{self, Notice};
use crate::sql::{self, Params};
use crate::state::AppState;

/// How often an instance looks for reminders that are due.
pub const INTERVAL: Duration = Duration::from_secs(60);
/// Working days before its deadline that an observation is "due soon".
pub const DUE_SOON_WORKING_DAYS: u32 = 3;
/// Days before its end that a supervisor hears the term is ending.
pub const TERM_ENDING_DAYS: i64 = 30;
/// Reminders of one kind claimed by one statement; the rest wait for the next tick.
const BATCH: usize = 500;

/// Runs `tick` every `INTERVAL` until the process ends; a failed tick is logged and tried again.
pub fn start(state: AppState) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(INTERVAL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(error) = tick(&state).await {
                tracing::warn!(error = ?error, "sending reminders failed; trying again at the next tick");
            }
        }
    });
}

/// What one tick sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub due_soon: usize,
    pub overdue: usize,
    pub term_ending: usize,
    /// Disclosure requests whose staff heard they are due within 3 working days, or overdue.
    pub disclosure_due_soon: usize,
    pub disclosure_overdue: usize,
    /// Staff members sent the daily digest.
    pub digests: usize,
}

/// Sends every reminder that is due now and was not sent yet.
pub async fn tick(state: &AppState) -> AppResult<Sent> {
    let now = state.clock.now();
    Ok(Sent {
        due_soon: observations(state, now, Reminder::DueSoon).await?,
        overdue: observations(state, now, Reminder::Overdue).await?,
        term_ending: terms_ending(state, now).await?,
        disclosure_due_soon: disclosures(state, now, Reminder::DueSoon).await?,
        disclosure_overdue: disclosures(state, now, Reminder::Overdue).await?,
        digests: daily_digest(state, now).await?,
    })
}

#[derive(Clone, Copy)]
enum Reminder {
    DueSoon,
    Overdue,
}

#[derive(sea_orm::FromQueryResult)]
struct Claimed {
    id: Uuid,
    department_id: Uuid,
    supervisor_id: Uuid,
    title: String,
    due_at: DateTime<Utc>,
}

async fn observations(state: &AppState, now: DateTime<Utc>, reminder: Reminder) -> AppResult<usize> {
    let mut params = Params::new();
    let open = params.bind(ObservationStatus::Open);
    let at = params.bind(now);
    let (mark, window) = match reminder {
        Reminder::DueSoon => {
            let soon = params.bind(crate::services::calendar::current(state).await?.due_at(now, DUE_SOON_WORKING_DAYS));
            ("due_soon_sent_for", format!("due_at >= {at} AND due_at <= {soon}"))
        }
        Reminder::Overdue => ("overdue_sent_for", format!("due_at < {at}")),
    };
    let statement = format!(
        "UPDATE observations SET {mark} = due_at
         WHERE id IN (SELECT id FROM observations WHERE status = {open} AND {window}
                      AND ({mark} IS NULL OR {mark} <> due_at) ORDER BY due_at LIMIT {BATCH})
           AND status = {open} AND ({mark} IS NULL OR {mark} <> due_at)
         RETURNING id, department_id, supervisor_id, title, due_at"
    );
    let txn = state.db.begin().await?;
    let claimed: Vec<Claimed> = sql::all(&*txn, &statement, params.into_values()).await?;
    let mut written = notifications::Written::default();
    for o in &claimed {
        let kind = match reminder {
            Reminder::DueSoon => NotificationKind::ObservationDueSoon,
            Reminder::Overdue => NotificationKind::ObservationOverdue,
        };
        let mut recipients = department_staff(&*txn, o.department_id).await?;
        if matches!(reminder, Reminder::Overdue) {
            let supervisor: Vec<Uuid> = sql::rows(&*txn, "SELECT user_id FROM supervisors WHERE id = $1", vec![o.supervisor_id.into()])
                .await?
                .iter()
                .map(|row| row.try_get::<Uuid>("", "user_id"))
                .collect::<Result<_, _>>()?;
            recipients.extend(supervisor);
        }
        let kind = notifications::Kind {
            kind,
            subject_type: NotificationSubjectType::Observation,
            params: notifications::params(&[("title", &o.title), ("dueAt", &notifications::shown_time(o.due_at))]),
        };
        let notices: Vec<Notice> = recipients.into_iter().map(|recipient| Notice { recipient, subject: o.id }).collect();
        written.extend(notifications::write(&*txn, &state.clock, &kind, &notices).await?);
    }
    txn.commit().await?;
    written.announce(state);
    Ok(claimed.len())
}

/// DISCLOSURE_DUE_SOON and DISCLOSURE_OVERDUE to the department's staff, once per deadline, for
/// requests whose clock runs (`disclosure::status_condition` PROCESSING: a request waiting on its
/// applicant, a third party or a fee is neither due soon nor overdue).
async fn disclosures(state: &AppState, now: DateTime<Utc>, reminder: Reminder) -> AppResult<usize> {
    #[derive(sea_orm::FromQueryResult)]
    struct Claimed {
        id: Uuid,
        department_id: Uuid,
        tracking_number: String,
        due_at: DateTime<Utc>,
    }
    let mut params = Params::new();
    let running = crate::services::disclosure::status_condition(&mut params, crate::domain::DisclosureStatus::Processing, now);
    let at = params.bind(now);
    let (mark, window, kind) = match reminder {
        Reminder::DueSoon => {
            let soon = params.bind(crate::services::calendar::current(state).await?.due_at(now, DUE_SOON_WORKING_DAYS));
            ("due_soon_sent_for", format!("due_at >= {at} AND due_at <= {soon}"), NotificationKind::DisclosureDueSoon)
        }
        Reminder::Overdue => ("overdue_sent_for", format!("due_at < {at}"), NotificationKind::DisclosureOverdue),
    };
    let statement = format!(
        "UPDATE disclosure_requests SET {mark} = due_at
         WHERE id IN (SELECT id FROM disclosure_requests WHERE closed_at IS NULL AND {running} AND {window}
                      AND ({mark} IS NULL OR {mark} <> due_at) ORDER BY due_at LIMIT {BATCH})
           AND ({mark} IS NULL OR {mark} <> due_at)
         RETURNING id, department_id, tracking_number, due_at"
    );
    let txn = state.db.begin().await?;
    let claimed: Vec<Claimed> = sql::all(&*txn, &statement, params.into_values()).await?;
    let mut written = notifications::Written::default();
    for r in &claimed {
        let recipients = department_staff(&*txn, r.department_id).await?;
        let kind = notifications::Kind {
            kind,
            subject_type: NotificationSubjectType::DisclosureRequest,
            params: notifications::params(&[("trackingNumber", &r.tracking_number), ("dueAt", &notifications::shown_time(r.due_at))]),
        };
        let notices: Vec<Notice> = recipients.into_iter().map(|recipient| Notice { recipient, subject: r.id }).collect();
        written.extend(notifications::write(&*txn, &state.clock, &kind, &notices).await?);
    }
    txn.commit_private().await?;
    written.announce(state);
    Ok(claimed.len())
}

async fn terms_ending(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    #[derive(sea_orm::FromQueryResult)]
    struct Ending {
        id: Uuid,
        user_id: Uuid,
        term_end: DateTime<Utc>,
    }
    let mut params = Params::new();
    let at = params.bind(now);
    let horizon = params.bind(now + chrono::Duration::days(TERM_ENDING_DAYS));
    let statement = format!(
        "UPDATE supervisors SET ending_sent_at = {at}
         WHERE id IN (SELECT id FROM supervisors WHERE revoked_at IS NULL AND ending_sent_at IS NULL
                      AND term_end > {at} AND term_end <= {horizon} ORDER BY term_end LIMIT {BATCH})
           AND ending_sent_at IS NULL AND revoked_at IS NULL
         RETURNING id, user_id, term_end"
    );
    let txn = state.db.begin().await?;
    let claimed: Vec<Ending> = sql::all(&*txn, &statement, params.into_values()).await?;
    let mut written = notifications::Written::default();
    for s in &claimed {
        let kind = notifications::Kind {
            kind: NotificationKind::AppointmentEnding,
            subject_type: NotificationSubjectType::Supervisor,
            params: notifications::params(&[("termEnd", &notifications::shown_time(s.term_end))]),
        };
        written.extend(notifications::write(&*txn, &state.clock, &kind, &[Notice { recipient: s.user_id, subject: s.id }]).await?);
    }
    txn.commit().await?;
    written.announce(state);
    Ok(claimed.len())
}

/// Days ahead within which a consultation's unreplied comments count as work waiting.
pub const DIGEST_CLOSING_DAYS: i64 = 3;
/// China Standard Time, the clock the digest's time of day is read on.
const CST_HOURS: i64 = 8;

/// The day (in China Standard Time) whose digest is due at `now`: today once `DIGEST_LOCAL_TIME` has
/// passed, else none.
pub fn digest_day(state: &AppState, now: DateTime<Utc>) -> Option<chrono::NaiveDate> {
    let local = (now + chrono::Duration::hours(CST_HOURS)).naive_utc();
    let (hour, minute) = state.config.digest_local_time;
    let at = chrono::NaiveTime::from_hms_opt(hour, minute, 0)?;
    (local.time() >= at).then_some(local.date())
}

/// Sends today's digest if it is due and no instance has sent it; returns how many staff members got
/// one. Each digest counts what waits for the member's department now.
async fn daily_digest(state: &AppState, now: DateTime<Utc>) -> AppResult<usize> {
    let Some(day) = digest_day(state, now) else { return Ok(0) };
    let day = day.format("%Y-%m-%d").to_string();
    // Nearly always sent already: one read, not a write, on every tick.
    if sql::count(&state.db.conn, "SELECT COUNT(*) FROM digest_runs WHERE day = $1", vec![day.clone().into()]).await? > 0 {
        return Ok(0);
    }
    let txn = state.db.begin().await?;
    // The claim: on PostgreSQL a concurrent insert of the same day waits for this transaction and then
    // inserts nothing; SQLite has one writer at a time.
    let claimed = sql::execute(&*txn, "INSERT INTO digest_runs (day, sent_at, recipients) VALUES ($1, $2, 0) ON CONFLICT (day) DO NOTHING", vec![day.clone().into(), now.into()]).await?;
    if claimed == 0 {
        txn.commit_private().await?;
        return Ok(0);
    }
    #[derive(sea_orm::FromQueryResult)]
    struct Waiting {
        department_id: Uuid,
        comments: i64,
        due_soon: i64,
        overdue: i64,
    }
    let mut params = Params::new();
    let at = params.bind(now);
    let closing = params.bind(now + chrono::Duration::days(DIGEST_CLOSING_DAYS));
    let soon = params.bind(crate::services::calendar::current(state).await?.due_at(now, DUE_SOON_WORKING_DAYS));
    let published = params.bind(crate::domain::ConsultationState::Published);
    let statuses = params.bind_all([crate::domain::CommentStatus::Published, crate::domain::CommentStatus::Pending]);
    let open = params.bind(ObservationStatus::Open);
    let running = crate::services::disclosure::status_condition(&mut params, crate::domain::DisclosureStatus::Processing, now);
    let statement = format!(
        "SELECT department_id, CAST(SUM(comments) AS BIGINT) AS comments, CAST(SUM(due_soon) AS BIGINT) AS due_soon,
                CAST(SUM(overdue) AS BIGINT) AS overdue FROM (
             SELECT c.lead_department_id AS department_id, COUNT(*) AS comments, 0 AS due_soon, 0 AS overdue
             FROM comments m JOIN consultations c ON c.id = m.consultation_id
             WHERE c.state = {published} AND c.opens_at <= {at} AND c.closes_at > {at} AND c.closes_at <= {closing}
               AND m.reply_count = 0 AND m.status IN ({statuses})
             GROUP BY c.lead_department_id
             UNION ALL
             SELECT department_id, 0 AS comments,
                    COUNT(CASE WHEN due_at >= {at} THEN 1 END) AS due_soon, COUNT(CASE WHEN due_at < {at} THEN 1 END) AS overdue
             FROM observations WHERE status = {open} AND due_at <= {soon}
             GROUP BY department_id
             UNION ALL
             SELECT department_id, 0 AS comments,
                    COUNT(CASE WHEN due_at >= {at} THEN 1 END) AS due_soon, COUNT(CASE WHEN due_at < {at} THEN 1 END) AS overdue
             FROM disclosure_requests WHERE closed_at IS NULL AND {running} AND due_at <= {soon}
             GROUP BY department_id
         ) waiting GROUP BY department_id"
    );
    let waiting: Vec<Waiting> = sql::all(&*txn, &statement, params.into_values()).await?;
    let mut written = notifications::Written::default();
    for w in waiting.iter().filter(|w| w.comments + w.due_soon + w.overdue > 0) {
        let staff = department_staff(&*txn, w.department_id).await?;
        let kind = notifications::Kind {
            kind: NotificationKind::DailyDigest,
            subject_type: NotificationSubjectType::Department,
            params: notifications::params(&[
                ("date", &day),
                ("comments", &w.comments.to_string()),
                ("dueSoon", &w.due_soon.to_string()),
                ("overdue", &w.overdue.to_string()),
            ]),
        };
        let notices: Vec<Notice> = staff.into_iter().map(|recipient| Notice { recipient, subject: w.department_id }).collect();
        written.extend(notifications::write(&*txn, &state.clock, &kind, &notices).await?);
    }
    let recipients = written.len();
    sql::execute(&*txn, "UPDATE digest_runs SET recipients = $1 WHERE day = $2", vec![i64::try_from(recipients).unwrap_or(i64::MAX).into(), day.into()]).await?;
    txn.commit().await?;
    written.announce(state);
    Ok(recipients)
}

/// The active staff of a department.
pub async fn department_staff(db: &impl sea_orm::ConnectionTrait, department: Uuid) -> AppResult<Vec<Uuid>> {
    sql::rows(
        db,
        "SELECT id FROM users WHERE department_id = $1 AND role = $2 AND suspended = false ORDER BY id",
        vec![department.into(), crate::domain::Role::Staff.into()],
    )
    .await?
    .iter()
    .map(|row| row.try_get::<Uuid>("", "id").map_err(Into::into))
    .collect()
}
