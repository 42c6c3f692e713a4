//! Domain vocabulary: enumerations stored as text, and input newtypes that are valid once parsed.

mod enums;
mod text;

pub use enums::*;
pub use text::*;

/// `display_name` → `displayName`, for naming fields in BAD_USER_INPUT errors.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
