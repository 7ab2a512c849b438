//! SQL for providers, partners, their access tokens and their audit trail.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// A partner list row.
pub struct PartnerListRow {
    pub id: Uuid,
    pub name: String,
    pub provider_name: String,
    pub environment: String,
    pub status: String,
    pub last_successful_sync_at: Option<OffsetDateTime>,
    /// When the current client secret is due for rotation, for partners that have one.
    pub secret_rotation_due_at: Option<OffsetDateTime>,
    /// A webhook endpoint of the partner disabled itself after failures (LOG-01).
    pub degraded: bool,
}

/// The partners of a tenant, newest first.
///
/// # Errors
/// Database errors.
pub async fn partners_of<'c>(
    db: impl PgExecutor<'c>,
    organisation_id: Uuid,
) -> Result<Vec<PartnerListRow>, sqlx::Error> {
    sqlx::query_as!(
        PartnerListRow,
        r#"SELECT p.id, p.name, v.name AS provider_name, p.environment, p.status,
                p.last_successful_sync_at,
                CASE WHEN p.status IN ('approved', 'active', 'suspended')
                          AND p.client_secret_hash IS NOT NULL
                     THEN p.credentials_issued_at + make_interval(days => v.rotation_days)
                END AS secret_rotation_due_at,
                p.webhook_degraded_at IS NOT NULL AS "degraded!"
           FROM partners p JOIN integration_providers v ON v.id = p.provider_id
          WHERE p.organisation_id = $1 ORDER BY p.created_at DESC"#,
        organisation_id,
    )
    .fetch_all(db)
    .await
}

/// A new partner.
pub struct NewPartner<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: &'a str,
    pub legal_basis: &'a str,
    pub agreement_document_id: &'a str,
    pub provider_id: Uuid,
    pub environment: &'a str,
    pub contacts: &'a serde_json::Value,
    pub scopes: &'a [String],
    pub created_by: Uuid,
}

/// Inserts a draft partner.
///
/// # Errors
/// Database errors (unique `partners_name_per_tenant`).
pub async fn insert_partner(
    conn: &mut PgConnection,
    p: &NewPartner<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO partners (id, organisation_id, name, legal_basis, agreement_document_id,
                               provider_id, environment, contacts, scopes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        p.id,
        p.organisation_id,
        p.name,
        p.legal_basis,
        p.agreement_document_id,
        p.provider_id,
        p.environment,
        p.contacts,
        p.scopes,
        p.created_by,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A partner with the names of the people involved.
pub struct PartnerRow {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub name: String,
    pub legal_basis: String,
    pub agreement_document_id: String,
    pub provider_id: Uuid,
    pub environment: String,
    pub contacts: serde_json::Value,
    pub scopes: Vec<String>,
    pub status: String,
    pub created_by_name: String,
    pub submitted_by: Option<Uuid>,
    pub submitted_by_name: Option<String>,
    pub decided_by_name: Option<String>,
    pub approval_policy_document_id: Option<String>,
    pub rejection_reason: Option<String>,
    pub client_id: Option<String>,
    pub activated_at: Option<OffsetDateTime>,
    pub last_successful_sync_at: Option<OffsetDateTime>,
    /// When the current client secret was made.
    pub credentials_issued_at: Option<OffsetDateTime>,
    /// The secret a rotation replaced, while it still works: made, and stops working.
    pub previous_secret_created_at: Option<OffsetDateTime>,
    pub previous_secret_expires_at: Option<OffsetDateTime>,
    /// A webhook endpoint of the partner disabled itself after failures (LOG-01).
    pub degraded: bool,
}

/// A partner of `organisation_id`.
///
/// # Errors
/// Database errors.
pub async fn partner<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    organisation_id: Uuid,
) -> Result<Option<PartnerRow>, sqlx::Error> {
    sqlx::query_as!(
        PartnerRow,
        r#"SELECT p.id, p.organisation_id, p.name, p.legal_basis, p.agreement_document_id,
                p.provider_id, p.environment, p.contacts, p.scopes, p.status,
                trim(c.first_name || ' ' || c.last_name) AS "created_by_name!", p.submitted_by,
                trim(s.first_name || ' ' || s.last_name) AS submitted_by_name,
                trim(d.first_name || ' ' || d.last_name) AS decided_by_name,
                p.approval_policy_document_id, p.rejection_reason, p.client_id, p.activated_at,
                p.last_successful_sync_at, p.credentials_issued_at,
                CASE WHEN p.previous_client_secret_expires_at > now()
                     THEN p.previous_client_secret_created_at END AS previous_secret_created_at,
                CASE WHEN p.previous_client_secret_expires_at > now()
                     THEN p.previous_client_secret_expires_at END AS previous_secret_expires_at,
                p.webhook_degraded_at IS NOT NULL AS "degraded!"
           FROM partners p
           JOIN users c ON c.id = p.created_by
           LEFT JOIN users s ON s.id = p.submitted_by
           LEFT JOIN users d ON d.id = p.decided_by
          WHERE p.id = $1 AND p.organisation_id = $2"#,
        id,
        organisation_id,
    )
    .fetch_optional(db)
    .await
}

/// A partner of `organisation_id`, locked for the rest of the transaction.
///
/// # Errors
/// Database errors.
pub async fn partner_for_update(
    conn: &mut PgConnection,
    id: Uuid,
    organisation_id: Uuid,
) -> Result<Option<PartnerRow>, sqlx::Error> {
    sqlx::query_as!(
        PartnerRow,
        r#"SELECT p.id, p.organisation_id, p.name, p.legal_basis, p.agreement_document_id,
                p.provider_id, p.environment, p.contacts, p.scopes, p.status,
                trim(c.first_name || ' ' || c.last_name) AS "created_by_name!", p.submitted_by,
                trim(s.first_name || ' ' || s.last_name) AS submitted_by_name,
                trim(d.first_name || ' ' || d.last_name) AS decided_by_name,
                p.approval_policy_document_id, p.rejection_reason, p.client_id, p.activated_at,
                p.last_successful_sync_at, p.credentials_issued_at,
                CASE WHEN p.previous_client_secret_expires_at > now()
                     THEN p.previous_client_secret_created_at END AS previous_secret_created_at,
                CASE WHEN p.previous_client_secret_expires_at > now()
                     THEN p.previous_client_secret_expires_at END AS previous_secret_expires_at,
                p.webhook_degraded_at IS NOT NULL AS "degraded!"
           FROM partners p
           JOIN users c ON c.id = p.created_by
           LEFT JOIN users s ON s.id = p.submitted_by
           LEFT JOIN users d ON d.id = p.decided_by
          WHERE p.id = $1 AND p.organisation_id = $2
            FOR UPDATE OF p"#,
        id,
        organisation_id,
    )
    .fetch_optional(conn)
    .await
}

/// Sets environment, contacts and scopes; `to_draft` sends an approved partner back to draft
/// (its credentials are revoked until it is approved again).
///
/// # Errors
/// Database errors.
pub async fn update_config(
    conn: &mut PgConnection,
    id: Uuid,
    environment: &str,
    contacts: &serde_json::Value,
    scopes: &[String],
    to_draft: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE partners SET environment = $2, contacts = $3, scopes = $4,
                status = CASE WHEN $5 THEN 'draft' ELSE status END,
                client_secret_hash = CASE WHEN $5 THEN NULL ELSE client_secret_hash END,
                previous_client_secret_hash =
                    CASE WHEN $5 THEN NULL ELSE previous_client_secret_hash END
          WHERE id = $1",
        id,
        environment,
        contacts,
        scopes,
        to_draft,
    )
    .execute(&mut *conn)
    .await?;
    if to_draft {
        sqlx::query!(
            "DELETE FROM partner_access_tokens WHERE partner_id = $1",
            id
        )
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// How `approver` stands to partner `id`'s submission, for the two-person rule:
/// `(held_before, admitted_by_submitter)`: whether their membership in the partner's
/// organisation began before the submission, and whether the submitter admitted them (an
/// invitation they accepted or an invite code they redeemed, issued by the submitter).
/// `None` when they are no member of the partner's organisation.
///
/// # Errors
/// Database errors.
pub async fn approver_standing(
    conn: &mut PgConnection,
    id: Uuid,
    approver: Uuid,
) -> Result<Option<(bool, bool)>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT coalesce(m.created_at < p.submitted_at, false) AS "held_before!",
                  (EXISTS (SELECT 1 FROM invitations i
                            WHERE i.accepted_user_id = $2 AND i.inviter_id = p.submitted_by)
                   OR EXISTS (SELECT 1 FROM audit_events e
                                JOIN invite_codes c ON c.id = e.subject_id
                               WHERE e.subject_type = 'invite_code' AND e.action = 'redeemed'
                                 AND e.detail->>'user_id' = $2::text
                                 AND c.created_by = p.submitted_by)) AS "admitted_by_submitter!"
             FROM partners p
             JOIN memberships m ON m.user_id = $2 AND m.organisation_id = p.organisation_id
            WHERE p.id = $1"#,
        id,
        approver,
    )
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (r.held_before, r.admitted_by_submitter)))
}

/// Marks partner `id` pending approval, submitted by `by` now.
///
/// # Errors
/// Database errors.
pub async fn set_submitted(conn: &mut PgConnection, id: Uuid, by: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE partners SET status = 'pending_approval', submitted_by = $2, submitted_at = now(),
                rejection_reason = NULL
          WHERE id = $1",
        id,
        by,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a partner approved with fresh client credentials.
///
/// # Errors
/// Database errors.
pub async fn set_approved(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
    policy_document_id: &str,
    client_id: &str,
    secret_hash: &[u8; 32],
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE partners SET status = 'approved', decided_by = $2, decided_at = now(),
                approval_policy_document_id = $3, client_id = $4, client_secret_hash = $5,
                credentials_issued_at = now(), client_secret_reminders_sent = 0,
                previous_client_secret_hash = NULL,
                previous_client_secret_created_at = NULL, previous_client_secret_expires_at = NULL
          WHERE id = $1",
        id,
        by,
        policy_document_id,
        client_id,
        &secret_hash[..],
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Sets a partner's status.
///
/// # Errors
/// Database errors.
pub async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!("UPDATE partners SET status = $2 WHERE id = $1", id, status)
        .execute(conn)
        .await?;
    Ok(())
}

/// Marks a partner rejected.
///
/// # Errors
/// Database errors.
pub async fn set_rejected(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE partners SET status = 'rejected', decided_by = $2, decided_at = now(),
                rejection_reason = $3
          WHERE id = $1",
        id,
        by,
        reason,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// What decommissioning revoked.
pub struct Decommissioned {
    pub tokens: u64,
    pub credential_invitations: u64,
}

/// Decommissions: status, credentials (current and previous secret) gone, tokens deleted,
/// pending credential invitations revoked.
///
/// # Errors
/// Database errors.
pub async fn set_decommissioned(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Decommissioned, sqlx::Error> {
    sqlx::query!(
        "UPDATE partners SET status = 'decommissioned', decommissioned_at = now(),
                client_secret_hash = NULL, previous_client_secret_hash = NULL
          WHERE id = $1",
        id,
    )
    .execute(&mut *conn)
    .await?;
    let invitations = sqlx::query!(
        "UPDATE credential_invitations SET status = 'revoked', revoked_at = now()
          WHERE partner_id = $1 AND status = 'pending'",
        id,
    )
    .execute(&mut *conn)
    .await?;
    let done = sqlx::query!(
        "DELETE FROM partner_access_tokens WHERE partner_id = $1",
        id
    )
    .execute(conn)
    .await?;
    Ok(Decommissioned {
        tokens: done.rows_affected(),
        credential_invitations: invitations.rows_affected(),
    })
}

/// Replaces the client secret of partner `id` by the one whose SHA-256 is `secret_hash`; the
/// replaced secret keeps working for `overlap` (one previous secret at most: an older one
/// stops at once). Returns when the replaced secret stops working.
///
/// # Errors
/// Database errors.
pub async fn rotate_secret(
    conn: &mut PgConnection,
    id: Uuid,
    secret_hash: &[u8; 32],
    overlap: std::time::Duration,
) -> Result<OffsetDateTime, sqlx::Error> {
    sqlx::query_scalar!(
        r#"UPDATE partners
              SET previous_client_secret_hash = client_secret_hash,
                  previous_client_secret_created_at = credentials_issued_at,
                  previous_client_secret_expires_at = now() + make_interval(secs => $3),
                  client_secret_hash = $2, credentials_issued_at = now(),
                  client_secret_reminders_sent = 0
            WHERE id = $1
        RETURNING previous_client_secret_expires_at AS "expires_at!""#,
        id,
        &secret_hash[..],
        overlap.as_secs_f64(),
    )
    .fetch_one(conn)
    .await
}

/// An audit event for display.
pub struct EventRow {
    pub action: String,
    pub actor: String,
    pub occurred_at: OffsetDateTime,
    pub detail: serde_json::Value,
}

/// A partner's audit trail, oldest first.
///
/// # Errors
/// Database errors.
pub async fn events<'c>(
    db: impl PgExecutor<'c>,
    partner_id: Uuid,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as!(
        EventRow,
        r#"SELECT e.action, e.occurred_at, e.detail,
                CASE e.actor_kind WHEN 'user' THEN trim(u.first_name || ' ' || u.last_name)
                                  WHEN 'partner_client' THEN 'Partner client'
                                  WHEN 'anonymous' THEN 'Partner tech lead'
                                  ELSE 'Gatehouse' END AS "actor!"
           FROM audit_events e LEFT JOIN users u ON u.id = e.actor_user_id
          WHERE (e.subject_type = 'partner' AND e.subject_id = $1)
             OR (e.subject_type = 'credential_invitation'
                 AND e.subject_id IN (SELECT id FROM credential_invitations WHERE partner_id = $1))
          ORDER BY e.id"#,
        partner_id,
    )
    .fetch_all(db)
    .await
}

/// A partner whose client secret is due for rotation soon, claimed for one reminder.
pub struct RotationReminder {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub name: String,
    pub provider_name: String,
    pub rotation_days: i32,
    pub due_at: OffsetDateTime,
}

/// Claims the reminders that are due now: the 14-day one, and the 1-day one (alone when the
/// 14-day window was already missed), for approved and active partners. Each is claimed once
/// across every instance: the row update is the claim, and a concurrent sweep re-checks the
/// updated row and finds nothing left to send.
///
/// # Errors
/// Database errors.
pub async fn claim_rotation_reminders(
    conn: &mut PgConnection,
) -> Result<Vec<RotationReminder>, sqlx::Error> {
    sqlx::query_as!(
        RotationReminder,
        r#"WITH due AS (
               SELECT p.id, p.credentials_issued_at + make_interval(days => v.rotation_days) AS due_at
                 FROM partners p JOIN integration_providers v ON v.id = p.provider_id
                WHERE p.status IN ('approved', 'active') AND p.client_secret_hash IS NOT NULL)
           UPDATE partners p
              SET client_secret_reminders_sent =
                      CASE WHEN d.due_at - now() <= interval '1 day' THEN 2 ELSE 1 END
             FROM due d, organisations o, integration_providers v
            WHERE p.id = d.id AND o.id = p.organisation_id AND v.id = p.provider_id
              AND ((p.client_secret_reminders_sent < 1 AND d.due_at - now() <= interval '14 days')
                OR (p.client_secret_reminders_sent < 2 AND d.due_at - now() <= interval '1 day'))
        RETURNING p.id, p.organisation_id, o.name AS organisation_name, p.name,
                  v.name AS provider_name, v.rotation_days, d.due_at AS "due_at!""#,
    )
    .fetch_all(conn)
    .await
}

/// A member of an organisation, with their role (wire name) and the organisation's kind.
pub struct MemberContact {
    pub email: String,
    pub role: String,
    pub organisation_kind: String,
}

/// Every member of `org` with role and kind, for choosing who works on its integrations.
///
/// # Errors
/// Database errors.
pub async fn member_contacts<'c>(
    db: impl PgExecutor<'c>,
    org: Uuid,
) -> Result<Vec<MemberContact>, sqlx::Error> {
    sqlx::query_as!(
        MemberContact,
        r#"SELECT u.email::text AS "email!", m.role, o.kind AS organisation_kind
             FROM memberships m
             JOIN users u ON u.id = m.user_id
             JOIN organisations o ON o.id = m.organisation_id
            WHERE m.organisation_id = $1
            ORDER BY u.email"#,
        org,
    )
    .fetch_all(db)
    .await
}
