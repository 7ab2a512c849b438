//! The actions of each audit subject, each with its one stored name.

macro_rules! actions {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every action, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)+];

            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            /// The action stored as `s`, if any.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|a| a.as_str() == s)
            }
        }
    };
}

actions! {
    /// What happened to a member invitation.
    InvitationAction {
        Created => "created",
        /// The invitee opened the registration page.
        Viewed => "viewed",
        Accepted => "accepted",
        Resent => "resent",
        /// The invitee was reminded before expiry.
        Reminded => "reminded",
        Revoked => "revoked",
        Expired => "expired",
        /// The invitee asked for a new invitation after expiry.
        ReissueRequested => "reissue_requested",
    }
}

actions! {
    /// What happened to an invite code.
    InviteCodeAction {
        Created => "created",
        /// An admin showed the code again.
        Revealed => "revealed",
        Redeemed => "redeemed",
        Revoked => "revoked",
    }
}

actions! {
    /// What happened to a partner.
    PartnerAction {
        Registered => "registered",
        ConfigurationChanged => "configuration_changed",
        Submitted => "submitted",
        Approved => "approved",
        Rejected => "rejected",
        CredentialsIssued => "credentials_issued",
        /// A new client secret; the previous one works until the overlap ends.
        ClientSecretRotated => "client_secret_rotated",
        /// The current secret is due for rotation soon (a reminder went out).
        RotationDue => "client_secret_rotation_due",
        Suspended => "suspended",
        Resumed => "resumed",
        Decommissioned => "decommissioned",
        /// The first successful ping.
        Activated => "activated",
        Healthy => "healthy",
        TokenIssued => "token_issued",
        /// A call asked for a scope the partner does not hold (RFC 6750 §3.1).
        ScopeViolation => "scope_violation",
        /// A new version of its webhook schema mapping.
        WebhookMappingChanged => "webhook_mapping_changed",
    }
}

actions! {
    /// What happened to a credential invitation (a partner tech lead's single-use link).
    CredentialInvitationAction {
        Created => "credential_invitation_created",
        Refreshed => "credential_invitation_refreshed",
        Revoked => "credential_invitation_revoked",
        /// The tech lead's key and secret were accepted.
        Accepted => "credentials_accepted",
    }
}

actions! {
    /// What happened to an API token.
    ApiTokenAction {
        Created => "api_token_created",
        Revoked => "api_token_revoked",
    }
}

actions! {
    /// What happened to a partner's webhook endpoint.
    WebhookEndpointAction {
        Added => "webhook_endpoint_added",
        SecretRotated => "webhook_secret_rotated",
        /// Disabled by Gatehouse after consecutive failures or a 410 (LOG-01).
        Disabled => "webhook_endpoint_disabled",
        /// Enabled again after a successful test event.
        Reenabled => "webhook_endpoint_reenabled",
        MessageReplayed => "webhook_message_replayed",
    }
}

actions! {
    /// What changed in an organisation's settings.
    OrganisationAction {
        /// A new version of one of its email templates was saved.
        EmailTemplateSaved => "email_template_saved",
        /// One of its email templates was reset to the built-in one (a new version).
        EmailTemplateReset => "email_template_reset",
        /// Its sender display name or reply-to address changed.
        EmailSenderChanged => "email_sender_changed",
        /// Its expiry reminders were switched on or off.
        RemindersSwitched => "expiry_reminders_switched",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique_per_subject() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            name: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            let mut seen = std::collections::HashSet::new();
            for a in all {
                assert_eq!(parse(name(*a)), Some(*a));
                assert!(seen.insert(name(*a)), "{} twice", name(*a));
            }
        }
        check(
            InvitationAction::ALL,
            InvitationAction::as_str,
            InvitationAction::parse,
        );
        check(
            InviteCodeAction::ALL,
            InviteCodeAction::as_str,
            InviteCodeAction::parse,
        );
        check(
            PartnerAction::ALL,
            PartnerAction::as_str,
            PartnerAction::parse,
        );
        check(
            CredentialInvitationAction::ALL,
            CredentialInvitationAction::as_str,
            CredentialInvitationAction::parse,
        );
    }
}
