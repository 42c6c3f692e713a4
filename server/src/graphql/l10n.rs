//! Every error the schema answers with, in the reader's language.
//!
//! Resolvers fail with `AppError`s made deep in the services, before anyone asks who reads them;
//! `AppError::into_graphql` keeps what a person reads as `Text` in the error's `source`. This extension
//! renders it again once the operation has run (queries and mutations: `execute`; each answer of a
//! subscription: `subscribe`), in the language of the signed-in account, else of the request, else the
//! server's default. Errors the engine makes itself (parse, validation) carry no such source and stay
//! as they are.

use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextPrepareRequest, NextSubscribe};
use async_graphql::futures_util::stream::BoxStream;
use async_graphql::futures_util::StreamExt;
use async_graphql::{Data, Request, Response, ServerResult};

use crate::error::localize_response;
use crate::graphql::context::RequestLocale;
use crate::i18n::Locale;
use crate::services::authz::Viewer;
use crate::state::AppState;

/// Registered on the schema (`schema_builder`).
pub struct Localize;

impl ExtensionFactory for Localize {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(LocalizeExtension::default())
    }
}

/// One per request. The language is worked out from the request's data when it is prepared: a
/// subscription's stream is handed to `subscribe` before that data exists, and reads it from here as
/// each answer comes.
#[derive(Default)]
struct LocalizeExtension {
    locale: Arc<OnceLock<Locale>>,
}

/// The server's default language, from the schema's state (none when the schema is used bare).
fn default_locale(ctx: &ExtensionContext<'_>) -> Locale {
    ctx.data_opt::<AppState>().map(|s| s.config.default_locale).unwrap_or_default()
}

fn get<T: Send + Sync + 'static>(data: &Data) -> Option<&T> {
    data.get(&std::any::TypeId::of::<T>()).and_then(|d| d.downcast_ref::<T>())
}

#[async_graphql::async_trait::async_trait]
impl Extension for LocalizeExtension {
    async fn prepare_request(&self, ctx: &ExtensionContext<'_>, request: Request, next: NextPrepareRequest<'_>) -> ServerResult<Request> {
        let account = get::<Viewer>(&request.data).and_then(|v| v.user.as_ref()).and_then(|u| u.locale.as_deref());
        let requested = get::<RequestLocale>(&request.data).and_then(|r| r.0);
        let _ = self.locale.set(Locale::choose(account, requested, default_locale(ctx)));
        next.run(ctx, request).await
    }

    async fn execute(&self, ctx: &ExtensionContext<'_>, operation_name: Option<&str>, next: NextExecute<'_>) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let locale = self.locale.get().copied().unwrap_or_else(|| default_locale(ctx));
        localize_response(&mut response, locale);
        response
    }

    fn subscribe<'s>(&self, ctx: &ExtensionContext<'_>, stream: BoxStream<'s, Response>, next: NextSubscribe<'_>) -> BoxStream<'s, Response> {
        let locale = self.locale.clone();
        let default = default_locale(ctx);
        next.run(ctx, stream)
            .map(move |mut response| {
                localize_response(&mut response, locale.get().copied().unwrap_or(default));
                response
            })
            .boxed()
    }
}
