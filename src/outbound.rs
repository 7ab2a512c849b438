//! Calls Gatehouse makes to addresses other people chose (webhook endpoints), behind a
//! server-side request forgery guard.
//!
//! Rules (OWASP SSRF Prevention Cheat Sheet; ASVS 5.0 V1.3.6, V15.3.2): only `https` URLs
//! without credentials; the host's every resolved address must be public, never loopback,
//! private (RFC 1918), link-local (the cloud metadata address 169.254.169.254 among them),
//! CGNAT (RFC 6598), multicast, broadcast, unspecified or reserved, nor IPv6 unique-local,
//! link-local, multicast, unspecified, loopback, or an IPv4-mapped, IPv4-compatible or NAT64
//! form of a refused IPv4 address. The check runs inside the HTTP client's own resolver, so the
//! connection goes to the very address that was checked (no DNS-rebinding window), at
//! registration and again at every delivery. Redirects are never followed, no proxy is used.
//! Hosts an operator lists in `GATEHOUSE_WEBHOOK_ALLOW_HOSTS` skip the address check and may
//! use plain `http` (tests, private receivers); nothing is allowed by default.

use std::{
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};
use url::{Host, Url};

/// Why a URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("Enter a full URL, for example https://partner.example/webhooks.")]
    NotAUrl,
    #[error("Use an https URL.")]
    NotHttps,
    #[error("Leave user names and passwords out of the URL.")]
    Credentials,
    #[error("The host {0} is not reachable from the internet (a loopback, private, link-local or reserved address); use a public address.")]
    PrivateAddress(String),
    #[error("The host {0} could not be resolved.")]
    Unresolvable(String),
}

/// Whether `ip` is one Gatehouse refuses to call (see the module documentation).
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            let s = v6.segments();
            // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96).
            if (s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified())
                || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
            {
                let v4 =
                    Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
                return forbidden_v4(v4);
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || s[0] == 0x2001 && s[1] == 0x0db8 // documentation
                || s[0] == 0x0100 && s[1..4] == [0, 0, 0] // discard-only 100::/64
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0 // "this network"
        || (a == 100 && (64..128).contains(&b)) // CGNAT 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240 // reserved
}

/// Whether `host` is on the operator's allow list.
fn allowed(allow: &[String], host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    allow.iter().any(|a| a.eq_ignore_ascii_case(host))
}

/// Checks `raw` as a webhook URL without resolving it: a URL, https (or http on an allowed
/// host), no credentials, and an IP literal must be public. The resolver checks names.
///
/// # Errors
/// [`Refused`] with a sentence for beside the field.
pub fn check_url(raw: &str, allow: &[String]) -> Result<Url, Refused> {
    let url = Url::parse(raw.trim()).map_err(|_| Refused::NotAUrl)?;
    let host = url.host_str().ok_or(Refused::NotAUrl)?.to_owned();
    let listed = allowed(allow, &host);
    match url.scheme() {
        "https" => {}
        "http" if listed => {}
        _ => return Err(Refused::NotHttps),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Refused::Credentials);
    }
    let literal = match url.host() {
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if let Some(ip) = literal {
        if !listed && is_forbidden(ip) {
            return Err(Refused::PrivateAddress(host));
        }
    }
    Ok(url)
}

/// Resolves `host` and refuses it unless every address is public (or the host is allowed).
///
/// # Errors
/// [`Refused::Unresolvable`] or [`Refused::PrivateAddress`].
pub async fn resolve_checked(host: &str, allow: &[String]) -> Result<Vec<SocketAddr>, Refused> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
        .await
        .map_err(|_| Refused::Unresolvable(host.to_owned()))?
        .collect();
    if addrs.is_empty() {
        return Err(Refused::Unresolvable(host.to_owned()));
    }
    if !allowed(allow, host) && addrs.iter().any(|a| is_forbidden(a.ip())) {
        return Err(Refused::PrivateAddress(host.to_owned()));
    }
    Ok(addrs)
}

/// The HTTP client's resolver: [`resolve_checked`], so the client connects only to checked
/// addresses.
struct GuardedResolver {
    allow: Arc<Vec<String>>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow = Arc::clone(&self.allow);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve_checked(&host, &allow)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { Box::new(e) })?;
            let iter: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(iter)
        })
    }
}

/// The client for calls to addresses other people chose: the guarded resolver, `timeout` for
/// the whole call (connecting included), no redirects, no proxy, rustls with the webpki roots.
///
/// # Errors
/// When the TLS backend cannot start.
pub fn client(allow: &[String], timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver {
            allow: Arc::new(allow.to_vec()),
        }))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("Gatehouse-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_refused_and_public_ones_pass() {
        for bad in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "::7f00:1",
        ] {
            assert!(is_forbidden(bad.parse().unwrap()), "{bad} is refused");
        }
        for good in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_forbidden(good.parse().unwrap()), "{good} passes");
        }
    }

    #[test]
    fn urls_must_be_https_without_credentials_or_private_literals() {
        let none: &[String] = &[];
        assert!(check_url("https://partner.example/hooks", none).is_ok());
        assert_eq!(
            check_url("http://partner.example/h", none),
            Err(Refused::NotHttps)
        );
        assert_eq!(
            check_url("ftp://partner.example/h", none),
            Err(Refused::NotHttps)
        );
        assert_eq!(
            check_url("https://u:p@partner.example/h", none),
            Err(Refused::Credentials)
        );
        assert!(matches!(
            check_url("https://127.0.0.1/h", none),
            Err(Refused::PrivateAddress(_))
        ));
        assert!(matches!(
            check_url("https://[::1]/h", none),
            Err(Refused::PrivateAddress(_))
        ));
        assert!(matches!(
            check_url("https://169.254.169.254/latest", none),
            Err(Refused::PrivateAddress(_))
        ));
        assert_eq!(check_url("not a url", none), Err(Refused::NotAUrl));
        // An allowed host may be private, and plain http.
        let allow = vec!["127.0.0.1".to_owned()];
        assert!(check_url("http://127.0.0.1:9000/h", &allow).is_ok());
        assert!(matches!(
            check_url("https://10.0.0.1/h", &allow),
            Err(Refused::PrivateAddress(_))
        ));
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_unless_allowed() {
        assert!(matches!(
            resolve_checked("localhost", &[]).await,
            Err(Refused::PrivateAddress(_))
        ));
        assert!(resolve_checked("localhost", &["localhost".to_owned()])
            .await
            .is_ok());
    }
}
