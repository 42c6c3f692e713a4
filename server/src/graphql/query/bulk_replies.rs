//! `bulkReply(id)`, for the consultation's staff and admins.

use async_graphql::{Context, Object, ID};

use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::similar::BulkReplyJob;
use crate::services::comments::bulk;

#[derive(Default)]
pub struct BulkRepliesQuery;

#[Object]
impl BulkRepliesQuery {
    /// A bulk reply job and its progress: for the staff of its consultation and admins; NOT_FOUND for
    /// everyone else, as for an id that names nothing.
    async fn bulk_reply(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Option<BulkReplyJob>> {
        let id = parse_id("id", &id)?;
        Ok(Some(BulkReplyJob(bulk::get(ctx.state()?, ctx.viewer()?, id).await?)))
    }
}
