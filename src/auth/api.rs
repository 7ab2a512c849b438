//! Server functions for signing in and out, and the session summary every page header uses.

use crate::{
    domain::{OrgKind, Role},
    error::AppError,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Who is signed in, as the page chrome needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignedInUser {
    pub display_name: String,
    pub email: String,
    pub organisation_name: String,
    pub organisation_kind: OrgKind,
    pub role: Role,
    pub role_label: String,
    /// The dashboard for this role.
    pub dashboard_path: String,
    /// "Member Invitations" for roles that manage invitations.
    pub invitations_path: Option<String>,
    /// "Invite codes" for the same roles.
    pub invite_codes_path: Option<String>,
    /// "Integrations" for tenant admins, integration managers and platform admins.
    pub integrations_path: Option<String>,
    /// "Analytics" and "Audit log" for the roles that manage invitations.
    pub reports: bool,
}

/// The signed-in person, or `None`.
#[server(prefix = "/rpc", endpoint = "auth/session")]
pub async fn session_info() -> Result<Option<SignedInUser>, AppError> {
    let (_, _, user) = crate::auth::session::load_user().await?;
    let Some(u) = user else {
        return Ok(None);
    };
    Ok(Some(SignedInUser {
        display_name: u.display_name(),
        role_label: u.role.label(u.org_kind).to_owned(),
        dashboard_path: u.role.dashboard_path(u.org_kind).to_owned(),
        invitations_path: u.role.invitations_path(u.org_kind).map(str::to_owned),
        invite_codes_path: u.role.invite_codes_path(u.org_kind).map(str::to_owned),
        integrations_path: u
            .role
            .can_use_integrations(u.org_kind)
            .then(|| "/integrations".to_owned()),
        reports: u.role.can_manage_invitations(u.org_kind),
        email: u.email,
        organisation_name: u.org_name,
        organisation_kind: u.org_kind,
        role: u.role,
    }))
}

/// Signs in with email and password and redirects to `next` (a local path) or the dashboard.
/// Returns the destination, and sets the device cookie that exempts this browser from the
/// account's lock-out later. The rules (one answer for unknown email and wrong password,
/// the throttles per account and per device cookie) are
/// [`crate::auth::service::with_password`]'s.
#[server(prefix = "/rpc", endpoint = "auth/sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::{
        auth::{service, session},
        domain::EmailAddress,
    };
    let (state, web_session) = session::load().await?;
    let email = EmailAddress::parse(&email).map_err(|e| AppError::field("email", e.to_string()))?;
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    let secure = state.config.public_url.scheme() == "https";
    let presented = use_context::<axum::http::request::Parts>().and_then(|p| {
        p.headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|h| h.to_str().ok())
            .find_map(|h| crate::auth::device::read(h, secure).map(str::to_owned))
    });
    let (signed_in, device_cookie) = service::with_password(
        &state,
        &email,
        secrecy::SecretString::from(password),
        presented.as_deref(),
    )
    .await?;
    let set_cookie = crate::auth::device::set_cookie(&device_cookie, secure);
    if let (Some(opts), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        axum::http::HeaderValue::from_str(&set_cookie),
    ) {
        opts.append_header(axum::http::header::SET_COOKIE, v);
    }
    enter(&web_session, &signed_in, next).await
}

/// Starts the session of `signed_in` and redirects to `next` (when it is a safe local path)
/// or their dashboard. Returns the destination.
#[cfg(feature = "ssr")]
async fn enter(
    web_session: &tower_sessions::Session,
    signed_in: &crate::auth::service::SignedIn,
    next: Option<String>,
) -> Result<String, AppError> {
    crate::auth::session::start(web_session, signed_in.user_id, signed_in.org_id).await?;
    let dest = next
        .filter(|n| crate::auth::safe_next(n))
        .unwrap_or_else(|| signed_in.dashboard_path().to_owned());
    leptos_axum::redirect(&dest);
    Ok(dest)
}

/// Ends the session on the server and redirects to the sign-in page.
#[server(prefix = "/rpc", endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let (_, session) = crate::auth::session::load().await?;
    crate::auth::session::end(&session).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Signs in with a key: `signature` (base64url Ed25519) over the `sign_in` challenge
/// `challenge_id` must verify with `public_key` (base64url), which must belong to a member.
/// No password is involved. Redirects to `next` (a local path) or the dashboard, and returns
/// the destination.
///
/// # Errors
/// 422 malformed key; otherwise as [`crate::auth::service::with_key`] (410 expired challenge,
/// 401 one answer for a bad signature or an unknown key, 429 per client).
#[server(prefix = "/rpc", endpoint = "auth/sign-in-with-key")]
pub async fn sign_in_with_key(
    public_key: String,
    challenge_id: uuid::Uuid,
    signature: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::{
        auth::{service, session},
        domain::parse_public_key,
        security::RequestContext,
    };
    let ctx = RequestContext::current();
    let (state, web_session) = session::load().await?;
    let public_key =
        parse_public_key(&public_key).map_err(|e| AppError::field("public_key", e.to_string()))?;
    let signed_in = service::with_key(&state, &ctx, &public_key, challenge_id, &signature).await?;
    enter(&web_session, &signed_in, next).await
}
