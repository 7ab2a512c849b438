//! Sliding-window rate limits kept in Postgres, so that every app instance enforces the same
//! budget (an in-process limiter would multiply it by the number of instances).
//!
//! A bucket is a string such as `invite:<user id>` or `sign-in:<email>`; each counted event is a
//! row in `rate_limit_events`. Times are the database's `clock_timestamp()` (UTC).

use sqlx::{PgConnection, PgExecutor};
use std::time::Duration;

/// Counts one event in `bucket` unless `limit` events already happened within `window`.
/// Must run inside a transaction: a transaction-scoped advisory lock on the bucket serialises
/// concurrent callers, so two requests cannot both see "4 of 5" and both proceed.
///
/// Returns `Ok(None)` when the event was counted, `Ok(Some(seconds))` with the whole seconds
/// (at least 1) until the next event would be allowed.
///
/// # Errors
/// Database errors.
pub async fn acquire(
    tx: &mut PgConnection,
    bucket: &str,
    limit: i64,
    window: Duration,
) -> Result<Option<u64>, sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 7331))",
        bucket,
    )
    .execute(&mut *tx)
    .await?;
    if let Some(retry) = retry_after(&mut *tx, bucket, limit, window).await? {
        return Ok(Some(retry));
    }
    record(&mut *tx, bucket).await?;
    Ok(None)
}

/// [`acquire`] in a transaction of its own: counts one attempt in `bucket` before the
/// expensive work it guards, or refuses it. Use [`refund`] when the attempt turns out not to
/// be one that should count (a success, for a bucket that counts failures).
///
/// Returns `Ok(None)` when counted, `Ok(Some(seconds))` when refused (see [`acquire`]).
///
/// # Errors
/// Database errors.
pub async fn reserve(
    pool: &sqlx::PgPool,
    bucket: &str,
    limit: i64,
    window: Duration,
) -> Result<Option<u64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let refused = acquire(&mut tx, bucket, limit, window).await?;
    tx.commit().await?;
    Ok(refused)
}

/// Takes back one event of `bucket` counted by [`reserve`] (the newest: events carry nothing
/// but their time, so any one is as good as another).
///
/// # Errors
/// Database errors.
pub async fn refund<'c>(db: impl PgExecutor<'c>, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM rate_limit_events
          WHERE ctid = (SELECT ctid FROM rate_limit_events WHERE bucket = $1
                         ORDER BY occurred_at DESC LIMIT 1)",
        bucket,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How many distinct buckets starting with `prefix` counted an event within `window`: the
/// number of sources (clients, per IPv4 address or IPv6 /64) that failed recently. A circuit
/// keyed on this cannot be tripped by one source alone, however many events it sends.
///
/// # Errors
/// Database errors.
pub async fn distinct_sources<'c>(
    db: impl PgExecutor<'c>,
    prefix: &str,
    window: Duration,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(DISTINCT bucket) AS "n!" FROM rate_limit_events
            WHERE starts_with(bucket, $1)
              AND occurred_at > clock_timestamp() - make_interval(secs => $2)"#,
        prefix,
        window.as_secs_f64(),
    )
    .fetch_one(db)
    .await
}

/// Whole seconds until `bucket` admits another event (at least 1), or `None` if fewer than
/// `limit` events happened within `window`. Counts nothing.
///
/// # Errors
/// Database errors.
pub async fn retry_after<'c>(
    db: impl PgExecutor<'c>,
    bucket: &str,
    limit: i64,
    window: Duration,
) -> Result<Option<u64>, sqlx::Error> {
    // The limit-th most recent event in the window leaves it first; then one more is allowed.
    let secs = sqlx::query_scalar!(
        r#"SELECT extract(epoch FROM (occurred_at + make_interval(secs => $2)
                                      - clock_timestamp()))::float8 AS "secs!"
             FROM rate_limit_events
            WHERE bucket = $1 AND occurred_at > clock_timestamp() - make_interval(secs => $2)
            ORDER BY occurred_at DESC
           OFFSET $3::int8 - 1 LIMIT 1"#,
        bucket,
        window.as_secs_f64(),
        limit,
    )
    .fetch_optional(db)
    .await?;
    Ok(secs.map(|s| s.ceil().max(1.0) as u64))
}

/// Counts one event in `bucket`.
///
/// # Errors
/// Database errors.
pub async fn record<'c>(db: impl PgExecutor<'c>, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO rate_limit_events (bucket, occurred_at) VALUES ($1, clock_timestamp())",
        bucket,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Forgets every event in `bucket` (after a successful sign-in, say).
///
/// # Errors
/// Database errors.
pub async fn clear<'c>(db: impl PgExecutor<'c>, bucket: &str) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM rate_limit_events WHERE bucket = $1", bucket)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes events older than `age` from every bucket (housekeeping; no window is that long).
///
/// # Errors
/// Database errors.
pub async fn prune<'c>(db: impl PgExecutor<'c>, age: Duration) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM rate_limit_events
          WHERE occurred_at < clock_timestamp() - make_interval(secs => $1)",
        age.as_secs_f64(),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
