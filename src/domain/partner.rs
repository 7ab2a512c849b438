//! Partner onboarding vocabulary: API scopes, partner states and integration environments.

use serde::{Deserialize, Serialize};

/// A permission a partner's access token can carry (RFC 6749 section 3.3 scope tokens).
/// Least privilege: a partner gets only the scopes its tenant admin approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// `invitations:read`: read invitations this partner created.
    InvitationsRead,
    /// `invitations:write`: invite members into the partner's tenant.
    InvitationsWrite,
    /// `members:read:anonymous`: member counts by role and status, no personal data.
    MembersReadAnonymous,
    /// `partner:ping`: the connectivity check.
    PartnerPing,
}

impl Scope {
    /// The catalogue, in display order.
    pub const ALL: [Self; 4] = [
        Self::PartnerPing,
        Self::MembersReadAnonymous,
        Self::InvitationsRead,
        Self::InvitationsWrite,
    ];

    /// The scope token.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvitationsRead => "invitations:read",
            Self::InvitationsWrite => "invitations:write",
            Self::MembersReadAnonymous => "members:read:anonymous",
            Self::PartnerPing => "partner:ping",
        }
    }

    /// Inverse of [`Scope::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What the scope allows, in plain words.
    pub fn description(self) -> &'static str {
        match self {
            Self::InvitationsRead => {
                "Read the member invitations this partner created: status, role and dates."
            }
            Self::InvitationsWrite => {
                "Invite people into this organisation by email, with the member roles it allows."
            }
            Self::MembersReadAnonymous => {
                "Count members by role and invitations by status. No names or email addresses."
            }
            Self::PartnerPing => "Check that the connection works.",
        }
    }

    /// Whether the scope exposes or handles personal data (names, email addresses).
    pub fn personal_data(self) -> bool {
        matches!(self, Self::InvitationsRead | Self::InvitationsWrite)
    }
}

/// Parses a space-separated scope list (RFC 6749 section 3.3). Unknown tokens are an error
/// naming the token; duplicates collapse.
///
/// # Errors
/// The first unknown scope token.
pub fn parse_scope_list(s: &str) -> Result<Vec<Scope>, String> {
    let mut out: Vec<Scope> = Vec::new();
    for token in s.split(' ').filter(|t| !t.is_empty()) {
        let scope = Scope::parse(token).ok_or_else(|| token.to_owned())?;
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    out.sort();
    Ok(out)
}

/// A space-separated scope list.
pub fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Where a partner is in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartnerStatus {
    /// Being prepared by an integration manager.
    Draft,
    /// Submitted; a tenant admin decides.
    PendingApproval,
    /// Approved; client credentials issued; waiting for the first successful ping.
    Approved,
    /// Refused with a reason; can be edited and submitted again.
    Rejected,
    /// Connected: the ping succeeded.
    Active,
    /// Temporarily blocked (tokens refused) by an admin.
    Suspended,
    /// Ended for good; credentials and tokens revoked.
    Decommissioned,
}

impl PartnerStatus {
    /// Database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::PendingApproval => "pending_approval",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Decommissioned => "decommissioned",
        }
    }

    /// Inverse of [`PartnerStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Draft,
            Self::PendingApproval,
            Self::Approved,
            Self::Rejected,
            Self::Active,
            Self::Suspended,
            Self::Decommissioned,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::PendingApproval => "Pending approval",
            Self::Approved => "Approved",
            Self::Rejected => "Rejected",
            Self::Active => "Active",
            Self::Suspended => "Suspended",
            Self::Decommissioned => "Decommissioned",
        }
    }

    /// Contacts, environment and scopes may change only before the integration is live.
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Rejected | Self::Approved)
    }

    /// Whether the partner's credentials may obtain and use tokens.
    pub fn can_authenticate(self) -> bool {
        matches!(self, Self::Approved | Self::Active)
    }
}

/// A provider environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegrationEnvironment {
    Sandbox,
    Production,
}

impl IntegrationEnvironment {
    /// Both, sandbox first.
    pub const ALL: [Self; 2] = [Self::Sandbox, Self::Production];

    /// Database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Production => "production",
        }
    }

    /// Inverse of [`IntegrationEnvironment::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s.trim())
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Sandbox => "Sandbox",
            Self::Production => "Production",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_lists_parse_and_print() {
        assert_eq!(
            parse_scope_list("partner:ping  invitations:read partner:ping"),
            Ok(vec![Scope::InvitationsRead, Scope::PartnerPing])
        );
        assert_eq!(parse_scope_list("admin:all"), Err("admin:all".to_owned()));
        assert_eq!(
            scope_list(&[Scope::PartnerPing, Scope::MembersReadAnonymous]),
            "partner:ping members:read:anonymous"
        );
        assert!(Scope::InvitationsWrite.personal_data());
        assert!(!Scope::MembersReadAnonymous.personal_data());
    }

    #[test]
    fn lifecycle_rules() {
        assert!(PartnerStatus::Draft.is_editable());
        assert!(!PartnerStatus::Active.is_editable());
        assert!(PartnerStatus::Active.can_authenticate());
        assert!(!PartnerStatus::Decommissioned.can_authenticate());
        assert!(!PartnerStatus::Suspended.can_authenticate());
        assert_eq!(
            PartnerStatus::parse("pending_approval"),
            Some(PartnerStatus::PendingApproval)
        );
    }
}
