//! The rules of signing in: throttles, password and key verification, and which membership a
//! person acts under afterwards.

use super::{device::DeviceKey, keys, repo, session};
use crate::{
    domain::{ChallengePurpose, EmailAddress, OrgKind, Role},
    error::AppError,
    rate_limit,
    security::RequestContext,
    state::AppState,
};
use secrecy::SecretString;
use std::time::Duration;
use uuid::Uuid;

/// Failed sign-ins allowed per account within [`SIGN_IN_WINDOW_SECS`] before the account is
/// throttled (OWASP ASVS 5.0 V6.3.1).
pub const SIGN_IN_FAILURES: i64 = 5;
/// Failed key sign-ins allowed per client IP within [`SIGN_IN_WINDOW_SECS`].
pub const KEY_SIGN_IN_FAILURES: i64 = 10;
/// The throttle window, in seconds.
pub const SIGN_IN_WINDOW_SECS: u64 = 15 * 60;

/// Who signed in, and the membership they act under.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub org_kind: OrgKind,
    pub role: Role,
}

impl SignedIn {
    /// The dashboard of this role.
    pub fn dashboard_path(&self) -> &'static str {
        self.role.dashboard_path(self.org_kind)
    }
}

fn db_error(e: sqlx::Error) -> AppError {
    AppError::internal("sign-in database error")(e)
}

/// Counts this attempt in `bucket` before any expensive work, or refuses it when `limit`
/// attempts already happened in the window. Check and count are one step under the bucket's
/// advisory lock ([`rate_limit::acquire`]), so a burst of parallel attempts cannot all pass
/// the check before the first failure is recorded (OWASP ASVS 5.0 V6.3.1). A successful
/// sign-in clears the bucket.
async fn count_attempt(
    state: &AppState,
    bucket: &str,
    limit: i64,
    what: &str,
) -> Result<(), AppError> {
    let window = Duration::from_secs(SIGN_IN_WINDOW_SECS);
    let mut tx = state.pool.begin().await.map_err(db_error)?;
    let refused = rate_limit::acquire(&mut tx, bucket, limit, window)
        .await
        .map_err(db_error)?;
    tx.commit().await.map_err(db_error)?;
    match refused {
        Some(secs) => Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!(
                "Too many failed sign-in attempts{what}. Try again in {} minutes.",
                secs.div_ceil(60)
            ),
        }),
        None => Ok(()),
    }
}

/// Checks `email` and `password`; `device_cookie` is the browser's device cookie, if any
/// (see [`super::device`]). Returns who signed in and a fresh device cookie value for the
/// browser to keep.
///
/// Unknown email and wrong password get the same answer after the same work (the password is
/// verified against a dummy hash when the email is unknown, or when the account has no
/// password). Attempts are counted before the password check, in one locked step:
/// - from a browser with a genuine device cookie for this account, at most
///   [`SIGN_IN_FAILURES`] per cookie within 15 minutes;
/// - from any other client, at most [`SIGN_IN_FAILURES`] per account within 15 minutes.
///
/// So a stranger sending wrong passwords locks out strangers only: the account's owner, on a
/// browser that signed in before, still gets in. A success clears the bucket it counted in.
///
/// # Errors
/// 401 [`AppError::InvalidCredentials`]; 429 when throttled; 503 when password hashing is
/// saturated; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn with_password(
    state: &AppState,
    email: &EmailAddress,
    password: SecretString,
    device_cookie: Option<&str>,
) -> Result<(SignedIn, String), AppError> {
    let device_key = DeviceKey::derive(&state.config.code_lookup_key);
    let trusted = device_cookie.and_then(|c| device_key.verify(c, email.as_str()));
    let (bucket, what) = match &trusted {
        Some(nonce) => (format!("sign-in-device:{nonce}"), " from this browser"),
        None => (
            format!("sign-in:{}", email.as_str().to_lowercase()),
            " for this account",
        ),
    };
    count_attempt(state, &bucket, SIGN_IN_FAILURES, what).await?;
    let user = repo::user_by_email(&state.pool, email.as_str())
        .await
        .map_err(db_error)?;
    let (user_id, phc) = user.map_or((None, None), |(id, h)| (Some(id), h));
    let verified = state.passwords.verify(password, phc).await?;
    let membership = match (verified, user_id) {
        (true, Some(id)) => session::primary_membership(&state.pool, id).await?,
        _ => None,
    };
    let (Some(user_id), Some((org_id, org_kind, role))) =
        (user_id.filter(|_| verified), membership)
    else {
        tracing::info!(trusted_device = trusted.is_some(), "sign-in failed");
        return Err(AppError::InvalidCredentials);
    };
    rate_limit::clear(&state.pool, &bucket)
        .await
        .map_err(db_error)?;
    tracing::info!(%user_id, trusted_device = trusted.is_some(), "signed in");
    Ok((
        SignedIn {
            user_id,
            org_id,
            org_kind,
            role,
        },
        device_key.issue(email.as_str()),
    ))
}

/// Checks a key sign-in: `signature` (base64url Ed25519) over the `sign_in` challenge
/// `challenge_id` must verify with `public_key`, which must belong to a member.
///
/// # Errors
/// 410 expired challenge; 401 [`AppError::KeyNotVerified`] when the signature does not verify
/// or the key belongs to nobody (one answer); 429 after [`KEY_SIGN_IN_FAILURES`] failures from
/// one client within 15 minutes; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn with_key(
    state: &AppState,
    ctx: &RequestContext,
    public_key: &[u8; 32],
    challenge_id: Uuid,
    signature: &str,
) -> Result<SignedIn, AppError> {
    let bucket = format!("key-sign-in:{}", ctx.ip_key());
    count_attempt(state, &bucket, KEY_SIGN_IN_FAILURES, "").await?;
    let verified = keys::verify_answer(
        state,
        challenge_id,
        ChallengePurpose::SignIn,
        public_key,
        signature,
    )
    .await;
    let user_id = match verified {
        Ok(()) => repo::user_by_public_key(&state.pool, public_key)
            .await
            .map_err(db_error)?,
        Err(AppError::KeyNotVerified) => None,
        Err(e) => return Err(e),
    };
    let membership = match user_id {
        Some(id) => session::primary_membership(&state.pool, id).await?,
        None => None,
    };
    let (Some(user_id), Some((org_id, org_kind, role))) = (user_id, membership) else {
        tracing::info!("key sign-in failed");
        return Err(AppError::KeyNotVerified);
    };
    rate_limit::clear(&state.pool, &bucket)
        .await
        .map_err(db_error)?;
    tracing::info!(%user_id, "signed in with key");
    Ok(SignedIn {
        user_id,
        org_id,
        org_kind,
        role,
    })
}
