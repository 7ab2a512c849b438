use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;

/// A freshly issued invitation token: 32 bytes from the operating system's CSPRNG, sent to the
/// invitee as 64 lowercase hex characters and never stored (OWASP ASVS 5.0 V7.2.3: at least
/// 128 bits of entropy from a CSPRNG). `Debug` is redacted.
pub struct InvitationToken(SecretString);

/// SHA-256 of a token's 32 raw bytes; the only form the database keeps. A fast hash suffices
/// because the input is 256 random bits, not a password.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash(pub [u8; 32]);

impl InvitationToken {
    /// Draws a new token.
    ///
    /// # Panics
    /// If the operating system's random source fails, which leaves nothing safe to do.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the OS random number generator failed");
        Self(SecretString::from(hex::encode(bytes)))
    }

    /// Wraps a token received in a link if it has the right shape (64 lowercase hex).
    pub fn parse(s: &str) -> Option<Self> {
        super::is_token_shaped(s).then(|| Self(SecretString::from(s.to_owned())))
    }

    /// The hex text that goes into the link. Handle with care.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The hash stored in and looked up from the database.
    pub fn hash(&self) -> TokenHash {
        let raw = hex::decode(self.0.expose_secret()).expect("tokens are hex by construction");
        TokenHash(Sha256::digest(raw).into())
    }
}

impl fmt::Debug for InvitationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InvitationToken([redacted])")
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_and_unique() {
        let a = InvitationToken::generate();
        let b = InvitationToken::generate();
        assert!(crate::domain::is_token_shaped(a.expose()));
        assert_ne!(a.expose(), b.expose());
    }

    #[test]
    fn hash_is_sha256_of_raw_bytes() {
        let t = InvitationToken::parse(&"00".repeat(32)).unwrap();
        // SHA-256 of 32 zero bytes.
        assert_eq!(
            hex::encode(t.hash().0),
            "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"
        );
        assert!(InvitationToken::parse("nothex").is_none());
    }

    #[test]
    fn debug_never_shows_the_token() {
        let t = InvitationToken::generate();
        assert!(!format!("{t:?}").contains(t.expose()));
        assert!(!format!("{:?}", t.hash()).contains(&hex::encode(t.hash().0)));
    }
}
