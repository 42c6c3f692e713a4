//! The moderation overview: every consultation a department leads or cooperates on that has work
//! waiting, with how much (PENDING comments to review, published comments that were reported, HIDDEN
//! comments, published comments without a reply). The pending and unreplied figures come from the
//! counters; the reported and hidden ones from one grouped count each over the partial and list
//! indexes, so the overview costs a few statements whatever the number of comments.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, FromQueryResult, QueryFilter, QueryOrder};
use uuid::Uuid;

use entities::{consultation, consultation_department};

use crate::domain::{CommentStatus, ConsultationState};
use crate::error::{AppError, AppResult};
use crate::services::authz::Viewer;
use crate::services::counters;
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::t;

/// One consultation's work waiting.
pub struct Waiting {
    pub consultation: consultation::Model,
    pub pending: i64,
    pub reported: i64,
    pub hidden: i64,
    pub unreplied: i64,
}

#[derive(FromQueryResult)]
struct Count {
    consultation_id: Uuid,
    n: i64,
}

async fn grouped(db: &impl sea_orm::ConnectionTrait, ids: &[Uuid], condition: &str, status: CommentStatus) -> AppResult<HashMap<Uuid, i64>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut params = Params::new();
        let list = params.bind_all(chunk.iter().copied());
        let status = params.bind(status);
        let statement = format!(
            "SELECT consultation_id, COUNT(*) AS n FROM comments WHERE consultation_id IN ({list}) AND status = {status}{condition} GROUP BY consultation_id"
        );
        for row in sql::all::<Count>(db, &statement, params.into_values()).await? {
            out.insert(row.consultation_id, row.n);
        }
    }
    Ok(out)
}

/// The department's consultations with work waiting, those closing soonest first (its staff and admins).
pub async fn moderation(state: &AppState, viewer: &Viewer, department: Uuid) -> AppResult<Vec<Waiting>> {
    if !(viewer.is_admin() || viewer.staff_department() == Some(department)) {
        return Err(AppError::forbidden(t!("error-overview-department-only")));
    }
    let db = &state.db.conn;
    let cooperating: Vec<Uuid> = consultation_department::Entity::find()
        .filter(consultation_department::Column::DepartmentId.eq(department))
        .all(db)
        .await?
        .into_iter()
        .map(|d| d.consultation_id)
        .collect();
    let consultations = consultation::Entity::find()
        .filter(consultation::Column::LeadDepartmentId.eq(department).or(consultation::Column::Id.is_in(cooperating)))
        .filter(consultation::Column::State.is_not_in([ConsultationState::Draft.as_str(), ConsultationState::Withdrawn.as_str()]))
        .order_by_asc(consultation::Column::ClosesAt)
        .order_by_asc(consultation::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = consultations.iter().map(|c| c.id).collect();
    let counts = counters::load(db, &ids).await?;
    let reported = grouped(db, &ids, " AND report_count > 0", CommentStatus::Published).await?;
    let hidden = grouped(db, &ids, "", CommentStatus::Hidden).await?;
    Ok(consultations
        .into_iter()
        .map(|c| {
            let of = counts.get(&c.id).copied().unwrap_or_default();
            let id = c.id;
            Waiting {
                pending: of.pending,
                unreplied: of.unreplied,
                reported: reported.get(&id).copied().unwrap_or(0),
                hidden: hidden.get(&id).copied().unwrap_or(0),
                consultation: c,
            }
        })
        .filter(|w| w.pending + w.reported + w.hidden + w.unreplied > 0)
        .collect())
}
