//! SQL for credential invitations and their `integration_invite` analytics events.

use crate::{crypto::Sealed, domain::TokenHash, security::RequestContext};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// The analytics events of a credential invitation (`integration_invite` stream).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InviteEvent {
    Viewed,
    SubmitRejected,
    Submitted,
    Accepted,
    Refreshed,
    Expired,
}

impl InviteEvent {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Viewed => "viewed",
            Self::SubmitRejected => "submit_rejected",
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Refreshed => "refreshed",
            Self::Expired => "expired",
        }
    }
}

/// What an analytics event is about.
pub struct EventFacts<'a> {
    pub invitation_id: Uuid,
    pub provider_id: Uuid,
    pub environment: &'a str,
}

/// Stores one analytics event. `elapsed_ms`: milliseconds from the first view (submits).
///
/// # Errors
/// Database errors.
pub async fn insert_event<'c>(
    db: impl PgExecutor<'c>,
    f: &EventFacts<'_>,
    event: InviteEvent,
    reason_code: Option<&str>,
    elapsed_ms: Option<i64>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO integration_invite_events
             (credential_invitation_id, event, reason_code, provider_id, environment, elapsed_ms)
         VALUES ($1, $2, $3, $4, $5, $6)",
        f.invitation_id,
        event.as_str(),
        reason_code,
        f.provider_id,
        f.environment,
        elapsed_ms,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A new credential invitation row, with the context of the request that made it.
pub struct NewRow<'a> {
    pub id: Uuid,
    pub partner_id: Uuid,
    pub provider_id: Uuid,
    pub environment: &'a str,
    pub recipient_email: &'a str,
    pub token_hash: &'a TokenHash,
    pub expires_at: OffsetDateTime,
    pub created_by: Uuid,
    pub ctx: &'a RequestContext,
}

/// Inserts a pending credential invitation.
///
/// # Errors
/// Database errors.
pub async fn insert(conn: &mut PgConnection, row: &NewRow<'_>) -> Result<(), sqlx::Error> {
    // The IP is bound as text (sqlx maps `inet` only with an extra feature) and cast here.
    sqlx::query!(
        "INSERT INTO credential_invitations (id, partner_id, provider_id, environment,
                recipient_email, token_hash, expires_at, created_by, created_ip,
                created_user_agent, created_request_id)
         VALUES ($1, $2, $3, $4, $5::citext, $6, $7, $8, $9::text::inet, $10, $11)",
        row.id,
        row.partner_id,
        row.provider_id,
        row.environment,
        row.recipient_email,
        &row.token_hash.0[..],
        row.expires_at,
        row.created_by,
        row.ctx.ip.map(|ip| ip.to_string()),
        row.ctx.user_agent.as_deref(),
        row.ctx.request_id.as_deref(),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A credential invitation as the partner page lists it.
pub struct ListedRow {
    pub id: Uuid,
    pub recipient_email: String,
    pub environment: String,
    /// Effective status: `pending` past its expiry reads `expired`.
    pub status: String,
    pub expires_at: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub refresh_count: i32,
    pub accepted_at: Option<OffsetDateTime>,
    pub api_key_id: Option<String>,
    pub rotation_days: Option<i32>,
    pub rotation_due_at: Option<OffsetDateTime>,
}

/// The credential invitations of a partner, newest first.
///
/// # Errors
/// Database errors.
pub async fn list<'c>(
    db: impl PgExecutor<'c>,
    partner_id: Uuid,
) -> Result<Vec<ListedRow>, sqlx::Error> {
    sqlx::query_as!(
        ListedRow,
        r#"SELECT id, recipient_email::text AS "recipient_email!", environment,
                CASE WHEN status = 'pending' AND expires_at <= now() THEN 'expired'
                     ELSE status END AS "status!",
                expires_at, created_at, refresh_count, accepted_at, api_key_id, rotation_days,
                rotation_due_at
           FROM credential_invitations WHERE partner_id = $1 ORDER BY created_at DESC"#,
        partner_id,
    )
    .fetch_all(db)
    .await
}

/// A credential invitation of one tenant, locked for a change, with its creation context.
pub struct OwnedRow {
    pub provider_id: Uuid,
    pub environment: String,
    /// Stored status: `pending`, `accepted` or `revoked`.
    pub status: String,
    pub created_ip: Option<String>,
    pub created_user_agent: Option<String>,
    pub created_request_id: Option<String>,
}

/// Invitation `id` if its partner belongs to organisation `org`, locked `FOR UPDATE`.
///
/// # Errors
/// Database errors.
pub async fn owned_for_update(
    conn: &mut PgConnection,
    id: Uuid,
    org: Uuid,
) -> Result<Option<OwnedRow>, sqlx::Error> {
    sqlx::query_as!(
        OwnedRow,
        "SELECT c.provider_id, c.environment, c.status, host(c.created_ip) AS created_ip,
                c.created_user_agent, c.created_request_id
           FROM credential_invitations c JOIN partners p ON p.id = c.partner_id
          WHERE c.id = $1 AND p.organisation_id = $2 FOR UPDATE OF c",
        id,
        org,
    )
    .fetch_optional(conn)
    .await
}

/// Moves the expiry of invitation `id` to `expires_at` on the same token.
///
/// # Errors
/// Database errors.
pub async fn extend(
    conn: &mut PgConnection,
    id: Uuid,
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE credential_invitations SET expires_at = $2, refresh_count = refresh_count + 1
          WHERE id = $1",
        id,
        expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks invitation `id` revoked now.
///
/// # Errors
/// Database errors.
pub async fn revoke(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE credential_invitations SET status = 'revoked', revoked_at = now() WHERE id = $1",
        id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One analytics event for display.
pub struct EventRow {
    pub event: String,
    pub reason_code: Option<String>,
    pub elapsed_ms: Option<i64>,
    pub occurred_at: OffsetDateTime,
}

/// Whether credential invitation `id` exists and belongs to a partner of organisation `org`.
///
/// # Errors
/// Database errors.
pub async fn belongs_to<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    org: Uuid,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM credential_invitations c
                            JOIN partners p ON p.id = c.partner_id
                           WHERE c.id = $1 AND p.organisation_id = $2) AS "found!""#,
        id,
        org,
    )
    .fetch_one(db)
    .await
}

/// The analytics events of invitation `id` of organisation `org`, oldest first.
///
/// # Errors
/// Database errors.
pub async fn events<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    org: Uuid,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as!(
        EventRow,
        "SELECT e.event, e.reason_code, e.elapsed_ms, e.occurred_at
           FROM integration_invite_events e
           JOIN credential_invitations c ON c.id = e.credential_invitation_id
           JOIN partners p ON p.id = c.partner_id
          WHERE e.credential_invitation_id = $1 AND p.organisation_id = $2
          ORDER BY e.id",
        id,
        org,
    )
    .fetch_all(db)
    .await
}

/// One exported analytics event.
pub struct ExportRow {
    pub event: String,
    pub credential_invitation_id: Uuid,
    pub provider_id: Uuid,
    pub provider: String,
    pub environment: String,
    pub reason_code: Option<String>,
    pub elapsed_ms: Option<i64>,
    pub occurred_at: OffsetDateTime,
}

/// Every analytics event of a partner's credential invitations, oldest first.
///
/// # Errors
/// Database errors.
pub async fn export_rows<'c>(
    db: impl PgExecutor<'c>,
    partner_id: Uuid,
) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as!(
        ExportRow,
        "SELECT e.event, e.credential_invitation_id, e.provider_id, v.name AS provider,
                e.environment, e.reason_code, e.elapsed_ms, e.occurred_at
           FROM integration_invite_events e
           JOIN credential_invitations c ON c.id = e.credential_invitation_id
           JOIN integration_providers v ON v.id = e.provider_id
          WHERE c.partner_id = $1 ORDER BY e.id",
        partner_id,
    )
    .fetch_all(db)
    .await
}

/// A credential invitation found by its token, with the database clock.
pub struct Found {
    pub id: Uuid,
    pub partner_id: Uuid,
    pub organisation_id: Uuid,
    pub partner_name: String,
    /// The partner's status (wire name).
    pub partner_status: String,
    pub organisation_name: String,
    pub provider_id: Uuid,
    pub environment: String,
    pub status: String,
    /// Past its expiry.
    pub overdue: bool,
    pub expires_at: OffsetDateTime,
    pub first_viewed_at: Option<OffsetDateTime>,
    pub now: OffsetDateTime,
}

/// The invitation whose token hashes to `token_hash`; `lock` takes a row lock for a submit.
///
/// # Errors
/// Database errors.
pub async fn find<'c>(
    db: impl PgExecutor<'c>,
    token_hash: &TokenHash,
    lock: bool,
) -> Result<Option<Found>, sqlx::Error> {
    // Two statements rather than one spliced together, so both are checked at compile time.
    if lock {
        sqlx::query_as!(
            Found,
            r#"SELECT c.id, c.partner_id, p.organisation_id, p.name AS partner_name,
                    p.status AS partner_status, o.name AS organisation_name, c.provider_id, c.environment, c.status,
                    c.expires_at <= now() AS "overdue!", c.expires_at, c.first_viewed_at,
                    now() AS "now!"
               FROM credential_invitations c
               JOIN partners p ON p.id = c.partner_id
               JOIN organisations o ON o.id = p.organisation_id
              WHERE c.token_hash = $1
                FOR UPDATE OF c"#,
            &token_hash.0[..],
        )
        .fetch_optional(db)
        .await
    } else {
        sqlx::query_as!(
            Found,
            r#"SELECT c.id, c.partner_id, p.organisation_id, p.name AS partner_name,
                    p.status AS partner_status, o.name AS organisation_name, c.provider_id, c.environment, c.status,
                    c.expires_at <= now() AS "overdue!", c.expires_at, c.first_viewed_at,
                    now() AS "now!"
               FROM credential_invitations c
               JOIN partners p ON p.id = c.partner_id
               JOIN organisations o ON o.id = p.organisation_id
              WHERE c.token_hash = $1"#,
            &token_hash.0[..],
        )
        .fetch_optional(db)
        .await
    }
}

/// Records the first view of invitation `id` (later views keep the first time).
///
/// # Errors
/// Database errors.
pub async fn mark_viewed<'c>(db: impl PgExecutor<'c>, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE credential_invitations SET first_viewed_at = COALESCE(first_viewed_at, now())
          WHERE id = $1",
        id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Spends pending invitation `id`: stores the key id and the sealed secret with its rotation
/// interval (days). Returns when rotation is due.
///
/// # Errors
/// Database errors (`RowNotFound` when it was no longer pending).
pub async fn accept(
    conn: &mut PgConnection,
    id: Uuid,
    api_key_id: &str,
    sealed: &Sealed,
    rotation_days: i32,
) -> Result<OffsetDateTime, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE credential_invitations
              SET status = 'accepted', accepted_at = now(), api_key_id = $2,
                  secret_ciphertext = $3, secret_nonce = $4, secret_key_id = $5,
                  secret_aad_version = 2, rotation_days = $6, rotation_due_at = now() + make_interval(days => $6)
            WHERE id = $1 AND status = 'pending'
        RETURNING rotation_due_at AS "rotation_due_at!""#,
        id,
        api_key_id,
        &sealed.ciphertext,
        &sealed.nonce,
        &sealed.key_id,
        rotation_days,
    )
    .fetch_one(conn)
    .await
}
