//! What the analytics page shows. Durations are seconds; dates `YYYY-MM-DD` (UTC).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The filter as typed; every field may be empty (the last 30 days of the caller's
/// organisation).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsQuery {
    /// First day, inclusive.
    #[serde(default)]
    pub from: String,
    /// Last day, inclusive.
    #[serde(default)]
    pub to: String,
    /// Platform admins: one organisation's id, or empty for all.
    #[serde(default)]
    pub organisation: String,
}

/// Invitations of one period (a day or a week starting that day), by their status now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PeriodRow {
    pub period: String,
    pub sent: i64,
    pub accepted: i64,
    pub pending: i64,
    pub expired: i64,
    pub revoked: i64,
}

/// Sent and accepted invitations of one role or one inviter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BreakdownRow {
    pub label: String,
    pub sent: i64,
    pub accepted: i64,
}

/// An organisation a platform admin can pick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrganisationChoice {
    pub id: Uuid,
    pub name: String,
}

/// The whole report for one scope and date range. Counts are of invitations created in the
/// range, by what became of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsReport {
    /// The organisation's name, or "All organisations".
    pub scope: String,
    pub from: String,
    pub to: String,
    /// `day` or `week` (ranges over 62 days).
    pub bucket: String,
    pub sent: i64,
    /// Opened at least once (the registration page was viewed).
    pub viewed: i64,
    pub accepted: i64,
    pub pending: i64,
    pub expired: i64,
    pub revoked: i64,
    /// `accepted / sent`, 0 to 1; `None` when nothing was sent.
    pub acceptance_rate: Option<f64>,
    pub median_seconds_to_accept: Option<f64>,
    pub p90_seconds_to_accept: Option<f64>,
    pub periods: Vec<PeriodRow>,
    pub by_role: Vec<BreakdownRow>,
    /// The 20 inviters who sent most.
    pub by_inviter: Vec<BreakdownRow>,
    pub codes_created: i64,
    /// Members who joined with a code in the range.
    pub code_redemptions: i64,
    /// The funnel sent → viewed → accepted, as an SVG document.
    pub funnel_svg: String,
    /// Invitations per period by status, as an SVG document.
    pub periods_svg: String,
    /// Platform admins' organisation choices (empty for everyone else).
    pub organisations: Vec<OrganisationChoice>,
    pub organisation: Option<Uuid>,
}
