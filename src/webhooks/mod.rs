//! Partner webhooks (spec 001 UC-105, LOG-01; issue 10): endpoints per partner with their own
//! signing secrets, events queued in the transaction of the change they report and delivered
//! by workers as Standard Webhooks messages (signed, retried with backoff, logged per attempt),
//! endpoints that disable themselves after consecutive failures and mark their partner
//! degraded, test events, re-enabling, and replays. Outbound calls pass the SSRF guard of
//! [`crate::outbound`].

pub mod api;
pub mod dto;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
