//! The statutory annual report on disclosure requests (Arts. 49–50) in the national format of
//! 国办公开办函〔2021〕30号: table 三 "收到和处理政府信息公开申请情况" (requests received and handled, by
//! applicant type) and table 四 "政府信息公开行政复议、行政诉讼情况", per department or for the whole
//! government, each computed by aggregate queries; and the same tables as CSV behind a signed link.
//!
//! `docs/disclosure-annual-report.md` has the format's rows and columns as read, with the sources.
//! How requests are counted (the format's check 一 + 二 = 三（七） + 四 holds by construction):
//! - 一 new: received in the year (the original receipt, China Standard Time);
//! - 二 carried over: received before the year and still open when it began;
//! - 三 outcomes: closed during the year, by the outcome and reason of the answer, or of the clock's
//!   abandonment (（六）1 and 2); a withdrawn request is （六）3 其他, the only row the format leaves
//!   for it; a partly disclosed answer counts in （二） only;
//! - 四 carried forward: received by the year's end and still open at it.
//!
//! Appeals count in the year they were filed, by their latest recorded result. Fees collected are the
//! information-processing fees paid during the year (the format has no row for them: reports state
//! them in 六、其他需要报告的事项).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::{EntityTrait, FromQueryResult};
use uuid::Uuid;

use entities::{department, user};

use crate::domain::{AppealKind, AppealResult, ApplicantType, DisclosureOutcome, DisclosureReason, DisclosureStatus, Role};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Locale};
use crate::services::authz::{self, Viewer};
use crate::services::calendar;
use crate::sql::{self, Params};
use crate::state::AppState;
use crate::{t, util};

/// The applicant columns, in the format's order (the total is the eighth).
pub const COLUMNS: [ApplicantType; 6] = [
    ApplicantType::NaturalPerson,
    ApplicantType::CommercialEnterprise,
    ApplicantType::ResearchInstitution,
    ApplicantType::SocialWelfareOrganization,
    ApplicantType::LegalServiceOrganization,
    ApplicantType::OtherOrganization,
];

/// What a row of table 三 counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Measure {
    New,
    CarriedOver,
    Outcome(DisclosureOutcome, Option<DisclosureReason>),
    Handled,
    CarriedForward,
}

/// The 25 rows of table 三, in order: a stable key, the format's label, and what it counts.
const ROWS: [(&str, &str, Measure); 25] = {
    use DisclosureOutcome as O;
    use DisclosureReason as R;
    use Measure::*;
    [
        ("NEW", "一、本年新收政府信息公开申请数量", New),
        ("CARRIED_OVER", "二、上年结转政府信息公开申请数量", CarriedOver),
        ("DISCLOSED", "三、本年度办理结果（一）予以公开", Outcome(O::Disclosed, None)),
        ("PARTIALLY_DISCLOSED", "三、本年度办理结果（二）部分公开（区分处理的，只计这一情形，不计其他情形）", Outcome(O::PartiallyDisclosed, None)),
        ("WITHHELD_STATE_SECRET", "三、本年度办理结果（三）不予公开 1.属于国家秘密", Outcome(O::Withheld, Some(R::StateSecret))),
        ("WITHHELD_PROHIBITED_BY_LAW", "三、本年度办理结果（三）不予公开 2.其他法律行政法规禁止公开", Outcome(O::Withheld, Some(R::ProhibitedByLaw))),
        ("WITHHELD_ENDANGERS_SECURITY", "三、本年度办理结果（三）不予公开 3.危及“三安全一稳定”", Outcome(O::Withheld, Some(R::EndangersSecurity))),
        ("WITHHELD_THIRD_PARTY_RIGHTS", "三、本年度办理结果（三）不予公开 4.保护第三方合法权益", Outcome(O::Withheld, Some(R::ThirdPartyRights))),
        ("WITHHELD_INTERNAL_AFFAIRS", "三、本年度办理结果（三）不予公开 5.属于三类内部事务信息", Outcome(O::Withheld, Some(R::InternalAffairs))),
        ("WITHHELD_PROCESS_INFORMATION", "三、本年度办理结果（三）不予公开 6.属于四类过程性信息", Outcome(O::Withheld, Some(R::ProcessInformation))),
        ("WITHHELD_ENFORCEMENT_CASE_FILE", "三、本年度办理结果（三）不予公开 7.属于行政执法案卷", Outcome(O::Withheld, Some(R::EnforcementCaseFile))),
        ("WITHHELD_ADMINISTRATIVE_INQUIRY", "三、本年度办理结果（三）不予公开 8.属于行政查询事项", Outcome(O::Withheld, Some(R::AdministrativeInquiry))),
        ("UNABLE_NOT_HELD", "三、本年度办理结果（四）无法提供 1.本机关不掌握相关政府信息", Outcome(O::UnableToProvide, Some(R::NotHeld))),
        ("UNABLE_NEEDS_CREATION", "三、本年度办理结果（四）无法提供 2.没有现成信息需要另行制作", Outcome(O::UnableToProvide, Some(R::NeedsCreation))),
        ("UNABLE_UNCLEAR_AFTER_CORRECTION", "三、本年度办理结果（四）无法提供 3.补正后申请内容仍不明确", Outcome(O::UnableToProvide, Some(R::UnclearAfterCorrection))),
        ("NOT_PROCESSED_PETITION_OR_COMPLAINT", "三、本年度办理结果（五）不予处理 1.信访举报投诉类申请", Outcome(O::NotProcessed, Some(R::PetitionOrComplaint))),
        ("NOT_PROCESSED_REPEATED_REQUEST", "三、本年度办理结果（五）不予处理 2.重复申请", Outcome(O::NotProcessed, Some(R::RepeatedRequest))),
        ("NOT_PROCESSED_PUBLICATION", "三、本年度办理结果（五）不予处理 3.要求提供公开出版物", Outcome(O::NotProcessed, Some(R::Publication))),
        ("NOT_PROCESSED_EXCESSIVE_REQUESTS", "三、本年度办理结果（五）不予处理 4.无正当理由大量反复申请", Outcome(O::NotProcessed, Some(R::ExcessiveRequests))),
        ("NOT_PROCESSED_CONFIRMATION_REQUEST", "三、本年度办理结果（五）不予处理 5.要求行政机关确认或重新出具已获取信息", Outcome(O::NotProcessed, Some(R::ConfirmationRequest))),
        (
            "OTHER_NOT_CORRECTED_IN_TIME",
            "三、本年度办理结果（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            Outcome(O::Other, Some(R::NotCorrectedInTime)),
        ),
        (
            "OTHER_FEE_NOT_PAID",
            "三、本年度办理结果（六）其他处理 2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
            Outcome(O::Other, Some(R::FeeNotPaid)),
        ),
        ("OTHER_OTHER_REASON", "三、本年度办理结果（六）其他处理 3.其他", Outcome(O::Other, Some(R::OtherReason))),
        ("HANDLED_TOTAL", "三、本年度办理结果（七）总计", Handled),
        ("CARRIED_FORWARD", "四、结转下年度继续办理", CarriedForward),
    ]
};

/// The column headers of table 三 as the format prints them (CSV).
const COLUMN_LABELS: [&str; 7] = ["自然人", "法人或其他组织：商业企业", "法人或其他组织：科研机构", "法人或其他组织：社会公益组织", "法人或其他组织：法律服务机构", "法人或其他组织：其他", "总计"];

/// One row of table 三: a count per applicant type and the total.
#[derive(Clone, Debug)]
pub struct Row {
    pub key: &'static str,
    pub label: &'static str,
    /// In `COLUMNS` order.
    pub counts: [i64; 6],
}

impl Row {
    pub fn total(&self) -> i64 {
        self.counts.iter().sum()
    }

    /// The label in a reader's language: the format's own words in Chinese, a gloss in English.
    pub fn label_in(&self, locale: Locale) -> String {
        match locale {
            Locale::ZhCn => self.label.to_owned(),
            _ => i18n::message(locale, &format!("report-row-{}", self.key), &[]),
        }
    }
}

/// One group of table 四: the cases of one kind by result.
#[derive(Clone, Copy, Debug, Default)]
pub struct AppealRow {
    pub kind: Option<AppealKind>,
    pub upheld: i64,
    pub corrected: i64,
    pub other: i64,
    pub pending: i64,
}

impl AppealRow {
    pub fn total(&self) -> i64 {
        self.upheld + self.corrected + self.other + self.pending
    }
}

pub struct Report {
    pub year: i32,
    pub department: Option<department::Model>,
    pub rows: Vec<Row>,
    /// Reconsideration, litigation without reconsideration, litigation after reconsideration.
    pub appeals: [AppealRow; 3],
    pub fees_collected_yuan: i64,
}

/// Who may read a report: admins and evaluators, any department or the whole government; a
/// department's staff, their own department's.
fn authorize(viewer: &Viewer, department: Option<Uuid>) -> AppResult<()> {
    authz::require_role(viewer, &[Role::Admin, Role::Evaluator, Role::Staff], t!("action-read-disclosure-report"))?;
    if viewer.role() == Some(Role::Staff) && (department.is_none() || viewer.staff_department() != department) {
        return Err(AppError::forbidden(t!("error-disclosure-report-own-department")));
    }
    Ok(())
}

fn check_year(year: i32) -> AppResult<()> {
    if (2008..=9999).contains(&year) {
        Ok(())
    } else {
        Err(AppError::bad_input("year", t!("field-between", min = 2008, max = 9999)))
    }
}

/// The first instant of `year` in the calendar's time zone.
fn year_start(offset: chrono::FixedOffset, year: i32) -> AppResult<DateTime<Utc>> {
    let day = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(|| AppError::bad_input("year", t!("field-between", min = 2008, max = 9999)))?;
    offset
        .from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no start of year {year}")))
}

/// The report for `year`, one department's or (None) the whole government's, as a viewer may read it.
pub async fn read(state: &AppState, viewer: &Viewer, year: i32, department: Option<Uuid>) -> AppResult<Report> {
    authorize(viewer, department)?;
    check_year(year)?;
    compute(state, year, department).await
}

/// Computes the report: three aggregate statements (table 三's stock and outcomes, table 四, fees).
pub async fn compute(state: &AppState, year: i32, department: Option<Uuid>) -> AppResult<Report> {
    let dept = match department {
        Some(id) => Some(department::Entity::find_by_id(id).one(&state.db.conn).await?.ok_or_else(|| AppError::bad_input("departmentId", t!("field-no-such-department")))?),
        None => None,
    };
    let calendar = calendar::current(state).await?;
    let (from, to) = (year_start(calendar.offset(), year)?, year_start(calendar.offset(), year + 1)?);
    let now = state.clock.now();

    // Each request's end as the clock sees it now: closed by the department or the applicant, or
    // abandoned at the moment its correction or fee ran out.
    let mut params = Params::new();
    let at = params.bind(now);
    let waiting = params.bind_all([DisclosureStatus::AwaitingCorrection, DisclosureStatus::AwaitingPayment]);
    let correction = params.bind(DisclosureStatus::AwaitingCorrection);
    let withdrawn = params.bind(DisclosureStatus::Withdrawn);
    let other = params.bind(DisclosureOutcome::Other);
    let not_corrected = params.bind(DisclosureReason::NotCorrectedInTime);
    let not_paid = params.bind(DisclosureReason::FeeNotPaid);
    let other_reason = params.bind(DisclosureReason::OtherReason);
    let scope = match dept.as_ref() {
        Some(d) => format!("WHERE department_id = {}", params.bind(d.id)),
        None => String::new(),
    };
    let (from_p, to_p) = (params.bind(from), params.bind(to));
    let ended = format!(
        "WITH ended AS (
             SELECT applicant_type, received_at,
                    CASE WHEN status IN ({waiting}) AND lapses_at < {at} THEN lapses_at ELSE closed_at END AS ended_at,
                    CASE WHEN status IN ({waiting}) AND lapses_at < {at} THEN {other} WHEN status = {withdrawn} THEN {other} ELSE outcome END AS outcome,
                    CASE WHEN status = {correction} AND lapses_at < {at} THEN {not_corrected}
                         WHEN status IN ({waiting}) AND lapses_at < {at} THEN {not_paid}
                         WHEN status = {withdrawn} THEN {other_reason} ELSE reason END AS reason
             FROM disclosure_requests {scope}
         )"
    );
    #[derive(FromQueryResult)]
    struct Stock {
        applicant_type: ApplicantType,
        new_count: i64,
        carried_over: i64,
        carried_forward: i64,
    }
    let stock_sql = format!(
        "{ended}
         SELECT applicant_type,
                COUNT(CASE WHEN received_at >= {from_p} THEN 1 END) AS new_count,
                COUNT(CASE WHEN received_at < {from_p} AND (ended_at IS NULL OR ended_at >= {from_p}) THEN 1 END) AS carried_over,
                COUNT(CASE WHEN ended_at IS NULL OR ended_at >= {to_p} THEN 1 END) AS carried_forward
         FROM ended WHERE received_at < {to_p} GROUP BY applicant_type"
    );
    let stock: Vec<Stock> = sql::all(&state.db.conn, &stock_sql, params.clone().into_values()).await?;
    #[derive(FromQueryResult)]
    struct Handled {
        applicant_type: ApplicantType,
        outcome: Option<DisclosureOutcome>,
        reason: Option<DisclosureReason>,
        n: i64,
    }
    let handled_sql = format!(
        "{ended}
         SELECT applicant_type, outcome, reason, COUNT(*) AS n FROM ended
         WHERE ended_at >= {from_p} AND ended_at < {to_p} GROUP BY applicant_type, outcome, reason"
    );
    let handled: Vec<Handled> = sql::all(&state.db.conn, &handled_sql, params.into_values()).await?;

    let column = |t: ApplicantType| COLUMNS.iter().position(|c| *c == t).unwrap_or(COLUMNS.len() - 1);
    let mut rows: Vec<Row> = ROWS.iter().map(|(key, label, _)| Row { key, label, counts: [0; 6] }).collect();
    for (row, (_, _, measure)) in rows.iter_mut().zip(ROWS.iter()) {
        for s in &stock {
            let n = match measure {
                Measure::New => s.new_count,
                Measure::CarriedOver => s.carried_over,
                Measure::CarriedForward => s.carried_forward,
                _ => continue,
            };
            row.counts[column(s.applicant_type)] += n;
        }
        for h in &handled {
            let counts = match measure {
                Measure::Handled => true,
                // A partly disclosed or disclosed answer counts once, whatever reason it carries.
                Measure::Outcome(outcome, reason) => h.outcome == Some(*outcome) && (reason.is_none() || h.reason == *reason),
                _ => false,
            };
            if counts {
                row.counts[column(h.applicant_type)] += h.n;
            }
        }
    }

    #[derive(FromQueryResult)]
    struct AppealCount {
        kind: AppealKind,
        result: AppealResult,
        n: i64,
    }
    let mut params = Params::new();
    let (first_day, last_day) = (params.bind(format!("{year:04}-01-01")), params.bind(format!("{year:04}-12-31")));
    let scope = match dept.as_ref() {
        Some(d) => format!(" AND department_id = {}", params.bind(d.id)),
        None => String::new(),
    };
    let appeal_counts: Vec<AppealCount> = sql::all(
        &state.db.conn,
        &format!("SELECT kind, result, COUNT(*) AS n FROM disclosure_appeals WHERE filed_on >= {first_day} AND filed_on <= {last_day}{scope} GROUP BY kind, result"),
        params.into_values(),
    )
    .await?;
    let kinds = [AppealKind::Reconsideration, AppealKind::Litigation, AppealKind::LitigationAfterReconsideration];
    let mut appeals = kinds.map(|kind| AppealRow { kind: Some(kind), ..AppealRow::default() });
    for a in appeal_counts {
        let Some(group) = appeals.iter_mut().find(|g| g.kind == Some(a.kind)) else { continue };
        match a.result {
            AppealResult::Upheld => group.upheld += a.n,
            AppealResult::Corrected => group.corrected += a.n,
            AppealResult::Other => group.other += a.n,
            AppealResult::Pending => group.pending += a.n,
        }
    }

    let mut params = Params::new();
    let (from_p, to_p) = (params.bind(from), params.bind(to));
    let scope = match dept.as_ref() {
        Some(d) => format!(" AND department_id = {}", params.bind(d.id)),
        None => String::new(),
    };
    let fees = sql::count(
        &state.db.conn,
        &format!("SELECT CAST(COALESCE(SUM(fee_amount_yuan), 0) AS BIGINT) FROM disclosure_requests WHERE fee_paid_at >= {from_p} AND fee_paid_at < {to_p}{scope}"),
        params.into_values(),
    )
    .await?;
    Ok(Report { year, department: dept, rows, appeals, fees_collected_yuan: fees })
}

/// What a report link lets its holder download, and until when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportGrant {
    pub year: i32,
    pub department_id: Option<Uuid>,
    pub account_id: Uuid,
    /// Whole seconds since the Unix epoch.
    pub expires_at: i64,
}

fn signature(secret: &[u8], payload: &str) -> Vec<u8> {
    util::keyed_digest(secret, format!("disclosure-report-link|{payload}").as_bytes())
}

/// The link's token: `<year>.<department or "all">.<account>.<expiry>.<signature>`.
pub fn sign(secret: &[u8], grant: &ReportGrant) -> String {
    let department = grant.department_id.map_or_else(|| "all".to_owned(), |d| d.simple().to_string());
    let payload = format!("{}.{department}.{}.{}", grant.year, grant.account_id.simple(), grant.expires_at);
    format!("{payload}.{}", util::hex(&signature(secret, &payload)))
}

/// A link's grant if its signature holds and it has not expired (`Err(true)`: expired).
pub fn verify(secret: &[u8], token: &str, now: DateTime<Utc>) -> Result<ReportGrant, bool> {
    let token = token.strip_suffix(".csv").unwrap_or(token);
    let (payload, signature_hex) = token.rsplit_once('.').ok_or(false)?;
    let given = util::unhex(signature_hex).ok_or(false)?;
    if !util::constant_time_eq(&given, &signature(secret, payload)) {
        return Err(false);
    }
    let parts: Vec<&str> = payload.split('.').collect();
    let [year, department, account, expires] = parts.as_slice() else { return Err(false) };
    let grant = ReportGrant {
        year: year.parse().map_err(|_| false)?,
        department_id: if *department == "all" { None } else { Some(department.parse().map_err(|_| false)?) },
        account_id: account.parse().map_err(|_| false)?,
        expires_at: expires.parse().map_err(|_| false)?,
    };
    if now.timestamp() >= grant.expires_at {
        return Err(true);
    }
    Ok(grant)
}

/// The link to a report's CSV for the viewer, valid for `EXPORT_LINK_SECONDS`.
pub fn link(state: &AppState, viewer: &Viewer, year: i32, department: Option<Uuid>) -> AppResult<String> {
    let account_id = viewer.user()?.id;
    let ttl = i64::try_from(state.config.export_link_ttl.as_secs()).unwrap_or(i64::MAX / 2);
    let grant = ReportGrant { year, department_id: department, account_id, expires_at: state.clock.now().timestamp().saturating_add(ttl) };
    Ok(format!("/reports/disclosure/{}.csv", sign(&state.config.secret_key, &grant)))
}

/// The report of a valid grant, if the account that asked for it may still read it.
pub async fn for_grant(state: &AppState, grant: &ReportGrant) -> AppResult<Report> {
    let account = user::Entity::find_by_id(grant.account_id).one(&state.db.conn).await?.filter(|u| !u.suspended);
    let Some(account) = account else { return Err(AppError::forbidden(t!("error-export-account-may-not"))) };
    let viewer = Viewer { user: Some(account), token_hash: None, client_key: String::new() };
    read(state, &viewer, grant.year, grant.department_id).await
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The report as CSV: UTF-8 with a byte-order mark (so spreadsheet programs read the Chinese), table 三
/// then table 四, rows and columns in the format's order, with its Chinese labels.
pub fn csv(report: &Report) -> String {
    let mut out = String::from("\u{feff}");
    let scope = report.department.as_ref().map_or("全部机关", |d| d.name.as_str());
    out.push_str(&format!("{},{}\r\n", csv_field(&format!("{}年政府信息公开工作年度报告", report.year)), csv_field(scope)));
    out.push_str("三、收到和处理政府信息公开申请情况\r\n");
    out.push_str(&format!("{},{}\r\n", csv_field("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"), COLUMN_LABELS.join(",")));
    for row in &report.rows {
        let counts: Vec<String> = row.counts.iter().map(i64::to_string).chain([row.total().to_string()]).collect();
        out.push_str(&format!("{},{}\r\n", csv_field(row.label), counts.join(",")));
    }
    out.push_str("四、政府信息公开行政复议、行政诉讼情况\r\n");
    out.push_str("类别,结果维持,结果纠正,其他结果,尚未审结,总计\r\n");
    let names = ["行政复议", "行政诉讼：未经复议直接起诉", "行政诉讼：复议后起诉"];
    for (name, a) in names.iter().zip(report.appeals.iter()) {
        out.push_str(&format!("{name},{},{},{},{},{}\r\n", a.upheld, a.corrected, a.other, a.pending, a.total()));
    }
    out.push_str(&format!("信息处理费（元）,{}\r\n", report.fees_collected_yuan));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_and_reason_has_exactly_one_row() {
        use crate::services::disclosure::handling::reasons_of;
        for outcome in DisclosureOutcome::ALL {
            let reasons = reasons_of(*outcome);
            let expected: Vec<Option<DisclosureReason>> = if reasons.is_empty() { vec![None] } else { reasons.iter().copied().map(Some).collect() };
            for reason in expected {
                let n = ROWS.iter().filter(|(_, _, m)| *m == Measure::Outcome(*outcome, reason)).count();
                assert_eq!(n, 1, "{outcome:?} {reason:?}");
            }
        }
        assert_eq!(ROWS.iter().filter(|(_, _, m)| matches!(m, Measure::Outcome(..))).count(), 21);
    }

    #[test]
    fn a_report_link_holds_only_as_signed() {
        let grant = ReportGrant { year: 2026, department_id: None, account_id: Uuid::nil(), expires_at: 2_000_000_000 };
        let token = sign(b"k", &grant);
        let now = DateTime::<Utc>::from_timestamp(1_900_000_000, 0).unwrap();
        assert_eq!(verify(b"k", &format!("{token}.csv"), now), Ok(grant.clone()));
        assert_eq!(verify(b"other", &token, now), Err(false));
        assert_eq!(verify(b"k", &token.replacen("2026", "2025", 1), now), Err(false));
        assert_eq!(verify(b"k", &token, DateTime::<Utc>::from_timestamp(2_000_000_000, 0).unwrap()), Err(true));
    }
}
