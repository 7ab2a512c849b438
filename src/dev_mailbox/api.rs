//! The dev mailbox's server function and its raw-HTML endpoint.

use crate::{domain::DeliveryState, error::AppError};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One email in the dev mailbox. `created_at` is Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MailboxMessage {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub created_at: i64,
    pub status: Option<DeliveryState>,
    pub text_body: String,
    /// Links to this Gatehouse found in the text body.
    pub links: Vec<String>,
}

/// The newest 100 emails, or 404 when the dev mailbox is disabled.
#[server(endpoint = "dev/mailbox")]
pub async fn dev_mailbox() -> Result<Vec<MailboxMessage>, AppError> {
    use crate::startup::AppState;
    use sqlx::Row;
    let state = expect_context::<AppState>();
    if !state.config.dev_mailbox_enabled() {
        return Err(AppError::NotFound("There is no dev mailbox here.".into()));
    }
    let base = state.config.link("/");
    let rows = sqlx::query(
        "SELECT id, recipient::text AS recipient, subject, created_at, status, text_body
           FROM email_outbox ORDER BY id DESC LIMIT 100",
    )
    .fetch_all(&state.pool)
    .await
    .map_err(AppError::internal("reading the dev mailbox failed"))?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let text_body: String = r.get("text_body");
            let links = text_body
                .split_whitespace()
                .filter(|w| w.starts_with(&base))
                .map(str::to_owned)
                .collect();
            MailboxMessage {
                id: r.get("id"),
                recipient: r.get("recipient"),
                subject: r.get("subject"),
                created_at: r
                    .get::<time::OffsetDateTime, _>("created_at")
                    .unix_timestamp(),
                status: DeliveryState::parse(r.get("status")),
                text_body,
                links,
            }
        })
        .collect())
}

/// `GET /dev/mailbox/{id}/html`: the HTML part of one email, served in a CSP sandbox (no
/// scripts, no requests, inline styles only). Mounted only when the dev mailbox is enabled.
#[cfg(feature = "ssr")]
pub async fn html_handler(
    axum::extract::State(state): axum::extract::State<crate::startup::AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> axum::response::Response {
    use axum::{
        http::{header, StatusCode},
        response::IntoResponse,
    };
    let html: Result<Option<String>, _> =
        sqlx::query_scalar("SELECT html_body FROM email_outbox WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.pool)
            .await;
    match html {
        Ok(Some(html)) => (
            [
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox allow-top-navigation-by-user-activation",
                ),
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            ],
            html,
        )
            .into_response(),
        Ok(None) => (StatusCode::NOT_FOUND, "No such message.").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reading a dev mailbox message failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.").into_response()
        }
    }
}
