//! A department's reply template, as its staff read it.

use async_graphql::{Object, ID};
use chrono::{DateTime, Utc};

use entities::enums::Adoption;

use crate::services::reply_templates;

pub struct ReplyTemplate(pub reply_templates::ReplyTemplate);

#[Object]
impl ReplyTemplate {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn title(&self) -> &str {
        &self.0.title
    }

    /// The reply's text.
    async fn body(&self) -> &str {
        &self.0.body
    }

    /// The verdict a reply from it usually carries.
    async fn adoption(&self) -> Option<Adoption> {
        self.0.adoption()
    }

    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}
