//! Enumerations of the domain. Each is stored as its SCREAMING_CASE name and exposed as a GraphQL enum.

use crate::error::AppError;

macro_rules! db_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Reads a value stored in the database; an unknown value is a data error, not user input.
            pub fn from_db(text: &str) -> Result<Self, AppError> {
                match text {
                    $($text => Ok($name::$variant),)+
                    other => Err(AppError::internal(anyhow::anyhow!(concat!("unknown ", stringify!($name), " `{}` in the database"), other))),
                }
            }
        }
    };
}

db_enum!(
    /// What an account may do (see the roles table in docs/design.md).
    Role { Citizen => "CITIZEN", Staff => "STAFF", Admin => "ADMIN", Evaluator => "EVALUATOR" }
);
db_enum!(
    /// A consultation's status as the API reports it: stored state plus the clock.
    ConsultationStatus {
        Draft => "DRAFT", Upcoming => "UPCOMING", Open => "OPEN", Closed => "CLOSED",
        Concluded => "CONCLUDED", Withdrawn => "WITHDRAWN",
    }
);
db_enum!(
    /// POST publishes comments at once; PRE holds them PENDING until staff publish them.
    ModerationMode { Post => "POST", Pre => "PRE" }
);
db_enum!(Stance { Support => "SUPPORT", Oppose => "OPPOSE", Neutral => "NEUTRAL" });
db_enum!(
    CommentStatus {
        Pending => "PENDING", Published => "PUBLISHED", Hidden => "HIDDEN", Rejected => "REJECTED",
        Withdrawn => "WITHDRAWN",
    }
);
db_enum!(CommentOrder { Newest => "NEWEST", Oldest => "OLDEST", MostEndorsed => "MOST_ENDORSED" });
db_enum!(
    ReportReason {
        Spam => "SPAM", Abuse => "ABUSE", OffTopic => "OFF_TOPIC", PersonalData => "PERSONAL_DATA", Other => "OTHER",
    }
);
db_enum!(ModerationDecision { Publish => "PUBLISH", Reject => "REJECT", Hide => "HIDE" });
db_enum!(
    /// The verdict of an official reply on a suggestion.
    Adoption {
        Adopted => "ADOPTED", PartiallyAdopted => "PARTIALLY_ADOPTED", NotAdopted => "NOT_ADOPTED",
        Explained => "EXPLAINED",
    }
);

db_enum!(
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
db_enum!(
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
db_enum!(
    /// An admin's decision on a supervisor application.
    ReviewDecision {
        /// Appoint the applicant for `termMonths` (default 24).
        Approve => "APPROVE",
        /// Turn the application down; a note is required.
        Reject => "REJECT",
    }
);
db_enum!(
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
db_enum!(
    /// Whether an observation awaits the department's answer.
    ObservationStatus {
        /// Awaiting the department's answer (again, after a follow-up).
        Open => "OPEN",
        /// The department has answered.
        Answered => "ANSWERED",
    }
);

db_enum!(
    /// The file format of a comment export.
    ExportFormat { Csv => "CSV", Json => "JSON" }
);

/// What is stored in `consultations.state`; the reported status also depends on the clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConsultationState {
    Draft,
    Published,
    Concluded,
    Withdrawn,
}

impl ConsultationState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Published => "PUBLISHED",
            Self::Concluded => "CONCLUDED",
            Self::Withdrawn => "WITHDRAWN",
        }
    }

    pub fn from_db(text: &str) -> Result<Self, AppError> {
        match text {
            "DRAFT" => Ok(Self::Draft),
            "PUBLISHED" => Ok(Self::Published),
            "CONCLUDED" => Ok(Self::Concluded),
            "WITHDRAWN" => Ok(Self::Withdrawn),
            other => Err(AppError::internal(anyhow::anyhow!("unknown consultation state `{other}`"))),
        }
    }
}
