//! Accounts, departments, sign-in and sessions.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use uuid::Uuid;

use entities::{department, user};

use crate::domain::{self, Checks, Email, Password, Role};
use crate::clock::Clock;
use crate::error::{AppError, AppResult};
use crate::services::audit;
use crate::services::authz::{self, Viewer};
use crate::state::{AppState, LimitKind};
use crate::sql;
use crate::util;
use crate::i18n::Text;
use crate::t;

pub struct SignedIn {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: user::Model,
}

pub struct RegisterInput {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub phone: Option<String>,
}

pub async fn register(state: &AppState, viewer: &Viewer, input: RegisterInput) -> AppResult<SignedIn> {
    let mut checks = Checks::new();
    let email = checks.take(Email::parse("email", &input.email));
    let password = checks.take(Password::parse("password", &input.password));
    let display_name = checks.take(domain::display_name("displayName", &input.display_name));
    let phone = input.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(|p| checks.take(domain::phone("phone", p)));
    checks.finish()?;
    state.limiter.hit(state.limit(LimitKind::Registrations), &viewer.client_key).await?;

    let hash = state.hasher.hash(password.expose()).await?;
    let txn = state.db.begin().await?;
    let user = insert_user(&*txn, &state.clock, NewUser { email: &email, hash, display_name, phone, role: Role::Citizen, department_id: None }).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "account.register", "User", Some(user.id), json!({})).await?;
    txn.commit_private().await?;
    let issued = state.sessions.issue(user.id).await?;
    Ok(SignedIn { token: issued.token, expires_at: issued.expires_at, user })
}

struct NewUser<'a> {
    email: &'a Email,
    hash: String,
    display_name: String,
    phone: Option<String>,
    role: Role,
    department_id: Option<Uuid>,
}

/// Inserts an account whose email is not taken yet (CONFLICT otherwise, also when a concurrent
/// registration wins the race to the unique index).
async fn insert_user(db: &impl ConnectionTrait, clock: &Clock, new: NewUser<'_>) -> AppResult<user::Model> {
    if user::Entity::find().filter(user::Column::Email.eq(new.email.as_str())).one(db).await?.is_some() {
        return Err(AppError::conflict(t!("error-email-taken")));
    }
    let now = clock.now();
    user::ActiveModel {
        id: Set(clock.new_id()),
        email: Set(new.email.as_str().to_owned()),
        password_hash: Set(new.hash),
        display_name: Set(new.display_name),
        phone: Set(new.phone),
        role: Set(new.role),
        department_id: Set(new.department_id),
        suspended: Set(false),
        suspended_reason: Set(None),
        locale: Set(None),
        email_verified_at: Set(None),
        last_sign_in_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| conflict_on_email(e.into()))
}

fn conflict_on_email(error: AppError) -> AppError {
    match error {
        AppError::Conflict(_) => AppError::conflict(t!("error-email-taken")),
        other => other,
    }
}

const BAD_CREDENTIALS: Text = t!("error-bad-credentials");

pub async fn login(state: &AppState, viewer: &Viewer, email: &str, password: &str) -> AppResult<SignedIn> {
    // A malformed email is answered like a wrong password: sign-in never says which accounts exist.
    let email = email.trim().to_lowercase();
    let account_key = util::sha256_hex(email.as_bytes());
    // Each attempt takes its place under both limits before the password is verified, so concurrent
    // attempts cannot all pass a check made before any of them failed; a success gives it back.
    let attempt = Attempt::reserve(state, &viewer.client_key, &account_key).await?;

    // PostgreSQL refuses a NUL in text; no account has one in its email, on either database.
    let found = if email.contains('\0') {
        None
    } else {
        user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(&state.db.conn).await?
    };
    let password = password.chars().take(128).collect::<String>();
    let matched = state.hasher.verify(&password, found.as_ref().map(|u| u.password_hash.as_str())).await?;
    let user = match found {
        Some(user) if matched => user,
        _ => return Err(AppError::Unauthenticated.with_message(BAD_CREDENTIALS)),
    };
    attempt.succeeded(state).await?;
    if user.suspended {
        return Err(AppError::forbidden(t!("error-account-suspended")));
    }
    let issued = state.sessions.issue(user.id).await?;
    let txn = state.db.begin().await?;
    let now = state.clock.now();
    sql::execute(&*txn, "UPDATE users SET last_sign_in_at = $1 WHERE id = $2", vec![now.into(), user.id.into()]).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "account.login", "User", Some(user.id), json!({})).await?;
    txn.commit_private().await?;
    let user = user::Model { last_sign_in_at: Some(now), ..user };
    Ok(SignedIn { token: issued.token, expires_at: issued.expires_at, user })
}

/// A password check counted under the sign-in failure limits (per client address and per account)
/// before it runs: RATE_LIMITED when either is used up. A failed check keeps its place; a successful
/// one gives the address's place back and clears the account's failures.
struct Attempt<'a> {
    client_key: &'a str,
    account_key: &'a str,
}

impl<'a> Attempt<'a> {
    async fn reserve(state: &AppState, client_key: &'a str, account_key: &'a str) -> AppResult<Self> {
        state.limiter.hit(state.limit(LimitKind::LoginFailuresPerAddress), client_key).await?;
        if let Err(refused) = state.limiter.hit(state.limit(LimitKind::LoginFailures), account_key).await {
            state.limiter.release(state.limit(LimitKind::LoginFailuresPerAddress), client_key).await?;
            return Err(refused);
        }
        Ok(Self { client_key, account_key })
    }

    async fn succeeded(self, state: &AppState) -> AppResult<()> {
        state.limiter.release(state.limit(LimitKind::LoginFailuresPerAddress), self.client_key).await?;
        state.limiter.reset(state.limit(LimitKind::LoginFailures), self.account_key).await
    }
}

pub async fn logout(state: &AppState, viewer: &Viewer) -> AppResult<bool> {
    let user = viewer.user()?;
    if let Some(hash) = &viewer.token_hash {
        state.sessions.revoke(user.id, hash).await?;
        sessions_ended(state, user.id);
    }
    let txn = state.db.begin().await?;
    audit::record(&*txn, &state.clock, Some(user.id), "account.logout", "User", Some(user.id), json!({})).await?;
    txn.commit_private().await?;
    Ok(true)
}

pub async fn logout_everywhere(state: &AppState, viewer: &Viewer) -> AppResult<bool> {
    let user = viewer.user()?;
    let ended = state.sessions.revoke_all(user.id, None).await?;
    sessions_ended(state, user.id);
    let txn = state.db.begin().await?;
    audit::record(&*txn, &state.clock, Some(user.id), "account.logout_everywhere", "User", Some(user.id), json!({ "sessionsEnded": ended })).await?;
    txn.commit_private().await?;
    Ok(true)
}

pub async fn change_password(state: &AppState, viewer: &Viewer, current: &str, new: &str) -> AppResult<bool> {
    let signed_in = viewer.user()?;
    let new = Password::parse("newPassword", new).map_err(|e| AppError::BadInput(vec![e]))?;
    // The account afresh: the viewer's copy may come from the accounts cache.
    let user = user::Entity::find_by_id(signed_in.id).one(&state.db.conn).await?.ok_or(AppError::Unauthenticated)?;
    // A wrong current password counts as a failed sign-in of the account: a stolen session cannot
    // be used to guess the password faster than the sign-in form allows.
    let account_key = util::sha256_hex(user.email.as_bytes());
    let attempt = Attempt::reserve(state, &viewer.client_key, &account_key).await?;
    let current = current.chars().take(128).collect::<String>();
    if !state.hasher.verify(&current, Some(&user.password_hash)).await? {
        return Err(AppError::bad_input("currentPassword", t!("field-incorrect")));
    }
    attempt.succeeded(state).await?;
    let hash = state.hasher.hash(new.expose()).await?;
    let txn = state.db.begin().await?;
    let mut active: user::ActiveModel = user.clone().into();
    active.password_hash = Set(hash);
    active.updated_at = Set(state.clock.now());
    active.update(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "account.change_password", "User", Some(user.id), json!({})).await?;
    txn.commit_private().await?;
    state.accounts.forget(user.id);
    state.sessions.revoke_all(user.id, viewer.token_hash.as_deref()).await?;
    sessions_ended(state, user.id);
    Ok(true)
}

pub async fn create_department(state: &AppState, viewer: &Viewer, code: &str, name: &str) -> AppResult<department::Model> {
    let admin = authz::require_admin(viewer, t!("action-create-departments"))?;
    let mut checks = Checks::new();
    let code = code.trim().to_uppercase();
    if !(2..=32).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        checks.fail("code", t!("field-department-code"));
    }
    let name = checks.take(domain::clean_text("name", name, 1, 100, false));
    checks.finish()?;
    let txn = state.db.begin().await?;
    if department::Entity::find().filter(department::Column::Code.eq(code.as_str())).one(&*txn).await?.is_some() {
        return Err(AppError::conflict(t!("error-department-code-taken")));
    }
    let department = department::ActiveModel {
        id: Set(state.clock.new_id()),
        code: Set(code),
        name: Set(name),
        created_at: Set(state.clock.now()),
    }
    .insert(&*txn)
    .await?;
    audit::record(&*txn, &state.clock, Some(admin.id), "department.create", "Department", Some(department.id), json!({ "code": department.code })).await?;
    txn.commit().await?;
    Ok(department)
}

pub struct CreateAccountInput {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub department_id: Option<Uuid>,
}

/// An admin creates a STAFF (with a department), ADMIN or EVALUATOR account. `actor` is None when the
/// command line creates the first admin.
pub async fn create_account(state: &AppState, actor: Option<&Viewer>, input: CreateAccountInput) -> AppResult<user::Model> {
    let actor_id = match actor {
        Some(viewer) => Some(authz::require_admin(viewer, t!("action-create-accounts"))?.id),
        None => None,
    };
    let mut checks = Checks::new();
    let email = checks.take(Email::parse("email", &input.email));
    let password = checks.take(Password::parse("password", &input.password));
    let display_name = checks.take(domain::display_name("displayName", &input.display_name));
    match (input.role, input.department_id) {
        (Role::Citizen, _) => checks.fail("role", t!("field-role-not-citizen")),
        (Role::Staff, None) => checks.fail("departmentId", t!("field-department-required-for-staff")),
        (Role::Admin | Role::Evaluator, Some(_)) => checks.fail("departmentId", t!("field-department-empty-for-role")),
        _ => {}
    }
    checks.finish()?;
    if let Some(department) = input.department_id {
        if department::Entity::find_by_id(department).one(&state.db.conn).await?.is_none() {
            return Err(AppError::bad_input("departmentId", t!("field-no-such-department")));
        }
    }
    let hash = state.hasher.hash(password.expose()).await?;
    let txn = state.db.begin().await?;
    let new = NewUser { email: &email, hash, display_name, phone: None, role: input.role, department_id: input.department_id };
    let user = insert_user(&*txn, &state.clock, new).await?;
    audit::record(&*txn, &state.clock, actor_id, "account.create", "User", Some(user.id), json!({ "role": user.role.as_str() })).await?;
    txn.commit().await?;
    Ok(user)
}

pub async fn suspend_account(state: &AppState, viewer: &Viewer, id: Uuid, reason: &str) -> AppResult<user::Model> {
    let admin = authz::require_admin(viewer, t!("action-suspend-accounts"))?;
    let reason = domain::clean_text("reason", reason, 1, 500, true).map_err(|e| AppError::BadInput(vec![e]))?;
    if admin.id == id {
        return Err(AppError::bad_input("id", t!("field-cannot-suspend-self")));
    }
    let txn = state.db.begin().await?;
    let user = user::Entity::find_by_id(id).one(&*txn).await?.ok_or(AppError::NotFound(t!("not-found-account")))?;
    let mut active: user::ActiveModel = user.into();
    active.suspended = Set(true);
    active.suspended_reason = Set(Some(reason.clone()));
    active.updated_at = Set(state.clock.now());
    let user = active.update(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(admin.id), "account.suspend", "User", Some(user.id), json!({ "reason": reason })).await?;
    txn.commit().await?;
    state.accounts.forget(user.id);
    state.sessions.revoke_all(user.id, None).await?;
    sessions_ended(state, user.id);
    Ok(user)
}

/// Tells the account's open WebSocket connections, on every instance, that some of its sessions
/// ended: each checks its own at once and closes if it was one of them (see `websocket`).
pub(crate) fn sessions_ended(state: &AppState, user_id: Uuid) {
    state.events.publish_later(vec![crate::events::Event::SessionsEnded { user_id }]);
}

pub async fn departments(state: &AppState) -> AppResult<Vec<department::Model>> {
    Ok(department::Entity::find().order_by_asc(department::Column::Code).all(&state.db.conn).await?)
}

/// The account behind a bearer token, if the token is live and the account not suspended.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<Option<(user::Model, String)>> {
    let hash = crate::auth::sessions::hash_token(token);
    Ok(session_user(state, &hash).await?.map(|u| (u, hash)))
}

/// The account of a live session, by the token's hash; None once the session ended or the account
/// was suspended. Long-lived connections call it again to notice either.
pub async fn session_user(state: &AppState, token_hash: &str) -> AppResult<Option<user::Model>> {
    let Some(session) = state.sessions.get(token_hash).await? else { return Ok(None) };
    if let Some(user) = state.accounts.get(session.user_id) {
        return Ok(Some(user).filter(|u| !u.suspended));
    }
    let generation = state.accounts.generation();
    let user = user::Entity::find_by_id(session.user_id).one(&state.db.conn).await?;
    if let Some(user) = &user {
        state.accounts.put(user, generation);
    }
    Ok(user.filter(|u| !u.suspended))
}

pub struct ProfileInput {
    pub display_name: Option<String>,
    /// Some(""): remove the phone number.
    pub phone: Option<String>,
    pub locale: Option<String>,
}

/// The signed-in account changes its display name, phone number or language; what is not given stays.
pub async fn update_profile(state: &AppState, viewer: &Viewer, input: ProfileInput) -> AppResult<user::Model> {
    let user = viewer.user()?.clone();
    let mut checks = Checks::new();
    let display_name = input.display_name.as_deref().map(|n| checks.take(domain::display_name("displayName", n)));
    let phone = input.phone.as_deref().map(str::trim).map(|p| if p.is_empty() { None } else { Some(checks.take(domain::phone("phone", p))) });
    let locale = match input.locale.as_deref().map(str::trim) {
        None => None,
        Some(tag) => match crate::i18n::Locale::parse(tag) {
            Some(locale) if tag == locale.as_str() => Some(locale),
            _ => {
                checks.fail("locale", t!("field-locale"));
                None
            }
        },
    };
    checks.finish()?;
    let txn = state.db.begin().await?;
    let current = user::Entity::find_by_id(user.id).one(&*txn).await?.ok_or(AppError::Unauthenticated)?;
    let mut active: user::ActiveModel = current.into();
    if let Some(name) = display_name {
        active.display_name = Set(name);
    }
    if let Some(phone) = phone {
        active.phone = Set(phone);
    }
    if let Some(locale) = locale {
        active.locale = Set(Some(locale.as_str().to_owned()));
    }
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "account.update_profile", "User", Some(user.id), json!({ "locale": updated.locale })).await?;
    // The display name is public (on comments): a public write.
    txn.commit().await?;
    state.accounts.forget(user.id);
    Ok(updated)
}
