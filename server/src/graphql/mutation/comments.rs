//! Commenting, endorsing, reporting, moderating and replying.

use async_graphql::{Context, InputObject, Object, SimpleObject, ID};

use crate::domain::{Adoption, ModerationDecision, ReportReason, Stance};
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::{Comment, Reply};
use crate::services::comments;

#[derive(InputObject)]
pub struct SubmitCommentInput {
    pub consultation_id: ID,
    pub section_id: Option<ID>,
    pub stance: Stance,
    pub body: String,
    /// Makes the call idempotent per author: the same id again returns the first comment.
    pub client_request_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct SubmitCommentPayload {
    pub comment: Comment,
}

#[derive(InputObject)]
pub struct EditCommentInput {
    pub body: Option<String>,
    pub stance: Option<Stance>,
}

#[derive(InputObject)]
pub struct ReportCommentInput {
    pub comment_id: ID,
    pub reason: ReportReason,
    pub detail: Option<String>,
}

#[derive(InputObject)]
pub struct ModerateCommentInput {
    pub decision: ModerationDecision,
    pub reason: Option<String>,
}

#[derive(InputObject)]
pub struct ReplyToCommentInput {
    pub comment_id: ID,
    pub body: String,
    pub adoption: Adoption,
}

#[derive(InputObject)]
pub struct ReplyToDuplicateGroupInput {
    pub group_id: ID,
    pub body: String,
    pub adoption: Adoption,
}

#[derive(SimpleObject)]
pub struct ReplyToDuplicateGroupPayload {
    pub replied_count: i32,
}

#[derive(Default)]
pub struct CommentsMutation;

#[Object]
impl CommentsMutation {
    async fn submit_comment(&self, ctx: &Context<'_>, input: SubmitCommentInput) -> GqlResult<SubmitCommentPayload> {
        let input = comments::SubmitInput {
            consultation_id: parse_id("consultationId", &input.consultation_id)?,
            section_id: input.section_id.as_ref().map(|id| parse_id("sectionId", id)).transpose()?,
            stance: input.stance,
            body: input.body,
            client_request_id: input.client_request_id,
        };
        let comment = comments::submit(ctx.state()?, ctx.viewer()?, input).await?;
        Ok(SubmitCommentPayload { comment: Comment::new(comment, false) })
    }

    /// The author edits within 15 minutes, while the consultation is open and before any reply. On a
    /// PRE (pre-moderated) consultation the edited comment goes back to PENDING, out of the public
    /// list and counts, until staff publish it again.
    async fn edit_comment(&self, ctx: &Context<'_>, id: ID, input: EditCommentInput) -> GqlResult<Comment> {
        let id = parse_id("id", &id)?;
        let comment = comments::edit(ctx.state()?, ctx.viewer()?, id, input.body, input.stance).await?;
        Ok(Comment::new(comment, false))
    }

    async fn withdraw_comment(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Comment> {
        let id = parse_id("id", &id)?;
        Ok(Comment::new(comments::withdraw(ctx.state()?, ctx.viewer()?, id).await?, false))
    }

    async fn endorse_comment(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Comment> {
        let id = parse_id("id", &id)?;
        Ok(Comment::new(comments::endorse(ctx.state()?, ctx.viewer()?, id, true).await?, false))
    }

    async fn remove_endorsement(&self, ctx: &Context<'_>, id: ID) -> GqlResult<Comment> {
        let id = parse_id("id", &id)?;
        Ok(Comment::new(comments::endorse(ctx.state()?, ctx.viewer()?, id, false).await?, false))
    }

    /// Reports a comment once; enough reports hide it until staff look at it.
    async fn report_comment(&self, ctx: &Context<'_>, input: ReportCommentInput) -> GqlResult<bool> {
        let id = parse_id("commentId", &input.comment_id)?;
        Ok(comments::report(ctx.state()?, ctx.viewer()?, id, input.reason, input.detail).await?)
    }

    /// PUBLISH: PENDING or HIDDEN → PUBLISHED; REJECT: PENDING → REJECTED; HIDE: PUBLISHED → HIDDEN.
    async fn moderate_comment(&self, ctx: &Context<'_>, id: ID, input: ModerateCommentInput) -> GqlResult<Comment> {
        let id = parse_id("id", &id)?;
        let comment = comments::moderate(ctx.state()?, ctx.viewer()?, id, input.decision, input.reason).await?;
        Ok(Comment::new(comment, true))
    }

    async fn reply_to_comment(&self, ctx: &Context<'_>, input: ReplyToCommentInput) -> GqlResult<Reply> {
        let id = parse_id("commentId", &input.comment_id)?;
        Ok(Reply(comments::reply(ctx.state()?, ctx.viewer()?, id, &input.body, input.adoption).await?))
    }

    /// Replies once to every comment in a duplicate group.
    async fn reply_to_duplicate_group(&self, ctx: &Context<'_>, input: ReplyToDuplicateGroupInput) -> GqlResult<ReplyToDuplicateGroupPayload> {
        let id = parse_id("groupId", &input.group_id)?;
        let n = comments::reply_to_group(ctx.state()?, ctx.viewer()?, id, &input.body, input.adoption).await?;
        Ok(ReplyToDuplicateGroupPayload { replied_count: i32::try_from(n).unwrap_or(i32::MAX) })
    }
}
