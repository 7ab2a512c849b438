//! Server function behind the dashboards.

use crate::error::AppError;
use leptos::prelude::*;
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

/// The signed-in person's dashboard numbers.
#[server(endpoint = "dashboard/summary")]
pub async fn dashboard_summary() -> Result<DashboardNumbers, AppError> {
    use crate::auth::session::{current_user, load};
    let (state, session) = load().await?;
    let user = current_user(&state, &session).await?;
    let db = AppError::internal::<sqlx::Error>("dashboard query failed");
    let scope = (!user.is_platform_admin()).then_some(user.org_id);
    let members: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM memberships WHERE $1::uuid IS NULL OR organisation_id = $1",
    )
    .bind(scope)
    .fetch_one(&state.pool)
    .await
    .map_err(db)?;
    let invitations = if user.role.can_manage_invitations(user.org_kind) {
        let (pending, accepted, expired, revoked, median): (i64, i64, i64, i64, Option<f64>) =
            sqlx::query_as(
                "SELECT count(*) FILTER (WHERE status = 'pending' AND expires_at > now()),
                    count(*) FILTER (WHERE status = 'accepted'),
                    count(*) FILTER (WHERE status = 'expired'
                                       OR (status = 'pending' AND expires_at <= now())),
                    count(*) FILTER (WHERE status = 'revoked'),
                    percentile_cont(0.5) WITHIN GROUP
                        (ORDER BY extract(epoch FROM accepted_at - created_at) / 60)
                        FILTER (WHERE status = 'accepted')
               FROM invitations WHERE $1::uuid IS NULL OR organisation_id = $1",
            )
            .bind(scope)
            .fetch_one(&state.pool)
            .await
            .map_err(db)?;
        let settled = accepted + expired + revoked;
        Some(InvitationCounts {
            pending,
            accepted,
            expired,
            revoked,
            acceptance_rate_percent: (settled > 0)
                .then(|| (accepted * 100 + settled / 2) / settled),
            median_minutes_to_accept: median.map(|m| m.round() as i64),
        })
    } else {
        None
    };
    Ok(DashboardNumbers {
        members,
        invitations,
    })
}
