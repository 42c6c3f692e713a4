//! The enumerations stored in the tables: each is kept as its SCREAMING_CASE name in a text column
//! and read back as the Rust enum (an unknown value is a data error). With the `graphql` feature each
//! is also a GraphQL enum of the same names, so the API, the rows and the code share one vocabulary.

use sea_orm::entity::prelude::*;

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum)]
        #[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name { $($(#[$vmeta])* #[sea_orm(string_value = $text)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and GraphQL) name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads a stored name, as a raw row holds it.
            pub fn parse(text: &str) -> Option<Self> {
                match text {
                    $($text => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

stored_enum!(
    /// What an account may do (see the roles table in docs/design.md).
    Role { Citizen => "CITIZEN", Staff => "STAFF", Admin => "ADMIN", Evaluator => "EVALUATOR" }
);
stored_enum!(
    /// POST publishes comments at once; PRE holds them PENDING until staff publish them.
    ModerationMode { Post => "POST", Pre => "PRE" }
);
stored_enum!(Stance { Support => "SUPPORT", Oppose => "OPPOSE", Neutral => "NEUTRAL" });
stored_enum!(
    CommentStatus {
        Pending => "PENDING", Published => "PUBLISHED", Hidden => "HIDDEN", Rejected => "REJECTED",
        Withdrawn => "WITHDRAWN",
    }
);
stored_enum!(
    ReportReason {
        Spam => "SPAM", Abuse => "ABUSE", OffTopic => "OFF_TOPIC", PersonalData => "PERSONAL_DATA", Other => "OTHER",
    }
);
stored_enum!(
    /// The verdict of an official reply on a suggestion.
    Adoption {
        Adopted => "ADOPTED", PartiallyAdopted => "PARTIALLY_ADOPTED", NotAdopted => "NOT_ADOPTED",
        Explained => "EXPLAINED",
    }
);

stored_enum!(
    /// The group an openness supervisor is appointed from.
    SupervisorCategory {
        /// A deputy to a people's congress.
        NpcDeputy => "NPC_DEPUTY",
        /// A member of a CPPCC committee.
        CppccMember => "CPPCC_MEMBER",
        /// A member of a democratic party.
        DemocraticParty => "DEMOCRATIC_PARTY",
        /// A specialist or scholar in the field.
        Expert => "EXPERT",
        /// A member of the public.
        Citizen => "CITIZEN",
        /// A journalist.
        Media => "MEDIA",
    }
);
stored_enum!(
    /// Where a supervisor application stands.
    ApplicationStatus {
        /// Waiting for an admin's review; a user has at most one.
        Pending => "PENDING",
        /// Approved: the applicant was appointed.
        Approved => "APPROVED",
        /// Rejected by an admin, with a note.
        Rejected => "REJECTED",
        /// Withdrawn by the applicant while pending.
        Withdrawn => "WITHDRAWN",
    }
);
stored_enum!(
    /// What an observation is about.
    ObservationKind {
        /// Information the department should publish and has not, or published late or incompletely.
        Disclosure => "DISCLOSURE",
        /// How the department runs a public consultation (notice, duration, materials, access).
        Consultation => "CONSULTATION",
        /// How the department answers the public: comments, requests, enquiries, feedback.
        Response => "RESPONSE",
        /// The service at the department's counters, hotlines or online channels.
        Service => "SERVICE",
        /// Anything else about the department's openness.
        Other => "OTHER",
    }
);
stored_enum!(
    /// Whether an observation awaits the department's answer.
    ObservationStatus {
        /// Awaiting the department's answer (again, after a follow-up).
        Open => "OPEN",
        /// The department has answered.
        Answered => "ANSWERED",
    }
);

stored_enum!(
    /// What is stored in `consultations.state`. The status the API reports also depends on the clock
    /// (a published consultation is upcoming, open or closed).
    ConsultationState { Draft => "DRAFT", Published => "PUBLISHED", Concluded => "CONCLUDED", Withdrawn => "WITHDRAWN" }
);
stored_enum!(
    /// What a notification tells its recipient.
    NotificationKind {
        /// A department replied to your comment (once per reply, also for a group reply).
        CommentReplied => "COMMENT_REPLIED",
        /// Staff published, rejected or hid your comment.
        CommentModerated => "COMMENT_MODERATED",
        /// A consultation you commented on published its outcome.
        ConsultationConcluded => "CONSULTATION_CONCLUDED",
        /// An admin decided on your supervisor application.
        ApplicationReviewed => "APPLICATION_REVIEWED",
        /// An admin ended your supervisor appointment early.
        AppointmentRevoked => "APPOINTMENT_REVOKED",
        /// A supervisor filed an observation on your department.
        ObservationFiled => "OBSERVATION_FILED",
        /// A supervisor followed up an observation on your department.
        ObservationFollowedUp => "OBSERVATION_FOLLOWED_UP",
        /// The department answered your observation.
        ObservationAnswered => "OBSERVATION_ANSWERED",
        /// Your supervisor appointment ends in 30 days.
        AppointmentEnding => "APPOINTMENT_ENDING",
        /// An observation on your department is due within 3 working days.
        ObservationDueSoon => "OBSERVATION_DUE_SOON",
        /// An observation is past its deadline without an answer (to the department's staff and the
        /// supervisor, once per deadline).
        ObservationOverdue => "OBSERVATION_OVERDUE",
        /// Once a day, to each staff member whose department has work waiting: unreplied comments on
        /// consultations closing within 3 days, observations due within 3 working days or overdue.
        DailyDigest => "DAILY_DIGEST",
        /// The department received your disclosure request: its tracking number and deadline.
        DisclosureReceived => "DISCLOSURE_RECEIVED",
        /// The department asks you to correct or complete your disclosure request.
        DisclosureCorrectionRequested => "DISCLOSURE_CORRECTION_REQUESTED",
        /// The department extended the deadline of your disclosure request.
        DisclosureExtended => "DISCLOSURE_EXTENDED",
        /// A fee is due before your disclosure request is handled.
        DisclosureFeeNotice => "DISCLOSURE_FEE_NOTICE",
        /// The department answered your disclosure request.
        DisclosureAnswered => "DISCLOSURE_ANSWERED",
        /// A disclosure request to your department is due within 3 working days.
        DisclosureDueSoon => "DISCLOSURE_DUE_SOON",
        /// A disclosure request to your department is past its deadline without an answer (once per
        /// deadline).
        DisclosureOverdue => "DISCLOSURE_OVERDUE",
    }
);
stored_enum!(
    /// What a notification is about.
    NotificationSubjectType {
        Comment => "COMMENT",
        Consultation => "CONSULTATION",
        Observation => "OBSERVATION",
        SupervisorApplication => "SUPERVISOR_APPLICATION",
        Supervisor => "SUPERVISOR",
        /// The recipient's department (the daily digest of its work waiting).
        Department => "DEPARTMENT",
        DisclosureRequest => "DISCLOSURE_REQUEST",
    }
);
stored_enum!(
    /// Where a disclosure request stands: the stored state plus the clock (a correction or a fee not
    /// answered in time is ABANDONED; a third party's time that ran out is PROCESSING again).
    DisclosureStatus {
        /// The department is handling it; the clock runs.
        Processing => "PROCESSING",
        /// Waiting for the applicant to correct or complete it (Art. 30); the clock starts again on the response.
        AwaitingCorrection => "AWAITING_CORRECTION",
        /// Waiting for a consulted third party (Art. 32, at most 15 working days); the clock stops.
        AwaitingThirdParty => "AWAITING_THIRD_PARTY",
        /// Waiting for a fee to be paid (Art. 42); the clock stops.
        AwaitingPayment => "AWAITING_PAYMENT",
        Answered => "ANSWERED",
        /// Withdrawn by the applicant.
        Withdrawn => "WITHDRAWN",
        /// The applicant did not correct it or pay in time: closed by the clock as OTHER with its reason.
        Abandoned => "ABANDONED",
    }
);
stored_enum!(
    /// How a disclosure request arrived (Art. 31 says which day counts as its receipt).
    DisclosureChannel {
        Online => "ONLINE", Letter => "LETTER", RegisteredMail => "REGISTERED_MAIL", InPerson => "IN_PERSON",
        Fax => "FAX", Email => "EMAIL",
    }
);
stored_enum!(
    /// Who asks, as the annual report's columns count them.
    ApplicantType {
        NaturalPerson => "NATURAL_PERSON", CommercialEnterprise => "COMMERCIAL_ENTERPRISE",
        ResearchInstitution => "RESEARCH_INSTITUTION", SocialWelfareOrganization => "SOCIAL_WELFARE_ORGANIZATION",
        LegalServiceOrganization => "LEGAL_SERVICE_ORGANIZATION", OtherOrganization => "OTHER_ORGANIZATION",
    }
);
stored_enum!(
    IdDocumentType {
        ResidentIdCard => "RESIDENT_ID_CARD", Passport => "PASSPORT", HkMacaoPermit => "HK_MACAO_PERMIT",
        TaiwanPermit => "TAIWAN_PERMIT", ForeignPermanentResidentId => "FOREIGN_PERMANENT_RESIDENT_ID", Other => "OTHER",
    }
);
stored_enum!(
    /// The form the applicant asks the information in.
    DisclosureForm { Paper => "PAPER", Electronic => "ELECTRONIC", Viewing => "VIEWING" }
);
stored_enum!(DeliveryMethod { Post => "POST", Email => "EMAIL", Pickup => "PICKUP", Online => "ONLINE" });
stored_enum!(
    /// How an information-processing fee is counted (国办函〔2020〕109号).
    FeeBasis {
        /// By the applicant's requests in one calendar month.
        ByPiece => "BY_PIECE",
        /// By the pages of the information provided.
        ByPage => "BY_PAGE",
    }
);
stored_enum!(
    /// The outcome of a disclosure request (Arts. 36–39), as the annual report counts it.
    DisclosureOutcome {
        Disclosed => "DISCLOSED", PartiallyDisclosed => "PARTIALLY_DISCLOSED", Withheld => "WITHHELD",
        UnableToProvide => "UNABLE_TO_PROVIDE", NotProcessed => "NOT_PROCESSED", Other => "OTHER",
    }
);
stored_enum!(
    /// Why information was not disclosed; each belongs to one outcome.
    DisclosureReason {
        StateSecret => "STATE_SECRET", ProhibitedByLaw => "PROHIBITED_BY_LAW", EndangersSecurity => "ENDANGERS_SECURITY",
        ThirdPartyRights => "THIRD_PARTY_RIGHTS", InternalAffairs => "INTERNAL_AFFAIRS", ProcessInformation => "PROCESS_INFORMATION",
        EnforcementCaseFile => "ENFORCEMENT_CASE_FILE", AdministrativeInquiry => "ADMINISTRATIVE_INQUIRY",
        NotHeld => "NOT_HELD", NeedsCreation => "NEEDS_CREATION", UnclearAfterCorrection => "UNCLEAR_AFTER_CORRECTION",
        PetitionOrComplaint => "PETITION_OR_COMPLAINT", RepeatedRequest => "REPEATED_REQUEST", Publication => "PUBLICATION",
        ExcessiveRequests => "EXCESSIVE_REQUESTS", ConfirmationRequest => "CONFIRMATION_REQUEST",
        /// Set by the clock: the applicant did not correct the request in time.
        NotCorrectedInTime => "NOT_CORRECTED_IN_TIME",
        /// Set by the clock: the fee was not paid in time.
        FeeNotPaid => "FEE_NOT_PAID",
        OtherReason => "OTHER_REASON",
    }
);
stored_enum!(
    AppealKind {
        /// Administrative reconsideration (行政复议).
        Reconsideration => "RECONSIDERATION",
        /// Administrative litigation without reconsideration first (未经复议直接起诉).
        Litigation => "LITIGATION",
        /// Administrative litigation after reconsideration (复议后起诉).
        LitigationAfterReconsideration => "LITIGATION_AFTER_RECONSIDERATION",
    }
);
stored_enum!(
    AppealResult {
        /// The department's answer was upheld (维持).
        Upheld => "UPHELD",
        /// The answer was corrected (纠正).
        Corrected => "CORRECTED",
        Other => "OTHER",
        /// Not decided yet (尚未审结).
        Pending => "PENDING",
    }
);
stored_enum!(
    /// An entry of a disclosure request's timeline.
    DisclosureEventKind {
        Received => "RECEIVED", CorrectionRequested => "CORRECTION_REQUESTED", Corrected => "CORRECTED",
        Extended => "EXTENDED", ThirdPartyStarted => "THIRD_PARTY_STARTED", ThirdPartyEnded => "THIRD_PARTY_ENDED",
        /// The third party's 15 working days ran out: the clock runs again (by the clock).
        ThirdPartyLapsed => "THIRD_PARTY_LAPSED",
        FeeNotice => "FEE_NOTICE", FeePaid => "FEE_PAID", Answered => "ANSWERED", Withdrawn => "WITHDRAWN",
        /// Closed by the clock: no correction or payment in time.
        Abandoned => "ABANDONED",
        AppealRecorded => "APPEAL_RECORDED",
    }
);
stored_enum!(
    /// Where the outbox delivers a message.
    DeliveryChannel { Email => "EMAIL", Webhook => "WEBHOOK" }
);
stored_enum!(
    /// How far a delivery has come: PENDING until sent (or given up on: FAILED).
    DeliveryStatus { Pending => "PENDING", Delivered => "DELIVERED", Failed => "FAILED" }
);
stored_enum!(
    /// What a single-use code or link proves.
    TokenPurpose { VerifyEmail => "VERIFY_EMAIL", ResetPassword => "RESET_PASSWORD" }
);
stored_enum!(
    /// Where a bulk reply job stands: QUEUED until an instance takes it, RUNNING while its replies are
    /// written, DONE when every chosen comment was answered, skipped or failed, FAILED when the
    /// consultation stopped taking replies before the end (the rest count as failed).
    BulkReplyStatus { Queued => "QUEUED", Running => "RUNNING", Done => "DONE", Failed => "FAILED" }
);
