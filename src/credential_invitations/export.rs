//! `GET /integrations/partners/{id}/invite-events.jsonl`: the `integration_invite` analytics
//! events of a partner's credential invitations as JSON lines, for the governance warehouse.
//! Requires a session of the partner's tenant that may use the Integrations area.

use crate::{auth::session::optional_user, error::AppError, state::AppState};
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use tower_sessions::Session;
use uuid::Uuid;

/// The export handler: 401 without a session, 403 without Integrations access, 404 for
/// another tenant's partner.
pub async fn invite_events_jsonl(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<Uuid>,
) -> Response {
    let result = async {
        let user = optional_user(&state, &session)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !user.role.can_use_integrations(user.org_kind) {
            return Err(AppError::Forbidden);
        }
        super::service::export_jsonl(&state, &user, id).await
    }
    .await;
    match result {
        Ok(body) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/x-ndjson; charset=utf-8".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"invite-events-{id}.jsonl\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            body,
        )
            .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.to_string(),
        )
            .into_response(),
    }
}
