//! The dev mailbox's rules: it exists only in development without SMTP, and shows the newest
//! 100 messages with the links to this Gatehouse found in them.

use super::{dto::MailboxMessage, repo};
use crate::{domain::DeliveryState, error::AppError, state::AppState};

/// How many messages the mailbox shows.
pub const MAILBOX_SIZE: i64 = 100;

fn require_enabled(state: &AppState) -> Result<(), AppError> {
    if state.config.dev_mailbox_enabled() {
        Ok(())
    } else {
        Err(AppError::NotFound("There is no dev mailbox here.".into()))
    }
}

/// The newest [`MAILBOX_SIZE`] emails, each with the words of its text body that are links to
/// this Gatehouse (`PUBLIC_URL`).
///
/// # Errors
/// 404 when the mailbox is disabled; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn messages(state: &AppState) -> Result<Vec<MailboxMessage>, AppError> {
    require_enabled(state)?;
    let base = state.config.link("/");
    let rows = repo::newest(&state.pool, MAILBOX_SIZE)
        .await
        .map_err(AppError::internal("reading the dev mailbox failed"))?;
    Ok(rows
        .into_iter()
        .map(|r| MailboxMessage {
            links: r
                .text_body
                .split_whitespace()
                .filter(|w| w.starts_with(&base))
                .map(str::to_owned)
                .collect(),
            id: r.id,
            recipient: r.recipient,
            subject: r.subject,
            created_at: r.created_at.unix_timestamp(),
            status: DeliveryState::parse(&r.status),
            text_body: r.text_body,
        })
        .collect())
}

/// The HTML part of message `id`.
///
/// # Errors
/// 404 when the mailbox is disabled or there is no such message; 500 on database failure.
#[tracing::instrument(skip_all)]
pub async fn html(state: &AppState, id: i64) -> Result<String, AppError> {
    require_enabled(state)?;
    repo::html_body(&state.pool, id)
        .await
        .map_err(AppError::internal("reading a dev mailbox message failed"))?
        .ok_or_else(|| AppError::NotFound("No such message.".into()))
}
