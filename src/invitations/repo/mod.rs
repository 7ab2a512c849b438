//! SQL for invitations. Functions take an executor so the service decides the transaction.

pub mod bulk;
mod list;
pub mod reminders;

pub use list::{list, ListFilter, ListedInvitation};

use crate::{
    crypto::Sealed,
    domain::{InvitationDraft, TokenHash},
};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// The facts about an invitation the service needs to decide on it.
#[derive(Debug, Clone)]
pub struct InvitationFacts {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    pub status: String,
    pub overdue: bool,
    pub expires_at: OffsetDateTime,
    pub inviter_id: Option<Uuid>,
}

/// Loads and row-locks an invitation within scope (`org` `None` = any organisation).
///
/// # Errors
/// Database errors.
pub async fn lock_in_scope(
    tx: &mut PgConnection,
    id: Uuid,
    org: Option<Uuid>,
) -> Result<Option<InvitationFacts>, sqlx::Error> {
    sqlx::query_as!(
        InvitationFacts,
        r#"SELECT i.id, i.organisation_id, o.name AS organisation_name,
                o.kind AS organisation_kind, i.email::text AS "email!", i.first_name,
                i.last_name, i.role, i.designation, i.department, i.status,
                (i.status = 'pending' AND i.expires_at <= now()) AS "overdue!", i.expires_at,
                i.inviter_id
           FROM invitations i JOIN organisations o ON o.id = i.organisation_id
          WHERE i.id = $1 AND ($2::uuid IS NULL OR i.organisation_id = $2)
            FOR UPDATE OF i"#,
        id,
        org,
    )
    .fetch_optional(tx)
    .await
}

/// Finds an invitation by the hash of its token. Spends nothing.
///
/// # Errors
/// Database errors.
pub async fn find_by_token<'c>(
    db: impl PgExecutor<'c>,
    hash: &TokenHash,
) -> Result<Option<InvitationFacts>, sqlx::Error> {
    sqlx::query_as!(
        InvitationFacts,
        r#"SELECT i.id, i.organisation_id, o.name AS organisation_name,
                o.kind AS organisation_kind, i.email::text AS "email!", i.first_name,
                i.last_name, i.role, i.designation, i.department, i.status,
                (i.status = 'pending' AND i.expires_at <= now()) AS "overdue!", i.expires_at,
                i.inviter_id
           FROM invitations i JOIN organisations o ON o.id = i.organisation_id
          WHERE i.token_hash = $1"#,
        &hash.0[..],
    )
    .fetch_optional(db)
    .await
}

/// Spends a token: the single atomic step that turns a pending, unexpired invitation into an
/// accepted one. Of any number of concurrent callers exactly one gets `Some`.
///
/// # Errors
/// Database errors.
pub async fn spend_token(
    tx: &mut PgConnection,
    hash: &TokenHash,
) -> Result<Option<InvitationFacts>, sqlx::Error> {
    let spent = sqlx::query_scalar!(
        "UPDATE invitations SET status = 'accepted', accepted_at = now(),
                reminder_key_id = NULL, reminder_nonce = NULL, reminder_ciphertext = NULL
          WHERE token_hash = $1 AND status = 'pending' AND expires_at > now()
         RETURNING id",
        &hash.0[..],
    )
    .fetch_optional(&mut *tx)
    .await?;
    if spent.is_none() {
        return Ok(None);
    }
    // The token still names the row, now accepted, within this transaction.
    find_by_token(tx, hash).await
}

/// An organisation's name and kind.
///
/// # Errors
/// Database errors.
pub async fn organisation<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
) -> Result<Option<(String, String)>, sqlx::Error> {
    let row = sqlx::query!("SELECT name, kind FROM organisations WHERE id = $1", id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| (r.name, r.kind)))
}

/// A new invitation row.
pub struct NewRow<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub invitee: &'a InvitationDraft,
    /// The inviting user; `None` for a partner or the system.
    pub inviter_id: Option<Uuid>,
    /// The inviting partner, if a partner invited.
    pub partner_id: Option<Uuid>,
    pub token_hash: &'a TokenHash,
    pub expires_at: OffsetDateTime,
    /// The token sealed for the expiry reminder; `None` for a link-only invitation.
    pub reminder: Option<&'a Sealed>,
}

/// Inserts a pending invitation, sent now.
///
/// # Errors
/// Database errors; a second pending invitation for the same email and organisation violates
/// `invitations_one_pending_per_email`.
pub async fn insert(conn: &mut PgConnection, row: &NewRow<'_>) -> Result<(), sqlx::Error> {
    let i = row.invitee;
    sqlx::query!(
        "INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role,
                designation, department, inviter_id, token_hash, expires_at, last_sent_at, partner_id,
                reminder_key_id, reminder_nonce, reminder_ciphertext)
         VALUES ($1, $2, $3::citext, $4, $5, $6, $7, $8, $9, $10, $11, now(), $12, $13, $14, $15)",
        row.id,
        row.organisation_id,
        i.email.as_str(),
        i.first_name.as_str(),
        i.last_name.as_str(),
        i.role.as_str(),
        i.designation.as_deref(),
        i.department.as_deref(),
        row.inviter_id,
        &row.token_hash.0[..],
        row.expires_at,
        row.partner_id,
        row.reminder.map(|r| r.key_id.as_str()),
        row.reminder.map(|r| &r.nonce[..]),
        row.reminder.map(|r| &r.ciphertext[..]),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives invitation `id` a new token (sealed anew for its reminder, which is due again) and
/// expiry, pending again and sent now.
///
/// # Errors
/// Database errors; `invitations_one_pending_per_email` when a newer pending invitation exists.
pub async fn reissue(
    conn: &mut PgConnection,
    id: Uuid,
    token_hash: &TokenHash,
    expires_at: OffsetDateTime,
    reminder: &Sealed,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE invitations SET token_hash = $2, status = 'pending', expires_at = $3,
                last_sent_at = now(), resend_count = resend_count + 1,
                reminder_key_id = $4, reminder_nonce = $5, reminder_ciphertext = $6,
                reminded_at = NULL
          WHERE id = $1",
        id,
        &token_hash.0[..],
        expires_at,
        reminder.key_id,
        &reminder.nonce,
        &reminder.ciphertext,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks invitation `id` revoked now, with an optional reason.
///
/// # Errors
/// Database errors.
pub async fn revoke(
    conn: &mut PgConnection,
    id: Uuid,
    reason: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE invitations SET status = 'revoked', revoked_at = now(), revoke_reason = $2,
                reminder_key_id = NULL, reminder_nonce = NULL, reminder_ciphertext = NULL
          WHERE id = $1",
        id,
        reason,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The pending invitations of `email` into organisation `org`.
///
/// # Errors
/// Database errors.
pub async fn pending_for_email<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
    email: &str,
) -> Result<Vec<Uuid>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT id FROM invitations
          WHERE organisation_id = $1 AND email = $2::citext AND status = 'pending'",
        org,
        email,
    )
    .fetch_all(db)
    .await
}

/// The organisations an inviter may choose from: `scope` `None` means every organisation.
/// `own` comes first, then the platform, then by name. Rows are (id, name, kind).
///
/// # Errors
/// Database errors.
pub async fn organisation_choices<'c>(
    db: impl PgExecutor<'c>,
    scope: Option<Uuid>,
    own: Uuid,
) -> Result<Vec<(Uuid, String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT id, name, kind FROM organisations
          WHERE $1::uuid IS NULL OR id = $1
          ORDER BY (id = $2) DESC, kind = 'platform' DESC, name",
        scope,
        own,
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name, r.kind)).collect())
}

/// Whether `email` already belongs to a member of organisation `org`.
///
/// # Errors
/// Database errors.
pub async fn is_member<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
    email: &str,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                          WHERE m.organisation_id = $1 AND u.email = $2::citext) AS "exists!""#,
        org,
        email,
    )
    .fetch_one(db)
    .await
}

/// One audit event as the history dialog shows it.
#[derive(Debug)]
pub struct AuditRow {
    pub action: String,
    pub actor: Option<String>,
    pub occurred_at: OffsetDateTime,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: serde_json::Value,
}

/// An invitation's audit trail, oldest first, if the invitation is within scope.
///
/// # Errors
/// Database errors.
pub async fn history<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    org: Option<Uuid>,
) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as!(
        AuditRow,
        "SELECT e.action,
                coalesce(u.first_name || ' ' || u.last_name, 'API token ' || t.name) AS actor,
                e.occurred_at, host(e.ip) AS ip, e.user_agent, e.detail
           FROM audit_events e
           LEFT JOIN users u ON u.id = e.actor_user_id
           LEFT JOIN api_tokens t ON t.id = e.actor_api_token_id
          WHERE e.subject_type = 'invitation' AND e.subject_id = $1
            AND ($2::uuid IS NULL OR e.organisation_id = $2)
          ORDER BY e.id",
        id,
        org,
    )
    .fetch_all(db)
    .await
}

/// Marks every overdue pending invitation expired, with an `expired` audit event each, in one
/// statement. Returns each expired invitation with the partner that created it, if one did
/// (its `invitation.expired` webhook).
///
/// # Errors
/// Database errors.
pub async fn expire_overdue(
    conn: &mut PgConnection,
) -> Result<Vec<(Uuid, Option<Uuid>)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"WITH expired AS (
            UPDATE invitations SET status = 'expired', reminder_key_id = NULL,
                   reminder_nonce = NULL, reminder_ciphertext = NULL
             WHERE status = 'pending' AND expires_at <= now()
            RETURNING id, organisation_id, expires_at, partner_id),
         audited AS (
            INSERT INTO audit_events (organisation_id, subject_type, subject_id, action,
                                      actor_kind, detail)
            SELECT organisation_id, 'invitation', id, 'expired', 'system',
                   jsonb_build_object('expires_at',
                       to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
              FROM expired
            RETURNING 1)
         SELECT id AS "id!", partner_id FROM expired"#
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.partner_id)).collect())
}

/// What claiming an idempotency key found.
pub enum IdempotencyClaim {
    /// The key is this request's now: act, then [`finish_idempotency_key`].
    Claimed,
    /// The key belongs to a different request (another method, path or body).
    OtherRequest,
    /// The first request with this key is still being answered.
    InFlight,
    /// The first request's answer, to replay.
    Done { status: i16, body: String },
}

/// Claims `key` of `principal` for the request whose SHA-256 is `request_hash`, or reports
/// what holds it. Keys older than 24 hours are forgotten and claimed afresh.
///
/// # Errors
/// Database errors.
pub async fn claim_idempotency_key(
    pool: &sqlx::PgPool,
    principal: &str,
    key: &str,
    request_hash: &[u8; 32],
) -> Result<IdempotencyClaim, sqlx::Error> {
    let claimed = sqlx::query_scalar!(
        r#"INSERT INTO idempotency_keys (principal, key, request_hash)
           VALUES ($1, $2, $3)
           ON CONFLICT (principal, key) DO UPDATE
              SET request_hash = EXCLUDED.request_hash, status = NULL, response_body = NULL,
                  created_at = now()
            WHERE idempotency_keys.created_at < now() - interval '24 hours'
           RETURNING true AS "claimed!""#,
        principal,
        key,
        &request_hash[..],
    )
    .fetch_optional(pool)
    .await?;
    if claimed.is_some() {
        return Ok(IdempotencyClaim::Claimed);
    }
    let held = sqlx::query!(
        "SELECT request_hash, status, response_body FROM idempotency_keys
          WHERE principal = $1 AND key = $2",
        principal,
        key,
    )
    .fetch_optional(pool)
    .await?;
    Ok(match held {
        // Forgotten between the two statements (a 5xx answer): the caller may retry.
        None => IdempotencyClaim::InFlight,
        Some(h) if h.request_hash != request_hash[..] => IdempotencyClaim::OtherRequest,
        Some(h) => match (h.status, h.response_body) {
            (Some(status), Some(body)) => IdempotencyClaim::Done { status, body },
            _ => IdempotencyClaim::InFlight,
        },
    })
}

/// Keeps the answer to `key`'s request for replay.
///
/// # Errors
/// Database errors.
pub async fn finish_idempotency_key(
    pool: &sqlx::PgPool,
    principal: &str,
    key: &str,
    status: i16,
    body: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE idempotency_keys SET status = $3, response_body = $4
          WHERE principal = $1 AND key = $2",
        principal,
        key,
        status,
        body,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Forgets `key` (its request failed on our side and may be retried).
///
/// # Errors
/// Database errors.
pub async fn forget_idempotency_key(
    pool: &sqlx::PgPool,
    principal: &str,
    key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2",
        principal,
        key,
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes idempotency keys older than 24 hours (housekeeping).
///
/// # Errors
/// Database errors.
pub async fn prune_idempotency_keys<'c>(db: impl PgExecutor<'c>) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query!("DELETE FROM idempotency_keys WHERE created_at < now() - interval '24 hours'")
            .execute(db)
            .await?;
    Ok(done.rows_affected())
}

/// The state of the invitation whose token hashes to `hash`: `(status, overdue)`, or `None`.
///
/// # Errors
/// Database errors.
pub async fn token_state<'c>(
    db: impl PgExecutor<'c>,
    hash: &[u8],
) -> Result<Option<(String, bool)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT status, (status = 'pending' AND expires_at <= now()) AS "overdue!"
             FROM invitations WHERE token_hash = $1"#,
        hash,
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| (r.status, r.overdue)))
}

/// Takes organisation `org`'s invitation-quota lock for the rest of the transaction and
/// counts its live pending invitations (pending and not past expiry).
///
/// # Errors
/// Database errors.
pub async fn lock_and_count_pending(
    conn: &mut PgConnection,
    org: Uuid,
) -> Result<i64, sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('invitation-quota:' || $1::uuid, 7331))",
        org,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM invitations
            WHERE organisation_id = $1 AND status = 'pending' AND expires_at > now()"#,
        org,
    )
    .fetch_one(&mut *conn)
    .await
}
