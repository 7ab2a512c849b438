//! Proof of possession for key identities: single-use challenges kept in Postgres (so any
//! instance can answer what another issued), and their verification.

use crate::{
    crypto::random_32,
    domain::{self, ChallengePurpose, SigningChallenge},
    error::AppError,
    rate_limit,
    security::RequestContext,
    state::AppState,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use std::time::Duration;
use uuid::Uuid;

/// How long a challenge can be answered, in seconds.
pub const CHALLENGE_TTL_SECS: i64 = 300;
/// Issues a challenge for `purpose`, after the per-IP limit; drops long-expired challenges.
///
/// # Errors
/// 429 past `config.key_challenges_per_ip_per_minute`; 500 on database failure.
pub async fn issue(
    state: &AppState,
    ctx: &RequestContext,
    purpose: ChallengePurpose,
) -> Result<SigningChallenge, AppError> {
    let db = AppError::internal::<sqlx::Error>("issuing a key challenge failed");
    let mut tx = state.pool.begin().await.map_err(db)?;
    let bucket = format!("key-challenge:{}", ctx.ip_key());
    if let Some(secs) = rate_limit::acquire(
        &mut tx,
        &bucket,
        state.config.key_challenges_per_ip_per_minute,
        Duration::from_secs(60),
    )
    .await
    .map_err(db)?
    {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
            message: format!("Too many attempts. Try again in {secs} seconds."),
        });
    }
    sqlx::query!("DELETE FROM key_challenges WHERE expires_at < clock_timestamp()")
        .execute(&mut *tx)
        .await
        .map_err(db)?;
    let id = Uuid::new_v4();
    let challenge = random_32();
    sqlx::query!(
        "INSERT INTO key_challenges (id, purpose, challenge, expires_at)
         VALUES ($1, $2, $3, clock_timestamp() + make_interval(secs => $4))",
        id,
        purpose.as_str(),
        &challenge[..],
        CHALLENGE_TTL_SECS as f64,
    )
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(SigningChallenge {
        id,
        challenge: URL_SAFE_NO_PAD.encode(challenge),
        origin: state.config.public_origin(),
        expires_in_secs: CHALLENGE_TTL_SECS,
    })
}

/// Spends challenge `id` (deleted whether or not the signature turns out right, so it can be
/// answered once) and checks that `signature` over its message verifies with `public_key`.
///
/// # Errors
/// 410 for an unknown, expired or already-answered challenge, or one issued for another
/// purpose; [`AppError::KeyNotVerified`] for a signature that does not verify.
pub async fn verify_answer(
    state: &AppState,
    id: Uuid,
    purpose: ChallengePurpose,
    public_key: &[u8; 32],
    signature: &str,
) -> Result<(), AppError> {
    let row = sqlx::query!(
        r#"DELETE FROM key_challenges WHERE id = $1 AND purpose = $2
           RETURNING challenge, expires_at > clock_timestamp() AS "live!""#,
        id,
        purpose.as_str(),
    )
    .fetch_optional(&state.pool)
    .await
    .map_err(AppError::internal("spending a key challenge failed"))?;
    let Some((challenge, true)) = row.map(|r| (r.challenge, r.live)) else {
        return Err(AppError::Gone(
            "This form has expired. Reload the page and try again.".into(),
        ));
    };
    let message = domain::challenge_message(purpose, &state.config.public_origin(), &challenge);
    domain::verify(public_key, &message, signature).map_err(|e| {
        tracing::info!(error = %e, "key signature refused");
        AppError::KeyNotVerified
    })
}
