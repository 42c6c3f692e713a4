//! An official reply to a comment, with its adoption verdict.

use sea_orm::entity::prelude::*;

use crate::enums::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "replies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub comment_id: Uuid,
    pub consultation_id: Uuid,
    pub author_id: Uuid,
    pub department_id: Uuid,
    pub body: String,
    pub adoption: Adoption,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
