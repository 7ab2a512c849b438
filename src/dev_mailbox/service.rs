//! The dev mailbox's rules: it exists only in development without SMTP, and shows the newest
//! 100 messages with the links to this Gatehouse found in them.

use super::{dto::MailboxMessage, repo};
use crate::{
    domain::DeliveryState,
    email::{
        outbox::{open_body, StoredBody},
        templates::RenderedEmail,
    },
    error::AppError,
    invitations::service::sealed_emails::render_queued,
    state::AppState,
};
use std::{collections::HashMap, net::IpAddr};

/// How many messages the mailbox shows.
pub const MAILBOX_SIZE: i64 = 100;

/// Whether `client` may read the dev mailbox: only from this machine. The mailbox holds live
/// registration links (the bootstrap admin's among them), so a development server reachable
/// from a network must not hand them to whoever asks.
pub fn visible_to(client: Option<IpAddr>) -> bool {
    client.is_some_and(|ip| match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    })
}

/// Whether `row` waits in the outbox without a body, to be rendered as it leaves.
fn waits_for_rendering(row: &repo::MailboxRow) -> bool {
    row.render_at_send && DeliveryState::parse(&row.status) == Some(DeliveryState::Queued)
}

/// Message `row`'s `(subject, text, html)`: its body opened, or for a message queued without
/// one, as [`render_queued`] renders it now (`rendered`, by message id). A body that does not
/// open (made under a key of an earlier start) or can no longer be rendered shows as a note.
fn contents(
    state: &AppState,
    row: repo::MailboxRow,
    rendered: &mut HashMap<i64, RenderedEmail>,
) -> (String, String, String) {
    if waits_for_rendering(&row) {
        return match rendered.remove(&row.id) {
            Some(e) => (e.subject, e.text, e.html),
            None => {
                let note = "(no longer sent: its invitation was withdrawn or expired)".to_owned();
                (row.subject, note.clone(), note)
            }
        };
    }
    let body = StoredBody {
        key_id: row.body_key_id,
        nonce: row.body_nonce,
        ciphertext: row.body_ciphertext,
        text: row.text_body,
        html: row.html_body,
    };
    let (text, html) =
        open_body(&state.config.encryption_keys, row.id, body).unwrap_or_else(|_| {
            let note = "(sealed under an encryption key this server no longer has)".to_owned();
            (note.clone(), note)
        });
    (row.subject, text, html)
}

/// The messages of `rows` queued without a body, rendered now.
async fn render(
    state: &AppState,
    rows: &[repo::MailboxRow],
) -> Result<HashMap<i64, RenderedEmail>, AppError> {
    let ids: Vec<i64> = rows
        .iter()
        .filter(|r| waits_for_rendering(r))
        .map(|r| r.id)
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    render_queued(state, &ids)
        .await
        .map_err(AppError::internal("rendering dev mailbox messages failed"))
}

fn require_enabled(state: &AppState, client: Option<IpAddr>) -> Result<(), AppError> {
    if state.config.dev_mailbox_enabled() && visible_to(client) {
        Ok(())
    } else {
        Err(AppError::NotFound("There is no dev mailbox here.".into()))
    }
}

/// The newest [`MAILBOX_SIZE`] emails, each with the words of its text body that are links to
/// this Gatehouse (`PUBLIC_URL`).
///
/// # Errors
/// 404 when the mailbox is disabled or `client` is not this machine; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn messages(
    state: &AppState,
    client: Option<IpAddr>,
) -> Result<Vec<MailboxMessage>, AppError> {
    require_enabled(state, client)?;
    let base = state.config.link("/");
    let rows = repo::newest(&state.pool, MAILBOX_SIZE)
        .await
        .map_err(AppError::internal("reading the dev mailbox failed"))?;
    let mut rendered = render(state, &rows).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (id, recipient, created_at, status) =
                (r.id, r.recipient.clone(), r.created_at, r.status.clone());
            let (subject, text_body, _) = contents(state, r, &mut rendered);
            MailboxMessage {
                links: text_body
                    .split_whitespace()
                    .filter(|w| w.starts_with(&base))
                    .map(str::to_owned)
                    .collect(),
                id,
                recipient,
                subject,
                created_at: created_at.unix_timestamp(),
                status: DeliveryState::parse(&status),
                text_body,
            }
        })
        .collect())
}

/// The HTML part of message `id`.
///
/// # Errors
/// 404 when the mailbox is disabled, `client` is not this machine or there is no such
/// message; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn html(state: &AppState, client: Option<IpAddr>, id: i64) -> Result<String, AppError> {
    require_enabled(state, client)?;
    let row = repo::message(&state.pool, id)
        .await
        .map_err(AppError::internal("reading a dev mailbox message failed"))?
        .ok_or_else(|| AppError::NotFound("No such message.".into()))?;
    let mut rendered = render(state, std::slice::from_ref(&row)).await?;
    Ok(contents(state, row, &mut rendered).2)
}

#[cfg(test)]
mod tests {
    use super::visible_to;

    #[test]
    fn only_this_machine_reads_the_mailbox() {
        for ip in ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"] {
            assert!(visible_to(Some(ip.parse().unwrap())), "{ip}");
        }
        for ip in [
            "10.0.0.5",
            "192.168.1.2",
            "203.0.113.9",
            "fe80::1",
            "::ffff:10.0.0.5",
        ] {
            assert!(!visible_to(Some(ip.parse().unwrap())), "{ip}");
        }
        assert!(!visible_to(None));
    }
}
