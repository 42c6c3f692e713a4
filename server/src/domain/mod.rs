//! Domain vocabulary: enumerations stored as text, and input newtypes that are valid once parsed.

mod enums;
mod text;

pub use enums::*;
pub use text::*;

