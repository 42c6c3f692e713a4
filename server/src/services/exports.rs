//! Comment exports for a consultation's staff: the short-lived signed link that `exportComments` hands
//! out, its checks when it is used, and the batches of rows that exports and open-data files stream.
//!
//! A link is `/exports/<consultation>.<format>.<account>.<expiry>.<signature>`, the signature an
//! HMAC-SHA256 with SECRET_KEY over the rest, so any instance sharing the key honours it and nobody
//! can change what it grants.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{EntityTrait, FromQueryResult};
use serde_json::json;
use uuid::Uuid;

use entities::{consultation, user};

use crate::domain::{CommentStatus, ExportFormat};
use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::services::{audit, counters};
use crate::sql;
use crate::state::AppState;
use crate::util;
use crate::i18n::Text;
use crate::t;

const WHAT: Text = t!("action-export-comments");

/// What a link lets its holder download, and until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportGrant {
    pub consultation_id: Uuid,
    pub format: ExportFormat,
    pub account_id: Uuid,
    /// Whole seconds since the Unix epoch.
    pub expires_at: i64,
}

pub struct ExportLink {
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

/// Authorizes and audits an export, and returns its link.
pub async fn request(state: &AppState, viewer: &Viewer, consultation_id: Uuid, format: ExportFormat) -> AppResult<ExportLink> {
    let consultation = authz::moderated_consultation(&state.db.conn, viewer, consultation_id, WHAT).await?;
    let user = viewer.user()?;
    let ttl = i64::try_from(state.config.export_link_ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let expires_at = state.clock.now().timestamp().saturating_add(ttl);
    let grant = ExportGrant { consultation_id: consultation.id, format, account_id: user.id, expires_at };
    let expires = DateTime::<Utc>::from_timestamp(expires_at, 0).ok_or_else(|| AppError::internal(anyhow::anyhow!("export expiry out of range")))?;
    let txn = state.db.begin().await?;
    audit::record(&*txn, &state.clock, Some(user.id), "comment.export", "Consultation", Some(consultation.id), json!({ "format": format.as_str(), "expiresAt": expires })).await?;
    txn.commit().await?;
    Ok(ExportLink { url: format!("/exports/{}", sign(&state.config.secret_key, &grant)), expires_at: expires })
}

fn format_name(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    }
}

fn signature(secret: &[u8], payload: &str) -> Vec<u8> {
    util::keyed_digest(secret, format!("export-link|{payload}").as_bytes())
}

/// The token of a grant (the last segment of its link).
pub fn sign(secret: &[u8], grant: &ExportGrant) -> String {
    let payload = format!("{}.{}.{}.{}", grant.consultation_id.simple(), format_name(grant.format), grant.account_id.simple(), grant.expires_at);
    let signature = util::hex(&signature(secret, &payload));
    format!("{payload}.{signature}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// Malformed, or not signed with this deployment's key: tampered with or made up.
    Invalid,
    Expired,
}

/// Checks a token's signature, then its expiry against `now`.
pub fn verify(secret: &[u8], token: &str, now: DateTime<Utc>) -> Result<ExportGrant, LinkError> {
    let (payload, signature_hex) = token.rsplit_once('.').ok_or(LinkError::Invalid)?;
    let given = util::unhex(signature_hex).ok_or(LinkError::Invalid)?;
    if !util::constant_time_eq(&given, &signature(secret, payload)) {
        return Err(LinkError::Invalid);
    }
    let parts: Vec<&str> = payload.split('.').collect();
    let [consultation, format, account, expires] = parts.as_slice() else { return Err(LinkError::Invalid) };
    let format = match *format {
        "csv" => ExportFormat::Csv,
        "json" => ExportFormat::Json,
        _ => return Err(LinkError::Invalid),
    };
    let grant = ExportGrant {
        consultation_id: consultation.parse().map_err(|_| LinkError::Invalid)?,
        format,
        account_id: account.parse().map_err(|_| LinkError::Invalid)?,
        expires_at: expires.parse().map_err(|_| LinkError::Invalid)?,
    };
    if now.timestamp() >= grant.expires_at {
        return Err(LinkError::Expired);
    }
    Ok(grant)
}

/// The consultation of a valid grant, if the account that asked for it may still export it (it may
/// have been suspended or moved to another department since).
pub async fn authorize_download(state: &AppState, grant: &ExportGrant) -> AppResult<consultation::Model> {
    let account = user::Entity::find_by_id(grant.account_id).one(&state.db.conn).await?.filter(|u| !u.suspended);
    let Some(account) = account else { return Err(AppError::forbidden(t!("error-export-account-may-not"))) };
    let viewer = Viewer { user: Some(account), token_hash: None, client_key: String::new() };
    authz::moderated_consultation(&state.db.conn, &viewer, grant.consultation_id, WHAT).await
}

/// Who a download is for: the consultation's staff get every comment with moderation details and
/// author names; the public (open data) gets PUBLISHED comments without anything about their authors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    Staff,
    Public,
}

#[derive(Debug, FromQueryResult)]
pub struct CommentRow {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub status: String,
    pub stance: String,
    pub section_id: Option<Uuid>,
    pub section_ordinal: Option<i32>,
    pub section_heading: Option<String>,
    /// None for the public.
    pub author_name: Option<String>,
    pub body: String,
    /// None for the public.
    pub moderation_reason: Option<String>,
    pub duplicate_group_id: Uuid,
    pub endorsement_count: i32,
    pub report_count: i32,
    pub reply_count: i32,
    pub latest_adoption: Option<String>,
}

#[derive(Debug, FromQueryResult)]
pub struct ReplyRow {
    pub id: Uuid,
    pub comment_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub adoption: String,
    pub body: String,
    pub department_code: String,
    pub department_name: String,
}

/// One batch of comments in id (creation) order, with their replies and duplicate-group sizes (every
/// member but withdrawn ones for staff, published members for the public).
pub struct Batch {
    pub comments: Vec<CommentRow>,
    pub replies: HashMap<Uuid, Vec<ReplyRow>>,
    pub group_sizes: HashMap<Uuid, i64>,
}

/// The next `limit` comments after `after` (keyset on id: each batch is one index range, so the last
/// batch of a million costs what the first does, and nothing but one batch is ever held).
pub async fn batch(state: &AppState, consultation_id: Uuid, audience: Audience, after: Uuid, limit: u32) -> AppResult<Batch> {
    let db = &state.db.conn;
    let sql_text = match audience {
        Audience::Staff => format!(
            "SELECT c.id, c.created_at, c.updated_at, c.status, c.stance, c.section_id, s.ordinal AS section_ordinal,
                    s.heading AS section_heading, u.display_name AS author_name, c.body, c.moderation_reason,
                    c.duplicate_group_id, c.endorsement_count, c.report_count, c.reply_count, c.latest_adoption
             FROM comments c
             JOIN users u ON u.id = c.author_id
             LEFT JOIN sections s ON s.id = c.section_id
             WHERE c.consultation_id = $1 AND c.id > $2
             ORDER BY c.id LIMIT {limit}"
        ),
        Audience::Public => format!(
            "SELECT c.id, c.created_at, c.updated_at, c.status, c.stance, c.section_id, s.ordinal AS section_ordinal,
                    s.heading AS section_heading, CAST(NULL AS TEXT) AS author_name, c.body,
                    CAST(NULL AS TEXT) AS moderation_reason, c.duplicate_group_id, c.endorsement_count, c.report_count,
                    c.reply_count, c.latest_adoption
             FROM comments c
             LEFT JOIN sections s ON s.id = c.section_id
             WHERE c.consultation_id = $1 AND c.id > $2 AND c.status = $3
             ORDER BY c.id LIMIT {limit}"
        ),
    };
    let mut values = vec![consultation_id.into(), after.into()];
    if audience == Audience::Public {
        values.push(CommentStatus::Published.into());
    }
    let comments: Vec<CommentRow> = sql::all(db, &sql_text, values).await?;
    let replied: Vec<Uuid> = comments.iter().filter(|c| c.reply_count > 0).map(|c| c.id).collect();
    let mut replies: HashMap<Uuid, Vec<ReplyRow>> = HashMap::new();
    for chunk in replied.chunks(500) {
        let mut params = sql::Params::new();
        let ids = params.bind_all(chunk.iter().copied());
        let rows: Vec<ReplyRow> = sql::all(
            db,
            &format!(
                "SELECT r.id, r.comment_id, r.created_at, r.adoption, r.body, d.code AS department_code, d.name AS department_name
                 FROM replies r JOIN departments d ON d.id = r.department_id
                 WHERE r.comment_id IN ({ids}) ORDER BY r.id"
            ),
            params.into_values(),
        )
        .await?;
        for row in rows {
            replies.entry(row.comment_id).or_default().push(row);
        }
    }
    let mut groups: Vec<Uuid> = comments.iter().map(|c| c.duplicate_group_id).collect();
    groups.sort_unstable();
    groups.dedup();
    // The public's figures count what the public may read: published members only, so a guessed text
    // cannot reveal whether someone's pending, hidden or rejected comment said it.
    let size = |counts: counters::Counts| match audience {
        Audience::Staff => counts.total,
        Audience::Public => counts.published,
    };
    let group_sizes = counters::load(db, &groups).await?.into_iter().map(|(id, counts)| (id, size(counts))).collect();
    Ok(Batch { comments, replies, group_sizes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(expires_at: i64) -> ExportGrant {
        ExportGrant { consultation_id: Uuid::now_v7(), format: ExportFormat::Csv, account_id: Uuid::now_v7(), expires_at }
    }

    #[test]
    fn a_signed_link_verifies_until_it_expires() {
        let g = grant(2_000_000_000);
        let token = sign(b"k", &g);
        assert_eq!(verify(b"k", &token, Utc::now()), Ok(g.clone()));
        let later = DateTime::<Utc>::from_timestamp(2_000_000_000, 0).unwrap();
        assert_eq!(verify(b"k", &token, later), Err(LinkError::Expired));
    }

    #[test]
    fn a_changed_or_foreign_link_is_invalid() {
        let g = grant(2_000_000_000);
        let token = sign(b"k", &g);
        assert_eq!(verify(b"other", &token, Utc::now()), Err(LinkError::Invalid));
        let json = token.replacen(".csv.", ".json.", 1);
        assert_eq!(verify(b"k", &json, Utc::now()), Err(LinkError::Invalid));
        let later = token.replacen(".2000000000.", ".2000000001.", 1);
        assert_eq!(verify(b"k", &later, Utc::now()), Err(LinkError::Invalid));
        for garbage in ["", ".", "abc", "a.b.c.d.e", &token[..token.len() - 1]] {
            assert_eq!(verify(b"k", garbage, Utc::now()), Err(LinkError::Invalid), "{garbage}");
        }
    }
}
