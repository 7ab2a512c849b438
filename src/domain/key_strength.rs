//! Strength check for API keys and secrets a partner submits. The same function runs in the
//! browser (compiled to wasm) as the partner types and on the server before anything is
//! stored, so both always agree.
//!
//! The estimate follows the character-class model of NIST SP 800-63B (2017) appendix A and
//! OWASP ASVS 5.0 V11.4 guidance on secret entropy: bits = effective length × log2(size of the
//! pool of the character classes actually used). Patterns that make a key guessable are
//! penalised before counting: a character repeating its predecessor, a step of an ascending or
//! descending run (`abc`, `987`), a character that continues a repeated group once the group
//! has been copied in full (`Ab1!Ab1!Ab1!`: everything after the first copy), and known weak
//! words (`password`, `qwerty`, `secret`, ...) count as one character each. Messages never
//! quote the key.

use serde::{Deserialize, Serialize};

/// What a provider demands of a key.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyRequirements {
    /// Minimum length in characters (default 32).
    pub min_length: usize,
    /// Minimum estimated entropy in bits (default 128).
    pub min_entropy_bits: u32,
}

impl Default for KeyRequirements {
    fn default() -> Self {
        Self {
            min_length: 32,
            min_entropy_bits: 128,
        }
    }
}

/// Longest key accepted, in characters.
pub const MAX_KEY_CHARS: usize = 512;

/// A reason a key is refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyProblem {
    Empty,
    TooShort {
        length: usize,
        min: usize,
    },
    TooLong {
        max: usize,
    },
    /// Spaces, line breaks or other non-printable characters.
    Unprintable,
    /// A run of at least four identical characters.
    Repetition,
    /// An ascending or descending run of at least four characters.
    Sequence,
    /// Contains a common word or keyboard pattern.
    KnownWeakPattern,
    LowEntropy {
        bits: u32,
        min: u32,
    },
}

impl KeyProblem {
    /// A stable reason code for analytics (`too_short`, `low_entropy`, ...).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::Unprintable => "unprintable",
            Self::Repetition => "repetition",
            Self::Sequence => "sequence",
            Self::KnownWeakPattern => "known_weak_pattern",
            Self::LowEntropy { .. } => "low_entropy",
        }
    }
}

impl std::fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => write!(f, "Enter the secret."),
            Self::TooShort { length, min } => write!(
                f,
                "The secret has {length} characters; this provider requires at least {min}."
            ),
            Self::TooLong { max } => write!(f, "The secret may have at most {max} characters."),
            Self::Unprintable => write!(
                f,
                "The secret contains spaces, line breaks or other invisible characters."
            ),
            Self::Repetition => write!(
                f,
                "The secret repeats one character four or more times in a row."
            ),
            Self::Sequence => write!(
                f,
                "The secret contains a run like abcd or 4321."
            ),
            Self::KnownWeakPattern => write!(
                f,
                "The secret contains a common word or keyboard pattern (such as password or qwerty)."
            ),
            Self::LowEntropy { bits, min } => write!(
                f,
                "The secret's estimated strength is {bits} bits; at least {min} are required. Use a longer secret from a random generator."
            ),
        }
    }
}

/// The result of [`assess`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyAssessment {
    /// Length in characters.
    pub length: usize,
    /// Estimated entropy in bits (rounded down).
    pub estimated_bits: u32,
    /// Empty when the key is acceptable.
    pub problems: Vec<KeyProblem>,
}

impl KeyAssessment {
    /// Whether the key passed every check.
    pub fn is_acceptable(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Lower-case fragments that make a key guessable (common words, keyboard walks, defaults).
const WEAK_PATTERNS: &[&str] = &[
    "password", "passwd", "secret", "qwerty", "asdf", "zxcv", "letmein", "welcome", "admin",
    "changeme", "default", "apikey", "api_key", "token", "test", "example", "iloveyou", "monkey",
    "dragon", "master", "1q2w3e", "trustno1",
];

/// Longest repeated group [`assess`] looks for, in characters.
const MAX_PERIOD: usize = 16;

/// Character pool sizes: lower, upper, digits, printable ASCII symbols, anything else.
fn pool_size(key: &str) -> u32 {
    let (mut lower, mut upper, mut digit, mut symbol, mut other) =
        (false, false, false, false, false);
    for c in key.chars() {
        match c {
            'a'..='z' => lower = true,
            'A'..='Z' => upper = true,
            '0'..='9' => digit = true,
            c if c.is_ascii_punctuation() => symbol = true,
            _ => other = true,
        }
    }
    u32::from(lower) * 26
        + u32::from(upper) * 26
        + u32::from(digit) * 10
        + u32::from(symbol) * 32
        + u32::from(other) * 100
}

/// Checks `key` against `req`: every problem is reported, not just the first.
pub fn assess(key: &str, req: &KeyRequirements) -> KeyAssessment {
    let chars: Vec<char> = key.chars().collect();
    let length = chars.len();
    let mut problems = Vec::new();
    if length == 0 {
        return KeyAssessment {
            length,
            estimated_bits: 0,
            problems: vec![KeyProblem::Empty],
        };
    }
    if chars.iter().any(|c| c.is_whitespace() || c.is_control()) {
        problems.push(KeyProblem::Unprintable);
    }
    if length < req.min_length {
        problems.push(KeyProblem::TooShort {
            length,
            min: req.min_length,
        });
    }
    if length > MAX_KEY_CHARS {
        problems.push(KeyProblem::TooLong { max: MAX_KEY_CHARS });
    }

    // Each character counts fully unless it repeats its predecessor or continues a run.
    let mut penalised = vec![false; length];
    let (mut same_run, mut up_run, mut down_run) = (1usize, 1usize, 1usize);
    let (mut repetition, mut sequence) = (false, false);
    for i in 1..length {
        let (a, b) = (chars[i - 1] as i64, chars[i] as i64);
        same_run = if a == b { same_run + 1 } else { 1 };
        up_run = if b - a == 1 { up_run + 1 } else { 1 };
        down_run = if a - b == 1 { down_run + 1 } else { 1 };
        if same_run > 1 || up_run > 2 || down_run > 2 {
            penalised[i] = true;
        }
        repetition |= same_run >= 4;
        sequence |= up_run >= 4 || down_run >= 4;
    }
    // A group of 2 to MAX_PERIOD characters repeated: once a whole copy of the group has
    // followed it, the rest of the repetition adds nothing an attacker must guess.
    for period in 2..=MAX_PERIOD.min(length / 2) {
        let mut copied = 0usize;
        for i in period..length {
            copied = if chars[i] == chars[i - period] {
                copied + 1
            } else {
                0
            };
            if copied >= period {
                penalised[i] = true;
            }
        }
    }
    if repetition {
        problems.push(KeyProblem::Repetition);
    }
    if sequence {
        problems.push(KeyProblem::Sequence);
    }
    let lower: Vec<char> = chars.iter().map(|c| c.to_ascii_lowercase()).collect();
    let mut weak = false;
    for pattern in WEAK_PATTERNS {
        let p: Vec<char> = pattern.chars().collect();
        for start in 0..lower.len().saturating_sub(p.len() - 1) {
            if lower[start..start + p.len()] == p[..] {
                weak = true;
                penalised[start + 1..start + p.len()]
                    .iter_mut()
                    .for_each(|x| *x = true);
            }
        }
    }
    if weak {
        problems.push(KeyProblem::KnownWeakPattern);
    }
    let effective = penalised.iter().filter(|p| !**p).count();
    let bits = effective as f64 * f64::from(pool_size(key)).log2();
    let estimated_bits = bits.floor() as u32;
    if estimated_bits < req.min_entropy_bits {
        problems.push(KeyProblem::LowEntropy {
            bits: estimated_bits,
            min: req.min_entropy_bits,
        });
    }
    KeyAssessment {
        length,
        estimated_bits,
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(key: &str) -> Vec<&'static str> {
        assess(key, &KeyRequirements::default())
            .problems
            .iter()
            .map(KeyProblem::code)
            .collect()
    }

    #[test]
    fn weak_keys_are_refused_with_their_reasons() {
        let table: &[(&str, &[&str])] = &[
            ("", &["empty"]),
            ("short", &["too_short", "low_entropy"]),
            (
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                &["repetition", "low_entropy"],
            ),
            (
                "abcdefghijklmnopqrstuvwxyzabcdefghijklmn",
                &["sequence", "low_entropy"],
            ),
            (
                "0123456789012345678901234567890123456789",
                &["sequence", "low_entropy"],
            ),
            (
                "Password1Password1Password1Password1!!",
                &["known_weak_pattern", "low_entropy"],
            ),
            (
                "qwertyQWERTYqwerty123456789!qwertyQWERTY",
                &["sequence", "known_weak_pattern", "low_entropy"],
            ),
            ("Xk9#mP2$vL7@nQ4&wR8*zT1!bY6^cU3%", &[]),
            ("Xk9#mP2$ vL7@nQ4&wR8*zT1!bY6^cU3%", &["unprintable"]),
            // 32 lower-case letters: 32 × log2(26) ≈ 150 bits but hex-only keys of 32 give 165.
            (
                "deadbeefcafef00d1234",
                &["too_short", "sequence", "low_entropy"],
            ),
        ];
        for (key, expected) in table {
            assert_eq!(&codes(key), expected, "key {key:?}");
        }
    }

    #[test]
    fn strong_random_keys_pass() {
        for key in [
            "3f9a1c7e5b2d8f4a6c0e9b1d7f3a5c8e", // 32 hex digits (128 random bits)
            "q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe", // 32 base62 characters
            "kJ8_f-3ZqP0vX9mR2tW7yB4nL6hD1sGc5eA", // base64url
            "Tr0ub4dor&3-correct-HORSE-battery-St4ple!92",
        ] {
            let a = assess(key, &KeyRequirements::default());
            assert!(a.is_acceptable(), "{key}: {:?}", a.problems);
            assert!(a.estimated_bits >= 128);
        }
    }

    #[test]
    fn the_provider_minimum_length_is_respected() {
        let strict = KeyRequirements {
            min_length: 48,
            min_entropy_bits: 128,
        };
        let a = assess("q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe", &strict);
        assert_eq!(
            a.problems,
            vec![KeyProblem::TooShort {
                length: 32,
                min: 48
            }]
        );
        assert!(a.problems[0].to_string().contains("at least 48"));
    }

    #[test]
    fn a_repeated_group_counts_once() {
        // Eight copies of a 4-character group: 32 characters from a 94-symbol pool would be
        // 209 bits if each counted; only the first copy and a little more do.
        let a = assess(&"Ab1!".repeat(8), &KeyRequirements::default());
        assert!(a.estimated_bits < 64, "{} bits", a.estimated_bits);
        assert!(a.problems.iter().any(|p| p.code() == "low_entropy"));
        let a = assess(&"q3ZL8vN2".repeat(5), &KeyRequirements::default());
        assert!(a.estimated_bits < 128, "{} bits", a.estimated_bits);
        // A random key keeps (almost) all of its strength.
        let a = assess(
            "q3ZL8vN2xR7tK9mW4pB6yH1jD5sF0gCe",
            &KeyRequirements::default(),
        );
        assert!(a.estimated_bits >= 180, "{} bits", a.estimated_bits);
    }

    #[test]
    fn messages_never_quote_the_key() {
        let key = "passwordpasswordpassword";
        for p in assess(key, &KeyRequirements::default()).problems {
            assert!(!p.to_string().contains(key));
            assert!(!p.to_string().contains("passwordp"));
        }
    }
}
