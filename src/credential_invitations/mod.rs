//! Credential invitations: a single-use link through which a partner's tech lead submits the
//! API key and secret of a provider. The token follows the member-invitation rules (32 random
//! bytes, SHA-256 at rest, single use, expiry); the secret is checked for strength on both
//! sides and stored only AES-256-GCM encrypted. Every step emits an `integration_invite`
//! analytics event, exportable as JSON lines.

pub mod api;
pub mod credential_page;
pub mod dto;
#[cfg(feature = "ssr")]
pub mod export;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
