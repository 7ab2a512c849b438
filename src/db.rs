//! Small helpers around sqlx shared by every repository module.

/// Whether `err` is a violation of the unique constraint or index named `constraint`.
/// Constraint names, not message text, decide which domain error a violation becomes.
pub fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.is_unique_violation() && db.constraint() == Some(constraint)
        }
        _ => false,
    }
}

/// Seconds since the Unix epoch (UTC) of a timestamp, for DTOs.
pub fn unix(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// The database's `now()`: the start time of the current transaction (UTC), so that every
/// timestamp one transaction writes agrees.
///
/// # Errors
/// Database errors.
pub async fn transaction_time<'c>(
    db: impl sqlx::PgExecutor<'c>,
) -> Result<time::OffsetDateTime, sqlx::Error> {
    sqlx::query_scalar!(r#"SELECT now() AS "now!""#)
        .fetch_one(db)
        .await
}

/// Wakes `wake` (one permit, so nothing is lost while its worker is busy) whenever a
/// notification arrives on Postgres channel `channel` (`LISTEN`), until `stop` turns true.
/// Notifications reach every instance, so a job queued on one wakes idle workers on all of
/// them. The listener holds one pool connection; if it is lost, it reconnects after a
/// back-off (1 s doubling to 30 s) and wakes once on reconnecting, since a notification may
/// have been missed meanwhile. Workers keep polling as the fallback.
pub async fn wake_on_notify(
    pool: sqlx::PgPool,
    channel: &'static str,
    wake: std::sync::Arc<tokio::sync::Notify>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    use std::time::Duration;
    let mut backoff = Duration::from_secs(1);
    while !*stop.borrow() {
        tokio::select! {
            res = listen(&pool, channel, &wake) => {
                let Err(e) = res;
                tracing::warn!(error = %e, channel, retry_in_s = backoff.as_secs(), "listening for notifications failed");
            }
            _ = stop.changed() => return,
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

async fn listen(
    pool: &sqlx::PgPool,
    channel: &str,
    wake: &tokio::sync::Notify,
) -> Result<std::convert::Infallible, sqlx::Error> {
    let mut listener = sqlx::postgres::PgListener::connect_with(pool).await?;
    listener.listen(channel).await?;
    wake.notify_one();
    loop {
        listener.recv().await?;
        wake.notify_one();
    }
}
