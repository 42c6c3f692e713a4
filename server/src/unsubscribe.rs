//! `/unsubscribe`: the link every notification email carries. GET shows what the link will turn off
//! with one button (link scanners that fetch it change nothing); POST turns email of that kind off
//! for that account, which is also what a mail client does with `List-Unsubscribe-Post` (RFC 8058).

use poem::http::{header, StatusCode};
use poem::web::{Data, Query};
use poem::{handler, Request, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::NotificationKind;
use crate::i18n::{self, Locale};
use crate::services::mail::{escape_html, unsubscribe_signature_ok};
use crate::services::outbox;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Link {
    u: Option<String>,
    k: Option<String>,
    s: Option<String>,
}

/// The account and kind of a well-signed link.
fn verify(state: &AppState, link: &Link) -> Option<(Uuid, NotificationKind)> {
    let user = Uuid::parse_str(link.u.as_deref()?).ok()?;
    let kind = NotificationKind::parse(link.k.as_deref()?)?;
    unsubscribe_signature_ok(&state.config.secret_key, user, kind, link.s.as_deref()?).then_some((user, kind))
}

fn locale_of(state: &AppState, request: &Request) -> Locale {
    let asked = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Locale::from_accept_language);
    asked.unwrap_or(state.config.default_locale)
}

fn render(locale: Locale, status: StatusCode, title: &str, text: &str, form: Option<&str>) -> Response {
    let form = form.map_or_else(String::new, |action| {
        format!(
            "<form method=\"post\" action=\"{}\"><button type=\"submit\">{}</button></form>",
            escape_html(action),
            escape_html(&i18n::message(locale, "unsubscribe-button", &[]))
        )
    });
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title></head>\n<body style=\"font-family: sans-serif\"><h1>{}</h1><p>{}</p>{form}</body></html>\n",
        locale.as_str(),
        escape_html(title),
        escape_html(title),
        escape_html(text),
    );
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .header("Referrer-Policy", "no-referrer")
        .body(body)
}

fn invalid(locale: Locale) -> Response {
    render(
        locale,
        StatusCode::BAD_REQUEST,
        &i18n::message(locale, "unsubscribe-invalid-title", &[]),
        &i18n::message(locale, "unsubscribe-invalid", &[]),
        None,
    )
}

fn kind_name(locale: Locale, kind: NotificationKind) -> String {
    i18n::message(locale, &format!("notification-kind-{}", kind.as_str()), &[])
}

/// GET: what the link turns off, and the button that does it.
#[handler]
pub async fn show(request: &Request, Query(link): Query<Link>, Data(state): Data<&AppState>) -> Response {
    let locale = locale_of(state, request);
    let Some((_, kind)) = verify(state, &link) else { return invalid(locale) };
    let action = request.uri().to_string();
    render(
        locale,
        StatusCode::OK,
        &i18n::message(locale, "unsubscribe-title", &[]),
        &i18n::message(locale, "unsubscribe-ask", &[("kind", &kind_name(locale, kind))]),
        Some(&action),
    )
}

/// POST: email of the link's kind is off for the link's account (again is fine).
#[handler]
pub async fn confirm(request: &Request, Query(link): Query<Link>, Data(state): Data<&AppState>) -> Response {
    let locale = locale_of(state, request);
    let Some((user, kind)) = verify(state, &link) else { return invalid(locale) };
    let done = async {
        let txn = state.db.begin().await?;
        outbox::set_email_settings(&*txn, user, &[(kind, false)]).await?;
        crate::services::audit::record(&*txn, &state.clock, Some(user), "notification_settings.unsubscribe", "User", Some(user), serde_json::json!({ "kind": kind.as_str() })).await?;
        txn.commit().await?;
        Ok::<(), crate::error::AppError>(())
    };
    match done.await {
        Ok(()) => render(
            locale,
            StatusCode::OK,
            &i18n::message(locale, "unsubscribe-done-title", &[]),
            &i18n::message(locale, "unsubscribe-done", &[("kind", &kind_name(locale, kind))]),
            None,
        ),
        Err(error) => {
            tracing::warn!(error = ?error, "an unsubscribe could not be saved");
            let status = match error {
                crate::error::AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            render(locale, status, &i18n::message(locale, "unsubscribe-invalid-title", &[]), &i18n::message(locale, "unsubscribe-failed", &[]), None)
        }
    }
}
