//! [`AppState`]: what every request handler, server function and background job shares.
//! A leaf of the server kernel: features import it, the router assembles it, and it imports
//! no feature.

use crate::{auth::passwords::PasswordService, config::Config};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// Shared by every request and job. Cheap to clone; holds no per-user state, so any number
/// of instances can serve the same users.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub passwords: Arc<PasswordService>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
