//! Reading the state, the viewer and the loaders out of the GraphQL context.

use async_graphql::{Context, ID};
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::graphql::loaders::{LoadError, Loaders};
use crate::i18n::Locale;
use crate::services::authz::Viewer;
use crate::state::AppState;
use crate::t;

pub trait ContextExt {
    fn state(&self) -> AppResult<&AppState>;
    fn viewer(&self) -> AppResult<&Viewer>;
    fn loaders(&self) -> AppResult<&Loaders>;
    /// The reader's language: the account's choice, else the request's `Accept-Language`, else the
    /// server's default.
    fn locale(&self) -> AppResult<Locale>;
}

/// The language a request asked for (`Accept-Language`), if it is one of ours.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestLocale(pub Option<Locale>);

impl ContextExt for Context<'_> {
    fn state(&self) -> AppResult<&AppState> {
        self.data::<AppState>().map_err(|_| AppError::internal(anyhow::anyhow!("no state in the GraphQL context")))
    }

    fn viewer(&self) -> AppResult<&Viewer> {
        self.data::<Viewer>().map_err(|_| AppError::internal(anyhow::anyhow!("no viewer in the GraphQL context")))
    }

    fn loaders(&self) -> AppResult<&Loaders> {
        self.data::<Loaders>().map_err(|_| AppError::internal(anyhow::anyhow!("no loaders in the GraphQL context")))
    }

    fn locale(&self) -> AppResult<Locale> {
        let account = self.viewer()?.user.as_ref().and_then(|u| u.locale.clone());
        let requested = self.data_opt::<RequestLocale>().and_then(|r| r.0);
        Ok(Locale::choose(account.as_deref(), requested, self.state()?.config.default_locale))
    }
}

/// Parses an opaque ID argument.
pub fn parse_id(field: &str, id: &ID) -> AppResult<Uuid> {
    id.parse::<Uuid>().map_err(|_| AppError::bad_input(field, t!("field-invalid-id")))
}

pub fn parse_ids(field: &str, ids: &[ID]) -> AppResult<Vec<Uuid>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}

pub fn load_error(error: LoadError) -> AppError {
    match std::sync::Arc::try_unwrap(error) {
        Ok(e) => e,
        Err(shared) => match shared.as_ref() {
            AppError::Unavailable(cause) => AppError::Unavailable(anyhow::anyhow!("{cause:#}")),
            AppError::Internal(cause) => AppError::internal(anyhow::anyhow!("{cause:#}")),
            other => AppError::internal(anyhow::anyhow!("loader failed: {}", other.message(Locale::En))),
        },
    }
}

pub type GqlResult<T> = async_graphql::Result<T>;
