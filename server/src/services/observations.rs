//! Observations: filed by active supervisors on departments, answered by the department's staff,
//! followed up by the supervisor, each with a deadline in working days. Never public.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use entities::{consultation, department, observation, observation_follow_up, observation_reply, supervisor};

use crate::clock::Clock;
use crate::domain::{self, Checks, NotificationKind, NotificationSubjectType, ObservationKind, ObservationStatus, Role};
use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::services::pagination::{self, Page};
use crate::services::notifications::{self, Notice};
use crate::services::{audit, supervisors};
use crate::sql;
use crate::state::{AppState, LimitKind};
use crate::i18n::Text;
use crate::t;

const NOT_FOUND: AppError = AppError::NotFound(t!("not-found-observation"));

/// Whether an observation is overdue at `now`: still awaiting its answer after its due time. The one
/// definition: the overdue filter and the scorecards use `overdue_condition`, its SQL.
pub fn is_overdue_at(o: &observation::Model, now: DateTime<Utc>) -> bool {
    o.status == ObservationStatus::Open && o.due_at < now
}

/// The deadline of something filed now.
async fn due_from_now(state: &AppState, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    Ok(crate::services::calendar::current(state).await?.due_at(now, state.config.observation_due_working_days))
}

/// Who may read an observation: its supervisor, the department's staff, admins and evaluators.
pub async fn can_see(db: &impl ConnectionTrait, viewer: &Viewer, o: &observation::Model) -> AppResult<bool> {
    Ok(match viewer.role() {
        None => false,
        Some(Role::Admin | Role::Evaluator) => true,
        Some(Role::Staff) => viewer.staff_department() == Some(o.department_id),
        Some(Role::Citizen) => {
            let filed_by = supervisor::Entity::find_by_id(o.supervisor_id).one(db).await?.map(|s| s.user_id);
            filed_by.is_some() && filed_by == viewer.user_id()
        }
    })
}

/// Who may answer: the department's staff and admins.
fn can_answer(viewer: &Viewer, o: &observation::Model) -> bool {
    viewer.is_admin() || viewer.staff_department() == Some(o.department_id)
}

/// An observation the viewer may read; NOT_FOUND otherwise, so that its existence is not revealed.
pub async fn get(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<observation::Model> {
    let o = observation::Entity::find_by_id(id).one(&state.db.conn).await?.ok_or(NOT_FOUND)?;
    if can_see(&state.db.conn, viewer, &o).await? {
        Ok(o)
    } else {
        Err(NOT_FOUND)
    }
}

/// The viewer's appointment if it is active now; FORBIDDEN otherwise, saying why.
async fn require_active_supervisor(db: &impl ConnectionTrait, viewer: &Viewer, now: DateTime<Utc>, what: Text) -> AppResult<supervisor::Model> {
    let user = viewer.user()?;
    match supervisors::latest_appointment(db, user.id).await? {
        None => Err(AppError::forbidden(t!("error-supervisors-only", what = what))),
        Some(s) if s.revoked_at.is_some() => Err(AppError::forbidden(t!("error-supervisor-revoked", what = what))),
        Some(s) if !supervisors::is_active_at(&s, now) => Err(AppError::forbidden(t!("error-supervisor-out-of-term", what = what))),
        Some(s) => Ok(s),
    }
}

pub struct FileInput {
    pub department_id: Uuid,
    pub consultation_id: Option<Uuid>,
    pub kind: ObservationKind,
    pub title: String,
    pub body: String,
}

/// An active supervisor files an observation on a department, optionally about one of the
/// consultations it leads or cooperates on. It is due in the configured number of working days.
pub async fn file(state: &AppState, viewer: &Viewer, input: FileInput) -> AppResult<observation::Model> {
    let user = viewer.user()?.clone();
    require_active_supervisor(&state.db.conn, viewer, state.clock.now(), t!("action-file-observations")).await?;
    let mut checks = Checks::new();
    let title = checks.take(domain::clean_text("title", &input.title, 1, 200, false));
    let body = checks.take(domain::clean_text("body", &input.body, 1, 10_000, true));
    checks.finish()?;
    if department::Entity::find_by_id(input.department_id).one(&state.db.conn).await?.is_none() {
        return Err(AppError::bad_input("departmentId", t!("field-no-such-department")));
    }
    if let Some(consultation_id) = input.consultation_id {
        let found = consultation::Entity::find_by_id(consultation_id).one(&state.db.conn).await?;
        let Some(consultation) = found.filter(|c| authz::can_see(viewer, c)) else {
            return Err(AppError::bad_input("consultationId", t!("field-no-such-consultation")));
        };
        let involved = consultation.lead_department_id == input.department_id
            || sql::count(
                &state.db.conn,
                "SELECT COUNT(*) FROM consultation_departments WHERE consultation_id = $1 AND department_id = $2",
                vec![consultation.id.into(), input.department_id.into()],
            )
            .await?
                > 0;
        if !involved {
            return Err(AppError::bad_input("consultationId", t!("field-consultation-not-of-department")));
        }
    }
    state.limiter.hit(state.limit(LimitKind::ObservationsPerDay), &user.id.to_string()).await?;

    let txn = state.db.begin().await?;
    // Checked again inside the transaction: a revocation may have landed since.
    let appointment = require_active_supervisor(&*txn, viewer, state.clock.now(), t!("action-file-observations")).await?;
    let now = state.clock.now();
    let observation = observation::Model {
        id: state.clock.new_id(),
        supervisor_id: appointment.id,
        department_id: input.department_id,
        consultation_id: input.consultation_id,
        kind: input.kind,
        title,
        body,
        status: ObservationStatus::Open,
        due_at: due_from_now(state, now).await?,
        answered_at: None,
        first_answered_at: None,
        created_at: now,
        updated_at: now,
        due_soon_sent_for: None,
        overdue_sent_for: None,
    };
    observation::Entity::insert(observation::ActiveModel::from(observation.clone())).exec_without_returning(&*txn).await?;
    sql::execute(&*txn, "UPDATE supervisors SET observation_count = observation_count + 1 WHERE id = $1", vec![appointment.id.into()]).await?;
    audit::record(
        &*txn,
        &state.clock,
        Some(user.id),
        "observation.file",
        "Observation",
        Some(observation.id),
        json!({ "departmentId": observation.department_id, "kind": observation.kind.as_str(), "dueAt": observation.due_at }),
    )
    .await?;
    let notified = notify_staff(&*txn, &state.clock, NotificationKind::ObservationFiled, &observation).await?;
    txn.commit().await?;
    notified.announce(state);
    Ok(observation)
}

/// `kind` for every active staff member of the observation's department.
async fn notify_staff(db: &impl ConnectionTrait, clock: &Clock, kind: NotificationKind, observation: &observation::Model) -> AppResult<notifications::Written> {
    let staff = crate::services::reminders::department_staff(db, observation.department_id).await?;
    let kind = notifications::Kind {
        kind,
        subject_type: NotificationSubjectType::Observation,
        params: notifications::params(&[("title", &observation.title), ("dueAt", &notifications::shown_time(observation.due_at))]),
    };
    let notices: Vec<Notice> = staff.into_iter().map(|recipient| Notice { recipient, subject: observation.id }).collect();
    notifications::write(db, clock, &kind, &notices).await
}

/// The department's staff or an admin answers; the observation becomes ANSWERED.
pub async fn reply(state: &AppState, viewer: &Viewer, observation_id: Uuid, body: &str) -> AppResult<observation_reply::Model> {
    let user = viewer.user()?.clone();
    let body = domain::clean_text("body", body, 1, 10_000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    let txn = state.db.begin().await?;
    let current = observation::Entity::find_by_id(observation_id).one(&*txn).await?.ok_or(NOT_FOUND)?;
    if !can_see(&*txn, viewer, &current).await? {
        return Err(NOT_FOUND);
    }
    if !can_answer(viewer, &current) {
        return Err(AppError::forbidden(t!("error-answer-observation")));
    }
    let now = state.clock.now();
    let reply = observation_reply::Model {
        id: state.clock.new_id(),
        observation_id,
        author_id: user.id,
        // An admin's answer speaks for the department the observation is addressed to.
        department_id: current.department_id,
        body,
        created_at: now,
    };
    observation_reply::Entity::insert(observation_reply::ActiveModel::from(reply.clone())).exec_without_returning(&*txn).await?;
    sql::execute(
        &*txn,
        "UPDATE observations SET status = $3, answered_at = $1, first_answered_at = COALESCE(first_answered_at, $1), updated_at = $1
         WHERE id = $2",
        vec![now.into(), observation_id.into(), ObservationStatus::Answered.into()],
    )
    .await?;
    audit::record(&*txn, &state.clock, Some(user.id), "observation.reply", "Observation", Some(observation_id), json!({ "replyId": reply.id })).await?;
    let supervisor = supervisor::Entity::find_by_id(current.supervisor_id).one(&*txn).await?.ok_or(NOT_FOUND)?;
    let kind = notifications::Kind {
        kind: NotificationKind::ObservationAnswered,
        subject_type: NotificationSubjectType::Observation,
        params: notifications::params(&[("title", &current.title)]),
    };
    let notified = notifications::write(&*txn, &state.clock, &kind, &[Notice { recipient: supervisor.user_id, subject: current.id }]).await?;
    txn.commit().await?;
    notified.announce(state);
    Ok(reply)
}

/// The supervisor who filed an ANSWERED observation follows it up: it is OPEN again, due in the
/// configured number of working days from now.
pub async fn follow_up(state: &AppState, viewer: &Viewer, id: Uuid, body: &str) -> AppResult<observation::Model> {
    let user = viewer.user()?.clone();
    let body = domain::clean_text("body", body, 1, 10_000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    let txn = state.db.begin().await?;
    let current = observation::Entity::find_by_id(id).one(&*txn).await?.ok_or(NOT_FOUND)?;
    if !can_see(&*txn, viewer, &current).await? {
        return Err(NOT_FOUND);
    }
    let filed_by = supervisor::Entity::find_by_id(current.supervisor_id).one(&*txn).await?.ok_or(NOT_FOUND)?;
    if filed_by.user_id != user.id {
        return Err(AppError::forbidden(t!("error-follow-up-own-only")));
    }
    require_active_supervisor(&*txn, viewer, state.clock.now(), t!("action-follow-up-observations")).await?;
    if current.status != ObservationStatus::Answered {
        return Err(AppError::conflict(t!("error-follow-up-awaits-answer")));
    }
    let now = state.clock.now();
    let due_at = due_from_now(state, now).await?;
    let follow_up = observation_follow_up::Model { id: state.clock.new_id(), observation_id: id, author_id: user.id, body, due_at, created_at: now };
    observation_follow_up::Entity::insert(observation_follow_up::ActiveModel::from(follow_up.clone())).exec_without_returning(&*txn).await?;
    let changed = sql::execute(
        &*txn,
        "UPDATE observations SET status = $4, due_at = $1, updated_at = $2 WHERE id = $3 AND status = $5",
        vec![due_at.into(), now.into(), id.into(), ObservationStatus::Open.into(), ObservationStatus::Answered.into()],
    )
    .await?;
    if changed == 0 {
        return Err(AppError::conflict(t!("error-observation-changed")));
    }
    audit::record(&*txn, &state.clock, Some(user.id), "observation.follow_up", "Observation", Some(id), json!({ "followUpId": follow_up.id, "dueAt": due_at })).await?;
    let updated = observation::Model { status: ObservationStatus::Open, due_at, updated_at: now, ..current };
    let notified = notify_staff(&*txn, &state.clock, NotificationKind::ObservationFollowedUp, &updated).await?;
    txn.commit().await?;
    notified.announce(state);
    Ok(updated)
}

#[derive(Clone, Copy, Debug, Default)]
pub struct ListFilter {
    pub status: Option<ObservationStatus>,
    /// true: OPEN and past due; false: everything else.
    pub overdue: Option<bool>,
}

/// One page of observations matching `owner` (`department_id = $1` or `supervisor_id = $1`), newest first.
async fn list(
    state: &AppState,
    owner_column: &str,
    owner: Uuid,
    filter: ListFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Page<observation::Model>, pagination::Total)> {
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut list = sql::List::new("observations");
    let owner = list.bind(owner);
    list.filter(format!("{owner_column} = {owner}"));
    if let Some(status) = filter.status {
        let status = list.bind(status);
        list.filter(format!("status = {status}"));
    }
    if let Some(overdue) = filter.overdue {
        let condition = overdue_condition(list.params(), state.clock.now());
        list.filter(if overdue { condition } else { format!("NOT {condition}") });
    }
    pagination::fetch::<observation::Entity>(&state.db.conn, list.newest_first("id", after, first), first).await
}

/// Observations addressed to a department, for its staff, admins and evaluators.
pub async fn department_list(
    state: &AppState,
    viewer: &Viewer,
    department_id: Uuid,
    filter: ListFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Page<observation::Model>, pagination::Total)> {
    viewer.user()?;
    let allowed = matches!(viewer.role(), Some(Role::Admin | Role::Evaluator)) || viewer.staff_department() == Some(department_id);
    if !allowed {
        return Err(AppError::forbidden(t!("error-list-department-observations")));
    }
    list(state, "department_id", department_id, filter, first, after).await
}

/// Observations filed under an appointment, for the supervisor, admins and evaluators.
pub async fn supervisor_list(
    state: &AppState,
    viewer: &Viewer,
    appointment: &supervisor::Model,
    filter: ListFilter,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Page<observation::Model>, pagination::Total)> {
    viewer.user()?;
    if !supervisors::can_list_observations(viewer, appointment) {
        return Err(AppError::forbidden(t!("error-list-supervisor-observations")));
    }
    list(state, "supervisor_id", appointment.id, filter, first, after).await
}

/// `is_overdue_at` in SQL, on the columns of `observations`.
pub fn overdue_condition(params: &mut sql::Params, now: chrono::DateTime<chrono::Utc>) -> String {
    format!("(status = {} AND due_at < {})", params.bind(ObservationStatus::Open), params.bind(now))
}
