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
pub const PAGE_SIZE: i64 = 25;
