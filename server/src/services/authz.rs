//! Who may do what: plain functions that read like the roles table in docs/design.md, called at the top
//! of every action.

use sea_orm::{ConnectionTrait, EntityTrait, Value};
use uuid::Uuid;

use entities::{consultation, user};

use crate::domain::{ConsultationState, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::Text;
use crate::sql;
use crate::t;

/// Who is asking: the signed-in account (if any), its session, and a keyed hash of its address.
#[derive(Clone, Debug, Default)]
pub struct Viewer {
    pub user: Option<user::Model>,
    pub token_hash: Option<String>,
    pub client_key: String,
}

impl Viewer {
    pub fn anonymous(client_key: String) -> Self {
        Self { user: None, token_hash: None, client_key }
    }

    pub fn user(&self) -> AppResult<&user::Model> {
        self.user.as_ref().ok_or(AppError::Unauthenticated)
    }

    pub fn user_id(&self) -> Option<Uuid> {
        self.user.as_ref().map(|u| u.id)
    }

    pub fn role(&self) -> Option<Role> {
        self.user.as_ref().map(|u| u.role)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// The department of a staff member.
    pub fn staff_department(&self) -> Option<Uuid> {
        match self.role() {
            Some(Role::Staff) => self.user.as_ref().and_then(|u| u.department_id),
            _ => None,
        }
    }
}

pub fn require_role<'a>(viewer: &'a Viewer, roles: &[Role], what: Text) -> AppResult<&'a user::Model> {
    let user = viewer.user()?;
    match viewer.role() {
        Some(role) if roles.contains(&role) => Ok(user),
        _ => Err(AppError::forbidden(t!("error-may-not", what = what))),
    }
}

pub fn require_admin(viewer: &Viewer, what: Text) -> AppResult<&user::Model> {
    require_role(viewer, &[Role::Admin], what)
}

pub fn require_citizen(viewer: &Viewer, what: Text) -> AppResult<&user::Model> {
    require_role(viewer, &[Role::Citizen], what)
}

/// Staff of the lead department, or an admin: edit, publish, close, conclude, withdraw.
pub fn can_manage(viewer: &Viewer, consultation: &consultation::Model) -> bool {
    viewer.is_admin() || viewer.staff_department() == Some(consultation.lead_department_id)
}

pub fn require_manage<'a>(viewer: &'a Viewer, consultation: &consultation::Model) -> AppResult<&'a user::Model> {
    let user = viewer.user()?;
    if can_manage(viewer, consultation) {
        Ok(user)
    } else {
        Err(AppError::forbidden(t!("error-manage-consultation")))
    }
}

/// Staff of the lead or a cooperating department, or an admin: moderate, reply, export, see every status
/// (cooperating staff once the consultation is published).
pub async fn can_moderate(db: &impl ConnectionTrait, viewer: &Viewer, consultation: &consultation::Model) -> AppResult<bool> {
    // Only staff of another department than the lead need the cooperating departments looked up.
    if can_manage(viewer, consultation) || !can_see(viewer, consultation) || viewer.staff_department().is_none() {
        return Ok(moderates(viewer, consultation, &[]));
    }
    let cooperating = sql::rows(
        db,
        "SELECT department_id FROM consultation_departments WHERE consultation_id = $1",
        vec![Value::from(consultation.id)],
    )
    .await?
    .iter()
    .filter_map(|row| row.try_get::<Uuid>("", "department_id").ok())
    .collect::<Vec<_>>();
    Ok(moderates(viewer, consultation, &cooperating))
}

/// `can_moderate` given the consultation's cooperating departments (which the GraphQL layer loads for
/// a whole page at once).
pub fn moderates(viewer: &Viewer, consultation: &consultation::Model, cooperating: &[Uuid]) -> bool {
    if can_manage(viewer, consultation) {
        return true;
    }
    // A cooperating department sees (and so moderates) a consultation only once it is published.
    can_see(viewer, consultation) && viewer.staff_department().is_some_and(|d| cooperating.contains(&d))
}

pub async fn require_moderate<'a>(
    db: &impl ConnectionTrait,
    viewer: &'a Viewer,
    consultation: &consultation::Model,
) -> AppResult<&'a user::Model> {
    let user = viewer.user()?;
    if can_moderate(db, viewer, consultation).await? {
        Ok(user)
    } else {
        Err(AppError::forbidden(t!("error-moderators-only")))
    }
}

/// The consultation `id` for an action of its moderators (live feed, export): UNAUTHENTICATED without
/// an account, NOT_FOUND when the viewer may not even see it, FORBIDDEN when they see but do not
/// moderate it.
pub async fn moderated_consultation(db: &impl ConnectionTrait, viewer: &Viewer, id: Uuid, what: Text) -> AppResult<consultation::Model> {
    viewer.user()?;
    let found = consultation::Entity::find_by_id(id).one(db).await?.ok_or(AppError::NotFound(t!("not-found-consultation")))?;
    // Visibility first: a cooperating department does not see a draft until it is published.
    if !can_see(viewer, &found) {
        return Err(AppError::NotFound(t!("not-found-consultation")));
    }
    if can_moderate(db, viewer, &found).await? {
        return Ok(found);
    }
    Err(AppError::forbidden(t!("error-moderators-only-to", what = what)))
}

/// DRAFT and WITHDRAWN consultations are seen only by the lead department's staff and admins.
pub fn can_see(viewer: &Viewer, consultation: &consultation::Model) -> bool {
    match consultation.state {
        ConsultationState::Published | ConsultationState::Concluded => true,
        _ => can_manage(viewer, consultation),
    }
}
