//! Server functions of the Integrations area (`/api/integrations/…`) and the DTOs they return.
//!
//! Providers are kept by platform admins. Partners belong to the signed-in person's tenant
//! (association or company), always taken from the session: integration managers register and
//! configure them, tenant admins approve or reject. Nothing here returns a row, a hash or a
//! stored secret; the client secret is returned exactly once, by [`approve_partner`].

// Server functions take one argument per form field; the provider form has eleven.
#![allow(clippy::too_many_arguments)]

use crate::{
    domain::{IntegrationEnvironment, PartnerStatus, Scope},
    error::AppError,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An integration provider as every page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProviderDto {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub environments: Vec<IntegrationEnvironment>,
    pub security_policy_url: Option<String>,
    pub runbook_url: Option<String>,
    pub escalation_email: Option<String>,
    /// Minimum key length in characters.
    pub min_key_length: i32,
    /// Minimum estimated key entropy in bits.
    pub min_entropy_bits: i32,
    /// Days between secret rotations.
    pub rotation_days: i32,
}

impl ProviderDto {
    /// What the warning banner names: the policy metadata this provider lacks.
    pub fn missing_metadata(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.security_policy_url.is_none() {
            missing.push("security policy URL");
        }
        if self.runbook_url.is_none() {
            missing.push("runbook URL");
        }
        if self.escalation_email.is_none() {
            missing.push("escalation email");
        }
        missing
    }
}

/// What the Integrations page shows the signed-in person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IntegrationsOverview {
    pub providers: Vec<ProviderDto>,
    pub partners: Vec<PartnerSummary>,
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

/// A credential invitation as the admin view shows it. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialInvitationDto {
    pub id: Uuid,
    pub recipient_email: String,
    pub environment: IntegrationEnvironment,
    /// `pending`, `expired`, `accepted` or `revoked` (expiry computed when read).
    pub status: String,
    pub expires_at: i64,
    pub created_at: i64,
    pub refresh_count: i32,
    pub accepted_at: Option<i64>,
    /// The key ID the partner submitted (the secret is never shown again).
    pub api_key_id: Option<String>,
    pub rotation_days: Option<i32>,
    pub rotation_due_at: Option<i64>,
    /// Unused (pending or expired): can be refreshed or revoked.
    pub can_refresh: bool,
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
    /// Tenant admins suspend live partners and resume suspended ones.
    pub can_suspend: bool,
    pub can_resume: bool,
    pub can_invite_credentials: bool,
    /// Why the signed-in person cannot decide, if that is the reason (own submission).
    pub decide_blocked_reason: Option<String>,
    /// The catalogue, for editing scopes.
    pub scope_catalogue: Vec<ScopeDto>,
}

/// Client credentials issued on approval. The secret appears here once and nowhere else.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredentials {
    pub client_id: String,
    /// 32 random bytes, base64url (43 characters).
    pub client_secret: String,
    /// `PUBLIC_URL/oauth/token`.
    pub token_endpoint: String,
}

/// A credential invitation just made; the link appears here once (and in the email).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedCredentialInvitation {
    pub id: Uuid,
    pub link: String,
    pub expires_at: i64,
}

/// One analytics event of a credential invitation. `at` is Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteEventDto {
    pub event: String,
    pub reason_code: Option<String>,
    pub elapsed_ms: Option<i64>,
    pub at: i64,
}

/// What the public credential page shows. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialInviteView {
    pub partner_name: String,
    pub organisation_name: String,
    pub provider: ProviderDto,
    pub environment: IntegrationEnvironment,
    pub expires_at: i64,
    /// The server's clock when the page was made, for the countdown.
    pub now: i64,
    /// When the secret would be due for rotation if accepted now.
    pub rotation_due_if_accepted_now: i64,
}

/// The answer to an accepted submission. `rotation_due_at` is Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CredentialAccepted {
    pub rotation_days: i32,
    pub rotation_due_at: i64,
}

#[cfg(feature = "ssr")]
pub(crate) mod server {
    use crate::{
        auth::session::{current_user, CurrentUser},
        error::AppError,
        security::RequestContext,
        startup::AppState,
    };

    /// The state, a signed-in person who may use the Integrations area, and the request
    /// context, captured before any other `.await`.
    pub async fn integrations_user() -> Result<(AppState, CurrentUser, RequestContext), AppError> {
        let ctx = RequestContext::current();
        let (state, session) = crate::auth::session::load().await?;
        let user = current_user(&state, &session).await?;
        if !user.role.can_use_integrations(user.org_kind) {
            return Err(AppError::Forbidden);
        }
        Ok((state, user, ctx))
    }
}

/// Providers, the tenant's partners and what the caller may do.
#[server(endpoint = "integrations/overview")]
pub async fn load_integrations() -> Result<IntegrationsOverview, AppError> {
    let (state, user, _) = server::integrations_user().await?;
    crate::partners::service::overview(&state, &user).await
}

/// Creates (`id` empty) or updates a provider. Platform admins only. `sandbox` and
/// `production` are checkbox values (present = offered). Key requirements: minimum length
/// 16 to 512 characters (default 32), minimum entropy 64 to 1024 bits (default 128); rotation
/// interval 1 to 730 days (default 90). URLs must be https; the escalation contact an email.
///
/// # Errors
/// 403 for anyone but platform admins; 422 per bad field; 409 for a duplicate name.
#[server(endpoint = "integrations/providers/save")]
pub async fn save_provider(
    id: Option<String>,
    name: String,
    description: Option<String>,
    sandbox: Option<String>,
    production: Option<String>,
    security_policy_url: Option<String>,
    runbook_url: Option<String>,
    escalation_email: Option<String>,
    min_key_length: Option<String>,
    min_entropy_bits: Option<String>,
    rotation_days: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::partners::service::{self, ProviderForm};
    let (state, user, _) = server::integrations_user().await?;
    if !user.is_platform_admin() {
        return Err(AppError::Forbidden);
    }
    service::save_provider(
        &state,
        ProviderForm {
            id,
            name,
            description,
            sandbox: sandbox.is_some(),
            production: production.is_some(),
            security_policy_url,
            runbook_url,
            escalation_email,
            min_key_length,
            min_entropy_bits,
            rotation_days,
        },
    )
    .await
}

/// Registers a partner of the caller's tenant as a draft. `contacts`: one per line,
/// `Name <email>`; `scopes`: space-separated scope names from the catalogue.
///
/// # Errors
/// 403 unless an integration manager or tenant admin; 422 per bad field; 409 duplicate name.
#[server(endpoint = "integrations/partners/create")]
pub async fn create_partner(
    name: String,
    legal_basis: String,
    agreement_document_id: String,
    provider_id: String,
    environment: String,
    contacts: String,
    scopes: Option<String>,
) -> Result<Uuid, AppError> {
    use crate::partners::service::{self, PartnerForm};
    let (state, user, ctx) = server::integrations_user().await?;
    service::create_partner(
        &state,
        &user,
        &ctx,
        PartnerForm {
            name,
            legal_basis,
            agreement_document_id,
            provider_id,
            environment,
            contacts,
            scopes: scopes.unwrap_or_default(),
        },
    )
    .await
}

/// The partner page's data.
///
/// # Errors
/// 404 for a partner of another tenant.
#[server(endpoint = "integrations/partners/detail")]
pub async fn load_partner(id: Uuid) -> Result<PartnerDetail, AppError> {
    let (state, user, _) = server::integrations_user().await?;
    crate::partners::service::detail(&state, &user, id).await
}

/// Changes contacts, environment and scopes while the partner is not live (draft, rejected or
/// approved). Audited with what changed.
///
/// # Errors
/// 409 when the partner is live or ended; 422 per bad field.
#[server(endpoint = "integrations/partners/update")]
pub async fn update_partner(
    id: Uuid,
    environment: String,
    contacts: String,
    scopes: Option<String>,
) -> Result<(), AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::service::update_partner(
        &state,
        &user,
        &ctx,
        id,
        &environment,
        &contacts,
        scopes.as_deref().unwrap_or(""),
    )
    .await
}

/// Submits a draft or rejected partner for approval (at least one scope needed).
///
/// # Errors
/// 409 from another state; 422 without scopes.
#[server(endpoint = "integrations/partners/submit")]
pub async fn submit_partner(id: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::service::submit(&state, &user, &ctx, id).await
}

/// Approves a pending partner (tenant admins; never the person who submitted it), recording
/// the policy document ID, and issues client credentials: returned once.
///
/// # Errors
/// 403 for non-admins and for the submitter; 409 unless pending; 422 without a document ID.
#[server(endpoint = "integrations/partners/approve")]
pub async fn approve_partner(
    id: Uuid,
    policy_document_id: String,
) -> Result<IssuedCredentials, AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::service::approve(&state, &user, &ctx, id, &policy_document_id).await
}

/// Rejects a pending partner with a reason (tenant admins; not the submitter).
///
/// # Errors
/// As [`approve_partner`]; 422 without a reason.
#[server(endpoint = "integrations/partners/reject")]
pub async fn reject_partner(id: Uuid, reason: String) -> Result<(), AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::service::reject(&state, &user, &ctx, id, &reason).await
}

/// Decommissions a partner: status `decommissioned`, client credentials and every access token
/// revoked at once. Tenant admins and integration managers.
///
/// # Errors
/// 409 if already decommissioned.
#[server(endpoint = "integrations/partners/decommission")]
pub async fn decommission_partner(id: Uuid, reason: Option<String>) -> Result<(), AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::service::decommission(&state, &user, &ctx, id, reason.as_deref()).await
}

/// Suspends (`suspend` = true) a live partner, whose tokens are then refused, or resumes a
/// suspended one. Tenant admins only; audited.
///
/// # Errors
/// 403 for others; 409 from a state that cannot change so.
#[server(endpoint = "integrations/partners/suspend")]
pub async fn suspend_partner(id: Uuid, suspend: bool) -> Result<(), AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::service::set_suspended(&state, &user, &ctx, id, suspend).await
}

/// Emails a credential invitation for the partner's provider and `environment` to
/// `recipient_email` (the partner's tech lead) and returns the link (also shown once).
///
/// # Errors
/// 409 for a decommissioned or rejected partner; 422 per bad field.
#[server(endpoint = "integrations/credential-invitations/create")]
pub async fn create_credential_invitation(
    partner_id: Uuid,
    recipient_email: String,
    environment: String,
) -> Result<CreatedCredentialInvitation, AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::credentials::create(
        &state,
        &user,
        &ctx,
        partner_id,
        &recipient_email,
        &environment,
    )
    .await
}

/// Extends an unused credential invitation's expiry (expired or not) on the same token, and
/// audits it with the original request context.
///
/// # Errors
/// 409 for accepted or revoked invitations.
#[server(endpoint = "integrations/credential-invitations/refresh")]
pub async fn refresh_credential_invitation(id: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::credentials::refresh(&state, &user, &ctx, id).await
}

/// Withdraws an unused credential invitation; its link stops working at once.
///
/// # Errors
/// 409 for accepted or already revoked invitations.
#[server(endpoint = "integrations/credential-invitations/revoke")]
pub async fn revoke_credential_invitation(id: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = server::integrations_user().await?;
    crate::partners::credentials::revoke(&state, &user, &ctx, id).await
}

/// The analytics events of one credential invitation, oldest first.
#[server(endpoint = "integrations/credential-invitations/events")]
pub async fn credential_invitation_events(id: Uuid) -> Result<Vec<InviteEventDto>, AppError> {
    let (state, user, _) = server::integrations_user().await?;
    crate::partners::credentials::events(&state, &user, id).await
}

/// The public credential page's data for `token`. Never spends the token; records `viewed`.
/// Sends `Cache-Control: no-store`.
///
/// # Errors
/// 404 unknown link, 409 already used, 410 expired or withdrawn.
#[server(endpoint = "integrations/credential-invite/view")]
pub async fn credential_invite(token: String) -> Result<CredentialInviteView, AppError> {
    let (state, _) = crate::auth::session::load().await?;
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.insert_header(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    crate::partners::credentials::view(&state, &token).await
}

/// Submits the API key ID and secret for the invitation `token`. The secret must meet the
/// provider's requirements (checked by the same validator as in the browser) and match its
/// confirmation. Public, like the link itself.
///
/// # Errors
/// 422 per field with every reason; 404/409/410 for dead links.
#[server(endpoint = "integrations/credential-invite/submit")]
pub async fn submit_credentials(
    token: String,
    api_key_id: String,
    secret: String,
    secret_confirmation: String,
) -> Result<CredentialAccepted, AppError> {
    use crate::{partners::credentials, security::RequestContext};
    use secrecy::SecretString;
    let ctx = RequestContext::current();
    let (state, _) = crate::auth::session::load().await?;
    credentials::submit(
        &state,
        &ctx,
        &token,
        credentials::Submission {
            api_key_id,
            secret: SecretString::from(secret),
            secret_confirmation: SecretString::from(secret_confirmation),
        },
    )
    .await
}
