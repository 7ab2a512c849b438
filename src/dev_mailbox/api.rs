//! The dev mailbox's server function and its raw-HTML endpoint.

use crate::error::AppError;
use leptos::prelude::*;

pub use super::dto::MailboxMessage;

/// The newest 100 emails, or 404 when the dev mailbox is disabled.
#[server(prefix = "/rpc", endpoint = "dev/mailbox")]
pub async fn dev_mailbox() -> Result<Vec<MailboxMessage>, AppError> {
    let ctx = crate::security::RequestContext::current();
    let state = expect_context::<crate::state::AppState>();
    super::service::messages(&state, ctx.ip).await
}

/// `GET /dev/mailbox/{id}/html`: the HTML part of one email, served in a CSP sandbox (no
/// scripts, no requests, inline styles only). Mounted only when the dev mailbox is enabled.
#[cfg(feature = "ssr")]
pub async fn html_handler(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    client: Option<axum::extract::Extension<crate::security::ClientIp>>,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> axum::response::Response {
    use axum::{
        http::{header, StatusCode},
        response::IntoResponse,
    };
    match super::service::html(&state, client.map(|c| c.0 .0), id).await {
        Ok(html) => (
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
        Err(AppError::NotFound(_)) => (StatusCode::NOT_FOUND, "No such message.").into_response(),
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong.").into_response(),
    }
}
