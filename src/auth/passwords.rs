//! Password hashing and verification with Argon2id, off the async runtime and bounded.

use crate::error::AppError;
use argon2::{
    password_hash::{
        rand_core::OsRng, Output, ParamsString, PasswordHash, PasswordVerifier, SaltString,
    },
    Algorithm, Argon2, Block, Params, Version,
};
use secrecy::{ExposeSecret, SecretString};
use std::{sync::Mutex, time::Duration};
use tokio::sync::Semaphore;

/// Argon2id memory cost in KiB (m), iterations (t) and lanes (p): the OWASP Password Storage
/// Cheat Sheet's first recommended configuration (OWASP ASVS 5.0 V11.4.2).
const M_KIB: u32 = 19_456;
const T: u32 = 2;
const P: u32 = 1;

fn params(output_len: usize) -> Option<Params> {
    Params::new(M_KIB, T, P, Some(output_len)).ok()
}

fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        params(Params::DEFAULT_OUTPUT_LEN).expect("static Argon2 parameters are valid"),
    )
}

/// One hash's working memory: `M_KIB` blocks of 1 KiB.
type Memory = Box<[Block]>;

/// Hashes and verifies passwords on blocking threads, at most `permits` at a time.
///
/// A request that cannot get a permit within `max_wait` gets [`AppError::Busy`] instead of
/// joining an ever-growing queue: each hash costs ~19 MiB and tens of milliseconds of a core.
/// The 19 MiB are allocated once per permit and reused: allocated per hash on whichever
/// blocking thread runs it, they stayed in that thread's malloc arena, and resident memory
/// grew with every new thread (measured in docs/PERFORMANCE.md, G7).
pub struct PasswordService {
    permits: Semaphore,
    max_wait: Duration,
    /// Working memory of the hashes not running now; never more than `permits` entries.
    memory: Mutex<Vec<Memory>>,
    /// Hash of a random password, verified against when an email is unknown so that the answer
    /// takes as long as for a known one (no account enumeration by timing).
    dummy_hash: String,
}

impl PasswordService {
    /// A service allowing `permits` concurrent hashes (normally the number of cores).
    pub fn new(permits: usize, max_wait: Duration) -> Self {
        let dummy = SecretString::from(format!("dummy-{}", uuid::Uuid::new_v4()));
        let mut memory = new_memory();
        let dummy_hash = hash_with(&mut memory, &dummy);
        Self {
            permits: Semaphore::new(permits.max(1)),
            max_wait,
            memory: Mutex::new(vec![memory]),
            dummy_hash,
        }
    }

    /// Hashes `password` into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    ///
    /// # Errors
    /// [`AppError::Busy`] when no permit is free within the wait; [`AppError::Internal`] if
    /// the blocking task fails.
    pub async fn hash(&self, password: SecretString) -> Result<String, AppError> {
        self.run("password hashing task failed", move |memory| {
            hash_with(memory, &password)
        })
        .await
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
        let known = phc.is_some();
        let phc = phc.unwrap_or_else(|| self.dummy_hash.clone());
        let ok = self
            .run("password verification task failed", move |memory| {
                verify_with(memory, &password, &phc)
            })
            .await?;
        Ok(ok && known)
    }

    /// Runs `work` on a blocking thread with a permit and one hash's working memory, and puts
    /// the memory back for the next hash. `failure` names a task that panicked.
    async fn run<T: Send + 'static>(
        &self,
        failure: &'static str,
        work: impl FnOnce(&mut [Block]) -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let _permit = self.permit().await?;
        let mut memory = self.take_memory();
        let (memory, out) = tokio::task::spawn_blocking(move || {
            let out = work(&mut memory);
            (memory, out)
        })
        .await
        .map_err(AppError::internal(failure))?;
        self.give_memory(memory);
        Ok(out)
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, AppError> {
        match tokio::time::timeout(self.max_wait, self.permits.acquire()).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(AppError::Busy),
        }
    }

    /// Memory for one hash: a free one, else a new one (at most one per permit ever exists,
    /// plus any lost with a panicking task).
    fn take_memory(&self) -> Memory {
        self.memory
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_else(new_memory)
    }

    fn give_memory(&self, memory: Memory) {
        if let Ok(mut free) = self.memory.lock() {
            free.push(memory);
        }
    }
}

fn new_memory() -> Memory {
    vec![Block::default(); M_KIB as usize].into_boxed_slice()
}

/// Argon2id of `password` with a fresh 128-bit salt, in `memory`, as the PHC string that
/// [`PasswordHasher::hash_password`] would give.
fn hash_with(memory: &mut [Block], password: &SecretString) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt
        .decode_b64(&mut salt_bytes)
        .expect("a generated salt decodes");
    let hash = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        argon2()
            .hash_password_into_with_memory(
                password.expose_secret().as_bytes(),
                salt_bytes,
                out,
                &mut *memory,
            )
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .expect("Argon2 hashing with valid parameters does not fail");
    let params = ParamsString::try_from(&argon2().params().clone())
        .expect("static Argon2 parameters format");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    }
    .to_string()
}

/// Whether `password` matches the PHC string `phc`. Hashes made with other parameters than
/// ours (none so far) are verified by the library with memory of its own.
fn verify_with(memory: &mut [Block], password: &SecretString, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let ours = parsed.algorithm == Algorithm::Argon2id.ident()
        && parsed.version == Some(Version::V0x13.into())
        && Params::try_from(&parsed)
            .is_ok_and(|p| (p.m_cost(), p.t_cost(), p.p_cost()) == (M_KIB, T, P));
    let (true, Some(salt), Some(expected)) = (ours, parsed.salt, parsed.hash) else {
        return argon2()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
    };
    let mut salt_bytes = [0u8; 64];
    let (Ok(salt_bytes), Some(params)) = (salt.decode_b64(&mut salt_bytes), params(expected.len()))
    else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(password.expose_secret().as_bytes(), salt_bytes, &mut out, &mut *memory)
        .is_ok()
        // `Output`'s equality is constant-time.
        && Output::new(&out).is_ok_and(|o| o == expected)
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
    use argon2::password_hash::PasswordHasher;

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

    /// Our reused-memory path and the library's allocating one agree both ways, and a hash
    /// with other parameters still verifies.
    #[test]
    fn reused_memory_hashes_match_the_library() {
        let pw = SecretString::from("tangerine orbit kettle marsh".to_owned());
        let mut memory = new_memory();
        let ours = hash_with(&mut memory, &pw);
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2()
            .verify_password(pw.expose_secret().as_bytes(), &parsed)
            .is_ok());
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2()
            .hash_password(pw.expose_secret().as_bytes(), &salt)
            .unwrap()
            .to_string();
        assert!(verify_with(&mut memory, &pw, &theirs));
        assert!(!verify_with(
            &mut memory,
            &SecretString::from("x".to_owned()),
            &theirs
        ));
        let cheaper = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(1024, 1, 1, None).unwrap(),
        )
        .hash_password(pw.expose_secret().as_bytes(), &salt)
        .unwrap()
        .to_string();
        assert!(verify_with(&mut memory, &pw, &cheaper));
        assert!(!verify_with(&mut memory, &pw, "not a phc string"));
    }
}
