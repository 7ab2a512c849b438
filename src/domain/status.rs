use serde::{Deserialize, Serialize};

/// Lifecycle of a member invitation.
///
/// ```text
/// pending ──accept──▶ accepted
///    │ ├──revoke──▶ revoked
///    │ └──time────▶ expired ──resend──▶ pending (new token)
///    └──resend────▶ pending (new token, expiry restarts)
/// ```
/// Accepted and revoked are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl InvitationStatus {
    /// Every status, in the order filters show them.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Accepted, Self::Expired, Self::Revoked];

    /// Database and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
        }
    }

    /// Inverse of [`InvitationStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Badge text.
    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Accepted => "Accepted",
            Self::Revoked => "Revoked",
            Self::Expired => "Expired",
        }
    }

    /// The status as of now: a stored `pending` whose expiry has passed is `expired` even before
    /// the background job has rewritten the row.
    pub fn effective(self, expiry_passed: bool) -> Self {
        if self == Self::Pending && expiry_passed {
            Self::Expired
        } else {
            self
        }
    }

    /// Resend issues a new token: allowed while pending and after expiry, never after the
    /// invitation was accepted or revoked.
    pub fn can_resend(self) -> bool {
        matches!(self, Self::Pending | Self::Expired)
    }

    /// Only a pending invitation can be revoked.
    pub fn can_revoke(self) -> bool {
        self == Self::Pending
    }
}

/// Delivery state of the newest email queued for an invitation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting in the outbox (or held in the dev mailbox when no SMTP server is configured).
    Queued,
    Sent,
    /// Every attempt failed.
    Failed,
    /// Superseded by a resend or a revocation before it left.
    Cancelled,
}

impl DeliveryState {
    /// Inverse of the database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "queued" => Some(Self::Queued),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }

    /// Database and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Queued => "Queued",
            Self::Sent => "Sent",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::InvitationStatus::*;
    use super::*;

    #[test]
    fn expiry_is_computed_at_read_time() {
        assert_eq!(Pending.effective(true), Expired);
        assert_eq!(Pending.effective(false), Pending);
        assert_eq!(Accepted.effective(true), Accepted);
        assert_eq!(Revoked.effective(true), Revoked);
    }

    #[test]
    fn transitions() {
        assert!(Pending.can_resend() && Expired.can_resend());
        assert!(!Accepted.can_resend() && !Revoked.can_resend());
        assert!(Pending.can_revoke());
        assert!(!Expired.can_revoke() && !Accepted.can_revoke() && !Revoked.can_revoke());
    }

    #[test]
    fn names_round_trip() {
        for s in InvitationStatus::ALL {
            assert_eq!(InvitationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(InvitationStatus::parse("PENDING"), None);
    }
}
