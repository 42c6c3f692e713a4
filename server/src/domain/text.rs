//! Text inputs: trimming, length in characters, control characters, Unicode normalisation.

use unicode_normalization::UnicodeNormalization;

use crate::error::FieldError;
use crate::i18n::Text;
use crate::t;

/// Trims, NFC-normalises and checks a free-text field. `multiline` allows newline and tab.
pub fn clean_text(field: &str, value: &str, min: usize, max: usize, multiline: bool) -> Result<String, FieldError> {
    let text: String = value.trim().nfc().collect();
    let len = text.chars().count();
    if len < min {
        return Err(FieldError::new(field, if min == 1 { t!("field-not-empty") } else { t!("field-at-least-chars", min = min) }));
    }
    if len > max {
        return Err(FieldError::new(field, t!("field-at-most-chars", max = max)));
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(FieldError::new(field, t!("field-no-control-chars")));
    }
    if text.chars().any(is_bidi_control) {
        return Err(FieldError::new(field, t!("field-no-direction-chars")));
    }
    if !multiline && text.chars().any(is_invisible) {
        return Err(FieldError::new(field, t!("field-no-invisible-chars")));
    }
    Ok(text)
}

/// Embeddings, overrides and isolates: they reorder what is shown (`"\u{202e}NIMDA"` reads as
/// "ADMIN"), so a name, a title or a comment could show other words than it holds.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Characters that take no space: in a one-line field (a name, a title) they make two texts that look
/// the same differ. Zero-width joiners stay allowed, as emoji sequences and some scripts need them.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{200e}' | '\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{061c}' | '\u{180e}')
}

/// Like `clean_text` for an optional field: absent or blank gives `None`.
pub fn clean_optional(field: &str, value: Option<&str>, max: usize, multiline: bool) -> Result<Option<String>, FieldError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => clean_text(field, v, 1, max, multiline).map(Some),
    }
}

/// Collects field errors so that one response lists every offending field.
#[derive(Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value, or records the error and gives the default.
    pub fn take<T: Default>(&mut self, result: Result<T, FieldError>) -> T {
        match result {
            Ok(v) => v,
            Err(e) => {
                self.errors.push(e);
                T::default()
            }
        }
    }

    pub fn fail(&mut self, field: &str, message: Text) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn finish(self) -> Result<(), crate::error::AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(crate::error::AppError::BadInput(self.errors))
        }
    }
}

/// An email address, trimmed and lower-cased.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let email = value.trim().to_lowercase();
        let valid = email.len() <= 254
            && validator::ValidateEmail::validate_email(&email)
            && !email.chars().any(char::is_control);
        if valid {
            Ok(Self(email))
        } else {
            Err(FieldError::new(field, t!("field-valid-email")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 10–128 characters.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(field: &str, value: &str) -> Result<Self, FieldError> {
        let len = value.chars().count();
        if len < 10 {
            Err(FieldError::new(field, t!("field-at-least-chars", min = 10)))
        } else if len > 128 {
            Err(FieldError::new(field, t!("field-at-most-chars", max = 128)))
        } else {
            Ok(Self(value.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

pub fn display_name(field: &str, value: &str) -> Result<String, FieldError> {
    clean_text(field, value, 1, 50, false)
}

/// A phone number: digits with optional `+`, spaces, dashes and parentheses; 5–20 digits.
pub fn phone(field: &str, value: &str) -> Result<String, FieldError> {
    let text = value.trim();
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text.chars().all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    if allowed && (5..=20).contains(&digits) && text.len() <= 32 {
        Ok(text.to_owned())
    } else {
        Err(FieldError::new(field, t!("field-phone")))
    }
}

/// A comment body: 1–5,000 characters after trimming, newline and tab the only control characters, NFC.
pub fn comment_body(field: &str, value: &str) -> Result<String, FieldError> {
    clean_text(field, value, 1, 5000, true)
}

/// A text as duplicate detection compares it: NFKC, lower case, letters and digits only. Exact
/// duplicate groups hash it (`fingerprint`); similar groups shingle it.
pub fn folded(body: &str) -> String {
    body.nfkc().flat_map(char::to_lowercase).filter(|c| c.is_alphanumeric()).collect()
}

/// The key that puts a comment in a duplicate group: its folded text, hashed so the unique index
/// stays small.
pub fn fingerprint(body: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(folded(body).as_bytes());
    crate::util::hex(&digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_body_is_trimmed_normalised_and_bounded() {
        assert_eq!(comment_body("body", "  e\u{301}  ").unwrap(), "\u{e9}");
        assert!(comment_body("body", "   ").is_err());
        assert!(comment_body("body", &"字".repeat(5000)).is_ok());
        assert!(comment_body("body", &"字".repeat(5001)).is_err());
        assert!(comment_body("body", "a\u{7}b").is_err());
        assert!(comment_body("body", "line\nnext\tcol").is_ok());
    }

    #[test]
    fn invisible_and_direction_characters_are_refused() {
        assert!(display_name("displayName", "\u{202e}NIMDA").is_err());
        assert!(display_name("displayName", "张\u{200b}三").is_err());
        assert!(display_name("displayName", "\u{feff}张三").is_err());
        assert!(display_name("displayName", "张三\u{2067}").is_err());
        assert!(display_name("displayName", "👨\u{200d}👩\u{200d}👧").is_ok(), "emoji sequences keep their joiners");
        assert!(comment_body("body", "建议\u{202d}增加").is_err());
        assert!(comment_body("body", "建议\u{200b}增加").is_ok(), "long texts keep zero-width spaces");
    }

    #[test]
    fn fingerprints_fold_width_case_space_and_punctuation() {
        assert_eq!(fingerprint("支持本条例！ Good Idea."), fingerprint("支持本条例!goodidea"));
        assert_eq!(fingerprint("ＡＢＣ"), fingerprint("abc"));
        assert_ne!(fingerprint("支持"), fingerprint("反对"));
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(Email::parse("email", " A@Example.COM ").unwrap().as_str(), "a@example.com");
        assert!(Email::parse("email", "not-an-email").is_err());
    }
}
