//! Proving an email address (a six-digit code sent there) and recovering an account through it (a
//! single-use link valid for 30 minutes). Codes and links are stored only as digests, are sent through
//! the outbox in the transaction that creates them, and are rate-limited.

use chrono::Duration;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use entities::user;

use crate::domain::{Password, TokenPurpose};
use crate::error::{AppError, AppResult};
use crate::i18n::Locale;
use crate::services::accounts::SignedIn;
use crate::services::audit;
use crate::services::authz::Viewer;
use crate::services::outbox;
use crate::sql;
use crate::state::{AppState, LimitKind};
use crate::util;
use crate::t;

/// How long a code or a link works.
pub const VALID_MINUTES: i64 = 30;
/// Wrong codes before a code stops working (a new one can be asked for).
pub const MAX_CODE_ATTEMPTS: i32 = 5;

fn code_digest(key: &[u8], user: Uuid, code: &str) -> String {
    util::keyed_hash(key, format!("verify-email|{user}|{code}").as_bytes())
}

fn link_digest(key: &[u8], token: &str) -> String {
    util::keyed_hash(key, format!("reset-password|{token}").as_bytes())
}

/// Six random digits.
fn new_code() -> AppResult<String> {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(anyhow::anyhow!("no randomness: {e}")))?;
    Ok(format!("{:06}", u32::from_le_bytes(bytes) % 1_000_000))
}

fn locale_of(state: &AppState, account: &user::Model, request: Option<Locale>) -> Locale {
    Locale::choose(account.locale.as_deref(), request, state.config.default_locale)
}

fn email_is_set_up(state: &AppState) -> AppResult<()> {
    if state.mailer.is_none() {
        return Err(AppError::conflict(t!("error-email-not-set-up")));
    }
    Ok(())
}

/// Sends a new code to the signed-in account's address; earlier codes stop working.
pub async fn request_email_verification(state: &AppState, viewer: &Viewer, request: Option<Locale>) -> AppResult<bool> {
    let signed_in = viewer.user()?;
    email_is_set_up(state)?;
    let account = user::Entity::find_by_id(signed_in.id).one(&state.db.conn).await?.ok_or(AppError::Unauthenticated)?;
    if account.email_verified_at.is_some() {
        return Err(AppError::conflict(t!("error-email-already-verified")));
    }
    state.limiter.hit(state.limit(LimitKind::VerificationEmails), &account.id.to_string()).await?;
    let code = new_code()?;
    let (id, now) = state.clock.new_id_and_time();
    let txn = state.db.begin().await?;
    sql::execute(
        &*txn,
        "DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
        vec![account.id.into(), TokenPurpose::VerifyEmail.as_str().into()],
    )
    .await?;
    insert_token(&*txn, id, account.id, TokenPurpose::VerifyEmail, &code_digest(&state.config.secret_key, account.id, &code), now).await?;
    outbox::enqueue_email(&*txn, &state.clock, &account.email, locale_of(state, &account, request), outbox::TEMPLATE_VERIFY_EMAIL, outbox::code_payload(&code)).await?;
    audit::record(&*txn, &state.clock, Some(account.id), "account.request_email_verification", "User", Some(account.id), json!({})).await?;
    txn.commit_private().await?;
    state.outbox_wake.notify_one();
    Ok(true)
}

async fn insert_token(db: &impl ConnectionTrait, id: Uuid, user: Uuid, purpose: TokenPurpose, digest: &str, now: chrono::DateTime<chrono::Utc>) -> AppResult<()> {
    sql::execute(
        db,
        "INSERT INTO account_tokens (id, user_id, purpose, digest, expires_at, attempts, created_at) VALUES ($1, $2, $3, $4, $5, 0, $6)",
        vec![id.into(), user.into(), purpose.as_str().into(), digest.into(), (now + Duration::minutes(VALID_MINUTES)).into(), now.into()],
    )
    .await?;
    Ok(())
}

#[derive(FromQueryResult)]
struct Token {
    id: Uuid,
    user_id: Uuid,
    digest: String,
    attempts: i32,
}

/// The signed-in account proves its address with the code it was sent.
pub async fn verify_email(state: &AppState, viewer: &Viewer, code: &str) -> AppResult<user::Model> {
    let signed_in = viewer.user()?;
    let wrong = || AppError::bad_input("code", t!("field-code-wrong-or-expired"));
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::bad_input("code", t!("field-code-six-digits")));
    }
    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let token: Option<Token> = sql::one(
        &*txn,
        "SELECT id, user_id, digest, attempts FROM account_tokens
         WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 ORDER BY created_at DESC LIMIT 1",
        vec![signed_in.id.into(), TokenPurpose::VerifyEmail.as_str().into(), now.into()],
    )
    .await?;
    let Some(token) = token.filter(|t| t.attempts < MAX_CODE_ATTEMPTS) else { return Err(wrong()) };
    if !util::constant_time_eq(token.digest.as_bytes(), code_digest(&state.config.secret_key, signed_in.id, code).as_bytes()) {
        sql::execute(&*txn, "UPDATE account_tokens SET attempts = attempts + 1 WHERE id = $1", vec![token.id.into()]).await?;
        txn.commit_private().await?;
        return Err(wrong());
    }
    sql::execute(&*txn, "UPDATE account_tokens SET used_at = $1 WHERE id = $2", vec![now.into(), token.id.into()]).await?;
    let account = user::Entity::find_by_id(token.user_id).one(&*txn).await?.ok_or(AppError::Unauthenticated)?;
    let mut active: user::ActiveModel = account.into();
    active.email_verified_at = Set(Some(now));
    active.updated_at = Set(now);
    let updated = active.update(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(updated.id), "account.verify_email", "User", Some(updated.id), json!({})).await?;
    txn.commit_private().await?;
    state.accounts.forget(updated.id);
    Ok(updated)
}

/// Emails a reset link when `email` has an account; answers the same either way. Limited per client
/// address and per email, whether or not it has an account.
pub async fn request_password_reset(state: &AppState, viewer: &Viewer, email: &str, request: Option<Locale>) -> AppResult<bool> {
    let email = email.trim().to_lowercase();
    if email.is_empty() || email.len() > 254 || email.contains('\0') {
        return Err(AppError::bad_input("email", t!("field-not-an-email")));
    }
    state.limiter.hit(state.limit(LimitKind::PasswordResetsPerAddress), &viewer.client_key).await?;
    state.limiter.hit(state.limit(LimitKind::PasswordResets), &util::sha256_hex(email.as_bytes())).await?;
    email_is_set_up(state)?;
    let Some(account) = user::Entity::find().filter(user::Column::Email.eq(email.as_str())).one(&state.db.conn).await? else {
        return Ok(true);
    };
    if account.suspended {
        return Ok(true);
    }
    let token = util::random_token(32).map_err(AppError::internal)?;
    let link = format!("{}/reset-password?token={token}", state.config.public_url);
    let (id, now) = state.clock.new_id_and_time();
    let txn = state.db.begin().await?;
    insert_token(&*txn, id, account.id, TokenPurpose::ResetPassword, &link_digest(&state.config.secret_key, &token), now).await?;
    outbox::enqueue_email(&*txn, &state.clock, &account.email, locale_of(state, &account, request), outbox::TEMPLATE_RESET_PASSWORD, outbox::link_payload(&link)).await?;
    audit::record(&*txn, &state.clock, None, "account.request_password_reset", "User", Some(account.id), json!({})).await?;
    txn.commit_private().await?;
    state.outbox_wake.notify_one();
    Ok(true)
}

/// Sets a new password with the token of a reset link (once, within 30 minutes); every session of
/// the account ends, and a new one begins. The link also proves the address.
pub async fn reset_password(state: &AppState, token: &str, new_password: &str) -> AppResult<SignedIn> {
    let invalid = || AppError::bad_input("token", t!("field-token-invalid-or-expired"));
    let new = Password::parse("newPassword", new_password).map_err(|e| AppError::BadInput(vec![e]))?;
    let token = token.trim();
    if token.is_empty() || token.len() > 200 {
        return Err(invalid());
    }
    let digest = link_digest(&state.config.secret_key, token);
    let now = state.clock.now();
    let found: Option<Token> = sql::one(
        &state.db.conn,
        "SELECT id, user_id, digest, attempts FROM account_tokens WHERE digest = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
        vec![digest.into(), TokenPurpose::ResetPassword.as_str().into(), now.into()],
    )
    .await?;
    let Some(found) = found else { return Err(invalid()) };
    let hash = state.hasher.hash(new.expose()).await?;
    let txn = state.db.begin().await?;
    // Single use also under concurrency: only one of two requests with the same link takes it.
    let taken = sql::execute(&*txn, "UPDATE account_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL", vec![now.into(), found.id.into()]).await?;
    if taken != 1 {
        return Err(invalid());
    }
    let account = user::Entity::find_by_id(found.user_id).one(&*txn).await?.ok_or_else(invalid)?;
    if account.suspended {
        return Err(AppError::forbidden(t!("error-account-suspended")));
    }
    let mut active: user::ActiveModel = account.clone().into();
    active.password_hash = Set(hash);
    if account.email_verified_at.is_none() {
        active.email_verified_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    let updated = active.update(&*txn).await?;
    // Any other link of the account stops working with this one.
    sql::execute(
        &*txn,
        "UPDATE account_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
        vec![now.into(), updated.id.into(), TokenPurpose::ResetPassword.as_str().into()],
    )
    .await?;
    audit::record(&*txn, &state.clock, Some(updated.id), "account.reset_password", "User", Some(updated.id), json!({})).await?;
    txn.commit_private().await?;
    state.accounts.forget(updated.id);
    state.sessions.revoke_all(updated.id, None).await?;
    crate::services::accounts::sessions_ended(state, updated.id);
    let issued = state.sessions.issue(updated.id).await?;
    Ok(SignedIn { token: issued.token, expires_at: issued.expires_at, user: updated })
}
