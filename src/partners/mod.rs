//! Partner onboarding: the provider registry, partners with least-privilege scopes and an
//! approval workflow, OAuth 2.0 client credentials, the scoped partner API, and credential
//! invitations through which a partner's tech lead submits an API key and secret.

pub mod api;
pub mod credential_page;
#[cfg(feature = "ssr")]
pub mod credentials;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod oauth;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod partner_api;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
