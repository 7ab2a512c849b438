//! Device cookies: a browser that signed in to an account before keeps a signed cookie, and
//! its sign-in attempts for that account are throttled per cookie rather than by the
//! account's lock, so nobody can keep an account locked out by sending wrong passwords
//! (OWASP "Slow Down Online Guessing Attacks with Device Cookies"; ASVS 5.0 V6.3.1).
//!
//! A cookie is `v1.<login tag>.<nonce>.<mac>`, each part base64url without padding:
//! - login tag: the first 16 bytes of HMAC-SHA256(key, `login:` + the lower-cased email), so
//!   the cookie names its account without carrying the address;
//! - nonce: 16 random bytes, naming this cookie's own throttle bucket;
//! - mac: HMAC-SHA256(key, `v1.<login tag>.<nonce>`) over the text before it.
//!
//! The key is derived from `GATEHOUSE_CODE_LOOKUP_KEY` as HMAC(key, `gatehouse device cookie
//! key v1`), so no new secret needs configuring and the two uses never share a MAC input.

use crate::crypto::{random_32, LookupKey};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

/// The cookie's name over http (tests, development).
pub const COOKIE: &str = "gatehouse_device";
/// The cookie's name over https: the `__Host-` prefix pins it to this origin.
pub const SECURE_COOKIE: &str = "__Host-gatehouse_device";
/// How long a browser stays trusted after its last successful sign-in: one year, in seconds.
pub const MAX_AGE_SECS: u64 = 365 * 24 * 3600;

/// The key device cookies are signed with.
#[derive(Clone, Debug)]
pub struct DeviceKey(LookupKey);

impl DeviceKey {
    /// Derives the device-cookie key from the invite-code lookup key.
    pub fn derive(lookup: &LookupKey) -> Self {
        Self(LookupKey::new(
            lookup.mac(b"gatehouse device cookie key v1"),
        ))
    }

    fn login_tag(&self, email: &str) -> String {
        let tag = self
            .0
            .mac(format!("login:{}", email.to_lowercase()).as_bytes());
        URL_SAFE_NO_PAD.encode(&tag[..16])
    }

    /// A new cookie value for `email`.
    pub fn issue(&self, email: &str) -> String {
        let nonce = URL_SAFE_NO_PAD.encode(&random_32()[..16]);
        let signed = format!("v1.{}.{nonce}", self.login_tag(email));
        let mac = URL_SAFE_NO_PAD.encode(self.0.mac(signed.as_bytes()));
        format!("{signed}.{mac}")
    }

    /// The nonce of `cookie` when it is a genuine cookie of this server for `email`, else
    /// `None` (malformed, forged, or another account's). The MAC is compared in constant time.
    pub fn verify(&self, cookie: &str, email: &str) -> Option<String> {
        let (signed, mac) = cookie.rsplit_once('.')?;
        let mut parts = signed.split('.');
        let (Some("v1"), Some(tag), Some(nonce), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        if !self.0.verify(signed.as_bytes(), &mac) {
            return None;
        }
        (tag == self.login_tag(email)).then(|| nonce.to_owned())
    }
}

/// The cookie's name for a deployment served over https (`secure`) or not.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// The device cookie's value in a `Cookie` request header, if present.
pub fn read(cookie_header: &str, secure: bool) -> Option<&str> {
    let name = cookie_name(secure);
    cookie_header
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` header value that stores `value`: HttpOnly, Secure, SameSite=Lax,
/// Path=/, one year; the `__Host-` name over https. (Browsers keep Secure cookies of
/// `http://localhost`, so development needs no exception, as for the session cookie.)
pub fn set_cookie(value: &str, secure: bool) -> String {
    format!(
        "{}={value}; Path=/; Max-Age={MAX_AGE_SECS}; HttpOnly; SameSite=Lax; Secure",
        cookie_name(secure),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_verifies_for_its_account_only_and_resists_tampering() {
        let key = DeviceKey::derive(&LookupKey::random());
        let c = key.issue("Ada@Example.org");
        let nonce = key.verify(&c, "ada@example.org").expect("genuine");
        assert_eq!(nonce.len(), 22);
        assert_eq!(key.verify(&c, "eve@example.org"), None, "another account");
        let other = DeviceKey::derive(&LookupKey::random());
        assert_eq!(
            other.verify(&c, "ada@example.org"),
            None,
            "another server's key"
        );
        let mut forged = c.clone();
        forged.replace_range(3..4, if &c[3..4] == "A" { "B" } else { "A" });
        assert_eq!(key.verify(&forged, "ada@example.org"), None, "tampered");
        assert_eq!(key.verify("v1.a.b", "ada@example.org"), None);
        assert_eq!(key.verify("", "ada@example.org"), None);
    }

    #[test]
    fn the_cookie_is_read_by_name_and_set_with_safe_attributes() {
        assert_eq!(
            read("gatehouse=s; gatehouse_device=abc", false),
            Some("abc")
        );
        assert_eq!(read("gatehouse_device=abc", true), None);
        assert_eq!(read("__Host-gatehouse_device=x", true), Some("x"));
        let h = set_cookie("abc", true);
        assert!(h.starts_with("__Host-gatehouse_device=abc; Path=/;"));
        assert!(h.contains("HttpOnly") && h.contains("SameSite=Lax") && h.ends_with("Secure"));
    }
}
