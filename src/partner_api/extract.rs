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

use super::service::{self, AuthError, Caller};
use crate::{domain::Scope, security::RequestContext, state::AppState};
use axum::{
    extract::{FromRequestParts, MatchedPath},
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use std::marker::PhantomData;
use utoipa::ToSchema;

/// A JSON error of the partner API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// Stable code: `invalid_token`, `insufficient_scope`, `invalid_request`, `not_found`,
    /// `conflict`, `unsupported_media_type`, `rate_limited`, `unavailable`, `server_error`.
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
    pub(super) fn new(status: StatusCode, error: &'static str, message: impl Into<String>) -> Self {
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

    pub(super) fn internal(e: impl std::fmt::Debug) -> Self {
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
            E::Busy => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        };
        let mut f = Self::new(status, code, message);
        f.retry_after = e.retry_after_secs();
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

/// A partner authenticated by a bearer token that carries scope `S`: the one place the
/// partner API checks scopes ([`service::authenticate`]).
pub struct Authorized<S> {
    pub caller: Caller,
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
        let route = parts
            .extensions
            .get::<MatchedPath>()
            .map_or("", MatchedPath::as_str);
        match service::authenticate(state, &ctx, token, S::SCOPE, parts.method.as_str(), route)
            .await
        {
            Ok(caller) => Ok(Self {
                caller,
                ctx,
                _scope: PhantomData,
            }),
            Err(AuthError::InvalidToken) => Err(ApiFailure::invalid_token()),
            Err(AuthError::InsufficientScope) => {
                let mut f = ApiFailure::new(
                    StatusCode::FORBIDDEN,
                    "insufficient_scope",
                    format!("This call needs the scope {}.", S::SCOPE.as_str()),
                );
                f.www_authenticate = Some(format!(
                    "Bearer realm=\"gatehouse\", error=\"insufficient_scope\", scope=\"{}\"",
                    S::SCOPE.as_str()
                ));
                Err(f)
            }
            Err(AuthError::Internal) => Err(ApiFailure::internal("bearer authentication")),
        }
    }
}
