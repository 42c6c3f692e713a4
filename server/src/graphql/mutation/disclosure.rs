//! Disclosure requests: applicants submit, correct and withdraw; the department's staff record, handle
//! and answer them.

use async_graphql::{Context, InputObject, Object, ID};

use crate::domain::{
    AppealKind, AppealResult, ApplicantType, DeliveryMethod, DisclosureChannel, DisclosureForm, DisclosureOutcome, DisclosureReason, FeeBasis,
    IdDocumentType,
};
use crate::graphql::context::{parse_id, ContextExt, GqlResult};
use crate::graphql::types::calendar::Date;
use crate::graphql::types::disclosure::DisclosureRequest;
use crate::services::disclosure::{self, handling, requests, Access};

/// A request as the applicant writes it.
#[derive(InputObject)]
pub struct DisclosureRequestInput {
    pub department_id: ID,
    pub applicant_type: ApplicantType,
    /// The person's or the organisation's name.
    pub applicant_name: String,
    /// The unified social credit code (organisations; required for them).
    pub organization_code: Option<String>,
    /// Natural persons: required, with its number.
    pub id_document_type: Option<IdDocumentType>,
    /// Stored encrypted; shown masked to all but the department's staff.
    pub id_document_number: Option<String>,
    pub phone: String,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    /// The information sought: its title, document number, or a description.
    pub description: String,
    pub purpose: Option<String>,
    pub preferred_form: DisclosureForm,
    pub delivery_method: DeliveryMethod,
    /// Idempotent per applicant: the same id again returns the request made the first time.
    pub client_request_id: Option<String>,
}

/// A request that came by letter, registered mail, in person, fax or email, as staff enter it.
#[derive(InputObject)]
pub struct RecordedDisclosureRequestInput {
    pub department_id: ID,
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
    /// How it came (not ONLINE).
    pub channel: DisclosureChannel,
    /// The day the law counts as received (Art. 31: in person, that day; registered mail, the day
    /// signed for; others, the day receipt was confirmed): not in the future, within the last year.
    pub received_on: Date,
}

fn request_input(
    department_id: &ID,
    applicant_type: ApplicantType,
    applicant_name: String,
    organization_code: Option<String>,
    id_document: (Option<IdDocumentType>, Option<String>),
    contact: (String, Option<String>, Option<String>, Option<String>),
    description: String,
    purpose: Option<String>,
    preferred_form: DisclosureForm,
    delivery_method: DeliveryMethod,
) -> GqlResult<requests::RequestInput> {
    Ok(requests::RequestInput {
        department_id: parse_id("input.departmentId", department_id)?,
        applicant_type,
        applicant_name,
        organization_code,
        id_document_type: id_document.0,
        id_document_number: id_document.1,
        phone: contact.0,
        email: contact.1,
        address: contact.2,
        postal_code: contact.3,
        description,
        purpose,
        preferred_form,
        delivery_method,
    })
}

#[derive(InputObject)]
pub struct CorrectionResponseInput {
    /// What the correction notice asked for.
    pub response: String,
    /// The request's description, restated (optional).
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct RequestCorrectionInput {
    /// What is missing or unclear.
    pub items: String,
    /// Working days the applicant has to respond (1–30).
    pub working_days: i32,
}

#[derive(InputObject)]
pub struct ExtendDeadlineInput {
    /// 1–20, once per request, before the deadline.
    pub working_days: i32,
    pub reason: String,
    pub approved_by: String,
}

#[derive(InputObject)]
pub struct ThirdPartyInput {
    pub third_party: String,
}

#[derive(InputObject)]
pub struct ThirdPartyOpinionInput {
    /// The third party's opinion, or that none came in time.
    pub opinion: String,
}

#[derive(InputObject)]
pub struct FeeNoticeInput {
    pub basis: FeeBasis,
    /// By piece: this request's place among the applicant's requests that calendar month; by page:
    /// the pages to provide.
    pub quantity: i32,
}

#[derive(InputObject)]
pub struct DisclosureAnswerInput {
    pub outcome: DisclosureOutcome,
    /// Required for WITHHELD, UNABLE_TO_PROVIDE, NOT_PROCESSED and OTHER, one of that outcome's
    /// reasons (NOT_CORRECTED_IN_TIME and FEE_NOT_PAID are the clock's); none for the others.
    pub reason: Option<DisclosureReason>,
    pub body: String,
    /// The agency that holds the information (only with UNABLE_TO_PROVIDE and NOT_HELD).
    pub referred_to: Option<String>,
}

#[derive(InputObject)]
pub struct AppealInput {
    pub kind: AppealKind,
    pub result: AppealResult,
    pub filed_on: Date,
    /// Required unless PENDING.
    pub decided_on: Option<Date>,
}

#[derive(Default)]
pub struct DisclosureMutation;

/// What the caller sees of a request they just acted on.
fn seen(ctx: &Context<'_>, r: disclosure::Request) -> GqlResult<DisclosureRequest> {
    let access = disclosure::access(ctx.viewer()?, &r).unwrap_or(Access::Anonymised);
    Ok(DisclosureRequest::new(r, access))
}

#[Object]
impl DisclosureMutation {
    /// A signed-in citizen asks a department for government information. Due in 20 working days.
    async fn submit_disclosure_request(&self, ctx: &Context<'_>, input: DisclosureRequestInput) -> GqlResult<DisclosureRequest> {
        let client = input.client_request_id.clone();
        let i = input;
        let request = request_input(
            &i.department_id,
            i.applicant_type,
            i.applicant_name,
            i.organization_code,
            (i.id_document_type, i.id_document_number),
            (i.phone, i.email, i.address, i.postal_code),
            i.description,
            i.purpose,
            i.preferred_form,
            i.delivery_method,
        )?;
        seen(ctx, requests::submit(ctx.state()?, ctx.viewer()?, request, client).await?)
    }

    /// The department's staff (or an admin) enter a request that came by another channel.
    async fn record_disclosure_request(&self, ctx: &Context<'_>, input: RecordedDisclosureRequestInput) -> GqlResult<DisclosureRequest> {
        let i = input;
        let (channel, received_on) = (i.channel, i.received_on.0);
        let request = request_input(
            &i.department_id,
            i.applicant_type,
            i.applicant_name,
            i.organization_code,
            (i.id_document_type, i.id_document_number),
            (i.phone, i.email, i.address, i.postal_code),
            i.description,
            i.purpose,
            i.preferred_form,
            i.delivery_method,
        )?;
        seen(ctx, requests::record(ctx.state()?, ctx.viewer()?, request, channel, received_on).await?)
    }

    /// The applicant answers a correction notice; the clock starts again from now.
    async fn respond_to_correction(&self, ctx: &Context<'_>, id: ID, input: CorrectionResponseInput) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        seen(ctx, requests::respond_to_correction(ctx.state()?, ctx.viewer()?, id, &input.response, input.description.as_deref()).await?)
    }

    /// The applicant withdraws a request still open.
    async fn withdraw_disclosure_request(&self, ctx: &Context<'_>, id: ID) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        seen(ctx, requests::withdraw(ctx.state()?, ctx.viewer()?, id).await?)
    }

    /// A correction notice: once, within 7 working days of receipt.
    async fn request_correction(&self, ctx: &Context<'_>, id: ID, input: RequestCorrectionInput) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        seen(ctx, handling::request_correction(ctx.state()?, ctx.viewer()?, id, &input.items, input.working_days).await?)
    }

    /// One extension of at most 20 working days, before the deadline.
    async fn extend_disclosure_deadline(&self, ctx: &Context<'_>, id: ID, input: ExtendDeadlineInput) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        seen(ctx, handling::extend(ctx.state()?, ctx.viewer()?, id, input.working_days, &input.reason, &input.approved_by).await?)
    }

    /// Consults a third party; the clock stops for at most 15 working days.
    async fn start_third_party_consultation(&self, ctx: &Context<'_>, id: ID, input: ThirdPartyInput) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        seen(ctx, handling::start_third_party(ctx.state()?, ctx.viewer()?, id, &input.third_party).await?)
    }

    /// Records the third party's opinion; the clock runs again.
    async fn end_third_party_consultation(&self, ctx: &Context<'_>, id: ID, input: ThirdPartyOpinionInput) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        seen(ctx, handling::end_third_party(ctx.state()?, ctx.viewer()?, id, &input.opinion).await?)
    }

    /// A fee notice by the national bands; the clock stops until payment.
    async fn issue_fee_notice(&self, ctx: &Context<'_>, id: ID, input: FeeNoticeInput) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        seen(ctx, handling::issue_fee_notice(ctx.state()?, ctx.viewer()?, id, input.basis, input.quantity).await?)
    }

    /// Records that the fee was paid; the clock runs again.
    async fn record_fee_payment(&self, ctx: &Context<'_>, id: ID) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        seen(ctx, handling::record_fee_payment(ctx.state()?, ctx.viewer()?, id).await?)
    }

    /// The department's answer.
    async fn answer_disclosure_request(&self, ctx: &Context<'_>, id: ID, input: DisclosureAnswerInput) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        let answer = handling::AnswerInput { outcome: input.outcome, reason: input.reason, body: input.body, referred_to: input.referred_to };
        seen(ctx, handling::answer(ctx.state()?, ctx.viewer()?, id, answer).await?)
    }

    /// Records an administrative reconsideration or lawsuit against the answer (one of each kind;
    /// again: its result changes).
    async fn record_disclosure_appeal(&self, ctx: &Context<'_>, id: ID, input: AppealInput) -> GqlResult<DisclosureRequest> {
        let id = parse_id("id", &id)?;
        let appeal = handling::AppealInput { kind: input.kind, result: input.result, filed_on: input.filed_on.0, decided_on: input.decided_on.map(|d| d.0) };
        seen(ctx, handling::record_appeal(ctx.state()?, ctx.viewer()?, id, appeal).await?)
    }
}
