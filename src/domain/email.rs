use serde::{Deserialize, Serialize};
use std::fmt;

/// An email address that passed [`EmailAddress::parse`].
///
/// Grammar: the WHATWG HTML "valid e-mail address" (what `<input type=email>` accepts), with the
/// RFC 5321 §4.5.3.1 size limits (local part ≤ 64 octets, whole address ≤ 254). A dotless domain
/// such as `localhost` is allowed, because the default bootstrap admin is `admin@localhost`.
/// Stored as typed, trimmed; equality in the database is case-insensitive (`citext`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

/// Why a string is not an email address; `Display` is a sentence for the person typing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("Enter an email address.")]
    Empty,
    #[error("An email address is at most 254 characters.")]
    TooLong,
    #[error("Enter an email address like name@example.org.")]
    Malformed,
}

const ATEXT_EXTRA: &[u8] = b".!#$%&'*+/=?^_`{|}~-";

impl EmailAddress {
    /// Parses `input` (surrounding whitespace ignored).
    ///
    /// # Errors
    /// [`EmailError::Empty`], [`EmailError::TooLong`] or [`EmailError::Malformed`].
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailError::Malformed)?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || ATEXT_EXTRA.contains(&b));
        let domain_ok = !domain.is_empty()
            && domain.split('.').all(|label| {
                let b = label.as_bytes();
                !b.is_empty()
                    && b.len() <= 63
                    && b[0].is_ascii_alphanumeric()
                    && b[b.len() - 1].is_ascii_alphanumeric()
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            });
        if local_ok && domain_ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(EmailError::Malformed)
        }
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for EmailAddress {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(value: EmailAddress) -> Self {
        value.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_local_addresses() {
        for ok in [
            "ada@example.org",
            "  Ada.Lovelace+gh@mail.example.co.uk ",
            "admin@localhost",
            "o'brien@x-y.example",
        ] {
            assert!(EmailAddress::parse(ok).is_ok(), "{ok}");
        }
        assert_eq!(EmailAddress::parse(" a@b.c ").unwrap().as_str(), "a@b.c");
    }

    #[test]
    fn rejects_what_a_browser_would_reject() {
        assert_eq!(EmailAddress::parse("   "), Err(EmailError::Empty));
        for bad in [
            "ada",
            "@example.org",
            "ada@",
            "ada@-example.org",
            "ada@example..org",
            "a da@example.org",
            "ada@exa_mple.org",
            "<script>@x.org",
        ] {
            assert_eq!(
                EmailAddress::parse(bad),
                Err(EmailError::Malformed),
                "{bad}"
            );
        }
        let long_local = format!("{}@example.org", "a".repeat(65));
        assert_eq!(EmailAddress::parse(&long_local), Err(EmailError::Malformed));
        let long = format!("{}@{}.org", "a".repeat(60), "b".repeat(200));
        assert_eq!(EmailAddress::parse(&long), Err(EmailError::TooLong));
    }
}
