//! SQL of expiry reminders: claiming the invitations whose reminder is due, and each
//! organisation's switch.

use crate::crypto::Sealed;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// An invitation whose reminder was just claimed, with its sealed token.
pub struct DueReminder {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub organisation_kind: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role: String,
    pub inviter_name: Option<String>,
    pub expires_at: OffsetDateTime,
    pub sealed: Sealed,
}

struct DueRow {
    id: Uuid,
    organisation_id: Uuid,
    organisation_name: String,
    organisation_kind: String,
    email: String,
    first_name: String,
    last_name: String,
    role: String,
    inviter_name: Option<String>,
    expires_at: OffsetDateTime,
    key_id: String,
    nonce: Vec<u8>,
    ciphertext: Vec<u8>,
}

/// Claims up to `limit` pending invitations that expire within `lead` and have not been
/// reminded, in organisations that keep reminders on: marks them reminded and drops their
/// sealed token in the same statement. Rows are taken with `FOR UPDATE SKIP LOCKED`, so
/// several instances sweeping at once each claim different invitations, and each is claimed
/// once.
///
/// # Errors
/// Database errors.
pub async fn claim_due(
    conn: &mut PgConnection,
    lead: std::time::Duration,
    limit: i64,
) -> Result<Vec<DueReminder>, sqlx::Error> {
    let rows = sqlx::query_as!(
        DueRow,
        r#"WITH due AS (
               SELECT i.id, i.reminder_key_id, i.reminder_nonce, i.reminder_ciphertext
                 FROM invitations i JOIN organisations o ON o.id = i.organisation_id
                WHERE i.status = 'pending' AND i.reminded_at IS NULL
                  AND i.reminder_ciphertext IS NOT NULL AND o.expiry_reminders
                  AND i.expires_at > now()
                  AND i.expires_at <= now() + make_interval(secs => $1)
                ORDER BY i.expires_at
                LIMIT $2
                  FOR UPDATE OF i SKIP LOCKED)
           UPDATE invitations i
              SET reminded_at = now(), reminder_key_id = NULL, reminder_nonce = NULL,
                  reminder_ciphertext = NULL
             FROM due, organisations o
            WHERE i.id = due.id AND o.id = i.organisation_id
        RETURNING i.id, i.organisation_id, o.name AS organisation_name,
                  o.kind AS organisation_kind, i.email::text AS "email!", i.first_name, i.last_name,
                  i.role, (SELECT trim(u.first_name || ' ' || u.last_name) FROM users u
                    WHERE u.id = i.inviter_id) AS inviter_name,
                  i.expires_at, due.reminder_key_id AS "key_id!",
                  due.reminder_nonce AS "nonce!", due.reminder_ciphertext AS "ciphertext!""#,
        lead.as_secs_f64(),
        limit,
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| DueReminder {
            id: r.id,
            organisation_id: r.organisation_id,
            organisation_name: r.organisation_name,
            organisation_kind: r.organisation_kind,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            role: r.role,
            inviter_name: r.inviter_name,
            expires_at: r.expires_at,
            sealed: Sealed {
                key_id: r.key_id,
                nonce: r.nonce,
                ciphertext: r.ciphertext,
            },
        })
        .collect())
}

/// Whether organisation `org` sends expiry reminders; `None` if there is no such organisation.
///
/// # Errors
/// Database errors.
pub async fn enabled<'c>(db: impl PgExecutor<'c>, org: Uuid) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT expiry_reminders FROM organisations WHERE id = $1",
        org
    )
    .fetch_optional(db)
    .await
}

/// Switches expiry reminders of organisation `org` on or off.
///
/// # Errors
/// Database errors.
pub async fn set_enabled(conn: &mut PgConnection, org: Uuid, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE organisations SET expiry_reminders = $2 WHERE id = $1",
        org,
        on
    )
    .execute(conn)
    .await?;
    Ok(())
}
