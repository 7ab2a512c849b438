//! The append-only invitation audit trail (`invitation_audit_events`).

use crate::security::RequestContext;
use sqlx::PgExecutor;
use uuid::Uuid;

/// What happened to an invitation. Stored by [`AuditAction::as_str`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuditAction {
    Created,
    Viewed,
    Accepted,
    Resent,
    Revoked,
    Expired,
    ReissueRequested,
}

impl AuditAction {
    /// Database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Viewed => "viewed",
            Self::Accepted => "accepted",
            Self::Resent => "resent",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::ReissueRequested => "reissue_requested",
        }
    }
}

/// Appends one audit event. `actor` is `None` for the system or an anonymous invitee; `detail`
/// is a JSON object with action-specific facts (never a token or password).
///
/// # Errors
/// Database errors.
pub async fn record<'c>(
    db: impl PgExecutor<'c>,
    invitation_id: Uuid,
    action: AuditAction,
    actor: Option<Uuid>,
    ctx: &RequestContext,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO invitation_audit_events (invitation_id, action, actor_user_id, ip, user_agent, detail)
         VALUES ($1, $2, $3, $4::inet, $5, $6)",
    )
    .bind(invitation_id)
    .bind(action.as_str())
    .bind(actor)
    .bind(ctx.ip.map(|ip| ip.to_string()))
    .bind(ctx.user_agent.as_deref())
    .bind(detail)
    .execute(db)
    .await?;
    Ok(())
}
