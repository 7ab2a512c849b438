//! Key identities for members who join with an invite code: an Ed25519 key pair (RFC 8032)
//! made in the browser, named by its `did:key` (W3C CCG did:key method, Ed25519 variant).
//!
//! The private key never leaves the browser. To prove possession, the browser signs
//! [`challenge_message`] over a single-use server challenge; the server checks the signature
//! with the public key. Both sides build the message with the same function.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Multicodec prefix of an Ed25519 public key (`ed25519-pub`, 0xed, as an unsigned varint).
const ED25519_MULTICODEC: [u8; 2] = [0xed, 0x01];

/// What a signed challenge is for; part of the signed message, so a signature made for one
/// purpose cannot be replayed for another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChallengePurpose {
    /// Redeeming an invite code (creates the account).
    Join,
    /// Signing in with an existing key.
    SignIn,
}

impl ChallengePurpose {
    /// Database and message name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Join => "join",
            Self::SignIn => "sign_in",
        }
    }
}

/// Why a key or signature was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("The public key is not a valid Ed25519 key.")]
    BadPublicKey,
    #[error("The signature is malformed.")]
    BadSignature,
    #[error("The signature does not match the key.")]
    SignatureMismatch,
    #[error("This is not a Gatehouse key backup file.")]
    BadBackup,
}

/// The exact bytes signed to answer a challenge:
/// `gatehouse:<purpose>:v1:<origin>:<challenge, base64url>`.
///
/// `origin` is the Gatehouse public origin (`https://gate.example.org`), so a signature made for
/// one deployment is useless at another.
pub fn challenge_message(purpose: ChallengePurpose, origin: &str, challenge: &[u8]) -> Vec<u8> {
    format!(
        "gatehouse:{}:v1:{}:{}",
        purpose.as_str(),
        origin,
        URL_SAFE_NO_PAD.encode(challenge)
    )
    .into_bytes()
}

/// The `did:key` of an Ed25519 public key: `did:key:z` + base58btc(0xed 0x01 ‖ key).
pub fn did_key(public_key: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(34);
    bytes.extend_from_slice(&ED25519_MULTICODEC);
    bytes.extend_from_slice(public_key);
    format!("did:key:z{}", bs58::encode(bytes).into_string())
}

/// The Ed25519 public key inside a `did:key`, or `None` if it is not an Ed25519 did:key.
pub fn public_key_from_did(did: &str) -> Option<[u8; 32]> {
    let encoded = did.strip_prefix("did:key:z")?;
    let bytes = bs58::decode(encoded).into_vec().ok()?;
    let key = bytes.strip_prefix(&ED25519_MULTICODEC[..])?;
    key.try_into().ok()
}

/// Decodes a base64url (no padding) Ed25519 public key and checks it is a curve point.
///
/// # Errors
/// [`KeyError::BadPublicKey`].
pub fn parse_public_key(b64: &str) -> Result<[u8; 32], KeyError> {
    let bytes: [u8; 32] = URL_SAFE_NO_PAD
        .decode(b64.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(KeyError::BadPublicKey)?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::BadPublicKey)?;
    Ok(bytes)
}

/// Verifies a base64url Ed25519 signature of `message` by `public_key`, in the strict mode of
/// RFC 8032 section 5.1.7 (rejects small-order keys and non-canonical signatures).
///
/// # Errors
/// [`KeyError::BadPublicKey`], [`KeyError::BadSignature`] or [`KeyError::SignatureMismatch`].
pub fn verify(public_key: &[u8; 32], message: &[u8], signature_b64: &str) -> Result<(), KeyError> {
    let key = VerifyingKey::from_bytes(public_key).map_err(|_| KeyError::BadPublicKey)?;
    let sig: [u8; 64] = URL_SAFE_NO_PAD
        .decode(signature_b64.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(KeyError::BadSignature)?;
    let sig = Signature::from_bytes(&sig);
    key.verify_strict(message, &sig)
        .map_err(|_| KeyError::SignatureMismatch)
}

/// A key pair held by the browser. `Debug` is redacted.
pub struct KeyPair(SigningKey);

impl KeyPair {
    /// The key pair for a 32-byte seed (the RFC 8032 private key).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self(SigningKey::from_bytes(&seed))
    }

    /// The public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.0.verifying_key().to_bytes()
    }

    /// The public key, base64url without padding (what the server functions take).
    pub fn public_key_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.public_key())
    }

    /// This key's `did:key`.
    pub fn did(&self) -> String {
        did_key(&self.public_key())
    }

    /// Signs `message`; the signature as base64url without padding.
    pub fn sign_b64(&self, message: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(self.0.sign(message).to_bytes())
    }

    /// The backup a person keeps: JSON with the did, the public key and the private seed.
    pub fn backup(&self) -> KeyBackup {
        KeyBackup {
            format: KeyBackup::FORMAT.to_owned(),
            did: self.did(),
            public_key: self.public_key_b64(),
            private_key: URL_SAFE_NO_PAD.encode(self.0.to_bytes()),
        }
    }
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair({})", self.did())
    }
}

/// The key backup file (`gatehouse-key.json`). Whoever has it can sign in as its owner.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyBackup {
    /// Always [`KeyBackup::FORMAT`].
    pub format: String,
    pub did: String,
    /// base64url Ed25519 public key.
    pub public_key: String,
    /// base64url 32-byte Ed25519 seed.
    pub private_key: String,
}

crate::debug_without_secrets!(KeyBackup {
    format,
    did,
    public_key
});

impl KeyBackup {
    /// The format marker of version 1 backups.
    pub const FORMAT: &'static str = "gatehouse-ed25519-key/v1";

    /// Reads a backup and checks it is consistent (the seed yields the stated key and did).
    ///
    /// # Errors
    /// [`KeyError::BadBackup`].
    pub fn restore(json: &str) -> Result<KeyPair, KeyError> {
        let b: KeyBackup = serde_json::from_str(json.trim()).map_err(|_| KeyError::BadBackup)?;
        let seed: [u8; 32] = URL_SAFE_NO_PAD
            .decode(b.private_key.trim())
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(KeyError::BadBackup)?;
        let pair = KeyPair::from_seed(seed);
        if b.format != Self::FORMAT || pair.did() != b.did || pair.public_key_b64() != b.public_key
        {
            return Err(KeyError::BadBackup);
        }
        Ok(pair)
    }

    /// The backup as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A single-use proof-of-possession challenge: sign
/// [`challenge_message`]`(purpose, origin, challenge)` with the key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SigningChallenge {
    pub id: uuid::Uuid,
    /// 32 random bytes, base64url.
    pub challenge: String,
    /// The Gatehouse public origin, part of the signed message.
    pub origin: String,
    /// Seconds until the challenge expires.
    pub expires_in_secs: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(last: u8) -> [u8; 32] {
        let mut s = [0u8; 32];
        s[31] = last;
        s
    }

    /// The Ed25519 vectors published with the did:key method
    /// (w3c-ccg/did-method-key, test-vectors/ed25519-x25519.json): seed → did.
    #[test]
    fn did_key_matches_the_published_vectors() {
        let vectors = [
            (
                0,
                "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
            ),
            (
                1,
                "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG",
            ),
            (
                2,
                "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf",
            ),
            (
                3,
                "did:key:z6MkvqoYXQfDDJRv8L4wKzxYeuKyVZBfi9Qo6Ro8MiLH3kDQ",
            ),
            (
                4,
                "did:key:z6MkwW6aqMnjgrhJXFUko3NnZPGzVpkNzhYK7yEhnsibmLwL",
            ),
        ];
        for (last, did) in vectors {
            let pair = KeyPair::from_seed(seed(last));
            assert_eq!(pair.did(), did);
            assert_eq!(public_key_from_did(did), Some(pair.public_key()));
        }
        // The first vector's publicKeyBase58.
        assert_eq!(
            bs58::encode(KeyPair::from_seed(seed(0)).public_key()).into_string(),
            "4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS"
        );
        assert_eq!(public_key_from_did("did:key:zQ3s"), None);
        assert_eq!(public_key_from_did("did:web:example.org"), None);
    }

    #[test]
    fn a_signature_verifies_only_with_its_own_key() {
        let alice = KeyPair::from_seed(seed(7));
        let mallory = KeyPair::from_seed(seed(8));
        let msg = challenge_message(ChallengePurpose::Join, "https://g.example", &[1; 32]);
        let sig = alice.sign_b64(&msg);
        assert_eq!(verify(&alice.public_key(), &msg, &sig), Ok(()));
        assert_eq!(
            verify(&mallory.public_key(), &msg, &sig),
            Err(KeyError::SignatureMismatch)
        );
        let other = challenge_message(ChallengePurpose::SignIn, "https://g.example", &[1; 32]);
        assert_eq!(
            verify(&alice.public_key(), &other, &sig),
            Err(KeyError::SignatureMismatch)
        );
        assert_eq!(
            verify(&alice.public_key(), &msg, "not base64!"),
            Err(KeyError::BadSignature)
        );
    }

    #[test]
    fn public_keys_are_checked() {
        let pair = KeyPair::from_seed(seed(9));
        assert_eq!(
            parse_public_key(&pair.public_key_b64()),
            Ok(pair.public_key())
        );
        assert_eq!(parse_public_key("AAAA"), Err(KeyError::BadPublicKey));
    }

    #[test]
    fn backups_round_trip_and_reject_tampering() {
        let pair = KeyPair::from_seed(seed(10));
        let json = pair.backup().to_json();
        assert_eq!(KeyBackup::restore(&json).unwrap().did(), pair.did());
        let mut b = pair.backup();
        b.did = KeyPair::from_seed(seed(11)).did();
        assert!(KeyBackup::restore(&b.to_json()).is_err());
        assert!(KeyBackup::restore("{}").is_err());
        assert!(!format!("{pair:?}").contains(&pair.backup().private_key));
    }
}
