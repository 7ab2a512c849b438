//! Server function behind the dashboards.

use crate::error::AppError;
use leptos::prelude::*;

pub use super::dto::{DashboardNumbers, InvitationCounts};

/// The signed-in person's dashboard numbers (401 without a session).
#[server(prefix = "/rpc", endpoint = "dashboard/summary")]
pub async fn dashboard_summary() -> Result<DashboardNumbers, AppError> {
    use crate::auth::session::{current_user, load};
    let (state, session) = load().await?;
    let user = current_user(&state, &session).await?;
    super::service::summary(&state, &user).await
}
