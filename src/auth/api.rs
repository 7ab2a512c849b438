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
    let user: Option<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1::citext")
            .bind(email.as_str())
            .fetch_optional(&state.pool)
            .await
            .map_err(db)?;
    let (user_id, phc) = user.map_or((None, None), |(id, h)| (Some(id), Some(h)));
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
