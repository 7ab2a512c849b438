//! What the credential-invitation views show: built by the service, returned by the server
//! functions. Times are Unix seconds (UTC).

use crate::{domain::IntegrationEnvironment, providers::dto::ProviderDto};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

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

/// A credential invitation just made; the link appears here once (and in the email).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedCredentialInvitation {
    pub id: Uuid,
    pub link: String,
    pub expires_at: i64,
}

crate::debug_without_secrets!(CreatedCredentialInvitation { id, expires_at });

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
