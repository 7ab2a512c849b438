//! SQL for the dashboard numbers. `org` `None` counts across every organisation.

use sqlx::PgExecutor;
use uuid::Uuid;

/// Memberships in `org` (or everywhere).
///
/// # Errors
/// Database errors.
pub async fn member_count<'c>(
    db: impl PgExecutor<'c>,
    org: Option<Uuid>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "members!" FROM memberships
            WHERE $1::uuid IS NULL OR organisation_id = $1"#,
        org,
    )
    .fetch_one(db)
    .await
}

/// Invitations by effective status (a pending one past its expiry counts as expired).
pub struct InvitationTotals {
    pub pending: i64,
    pub accepted: i64,
    pub expired: i64,
    pub revoked: i64,
    /// Median minutes from creation to acceptance; `None` before the first acceptance.
    pub median_minutes_to_accept: Option<f64>,
}

/// [`InvitationTotals`] of `org` (or everywhere).
///
/// # Errors
/// Database errors.
pub async fn invitation_totals<'c>(
    db: impl PgExecutor<'c>,
    org: Option<Uuid>,
) -> Result<InvitationTotals, sqlx::Error> {
    sqlx::query_as!(
        InvitationTotals,
        r#"SELECT count(*) FILTER (WHERE status = 'pending' AND expires_at > now())
                    AS "pending!",
                count(*) FILTER (WHERE status = 'accepted') AS "accepted!",
                count(*) FILTER (WHERE status = 'expired'
                                   OR (status = 'pending' AND expires_at <= now()))
                    AS "expired!",
                count(*) FILTER (WHERE status = 'revoked') AS "revoked!",
                percentile_cont(0.5) WITHIN GROUP
                    (ORDER BY extract(epoch FROM accepted_at - created_at) / 60)
                    FILTER (WHERE status = 'accepted') AS median_minutes_to_accept
           FROM invitations WHERE $1::uuid IS NULL OR organisation_id = $1"#,
        org,
    )
    .fetch_one(db)
    .await
}
