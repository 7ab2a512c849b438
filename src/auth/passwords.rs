//! Password hashing and verification with Argon2id, off the async runtime and bounded.

use crate::error::AppError;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Argon2id with m = 19456 KiB, t = 2, p = 1: the OWASP Password Storage Cheat Sheet's first
/// recommended configuration (OWASP ASVS 5.0 V11.4.2).
fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19_456, 2, 1, None).expect("static Argon2 parameters are valid"),
    )
}

/// Hashes and verifies passwords on blocking threads, at most `permits` at a time.
///
/// A request that cannot get a permit within `max_wait` gets [`AppError::Busy`] instead of
/// joining an ever-growing queue: each hash costs ~19 MiB and tens of milliseconds of a core.
pub struct PasswordService {
    permits: Semaphore,
    max_wait: Duration,
    /// Hash of a random password, verified against when an email is unknown so that the answer
    /// takes as long as for a known one (no account enumeration by timing).
    dummy_hash: String,
}

impl PasswordService {
    /// A service allowing `permits` concurrent hashes (normally the number of cores).
    pub fn new(permits: usize, max_wait: Duration) -> Self {
        let dummy = SecretString::from(format!("dummy-{}", uuid::Uuid::new_v4()));
        Self {
            permits: Semaphore::new(permits.max(1)),
            max_wait,
            dummy_hash: hash_blocking(&dummy),
        }
    }

    /// Hashes `password` into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    ///
    /// # Errors
    /// [`AppError::Busy`] when no permit is free within the wait; [`AppError::Internal`] if
    /// the blocking task fails.
    pub async fn hash(&self, password: SecretString) -> Result<String, AppError> {
        let _permit = self.permit().await?;
        tokio::task::spawn_blocking(move || hash_blocking(&password))
            .await
            .map_err(AppError::internal("password hashing task failed"))
    }

    /// Verifies `password` against `phc`, or against the dummy hash when `phc` is `None`
    /// (then the answer is always `false`, after the same amount of work).
    ///
    /// # Errors
    /// As for [`PasswordService::hash`].
    pub async fn verify(
        &self,
        password: SecretString,
        phc: Option<String>,
    ) -> Result<bool, AppError> {
        let _permit = self.permit().await?;
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.dummy_hash.clone());
        let ok = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc).is_ok_and(|parsed| {
                argon2()
                    .verify_password(password.expose_secret().as_bytes(), &parsed)
                    .is_ok()
            })
        })
        .await
        .map_err(AppError::internal("password verification task failed"))?;
        Ok(ok && known)
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
        match tokio::time::timeout(self.max_wait, self.permits.acquire()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(AppError::Busy),
        }
    }
}

fn hash_blocking(password: &SecretString) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .expect("Argon2 hashing with valid parameters does not fail")
        .to_string()
}

/// The blocklist check of NIST SP 800-63B-4 §3.1.1.2: refuses passwords found in lists of
/// commonly used or breached passwords, dictionary words, repetitive or sequential characters,
/// and context-specific words (`context`: the person's email, names, organisation, "gatehouse").
/// Uses zxcvbn's estimator and refuses anything it scores below 3 of 4, saying why.
pub fn blocklist_problem(password: &str, context: &[&str]) -> Option<String> {
    let lower = password.to_lowercase();
    let own_words = context.iter().flat_map(|c| {
        let c = c.to_lowercase();
        let local = c.split('@').next().unwrap_or_default().to_owned();
        [c, local]
    });
    if own_words
        .filter(|w| w.chars().count() >= 4)
        .any(|w| lower.contains(&w))
    {
        return Some(
            "Do not use your name, email address or organisation in your password.".into(),
        );
    }
    let estimate = zxcvbn::zxcvbn(password, context);
    if estimate.score() >= zxcvbn::Score::Three {
        return None;
    }
    let why = estimate
        .feedback()
        .and_then(|f| f.warning())
        .map(|w| w.to_string())
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| "This password is easy to guess.".into());
    Some(format!(
        "{} Choose a longer, less predictable password, such as several unrelated words.",
        why.trim_end_matches('.').to_owned() + "."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_and_contextual_passwords_are_refused_with_a_reason() {
        for weak in [
            "passwordpassword",
            "123456789012345",
            "aaaaaaaaaaaaaaaa",
            "qwertyuiopasdfgh",
        ] {
            let why = blocklist_problem(weak, &[]).unwrap_or_default();
            assert!(!why.is_empty(), "{weak} should be refused");
        }
        assert!(
            blocklist_problem("ada.lovelace@example.org", &["ada.lovelace@example.org"]).is_some()
        );
        assert!(blocklist_problem("tangerine orbit kettle marsh", &[]).is_none());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_phc_and_verify() {
        let svc = PasswordService::new(1, Duration::from_secs(5));
        let pw = || SecretString::from("correct horse battery staple".to_owned());
        let phc = svc.hash(pw()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(svc.verify(pw(), Some(phc.clone())).await.unwrap());
        assert!(!svc
            .verify(SecretString::from("wrong".to_owned()), Some(phc))
            .await
            .unwrap());
        assert!(!svc.verify(pw(), None).await.unwrap());
    }
}
