//! The analytics page's server function. The organisation comes from the session; platform
//! admins may pick one (or none: every organisation).

use crate::error::AppError;
use leptos::prelude::*;

pub use super::dto::*;

/// The report for a date range (`YYYY-MM-DD`, inclusive; the last 30 days when empty).
///
/// # Errors
/// 401 without a session; 403 for roles that do not manage invitations; 404 for an unknown
/// organisation; 422 per bad field (`from`, `to`, `organisation`).
#[server(prefix = "/rpc", endpoint = "analytics/report")]
pub async fn load_analytics(
    from: Option<String>,
    to: Option<String>,
    organisation: Option<String>,
) -> Result<AnalyticsReport, AppError> {
    let (state, user, _ctx) = crate::auth::session::signed_in_as(super::service::may_read).await?;
    let q = AnalyticsQuery {
        from: from.unwrap_or_default(),
        to: to.unwrap_or_default(),
        organisation: organisation.unwrap_or_default(),
    };
    super::service::report(&state, &user, &q).await
}
