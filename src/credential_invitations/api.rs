//! Server functions of credential invitations: the admin side (create, refresh, revoke, the
//! analytics events; tenant sessions with Integrations access) and the public page (view and
//! submit; the token is the credential).

use crate::error::AppError;
use leptos::prelude::*;
use uuid::Uuid;

pub use super::dto::*;

/// Emails a credential invitation for the partner's provider and `environment` to
/// `recipient_email` (the partner's tech lead) and returns the link (also shown once).
///
/// # Errors
/// 409 for a decommissioned or rejected partner; 422 per bad field.
#[server(
    prefix = "/rpc",
    endpoint = "integrations/credential-invitations/create"
)]
pub async fn create_credential_invitation(
    partner_id: Uuid,
    recipient_email: String,
    environment: String,
) -> Result<CreatedCredentialInvitation, AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    crate::credential_invitations::service::create(
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
#[server(
    prefix = "/rpc",
    endpoint = "integrations/credential-invitations/refresh"
)]
pub async fn refresh_credential_invitation(id: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    crate::credential_invitations::service::refresh(&state, &user, &ctx, id).await
}

/// Withdraws an unused credential invitation; its link stops working at once.
///
/// # Errors
/// 409 for accepted or already revoked invitations.
#[server(
    prefix = "/rpc",
    endpoint = "integrations/credential-invitations/revoke"
)]
pub async fn revoke_credential_invitation(id: Uuid) -> Result<(), AppError> {
    let (state, user, ctx) = crate::auth::session::integrations_user().await?;
    crate::credential_invitations::service::revoke(&state, &user, &ctx, id).await
}

/// The analytics events of one credential invitation, oldest first.
#[server(
    prefix = "/rpc",
    endpoint = "integrations/credential-invitations/events"
)]
pub async fn credential_invitation_events(id: Uuid) -> Result<Vec<InviteEventDto>, AppError> {
    let (state, user, _) = crate::auth::session::integrations_user().await?;
    crate::credential_invitations::service::events(&state, &user, id).await
}

/// The public credential page's data for `token`. Never spends the token; records `viewed`.
/// Sends `Cache-Control: no-store`.
///
/// # Errors
/// 404 unknown link, 409 already used, 410 expired or withdrawn.
#[server(prefix = "/rpc", endpoint = "integrations/credential-invite/view")]
pub async fn credential_invite(token: String) -> Result<CredentialInviteView, AppError> {
    let (state, _) = crate::auth::session::load().await?;
    if let Some(opts) = use_context::<leptos_axum::ResponseOptions>() {
        opts.insert_header(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
    }
    crate::credential_invitations::service::view(&state, &token).await
}

/// Submits the API key ID and secret for the invitation `token`. The secret must meet the
/// provider's requirements (checked by the same validator as in the browser) and match its
/// confirmation. Public, like the link itself.
///
/// Posted by the page's own form without scripts, an accepted submission is also kept in the
/// session for [`credential_receipt`], as the redirect back to the page cannot carry it.
///
/// # Errors
/// 422 per field with every reason; 404/409/410 for dead links.
#[server(prefix = "/rpc", endpoint = "integrations/credential-invite/submit")]
pub async fn submit_credentials(
    token: String,
    api_key_id: String,
    secret: String,
    secret_confirmation: String,
) -> Result<CredentialAccepted, AppError> {
    use crate::{
        auth::session, credential_invitations::service as credentials, security::RequestContext,
    };
    use secrecy::SecretString;
    let ctx = RequestContext::current();
    let plain_post = crate::error::is_plain_form_post();
    let (state, web_session) = session::load().await?;
    let accepted = credentials::submit(
        &state,
        &ctx,
        &token,
        credentials::Submission {
            api_key_id,
            secret: SecretString::from(secret),
            secret_confirmation: SecretString::from(secret_confirmation),
        },
    )
    .await?;
    if plain_post {
        let receipt = ssr::Receipt {
            token_sha256: ssr::token_sha256(&token),
            accepted: accepted.clone(),
        };
        session::put_flash(&web_session, ssr::RECEIPT_KEY, &receipt).await?;
    }
    Ok(accepted)
}

/// The acceptance of a submission for `token` that was posted without scripts from this
/// browser and not shown yet: the page shows it once, in place of the "already used" answer.
/// `None` otherwise.
#[server(prefix = "/rpc", endpoint = "integrations/credential-invite/receipt")]
pub async fn credential_receipt(token: String) -> Result<Option<CredentialAccepted>, AppError> {
    let (_, web_session) = crate::auth::session::load().await?;
    let wanted = ssr::token_sha256(&token);
    if wanted.is_empty() {
        return Ok(None);
    }
    let receipt =
        crate::auth::session::take_flash(&web_session, ssr::RECEIPT_KEY, |r: &ssr::Receipt| {
            r.token_sha256 == wanted
        })
        .await?;
    Ok(receipt.map(|r| r.accepted))
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::CredentialAccepted;
    use serde::{Deserialize, Serialize};

    /// The session key of an accepted submission awaiting its page.
    pub const RECEIPT_KEY: &str = "gatehouse.credential_receipt";

    /// An accepted submission, tied to the hash of its invitation token (never the token).
    #[derive(Serialize, Deserialize)]
    pub struct Receipt {
        pub token_sha256: String,
        pub accepted: CredentialAccepted,
    }

    /// Hex SHA-256 of the token as stored for invitations; empty for text that is no token.
    pub fn token_sha256(token: &str) -> String {
        crate::domain::InvitationToken::parse(token)
            .map(|t| hex::encode(t.hash().0))
            .unwrap_or_default()
    }
}
