//! SQL of expiry reminders: claiming the invitations whose reminder is due, and each
//! organisation's switch.

use crate::crypto::Sealed;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// A pending invitation with its token sealed (for its reminder), as an email about it needs
/// it: an expiry reminder just claimed, or a bulk invitation email rendered as it leaves.
pub struct SealedInvitation {
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

struct SealedRow {
    /// The outbox message the invitation was read for, when it was.
    message_id: Option<i64>,
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
) -> Result<Vec<SealedInvitation>, sqlx::Error> {
    let rows = sqlx::query_as!(
        SealedRow,
        r#"WITH due AS (
               SELECT i.id, i.reminder_key_id, i.reminder_nonce, i.reminder_ciphertext
                 FROM invitations i JOIN organisations o ON o.id = i.organisation_id
                WHERE i.status = 'pending' AND i.reminded_at IS NULL
                  AND i.reminder_ciphertext IS NOT NULL AND o.expiry_reminders
                  AND i.expires_at > now()
                  AND i.expires_at <= now() + make_interval(secs => $1)
                  -- Its first email still waits to be rendered from the sealed token.
                  AND NOT EXISTS (SELECT 1 FROM email_outbox m
                                   WHERE m.invitation_id = i.id AND m.render_at_send
                                     AND m.status = 'queued')
                ORDER BY i.expires_at
                LIMIT $2
                  FOR UPDATE OF i SKIP LOCKED)
           UPDATE invitations i
              SET reminded_at = now(), reminder_key_id = NULL, reminder_nonce = NULL,
                  reminder_ciphertext = NULL
             FROM due, organisations o
            WHERE i.id = due.id AND o.id = i.organisation_id
        RETURNING NULL::int8 AS message_id, i.id, i.organisation_id, o.name AS organisation_name,
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
    Ok(rows.into_iter().map(|r| sealed_invitation(r).1).collect())
}

fn sealed_invitation(r: SealedRow) -> (Option<i64>, SealedInvitation) {
    (
        r.message_id,
        SealedInvitation {
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
        },
    )
}

/// The invitations of outbox messages `ids` queued with `render_at_send`, by message id, for
/// those still pending, unexpired and holding their sealed token; the others are left out.
///
/// # Errors
/// Database errors.
pub async fn for_messages<'c>(
    db: impl PgExecutor<'c>,
    ids: &[i64],
) -> Result<Vec<(i64, SealedInvitation)>, sqlx::Error> {
    let rows = sqlx::query_as!(
        SealedRow,
        r#"SELECT m.id AS "message_id?", i.id, i.organisation_id, o.name AS organisation_name,
                  o.kind AS organisation_kind, i.email::text AS "email!", i.first_name,
                  i.last_name, i.role,
                  (SELECT trim(u.first_name || ' ' || u.last_name) FROM users u
                    WHERE u.id = i.inviter_id) AS inviter_name,
                  i.expires_at, i.reminder_key_id AS "key_id!", i.reminder_nonce AS "nonce!",
                  i.reminder_ciphertext AS "ciphertext!"
             FROM email_outbox m
             JOIN invitations i ON i.id = m.invitation_id
             JOIN organisations o ON o.id = i.organisation_id
            WHERE m.id = ANY($1) AND m.render_at_send AND i.status = 'pending'
              AND i.expires_at > now() AND i.reminder_ciphertext IS NOT NULL"#,
        ids,
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| match sealed_invitation(r) {
            (Some(m), inv) => Some((m, inv)),
            (None, _) => None,
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
