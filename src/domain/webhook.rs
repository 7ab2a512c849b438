//! The webhook event catalogue (spec 001 UC-105) and which scope each event needs.

use super::Scope;
use serde::{Deserialize, Serialize};

/// One kind of event a webhook endpoint may receive. The wire name (`type` in the body) is
/// [`WebhookEventType::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum WebhookEventType {
    InvitationCreated,
    InvitationAccepted,
    InvitationRevoked,
    InvitationExpired,
    PartnerActivated,
    PartnerDegraded,
    PartnerSuspended,
    PartnerDecommissioned,
    CredentialSubmitted,
    ClientSecretRotationDue,
}

impl WebhookEventType {
    /// The catalogue, in display order.
    pub const ALL: [Self; 10] = [
        Self::InvitationCreated,
        Self::InvitationAccepted,
        Self::InvitationRevoked,
        Self::InvitationExpired,
        Self::PartnerActivated,
        Self::PartnerDegraded,
        Self::PartnerSuspended,
        Self::PartnerDecommissioned,
        Self::CredentialSubmitted,
        Self::ClientSecretRotationDue,
    ];

    /// The wire name, e.g. `invitation.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvitationCreated => "invitation.created",
            Self::InvitationAccepted => "invitation.accepted",
            Self::InvitationRevoked => "invitation.revoked",
            Self::InvitationExpired => "invitation.expired",
            Self::PartnerActivated => "partner.activated",
            Self::PartnerDegraded => "partner.degraded",
            Self::PartnerSuspended => "partner.suspended",
            Self::PartnerDecommissioned => "partner.decommissioned",
            Self::CredentialSubmitted => "credential.submitted",
            Self::ClientSecretRotationDue => "client_secret.rotation_due",
        }
    }

    /// Inverse of [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// What it reports, in plain words.
    pub fn description(self) -> &'static str {
        match self {
            Self::InvitationCreated => "An invitation this partner created was sent.",
            Self::InvitationAccepted => "An invitation this partner created was accepted.",
            Self::InvitationRevoked => "An invitation this partner created was revoked.",
            Self::InvitationExpired => "An invitation this partner created expired.",
            Self::PartnerActivated => "The partner's connection became active.",
            Self::PartnerDegraded => {
                "One of the partner's webhook endpoints was disabled after failures."
            }
            Self::PartnerSuspended => "The partner was suspended.",
            Self::PartnerDecommissioned => "The partner was decommissioned.",
            Self::CredentialSubmitted => "The partner's tech lead submitted API credentials.",
            Self::ClientSecretRotationDue => "The partner's client secret is due for rotation.",
        }
    }

    /// The scope a partner needs to receive it (PRIV-01: events are data too). Events about
    /// the partner itself need none; invitation events need `invitations:read`, and carry
    /// only the invitations this partner created.
    pub fn required_scope(self) -> Option<Scope> {
        match self {
            Self::InvitationCreated
            | Self::InvitationAccepted
            | Self::InvitationRevoked
            | Self::InvitationExpired => Some(Scope::InvitationsRead),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_round_trips_and_invitation_events_need_their_scope() {
        for t in WebhookEventType::ALL {
            assert_eq!(WebhookEventType::parse(t.as_str()), Some(t));
            assert_eq!(
                t.required_scope().is_some(),
                t.as_str().starts_with("invitation.")
            );
        }
        assert_eq!(WebhookEventType::parse("webhook.test"), None);
    }
}
