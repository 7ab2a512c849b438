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
}

/// Failed sign-ins allowed per account within [`SIGN_IN_WINDOW_SECS`] before the account is
/// throttled (OWASP ASVS 5.0 V6.3.1).
pub const SIGN_IN_FAILURES: i64 = 5;
/// The throttle window, in seconds.
pub const SIGN_IN_WINDOW_SECS: u64 = 15 * 60;

/// The signed-in person, or `None`.
#[server(endpoint = "auth/session")]
pub async fn session_info() -> Result<Option<SignedInUser>, AppError> {
    let (state, session) = crate::auth::session::load().await?;
    let Some(u) = crate::auth::session::optional_user(&state, &session).await? else {
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
        email: u.email,
        organisation_name: u.org_name,
        organisation_kind: u.org_kind,
        role: u.role,
    }))
}

/// Signs in with email and password and redirects to `next` (a local path) or the dashboard.
/// Returns the destination.
///
/// Unknown email and wrong password get the same answer after the same work (the password is
/// verified against a dummy hash when the email is unknown). After [`SIGN_IN_FAILURES`]
/// failures within 15 minutes the account is throttled, whoever tries.
#[server(endpoint = "auth/sign-in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::{auth::session, domain::EmailAddress, rate_limit};
    use secrecy::SecretString;
    use std::time::Duration;

    let (state, web_session) = session::load().await?;
    let email = EmailAddress::parse(&email).map_err(|e| AppError::field("email", e.to_string()))?;
    if password.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    let db = AppError::internal::<sqlx::Error>("sign-in database error");
    let bucket = format!("sign-in:{}", email.as_str().to_lowercase());
    let window = Duration::from_secs(SIGN_IN_WINDOW_SECS);
    if let Some(secs) = rate_limit::retry_after(&state.pool, &bucket, SIGN_IN_FAILURES, window)
        .await
        .map_err(db)?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!(
                "Too many failed sign-in attempts for this account. Try again in {} minutes.",
                secs.div_ceil(60)
            ),
        });
    }
    // Key-only members have no password hash; they verify against the dummy hash like an
    // unknown email and get the same answer.
    let user: Option<(uuid::Uuid, Option<String>)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1::citext")
            .bind(email.as_str())
            .fetch_optional(&state.pool)
            .await
            .map_err(db)?;
    let (user_id, phc) = user.map_or((None, None), |(id, h)| (Some(id), h));
    let verified = state
        .passwords
        .verify(SecretString::from(password), phc)
        .await?;
    let membership = match (verified, user_id) {
        (true, Some(id)) => session::primary_membership(&state.pool, id).await?,
        _ => None,
    };
    let (Some(user_id), Some((org_id, kind, role))) = (user_id.filter(|_| verified), membership)
    else {
        rate_limit::record(&state.pool, &bucket).await.map_err(db)?;
        tracing::info!("sign-in failed");
        return Err(AppError::InvalidCredentials);
    };
    rate_limit::clear(&state.pool, &bucket).await.map_err(db)?;
    session::start(&web_session, user_id, org_id).await?;
    let dest = next
        .filter(|n| crate::auth::safe_next(n))
        .unwrap_or_else(|| role.dashboard_path(kind).to_owned());
    tracing::info!(%user_id, "signed in");
    leptos_axum::redirect(&dest);
    Ok(dest)
}

/// Ends the session on the server and redirects to the sign-in page.
#[server(endpoint = "auth/sign-out")]
pub async fn sign_out() -> Result<(), AppError> {
    let (_, session) = crate::auth::session::load().await?;
    crate::auth::session::end(&session).await?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Failed key sign-ins allowed per client IP within [`SIGN_IN_WINDOW_SECS`].
pub const KEY_SIGN_IN_FAILURES: i64 = 10;

/// Signs in with a key: `signature` (base64url Ed25519) over the `sign_in` challenge
/// `challenge_id` must verify with `public_key` (base64url), which must belong to a member.
/// No password is involved. Redirects to `next` (a local path) or the dashboard, and returns
/// the destination.
///
/// # Errors
/// 422 malformed key; 410 expired challenge; 401 when the signature does not verify or the
/// key belongs to nobody (one answer); 429 after [`KEY_SIGN_IN_FAILURES`] failures from one IP
/// within 15 minutes.
#[server(endpoint = "auth/sign-in-with-key")]
pub async fn sign_in_with_key(
    public_key: String,
    challenge_id: uuid::Uuid,
    signature: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::{
        auth::{keys, session},
        domain::{parse_public_key, ChallengePurpose},
        rate_limit,
        security::RequestContext,
    };
    use std::time::Duration;

    let ctx = RequestContext::current();
    let (state, web_session) = session::load().await?;
    let public_key =
        parse_public_key(&public_key).map_err(|e| AppError::field("public_key", e.to_string()))?;
    let db = AppError::internal::<sqlx::Error>("key sign-in database error");
    let bucket = format!("key-sign-in:{}", ctx.ip_key());
    let window = Duration::from_secs(SIGN_IN_WINDOW_SECS);
    if let Some(secs) = rate_limit::retry_after(&state.pool, &bucket, KEY_SIGN_IN_FAILURES, window)
        .await
        .map_err(db)?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!(
                "Too many failed sign-in attempts. Try again in {} minutes.",
                secs.div_ceil(60)
            ),
        });
    }
    let verified = keys::verify_answer(
        &state,
        challenge_id,
        ChallengePurpose::SignIn,
        &public_key,
        &signature,
    )
    .await;
    let user_id: Option<uuid::Uuid> = match verified {
        Ok(()) => sqlx::query_scalar("SELECT id FROM users WHERE public_key = $1")
            .bind(&public_key[..])
            .fetch_optional(&state.pool)
            .await
            .map_err(db)?,
        Err(AppError::KeyNotVerified) => None,
        Err(e) => return Err(e),
    };
    let membership = match user_id {
        Some(id) => session::primary_membership(&state.pool, id).await?,
        None => None,
    };
    let (Some(user_id), Some((org_id, kind, role))) = (user_id, membership) else {
        rate_limit::record(&state.pool, &bucket).await.map_err(db)?;
        tracing::info!("key sign-in failed");
        return Err(AppError::KeyNotVerified);
    };
    session::start(&web_session, user_id, org_id).await?;
    let dest = next
        .filter(|n| crate::auth::safe_next(n))
        .unwrap_or_else(|| role.dashboard_path(kind).to_owned());
    tracing::info!(%user_id, "signed in with key");
    leptos_axum::redirect(&dest);
    Ok(dest)
}
