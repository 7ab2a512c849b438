//! The invitations REST API (reference spec 003's table) for machines and scripts:
//!
//! | method | path | |
//! | --- | --- | --- |
//! | POST | `/api/invitations` | create one |
//! | GET | `/api/invitations` | list: filters, keyset cursor |
//! | GET | `/api/invitations/validate?token=…` | public: what a link would say, never spending it |
//! | GET | `/api/invitations/{id}` | one invitation with its audit trail |
//! | POST | `/api/invitations/{id}/resend` | new token, old link dead |
//! | POST | `/api/invitations/{id}/revoke` | with an optional reason |
//!
//! Callers authenticate with an API token (`Authorization: Bearer gh_at_…`, see
//! [`crate::api_tokens`]) or the browser session; either way the organisation comes from the
//! credential and every rule is the invitation service's, exactly as for the admin page.
//! JSON in and out; errors are RFC 9457 `application/problem+json` with a per-field `errors`
//! map; a body with another `Content-Type` gets 415; `Idempotency-Key` on a POST replays the
//! first answer for 24 hours instead of acting twice. The OpenAPI 3.1 document is at
//! `/api/openapi.json`.

mod bulk;
mod extract;
mod openapi;

use extract::{idempotent, parse_json, require_csv_or_json, require_json, respond, ApiResult};
pub use extract::{ApiCaller, Problem, ProblemResponse};
pub use openapi::{reference, InvitationsApiDoc};

use super::{
    dto::{AuditEvent, InvitationSummary},
    service::{self, ListQuery},
};
use crate::{
    domain::{rfc3339, DraftFields},
    error::AppError,
    security::RequestContext,
    state::AppState,
};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use time::{format_description::well_known::Rfc3339, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The routes, mounted inside the session layer (a browser session is one way in).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/invitations", post(create).get(list))
        .route("/api/invitations/validate", get(validate))
        .route("/api/invitations/bulk", post(bulk::upload))
        .route("/api/invitations/bulk/{id}", get(bulk::progress))
        .route("/api/invitations/bulk/{id}/result.csv", get(bulk::result))
        .route("/api/invitations/{id}", get(show))
        .route("/api/invitations/{id}/resend", post(resend))
        .route("/api/invitations/{id}/revoke", post(revoke))
        .route("/api/openapi.json", get(openapi::openapi_json))
}

// ---------------------------------------------------------------------------------------
// Representations.

/// An invitation as the REST API shows it (never its token).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationResource {
    pub id: Uuid,
    pub organisation_name: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// The role's label (for example "Member").
    pub role: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    /// `pending`, `accepted`, `expired` or `revoked` (pending past its expiry reads expired).
    pub status: String,
    /// The newest email's delivery: `queued`, `sent`, `failed` or `cancelled`.
    pub delivery: Option<String>,
    pub inviter: Option<String>,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// RFC 3339 UTC.
    pub expires_at: String,
    /// RFC 3339 UTC.
    pub last_sent_at: Option<String>,
    pub resend_count: i32,
    /// The audit trail, oldest first (only on `GET /api/invitations/{id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_trail: Option<Vec<AuditEntry>>,
    /// The registration link: only in the answer to a create with `send_email: false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// One audit event of an invitation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub action: String,
    /// A person's name, or "API token <name>"; none for the system or the invitee.
    pub actor: Option<String>,
    /// RFC 3339 UTC.
    pub at: String,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

fn at(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .map(rfc3339)
        .unwrap_or_default()
}

impl From<InvitationSummary> for InvitationResource {
    fn from(s: InvitationSummary) -> Self {
        Self {
            id: s.id,
            organisation_name: s.organisation_name,
            email: s.email,
            first_name: s.first_name,
            last_name: s.last_name,
            role: s.role_label,
            designation: s.designation,
            department: s.department,
            status: s.status.as_str().to_owned(),
            delivery: s.delivery.map(|d| d.as_str().to_owned()),
            inviter: s.inviter_name,
            created_at: at(s.created_at),
            expires_at: at(s.expires_at),
            last_sent_at: s.last_sent_at.map(at),
            resend_count: s.resend_count,
            audit_trail: None,
            link: None,
        }
    }
}

impl From<AuditEvent> for AuditEntry {
    fn from(e: AuditEvent) -> Self {
        Self {
            action: e.action,
            actor: e.actor,
            at: at(e.at),
            ip: e.ip,
            detail: e.detail,
        }
    }
}

/// A page of invitations, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<InvitationResource>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

// ---------------------------------------------------------------------------------------
// Bodies.

/// A member invitation to create. Missing text fields count as empty (and are reported per
/// field when required).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CreateInvitation {
    /// Platform admins only: the organisation to invite into (others always invite into
    /// their own).
    pub organisation_id: Option<String>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// A role's wire name, for example `member`.
    pub role: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    /// The link's lifetime in hours, 1 to 720 (default: the server's setting).
    pub expires_in_hours: Option<u64>,
    /// `false`: send no email, and answer with the `link` to share (shown this once).
    pub send_email: Option<bool>,
}

/// Why an invitation is revoked (optional, at most 500 characters).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RevokeInvitation {
    pub reason: Option<String>,
}

fn created(resource: InvitationResource) -> Response {
    let location = format!("/api/invitations/{}", resource.id);
    let mut res = (StatusCode::CREATED, Json(resource)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

// ---------------------------------------------------------------------------------------
// Handlers.

/// Invites one person, through the same rules as the admin dialog: validation per field,
/// roles no higher than the caller's, duplicate and member checks, the 5-per-minute limit of
/// the inviting person, the audit event (naming the API token when one was used) and the
/// email through the outbox.
#[utoipa::path(post, path = "/api/invitations", tag = "invitations",
    request_body = CreateInvitation,
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 hours")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 201, body = InvitationResource, description = "Created; Location names it"),
        (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(p) = require_json(&headers) {
        return p.into_response();
    }
    idempotent(&state, &caller, &headers, "/api/invitations", &body, || {
        create_one(&state, &caller, &body)
    })
    .await
}

async fn create_one(state: &AppState, caller: &ApiCaller, body: &[u8]) -> ApiResult<Response> {
    let req: CreateInvitation = parse_json(body)?;
    let fields = DraftFields {
        email: &req.email,
        first_name: &req.first_name,
        last_name: &req.last_name,
        role: &req.role,
        designation: req.designation.as_deref().unwrap_or(""),
        department: req.department.as_deref().unwrap_or(""),
    };
    let send_email = req.send_email.unwrap_or(true);
    let hours = req
        .expires_in_hours
        .map(|h| h.to_string())
        .unwrap_or_default();
    let new = service::draft_with_options(
        state,
        &caller.user,
        req.organisation_id.as_deref(),
        &fields,
        &hours,
        send_email,
    )
    .await?;
    let made = service::create(state, &caller.actor, new, &caller.ctx).await?;
    let mut resource = InvitationResource::from(service::one(state, &caller.user, made.id).await?);
    resource.link = (!send_email).then_some(made.link);
    Ok(created(resource))
}

/// Filters of the list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// `pending`, `accepted`, `expired` or `revoked`.
    pub status: Option<String>,
    /// Part of an email address, case-insensitive.
    pub search: Option<String>,
    /// A role's wire name.
    pub role: Option<String>,
    /// RFC 3339: created at or after.
    pub created_from: Option<String>,
    /// RFC 3339: created before.
    pub created_to: Option<String>,
    /// The previous page's `next_cursor`.
    pub cursor: Option<String>,
}

fn instant(field: &str, v: Option<&str>) -> ApiResult<Option<OffsetDateTime>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).map(Some).map_err(|_| {
            AppError::field(
                field,
                "Use an RFC 3339 time, for example 2026-11-30T12:00:00Z.",
            )
            .into()
        }),
    }
}

/// The invitations visible to the caller (platform admins: every organisation), newest
/// first, 50 per page with a keyset cursor.
#[utoipa::path(get, path = "/api/invitations", tag = "invitations",
    params(ListParams),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, body = InvitationList),
        (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<InvitationList>> {
    let Query(p) =
        params.map_err(|e| ProblemResponse::new(StatusCode::BAD_REQUEST, e.body_text()))?;
    let page = service::list_filtered(
        &state,
        &caller.user,
        &ListQuery {
            status: p.status.as_deref(),
            search: p.search.as_deref(),
            cursor: p.cursor.as_deref(),
            role: p.role.as_deref(),
            created_from: instant("created_from", p.created_from.as_deref())?,
            created_to: instant("created_to", p.created_to.as_deref())?,
        },
    )
    .await?;
    Ok(Json(InvitationList {
        items: page.invitations.into_iter().map(Into::into).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One invitation with its audit trail. Another organisation's answers 404, like an unknown id.
#[utoipa::path(get, path = "/api/invitations/{id}", tag = "invitations",
    params(("id" = Uuid, Path, description = "Invitation id")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, body = InvitationResource),
        (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn show(
    State(state): State<AppState>,
    caller: ApiCaller,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
) -> ApiResult<Json<InvitationResource>> {
    let Path(id) = id.map_err(|_| not_found())?;
    let one = service::one(&state, &caller.user, id).await?;
    let trail = service::history(&state, &caller.user, id).await?;
    let mut r = InvitationResource::from(one);
    r.audit_trail = Some(trail.into_iter().map(Into::into).collect());
    Ok(Json(r))
}

fn not_found() -> ProblemResponse {
    ProblemResponse::new(StatusCode::NOT_FOUND, "That invitation does not exist.")
}

/// Issues a new link for a pending or expired invitation and emails it; the old link stops
/// working at once.
#[utoipa::path(post, path = "/api/invitations/{id}/resend", tag = "invitations",
    params(("id" = Uuid, Path, description = "Invitation id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 hours")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, body = InvitationResource),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn resend(
    State(state): State<AppState>,
    caller: ApiCaller,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Path(id)) = id else {
        return not_found().into_response();
    };
    let path = format!("/api/invitations/{id}/resend");
    idempotent(&state, &caller, &headers, &path, &body, || async {
        let scope = service::scope_of(&caller.user);
        service::resend(&state, &caller.actor, id, scope, &caller.ctx).await?;
        Ok(Json(InvitationResource::from(
            service::one(&state, &caller.user, id).await?,
        )))
    })
    .await
}

/// Revokes a pending invitation, with an optional reason; its link stops working at once.
#[utoipa::path(post, path = "/api/invitations/{id}/revoke", tag = "invitations",
    request_body(content = Option<RevokeInvitation>),
    params(("id" = Uuid, Path, description = "Invitation id"),
           ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 hours")),
    security(("api_token" = []), ("session" = [])),
    responses(
        (status = 200, body = InvitationResource),
        (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json"), (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"), (status = 409, body = Problem, content_type = "application/problem+json"), (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: ApiCaller,
    id: Result<Path<Uuid>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Ok(Path(id)) = id else {
        return not_found().into_response();
    };
    if !body.is_empty() {
        if let Err(p) = require_json(&headers) {
            return p.into_response();
        }
    }
    let path = format!("/api/invitations/{id}/revoke");
    idempotent(&state, &caller, &headers, &path, &body, || async {
        let req: RevokeInvitation = if body.is_empty() {
            RevokeInvitation::default()
        } else {
            parse_json(&body)?
        };
        let reason = crate::domain::OptionalText::parse(req.reason.as_deref().unwrap_or(""), 500)
            .map_err(|m| AppError::field("reason", m))?
            .into_inner();
        let scope = service::scope_of(&caller.user);
        service::revoke(&state, &caller.actor, id, scope, reason, &caller.ctx).await?;
        Ok(Json(InvitationResource::from(
            service::one(&state, &caller.user, id).await?,
        )))
    })
    .await
}

/// The token to check.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct ValidateParams {
    pub token: String,
}

/// What a registration link would say.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Validity {
    /// `valid`, `expired`, `used`, `revoked` or `unknown`.
    pub status: String,
}

/// Public: whether a registration token is `valid`, `expired`, `used`, `revoked` or
/// `unknown`, and nothing else. It never spends the token nor records a view, does the same
/// work whatever the answer (one lookup by the token's SHA-256), and is rate-limited per
/// client (OWASP ASVS 5.0 V2.4.1).
#[utoipa::path(get, path = "/api/invitations/validate", tag = "invitations",
    params(ValidateParams),
    responses((status = 200, body = Validity), (status = 429, body = Problem, content_type = "application/problem+json")))]
pub async fn validate(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> ApiResult<Json<Validity>> {
    let (parts, _) = request.into_parts();
    let ctx = RequestContext::from_parts(&parts);
    let Query(p) = Query::<ValidateParams>::try_from_uri(&parts.uri).unwrap_or_default();
    let status = service::validate_token(&state, &ctx, &p.token).await?;
    Ok(Json(Validity {
        status: status.to_owned(),
    }))
}
