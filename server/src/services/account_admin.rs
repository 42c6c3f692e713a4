//! Account administration, for admins: the list of accounts with filters, reinstating a suspended
//! account, and changing an account's role, department or display name. A change of role or
//! department ends the account's sessions at once (HTTP and open sockets, on every instance): what it
//! was allowed to do under the old role must not outlive the change.

use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::json;
use uuid::Uuid;

use entities::{department, user};

use crate::domain::{self, Checks, Role};
use crate::error::{AppError, AppResult};
use crate::services::accounts::sessions_ended;
use crate::services::authz::{self, Viewer};
use crate::services::pagination::{self, Page, Total};
use crate::services::audit;
use crate::sql;
use crate::state::AppState;
use crate::t;

/// What the admins' list is narrowed to.
#[derive(Clone, Debug, Default)]
pub struct AccountFilter {
    pub role: Option<Role>,
    pub department_id: Option<Uuid>,
    /// Part of the email or the display name, any case.
    pub search: Option<String>,
    pub suspended: Option<bool>,
}

/// A page of accounts, newest first (admins only).
pub async fn list(state: &AppState, viewer: &Viewer, filter: &AccountFilter, first: Option<i32>, after: Option<&str>) -> AppResult<(Page<user::Model>, Total)> {
    authz::require_admin(viewer, t!("action-list-accounts"))?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut list = sql::List::new("users");
    if let Some(role) = filter.role {
        let role = list.bind(role);
        list.filter(format!("role = {role}"));
    }
    if let Some(department) = filter.department_id {
        let department = list.bind(department);
        list.filter(format!("department_id = {department}"));
    }
    if let Some(suspended) = filter.suspended {
        let suspended = list.bind(suspended);
        list.filter(format!("suspended = {suspended}"));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if search.chars().count() > 100 {
            return Err(AppError::bad_input("filter.search", t!("field-at-most-chars", max = 100)));
        }
        // PostgreSQL refuses a NUL in a parameter; no email or name has one.
        if search.contains('\0') {
            return Ok((Page::from_rows(Vec::new(), first), Total::Known(0)));
        }
        let pattern = list.bind(sql::contains_pattern(search));
        list.filter(format!("(email LIKE {pattern} ESCAPE '\\' OR LOWER(display_name) LIKE {pattern} ESCAPE '\\')"));
    }
    pagination::fetch::<user::Entity>(&state.db.conn, list.newest_first("id", after, first), first).await
}

/// Lets a suspended account sign in again (admins only; audited). Its old sessions stay ended.
pub async fn reinstate(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<user::Model> {
    let admin = authz::require_admin(viewer, t!("action-reinstate-accounts"))?.id;
    let txn = state.db.begin().await?;
    let found = user::Entity::find_by_id(id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-account")))?;
    if !found.suspended {
        return Err(AppError::conflict(t!("error-account-not-suspended")));
    }
    let mut active: user::ActiveModel = found.into();
    active.suspended = Set(false);
    active.suspended_reason = Set(None);
    active.updated_at = Set(state.clock.now());
    let user = active.update(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(admin), "account.reinstate", "User", Some(id), json!({})).await?;
    txn.commit().await?;
    state.accounts.forget(id);
    Ok(user)
}

/// What an admin may change of an account.
#[derive(Clone, Debug, Default)]
pub struct AccountChange {
    pub role: Option<Role>,
    /// `Some(None)`: no department (for an admin, an evaluator or a citizen).
    pub department_id: Option<Option<Uuid>>,
    pub display_name: Option<String>,
}

/// Changes an account's role, department or display name (admins only; audited). A change of role or
/// department ends every session of the account. An admin may not change their own role.
pub async fn update(state: &AppState, viewer: &Viewer, id: Uuid, change: AccountChange) -> AppResult<user::Model> {
    let admin = authz::require_admin(viewer, t!("action-update-accounts"))?.id;
    let mut checks = Checks::new();
    let display_name = change.display_name.as_deref().map(|name| checks.take(domain::display_name("input.displayName", name)));
    let txn = state.db.begin().await?;
    let current = user::Entity::find_by_id(id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-account")))?;
    let role = change.role.unwrap_or(current.role);
    // A staff member moved to another role leaves their department unless one is given.
    let department = match change.department_id {
        Some(department) => department,
        None if role == Role::Staff => current.department_id,
        None => None,
    };
    if admin == id && role != current.role {
        checks.fail("input.role", t!("field-cannot-change-own-role"));
    }
    match (role, department) {
        (Role::Staff, None) => checks.fail("input.departmentId", t!("field-department-required-for-staff")),
        (Role::Admin | Role::Evaluator | Role::Citizen, Some(_)) => checks.fail("input.departmentId", t!("field-department-empty-for-role")),
        _ => {}
    }
    checks.finish()?;
    if let Some(department) = department {
        if department::Entity::find_by_id(department).one(&*txn).await?.is_none() {
            return Err(AppError::bad_input("input.departmentId", t!("field-no-such-department")));
        }
    }
    let access_changed = role != current.role || department != current.department_id;
    let mut active: user::ActiveModel = current.clone().into();
    active.role = Set(role);
    active.department_id = Set(department);
    if let Some(name) = display_name.clone() {
        active.display_name = Set(name);
    }
    active.updated_at = Set(state.clock.now());
    let user = active.update(&*txn).await?;
    audit::record(
        &*txn,
        &state.clock,
        Some(admin),
        "account.update",
        "User",
        Some(id),
        json!({
            "role": (role != current.role).then(|| json!({ "from": current.role.as_str(), "to": role.as_str() })),
            "departmentId": (department != current.department_id).then(|| json!({ "from": current.department_id, "to": department })),
            "displayName": display_name.is_some(),
        }),
    )
    .await?;
    txn.commit().await?;
    state.accounts.forget(id);
    if access_changed {
        state.sessions.revoke_all(id, None).await?;
        sessions_ended(state, id);
    }
    Ok(user)
}
