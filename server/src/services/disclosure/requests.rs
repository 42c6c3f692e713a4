//! A request's arrival and the applicant's own steps: submitted online by a signed-in applicant
//! (idempotent on `clientRequestId`), or recorded by staff when it came by letter, registered mail, in
//! person, fax or email, with the day the law counts as its receipt (Art. 31); the applicant's response
//! to a correction notice, which starts the clock again (Art. 30); and withdrawal.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use entities::department;
use sea_orm::EntityTrait;

use super::{load, record_event, Request, COLUMNS, NOT_FOUND};
use crate::domain::{
    self, ApplicantType, Checks, DeliveryMethod, DisclosureChannel, DisclosureEventKind, DisclosureForm, DisclosureStatus, IdDocumentType,
    NotificationKind, NotificationSubjectType, Role,
};
use crate::error::{AppError, AppResult};
use crate::services::authz::{self, Viewer};
use crate::services::notifications::{self, Notice};
use crate::services::{audit, calendar};
use crate::sql;
use crate::state::{AppState, LimitKind};
use crate::t;

/// What an applicant writes (and staff copy from a letter).
pub struct RequestInput {
    pub department_id: Uuid,
    pub applicant_type: ApplicantType,
    pub applicant_name: String,
    pub organization_code: Option<String>,
    pub id_document_type: Option<IdDocumentType>,
    pub id_document_number: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub description: String,
    pub purpose: Option<String>,
    pub preferred_form: DisclosureForm,
    pub delivery_method: DeliveryMethod,
}

/// A request's fields, checked.
struct Checked {
    applicant_name: String,
    organization_code: Option<String>,
    id_document_type: Option<IdDocumentType>,
    id_document_number: Option<String>,
    phone: String,
    email: Option<String>,
    address: Option<String>,
    postal_code: Option<String>,
    description: String,
    purpose: Option<String>,
}

/// The check digit of an 18-character resident identity card number (GB 11643-1999, ISO 7064 MOD 11-2).
fn resident_id_valid(number: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    let bytes = number.as_bytes();
    if bytes.len() != 18 || !bytes[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = bytes[..17].iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    CHECK[(sum % 11) as usize] == bytes[17].to_ascii_uppercase()
}

/// A unified social credit code (GB 32100-2015): 18 characters of digits and capitals without I, O, S,
/// V and Z, the last a check character.
fn credit_code_valid(code: &str) -> bool {
    const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    let bytes = code.as_bytes();
    if bytes.len() != 18 {
        return false;
    }
    let Some(values) = bytes.iter().map(|b| ALPHABET.iter().position(|a| a == b)).collect::<Option<Vec<usize>>>() else {
        return false;
    };
    let sum: usize = values[..17].iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    values[17] == check
}

fn check(input: &RequestInput) -> AppResult<Checked> {
    let mut checks = Checks::new();
    let applicant_name = checks.take(domain::clean_text("input.applicantName", &input.applicant_name, 1, 100, false));
    let description = checks.take(domain::clean_text("input.description", &input.description, 1, 5_000, true));
    let purpose = checks.take(domain::clean_optional("input.purpose", input.purpose.as_deref(), 1_000, true));
    let address = checks.take(domain::clean_optional("input.address", input.address.as_deref(), 200, false));
    let phone = checks.take(domain::phone("input.phone", &input.phone));
    let email = match input.email.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
        Some(e) => checks.take(domain::Email::parse("input.email", e).map(|e| Some(e.as_str().to_owned()))),
        None => None,
    };
    let postal_code = input.postal_code.as_deref().map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned);
    if let Some(code) = &postal_code {
        if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
            checks.fail("input.postalCode", t!("field-postal-code"));
        }
    }
    let organization_code = input.organization_code.as_deref().map(|c| c.trim().to_uppercase()).filter(|c| !c.is_empty());
    let id_number = input.id_document_number.as_deref().map(|n| n.trim().to_uppercase()).filter(|n| !n.is_empty());
    if input.applicant_type == ApplicantType::NaturalPerson {
        if organization_code.is_some() {
            checks.fail("input.organizationCode", t!("field-organization-code-organisations-only"));
        }
        if input.id_document_type.is_none() {
            checks.fail("input.idDocumentType", t!("field-required"));
        }
        if id_number.is_none() {
            checks.fail("input.idDocumentNumber", t!("field-required"));
        }
    } else {
        match &organization_code {
            None => checks.fail("input.organizationCode", t!("field-required")),
            Some(code) if !credit_code_valid(code) => checks.fail("input.organizationCode", t!("field-credit-code")),
            Some(_) => {}
        }
    }
    if let Some(number) = &id_number {
        match input.id_document_type {
            None => checks.fail("input.idDocumentType", t!("field-required")),
            Some(IdDocumentType::ResidentIdCard) if !resident_id_valid(number) => checks.fail("input.idDocumentNumber", t!("field-resident-id")),
            Some(_) if !(5..=30).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
                checks.fail("input.idDocumentNumber", t!("field-id-document"))
            }
            Some(_) => {}
        }
    }
    checks.finish()?;
    Ok(Checked {
        applicant_name,
        organization_code,
        id_document_type: id_number.as_ref().and(input.id_document_type),
        id_document_number: id_number,
        phone,
        email,
        address,
        postal_code,
        description,
        purpose,
    })
}

/// How a request arrived.
pub enum Arrival {
    /// Submitted online by the signed-in applicant now.
    Online { client_request_id: Option<String> },
    /// Recorded by staff: how it came, and the day the law counts as its receipt.
    Recorded { channel: DisclosureChannel, received_on: NaiveDate },
}

/// A signed-in applicant submits a request to a department; the same `clientRequestId` again gives the
/// request it made the first time.
pub async fn submit(state: &AppState, viewer: &Viewer, input: RequestInput, client_request_id: Option<String>) -> AppResult<Request> {
    let user = authz::require_role(viewer, &[Role::Citizen], t!("action-submit-disclosure"))?.clone();
    let client_request_id = client_request_id.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if client_request_id.as_ref().is_some_and(|c| c.chars().count() > 100) {
        return Err(AppError::bad_input("input.clientRequestId", t!("field-at-most-chars", max = 100)));
    }
    if let Some(client) = &client_request_id {
        if let Some(earlier) = by_client_request(&state.db.conn, user.id, client).await? {
            return Ok(earlier);
        }
    }
    let checked = check(&input)?;
    state.limiter.hit(state.limit(LimitKind::DisclosureRequestsPerDay), &user.id.to_string()).await?;
    create(state, Some(user.id), None, &input, checked, Arrival::Online { client_request_id }).await
}

/// Staff (of the department, or an admin) record a request that came on paper or by another channel.
pub async fn record(state: &AppState, viewer: &Viewer, input: RequestInput, channel: DisclosureChannel, received_on: NaiveDate) -> AppResult<Request> {
    let user = viewer.user()?.clone();
    if !super::can_handle(viewer, input.department_id) {
        return Err(AppError::forbidden(t!("error-disclosure-department-only")));
    }
    let mut checks = Checks::new();
    if channel == DisclosureChannel::Online {
        checks.fail("input.channel", t!("field-channel-not-online"));
    }
    let calendar = calendar::current(state).await?;
    let today = calendar.local_date(state.clock.now());
    if received_on > today {
        checks.fail("input.receivedOn", t!("field-date-not-future"));
    } else if (today - received_on).num_days() > 366 {
        checks.fail("input.receivedOn", t!("field-date-within-year"));
    }
    let checked = match (check(&input), checks.finish()) {
        (Ok(c), Ok(())) => c,
        (Err(AppError::BadInput(mut a)), Err(AppError::BadInput(b))) => {
            a.extend(b);
            return Err(AppError::BadInput(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    create(state, None, Some(user.id), &input, checked, Arrival::Recorded { channel, received_on }).await
}

async fn by_client_request(db: &impl ConnectionTrait, applicant: Uuid, client: &str) -> AppResult<Option<Request>> {
    sql::one(db, &format!("SELECT {COLUMNS} FROM disclosure_requests WHERE applicant_id = $1 AND client_request_id = $2"), vec![applicant.into(), client.into()]).await
}

/// The instant a request counts as received: now when it is today, else the start of that day.
fn receipt_instant(offset: chrono::FixedOffset, day: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    if offset.from_utc_datetime(&now.naive_utc()).date_naive() == day {
        return now;
    }
    offset.from_local_datetime(&day.and_time(NaiveTime::MIN)).single().map_or(now, |t| t.with_timezone(&Utc))
}

async fn create(
    state: &AppState,
    applicant: Option<Uuid>,
    recorded_by: Option<Uuid>,
    input: &RequestInput,
    checked: Checked,
    arrival: Arrival,
) -> AppResult<Request> {
    let Some(dept) = department::Entity::find_by_id(input.department_id).one(&state.db.conn).await? else {
        return Err(AppError::bad_input("input.departmentId", t!("field-no-such-department")));
    };
    let calendar = calendar::current(state).await?;
    let (id, now) = state.clock.new_id_and_time();
    let (channel, received_at, client_request_id) = match arrival {
        Arrival::Online { client_request_id } => (DisclosureChannel::Online, now, client_request_id),
        Arrival::Recorded { channel, received_on } => (channel, receipt_instant(calendar.offset(), received_on, now), None),
    };
    let due_at = calendar.due_at(received_at, super::ANSWER_WORKING_DAYS);
    let year = calendar.local_date(received_at).year();
    let sealed = match &checked.id_document_number {
        Some(number) => Some(state.data_key.seal(id.as_bytes(), number).map_err(AppError::internal)?),
        None => None,
    };
    let txn = state.db.begin().await?;
    let seq: i64 = sql::rows(
        &*txn,
        "INSERT INTO disclosure_sequences (department_id, year, last) VALUES ($1, $2, 1)
         ON CONFLICT (department_id, year) DO UPDATE SET last = disclosure_sequences.last + 1
         RETURNING last",
        vec![dept.id.into(), year.into()],
    )
    .await?
    .first()
    .map(|row| row.try_get::<i32>("", "last").map(i64::from))
    .transpose()?
    .ok_or_else(|| AppError::internal(anyhow::anyhow!("no tracking number came back")))?;
    let tracking_number = format!("{}-{year}-{seq:06}", dept.code);
    let inserted = sql::execute(
        &*txn,
        "INSERT INTO disclosure_requests (id, department_id, tracking_number, year, seq, applicant_id, recorded_by, client_request_id,
             channel, applicant_type, applicant_name, organization_code, id_document_type, id_document_sealed, phone, email, address,
             postal_code, description, purpose, preferred_form, delivery_method, status, received_at, clock_from, due_at,
             paused_working_days, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $24, $25, 0, $26, $26)
         ON CONFLICT (applicant_id, client_request_id) DO NOTHING",
        vec![
            id.into(),
            dept.id.into(),
            tracking_number.clone().into(),
            year.into(),
            seq.into(),
            applicant.into(),
            recorded_by.into(),
            client_request_id.clone().into(),
            channel.into(),
            input.applicant_type.into(),
            checked.applicant_name.into(),
            checked.organization_code.into(),
            checked.id_document_type.into(),
            sealed.into(),
            checked.phone.into(),
            checked.email.into(),
            checked.address.into(),
            checked.postal_code.into(),
            checked.description.into(),
            checked.purpose.into(),
            input.preferred_form.into(),
            input.delivery_method.into(),
            DisclosureStatus::Processing.into(),
            received_at.into(),
            due_at.into(),
            now.into(),
        ],
    )
    .await?;
    if inserted == 0 {
        // The same client request id committed meanwhile (a retry racing the first try): that one stands.
        drop(txn);
        let (Some(applicant), Some(client)) = (applicant, client_request_id) else {
            return Err(AppError::internal(anyhow::anyhow!("a disclosure request insert did nothing")));
        };
        return by_client_request(&state.db.conn, applicant, &client).await?.ok_or(NOT_FOUND);
    }
    let actor = applicant.or(recorded_by);
    record_event(&*txn, state, id, DisclosureEventKind::Received, Some(channel.as_str().to_owned()), actor).await?;
    audit::record(
        &*txn,
        &state.clock,
        actor,
        if applicant.is_some() { "disclosure.submit" } else { "disclosure.record" },
        "DisclosureRequest",
        Some(id),
        json!({ "trackingNumber": tracking_number, "departmentId": dept.id, "channel": channel.as_str(), "dueAt": due_at }),
    )
    .await?;
    let r = load(&*txn, id).await?.ok_or(NOT_FOUND)?;
    let written = notify_applicant(&*txn, state, NotificationKind::DisclosureReceived, &r, &[("department", &dept.name)]).await?;
    txn.commit_private().await?;
    written.announce(state);
    Ok(r)
}

/// `kind` for the request's applicant, when it came from an account.
pub(crate) async fn notify_applicant(
    db: &impl ConnectionTrait,
    state: &AppState,
    kind: NotificationKind,
    r: &Request,
    extra: &[(&str, &str)],
) -> AppResult<notifications::Written> {
    let Some(applicant) = r.applicant_id else { return Ok(notifications::Written::default()) };
    let due = notifications::shown_time(r.due_at);
    let mut params: Vec<(&str, &str)> = vec![("trackingNumber", &r.tracking_number), ("dueAt", &due)];
    params.extend_from_slice(extra);
    let kind = notifications::Kind { kind, subject_type: NotificationSubjectType::DisclosureRequest, params: notifications::params(&params) };
    notifications::write(db, &state.clock, &kind, &[Notice { recipient: applicant, subject: r.id }]).await
}

/// The applicant's own request, in a transaction; NOT_FOUND for anyone else's.
async fn own_request(db: &impl ConnectionTrait, viewer: &Viewer, id: Uuid) -> AppResult<Request> {
    let user = viewer.user()?;
    let r = load(db, id).await?.ok_or(NOT_FOUND)?;
    if r.applicant_id != Some(user.id) {
        // Staff and admins reading it still may not act for the applicant.
        return Err(if super::access(viewer, &r).is_some() { AppError::forbidden(t!("error-disclosure-applicant-only")) } else { NOT_FOUND });
    }
    Ok(r)
}

/// The applicant answers a correction notice: the 20 working days start again from now (Art. 30),
/// and the request's description may be restated.
pub async fn respond_to_correction(state: &AppState, viewer: &Viewer, id: Uuid, response: &str, description: Option<&str>) -> AppResult<Request> {
    let mut checks = Checks::new();
    let response = checks.take(domain::clean_text("input.response", response, 1, 5_000, true));
    let description = checks.take(domain::clean_optional("input.description", description, 5_000, true));
    checks.finish()?;
    let calendar = calendar::current(state).await?;
    let txn = state.db.begin().await?;
    let r = own_request(&*txn, viewer, id).await?;
    let now = state.clock.now();
    match r.status_at(now) {
        DisclosureStatus::AwaitingCorrection => {}
        DisclosureStatus::Abandoned => return Err(AppError::conflict(t!("error-disclosure-correction-lapsed"))),
        _ => return Err(AppError::conflict(t!("error-disclosure-no-correction-pending"))),
    }
    let due_at = calendar.due_at(now, super::ANSWER_WORKING_DAYS);
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET status = $1, correction_responded_at = $2, correction_response = $3,
             description = COALESCE($4, description), clock_from = $2, due_at = $5, paused_at = NULL, lapses_at = NULL,
             paused_working_days = 0, updated_at = $2
         WHERE id = $6",
        vec![DisclosureStatus::Processing.into(), now.into(), response.into(), description.into(), due_at.into(), id.into()],
    )
    .await?;
    record_event(&*txn, state, id, DisclosureEventKind::Corrected, None, viewer.user_id()).await?;
    audit::record(&*txn, &state.clock, viewer.user_id(), "disclosure.correct", "DisclosureRequest", Some(id), json!({ "dueAt": due_at })).await?;
    let r = load(&*txn, id).await?.ok_or(NOT_FOUND)?;
    txn.commit_private().await?;
    Ok(r)
}

/// The applicant withdraws a request that is still open.
pub async fn withdraw(state: &AppState, viewer: &Viewer, id: Uuid) -> AppResult<Request> {
    let txn = state.db.begin().await?;
    let r = own_request(&*txn, viewer, id).await?;
    let now = state.clock.now();
    if !r.is_open_at(now) {
        return Err(AppError::conflict(t!("error-disclosure-closed")));
    }
    sql::execute(
        &*txn,
        "UPDATE disclosure_requests SET status = $1, closed_at = $2, lapses_at = NULL, updated_at = $2 WHERE id = $3",
        vec![DisclosureStatus::Withdrawn.into(), now.into(), id.into()],
    )
    .await?;
    super::handling::end_open_third_party(&*txn, id, now, None).await?;
    record_event(&*txn, state, id, DisclosureEventKind::Withdrawn, None, viewer.user_id()).await?;
    audit::record(&*txn, &state.clock, viewer.user_id(), "disclosure.withdraw", "DisclosureRequest", Some(id), json!({})).await?;
    let r = load(&*txn, id).await?.ok_or(NOT_FOUND)?;
    txn.commit_private().await?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resident_id_check_digits() {
        assert!(resident_id_valid("11010519491231002X"));
        assert!(resident_id_valid("110101199003074477"));
        assert!(!resident_id_valid("110101199003074478"));
        assert!(!resident_id_valid("11010119900307447"));
    }

    #[test]
    fn credit_code_check_characters() {
        assert!(credit_code_valid("91350100M000100Y43"));
        assert!(!credit_code_valid("91350100M000100Y44"));
        assert!(!credit_code_valid("91350100M000100Y4"));
    }

    #[test]
    fn a_past_day_counts_from_its_start_and_today_from_now() {
        let cst = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00+08:00").unwrap().with_timezone(&Utc);
        assert_eq!(receipt_instant(cst, NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(), now), now);
        let start = DateTime::parse_from_rfc3339("2026-11-30T00:00:00+08:00").unwrap().with_timezone(&Utc);
        assert_eq!(receipt_instant(cst, NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), now), start);
    }
}
