//! Email templates per organisation (`/email-templates`): an organisation's admins rewrite its
//! invitation, expiry-reminder and credential-invitation emails (subject, text and HTML body),
//! preview them with sample data, send themselves a test, and reset to the built-in template;
//! each save is a version, audited, and every queued email records the version it used. The
//! sender's display name and the reply-to address are set here too. Templates render in the
//! sandbox of [`crate::email::templates::OrgTemplate`].

pub mod api;
pub mod dto;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
