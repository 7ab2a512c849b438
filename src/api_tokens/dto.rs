//! What the API-token page shows: built by the service, returned by the server functions.

use crate::invitations::dto::RoleOption;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What "Create token" offers the caller.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenChoices {
    pub organisation_name: String,
    /// Roles no higher than the caller's, most privileged first.
    pub roles: Vec<RoleOption>,
    /// Lifetime presets in days with labels (7, 30, 90, 365).
    pub expiry_days: Vec<(i64, String)>,
}

/// `active`, `expired` or `revoked`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Expired,
    Revoked,
}

impl TokenStatus {
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }
}

/// One token in the list (never the token itself).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub id: Uuid,
    pub name: String,
    pub role_label: String,
    pub created_by: String,
    /// Unix seconds (UTC).
    pub created_at: i64,
    /// Unix seconds (UTC).
    pub expires_at: i64,
    /// Unix seconds (UTC); `None` when never used.
    pub last_used_at: Option<i64>,
    pub status: TokenStatus,
}

/// A token just made: the only DTO that carries the token, shown once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedToken {
    pub id: Uuid,
    pub name: String,
    /// `gh_at_…`: the bearer token. Not stored; not shown again.
    pub token: String,
    /// Unix seconds (UTC).
    pub expires_at: i64,
}

crate::debug_without_secrets!(CreatedToken {
    id,
    name,
    expires_at
});
