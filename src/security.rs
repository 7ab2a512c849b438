//! Request-level defences applied to every route: cross-site request rejection (CSRF), the
//! Content-Security-Policy with a per-response nonce, and the other response headers.

use axum::{
    extract::Request,
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    response::{IntoResponse, Response},
};
use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

/// The per-response CSP nonce, put into request extensions by [`EdgeLayer`] and handed
/// to Leptos so that its inline hydration scripts carry it. Made the first time it is asked
/// for ([`CspNonce::value`]): a response nobody asked it for carries a policy with no nonce
/// at all (a page: only this origin's script files may run; anything else: nothing may).
#[derive(Clone, Debug, Default)]
pub struct CspNonce(Arc<std::sync::OnceLock<Arc<str>>>);

impl CspNonce {
    /// The nonce: 128 random bits, base64 (Leptos's [`leptos::nonce::Nonce::new`]); the same
    /// value on every call for one response.
    pub fn value(&self) -> Arc<str> {
        self.0
            .get_or_init(|| leptos::nonce::Nonce::new().as_inner().clone())
            .clone()
    }

    /// The nonce if [`Self::value`] was called.
    fn made(&self) -> Option<&Arc<str>> {
        self.0.get()
    }
}

/// Rejects state-changing requests that a browser marks as coming from another site.
///
/// Rule (OWASP CSRF Prevention Cheat Sheet, "Fetch Metadata headers"; OWASP ASVS 5.0 V3.5.1):
/// for any method other than GET, HEAD and OPTIONS, `Sec-Fetch-Site` must be `same-origin` or
/// `none`; browsers that send no `Sec-Fetch-Site` are judged by `Origin`, which must equal the
/// origin of `PUBLIC_URL`. Requests with neither header come from non-browser clients, which
/// carry no ambient cookies of a victim, and pass. Rejections are `403 Forbidden`.
///
/// The one route layer there is (it runs once a route matched), so it first records the route
/// template on the request span ([`crate::telemetry::record_route`]). A hand-written tower
/// layer: an axum `from_fn` middleware boxes a future and a clone of the route per request
/// (docs/PERFORMANCE.md G1b).
#[derive(Clone, Debug)]
pub struct CrossSiteLayer {
    public_origin: Arc<str>,
}

impl CrossSiteLayer {
    /// The layer for a deployment whose pages are served from `public_origin`
    /// (`scheme://host[:port]`, as [`crate::config::Config::public_origin`] gives it).
    pub fn new(public_origin: Arc<str>) -> Self {
        Self { public_origin }
    }
}

impl<S> tower::Layer<S> for CrossSiteLayer {
    type Service = CrossSite<S>;

    fn layer(&self, inner: S) -> CrossSite<S> {
        CrossSite {
            inner,
            public_origin: self.public_origin.clone(),
        }
    }
}

/// The service of [`CrossSiteLayer`] around one route `S`.
#[derive(Clone, Debug)]
pub struct CrossSite<S> {
    inner: S,
    public_origin: Arc<str>,
}

impl<S> tower::Service<Request> for CrossSite<S>
where
    S: tower::Service<Request, Response = Response, Error = std::convert::Infallible>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::Either<
        std::future::Ready<Result<Response, std::convert::Infallible>>,
        S::Future,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        crate::telemetry::record_route(&req);
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
            || is_same_site_request(req.headers(), &self.public_origin)
        {
            futures::future::Either::Right(self.inner.call(req))
        } else {
            tracing::warn!(route = %crate::telemetry::route_of(&req), "cross-site request refused");
            let refused = (
                StatusCode::FORBIDDEN,
                "Cross-site requests are not allowed.",
            )
                .into_response();
            futures::future::Either::Left(std::future::ready(Ok(refused)))
        }
    }
}

/// The decision behind [`CrossSiteLayer`], for a state-changing request.
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

/// What [`EdgeLayer`] needs to know of the deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgePolicy {
    /// Send `Strict-Transport-Security` (only when `PUBLIC_URL` is https: over plain http
    /// browsers ignore it, and it must never pin a development host).
    pub hsts: bool,
    /// The proxies whose `X-Forwarded-For` is believed ([`client_ip`]).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl EdgePolicy {
    /// The policy for `config`: HSTS when its public URL is https, its trusted proxies.
    pub fn for_config(config: &crate::config::Config) -> Self {
        Self {
            hsts: config.public_url.scheme() == "https",
            trusted_proxies: config.trusted_proxies.clone(),
        }
    }
}

/// The innermost of the layers every request passes ([`crate::startup::layers`]), three
/// steps in one hand-written tower layer (a layer of its own per step, or an axum `from_fn`
/// middleware, costs a boxed future and a boxed clone of the stack below it per request,
/// docs/PERFORMANCE.md G1b):
/// 1. bounds the request body ([`limit_body`]): 413 for a declared length past the limit;
/// 2. puts the client's address into the request's extensions ([`resolve_client`]);
/// 3. adds the security headers to the response, 413 included ([`add_security_headers`]).
#[derive(Clone, Debug)]
pub struct EdgeLayer(Arc<EdgePolicy>);

impl EdgeLayer {
    /// The layer for `policy`.
    pub fn new(policy: EdgePolicy) -> Self {
        Self(Arc::new(policy))
    }
}

impl<S> tower::Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge {
            inner,
            policy: self.0.clone(),
        }
    }
}

/// The service of [`EdgeLayer`] around `S`.
#[derive(Clone, Debug)]
pub struct Edge<S> {
    inner: S,
    policy: Arc<EdgePolicy>,
}

impl<S> tower::Service<Request> for Edge<S>
where
    S: tower::Service<Request, Response = Response, Error = std::convert::Infallible>,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let nonce = CspNonce::default();
        let inner = match limit_body(req) {
            Ok(mut req) => {
                resolve_client(&mut req, &self.policy.trusted_proxies);
                req.extensions_mut().insert(nonce.clone());
                futures::future::Either::Right(self.inner.call(req))
            }
            Err(too_large) => {
                futures::future::Either::Left(std::future::ready(Ok(too_large.into_response())))
            }
        };
        EdgeFuture {
            inner,
            nonce,
            policy: self.policy.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    /// The answer of [`Edge`]: the inner service's (or the 413), with the security headers.
    pub struct EdgeFuture<F> {
        #[pin]
        inner: futures::future::Either<
            std::future::Ready<Result<Response, std::convert::Infallible>>,
            F,
        >,
        nonce: CspNonce,
        policy: Arc<EdgePolicy>,
    }
}

impl<F> std::future::Future for EdgeFuture<F>
where
    F: std::future::Future<Output = Result<Response, std::convert::Infallible>>,
{
    type Output = Result<Response, std::convert::Infallible>;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let this = self.project();
        let Ok(mut res) = std::task::ready!(this.inner.poll(cx));
        add_security_headers(&mut res, this.policy, this.nonce);
        std::task::Poll::Ready(Ok(res))
    }
}

/// The Content-Security-Policy up to the script sources (OWASP ASVS 5.0 V3.4.3).
const CSP_HEAD: &str = "default-src 'self'; script-src 'self'";
/// The rest of the policy, after the script sources: WebAssembly compilation allowed for
/// hydration, styles only from this origin, nothing framed, no plugins, forms post only here.
const CSP_TAIL: &str = " 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";
/// The policy of anything that is not a web page (JSON, plain text, static files, redirects,
/// empty answers): nothing may load or run, nothing may frame it, as the OWASP REST Security
/// Cheat Sheet ("Security headers") recommends for API responses. A policy governs only a
/// document, which these are not meant to be, so it denies everything rather than repeating
/// the page policy (about 250 bytes on every answer, docs/PERFORMANCE.md G1b).
const CSP_NOT_A_PAGE: &str = "default-src 'none'; frame-ancestors 'none'";
/// The policy of a page that made no nonce: scripts only from this origin.
static CSP_WITHOUT_NONCE: std::sync::LazyLock<HeaderValue> = std::sync::LazyLock::new(|| {
    HeaderValue::from_str(&format!("{CSP_HEAD}{CSP_TAIL}")).expect("the policy is ASCII")
});

/// The policy of a response whose inline scripts carry `nonce`.
fn csp_with_nonce(nonce: &str) -> Option<HeaderValue> {
    let mut v = String::with_capacity(CSP_HEAD.len() + CSP_TAIL.len() + nonce.len() + 10);
    v.push_str(CSP_HEAD);
    v.push_str(" 'nonce-");
    v.push_str(nonce);
    v.push('\'');
    v.push_str(CSP_TAIL);
    HeaderValue::from_str(&v).ok()
}

/// `Strict-Transport-Security` value: two years, subdomains included (OWASP ASVS 5.0
/// V3.4.1; the OWASP HTTP Headers Cheat Sheet's recommendation).
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// Adds the security headers to `res`, the CSP with `nonce` when the response made one
/// ([`CspNonce`]).
///
/// CSP (OWASP ASVS 5.0 V3.4.3): on a page (`text/html`, `application/xhtml+xml`), scripts only
/// from this origin or with the nonce, WebAssembly compilation allowed for hydration, styles
/// only from this origin, nothing framed, no plugins, forms post only here; on anything else
/// `default-src 'none'; frame-ancestors 'none'`. A handler that sets its own
/// `Content-Security-Policy` (and `X-Frame-Options`) keeps it.
/// HSTS as [`EdgePolicy`] says.
pub fn add_security_headers(res: &mut Response, policy: &EdgePolicy, nonce: &CspNonce) {
    let h = res.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        let csp = match nonce.made() {
            Some(n) => csp_with_nonce(n),
            None if is_page(h) => Some(CSP_WITHOUT_NONCE.clone()),
            None => Some(HeaderValue::from_static(CSP_NOT_A_PAGE)),
        };
        if let Some(v) = csp {
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
    // A document meant for this origin's own frames (the email preview) says so itself.
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
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
}

/// Whether a response with headers `h` is a document a browser renders as a page: HTML or
/// XHTML by its `Content-Type` (the media type, any parameters after it ignored).
fn is_page(h: &HeaderMap) -> bool {
    media_type_str(h).is_some_and(|t| {
        t.eq_ignore_ascii_case("text/html") || t.eq_ignore_ascii_case("application/xhtml+xml")
    })
}

/// The client's address as [`resolve_client`] found it, kept in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The address of the client behind `peer` (the TCP peer).
///
/// Rule (OWASP ASVS 5.0 V16.3.4 / the MDN guidance on `X-Forwarded-For`): forwarding headers
/// are believed only when `peer` is one of the `trusted` proxies. Then the addresses of
/// `X-Forwarded-For` (every header, in order), or else the `for=` values of `Forwarded`
/// (RFC 7239), are read right to left, skipping trusted hops: the first untrusted one is the
/// client. When every hop is trusted the leftmost one is; an entry that does not parse ends
/// the walk at the last trusted hop. Anything a client writes into those headers is never
/// believed on its own.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let list = |name: header::HeaderName| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let mut hops = list(header::HeaderName::from_static("x-forwarded-for"));
    if hops.is_empty() {
        hops = list(header::FORWARDED)
            .into_iter()
            .flat_map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| {
                        let (k, v) = pair.trim().split_once('=')?;
                        k.trim()
                            .eq_ignore_ascii_case("for")
                            .then(|| v.trim().trim_matches('"').to_owned())
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
    }
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// One forwarded hop: an address, `[v6]`, or either with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = hop.parse() {
        return Some(ip);
    }
    if let Ok(sock) = hop.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    hop.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse().ok())
}

/// Puts the client's address ([`client_ip`] of the TCP peer, under the configured trusted
/// proxies) into the request's extensions as [`ClientIp`], for rate limits, audit events and
/// the dev mailbox.
pub fn resolve_client(req: &mut Request, trusted: &[ipnet::IpNet]) {
    if let Some(peer) = req
        .extensions()
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip())
    {
        let ip = client_ip(peer, req.headers(), trusted);
        req.extensions_mut().insert(ClientIp(ip));
    }
}

/// Who made a request, for audit events: peer address, user agent and request id.
#[derive(Clone, Debug, Default)]
pub struct RequestContext {
    /// The request id (`X-Request-Id`, set by the request-id layer: 32 hex characters, or a
    /// trusted proxy's id), as in the request span, so logs, audit events and a person
    /// reporting a problem can be matched.
    pub request_id: Option<String>,
    /// The client's address: the TCP peer, or behind trusted proxies the address they
    /// forwarded ([`client_ip`]).
    pub ip: Option<IpAddr>,
    /// `User-Agent`, truncated to 512 characters.
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// Reads the context from request parts.
    pub fn from_parts(parts: &axum::http::request::Parts) -> Self {
        let ip = parts.extensions.get::<ClientIp>().map(|c| c.0).or_else(|| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<SocketAddr>>()
                .map(|ci| ci.0.ip())
        });
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

    /// The client as a rate-limit bucket key: an IPv4 address, or the /64 network of an IPv6
    /// one (one subscriber usually holds a whole /64, so per-address limits would be free to
    /// dodge); `unknown` if there is none.
    pub fn ip_key(&self) -> String {
        match self.ip {
            None => "unknown".into(),
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.to_string(),
                None => ipnet::Ipv6Net::new(v6, 64)
                    .map(|net| net.trunc().to_string())
                    .unwrap_or_else(|_| v6.to_string()),
            },
        }
    }
}

/// Largest request body, in bytes, for every route but the bulk upload (256 KiB: forms, JSON).
pub const MAX_BODY_BYTES: usize = 256 * 1024;
/// Largest bulk-invitation upload, in bytes: a 5 MiB file with room for its framing.
pub const MAX_BULK_BODY_BYTES: usize = 6 * 1024 * 1024;

/// The body limit of a request to `path`: the bulk upload may carry a 5 MiB file.
pub fn body_limit_for(path: &str) -> usize {
    if matches!(
        path,
        "/api/invitations/bulk" | "/rpc/invitations/bulk-check" | "/rpc/invitations/bulk-start"
    ) {
        MAX_BULK_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

/// A request whose declared body is past its limit: answered `413 Payload Too Large`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyTooLarge;

impl IntoResponse for BodyTooLarge {
    fn into_response(self) -> Response {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        )
            .into_response()
    }
}

/// Bounds every request body ([`body_limit_for`]) before any handler reads it: a declared
/// length past the limit gets 413 at once, and a body that turns out longer stops there
/// (OWASP ASVS 5.0 V4.1.x). Server functions read their bodies themselves, so an extractor
/// limit alone would not stop them.
///
/// # Errors
/// [`BodyTooLarge`] when `Content-Length` declares more than the limit.
pub fn limit_body(req: Request) -> Result<Request, BodyTooLarge> {
    let limit = body_limit_for(req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(BodyTooLarge);
    }
    Ok(req.map(|body| axum::body::Body::new(http_body_util::Limited::new(body, limit))))
}

/// The request's media type from `Content-Type`, lower-cased and without parameters such as
/// `charset` (RFC 9110 section 8.3.1), or `None` without the header.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    media_type_str(headers).map(str::to_ascii_lowercase)
}

/// [`media_type`] as written (not lower-cased), without a copy.
fn media_type_str(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
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

    fn nets(list: &[&str]) -> Vec<ipnet::IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let lb = ip("10.0.0.2");
        let trusted = nets(&["10.0.0.0/24"]);
        // An untrusted peer's headers are ignored.
        let h = headers(&[("x-forwarded-for", "203.0.113.7")]);
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        assert_eq!(client_ip(lb, &h, &[]), lb);
        // Behind the balancer: the rightmost untrusted hop; a spoofed left part is ignored.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.7, 10.0.0.9")]);
        assert_eq!(client_ip(lb, &h, &trusted), ip("203.0.113.7"));
        // RFC 7239 when there is no X-Forwarded-For; IPv6 in brackets with a port.
        let h = headers(&[("forwarded", "for=\"[2001:db8::1]:4711\";proto=https")]);
        assert_eq!(client_ip(lb, &h, &trusted), ip("2001:db8::1"));
        // Garbage stops the walk at the last trusted hop.
        let h = headers(&[("x-forwarded-for", "not-an-ip")]);
        assert_eq!(client_ip(lb, &h, &trusted), lb);
    }

    #[test]
    fn ipv6_clients_share_a_bucket_per_64() {
        let key = |s: &str| {
            RequestContext {
                ip: Some(s.parse().unwrap()),
                ..RequestContext::default()
            }
            .ip_key()
        };
        assert_eq!(key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(key("2001:db8:1:2:bbbb::9"), key("2001:db8:1:2:aaaa::1"));
        assert_ne!(key("2001:db8:1:3::1"), key("2001:db8:1:2::1"));
        assert_eq!(key("::ffff:203.0.113.7"), "203.0.113.7");
        assert_eq!(key("203.0.113.7"), "203.0.113.7");
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
