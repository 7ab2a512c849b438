//! The transactional email outbox and the worker that drains it.
//!
//! Rows are inserted in the caller's transaction ([`enqueue`]). Bodies carry one-time links,
//! so they are sealed at rest (AES-256-GCM under the configured encryption keys, the message
//! id as associated data: OWASP ASVS 5.0 V14.2.4) and dropped once a message is sent, failed
//! or cancelled. Each app instance runs a worker that claims due rows with
//! `FOR UPDATE SKIP LOCKED` under a lease with its own id ([`claim_due`]), checks the lease
//! again right before sending, and records the outcome only while its lease id still stands
//! (fencing), so a worker that stalled past its lease can neither send a message twice within
//! another worker's lease nor overwrite `sent` with `failed`. A failed attempt is retried with
//! exponential backoff, `retry_base × 2^(attempt−1)`; after `max_attempts` the row is marked
//! failed. Without `SMTP_URL` (development) nothing is sent and rows stay queued for
//! `/dev/mailbox`.

use super::{
    mailer::{Mailer, OutgoingEmail},
    templates::RenderedEmail,
};
use crate::{
    crypto::{EncryptionKeys, OpenError, Sealed},
    state::AppState,
};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use std::time::Duration;
use uuid::Uuid;

/// A claimed message, ready to send.
#[derive(Debug)]
pub struct OutboxMessage {
    pub id: i64,
    /// The claim's id: only it may record the outcome.
    pub lease_id: Uuid,
    pub email: OutgoingEmail,
    /// Attempts including this one.
    pub attempts: i32,
    /// Queued without a body: the subject, bodies and sender come from a
    /// [`SendTimeRenderer`] right before sending.
    pub render_at_send: bool,
}

/// Renders, right before they leave, the messages queued with `render_at_send` (no body at
/// rest: the feature that queued them keeps what the body needs sealed elsewhere; bulk
/// invitation emails are rendered from the token sealed on their invitation). Given the
/// claimed message ids, answers the email of each one it can still render, by id; a message
/// left out (its link withdrawn or expired meanwhile, or it no longer renders) is marked failed
/// and never sent. Handed to [`run_worker`] by the assembly, since the kernel knows no feature.
pub type SendTimeRenderer = std::sync::Arc<
    dyn Fn(
            AppState,
            Vec<i64>,
        ) -> futures::future::BoxFuture<
            'static,
            Result<std::collections::HashMap<i64, RenderedEmail>, sqlx::Error>,
        > + Send
        + Sync,
>;

/// What a message is about, so that it can be cancelled when that is withdrawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum About {
    Nothing,
    /// An invitation: a resend or revoke cancels the message.
    Invitation(Uuid),
    /// A credential invitation: revoking it cancels the message.
    CredentialInvitation(Uuid),
}

/// A message's two bodies, as sealed together.
#[derive(Serialize, Deserialize)]
struct Bodies {
    text: String,
    html: String,
}

/// The associated data binding a sealed body to its row.
fn body_aad(id: i64) -> Vec<u8> {
    format!("email_outbox:{id}:body").into_bytes()
}

/// A stored body: sealed (`key_id`, `nonce`, `ciphertext`), or the plaintext columns of a row
/// queued before bodies were sealed.
pub struct StoredBody {
    pub key_id: Option<String>,
    pub nonce: Option<Vec<u8>>,
    pub ciphertext: Option<Vec<u8>>,
    pub text: String,
    pub html: String,
}

/// Opens message `id`'s stored body: `(text, html)`; both empty once the message left.
///
/// # Errors
/// [`OpenError`] when the key is unknown or the ciphertext does not belong to this row.
pub fn open_body(
    keys: &EncryptionKeys,
    id: i64,
    body: StoredBody,
) -> Result<(String, String), OpenError> {
    let (Some(key_id), Some(nonce), Some(ciphertext)) = (body.key_id, body.nonce, body.ciphertext)
    else {
        return Ok((body.text, body.html));
    };
    let plain = keys.open(
        &Sealed {
            key_id,
            nonce,
            ciphertext,
        },
        &body_aad(id),
    )?;
    let b: Bodies = serde_json::from_slice(&plain).map_err(|_| OpenError)?;
    Ok((b.text, b.html))
}

/// `email`'s two bodies sealed under `keys` for outbox message `id` (the id is the associated
/// data, so the ciphertext opens only as that row's body).
pub fn seal_bodies(keys: &EncryptionKeys, id: i64, email: &RenderedEmail) -> Sealed {
    let plain = serde_json::to_vec(&Bodies {
        text: email.text.clone(),
        html: email.html.clone(),
    })
    .expect("strings serialise");
    keys.seal(&plain, &body_aad(id))
}

/// Queues `email` for `recipient` inside the caller's transaction, its bodies sealed under
/// `keys`. Returns the row id.
///
/// # Errors
/// Database errors.
pub async fn enqueue(
    tx: &mut PgConnection,
    keys: &EncryptionKeys,
    recipient: &str,
    email: &RenderedEmail,
    about: About,
) -> Result<i64, sqlx::Error> {
    let id = sqlx::query_scalar!(
        r#"SELECT nextval(pg_get_serial_sequence('email_outbox', 'id')) AS "id!""#
    )
    .fetch_one(&mut *tx)
    .await?;
    let sealed = seal_bodies(keys, id, email);
    let (invitation_id, credential_invitation_id) = match about {
        About::Nothing => (None, None),
        About::Invitation(i) => (Some(i), None),
        About::CredentialInvitation(c) => (None, Some(c)),
    };
    sqlx::query!(
        "INSERT INTO email_outbox (id, recipient, subject, text_body, html_body, body_key_id,
                                   body_nonce, body_ciphertext, invitation_id,
                                   credential_invitation_id, template_kind, template_version,
                                   sender_name, reply_to)
         VALUES ($1, $2::citext, $3, '', '', $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        id,
        recipient,
        email.subject,
        sealed.key_id,
        sealed.nonce,
        sealed.ciphertext,
        invitation_id,
        credential_invitation_id,
        email.template.map(|(k, _)| k.as_str()),
        email.template.map(|(_, v)| v),
        email.sender_name.as_deref(),
        email.reply_to.as_deref(),
    )
    .execute(&mut *tx)
    .await?;
    Ok(id)
}

/// Cancels the messages about `about` that have not left yet (a link superseded by a resend,
/// or revoked) and drops their bodies. A worker holding one of them finds its lease gone and
/// does not send it. Returns how many were cancelled.
///
/// # Errors
/// Database errors.
pub async fn cancel(tx: &mut PgConnection, about: About) -> Result<u64, sqlx::Error> {
    let (invitation_id, credential_invitation_id) = match about {
        About::Nothing => return Ok(0),
        About::Invitation(i) => (Some(i), None),
        About::CredentialInvitation(c) => (None, Some(c)),
    };
    let done = sqlx::query!(
        "UPDATE email_outbox SET status = 'cancelled', text_body = '', html_body = '',
                body_key_id = NULL, body_nonce = NULL, body_ciphertext = NULL,
                locked_until = NULL, lease_id = NULL
          WHERE status = 'queued'
            AND (invitation_id = $1 OR credential_invitation_id = $2)",
        invitation_id,
        credential_invitation_id,
    )
    .execute(tx)
    .await?;
    Ok(done.rows_affected())
}

/// Claims up to `limit` due messages for `lease` under a fresh lease id and counts the
/// attempt, fewer when that would send more than `rate_per_second` in a second across every
/// instance. A message whose body cannot be opened (its key was removed) is marked failed; a
/// message queued with `render_at_send` comes back without subject and bodies (see
/// [`SendTimeRenderer`]).
///
/// # Errors
/// Database errors.
pub async fn claim_due(
    pool: &sqlx::PgPool,
    keys: &EncryptionKeys,
    limit: i64,
    lease: Duration,
    rate_per_second: i64,
) -> Result<Vec<OutboxMessage>, sqlx::Error> {
    let lease_id = Uuid::new_v4();
    let rows = sqlx::query!(
        r#"UPDATE email_outbox
            SET locked_until = clock_timestamp() + make_interval(secs => $3),
                lease_id = $2, attempts = attempts + 1
          WHERE id IN (SELECT id FROM email_outbox
                        WHERE status = 'queued' AND next_attempt_at <= clock_timestamp()
                          AND (locked_until IS NULL OR locked_until < clock_timestamp())
                        ORDER BY next_attempt_at, id
                        -- Pacing: no more than $4 messages leave per second, all instances
                        -- together (those sent in the last second count against it).
                        LIMIT LEAST($1, GREATEST(0, $4 - (
                            SELECT count(*) FROM email_outbox
                             WHERE status = 'sent'
                               AND sent_at > clock_timestamp() - interval '1 second')))
                        FOR UPDATE SKIP LOCKED)
          RETURNING id, recipient::text AS "recipient!", subject, text_body, html_body,
                    body_key_id, body_nonce, body_ciphertext, attempts, sender_name, reply_to,
                    render_at_send"#,
        limit,
        lease_id,
        lease.as_secs_f64(),
        rate_per_second,
    )
    .fetch_all(pool)
    .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for r in rows {
        let body = StoredBody {
            key_id: r.body_key_id,
            nonce: r.body_nonce,
            ciphertext: r.body_ciphertext,
            text: r.text_body,
            html: r.html_body,
        };
        let msg = OutboxMessage {
            id: r.id,
            lease_id,
            email: OutgoingEmail {
                recipient: r.recipient,
                subject: r.subject,
                text_body: String::new(),
                html_body: String::new(),
                sender_name: r.sender_name,
                reply_to: r.reply_to,
            },
            attempts: r.attempts,
            render_at_send: r.render_at_send,
        };
        if msg.render_at_send {
            claimed.push(msg);
            continue;
        }
        match open_body(keys, r.id, body) {
            Ok((text, html)) => claimed.push(OutboxMessage {
                email: OutgoingEmail {
                    text_body: text,
                    html_body: html,
                    ..msg.email
                },
                ..msg
            }),
            Err(_) => {
                tracing::error!(
                    outbox_id = r.id,
                    "email body does not open with the configured keys"
                );
                finish(
                    pool,
                    &msg,
                    Finish::Failed("the body could not be decrypted".into()),
                )
                .await?;
            }
        }
    }
    Ok(claimed)
}

/// Whether `msg`'s claim still stands with at least `margin` of its lease left: checked
/// right before sending, so a worker that stalled past its lease (or a message cancelled in
/// the meantime) sends nothing.
///
/// # Errors
/// Database errors.
pub async fn still_claimed(
    pool: &sqlx::PgPool,
    msg: &OutboxMessage,
    margin: Duration,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM email_outbox
                          WHERE id = $1 AND lease_id = $2 AND status = 'queued'
                            AND locked_until > clock_timestamp() + make_interval(secs => $3))
                  AS "ok!""#,
        msg.id,
        msg.lease_id,
        margin.as_secs_f64(),
    )
    .fetch_one(pool)
    .await
}

/// How a claimed message ends this attempt.
pub enum Finish {
    /// Delivered: the body is dropped.
    Sent,
    /// Given up with this error: the body is dropped.
    Failed(String),
    /// Failed with this error; try again after the delay.
    Retry(String, Duration),
}

/// Records `outcome` for `msg` if its lease id still stands (fencing). Returns whether it did:
/// `false` means another claim took the message over, or it was cancelled, and nothing changed.
///
/// # Errors
/// Database errors.
pub async fn finish(
    pool: &sqlx::PgPool,
    msg: &OutboxMessage,
    outcome: Finish,
) -> Result<bool, sqlx::Error> {
    let done = match outcome {
        Finish::Sent => {
            sqlx::query!(
                "UPDATE email_outbox SET status = 'sent', sent_at = clock_timestamp(),
                        text_body = '', html_body = '', body_key_id = NULL, body_nonce = NULL,
                        body_ciphertext = NULL, locked_until = NULL, lease_id = NULL,
                        last_error = NULL
                  WHERE id = $1 AND lease_id = $2 AND status = 'queued'",
                msg.id,
                msg.lease_id,
            )
            .execute(pool)
            .await?
        }
        Finish::Failed(error) => {
            sqlx::query!(
                "UPDATE email_outbox SET status = 'failed', text_body = '', html_body = '',
                        body_key_id = NULL, body_nonce = NULL, body_ciphertext = NULL,
                        locked_until = NULL, lease_id = NULL, last_error = $3
                  WHERE id = $1 AND lease_id = $2 AND status = 'queued'",
                msg.id,
                msg.lease_id,
                error,
            )
            .execute(pool)
            .await?
        }
        Finish::Retry(error, delay) => {
            sqlx::query!(
                "UPDATE email_outbox SET locked_until = NULL, lease_id = NULL, last_error = $3,
                        next_attempt_at = clock_timestamp() + make_interval(secs => $4)
                  WHERE id = $1 AND lease_id = $2 AND status = 'queued'",
                msg.id,
                msg.lease_id,
                error,
                delay.as_secs_f64(),
            )
            .execute(pool)
            .await?
        }
    };
    Ok(done.rows_affected() == 1)
}

/// Gives up `msg`'s claim without an attempt (shutting down): the next worker takes it at once.
///
/// # Errors
/// Database errors.
pub async fn release(pool: &sqlx::PgPool, msg: &OutboxMessage) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE email_outbox SET locked_until = NULL, lease_id = NULL, attempts = attempts - 1
          WHERE id = $1 AND lease_id = $2 AND status = 'queued'",
        msg.id,
        msg.lease_id,
    )
    .execute(pool)
    .await?;
    Ok(())
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
    let end = match outcome {
        Ok(()) => Finish::Sent,
        Err(error) if msg.attempts >= state.config.outbox_max_attempts => {
            tracing::error!(outbox_id = msg.id, attempts = msg.attempts, %error, "email failed for good");
            Finish::Failed(error)
        }
        Err(error) => {
            let delay = backoff(state.config.outbox_retry_base, msg.attempts);
            tracing::warn!(outbox_id = msg.id, attempts = msg.attempts, retry_in_s = delay.as_secs_f64(), %error, "email delivery failed; will retry");
            Finish::Retry(error, delay)
        }
    };
    let sent = matches!(end, Finish::Sent);
    if finish(&state.pool, msg, end).await? {
        if sent {
            tracing::info!(outbox_id = msg.id, "email sent");
        }
    } else {
        tracing::warn!(
            outbox_id = msg.id,
            "outcome not recorded: the lease passed to another claim"
        );
    }
    Ok(())
}

/// Every poll interval, sends what is due, until `stop` turns true: then it finishes the
/// message it is sending, gives the rest of its claims back ([`release`]) and returns.
/// Messages queued with `render_at_send` are rendered by `renderer` right before sending.
/// Does nothing without a mailer.
pub async fn run_worker(
    state: AppState,
    mailer: Option<Mailer>,
    renderer: SendTimeRenderer,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let Some(mailer) = mailer else {
        tracing::info!("no SMTP_URL: emails stay in the outbox; open /dev/mailbox to read them");
        return;
    };
    let mut tick = tokio::time::interval(state.config.outbox_poll_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut busy = false;
    loop {
        // After a round that sent something, look again soon: pacing is the claim's job.
        let wait = async {
            if busy {
                tokio::time::sleep(Duration::from_millis(100)).await;
            } else {
                tick.tick().await;
            }
        };
        tokio::select! {
            () = wait => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            tracing::info!("outbox worker stopped");
            return;
        }
        busy = deliver_due(&state, &mailer, &renderer, &stop).await > 0;
    }
}

/// One round of the worker: claims up to 10 due messages, sends them and records each
/// outcome; when `stop` turns true midway, releases the claims it has not started. Failures
/// are logged, never fatal: the next round tries again.
#[tracing::instrument(skip_all, name = "outbox_delivery")]
async fn deliver_due(
    state: &AppState,
    mailer: &Mailer,
    renderer: &SendTimeRenderer,
    stop: &tokio::sync::watch::Receiver<bool>,
) -> usize {
    let batch = match claim_due(
        &state.pool,
        &state.config.encryption_keys,
        10,
        state.config.outbox_lease,
        state.config.outbox_rate_per_second,
    )
    .await
    {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "claiming outbox messages failed");
            return 0;
        }
    };
    let claimed = batch.len();
    let batch = match render_claimed(state, renderer, batch).await {
        Ok(b) => b,
        Err(e) => {
            // The claims lapse and the next round tries again.
            tracing::error!(error = %e, "rendering outbox messages failed");
            return 0;
        }
    };
    for msg in batch {
        if *stop.borrow() {
            if let Err(e) = release(&state.pool, &msg).await {
                tracing::error!(error = %e, outbox_id = msg.id, "releasing an outbox claim failed");
            }
            continue;
        }
        // Enough lease left to finish sending (the SMTP timeout is far shorter than a lease).
        let margin = (state.config.outbox_lease / 4).min(Duration::from_secs(5));
        match still_claimed(&state.pool, &msg, margin).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(
                    outbox_id = msg.id,
                    "claim lapsed or message cancelled before sending; not sent"
                );
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, outbox_id = msg.id, "checking an outbox claim failed; not sent");
                continue;
            }
        }
        let outcome = mailer.send(&msg.email).await;
        if let Err(e) = record_outcome(state, &msg, outcome).await {
            tracing::error!(error = %e, outbox_id = msg.id, "recording delivery outcome failed");
        }
    }
    claimed
}

/// Records on each rendered message of `batch` what it was rendered with (subject, template
/// and version, sender), as a message rendered when queued carries it from the start; only
/// while the claim stands.
async fn record_rendering(
    pool: &sqlx::PgPool,
    batch: &[OutboxMessage],
    rendered: &std::collections::HashMap<i64, RenderedEmail>,
) -> Result<(), sqlx::Error> {
    let (mut id, mut lease, mut subject, mut kind, mut version, mut sender, mut reply_to) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for m in batch {
        let Some(e) = rendered.get(&m.id) else {
            continue;
        };
        id.push(m.id);
        lease.push(m.lease_id);
        subject.push(e.subject.clone());
        kind.push(e.template.map(|(k, _)| k.as_str().to_owned()));
        version.push(e.template.map(|(_, v)| v));
        sender.push(e.sender_name.clone());
        reply_to.push(e.reply_to.clone());
    }
    sqlx::query!(
        "UPDATE email_outbox o
            SET subject = u.subject, template_kind = u.kind, template_version = u.version,
                sender_name = u.sender, reply_to = u.reply_to
           FROM UNNEST($1::int8[], $2::uuid[], $3::text[], $4::text[], $5::int4[], $6::text[],
                       $7::text[]) AS u(id, lease_id, subject, kind, version, sender, reply_to)
          WHERE o.id = u.id AND o.lease_id = u.lease_id AND o.status = 'queued'",
        &id,
        &lease,
        &subject,
        &kind as &[Option<String>],
        &version as &[Option<i32>],
        &sender as &[Option<String>],
        &reply_to as &[Option<String>],
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// Fills in the messages of `batch` queued with `render_at_send` from `renderer`; one it can
/// no longer render is marked failed and left out.
async fn render_claimed(
    state: &AppState,
    renderer: &SendTimeRenderer,
    batch: Vec<OutboxMessage>,
) -> Result<Vec<OutboxMessage>, sqlx::Error> {
    let ids: Vec<i64> = batch
        .iter()
        .filter(|m| m.render_at_send)
        .map(|m| m.id)
        .collect();
    if ids.is_empty() {
        return Ok(batch);
    }
    let mut rendered = renderer(state.clone(), ids).await?;
    record_rendering(&state.pool, &batch, &rendered).await?;
    let mut ready = Vec::with_capacity(batch.len());
    for mut msg in batch {
        if !msg.render_at_send {
            ready.push(msg);
            continue;
        }
        match rendered.remove(&msg.id) {
            Some(email) => {
                msg.email = OutgoingEmail {
                    recipient: msg.email.recipient,
                    subject: email.subject,
                    text_body: email.text,
                    html_body: email.html,
                    sender_name: email.sender_name,
                    reply_to: email.reply_to,
                };
                ready.push(msg);
            }
            None => {
                tracing::warn!(
                    outbox_id = msg.id,
                    "message can no longer be rendered (link withdrawn or expired, or template broken)"
                );
                let why = "nothing to send: the link was withdrawn or expired before it left, \
                           or the email no longer renders";
                finish(&state.pool, &msg, Finish::Failed(why.into())).await?;
            }
        }
    }
    Ok(ready)
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
