//! A draft policy put out for public comment, with its frozen outcome.

use sea_orm::entity::prelude::*;

use crate::enums::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consultations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub interpretation: Option<String>,
    pub category: String,
    pub lead_department_id: Uuid,
    pub state: ConsultationState,
    pub moderation: ModerationMode,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub published_at: Option<DateTimeUtc>,
    pub withdrawn_reason: Option<String>,
    pub outcome_summary: Option<String>,
    pub outcome_published_at: Option<DateTimeUtc>,
    pub outcome_total: Option<i32>,
    pub outcome_replied: Option<i32>,
    pub outcome_adopted: Option<i32>,
    pub outcome_partially_adopted: Option<i32>,
    pub outcome_not_adopted: Option<i32>,
    pub outcome_explained: Option<i32>,
    pub search_text: String,
    /// Why it is open for comment for less than 30 days (required then; shown to the public).
    pub short_period_reason: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
