//! Reminders that come from the clock rather than from an action: an observation due within 3 working
//! days (OBSERVATION_DUE_SOON, to the department's staff), past its deadline without an answer
//! (OBSERVATION_OVERDUE, to the staff and the supervisor), a supervisor's term ending within 30 days
//! (APPOINTMENT_ENDING). Every instance runs `tick` every `INTERVAL`; each reminder is claimed by the
//! one statement that marks it sent (an `UPDATE … RETURNING` whose condition a concurrent claimer
//! no longer meets once the first has committed), so it is sent once however many instances run, and
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
}

/// Sends every reminder that is due now and was not sent yet.
pub async fn tick(state: &AppState) -> AppResult<Sent> {
    let now = state.clock.now();
    Ok(Sent {
        due_soon: observations(state, now, Reminder::DueSoon).await?,
        overdue: observations(state, now, Reminder::Overdue).await?,
        term_ending: terms_ending(state, now).await?,
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
            let soon = params.bind(state.calendar.due_at(now, DUE_SOON_WORKING_DAYS));
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
