//! SQL of the partner API: client authentication, access tokens, and what partners may read.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// A partner's OAuth client as the token endpoint checks it.
pub struct Client {
    pub partner_id: Uuid,
    pub organisation_id: Uuid,
    /// The partner's status (wire name).
    pub status: String,
    /// SHA-256 of the client secret; `None` before approval or after decommissioning.
    pub secret_hash: Option<Vec<u8>>,
    /// SHA-256 of the secret a rotation replaced, while its overlap lasts.
    pub previous_secret_hash: Option<Vec<u8>>,
    /// The approved scopes (wire names).
    pub scopes: Vec<String>,
}

/// The client with `client_id`.
///
/// # Errors
/// Database errors.
pub async fn client<'c>(
    db: impl PgExecutor<'c>,
    client_id: &str,
) -> Result<Option<Client>, sqlx::Error> {
    sqlx::query_as!(
        Client,
        "SELECT id AS partner_id, organisation_id, status, client_secret_hash AS secret_hash,
                CASE WHEN previous_client_secret_expires_at > now()
                     THEN previous_client_secret_hash END AS previous_secret_hash,
                scopes
           FROM partners WHERE client_id = $1",
        client_id,
    )
    .fetch_optional(db)
    .await
}

/// Stores a new access token (by its SHA-256) valid for `lifetime_secs`, and drops this
/// partner's expired tokens.
///
/// # Errors
/// Database errors.
pub async fn insert_token(
    conn: &mut PgConnection,
    token_hash: &[u8; 32],
    partner_id: Uuid,
    scopes: &[String],
    lifetime_secs: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO partner_access_tokens (token_hash, partner_id, scopes, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
        &token_hash[..],
        partner_id,
        scopes,
        lifetime_secs as f64,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM partner_access_tokens WHERE partner_id = $1 AND expires_at < now()",
        partner_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The partner behind an unexpired access token.
pub struct TokenHolder {
    pub partner_id: Uuid,
    pub organisation_id: Uuid,
    pub partner_name: String,
    /// The partner's status (wire name).
    pub status: String,
    /// The token's scopes that the partner still holds (wire names).
    pub scopes: Vec<String>,
}

/// The holder of the unexpired token whose SHA-256 is `token_hash`, with the token's scopes
/// narrowed to those the partner is approved for now: narrowing a partner's scopes takes
/// effect on its live tokens at once.
///
/// # Errors
/// Database errors.
pub async fn token_holder<'c>(
    db: impl PgExecutor<'c>,
    token_hash: &[u8; 32],
) -> Result<Option<TokenHolder>, sqlx::Error> {
    sqlx::query_as!(
        TokenHolder,
        r#"SELECT p.id AS partner_id, p.organisation_id, p.name AS partner_name, p.status,
                  ARRAY(SELECT s FROM unnest(t.scopes) s WHERE s = ANY (p.scopes)) AS "scopes!"
             FROM partner_access_tokens t JOIN partners p ON p.id = t.partner_id
            WHERE t.token_hash = $1 AND t.expires_at > now()"#,
        &token_hash[..],
    )
    .fetch_optional(db)
    .await
}

/// Records a successful authenticated call: the partner's "last successful sync".
///
/// # Errors
/// Database errors.
pub async fn touch_last_sync<'c>(
    db: impl PgExecutor<'c>,
    partner_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE partners SET last_successful_sync_at = now() WHERE id = $1",
        partner_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Marks an approved partner active (its first successful ping). Returns whether it changed.
///
/// # Errors
/// Database errors.
pub async fn activate(conn: &mut PgConnection, partner_id: Uuid) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE partners SET status = 'active', activated_at = now()
          WHERE id = $1 AND status = 'approved'",
        partner_id,
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A member invitation as a partner may see it.
pub struct PartnerInvitation {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    /// Effective status: pending past its expiry reads `expired`.
    pub status: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub accepted_at: Option<OffsetDateTime>,
}

/// Invitation `id`, if `partner_id` created it.
///
/// # Errors
/// Database errors.
pub async fn partner_invitation<'c>(
    db: impl PgExecutor<'c>,
    partner_id: Uuid,
    id: Uuid,
) -> Result<Option<PartnerInvitation>, sqlx::Error> {
    sqlx::query_as!(
        PartnerInvitation,
        r#"SELECT id, email::text AS "email!", role,
                CASE WHEN status = 'pending' AND expires_at <= now() THEN 'expired'
                     ELSE status END AS "status!",
                created_at, expires_at, accepted_at
           FROM invitations WHERE id = $1 AND partner_id = $2"#,
        id,
        partner_id,
    )
    .fetch_optional(db)
    .await
}

/// Members per role of `org`.
///
/// # Errors
/// Database errors.
pub async fn members_by_role<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT role, count(*) AS "members!" FROM memberships
            WHERE organisation_id = $1 GROUP BY role"#,
        org,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.role, r.members)).collect())
}

/// Invitations per effective status of `org`.
///
/// # Errors
/// Database errors.
pub async fn invitations_by_status<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT CASE WHEN status = 'pending' AND expires_at <= now() THEN 'expired'
                     ELSE status END AS "status!",
                count(*) AS "invitations!"
           FROM invitations WHERE organisation_id = $1 GROUP BY 1"#,
        org,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.status, r.invitations))
        .collect())
}
