//! SQL for invite codes and their audit trail.

use crate::crypto::Sealed;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// A code row to insert.
pub struct CodeRow<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub code_hmac: [u8; 32],
    pub sealed: &'a Sealed,
    pub role: &'a str,
    pub max_uses: i32,
    pub note: Option<&'a str>,
    pub batch_id: Option<Uuid>,
    pub created_by: Uuid,
    pub expires_at: OffsetDateTime,
}

/// Inserts a code. `Ok(false)` when another code has the same HMAC (a 2^-60 collision; the
/// caller draws a new code).
///
/// # Errors
/// Database errors.
pub async fn insert(conn: &mut PgConnection, row: &CodeRow<'_>) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO invite_codes (id, organisation_id, code_hmac, code_ciphertext, code_nonce,
                                   key_id, role, max_uses, note, batch_id, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (code_hmac) DO NOTHING",
        row.id,
        row.organisation_id,
        &row.code_hmac[..],
        &row.sealed.ciphertext,
        &row.sealed.nonce,
        &row.sealed.key_id,
        row.role,
        row.max_uses,
        row.note,
        row.batch_id,
        row.created_by,
        row.expires_at,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A listed code.
pub struct ListedCode {
    pub id: Uuid,
    pub status: String,
    pub role: String,
    pub creator_name: String,
    pub note: Option<String>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub used_count: i32,
    pub max_uses: i32,
    pub in_batch: bool,
}

/// The newest `limit` codes of an organisation, optionally of one effective status.
///
/// # Errors
/// Database errors.
pub async fn list<'c>(
    db: impl PgExecutor<'c>,
    organisation_id: Uuid,
    status: &str,
    limit: i64,
) -> Result<Vec<ListedCode>, sqlx::Error> {
    // `s.status` is the effective status, matching [`crate::domain::CodeStatus::of`].
    sqlx::query_as!(
        ListedCode,
        r#"SELECT c.id, s.status AS "status!", c.role, c.note, c.created_at, c.expires_at,
                c.used_count, c.max_uses, c.batch_id IS NOT NULL AS "in_batch!",
                trim(u.first_name || ' ' || u.last_name) AS "creator_name!"
           FROM invite_codes c JOIN users u ON u.id = c.created_by
          CROSS JOIN LATERAL (
                SELECT CASE WHEN c.revoked_at IS NOT NULL THEN 'revoked'
                            WHEN c.used_count >= c.max_uses THEN 'used'
                            WHEN c.expires_at <= now() THEN 'expired'
                            ELSE 'active' END AS status) s
          WHERE c.organisation_id = $1 AND ($2 = '' OR s.status = $2)
          ORDER BY c.created_at DESC, c.id DESC
          LIMIT $3"#,
        organisation_id,
        status,
        limit,
    )
    .fetch_all(db)
    .await
}

/// The sealed copy of code `id` if it belongs to `organisation_id`.
///
/// # Errors
/// Database errors.
pub async fn sealed<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    organisation_id: Uuid,
) -> Result<Option<Sealed>, sqlx::Error> {
    sqlx::query_as!(
        Sealed,
        "SELECT key_id, code_nonce AS nonce, code_ciphertext AS ciphertext FROM invite_codes
          WHERE id = $1 AND organisation_id = $2",
        id,
        organisation_id,
    )
    .fetch_optional(db)
    .await
}

/// Revokes code `id` of `organisation_id`. `Ok(None)` if there is no such code,
/// `Ok(Some(false))` if it was already revoked.
///
/// # Errors
/// Database errors.
pub async fn revoke(
    conn: &mut PgConnection,
    id: Uuid,
    organisation_id: Uuid,
    by: Uuid,
) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH target AS (
             SELECT id, revoked_at IS NULL AS live FROM invite_codes
              WHERE id = $1 AND organisation_id = $2 FOR UPDATE
         ), done AS (
             UPDATE invite_codes c SET revoked_at = now(), revoked_by = $3
               FROM target t WHERE c.id = t.id AND t.live
         )
         SELECT live AS "live!" FROM target"#,
        id,
        organisation_id,
        by,
    )
    .fetch_optional(conn)
    .await
}

/// A code that was just spent.
pub struct SpentCode {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub role: String,
}

/// Spends one use of the code with this HMAC if it is live (`used_count < max_uses`, not
/// expired, not revoked), atomically: concurrent spends of the last use serialise on the row
/// and all but one find nothing.
///
/// # Errors
/// Database errors.
pub async fn spend(
    conn: &mut PgConnection,
    code_hmac: &[u8; 32],
) -> Result<Option<SpentCode>, sqlx::Error> {
    sqlx::query_as!(
        SpentCode,
        "UPDATE invite_codes c SET used_count = c.used_count + 1
           FROM organisations o
          WHERE c.code_hmac = $1 AND o.id = c.organisation_id
            AND c.used_count < c.max_uses AND c.expires_at > now() AND c.revoked_at IS NULL
      RETURNING c.id, c.organisation_id, o.name AS organisation_name,
                o.kind AS organisation_kind, c.role",
        &code_hmac[..],
    )
    .fetch_optional(conn)
    .await
}

/// Why a code could not be spent: `None` if no code has this HMAC, else its facts.
pub struct DeadCode {
    pub revoked: bool,
    pub used_up: bool,
    pub expires_at: OffsetDateTime,
}

/// The facts of the code with this HMAC, for explaining a failed spend.
///
/// # Errors
/// Database errors.
pub async fn dead_code<'c>(
    db: impl PgExecutor<'c>,
    code_hmac: &[u8; 32],
) -> Result<Option<DeadCode>, sqlx::Error> {
    sqlx::query_as!(
        DeadCode,
        r#"SELECT revoked_at IS NOT NULL AS "revoked!", used_count >= max_uses AS "used_up!",
                expires_at
           FROM invite_codes WHERE code_hmac = $1"#,
        &code_hmac[..],
    )
    .fetch_optional(db)
    .await
}

/// Creates a key-only user (no email, no password) and their membership. `Ok(None)` if the
/// key already belongs to an account.
///
/// # Errors
/// Database errors.
pub async fn create_key_member(
    conn: &mut PgConnection,
    display_name: &str,
    public_key: &[u8; 32],
    did: &str,
    organisation_id: Uuid,
    role: &str,
) -> Result<Option<Uuid>, sqlx::Error> {
    let user_id = Uuid::new_v4();
    let inserted = sqlx::query!(
        "INSERT INTO users (id, email, first_name, last_name, password_hash, public_key, did)
         VALUES ($1, NULL, $2, '', NULL, $3, $4)
         ON CONFLICT DO NOTHING",
        user_id,
        display_name,
        &public_key[..],
        did,
    )
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    sqlx::query!(
        "INSERT INTO memberships (user_id, organisation_id, role) VALUES ($1, $2, $3)",
        user_id,
        organisation_id,
        role,
    )
    .execute(&mut *conn)
    .await?;
    Ok(Some(user_id))
}
