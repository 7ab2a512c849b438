//! What a dashboard counts, and for whom.

use super::{
    dto::{DashboardNumbers, InvitationCounts},
    repo,
};
use crate::{auth::session::CurrentUser, error::AppError, state::AppState};

/// The numbers of `user`'s dashboard: members of their organisation (every organisation for
/// platform admins), and invitation counts for roles that manage invitations. The acceptance
/// rate is accepted as a whole percentage (rounded half up) of the settled invitations
/// (accepted, expired or revoked).
///
/// # Errors
/// 500 on database failure.
#[tracing::instrument(skip_all, fields(user_id = %user.user_id))]
pub async fn summary(state: &AppState, user: &CurrentUser) -> Result<DashboardNumbers, AppError> {
    let db = AppError::internal::<sqlx::Error>("dashboard query failed");
    let scope = (!user.is_platform_admin()).then_some(user.org_id);
    let members = repo::member_count(&state.pool, scope).await.map_err(db)?;
    let invitations = if user.role.can_manage_invitations(user.org_kind) {
        let t = repo::invitation_totals(&state.pool, scope)
            .await
            .map_err(db)?;
        let settled = t.accepted + t.expired + t.revoked;
        Some(InvitationCounts {
            pending: t.pending,
            accepted: t.accepted,
            expired: t.expired,
            revoked: t.revoked,
            acceptance_rate_percent: (settled > 0)
                .then(|| (t.accepted * 100 + settled / 2) / settled),
            median_minutes_to_accept: t.median_minutes_to_accept.map(|m| m.round() as i64),
        })
    } else {
        None
    };
    Ok(DashboardNumbers {
        members,
        invitations,
    })
}
