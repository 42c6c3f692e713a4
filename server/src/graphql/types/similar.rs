//! Similar groups and bulk reply jobs, as the consultation's staff read them.

use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};

use crate::domain::BulkReplyStatus;
use crate::graphql::context::{load_error, ContextExt, GqlResult};
use crate::graphql::types::comment::Comment;
use crate::graphql::types::connection::connection;
use crate::services::comments::bulk;
use crate::services::similar;

pub struct SimilarGroup(pub similar::SimilarGroup);

connection!(SimilarGroupConnection, SimilarGroupEdge, SimilarGroup);

#[Object]
impl SimilarGroup {
    /// The group's id: a `filter.similarGroupId` of `startBulkReply`.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// How many comments the group holds, whatever their status.
    async fn size(&self) -> i32 {
        i32::try_from(self.0.size).unwrap_or(i32::MAX)
    }

    /// How many of them have at least one official reply.
    async fn replied_count(&self) -> i32 {
        i32::try_from(self.0.replied_count).unwrap_or(i32::MAX)
    }

    /// The group's first comment.
    async fn sample(&self, ctx: &Context<'_>) -> GqlResult<Option<Comment>> {
        let found = ctx.loaders()?.comments.load_one(self.0.sample_comment_id).await.map_err(load_error)?;
        Ok(found.map(|c| Comment::new(c, true)))
    }
}

pub struct BulkReplyJob(pub bulk::Job);

#[Object]
impl BulkReplyJob {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn status(&self) -> BulkReplyStatus {
        self.0.status
    }

    /// Comments chosen when the job started (the selection does not change after that).
    async fn total(&self) -> i32 {
        i32::try_from(self.0.total).unwrap_or(i32::MAX)
    }

    /// Comments replied to so far. `done + skipped + failed` reaches `total` when the job ends.
    async fn done(&self) -> i32 {
        i32::try_from(self.0.done).unwrap_or(i32::MAX)
    }

    /// Comments that already had a reply with the same body, left as they were.
    async fn skipped(&self) -> i32 {
        i32::try_from(self.0.skipped).unwrap_or(i32::MAX)
    }

    /// Comments that could no longer take a reply when their turn came (withdrawn or rejected, or the
    /// consultation stopped taking replies).
    async fn failed(&self) -> i32 {
        i32::try_from(self.0.failed).unwrap_or(i32::MAX)
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When the job ended (DONE or FAILED); null before.
    async fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.0.finished_at
    }
}
