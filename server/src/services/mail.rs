//! Email: the SMTP transport (lettre) and the messages, each in its recipient's language with a
//! plain-text and an HTML part. A notification's email carries a one-click unsubscribe link for its
//! kind, in the text and in `List-Unsubscribe` (RFC 8058); its `Message-ID` is the delivery's id, the
//! same on every attempt.

use std::time::Duration;

use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::EntityTrait;
use uuid::Uuid;

use entities::notification;

use crate::domain::NotificationKind;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::services::notifications::{self, Part};
use crate::services::outbox::{self, Delivery};
use crate::state::AppState;
use crate::util;

/// An SMTP connection that answers slower than this is a failed attempt (retried later).
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// Sends email over SMTP to `SMTP_URL`, from `MAIL_FROM`.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS) or `smtps://…` (TLS), with
    /// `user:pass@` when the server wants a login.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("SMTP_URL is not an SMTP address: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from.parse().map_err(|e| anyhow::anyhow!("MAIL_FROM is not a mailbox: {e}"))?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, message: Message) -> Result<(), String> {
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }

    /// The domain of `Message-ID`s: the sender's.
    fn domain(&self) -> &str {
        self.from.email.domain()
    }
}

/// `List-Unsubscribe: <https://…>`.
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim_start_matches('<').trim_end_matches('>').to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), format!("<{}>", self.0))
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click`: a mail client may unsubscribe with one POST.
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_owned())
    }
}

/// The signature that makes an unsubscribe link good for one account and one kind.
pub fn unsubscribe_signature(key: &[u8], user: Uuid, kind: NotificationKind) -> String {
    util::keyed_hash(key, format!("unsubscribe|{user}|{}", kind.as_str()).as_bytes())
}

/// Whether `signature` is the one of this account and kind.
pub fn unsubscribe_signature_ok(key: &[u8], user: Uuid, kind: NotificationKind, signature: &str) -> bool {
    util::constant_time_eq(unsubscribe_signature(key, user, kind).as_bytes(), signature.as_bytes())
}

/// The one-click link that turns off email of `kind` for `user`.
pub fn unsubscribe_link(state: &AppState, user: Uuid, kind: NotificationKind) -> String {
    let signature = unsubscribe_signature(&state.config.secret_key, user, kind);
    format!("{}/unsubscribe?u={user}&k={}&s={signature}", state.config.public_url, kind.as_str())
}

/// Text made safe inside HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What an email says, before it is laid out.
struct Content {
    subject: String,
    paragraphs: Vec<String>,
    /// A link the reader follows, with its label.
    action: Option<(String, String)>,
    unsubscribe: Option<String>,
}

fn plain_text(locale: Locale, content: &Content) -> String {
    let mut text = content.paragraphs.join("\n\n");
    if let Some((label, link)) = &content.action {
        text.push_str(&format!("\n\n{label}: {link}"));
    }
    text.push_str("\n\n-- \n");
    text.push_str(&i18n::message(locale, "email-signature", &[]));
    if let Some(link) = &content.unsubscribe {
        text.push('\n');
        text.push_str(&i18n::message(locale, "email-unsubscribe", &[]));
        text.push_str(&format!(": {link}"));
    }
    text.push('\n');
    text
}

fn html(locale: Locale, content: &Content) -> String {
    let lang = locale.as_str();
    let mut body = String::new();
    for p in &content.paragraphs {
        body.push_str(&format!("<p>{}</p>\n", escape_html(p)));
    }
    if let Some((label, link)) = &content.action {
        body.push_str(&format!("<p><a href=\"{}\">{}</a></p>\n", escape_html(link), escape_html(label)));
    }
    let mut footer = escape_html(&i18n::message(locale, "email-signature", &[]));
    if let Some(link) = &content.unsubscribe {
        footer.push_str(&format!(
            "<br><a href=\"{}\">{}</a>",
            escape_html(link),
            escape_html(&i18n::message(locale, "email-unsubscribe", &[]))
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.6\">\n{body}<hr><p style=\"color: #666; font-size: 0.9em\">{footer}</p>\n</body></html>\n",
        escape_html(&content.subject)
    )
}

/// The message of a delivery, or None when there is nothing to send any more (its notification is
/// gone).
pub async fn compose(state: &AppState, delivery: &Delivery) -> AppResult<Option<Message>> {
    let Some(mailer) = state.mailer.as_ref() else { return Ok(None) };
    let locale = Locale::parse(&delivery.locale).unwrap_or(state.config.default_locale);
    let payload: serde_json::Value = serde_json::from_str(&delivery.payload).unwrap_or_default();
    let field = |name: &str| payload.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
    let content = match delivery.template.as_str() {
        outbox::TEMPLATE_NOTIFICATION => {
            let Some(id) = delivery.notification_id else { return Ok(None) };
            let Some(n) = notification::Entity::find_by_id(id).one(&state.db.conn).await? else { return Ok(None) };
            Content {
                subject: notifications::render(&n, Part::Title, locale),
                paragraphs: vec![notifications::render(&n, Part::Body, locale)],
                action: Some((i18n::message(locale, "email-open", &[]), format!("{}/", state.config.public_url))),
                unsubscribe: Some(unsubscribe_link(state, n.recipient_id, n.kind)),
            }
        }
        outbox::TEMPLATE_VERIFY_EMAIL => {
            let code = field("code");
            Content {
                subject: i18n::message(locale, "email-verify-subject", &[]),
                paragraphs: vec![i18n::message(locale, "email-verify-body", &[("code", &code)])],
                action: None,
                unsubscribe: None,
            }
        }
        outbox::TEMPLATE_RESET_PASSWORD => {
            let link = field("link");
            Content {
                subject: i18n::message(locale, "email-reset-subject", &[]),
                paragraphs: vec![i18n::message(locale, "email-reset-body", &[])],
                action: Some((i18n::message(locale, "email-reset-action", &[]), link)),
                unsubscribe: None,
            }
        }
        other => return Err(AppError::internal(anyhow::anyhow!("a delivery with an unknown template {other}"))),
    };
    let to: Mailbox = delivery.recipient.parse().map_err(|e| AppError::internal(anyhow::anyhow!("a delivery to a bad address: {e}")))?;
    let mut builder = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(content.subject.clone())
        .message_id(Some(format!("<{}@{}>", delivery.id, mailer.domain())));
    if let Some(link) = &content.unsubscribe {
        builder = builder.header(ListUnsubscribe(link.clone())).header(ListUnsubscribePost);
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(plain_text(locale, &content), html(locale, &content)))
        .map_err(|e| AppError::internal(anyhow::anyhow!("an email could not be built: {e}")))?;
    Ok(Some(message))
}
