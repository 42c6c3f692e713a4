//! Openness supervisors: applications, their review by admins, and appointments (terms, revocation).

use chrono::{DateTime, Months, Utc};
use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use entities::{supervisor, supervisor_application};

use crate::domain::{self, ApplicationStatus, NotificationKind, NotificationSubjectType, Checks, ReviewDecision, Role, SupervisorCategory};
use crate::error::{AppError, AppResult};
use crate::services::audit;
use crate::services::notifications::{self, Notice};
use crate::services::authz::{self, Viewer};
use crate::services::pagination::{self, Page};
use crate::sql;
use crate::state::{AppState, LimitKind};
use crate::i18n::Text;
use crate::t;

/// An appointment's default length.
pub const DEFAULT_TERM_MONTHS: i32 = 24;
/// The longest appointment an admin may grant (ten years).
pub const MAX_TERM_MONTHS: i32 = 120;
/// `me.supervisorApplications` shows at most this many, newest first (the daily limit keeps it short).
pub const OWN_APPLICATIONS_SHOWN: u64 = 100;

const PENDING_EXISTS: Text = t!("error-application-pending");

/// Whether an appointment lets its holder act as a supervisor at `now`: within its term, not revoked.
pub fn is_active_at(s: &supervisor::Model, now: DateTime<Utc>) -> bool {
    s.revoked_at.is_none() && s.term_start <= now && now < s.term_end
}

/// The SQL condition (over table alias `s`) for active appointments; `now` is parameter `$n`.
fn active_condition(now: &str) -> String {
    format!("(s.revoked_at IS NULL AND s.term_start <= {now} AND s.term_end > {now})")
}

pub struct ApplicationInput {
    pub real_name: String,
    pub category: SupervisorCategory,
    pub organization: Option<String>,
    pub phone: String,
    pub statement: String,
}

/// A user's latest appointment (the one `me.supervisor` shows), whatever its state.
pub async fn latest_appointment(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<Option<supervisor::Model>> {
    let rows = supervisor::Entity::find()
        .from_raw_sql(sql::statement(db, "SELECT * FROM supervisors WHERE user_id = $1 ORDER BY id DESC LIMIT 1", vec![user_id.into()]))
        .all(db)
        .await?;
    Ok(rows.into_iter().next())
}

async fn has_pending(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<bool> {
    let n = sql::count(
        db,
        "SELECT COUNT(*) FROM supervisor_applications WHERE applicant_id = $1 AND status = $2",
        vec![user_id.into(), ApplicationStatus::Pending.into()],
    )
    .await?;
    Ok(n > 0)
}

/// A citizen applies to be appointed; one PENDING application at a time, none while appointed.
pub async fn apply(state: &AppState, viewer: &Viewer, input: ApplicationInput) -> AppResult<supervisor_application::Model> {
    let user = authz::require_citizen(viewer, t!("action-apply-supervisor"))?.clone();
    let mut checks = Checks::new();
    let real_name = checks.take(domain::clean_text("realName", &input.real_name, 1, 50, false));
    let organization = checks.take(domain::clean_optional("organization", input.organization.as_deref(), 100, false));
    let phone = checks.take(domain::phone("phone", &input.phone));
    let statement = checks.take(domain::clean_text("statement", &input.statement, 1, 2000, true));
    checks.finish()?;
    if has_pending(&state.db.conn, user.id).await? {
        return Err(AppError::conflict(PENDING_EXISTS));
    }
    if latest_appointment(&state.db.conn, user.id).await?.is_some_and(|s| is_active_at(&s, state.clock.now())) {
        return Err(AppError::conflict(t!("error-already-supervisor")));
    }
    state.limiter.hit(state.limit(LimitKind::ApplicationsPerDay), &user.id.to_string()).await?;

    let now = state.clock.now();
    let application = supervisor_application::Model {
        id: state.clock.new_id(),
        applicant_id: user.id,
        real_name,
        category: input.category,
        organization,
        phone,
        statement,
        status: ApplicationStatus::Pending,
        review_note: None,
        reviewed_at: None,
        reviewed_by: None,
        created_at: now,
        updated_at: now,
    };
    let txn = state.db.begin().await?;
    // The partial unique index is what holds under concurrent requests.
    supervisor_application::Entity::insert(supervisor_application::ActiveModel::from(application.clone()))
        .exec_without_returning(&*txn)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict(_) => AppError::conflict(PENDING_EXISTS),
            other => other,
        })?;
    audit::record(
        &*txn,
        &state.clock,
        Some(user.id),
        "supervisor_application.apply",
        "SupervisorApplication",
        Some(application.id),
        json!({ "category": application.category.as_str() }),
    )
    .await?;
    txn.commit().await?;
    Ok(application)
}

async fn load_application(db: &impl ConnectionTrait, id: Uuid) -> AppResult<supervisor_application::Model> {
    supervisor_application::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound(t!("not-found-application")))
}

/// The applicant withdraws a PENDING application. Anyone else is told it does not exist.
pub async fn withdraw(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<supervisor_application::Model> {
    let user = viewer.user()?.clone();
    let txn = state.db.begin().await?;
    let current = load_application(&*txn, id).await?;
    if current.applicant_id != user.id {
        // Admins see every application (they review them); to anyone else another's does not exist.
        return Err(if viewer.is_admin() { AppError::forbidden(t!("error-withdraw-applicant-only")) } else { AppError::NotFound(t!("not-found-application")) });
    }
    if current.status != ApplicationStatus::Pending {
        return Err(AppError::conflict(t!("error-withdraw-pending-only")));
    }
    let now = state.clock.now();
    let changed = sql::execute(
        &*txn,
        "UPDATE supervisor_applications SET status = $3, updated_at = $1 WHERE id = $2 AND status = $4",
        vec![now.into(), id.into(), ApplicationStatus::Withdrawn.into(), ApplicationStatus::Pending.into()],
    )
    .await?;
    if changed == 0 {
        return Err(AppError::conflict(t!("error-application-reviewed-meanwhile")));
    }
    audit::record(&*txn, &state.clock, Some(user.id), "supervisor_application.withdraw", "SupervisorApplication", Some(id), json!({})).await?;
    txn.commit().await?;
    Ok(supervisor_application::Model { status: ApplicationStatus::Withdrawn, updated_at: now, ..current })
}

pub struct ReviewInput {
    pub decision: ReviewDecision,
    pub note: Option<String>,
    pub term_months: Option<i32>,
}

/// An admin approves (appointing the applicant from now for `termMonths`) or rejects (with a note) a
/// PENDING application.
pub async fn review(state: &AppState, viewer: &Viewer, id: Uuid, input: ReviewInput) -> AppResult<supervisor_application::Model> {
    let admin = authz::require_admin(viewer, t!("action-review-applications"))?.clone();
    let mut checks = Checks::new();
    let note = checks.take(domain::clean_optional("note", input.note.as_deref(), 2000, true));
    if input.decision == ReviewDecision::Reject && note.is_none() {
        checks.fail("note", t!("field-note-required"));
    }
    // termMonths only matters when appointing; a form may send its default along with REJECT.
    let term_months = input.term_months.unwrap_or(DEFAULT_TERM_MONTHS);
    if input.decision == ReviewDecision::Approve && !(1..=MAX_TERM_MONTHS).contains(&term_months) {
        checks.fail("termMonths", t!("field-between", min = 1, max = MAX_TERM_MONTHS));
    }
    checks.finish()?;

    let txn = state.db.begin().await?;
    let current = load_application(&*txn, id).await?;
    if current.status != ApplicationStatus::Pending {
        return Err(AppError::conflict(t!("error-application-not-pending", status = current.status.as_str())));
    }
    let now = state.clock.now();
    let status = match input.decision {
        ReviewDecision::Approve => ApplicationStatus::Approved,
        ReviewDecision::Reject => ApplicationStatus::Rejected,
    };
    let changed = sql::execute(
        &*txn,
        "UPDATE supervisor_applications SET status = $1, review_note = $2, reviewed_at = $3, reviewed_by = $4, updated_at = $3
         WHERE id = $5 AND status = $6",
        vec![status.into(), note.clone().into(), now.into(), admin.id.into(), id.into(), ApplicationStatus::Pending.into()],
    )
    .await?;
    if changed == 0 {
        return Err(AppError::conflict(t!("error-application-changed")));
    }
    let mut appointed = None;
    let mut appointed_until = None;
    if input.decision == ReviewDecision::Approve {
        if latest_appointment(&*txn, current.applicant_id).await?.is_some_and(|s| is_active_at(&s, now)) {
            return Err(AppError::conflict(t!("error-applicant-already-supervisor")));
        }
        let months = u32::try_from(term_months).map_err(|_| AppError::bad_input("termMonths", t!("field-positive")))?;
        let term_end = now
            .checked_add_months(Months::new(months))
            .ok_or_else(|| AppError::bad_input("termMonths", t!("field-term-out-of-range")))?;
        let appointment = supervisor::Model {
            id: state.clock.new_id(),
            user_id: current.applicant_id,
            application_id: current.id,
            category: current.category,
            term_start: now,
            term_end,
            appointed_by: admin.id,
            revoked_at: None,
            revoked_reason: None,
            revoked_by: None,
            observation_count: 0,
            created_at: now,
            ending_sent_at: None,
        };
        supervisor::Entity::insert(supervisor::ActiveModel::from(appointment.clone())).exec_without_returning(&*txn).await?;
        appointed = Some(appointment.id);
        appointed_until = Some(term_end);
    }
    audit::record(
        &*txn,
        &state.clock,
        Some(admin.id),
        "supervisor_application.review",
        "SupervisorApplication",
        Some(id),
        json!({ "decision": input.decision.as_str(), "supervisorId": appointed, "termMonths": appointed.map(|_| term_months) }),
    )
    .await?;
    let term_end = appointed_until.map(notifications::shown_time).unwrap_or_default();
    let kind = notifications::Kind {
        kind: NotificationKind::ApplicationReviewed,
        subject_type: NotificationSubjectType::SupervisorApplication,
        params: notifications::params(&[("decision", status.as_str()), ("note", note.as_deref().unwrap_or("")), ("termEnd", &term_end)]),
    };
    let notified = notifications::write(&*txn, &state.clock, &kind, &[Notice { recipient: current.applicant_id, subject: current.id }]).await?;
    txn.commit().await?;
    notified.announce(state);
    Ok(supervisor_application::Model {
        status,
        review_note: note,
        reviewed_at: Some(now),
        reviewed_by: Some(admin.id),
        updated_at: now,
        ..current
    })
}

/// Applications for admins, newest first, optionally of one status.
pub async fn list_applications(
    state: &AppState,
    viewer: &Viewer,
    status: Option<ApplicationStatus>,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Page<supervisor_application::Model>, pagination::Total)> {
    authz::require_admin(viewer, t!("action-list-applications"))?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut list = sql::List::new("supervisor_applications");
    if let Some(status) = status {
        let status = list.bind(status);
        list.filter(format!("status = {status}"));
    }
    pagination::fetch::<supervisor_application::Entity>(&state.db.conn, list.newest_first("id", after, first), first).await
}

/// The signed-in user's own applications, newest first.
pub async fn own_applications(state: &AppState, viewer: &Viewer) -> AppResult<Vec<supervisor_application::Model>> {
    let user = viewer.user()?;
    let sql_text = format!("SELECT * FROM supervisor_applications WHERE applicant_id = $1 ORDER BY id DESC LIMIT {OWN_APPLICATIONS_SHOWN}");
    Ok(supervisor_application::Entity::find()
        .from_raw_sql(sql::statement(&state.db.conn, &sql_text, vec![user.id.into()]))
        .all(&state.db.conn)
        .await?)
}

/// An admin ends an appointment early, giving a reason.
pub async fn revoke(state: &AppState, viewer: &Viewer, id: Uuid, reason: &str) -> AppResult<supervisor::Model> {
    let admin = authz::require_admin(viewer, t!("action-revoke-appointments"))?.clone();
    let reason = domain::clean_text("reason", reason, 1, 1000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    let txn = state.db.begin().await?;
    let current = supervisor::Entity::find_by_id(id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-supervisor")))?;
    if current.revoked_at.is_some() {
        return Err(AppError::conflict(t!("error-appointment-revoked")));
    }
    let now = state.clock.now();
    if current.term_end <= now {
        return Err(AppError::conflict(t!("error-appointment-ended")));
    }
    let changed = sql::execute(
        &*txn,
        "UPDATE supervisors SET revoked_at = $1, revoked_reason = $2, revoked_by = $3 WHERE id = $4 AND revoked_at IS NULL",
        vec![now.into(), reason.clone().into(), admin.id.into(), id.into()],
    )
    .await?;
    if changed == 0 {
        return Err(AppError::conflict(t!("error-appointment-revoked")));
    }
    audit::record(&*txn, &state.clock, Some(admin.id), "supervisor.revoke", "Supervisor", Some(id), json!({ "reason": reason })).await?;
    let kind = notifications::Kind {
        kind: NotificationKind::AppointmentRevoked,
        subject_type: NotificationSubjectType::Supervisor,
        params: notifications::params(&[("reason", &reason)]),
    };
    let notified = notifications::write(&*txn, &state.clock, &kind, &[Notice { recipient: current.user_id, subject: id }]).await?;
    txn.commit().await?;
    notified.announce(state);
    Ok(supervisor::Model { revoked_at: Some(now), revoked_reason: Some(reason), revoked_by: Some(admin.id), ..current })
}

/// Appointments for admins and evaluators, newest first; `active` keeps only (or leaves out) the
/// appointments running now.
pub async fn list_supervisors(
    state: &AppState,
    viewer: &Viewer,
    active: Option<bool>,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<(Page<supervisor::Model>, pagination::Total)> {
    authz::require_role(viewer, &[Role::Admin, Role::Evaluator], t!("action-list-supervisors"))?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut list = sql::List::new("supervisors s");
    if let Some(active) = active {
        let now = list.bind(state.clock.now());
        let condition = active_condition(&now);
        list.filter(if active { condition } else { format!("NOT {condition}") });
    }
    pagination::fetch::<supervisor::Entity>(&state.db.conn, list.newest_first("s.id", after, first), first).await
}

/// Whether the viewer may see an appointment's private side (its account, why it was revoked): the
/// supervisor and admins.
pub fn can_see_private(viewer: &Viewer, s: &supervisor::Model) -> bool {
    viewer.is_admin() || viewer.user_id() == Some(s.user_id)
}

/// Whether the viewer may list an appointment's observations: the supervisor, admins, evaluators.
pub fn can_list_observations(viewer: &Viewer, s: &supervisor::Model) -> bool {
    can_see_private(viewer, s) || viewer.role() == Some(Role::Evaluator)
}
