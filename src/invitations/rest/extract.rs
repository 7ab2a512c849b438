//! What every handler of the invitations REST API shares: RFC 9457 problems, the caller
//! (an API token or a session), JSON and CSV bodies, and `Idempotency-Key` replay.

use crate::{
    auth::session::CurrentUser,
    error::AppError,
    invitations::service::{self, Actor},
    security::RequestContext,
    state::AppState,
};
use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

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
    pub(super) fn new(status: StatusCode, detail: impl Into<String>) -> Self {
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

/// What a handler answers: its value, or a problem.
pub(super) type ApiResult<T> = Result<T, ProblemResponse>;

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
// Bodies.

/// Whether the request says its body is JSON: `application/json`, parameters such as
/// `charset` allowed (RFC 8259 §11). Anything else is 415 (RFC 9110 §15.5.16).
pub(super) fn require_json(headers: &HeaderMap) -> ApiResult<()> {
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
pub(super) fn require_csv_or_json(headers: &HeaderMap) -> ApiResult<bool> {
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
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| {
        ProblemResponse::new(
            StatusCode::BAD_REQUEST,
            format!("The body is not the JSON this endpoint takes: {e}."),
        )
    })
}

// ---------------------------------------------------------------------------------------
// Idempotency.

/// Runs `act` once per `Idempotency-Key` of this caller: a retry of the same request within
/// 24 hours gets the first answer again (with `Idempotency-Replayed: true`); the same key
/// with another request gets 422; a retry while the first is still running gets 409.
/// Without the header, `act` simply runs. 5xx answers are not kept, so they can be retried.
pub(super) async fn idempotent<F, Fut, T>(
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
    let claimed = match crate::invitations::repo::claim_idempotency_key(
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
        crate::invitations::repo::IdempotencyClaim::Claimed => {}
        crate::invitations::repo::IdempotencyClaim::OtherRequest => {
            return ProblemResponse::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was used for a different request.",
            )
            .into_response()
        }
        crate::invitations::repo::IdempotencyClaim::InFlight => {
            return ProblemResponse::new(
                StatusCode::CONFLICT,
                "A request with this Idempotency-Key is still being answered. Retry shortly.",
            )
            .into_response()
        }
        crate::invitations::repo::IdempotencyClaim::Done { status, body } => {
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
        crate::invitations::repo::forget_idempotency_key(&state.pool, &caller.principal, key).await
    } else {
        crate::invitations::repo::finish_idempotency_key(
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

pub(super) fn respond<T: IntoResponse>(r: ApiResult<T>) -> Response {
    match r {
        Ok(v) => v.into_response(),
        Err(p) => p.into_response(),
    }
}
