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

/// Invitations by effective status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationCounts {
    pub pending: i64,
    pub accepted: i64,
    pub expired: i64,
    pub revoked: i64,
}

/// The signed-in person's dashboard numbers.
#[server(endpoint = "dashboard/summary")]
pub async fn dashboard_summary() -> Result<DashboardNumbers, AppError> {
    use crate::auth::session::{current_user, load};
    let (state, session) = load().await?;
    let user = current_user(&state, &session).await?;
    let db = |e: sqlx::Error| {
        tracing::error!(error = %e, "dashboard query failed");
        AppError::Internal
    };
    let scope = (!user.is_platform_admin()).then_some(user.org_id);
    let members: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM memberships WHERE $1::uuid IS NULL OR organisation_id = $1",
    )
    .bind(scope)
    .fetch_one(&state.pool)
    .await
    .map_err(db)?;
    let invitations = if user.role.can_manage_invitations(user.org_kind) {
        let (pending, accepted, expired, revoked): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT count(*) FILTER (WHERE status = 'pending' AND expires_at > now()),
                    count(*) FILTER (WHERE status = 'accepted'),
                    count(*) FILTER (WHERE status = 'expired'
                                       OR (status = 'pending' AND expires_at <= now())),
                    count(*) FILTER (WHERE status = 'revoked')
               FROM invitations WHERE $1::uuid IS NULL OR organisation_id = $1",
        )
        .bind(scope)
        .fetch_one(&state.pool)
        .await
        .map_err(db)?;
        Some(InvitationCounts {
            pending,
            accepted,
            expired,
            revoked,
        })
    } else {
        None
    };
    Ok(DashboardNumbers {
        members,
        invitations,
    })
}
