//! Enumerations of the API that are not stored (the stored ones are `entities::enums`, re-exported
//! here): each is a GraphQL enum of SCREAMING_CASE names.

pub use entities::enums::*;

macro_rules! api_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
    };
}

api_enum!(
    /// A consultation's status as the API reports it: stored state plus the clock.
    ConsultationStatus {
        Draft => "DRAFT", Upcoming => "UPCOMING", Open => "OPEN", Closed => "CLOSED",
        Concluded => "CONCLUDED", Withdrawn => "WITHDRAWN",
    }
);

api_enum!(CommentOrder { Newest => "NEWEST", Oldest => "OLDEST", MostEndorsed => "MOST_ENDORSED" });

api_enum!(ModerationDecision { Publish => "PUBLISH", Reject => "REJECT", Hide => "HIDE" });

api_enum!(
    /// An admin's decision on a supervisor application.
    ReviewDecision {
        /// Appoint the applicant for `termMonths` (default 24).
        Approve => "APPROVE",
        /// Turn the application down; a note is required.
        Reject => "REJECT",
    }
);

api_enum!(
    /// The file format of a comment export.
    ExportFormat { Csv => "CSV", Json => "JSON" }
);
