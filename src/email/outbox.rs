//! The transactional email outbox and the worker that drains it.
//!
//! Rows are inserted in the caller's transaction ([`enqueue`]). Each app instance runs a worker
//! that claims due rows with `FOR UPDATE SKIP LOCKED` (so instances never send the same row),
//! sends them, and either marks them sent (blanking the bodies, which hold one-time links) or
//! schedules a retry with exponential backoff: `retry_base × 2^(attempt−1)`. After
//! `max_attempts` a row is marked failed. Without `SMTP_URL` (development) nothing is sent and
//! rows stay queued for `/dev/mailbox`.

use super::{
    mailer::{Mailer, OutgoingEmail},
    templates::RenderedEmail,
};
use crate::state::AppState;
use sqlx::PgConnection;
use std::time::Duration;
use uuid::Uuid;

/// A claimed message, ready to send.
#[derive(Debug)]
pub struct OutboxMessage {
    pub id: i64,
    pub email: OutgoingEmail,
    /// Attempts including this one.
    pub attempts: i32,
}

/// Queues `email` for `recipient` inside the caller's transaction. Returns the row id.
///
/// # Errors
/// Database errors.
pub async fn enqueue(
    tx: &mut PgConnection,
    recipient: &str,
    email: &RenderedEmail,
    invitation_id: Option<Uuid>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        "INSERT INTO email_outbox (recipient, subject, text_body, html_body, invitation_id)
         VALUES ($1::citext, $2, $3, $4, $5) RETURNING id",
        recipient,
        email.subject,
        email.text,
        email.html,
        invitation_id,
    )
    .fetch_one(tx)
    .await
}

/// Cancels an invitation's messages that have not left yet (its link was superseded by a
/// resend or revoked) and blanks their bodies.
///
/// # Errors
/// Database errors.
pub async fn cancel_for_invitation(
    tx: &mut PgConnection,
    invitation_id: Uuid,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE email_outbox SET status = 'cancelled', text_body = '', html_body = '',
                locked_until = NULL
          WHERE invitation_id = $1 AND status = 'queued'",
        invitation_id,
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected())
}

/// Claims up to `limit` due messages for this worker for two minutes and counts the attempt.
///
/// # Errors
/// Database errors.
pub async fn claim_due(pool: &sqlx::PgPool, limit: i64) -> Result<Vec<OutboxMessage>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"UPDATE email_outbox
            SET locked_until = clock_timestamp() + interval '2 minutes', attempts = attempts + 1
          WHERE id IN (SELECT id FROM email_outbox
                        WHERE status = 'queued' AND next_attempt_at <= clock_timestamp()
                          AND (locked_until IS NULL OR locked_until < clock_timestamp())
                        ORDER BY next_attempt_at, id
                        LIMIT $1
                        FOR UPDATE SKIP LOCKED)
          RETURNING id, recipient::text AS "recipient!", subject, text_body, html_body,
                    attempts"#,
        limit,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OutboxMessage {
            id: r.id,
            email: OutgoingEmail {
                recipient: r.recipient,
                subject: r.subject,
                text_body: r.text_body,
                html_body: r.html_body,
            },
            attempts: r.attempts,
        })
        .collect())
}

/// Delay before retry number `attempt + 1`: `base × 2^(attempt−1)`, capped at 6 hours.
pub fn backoff(base: Duration, attempt: i32) -> Duration {
    let exp = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(16);
    base.saturating_mul(1 << exp)
        .min(Duration::from_secs(6 * 3600))
}

async fn record_outcome(
    state: &AppState,
    msg: &OutboxMessage,
    outcome: Result<(), String>,
) -> Result<(), sqlx::Error> {
    match outcome {
        Ok(()) => {
            sqlx::query!(
                "UPDATE email_outbox SET status = 'sent', sent_at = clock_timestamp(),
                        text_body = '', html_body = '', locked_until = NULL, last_error = NULL
                  WHERE id = $1",
                msg.id,
            )
            .execute(&state.pool)
            .await?;
            tracing::info!(outbox_id = msg.id, "email sent");
        }
        Err(error) if msg.attempts >= state.config.outbox_max_attempts => {
            sqlx::query!(
                "UPDATE email_outbox SET status = 'failed', locked_until = NULL, last_error = $2
                  WHERE id = $1",
                msg.id,
                error,
            )
            .execute(&state.pool)
            .await?;
            tracing::error!(outbox_id = msg.id, attempts = msg.attempts, %error, "email failed for good");
        }
        Err(error) => {
            let delay = backoff(state.config.outbox_retry_base, msg.attempts);
            sqlx::query!(
                "UPDATE email_outbox SET locked_until = NULL, last_error = $2,
                        next_attempt_at = clock_timestamp() + make_interval(secs => $3)
                  WHERE id = $1",
                msg.id,
                error,
                delay.as_secs_f64(),
            )
            .execute(&state.pool)
            .await?;
            tracing::warn!(outbox_id = msg.id, attempts = msg.attempts, retry_in_s = delay.as_secs_f64(), %error, "email delivery failed; will retry");
        }
    }
    Ok(())
}

/// Runs forever: every poll interval, sends what is due. Does nothing without a mailer.
pub async fn run_worker(state: AppState, mailer: Option<Mailer>) {
    let Some(mailer) = mailer else {
        tracing::info!("no SMTP_URL: emails stay in the outbox; open /dev/mailbox to read them");
        return;
    };
    let mut tick = tokio::time::interval(state.config.outbox_poll_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        deliver_due(&state, &mailer).await;
    }
}

/// One round of the worker: claims up to 10 due messages, sends them and records each
/// outcome. Failures are logged, never fatal: the next round tries again.
#[tracing::instrument(skip_all, name = "outbox_delivery")]
async fn deliver_due(state: &AppState, mailer: &Mailer) {
    let batch = match claim_due(&state.pool, 10).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "claiming outbox messages failed");
            return;
        }
    };
    for msg in batch {
        let outcome = mailer.send(&msg.email).await;
        if let Err(e) = record_outcome(state, &msg, outcome).await {
            tracing::error!(error = %e, outbox_id = msg.id, "recording delivery outcome failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let b = Duration::from_secs(30);
        assert_eq!(backoff(b, 1), Duration::from_secs(30));
        assert_eq!(backoff(b, 2), Duration::from_secs(60));
        assert_eq!(backoff(b, 4), Duration::from_secs(240));
        assert_eq!(backoff(b, 40), Duration::from_secs(6 * 3600));
    }
}
