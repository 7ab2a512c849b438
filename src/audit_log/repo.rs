//! SQL of the audit log: the events of one organisation (or all), filtered, newest first.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// Filters, all optional. `actor_like` is an `ILIKE` pattern (already escaped).
pub struct Filter<'a> {
    pub organisation: Option<Uuid>,
    pub action: Option<&'a str>,
    pub subject_type: Option<&'a str>,
    pub actor_like: Option<&'a str>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    /// Keyset cursor: events with a smaller id.
    pub before: Option<i64>,
}

/// An event with its names resolved.
pub struct EventRow {
    pub id: i64,
    pub occurred_at: OffsetDateTime,
    pub organisation: String,
    pub actor_kind: String,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub subject_name: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub detail: serde_json::Value,
}

/// Up to `limit` events matching `f`, newest first.
///
/// # Errors
/// Database errors.
pub async fn events<'c>(
    db: impl PgExecutor<'c>,
    f: &Filter<'_>,
    limit: i64,
) -> Result<Vec<EventRow>, sqlx::Error> {
    sqlx::query_as!(
        EventRow,
        r#"SELECT e.id, e.occurred_at, o.name AS organisation, e.actor_kind,
                  COALESCE(trim(u.first_name || ' ' || u.last_name) || ' <' || u.email || '>',
                           ap.name, at.name) AS actor_name,
                  e.action, e.subject_type, e.subject_id,
                  COALESCE(i.email::text, ci.recipient_email::text, sp.name, st.name,
                           ic.note, we.url,
                           CASE WHEN e.subject_type = 'organisation' THEN o.name END)
                    AS subject_name,
                  host(e.ip) AS ip, e.request_id, e.detail
             FROM audit_events e
             JOIN organisations o ON o.id = e.organisation_id
             LEFT JOIN users u ON u.id = e.actor_user_id
             LEFT JOIN partners ap ON ap.id = e.actor_partner_id
             LEFT JOIN api_tokens at ON at.id = e.actor_api_token_id
             LEFT JOIN invitations i ON e.subject_type = 'invitation' AND i.id = e.subject_id
             LEFT JOIN credential_invitations ci
                    ON e.subject_type = 'credential_invitation' AND ci.id = e.subject_id
             LEFT JOIN partners sp ON e.subject_type = 'partner' AND sp.id = e.subject_id
             LEFT JOIN api_tokens st ON e.subject_type = 'api_token' AND st.id = e.subject_id
             LEFT JOIN invite_codes ic ON e.subject_type = 'invite_code' AND ic.id = e.subject_id
             LEFT JOIN webhook_endpoints we
                    ON e.subject_type = 'webhook_endpoint' AND we.id = e.subject_id
            WHERE ($1::uuid IS NULL OR e.organisation_id = $1)
              AND ($2::text IS NULL OR e.action = $2)
              AND ($3::text IS NULL OR e.subject_type = $3)
              AND ($4::text IS NULL
                   OR trim(u.first_name || ' ' || u.last_name) ILIKE $4 OR u.email::text ILIKE $4
                   OR ap.name ILIKE $4 OR at.name ILIKE $4)
              AND ($5::timestamptz IS NULL OR e.occurred_at >= $5)
              AND ($6::timestamptz IS NULL OR e.occurred_at < $6)
              AND ($7::int8 IS NULL OR e.id < $7)
            ORDER BY e.id DESC
            LIMIT $8"#,
        f.organisation,
        f.action,
        f.subject_type,
        f.actor_like,
        f.from,
        f.until,
        f.before,
        limit,
    )
    .fetch_all(db)
    .await
}
