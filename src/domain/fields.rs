use serde::{Deserialize, Serialize};

/// A first or last name: trimmed, 1 to 100 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    /// Longest accepted name, in characters (Unicode scalar values).
    pub const MAX_CHARS: usize = 100;

    /// Parses a name typed into a form.
    ///
    /// # Errors
    /// A sentence for the person typing: empty, too long, or containing control characters.
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err("This field is required.".into());
        }
        if s.chars().count() > Self::MAX_CHARS {
            return Err(format!("Use at most {} characters.", Self::MAX_CHARS));
        }
        if s.chars().any(char::is_control) {
            return Err("Remove line breaks and other control characters.".into());
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// An optional free-text field (designation, department, revoke reason): trimmed, empty becomes
/// `None`, at most `max` characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OptionalText(Option<String>);

impl OptionalText {
    /// Parses an optional field of at most `max` characters.
    ///
    /// # Errors
    /// A sentence for the person typing when it is too long or holds control characters.
    pub fn parse(input: &str, max: usize) -> Result<Self, String> {
        let s = input.trim();
        if s.is_empty() {
            return Ok(Self(None));
        }
        if s.chars().count() > max {
            return Err(format!("Use at most {max} characters."));
        }
        if s.chars().any(char::is_control) {
            return Err("Remove line breaks and other control characters.".into());
        }
        Ok(Self(Some(s.to_owned())))
    }

    /// The text, if any.
    pub fn into_inner(self) -> Option<String> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(PersonName::parse("  Ada ").unwrap().as_str(), "Ada");
        assert!(PersonName::parse(" ").is_err());
        assert!(PersonName::parse(&"x".repeat(101)).is_err());
        assert!(PersonName::parse("Zoë Ó Súilleabháin").is_ok());
        assert!(PersonName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn optional_text_empty_is_none() {
        assert_eq!(OptionalText::parse("  ", 10).unwrap().into_inner(), None);
        assert_eq!(
            OptionalText::parse(" Ops ", 10).unwrap().into_inner(),
            Some("Ops".into())
        );
        assert!(OptionalText::parse("elevenchars", 10).is_err());
    }
}
