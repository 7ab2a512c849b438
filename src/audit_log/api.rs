//! The audit log's server function. The organisation comes from the session; platform admins
//! read every organisation's events.

use crate::error::AppError;
use leptos::prelude::*;

pub use super::dto::*;

/// One page of the audit log, newest first, filtered (every field optional).
///
/// # Errors
/// 401 without a session; 403 for roles that do not manage invitations; 422 per bad filter
/// field (`action`, `subject`, `actor`, `from`, `to`).
#[server(prefix = "/rpc", endpoint = "audit-log/list")]
pub async fn load_audit_log(
    action: Option<String>,
    subject: Option<String>,
    actor: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<AuditPage, AppError> {
    let (state, user, _ctx) = crate::auth::session::signed_in_as(super::service::may_read).await?;
    let q = AuditQuery {
        action: action.unwrap_or_default(),
        subject: subject.unwrap_or_default(),
        actor: actor.unwrap_or_default(),
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        before,
    };
    super::service::page(&state, &user, &q).await
}
