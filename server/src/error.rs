//! The one error type of the service and its mapping to GraphQL `extensions.code`.

use async_graphql::ErrorExtensions;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// A field that failed validation, reported in `extensions.fields`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Deliberately not `Display`: async-graphql converts every `Display` type into an error without
/// extensions, so `AppError` converts only through `into_graphql`, which sets `extensions.code`.
#[derive(Debug)]
pub enum AppError {
    Unauthenticated,
    UnauthenticatedWith(&'static str),
    Forbidden(String),
    NotFound(&'static str),
    BadInput(Vec<FieldError>),
    RateLimited { retry_after: u64 },
    Conflict(String),
    ConsultationNotOpen,
    Unavailable(anyhow::Error),
    Internal(anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

fn bad_input_message(fields: &[FieldError]) -> String {
    match fields {
        [one] => format!("{}: {}", one.field, one.message),
        _ => "Some fields are not valid.".to_owned(),
    }
}

impl AppError {
    /// The plain sentence a front end may show. Never contains internal details.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated => "You need to sign in to do this.".to_owned(),
            Self::UnauthenticatedWith(m) => (*m).to_owned(),
            Self::Forbidden(m) | Self::Conflict(m) => m.clone(),
            Self::NotFound(what) => format!("{what} was not found."),
            Self::BadInput(fields) => bad_input_message(fields),
            Self::RateLimited { retry_after } => format!("Too many attempts. Try again in {retry_after} seconds."),
            Self::ConsultationNotOpen => "This consultation is not open for comments.".to_owned(),
            Self::Unavailable(_) => "The service is temporarily unavailable. Please try again shortly.".to_owned(),
            Self::Internal(_) => "Something went wrong on our side. Please try again.".to_owned(),
        }
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
    pub fn with_message(self, message: &'static str) -> Self {
        match self {
            Self::Unauthenticated => Self::UnauthenticatedWith(message),
            other => other,
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::Forbidden(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadInput(vec![FieldError::new(field, message)])
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Self::Internal(error.into())
    }

    /// Turns the error into a GraphQL error, logging internal causes with their chain: clients only
    /// ever see the plain message and the code.
    pub fn into_graphql(self) -> async_graphql::Error {
        match &self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(error = ?cause, "dependency unavailable"),
            _ => {}
        }
        let code = self.code();
        let fields = match &self {
            Self::BadInput(fields) => Some(fields.clone()),
            _ => None,
        };
        let retry_after = match &self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        };
        async_graphql::Error::new(self.message()).extend_with(|_, ext| {
            ext.set("code", code);
            if let Some(fields) = &fields {
                let list: Vec<async_graphql::Value> = fields
                    .iter()
                    .map(|f| {
                        let mut map = async_graphql::indexmap::IndexMap::new();
                        map.insert(async_graphql::Name::new("field"), async_graphql::Value::from(f.field.clone()));
                        map.insert(async_graphql::Name::new("message"), async_graphql::Value::from(f.message.clone()));
                        async_graphql::Value::Object(map)
                    })
                    .collect();
                ext.set("fields", list);
            }
            if let Some(seconds) = retry_after {
                ext.set("retryAfter", seconds);
            }
        })
    }
}

impl From<AppError> for async_graphql::Error {
    fn from(error: AppError) -> Self {
        error.into_graphql()
    }
}

impl From<DbErr> for AppError {
    fn from(error: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(_)) = error.sql_err() {
            return Self::Conflict("This already exists.".to_owned());
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
