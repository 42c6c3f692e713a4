//! A citizen's comment on a consultation (optionally on one section).

use sea_orm::entity::prelude::*;

use crate::enums::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub consultation_id: Uuid,
    pub section_id: Option<Uuid>,
    pub author_id: Uuid,
    pub stance: Stance,
    pub body: String,
    pub status: CommentStatus,
    pub moderation_reason: Option<String>,
    pub duplicate_group_id: Uuid,
    pub endorsement_count: i32,
    pub report_count: i32,
    pub reply_count: i32,
    pub latest_adoption: Option<Adoption>,
    pub first_replied_at: Option<DateTimeUtc>,
    pub client_request_id: Option<String>,
    pub client_hash: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
