//! SQL for the dev mailbox: reads of the email outbox.

use sqlx::PgExecutor;
use time::OffsetDateTime;

/// One outbox row as the mailbox lists it.
pub struct MailboxRow {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub created_at: OffsetDateTime,
    pub status: String,
    pub text_body: String,
}

/// The newest `limit` outbox messages, newest first.
///
/// # Errors
/// Database errors.
pub async fn newest<'c>(
    db: impl PgExecutor<'c>,
    limit: i64,
) -> Result<Vec<MailboxRow>, sqlx::Error> {
    sqlx::query_as!(
        MailboxRow,
        r#"SELECT id, recipient::text AS "recipient!", subject, created_at, status, text_body
             FROM email_outbox ORDER BY id DESC LIMIT $1"#,
        limit,
    )
    .fetch_all(db)
    .await
}

/// The HTML part of message `id`, if it exists.
///
/// # Errors
/// Database errors.
pub async fn html_body<'c>(
    db: impl PgExecutor<'c>,
    id: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!("SELECT html_body FROM email_outbox WHERE id = $1", id)
        .fetch_optional(db)
        .await
}
