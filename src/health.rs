//! Probes for load balancers and orchestrators: `/healthz` (the process answers) and
//! `/readyz` (the database answers too). Neither touches the session store.

use crate::state::AppState;
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use std::time::Duration;

/// How long `/readyz` waits for the database before answering 503.
pub const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /healthz`: `200 ok` while the process serves requests; checks nothing else, so an
/// orchestrator does not restart instances because the database is away.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: `200 ready` when a pooled connection answers `SELECT 1` within
/// [`READY_TIMEOUT`]; otherwise `503` with `Retry-After: 5`, so a load balancer sends
/// traffic elsewhere until the database is back.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(&state.pool);
    match tokio::time::timeout(READY_TIMEOUT, ping).await {
        Ok(Ok(_)) => (StatusCode::OK, "ready").into_response(),
        outcome => {
            let why = match outcome {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out".to_owned(),
            };
            tracing::warn!(reason = %why, "not ready: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "not ready: the database does not answer",
            )
                .into_response()
        }
    }
}
