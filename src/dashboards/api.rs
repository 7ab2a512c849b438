//! Server function behind the dashboards.

use crate::error::AppError;
use leptos::prelude::*;

pub use super::dto::{DashboardNumbers, InvitationCounts};

/// The signed-in person's dashboard numbers (401 without a session).
#[server(prefix = "/rpc", endpoint = "dashboard/summary")]
pub async fn dashboard_summary() -> Result<DashboardNumbers, AppError> {
    // Any signed-in person; the service decides what their role may see.
    let (state, user, _) = crate::auth::session::signed_in_as(|_| true).await?;
    super::service::summary(&state, &user).await
}
