//! Logs and request tracing: the subscriber (`GATEHOUSE_LOG_FORMAT=json` for JSON lines,
//! anything else for readable text) and the per-request span.
//!
//! One span per request, named `request`, carries the request id, the method, the matched
//! route template (`/register`, `/integrations/credential-invite/{token}`) and, once
//! answered, the status and latency. The raw URI is never recorded: paths and query strings
//! can carry invitation tokens and invite codes (OWASP ASVS 5.0 V16.2.5: no sensitive data in
//! logs).

use axum::{extract::MatchedPath, http::Request, response::Response};
use std::time::Duration;
use tower_http::request_id::{MakeRequestId, RequestId};
use tracing::{field::Empty, Span};
use tracing_subscriber::EnvFilter;

/// The log filter when `RUST_LOG` is unset: `info`, without the line per answered request
/// ([`ACCESS_TARGET`]) and without the line per audit event ([`crate::audit::LOG_TARGET`],
/// whose record is the `audit_events` table), each of which cost a formatted line and a write
/// on every request (docs/PERFORMANCE.md, G1 and G1b). Warnings of both still show.
pub const DEFAULT_FILTER: &str =
    "info,sqlx=warn,tower_sessions=warn,gatehouse::access=warn,audit=warn";

/// The target of the one line per answered request ([`on_response`]). Answers are logged at
/// `info`, refusals (401, 403) and failures (5xx) at `warn`; the default filter keeps only the
/// warnings: a line per request costs as much as a small route (measured in
/// docs/PERFORMANCE.md, G1b), and the proxy in front of Gatehouse keeps an access log anyway.
/// `RUST_LOG=info` (or `…,gatehouse::access=info`) turns every line on.
pub const ACCESS_TARGET: &str = "gatehouse::access";

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line, with the current span's fields (`GATEHOUSE_LOG_FORMAT=json`).
    Json,
}

impl LogFormat {
    /// From `GATEHOUSE_LOG_FORMAT`: `json` (any case) is [`LogFormat::Json`], anything else
    /// [`LogFormat::Text`].
    pub fn from_env() -> Self {
        match std::env::var("GATEHOUSE_LOG_FORMAT") {
            Ok(v) if v.trim().eq_ignore_ascii_case("json") => Self::Json,
            _ => Self::Text,
        }
    }
}

/// Installs the global subscriber, filtered by `RUST_LOG` (default [`DEFAULT_FILTER`]).
/// Does nothing if one is already installed (tests install their own).
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Colours only for a person at a terminal: a file, a pipe or a journal gets plain text
    // (and no span is formatted twice over with escape codes on every request).
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Request ids: 32 lowercase hex characters (a v4 UUID without dashes), the form audit
/// events record and `X-Request-Id` echoes.
#[derive(Clone, Copy, Debug, Default)]
pub struct MakeRequestHexId;

impl MakeRequestId for MakeRequestHexId {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        let mut hex = [0u8; uuid::fmt::Simple::LENGTH];
        let id = uuid::Uuid::new_v4().simple().encode_lower(&mut hex);
        axum::http::HeaderValue::from_str(id)
            .ok()
            .map(RequestId::new)
    }
}

/// The request id as text, when it has the shape Gatehouse gives ids or a proxy's id of 1 to
/// 64 characters from `[A-Za-z0-9._-]`; anything else (it may come from the client) is
/// dropped rather than written into logs and audit records.
pub fn request_id_of(id: &RequestId) -> Option<String> {
    request_id_str(id).map(str::to_owned)
}

/// [`request_id_of`] without the copy.
fn request_id_str(id: &RequestId) -> Option<&str> {
    let s = id.header_value().to_str().ok()?;
    let sane = !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    sane.then_some(s)
}

/// The route template a request matched, or `unmatched` (static files, 404s).
pub fn route_of<B>(req: &Request<B>) -> &str {
    req.extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
}

/// The `request` span: request id and method; the route template is recorded once routing
/// matched one ([`record_route`]). Status and latency are fields of the request's access line
/// ([`on_response`]), the one event that comes after them: recording them on the span as well
/// would format both once more on every request for no line that shows them.
pub fn request_span<B>(req: &Request<B>) -> Span {
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .and_then(request_id_str)
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        route = Empty,
    )
}

/// Records the matched route template on the request span (made before routing, so it could
/// not know it); called by the route layer [`crate::security::CrossSiteLayer`].
/// Requests no route matched (static files, 404s) have no `route` field.
pub fn record_route<B>(req: &Request<B>) {
    if let Some(path) = req.extensions().get::<MatchedPath>() {
        Span::current().record("route", path.as_str());
    }
}

/// Logs the request's access line, inside its span, with the status and the latency in
/// milliseconds (`warn` for 5xx and for 401/403, `info` otherwise).
pub fn on_response<B>(res: &Response<B>, latency: Duration, _span: &Span) {
    let status = res.status().as_u16();
    let latency_ms = latency.as_millis() as u64;
    if res.status().is_server_error() {
        tracing::warn!(target: ACCESS_TARGET, status, latency_ms, "request failed");
    } else if status == 401 || status == 403 {
        // OWASP ASVS 5.0 V16.3.2: every refused authentication or authorization is logged at
        // warn, inside the request span (request id, route, client).
        tracing::warn!(
            target: ACCESS_TARGET,
            status,
            latency_ms,
            event = "access_refused",
            "request refused"
        );
    } else {
        tracing::info!(target: ACCESS_TARGET, status, latency_ms, "request answered");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_32_hex_and_foreign_ones_are_checked() {
        let req = Request::new(());
        let id = MakeRequestHexId.make_request_id(&req).unwrap();
        let text = request_id_of(&id).unwrap();
        assert_eq!(text.len(), 32);
        assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
        let foreign = |v: &'static str| RequestId::new(axum::http::HeaderValue::from_static(v));
        assert_eq!(
            request_id_of(&foreign("abc-123.x_y")).as_deref(),
            Some("abc-123.x_y")
        );
        assert_eq!(request_id_of(&foreign("a b")), None);
        assert_eq!(request_id_of(&foreign("")), None);
    }

    #[test]
    fn the_default_filter_leaves_out_the_per_request_lines_only() {
        use tracing::Level;
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(DEFAULT_FILTER))
            .with_writer(std::io::sink)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            assert!(!tracing::enabled!(target: "audit", Level::INFO));
            assert!(!tracing::enabled!(target: "gatehouse::access", Level::INFO));
            assert!(tracing::enabled!(target: "gatehouse::access", Level::WARN));
            assert!(tracing::enabled!(target: "audit", Level::WARN));
            assert!(tracing::enabled!(
                target: "gatehouse::registration::service",
                Level::INFO
            ));
        });
    }

    #[test]
    fn unrouted_requests_name_no_path() {
        let req = Request::builder()
            .uri("/register?token=secret")
            .body(())
            .unwrap();
        assert_eq!(route_of(&req), "unmatched");
    }
}
