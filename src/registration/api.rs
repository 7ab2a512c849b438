//! Server functions of the registration page. They are public (the token is the credential)
//! and never spend a token except in the final submit.

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What the registration page shows for an open invitation. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub organisation_name: String,
    pub role_label: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    pub expires_at: i64,
    /// The server's clock when the page was made, so the countdown does not trust the device's.
    pub server_now: i64,
    /// Minimum password length in characters.
    pub password_min_chars: usize,
    /// An account with the invited email exists: offer sign-in and accept instead.
    pub account_exists: bool,
    /// Email of the person signed in in this browser, if any.
    pub signed_in_as: Option<String>,
}

/// The state of a registration link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RegistrationState {
    /// Pending and unexpired: the form.
    Open(Box<InvitationPreview>),
    /// No such token (or it belongs to another organisation): 404.
    Unknown,
    /// Expired: 410, with "Request a new invitation".
    Expired,
    /// Already used: 409, with a sign-in link.
    Accepted,
    /// Revoked: 410, contact your administrator.
    Revoked,
}

impl RegistrationState {
    /// The HTTP status the page is served with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Open(_) => 200,
            Self::Unknown => 404,
            Self::Expired | Self::Revoked => 410,
            Self::Accepted => 409,
        }
    }
}

/// Looks the invitation up without spending it, and records a `viewed` audit event when it is
/// open. Email link scanners fetch links; only [`complete_registration`] spends the token.
#[server(endpoint = "registration/view")]
pub async fn registration_view(token: String, org: String) -> Result<RegistrationState, AppError> {
    crate::registration::service::view(&token, &org).await
}

/// Completes registration: checks the password (length, confirmation, blocklist), then in one
/// transaction spends the token, creates the user and the membership with the organisation and
/// role from the invitation (never from the form), audits `accepted`; then signs the person in
/// with a new session id and redirects by role. Returns the destination path.
#[server(endpoint = "registration/complete")]
pub async fn complete_registration(
    token: String,
    org: String,
    first_name: String,
    last_name: String,
    password: String,
    password_confirmation: String,
) -> Result<String, AppError> {
    crate::registration::service::complete(
        &token,
        &org,
        &first_name,
        &last_name,
        secrecy::SecretString::from(password),
        secrecy::SecretString::from(password_confirmation),
    )
    .await
}

/// Accepts the invitation with the signed-in account, whose email must match the invitation's.
/// Returns the destination path.
#[server(endpoint = "registration/accept")]
pub async fn accept_invitation(token: String, org: String) -> Result<String, AppError> {
    crate::registration::service::accept_signed_in(&token, &org).await
}

/// After expiry: asks the inviter for a new invitation. The answer is the same sentence
/// whatever is entered (no probing whether an address was invited); rate-limited per client.
#[server(endpoint = "registration/request-new")]
pub async fn request_new_invitation(
    token: String,
    org: String,
    email: String,
) -> Result<String, AppError> {
    crate::registration::service::request_reissue(&token, &org, &email).await
}
