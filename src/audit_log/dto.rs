//! What the audit log shows: built by the service, returned by the server function and the
//! exports. Times are Unix seconds (UTC).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One audit event as a person reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEventDto {
    pub id: i64,
    pub at: i64,
    pub organisation: String,
    /// `user`, `api_token`, `partner_client`, `system` or `anonymous`.
    pub actor_kind: String,
    /// Who acted: a person's name and email, an API token's name, a partner's name,
    /// "Gatehouse" or "Anonymous".
    pub actor: String,
    pub action: String,
    /// `invitation`, `invite_code`, `partner`, `credential_invitation`, `api_token`,
    /// `organisation` or `webhook_endpoint`.
    pub subject_type: String,
    pub subject_id: Uuid,
    /// What the subject is called (an invitee's email, a partner's name…), when known.
    pub subject: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    /// The event's details as compact JSON.
    pub detail: String,
}

/// One page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEventDto>,
    /// Pass as `before` for the next page; `None` on the last.
    pub next_cursor: Option<i64>,
    /// Platform admins see every organisation (the page adds a column).
    pub all_organisations: bool,
    /// Every action name, for the filter.
    pub actions: Vec<String>,
}

/// The filter as typed (form fields or query string); every field may be empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// An action name from [`AuditPage::actions`].
    #[serde(default)]
    pub action: String,
    /// A subject type (`invitation`, `invite_code`, `partner`, `credential_invitation`,
    /// `api_token`).
    #[serde(default)]
    pub subject: String,
    /// Part of the actor's name or email, or of a token's or partner's name.
    #[serde(default)]
    pub actor: String,
    /// First day, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    pub from: String,
    /// Last day, `YYYY-MM-DD` (UTC), inclusive.
    #[serde(default)]
    pub to: String,
    /// Keyset cursor from [`AuditPage::next_cursor`].
    #[serde(default)]
    pub before: Option<i64>,
}
