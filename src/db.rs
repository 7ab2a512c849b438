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
