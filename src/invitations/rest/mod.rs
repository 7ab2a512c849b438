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

use super::{
    dto::{AuditEvent, BulkJobStatus, BulkPreview, BulkRowReport, BulkVerdict, InvitationSummary},
    service::{self, Actor, ListQuery},
};
use crate::{
    auth::session::CurrentUser,
    domain::{rfc3339, DraftFields},
    error::AppError,
    security::RequestContext,
    state::AppState,
};
use axum::{
    body::Bytes,
    extract::{FromRequestParts, Path, Query, State},
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
        .route("/api/openapi.json", get(openapi_json))
}

// ---------------------------------------------------------------------------------------
// Errors: RFC 9457 problem details.

/// An RFC 9457 problem details object (`application/problem+json`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status code's reason phrase.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A sentence for the developer (or the person behind them).
    pub detail: String,
    /// For 422: a sentence per bad field, keyed by the field's name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, String>,
}

/// A problem with the headers that go with its status.
pub struct ProblemResponse {
    problem: Problem,
    retry_after: Option<u64>,
}

impl ProblemResponse {
    fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            problem: Problem {
                kind: "about:blank".into(),
                title: status.canonical_reason().unwrap_or("Error").into(),
                status: status.as_u16(),
                detail: detail.into(),
                errors: BTreeMap::new(),
            },
            retry_after: None,
        }
    }
}

impl From<AppError> for ProblemResponse {
    fn from(e: AppError) -> Self {
        let status =
            StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let detail = match &e {
            AppError::Unauthenticated => {
                "Send an API token (Authorization: Bearer gh_at_…) or sign in.".to_owned()
            }
            AppError::BadRequest => "The request is malformed (a bad cursor, say).".to_owned(),
            other => other.to_string(),
        };
        let mut p = Self::new(status, detail);
        if let AppError::Validation(fields) = &e {
            p.problem.errors = fields
                .iter()
                .map(|f| (f.field.clone(), f.message.clone()))
                .collect();
        }
        p.retry_after = e.retry_after_secs();
        p
    }
}

impl From<service::InvitationError> for ProblemResponse {
    fn from(e: service::InvitationError) -> Self {
        AppError::from(e).into()
    }
}

impl IntoResponse for ProblemResponse {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.problem).unwrap_or_default();
        let mut res = (status, body).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            h.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"gatehouse\""),
            );
        }
        res
    }
}

type ApiResult<T> = Result<T, ProblemResponse>;

// ---------------------------------------------------------------------------------------
// Authentication.

/// Who is calling: an API token's principal or a signed-in person, allowed to manage
/// invitations.
pub struct ApiCaller {
    pub user: CurrentUser,
    pub actor: Actor,
    /// Whose idempotency keys these are: `token:<id>` or `user:<id>`.
    pub principal: String,
    pub ctx: RequestContext,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ProblemResponse;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let ctx = RequestContext::from_parts(parts);
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        let (user, actor, principal) = match bearer {
            Some(token) => {
                let (token_id, user) = crate::api_tokens::service::authenticate(state, token)
                    .await
                    .inspect_err(|_| {
                        tracing::warn!(event = "authentication_failure", "API token refused")
                    })?;
                let actor = Actor::ApiToken {
                    id: token_id,
                    owner: user.user_id,
                    owner_name: user.display_name(),
                };
                (user, actor, format!("token:{token_id}"))
            }
            None => {
                let session = parts
                    .extensions
                    .get::<tower_sessions::Session>()
                    .cloned()
                    .ok_or(AppError::Unauthenticated)?;
                let user = crate::auth::session::optional_user(state, &session)
                    .await?
                    .ok_or(AppError::Unauthenticated)?;
                let actor = Actor::from_user(&user);
                let principal = format!("user:{}", user.user_id);
                (user, actor, principal)
            }
        };
        if !user.role.can_manage_invitations(user.org_kind) {
            tracing::warn!(
                event = "authorization_failure",
                user_id = %user.user_id,
                org_id = %user.org_id,
                role = user.role.as_str(),
                "authorization refused"
            );
            return Err(AppError::Forbidden.into());
        }
        Ok(Self {
            user,
            actor,
            principal,
            ctx,
        })
    }
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

/// Whether the request says its body is JSON: `application/json`, parameters such as
/// `charset` allowed (RFC 8259 §11). Anything else is 415 (RFC 9110 §15.5.16).
fn require_json(headers: &HeaderMap) -> ApiResult<()> {
    if crate::security::media_type(headers).as_deref() == Some("application/json") {
        Ok(())
    } else {
        Err(ProblemResponse::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send JSON, with Content-Type: application/json.",
        ))
    }
}

/// Whether a bulk body is CSV (`text/csv`, `true`) or JSON (`false`); anything else is 415.
fn require_csv_or_json(headers: &HeaderMap) -> ApiResult<bool> {
    match crate::security::media_type(headers).as_deref() {
        Some("text/csv") => Ok(true),
        Some("application/json") => Ok(false),
        _ => Err(ProblemResponse::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send a CSV file as text/csv, or a JSON array as application/json.",
        )),
    }
}

/// Parses a JSON body; an empty body is `T::default()` where allowed by the caller.
fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        ProblemResponse::new(
            StatusCode::BAD_REQUEST,
            format!("The body is not the JSON this endpoint takes: {e}."),
        )
    })
}

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

// ---------------------------------------------------------------------------------------
// Idempotency.

/// Runs `act` once per `Idempotency-Key` of this caller: a retry of the same request within
/// 24 hours gets the first answer again (with `Idempotency-Replayed: true`); the same key
/// with another request gets 422; a retry while the first is still running gets 409.
/// Without the header, `act` simply runs. 5xx answers are not kept, so they can be retried.
async fn idempotent<F, Fut, T>(
    state: &AppState,
    caller: &ApiCaller,
    headers: &HeaderMap,
    path: &str,
    body: &[u8],
    act: F,
) -> Response
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ApiResult<T>>,
    T: IntoResponse,
{
    let act = || async { respond(act().await) };
    let Some(key) = headers.get("idempotency-key") else {
        return act().await;
    };
    let key = match key.to_str() {
        Ok(k) if (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()) => k,
        _ => {
            return ProblemResponse::new(
                StatusCode::BAD_REQUEST,
                "Idempotency-Key must be 1 to 255 visible ASCII characters.",
            )
            .into_response()
        }
    };
    let request_hash = {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"POST");
        h.update(b" ");
        h.update(path.as_bytes());
        h.update(b"\n");
        h.update(body);
        <[u8; 32]>::from(h.finalize())
    };
    let db = AppError::internal::<sqlx::Error>("idempotency key store failed");
    let claimed = match super::repo::claim_idempotency_key(
        &state.pool,
        &caller.principal,
        key,
        &request_hash,
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return ProblemResponse::from(db(e)).into_response(),
    };
    match claimed {
        super::repo::IdempotencyClaim::Claimed => {}
        super::repo::IdempotencyClaim::OtherRequest => {
            return ProblemResponse::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was used for a different request.",
            )
            .into_response()
        }
        super::repo::IdempotencyClaim::InFlight => {
            return ProblemResponse::new(
                StatusCode::CONFLICT,
                "A request with this Idempotency-Key is still being answered. Retry shortly.",
            )
            .into_response()
        }
        super::repo::IdempotencyClaim::Done { status, body } => {
            let status = StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK);
            let mut res = (status, body).into_response();
            let kind = if status.is_success() {
                "application/json"
            } else {
                "application/problem+json"
            };
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
            h.insert("idempotency-replayed", HeaderValue::from_static("true"));
            return res;
        }
    }
    let res = act().await;
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let stored = if parts.status.is_server_error() {
        super::repo::forget_idempotency_key(&state.pool, &caller.principal, key).await
    } else {
        super::repo::finish_idempotency_key(
            &state.pool,
            &caller.principal,
            key,
            parts.status.as_u16() as i16,
            &String::from_utf8_lossy(&bytes),
        )
        .await
    };
    if let Err(e) = stored {
        tracing::error!(error = %e, "recording an idempotent answer failed");
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

fn created(resource: InvitationResource) -> Response {
    let location = format!("/api/invitations/{}", resource.id);
    let mut res = (StatusCode::CREATED, Json(resource)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

fn respond<T: IntoResponse>(r: ApiResult<T>) -> Response {
    match r {
        Ok(v) => v.into_response(),
        Err(p) => p.into_response(),
    }
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
/// first, 25 per page with a keyset cursor.
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

// ---------------------------------------------------------------------------------------
// The OpenAPI document.

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (gh_at_…) an admin made on the API tokens page",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "gatehouse",
                "The browser session of a signed-in admin (`__Host-gatehouse` over https)",
            ))),
        );
    }
}

/// The OpenAPI 3.1 description of the invitations API.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Gatehouse invitations API", version = "1",
         description = "Invite people to your organisation, follow, resend and revoke invitations. Authenticate with an API token (Authorization: Bearer) or a browser session. Errors are RFC 9457 problem details."),
    paths(create, list, validate, show, resend, revoke, bulk::upload, bulk::progress, bulk::result),
    components(schemas(Problem, InvitationResource, AuditEntry, InvitationList, CreateInvitation,
                       RevokeInvitation, Validity, bulk::BulkRow, bulk::BulkAccepted, BulkPreview,
                       BulkRowReport, BulkVerdict, BulkJobStatus)),
    modifiers(&Security),
    tags((name = "invitations", description = "Member invitations"))
)]
pub struct InvitationsApiDoc;

/// `GET /api/openapi.json`.
pub async fn openapi_json() -> Response {
    use utoipa::OpenApi;
    match InvitationsApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => {
            ProblemResponse::from(AppError::internal("OpenAPI document failed")(e)).into_response()
        }
    }
}

/// The reference page's content, read from [`InvitationsApiDoc`] (so the page and
/// `/api/openapi.json` never disagree).
pub fn reference() -> super::dto::ApiReference {
    use super::dto::{ApiReference, FieldDoc, OperationDoc, ParameterDoc, ResponseDoc, SchemaDoc};
    use serde_json::Value;
    use utoipa::OpenApi;
    let doc = serde_json::to_value(InvitationsApiDoc::openapi()).unwrap_or(Value::Null);
    // Doc comments are Markdown; the page shows plain sentences.
    let text = |v: &Value| {
        v.as_str()
            .unwrap_or("")
            .trim()
            .replace('\n', " ")
            .replace('`', "")
    };
    let schema_name = |s: &Value| -> String {
        if let Some(r) = s.get("$ref").and_then(Value::as_str) {
            return r.rsplit('/').next().unwrap_or(r).to_owned();
        }
        match (s.get("type"), s.get("items")) {
            (Some(t), Some(items)) if t == "array" => format!(
                "array of {}",
                items
                    .get("$ref")
                    .and_then(Value::as_str)
                    .map_or("values", |r| r.rsplit('/').next().unwrap_or(r))
            ),
            (Some(Value::String(t)), _) => t.clone(),
            (Some(Value::Array(ts)), _) => ts
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect::<Vec<_>>()
                .join(" or "),
            _ => "object".to_owned(),
        }
    };
    let bodies = |content: Option<&Value>| -> Option<String> {
        let c = content?.as_object()?;
        Some(
            c.iter()
                .map(|(mime, v)| {
                    format!(
                        "{mime}: {}",
                        v.get("schema").map_or(String::new(), schema_name)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        )
    };
    let mut operations = Vec::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in ["get", "post"] {
                let Some(op) = item.get(method) else { continue };
                let public = op.get("security").is_none();
                operations.push(OperationDoc {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    summary: text(&op["summary"]),
                    auth: if public {
                        "None (public)".into()
                    } else {
                        "API token (Authorization: Bearer) or browser session".into()
                    },
                    parameters: op
                        .get("parameters")
                        .and_then(Value::as_array)
                        .map(|ps| {
                            ps.iter()
                                .map(|p| ParameterDoc {
                                    name: text(&p["name"]),
                                    location: text(&p["in"]),
                                    required: p["required"].as_bool().unwrap_or(false),
                                    description: text(&p["description"]),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    request: op.get("requestBody").and_then(|b| bodies(b.get("content"))),
                    responses: op
                        .get("responses")
                        .and_then(Value::as_object)
                        .map(|rs| {
                            rs.iter()
                                .map(|(status, r)| ResponseDoc {
                                    status: status.clone(),
                                    description: Some(text(&r["description"]))
                                        .filter(|d| !d.is_empty())
                                        .or_else(|| {
                                            status
                                                .parse::<u16>()
                                                .ok()
                                                .and_then(|c| StatusCode::from_u16(c).ok())
                                                .and_then(|c| c.canonical_reason())
                                                .map(str::to_owned)
                                        })
                                        .unwrap_or_default(),
                                    body: bodies(r.get("content")),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                });
            }
        }
    }
    let mut schemas = Vec::new();
    if let Some(all) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, s) in all {
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let fields = s
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(f, v)| FieldDoc {
                            name: f.clone(),
                            kind: schema_name(v),
                            required: required.contains(&f.as_str()),
                            description: text(&v["description"]),
                        })
                        .collect()
                })
                .unwrap_or_default();
            schemas.push(SchemaDoc {
                name: name.clone(),
                description: text(&s["description"]),
                fields,
            });
        }
    }
    ApiReference {
        title: text(&doc["info"]["title"]),
        description: text(&doc["info"]["description"]),
        operations,
        schemas,
    }
}
