//! [`AppState`]: what every request handler, server function and background job shares.
//! A leaf of the server kernel: features import it, the router assembles it, and it imports
//! no feature.

use crate::{assets::Bundle, auth::passwords::PasswordService, config::Config};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;

/// Shared by every request and job. One `Arc`: cloning it (axum does for every request that
/// reaches a handler) costs one atomic increment, where cloning the fields one by one showed
/// in profiles of small routes (docs/PERFORMANCE.md, G1b). Holds no per-user state, so any
/// number of instances can serve the same users. Fields are read through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] holds.
pub struct Shared {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    pub passwords: Arc<PasswordService>,
    /// The static bundle and its content version (hashed once at start-up).
    pub bundle: Arc<Bundle>,
}

impl AppState {
    /// Wraps the shared parts.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
