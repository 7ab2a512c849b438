//! What the invitation pages show: built by the service, returned by the server functions.

use crate::domain::{DeliveryState, InvitationStatus, OrgKind, Role};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A role the signed-in person may grant: wire value and label.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoleOption {
    pub value: Role,
    pub label: String,
}

/// An organisation the signed-in person may invite into, with the roles they may grant there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationOption {
    pub id: Uuid,
    pub name: String,
    pub kind: OrgKind,
    pub roles: Vec<RoleOption>,
}

/// What the "Invite Member" dialog offers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteChoices {
    /// The caller's own organisation first. More than one only for platform admins.
    pub organisations: Vec<OrganisationOption>,
    /// Whether the list spans several organisations (platform admins).
    pub all_organisations: bool,
    /// The configured default lifetime of a link, in hours.
    pub default_lifetime_hours: u64,
}

/// An invitation just made. `link` is there only when no email was sent ("Create link
/// without email"): the one time the registration link is shown.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedInvitation {
    pub id: Uuid,
    pub link: Option<String>,
}

crate::debug_without_secrets!(CreatedInvitation { id });

/// One row of the invitation list. Times are Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationSummary {
    pub id: Uuid,
    pub organisation_name: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub role_label: String,
    pub designation: Option<String>,
    pub department: Option<String>,
    /// Effective status: pending past its expiry reads as expired.
    pub status: InvitationStatus,
    /// Newest email's delivery state, if any email was queued.
    pub delivery: Option<DeliveryState>,
    pub inviter_name: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_sent_at: Option<i64>,
    pub resend_count: i32,
    pub can_resend: bool,
    pub can_revoke: bool,
}

/// A page of invitations, newest first. `next_cursor` fetches the following page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationPage {
    pub invitations: Vec<InvitationSummary>,
    pub next_cursor: Option<String>,
}

/// One audit event, for the history dialog. `at` is Unix seconds (UTC).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub action: String,
    pub actor: Option<String>,
    pub at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Action-specific facts as compact text ("reason: left the company").
    pub detail: Option<String>,
}

/// Rows per page of the invitation list.
pub const PAGE_SIZE: i64 = 50;

/// What a bulk file's row would become.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BulkVerdict {
    /// Will be invited.
    Valid,
    /// A field is wrong (see the row's `errors`).
    Invalid,
    /// The same email appears earlier in the file (compared case-insensitively).
    Duplicate,
    /// Already a member of the organisation.
    Member,
    /// Already invited, and the invitation is still pending.
    Pending,
    /// The role exists but is not the uploader's to grant.
    RoleNotAllowed,
    /// Past the organisation's daily bulk quota or its pending-invitation quota.
    OverQuota,
}

impl BulkVerdict {
    /// Every verdict, in report order.
    pub const ALL: [Self; 7] = [
        Self::Valid,
        Self::Invalid,
        Self::Duplicate,
        Self::Member,
        Self::Pending,
        Self::RoleNotAllowed,
        Self::OverQuota,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Duplicate => "duplicate",
            Self::Member => "member",
            Self::Pending => "pending",
            Self::RoleNotAllowed => "role_not_allowed",
            Self::OverQuota => "over_quota",
        }
    }

    /// What the person reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "Valid",
            Self::Invalid => "Invalid",
            Self::Duplicate => "Duplicate in file",
            Self::Member => "Already a member",
            Self::Pending => "Already invited",
            Self::RoleNotAllowed => "Role not allowed",
            Self::OverQuota => "Over quota",
        }
    }
}

/// One row of a bulk file with its verdict.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkRowReport {
    /// The data row's number in the file (1 = the row after the header).
    pub row: u32,
    pub email: String,
    pub verdict: BulkVerdict,
    /// Why, for anything but `valid`.
    pub message: Option<String>,
    /// For `invalid`: a sentence per bad field.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub errors: std::collections::BTreeMap<String, String>,
}

/// The dry run of a bulk file: every row's verdict and the totals. Nothing was written.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkPreview {
    pub organisation_name: String,
    pub rows: Vec<BulkRowReport>,
    /// Rows per verdict (wire names), every verdict listed.
    pub totals: std::collections::BTreeMap<String, usize>,
}

/// A bulk import job as it runs.
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BulkJobStatus {
    pub id: Uuid,
    /// `queued`, `running` or `done`.
    pub status: String,
    pub total_rows: i32,
    /// Rows with an outcome so far (skipped rows count from the start).
    pub processed_rows: i32,
    /// Invitations written so far.
    pub created_rows: i32,
    /// Unix seconds (UTC).
    pub created_at: i64,
    /// Unix seconds (UTC), once done.
    pub finished_at: Option<i64>,
}

/// The invitations API's reference, read from its OpenAPI document, for the reference page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApiReference {
    pub title: String,
    pub description: String,
    pub operations: Vec<OperationDoc>,
    pub schemas: Vec<SchemaDoc>,
}

/// One operation (method and path).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperationDoc {
    pub method: String,
    pub path: String,
    pub summary: String,
    /// "API token or browser session", or "None (public)".
    pub auth: String,
    pub parameters: Vec<ParameterDoc>,
    /// The request body's media types and schema, if it has one.
    pub request: Option<String>,
    pub responses: Vec<ResponseDoc>,
}

/// One parameter of an operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParameterDoc {
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    pub required: bool,
    pub description: String,
}

/// One documented answer of an operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ResponseDoc {
    pub status: String,
    pub description: String,
    /// Media type and schema, for example "application/json: InvitationResource".
    pub body: Option<String>,
}

/// One schema with its fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchemaDoc {
    pub name: String,
    pub description: String,
    pub fields: Vec<FieldDoc>,
}

/// One field of a schema.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldDoc {
    pub name: String,
    pub kind: String,
    pub required: bool,
    pub description: String,
}

/// An organisation's expiry-reminder setting, as the invitations page shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReminderSettings {
    /// The organisation the switch belongs to (the signed-in person's).
    pub organisation: String,
    pub enabled: bool,
    /// Hours before expiry the reminder goes out; `None` when this Gatehouse sends none
    /// (`GATEHOUSE_REMINDER_HOURS=0`).
    pub hours_before: Option<u32>,
    /// A platform admin's page lists every organisation, while the switch is their own's.
    pub scope_all_organisations: bool,
}
