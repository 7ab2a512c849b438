//! Request-level defences applied to every route: cross-site request rejection (CSRF), the
//! Content-Security-Policy with a per-response nonce, and the other response headers.

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{net::SocketAddr, sync::Arc};

/// The per-response CSP nonce, put into request extensions by [`security_headers`] and handed
/// to Leptos so that its inline hydration scripts carry it.
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

/// Rejects state-changing requests that a browser marks as coming from another site.
///
/// Rule (OWASP CSRF Prevention Cheat Sheet, "Fetch Metadata headers"; OWASP ASVS 5.0 V3.5.1):
/// for any method other than GET, HEAD and OPTIONS, `Sec-Fetch-Site` must be `same-origin` or
/// `none`; browsers that send no `Sec-Fetch-Site` are judged by `Origin`, which must equal the
/// origin of `PUBLIC_URL`. Requests with neither header come from non-browser clients, which
/// carry no ambient cookies of a victim, and pass. Rejections are `403 Forbidden`.
pub async fn reject_cross_site(
    State(public_origin): State<Arc<str>>,
    req: Request,
    next: Next,
) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || is_same_site_request(req.headers(), &public_origin)
    {
        next.run(req).await
    } else {
        tracing::warn!(route = %crate::telemetry::route_of(&req), "cross-site request refused");
        (
            StatusCode::FORBIDDEN,
            "Cross-site requests are not allowed.",
        )
            .into_response()
    }
}

/// The decision behind [`reject_cross_site`], for a state-changing request.
pub fn is_same_site_request(headers: &HeaderMap, public_origin: &str) -> bool {
    match headers.get("sec-fetch-site").map(HeaderValue::to_str) {
        Some(Ok("same-origin" | "none")) => true,
        Some(_) => false,
        None => match headers.get(header::ORIGIN) {
            Some(origin) => origin.to_str().is_ok_and(|o| o == public_origin),
            None => true,
        },
    }
}

/// What [`security_headers`] adds beyond the fixed headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderPolicy {
    /// Send `Strict-Transport-Security` (only when `PUBLIC_URL` is https: over plain http
    /// browsers ignore it, and it must never pin a development host).
    pub hsts: bool,
}

impl HeaderPolicy {
    /// The policy for `config`'s public URL.
    pub fn for_config(config: &crate::config::Config) -> Self {
        Self {
            hsts: config.public_url.scheme() == "https",
        }
    }
}

/// `Strict-Transport-Security` value: two years, subdomains included (OWASP ASVS 5.0
/// V3.4.1; the OWASP HTTP Headers Cheat Sheet's recommendation).
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Adds the security headers to every response and makes a fresh CSP nonce for it.
///
/// CSP (OWASP ASVS 5.0 V3.4.3): scripts only from this origin or with the nonce, WebAssembly
/// compilation allowed for hydration, styles only from this origin, nothing framed, no plugins,
/// forms post only here. A handler that sets its own `Content-Security-Policy` keeps it.
/// HSTS as [`HeaderPolicy`] says.
pub async fn security_headers(
    State(policy): State<Arc<HeaderPolicy>>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce: Arc<str> = leptos::nonce::Nonce::new().as_inner().clone();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if policy.hsts {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    res
}

/// Who made a request, for audit events: peer address, user agent and request id.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    /// The request id (`X-Request-Id`, set by the request-id layer: 32 hex characters, or a
    /// trusted proxy's id), as in the request span, so logs, audit events and a person
    /// reporting a problem can be matched.
    pub request_id: Option<String>,
    /// Peer IP address (the TCP peer; put a proxy's own address allow-list in front if needed).
    pub ip: Option<std::net::IpAddr>,
    /// `User-Agent`, truncated to 512 characters.
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// Reads the context from request parts.
    pub fn from_parts(parts: &axum::http::request::Parts) -> Self {
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip());
        let user_agent = parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(512).collect());
        let request_id = parts
            .extensions
            .get::<tower_http::request_id::RequestId>()
            .and_then(crate::telemetry::request_id_of);
        Self {
            request_id,
            ip,
            user_agent,
        }
    }

    /// The context of the request a server function or page render is handling.
    pub fn current() -> Self {
        leptos::prelude::use_context::<axum::http::request::Parts>()
            .map(|p| Self::from_parts(&p))
            .unwrap_or_default()
    }

    /// The IP as text for rate-limit buckets (`unknown` if there is none).
    pub fn ip_key(&self) -> String {
        self.ip
            .map_or_else(|| "unknown".into(), |ip| ip.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn fetch_metadata_decides_first() {
        let o = "http://127.0.0.1:3000";
        assert!(is_same_site_request(
            &headers(&[("sec-fetch-site", "same-origin")]),
            o
        ));
        assert!(!is_same_site_request(
            &headers(&[("sec-fetch-site", "cross-site")]),
            o
        ));
        assert!(!is_same_site_request(
            &headers(&[("sec-fetch-site", "same-site")]),
            o
        ));
        // Fetch metadata wins over a matching Origin.
        assert!(!is_same_site_request(
            &headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "http://127.0.0.1:3000")
            ]),
            o
        ));
    }

    #[test]
    fn origin_is_the_fallback() {
        let o = "http://127.0.0.1:3000";
        assert!(is_same_site_request(
            &headers(&[("origin", "http://127.0.0.1:3000")]),
            o
        ));
        assert!(!is_same_site_request(
            &headers(&[("origin", "https://evil.example")]),
            o
        ));
        assert!(!is_same_site_request(&headers(&[("origin", "null")]), o));
        assert!(is_same_site_request(&headers(&[]), o));
    }
}
