//! Consultations: drafting, publishing, the clock-derived status, closing, withdrawing, concluding.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, Value};
use serde_json::json;
use uuid::Uuid;

use entities::{consultation, consultation_department, department, section};

use crate::domain::{self, Checks, ConsultationState, ConsultationStatus, ModerationMode, Role};
use crate::error::{AppError, AppResult};
use crate::services::audit;
use crate::services::authz::{self, Viewer};
use crate::services::pagination::{self, Page};
use crate::sql;
use crate::state::AppState;
use crate::util;

/// The status the API reports: the stored state, and for a published consultation, the clock.
pub fn status_at(c: &consultation::Model, now: DateTime<Utc>) -> AppResult<ConsultationStatus> {
    Ok(match c.state {
        ConsultationState::Draft => ConsultationStatus::Draft,
        ConsultationState::Withdrawn => ConsultationStatus::Withdrawn,
        ConsultationState::Concluded => ConsultationStatus::Concluded,
        ConsultationState::Published if now < c.opens_at => ConsultationStatus::Upcoming,
        ConsultationState::Published if now < c.closes_at => ConsultationStatus::Open,
        ConsultationState::Published => ConsultationStatus::Closed,
    })
}

pub fn status(c: &consultation::Model) -> AppResult<ConsultationStatus> {
    status_at(c, util::now())
}

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
}

struct CleanSections(Vec<(String, String)>);

fn check_sections(checks: &mut Checks, sections: &[SectionInput]) -> CleanSections {
    if sections.len() > 200 {
        checks.fail("sections", "must have at most 200 sections");
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
        checks.fail("cooperatingDepartmentIds", "must not include the lead department");
    }
    if ids.len() > 50 {
        checks.fail("cooperatingDepartmentIds", "must have at most 50 departments");
    }
    let mut wanted = ids.clone();
    wanted.push(lead);
    let found = department::Entity::find().filter(department::Column::Id.is_in(wanted.clone())).all(db).await?;
    if !found.iter().any(|d| d.id == lead) {
        checks.fail("leadDepartmentId", "does not name a department");
    }
    if ids.iter().any(|id| !found.iter().any(|d| d.id == *id)) {
        checks.fail("cooperatingDepartmentIds", "includes an id that does not name a department");
    }
    Ok(ids)
}

fn search_text(title: &str, summary: &str) -> String {
    format!("{}\n{}", title.to_lowercase(), summary.to_lowercase())
}

pub async fn create(state: &AppState, viewer: &Viewer, input: ConsultationInput) -> AppResult<consultation::Model> {
    let user = authz::require_role(viewer, &[Role::Staff, Role::Admin], "create consultations")?.clone();
    let mut checks = Checks::new();
    let required = |checks: &mut Checks, field: &str, v: &Option<String>, max: usize, multiline: bool| -> String {
        match v {
            Some(v) => checks.take(domain::clean_text(field, v, 1, max, multiline)),
            None => {
                checks.fail(field, "is required");
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
            checks.fail("opensAt", "opensAt and closesAt are required");
            (util::now(), util::now())
        }
    };
    if closes_at <= opens_at {
        checks.fail("closesAt", "must be later than opensAt");
    }
    let sections = check_sections(&mut checks, input.sections.as_deref().unwrap_or_default());
    let Some(lead) = input.lead_department_id else {
        checks.fail("leadDepartmentId", "is required");
        return Err(checks.finish().err().unwrap_or(AppError::bad_input("leadDepartmentId", "is required")));
    };
    let cooperating = check_departments(&state.db.conn, &mut checks, lead, input.cooperating_department_ids.as_deref().unwrap_or_default()).await?;
    checks.finish()?;
    if viewer.role() == Some(Role::Staff) && user.department_id != Some(lead) {
        return Err(AppError::forbidden("Staff may only create consultations led by their own department."));
    }

    let now = util::now();
    let txn = state.db.begin().await?;
    let consultation = consultation::ActiveModel {
        id: Set(util::new_id()),
        search_text: Set(search_text(&title, &summary)),
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
    replace_sections(&*txn, consultation.id, &sections).await?;
    replace_cooperating(&*txn, consultation.id, &cooperating).await?;
    audit::record(&*txn, Some(user.id), "consultation.create", "Consultation", Some(consultation.id), json!({ "title": consultation.title })).await?;
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

async fn replace_sections(db: &impl ConnectionTrait, consultation_id: Uuid, sections: &CleanSections) -> AppResult<()> {
    section::Entity::delete_many().filter(section::Column::ConsultationId.eq(consultation_id)).exec(db).await?;
    if sections.0.is_empty() {
        return Ok(());
    }
    let rows = sections.0.iter().enumerate().map(|(i, (heading, body))| section::ActiveModel {
        id: Set(util::new_id()),
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

/// Loads a consultation for a manager's change, inside the transaction.
/// Reads a consultation for a change by its managers and locks its row until the transaction ends (a
/// no-op update: portable where `SELECT … FOR UPDATE` is not). Every check that follows rests on the
/// state as it stands: an edit that read "draft" cannot replace the sections of a consultation that a
/// concurrent publish has opened to comments, which no foreign key would catch on PostgreSQL (migration
/// 000009).
async fn load_for_manage<'a>(db: &impl ConnectionTrait, viewer: &'a Viewer, id: Uuid) -> AppResult<(consultation::Model, &'a entities::user::Model)> {
    let user = viewer.user()?;
    let statement = sql::statement(db, "UPDATE consultations SET updated_at = updated_at WHERE id = $1 RETURNING *", vec![id.into()]);
    let c = consultation::Entity::find().from_raw_sql(statement).one(db).await?.ok_or(AppError::NotFound("The consultation"))?;
    if !authz::can_see(viewer, &c) && !authz::can_manage(viewer, &c) {
        return Err(AppError::NotFound("The consultation"));
    }
    authz::require_manage(viewer, &c)?;
    Ok((c, user))
}

pub async fn update(state: &AppState, viewer: &Viewer, id: Uuid, input: ConsultationInput) -> AppResult<consultation::Model> {
    authz::require_role(viewer, &[Role::Staff, Role::Admin], "edit consultations")?;
    let txn = state.db.begin().await?;
    let (current, user) = load_for_manage(&*txn, viewer, id).await?;
    let status = status(&current)?;
    let draft = status == ConsultationStatus::Draft;
    if matches!(status, ConsultationStatus::Closed | ConsultationStatus::Concluded | ConsultationStatus::Withdrawn) {
        return Err(AppError::conflict("A closed, concluded or withdrawn consultation can no longer be changed."));
    }
    let mut checks = Checks::new();
    let mut active: consultation::ActiveModel = current.clone().into();
    let mut title = current.title.clone();
    let mut summary = current.summary.clone();
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
            checks.fail("body", "can only change while the consultation is a draft");
        }
        active.body = Set(checks.take(domain::clean_text("body", v, 1, 200_000, true)));
    }
    if input.sections.is_some() && !draft {
        checks.fail("sections", "can only change while the consultation is a draft");
    }
    if input.moderation.is_some() && !draft {
        checks.fail("moderation", "can only change while the consultation is a draft");
    }
    if let Some(m) = input.moderation {
        active.moderation = Set(m);
    }
    let mut opens_at = current.opens_at;
    let mut closes_at = current.closes_at;
    if let Some(o) = input.opens_at {
        if !matches!(status, ConsultationStatus::Draft | ConsultationStatus::Upcoming) {
            checks.fail("opensAt", "can only change before the consultation opens");
        }
        opens_at = o.trunc_micros();
    }
    if let Some(c) = input.closes_at {
        let c = c.trunc_micros();
        if status == ConsultationStatus::Open && c < current.closes_at {
            checks.fail("closesAt", "can only be extended while the consultation is open");
        }
        if status == ConsultationStatus::Open && c <= util::now() {
            checks.fail("closesAt", "must be in the future; use closeConsultation to close early");
        }
        closes_at = c;
    }
    if closes_at <= opens_at {
        checks.fail("closesAt", "must be later than opensAt");
    }
    let lead = input.lead_department_id.unwrap_or(current.lead_department_id);
    if lead != current.lead_department_id {
        if !draft {
            checks.fail("leadDepartmentId", "can only change while the consultation is a draft");
        }
        if !viewer.is_admin() {
            return Err(AppError::forbidden("Only an admin may hand a consultation to another department."));
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
                checks.fail("leadDepartmentId", "is already a cooperating department");
            }
            None
        }
    };
    checks.finish()?;

    active.search_text = Set(search_text(&title, &summary));
    active.title = Set(title);
    active.summary = Set(summary);
    active.opens_at = Set(opens_at);
    active.closes_at = Set(closes_at);
    active.lead_department_id = Set(lead);
    active.updated_at = Set(util::now());
    let updated = active.update(&*txn).await?;
    if let Some(sections) = sections {
        replace_sections(&*txn, id, &sections).await?;
    }
    if let Some(ids) = cooperating {
        replace_cooperating(&*txn, id, &ids).await?;
    }
    audit::record(&*txn, Some(user.id), "consultation.update", "Consultation", Some(id), json!({})).await?;
    txn.commit().await?;
    Ok(updated)
}

async fn transition(
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    action: &str,
    detail: serde_json::Value,
    change: impl FnOnce(&consultation::Model, ConsultationStatus, &mut consultation::ActiveModel) -> AppResult<()>,
) -> AppResult<consultation::Model> {
    authz::require_role(viewer, &[Role::Staff, Role::Admin], "manage consultations")?;
    let txn = state.db.begin().await?;
    let (current, user) = load_for_manage(&*txn, viewer, id).await?;
    let status = status(&current)?;
    let mut active: consultation::ActiveModel = current.clone().into();
    change(&current, status, &mut active)?;
    active.updated_at = Set(util::now());
    let updated = active.update(&*txn).await?;
    audit::record(&*txn, Some(user.id), action, "Consultation", Some(id), detail).await?;
    txn.commit().await?;
    Ok(updated)
}

pub async fn publish(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<consultation::Model> {
    transition(state, viewer, id, "consultation.publish", json!({}), |c, status, active| {
        if status != ConsultationStatus::Draft {
            return Err(AppError::conflict("Only a draft can be published."));
        }
        if c.closes_at <= util::now() {
            return Err(AppError::bad_input("closesAt", "must be in the future to publish"));
        }
        active.state = Set(ConsultationState::Published);
        active.published_at = Set(Some(util::now()));
        Ok(())
    })
    .await
}

pub async fn close(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<consultation::Model> {
    transition(state, viewer, id, "consultation.close", json!({}), |_, status, active| {
        if status != ConsultationStatus::Open {
            return Err(AppError::conflict("Only an open consultation can be closed."));
        }
        active.closes_at = Set(util::now());
        Ok(())
    })
    .await
}

pub async fn withdraw(state: &AppState, viewer: &Viewer, id: Uuid, reason: &str) -> AppResult<consultation::Model> {
    let reason = domain::clean_text("reason", reason, 1, 1000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    transition(state, viewer, id, "consultation.withdraw", json!({ "reason": reason }), |_, status, active| {
        if !matches!(status, ConsultationStatus::Draft | ConsultationStatus::Upcoming) {
            return Err(AppError::conflict("Only a draft or an upcoming consultation can be withdrawn."));
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
    authz::require_role(viewer, &[Role::Staff, Role::Admin], "conclude consultations")?;
    let summary = domain::clean_text("summary", summary, 1, 20_000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    let txn = state.db.begin().await?;
    let (current, user) = load_for_manage(&*txn, viewer, id).await?;
    if status(&current)? != ConsultationStatus::Closed {
        return Err(AppError::conflict("Only a closed consultation can be concluded."));
    }
    let counts: OutcomeCounts = sql::one(
        &*txn,
        "SELECT COUNT(*) AS total,
                COUNT(CASE WHEN reply_count > 0 THEN 1 END) AS replied,
                COUNT(CASE WHEN latest_adoption = 'ADOPTED' THEN 1 END) AS adopted,
                COUNT(CASE WHEN latest_adoption = 'PARTIALLY_ADOPTED' THEN 1 END) AS partially,
                COUNT(CASE WHEN latest_adoption = 'NOT_ADOPTED' THEN 1 END) AS not_adopted,
                COUNT(CASE WHEN latest_adoption = 'EXPLAINED' THEN 1 END) AS explained
         FROM comments WHERE consultation_id = $1 AND status = 'PUBLISHED'",
        vec![Value::from(id)],
    )
    .await?
    .unwrap_or_default();
    let n = |v: Option<i64>| Set(Some(i32::try_from(v.unwrap_or(0)).unwrap_or(i32::MAX)));
    let now = util::now();
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
    audit::record(&*txn, Some(user.id), "consultation.conclude", "Consultation", Some(id), json!({ "totalComments": counts.total })).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A consultation the viewer may see, or NOT_FOUND (a hidden draft does not reveal that it exists).
pub async fn get(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<consultation::Model> {
    let c = consultation::Entity::find_by_id(id).one(&state.db.conn).await?.ok_or(AppError::NotFound("The consultation"))?;
    if authz::can_see(viewer, &c) {
        Ok(c)
    } else {
        Err(AppError::NotFound("The consultation"))
    }
}

#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub status: Option<ConsultationStatus>,
    pub department_id: Option<Uuid>,
    pub category: Option<String>,
    pub search: Option<String>,
}

/// SQL conditions (and their values, numbered from `values.len() + 1`) selecting a status.
fn status_condition(status: ConsultationStatus, values: &mut Vec<Value>) -> String {
    let now = util::now();
    let mut param = |v: Value| {
        values.push(v);
        format!("${}", values.len())
    };
    match status {
        ConsultationStatus::Draft => "c.state = 'DRAFT'".to_owned(),
        ConsultationStatus::Withdrawn => "c.state = 'WITHDRAWN'".to_owned(),
        ConsultationStatus::Concluded => "c.state = 'CONCLUDED'".to_owned(),
        ConsultationStatus::Upcoming => format!("c.state = 'PUBLISHED' AND c.opens_at > {}", param(now.into())),
        ConsultationStatus::Open => {
            let a = param(now.into());
            let b = param(now.into());
            format!("c.state = 'PUBLISHED' AND c.opens_at <= {a} AND c.closes_at > {b}")
        }
        ConsultationStatus::Closed => format!("c.state = 'PUBLISHED' AND c.closes_at <= {}", param(now.into())),
    }
}

pub struct ListResult {
    pub page: Page<consultation::Model>,
    pub total: i64,
}

/// The public list (published and concluded), or drafts and withdrawn ones the viewer may manage when
/// the filter asks for those statuses.
pub async fn list(state: &AppState, viewer: &Viewer, filter: &ListFilter, first: Option<i32>, after: Option<&str>) -> AppResult<ListResult> {
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let query = list_query(viewer, filter, first, after)?;
    let total = sql::count(&state.db.conn, &query.count_sql, query.count_values).await?;
    let rows = consultation::Entity::find().from_raw_sql(sql::statement(&state.db.conn, &query.page_sql, query.page_values)).all(&state.db.conn).await?;
    Ok(ListResult { page: Page::from_rows(rows, first), total })
}

/// The SQL of one page of the consultation list and of its count. Separate from `list` so that a test
/// can ask PostgreSQL for its plans.
pub struct ListQuery {
    pub page_sql: String,
    pub page_values: Vec<Value>,
    pub count_sql: String,
    pub count_values: Vec<Value>,
}

pub fn list_query(viewer: &Viewer, filter: &ListFilter, first: u64, after: Option<Uuid>) -> AppResult<ListQuery> {
    let mut values: Vec<Value> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    match filter.status {
        Some(status @ (ConsultationStatus::Draft | ConsultationStatus::Withdrawn)) => {
            conditions.push(status_condition(status, &mut values));
            if !viewer.is_admin() {
                match viewer.staff_department() {
                    Some(department) => {
                        values.push(department.into());
                        conditions.push(format!("c.lead_department_id = ${}", values.len()));
                    }
                    None => conditions.push("1 = 0".to_owned()),
                }
            }
        }
        Some(status) => conditions.push(status_condition(status, &mut values)),
        None => conditions.push("c.state IN ('PUBLISHED', 'CONCLUDED')".to_owned()),
    }
    if let Some(department) = filter.department_id {
        values.push(department.into());
        let n = values.len();
        conditions.push(format!(
            "(c.lead_department_id = ${n} OR EXISTS (SELECT 1 FROM consultation_departments d WHERE d.consultation_id = c.id AND d.department_id = ${n}))"
        ));
    }
    // A NUL is in no stored text (text fields refuse control characters) and PostgreSQL refuses it
    // in a parameter: such a filter matches nothing, on either database.
    let unmatchable = [&filter.category, &filter.search].iter().any(|f| f.as_deref().is_some_and(|v| v.contains('\0')));
    if unmatchable {
        conditions.push("1 = 0".to_owned());
    }
    if let Some(category) = filter.category.as_deref().map(str::trim).filter(|c| !c.is_empty() && !unmatchable) {
        values.push(category.to_owned().into());
        conditions.push(format!("c.category = ${}", values.len()));
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty() && !unmatchable) {
        if search.chars().count() > 100 {
            return Err(AppError::bad_input("filter.search", "must be at most 100 characters"));
        }
        let escaped = search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
        values.push(format!("%{escaped}%").into());
        conditions.push(format!("c.search_text LIKE ${} ESCAPE '\\'", values.len()));
    }
    let where_clause = conditions.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM consultations c WHERE {where_clause}");
    let count_values = values.clone();
    let mut page_where = where_clause;
    if let Some(after) = after {
        values.push(after.into());
        page_where = format!("{page_where} AND c.id < ${}", values.len());
    }
    let page_sql = format!("SELECT c.* FROM consultations c WHERE {page_where} ORDER BY c.id DESC LIMIT {}", first + 1);
    Ok(ListQuery { page_sql, page_values: values, count_sql, count_values })
}

/// A department's own consultations, every status, for its staff and admins.
pub async fn department_list(
    state: &AppState,
    viewer: &Viewer,
    department_id: Uuid,
    status: Option<ConsultationStatus>,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<ListResult> {
    if !(viewer.is_admin() || viewer.staff_department() == Some(department_id)) {
        return Err(AppError::forbidden("Only the department's staff and admins may list its consultations."));
    }
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut values: Vec<Value> = vec![department_id.into()];
    let mut conditions = vec!["c.lead_department_id = $1".to_owned()];
    if let Some(status) = status {
        conditions.push(status_condition(status, &mut values));
    }
    let where_clause = conditions.join(" AND ");
    let total = sql::count(&state.db.conn, &format!("SELECT COUNT(*) FROM consultations c WHERE {where_clause}"), values.clone()).await?;
    let mut page_where = where_clause;
    if let Some(after) = after {
        values.push(after.into());
        page_where = format!("{page_where} AND c.id < ${}", values.len());
    }
    let sql_text = format!("SELECT c.* FROM consultations c WHERE {page_where} ORDER BY c.id DESC LIMIT {}", first + 1);
    let rows = consultation::Entity::find().from_raw_sql(sql::statement(&state.db.conn, &sql_text, values)).all(&state.db.conn).await?;
    Ok(ListResult { page: Page::from_rows(rows, first), total })
}

pub async fn sections_of(db: &impl ConnectionTrait, consultation_id: Uuid) -> AppResult<Vec<section::Model>> {
    Ok(section::Entity::find()
        .filter(section::Column::ConsultationId.eq(consultation_id))
        .order_by_asc(section::Column::Ordinal)
        .all(db)
        .await?)
}

pub async fn cooperating_of(db: &impl ConnectionTrait, consultation_id: Uuid) -> AppResult<Vec<department::Model>> {
    let links = consultation_department::Entity::find()
        .filter(consultation_department::Column::ConsultationId.eq(consultation_id))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = links.iter().map(|l| l.department_id).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(department::Entity::find().filter(department::Column::Id.is_in(ids)).order_by_asc(department::Column::Code).all(db).await?)
}
