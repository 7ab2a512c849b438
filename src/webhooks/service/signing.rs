//! Standard Webhooks signatures (<https://www.standardwebhooks.com>, "Signature scheme"): the
//! secret is `whsec_` and base64 of 32 random bytes; the signature of a message is
//! `v1,` and base64 of HMAC-SHA256 under the secret's bytes over `{id}.{timestamp}.{body}`,
//! where `id` is the `webhook-id` header and `timestamp` the `webhook-timestamp` header (Unix
//! seconds). Several signatures (during a secret's rotation) are separated by spaces.

use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// The prefix of a signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and base64 of 32 bytes from the OS random number generator.
pub fn generate_secret() -> SecretString {
    SecretString::from(format!(
        "{SECRET_PREFIX}{}",
        STANDARD.encode(crate::crypto::random_32())
    ))
}

/// The key bytes of `secret` (`whsec_` and base64), or `None` if it is not one.
fn key(secret: &SecretString) -> Option<Vec<u8>> {
    STANDARD
        .decode(secret.expose_secret().strip_prefix(SECRET_PREFIX)?)
        .ok()
}

/// `v1,<base64 signature>` of message `id` sent at `timestamp` (Unix seconds) with `body`,
/// under each of `secrets`, space-separated; a secret that does not decode is skipped.
pub fn signature_header(secrets: &[SecretString], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(key)
        .map(|k| {
            let mut mac = Hmac::<Sha256>::new_from_slice(&k).expect("HMAC takes any key length");
            mac.update(format!("{id}.{timestamp}.").as_bytes());
            mac.update(body.as_bytes());
            format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_specifications_example() {
        // The example of the Standard Webhooks specification (and of its reference libraries).
        let secret = SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_owned());
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature_header(&[secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_prefixed_32_bytes_and_two_sign_during_a_rotation() {
        let a = generate_secret();
        assert!(a.expose_secret().starts_with(SECRET_PREFIX));
        assert_eq!(key(&a).unwrap().len(), 32);
        let both = signature_header(&[a, generate_secret()], "msg_1", 1, "{}");
        assert_eq!(both.split(' ').count(), 2);
        assert!(both.split(' ').all(|s| s.starts_with("v1,")));
    }
}
