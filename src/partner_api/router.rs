//! The routes of the partner API and the token endpoint.

use super::{oauth, openapi, rest};
use crate::state::AppState;
use axum::{
    routing::{get, post},
    Router,
};

/// The partner API and the token endpoint, with no session layer: machines authenticate
/// with client credentials or bearer tokens, never cookies.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/api/partner/v1/ping", post(rest::ping))
        .route("/api/partner/v1/invitations", post(rest::create_invitation))
        .route(
            "/api/partner/v1/invitations/{id}",
            get(rest::get_invitation),
        )
        .route("/api/partner/v1/members/stats", get(rest::members_stats))
        .route("/api/partner/v1/openapi.json", get(openapi::openapi_json))
}
