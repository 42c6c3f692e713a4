//! Bulk replies, for the staff who may reply on a consultation.

use async_graphql::{Context, InputObject, Object, ID};

use crate::domain::{Adoption, Stance};
use crate::graphql::context::{parse_id, parse_ids, ContextExt, GqlResult};
use crate::graphql::types::similar::BulkReplyJob;
use crate::services::comments::bulk::{self, BulkReplyFilter as Filter, BulkReplyInput as Input};

/// The comments of a bulk reply chosen by what they are; every field given must hold.
#[derive(InputObject)]
pub struct BulkReplyFilter {
    pub section_id: Option<ID>,
    pub stance: Option<Stance>,
    /// Not served yet: a non-null value is refused with BAD_USER_INPUT.
    pub search: Option<String>,
    pub similar_group_id: Option<ID>,
    pub duplicate_group_id: Option<ID>,
    /// Only comments without any official reply yet.
    pub unreplied_only: Option<bool>,
}

#[derive(InputObject)]
pub struct BulkReplyInput {
    pub consultation_id: ID,
    pub body: String,
    pub adoption: Adoption,
    /// The comments to answer (at most 1,000, all of this consultation); or instead `filter`.
    pub comment_ids: Option<Vec<ID>>,
    /// Which comments to answer: those matching it when the job starts that can take a reply.
    pub filter: Option<BulkReplyFilter>,
}

#[derive(Default)]
pub struct BulkRepliesMutation;

#[Object]
impl BulkRepliesMutation {
    /// Starts one official reply to every comment chosen (by `commentIds` or by `filter`, exactly one
    /// of them), for staff who may reply on the consultation and admins. The selection is frozen now;
    /// the replies are written in the background (`bulkReply(id)` shows the progress), each as
    /// `replyToComment` writes it: audited, and its author notified. A comment already replied with
    /// the same body is skipped, so a job resumed after a crash never doubles a reply.
    async fn start_bulk_reply(&self, ctx: &Context<'_>, input: BulkReplyInput) -> GqlResult<BulkReplyJob> {
        let filter = match input.filter {
            Some(f) => Some(Filter {
                section_id: f.section_id.as_ref().map(|id| parse_id("filter.sectionId", id)).transpose()?,
                stance: f.stance,
                search: f.search,
                similar_group_id: f.similar_group_id.as_ref().map(|id| parse_id("filter.similarGroupId", id)).transpose()?,
                duplicate_group_id: f.duplicate_group_id.as_ref().map(|id| parse_id("filter.duplicateGroupId", id)).transpose()?,
                unreplied_only: f.unreplied_only,
            }),
            None => None,
        };
        let input = Input {
            consultation_id: parse_id("consultationId", &input.consultation_id)?,
            body: input.body,
            adoption: input.adoption,
            comment_ids: input.comment_ids.as_deref().map(|ids| parse_ids("commentIds", ids)).transpose()?,
            filter,
        };
        Ok(BulkReplyJob(bulk::start(ctx.state()?, ctx.viewer()?, input).await?))
    }
}
