//! The emails an organisation may rewrite, with the placeholders each one offers.

use serde::{Deserialize, Serialize};

/// One of the three emails whose template an organisation's admins edit (issue 11). The wire
/// name is also the template's folder under `templates/email/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailTemplateKind {
    /// The invitation to complete registration.
    Invitation,
    /// The reminder before an invitation expires.
    InvitationReminder,
    /// The request to a partner's tech lead to submit their API key and secret.
    CredentialInvitation,
}

impl EmailTemplateKind {
    /// Every kind, in the order the page lists them.
    pub const ALL: [Self; 3] = [
        Self::Invitation,
        Self::InvitationReminder,
        Self::CredentialInvitation,
    ];

    /// The stored name (and folder name).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invitation => "invitation",
            Self::InvitationReminder => "invitation_reminder",
            Self::CredentialInvitation => "credential_invitation",
        }
    }

    /// The kind stored as `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// What a person calls it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Invitation => "Invitation",
            Self::InvitationReminder => "Expiry reminder",
            Self::CredentialInvitation => "Credential invitation",
        }
    }

    /// The placeholders (`{{ name }}`) its templates may use; every body must use `link`.
    pub fn placeholders(self) -> &'static [&'static str] {
        match self {
            Self::Invitation | Self::InvitationReminder => &[
                "invitee_first_name",
                "invitee_last_name",
                "organisation",
                "role",
                "inviter",
                "link",
                "expires",
            ],
            Self::CredentialInvitation => &[
                "partner",
                "organisation",
                "provider",
                "environment",
                "link",
                "expires",
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_all_offer_the_link() {
        for k in EmailTemplateKind::ALL {
            assert_eq!(EmailTemplateKind::parse(k.as_str()), Some(k));
            assert!(k.placeholders().contains(&"link"));
        }
        assert_eq!(EmailTemplateKind::parse("reissue_request"), None);
    }
}
