//! Reply templates, for a department's staff.

use async_graphql::{Context, InputObject, Object, ID};

use entities::enums::Adoption;

use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::reply_template::ReplyTemplate;
use crate::services::reply_templates::{self, TemplateInput};

#[derive(InputObject)]
pub struct ReplyTemplateInput {
    /// Given: that template of the caller's department is changed; none: a new one.
    pub id: Option<ID>,
    pub title: String,
    pub body: String,
    pub adoption: Option<Adoption>,
}

#[derive(Default)]
pub struct ReplyTemplatesMutation;

#[Object]
impl ReplyTemplatesMutation {
    /// Creates or changes a reply template of the caller's department (its staff).
    async fn save_reply_template(&self, ctx: &Context<'_>, input: ReplyTemplateInput) -> GqlResult<ReplyTemplate> {
        let id = input.id.as_ref().map(|id| parse_id("input.id", id)).transpose()?;
        let input = TemplateInput { id, title: input.title, body: input.body, adoption: input.adoption };
        Ok(ReplyTemplate(reply_templates::save(ctx.state()?, ctx.viewer()?, input).await?))
    }

    /// Deletes a reply template of the caller's department (its staff).
    async fn delete_reply_template(&self, ctx: &Context<'_>, id: ID) -> GqlResult<bool> {
        let id = parse_id("id", &id)?;
        Ok(reply_templates::delete(ctx.state()?, ctx.viewer()?, id).await?)
    }
}
