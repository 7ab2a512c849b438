//! What the invite-code pages show: built by the service, returned by the server functions.

use crate::{domain::CodeStatus, invitations::dto::RoleOption};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the "Create Invite" dialog offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeChoices {
    pub organisation_name: String,
    /// Roles the caller may grant in their organisation, most privileged first.
    pub roles: Vec<RoleOption>,
    /// Expiry presets in days (1, 3, 7, 14, 30) with labels.
    pub expiry_days: Vec<(i64, String)>,
}

/// A code just created or revealed: the only DTOs that carry a code.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareableCode {
    pub id: Uuid,
    /// `XXXX-XXXX-XXXX`.
    pub code: String,
    /// `PUBLIC_URL/join?code=XXXX-XXXX-XXXX`.
    pub url: String,
    /// A QR code of `url`, as a standalone SVG document (made on the server by the `qrcode`
    /// crate; no markup from input).
    pub qr_svg: String,
}

crate::debug_without_secrets!(ShareableCode { id });

/// The result of "Create Invite". One code gets its QR code; a batch comes with a CSV file.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedCodes {
    pub codes: Vec<ShareableCode>,
    pub role_label: String,
    pub max_uses: i32,
    /// Unix seconds (UTC).
    pub expires_at: i64,
    /// RFC 4180 CSV (`code,url,role,max_uses,expires_at_utc,note`) when more than one code
    /// was made.
    pub csv: Option<String>,
}

crate::debug_without_secrets!(CreatedCodes {
    role_label,
    max_uses,
    expires_at
});

/// One row of the invite-code list; never the code itself. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeSummary {
    pub id: Uuid,
    pub status: CodeStatus,
    pub role_label: String,
    pub creator_name: String,
    pub note: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_count: i32,
    pub max_uses: i32,
    /// Made in a batch with other codes.
    pub in_batch: bool,
}

/// The newest codes of the organisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CodeList {
    pub codes: Vec<CodeSummary>,
    /// More codes exist than were returned.
    pub truncated: bool,
}

/// What a new member learns after joining.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JoinOutcome {
    pub did: String,
    pub organisation_name: String,
    pub role_label: String,
    pub dashboard_path: String,
}

/// Most codes listed at once.
pub const LIST_LIMIT: i64 = 200;
