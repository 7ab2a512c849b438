//! `POST /oauth/token`: the OAuth 2.0 client credentials grant (RFC 6749 section 4.4).
//!
//! - Client authentication by HTTP Basic or by `client_id` / `client_secret` in the form body
//!   (section 2.3.1); credentials in the query string are refused (section 2.3.1 forbids them
//!   in the request URI).
//! - Only `grant_type=client_credentials`; anything else is `unsupported_grant_type`.
//! - `scope` (section 3.3) may narrow the approved scopes, never widen them (`invalid_scope`).
//! - Errors are JSON as in section 5.2; `invalid_client` answers 401, with
//!   `WWW-Authenticate: Basic` when the client used Basic.
//! - Tokens are opaque (32 random bytes, base64url), stored as SHA-256, valid one hour.
//! - At most [`TOKEN_REQUESTS_PER_MINUTE`] tokens per client per minute (counted only once
//!   the client has authenticated, so nobody else can spend a client's budget), and at most
//!   [`FAILED_AUTHENTICATIONS_PER_IP`] failed client authentications per IP per 15 minutes.

use super::service::{self, TokenError};
use crate::{domain::scope_list, security::RequestContext, state::AppState};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use serde::Serialize;

pub use service::{FAILED_AUTHENTICATIONS_PER_IP, TOKEN_LIFETIME_SECS, TOKEN_REQUESTS_PER_MINUTE};

/// A successful token response (RFC 6749 section 5.1).
#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

crate::debug_without_secrets!(TokenResponse {
    token_type,
    expires_in,
    scope
});

/// An error response (RFC 6749 section 5.2).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`.
    pub error: &'static str,
    pub error_description: String,
}

fn no_store(mut res: Response) -> Response {
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    res
}

fn error(status: StatusCode, error: &'static str, description: impl Into<String>) -> Response {
    no_store(
        (
            status,
            Json(OAuthError {
                error,
                error_description: description.into(),
            }),
        )
            .into_response(),
    )
}

fn invalid_client(basic: bool) -> Response {
    let mut res = error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "Client authentication failed.",
    );
    if basic {
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"gatehouse\""),
        );
    }
    res
}

/// Decodes `Authorization: Basic` into (client id, secret), form-urldecoding each part as
/// RFC 6749 section 2.3.1 requires.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unescape(id)?, unescape(secret)?))
}

/// The token endpoint.
#[utoipa::path(
    post,
    path = "/oauth/token",
    tag = "oauth",
    request_body(content_type = "application/x-www-form-urlencoded",
        description = "`grant_type=client_credentials`, optional `scope`; client credentials by HTTP Basic or `client_id` and `client_secret`"),
    responses(
        (status = 200, description = "Access token issued", body = TokenResponse),
        (status = 400, description = "invalid_request, unsupported_grant_type or invalid_scope", body = OAuthError),
        (status = 401, description = "invalid_client", body = OAuthError),
        (status = 429, description = "Too many token requests for this client", body = OAuthError),
    )
)]
pub async fn token(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let ctx = RequestContext::from_parts(&parts);
    let headers = parts.headers;
    let Ok(body) = axum::body::to_bytes(body, 16 * 1024).await else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The request body is too large.",
        );
    };
    if let Some(q) = parts.uri.query() {
        if form_urlencoded::parse(q.as_bytes())
            .any(|(k, _)| k == "client_secret" || k == "client_id")
        {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Client credentials must not be sent in the query string.",
            );
        }
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        let mut values = form
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        (first, values.next().is_some())
    };
    for name in ["grant_type", "scope", "client_id", "client_secret"] {
        if field(name).1 {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                format!("The parameter {name} appears more than once."),
            );
        }
    }
    let basic = basic_credentials(&headers);
    let used_basic = basic.is_some();
    let (client_id, client_secret) = match (basic, field("client_id").0, field("client_secret").0) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Use one client authentication method, not two.",
            )
        }
        (Some(pair), None, None) => pair,
        (None, Some(id), Some(secret)) => (id.to_owned(), secret.to_owned()),
        _ => return invalid_client(false),
    };
    match field("grant_type").0 {
        Some("client_credentials") => {}
        None => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required.",
            )
        }
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Only the client_credentials grant is supported.",
            )
        }
    }
    match service::issue_token(&state, &ctx, &client_id, &client_secret, field("scope").0).await {
        Ok(t) => no_store(
            Json(TokenResponse {
                access_token: t.access_token,
                token_type: "Bearer",
                expires_in: TOKEN_LIFETIME_SECS,
                scope: scope_list(&t.scopes),
            })
            .into_response(),
        ),
        Err(TokenError::InvalidClient) => invalid_client(used_basic),
        Err(TokenError::InvalidScope(s)) => error(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            format!("The scope {s:?} is unknown or was not approved for this client."),
        ),
        Err(TokenError::RateLimited(secs)) => {
            let mut res = error(
                StatusCode::TOO_MANY_REQUESTS,
                "invalid_request",
                format!("Too many token requests. Try again in {secs} seconds."),
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            res
        }
        Err(TokenError::Internal) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "Something went wrong on our side.",
        ),
    }
}
