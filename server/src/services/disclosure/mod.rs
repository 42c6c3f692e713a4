//! Disclosure requests (依申请公开), after the Regulations on the Disclosure of Government Information
//! (2019): any person asks a department for government information, and the department answers within
//! the law's deadlines, counted in working days on the holiday calendar.
//!
//! The clock. A request is due 20 working days after the day it counts as received (Art. 33). Its row
//! keeps the deadline as set (`due_at`: a later change of the calendar does not move it) and, while it
//! waits on someone, when that wait lapses (`lapses_at`). What the clock does by itself is read from
//! those two instants, like a consultation's status, so no job has to run on time for the answer to be
//! right: a correction not answered, or a fee not paid, by `lapses_at` is ABANDONED (OTHER with its
//! reason); a third party's 15 working days that ran out put the request back to PROCESSING, its
//! deadline already moved by those 15 days. `status_at` is that rule; `status_condition` is its SQL.
//!
//! - `requests`: what applicants do (submit, respond to a correction, withdraw) and staff recording a
//!   request that came on paper; `handling`: the department's steps; `report`: the annual report.

pub mod fees;
pub mod handling;
pub mod report;
pub mod requests;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

use crate::calendar::Calendar;
use crate::domain::{
    AppealKind, AppealResult, ApplicantType, DeliveryMethod, DisclosureChannel, DisclosureEventKind, DisclosureForm, DisclosureOutcome,
    DisclosureReason, DisclosureStatus, FeeBasis, IdDocumentType, Role,
};
use crate::error::{AppError, AppResult};
use crate::services::authz::Viewer;
use crate::services::pagination::{self, Page};
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::{t, util};

/// Working days a department has to answer (Art. 33).
pub const ANSWER_WORKING_DAYS: u32 = 20;
/// The most an answer may be extended, once (Art. 33).
pub const MAX_EXTENSION_WORKING_DAYS: i32 = 20;
/// A correction notice may be sent within this many working days of receipt (Art. 30).
pub const CORRECTION_WITHIN_WORKING_DAYS: u32 = 7;
/// Working days a consulted third party has (Art. 32); the clock stops meanwhile.
pub const THIRD_PARTY_WORKING_DAYS: u32 = 15;
/// Working days an applicant has to pay a fee notice before the request is abandoned.
pub const PAYMENT_WORKING_DAYS: u32 = 20;

pub(crate) const NOT_FOUND: AppError = AppError::NotFound(t!("not-found-disclosure-request"));

/// A request's row (every column but the reminder marks).
#[derive(Clone, Debug, FromQueryResult)]
pub struct Request {
    pub id: Uuid,
    pub department_id: Uuid,
    pub tracking_number: String,
    pub year: i32,
    pub seq: i32,
    pub applicant_id: Option<Uuid>,
    pub recorded_by: Option<Uuid>,
    pub client_request_id: Option<String>,
    pub channel: DisclosureChannel,
    pub applicant_type: ApplicantType,
    pub applicant_name: String,
    pub organization_code: Option<String>,
    pub id_document_type: Option<IdDocumentType>,
    pub id_document_sealed: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub description: String,
    pub purpose: Option<String>,
    pub preferred_form: DisclosureForm,
    pub delivery_method: DeliveryMethod,
    pub status: DisclosureStatus,
    pub received_at: DateTime<Utc>,
    pub clock_from: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub lapses_at: Option<DateTime<Utc>>,
    pub paused_at: Option<DateTime<Utc>>,
    pub due_before_pause: Option<DateTime<Utc>>,
    pub paused_working_days: i32,
    pub correction_requested_at: Option<DateTime<Utc>>,
    pub correction_respond_by: Option<DateTime<Utc>>,
    pub correction_items: Option<String>,
    pub correction_responded_at: Option<DateTime<Utc>>,
    pub correction_response: Option<String>,
    pub extended_at: Option<DateTime<Utc>>,
    pub extension_days: Option<i32>,
    pub extension_reason: Option<String>,
    pub extension_approved_by: Option<String>,
    pub fee_basis: Option<FeeBasis>,
    pub fee_quantity: Option<i32>,
    pub fee_amount_yuan: Option<i64>,
    pub fee_notice_at: Option<DateTime<Utc>>,
    pub fee_pay_by: Option<DateTime<Utc>>,
    pub fee_paid_at: Option<DateTime<Utc>>,
    pub outcome: Option<DisclosureOutcome>,
    pub reason: Option<DisclosureReason>,
    pub answer_body: Option<String>,
    pub referred_to: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub(crate) const COLUMNS: &str = "id, department_id, tracking_number, year, seq, applicant_id, recorded_by, client_request_id, channel,
    applicant_type, applicant_name, organization_code, id_document_type, id_document_sealed, phone, email, address, postal_code,
    description, purpose, preferred_form, delivery_method, status, received_at, clock_from, due_at, lapses_at, paused_at,
    due_before_pause, paused_working_days, correction_requested_at, correction_respond_by, correction_items, correction_responded_at,
    correction_response, extended_at, extension_days, extension_reason, extension_approved_by, fee_basis, fee_quantity,
    fee_amount_yuan, fee_notice_at, fee_pay_by, fee_paid_at, outcome, reason, answer_body, referred_to, answered_at, answered_by,
    closed_at, created_at, updated_at";

/// How a request ended, as its answer shows: the department's, or the clock's abandonment.
#[derive(Clone, Debug)]
pub struct Answer {
    pub outcome: DisclosureOutcome,
    pub reason: Option<DisclosureReason>,
    pub body: Option<String>,
    pub referred_to: Option<String>,
    pub answered_at: DateTime<Utc>,
    pub answered_by: Option<Uuid>,
}

impl Request {
    /// Whether the wait the request is in has run out at `now`.
    fn lapsed(&self, now: DateTime<Utc>) -> bool {
        self.lapses_at.is_some_and(|at| at < now)
    }

    /// The status at `now`: the stored one, or what the clock made of it (see the module's comment).
    pub fn status_at(&self, now: DateTime<Utc>) -> DisclosureStatus {
        match self.status {
            DisclosureStatus::AwaitingCorrection | DisclosureStatus::AwaitingPayment if self.lapsed(now) => DisclosureStatus::Abandoned,
            DisclosureStatus::AwaitingThirdParty if self.lapsed(now) => DisclosureStatus::Processing,
            status => status,
        }
    }

    /// Still unanswered after its deadline, with the clock running.
    pub fn overdue_at(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now) == DisclosureStatus::Processing && self.due_at < now
    }

    /// The answer, or the clock's closing of an abandoned request (OTHER, with why, at the moment the
    /// wait lapsed).
    pub fn answer_at(&self, now: DateTime<Utc>) -> Option<Answer> {
        if let (Some(outcome), Some(answered_at)) = (self.outcome, self.answered_at) {
            return Some(Answer {
                outcome,
                reason: self.reason,
                body: self.answer_body.clone(),
                referred_to: self.referred_to.clone(),
                answered_at,
                answered_by: self.answered_by,
            });
        }
        let reason = match (self.status_at(now), self.status) {
            (DisclosureStatus::Abandoned, DisclosureStatus::AwaitingCorrection) => DisclosureReason::NotCorrectedInTime,
            (DisclosureStatus::Abandoned, DisclosureStatus::AwaitingPayment) => DisclosureReason::FeeNotPaid,
            _ => return None,
        };
        Some(Answer { outcome: DisclosureOutcome::Other, reason: Some(reason), body: None, referred_to: None, answered_at: self.lapses_at?, answered_by: None })
    }

    /// Working days the clock has run: from the day it counts from to today (or to the day it stopped
    /// or the request closed), less the days it stood still for a third party or a fee.
    pub fn working_days_used(&self, calendar: &Calendar, now: DateTime<Utc>) -> u32 {
        let mut end = self.closed_at.unwrap_or(now).min(now);
        let mut paused = u32::try_from(self.paused_working_days).unwrap_or(0);
        if let Some(paused_at) = self.paused_at {
            match (self.status, self.lapses_at) {
                // The third party's time ran out: the clock stood still for those days, then ran again.
                (DisclosureStatus::AwaitingThirdParty, Some(lapse)) if lapse < now => {
                    paused += calendar.working_days_between(calendar.local_date(paused_at), calendar.local_date(lapse));
                }
                _ => end = end.min(paused_at),
            }
        }
        if let Some(lapse) = self.lapses_at.filter(|_| self.status_at(now) == DisclosureStatus::Abandoned) {
            end = end.min(lapse);
        }
        calendar.working_days_between(calendar.local_date(self.clock_from), calendar.local_date(end)).saturating_sub(paused)
    }

    /// Whether the request still waits for the department or the applicant (not answered, withdrawn or
    /// abandoned).
    pub fn is_open_at(&self, now: DateTime<Utc>) -> bool {
        !matches!(self.status_at(now), DisclosureStatus::Answered | DisclosureStatus::Withdrawn | DisclosureStatus::Abandoned)
    }
}

/// The SQL of `status_at`: the rows whose status at `now` is `status`.
pub fn status_condition(params: &mut Params, status: DisclosureStatus, now: DateTime<Utc>) -> String {
    let at = params.bind(now);
    let lapsed = format!("(lapses_at IS NOT NULL AND lapses_at < {at})");
    let is = |params: &mut Params, s: DisclosureStatus| format!("status = {}", params.bind(s));
    match status {
        DisclosureStatus::Processing => {
            let processing = is(params, DisclosureStatus::Processing);
            let third = is(params, DisclosureStatus::AwaitingThirdParty);
            format!("({processing} OR ({third} AND {lapsed}))")
        }
        DisclosureStatus::AwaitingCorrection | DisclosureStatus::AwaitingThirdParty | DisclosureStatus::AwaitingPayment => {
            format!("({} AND NOT {lapsed})", is(params, status))
        }
        DisclosureStatus::Abandoned => {
            let abandoned = is(params, DisclosureStatus::Abandoned);
            let waiting = params.bind_all([DisclosureStatus::AwaitingCorrection, DisclosureStatus::AwaitingPayment]);
            format!("({abandoned} OR (status IN ({waiting}) AND {lapsed}))")
        }
        DisclosureStatus::Answered | DisclosureStatus::Withdrawn => is(params, status),
    }
}

/// The SQL of `overdue_at`.
pub fn overdue_condition(params: &mut Params, now: DateTime<Utc>) -> String {
    let processing = status_condition(params, DisclosureStatus::Processing, now);
    format!("({processing} AND due_at < {})", params.bind(now))
}

/// What a viewer may see of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// The department's staff: everything, the identity document number in full.
    Staff,
    /// Admins and the applicant: everything, the identity document number masked.
    Personal,
    /// Evaluators: the request without the applicant's personal data.
    Anonymised,
}

impl Access {
    pub fn personal(self) -> bool {
        self != Access::Anonymised
    }
}

/// Who may read a request: the applicant, the department's staff, admins and evaluators (without
/// personal data); nobody else learns that it exists.
pub fn access(viewer: &Viewer, r: &Request) -> Option<Access> {
    match viewer.role()? {
        Role::Staff if viewer.staff_department() == Some(r.department_id) => Some(Access::Staff),
        Role::Admin => Some(Access::Personal),
        Role::Evaluator => Some(Access::Anonymised),
        _ if r.applicant_id.is_some() && r.applicant_id == viewer.user_id() => Some(Access::Personal),
        _ => None,
    }
}

/// Who handles a request: the department's staff and admins.
pub fn can_handle(viewer: &Viewer, department_id: Uuid) -> bool {
    viewer.is_admin() || viewer.staff_department() == Some(department_id)
}

pub(crate) async fn load(db: &impl ConnectionTrait, id: Uuid) -> AppResult<Option<Request>> {
    sql::one(db, &format!("SELECT {COLUMNS} FROM disclosure_requests WHERE id = $1"), vec![id.into()]).await
}

/// A request the viewer may read, with what they may see of it; NOT_FOUND otherwise.
pub async fn get(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<(Request, Access)> {
    let r = load(&state.db.conn, id).await?.ok_or(NOT_FOUND)?;
    let access = access(viewer, &r).ok_or(NOT_FOUND)?;
    Ok((r, access))
}

/// The identity document number as `access` may see it: in full for the department's staff, masked
/// for the applicant and admins, not at all for evaluators.
pub fn id_document_number(state: &AppState, r: &Request, access: Access) -> AppResult<Option<String>> {
    let Some(sealed) = &r.id_document_sealed else { return Ok(None) };
    if access == Access::Anonymised {
        return Ok(None);
    }
    let number = state.data_key.open(r.id.as_bytes(), sealed).map_err(AppError::internal)?;
    Ok(Some(if access == Access::Staff { number } else { crate::data_key::mask(&number) }))
}

/// A third party consulted on a request.
#[derive(Clone, Debug, FromQueryResult)]
pub struct ThirdParty {
    pub id: Uuid,
    pub third_party: String,
    pub started_at: DateTime<Utc>,
    pub respond_by: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub opinion: Option<String>,
}

pub async fn third_parties(state: &AppState, request: Uuid) -> AppResult<Vec<ThirdParty>> {
    sql::all(
        &state.db.conn,
        "SELECT id, third_party, started_at, respond_by, ended_at, opinion FROM disclosure_third_parties WHERE request_id = $1 ORDER BY id",
        vec![request.into()],
    )
    .await
}

/// An administrative reconsideration or lawsuit about a request's answer.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Appeal {
    pub id: Uuid,
    pub kind: AppealKind,
    pub result: AppealResult,
    pub filed_on: String,
    pub decided_on: Option<String>,
}

pub async fn appeals(state: &AppState, request: Uuid) -> AppResult<Vec<Appeal>> {
    sql::all(&state.db.conn, "SELECT id, kind, result, filed_on, decided_on FROM disclosure_appeals WHERE request_id = $1 ORDER BY id", vec![request.into()]).await
}

/// An entry of a request's timeline.
#[derive(Clone, Debug, FromQueryResult)]
pub struct Event {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub kind: DisclosureEventKind,
    pub note: Option<String>,
    pub actor_id: Option<Uuid>,
}

/// The timeline, oldest first, with what the clock did by itself (a third party's time running out, an
/// abandonment) at the moment it happened.
pub async fn events(state: &AppState, r: &Request) -> AppResult<Vec<Event>> {
    let mut events: Vec<Event> =
        sql::all(&state.db.conn, "SELECT id, at, kind, note, actor_id FROM disclosure_events WHERE request_id = $1 ORDER BY at, id", vec![r.id.into()]).await?;
    let now = state.clock.now();
    if let Some(lapse) = r.lapses_at.filter(|at| *at < now) {
        let kind = match r.status {
            DisclosureStatus::AwaitingThirdParty => Some(DisclosureEventKind::ThirdPartyLapsed),
            DisclosureStatus::AwaitingCorrection | DisclosureStatus::AwaitingPayment => Some(DisclosureEventKind::Abandoned),
            _ => None,
        };
        if let Some(kind) = kind {
            events.push(Event { id: Uuid::nil(), at: lapse, kind, note: None, actor_id: None });
        }
    }
    Ok(events)
}

/// Appends an entry to a request's timeline.
pub(crate) async fn record_event(
    db: &impl ConnectionTrait,
    state: &AppState,
    request: Uuid,
    kind: DisclosureEventKind,
    note: Option<String>,
    actor: Option<Uuid>,
) -> AppResult<()> {
    let (id, at) = state.clock.new_id_and_time();
    sql::execute(
        db,
        "INSERT INTO disclosure_events (id, request_id, at, kind, note, actor_id) VALUES ($1, $2, $3, $4, $5, $6)",
        vec![id.into(), request.into(), at.into(), kind.into(), note.into(), actor.into()],
    )
    .await?;
    Ok(())
}

/// A page of requests and the query counting the whole list.
pub struct RequestList {
    pub page: Page<Request>,
    pub cursors: Vec<String>,
    pub total: pagination::Total,
}

/// The viewer's own requests, newest first.
pub async fn own(state: &AppState, viewer: &Viewer, first: Option<i32>, after: Option<&str>) -> AppResult<RequestList> {
    let user = viewer.user()?;
    let first = pagination::page_size(first)?;
    let after = pagination::parse_id_cursor(after)?;
    let mut params = Params::new();
    let applicant = params.bind(user.id);
    let count_sql = format!("SELECT COUNT(*) FROM disclosure_requests WHERE applicant_id = {applicant}");
    let count_values = params.clone().into_values();
    let keyset = after.map(|id| format!(" AND id < {}", params.bind(id))).unwrap_or_default();
    let page_sql = format!("SELECT {COLUMNS} FROM disclosure_requests WHERE applicant_id = {applicant}{keyset} ORDER BY id DESC LIMIT {}", first + 1);
    let rows: Vec<Request> = sql::all(&state.db.conn, &page_sql, params.into_values()).await?;
    let page = Page::from_rows(rows, first);
    let cursors = page.items.iter().map(|r| pagination::id_cursor(r.id)).collect();
    Ok(RequestList { page, cursors, total: pagination::Total::Query(count_sql, count_values) })
}

fn due_cursor(r: &Request) -> String {
    util::encode_cursor(&[&r.due_at.to_rfc3339(), &r.id.to_string()])
}

fn parse_due_cursor(after: Option<&str>) -> AppResult<Option<(DateTime<Utc>, Uuid)>> {
    let Some(after) = after else { return Ok(None) };
    util::decode_cursor(after)
        .and_then(|parts| match parts.as_slice() {
            [at, id] => Some((DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc), id.parse().ok()?)),
            _ => None,
        })
        .map(Some)
        .ok_or_else(|| AppError::bad_input("after", t!("field-bad-cursor")))
}

/// A department's requests, oldest due first (its staff, admins, and evaluators without personal
/// data), by their status at `now` and whether they are overdue.
pub async fn department_list(
    state: &AppState,
    viewer: &Viewer,
    department: Uuid,
    status: Option<DisclosureStatus>,
    overdue: Option<bool>,
    first: Option<i32>,
    after: Option<&str>,
) -> AppResult<RequestList> {
    viewer.user()?;
    if !(can_handle(viewer, department) || viewer.role() == Some(Role::Evaluator)) {
        return Err(AppError::forbidden(t!("error-disclosure-department-only")));
    }
    let first = pagination::page_size(first)?;
    let after = parse_due_cursor(after)?;
    let now = state.clock.now();
    let mut params = Params::new();
    let mut conditions = vec![format!("department_id = {}", params.bind(department))];
    if let Some(status) = status {
        conditions.push(status_condition(&mut params, status, now));
    }
    match overdue {
        Some(true) => conditions.push(overdue_condition(&mut params, now)),
        Some(false) => {
            let overdue = overdue_condition(&mut params, now);
            conditions.push(format!("NOT {overdue}"));
        }
        None => {}
    }
    let filter = conditions.join(" AND ");
    let count_sql = format!("SELECT COUNT(*) FROM disclosure_requests WHERE {filter}");
    let count_values = params.clone().into_values();
    let keyset = match after {
        Some((due, id)) => {
            let (due, id) = (params.bind(due), params.bind(id));
            format!(" AND (due_at > {due} OR (due_at = {due} AND id > {id}))")
        }
        None => String::new(),
    };
    let page_sql = format!("SELECT {COLUMNS} FROM disclosure_requests WHERE {filter}{keyset} ORDER BY due_at, id LIMIT {}", first + 1);
    let rows: Vec<Request> = sql::all(&state.db.conn, &page_sql, params.into_values()).await?;
    let page = Page::from_rows(rows, first);
    let cursors = page.items.iter().map(due_cursor).collect();
    Ok(RequestList { page, cursors, total: pagination::Total::Query(count_sql, count_values) })
}
