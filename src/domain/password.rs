use serde::{Deserialize, Serialize};

/// Longest password accepted, in characters. NIST SP 800-63B-4 §3.1.1.2 asks verifiers to
/// accept at least 64; the cap only bounds hashing work.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The password rules of NIST SP 800-63B-4 §3.1.1.2 that can be checked without a server:
/// a minimum length (15 by default for a single-factor password, configurable, never below 8),
/// at least 64 characters accepted, no composition rules, every Unicode code point counts as
/// one character. The blocklist check runs on the server only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordPolicy {
    /// Minimum length in characters (Unicode scalar values), at least 8.
    pub min_chars: usize,
}

/// Why a password is refused; `Display` is the sentence shown next to the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("Use at least {0} characters.")]
    TooShort(usize),
    #[error("Use at most {MAX_PASSWORD_CHARS} characters.")]
    TooLong,
    #[error("The passwords do not match.")]
    Mismatch,
    /// From the server's blocklist check; the text says why.
    #[error("{0}")]
    Common(String),
}

impl PasswordPolicy {
    /// Policy with `min_chars`, raised to 8 if lower (NIST SP 800-63B-4 absolute minimum).
    pub fn new(min_chars: usize) -> Self {
        Self {
            min_chars: min_chars.max(8),
        }
    }

    /// Checks length. Leading and trailing spaces are part of the password.
    ///
    /// # Errors
    /// [`PasswordProblem::TooShort`] or [`PasswordProblem::TooLong`].
    pub fn check_length(&self, password: &str) -> Result<(), PasswordProblem> {
        let n = password.chars().count();
        if n < self.min_chars {
            Err(PasswordProblem::TooShort(self.min_chars))
        } else if n > MAX_PASSWORD_CHARS {
            Err(PasswordProblem::TooLong)
        } else {
            Ok(())
        }
    }

    /// Checks that the confirmation matches.
    ///
    /// # Errors
    /// [`PasswordProblem::Mismatch`].
    pub fn check_confirmation(password: &str, confirmation: &str) -> Result<(), PasswordProblem> {
        if password == confirmation {
            Ok(())
        } else {
            Err(PasswordProblem::Mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimum_never_below_eight() {
        assert_eq!(PasswordPolicy::new(4).min_chars, 8);
        assert_eq!(PasswordPolicy::new(15).min_chars, 15);
    }

    #[test]
    fn length_counts_code_points_and_accepts_64() {
        let p = PasswordPolicy::new(15);
        assert_eq!(p.check_length("short"), Err(PasswordProblem::TooShort(15)));
        assert!(p.check_length(&"é".repeat(15)).is_ok());
        assert!(p.check_length(&"x".repeat(64)).is_ok());
        assert_eq!(
            p.check_length(&"x".repeat(257)),
            Err(PasswordProblem::TooLong)
        );
    }

    #[test]
    fn confirmation_must_match() {
        assert!(PasswordPolicy::check_confirmation("a", "a").is_ok());
        assert_eq!(
            PasswordPolicy::check_confirmation("a", "b"),
            Err(PasswordProblem::Mismatch)
        );
    }
}
