//! Gatehouse: a self-hosted invitation and onboarding gateway.
//!
//! Walk a behaviour from the route table in [`app`] to a page, its server function (`api`),
//! the service with the rules and transactions, and the repository with the SQL.

#![recursion_limit = "256"]

pub mod analytics;
pub mod api_tokens;
pub mod app;
pub mod audit_log;
pub mod auth;
pub mod components;
pub mod credential_invitations;
pub mod dashboards;
pub mod dev_mailbox;
pub mod domain;
pub mod email_templates;
pub mod error;
pub mod invitations;
pub mod invite_codes;
pub mod organisations;
#[cfg(feature = "ssr")]
pub mod partner_api;
pub mod partners;
pub mod providers;
pub mod registration;
pub mod webhooks;

#[cfg(feature = "ssr")]
pub mod assets;
#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod bootstrap;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod crypto;
#[cfg(feature = "ssr")]
pub mod db;
#[cfg(feature = "ssr")]
pub mod downloads;
#[cfg(feature = "ssr")]
pub mod email;
#[cfg(feature = "ssr")]
pub mod health;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod outbound;
#[cfg(feature = "ssr")]
pub mod rate_limit;
#[cfg(feature = "ssr")]
pub mod security;
#[cfg(feature = "ssr")]
pub mod startup;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod telemetry;

/// Browser entry point: hydrates the server-rendered page, loading the wasm chunk of a lazy
/// route first when the page is one (`app::lazy`), then marks `<body data-hydrated="true">`:
/// from then on the page is interactive (end-to-end tests wait for it before clicking).
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_from_async` sets up Leptos's executor on wasm-bindgen-futures itself.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else {
            return;
        };
        let owner = leptos::mount::hydrate_from_async(body.clone(), app::App).await;
        owner.forget();
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
