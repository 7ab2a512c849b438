//! What the partner pages show: built by the service, returned by the server functions.
//! Times are Unix seconds (UTC).

use crate::{
    credential_invitations::dto::CredentialInvitationDto,
    domain::{IntegrationEnvironment, PartnerStatus, Scope},
    providers::dto::ProviderDto,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the Integrations page shows the signed-in person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationsOverview {
    pub providers: Vec<ProviderDto>,
    pub partners: Vec<PartnerSummary>,
    /// The server's clock when this was loaded (Unix seconds), for due and overdue badges.
    pub now: i64,
    /// Platform admins edit the provider registry.
    pub can_edit_providers: bool,
    /// Integration managers and tenant admins register partners (not platform admins).
    pub can_register_partners: bool,
    /// The scope catalogue for the registration form.
    pub scopes: Vec<ScopeDto>,
}

/// A scope with its plain description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScopeDto {
    pub scope: Scope,
    pub name: String,
    pub description: String,
    pub personal_data: bool,
}

impl From<Scope> for ScopeDto {
    fn from(scope: Scope) -> Self {
        Self {
            scope,
            name: scope.as_str().to_owned(),
            description: scope.description().to_owned(),
            personal_data: scope.personal_data(),
        }
    }
}

/// One row of the partner list. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartnerSummary {
    pub id: Uuid,
    pub name: String,
    pub provider_name: String,
    pub environment: IntegrationEnvironment,
    pub status: PartnerStatus,
    pub last_successful_sync_at: Option<i64>,
    /// When the current client secret is due for rotation (Unix seconds), if it has one.
    pub secret_rotation_due_at: Option<i64>,
    /// A webhook endpoint disabled itself after failures: shown as Degraded (LOG-01).
    pub degraded: bool,
}

/// A technical contact of a partner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContactDto {
    pub name: String,
    pub email: String,
}

/// An audit event of a partner, newest last. `at` is Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartnerEventDto {
    pub action: String,
    pub actor: String,
    pub at: i64,
    pub detail: Option<String>,
}

/// Everything the partner page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartnerDetail {
    pub id: Uuid,
    pub name: String,
    pub legal_basis: String,
    pub agreement_document_id: String,
    pub provider: ProviderDto,
    pub environment: IntegrationEnvironment,
    pub contacts: Vec<ContactDto>,
    pub scopes: Vec<ScopeDto>,
    pub status: PartnerStatus,
    pub created_by: String,
    pub submitted_by: Option<String>,
    pub decided_by: Option<String>,
    pub approval_policy_document_id: Option<String>,
    pub rejection_reason: Option<String>,
    pub client_id: Option<String>,
    /// The current client secret: made, and due for rotation (the provider's rotation days
    /// later). Unix seconds.
    pub secret_created_at: Option<i64>,
    pub secret_rotation_due_at: Option<i64>,
    /// A webhook endpoint disabled itself after failures: shown as Degraded (LOG-01).
    pub degraded: bool,
    /// The secret a rotation replaced, while it still works: made, and stops working.
    pub previous_secret_created_at: Option<i64>,
    pub previous_secret_expires_at: Option<i64>,
    pub activated_at: Option<i64>,
    pub last_successful_sync_at: Option<i64>,
    pub scope_violations: i64,
    pub events: Vec<PartnerEventDto>,
    pub credential_invitations: Vec<CredentialInvitationDto>,
    /// What the signed-in person may do now.
    pub can_edit: bool,
    pub can_submit: bool,
    pub can_decide: bool,
    pub can_decommission: bool,
    /// Tenant admins and integration managers rotate the secret of a partner that has one.
    pub can_rotate_secret: bool,
    /// Tenant admins suspend live partners and resume suspended ones.
    pub can_suspend: bool,
    pub can_resume: bool,
    pub can_invite_credentials: bool,
    /// Why the signed-in person cannot decide, if that is the reason (own submission).
    pub decide_blocked_reason: Option<String>,
    /// The catalogue, for editing scopes.
    pub scope_catalogue: Vec<ScopeDto>,
    /// The server's clock when this was loaded (Unix seconds), for due and overdue badges.
    pub now: i64,
}

/// Client credentials issued on approval. The secret appears here once and nowhere else.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredentials {
    pub client_id: String,
    /// 32 random bytes, base64url (43 characters).
    pub client_secret: String,
    /// `PUBLIC_URL/oauth/token`.
    pub token_endpoint: String,
}

crate::debug_without_secrets!(IssuedCredentials {
    client_id,
    token_endpoint
});

/// A rotated client secret: the new credentials (shown once), and when the replaced secret
/// stops working (Unix seconds).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct RotatedSecret {
    pub credentials: IssuedCredentials,
    pub previous_secret_expires_at: i64,
}

crate::debug_without_secrets!(RotatedSecret {
    previous_secret_expires_at
});
