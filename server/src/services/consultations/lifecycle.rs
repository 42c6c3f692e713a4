//! A consultation's life after drafting: publishing, closing early, withdrawing, concluding with its outcome.

use sea_orm::{ActiveModelTrait, Set, Value};
use serde_json::json;
use uuid::Uuid;

use entities::consultation;

use crate::domain::{self, Adoption, NotificationKind, NotificationSubjectType, CommentStatus, ConsultationState, ConsultationStatus, Role};
use crate::error::{AppError, AppResult};
use crate::services::audit;
use crate::services::notifications::{self, Notice};
use crate::services::authz::{self, Viewer};
use crate::sql;
use crate::state::AppState;
use crate::t;
use super::{load_for_manage, status};

async fn transition(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    action: &str,
    detail: serde_json::Value,
    change: impl FnOnce(&consultation::Model, ConsultationStatus, &mut consultation::ActiveModel) -> AppResult<()>,
) -> AppResult<consultation::Model> {
    authz::require_role(viewer, &[Role::Staff, Role::Admin], t!("action-manage-consultations"))?;
    let txn = state.db.begin().await?;
    let (current, user) = load_for_manage(&*txn, viewer, id).await?;
    let status = status(&current, state.clock.now());
    let mut active: consultation::ActiveModel = current.clone().into();
    change(&current, status, &mut active)?;
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(user.id), action, "Consultation", Some(id), detail).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn publish(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<consultation::Model> {
    transition(state, viewer, id, "consultation.publish", json!({}), |c, status, active| {
        if status != ConsultationStatus::Draft {
            return Err(AppError::conflict(t!("error-only-draft-publishable")));
        }
        if c.closes_at <= state.clock.now() {
            return Err(AppError::bad_input("closesAt", t!("field-closes-at-future-to-publish")));
        }
        active.state = Set(ConsultationState::Published);
        active.published_at = Set(Some(state.clock.now()));
        Ok(())
    })
    .await
}

pub async fn close(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<consultation::Model> {
    transition(state, viewer, id, "consultation.close", json!({}), |_, status, active| {
        if status != ConsultationStatus::Open {
            return Err(AppError::conflict(t!("error-only-open-closable")));
        }
        active.closes_at = Set(state.clock.now());
        Ok(())
    })
    .await
}

pub async fn withdraw(state: &AppState, viewer: &Viewer, id: Uuid, reason: &str) -> AppResult<consultation::Model> {
    let reason = domain::clean_text("reason", reason, 1, 1000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    transition(state, viewer, id, "consultation.withdraw", json!({ "reason": reason }), |_, status, active| {
        if !matches!(status, ConsultationStatus::Draft | ConsultationStatus::Upcoming) {
            return Err(AppError::conflict(t!("error-only-draft-or-upcoming-withdrawable")));
        }
        active.state = Set(ConsultationState::Withdrawn);
        active.withdrawn_reason = Set(Some(reason.clone()));
        Ok(())
    })
    .await
}

#[derive(Debug, Default, sea_orm::FromQueryResult)]
struct OutcomeCounts {
    total: Option<i64>,
    replied: Option<i64>,
    adopted: Option<i64>,
    partially: Option<i64>,
    not_adopted: Option<i64>,
    explained: Option<i64>,
}

pub async fn conclude(state: &AppState, viewer: &Viewer, id: Uuid, summary: &str) -> AppResult<consultation::Model> {
    authz::require_role(viewer, &[Role::Staff, Role::Admin], t!("action-conclude-consultations"))?;
    let summary = domain::clean_text("summary", summary, 1, 20_000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    let txn = state.db.begin().await?;
    let (current, user) = load_for_manage(&*txn, viewer, id).await?;
    if status(&current, state.clock.now()) != ConsultationStatus::Closed {
        return Err(AppError::conflict(t!("error-only-closed-concludable")));
    }
    let counts: OutcomeCounts = sql::one(
        &*txn,
        "SELECT COUNT(*) AS total,
                COUNT(CASE WHEN reply_count > 0 THEN 1 END) AS replied,
                COUNT(CASE WHEN latest_adoption = $3 THEN 1 END) AS adopted,
                COUNT(CASE WHEN latest_adoption = $4 THEN 1 END) AS partially,
                COUNT(CASE WHEN latest_adoption = $5 THEN 1 END) AS not_adopted,
                COUNT(CASE WHEN latest_adoption = $6 THEN 1 END) AS explained
         FROM comments WHERE consultation_id = $1 AND status = $2",
        vec![
            Value::from(id),
            CommentStatus::Published.into(),
            Adoption::Adopted.into(),
            Adoption::PartiallyAdopted.into(),
            Adoption::NotAdopted.into(),
            Adoption::Explained.into(),
        ],
    )
    .await?
    .unwrap_or_default();
    let n = |v: Option<i64>| Set(Some(i32::try_from(v.unwrap_or(0)).unwrap_or(i32::MAX)));
    let now = state.clock.now();
    let mut active: consultation::ActiveModel = current.into();
    active.state = Set(ConsultationState::Concluded);
    active.outcome_summary = Set(Some(summary));
    active.outcome_published_at = Set(Some(now));
    active.outcome_total = n(counts.total);
    active.outcome_replied = n(counts.replied);
    active.outcome_adopted = n(counts.adopted);
    active.outcome_partially_adopted = n(counts.partially);
    active.outcome_not_adopted = n(counts.not_adopted);
    active.outcome_explained = n(counts.explained);
    active.updated_at = Set(now);
    let updated = active.update(&*txn).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "consultation.conclude", "Consultation", Some(id), json!({ "totalComments": counts.total })).await?;
    // Everyone who commented (and did not withdraw every comment) hears of the outcome, once.
    let authors: Vec<Uuid> = sql::rows(
        &*txn,
        "SELECT DISTINCT author_id FROM comments WHERE consultation_id = $1 AND status <> $2",
        vec![id.into(), CommentStatus::Withdrawn.into()],
    )
    .await?
    .iter()
    .map(|row| row.try_get::<Uuid>("", "author_id"))
    .collect::<Result<_, _>>()?;
    let kind = notifications::Kind {
        kind: NotificationKind::ConsultationConcluded,
        subject_type: NotificationSubjectType::Consultation,
        params: notifications::params(&[("consultation", &updated.title)]),
    };
    let notices: Vec<Notice> = authors.into_iter().map(|recipient| Notice { recipient, subject: id }).collect();
    let notified = notifications::write(&*txn, &state.clock, &kind, &notices).await?;
    txn.commit().await?;
    notified.announce(state);
    Ok(updated)
}
