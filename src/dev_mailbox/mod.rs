//! `/dev/mailbox`: in development without `SMTP_URL`, emails stay in the outbox and this page
//! shows them (newest first, with their links) so a person trying Gatehouse locally can click
//! through. In production, or with SMTP configured, the page and its endpoints do not exist.

pub mod api;
pub mod dto;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
