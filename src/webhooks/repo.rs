//! All SQL of partner webhooks: endpoints, queued messages and their attempts.

use crate::crypto::Sealed;
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// An endpoint row without its secrets.
pub struct EndpointRow {
    pub id: Uuid,
    pub partner_id: Uuid,
    pub organisation_id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
    pub disabled_at: Option<OffsetDateTime>,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i32,
    pub last_success_at: Option<OffsetDateTime>,
    pub secret_created_at: OffsetDateTime,
    pub previous_secret_expires_at: Option<OffsetDateTime>,
}

/// The endpoints of `partner`, oldest first.
///
/// # Errors
/// Database errors.
pub async fn endpoints<'c>(
    db: impl PgExecutor<'c>,
    partner: Uuid,
) -> Result<Vec<EndpointRow>, sqlx::Error> {
    sqlx::query_as!(
        EndpointRow,
        "SELECT id, partner_id, organisation_id, url, description, event_types, enabled,
                disabled_at, disabled_reason, consecutive_failures, last_success_at,
                secret_created_at, previous_secret_expires_at
           FROM webhook_endpoints WHERE partner_id = $1 ORDER BY created_at, id",
        partner,
    )
    .fetch_all(db)
    .await
}

/// Endpoint `id` of organisation `org`.
///
/// # Errors
/// Database errors.
pub async fn endpoint<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    org: Uuid,
) -> Result<Option<EndpointRow>, sqlx::Error> {
    sqlx::query_as!(
        EndpointRow,
        "SELECT id, partner_id, organisation_id, url, description, event_types, enabled,
                disabled_at, disabled_reason, consecutive_failures, last_success_at,
                secret_created_at, previous_secret_expires_at
           FROM webhook_endpoints WHERE id = $1 AND organisation_id = $2",
        id,
        org,
    )
    .fetch_optional(db)
    .await
}

/// A new endpoint.
pub struct NewEndpoint<'a> {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub partner_id: Uuid,
    pub url: &'a str,
    pub description: &'a str,
    pub event_types: &'a [String],
    pub secret: &'a Sealed,
    pub created_by: Uuid,
}

/// Inserts `e`.
///
/// # Errors
/// Database errors.
pub async fn insert_endpoint(
    conn: &mut PgConnection,
    e: &NewEndpoint<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO webhook_endpoints (id, organisation_id, partner_id, url, description,
                                        event_types, secret_key_id, secret_nonce,
                                        secret_ciphertext, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        e.id,
        e.organisation_id,
        e.partner_id,
        e.url,
        e.description,
        e.event_types,
        e.secret.key_id,
        e.secret.nonce,
        e.secret.ciphertext,
        e.created_by,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The sealed signing secrets of an endpoint: the current one, and the previous one while its
/// overlap lasts.
pub struct Secrets {
    pub url: String,
    pub enabled: bool,
    pub current: Sealed,
    pub previous: Option<Sealed>,
}

/// The secrets of endpoint `id`.
///
/// # Errors
/// Database errors.
pub async fn secrets<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
) -> Result<Option<Secrets>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT url, enabled, secret_key_id, secret_nonce, secret_ciphertext,
                previous_secret_key_id, previous_secret_nonce, previous_secret_ciphertext,
                (previous_secret_expires_at > now()) AS previous_valid
           FROM webhook_endpoints WHERE id = $1",
        id,
    )
    .fetch_optional(db)
    .await?;
    Ok(r.map(|r| Secrets {
        url: r.url,
        enabled: r.enabled,
        current: Sealed {
            key_id: r.secret_key_id,
            nonce: r.secret_nonce,
            ciphertext: r.secret_ciphertext,
        },
        previous: match (
            r.previous_valid,
            r.previous_secret_key_id,
            r.previous_secret_nonce,
            r.previous_secret_ciphertext,
        ) {
            (Some(true), Some(key_id), Some(nonce), Some(ciphertext)) => Some(Sealed {
                key_id,
                nonce,
                ciphertext,
            }),
            _ => None,
        },
    }))
}

/// Replaces the signing secret of `id`; the old one signs too until `previous_expires_at`.
///
/// # Errors
/// Database errors.
pub async fn rotate_secret(
    conn: &mut PgConnection,
    id: Uuid,
    secret: &Sealed,
    previous_expires_at: OffsetDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE webhook_endpoints
            SET previous_secret_key_id = secret_key_id, previous_secret_nonce = secret_nonce,
                previous_secret_ciphertext = secret_ciphertext,
                previous_secret_expires_at = $5,
                secret_key_id = $2, secret_nonce = $3, secret_ciphertext = $4,
                secret_created_at = now()
          WHERE id = $1",
        id,
        secret.key_id,
        secret.nonce,
        secret.ciphertext,
        previous_expires_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues one message of `event_type` with `body` for every enabled endpoint of `partner`
/// subscribed to it, when the partner's scopes hold `scope` (if one is needed). Returns how
/// many were queued.
///
/// # Errors
/// Database errors.
pub async fn queue<'c>(
    db: impl PgExecutor<'c>,
    partner: Uuid,
    event_type: &str,
    scope: Option<&str>,
    body: &str,
    mapping_version: Option<i32>,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "INSERT INTO webhook_messages (id, endpoint_id, event_type, body, mapping_version)
         SELECT gen_random_uuid(), e.id, $2, $4, $5
           FROM webhook_endpoints e JOIN partners p ON p.id = e.partner_id
          WHERE e.partner_id = $1 AND e.enabled AND $2 = ANY (e.event_types)
            AND ($3::text IS NULL OR $3 = ANY (p.scopes))",
        partner,
        event_type,
        scope,
        body,
        mapping_version,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The partner that created invitation `id`, if a partner did.
///
/// # Errors
/// Database errors.
pub async fn invitation_partner<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
) -> Result<Option<Uuid>, sqlx::Error> {
    Ok(
        sqlx::query_scalar!("SELECT partner_id FROM invitations WHERE id = $1", id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// Queues a message for endpoint `endpoint` alone (a test event), already claimed under
/// `lease_id` by the caller, who sends it at once.
///
/// # Errors
/// Database errors.
pub async fn insert_claimed(
    conn: &mut PgConnection,
    id: Uuid,
    endpoint: Uuid,
    event_type: &str,
    body: &str,
    lease_id: Uuid,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO webhook_messages (id, endpoint_id, event_type, body, attempts, lease_id,
                                       locked_until)
         VALUES ($1, $2, $3, $4, 1, $5, now() + interval '1 minute')",
        id,
        endpoint,
        event_type,
        body,
        lease_id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A claimed message, ready to send.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub body: String,
    /// Attempts including this one.
    pub attempts: i32,
    pub lease_id: Uuid,
}

/// Claims up to `limit` due messages under a fresh lease: for each enabled endpoint with no
/// message in flight, its oldest due message. `FOR UPDATE SKIP LOCKED`, so instances claiming
/// at once take different messages, and one endpoint has at most one message in flight.
///
/// # Errors
/// Database errors.
pub async fn claim_due(
    pool: &sqlx::PgPool,
    limit: i64,
    lease: std::time::Duration,
) -> Result<Vec<Claimed>, sqlx::Error> {
    let lease_id = Uuid::new_v4();
    let rows = sqlx::query!(
        r#"WITH next AS (
               SELECT (SELECT m.id FROM webhook_messages m
                        WHERE m.endpoint_id = e.id AND m.status = 'pending'
                          AND m.next_attempt_at <= now()
                          AND (m.locked_until IS NULL OR m.locked_until < now())
                        ORDER BY m.next_attempt_at, m.created_at LIMIT 1) AS id
                 FROM webhook_endpoints e
                WHERE e.enabled
                  AND NOT EXISTS (SELECT 1 FROM webhook_messages f
                                   WHERE f.endpoint_id = e.id AND f.status = 'pending'
                                     AND f.locked_until >= now())),
           picked AS (
               SELECT m.id FROM webhook_messages m JOIN next ON next.id = m.id
                WHERE m.status = 'pending'
                LIMIT $1
                  FOR UPDATE OF m SKIP LOCKED)
           UPDATE webhook_messages m
              SET lease_id = $2, locked_until = now() + make_interval(secs => $3),
                  attempts = m.attempts + 1
             FROM picked WHERE m.id = picked.id
        RETURNING m.id, m.endpoint_id, m.body, m.attempts"#,
        limit,
        lease_id,
        lease.as_secs_f64(),
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Claimed {
            id: r.id,
            endpoint_id: r.endpoint_id,
            body: r.body,
            attempts: r.attempts,
            lease_id,
        })
        .collect())
}

/// One recorded attempt.
pub struct NewAttempt<'a> {
    pub message_id: Uuid,
    pub endpoint_id: Uuid,
    pub status_code: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<&'a str>,
    pub response_excerpt: Option<&'a str>,
}

/// Records `a`.
///
/// # Errors
/// Database errors.
pub async fn record_attempt(
    conn: &mut PgConnection,
    a: &NewAttempt<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO webhook_attempts (message_id, endpoint_id, status_code, duration_ms, error,
                                       response_excerpt)
         VALUES ($1, $2, $3, $4, $5, $6)",
        a.message_id,
        a.endpoint_id,
        a.status_code,
        a.duration_ms,
        a.error,
        a.response_excerpt,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a message delivered (while `lease_id` still holds it) and the endpoint healthy, and
/// the partner's last successful sync. Returns `false` if the lease was lost.
///
/// # Errors
/// Database errors.
pub async fn delivered(conn: &mut PgConnection, c: &Claimed) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE webhook_messages SET status = 'delivered', delivered_at = now(),
                locked_until = NULL, lease_id = NULL
          WHERE id = $1 AND lease_id = $2",
        c.id,
        c.lease_id,
    )
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "WITH e AS (UPDATE webhook_endpoints SET consecutive_failures = 0, last_success_at = now()
                     WHERE id = $1 RETURNING partner_id)
         UPDATE partners SET last_successful_sync_at = now() FROM e WHERE partners.id = e.partner_id",
        c.endpoint_id,
    )
    .execute(conn)
    .await?;
    Ok(true)
}

/// After a failed attempt: the message waits until `retry_at` (or has failed for good with
/// `None`), and the endpoint counts one more consecutive failure. Returns the endpoint's
/// consecutive failures and whether it is still enabled, or `None` if the lease was lost.
///
/// # Errors
/// Database errors.
pub async fn failed(
    conn: &mut PgConnection,
    c: &Claimed,
    retry_at: Option<OffsetDateTime>,
) -> Result<Option<(i32, bool)>, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE webhook_messages
            SET status = CASE WHEN $3::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
                next_attempt_at = COALESCE($3, next_attempt_at),
                locked_until = NULL, lease_id = NULL
          WHERE id = $1 AND lease_id = $2",
        c.id,
        c.lease_id,
        retry_at,
    )
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    let r = sqlx::query!(
        "UPDATE webhook_endpoints SET consecutive_failures = consecutive_failures + 1
          WHERE id = $1 RETURNING consecutive_failures, enabled",
        c.endpoint_id,
    )
    .fetch_one(conn)
    .await?;
    Ok(Some((r.consecutive_failures, r.enabled)))
}

/// Disables endpoint `id` with `reason` and marks its partner degraded. Returns the partner
/// and organisation, or `None` when it was disabled already.
///
/// # Errors
/// Database errors.
pub async fn disable(
    conn: &mut PgConnection,
    id: Uuid,
    reason: &str,
) -> Result<Option<(Uuid, Uuid)>, sqlx::Error> {
    let r = sqlx::query!(
        "WITH e AS (UPDATE webhook_endpoints
                       SET enabled = false, disabled_at = now(), disabled_reason = $2
                     WHERE id = $1 AND enabled RETURNING partner_id, organisation_id)
         UPDATE partners p SET webhook_degraded_at = COALESCE(p.webhook_degraded_at, now())
           FROM e WHERE p.id = e.partner_id
         RETURNING e.partner_id, e.organisation_id",
        id,
        reason,
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.partner_id, r.organisation_id)))
}

/// Enables endpoint `id` again with a clean failure count; the partner is no longer degraded
/// once none of its endpoints is disabled.
///
/// # Errors
/// Database errors.
pub async fn enable(conn: &mut PgConnection, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE webhook_endpoints SET enabled = true, disabled_at = NULL, disabled_reason = NULL,
                consecutive_failures = 0
          WHERE id = $1",
        id,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE partners p SET webhook_degraded_at = NULL
          WHERE p.id = (SELECT partner_id FROM webhook_endpoints WHERE id = $1)
            AND NOT EXISTS (SELECT 1 FROM webhook_endpoints e
                             WHERE e.partner_id = p.id AND NOT e.enabled)",
        id,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `partner` is degraded, and its newest successful delivery.
///
/// # Errors
/// Database errors.
pub async fn partner_health<'c>(
    db: impl PgExecutor<'c>,
    partner: Uuid,
) -> Result<(bool, Option<OffsetDateTime>), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT p.webhook_degraded_at IS NOT NULL AS "degraded!",
                  (SELECT max(last_success_at) FROM webhook_endpoints WHERE partner_id = p.id)
                    AS last_delivery
             FROM partners p WHERE p.id = $1"#,
        partner,
    )
    .fetch_one(db)
    .await?;
    Ok((r.degraded, r.last_delivery))
}

/// One attempt of the delivery log.
pub struct AttemptRow {
    pub message_id: Uuid,
    pub event_type: String,
    pub attempted_at: OffsetDateTime,
    pub status_code: Option<i32>,
    pub duration_ms: i32,
    pub error: Option<String>,
    pub response_excerpt: Option<String>,
    pub message_status: String,
}

/// The newest `limit` attempts to endpoint `id`.
///
/// # Errors
/// Database errors.
pub async fn attempts<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    limit: i64,
) -> Result<Vec<AttemptRow>, sqlx::Error> {
    sqlx::query_as!(
        AttemptRow,
        "SELECT a.message_id, m.event_type, a.attempted_at, a.status_code, a.duration_ms,
                a.error, a.response_excerpt, m.status AS message_status
           FROM webhook_attempts a JOIN webhook_messages m ON m.id = a.message_id
          WHERE a.endpoint_id = $1
          ORDER BY a.id DESC
          LIMIT $2",
        id,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Puts message `id` of endpoint `endpoint` back in the queue, due now (a replay: the same
/// id and body). Returns whether there was such a message.
///
/// # Errors
/// Database errors.
pub async fn replay<'c>(
    db: impl PgExecutor<'c>,
    id: Uuid,
    endpoint: Uuid,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE webhook_messages SET status = 'pending', next_attempt_at = now(),
                locked_until = NULL, lease_id = NULL
          WHERE id = $1 AND endpoint_id = $2",
        id,
        endpoint,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Wakes the webhook workers of every instance (`NOTIFY` on `channel`; in a transaction, at
/// its commit).
///
/// # Errors
/// Database errors.
pub async fn notify<'c>(db: impl PgExecutor<'c>, channel: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_notify($1, '')", channel)
        .execute(db)
        .await?;
    Ok(())
}

/// A partner's newest schema mapping: `(version, rules)`.
///
/// # Errors
/// Database errors.
pub async fn mapping<'c>(
    db: impl PgExecutor<'c>,
    partner: Uuid,
) -> Result<Option<(i32, serde_json::Value)>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT version, rules FROM webhook_mappings WHERE partner_id = $1
          ORDER BY version DESC LIMIT 1",
        partner,
    )
    .fetch_optional(db)
    .await?;
    Ok(r.map(|r| (r.version, r.rules)))
}

/// Appends the next mapping version of `partner` (serialised by a transaction-scoped advisory
/// lock on the partner). Returns its number.
///
/// # Errors
/// Database errors.
pub async fn insert_mapping(
    tx: &mut PgConnection,
    partner: Uuid,
    rules: &serde_json::Value,
    by: Uuid,
) -> Result<i32, sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended('webhook_mapping:' || $1::text, 0))",
        partner.to_string(),
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query_scalar!(
        r#"INSERT INTO webhook_mappings (partner_id, version, rules, created_by)
           SELECT $1, COALESCE(max(version), 0) + 1, $2, $3
             FROM webhook_mappings WHERE partner_id = $1
           RETURNING version"#,
        partner,
        rules,
        by,
    )
    .fetch_one(&mut *tx)
    .await
}
