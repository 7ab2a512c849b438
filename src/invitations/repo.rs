//! SQL for invitations. Functions take an executor so the service decides the transaction.

use crate::domain::{InvitationDraft, InvitationStatus, TokenHash};
use sqlx::{PgConnection, PgExecutor, Row};
use time::OffsetDateTime;
use uuid::Uuid;

/// An invitation as the list shows it: its facts plus inviter, sending history and the
/// delivery state of its newest email.
#[derive(Debug)]
pub struct ListedInvitation {
    pub facts: InvitationFacts,
    pub created_at: OffsetDateTime,
    pub last_sent_at: Option<OffsetDateTime>,
    pub resend_count: i32,
    pub inviter_name: Option<String>,
    pub delivery: Option<String>,
}

/// Filters for [`list`]. `org` `None` means every organisation (platform admins only).
pub struct ListFilter<'a> {
    pub org: Option<Uuid>,
    pub status: Option<InvitationStatus>,
    /// Substring of the email address, matched case-insensitively.
    pub search: Option<&'a str>,
    /// Keyset cursor: rows strictly older than this (created_at, id).
    pub before: Option<(OffsetDateTime, Uuid)>,
    pub limit: i64,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Lists invitations newest first with keyset pagination (no OFFSET). Status filtering uses
/// the effective status: a pending invitation past its expiry counts as expired.
///
/// # Errors
/// Database errors.
pub async fn list<'c>(
    db: impl PgExecutor<'c>,
    f: &ListFilter<'_>,
) -> Result<Vec<ListedInvitation>, sqlx::Error> {
    let sql = format!(
        "{FACTS_COLUMNS}, i.created_at, i.last_sent_at, i.resend_count,
                inviter.first_name || ' ' || inviter.last_name AS inviter_name,
                (SELECT e.status FROM email_outbox e WHERE e.invitation_id = i.id
                  ORDER BY e.id DESC LIMIT 1) AS delivery
           {FACTS_FROM}
           LEFT JOIN users inviter ON inviter.id = i.inviter_id
          WHERE ($1::uuid IS NULL OR i.organisation_id = $1)
            AND (CASE $2::text
                   WHEN 'pending' THEN i.status = 'pending' AND i.expires_at > now()
                   WHEN 'expired' THEN i.status = 'expired'
                                    OR (i.status = 'pending' AND i.expires_at <= now())
                   WHEN 'accepted' THEN i.status = 'accepted'
                   WHEN 'revoked' THEN i.status = 'revoked'
                   ELSE true END)
            AND ($3::text IS NULL OR i.email::text ILIKE '%' || $3 || '%' ESCAPE '\\')
            AND ($4::timestamptz IS NULL OR (i.created_at, i.id) < ($4, $5::uuid))
          ORDER BY i.created_at DESC, i.id DESC
          LIMIT $6"
    );
    let rows = sqlx::query(&sql)
        .bind(f.org)
        .bind(f.status.map(InvitationStatus::as_str))
        .bind(f.search.map(like_escape))
        .bind(f.before.map(|b| b.0))
        .bind(f.before.map(|b| b.1))
        .bind(f.limit)
        .fetch_all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| ListedInvitation {
            created_at: r.get("created_at"),
            last_sent_at: r.get("last_sent_at"),
            resend_count: r.get("resend_count"),
            inviter_name: r.get("inviter_name"),
            delivery: r.get("delivery"),
            facts: facts(r),
        })
        .collect())
}

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

const FACTS_COLUMNS: &str = "SELECT i.id, i.organisation_id, o.name AS organisation_name,
        o.kind AS organisation_kind, i.email::text AS email, i.first_name, i.last_name, i.role,
        i.designation, i.department, i.status,
        (i.status = 'pending' AND i.expires_at <= now()) AS overdue, i.expires_at, i.inviter_id";
const FACTS_FROM: &str = "FROM invitations i JOIN organisations o ON o.id = i.organisation_id";

fn facts(r: sqlx::postgres::PgRow) -> InvitationFacts {
    InvitationFacts {
        id: r.get("id"),
        organisation_id: r.get("organisation_id"),
        organisation_name: r.get("organisation_name"),
        organisation_kind: r.get("organisation_kind"),
        email: r.get("email"),
        first_name: r.get("first_name"),
        last_name: r.get("last_name"),
        role: r.get("role"),
        designation: r.get("designation"),
        department: r.get("department"),
        status: r.get("status"),
        overdue: r.get("overdue"),
        expires_at: r.get("expires_at"),
        inviter_id: r.get("inviter_id"),
    }
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
    let sql = format!(
        "{FACTS_COLUMNS} {FACTS_FROM} WHERE i.id = $1 AND ($2::uuid IS NULL OR i.organisation_id = $2) FOR UPDATE OF i"
    );
    Ok(sqlx::query(&sql)
        .bind(id)
        .bind(org)
        .fetch_optional(tx)
        .await?
        .map(facts))
}

/// Finds an invitation by the hash of its token. Spends nothing.
///
/// # Errors
/// Database errors.
pub async fn find_by_token<'c>(
    db: impl PgExecutor<'c>,
    hash: &TokenHash,
) -> Result<Option<InvitationFacts>, sqlx::Error> {
    let sql = format!("{FACTS_COLUMNS} {FACTS_FROM} WHERE i.token_hash = $1");
    Ok(sqlx::query(&sql)
        .bind(&hash.0[..])
        .fetch_optional(db)
        .await?
        .map(facts))
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
    let row = sqlx::query(
        "UPDATE invitations SET status = 'accepted', accepted_at = now()
          WHERE token_hash = $1 AND status = 'pending' AND expires_at > now()
         RETURNING id",
    )
    .bind(&hash.0[..])
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let sql = format!("{FACTS_COLUMNS} {FACTS_FROM} WHERE i.id = $1");
    Ok(Some(facts(
        sqlx::query(&sql)
            .bind(row.get::<Uuid, _>("id"))
            .fetch_one(tx)
            .await?,
    )))
}

/// An organisation's name and kind.
///
/// # Errors
/// Database errors.
pub async fn organisation<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
) -> Result<Option<(String, String)>, sqlx::Error> {
    Ok(
        sqlx::query("SELECT name, kind FROM organisations WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?
            .map(|r| (r.get("name"), r.get("kind"))),
    )
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
}

/// Inserts a pending invitation, sent now.
///
/// # Errors
/// Database errors; a second pending invitation for the same email and organisation violates
/// `invitations_one_pending_per_email`.
pub async fn insert(conn: &mut PgConnection, row: &NewRow<'_>) -> Result<(), sqlx::Error> {
    let i = row.invitee;
    sqlx::query(
        "INSERT INTO invitations (id, organisation_id, email, first_name, last_name, role,
                designation, department, inviter_id, token_hash, expires_at, last_sent_at, partner_id)
         VALUES ($1, $2, $3::citext, $4, $5, $6, $7, $8, $9, $10, $11, now(), $12)",
    )
    .bind(row.id)
    .bind(row.organisation_id)
    .bind(i.email.as_str())
    .bind(i.first_name.as_str())
    .bind(i.last_name.as_str())
    .bind(i.role.as_str())
    .bind(&i.designation)
    .bind(&i.department)
    .bind(row.inviter_id)
    .bind(&row.token_hash.0[..])
    .bind(row.expires_at)
    .bind(row.partner_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives invitation `id` a new token and expiry, pending again and sent now.
///
/// # Errors
/// Database errors; `invitations_one_pending_per_email` when a newer pending invitation exists.
pub async fn reissue(
    conn: &mut PgConnection,
    id: Uuid,
    token_hash: &TokenHash,
    expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE invitations SET token_hash = $2, status = 'pending', expires_at = $3,
                last_sent_at = now(), resend_count = resend_count + 1
          WHERE id = $1",
    )
    .bind(id)
    .bind(&token_hash.0[..])
    .bind(expires_at)
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
    sqlx::query(
        "UPDATE invitations SET status = 'revoked', revoked_at = now(), revoke_reason = $2
          WHERE id = $1",
    )
    .bind(id)
    .bind(reason)
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
    sqlx::query_scalar(
        "SELECT id FROM invitations
          WHERE organisation_id = $1 AND email = $2::citext AND status = 'pending'",
    )
    .bind(org)
    .bind(email)
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
    sqlx::query_as(
        "SELECT id, name, kind FROM organisations
          WHERE $1::uuid IS NULL OR id = $1
          ORDER BY (id = $2) DESC, kind = 'platform' DESC, name",
    )
    .bind(scope)
    .bind(own)
    .fetch_all(db)
    .await
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
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
                         WHERE m.organisation_id = $1 AND u.email = $2::citext)",
    )
    .bind(org)
    .bind(email)
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
    let rows = sqlx::query(
        "SELECT e.action, u.first_name || ' ' || u.last_name AS actor, e.occurred_at,
                host(e.ip) AS ip, e.user_agent, e.detail
           FROM audit_events e
           LEFT JOIN users u ON u.id = e.actor_user_id
          WHERE e.subject_type = 'invitation' AND e.subject_id = $1
            AND ($2::uuid IS NULL OR e.organisation_id = $2)
          ORDER BY e.id",
    )
    .bind(id)
    .bind(org)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            action: r.get("action"),
            actor: r.get("actor"),
            occurred_at: r.get("occurred_at"),
            ip: r.get("ip"),
            user_agent: r.get("user_agent"),
            detail: r.get("detail"),
        })
        .collect())
}

/// Marks every overdue pending invitation expired and audits each, in one statement.
/// Safe to run on every instance at once: each row changes once. Returns how many expired.
///
/// # Errors
/// Database errors.
pub async fn expire_overdue<'c>(db: impl PgExecutor<'c>) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "WITH expired AS (
            UPDATE invitations SET status = 'expired'
             WHERE status = 'pending' AND expires_at <= now()
            RETURNING id, organisation_id, expires_at)
         INSERT INTO audit_events (organisation_id, subject_type, subject_id, action, actor_kind, detail)
         SELECT organisation_id, 'invitation', id, 'expired', 'system',
                jsonb_build_object('expires_at',
                    to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))
           FROM expired",
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
