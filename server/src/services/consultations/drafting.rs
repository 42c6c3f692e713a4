//! Drafting a consultation: creating it and changing it while it may be changed.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use entities::{consultation, consultation_department, department, section};

use crate::domain::{self, Checks, ConsultationState, ConsultationStatus, ModerationMode, Role};
use crate::error::{AppError, AppResult};
use crate::services::audit;
use crate::services::authz::{self, Viewer};
use crate::state::AppState;
use crate::clock::Clock;
use crate::t;
use super::{load_for_manage, status};

#[derive(Clone, Debug)]
pub struct SectionInput {
    pub heading: String,
    pub body: String,
}

#[derive(Clone, Debug, Default)]
pub struct ConsultationInput {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub body: Option<String>,
    pub interpretation: Option<String>,
    pub category: Option<String>,
    pub lead_department_id: Option<Uuid>,
    pub cooperating_department_ids: Option<Vec<Uuid>>,
    pub opens_at: Option<DateTime<Utc>>,
    pub closes_at: Option<DateTime<Utc>>,
    pub moderation: Option<ModerationMode>,
    pub sections: Option<Vec<SectionInput>>,
    /// An empty string removes it.
    pub short_period_reason: Option<String>,
}

/// The shortest period a draft is open for comment without a stated reason.
pub const MIN_PERIOD_DAYS: i64 = 30;

/// A period under `MIN_PERIOD_DAYS` needs a reason (a period that ends before it starts is refused on
/// its own).
fn check_period(checks: &mut Checks, opens_at: DateTime<Utc>, closes_at: DateTime<Utc>, reason: Option<&str>) {
    let short = closes_at > opens_at && closes_at - opens_at < chrono::Duration::days(MIN_PERIOD_DAYS);
    if short && reason.is_none_or(|r| r.trim().is_empty()) {
        checks.fail("shortPeriodReason", t!("field-short-period-reason", days = MIN_PERIOD_DAYS));
    }
}

struct CleanSections(Vec<(String, String)>);

fn check_sections(checks: &mut Checks, sections: &[SectionInput]) -> CleanSections {
    if sections.len() > 200 {
        checks.fail("sections", t!("field-at-most-sections", max = 200));
    }
    let mut out = Vec::with_capacity(sections.len());
    for (i, s) in sections.iter().enumerate() {
        let heading = checks.take(domain::clean_text(&format!("sections.{i}.heading"), &s.heading, 1, 200, false));
        let body = checks.take(domain::clean_text(&format!("sections.{i}.body"), &s.body, 1, 50_000, true));
        out.push((heading, body));
    }
    CleanSections(out)
}

async fn check_departments(db: &impl ConnectionTrait, checks: &mut Checks, lead: Uuid, cooperating: &[Uuid]) -> AppResult<Vec<Uuid>> {
    let mut ids: Vec<Uuid> = cooperating.to_vec();
    ids.sort();
    ids.dedup();
    if ids.contains(&lead) {
        checks.fail("cooperatingDepartmentIds", t!("field-cooperating-not-lead"));
    }
    if ids.len() > 50 {
        checks.fail("cooperatingDepartmentIds", t!("field-at-most-departments", max = 50));
    }
    let mut wanted = ids.clone();
    wanted.push(lead);
    let found = department::Entity::find().filter(department::Column::Id.is_in(wanted.clone())).all(db).await?;
    if !found.iter().any(|d| d.id == lead) {
        checks.fail("leadDepartmentId", t!("field-no-such-department"));
    }
    if ids.iter().any(|id| !found.iter().any(|d| d.id == *id)) {
        checks.fail("cooperatingDepartmentIds", t!("field-includes-no-such-department"));
    }
    Ok(ids)
}

/// What the consultation search matches: the search tokens of its title, summary and body.
fn search_text(title: &str, summary: &str, body: &str) -> String {
    crate::search::consultation_tokens(title, summary, body)
}

pub async fn create(state: &AppState, viewer: &Viewer, input: ConsultationInput) -> AppResult<consultation::Model> {
    let user = authz::require_role(viewer, &[Role::Staff, Role::Admin], t!("action-create-consultations"))?.clone();
    let mut checks = Checks::new();
    let required = |checks: &mut Checks, field: &str, v: &Option<String>, max: usize, multiline: bool| -> String {
        match v {
            Some(v) => checks.take(domain::clean_text(field, v, 1, max, multiline)),
            None => {
                checks.fail(field, t!("field-required"));
                String::new()
            }
        }
    };
    let title = required(&mut checks, "title", &input.title, 200, false);
    let summary = required(&mut checks, "summary", &input.summary, 2000, true);
    let body = required(&mut checks, "body", &input.body, 200_000, true);
    let category = required(&mut checks, "category", &input.category, 50, false);
    let interpretation = checks.take(domain::clean_optional("interpretation", input.interpretation.as_deref(), 200_000, true));
    let (opens_at, closes_at) = match (input.opens_at, input.closes_at) {
        (Some(o), Some(c)) => (o, c),
        _ => {
            checks.fail("opensAt", t!("field-opens-and-closes-required"));
            (state.clock.now(), state.clock.now())
        }
    };
    if closes_at <= opens_at {
        checks.fail("closesAt", t!("field-closes-after-opens"));
    }
    let short_period_reason = checks.take(domain::clean_optional("shortPeriodReason", input.short_period_reason.as_deref(), 1000, true));
    check_period(&mut checks, opens_at, closes_at, short_period_reason.as_deref());
    let sections = check_sections(&mut checks, input.sections.as_deref().unwrap_or_default());
    let Some(lead) = input.lead_department_id else {
        checks.fail("leadDepartmentId", t!("field-required"));
        return Err(checks.finish().err().unwrap_or(AppError::bad_input("leadDepartmentId", t!("field-required"))));
    };
    let cooperating = check_departments(&state.db.conn, &mut checks, lead, input.cooperating_department_ids.as_deref().unwrap_or_default()).await?;
    checks.finish()?;
    if viewer.role() == Some(Role::Staff) && user.department_id != Some(lead) {
        return Err(AppError::forbidden(t!("error-staff-own-department-only")));
    }

    let now = state.clock.now();
    let txn = state.db.begin().await?;
    let consultation = consultation::ActiveModel {
        id: Set(state.clock.new_id()),
        search_text: Set(search_text(&title, &summary, &body)),
        short_period_reason: Set(short_period_reason),
        title: Set(title),
        summary: Set(summary),
        body: Set(body),
        interpretation: Set(interpretation),
        category: Set(category),
        lead_department_id: Set(lead),
        state: Set(ConsultationState::Draft),
        moderation: Set(input.moderation.unwrap_or(ModerationMode::Post)),
        opens_at: Set(opens_at.trunc_micros()),
        closes_at: Set(closes_at.trunc_micros()),
        published_at: Set(None),
        withdrawn_reason: Set(None),
        outcome_summary: Set(None),
        outcome_published_at: Set(None),
        outcome_total: Set(None),
        outcome_replied: Set(None),
        outcome_adopted: Set(None),
        outcome_partially_adopted: Set(None),
        outcome_not_adopted: Set(None),
        outcome_explained: Set(None),
        created_by: Set(user.id),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&*txn)
    .await?;
    replace_sections(&*txn, &state.clock, consultation.id, &sections).await?;
    crate::services::search_index::index_consultation(&*txn, consultation.id, &consultation.search_text).await?;
    replace_cooperating(&*txn, consultation.id, &cooperating).await?;
    audit::record(&*txn, &state.clock, Some(user.id), "consultation.create", "Consultation", Some(consultation.id), json!({ "title": consultation.title })).await?;
    txn.commit().await?;
    Ok(consultation)
}

trait TruncMicros {
    fn trunc_micros(self) -> Self;
}

impl TruncMicros for DateTime<Utc> {
    fn trunc_micros(self) -> Self {
        chrono::SubsecRound::trunc_subsecs(self, 6)
    }
}

async fn replace_sections(db: &impl ConnectionTrait, clock: &Clock, consultation_id: Uuid, sections: &CleanSections) -> AppResult<()> {
    section::Entity::delete_many().filter(section::Column::ConsultationId.eq(consultation_id)).exec(db).await?;
    if sections.0.is_empty() {
        return Ok(());
    }
    let rows = sections.0.iter().enumerate().map(|(i, (heading, body))| section::ActiveModel {
        id: Set(clock.new_id()),
        consultation_id: Set(consultation_id),
        ordinal: Set(i as i32 + 1),
        heading: Set(heading.clone()),
        body: Set(body.clone()),
    });
    section::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

async fn replace_cooperating(db: &impl ConnectionTrait, consultation_id: Uuid, ids: &[Uuid]) -> AppResult<()> {
    consultation_department::Entity::delete_many()
        .filter(consultation_department::Column::ConsultationId.eq(consultation_id))
        .exec(db)
        .await?;
    if ids.is_empty() {
        return Ok(());
    }
    let rows = ids.iter().map(|d| consultation_department::ActiveModel { consultation_id: Set(consultation_id), department_id: Set(*d) });
    consultation_department::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

pub async fn update(state: &AppState, viewer: &Viewer, id: Uuid, input: ConsultationInput) -> AppResult<consultation::Model> {
    authz::require_role(viewer, &[Role::Staff, Role::Admin], t!("action-edit-consultations"))?;
    let txn = state.db.begin().await?;
    let (current, user) = load_for_manage(&*txn, viewer, id).await?;
    let status = status(&current, state.clock.now());
    let draft = status == ConsultationStatus::Draft;
    if matches!(status, ConsultationStatus::Closed | ConsultationStatus::Concluded | ConsultationStatus::Withdrawn) {
        return Err(AppError::conflict(t!("error-consultation-final")));
    }
    let mut checks = Checks::new();
    let mut active: consultation::ActiveModel = current.clone().into();
    let mut title = current.title.clone();
    let mut summary = current.summary.clone();
    let mut body = current.body.clone();
    if let Some(v) = &input.title {
        title = checks.take(domain::clean_text("title", v, 1, 200, false));
    }
    if let Some(v) = &input.summary {
        summary = checks.take(domain::clean_text("summary", v, 1, 2000, true));
    }
    if let Some(v) = &input.category {
        active.category = Set(checks.take(domain::clean_text("category", v, 1, 50, false)));
    }
    if let Some(v) = &input.interpretation {
        active.interpretation = Set(checks.take(domain::clean_optional("interpretation", Some(v), 200_000, true)));
    }
    if let Some(v) = &input.body {
        if !draft {
            checks.fail("body", t!("field-draft-only"));
        }
        body = checks.take(domain::clean_text("body", v, 1, 200_000, true));
        active.body = Set(body.clone());
    }
    if input.sections.is_some() && !draft {
        checks.fail("sections", t!("field-draft-only"));
    }
    if input.moderation.is_some() && !draft {
        checks.fail("moderation", t!("field-draft-only"));
    }
    if let Some(m) = input.moderation {
        active.moderation = Set(m);
    }
    let mut opens_at = current.opens_at;
    let mut closes_at = current.closes_at;
    // Whether the new period itself is acceptable, so that its length is worth checking.
    let mut period_allowed = true;
    if let Some(o) = input.opens_at {
        if !matches!(status, ConsultationStatus::Draft | ConsultationStatus::Upcoming) {
            checks.fail("opensAt", t!("field-before-opening-only"));
            period_allowed = false;
        }
        opens_at = o.trunc_micros();
    }
    if let Some(c) = input.closes_at {
        let c = c.trunc_micros();
        if status == ConsultationStatus::Open && c < current.closes_at {
            checks.fail("closesAt", t!("field-extend-while-open"));
            period_allowed = false;
        }
        if status == ConsultationStatus::Open && c <= state.clock.now() {
            checks.fail("closesAt", t!("field-closes-at-future"));
            period_allowed = false;
        }
        closes_at = c;
    }
    if closes_at <= opens_at {
        checks.fail("closesAt", t!("field-closes-after-opens"));
    }
    let mut short_period_reason = current.short_period_reason.clone();
    if let Some(v) = &input.short_period_reason {
        short_period_reason = checks.take(domain::clean_optional("shortPeriodReason", Some(v), 1000, true));
    }
    // Extending `closesAt` never needs a reason; moving the opening, shortening, or removing the
    // reason does when the period is then under 30 days.
    let period_changed = opens_at != current.opens_at || closes_at < current.closes_at || input.short_period_reason.is_some();
    if period_allowed && period_changed {
        check_period(&mut checks, opens_at, closes_at, short_period_reason.as_deref());
    }
    let lead = input.lead_department_id.unwrap_or(current.lead_department_id);
    if lead != current.lead_department_id {
        if !draft {
            checks.fail("leadDepartmentId", t!("field-draft-only"));
        }
        if !viewer.is_admin() {
            return Err(AppError::forbidden(t!("error-admin-only-hand-over")));
        }
    }
    let sections = input.sections.as_deref().map(|s| check_sections(&mut checks, s));
    let cooperating = match &input.cooperating_department_ids {
        Some(ids) => Some(check_departments(&*txn, &mut checks, lead, ids).await?),
        None => {
            let existing = consultation_department::Entity::find()
                .filter(consultation_department::Column::ConsultationId.eq(id))
                .all(&*txn)
                .await?;
            if existing.iter().any(|d| d.department_id == lead) {
                checks.fail("leadDepartmentId", t!("field-already-cooperating"));
            }
            None
        }
    };
    checks.finish()?;

    active.search_text = Set(search_text(&title, &summary, &body));
    active.title = Set(title);
    active.summary = Set(summary);
    active.opens_at = Set(opens_at);
    active.closes_at = Set(closes_at);
    active.short_period_reason = Set(short_period_reason);
    active.lead_department_id = Set(lead);
    active.updated_at = Set(state.clock.now());
    let updated = active.update(&*txn).await?;
    crate::services::search_index::index_consultation(&*txn, id, &updated.search_text).await?;
    if let Some(sections) = sections {
        replace_sections(&*txn, &state.clock, id, &sections).await?;
    }
    if let Some(ids) = cooperating {
        replace_cooperating(&*txn, id, &ids).await?;
    }
    audit::record(&*txn, &state.clock, Some(user.id), "consultation.update", "Consultation", Some(id), json!({})).await?;
    txn.commit().await?;
    Ok(updated)
}
