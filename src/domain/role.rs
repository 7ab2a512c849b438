use serde::{Deserialize, Serialize};

/// What an organisation is. A company may belong to an association.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// The one organisation that runs this Gatehouse; its admins manage everything.
    Platform,
    /// An association of companies.
    Association,
    /// A company, optionally inside an association.
    Company,
    /// A cooperative: members join with invite codes and sign in with a key pair.
    Cooperative,
}

impl OrgKind {
    /// Database and wire name (`platform`, `association`, `company`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::Association => "association",
            Self::Company => "company",
            Self::Cooperative => "cooperative",
        }
    }

    /// Inverse of [`OrgKind::as_str`]; `None` for anything else.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "platform" => Some(Self::Platform),
            "association" => Some(Self::Association),
            "company" => Some(Self::Company),
            "cooperative" => Some(Self::Cooperative),
            _ => None,
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Platform => "Platform",
            Self::Association => "Association",
            Self::Company => "Company",
            Self::Cooperative => "Cooperative",
        }
    }

    /// The membership roles an organisation of this kind has, most privileged first.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Self::Platform => &[Role::Admin, Role::Member],
            Self::Association => &[Role::Manager, Role::IntegrationManager, Role::Member],
            Self::Company => &[
                Role::Owner,
                Role::Admin,
                Role::IntegrationManager,
                Role::Member,
            ],
            Self::Cooperative => &[
                Role::Admin,
                Role::Facilitator,
                Role::Member,
                Role::Participant,
            ],
        }
    }
}

/// A membership role. Which roles exist depends on the [`OrgKind`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Platform admin, company admin or cooperative admin.
    Admin,
    /// Association manager.
    Manager,
    /// Company owner.
    Owner,
    /// Ordinary member.
    Member,
    /// Cooperative facilitator: runs the cooperative's sessions, manages nobody.
    Facilitator,
    /// Cooperative participant: takes part without full membership.
    Participant,
    /// Configures partner integrations of an association or company; manages nobody.
    IntegrationManager,
}

impl Role {
    /// Longest role name accepted anywhere (database check and parser), in bytes.
    pub const MAX_LEN: usize = 32;

    /// Database and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Manager => "manager",
            Self::Owner => "owner",
            Self::Member => "member",
            Self::Facilitator => "facilitator",
            Self::Participant => "participant",
            Self::IntegrationManager => "integration_manager",
        }
    }

    /// Parses a role name that must exist for organisations of `kind` and is at most
    /// [`Role::MAX_LEN`] bytes long.
    ///
    /// # Errors
    /// A sentence naming the roles that are allowed.
    pub fn parse_for(s: &str, kind: OrgKind) -> Result<Self, String> {
        let s = s.trim();
        if s.len() > Self::MAX_LEN {
            return Err(format!(
                "A role name has at most {} characters.",
                Self::MAX_LEN
            ));
        }
        let role = match s {
            "admin" => Some(Self::Admin),
            "manager" => Some(Self::Manager),
            "owner" => Some(Self::Owner),
            "member" => Some(Self::Member),
            "facilitator" => Some(Self::Facilitator),
            "participant" => Some(Self::Participant),
            "integration_manager" => Some(Self::IntegrationManager),
            _ => None,
        };
        match role {
            Some(r) if kind.roles().contains(&r) => Ok(r),
            _ => Err(format!(
                "Choose one of: {}.",
                kind.roles()
                    .iter()
                    .map(|r| r.label(kind))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Human label of this role in an organisation of `kind`.
    pub fn label(self, kind: OrgKind) -> &'static str {
        match (self, kind) {
            (Self::Admin, OrgKind::Platform) => "Platform admin",
            (Self::Manager, _) => "Association manager",
            (Self::Admin, _) => "Admin",
            (Self::Owner, _) => "Owner",
            (Self::Member, _) => "Member",
            (Self::Facilitator, _) => "Facilitator",
            (Self::Participant, _) => "Participant",
            (Self::IntegrationManager, _) => "Integration manager",
        }
    }

    /// Whether this role may invite people and manage invitations in its own organisation.
    /// Platform admins additionally manage every other organisation.
    pub fn can_manage_invitations(self, kind: OrgKind) -> bool {
        matches!(
            (kind, self),
            (OrgKind::Platform, Self::Admin)
                | (OrgKind::Association, Self::Manager)
                | (OrgKind::Company, Self::Owner | Self::Admin)
                | (OrgKind::Cooperative, Self::Admin)
        )
    }

    /// The roles someone with this role (in an organisation of `own_kind`) may grant in an
    /// organisation of `target_kind`. Nobody grants more than they hold: a company admin cannot
    /// make owners; only platform admins act outside their own organisation (the caller checks
    /// that the target organisation is the inviter's own otherwise).
    pub fn grantable_roles(self, own_kind: OrgKind, target_kind: OrgKind) -> Vec<Role> {
        match (own_kind, self) {
            (OrgKind::Platform, Self::Admin) => target_kind.roles().to_vec(),
            (OrgKind::Association, Self::Manager) if target_kind == OrgKind::Association => {
                vec![Self::Manager, Self::IntegrationManager, Self::Member]
            }
            (OrgKind::Company, Self::Owner) if target_kind == OrgKind::Company => {
                vec![
                    Self::Owner,
                    Self::Admin,
                    Self::IntegrationManager,
                    Self::Member,
                ]
            }
            (OrgKind::Company, Self::Admin) if target_kind == OrgKind::Company => {
                vec![Self::Admin, Self::IntegrationManager, Self::Member]
            }
            (OrgKind::Cooperative, Self::Admin) if target_kind == OrgKind::Cooperative => {
                OrgKind::Cooperative.roles().to_vec()
            }
            _ => Vec::new(),
        }
    }

    /// Whether this role manages anything: invitations, invite codes, partners or the
    /// provider registry. Such roles are never granted by an invite code: a code is a bearer
    /// secret (it can leak with its QR code), so managing roles come only through email
    /// invitations bound to one address (OWASP ASVS 5.0 V8.2.1, least privilege).
    pub fn manages_anything(self, kind: OrgKind) -> bool {
        self.can_manage_invitations(kind) || self.can_use_integrations(kind)
    }

    /// The roles someone with this role may put on an invite code in their own organisation:
    /// [`Self::grantable_roles`] without any role that [`Self::manages_anything`].
    pub fn code_grantable_roles(self, kind: OrgKind) -> Vec<Role> {
        self.grantable_roles(kind, kind)
            .into_iter()
            .filter(|r| !r.manages_anything(kind))
            .collect()
    }

    /// Whether this role approves or rejects partner integrations of its organisation (the
    /// tenant admin): association managers, company owners and admins.
    pub fn is_tenant_admin(self, kind: OrgKind) -> bool {
        matches!(
            (kind, self),
            (OrgKind::Association, Self::Manager) | (OrgKind::Company, Self::Owner | Self::Admin)
        )
    }

    /// Whether this role works in the Integrations area of its organisation: tenant admins,
    /// integration managers, and platform admins (who keep the provider registry).
    pub fn can_use_integrations(self, kind: OrgKind) -> bool {
        self.is_tenant_admin(kind)
            || matches!(
                (kind, self),
                (
                    OrgKind::Association | OrgKind::Company,
                    Self::IntegrationManager
                ) | (OrgKind::Platform, Self::Admin)
            )
    }

    /// Where a person with this role lands after signing in.
    pub fn dashboard_path(self, kind: OrgKind) -> &'static str {
        match (kind, self) {
            (OrgKind::Platform, Self::Admin) => "/admin",
            (OrgKind::Association, Self::Manager) => "/association",
            (OrgKind::Company, Self::Owner | Self::Admin) => "/company",
            (OrgKind::Cooperative, Self::Admin) => "/cooperative",
            (OrgKind::Association | OrgKind::Company, Self::IntegrationManager) => "/integrations",
            _ => "/home",
        }
    }

    /// The "Member Invitations" page for this role, if it may manage invitations.
    pub fn invitations_path(self, kind: OrgKind) -> Option<&'static str> {
        self.can_manage_invitations(kind).then_some(match kind {
            OrgKind::Platform => "/admin/invitations",
            OrgKind::Association => "/association/manage-invitations",
            OrgKind::Company => "/company/manage-invitations",
            OrgKind::Cooperative => "/cooperative/manage-invitations",
        })
    }

    /// The "Invite codes" page for this role: the same people who manage invitations.
    pub fn invite_codes_path(self, kind: OrgKind) -> Option<&'static str> {
        self.can_manage_invitations(kind).then_some(match kind {
            OrgKind::Platform => "/admin/invite-codes",
            OrgKind::Association => "/association/invite-codes",
            OrgKind::Company => "/company/invite-codes",
            OrgKind::Cooperative => "/cooperative/invite-codes",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_scoped_by_organisation_kind() {
        assert_eq!(
            Role::parse_for("manager", OrgKind::Association),
            Ok(Role::Manager)
        );
        assert!(Role::parse_for("manager", OrgKind::Company).is_err());
        assert!(Role::parse_for("owner", OrgKind::Platform).is_err());
        assert!(Role::parse_for("superuser", OrgKind::Company)
            .unwrap_err()
            .contains("Owner, Admin, Integration manager, Member"));
    }

    #[test]
    fn integration_managers_and_tenant_admins() {
        assert_eq!(
            Role::parse_for("integration_manager", OrgKind::Company),
            Ok(Role::IntegrationManager)
        );
        assert!(Role::parse_for("integration_manager", OrgKind::Platform).is_err());
        assert!(Role::Owner.is_tenant_admin(OrgKind::Company));
        assert!(Role::Manager.is_tenant_admin(OrgKind::Association));
        assert!(!Role::IntegrationManager.is_tenant_admin(OrgKind::Company));
        assert!(Role::IntegrationManager.can_use_integrations(OrgKind::Association));
        assert!(Role::Admin.can_use_integrations(OrgKind::Platform));
        assert!(!Role::Member.can_use_integrations(OrgKind::Company));
        assert!(!Role::IntegrationManager.can_manage_invitations(OrgKind::Company));
        assert_eq!(
            Role::IntegrationManager.dashboard_path(OrgKind::Company),
            "/integrations"
        );
    }

    #[test]
    fn cooperatives_have_their_own_roles() {
        assert_eq!(
            Role::parse_for("facilitator", OrgKind::Cooperative),
            Ok(Role::Facilitator)
        );
        assert_eq!(
            Role::parse_for("participant", OrgKind::Cooperative),
            Ok(Role::Participant)
        );
        assert!(Role::parse_for("participant", OrgKind::Company).is_err());
        assert!(Role::parse_for("owner", OrgKind::Cooperative).is_err());
        assert!(Role::parse_for(&"x".repeat(33), OrgKind::Cooperative)
            .unwrap_err()
            .contains("at most 32"));
        assert_eq!(
            Role::Admin.grantable_roles(OrgKind::Cooperative, OrgKind::Cooperative),
            OrgKind::Cooperative.roles().to_vec()
        );
        assert!(Role::Facilitator
            .grantable_roles(OrgKind::Cooperative, OrgKind::Cooperative)
            .is_empty());
        assert_eq!(
            Role::Admin.invite_codes_path(OrgKind::Cooperative),
            Some("/cooperative/invite-codes")
        );
        assert_eq!(
            Role::Admin.dashboard_path(OrgKind::Cooperative),
            "/cooperative"
        );
        assert_eq!(
            Role::Participant.dashboard_path(OrgKind::Cooperative),
            "/home"
        );
    }

    #[test]
    fn who_may_manage_invitations() {
        assert!(Role::Admin.can_manage_invitations(OrgKind::Platform));
        assert!(Role::Manager.can_manage_invitations(OrgKind::Association));
        assert!(Role::Owner.can_manage_invitations(OrgKind::Company));
        assert!(Role::Admin.can_manage_invitations(OrgKind::Company));
        assert!(!Role::Member.can_manage_invitations(OrgKind::Company));
        assert!(!Role::Member.can_manage_invitations(OrgKind::Platform));
    }

    #[test]
    fn nobody_grants_more_than_they_hold() {
        assert_eq!(
            Role::Admin.grantable_roles(OrgKind::Company, OrgKind::Company),
            vec![Role::Admin, Role::IntegrationManager, Role::Member]
        );
        assert!(Role::Manager
            .grantable_roles(OrgKind::Association, OrgKind::Company)
            .is_empty());
        assert_eq!(
            Role::Admin.grantable_roles(OrgKind::Platform, OrgKind::Company),
            vec![
                Role::Owner,
                Role::Admin,
                Role::IntegrationManager,
                Role::Member
            ]
        );
        assert!(Role::Member
            .grantable_roles(OrgKind::Company, OrgKind::Company)
            .is_empty());
    }

    #[test]
    fn dashboards_by_role() {
        assert_eq!(Role::Admin.dashboard_path(OrgKind::Platform), "/admin");
        assert_eq!(Role::Member.dashboard_path(OrgKind::Platform), "/home");
        assert_eq!(
            Role::Manager.dashboard_path(OrgKind::Association),
            "/association"
        );
        assert_eq!(Role::Owner.dashboard_path(OrgKind::Company), "/company");
        assert_eq!(Role::Member.dashboard_path(OrgKind::Company), "/home");
        assert_eq!(
            Role::Admin.invitations_path(OrgKind::Company),
            Some("/company/manage-invitations")
        );
        assert_eq!(Role::Member.invitations_path(OrgKind::Company), None);
    }
}
