//! What the dashboards show: built by the service, returned by the server function.

use serde::{Deserialize, Serialize};

/// Counts shown on a dashboard. Invitation counts are `None` for roles that do not manage
/// invitations. Platform admins see counts across every organisation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DashboardNumbers {
    pub members: i64,
    pub invitations: Option<InvitationCounts>,
}

/// Invitations by effective status, and how they convert.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationCounts {
    pub pending: i64,
    pub accepted: i64,
    pub expired: i64,
    pub revoked: i64,
    /// Accepted as a whole percentage of the invitations that are settled (accepted, expired
    /// or revoked); `None` while none is settled.
    pub acceptance_rate_percent: Option<i64>,
    /// Median minutes from invitation to acceptance; `None` before the first acceptance.
    pub median_minutes_to_accept: Option<i64>,
}
