//! Comment exports for a consultation's staff.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

use crate::domain::ExportFormat;
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::services::exports;

/// A short-lived link that streams the export.
#[derive(SimpleObject)]
pub struct CommentExport {
    /// A path on this server (`/exports/…`) to GET, without any other authorization, until `expiresAt`.
    pub url: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct ExportsMutation;

#[Object]
impl ExportsMutation {
    /// Every comment of the consultation (every status) with its section, stance, duplicate group,
    /// replies and verdicts, as CSV (UTF-8 with a byte-order mark) or JSON: for staff of the lead or a
    /// cooperating department, and admins.
    async fn export_comments(&self, ctx: &Context<'_>, consultation_id: ID, format: ExportFormat) -> GqlResult<CommentExport> {
        let id = parse_id("consultationId", &consultation_id)?;
        let link = exports::request(ctx.state()?, ctx.viewer()?, id, format).await?;
        Ok(CommentExport { url: link.url, expires_at: link.expires_at })
    }
}
