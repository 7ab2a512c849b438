//! The audit log page (`/audit-log`): every audit event of the signed-in admin's organisation
//! (every organisation's for platform admins) across invitations, invite codes, partners,
//! credential invitations and API tokens, filtered, paged by keyset, and exported as CSV or
//! JSON lines. Source: OWASP ASVS 5.0 V16 (security logging), whose events are only useful
//! if people can read them.

pub mod api;
pub mod dto;
#[cfg(feature = "ssr")]
pub mod export;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
