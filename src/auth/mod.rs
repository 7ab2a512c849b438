//! Sign-in, sign-out and the session.

pub mod api;
#[cfg(feature = "ssr")]
pub mod device;
#[cfg(feature = "ssr")]
pub mod keys;
pub mod keystore;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod passwords;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod session;

/// Whether `next` is a safe place to send someone after signing in: a path on this site
/// (starts with one `/`, not `//` or `/\`, no control characters, at most 2048 bytes).
/// Prevents open redirects (OWASP ASVS 5.0 V3.7.2).
pub fn safe_next(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2048
        && !next.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert!(safe_next("/register?token=ab&org=1"));
        assert!(!safe_next("//evil.example/"));
        assert!(!safe_next("/\\evil.example"));
        assert!(!safe_next("https://evil.example/"));
        assert!(!safe_next("/a\nb"));
    }
}
