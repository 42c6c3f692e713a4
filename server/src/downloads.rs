//! Streamed downloads: signed comment exports (`/exports/…`) and open data (`/open-data/…`).
//!
//! Each file is produced batch by batch as the client reads it: the next batch of comments is fetched
//! only once the previous one has been handed to the connection. Memory therefore stays flat however
//! many comments a consultation has, and a slow reader holds no database connection while it reads.
//! The README documents the files' columns and fields.

use std::io;

use futures_util::stream::{self, Stream};
use poem::http::{header, StatusCode};
use poem::web::{Data, Path};
use poem::{handler, Body, Request, Response};
use serde_json::{json, Value as Json};
use uuid::Uuid;

use crate::domain::ExportFormat;
use crate::error::AppError;
use crate::http::{anonymous_locale, json_error};
use crate::i18n::Locale;
use crate::services::exports::{self, Audience, Batch, CommentRow, LinkError};
use crate::services::open_data::{self, time};
use crate::state::AppState;
use crate::t;

/// UTF-8 byte-order mark: without it Excel reads a CSV file in the local code page and garbles Chinese.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

const STAFF_COLUMNS: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "status",
    "stance",
    "section_ordinal",
    "section_heading",
    "author",
    "body",
    "moderation_reason",
    "duplicate_group_id",
    "duplicate_group_size",
    "endorsement_count",
    "report_count",
    "reply_count",
    "adoption",
    "replies",
];

const PUBLIC_COLUMNS: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "section_ordinal",
    "section_heading",
    "stance",
    "body",
    "endorsement_count",
    "duplicate_count",
    "reply_count",
    "adoption",
    "replies",
];

/// Rows of RFC 4180 CSV (CRLF line ends, fields quoted when they must be).
struct Csv<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Csv<'a> {
    fn row(out: &'a mut Vec<u8>) -> Self {
        Self { out, empty: true }
    }

    fn separate(&mut self) {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
    }

    /// A field that may hold text a person typed. Spreadsheets run a cell starting with `=`, `+`, `-`
    /// or `@` as a formula, so such text is prefixed with `'` (the usual defence against CSV injection;
    /// the JSON files keep the text exactly).
    fn text(&mut self, value: &str) {
        self.separate();
        let guard = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let quote = guard || value.contains([',', '"', '\r', '\n']) || value.starts_with(' ') || value.ends_with(' ');
        if quote {
            self.out.push(b'"');
        }
        if guard {
            self.out.push(b'\'');
        }
        for byte in value.bytes() {
            if byte == b'"' {
                self.out.push(b'"');
            }
            self.out.push(byte);
        }
        if quote {
            self.out.push(b'"');
        }
    }

    /// A field the server wrote itself (ids, numbers, times, enum names): never quoted or guarded.
    fn plain(&mut self, value: impl std::fmt::Display) {
        self.separate();
        self.out.extend_from_slice(value.to_string().as_bytes());
    }

    fn optional(&mut self, value: Option<impl std::fmt::Display>) {
        match value {
            Some(v) => self.plain(v),
            None => self.separate(),
        }
    }

    fn end(self) {
        self.out.extend_from_slice(b"\r\n");
    }
}

fn replies_json(batch: &Batch, comment: &CommentRow) -> Json {
    let replies = batch.replies.get(&comment.id).map(Vec::as_slice).unwrap_or_default();
    Json::Array(
        replies
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "createdAt": time(r.created_at),
                    "department": { "code": r.department_code, "name": r.department_name },
                    "adoption": r.adoption,
                    "body": r.body,
                })
            })
            .collect(),
    )
}

fn group_size(batch: &Batch, comment: &CommentRow) -> i64 {
    batch.group_sizes.get(&comment.duplicate_group_id).copied().unwrap_or(1).max(1)
}

fn comment_json(audience: Audience, batch: &Batch, c: &CommentRow) -> Json {
    let section = c.section_id.map(|id| json!({ "id": id, "ordinal": c.section_ordinal, "heading": c.section_heading }));
    match audience {
        Audience::Staff => json!({
            "id": c.id,
            "createdAt": time(c.created_at),
            "updatedAt": time(c.updated_at),
            "status": c.status,
            "stance": c.stance,
            "section": section,
            "author": { "displayName": c.author_name },
            "body": c.body,
            "moderationReason": c.moderation_reason,
            "duplicateGroup": { "id": c.duplicate_group_id, "size": group_size(batch, c) },
            "endorsementCount": c.endorsement_count,
            "reportCount": c.report_count,
            "replyCount": c.reply_count,
            "adoption": c.latest_adoption,
            "replies": replies_json(batch, c),
        }),
        Audience::Public => json!({
            "id": c.id,
            "createdAt": time(c.created_at),
            "updatedAt": time(c.updated_at),
            "stance": c.stance,
            "section": section,
            "body": c.body,
            "endorsementCount": c.endorsement_count,
            "duplicateCount": group_size(batch, c) - 1,
            "replyCount": c.reply_count,
            "adoption": c.latest_adoption,
            "replies": replies_json(batch, c),
        }),
    }
}

fn comment_csv(out: &mut Vec<u8>, audience: Audience, batch: &Batch, c: &CommentRow) -> Result<(), serde_json::Error> {
    let replies = serde_json::to_string(&replies_json(batch, c))?;
    let mut row = Csv::row(out);
    row.plain(c.id);
    row.plain(time(c.created_at));
    row.plain(time(c.updated_at));
    match audience {
        Audience::Staff => {
            row.plain(&c.status);
            row.plain(&c.stance);
            row.optional(c.section_ordinal);
            row.text(c.section_heading.as_deref().unwrap_or_default());
            row.text(c.author_name.as_deref().unwrap_or_default());
            row.text(&c.body);
            row.text(c.moderation_reason.as_deref().unwrap_or_default());
            row.plain(c.duplicate_group_id);
            row.plain(group_size(batch, c));
            row.plain(c.endorsement_count);
            row.plain(c.report_count);
        }
        Audience::Public => {
            row.optional(c.section_ordinal);
            row.text(c.section_heading.as_deref().unwrap_or_default());
            row.plain(&c.stance);
            row.text(&c.body);
            row.plain(c.endorsement_count);
            row.plain(group_size(batch, c) - 1);
        }
    }
    row.plain(c.reply_count);
    row.optional(c.latest_adoption.as_deref());
    row.text(&replies);
    row.end();
    Ok(())
}

fn encode(format: ExportFormat, audience: Audience, batch: &Batch, first: bool) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(batch.comments.len() * 512);
    for (i, c) in batch.comments.iter().enumerate() {
        match format {
            ExportFormat::Csv => comment_csv(&mut out, audience, batch, c)?,
            ExportFormat::Json => {
                out.extend_from_slice(if first && i == 0 { b"\n" } else { b",\n" });
                serde_json::to_writer(&mut out, &comment_json(audience, batch, c))?;
            }
        }
    }
    Ok(out)
}

fn prologue(format: ExportFormat, audience: Audience) -> Vec<u8> {
    match format {
        ExportFormat::Csv => {
            let mut out = BOM.to_vec();
            let mut row = Csv::row(&mut out);
            for column in if audience == Audience::Staff { STAFF_COLUMNS } else { PUBLIC_COLUMNS } {
                row.plain(column);
            }
            row.end();
            out
        }
        ExportFormat::Json => b"[".to_vec(),
    }
}

fn failed(error: impl std::fmt::Debug) -> io::Error {
    // The status line has gone out already: all that is left is to cut the transfer short, which
    // clients report as an incomplete download.
    tracing::error!(?error, "a download failed part way");
    io::Error::other("the download failed part way")
}

enum Step {
    Start,
    Batch { after: Uuid, first: bool },
    Finish,
    Done,
}

/// The comments of a consultation in `format`, produced batch by batch as the client reads.
pub fn comment_stream(
    state: AppState,
    consultation_id: Uuid,
    audience: Audience,
    format: ExportFormat,
) -> impl Stream<Item = Result<Vec<u8>, io::Error>> + Send + 'static {
    let limit = state.config.export_batch_size;
    stream::unfold(Step::Start, move |step| {
        let state = state.clone();
        async move {
            match step {
                Step::Start => Some((Ok(prologue(format, audience)), Step::Batch { after: Uuid::nil(), first: true })),
                Step::Batch { after, first } => match exports::batch(&state, consultation_id, audience, after, limit).await {
                    Ok(batch) => {
                        let Some(last) = batch.comments.last().map(|c| c.id) else {
                            return Some((Ok(epilogue(format)), Step::Done));
                        };
                        let full = batch.comments.len() >= limit as usize;
                        let next = if full { Step::Batch { after: last, first: false } } else { Step::Finish };
                        Some((encode(format, audience, &batch, first).map_err(failed), next))
                    }
                    Err(error) => Some((Err(failed(error)), Step::Done)),
                },
                Step::Finish => Some((Ok(epilogue(format)), Step::Done)),
                Step::Done => None,
            }
        }
    })
}

fn epilogue(format: ExportFormat) -> Vec<u8> {
    match format {
        ExportFormat::Csv => Vec::new(),
        ExportFormat::Json => b"\n]\n".to_vec(),
    }
}

fn content_type(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "text/csv; charset=utf-8; header=present",
        ExportFormat::Json => "application/json; charset=utf-8",
    }
}

fn extension(format: ExportFormat) -> &'static str {
    match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Json => "json",
    }
}

fn error_response(error: AppError, locale: Locale) -> Response {
    let status = match &error {
        AppError::Unauthenticated | AppError::UnauthenticatedWith(_) => StatusCode::UNAUTHORIZED,
        AppError::Forbidden(_) => StatusCode::FORBIDDEN,
        AppError::NotFound(_) => StatusCode::NOT_FOUND,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    error.log();
    json_error(status, error.code(), error.text(), locale)
}

fn not_found(locale: Locale) -> Response {
    error_response(AppError::NotFound(t!("not-found-file")), locale)
}

/// A streamed file: private to its requester (exports) or public and cacheable (open data).
fn file(format: ExportFormat, body: Body, filename: Option<String>, public: bool) -> Response {
    let mut response = Response::builder()
        .content_type(content_type(format))
        .header("X-Content-Type-Options", "nosniff")
        .header(header::CACHE_CONTROL, if public { "public, max-age=60" } else { "private, no-store" });
    if let Some(name) = filename {
        response = response.header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\""));
    }
    response.body(body)
}

/// GET /exports/<token>: every comment of the consultation, every status, for the staff member the
/// link was issued to. Tampered links get 403, expired ones 410.
#[handler]
pub async fn export(req: &Request, Path(token): Path<String>, Data(state): Data<&AppState>) -> Response {
    // The link is the only credential: no account to read the language of.
    let locale = anonymous_locale(state, req);
    let grant = match exports::verify(&state.config.secret_key, &token, state.clock.now()) {
        Ok(grant) => grant,
        Err(LinkError::Expired) => {
            return json_error(StatusCode::GONE, "FORBIDDEN", t!("error-export-link-expired"), locale);
        }
        Err(LinkError::Invalid) => return json_error(StatusCode::FORBIDDEN, "FORBIDDEN", t!("error-export-link-invalid"), locale),
    };
    let consultation = match exports::authorize_download(state, &grant).await {
        Ok(c) => c,
        Err(error) => return error_response(error, locale),
    };
    let body = Body::from_bytes_stream(comment_stream(state.clone(), consultation.id, Audience::Staff, grant.format));
    let name = format!("consultation-{}-comments.{}", consultation.id, extension(grant.format));
    file(grant.format, body, Some(name), false)
}

/// GET /reports/disclosure/<token>.csv: the disclosure annual report's tables as CSV (UTF-8 with BOM),
/// for the account the link was issued to, while it may still read them. Tampered links get 403,
/// expired ones 410.
#[handler]
pub async fn disclosure_report(req: &Request, Path(token): Path<String>, Data(state): Data<&AppState>) -> Response {
    use crate::services::disclosure::report;
    let locale = anonymous_locale(state, req);
    let grant = match report::verify(&state.config.secret_key, &token, state.clock.now()) {
        Ok(grant) => grant,
        Err(true) => return json_error(StatusCode::GONE, "FORBIDDEN", t!("error-export-link-expired"), locale),
        Err(false) => return json_error(StatusCode::FORBIDDEN, "FORBIDDEN", t!("error-export-link-invalid"), locale),
    };
    let report = match report::for_grant(state, &grant).await {
        Ok(report) => report,
        Err(error) => return error_response(error, locale),
    };
    let scope = grant.department_id.map_or_else(|| "all".to_owned(), |d| d.to_string());
    Response::builder()
        .content_type("text/csv; charset=utf-8")
        .header("X-Content-Type-Options", "nosniff")
        .header(header::CACHE_CONTROL, "private, no-store")
        .header(header::CONTENT_DISPOSITION, format!("attachment; filename=\"disclosure-report-{}-{scope}.csv\"", grant.year))
        .body(report::csv(&report))
}

/// GET /open-data/consultations.json: every published and concluded consultation, oldest first.
#[handler]
pub fn open_data_index(Data(state): Data<&AppState>) -> Response {
    let state = state.clone();
    let limit = state.config.export_batch_size.min(500);
    let entries = stream::unfold(Step::Start, move |step| {
        let state = state.clone();
        async move {
            match step {
                Step::Start => Some((Ok(b"[".to_vec()), Step::Batch { after: Uuid::nil(), first: true })),
                Step::Batch { after, first } => match open_data::index_batch(&state, after, limit).await {
                    Ok((entries, last)) => {
                        let mut out = Vec::new();
                        for (i, entry) in entries.iter().enumerate() {
                            out.extend_from_slice(if first && i == 0 { b"\n" } else { b",\n" });
                            if let Err(error) = serde_json::to_writer(&mut out, entry) {
                                return Some((Err(failed(error)), Step::Done));
                            }
                        }
                        let next = match last {
                            Some(last) if entries.len() >= limit as usize => Step::Batch { after: last, first: false },
                            _ => Step::Finish,
                        };
                        Some((Ok(out), next))
                    }
                    Err(error) => Some((Err(failed(error)), Step::Done)),
                },
                Step::Finish => Some((Ok(b"\n]\n".to_vec()), Step::Done)),
                Step::Done => None,
            }
        }
    });
    file(ExportFormat::Json, Body::from_bytes_stream(entries), None, true)
}

/// GET /open-data/consultations/<id>.json: the consultation, its sections, counts and outcome.
#[handler]
pub async fn open_data_consultation(req: &Request, Path(name): Path<String>, Data(state): Data<&AppState>) -> Response {
    let locale = anonymous_locale(state, req);
    let Some(id) = name.strip_suffix(".json").and_then(|id| id.parse::<Uuid>().ok()) else { return not_found(locale) };
    let document = match open_data::published(state, id).await {
        Ok(c) => open_data::document(state, &c).await,
        Err(error) => Err(error),
    };
    match document.and_then(|d| serde_json::to_vec(&d).map_err(AppError::internal)) {
        Ok(bytes) => file(ExportFormat::Json, Body::from(bytes), None, true),
        Err(error) => error_response(error, locale),
    }
}

/// GET /open-data/consultations/<id>/comments.csv and comments.json: PUBLISHED comments with replies.
#[handler]
pub async fn open_data_comments(req: &Request, Path((id, name)): Path<(String, String)>, Data(state): Data<&AppState>) -> Response {
    let locale = anonymous_locale(state, req);
    let format = match name.as_str() {
        "comments.csv" => ExportFormat::Csv,
        "comments.json" => ExportFormat::Json,
        _ => return not_found(locale),
    };
    let Ok(id) = id.parse::<Uuid>() else { return not_found(locale) };
    let consultation = match open_data::published(state, id).await {
        Ok(c) => c,
        Err(error) => return error_response(error, locale),
    };
    let body = Body::from_bytes_stream(comment_stream(state.clone(), consultation.id, Audience::Public, format));
    let name = format!("consultation-{}-comments.{}", consultation.id, extension(format));
    file(format, body, Some(name), true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(fields: &[&str]) -> String {
        let mut out = Vec::new();
        let mut row = Csv::row(&mut out);
        for f in fields {
            row.text(f);
        }
        row.end();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv(&["a", "b c", "", "中文"]), "a,b c,,中文\r\n");
        assert_eq!(csv(&["a,b", "say \"hi\"", "two\nlines"]), "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
    }

    #[test]
    fn csv_text_cannot_start_a_formula() {
        assert_eq!(csv(&["=1+1", "-x", "@SUM(A1)", "+1"]), "\"'=1+1\",\"'-x\",\"'@SUM(A1)\",\"'+1\"\r\n");
    }
}
