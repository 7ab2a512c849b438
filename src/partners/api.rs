//! Server functions of the Integrations area (`/api/integrations/…`) and the DTOs they return.
//!
//! Providers are kept by platform admins. Partners belong to the signed-in person's tenant
//! (association or company), always taken from the session: integration managers register and
//! configure them, tenant admins approve or reject. Nothing here returns a row, a hash or a
//! stored secret; the client secret is returned exactly once, by [`approve_partner`] and by
//! [`rotate_partner_secret`].

// Server functions take one argument per form field; the provider form has eleven.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

pub use super::dto::*;

/// Providers, the tenant's partners and what the caller may do.
#[server(prefix = "/rpc", endpoint = "integrations/overview")]
pub async fn load_integrations() -> Result<IntegrationsOverview, AppError> {
    let (state, user, _) = crate::auth::session::integrations_user().await?;
    super::service::overview(&state, &user).await
}

/// Registers a partner of the caller's tenant as a draft. `contacts`: one per line,
/// `Name <email>`; `scopes`: space-separated scope names from the catalogue.
///
/// # Errors
/// 403 unless an integration manager or tenant admin; 422 per bad field; 409 duplicate name.
#[server(prefix = "/rpc", endpoint = "integrations/partners/create")]
pub async fn create_partner(
    name: String,
    legal_basis: String,
    agreement_document_id: String,
    provider_id: String,
    environment: String,
    contacts: String,
    scopes: Option<String>,
) -> Result<Uuid, AppError> {
    use super::service::{self, PartnerForm};
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
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
#[server(prefix = "/rpc", endpoint = "integrations/partners/detail")]
pub async fn load_partner(id: Uuid) -> Result<PartnerDetail, AppError> {
    let (state, user, _) = crate::auth::session::integrations_user().await?;
    super::service::detail(&state, &user, id).await
}

/// Changes contacts, environment and scopes while the partner is not live (draft, rejected or
/// approved). Audited with what changed.
///
/// # Errors
/// 409 when the partner is live or ended; 422 per bad field.
#[server(prefix = "/rpc", endpoint = "integrations/partners/update")]
pub async fn update_partner(
    id: Uuid,
    environment: String,
    contacts: String,
    scopes: Option<String>,
) -> Result<(), AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::update_partner(
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
#[server(prefix = "/rpc", endpoint = "integrations/partners/submit")]
pub async fn submit_partner(id: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::submit(&state, &user, &ctx, id).await
}

/// Approves a pending partner (tenant admins; never the person who submitted it), recording
/// the policy document ID, and issues client credentials: returned once.
///
/// # Errors
/// 403 for non-admins and for the submitter; 409 unless pending; 422 without a document ID.
#[server(prefix = "/rpc", endpoint = "integrations/partners/approve")]
pub async fn approve_partner(
    id: Uuid,
    policy_document_id: String,
) -> Result<IssuedCredentials, AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::approve(&state, &user, &ctx, id, &policy_document_id).await
}

/// Rejects a pending partner with a reason (tenant admins; not the submitter).
///
/// # Errors
/// As [`approve_partner`]; 422 without a reason.
#[server(prefix = "/rpc", endpoint = "integrations/partners/reject")]
pub async fn reject_partner(id: Uuid, reason: String) -> Result<(), AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::reject(&state, &user, &ctx, id, &reason).await
}

/// Decommissions a partner: status `decommissioned`, client credentials and every access token
/// revoked at once. Tenant admins and integration managers.
///
/// # Errors
/// 409 if already decommissioned.
#[server(prefix = "/rpc", endpoint = "integrations/partners/decommission")]
pub async fn decommission_partner(id: Uuid, reason: Option<String>) -> Result<(), AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::decommission(&state, &user, &ctx, id, reason.as_deref()).await
}

/// Suspends (`suspend` = true) a live partner, whose tokens are then refused, or resumes a
/// suspended one. Tenant admins only; audited.
///
/// # Errors
/// 403 for others; 409 from a state that cannot change so.
#[server(prefix = "/rpc", endpoint = "integrations/partners/suspend")]
pub async fn suspend_partner(id: Uuid, suspend: bool) -> Result<(), AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::set_suspended(&state, &user, &ctx, id, suspend).await
}

/// Rotates a partner's client secret (tenant admins and integration managers): the new secret
/// is returned once; the previous one keeps working for the configured overlap (7 days by
/// default). Audited.
///
/// # Errors
/// 404 for another tenant's partner; 409 for a partner without credentials.
#[server(prefix = "/rpc", endpoint = "integrations/partners/rotate-secret")]
pub async fn rotate_partner_secret(id: Uuid) -> Result<RotatedSecret, AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    super::service::rotate_secret(&state, &user, &ctx, id).await
}
