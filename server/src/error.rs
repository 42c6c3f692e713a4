//! The one error type of the service and its mapping to GraphQL `extensions.code`.
//!
//! What an error says is a `Text`, not a string: errors are made deep in the services, before anyone
//! knows who will read them, and are rendered in the reader's language where the answer is written
//! (`localize`; for GraphQL `localize_response`, where answers are finished). The code and the field names never
//! change with the language.

use std::any::Any;
use std::sync::Arc;

use async_graphql::{ErrorExtensionValues, ErrorExtensions};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

use crate::i18n::{Locale, Text};
use crate::t;

/// A field that failed validation, reported in `extensions.fields`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: Text,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: Text) -> Self {
        Self { field: field.into(), message }
    }
}

/// Deliberately not `Display`: async-graphql converts every `Display` type into an error without
/// extensions, so `AppError` converts only through `into_graphql`, which sets `extensions.code`.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated,
    UnauthenticatedWith(Text),
    Forbidden(Text),
    /// The whole sentence, one per kind of thing (`not-found-comment`): "未找到该评论。" does not
    /// compose from a name the way "The comment was not found." does.
    NotFound(Text),
    BadInput(Vec<FieldError>),
    RateLimited { retry_after: u64 },
    Conflict(Text),
    ConsultationNotOpen,
    Unavailable(anyhow::Error),
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// The plain sentence a front end may show, not yet rendered. Never contains internal details.
    pub fn text(&self) -> Text {
        match self {
            Self::Unauthenticated => t!("error-unauthenticated"),
            Self::UnauthenticatedWith(m) | Self::Forbidden(m) | Self::NotFound(m) | Self::Conflict(m) => m.clone(),
            Self::BadInput(fields) => match fields.as_slice() {
                [one] => t!("error-bad-input-field", field = one.field.clone(), message = one.message.clone()),
                _ => t!("error-bad-input"),
            },
            Self::RateLimited { retry_after } => t!("error-rate-limited", seconds = *retry_after),
            Self::ConsultationNotOpen => t!("error-consultation-not-open"),
            Self::Unavailable(_) => t!("error-unavailable"),
            Self::Internal(_) => t!("error-internal"),
        }
    }

    /// The plain sentence in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        self.text().render(locale)
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated | Self::UnauthenticatedWith(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput(_) => "BAD_USER_INPUT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Conflict(_) => "CONFLICT",
            Self::ConsultationNotOpen => "CONSULTATION_NOT_OPEN",
            Self::Unavailable(_) => "SERVICE_UNAVAILABLE",
            Self::Internal(_) => "INTERNAL_SERVER_ERROR",
        }
    }

    /// UNAUTHENTICATED with a message of its own (a failed sign-in, say).
    pub fn with_message(self, message: Text) -> Self {
        match self {
            Self::Unauthenticated => Self::UnauthenticatedWith(message),
            other => other,
        }
    }

    pub fn forbidden(message: Text) -> Self {
        Self::Forbidden(message)
    }

    pub fn conflict(message: Text) -> Self {
        Self::Conflict(message)
    }

    pub fn bad_input(field: impl Into<String>, message: Text) -> Self {
        Self::BadInput(vec![FieldError::new(field, message)])
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    /// Logs internal causes with their chain: clients only ever see the plain message and the code.
    pub fn log(&self) {
        match self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(error = ?cause, "dependency unavailable"),
            _ => {}
        }
    }

    /// Turns the error into a GraphQL error, logging internal causes. The message and the field
    /// messages are rendered in zh-CN here and kept as `Text` in the error's `source`, so that
    /// `localize` renders them again once the reader's language is known.
    pub fn into_graphql(self) -> async_graphql::Error {
        self.log();
        let code = self.code();
        let retry_after = match &self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        let message = self.text();
        let fields = match self {
            Self::BadInput(fields) => fields,
            _ => Vec::new(),
        };
        let parts = Localizable { message, fields };
        let mut error = async_graphql::Error::new(parts.message.render(Locale::default())).extend_with(|_, ext| {
            ext.set("code", code);
            if !parts.fields.is_empty() {
                ext.set("fields", fields_value(&parts.fields, Locale::default()));
            }
            if let Some(seconds) = retry_after {
                ext.set("retryAfter", seconds);
            }
        });
        error.source = Some(Arc::new(parts));
        error
    }
}

/// What a person reads of a GraphQL error made by `into_graphql`, kept in its `source`.
#[derive(Debug)]
struct Localizable {
    message: Text,
    fields: Vec<FieldError>,
}

fn fields_value(fields: &[FieldError], locale: Locale) -> async_graphql::Value {
    let list = fields
        .iter()
        .map(|f| {
            let mut map = async_graphql::indexmap::IndexMap::new();
            map.insert(async_graphql::Name::new("field"), async_graphql::Value::from(f.field.clone()));
            map.insert(async_graphql::Name::new("message"), async_graphql::Value::from(f.message.render(locale)));
            async_graphql::Value::Object(map)
        })
        .collect();
    async_graphql::Value::List(list)
}

/// Renders the message and `extensions.fields[].message` of an error made by `into_graphql` in
/// `locale`. Errors of other origins (the GraphQL engine's own parse and validation errors) stay as
/// they are.
fn localize(message: &mut String, source: Option<&Arc<dyn Any + Send + Sync>>, extensions: &mut Option<ErrorExtensionValues>, locale: Locale) {
    let Some(parts) = source.and_then(|s| s.downcast_ref::<Localizable>()) else { return };
    *message = parts.message.render(locale);
    if !parts.fields.is_empty() {
        extensions.get_or_insert_with(Default::default).set("fields", fields_value(&parts.fields, locale));
    }
}

/// Every error of `response` in `locale` (see `localize`).
pub fn localize_response(response: &mut async_graphql::Response, locale: Locale) {
    for error in &mut response.errors {
        localize(&mut error.message, error.source.as_ref(), &mut error.extensions, locale);
    }
}

/// One GraphQL error in `locale` (see `localize`).
pub fn localize_error(error: &mut async_graphql::Error, locale: Locale) {
    localize(&mut error.message, error.source.as_ref(), &mut error.extensions, locale);
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.into_graphql()
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(_)) = error.sql_err() {
            return Self::Conflict(t!("error-already-exists"));
        }
        if is_unavailable(&error) {
            return Self::Unavailable(error.into());
        }
        Self::Internal(error.into())
    }
}

impl From<redis::RedisError> for AppError {
    fn from(error: redis::RedisError) -> Self {
        Self::Unavailable(error.into())
    }
}

impl AppError {
    /// A transaction PostgreSQL rolled back to break a deadlock or a serialization conflict (40P01,
    /// 40001): nothing of it was written, and running it again may well succeed.
    pub fn is_retryable(&self) -> bool {
        let Self::Internal(error) = self else { return false };
        let Some(db) = error.downcast_ref::<DbErr>() else { return false };
        match db {
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match e.as_ref() {
                sea_orm::sqlx::Error::Database(d) => d.code().is_some_and(|c| c == "40P01" || c == "40001"),
                _ => false,
            },
            _ => false,
        }
    }
}

/// Whether the database could not be reached, as opposed to refusing a statement.
fn is_unavailable(error: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => matches!(
            e.as_ref(),
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed | Sqlx::Tls(_)
        ) || is_busy_or_shutting_down(e.as_ref()),
        _ => false,
    }
}

/// A database that refused for now rather than for good: SQLite busy or locked (codes 5, 6, 517,
/// `SQLITE_BUSY_SNAPSHOT`), PostgreSQL shutting down or starting (57P01 `admin_shutdown`, 57P03
/// `cannot_connect_now`). The client may try again: SERVICE_UNAVAILABLE.
fn is_busy_or_shutting_down(error: &sea_orm::sqlx::Error) -> bool {
    const SQLITE: [&str; 3] = ["5", "6", "517"];
    const POSTGRES: [&str; 2] = ["57P01", "57P03"];
    match error {
        sea_orm::sqlx::Error::Database(db) => db.code().is_some_and(|code| SQLITE.contains(&code.as_ref()) || POSTGRES.contains(&code.as_ref())),
        _ => false,
    }
}
