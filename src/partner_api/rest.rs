//! The partner API's handlers; each names its scope through its [`Authorized`] extractor and
//! leaves the rules to [`super::service`].

use super::{
    extract::{
        ApiError, ApiFailure, Authorized, InvitationsRead, InvitationsWrite, MembersReadAnonymous,
        Ping,
    },
    service,
};
use crate::{
    domain::{rfc3339, DraftFields},
    state::AppState,
};
use axum::{
    extract::{Path, State},
    http::StatusCode,
    Json,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// The partner, as ping reports it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerRef {
    pub id: Uuid,
    pub name: String,
    /// `approved` before the first ping, `active` after.
    pub status: String,
}

/// The answer to a ping.
#[derive(Debug, Serialize, ToSchema)]
pub struct PingResponse {
    pub partner: PartnerRef,
    /// The token's scopes.
    pub scopes: Vec<String>,
    /// The server's clock, RFC 3339 UTC.
    pub server_time: String,
}

/// Connectivity test: the first success marks the integration active (healthy).
#[utoipa::path(post, path = "/api/partner/v1/ping", tag = "partner",
    security(("bearer" = ["partner:ping"])),
    responses(
        (status = 200, body = PingResponse),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn ping(
    State(state): State<AppState>,
    auth: Authorized<Ping>,
) -> Result<Json<PingResponse>, ApiFailure> {
    let status = service::ping(&state, &auth.ctx, &auth.caller).await?;
    let caller = auth.caller;
    Ok(Json(PingResponse {
        partner: PartnerRef {
            id: caller.partner_id,
            name: caller.partner_name,
            status: status.as_str().to_owned(),
        },
        scopes: caller
            .scopes
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect(),
        server_time: rfc3339(time::OffsetDateTime::now_utc()),
    }))
}

/// A member invitation to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateInvitationRequest {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// `member` (partners may grant only roles that manage nothing).
    pub role: String,
    pub designation: Option<String>,
    pub department: Option<String>,
}

/// An invitation as the partner API shows it (never the token).
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationView {
    pub id: Uuid,
    pub email: String,
    pub role: String,
    /// `pending`, `accepted`, `expired` or `revoked`.
    pub status: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// RFC 3339 UTC, once accepted.
    pub accepted_at: Option<String>,
}

/// Invites a member into the partner's tenant through the same path as the admin dialog:
/// validation, the per-inviter rate limit, an audit event with the partner as actor, and the
/// email through the outbox.
#[utoipa::path(post, path = "/api/partner/v1/invitations", tag = "partner",
    security(("bearer" = ["invitations:write"])),
    request_body = CreateInvitationRequest,
    responses(
        (status = 201, body = InvitationView),
        (status = 401, body = ApiError), (status = 403, body = ApiError),
        (status = 409, body = ApiError), (status = 415, body = ApiError),
        (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn create_invitation(
    State(state): State<AppState>,
    auth: Authorized<InvitationsWrite>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<InvitationView>), ApiFailure> {
    if !is_json(&headers) {
        return Err(ApiFailure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the invitation as JSON, with Content-Type: application/json.",
        ));
    }
    let req: CreateInvitationRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiFailure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("The body must be a JSON invitation: {e}"),
        )
    })?;
    let fields = DraftFields {
        email: &req.email,
        first_name: &req.first_name,
        last_name: &req.last_name,
        role: &req.role,
        designation: req.designation.as_deref().unwrap_or(""),
        department: req.department.as_deref().unwrap_or(""),
    };
    let id = service::create_invitation(&state, &auth.ctx, &auth.caller, &fields).await?;
    let view = invitation_view(&state, &auth.caller, id)
        .await?
        .ok_or_else(|| ApiFailure::internal("created invitation vanished"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Whether the request says its body is JSON: `application/json`, parameters such as
/// `charset` allowed (RFC 8259 §11; anything else is answered 415, RFC 9110 §15.5.16).
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    crate::security::media_type(headers).as_deref() == Some("application/json")
}

async fn invitation_view(
    state: &AppState,
    caller: &service::Caller,
    id: Uuid,
) -> Result<Option<InvitationView>, ApiFailure> {
    Ok(service::invitation(state, caller, id)
        .await?
        .map(|i| InvitationView {
            id: i.id,
            email: i.email,
            role: i.role,
            status: i.status,
            created_at: rfc3339(i.created_at),
            expires_at: rfc3339(i.expires_at),
            accepted_at: i.accepted_at.map(rfc3339),
        }))
}

/// An invitation this partner created; others are `404`.
#[utoipa::path(get, path = "/api/partner/v1/invitations/{id}", tag = "partner",
    security(("bearer" = ["invitations:read"])),
    params(("id" = Uuid, Path, description = "Invitation id")),
    responses(
        (status = 200, body = InvitationView),
        (status = 401, body = ApiError), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn get_invitation(
    State(state): State<AppState>,
    auth: Authorized<InvitationsRead>,
    Path(id): Path<Uuid>,
) -> Result<Json<InvitationView>, ApiFailure> {
    invitation_view(&state, &auth.caller, id)
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiFailure::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "No invitation with this id was created by this partner.",
            )
        })
}

/// Member and invitation counts of the partner's tenant: no personal data.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberStats {
    /// Members per role name.
    pub members_by_role: BTreeMap<String, i64>,
    /// Invitations per effective status.
    pub invitations_by_status: BTreeMap<String, i64>,
}

/// Counts by role and status.
#[utoipa::path(get, path = "/api/partner/v1/members/stats", tag = "partner",
    security(("bearer" = ["members:read:anonymous"])),
    responses(
        (status = 200, body = MemberStats),
        (status = 401, body = ApiError), (status = 403, body = ApiError)))]
pub async fn members_stats(
    State(state): State<AppState>,
    auth: Authorized<MembersReadAnonymous>,
) -> Result<Json<MemberStats>, ApiFailure> {
    let counts = service::member_stats(&state, &auth.caller).await?;
    Ok(Json(MemberStats {
        members_by_role: counts.members_by_role,
        invitations_by_status: counts.invitations_by_status,
    }))
}
