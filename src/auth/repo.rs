//! SQL for signing in: finding the account behind an email address or a public key.

use sqlx::PgExecutor;
use uuid::Uuid;

/// The user with `email` (compared case-insensitively) and their password hash, which is
/// `None` for members who joined with a key.
///
/// # Errors
/// Database errors.
pub async fn user_by_email<'c>(
    db: impl PgExecutor<'c>,
    email: &str,
) -> Result<Option<(Uuid, Option<String>)>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT id, password_hash FROM users WHERE email = $1::citext",
        email,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.id, r.password_hash)))
}

/// The user whose Ed25519 public key is `public_key`.
///
/// # Errors
/// Database errors.
pub async fn user_by_public_key<'c>(
    db: impl PgExecutor<'c>,
    public_key: &[u8; 32],
) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM users WHERE public_key = $1",
        &public_key[..]
    )
    .fetch_optional(db)
    .await
}
