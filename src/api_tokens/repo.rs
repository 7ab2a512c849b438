//! SQL for API tokens.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// A token to store.
pub struct NewToken<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: &'a str,
    pub role: &'a str,
    pub token_hash: &'a [u8; 32],
    pub created_by: Uuid,
    pub expires_at: OffsetDateTime,
}

/// Stores `t`.
///
/// # Errors
/// Database errors.
pub async fn insert(conn: &mut PgConnection, t: &NewToken<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO api_tokens (id, organisation_id, name, role, token_hash, created_by,
                                 expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        t.id,
        t.organisation_id,
        t.name,
        t.role,
        &t.token_hash[..],
        t.created_by,
        t.expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A token as the list shows it.
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub created_by: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub expired: bool,
}

/// Organisation `org`'s tokens, newest first (at most 200).
///
/// # Errors
/// Database errors.
pub async fn list<'c>(db: impl PgExecutor<'c>, org: Uuid) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as!(
        TokenRow,
        r#"SELECT t.id, t.name, t.role, u.first_name || ' ' || u.last_name AS "created_by!",
                  t.created_at, t.expires_at, t.last_used_at, t.revoked_at,
                  t.expires_at <= now() AS "expired!"
             FROM api_tokens t JOIN users u ON u.id = t.created_by
            WHERE t.organisation_id = $1
            ORDER BY t.created_at DESC, t.id DESC
            LIMIT 200"#,
        org,
    )
    .fetch_all(db)
    .await
}

/// Revokes token `id` of organisation `org` if it is still live. Returns its name when it was.
///
/// # Errors
/// Database errors.
pub async fn revoke(
    conn: &mut PgConnection,
    id: Uuid,
    org: Uuid,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now()
          WHERE id = $1 AND organisation_id = $2 AND revoked_at IS NULL
          RETURNING name",
        id,
        org,
    )
    .fetch_optional(conn)
    .await
}

/// Whether token `id` belongs to organisation `org` (revoked or not).
///
/// # Errors
/// Database errors.
pub async fn exists<'c>(db: impl PgExecutor<'c>, id: Uuid, org: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM api_tokens WHERE id = $1 AND organisation_id = $2)
                  AS "found!""#,
        id,
        org,
    )
    .fetch_one(db)
    .await
}

/// Who a live token acts as.
pub struct Principal {
    pub token_id: Uuid,
    pub token_role: String,
    pub user_id: Uuid,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub org_id: Uuid,
    pub org_name: String,
    pub org_kind: String,
}

/// The principal of the live token whose SHA-256 is `hash`: not revoked, not expired, and its
/// creator still a member of its organisation. Marks it used (at most once a minute, so a busy
/// client does not write on every call).
///
/// # Errors
/// Database errors.
pub async fn authenticate(
    conn: &mut PgConnection,
    hash: &[u8; 32],
) -> Result<Option<Principal>, sqlx::Error> {
    let found = sqlx::query_as!(
        Principal,
        r#"SELECT t.id AS token_id, t.role AS token_role, u.id AS user_id,
                  COALESCE(u.email::text, u.did) AS "email!", u.first_name, u.last_name,
                  o.id AS org_id, o.name AS org_name, o.kind AS org_kind
             FROM api_tokens t
             JOIN memberships m ON m.user_id = t.created_by
                               AND m.organisation_id = t.organisation_id
             JOIN users u ON u.id = t.created_by
             JOIN organisations o ON o.id = t.organisation_id
            WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > now()"#,
        &hash[..],
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(p) = &found {
        sqlx::query!(
            "UPDATE api_tokens SET last_used_at = now()
              WHERE id = $1
                AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
            p.token_id,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(found)
}
