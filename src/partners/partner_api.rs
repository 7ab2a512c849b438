//! The partner REST API under `/api/partner/v1`, for partners' machines.
//!
//! Every route declares its scope through the [`Authorized`] extractor, the one place scopes
//! are enforced: a bearer token (RFC 6750 section 2.1) that is unknown, expired or belongs to a
//! partner that may no longer authenticate gets `401 invalid_token`; a valid token without the
//! route's scope gets `403` with `WWW-Authenticate: Bearer error="insufficient_scope"` (RFC 6750
//! section 3.1) and a `scope_violation` audit event (counted in `/metrics` and shown on the
//! partner page). Each successful authenticated call updates the partner's "last successful
//! sync". Errors are JSON `{"error": <stable code>, "message": <sentence>}`. The OpenAPI
//! document at `/api/partner/v1/openapi.json` is generated from this code by `utoipa`.

use super::repo::{self, PartnerActor};
use crate::{
    domain::{EmailAddress, OptionalText, OrgKind, PartnerStatus, PersonName, Role, Scope},
    invitations::service::{self as invitations, Actor, NewInvitation},
    security::RequestContext,
    startup::AppState,
};
use axum::{
    extract::{FromRequestParts, Path, State},
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, marker::PhantomData};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

/// A JSON error of the partner API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable code: `invalid_token`, `insufficient_scope`, `invalid_request`, `not_found`,
    /// `conflict`, `rate_limited`, `server_error`.
    pub error: &'static str,
    /// A sentence for the developer.
    pub message: String,
}

/// An error response with its status and headers.
pub struct ApiFailure {
    status: StatusCode,
    body: ApiError,
    www_authenticate: Option<String>,
    retry_after: Option<u64>,
}

impl ApiFailure {
    fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: ApiError {
                error,
                message: message.into(),
            },
            www_authenticate: None,
            retry_after: None,
        }
    }

    fn internal(e: impl std::fmt::Debug) -> Self {
        tracing::error!(error = ?e, "partner API failure");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Something went wrong on our side.",
        )
    }

    fn invalid_token() -> Self {
        let mut f = Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "The access token is missing, unknown, expired or revoked.",
        );
        f.www_authenticate = Some("Bearer realm=\"gatehouse\", error=\"invalid_token\"".into());
        f
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(self.body)).into_response();
        if let Some(v) = self
            .www_authenticate
            .and_then(|v| HeaderValue::from_str(&v).ok())
        {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

impl From<crate::error::AppError> for ApiFailure {
    fn from(e: crate::error::AppError) -> Self {
        use crate::error::AppError as E;
        let message = match &e {
            E::Validation(fields) => fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join(" "),
            other => other.to_string(),
        };
        let (status, code) = match &e {
            E::Validation(_) | E::BadRequest => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid_request")
            }
            E::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            E::Conflict(_) | E::Gone(_) => (StatusCode::CONFLICT, "conflict"),
            E::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        };
        let mut f = Self::new(status, code, message);
        if let E::RateLimited {
            retry_after_secs, ..
        } = e
        {
            f.retry_after = Some(retry_after_secs);
        }
        f
    }
}

/// A scope a route requires; implemented by the marker types below.
pub trait RequiredScope {
    const SCOPE: Scope;
}

/// Marker: `partner:ping`.
pub struct Ping;
impl RequiredScope for Ping {
    const SCOPE: Scope = Scope::PartnerPing;
}
/// Marker: `invitations:read`.
pub struct InvitationsRead;
impl RequiredScope for InvitationsRead {
    const SCOPE: Scope = Scope::InvitationsRead;
}
/// Marker: `invitations:write`.
pub struct InvitationsWrite;
impl RequiredScope for InvitationsWrite {
    const SCOPE: Scope = Scope::InvitationsWrite;
}
/// Marker: `members:read:anonymous`.
pub struct MembersReadAnonymous;
impl RequiredScope for MembersReadAnonymous {
    const SCOPE: Scope = Scope::MembersReadAnonymous;
}

/// A partner authenticated by a bearer token that carries scope `S`.
pub struct Authorized<S> {
    pub partner_id: Uuid,
    pub organisation_id: Uuid,
    pub partner_name: String,
    pub status: PartnerStatus,
    pub scopes: Vec<Scope>,
    pub ctx: RequestContext,
    _scope: PhantomData<S>,
}

impl<S: RequiredScope + Send + Sync> FromRequestParts<AppState> for Authorized<S> {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiFailure> {
        let ctx = RequestContext::from_parts(parts);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiFailure::invalid_token)?;
        let hash = super::service::secret_hash(token);
        let row: Option<(Uuid, Uuid, String, String, Vec<String>)> = sqlx::query_as(
            "SELECT p.id, p.organisation_id, p.name, p.status, t.scopes
               FROM partner_access_tokens t JOIN partners p ON p.id = t.partner_id
              WHERE t.token_hash = $1 AND t.expires_at > now()",
        )
        .bind(&hash[..])
        .fetch_optional(&state.pool)
        .await
        .map_err(ApiFailure::internal)?;
        let (partner_id, organisation_id, partner_name, status, scopes) =
            row.ok_or_else(ApiFailure::invalid_token)?;
        let status = PartnerStatus::parse(&status).unwrap_or(PartnerStatus::Draft);
        if !status.can_authenticate() {
            return Err(ApiFailure::invalid_token());
        }
        let scopes: Vec<Scope> = scopes.iter().filter_map(|s| Scope::parse(s)).collect();
        if !scopes.contains(&S::SCOPE) {
            repo::audit(
                &state.pool,
                partner_id,
                organisation_id,
                "scope_violation",
                PartnerActor::Partner,
                &ctx,
                serde_json::json!({ "required": S::SCOPE.as_str(),
                                    "method": parts.method.as_str(), "path": parts.uri.path() }),
            )
            .await
            .map_err(ApiFailure::internal)?;
            tracing::warn!(%partner_id, required = S::SCOPE.as_str(), "partner scope violation");
            let mut f = ApiFailure::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!("This call needs the scope {}.", S::SCOPE.as_str()),
            );
            f.www_authenticate = Some(format!(
                "Bearer realm=\"gatehouse\", error=\"insufficient_scope\", scope=\"{}\"",
                S::SCOPE.as_str()
            ));
            return Err(f);
        }
        sqlx::query("UPDATE partners SET last_successful_sync_at = now() WHERE id = $1")
            .bind(partner_id)
            .execute(&state.pool)
            .await
            .map_err(ApiFailure::internal)?;
        Ok(Self {
            partner_id,
            organisation_id,
            partner_name,
            status,
            scopes,
            ctx,
            _scope: PhantomData,
        })
    }
}

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
    let mut status = auth.status;
    if status == PartnerStatus::Approved {
        let mut tx = state.pool.begin().await.map_err(ApiFailure::internal)?;
        let activated = sqlx::query(
            "UPDATE partners SET status = 'active', activated_at = now()
              WHERE id = $1 AND status = 'approved'",
        )
        .bind(auth.partner_id)
        .execute(&mut *tx)
        .await
        .map_err(ApiFailure::internal)?;
        if activated.rows_affected() == 1 {
            repo::audit(
                &mut *tx,
                auth.partner_id,
                auth.organisation_id,
                "activated",
                PartnerActor::Partner,
                &auth.ctx,
                serde_json::json!({ "health": "healthy", "by": "ping" }),
            )
            .await
            .map_err(ApiFailure::internal)?;
        }
        tx.commit().await.map_err(ApiFailure::internal)?;
        status = PartnerStatus::Active;
    }
    let now: time::OffsetDateTime = time::OffsetDateTime::now_utc();
    Ok(Json(PingResponse {
        partner: PartnerRef {
            id: auth.partner_id,
            name: auth.partner_name,
            status: status.as_str().to_owned(),
        },
        scopes: auth.scopes.iter().map(|s| s.as_str().to_owned()).collect(),
        server_time: now
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
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

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
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
        (status = 409, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn create_invitation(
    State(state): State<AppState>,
    auth: Authorized<InvitationsWrite>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<InvitationView>), ApiFailure> {
    let req: CreateInvitationRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiFailure::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("The body must be a JSON invitation: {e}"),
        )
    })?;
    let kind: String = sqlx::query_scalar("SELECT kind FROM organisations WHERE id = $1")
        .bind(auth.organisation_id)
        .fetch_one(&state.pool)
        .await
        .map_err(ApiFailure::internal)?;
    let kind = OrgKind::parse(&kind).ok_or_else(|| ApiFailure::internal("organisation kind"))?;
    let mut errs = crate::error::FieldErrors::default();
    let email = errs.check("email", EmailAddress::parse(&req.email));
    let first = errs.check("first_name", PersonName::parse(&req.first_name));
    let last = errs.check("last_name", PersonName::parse(&req.last_name));
    let role = errs.check(
        "role",
        Role::parse_for(&req.role, kind).and_then(|r| {
            if r.can_manage_invitations(kind) || r.can_use_integrations(kind) {
                Err("Partners can invite only roles that manage nothing, such as member.".into())
            } else {
                Ok(r)
            }
        }),
    );
    let designation = errs.check(
        "designation",
        OptionalText::parse(req.designation.as_deref().unwrap_or(""), 100),
    );
    let department = errs.check(
        "department",
        OptionalText::parse(req.department.as_deref().unwrap_or(""), 100),
    );
    errs.finish()?;
    let (Some(email), Some(first_name), Some(last_name), Some(role), Some(d), Some(dep)) =
        (email, first, last, role, designation, department)
    else {
        return Err(ApiFailure::internal("parsed fields"));
    };
    let actor = Actor::Partner {
        id: auth.partner_id,
        name: auth.partner_name.clone(),
    };
    let created = invitations::create(
        &state,
        &actor,
        NewInvitation {
            organisation_id: auth.organisation_id,
            email,
            first_name,
            last_name,
            role,
            designation: d.into_inner(),
            department: dep.into_inner(),
        },
        &auth.ctx,
    )
    .await
    .map_err(|e| ApiFailure::from(crate::error::AppError::from(e)))?;
    let view = invitation_view(&state, auth.partner_id, created.id)
        .await?
        .ok_or_else(|| ApiFailure::internal("created invitation vanished"))?;
    Ok((StatusCode::CREATED, Json(view)))
}

async fn invitation_view(
    state: &AppState,
    partner_id: Uuid,
    id: Uuid,
) -> Result<Option<InvitationView>, ApiFailure> {
    type Row = (
        Uuid,
        String,
        String,
        String,
        time::OffsetDateTime,
        time::OffsetDateTime,
        Option<time::OffsetDateTime>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT id, email::text, role,
                CASE WHEN status = 'pending' AND expires_at <= now() THEN 'expired' ELSE status END,
                created_at, expires_at, accepted_at
           FROM invitations WHERE id = $1 AND partner_id = $2",
    )
    .bind(id)
    .bind(partner_id)
    .fetch_optional(&state.pool)
    .await
    .map_err(ApiFailure::internal)?;
    Ok(row.map(
        |(id, email, role, status, created, expires, accepted)| InvitationView {
            id,
            email,
            role,
            status,
            created_at: rfc3339(created),
            expires_at: rfc3339(expires),
            accepted_at: accepted.map(rfc3339),
        },
    ))
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
    invitation_view(&state, auth.partner_id, id)
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
    let roles: Vec<(String, i64)> = sqlx::query_as(
        "SELECT role, count(*) FROM memberships WHERE organisation_id = $1 GROUP BY role",
    )
    .bind(auth.organisation_id)
    .fetch_all(&state.pool)
    .await
    .map_err(ApiFailure::internal)?;
    let statuses: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CASE WHEN status = 'pending' AND expires_at <= now() THEN 'expired' ELSE status END,
                count(*)
           FROM invitations WHERE organisation_id = $1 GROUP BY 1",
    )
    .bind(auth.organisation_id)
    .fetch_all(&state.pool)
    .await
    .map_err(ApiFailure::internal)?;
    Ok(Json(MemberStats {
        members_by_role: roles.into_iter().collect(),
        invitations_by_status: statuses.into_iter().collect(),
    }))
}

struct BearerSecurity;

impl utoipa::Modify for BearerSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "Opaque access token from POST /oauth/token (client credentials grant)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 description of the partner API and the token endpoint.
#[derive(OpenApi)]
#[openapi(
    info(title = "Gatehouse partner API", version = "1",
         description = "Least-privilege access for approved partners. Get a token with the client credentials grant, then call these endpoints with it."),
    paths(super::oauth::token, ping, create_invitation, get_invitation, members_stats),
    components(schemas(super::oauth::TokenResponse, super::oauth::OAuthError, ApiError,
                       PingResponse, PartnerRef, CreateInvitationRequest, InvitationView, MemberStats)),
    modifiers(&BearerSecurity),
    tags((name = "oauth", description = "Client credentials"),
         (name = "partner", description = "Partner endpoints, each needing one scope"))
)]
pub struct PartnerApiDoc;

/// `GET /api/partner/v1/openapi.json`.
pub async fn openapi_json() -> Response {
    match PartnerApiDoc::openapi().to_pretty_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => ApiFailure::internal(e).into_response(),
    }
}

/// The partner API and the token endpoint, with no session layer.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/oauth/token", post(super::oauth::token))
        .route("/api/partner/v1/ping", post(ping))
        .route("/api/partner/v1/invitations", post(create_invitation))
        .route("/api/partner/v1/invitations/{id}", get(get_invitation))
        .route("/api/partner/v1/members/stats", get(members_stats))
        .route("/api/partner/v1/openapi.json", get(openapi_json))
}
