//! SQL of the analytics page. Every query reads invitations created in `[from, until)` of one
//! organisation (or all), through `invitations_org_newest` / `invitations_newest`.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

/// The totals of the range.
pub struct Totals {
    pub sent: i64,
    pub accepted: i64,
    pub pending: i64,
    pub expired: i64,
    pub revoked: i64,
    pub median_seconds: Option<f64>,
    pub p90_seconds: Option<f64>,
}

/// Counts by what became of the invitations created in the range, and the time they took to
/// be accepted (median and 90th percentile, seconds).
///
/// # Errors
/// Database errors.
pub async fn totals<'c>(
    db: impl PgExecutor<'c>,
    org: Option<Uuid>,
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<Totals, sqlx::Error> {
    sqlx::query_as!(
        Totals,
        r#"SELECT count(*) AS "sent!",
                  count(*) FILTER (WHERE status = 'accepted') AS "accepted!",
                  count(*) FILTER (WHERE status = 'pending' AND expires_at > now()) AS "pending!",
                  count(*) FILTER (WHERE status = 'expired'
                                      OR (status = 'pending' AND expires_at <= now())) AS "expired!",
                  count(*) FILTER (WHERE status = 'revoked') AS "revoked!",
                  percentile_cont(0.5) WITHIN GROUP (
                      ORDER BY extract(epoch FROM accepted_at - created_at)::float8)
                      FILTER (WHERE status = 'accepted') AS median_seconds,
                  percentile_cont(0.9) WITHIN GROUP (
                      ORDER BY extract(epoch FROM accepted_at - created_at)::float8)
                      FILTER (WHERE status = 'accepted') AS p90_seconds
             FROM invitations
            WHERE ($1::uuid IS NULL OR organisation_id = $1)
              AND created_at >= $2 AND created_at < $3"#,
        org,
        from,
        until,
    )
    .fetch_one(db)
    .await
}

/// How many invitations created in the range were opened at least once (a `viewed` audit
/// event), or accepted (which needs the page).
///
/// # Errors
/// Database errors.
pub async fn viewed<'c>(
    db: impl PgExecutor<'c>,
    org: Option<Uuid>,
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM invitations i
            WHERE ($1::uuid IS NULL OR i.organisation_id = $1)
              AND i.created_at >= $2 AND i.created_at < $3
              AND (i.status = 'accepted'
                   OR i.id IN (SELECT a.subject_id FROM audit_events a
                                WHERE a.subject_type = 'invitation' AND a.action = 'viewed'
                                  AND ($1::uuid IS NULL OR a.organisation_id = $1)
                                  AND a.occurred_at >= $2))"#,
        org,
        from,
        until,
    )
    .fetch_one(db)
    .await
}

/// One period's counts by status now.
pub struct PeriodCounts {
    pub period: OffsetDateTime,
    pub sent: i64,
    pub accepted: i64,
    pub pending: i64,
    pub expired: i64,
    pub revoked: i64,
}

/// Invitations per `bucket` (`day` or `week`, UTC) of the range, every period listed (zeros
/// included), oldest first.
///
/// # Errors
/// Database errors.
pub async fn periods<'c>(
    db: impl PgExecutor<'c>,
    org: Option<Uuid>,
    from: OffsetDateTime,
    until: OffsetDateTime,
    bucket: &str,
) -> Result<Vec<PeriodCounts>, sqlx::Error> {
    sqlx::query_as!(
        PeriodCounts,
        r#"WITH counted AS (
               SELECT date_trunc($4, created_at AT TIME ZONE 'UTC') AS period,
                      count(*) AS sent,
                      count(*) FILTER (WHERE status = 'accepted') AS accepted,
                      count(*) FILTER (WHERE status = 'pending' AND expires_at > now()) AS pending,
                      count(*) FILTER (WHERE status = 'expired'
                                          OR (status = 'pending' AND expires_at <= now())) AS expired,
                      count(*) FILTER (WHERE status = 'revoked') AS revoked
                 FROM invitations
                WHERE ($1::uuid IS NULL OR organisation_id = $1)
                  AND created_at >= $2 AND created_at < $3
                GROUP BY 1)
           SELECT p AT TIME ZONE 'UTC' AS "period!",
                  COALESCE(c.sent, 0) AS "sent!", COALESCE(c.accepted, 0) AS "accepted!",
                  COALESCE(c.pending, 0) AS "pending!", COALESCE(c.expired, 0) AS "expired!",
                  COALESCE(c.revoked, 0) AS "revoked!"
             FROM generate_series(date_trunc($4, $2 AT TIME ZONE 'UTC'),
                                  date_trunc($4, ($3 - interval '1 second') AT TIME ZONE 'UTC'),
                                  ('1 ' || $4)::interval) AS p
             LEFT JOIN counted c ON c.period = p
            ORDER BY p"#,
        org,
        from,
        until,
        bucket,
    )
    .fetch_all(db)
    .await
}

/// Sent and accepted per label.
pub struct Breakdown {
    pub label: String,
    pub sent: i64,
    pub accepted: i64,
}

/// Sent and accepted invitations per role (wire name), most sent first.
///
/// # Errors
/// Database errors.
pub async fn by_role<'c>(
    db: impl PgExecutor<'c>,
    org: Option<Uuid>,
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<Vec<Breakdown>, sqlx::Error> {
    sqlx::query_as!(
        Breakdown,
        r#"SELECT role AS label, count(*) AS "sent!",
                  count(*) FILTER (WHERE status = 'accepted') AS "accepted!"
             FROM invitations
            WHERE ($1::uuid IS NULL OR organisation_id = $1)
              AND created_at >= $2 AND created_at < $3
            GROUP BY role ORDER BY 2 DESC, 1"#,
        org,
        from,
        until,
    )
    .fetch_all(db)
    .await
}

/// Sent and accepted invitations per inviter (a person's name, a partner's, or "Gatehouse"),
/// the 20 who sent most.
///
/// # Errors
/// Database errors.
pub async fn by_inviter<'c>(
    db: impl PgExecutor<'c>,
    org: Option<Uuid>,
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<Vec<Breakdown>, sqlx::Error> {
    sqlx::query_as!(
        Breakdown,
        r#"SELECT COALESCE(trim(u.first_name || ' ' || u.last_name), p.name, 'Gatehouse') AS "label!",
                  count(*) AS "sent!",
                  count(*) FILTER (WHERE i.status = 'accepted') AS "accepted!"
             FROM invitations i
             LEFT JOIN users u ON u.id = i.inviter_id
             LEFT JOIN partners p ON p.id = i.partner_id
            WHERE ($1::uuid IS NULL OR i.organisation_id = $1)
              AND i.created_at >= $2 AND i.created_at < $3
            GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 20"#,
        org,
        from,
        until,
    )
    .fetch_all(db)
    .await
}

/// Invite codes made in the range, and members who joined with a code in it.
///
/// # Errors
/// Database errors.
pub async fn codes<'c>(
    db: impl PgExecutor<'c>,
    org: Option<Uuid>,
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> Result<(i64, i64), sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT (SELECT count(*) FROM invite_codes
                    WHERE ($1::uuid IS NULL OR organisation_id = $1)
                      AND created_at >= $2 AND created_at < $3) AS "created!",
                  (SELECT count(*) FROM audit_events
                    WHERE subject_type = 'invite_code' AND action = 'redeemed'
                      AND ($1::uuid IS NULL OR organisation_id = $1)
                      AND occurred_at >= $2 AND occurred_at < $3) AS "redeemed!""#,
        org,
        from,
        until,
    )
    .fetch_one(db)
    .await?;
    Ok((r.created, r.redeemed))
}

/// Every organisation but the platform itself, by name (platform admins' choices).
///
/// # Errors
/// Database errors.
pub async fn organisations<'c>(
    db: impl PgExecutor<'c>,
) -> Result<Vec<(Uuid, String)>, sqlx::Error> {
    let rows =
        sqlx::query!("SELECT id, name FROM organisations WHERE kind <> 'platform' ORDER BY name")
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.name)).collect())
}
