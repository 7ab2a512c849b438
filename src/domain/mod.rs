//! Pure domain types shared by the server and the browser build: no I/O, no clocks.
//!
//! Each type parses its input instead of validating it afterwards, so a value that exists is
//! valid (`EmailAddress::parse`, `PersonName::parse`, `Role::parse`, ...). The same parsers run
//! in the browser before a form is submitted and again on the server.

pub mod bulk_csv;
mod display;
mod email;
mod email_template;
mod fields;
mod identity;
mod invitation_draft;
mod invite_code;
mod key_strength;
mod partner;
mod password;
mod redact;
mod role;
mod status;
#[cfg(feature = "ssr")]
mod token;
mod webhook;
pub mod webhook_mapping;

pub use display::{format_utc, rfc3339};
pub use email::{EmailAddress, EmailError};
pub use email_template::EmailTemplateKind;
pub use fields::{OptionalText, PersonName};
pub use identity::{
    challenge_message, did_key, parse_public_key, public_key_from_did, verify, ChallengePurpose,
    KeyBackup, KeyError, KeyPair, SigningChallenge,
};
pub use invitation_draft::{DraftFields, InvitationDraft, MAX_DETAIL_CHARS};
pub use invite_code::{
    parse_batch_size, parse_max_uses, CodeExpiry, CodeStatus, InviteCode, InviteCodeError,
    ALPHABET, BATCH_LIMIT, CODE_LEN, MAX_USES_LIMIT,
};
pub use key_strength::{
    assess as assess_key, KeyAssessment, KeyProblem, KeyRequirements, MAX_KEY_CHARS,
};
pub use partner::{parse_scope_list, scope_list, IntegrationEnvironment, PartnerStatus, Scope};
pub use password::{PasswordPolicy, PasswordProblem, MAX_PASSWORD_CHARS};
pub use role::{OrgKind, Role};
pub use status::{DeliveryState, InvitationStatus};
#[cfg(feature = "ssr")]
pub use token::{InvitationToken, TokenHash};
pub use webhook::WebhookEventType;

/// Checks the shape of an invitation token as it appears in a link: exactly 64 lowercase
/// hexadecimal characters (32 random bytes). Anything else cannot be a token we issued.
pub fn is_token_shaped(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape_is_64_lowercase_hex() {
        assert!(is_token_shaped(&"ab".repeat(32)));
        assert!(!is_token_shaped(&"AB".repeat(32)));
        assert!(!is_token_shaped(&"ab".repeat(31)));
        assert!(!is_token_shaped(&"zz".repeat(32)));
    }
}
