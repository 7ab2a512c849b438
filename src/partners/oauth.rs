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

use super::{repo::PartnerActor, service::secret_hash};
use crate::{
    crypto::random_32,
    domain::{parse_scope_list, scope_list, PartnerStatus, Scope},
    rate_limit,
    security::RequestContext,
    startup::AppState,
};
use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use base64::{
    engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD},
    Engine,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::time::Duration;
use uuid::Uuid;

/// Access token lifetime, seconds.
pub const TOKEN_LIFETIME_SECS: i64 = 3600;
/// Token requests per client id per minute.
pub const TOKEN_REQUESTS_PER_MINUTE: i64 = 10;
/// Failed client authentications one IP may make per 15 minutes.
pub const FAILED_AUTHENTICATIONS_PER_IP: i64 = 20;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// A successful token response (RFC 6749 section 5.1).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The granted scopes, space-separated.
    pub scope: String,
}

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
    match issue(&state, &ctx, &client_id, &client_secret, field("scope").0).await {
        Ok(r) => no_store(Json(r).into_response()),
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

enum TokenError {
    InvalidClient,
    InvalidScope(String),
    RateLimited(u64),
    Internal,
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!(error = ?e, "token endpoint database error");
        Self::Internal
    }
}

async fn issue(
    state: &AppState,
    ctx: &RequestContext,
    client_id: &str,
    client_secret: &str,
    scope: Option<&str>,
) -> Result<TokenResponse, TokenError> {
    let failures = format!("oauth-token-failures:{}", ctx.ip_key());
    if let Some(secs) = rate_limit::retry_after(
        &state.pool,
        &failures,
        FAILED_AUTHENTICATIONS_PER_IP,
        FAILURE_WINDOW,
    )
    .await?
    {
        return Err(TokenError::RateLimited(secs));
    }
    let mut tx = state.pool.begin().await?;
    /// (partner id, organisation id, status, secret hash, approved scopes)
    type ClientRow = (Uuid, Uuid, String, Option<Vec<u8>>, Vec<String>);
    let row: Option<ClientRow> = sqlx::query_as(
        "SELECT id, organisation_id, status, client_secret_hash, scopes FROM partners
          WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(&mut *tx)
    .await?;
    // Compare digests of equal length: the time taken says nothing about the secret.
    let presented = secret_hash(client_secret);
    let authenticated = row.and_then(|(partner_id, org_id, status, stored, granted)| {
        let status = PartnerStatus::parse(&status).unwrap_or(PartnerStatus::Draft);
        let matches = stored.is_some_and(|s| Sha256::digest(s) == Sha256::digest(presented));
        (matches && status.can_authenticate()).then_some((partner_id, org_id, granted))
    });
    let Some((partner_id, org_id, granted)) = authenticated else {
        tx.rollback().await?;
        rate_limit::record(&state.pool, &failures).await?;
        tracing::info!("token request with bad client credentials");
        return Err(TokenError::InvalidClient);
    };
    if let Some(secs) = rate_limit::acquire(
        &mut tx,
        &format!("oauth-token:{partner_id}"),
        TOKEN_REQUESTS_PER_MINUTE,
        Duration::from_secs(60),
    )
    .await?
    {
        tx.commit().await?;
        return Err(TokenError::RateLimited(secs));
    }
    let granted: Vec<Scope> = granted.iter().filter_map(|s| Scope::parse(s)).collect();
    let scopes = match resolve_scopes(scope, &granted) {
        Ok(s) => s,
        Err(e) => {
            tx.commit().await?;
            return Err(e);
        }
    };
    let token = URL_SAFE_NO_PAD.encode(random_32());
    let hash = secret_hash(&token);
    let names: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    sqlx::query(
        "INSERT INTO partner_access_tokens (token_hash, partner_id, scopes, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4))",
    )
    .bind(&hash[..])
    .bind(partner_id)
    .bind(&names)
    .bind(TOKEN_LIFETIME_SECS as f64)
    .execute(&mut *tx)
    .await?;
    // Expired tokens of this partner are of no use to anyone.
    sqlx::query("DELETE FROM partner_access_tokens WHERE partner_id = $1 AND expires_at < now()")
        .bind(partner_id)
        .execute(&mut *tx)
        .await?;
    super::repo::audit(
        &mut *tx,
        partner_id,
        org_id,
        "token_issued",
        PartnerActor::Partner,
        ctx,
        serde_json::json!({ "scopes": names.join(" ") }),
    )
    .await?;
    tx.commit().await?;
    Ok(TokenResponse {
        access_token: token,
        token_type: "Bearer",
        expires_in: TOKEN_LIFETIME_SECS,
        scope: scope_list(&scopes),
    })
}

/// The scopes of a new token: all approved ones, or the requested subset of them.
fn resolve_scopes(requested: Option<&str>, granted: &[Scope]) -> Result<Vec<Scope>, TokenError> {
    match requested.map(str::trim) {
        None | Some("") => Ok(granted.to_vec()),
        Some(requested) => {
            let requested = parse_scope_list(requested).map_err(TokenError::InvalidScope)?;
            match requested.iter().find(|s| !granted.contains(s)) {
                Some(extra) => Err(TokenError::InvalidScope(extra.as_str().to_owned())),
                None => Ok(requested),
            }
        }
    }
}
