//! SQL for the dev mailbox: reads of the email outbox (bodies as stored: see
//! [`crate::email::outbox::open_body`]).

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
    pub html_body: String,
    pub body_key_id: Option<String>,
    pub body_nonce: Option<Vec<u8>>,
    pub body_ciphertext: Option<Vec<u8>>,
    /// No body stored: rendered when it leaves (and when the mailbox shows it).
    pub render_at_send: bool,
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
        r#"SELECT id, recipient::text AS "recipient!", subject, created_at, status, text_body,
                  html_body, body_key_id, body_nonce, body_ciphertext, render_at_send
             FROM email_outbox ORDER BY id DESC LIMIT $1"#,
        limit,
    )
    .fetch_all(db)
    .await
}

/// Message `id`, if it exists.
///
/// # Errors
/// Database errors.
pub async fn message<'c>(
    db: impl PgExecutor<'c>,
    id: i64,
) -> Result<Option<MailboxRow>, sqlx::Error> {
    sqlx::query_as!(
        MailboxRow,
        r#"SELECT id, recipient::text AS "recipient!", subject, created_at, status, text_body,
                  html_body, body_key_id, body_nonce, body_ciphertext, render_at_send
             FROM email_outbox WHERE id = $1"#,
        id,
    )
    .fetch_optional(db)
    .await
}
