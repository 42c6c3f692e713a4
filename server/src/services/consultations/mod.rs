//! Consultations: drafting (`drafting`), their life after it (`lifecycle`), lists (`list`), and the
//! rules every part reads: the status a consultation has at a moment, and which ones the public sees.

mod drafting;
mod lifecycle;
mod list;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use entities::{consultation, consultation_department, department, section};

use crate::domain::{ConsultationState, ConsultationStatus};
use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::t;

pub use drafting::{create, update, ConsultationInput, SectionInput};
pub use lifecycle::{close, conclude, publish, withdraw};
pub use list::{department_list, list, list_query, ListFilter, ListResult};

/// Where a moment falls in a published consultation's period `[opens_at, closes_at)`.
#[derive(Clone, Copy, Debug)]
enum Period {
    /// Any moment (the status does not follow the clock).
    Any,
    BeforeOpening,
    Open,
    AfterClosing,
}

/// The one definition of each status the API reports: the stored state and, for a published
/// consultation, where the moment falls in its period. `status` (in Rust) and `status_condition` (in
/// SQL, for lists and for the submission statement) are both read off this table.
const STATUS_RULES: [(ConsultationStatus, ConsultationState, Period); 6] = [
    (ConsultationStatus::Draft, ConsultationState::Draft, Period::Any),
    (ConsultationStatus::Withdrawn, ConsultationState::Withdrawn, Period::Any),
    (ConsultationStatus::Concluded, ConsultationState::Concluded, Period::Any),
    (ConsultationStatus::Upcoming, ConsultationState::Published, Period::BeforeOpening),
    (ConsultationStatus::Open, ConsultationState::Published, Period::Open),
    (ConsultationStatus::Closed, ConsultationState::Published, Period::AfterClosing),
];

/// The stored states the public sees (and lists, and finds in the open data): published, whatever
/// the clock says, and concluded. Drafts and withdrawn ones only their managers see.
pub const PUBLIC_STATES: [ConsultationState; 2] = [ConsultationState::Published, ConsultationState::Concluded];

impl Period {
    fn holds(self, c: &consultation::Model, at: DateTime<Utc>) -> bool {
        match self {
            Period::Any => true,
            Period::BeforeOpening => at < c.opens_at,
            Period::Open => c.opens_at <= at && at < c.closes_at,
            Period::AfterClosing => c.closes_at <= at,
        }
    }

    /// The same test in SQL, on the row `c` and the time expression `at`.
    fn sql(self, c: &str, at: &str) -> Option<String> {
        match self {
            Period::Any => None,
            Period::BeforeOpening => Some(format!("{at} < {c}.opens_at")),
            Period::Open => Some(format!("{c}.opens_at <= {at} AND {at} < {c}.closes_at")),
            Period::AfterClosing => Some(format!("{c}.closes_at <= {at}")),
        }
    }
}

/// The status a consultation has at `at`.
pub fn status(c: &consultation::Model, at: DateTime<Utc>) -> ConsultationStatus {
    STATUS_RULES
        .iter()
        .find(|(_, state, period)| *state == c.state && period.holds(c, at))
        .map_or(ConsultationStatus::Closed, |(status, _, _)| *status)
}

/// SQL selecting the consultations (row alias `c`) that have `status` at the time expression `at`
/// (a bound parameter, or a column of the statement).
pub fn status_condition(status: ConsultationStatus, c: &str, at: &str, params: &mut Params) -> String {
    let Some((_, state, period)) = STATUS_RULES.iter().find(|(s, _, _)| *s == status) else {
        return "1 = 0".to_owned();
    };
    let state = format!("{c}.state = {}", params.bind(*state));
    match period.sql(c, at) {
        Some(period) => format!("({state} AND {period})"),
        None => state,
    }
}

/// Whether staff may reply to the consultation's comments: once it is published, for as long as it
/// stands (not while a draft, not once withdrawn).
pub fn takes_replies(c: &consultation::Model) -> bool {
    !matches!(c.state, ConsultationState::Draft | ConsultationState::Withdrawn)
}

/// Whether the public sees the consultation (`PUBLIC_STATES`).
pub fn is_public(c: &consultation::Model) -> bool {
    PUBLIC_STATES.contains(&c.state)
}

/// `is_public` in SQL, on the row alias `c`.
pub fn public_condition(c: &str, params: &mut Params) -> String {
    format!("{c}.state IN ({})", params.bind_all(PUBLIC_STATES))
}

/// Reads a consultation for a change by its managers and locks its row until the transaction ends (a
/// no-op update: portable where `SELECT … FOR UPDATE` is not). Every check that follows rests on the
/// state as it stands: an edit that read "draft" cannot replace the sections of a consultation that a
/// concurrent publish has opened to comments, which no foreign key would catch on PostgreSQL (migration
/// 000009).
pub(super) async fn load_for_manage<'a>(db: &impl ConnectionTrait, viewer: &'a Viewer, id: Uuid) -> AppResult<(consultation::Model, &'a entities::user::Model)> {
    let user = viewer.user()?;
    let statement = sql::statement(db, "UPDATE consultations SET updated_at = updated_at WHERE id = $1 RETURNING *", vec![id.into()]);
    let c = consultation::Entity::find().from_raw_sql(statement).one(db).await?.ok_or(AppError::NotFound(t!("not-found-consultation")))?;
    if !authz::can_see(viewer, &c) && !authz::can_manage(viewer, &c) {
        return Err(AppError::NotFound(t!("not-found-consultation")));
    }
    authz::require_manage(viewer, &c)?;
    Ok((c, user))
}

/// A consultation the viewer may see, or NOT_FOUND (a hidden draft does not reveal that it exists).
pub async fn get(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<consultation::Model> {
    let c = consultation::Entity::find_by_id(id).one(&state.db.conn).await?.ok_or(AppError::NotFound(t!("not-found-consultation")))?;
    if authz::can_see(viewer, &c) {
        Ok(c)
    } else {
        Err(AppError::NotFound(t!("not-found-consultation")))
    }
}

pub async fn sections_of(db: &impl ConnectionTrait, consultation_id: Uuid) -> AppResult<Vec<section::Model>> {
    Ok(section::Entity::find()
        .filter(section::Column::ConsultationId.eq(consultation_id))
        .order_by_asc(section::Column::Ordinal)
        .all(db)
        .await?)
}

pub async fn cooperating_of(db: &impl ConnectionTrait, consultation_id: Uuid) -> AppResult<Vec<department::Model>> {
    let links = consultation_department::Entity::find()
        .filter(consultation_department::Column::ConsultationId.eq(consultation_id))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = links.iter().map(|l| l.department_id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(department::Entity::find().filter(department::Column::Id.is_in(ids)).order_by_asc(department::Column::Code).all(db).await?)
}


#[cfg(test)]
mod tests {
    use super::*;

    fn consultation(state: ConsultationState, opens: DateTime<Utc>, closes: DateTime<Utc>) -> consultation::Model {
        consultation::Model {
            id: Uuid::nil(),
            title: String::new(),
            summary: String::new(),
            body: String::new(),
            interpretation: None,
            category: String::new(),
            lead_department_id: Uuid::nil(),
            state,
            moderation: crate::domain::ModerationMode::Post,
            opens_at: opens,
            closes_at: closes,
            published_at: None,
            withdrawn_reason: None,
            outcome_summary: None,
            outcome_published_at: None,
            outcome_total: None,
            outcome_replied: None,
            outcome_adopted: None,
            outcome_partially_adopted: None,
            outcome_not_adopted: None,
            outcome_explained: None,
            search_text: String::new(),
            short_period_reason: None,
            created_by: Uuid::nil(),
            created_at: opens,
            updated_at: opens,
        }
    }

    #[test]
    fn every_state_and_moment_has_exactly_one_status() {
        let opens = Utc::now();
        let closes = opens + chrono::Duration::days(1);
        for state in ConsultationState::ALL {
            let c = consultation(*state, opens, closes);
            for at in [opens - chrono::Duration::seconds(1), opens, closes - chrono::Duration::seconds(1), closes] {
                let matching = STATUS_RULES.iter().filter(|(_, s, p)| s == state && p.holds(&c, at)).count();
                assert_eq!(matching, 1, "{state:?} at {at}");
            }
        }
        let published = consultation(ConsultationState::Published, opens, closes);
        assert_eq!(status(&published, opens - chrono::Duration::seconds(1)), ConsultationStatus::Upcoming);
        assert_eq!(status(&published, opens), ConsultationStatus::Open);
        assert_eq!(status(&published, closes), ConsultationStatus::Closed);
    }

    #[test]
    fn each_status_has_one_condition() {
        for status in ConsultationStatus::ALL {
            let mut params = Params::new();
            let at = params.bind(Utc::now());
            let condition = status_condition(*status, "c", &at, &mut params);
            assert!(condition.starts_with("c.state = $2") || condition.starts_with("(c.state = $2"), "{condition}");
        }
    }
}
