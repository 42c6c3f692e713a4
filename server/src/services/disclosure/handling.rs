//! The department's steps on a request, each by its staff or an admin, in one transaction with its
//! timeline entry, audit entry and the applicant's notification: a correction notice (once, within 7
//! working days of receipt), an extension (once, at most 20 working days, before the deadline), a
//! third party consulted (the clock stops for at most 15 working days), a fee notice (the clock stops
//! until payment), the answer, and the appeals against it.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use super::requests::notify_applicant;
use super::{fees, load, record_event, Request, NOT_FOUND};
use crate::calendar::Calendar;
use crate::domain::{
    self, AppealKind, AppealResult, Checks, DisclosureEventKind, DisclosureOutcome, DisclosureReason, DisclosureStatus, FeeBasis, NotificationKind,
};
use crate::error::{AppError, AppResult};
use crate::services::authz::Viewer;
use crate::services::{audit, calendar};
use crate::sql;
use crate::state::AppState;
use crate::t;

/// The reasons each outcome takes; an outcome with none takes no reason.
pub fn reasons_of(outcome: DisclosureOutcome) -> &'static [DisclosureReason] {
    use DisclosureReason::*;
    match outcome {
        DisclosureOutcome::Disclosed | DisclosureOutcome::PartiallyDisclosed => &[],
        DisclosureOutcome::Withheld => &[
            StateSecret,
            ProhibitedByLaw,
            EndangersSecurity,
            ThirdPartyRights,
            InternalAffairs,
            ProcessInformation,
            EnforcementCaseFile,
            AdministrativeInquiry,
        ],
        DisclosureOutcome::UnableToProvide => &[NotHeld, NeedsCreation, UnclearAfterCorrection],
        DisclosureOutcome::NotProcessed => &[PetitionOrComplaint, RepeatedRequest, Publication, ExcessiveRequests, ConfirmationRequest],
        DisclosureOutcome::Other => &[NotCorrectedInTime, FeeNotPaid, OtherReason],
    }
}

/// The reasons only the clock records (an abandonment), never a person.
const CLOCK_REASONS: [DisclosureReason; 2] = [DisclosureReason::NotCorrectedInTime, DisclosureReason::FeeNotPaid];

/// A request the viewer handles, read in the transaction, with a third party's lapsed time settled (so
/// that what follows starts from the request as the clock left it); NOT_FOUND or FORBIDDEN otherwise.
async fn handled(db: &impl ConnectionTrait, state: &AppState, viewer: &Viewer, id: Uuid, calendar: &Calendar) -> AppResult<Request> {
    viewer.user()?;
    let r = load(db, id).await?.ok_or(NOT_FOUND)?;
    if super::access(viewer, &r).is_none() {
        return Err(NOT_FOUND);
    }
    if !super::can_handle(viewer, r.department_id) {
        return Err(AppError::forbidden(t!("error-disclosure-department-only")));
    }
    let now = state.clock.now();
    match (r.status, r.lapses_at, r.paused_at) {
        (DisclosureStatus::AwaitingThirdParty, Some(lapse), Some(paused)) if lapse < now => {
            let days = calendar.working_days_between(calendar.local_date(paused), calendar.local_date(lapse));
            sql::execute(
                db,
                "UPDATE disclosure_requests SET status = $1, paused_at = NULL, lapses_at = NULL, due_before_pause = NULL,
                     paused_working_days = paused_working_days + $2, updated_at = $3 WHERE id = $4",
                vec![DisclosureStatus::Processing.into(), i64::from(days).into(), now.into(), id.into()],
            )
            .await?;
            end_open_third_party(db, id, lapse, None).await?;
            load(db, id).await?.ok_or(NOT_FOUND)
        }
        _ => Ok(r),
    }
}

/// Ends the third-party consultation still open on a request, if any.
pub(crate) async fn end_open_third_party(db: &impl ConnectionTrait, request: Uuid, at: DateTime<Utc>, opinion: Option<String>) -> AppResult<u64> {
    sql::execute(db, "UPDATE disclosure_third_parties SET ended_at = $1, opinion = $2 WHERE request_id = $3 AND ended_at IS NULL", vec![at.into(), opinion.into(), request.into()]).await
}

/// The step needs the clock running (PROCESSING); CONFLICT saying where the request stands otherwise.
fn require_processing(r: &Request, now: DateTime<Utc>) -> AppResult<()> {
    match r.status_at(now) {
        DisclosureStatus::Processing => Ok(()),
        DisclosureStatus::Answered | DisclosureStatus::Withdrawn | DisclosureStatus::Abandoned => Err(AppError::conflict(t!("error-disclosure-closed"))),
        _ => Err(AppError::conflict(t!("error-disclosure-waiting"))),
    }
}

/// Finishes a step: the timeline, the audit entry, the notification, the commit; returns the request.
async fn finish(
    txn: crate::db::WriteTxn,
    state: &AppState,
    viewer: &Viewer,
    id: Uuid,
    event: (DisclosureEventKind, Option<String>),
    action: &str,
    details: serde_json::Value,
    notify: Option<NotificationKind>,
) -> AppResult<Request> {
    record_event(&*txn, state, id, event.0, event.1, viewer.user_id()).await?;
    audit::record(&*txn, &state.clock, viewer.user_id(), action, "DisclosureRequest", Some(id), details).await?;
    let r = load(&*txn, id).await?.ok_or(NOT_FOUND)?;
    let written = match notify {
        Some(kind) => notify_applicant(&*txn, state, kind, &r, &[]).await?,
        None => Default::default(),
    };
    txn.commit_private().await?;
    written.announce(state);
    Ok(r)
}

/// A correction notice (补正, Art. 30): once, within 7 working days of receipt, saying what is missing;
/// the applicant has `working_days` to respond, and the clock starts again on the response.
pub async fn request_correction(state: &AppState, viewer: &Viewer, id: Uuid, items: &str, working_days: i32) -> AppResult<Request> {
    let mut checks = Checks::new();
    let items = checks.take(domain::clean_text("input.items", items, 1, 2_000, true));
    if !(1..=30).contains(&working_days) {
        checks.fail("input.workingDays", t!("field-between", min = 1, max = 30));
    }
    checks.finish()?;
    let calendar = calendar::current(state).await?;
    let txn = state.db.begin().await?;
    let r = handled(&*txn, state, viewer, id, &calendar).await?;
    let now = state.clock.now();
    require_processing(&r, now)?;
    if r.correction_requested_at.is_some() {
        return Err(AppError::conflict(t!("error-disclosure-correction-once")));
    }
    let last_day = calendar.nth_working_day_after(calendar.local_date(r.received_at), super::CORRECTION_WITHIN_WORKING_DAYS);
    if calendar.local_date(now) > last_day {
        return Err(AppError::conflict(t!("error-disclosure-correction-late", days = i64::from(super::CORRECTION_WITHIN_WORKING_DAYS))));
    }
    let respond_by = calendar.due_at(now, working_days.unsigned_abs());
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET status = $1, correction_requested_at = $2, correction_respond_by = $3, correction_items = $4,
             paused_at = $2, lapses_at = $3, updated_at = $2 WHERE id = $5",
        vec![DisclosureStatus::AwaitingCorrection.into(), now.into(), respond_by.into(), items.clone().into(), id.into()],
    )
    .await?;
    finish(
        txn,
        state,
        viewer,
        id,
        (DisclosureEventKind::CorrectionRequested, Some(items)),
        "disclosure.request_correction",
        json!({ "respondBy": respond_by }),
        Some(NotificationKind::DisclosureCorrectionRequested),
    )
    .await
}

/// One extension of at most 20 working days, decided before the deadline, with who approved it and why.
pub async fn extend(state: &AppState, viewer: &Viewer, id: Uuid, working_days: i32, reason: &str, approved_by: &str) -> AppResult<Request> {
    let mut checks = Checks::new();
    let reason = checks.take(domain::clean_text("input.reason", reason, 1, 1_000, true));
    let approved_by = checks.take(domain::clean_text("input.approvedBy", approved_by, 1, 100, false));
    if !(1..=super::MAX_EXTENSION_WORKING_DAYS).contains(&working_days) {
        checks.fail("input.workingDays", t!("field-between", min = 1, max = i64::from(super::MAX_EXTENSION_WORKING_DAYS)));
    }
    checks.finish()?;
    let calendar = calendar::current(state).await?;
    let txn = state.db.begin().await?;
    let r = handled(&*txn, state, viewer, id, &calendar).await?;
    let now = state.clock.now();
    require_processing(&r, now)?;
    if r.extended_at.is_some() {
        return Err(AppError::conflict(t!("error-disclosure-extended-once")));
    }
    if r.due_at < now {
        return Err(AppError::conflict(t!("error-disclosure-extend-after-deadline")));
    }
    let due_at = calendar.due_at(r.due_at, working_days.unsigned_abs());
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET due_at = $1, extended_at = $2, extension_days = $3, extension_reason = $4, extension_approved_by = $5,
             updated_at = $2 WHERE id = $6",
        vec![due_at.into(), now.into(), working_days.into(), reason.clone().into(), approved_by.clone().into(), id.into()],
    )
    .await?;
    finish(
        txn,
        state,
        viewer,
        id,
        (DisclosureEventKind::Extended, Some(reason)),
        "disclosure.extend",
        json!({ "workingDays": working_days, "dueAt": due_at, "approvedBy": approved_by }),
        Some(NotificationKind::DisclosureExtended),
    )
    .await
}

/// Consults a third party (Art. 32): the clock stops for at most 15 working days. The deadline is
/// moved by the full 15 at once, and given back what the third party did not use when it answers.
pub async fn start_third_party(state: &AppState, viewer: &Viewer, id: Uuid, third_party: &str) -> AppResult<Request> {
    let third_party = domain::clean_text("input.thirdParty", third_party, 1, 200, false).map_err(|e| AppError::BadInput(vec![e]))?;
    let calendar = calendar::current(state).await?;
    let txn = state.db.begin().await?;
    let r = handled(&*txn, state, viewer, id, &calendar).await?;
    let (consultation_id, now) = state.clock.new_id_and_time();
    require_processing(&r, now)?;
    let respond_by = calendar.due_at(now, super::THIRD_PARTY_WORKING_DAYS);
    let due_at = calendar.due_at(r.due_at, super::THIRD_PARTY_WORKING_DAYS);
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET status = $1, paused_at = $2, lapses_at = $3, due_before_pause = due_at, due_at = $4, updated_at = $2 WHERE id = $5",
        vec![DisclosureStatus::AwaitingThirdParty.into(), now.into(), respond_by.into(), due_at.into(), id.into()],
    )
    .await?;
    sql::execute(
        &*txn,
        "INSERT INTO disclosure_third_parties (id, request_id, third_party, started_at, respond_by) VALUES ($1, $2, $3, $4, $5)",
        vec![consultation_id.into(), id.into(), third_party.clone().into(), now.into(), respond_by.into()],
    )
    .await?;
    finish(txn, state, viewer, id, (DisclosureEventKind::ThirdPartyStarted, Some(third_party)), "disclosure.third_party_start", json!({ "respondBy": respond_by }), None).await
}

/// The third party's opinion came (or staff record that none will): the clock runs again, the
/// deadline moved by the working days it stood still.
pub async fn end_third_party(state: &AppState, viewer: &Viewer, id: Uuid, opinion: &str) -> AppResult<Request> {
    let opinion = domain::clean_text("input.opinion", opinion, 1, 5_000, true).map_err(|e| AppError::BadInput(vec![e]))?;
    let calendar = calendar::current(state).await?;
    let txn = state.db.begin().await?;
    let r = handled(&*txn, state, viewer, id, &calendar).await?;
    let now = state.clock.now();
    if r.status != DisclosureStatus::AwaitingThirdParty {
        // Includes a consultation whose time ran out: `handled` has already put the clock back.
        return Err(AppError::conflict(t!("error-disclosure-no-third-party")));
    }
    let (Some(paused), Some(before)) = (r.paused_at, r.due_before_pause) else {
        return Err(AppError::internal(anyhow::anyhow!("a third-party wait without its start")));
    };
    let days = calendar.working_days_between(calendar.local_date(paused), calendar.local_date(now));
    let due_at = calendar.due_at(before, days);
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET status = $1, paused_at = NULL, lapses_at = NULL, due_before_pause = NULL, due_at = $2,
             paused_working_days = paused_working_days + $3, updated_at = $4 WHERE id = $5",
        vec![DisclosureStatus::Processing.into(), due_at.into(), i64::from(days).into(), now.into(), id.into()],
    )
    .await?;
    end_open_third_party(&*txn, id, now, Some(opinion)).await?;
    finish(txn, state, viewer, id, (DisclosureEventKind::ThirdPartyEnded, None), "disclosure.third_party_end", json!({ "dueAt": due_at, "workingDaysStopped": days }), None).await
}

/// A fee notice by the national bands (`fees`): the clock stops until it is paid, and a fee unpaid
/// after 20 working days abandons the request. Once per request; a quantity that costs nothing is not
/// a fee.
pub async fn issue_fee_notice(state: &AppState, viewer: &Viewer, id: Uuid, basis: FeeBasis, quantity: i32) -> AppResult<Request> {
    if !(1..=fees::MAX_QUANTITY).contains(&i64::from(quantity)) {
        return Err(AppError::bad_input("input.quantity", t!("field-between", min = 1, max = fees::MAX_QUANTITY)));
    }
    let amount = fees::amount_yuan(basis, i64::from(quantity));
    if amount == 0 {
        return Err(AppError::bad_input("input.quantity", t!("field-fee-free")));
    }
    let calendar = calendar::current(state).await?;
    let txn = state.db.begin().await?;
    let r = handled(&*txn, state, viewer, id, &calendar).await?;
    let now = state.clock.now();
    require_processing(&r, now)?;
    if r.fee_notice_at.is_some() {
        return Err(AppError::conflict(t!("error-disclosure-fee-once")));
    }
    let pay_by = calendar.due_at(now, super::PAYMENT_WORKING_DAYS);
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET status = $1, fee_basis = $2, fee_quantity = $3, fee_amount_yuan = $4, fee_notice_at = $5, fee_pay_by = $6,
             paused_at = $5, lapses_at = $6, due_before_pause = due_at, updated_at = $5 WHERE id = $7",
        vec![DisclosureStatus::AwaitingPayment.into(), basis.into(), quantity.into(), amount.into(), now.into(), pay_by.into(), id.into()],
    )
    .await?;
    let note = format!("{} × {quantity} = ¥{amount}", basis.as_str());
    finish(
        txn,
        state,
        viewer,
        id,
        (DisclosureEventKind::FeeNotice, Some(note)),
        "disclosure.fee_notice",
        json!({ "basis": basis.as_str(), "quantity": quantity, "amountYuan": amount, "payBy": pay_by }),
        Some(NotificationKind::DisclosureFeeNotice),
    )
    .await
}

/// The fee was paid: the clock runs again, the deadline moved by the working days it waited.
pub async fn record_fee_payment(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Request> {
    let calendar = calendar::current(state).await?;
    let txn = state.db.begin().await?;
    let r = handled(&*txn, state, viewer, id, &calendar).await?;
    let now = state.clock.now();
    match r.status_at(now) {
        DisclosureStatus::AwaitingPayment => {}
        DisclosureStatus::Abandoned => return Err(AppError::conflict(t!("error-disclosure-fee-lapsed"))),
        _ => return Err(AppError::conflict(t!("error-disclosure-no-fee-pending"))),
    }
    let (Some(paused), Some(before)) = (r.paused_at, r.due_before_pause) else {
        return Err(AppError::internal(anyhow::anyhow!("a fee wait without its start")));
    };
    let days = calendar.working_days_between(calendar.local_date(paused), calendar.local_date(now));
    let due_at = calendar.due_at(before, days);
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET status = $1, fee_paid_at = $2, paused_at = NULL, lapses_at = NULL, due_before_pause = NULL, due_at = $3,
             paused_working_days = paused_working_days + $4, updated_at = $2 WHERE id = $5",
        vec![DisclosureStatus::Processing.into(), now.into(), due_at.into(), i64::from(days).into(), id.into()],
    )
    .await?;
    finish(txn, state, viewer, id, (DisclosureEventKind::FeePaid, None), "disclosure.fee_paid", json!({ "dueAt": due_at, "amountYuan": r.fee_amount_yuan }), None).await
}

/// What the department answers.
pub struct AnswerInput {
    pub outcome: DisclosureOutcome,
    pub reason: Option<DisclosureReason>,
    pub body: String,
    pub referred_to: Option<String>,
}

/// The answer (Arts. 36–39): an outcome, the reason where information is not given (one of that
/// outcome's), the text sent to the applicant, and, where the information belongs to another agency,
/// which one.
pub async fn answer(state: &AppState, viewer: &Viewer, id: Uuid, input: AnswerInput) -> AppResult<Request> {
    let mut checks = Checks::new();
    let body = checks.take(domain::clean_text("input.body", &input.body, 1, 20_000, true));
    let referred_to = checks.take(domain::clean_optional("input.referredTo", input.referred_to.as_deref(), 200, false));
    let allowed = reasons_of(input.outcome);
    match input.reason {
        None if !allowed.is_empty() => checks.fail("input.reason", t!("field-disclosure-reason-required")),
        Some(_) if allowed.is_empty() => checks.fail("input.reason", t!("field-disclosure-reason-none")),
        Some(reason) if !allowed.contains(&reason) => checks.fail("input.reason", t!("field-disclosure-reason-other-outcome")),
        Some(reason) if CLOCK_REASONS.contains(&reason) => checks.fail("input.reason", t!("field-disclosure-reason-by-clock")),
        _ => {}
    }
    if referred_to.is_some() && !(input.outcome == DisclosureOutcome::UnableToProvide && input.reason == Some(DisclosureReason::NotHeld)) {
        checks.fail("input.referredTo", t!("field-disclosure-referral-not-held"));
    }
    checks.finish()?;
    let calendar = calendar::current(state).await?;
    let txn = state.db.begin().await?;
    let r = handled(&*txn, state, viewer, id, &calendar).await?;
    let now = state.clock.now();
    require_processing(&r, now)?;
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET status = $1, outcome = $2, reason = $3, answer_body = $4, referred_to = $5, answered_at = $6, answered_by = $7,
             closed_at = $6, updated_at = $6 WHERE id = $8",
        vec![
            DisclosureStatus::Answered.into(),
            input.outcome.into(),
            input.reason.into(),
            body.into(),
            referred_to.into(),
            now.into(),
            viewer.user_id().into(),
            id.into(),
        ],
    )
    .await?;
    let on_time = now <= r.due_at;
    finish(
        txn,
        state,
        viewer,
        id,
        (DisclosureEventKind::Answered, Some(input.outcome.as_str().to_owned())),
        "disclosure.answer",
        json!({ "outcome": input.outcome.as_str(), "reason": input.reason.map(|r| r.as_str()), "onTime": on_time }),
        Some(NotificationKind::DisclosureAnswered),
    )
    .await
}

/// What an appeal came to.
pub struct AppealInput {
    pub kind: AppealKind,
    pub result: AppealResult,
    pub filed_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
}

/// Records an administrative reconsideration or lawsuit against the answer, one of each kind per
/// request: recording a kind again updates its result (a PENDING case decided later).
pub async fn record_appeal(state: &AppState, viewer: &Viewer, id: Uuid, input: AppealInput) -> AppResult<Request> {
    let calendar = calendar::current(state).await?;
    let today = calendar.local_date(state.clock.now());
    let mut checks = Checks::new();
    if input.filed_on > today {
        checks.fail("input.filedOn", t!("field-date-not-future"));
    }
    match (input.result, input.decided_on) {
        (AppealResult::Pending, Some(_)) => checks.fail("input.decidedOn", t!("field-appeal-pending-undecided")),
        (AppealResult::Pending, None) => {}
        (_, None) => checks.fail("input.decidedOn", t!("field-required")),
        (_, Some(decided)) if decided < input.filed_on => checks.fail("input.decidedOn", t!("field-appeal-decided-before-filed")),
        (_, Some(decided)) if decided > today => checks.fail("input.decidedOn", t!("field-date-not-future")),
        _ => {}
    }
    checks.finish()?;
    let txn = state.db.begin().await?;
    let r = handled(&*txn, state, viewer, id, &calendar).await?;
    let now = state.clock.now();
    if r.answer_at(now).is_none() {
        return Err(AppError::conflict(t!("error-disclosure-appeal-unanswered")));
    }
    let appeal_id = state.clock.new_id();
    let filed = input.filed_on.format("%Y-%m-%d").to_string();
    let decided = input.decided_on.map(|d| d.format("%Y-%m-%d").to_string());
    sql::execute(
        &*txn,
        "INSERT INTO disclosure_appeals (id, request_id, department_id, kind, result, filed_on, decided_on, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (request_id, kind) DO UPDATE SET result = excluded.result, filed_on = excluded.filed_on, decided_on = excluded.decided_on,
             recorded_at = excluded.recorded_at",
        vec![appeal_id.into(), id.into(), r.department_id.into(), input.kind.into(), input.result.into(), filed.into(), decided.into(), now.into()],
    )
    .await?;
    let note = format!("{} {}", input.kind.as_str(), input.result.as_str());
    finish(txn, state, viewer, id, (DisclosureEventKind::AppealRecorded, Some(note)), "disclosure.appeal", json!({ "kind": input.kind.as_str(), "result": input.result.as_str() }), None)
        .await
}
