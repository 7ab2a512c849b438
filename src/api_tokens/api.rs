//! Server functions for API tokens: for people who manage invitations, in their own
//! organisation only (the organisation always comes from the session).

use super::dto::{CreatedToken, TokenChoices, TokenSummary};
use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

/// What "Create token" may offer the caller.
#[server(prefix = "/rpc", endpoint = "api-tokens/options")]
pub async fn api_token_options() -> Result<TokenChoices, AppError> {
    let (_, user, _) = crate::invitations::api::invitation_manager().await?;
    Ok(super::service::options(&user))
}

/// The caller's organisation's tokens, newest first (never the tokens themselves).
#[server(prefix = "/rpc", endpoint = "api-tokens/list")]
pub async fn list_api_tokens() -> Result<Vec<TokenSummary>, AppError> {
    let (state, user, _) = crate::invitations::api::invitation_manager().await?;
    super::service::list(&state, &user).await
}

/// Makes a token: `name` (1 to 100 characters), `role` (no higher than the caller's),
/// `expires_in_days` (7, 30, 90 or 365). The answer holds the token, shown once.
///
/// # Errors
/// 422 with a message per bad field; 401/403 without a managing session.
#[server(prefix = "/rpc", endpoint = "api-tokens/create")]
pub async fn create_api_token(
    name: String,
    role: String,
    expires_in_days: String,
) -> Result<CreatedToken, AppError> {
    let (state, user, ctx) = crate::invitations::api::invitation_manager().await?;
    super::service::create(&state, &user, &ctx, &name, &role, &expires_in_days).await
}

/// Revokes a token of the caller's organisation (404 for any other; 409 when already revoked).
#[server(prefix = "/rpc", endpoint = "api-tokens/revoke")]
pub async fn revoke_api_token(id: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = crate::invitations::api::invitation_manager().await?;
    super::service::revoke(&state, &user, &ctx, id).await
}
