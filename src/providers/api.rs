//! The server function of the provider registry (platform admins only).

// Server functions take one argument per form field; the provider form has eleven.
#![allow(clippy::too_many_arguments)]

use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

pub use super::dto::*;

/// Creates (`id` empty) or updates a provider. Platform admins only. `sandbox` and
/// `production` are checkbox values (present = offered). Key requirements: minimum length
/// 16 to 512 characters (default 32), minimum entropy 64 to 1024 bits (default 128); rotation
/// interval 1 to 730 days (default 90). URLs must be https; the escalation contact an email.
///
/// # Errors
/// 403 for anyone but platform admins; 422 per bad field; 409 for a duplicate name.
#[server(prefix = "/rpc", endpoint = "integrations/providers/save")]
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
    use super::service::{self, ProviderForm};
    let (state, user, _) = crate::auth::session::integrations_user().await?;
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
