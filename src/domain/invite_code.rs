//! Invite codes: short, human-typable codes that let someone join an organisation.
//!
//! A code is 12 symbols from Crockford's base32 alphabet (<https://www.crockford.com/base32.html>:
//! digits and letters without I, L, O and U), 60 bits from the OS random number generator. It is
//! shown as `XXXX-XXXX-XXXX`. Typed input is forgiving in the way Crockford describes: case is
//! ignored, spaces and dashes are dropped, `O` reads as `0`, and `I` and `L` read as `1`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Crockford's base32 alphabet, in value order (32 symbols, 5 bits each).
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Symbols in a code.
pub const CODE_LEN: usize = 12;

/// A well-formed invite code: exactly [`CODE_LEN`] canonical (upper-case) alphabet symbols.
/// Whether it exists is a question for the server.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct InviteCode(String);

/// Why typed text is not an invite code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InviteCodeError {
    #[error("Enter the invite code you were given.")]
    Empty,
    #[error("An invite code has 12 letters and digits, like ABCD-EFGH-JKMN.")]
    WrongLength,
    #[error("Invite codes use only digits and the letters A–Z without U. Check what you typed.")]
    BadSymbol,
}

impl InviteCode {
    /// Normalises typed input and checks it: ASCII letters in any case, digits, spaces and
    /// dashes; `O`→`0`, `I`/`L`→`1` (Crockford's decoding rules).
    ///
    /// # Errors
    /// [`InviteCodeError`] with a sentence for the person typing.
    pub fn parse(input: &str) -> Result<Self, InviteCodeError> {
        let mut out = String::with_capacity(CODE_LEN);
        for c in input.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
                return Err(InviteCodeError::BadSymbol);
            }
            out.push(c);
        }
        match out.len() {
            0 => Err(InviteCodeError::Empty),
            CODE_LEN => Ok(Self(out)),
            _ => Err(InviteCodeError::WrongLength),
        }
    }

    /// Builds a code from 12 random bytes: each byte's low five bits pick a symbol. 256 is a
    /// multiple of 32, so every symbol is equally likely (no modulo bias).
    pub fn from_random_bytes(bytes: [u8; CODE_LEN]) -> Self {
        Self(
            bytes
                .iter()
                .map(|b| ALPHABET[usize::from(b & 0x1f)] as char)
                .collect(),
        )
    }

    /// A new code from the operating system's random number generator.
    ///
    /// # Panics
    /// If the OS random number generator fails (nothing safe can be done then).
    #[cfg(feature = "ssr")]
    pub fn generate() -> Self {
        let mut bytes = [0u8; CODE_LEN];
        getrandom::fill(&mut bytes).expect("OS random number generator");
        Self::from_random_bytes(bytes)
    }

    /// The canonical 12 symbols (what is HMAC'd and stored encrypted).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `XXXX-XXXX-XXXX`, for display and the shareable URL.
    pub fn formatted(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }

    /// What the code field shows while someone types (spec 004: "12-char, auto-uppercase"):
    /// letters upper-cased, spaces and dashes dropped, and the rest grouped by four with
    /// dashes. Nothing else is changed or cut, so [`InviteCode::parse`] still names a wrong
    /// character or length; `abcd efgh` shows as `ABCD-EFGH`.
    pub fn typed_display(input: &str) -> String {
        let symbols: Vec<char> = input
            .chars()
            .filter(|c| *c != '-' && !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        symbols
            .chunks(4)
            .map(|group| group.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("-")
    }
}

/// Redacted: a code is a bearer secret until it is used up.
impl fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InviteCode(…)")
    }
}

/// How long a new invite code stays valid. Never more than 30 days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CodeExpiry {
    Days1,
    Days3,
    Days7,
    Days14,
    Days30,
}

impl CodeExpiry {
    /// Every preset, shortest first.
    pub const ALL: [Self; 5] = [
        Self::Days1,
        Self::Days3,
        Self::Days7,
        Self::Days14,
        Self::Days30,
    ];

    /// Length in days.
    pub fn days(self) -> i64 {
        match self {
            Self::Days1 => 1,
            Self::Days3 => 3,
            Self::Days7 => 7,
            Self::Days14 => 14,
            Self::Days30 => 30,
        }
    }

    /// "1 day", "7 days".
    pub fn label(self) -> String {
        match self.days() {
            1 => "1 day".to_owned(),
            n => format!("{n} days"),
        }
    }

    /// Parses a number of days that is one of the presets.
    ///
    /// # Errors
    /// A sentence listing the presets.
    pub fn parse(days: &str) -> Result<Self, String> {
        let n: i64 = days.trim().parse().unwrap_or(0);
        Self::ALL
            .into_iter()
            .find(|p| p.days() == n)
            .ok_or_else(|| "Choose 1, 3, 7, 14 or 30 days.".to_owned())
    }
}

/// Most redemptions one code may allow.
pub const MAX_USES_LIMIT: i32 = 500;
/// Most codes one batch may create.
pub const BATCH_LIMIT: i32 = 100;

/// Parses "how many people may redeem it": a whole number from 1 to [`MAX_USES_LIMIT`].
///
/// # Errors
/// A sentence for the field.
pub fn parse_max_uses(input: &str) -> Result<i32, String> {
    match input.trim().parse::<i32>() {
        Ok(n) if (1..=MAX_USES_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!("Enter a whole number from 1 to {MAX_USES_LIMIT}.")),
    }
}

/// Parses how many codes to create at once: a whole number from 1 to [`BATCH_LIMIT`].
///
/// # Errors
/// A sentence for the field.
pub fn parse_batch_size(input: &str) -> Result<i32, String> {
    match input.trim().parse::<i32>() {
        Ok(n) if (1..=BATCH_LIMIT).contains(&n) => Ok(n),
        _ => Err(format!("Enter a whole number from 1 to {BATCH_LIMIT}.")),
    }
}

/// Where an invite code stands, computed when it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeStatus {
    /// Can be redeemed.
    Active,
    /// Past its expiry with uses left.
    Expired,
    /// Every use spent.
    Used,
    /// Revoked by an admin.
    Revoked,
}

impl CodeStatus {
    /// The status of a code; revocation wins over use, use over expiry.
    pub fn of(revoked: bool, used: i32, max_uses: i32, expired: bool) -> Self {
        if revoked {
            Self::Revoked
        } else if used >= max_uses {
            Self::Used
        } else if expired {
            Self::Expired
        } else {
            Self::Active
        }
    }

    /// Human label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expired => "Expired",
            Self::Used => "Used",
            Self::Revoked => "Revoked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_codes_show_upper_cased_in_groups_of_four() {
        assert_eq!(InviteCode::typed_display("abcd efgh"), "ABCD-EFGH");
        assert_eq!(
            InviteCode::typed_display("ab-cd-efghjkmn"),
            "ABCD-EFGH-JKMN"
        );
        assert_eq!(InviteCode::typed_display("abc"), "ABC");
        assert_eq!(InviteCode::typed_display(""), "");
        // Wrong characters and lengths stay for the parser to name.
        assert_eq!(
            InviteCode::typed_display("ab!cdefghjkmnp"),
            "AB!C-DEFG-HJKM-NP"
        );
        let shown = InviteCode::typed_display("abcd efgh jkmn");
        assert_eq!(InviteCode::parse(&shown).unwrap().formatted(), shown);
    }

    #[test]
    fn input_is_normalised_like_crockford_says() {
        let c = InviteCode::parse("abcd-efgh-jkmn").unwrap();
        assert_eq!(c.as_str(), "ABCDEFGHJKMN");
        assert_eq!(c.formatted(), "ABCD-EFGH-JKMN");
        assert_eq!(
            InviteCode::parse(" o1il 2345 6789 ").unwrap().as_str(),
            "011123456789"
        );
        assert_eq!(
            InviteCode::parse("ABCDEFGHJKMN"),
            InviteCode::parse("ab cd ef gh jk mn")
        );
    }

    #[test]
    fn malformed_input_is_refused_with_a_reason() {
        assert_eq!(InviteCode::parse(" - "), Err(InviteCodeError::Empty));
        assert_eq!(
            InviteCode::parse("ABCD-EFGH"),
            Err(InviteCodeError::WrongLength)
        );
        assert_eq!(
            InviteCode::parse("ABCD-EFGH-JKMU"),
            Err(InviteCodeError::BadSymbol)
        );
        assert_eq!(
            InviteCode::parse("ABCD-EFGH-JKM!"),
            Err(InviteCodeError::BadSymbol)
        );
        assert_eq!(
            InviteCode::parse("ÄBCD-EFGH-JKMN"),
            Err(InviteCodeError::BadSymbol)
        );
    }

    #[test]
    fn generated_codes_use_the_alphabet_and_round_trip() {
        for _ in 0..1000 {
            let c = InviteCode::generate();
            assert_eq!(c.as_str().len(), CODE_LEN);
            assert!(c.as_str().bytes().all(|b| ALPHABET.contains(&b)));
            assert_eq!(InviteCode::parse(&c.formatted()).unwrap(), c);
        }
        for forbidden in ["I", "L", "O", "U"] {
            assert!(!std::str::from_utf8(ALPHABET).unwrap().contains(forbidden));
        }
    }

    /// 100 000 codes = 1.2 million symbols; each of the 32 symbols is expected 37 500 times.
    /// A chi-squared statistic above 70 (31 degrees of freedom, p < 0.0001) would mean a bias
    /// we can measure.
    #[test]
    fn symbols_are_uniform_over_100k_codes() {
        let mut counts = [0u64; 32];
        for _ in 0..100_000 {
            for b in InviteCode::generate().as_str().bytes() {
                let i = ALPHABET.iter().position(|&a| a == b).unwrap();
                counts[i] += 1;
            }
        }
        let expected = 1_200_000.0 / 32.0;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (c as f64 - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 70.0, "chi-squared {chi2} over {counts:?}");
    }

    #[test]
    fn every_byte_value_maps_evenly() {
        let mut counts = [0u32; 32];
        for b in 0..=255u8 {
            let c = InviteCode::from_random_bytes([b; CODE_LEN]);
            let i = ALPHABET
                .iter()
                .position(|&a| a == c.as_str().as_bytes()[0])
                .unwrap();
            counts[i] += 1;
        }
        assert!(counts.iter().all(|&c| c == 8));
    }

    #[test]
    fn debug_does_not_show_the_code() {
        let c = InviteCode::parse("ABCDEFGHJKMN").unwrap();
        assert!(!format!("{c:?}").contains("ABCD"));
    }

    #[test]
    fn expiry_presets_and_limits() {
        assert_eq!(CodeExpiry::parse("7"), Ok(CodeExpiry::Days7));
        assert!(CodeExpiry::parse("31").is_err());
        assert!(CodeExpiry::parse("60").is_err());
        assert_eq!(CodeExpiry::Days1.label(), "1 day");
        assert_eq!(parse_max_uses("3"), Ok(3));
        assert!(parse_max_uses("0").is_err());
        assert!(parse_max_uses("501").is_err());
        assert!(parse_batch_size("101").is_err());
    }

    #[test]
    fn status_precedence() {
        assert_eq!(CodeStatus::of(true, 1, 1, true), CodeStatus::Revoked);
        assert_eq!(CodeStatus::of(false, 1, 1, true), CodeStatus::Used);
        assert_eq!(CodeStatus::of(false, 0, 1, true), CodeStatus::Expired);
        assert_eq!(CodeStatus::of(false, 2, 3, false), CodeStatus::Active);
    }
}
