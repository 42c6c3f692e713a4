//! Enumerations of the domain. Each is stored as its SCREAMING_CASE name and exposed as a GraphQL enum.

use crate::error::AppError;

macro_rules! db_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

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
    /// What an account may do (see the roles table in DESIGN.md).
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
