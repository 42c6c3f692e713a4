//! Disclosure requests as their readers see them: the applicant and admins with the applicant's
//! personal data (the identity document masked), the department's staff with the document in full,
//! evaluators without any personal data; and the annual report.

use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use sea_orm::EntityTrait;

use entities::{department, user};

use crate::domain::{
    AppealKind, AppealResult, ApplicantType, DeliveryMethod, DisclosureChannel, DisclosureEventKind, DisclosureForm, DisclosureOutcome, DisclosureReason,
    DisclosureStatus, FeeBasis, IdDocumentType,
};
use crate::graphql::context::{ContextExt, GqlResult};
use crate::graphql::types::calendar::Date;
use crate::graphql::types::connection::connection;
use crate::graphql::types::consultation::Department;
use crate::services::disclosure::{self, report, Access, Request};

connection!(DisclosureRequestConnection, DisclosureRequestEdge, DisclosureRequest);

impl DisclosureRequestConnection {
    pub fn from_list(list: disclosure::RequestList, access: impl Fn(&Request) -> Access) -> Self {
        let items = list.cursors.into_iter().zip(list.page.items).map(|(cursor, r)| {
            let a = access(&r);
            (cursor, DisclosureRequest::new(r, a))
        });
        Self::new(items.collect(), list.page.has_next, list.total.into())
    }
}

pub struct DisclosureRequest {
    r: Request,
    access: Access,
}

impl DisclosureRequest {
    pub fn new(r: Request, access: Access) -> Self {
        Self { r, access }
    }

    fn personal<'a>(&self, value: &'a str) -> Option<&'a str> {
        self.access.personal().then_some(value)
    }
}

/// A timeline entry's author, by display name.
#[derive(SimpleObject)]
pub struct DisclosureActor {
    pub display_name: String,
}

#[derive(SimpleObject)]
pub struct DisclosureCorrection {
    pub requested_at: DateTime<Utc>,
    /// The end of the applicant's time to respond; without a response by then the request is ABANDONED.
    pub respond_by: DateTime<Utc>,
    /// What the applicant must correct or add.
    pub items: String,
    pub responded_at: Option<DateTime<Utc>>,
    pub response: Option<String>,
}

#[derive(SimpleObject)]
pub struct DisclosureExtension {
    pub extended_at: DateTime<Utc>,
    pub working_days: i32,
    pub reason: String,
    /// Who approved the extension (Art. 33: the head of the department's disclosure work).
    pub approved_by: String,
}

#[derive(SimpleObject)]
pub struct ThirdPartyConsultation {
    pub started_at: DateTime<Utc>,
    /// The end of the third party's 15 working days: without an answer by then the clock runs again.
    pub respond_by: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub third_party: String,
    pub opinion: Option<String>,
}

#[derive(SimpleObject)]
pub struct DisclosureFee {
    pub basis: FeeBasis,
    /// By piece: this request's place among the applicant's requests that month; by page: the pages.
    pub quantity: i32,
    /// By the national bands (国办函〔2020〕109号).
    pub amount_yuan: i32,
    pub notice_at: DateTime<Utc>,
    /// Unpaid by then, the request is ABANDONED.
    pub pay_by: DateTime<Utc>,
    pub paid_at: Option<DateTime<Utc>>,
}

pub struct DisclosureAnswer(disclosure::Answer);

#[Object]
impl DisclosureAnswer {
    async fn outcome(&self) -> DisclosureOutcome {
        self.0.outcome
    }

    /// Why information was not disclosed; for an abandoned request, NOT_CORRECTED_IN_TIME or FEE_NOT_PAID.
    async fn reason(&self) -> Option<DisclosureReason> {
        self.0.reason
    }

    /// The answer's text (null when the clock closed the request).
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }

    /// The agency that holds the information, where the department does not (UNABLE_TO_PROVIDE, NOT_HELD).
    async fn referred_to(&self) -> Option<&str> {
        self.0.referred_to.as_deref()
    }

    async fn answered_at(&self) -> DateTime<Utc> {
        self.0.answered_at
    }

    /// Who answered (null when the clock closed the request).
    async fn answered_by(&self, ctx: &Context<'_>) -> GqlResult<Option<DisclosureActor>> {
        actor(ctx, self.0.answered_by).await
    }
}

async fn actor(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> GqlResult<Option<DisclosureActor>> {
    let Some(id) = id else { return Ok(None) };
    let found = user::Entity::find_by_id(id).one(&ctx.state()?.db.conn).await.map_err(crate::error::AppError::from)?;
    Ok(found.map(|u| DisclosureActor { display_name: u.display_name }))
}

#[derive(SimpleObject)]
pub struct DisclosureAppeal {
    pub kind: AppealKind,
    pub result: AppealResult,
    pub filed_on: Date,
    pub decided_on: Option<Date>,
}

pub struct DisclosureEvent {
    event: disclosure::Event,
    /// The applicant's own steps carry their name only for readers of personal data.
    hide_actor: bool,
}

#[Object]
impl DisclosureEvent {
    async fn at(&self) -> DateTime<Utc> {
        self.event.at
    }

    async fn kind(&self) -> DisclosureEventKind {
        self.event.kind
    }

    async fn note(&self) -> Option<&str> {
        self.event.note.as_deref()
    }

    /// Who did it (null for what the clock did).
    async fn actor(&self, ctx: &Context<'_>) -> GqlResult<Option<DisclosureActor>> {
        if self.hide_actor {
            return Ok(None);
        }
        actor(ctx, self.event.actor_id).await
    }
}

fn date(text: &str) -> Option<Date> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Date)
}

#[Object]
impl DisclosureRequest {
    async fn id(&self) -> ID {
        ID(self.r.id.to_string())
    }

    /// Unique per department and year, e.g. `GOV-OFFICE-2026-000123`.
    async fn tracking_number(&self) -> &str {
        &self.r.tracking_number
    }

    /// The status now: what was done, and what the clock did by itself.
    async fn status(&self, ctx: &Context<'_>) -> GqlResult<DisclosureStatus> {
        Ok(self.r.status_at(ctx.state()?.clock.now()))
    }

    async fn channel(&self) -> DisclosureChannel {
        self.r.channel
    }

    async fn applicant_type(&self) -> ApplicantType {
        self.r.applicant_type
    }

    /// The applicant's personal data (name, document, phone, email, address, postal code): for the
    /// applicant, the department's staff and admins; null for evaluators.
    async fn applicant_name(&self) -> Option<&str> {
        self.personal(&self.r.applicant_name)
    }

    /// The organisation's unified social credit code.
    async fn organization_code(&self) -> Option<&str> {
        self.r.organization_code.as_deref().and_then(|c| self.personal(c))
    }

    async fn id_document_type(&self) -> Option<IdDocumentType> {
        self.r.id_document_type.filter(|_| self.access.personal())
    }

    /// In full for the department's staff; masked (`****1234`) for the applicant and admins; null for
    /// evaluators. Stored encrypted.
    async fn id_document_number(&self, ctx: &Context<'_>) -> GqlResult<Option<String>> {
        Ok(disclosure::id_document_number(ctx.state()?, &self.r, self.access)?)
    }

    async fn phone(&self) -> Option<&str> {
        self.personal(&self.r.phone)
    }

    async fn email(&self) -> Option<&str> {
        self.r.email.as_deref().and_then(|e| self.personal(e))
    }

    async fn address(&self) -> Option<&str> {
        self.r.address.as_deref().and_then(|a| self.personal(a))
    }

    async fn postal_code(&self) -> Option<&str> {
        self.r.postal_code.as_deref().and_then(|p| self.personal(p))
    }

    /// The information sought.
    async fn description(&self) -> &str {
        &self.r.description
    }

    async fn purpose(&self) -> Option<&str> {
        self.r.purpose.as_deref()
    }

    async fn preferred_form(&self) -> DisclosureForm {
        self.r.preferred_form
    }

    async fn delivery_method(&self) -> DeliveryMethod {
        self.r.delivery_method
    }

    /// The moment the 20 working days count from: the receipt (for a request entered by staff, the day
    /// the law counts as received), or the applicant's response to a correction notice (Art. 30).
    async fn received_at(&self) -> DateTime<Utc> {
        self.r.clock_from
    }

    /// The deadline (23:59:59 China Standard Time of its last working day): 20 working days, plus an
    /// extension, plus the working days the clock stood still for a third party or a fee. Set when
    /// it is counted: a later change of the holiday calendar does not move it.
    async fn due_at(&self) -> DateTime<Utc> {
        self.r.due_at
    }

    /// Still unanswered after `dueAt`, with the clock running.
    async fn overdue(&self, ctx: &Context<'_>) -> GqlResult<bool> {
        Ok(self.r.overdue_at(ctx.state()?.clock.now()))
    }

    /// Working days the clock has run, less those it stood still.
    async fn working_days_used(&self, ctx: &Context<'_>) -> GqlResult<i32> {
        let state = ctx.state()?;
        let calendar = crate::services::calendar::current(state).await?;
        Ok(i32::try_from(self.r.working_days_used(&calendar, state.clock.now())).unwrap_or(i32::MAX))
    }

    async fn department(&self, ctx: &Context<'_>) -> GqlResult<Department> {
        let found = department::Entity::find_by_id(self.r.department_id).one(&ctx.state()?.db.conn).await.map_err(crate::error::AppError::from)?;
        found.map(Department).ok_or_else(|| crate::error::AppError::internal(anyhow::anyhow!("a request's department vanished")).into())
    }

    async fn correction(&self) -> Option<DisclosureCorrection> {
        Some(DisclosureCorrection {
            requested_at: self.r.correction_requested_at?,
            respond_by: self.r.correction_respond_by?,
            items: self.r.correction_items.clone()?,
            responded_at: self.r.correction_responded_at,
            response: self.r.correction_response.clone(),
        })
    }

    async fn extension(&self) -> Option<DisclosureExtension> {
        Some(DisclosureExtension {
            extended_at: self.r.extended_at?,
            working_days: self.r.extension_days?,
            reason: self.r.extension_reason.clone()?,
            approved_by: self.r.extension_approved_by.clone()?,
        })
    }

    #[graphql(complexity = "crate::graphql::list_cost(10, child_complexity)")]
    async fn third_party_consultations(&self, ctx: &Context<'_>) -> GqlResult<Vec<ThirdPartyConsultation>> {
        let now = ctx.state()?.clock.now();
        let list = disclosure::third_parties(ctx.state()?, self.r.id).await?;
        Ok(list
            .into_iter()
            .map(|t| ThirdPartyConsultation {
                started_at: t.started_at,
                respond_by: t.respond_by,
                // A consultation whose time ran out ended then, whether or not anyone has touched it since.
                ended_at: t.ended_at.or((t.respond_by < now).then_some(t.respond_by)),
                third_party: t.third_party,
                opinion: t.opinion,
            })
            .collect())
    }

    async fn fee(&self) -> Option<DisclosureFee> {
        Some(DisclosureFee {
            basis: self.r.fee_basis?,
            quantity: self.r.fee_quantity?,
            amount_yuan: i32::try_from(self.r.fee_amount_yuan?).unwrap_or(i32::MAX),
            notice_at: self.r.fee_notice_at?,
            pay_by: self.r.fee_pay_by?,
            paid_at: self.r.fee_paid_at,
        })
    }

    /// The department's answer, or the clock's closing of an abandoned request.
    async fn answer(&self, ctx: &Context<'_>) -> GqlResult<Option<DisclosureAnswer>> {
        Ok(self.r.answer_at(ctx.state()?.clock.now()).map(DisclosureAnswer))
    }

    #[graphql(complexity = "crate::graphql::list_cost(3, child_complexity)")]
    async fn appeals(&self, ctx: &Context<'_>) -> GqlResult<Vec<DisclosureAppeal>> {
        let list = disclosure::appeals(ctx.state()?, self.r.id).await?;
        Ok(list
            .into_iter()
            .filter_map(|a| Some(DisclosureAppeal { kind: a.kind, result: a.result, filed_on: date(&a.filed_on)?, decided_on: a.decided_on.as_deref().and_then(date) }))
            .collect())
    }

    /// Everything that happened to the request, oldest first.
    #[graphql(complexity = "crate::graphql::list_cost(30, child_complexity)")]
    async fn events(&self, ctx: &Context<'_>) -> GqlResult<Vec<DisclosureEvent>> {
        let list = disclosure::events(ctx.state()?, &self.r).await?;
        let applicant = self.r.applicant_id;
        let anonymised = !self.access.personal();
        Ok(list
            .into_iter()
            .map(|event| {
                let hide_actor = anonymised && event.actor_id.is_some() && event.actor_id == applicant;
                DisclosureEvent { event, hide_actor }
            })
            .collect())
    }
}

/// One row of table 三 of the annual report: the requests it counts, by applicant type.
pub struct DisclosureReportRow(pub report::Row);

#[Object]
impl DisclosureReportRow {
    /// Stable: NEW, CARRIED_OVER, DISCLOSED, …, HANDLED_TOTAL, CARRIED_FORWARD.
    async fn key(&self) -> &str {
        self.0.key
    }

    /// The format's label in Chinese (国办公开办函〔2021〕30号), a gloss in English.
    async fn label(&self, ctx: &Context<'_>) -> GqlResult<String> {
        Ok(self.0.label_in(ctx.locale()?))
    }

    async fn natural_person(&self) -> i32 {
        count(self.0.counts[0])
    }

    async fn commercial_enterprise(&self) -> i32 {
        count(self.0.counts[1])
    }

    async fn research_institution(&self) -> i32 {
        count(self.0.counts[2])
    }

    async fn social_welfare_organization(&self) -> i32 {
        count(self.0.counts[3])
    }

    async fn legal_service_organization(&self) -> i32 {
        count(self.0.counts[4])
    }

    async fn other_organization(&self) -> i32 {
        count(self.0.counts[5])
    }

    async fn total(&self) -> i32 {
        count(self.0.total())
    }
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One group of table 四: the cases of one kind, by result.
pub struct DisclosureAppealRow(pub report::AppealRow);

#[Object]
impl DisclosureAppealRow {
    async fn kind(&self) -> Option<AppealKind> {
        self.0.kind
    }

    async fn upheld(&self) -> i32 {
        count(self.0.upheld)
    }

    async fn corrected(&self) -> i32 {
        count(self.0.corrected)
    }

    async fn other(&self) -> i32 {
        count(self.0.other)
    }

    async fn pending(&self) -> i32 {
        count(self.0.pending)
    }

    async fn total(&self) -> i32 {
        count(self.0.total())
    }
}

/// The annual report's tables on disclosure requests, for one department or the whole government.
pub struct DisclosureAnnualReport {
    pub report: report::Report,
    pub csv_url: String,
}

#[Object]
impl DisclosureAnnualReport {
    async fn year(&self) -> i32 {
        self.report.year
    }

    /// Null: the whole government.
    async fn department(&self) -> Option<Department> {
        self.report.department.clone().map(Department)
    }

    /// Table 三 "收到和处理政府信息公开申请情况", its 25 rows in the format's order; NEW + CARRIED_OVER =
    /// HANDLED_TOTAL + CARRIED_FORWARD in every column.
    async fn rows(&self) -> Vec<DisclosureReportRow> {
        self.report.rows.iter().cloned().map(DisclosureReportRow).collect()
    }

    /// Table 四 "政府信息公开行政复议、行政诉讼情况": reconsideration, litigation without
    /// reconsideration, litigation after reconsideration; cases filed in the year by their latest result.
    async fn appeals(&self) -> Vec<DisclosureAppealRow> {
        self.report.appeals.iter().copied().map(DisclosureAppealRow).collect()
    }

    /// Information-processing fees paid during the year, in yuan.
    async fn fees_collected_yuan(&self) -> i32 {
        count(self.report.fees_collected_yuan)
    }

    /// A signed link, valid for `EXPORT_LINK_SECONDS`, to the same tables as CSV (UTF-8 with BOM,
    /// Chinese labels), for the account that asked.
    async fn csv_url(&self) -> &str {
        &self.csv_url
    }
}
